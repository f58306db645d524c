"""The build: read -> detect language -> extract -> resolve -> assemble RDF -> write outputs.

Each stage is an importable function; `build` runs them in order and `write_outputs` writes
the artefacts atomically. Per-document work (`extract_one`) depends only on the document and
the rules, so it can run in worker processes, or on a cluster, and be cached by content hash.
"""
from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import os
import pickle
import shutil
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from .extract import extract_document
from .knowledge import Knowledge, load_knowledge
from .language import detect_language
from .rdf import DEFAULT_BASE, Graph, corpus_graph, write_bytes_atomically
from .read import DEFAULT_MAX_BYTES, collect
from .network import ViewFacts
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
    graph: Graph
    documents: list[Document]
    skipped: list[Skip]
    knowledge: Knowledge
    written: dict[str, str] = field(default_factory=dict)
    cache: "ExtractionCache | None" = None
    facts: "ViewFacts | None" = None  # what the view reads, gathered while the graph was written

    @property
    def quads(self) -> list[ox.Quad]:
        """Every quad, in the graph's order (made on demand: the build itself works on text)."""
        return self.graph.quads()

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
            "triples": self.graph.count,
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
    facts = ViewFacts()
    with _no_gc():
        graph = corpus_graph(corpus, knowledge, base, facts=facts)
    return BuildResult(corpus, graph, documents, skipped, knowledge, cache=cache, facts=facts)


@contextlib.contextmanager
def _no_gc():
    """No cyclic collection while millions of small, acyclic strings and tuples are made: with the
    corpus in memory, each collection walks every object, and they would take a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_store(graph: Graph | list[ox.Quad], directory: Path) -> None:
    """A new embedded store at `directory` holding the graph (named graphs kept).

    A Graph is bulk-loaded from its TriG text, written beside the store for the load; Oxigraph
    parses and indexes it without holding the GIL, so this can run in a thread of its own."""
    store = ox.Store(str(directory))
    if isinstance(graph, Graph):
        source = directory.with_name(f".{directory.name}.trig")
        with source.open("w", encoding="utf-8") as handle:
            handle.writelines(graph.trig_parts())
        try:
            # lenient: every IRI was checked once when it was minted, every literal escaped.
            store.bulk_load(path=str(source), format=ox.RdfFormat.TRIG, lenient=True)
        finally:
            source.unlink()
    else:
        store.bulk_extend(graph)
    store.flush()
    del store


class _Background:
    """A function run in a thread; `result()` waits for it and raises what it raised."""

    def __init__(self, function: Callable, *args):
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(function, *args), daemon=True)
        self.thread.start()

    def _run(self, function: Callable, *args) -> None:
        try:
            function(*args)
        except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
            self.error = error

    def result(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


def write_turtle(graph: Graph, path: Path) -> None:
    """graph.ttl, written piece by piece (never whole in memory) to a temporary file, then renamed."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            handle.writelines(graph.turtle_parts())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


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


def view_network(result: BuildResult):
    """The view's network: read from the facts the build gathered, or (where only the store's query
    engine can say which comes first) from an in-memory store of the graph, as `kg render` reads it."""
    from .network import Ambiguous, network_from_store

    if result.facts is not None:
        try:
            with _no_gc():
                return result.facts.network()
        except Ambiguous:
            pass
    memory = ox.Store()
    memory.bulk_load(input="".join(result.graph.trig_parts()).encode("utf-8"), format=ox.RdfFormat.TRIG, lenient=True)
    return network_from_store(memory)


def _write_files(result: BuildResult, staging: Path, view: bool) -> None:
    """graph.ttl, graph.html, the report and the cache, into the staging folder."""
    write_turtle(result.graph, staging / GRAPH_FILE)
    if view:
        from .render import render_html

        render_html(view_network(result), staging / VIEW_FILE, title="Social services leadership graph")
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
    # The store loads in a thread (Oxigraph releases the GIL) while Python writes the rest.
    loading = _Background(write_store, result.graph, staging / STORE_DIR) if store else None
    try:
        _write_files(result, staging, view)
    finally:
        if loading is not None:
            loading.result()  # raises what the load raised; the staging folder is then left unused
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
