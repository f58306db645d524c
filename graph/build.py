"""The build: read -> detect language -> extract -> resolve -> assemble RDF -> write outputs.

Each stage is an importable function; `build` runs them in order and `write_outputs` writes
the artefacts atomically. Per-document work (`extract_one`, graph.workers) depends only on the
document and the rules, so it can run in worker processes, or on a cluster, and be cached by
content hash.

With a cache folder (OUT/.cache, what `kg build` uses) a build also leaves there what the next
one needs (graph.previous): the next build then re-extracts only new and changed documents and,
where the record vouches for it, makes only what they touch (graph.incremental) and copies the
rest of graph.ttl, graph.html and the store from the previous outputs (graph.splice,
graph.view_page, graph.store). Either way the outputs are the bytes of a clean build.
"""
from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from .atomic import Background, remove_tree, write_bytes_atomically
from .incremental import Fallback, IncrementalBuild, store_changes
from .knowledge import Knowledge, load_knowledge
from .layout import CACHE_DIR, GRAPH_FILE, REPORT_FILE, STORE_DIR, VIEW_FILE
from .network import ViewFacts, no_gc
from .previous import DocumentReader, ExtractionCache, FileChanged, NextState, PreviousBuild, code_fingerprint, full_state
from .rdf import DEFAULT_BASE, Graph, corpus_graph
from .read import DEFAULT_MAX_BYTES, collect
from .records import Document, Skip
from .resolve import Corpus, resolve
from .splice import file_identity, write_turtle
from .store import store_identity, update_store, write_store
from .view_page import write_view
from .workers import extract_all, extract_one  # noqa: F401 - extract_one: the per-document stage, named from here

log = logging.getLogger(__name__)


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
    state: "NextState | None" = None  # what the next build needs, when this one has a cache
    notes: list[str] = field(default_factory=list)  # why the previous build's record was not (all) used

    @property
    def quads(self) -> list[ox.Quad]:
        """Every quad, in the graph's order (made on demand: the build itself works on text)."""
        return self.graph.quads()

    def counts(self) -> dict[str, int]:
        """Entities per type, plus memberships, documents and triples: the build's summary."""
        by_type = Counter(e.type for e in self.corpus.entities.values())
        tally = self.corpus.tally
        if tally is not None:
            sectors, memberships = len(tally.sector_mentions), tally.memberships
        else:
            sectors = len({m.key for x in self.corpus.extractions for m in x.mentions if m.type == "sector"})
            memberships = sum(len(x.memberships) for x in self.corpus.extractions)
        return {
            "documents": len(self.corpus.extractions),
            "persons": by_type["person"],
            "organisations": by_type["organisation"],
            "municipalities": by_type["municipality"],
            "countries": by_type["country"],
            "sectors": sectors,
            "papers": len(self.corpus.papers),
            "memberships": memberships,
            "skipped files": len(self.skipped),
            # No triple stands in two graphs (a document's graph holds only its own nodes), so the
            # quads are the triples; hashing a million of them again would cost seconds.
            "triples": self.graph.count,
        }


def build(paths: Iterable[str | os.PathLike], *, base: str = DEFAULT_BASE, max_bytes: int = DEFAULT_MAX_BYTES,
          jobs: int = 1, knowledge: Knowledge | None = None, cache_dir: str | os.PathLike | None = None,
          progress: Callable[[int], None] | None = None, on_documents: Callable[[int], None] | None = None) -> BuildResult:
    """Build the graph of the documents under `paths` (files or folders), in memory.

    With `cache_dir`, extractions of unchanged documents are reused, and so is everything the
    previous build made from them that a change does not touch: the result is the same as a
    clean build's, byte for byte."""
    knowledge = knowledge or load_knowledge()
    paths = [Path(p) for p in paths]
    try:
        return _build(paths, base, max_bytes, jobs, knowledge, cache_dir, progress, on_documents, trust_stats=True)
    except FileChanged:  # a file changed under the build: read every file as it is now
        return _build(paths, base, max_bytes, jobs, knowledge, cache_dir, progress, on_documents, trust_stats=False)


def _build(paths, base, max_bytes, jobs, knowledge, cache_dir, progress, on_documents, trust_stats) -> BuildResult:
    notes: list[str] = []
    cache_dir = Path(cache_dir) if cache_dir else None
    key = code_fingerprint(knowledge, base) if cache_dir else ""
    cache = ExtractionCache(cache_dir, knowledge.fingerprint) if cache_dir else None
    if cache is not None and cache.damage:
        notes.append(f"the extraction cache could not be read ({cache.damage}): every document is extracted again")
    previous, unusable = PreviousBuild.load(cache_dir, key, max_bytes)
    if unusable:
        notes.append(f"a full build: the previous build's record cannot serve ({unusable})")
    reader = DocumentReader(previous if trust_stats else None, cache)
    documents, skipped = collect(paths, max_bytes=max_bytes, read=reader)
    if on_documents:
        on_documents(len(documents))
    if previous is not None:
        try:
            corpus, graph, state = IncrementalBuild(previous, documents, skipped, reader.stats, cache, knowledge, base,
                                                    jobs, progress, max_bytes).run()
            if previous.damage:
                notes.append(f"parts of the previous build's record could not be read ({'; '.join(previous.damage)}):"
                             " what they describe is made whole")
            return BuildResult(corpus, graph, documents, skipped, knowledge, cache=cache, state=state, notes=notes)
        except Fallback as reason:
            damage = f" ({'; '.join(previous.damage)})" if previous.damage else ""
            notes.append(f"a full build: {reason}{damage}")
            log.info("full build: %s%s", reason, damage)
    extractions = extract_all(documents, knowledge, jobs=jobs, progress=progress, cache=cache, max_bytes=max_bytes)
    if cache is not None:
        cache.current = extractions  # what extraction gave, before resolution renames anything
    corpus = resolve(extractions, knowledge)
    facts = ViewFacts()
    concepts: list[dict] = []
    with no_gc():
        graph = corpus_graph(corpus, knowledge, base, facts=facts, concepts=concepts)
    result = BuildResult(corpus, graph, documents, skipped, knowledge, cache=cache, facts=facts, notes=notes)
    if cache is not None:
        with no_gc():
            result.state = full_state(result, key, base, max_bytes, reader.stats, extractions, concepts)
    return result


# ---------------------------------------------------------------- the outputs, all or nothing


def write_outputs(result: BuildResult, out_dir: str | os.PathLike, *, view: bool = True, store: bool = True) -> dict[str, str]:
    """Write graph.ttl, the store, the HTML view, the report and the cache, all or nothing.

    Everything is written into a staging folder beside `out_dir`, which then takes its place in one
    atomic exchange: a build killed at any moment leaves the previous outputs whole, never a mix of
    two builds."""
    out = Path(out_dir)
    ensure_replaceable(out)
    with _writer_lock(out):
        return _write_outputs(result, out, view, store)


def _write_outputs(result: BuildResult, out: Path, view: bool, store: bool) -> dict[str, str]:
    staging = out.with_name(f".{out.name}.new")
    remove_tree(staging)
    staging.mkdir(parents=True)
    # The store loads in a thread (Oxigraph releases the GIL) while Python writes the rest.
    loading = Background(_write_store, result, staging / STORE_DIR) if store else None
    try:
        _write_files(result, staging, view)
    finally:
        if loading is not None:
            loading.result()  # raises what the load raised; the staging folder is then left unused
    state = result.state
    if state is not None and result.cache is not None:
        state.store = store_identity(staging / STORE_DIR) if store else None
        state.save(staging / CACHE_DIR, result.documents)
    if out.exists():
        if _exchange(staging, out):
            remove_tree(staging)  # now the previous build
        else:  # no atomic exchange here: the old folder steps aside for a moment
            stale = out.with_name(f".{out.name}.old")
            remove_tree(stale)
            os.replace(out, stale)
            os.replace(staging, out)
            remove_tree(stale)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, out)
    if state is not None:
        state.point_at(result.graph, result.documents, out / GRAPH_FILE)
    written = {"turtle": str(out / GRAPH_FILE), "report": str(out / REPORT_FILE)}
    if store:
        written["store"] = str(out / STORE_DIR)
    if view:
        written["html"] = str(out / VIEW_FILE)
    result.written = dict(sorted(written.items(), key=lambda item: ["turtle", "store", "html", "report"].index(item[0])))
    return result.written


def _write_files(result: BuildResult, staging: Path, view: bool) -> None:
    """graph.ttl, graph.html, the report and the cache, into the staging folder; the files' fsyncs
    run in threads while the next is written."""
    syncs: list[Background] = []
    state = result.state
    try:
        layout = write_turtle(result.graph, staging / GRAPH_FILE, syncs)
        if view:
            record = write_view(result, staging / VIEW_FILE, syncs)
            if state is not None:
                state.view = record
        write_bytes_atomically(staging / REPORT_FILE, report_text(result).encode("utf-8", "surrogateescape"))
        if result.cache is not None:
            result.cache.save_to(staging / CACHE_DIR, result.documents)
    finally:
        for sync in syncs:
            sync.result()
    if state is not None:
        state.record_turtle(result.graph, layout, result.documents, file_identity(staging / GRAPH_FILE))
        if state.view is not None:
            state.view["html"] = file_identity(staging / VIEW_FILE)


def _write_store(result: BuildResult, directory: Path) -> None:
    """The store: the previous build's, changed where this one differs, or loaded whole."""
    try:
        changes = store_changes(result.state, result.knowledge)
    except (KeyError, TypeError, ValueError, IndexError) as reason:
        log.info("store loaded anew: %r", reason)
        changes = None
    if changes is not None:
        try:
            update_store(changes[0], directory, *changes[1:])
            return
        except (OSError, ValueError, SyntaxError) as reason:
            log.info("store loaded anew: %r", reason)
            remove_tree(directory)
    write_store(result.graph, directory)


def report_text(result: BuildResult) -> str:
    """build-report.json: counts, skipped files, the documents with their hashes, the rules."""
    report = {
        "counts": result.counts(),
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
        "documents": [{"identifier": d.identifier, "path": d.path, "sha256": d.content_hash, "encoding": d.encoding}
                      for d in result.documents],
        "rules": result.knowledge.fingerprint,
    }
    documents = report.pop("documents")
    text = _indented_json({**report, "documents": []})
    if documents:  # the largest part, written as json.dumps(indent=2) writes a list of flat dicts
        encode = _encode_string
        entries = ",\n".join(
            f'    {{\n      "encoding": {encode(d["encoding"])},\n      "identifier": {encode(d["identifier"])},\n'
            f'      "path": {encode(d["path"])},\n      "sha256": {encode(d["sha256"])}\n    }}' for d in documents)
        text = text.replace('\n  "documents": [],\n', '\n  "documents": [\n' + entries + '\n  ],\n', 1)
    return text + "\n"


def _indented_json(value, indent: str = "") -> str:
    """json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True), with every scalar and every
    flat list or dict made by the C encoder (the indenting encoder is pure Python: seconds for the
    documents of a big corpus)."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{_encode_string(str(key))}: {_indented_json(value[key], inner)}"
                 for key in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + _indented_json(item, inner) for item in value) + "\n" + indent + "]"
    if isinstance(value, str):
        return _encode_string(value)
    if value is None or isinstance(value, (bool, int)):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


_encode_string = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes a string with


@contextlib.contextmanager
def _writer_lock(out: Path):
    """One writer per output folder: two builds into one --out would share its staging folder
    (each removing what the other writes). The lock file beside it stays; the lock goes with the
    process, however it ends."""
    from .errors import KgError

    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with open(out.with_name(f".{out.name}.lock"), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise KgError(f"another build is writing {out} now: wait for it to finish, or choose another --out") from None
        yield


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 with RENAME_EXCHANGE); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0


def ensure_replaceable(out: Path) -> None:
    """Refuse, before any work, to replace a folder that holds something other than a build."""
    from .errors import KgError

    if out.exists() and (not out.is_dir() or not _is_build_folder(out)):
        raise KgError(f"{out} exists and is not the output folder of a build; choose another --out")


def _is_build_folder(path: Path) -> bool:
    """Only a folder kg wrote (or an empty one) may be replaced by a new build."""
    entries = {p.name for p in path.iterdir()}
    return not entries or bool(entries & {GRAPH_FILE, REPORT_FILE, STORE_DIR, CACHE_DIR})
