"""The build: read -> detect language -> extract -> resolve -> assemble RDF -> write outputs.

Each stage is an importable function; `build` runs them in order and `write_outputs` writes
the artefacts atomically. Per-document work (`extract_one`) depends only on the document and
the rules, so it can run in worker processes, or on a cluster, and be cached by content hash.
"""
from __future__ import annotations

import ctypes
import json
import os
import pickle
import shutil
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from .extract import extract_document
from .knowledge import Knowledge, load_knowledge
from .language import detect_language
from .rdf import DEFAULT_BASE, corpus_quads, turtle_bytes, write_bytes_atomically
from .read import DEFAULT_MAX_BYTES, collect
from .records import Document, Extraction, Skip
from .resolve import Corpus, resolve

GRAPH_FILE = "graph.ttl"
VIEW_FILE = "graph.html"
STORE_DIR = "store"
REPORT_FILE = "build-report.json"
CACHE_DIR = ".cache"


@dataclass
class BuildResult:
    """What a build produced, before or after it was written."""

    corpus: Corpus
    quads: list[ox.Quad]
    documents: list[Document]
    skipped: list[Skip]
    knowledge: Knowledge
    written: dict[str, str] = field(default_factory=dict)
    cache: "ExtractionCache | None" = None

    def counts(self) -> dict[str, int]:
        """Entities per type, plus memberships, documents and triples: the build's summary."""
        by_type = Counter(e.type for e in self.corpus.entities.values())
        sectors = {m.key for x in self.corpus.extractions for m in x.mentions if m.type == "sector"}
        return {
            "documents": len(self.corpus.extractions),
            "persons": by_type["person"],
            "organisations": by_type["organisation"],
            "municipalities": by_type["municipality"],
            "countries": by_type["country"],
            "sectors": len(sectors),
            "papers": len(self.corpus.papers),
            "memberships": sum(len(x.memberships) for x in self.corpus.extractions),
            "skipped files": len(self.skipped),
            # No triple stands in two graphs (a document's graph holds only its own nodes), so the
            # quads are the triples; hashing a million of them again would cost seconds.
            "triples": len(self.quads),
        }


def extract_one(document: Document, knowledge: Knowledge | None = None) -> Extraction:
    """Language detection and extraction of one document: a pure function of it and the rules."""
    knowledge = knowledge or load_knowledge()
    return extract_document(document, knowledge, detect_language(document.text))


def _extract_in_worker(document: Document) -> Extraction:
    return extract_one(document)


class ExtractionCache:
    """Extractions kept between builds, keyed by document name, content hash and rules fingerprint.

    A rebuild re-extracts only new or changed documents; what deleted documents contributed is
    gone because only the current documents are looked up; a change to any rule or list changes
    the fingerprint and so every key. One pickle file, written atomically.
    """

    FILE = "extractions.pickle"

    def __init__(self, directory: Path | None, fingerprint: str):
        self.path = directory / self.FILE if directory else None
        self.fingerprint = fingerprint
        self.entries: dict[str, Extraction] = {}
        if self.path and self.path.is_file():
            try:
                with self.path.open("rb") as handle:
                    stored = pickle.load(handle)
                if isinstance(stored, dict) and stored.get("fingerprint") == fingerprint:
                    self.entries = stored["entries"]
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, KeyError, TypeError, ValueError):
                self.entries = {}  # a damaged cache is only a slower build
        self.hits = 0
        self.current: list[Extraction] = []

    @staticmethod
    def key(document: Document) -> str:
        return f"{document.identifier}\x1f{document.content_hash}"

    def get(self, document: Document) -> Extraction | None:
        found = self.entries.get(self.key(document))
        if found is not None:
            self.hits += 1
        return found

    def save_to(self, directory: Path, documents: list[Document]) -> None:
        """Keep the current documents' extractions (only those: deleted documents drop out)."""
        by_id = {x.identifier: x for x in self.current}
        entries = {self.key(d): by_id[d.identifier] for d in documents if d.identifier in by_id}
        data = pickle.dumps({"fingerprint": self.fingerprint, "entries": entries}, protocol=pickle.HIGHEST_PROTOCOL)
        write_bytes_atomically(directory / self.FILE, data)


def extract_all(documents: list[Document], knowledge: Knowledge, *, jobs: int = 1,
                progress: Callable[[int], None] | None = None, cache: ExtractionCache | None = None) -> list[Extraction]:
    """Extract every document, in worker processes when jobs > 1; the order of the result is fixed."""
    extractions: list[Extraction] = []
    if cache is not None:
        todo = []
        for document in documents:
            cached = cache.get(document)
            if cached is None:
                todo.append(document)
            else:
                extractions.append(cached)
                if progress:
                    progress(1)
        documents = todo
    if jobs > 1 and len(documents) > 1 and knowledge.directory == load_knowledge().directory:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            chunk = max(1, min(64, len(documents) // (jobs * 8) or 1))
            for extraction in pool.map(_extract_in_worker, documents, chunksize=chunk):
                extractions.append(extraction)
                if progress:
                    progress(1)
    else:
        for document in documents:
            extractions.append(extract_one(document, knowledge))
            if progress:
                progress(1)
    return sorted(extractions, key=lambda x: x.identifier)


def build(paths: Iterable[str | os.PathLike], *, base: str = DEFAULT_BASE, max_bytes: int = DEFAULT_MAX_BYTES,
          jobs: int = 1, knowledge: Knowledge | None = None, cache_dir: str | os.PathLike | None = None,
          progress: Callable[[int], None] | None = None, on_documents: Callable[[int], None] | None = None) -> BuildResult:
    """Build the graph of the documents under `paths` (files or folders), in memory.

    With `cache_dir`, extractions of unchanged documents are reused: the result is the same as a
    clean build's, byte for byte."""
    knowledge = knowledge or load_knowledge()
    documents, skipped = collect([Path(p) for p in paths], max_bytes=max_bytes)
    if on_documents:
        on_documents(len(documents))
    cache = ExtractionCache(Path(cache_dir), knowledge.fingerprint) if cache_dir else None
    extractions = extract_all(documents, knowledge, jobs=jobs, progress=progress, cache=cache)
    if cache is not None:
        cache.current = extractions  # what extraction gave, before resolution renames anything
    corpus = resolve(extractions, knowledge)
    quads = corpus_quads(corpus, knowledge, base)
    return BuildResult(corpus, quads, documents, skipped, knowledge, cache=cache)


def write_store(quads: list[ox.Quad], directory: Path) -> None:
    """A new embedded store at `directory` holding `quads` (named graphs kept)."""
    store = ox.Store(str(directory))
    store.bulk_extend(quads)
    store.flush()
    del store


def _remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 with RENAME_EXCHANGE); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0


OUTPUT_NAMES = {GRAPH_FILE, VIEW_FILE, STORE_DIR, REPORT_FILE, CACHE_DIR}


def ensure_replaceable(out: Path) -> None:
    """Refuse, before any work, to replace a folder that holds something other than a build."""
    from .errors import KgError

    if out.exists() and (not out.is_dir() or not _is_build_folder(out)):
        raise KgError(f"{out} exists and is not the output folder of a build; choose another --out")


def _is_build_folder(path: Path) -> bool:
    """Only a folder kg wrote (or an empty one) may be replaced by a new build."""
    entries = {p.name for p in path.iterdir()}
    return not entries or bool(entries & {GRAPH_FILE, REPORT_FILE, STORE_DIR, CACHE_DIR})


def write_outputs(result: BuildResult, out_dir: str | os.PathLike, *, view: bool = True, store: bool = True) -> dict[str, str]:
    """Write graph.ttl, the store, the HTML view, the report and the cache, all or nothing.

    Everything is written into a staging folder beside `out_dir`, which then takes its place in one
    atomic exchange: a build killed at any moment leaves the previous outputs whole, never a mix of
    two builds."""
    out = Path(out_dir)
    ensure_replaceable(out)
    staging = out.with_name(f".{out.name}.new")
    _remove_tree(staging)
    staging.mkdir(parents=True)
    write_bytes_atomically(staging / GRAPH_FILE, turtle_bytes(result.quads))
    if store:
        write_store(result.quads, staging / STORE_DIR)
    if view:
        from .network import network_from_store
        from .render import render_html

        memory = ox.Store()
        memory.bulk_extend(result.quads)
        render_html(network_from_store(memory), staging / VIEW_FILE, title="Social services leadership graph")
    report = {
        "counts": result.counts(),
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
        "documents": [{"identifier": d.identifier, "path": d.path, "sha256": d.content_hash, "encoding": d.encoding}
                      for d in result.documents],
        "rules": result.knowledge.fingerprint,
    }
    write_bytes_atomically(staging / REPORT_FILE, (json.dumps(report, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8", "surrogateescape"))
    if result.cache is not None:
        result.cache.save_to(staging / CACHE_DIR, result.documents)
    if out.exists():
        if _exchange(staging, out):
            _remove_tree(staging)  # now the previous build
        else:  # no atomic exchange here: the old folder steps aside for a moment
            stale = out.with_name(f".{out.name}.old")
            _remove_tree(stale)
            os.replace(out, stale)
            os.replace(staging, out)
            _remove_tree(stale)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, out)
    written = {"turtle": str(out / GRAPH_FILE), "report": str(out / REPORT_FILE)}
    if store:
        written["store"] = str(out / STORE_DIR)
    if view:
        written["html"] = str(out / VIEW_FILE)
    result.written = dict(sorted(written.items(), key=lambda item: ["turtle", "store", "html", "report"].index(item[0])))
    return result.written
