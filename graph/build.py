"""The build: read -> detect language -> extract -> resolve -> assemble RDF -> write outputs.

Each stage is an importable function; `build` runs them in order and `write_outputs` writes
the artefacts atomically. Per-document work (`extract_one`) depends only on the document and
the rules, so it can run in worker processes, or on a cluster, and be cached by content hash.
"""
from __future__ import annotations

import json
import os
import pickle
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

    @staticmethod
    def key(document: Document) -> str:
        return f"{document.identifier}\x1f{document.content_hash}"

    def get(self, document: Document) -> Extraction | None:
        found = self.entries.get(self.key(document))
        if found is not None:
            self.hits += 1
        return found

    def save(self, extractions: list[Extraction], documents: list[Document]) -> None:
        if not self.path:
            return
        by_id = {x.identifier: x for x in extractions}
        entries = {self.key(d): by_id[d.identifier] for d in documents if d.identifier in by_id}
        data = pickle.dumps({"fingerprint": self.fingerprint, "entries": entries}, protocol=pickle.HIGHEST_PROTOCOL)
        write_bytes_atomically(self.path, data)


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
        cache.save(extractions, documents)
    corpus = resolve(extractions, knowledge)
    quads = corpus_quads(corpus, knowledge, base)
    return BuildResult(corpus, quads, documents, skipped, knowledge)


def write_store(quads: list[ox.Quad], directory: Path) -> None:
    """Replace the embedded store at `directory` with one holding `quads` (named graphs kept)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    fresh = directory.with_name(f".{directory.name}.new")
    stale = directory.with_name(f".{directory.name}.old")
    for leftover in (fresh, stale):
        _remove_tree(leftover)
    store = ox.Store(str(fresh))
    store.bulk_extend(quads)
    store.flush()
    del store
    if directory.exists():
        os.replace(directory, stale)
    os.replace(fresh, directory)
    _remove_tree(stale)


def _remove_tree(path: Path) -> None:
    import shutil

    if path.exists():
        shutil.rmtree(path)


def write_outputs(result: BuildResult, out_dir: str | os.PathLike, *, view: bool = True, store: bool = True) -> dict[str, str]:
    """Write graph.ttl, the store, the HTML view and the build report into `out_dir`, each atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    write_bytes_atomically(out / GRAPH_FILE, turtle_bytes(result.quads))
    written["turtle"] = str(out / GRAPH_FILE)
    if store:
        write_store(result.quads, out / STORE_DIR)
        written["store"] = str(out / STORE_DIR)
    if view:
        from .network import network_from_store
        from .render import render_html

        memory = ox.Store()
        memory.bulk_extend(result.quads)
        render_html(network_from_store(memory), out / VIEW_FILE, title="Social services leadership graph")
        written["html"] = str(out / VIEW_FILE)
    report = {
        "counts": result.counts(),
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
        "documents": [{"identifier": d.identifier, "path": d.path, "sha256": d.content_hash, "encoding": d.encoding}
                      for d in result.documents],
        "rules": result.knowledge.fingerprint,
    }
    write_bytes_atomically(out / REPORT_FILE, (json.dumps(report, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode())
    written["report"] = str(out / REPORT_FILE)
    result.written = written
    return written
