"""The build: read -> detect language -> extract -> resolve -> assemble RDF -> write outputs.

Each stage is an importable function; `build` runs them in order and `write_outputs` writes
the artefacts atomically. Per-document work (`extract_one`) depends only on the document and
the rules, so it can run in worker processes, or on a cluster, and be cached by content hash.

A build with a cache folder also leaves there what the next build needs to redo only what a
change touches (`PreviousBuild`): a rebuild after one changed document re-extracts that
document, updates the resolution's counts, makes the Turtle of the documents whose text
changed, copies every other byte of graph.ttl and graph.html from the previous files, and
changes only those documents' named graphs in a copy of the previous store. The outputs are
the same bytes as a clean build's: whatever the record does not vouch for is made again.
"""
from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import json
import logging
import marshal
import os
import pickle
import secrets
import shutil
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from .extract import extract_document
from .knowledge import Knowledge, load_knowledge
from .language import detect_language
from .network import Ambiguous, DocumentFacts, ViewFacts, ViewGlobal
from .rdf import (DEFAULT_BASE, IRIs, TURTLE_HEADER, Chunk, Graph, StaleSource, StoredChunk, TextSource,
                  add_ontology_facts, chunk_trig, corpus_graph, document_chunk, ontology_chunk,
                  ontology_statements, role_statements, statements_chunk, write_bytes_atomically)
from .read import DEFAULT_MAX_BYTES, collect, read_file
from .records import Document, Extraction, Skip
from .resolve import Corpus, MixedTypes, Tally, rename_persons, resolve, resolve_tally

GRAPH_FILE = "graph.ttl"
VIEW_FILE = "graph.html"
STORE_DIR = "store"
REPORT_FILE = "build-report.json"
CACHE_DIR = ".cache"
VIEW_TITLE = "Social services leadership graph"
log = logging.getLogger(__name__)  # why a rebuild made something whole rather than from the previous build


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


def extract_one(document: Document, knowledge: Knowledge | None = None) -> Extraction:
    """Language detection and extraction of one document: a pure function of it and the rules."""
    knowledge = knowledge or load_knowledge()
    return extract_document(document, knowledge, detect_language(document.text))


def _extract_in_worker(document: Document) -> Extraction:
    return extract_one(document)


# ---------------------------------------------------------------- records kept between builds


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class Records:
    """Byte records kept between builds in append-only segment files of a cache folder, found
    through an index {key: (segment, offset, length, digest)}. A rebuild reads only the records it
    needs and writes only new ones: the segments it keeps are hard links to the previous build's
    (segments are never changed once written). A record whose length or BLAKE2 digest is not the
    indexed one is a miss, so a damaged cache only makes the build slower."""

    def __init__(self, directory: Path | None, prefix: str, index: dict | None = None):
        self.directory = directory
        self.prefix = prefix
        self.index: dict = dict(index or {})
        self.new: dict = {}
        self._files: dict[str, int] = {}

    def __contains__(self, key) -> bool:
        return key in self.new or key in self.index

    def get(self, key) -> bytes | None:
        if key in self.new:
            return self.new[key]
        ref = self.index.get(key)
        if ref is None or self.directory is None:
            return None
        try:
            segment, offset, length, digest = ref
            fd = self._files.get(segment)
            if fd is None:
                fd = self._files[segment] = os.open(self.directory / os.path.basename(segment), os.O_RDONLY)
            data = os.pread(fd, length, offset)
        except (OSError, TypeError, ValueError):
            return None
        return data if len(data) == length and _digest(data) == digest else None

    def put(self, key, data: bytes) -> None:
        self.new[key] = data

    def close(self) -> None:
        for fd in self._files.values():
            os.close(fd)
        self._files.clear()

    def save_to(self, directory: Path, keep: Iterable) -> dict:
        """Write the records of `keep` into `directory` (a new folder) and return their index."""
        directory.mkdir(parents=True, exist_ok=True)
        keep = list(keep)
        old = {key: self.index[key] for key in keep if key not in self.new and key in self.index}
        used = {ref[0] for ref in old.values()}
        live = sum(ref[2] for ref in old.values())
        sizes = {}
        for segment in used:
            try:
                sizes[segment] = os.stat(self.directory / segment).st_size
            except (OSError, TypeError):
                sizes[segment] = None
        index: dict = {}
        fresh = [key for key in keep if key in self.new]
        if any(size is None for size in sizes.values()) or live < 0.5 * sum(sizes.values()):
            kept = set()  # more than half of the kept segments is dead: write the live records afresh
        elif len(used) > 8:  # one segment per rebuild: the small ones join the new one
            kept = {max(used, key=lambda segment: sizes[segment])}
        else:
            kept = used
        for segment in kept:
            _link_or_copy(self.directory / segment, directory / segment)
        index.update((key, ref) for key, ref in old.items() if ref[0] in kept)
        fresh.extend(key for key, ref in old.items() if ref[0] not in kept)
        if fresh:
            segment = f"{self.prefix}-{secrets.token_hex(8)}.seg"
            offset = 0
            with open(directory / segment, "wb") as handle:
                for key in fresh:
                    data = self.get(key)
                    if data is None:
                        continue
                    handle.write(data)
                    index[key] = (segment, offset, len(data), _digest(data))
                    offset += len(data)
                handle.flush()
                os.fsync(handle.fileno())
        return index


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


class ExtractionCache:
    """Extractions kept between builds, keyed by document name, content hash and rules fingerprint.

    A rebuild re-extracts only new or changed documents; what deleted documents contributed is
    gone because only the current documents are looked up; a change to any rule or list changes
    the fingerprint and so every key. The index (FILE, a pickle) maps each key to its record in
    the segment files beside it; a record is unpickled only when it is asked for."""

    FILE = "extractions.pickle"

    def __init__(self, directory: Path | None, fingerprint: str):
        directory = Path(directory) if directory else None
        self.path = directory / self.FILE if directory else None
        self.fingerprint = fingerprint
        self.entries: dict[str, tuple] = {}
        self.legacy: dict[str, Extraction] = {}
        if self.path and self.path.is_file():
            try:
                with self.path.open("rb") as handle:
                    stored = pickle.load(handle)
                if isinstance(stored, dict) and stored.get("fingerprint") == fingerprint:
                    if stored.get("version") == 2:
                        self.entries = dict(stored["entries"])
                    elif "version" not in stored:  # the one pickle of every extraction of earlier versions
                        self.legacy = {k: v for k, v in stored["entries"].items() if isinstance(v, Extraction)}
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, KeyError, TypeError, ValueError, ImportError):
                self.entries, self.legacy = {}, {}  # a damaged cache is only a slower build
        self.records = Records(directory, "extractions", self.entries)
        self.hits = 0
        self.current: list[Extraction] = []

    @staticmethod
    def key(document: Document) -> str:
        return f"{document.identifier}\x1f{document.content_hash}"

    def has(self, document: Document) -> bool:
        key = self.key(document)
        return key in self.records or key in self.legacy

    def load(self, key: str) -> Extraction | None:
        """The extraction stored under `key`, or None (never stored, or damaged)."""
        found = self.legacy.get(key)
        if found is None:
            data = self.records.get(key)
            if data is None:
                return None
            try:
                found = pickle.loads(data)
            except Exception:  # noqa: BLE001 - a damaged record is a miss
                return None
        if not isinstance(found, Extraction) or f"{found.identifier}\x1f{found.content_hash}" != key:
            return None
        return found

    def get(self, document: Document) -> Extraction | None:
        found = self.load(self.key(document))
        if found is not None:
            self.hits += 1
        return found

    def put(self, extraction: Extraction) -> None:
        key = f"{extraction.identifier}\x1f{extraction.content_hash}"
        if key not in self.records.index:
            self.records.put(key, pickle.dumps(extraction, protocol=pickle.HIGHEST_PROTOCOL))

    def save_to(self, directory: Path, documents: list[Document]) -> None:
        """Keep the current documents' extractions (only those: deleted documents drop out)."""
        for extraction in self.current:
            self.put(extraction)
        for document in documents:
            found = self.legacy.get(self.key(document))
            if found is not None:
                self.put(found)
        index = self.records.save_to(directory, [self.key(d) for d in documents])
        data = pickle.dumps({"fingerprint": self.fingerprint, "version": 2, "entries": index},
                            protocol=pickle.HIGHEST_PROTOCOL)
        write_bytes_atomically(directory / self.FILE, data)


# ---------------------------------------------------------------- what a build leaves for the next


def _code_fingerprint(knowledge: Knowledge, base: str) -> str:
    """Everything besides the documents that the derived records depend on: the rules, the base
    IRI, the code that makes Turtle, resolves, reads the view and renders it, and the versions of
    the libraries that serialise and lay out."""
    import networkx
    import numpy

    digest = hashlib.sha256()
    for part in (knowledge.fingerprint, base, ox.__version__, networkx.__version__, numpy.__version__,
                 sys.version, str(sys.byteorder)):
        digest.update(part.encode() + b"\x1f")
    here = Path(__file__).parent
    for name in ("build.py", "rdf.py", "resolve.py", "network.py", "render.py", "atomic.py"):
        digest.update((here / name).read_bytes())
    for path in sorted((here / "templates").rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:24]


class PreviousBuild:
    """What the previous build recorded in its cache folder, in marshal files of plain values
    (each read only when needed), all under one key: the code fingerprint. What it trusts:

    * a document's file is not read again while its device, inode, size, mtime and ctime are the
      recorded ones (writing or replacing a file changes them, ctime cannot be set back; a file
      read within RACY_NS of its last change is not recorded, so it is read again next time);
    * graph.ttl and graph.html beside the cache folder are the ones it wrote while their size,
      mtime and bytes at nine sampled places are the recorded ones (a `cp -a` copy is the same);
    * the store is the one it wrote while its files' names, sizes and mtimes are (RocksDB never
      rewrites a file; an update writes new ones);
    * every record read is checked against its length and BLAKE2 digest.
    Anything it does not vouch for is made again from the extractions.

    * `state.marshal`: per document its path, stat fields and hash, where its Turtle stands in
      graph.ttl; resolution's counts (resolve.Tally) and outcome; the role concepts and the
      documents using them; the identities above; the index of the document records.
    * `refs.marshal`: per entity key, the documents whose Turtle depends on it.
    * `default.marshal`: the entities' and roles' statements (to change the store, and to reuse).
    * `view.marshal`: where each drawn node stands in graph.html and what it was made from.
    * document records (segments): per document its view rows, role concepts, the keys it names
      and its role edges.
    """

    FILES = {"state": "state.marshal", "refs": "refs.marshal", "default": "default.marshal", "view": "view.marshal"}

    def __init__(self, directory: Path, key: str):
        self.directory = directory
        self.key = key
        self._parts: dict[str, object] = {}

    @classmethod
    def load(cls, directory: Path | None, key: str, max_bytes: int) -> "PreviousBuild | None":
        if directory is None:
            return None
        previous = cls(Path(directory), key)
        state = previous.part("state")
        if not isinstance(state, dict) or state.get("max_bytes") != max_bytes:
            return None
        return previous

    def part(self, name: str):
        if name not in self._parts:
            value = None
            try:
                stored = marshal.loads((self.directory / self.FILES[name]).read_bytes())
                if isinstance(stored, dict) and stored.get("key") == self.key:
                    value = stored["data"]
            except (OSError, EOFError, ValueError, TypeError, KeyError):
                value = None
            self._parts[name] = value
        return self._parts[name]

    @property
    def state(self) -> dict:
        return self.part("state")

    def folder(self) -> Path:
        """The outputs this record describes: the folder holding the cache folder."""
        return self.directory.parent


def _save_part(directory: Path, name: str, key: str, data) -> None:
    write_bytes_atomically(directory / PreviousBuild.FILES[name], marshal.dumps({"key": key, "data": data}))


# ---------------------------------------------------------------- reading the documents


class ReusedDocument(Document):
    """A document the previous build read, not read again: its file's stat fields are the ones
    recorded then. Its `text` is empty; `read_again()` reads it."""

    def read_again(self, max_bytes: int) -> Document | Skip:
        return read_file(self.path, max_bytes=max_bytes, identifier=self.identifier)


# A file changed within this long before it was read may change again with the same size and
# timestamps (they tick coarsely): its stat fields are not recorded, so the next build reads it.
RACY_NS = 3_000_000_000


def _stat_fields(path: str) -> tuple | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def collect_documents(paths: list[Path], *, max_bytes: int, previous: PreviousBuild | None = None,
                      cache: ExtractionCache | None = None) -> tuple[list[Document], list[Skip], dict[str, tuple]]:
    """`read.collect`, except that a file whose stat fields are the ones the previous build recorded
    (and whose extraction the cache holds) is not read again. Returns the documents, the skipped
    files and the stat fields of every document's file (taken before it was read)."""
    from . import read as reading

    known = previous.state["documents"] if previous is not None and cache is not None else {}
    stats: dict[str, tuple] = {}
    original = reading.read_file

    def read_or_reuse(path, *, max_bytes=max_bytes, identifier=None):
        fields = _stat_fields(os.fspath(path))
        record = known.get(identifier) if identifier is not None else None
        if (fields is not None and record is not None and record[0] == os.fspath(path) and tuple(record[1:6]) == fields
                and fields[2] <= max_bytes):
            document = ReusedDocument(identifier, "", record[0], record[6], record[8], record[7])
            if cache.has(document):
                stats[identifier] = fields
                return document
        result = original(path, max_bytes=max_bytes, identifier=identifier)
        if isinstance(result, Document) and fields is not None and time.time_ns() - max(fields[3:5]) > RACY_NS:
            stats[result.identifier] = fields
        return result

    # collect() reads each file through read.read_file: this build's reader stands in for it, so
    # which files are taken, skipped and named stays read.collect's alone.
    with _READER_LOCK:
        reading.read_file = read_or_reuse
        try:
            documents, skipped = collect(paths, max_bytes=max_bytes)
        finally:
            reading.read_file = original
    return documents, skipped, stats


_READER_LOCK = threading.Lock()


def extract_all(documents: list[Document], knowledge: Knowledge, *, jobs: int = 1,
                progress: Callable[[int], None] | None = None, cache: ExtractionCache | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES) -> list[Extraction]:
    """Extract every document, in worker processes when jobs > 1; the order of the result is fixed."""
    extractions: list[Extraction] = []
    if cache is not None:
        todo = []
        for document in documents:
            cached = cache.get(document)
            if cached is None:
                todo.append(_readable(document, max_bytes))
            else:
                extractions.append(cached)
                if progress:
                    progress(1)
        documents = todo
    else:
        documents = [_readable(d, max_bytes) for d in documents]
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


class _Changed(Exception):
    """A file changed while the build ran (between its stat and its reading): start again."""


def _readable(document: Document, max_bytes: int) -> Document:
    """The document with its text: one the previous build read is read now (its cached extraction
    was lost)."""
    if not isinstance(document, ReusedDocument):
        return document
    again = document.read_again(max_bytes)
    if not isinstance(again, Document) or again.content_hash != document.content_hash:
        raise _Changed(document.path)
    return again


# ---------------------------------------------------------------- the build


def build(paths: Iterable[str | os.PathLike], *, base: str = DEFAULT_BASE, max_bytes: int = DEFAULT_MAX_BYTES,
          jobs: int = 1, knowledge: Knowledge | None = None, cache_dir: str | os.PathLike | None = None,
          progress: Callable[[int], None] | None = None, on_documents: Callable[[int], None] | None = None) -> BuildResult:
    """Build the graph of the documents under `paths` (files or folders), in memory.

    With `cache_dir`, extractions of unchanged documents are reused, and so is everything the
    previous build made from them that a change does not touch: the result is the same as a
    clean build's, byte for byte."""
    knowledge = knowledge or load_knowledge()
    paths = [Path(p) for p in paths]
    for _ in range(3):
        try:
            return _build(paths, base, max_bytes, jobs, knowledge, cache_dir, progress, on_documents)
        except _Changed:
            continue  # a file changed under the build: read everything as it is now
    return _build(paths, base, max_bytes, jobs, knowledge, None, progress, on_documents)


def _build(paths, base, max_bytes, jobs, knowledge, cache_dir, progress, on_documents) -> BuildResult:
    cache_dir = Path(cache_dir) if cache_dir else None
    key = _code_fingerprint(knowledge, base) if cache_dir else ""
    cache = ExtractionCache(cache_dir, knowledge.fingerprint) if cache_dir else None
    previous = PreviousBuild.load(cache_dir, key, max_bytes) if cache_dir else None
    documents, skipped, stats = collect_documents(paths, max_bytes=max_bytes, previous=previous, cache=cache)
    if on_documents:
        on_documents(len(documents))
    if previous is not None:
        try:
            result = _Incremental(previous, documents, skipped, stats, cache, knowledge, base, jobs, progress,
                                  max_bytes).run()
        except _Fallback as reason:
            log.info("full build: %s", reason)
            result = None
        if result is not None:
            return result
    extractions = extract_all(documents, knowledge, jobs=jobs, progress=progress, cache=cache, max_bytes=max_bytes)
    if cache is not None:
        cache.current = extractions  # what extraction gave, before resolution renames anything
    corpus = resolve(extractions, knowledge)
    facts = ViewFacts()
    concepts: list[dict] = []
    with _no_gc():
        graph = corpus_graph(corpus, knowledge, base, facts=facts, concepts=concepts)
    result = BuildResult(corpus, graph, documents, skipped, knowledge, cache=cache, facts=facts)
    if cache is not None:
        with _no_gc():
            result.state = _full_state(result, key, base, max_bytes, stats, extractions, concepts, IRIs(base))
    return result


class _Fallback(Exception):
    """The previous build's record cannot serve this one: build from the extractions."""


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


def _referenced_keys(extraction: Extraction) -> set[str]:
    """The keys (before renaming) whose being an entity, or joining another person, a document's
    Turtle depends on."""
    keys = {m.key for m in extraction.mentions if m.type not in {"paper", "sector"}}
    for membership in extraction.memberships:
        keys.add(membership.person)
        keys.add(membership.organisation)
    return keys


def _document_record(extraction: Extraction, rows, concepts: dict[str, set]) -> bytes:
    """What the next build needs of one document's derived parts: the key of its extraction, its
    view rows, its role concepts in the order it uses them, the keys it names, its role edges."""
    from .network import membership_edges

    return _pack((f"{extraction.identifier}\x1f{extraction.content_hash}", rows,
                          tuple((concept, tuple(sorted(items))) for concept, items in concepts.items()),
                          tuple(sorted(_referenced_keys(extraction))),
                          tuple(sorted(membership_edges(rows), key=repr)) if rows is not None else None))


def _pack(record: tuple) -> bytes:
    return zlib.compress(marshal.dumps(record), 1)  # the view rows are text: a fifth of the bytes


def _unpack(data: bytes) -> tuple:
    return marshal.loads(zlib.decompress(data))


class LazyExtractions(Sequence):
    """The corpus's (renamed) extractions, read from the cache one by one when asked for."""

    def __init__(self, identifiers: list[str], load: Callable[[str], Extraction]):
        self.identifiers = identifiers
        self._load = load

    def __len__(self) -> int:
        return len(self.identifiers)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._load(i) for i in self.identifiers[index]]
        return self._load(self.identifiers[index])


def _role_concepts(first_use: dict, items: dict) -> dict[str, set]:
    """The role concepts in the order a clean build meets them: by the first document (in name
    order) using each, then by where in that document."""
    order = sorted(first_use, key=lambda concept: min(first_use[concept].items()))
    return {concept: {tuple(item) for item in items.get(concept, {})} for concept in order}


def _count_concepts(first_use: dict, items: dict, identifier: str, concepts, sign: int) -> None:
    for index, (concept, concept_items) in enumerate(concepts):
        uses = first_use.setdefault(concept, {})
        counts = items.setdefault(concept, {})
        if sign > 0:
            uses[identifier] = index
        else:
            uses.pop(identifier, None)
        for item in concept_items:
            item = tuple(item)
            count = counts.get(item, 0) + sign
            if count:
                counts[item] = count
            else:
                counts.pop(item, None)
        if not uses:
            del first_use[concept]
        if not counts:
            del items[concept]


def _identity(path: Path) -> tuple | None:
    return TextSource.identity_of_path(path)


def _store_identity(directory: Path) -> list | None:
    """The store's files with their size and mtime: RocksDB never rewrites a file in place, so the
    same listing is the same store (a read-only open, as queries make, changes nothing; an update
    writes new files)."""
    try:
        listing = []
        for name in sorted(os.listdir(directory)):
            info = os.stat(directory / name)
            listing.append((name, info.st_size, info.st_mtime_ns))
        return listing
    except OSError:
        return None


def _default_statements(memo: dict, role_part) -> dict[str, list]:
    """The default graph's statements (but the ontology's) by subject: the entities' and papers'
    (from the memo of _entity_statements) and the roles'."""
    by_subject: dict[str, list] = {}
    for _, subject, pairs in memo.values():
        by_subject.setdefault(subject, []).extend(pairs)
    for subject, pairs in role_part:
        by_subject.setdefault(subject, []).extend(pairs)
    return by_subject


def _entity_statements(iris: IRIs, corpus: Corpus, knowledge: Knowledge, memo: dict | None = None) -> tuple[list, dict]:
    """rdf.entity_statements, taking each entity's or paper's statements from the previous build's
    memo where what they are made from is the same. Returns them and the new memo
    ({key: (what they are made from, subject, pairs)})."""
    from .rdf import _entity_triples, _paper_triples

    memo = memo or {}
    statements, made = [], {}
    for entity in corpus.entities.values():
        fields = ("entity", entity.type, entity.name, tuple(entity.aliases), entity.country, entity.parent,
                  tuple(entity.sectors))
        found = memo.get(entity.key)
        if found is not None and tuple(found[0]) == fields:
            subject, pairs = found[1], [tuple(pair) for pair in found[2]]
        else:
            subject, pairs = _entity_triples(iris, entity, knowledge)
        statements.append((subject, pairs))
        made[entity.key] = (fields, subject, pairs)
    entities, papers = corpus.entities, corpus.papers
    for paper in papers.values():
        fields = ("paper", paper.title, paper.kind, tuple(paper.aliases), paper.publisher,
                  bool(paper.publisher and paper.publisher in entities), paper.series,
                  bool(paper.series and paper.series in papers and paper.series != paper.key),
                  tuple(c for c in paper.creators if c in entities))
        found = memo.get(paper.key)
        if found is not None and tuple(found[0]) == fields:
            subject, pairs = found[1], [tuple(pair) for pair in found[2]]
        else:
            subject, pairs = _paper_triples(iris, paper, corpus)
        statements.append((subject, pairs))
        made[paper.key] = (fields, subject, pairs)
    return statements, made


@dataclass
class NextState:
    """What a build leaves in its cache folder for the next one (see PreviousBuild). The write
    fills in the layout of graph.ttl and graph.html and the identity of the files written."""

    key: str
    base: str
    max_bytes: int
    stats: dict[str, tuple]
    tally: Tally
    renames: dict[str, str]
    entity_keys: list[str]
    roles: dict
    refs: dict
    records: Records
    default: dict  # {"memo": _entity_statements' memo, "roles": the roles' statements}
    rows: Callable[[str], tuple | None]  # a document's view rows
    role_subjects: list[str] = field(default_factory=list)
    plan: "Plan | None" = None
    chunks: dict = field(default_factory=dict)
    graph: tuple | None = None
    store: list | None = None
    view: dict | None = None
    graph_names: dict | None = None

    def save(self, directory: Path, documents: list[Document]) -> None:
        index = self.records.save_to(directory, [d.identifier for d in documents])
        state = {
            "max_bytes": self.max_bytes,
            "documents": {d.identifier: (d.path, *(self.stats.get(d.identifier) or (None,) * 5), d.content_hash,
                                         d.encoding, d.media_type) for d in documents},
            "chunks": self.chunks,
            "graph": self.graph,
            "store": self.store,
            "tally": self.tally.data(),
            "renames": self.renames,
            "entities": self.entity_keys,
            "roles": self.roles,
            "records": index,
        }
        parts = [("refs", self.refs), ("default", self.default)] + ([("view", self.view)] if self.view is not None else [])
        writes = [_Background(_save_part, directory, name, self.key, data) for name, data in parts]
        for write in writes:
            write.result()
        _save_part(directory, "state", self.key, state)  # last: the others are only read through it


def _warm_up() -> None:
    """A worker's first task: compile the extraction rules (seconds) before any document arrives."""
    from .extract import extractor_for

    extractor_for(load_knowledge())


def _extract_in_language(document: Document, language: str) -> Extraction:
    return extract_document(document, load_knowledge(), language)


class _Extraction:
    """The extraction of a few documents, started at once. With jobs > 1 it runs in worker
    processes that compile the rules while this process detects the documents' languages (the
    language model loads meanwhile) and reads the previous build's record; `result()` waits.
    Each document's extraction is extract_one's, wherever it runs."""

    def __init__(self, documents: list[Document], knowledge: Knowledge, jobs: int, max_bytes: int):
        self.documents = [_readable(d, max_bytes) for d in documents]
        self.knowledge = knowledge
        self.pool = None
        self.futures = []
        if jobs > 1 and self.documents and knowledge.directory == load_knowledge().directory:
            workers = max(1, min(jobs, len(self.documents) // 8))
            self.pool = ProcessPoolExecutor(max_workers=workers, initializer=_warm_up)
            self.pool.submit(int)  # starts the worker: it compiles the rules from now on
            if len(self.documents) <= 16:
                self.futures = [self.pool.submit(_extract_in_language, d, detect_language(d.text)) for d in self.documents]
            else:
                self.futures = [self.pool.submit(_extract_in_worker, d) for d in self.documents]

    def result(self) -> list[Extraction]:
        if self.pool is None:
            return [extract_one(d, self.knowledge) for d in self.documents]
        try:
            return [future.result() for future in self.futures]
        finally:
            self.pool.shutdown(cancel_futures=True)


class _Incremental:
    """A rebuild from the previous build's record: only what the changed documents touch is made."""

    def __init__(self, previous: PreviousBuild, documents, skipped, stats, cache, knowledge, base, jobs, progress,
                 max_bytes):
        self.previous, self.documents, self.skipped, self.stats = previous, documents, skipped, stats
        self.cache, self.knowledge, self.base, self.jobs, self.progress = cache, knowledge, base, jobs, progress
        self.max_bytes = max_bytes
        self.state = previous.state
        self.records = Records(previous.directory, "documents", self.state["records"])

    def old_record(self, identifier: str) -> tuple:
        data = self.records.get(identifier)
        try:
            record = _unpack(data)
            if record[0] != f"{identifier}\x1f{self.state['documents'][identifier][6]}":
                raise ValueError("the record is not its document's")
        except (EOFError, ValueError, TypeError, IndexError, KeyError, zlib.error) as error:
            raise _Fallback(f"no usable record of {identifier}: {error}") from error
        return record

    def run(self) -> BuildResult:
        state, cache, knowledge = self.state, self.cache, self.knowledge
        folder = self.previous.folder()
        if not state.get("graph") or _identity(folder / GRAPH_FILE) != tuple(state["graph"]):
            raise _Fallback("graph.ttl is not the one recorded")
        source = TextSource(str(folder / GRAPH_FILE), tuple(state["graph"]))
        known = state["documents"]
        current = {d.identifier: d for d in self.documents}
        if len(current) != len(self.documents) or set(known) - set(state["chunks"]):
            raise _Fallback("two documents of one name, or a document without its Turtle")
        deleted = sorted(i for i in known if i not in current)
        changed = sorted(i for i, d in current.items() if i in known and known[i][6] != d.content_hash)
        added = sorted(i for i in current if i not in known)
        if len(deleted) + len(changed) + len(added) > max(50, len(current) // 5):
            raise _Fallback("so many changes that a full build is as fast")
        # Extraction of the new and changed documents only (the cache may hold some already),
        # started now and awaited once the previous build's parts are read.
        raw: dict[str, Extraction] = {}
        todo = []
        for identifier in changed + added:
            found = cache.get(current[identifier])
            if found is None:
                todo.append(current[identifier])
            else:
                raw[identifier] = found
        pending = _Extraction(todo, knowledge, self.jobs, self.max_bytes)
        try:
            old: dict[str, Extraction] = {}
            for identifier in changed + deleted:
                found = cache.load(f"{identifier}\x1f{known[identifier][6]}")
                if found is None:
                    raise _Fallback(f"the previous extraction of {identifier} is lost")
                old[identifier] = found
            refs = self.previous.part("refs")
            self.previous.part("default")
            if pending.pool is not None:  # while the worker extracts: what the write will need
                self.previous.part("view")
                from . import render  # noqa: F401 - its import takes a second (pyvis)
        finally:
            extracted = pending.result()
        for extraction in extracted:
            raw[extraction.identifier] = extraction
            cache.put(extraction)
        if self.progress:
            self.progress(len(current))
        # Resolution: the counts of all documents, the changed ones' taken out and put in again.
        tally = Tally(state["tally"])
        for extraction in old.values():
            tally.add(extraction, -1)
        for extraction in raw.values():
            tally.add(extraction, 1)
        try:
            entities, merged, papers = resolve_tally(tally, knowledge)
        except MixedTypes as error:
            raise _Fallback(f"a key of two types: {error}") from error
        # The documents whose Turtle is made again: the new and changed ones, and those naming a
        # key that became or stopped being an entity, or started or stopped joining another person.
        before = state["renames"]
        moved = {k for k in set(before) | set(merged) if before.get(k) != merged.get(k)}
        moved |= set(state["entities"]).symmetric_difference(entities)
        if refs is None:
            raise _Fallback("no record of which documents name which keys")
        remake = set(changed) | set(added)
        for key in moved:
            remake.update(i for i in refs.get(key, ()) if i in current)
        remake = sorted(remake)
        old_records = {i: self.old_record(i) for i in sorted((set(remake) - set(added)) | set(deleted))}

        def raw_of(identifier: str) -> Extraction:
            found = raw.get(identifier)
            if found is None:
                found = cache.load(f"{identifier}\x1f{current[identifier].content_hash}")
                if found is None:
                    raise _Fallback(f"the extraction of {identifier} is lost")
                raw[identifier] = found
            return found

        def extraction_of(identifier: str) -> Extraction:
            found = raw_of(identifier)
            return rename_persons(found, merged) if merged else found

        iris = IRIs(self.base)
        records = self.records
        made: dict[str, tuple] = {}
        for identifier in remake:
            part = DocumentFacts()
            chunk, concepts = document_chunk(iris, knowledge, entities, extraction_of(identifier), part)
            try:
                rows = part.rows()
            except Ambiguous:
                rows = None
            made[identifier] = (chunk, concepts, rows)
            records.put(identifier, _document_record(raw_of(identifier), rows, concepts))
        new_records = {i: _unpack(records.new[i]) for i in made}
        # Which documents name which keys, and which role concepts they use.
        for identifier, record in old_records.items():
            for key in record[3]:
                named = refs.get(key)
                if named is not None and identifier in named:
                    named.remove(identifier)
                    if not named:
                        del refs[key]
        for identifier, record in new_records.items():
            for key in record[3]:
                refs.setdefault(key, []).append(identifier)
        roles = state["roles"]
        for identifier, record in old_records.items():
            _count_concepts(roles["first"], roles["items"], identifier, record[2], -1)
        for identifier, record in new_records.items():
            _count_concepts(roles["first"], roles["items"], identifier, record[2], 1)
        role_concepts = _role_concepts(roles["first"], roles["items"])
        # The graph: the ontology, the entities and the roles made again (they are small), each
        # document's chunk made again or taken from the previous graph.ttl.
        corpus = Corpus(entities, papers, LazyExtractions(sorted(current), extraction_of), merged, tally)
        facts = ViewFacts()
        add_ontology_facts(knowledge, facts)
        previous_default = self.previous.part("default")
        entity_part, memo = _entity_statements(iris, corpus, knowledge,
                                               previous_default.get("memo") if previous_default else None)
        role_part = role_statements(iris, knowledge, role_concepts)
        chunks: list = [ontology_chunk(knowledge), statements_chunk(entity_part, facts)]
        recorded = state["chunks"]
        for identifier in sorted(current):
            if identifier in made:
                chunks.append(made[identifier][0])
            else:
                graph_name, first, last, count, offset, length = recorded[identifier]
                chunks.append(StoredChunk(graph_name, first, last, count, source, offset, length,
                                          remake=_Remake(iris, knowledge, entities, extraction_of, identifier)))
        chunks.append(statements_chunk(role_part, facts))
        result = BuildResult(corpus, Graph(chunks), self.documents, self.skipped, knowledge, cache=cache)

        def rows_of(identifier: str):
            if identifier in made:
                return made[identifier][2]
            data = records.get(identifier)
            return _unpack(data)[1] if data is not None else None

        plan = Plan(self.previous, iris, facts, made, old_records, new_records, deleted)
        result.state = NextState(self.previous.key, self.base, self.max_bytes, self.stats, tally, merged, sorted(entities),
                                 roles, refs, records, {"memo": memo, "roles": role_part}, rows_of,
                                 [subject for subject, _ in role_part], plan=plan)
        return result


class _Remake:
    """Makes a document's chunk again, should the previous graph.ttl change before it is copied."""

    def __init__(self, iris, knowledge, entities, extraction_of, identifier):
        self.args = (iris, knowledge, entities, extraction_of, identifier)

    def __call__(self) -> Chunk:
        iris, knowledge, entities, extraction_of, identifier = self.args
        return document_chunk(iris, knowledge, entities, extraction_of(identifier))[0]


@dataclass
class Plan:
    """What an incremental build changed: the documents made again, the previous records of those
    made again or deleted, and the default graph's view facts."""

    previous: PreviousBuild
    iris: IRIs
    facts: ViewFacts  # the default graph's view facts (ontology, entities, roles)
    made: dict  # identifier -> (chunk, role concepts, view rows)
    old_records: dict  # identifier -> the previous build's record
    new_records: dict  # identifier -> this build's record
    deleted: list[str]

    def touched(self) -> list[str]:
        return sorted(set(self.made) | set(self.deleted))


def _full_state(result: BuildResult, key: str, base: str, max_bytes: int, stats, extractions, concepts, iris) -> NextState:
    """The record of a full build, gathered while its graph was made."""
    records = Records(None, "documents")
    roles: dict = {"first": {}, "items": {}}
    refs: dict[str, list[str]] = {}
    parts = [p for p in result.facts.parts if isinstance(p, DocumentFacts)]
    rows_by_id: dict[str, tuple | None] = {}
    for extraction, part, used in zip(extractions, parts, concepts, strict=True):
        try:
            rows = part.rows()
        except Ambiguous:
            rows = None
        record = _document_record(extraction, rows, used)
        records.put(extraction.identifier, record)
        record = _unpack(record)
        rows_by_id[extraction.identifier] = rows
        _count_concepts(roles["first"], roles["items"], extraction.identifier, record[2], 1)
        for ref in record[3]:
            refs.setdefault(ref, []).append(extraction.identifier)
    corpus = result.corpus
    _, memo = _entity_statements(iris, corpus, result.knowledge)
    role_part = role_statements(iris, result.knowledge, _role_concepts(roles["first"], roles["items"]))
    return NextState(key, base, max_bytes, stats, corpus.tally, corpus.renames, sorted(corpus.entities), roles, refs,
                     records, {"memo": memo, "roles": role_part}, rows_by_id.get,
                     [subject for subject, _ in role_part])


# ---------------------------------------------------------------- writing


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


def update_store(previous: Path, directory: Path, removed: list[str], added: list[Chunk],
                 drop: list[tuple[str, str, str]], insert: list[tuple[str, str, str]]) -> None:
    """A copy of the previous build's store at `directory` (hard links to its immutable files,
    Oxigraph's own backup) with the named graphs `removed` dropped, the chunks `added` loaded and
    the default graph's triples `drop` removed and `insert` added (as Turtle text terms)."""
    ox.Store.read_only(str(previous)).backup(str(directory))
    store = ox.Store(str(directory))
    for name in removed:
        store.remove_graph(ox.NamedNode(name))
    if drop:
        text = TURTLE_HEADER + "".join(f"{s} {p} {o} .\n" for s, p, o in drop)
        for triple in ox.parse(input=text.encode("utf-8"), format=ox.RdfFormat.TURTLE):
            store.remove(ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()))
    data = TURTLE_HEADER + "".join(chunk_trig(chunk) for chunk in added) + "".join(f"{s} {p} {o} .\n" for s, p, o in insert)
    store.load(input=data.encode("utf-8"), format=ox.RdfFormat.TRIG, lenient=True)
    store.flush()
    del store


def _store_changes(result: BuildResult) -> tuple | None:
    """What turns the previous build's store into this one's, or None if it must be loaded anew."""
    state = result.state
    plan = state.plan if state is not None else None
    if plan is None:
        return None
    previous = plan.previous
    recorded = previous.state.get("store")
    folder = previous.folder() / STORE_DIR
    if not recorded or _store_identity(folder) != [tuple(entry) for entry in recorded]:
        log.info("store loaded anew: the previous store is not the one recorded")
        return None
    default = previous.part("default")
    if default is None:
        return None
    before_all = _default_statements(default["memo"], default["roles"])
    after_all = _default_statements(state.default["memo"], state.default["roles"])
    ontology: dict[str, set] = {}
    for subject, pair in ontology_statements(Path(result.knowledge.directory)):
        ontology.setdefault(subject, set()).add(pair)
    drop, insert = [], []
    for subject in sorted(set(before_all) | set(after_all)):
        before = [tuple(pair) for pair in before_all.get(subject, ())]
        after = [tuple(pair) for pair in after_all.get(subject, ())]
        if before == after:
            continue
        constant = ontology.get(subject, set())
        old, new = set(before) | constant, set(after) | constant
        drop.extend((subject, p, o) for p, o in sorted(old - new))
        insert.extend((subject, p, o) for p, o in sorted(new - old))
    known = previous.state["documents"]
    removed = [plan.iris.document(i) for i in plan.touched() if i in known]
    added = [plan.made[i][0] for i in sorted(plan.made)]
    return folder, removed, added, drop, insert


def _write_store(result: BuildResult, directory: Path) -> None:
    try:
        changes = _store_changes(result)
    except (KeyError, TypeError, ValueError, IndexError) as reason:
        log.info("store loaded anew: %r", reason)
        changes = None
    if changes is not None:
        try:
            update_store(changes[0], directory, *changes[1:])
            return
        except (OSError, ValueError, SyntaxError) as reason:
            log.info("store loaded anew: %r", reason)
            _remove_tree(directory)
    write_store(result.graph, directory)


class _Background:
    """A function run in a thread; `result()` waits for it and raises what it raised."""

    def __init__(self, function: Callable, *args):
        self.error: BaseException | None = None
        self.value = None
        self.thread = threading.Thread(target=self._run, args=(function, *args), daemon=True)
        self.thread.start()

    def _run(self, function: Callable, *args) -> None:
        try:
            self.value = function(*args)
        except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
            self.error = error

    def result(self):
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.value


class _Sink:
    """A file written from text and from byte ranges of earlier files, the ranges copied by the
    kernel (os.copy_file_range) and joined where they were contiguous in their source."""

    def __init__(self, fd: int):
        self.fd = fd
        self.position = 0
        self.buffer = bytearray()
        self.range: list | None = None  # [source fd, start, length] not yet copied
        self.held = b""  # bytes written after that range, not yet placed

    def write(self, data: bytes) -> None:
        if self.range is not None:
            self.held += data
            if len(self.held) > 64:
                self._place_range()
        else:
            self.buffer += data
            if len(self.buffer) > 1 << 20:
                self._flush_buffer()
        self.position += len(data)

    def copy(self, source: int, start: int, length: int, separators: bytes = b"") -> None:
        """Copy `length` bytes at `start` of `source`. Where this range follows the last one in the
        source with only what was written since between them, one copy serves both; `separators`
        are texts known to stand between consecutive ranges of the source (its layout says so),
        anything else is compared with the source first."""
        pending = self.range
        if pending is not None and pending[0] == source:
            end = pending[1] + pending[2]
            if start == end + len(self.held) and (not self.held or self.held in separators
                                                  or os.pread(source, len(self.held), end) == self.held):
                pending[2] += len(self.held) + length
                self.held = b""
                self.position += length
                return
        self._place_range()
        self._flush_buffer()
        self.range = [source, start, length]
        self.position += length

    def _place_range(self) -> None:
        if self.range is not None:
            source, start, length = self.range
            self.range = None
            _copy_range(source, self.fd, start, length)
        if self.held:
            self.buffer += self.held
            self.held = b""

    def _flush_buffer(self) -> None:
        view = memoryview(self.buffer)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]
        self.buffer = bytearray()

    def close(self) -> None:
        self._place_range()
        self._flush_buffer()


def _copy_range(source: int, target: int, start: int, length: int) -> None:
    end = start + length
    while start < end:
        try:
            copied = os.copy_file_range(source, target, end - start, start)
        except (AttributeError, OSError):
            copied = 0
        if copied <= 0:  # not supported here (or across file systems): copy through memory
            data = os.pread(source, min(end - start, 1 << 24), start)
            if not data:
                raise StaleSource("a source file ended early")
            view = memoryview(data)
            while view:
                view = view[os.write(target, view):]
            copied = len(data)
        start += copied


@contextlib.contextmanager
def _new_file(path: Path, syncs: list | None = None):
    """A file written beside `path` and renamed over it when the block ends; with `syncs`, its
    fsync runs in a thread while the build goes on (the file is renamed once it is done)."""
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        yield fd
    except BaseException:
        os.close(fd)
        temporary.unlink(missing_ok=True)
        raise

    def finish():
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)

    if syncs is None:
        finish()
    else:
        syncs.append(_Background(finish))


def write_turtle(graph: Graph, path: Path, syncs: list | None = None) -> dict[int, tuple[int, int]]:
    """graph.ttl, written piece by piece (never whole in memory) to a temporary file, then renamed.
    A chunk an earlier build wrote is copied from its file. Returns where each chunk's text stands
    ({index in graph.chunks: (offset, length)})."""
    layout: dict[int, tuple[int, int]] = {}
    sources: dict[str, int | None] = {}
    index_of = {id(chunk): index for index, chunk in enumerate(graph.chunks)}
    try:
        with _new_file(path, syncs) as fd:
            sink = _Sink(fd)
            for text, chunk in graph.turtle_pieces():
                if text is not None:
                    sink.write(text.encode("utf-8"))
                    continue
                start = sink.position
                source = _source_fd(chunk, sources) if isinstance(chunk, StoredChunk) else None
                if source is not None:
                    sink.copy(source, chunk.offset, chunk.length, (b" .\n",))
                else:
                    sink.write(chunk.text.encode("utf-8"))
                layout[index_of[id(chunk)]] = (start, sink.position - start)
            sink.close()
    finally:
        for fd in sources.values():
            if fd is not None:
                os.close(fd)
    return layout


def _source_fd(chunk: StoredChunk, sources: dict) -> int | None:
    path = chunk.source.path
    if path not in sources:
        try:
            sources[path] = chunk.source.open()
        except StaleSource:
            sources[path] = None
    return sources[path]


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


# ---------------------------------------------------------------- the view


def view_network(result: BuildResult):
    """The view's network: read from the facts the build gathered, or (where only the store's query
    engine can say which comes first) from an in-memory store of the graph, as `kg render` reads it."""
    from .network import network_from_store

    facts = result.facts
    if facts is None and result.state is not None and result.state.plan is not None:
        facts = _all_facts(result)
    if facts is not None:
        try:
            with _no_gc():
                return facts.network()
        except Ambiguous:
            pass
    memory = ox.Store()
    memory.bulk_load(input="".join(result.graph.trig_parts()).encode("utf-8"), format=ox.RdfFormat.TRIG, lenient=True)
    return network_from_store(memory)


def _all_facts(result: BuildResult) -> ViewFacts | None:
    """An incremental build's view facts: the default graph's and every document's rows."""
    plan, state = result.state.plan, result.state
    facts = ViewFacts()
    facts.names, facts.slot, facts.links, facts.table = plan.facts.names, plan.facts.slot, plan.facts.links, plan.facts.table
    for document in result.documents:
        rows = state.rows(document.identifier)
        if rows is None:
            return None
        facts.add_rows(rows)
    return facts


def _view_settings() -> tuple[int, int]:
    import inspect

    from .render import render_html

    parameters = inspect.signature(render_html).parameters  # what `kg render` draws by default
    return parameters["max_nodes"].default, parameters["physics_threshold"].default


_PLACEHOLDER = "kg-view-data-5f0c2b7e"


def _page_parts(title: str) -> tuple[bytes, bytes]:
    """The page around its data: what render_html writes before and after the data's JSON."""
    from . import render

    marker = render._script_json(_PLACEHOLDER)
    page = render._page(_PLACEHOLDER, title)
    if page.count(marker) != 1:
        raise ValueError("the page template does not hold its data once")
    before, after = page.split(marker)
    return before.encode("utf-8"), after.encode("utf-8")


def _drawn_keys(order: list, edges: list[tuple[str, str, str]]) -> tuple[str, str]:
    """Digests of what is drawn: the nodes and the pairs they link (the layout depends on nothing
    else), and every edge with its key (the page's edges depend on nothing else)."""
    structure = hashlib.sha256()
    for node in order:
        structure.update(str(node).encode("utf-8", "surrogatepass") + b"\x00")
    structure.update(b"\x01")
    for u, v in sorted({(u, v) for u, v, _ in edges if u != v}):
        structure.update(u.encode("utf-8", "surrogatepass") + b"\x00" + v.encode("utf-8", "surrogatepass") + b"\x00")
    listing = hashlib.sha256()
    for edge in sorted(edges):
        listing.update("\x00".join(edge).encode("utf-8", "surrogatepass") + b"\x01")
    return structure.hexdigest(), listing.hexdigest()


def _edge_keys(drawn) -> list[tuple[str, str, str]]:
    return [(str(u), str(v), str(key)) for u, v, key in drawn.edges(keys=True)]


def _role_labels_key(view: ViewGlobal, role_subjects) -> str:
    """The English labels of the role concepts, which the roles in the view name."""
    digest = hashlib.sha256()
    for subject in sorted(set(role_subjects)):
        digest.update(json.dumps([subject, view.english(subject)], ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _attributes_text(attributes: dict) -> str:
    """A digest of a node's attributes but its roles and mentions."""
    text = json.dumps(attributes, ensure_ascii=False, sort_keys=True)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


class _ViewFallback(Exception):
    """The previous graph.html cannot be patched: render the view whole."""


def _write_page(path: Path, title: str, edges, meta: dict, nodes: list, types: list, syncs: list | None,
                source: int | None = None) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """graph.html from its data's parts; the edges or a node given as (offset, length) are copied
    from `source`. Returns where each node's JSON stands, and where the edges' stands."""
    from .render import _script_json

    before, after = _page_parts(title)
    ranges = []
    with _new_file(path, syncs) as fd:
        sink = _Sink(fd)
        sink.write(before)
        sink.write(b'{"edges":')
        start = sink.position
        if isinstance(edges, tuple):
            sink.copy(source, *edges)
        else:
            sink.write(_script_json(edges).encode("utf-8"))
        edges_range = (start, sink.position - start)
        sink.write((',"meta":' + _script_json(meta) + ',"nodes":[').encode("utf-8"))
        for index, node in enumerate(nodes):
            if index:
                sink.write(b",")
            start = sink.position
            if isinstance(node, tuple):
                sink.copy(source, *node, (b",",))
            else:
                sink.write(_script_json(node).encode("utf-8"))
            ranges.append((start, sink.position - start))
        sink.write(('],"types":' + _script_json(types) + "}").encode("utf-8"))
        sink.write(after)
        sink.close()
    return ranges, edges_range


def _write_view(result: BuildResult, path: Path, syncs: list) -> dict | None:
    """graph.html: patched from the previous one where only some nodes' facts changed, else
    rendered whole. Returns the record the next build patches from (None: no record)."""
    state = result.state
    if state is not None and state.plan is not None:
        try:
            return _patch_view(result, path, syncs)
        except (_ViewFallback, Ambiguous, StaleSource, ValueError, KeyError, OSError) as reason:
            log.info("view rendered whole: %r", reason)
    return _render_view(result, path, syncs)


def _render_view(result: BuildResult, path: Path, syncs: list) -> dict | None:
    from . import render

    network = view_network(result)
    max_nodes, physics_threshold = _view_settings()
    selected = render._selection(network, None, 1, None)
    drawn = render._top_by_degree(selected, max_nodes)
    physics = drawn.number_of_nodes() <= physics_threshold
    data = render._page_data(network, selected, drawn, physics, VIEW_TITLE)
    state = result.state
    if set(data) != {"edges", "meta", "nodes", "types"} or state is None:
        render.write_bytes_atomically(path, render._page(data, VIEW_TITLE).encode("utf-8"))
        return None
    ranges, edges_range = _write_page(path, VIEW_TITLE, data["edges"], data["meta"], data["nodes"], data["types"], syncs)
    rows = [state.rows(d.identifier) for d in result.documents]
    if any(r is None for r in rows):
        return None
    from .network import membership_edges

    edges: dict = {}
    for document_rows in rows:
        for edge in membership_edges(document_rows):
            edges[edge] = edges.get(edge, 0) + 1
    order = sorted(drawn, key=str)
    return _view_record(drawn, order, ranges, edges_range, edges, result, max_nodes, physics_threshold)


def _view_record(drawn, order, ranges, edges_range, edges, result, max_nodes, physics_threshold, view=None) -> dict:
    from .network import node_attributes

    if view is None:
        view = ViewGlobal(result.state.plan.facts) if result.facts is None else ViewGlobal(result.facts)
    attributes = node_attributes(view.types, view.kinds, view.names, view.labels, view.links, order)
    return {
        "title": VIEW_TITLE, "max_nodes": max_nodes, "physics_threshold": physics_threshold,
        "order": [str(n) for n in order], "ranges": ranges,
        "degrees": [drawn.degree(n) for n in order],
        "attributes": [_attributes_text(attributes[n]) for n in order],
        "labels": dict(view.labels),
        "structure": _drawn_keys(order, _edge_keys(drawn)),
        "edges_range": edges_range,
        "roles": _role_labels_key(view, result.state.role_subjects),
        "edges": edges,
    }

def _patch_view(result: BuildResult, path: Path, syncs: list) -> dict:
    """graph.html from the previous one: the drawn nodes and the pairs they link are the same
    (so is the layout), and only the nodes the changed documents name, or whose own facts,
    degree or organisations' names changed, are written anew; the others are copied."""
    import networkx as nx

    from . import render
    from .network import _mention_order, _role_order, check_roles, node_attributes

    state, plan = result.state, result.state.plan
    record = plan.previous.part("view")
    max_nodes, physics_threshold = _view_settings()
    if (record is None or record["title"] != VIEW_TITLE or record["max_nodes"] != max_nodes
            or record["physics_threshold"] != physics_threshold):
        raise _ViewFallback("no view record to patch")
    html = plan.previous.folder() / VIEW_FILE
    if _identity(html) != tuple(record.get("html") or ()):
        raise _ViewFallback("graph.html is not the one recorded")
    if any(r[4] is None for r in (*plan.old_records.values(), *plan.new_records.values())):
        raise _ViewFallback("a document's view rows are ambiguous")
    view = ViewGlobal(plan.facts)
    if _role_labels_key(view, state.role_subjects) != record["roles"]:
        raise _ViewFallback("the role concepts' labels changed")
    edges = {tuple(edge): count for edge, count in record["edges"].items()}
    for old in plan.old_records.values():
        for edge in old[4]:
            edge = tuple(edge)
            edges[edge] -= 1
            if not edges[edge]:
                del edges[edge]
    for new in plan.new_records.values():
        for edge in new[4]:
            edge = tuple(edge)
            edges[edge] = edges.get(edge, 0) + 1
    # What is drawn, chosen as render._top_by_degree chooses it (no focus, no type filter: the
    # selection is the whole network), from the nodes' types and the edges alone.
    types = view.types
    all_edges = {(source, target, relation, relation) for source, target, relation, _ in view.links}
    all_edges.update(view.holds_role_edges(edges))
    degree: Counter = Counter()
    for source, target, _, _ in all_edges:
        degree[source] += 1
        degree[target] += 1
    nodes = sorted(types)
    if len(nodes) > max_nodes:
        chosen = set(sorted(nodes, key=lambda node: (-degree[node], str(node)))[:max_nodes])
    else:
        chosen = set(nodes)
    drawn_edges = [edge for edge in all_edges if edge[0] in chosen and edge[1] in chosen]
    order = sorted(chosen, key=str)
    keys = _drawn_keys(order, [(s, t, f"{relation}: {label}") for s, t, relation, label in drawn_edges])
    if order != record["order"] or keys[0] != record["structure"][0]:
        raise _ViewFallback("other nodes or links are drawn: the layout changes")
    drawn_degree: Counter = Counter()
    incident: dict[str, list] = {}
    for edge in drawn_edges:
        drawn_degree[edge[0]] += 1
        drawn_degree[edge[1]] += 1
        incident.setdefault(edge[0], []).append(edge)
        if edge[1] != edge[0]:
            incident.setdefault(edge[1], []).append(edge)

    def graph_of(node_set, edge_list):
        """The drawn network, or the part of it render._node_data reads for some nodes."""
        graph = nx.MultiDiGraph()
        graph.graph["focus"] = None
        graph.add_nodes_from((node, {"type": types[node]}) for node in sorted(node_set))
        graph.add_edges_from((source, target, f"{relation}: {label}", {"relation": relation, "label": label})
                             for source, target, relation, label in edge_list)
        return graph

    attributes = node_attributes(types, view.kinds, view.names, view.labels, view.links, order)
    dirty: set[str] = set()
    for records in (plan.old_records.values(), plan.new_records.values()):
        for document in records:
            _, memberships, mentions = document[1]
            dirty.update(entity for entity, _, _ in mentions)
            for membership in memberships:
                dirty.update(membership[0])
    renamed = {iri for iri, label in view.labels.items() if record["labels"].get(iri, label) != label}
    if renamed:
        dirty.update(person for person, organisation, _, _ in edges if organisation in renamed)
    degrees = dict(zip(record["order"], record["degrees"]))
    before = dict(zip(record["order"], record["attributes"]))
    ranges = dict(zip(record["order"], record["ranges"]))
    texts = {}
    for node in order:
        if node in dirty or drawn_degree[node] != degrees[node] or _attributes_text(attributes[node]) != before[node]:
            texts[node] = None
    # The new entries of the documents made again, and the identifiers of those made again or deleted.
    new_roles: dict[str, list] = {}
    new_mentions: dict[str, list] = {}
    for identifier in sorted(plan.made):
        roles, mentions = view.entries(plan.made[identifier][2])
        for person, entries in roles.items():
            new_roles.setdefault(person, []).extend(entries)
        for entity, by_document in mentions.items():
            new_mentions.setdefault(entity, []).extend(by_document.values())
    gone = set(plan.touched())  # a role's or mention's "document" is the document's identifier
    source_fd = os.open(html, os.O_RDONLY)
    try:
        if TextSource.identity_of(source_fd) != tuple(record["html"]):
            raise _ViewFallback("graph.html changed")
        nodes: list = []
        for node in order:
            if node not in texts:
                nodes.append(tuple(ranges[node]))
                continue
            offset, length = ranges[node]
            old = json.loads(os.pread(source_fd, length, offset).decode("utf-8"))
            roles = [r for r in old["roles"] if r["document"] not in gone] + new_roles.get(node, [])
            for role in roles:
                role["organisation"] = view.labels[role["organisation_id"]]
            roles.sort(key=_role_order)
            check_roles([roles])
            mentions = [m for m in old["mentions"] if m["document"] not in gone] + new_mentions.get(node, [])
            mentions.sort(key=_mention_order)
            own = graph_of({node} | {e[0] for e in incident.get(node, ())} | {e[1] for e in incident.get(node, ())},
                           incident.get(node, ()))
            own.nodes[node].update(attributes[node], roles=roles, mentions=mentions)
            nodes.append(render._node_data(node, own, (old["x"], old["y"])))
        physics = len(order) <= physics_threshold
        omitted = Counter(str(types[node] or "Other") for node in types if node not in chosen)
        meta, type_data = _page_meta(order, types, physics, len(types), len(all_edges), len(drawn_edges), omitted)
        if keys[1] == record["structure"][1]:
            edges_part = tuple(record["edges_range"])
        else:
            edges_part = render._edge_data(graph_of(chosen, drawn_edges))
        new_ranges, edges_range = _write_page(path, VIEW_TITLE, edges_part, meta, nodes, type_data, syncs, source_fd)
    finally:
        os.close(source_fd)
    return {**record, "ranges": new_ranges, "edges_range": edges_range, "structure": keys,
            "degrees": [drawn_degree[n] for n in order],
            "attributes": [_attributes_text(attributes[n]) for n in order], "labels": dict(view.labels),
            "edges": edges}


def _page_meta(order: list, types: dict, physics: bool, network_nodes: int, network_edges: int, drawn_edges: int,
               omitted_by_type: Counter) -> tuple[dict, list]:
    """The page's "meta" and "types", as render._page_data makes them for the whole network."""
    from . import render

    type_counts = {t: 0 for t in render.TYPE_STYLES}
    for node in order:
        node_type = str(types[node] or "Other")
        type_counts[node_type] = type_counts.get(node_type, 0) + 1
    meta = {
        "title": VIEW_TITLE,
        "physics": physics,
        "focus": None,
        "network_nodes": network_nodes,
        "network_edges": network_edges,
        "selected_nodes": network_nodes,
        "omitted_nodes": network_nodes - len(order),
        "omitted_edges": network_edges - drawn_edges,
        "omitted_by_type": dict(sorted(omitted_by_type.items())),
    }
    return meta, [render._type_data(node_type, count) for node_type, count in type_counts.items()]


# ---------------------------------------------------------------- the outputs, all or nothing


def _write_files(result: BuildResult, staging: Path, view: bool) -> None:
    """graph.ttl, graph.html, the report and the cache, into the staging folder."""
    syncs: list[_Background] = []
    state = result.state
    try:
        layout = write_turtle(result.graph, staging / GRAPH_FILE, syncs)
        if view:
            record = _write_view(result, staging / VIEW_FILE, syncs)
            if state is not None:
                state.view = record
        write_bytes_atomically(staging / REPORT_FILE, report_text(result).encode("utf-8", "surrogateescape"))
        if result.cache is not None:
            result.cache.save_to(staging / CACHE_DIR, result.documents)
    finally:
        for sync in syncs:
            sync.result()
    if state is not None:
        state.graph = _identity(staging / GRAPH_FILE)
        if state.view is not None:
            state.view["html"] = _identity(staging / VIEW_FILE)
        identifiers = _identifiers_by_graph(result)
        chunks = result.graph.chunks
        for index, (offset, length) in layout.items():
            chunk = chunks[index]
            identifier = identifiers.get(chunk.graph) if chunk.graph is not None else None
            if identifier is not None:
                state.chunks[identifier] = (chunk.graph, chunk.first, chunk.last, chunk.count, offset, length)


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


def _identifiers_by_graph(result: BuildResult) -> dict[str, str]:
    """Each document's graph name and identifier (from the previous build's record where it has them)."""
    state = result.state
    if state.graph_names is None:
        known = state.plan.previous.state["chunks"] if state.plan is not None else {}
        iris = IRIs(state.base)
        state.graph_names = {(known[d.identifier][0] if d.identifier in known else iris.document(d.identifier)): d.identifier
                             for d in result.documents}
    return state.graph_names


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
    loading = _Background(_write_store, result, staging / STORE_DIR) if store else None
    try:
        _write_files(result, staging, view)
    finally:
        if loading is not None:
            loading.result()  # raises what the load raised; the staging folder is then left unused
    state = result.state
    if state is not None and result.cache is not None:
        state.store = _store_identity(staging / STORE_DIR) if store else None
        state.save(staging / CACHE_DIR, result.documents)
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
    if state is not None:
        _point_at(result, out)
    written = {"turtle": str(out / GRAPH_FILE), "report": str(out / REPORT_FILE)}
    if store:
        written["store"] = str(out / STORE_DIR)
    if view:
        written["html"] = str(out / VIEW_FILE)
    result.written = dict(sorted(written.items(), key=lambda item: ["turtle", "store", "html", "report"].index(item[0])))
    return result.written


def _point_at(result: BuildResult, out: Path) -> None:
    """After the swap the previous files are gone: the stored chunks now read from the new graph.ttl."""
    state = result.state
    if state.graph is None:
        return
    source = TextSource(str(out / GRAPH_FILE), state.graph)
    identifiers = _identifiers_by_graph(result)
    for chunk in result.graph.chunks:
        if isinstance(chunk, StoredChunk):
            recorded = state.chunks.get(identifiers.get(chunk.graph))
            if recorded is not None:
                chunk.source, chunk.offset, chunk.length = source, recorded[4], recorded[5]
