"""What a build leaves in OUT/.cache for the next one, and how the next one reads it back.

Two things are kept. The extraction cache (`ExtractionCache`): each document's extraction, keyed
by its name, content hash and the rules' fingerprint, so only new and changed documents are
extracted again. The record of the build (`NextState` written, `PreviousBuild` read): what an
incremental rebuild (graph.incremental) needs to remake only what a change touches. The record
is keyed by `code_fingerprint` (rules, base IRI, this package's code, library versions): any of
them changing makes the next build a full one. A record that cannot be read is reported
(`PreviousBuild.damage`) and the build is a full one; nothing in it is ever trusted unchecked.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pyoxigraph as ox

from .atomic import Background, write_bytes_atomically
from .knowledge import Knowledge
from .layout import CACHE_DIR, STORE_DIR
from .network import Ambiguous, DocumentFacts, ViewFacts, membership_edges, no_gc
from .rdf import IRIs, add_ontology_facts, entity_statements, role_statements
from .read import read_file
from .records import Document, Extraction, Skip
from .resolve import Tally
from .segments import Segments, segment_digest
from .splice import StoredChunk, TextSource

if TYPE_CHECKING:
    from .build import BuildResult
    from .incremental import Plan

# A file changed within this long before it was read may change again with the same size and
# timestamps (they tick coarsely): its stat fields are not recorded, so the next build reads it.
RACY_NS = 3_000_000_000


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
        self.damage: str | None = None  # why a cache that was there could not be read
        if self.path and self.path.is_file():
            try:
                with self.path.open("rb") as handle:
                    stored = pickle.load(handle)
                if isinstance(stored, dict) and stored.get("fingerprint") == fingerprint:
                    if stored.get("version") == 2:
                        self.entries = dict(stored["entries"])
                    elif "version" not in stored:  # the one pickle of every extraction of earlier versions
                        self.legacy = {k: v for k, v in stored["entries"].items() if isinstance(v, Extraction)}
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, KeyError, TypeError, ValueError,
                    ImportError) as error:
                self.entries, self.legacy = {}, {}  # a damaged cache is only a slower build
                self.damage = f"{self.FILE}: {type(error).__name__}: {error}"
        self.records = Segments(directory, "extractions", self.entries)
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


def code_fingerprint(knowledge: Knowledge, base: str) -> str:
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
    for path in sorted(here.glob("*.py")):  # every module: a record outlives no change of the code
        digest.update(path.name.encode() + path.read_bytes())
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
        self.damage: list[str] = []  # the parts that were there but could not be read, and why
        self._parts: dict[str, object] = {}
        self._build: str | None = None

    @classmethod
    def load(cls, directory: Path | None, key: str, max_bytes: int) -> tuple["PreviousBuild | None", str | None]:
        """The record in `directory`, or None and why it cannot serve (no reason: there is none)."""
        if directory is None or not (Path(directory) / cls.FILES["state"]).exists():
            return None, None
        previous = cls(Path(directory), key)
        state = previous.part("state")
        if state is None:
            return None, "; ".join(previous.damage)
        if state.get("max_bytes") != max_bytes:
            return None, "--max-bytes is not the previous build's"
        return previous, None

    def part(self, name: str):
        """One part of the record, or None (and a line in `damage`): every part carries the
        digest of its bytes and the id of the build that wrote the state, so a truncated,
        overwritten or foreign part is never read as this build's."""
        if name not in self._parts:
            self._parts[name] = self._read(name)
        return self._parts[name]

    def _read(self, name: str):
        path = self.directory / self.FILES[name]
        try:
            data = path.read_bytes()
        except OSError as error:
            self.damage.append(f"{path.name} cannot be read ({error.strerror or error})")
            return None
        try:
            if segment_digest(data[16:]) != data[:16]:
                raise ValueError("its digest does not match its bytes")
            stored = marshal.loads(data[16:])
            if not isinstance(stored, dict) or not isinstance(stored.get("data"), dict):
                raise ValueError("not a record")
        except (EOFError, ValueError, TypeError) as error:
            self.damage.append(f"{path.name} is damaged ({error})")
            return None
        if name == "state" and self.key is None:  # `of_outputs`: the key is checked against the base it names
            self.key = stored.get("key")
        if stored.get("key") != self.key:
            self.damage.append("the rules, the base IRI or kg's code changed since the previous build"
                               if name == "state" else f"{path.name} belongs to other rules or code")
            return None
        if name == "state":
            self._build = stored.get("build")
        elif stored.get("build") != self._build or self._build is None:
            self.damage.append(f"{path.name} belongs to another build")
            return None
        return stored["data"]

    @classmethod
    def of_outputs(cls, folder: Path, knowledge: Knowledge) -> "PreviousBuild | None":
        """The record of the build whose outputs are in `folder`, if these rules and this code
        made it (its base IRI is the one it names), else None."""
        previous = cls(Path(folder) / CACHE_DIR, None)
        if not (previous.directory / cls.FILES["state"]).is_file():
            return None
        state = previous.part("state")
        if state is None or not isinstance(state.get("base"), str) or previous.key != code_fingerprint(knowledge, state["base"]):
            return None
        return previous

    @property
    def state(self) -> dict:
        return self.part("state")

    def document_record(self, identifier: str, records: Segments) -> tuple:
        """A document's record (document_record's fields), checked to be of the document as it
        was built (ValueError if not)."""
        try:
            record = unpack_record(records.get(identifier))
            if record[0] != f"{identifier}\x1f{self.state['documents'][identifier][6]}":
                raise ValueError("the record is not its document's")
        except (EOFError, ValueError, TypeError, IndexError, KeyError, zlib.error) as error:
            raise ValueError(f"no usable record of {identifier}: {error}") from error
        return record

    def document_records(self) -> Segments:
        return Segments(self.directory, "documents", self.state["records"])

    def folder(self) -> Path:
        """The outputs this record describes: the folder holding the cache folder."""
        return self.directory.parent


def _save_part(directory: Path, name: str, key: str, build: str, data) -> None:
    body = marshal.dumps({"key": key, "build": build, "data": data})
    write_bytes_atomically(directory / PreviousBuild.FILES[name], segment_digest(body) + body)


class ReusedDocument(Document):
    """A document the previous build read, not read again: its file's stat fields are the ones
    recorded then. Its `text` is empty; `readable()` reads it when its extraction is needed."""


class FileChanged(Exception):
    """A file changed while the build ran (between its stat and its reading): start again."""


def readable(document: Document, max_bytes: int) -> Document:
    """The document with its text: one the previous build read is read now (its cached extraction
    was lost)."""
    if not isinstance(document, ReusedDocument):
        return document
    again = read_file(document.path, max_bytes=max_bytes, identifier=document.identifier)
    if not isinstance(again, Document) or again.content_hash != document.content_hash:
        raise FileChanged(document.path)
    return again


class DocumentReader:
    """read.read_file for read.collect, except that a file whose stat fields (device, inode, size,
    mtime, ctime) are the ones the previous build recorded, and whose extraction the cache holds,
    is not read again. `stats` gathers the stat fields of every document's file, taken before it
    was read, for the next build (none for a file changed within RACY_NS of its reading)."""

    def __init__(self, previous: "PreviousBuild | None", cache: "ExtractionCache | None"):
        self.known = previous.state["documents"] if previous is not None and cache is not None else {}
        self.cache = cache
        self.stats: dict[str, tuple] = {}

    def __call__(self, path, *, max_bytes: int, identifier: str | None = None) -> Document | Skip:
        path = os.fspath(path)
        fields = _stat_fields(path)
        record = self.known.get(identifier) if identifier is not None else None
        if (fields is not None and record is not None and record[0] == path and tuple(record[1:6]) == fields
                and fields[2] <= max_bytes):
            document = ReusedDocument(identifier, "", record[0], record[6], record[8], record[7])
            if self.cache.has(document):
                self.stats[identifier] = fields
                return document
        result = read_file(path, max_bytes=max_bytes, identifier=identifier)
        if isinstance(result, Document) and fields is not None and time.time_ns() - max(fields[3:5]) > RACY_NS:
            self.stats[result.identifier] = fields
        return result


def _stat_fields(path: str) -> tuple | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _referenced_keys(extraction: Extraction) -> set[str]:
    """The keys (before renaming) whose being an entity, or joining another person, a document's
    Turtle depends on."""
    keys = {m.key for m in extraction.mentions if m.type not in {"paper", "sector"}}
    for membership in extraction.memberships:
        keys.add(membership.person)
        keys.add(membership.organisation)
    return keys


def document_record(extraction: Extraction, rows, concepts: dict[str, set]) -> bytes:
    """What the next build needs of one document's derived parts: the key of its extraction, its
    view rows, its role concepts in the order it uses them, the keys it names, its role edges."""
    return pack_record((f"{extraction.identifier}\x1f{extraction.content_hash}", rows,
                        tuple((concept, tuple(sorted(items))) for concept, items in concepts.items()),
                        tuple(sorted(_referenced_keys(extraction))),
                        tuple(sorted(membership_edges(rows), key=repr)) if rows is not None else None))


def pack_record(record: tuple) -> bytes:
    return zlib.compress(marshal.dumps(record), 1)  # the view rows are text: a fifth of the bytes


def unpack_record(data: bytes) -> tuple:
    return marshal.loads(zlib.decompress(data))


def concepts_in_order(first_use: dict, items: dict) -> dict[str, set]:
    """The role concepts in the order a clean build meets them: by the first document (in name
    order) using each, then by where in that document."""
    order = sorted(first_use, key=lambda concept: min(first_use[concept].items()))
    return {concept: {tuple(item) for item in items.get(concept, {})} for concept in order}


def count_concepts(first_use: dict, items: dict, identifier: str, concepts, sign: int) -> None:
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


def default_statements(default: dict) -> dict[str, list]:
    """The default graph's statements (but the ontology's) by subject, from a record's `default`
    part: {"entities": the entities' and papers' statements, "roles": the roles'}."""
    by_subject: dict[str, list] = {}
    for subject, pairs in (*default["entities"], *default["roles"]):
        by_subject.setdefault(subject, []).extend(tuple(pair) for pair in pairs)
    return by_subject


@dataclass
class NextState:
    """What a build leaves in its cache folder for the next one (read back by PreviousBuild).
    The write fills in where each document's Turtle stands in graph.ttl, the view's record and
    the identity of the files written."""

    key: str
    base: str
    max_bytes: int
    stats: dict[str, tuple]
    tally: Tally
    renames: dict[str, str]
    entity_keys: list[str]
    roles: dict
    refs: dict
    records: Segments
    default: dict  # {"entities": statements, "roles": statements}: see default_statements
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
            "base": self.base,
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
        build = os.urandom(8).hex()  # ties the parts to this state: parts of two builds never mix
        parts = [("refs", self.refs), ("default", self.default)] + ([("view", self.view)] if self.view is not None else [])
        writes = [Background(_save_part, directory, name, self.key, build, data) for name, data in parts]
        for write in writes:
            write.result()
        _save_part(directory, "state", self.key, build, state)  # last: the others are only read through it

    def identifiers_by_graph(self, documents: list[Document]) -> dict[str, str]:
        """Each document's graph name and identifier (from the previous build's record where it has them)."""
        if self.graph_names is None:
            known = self.plan.previous.state["chunks"] if self.plan is not None else {}
            iris = IRIs(self.base)
            self.graph_names = {(known[d.identifier][0] if d.identifier in known else iris.document(d.identifier)):
                                d.identifier for d in documents}
        return self.graph_names

    def record_turtle(self, graph, layout: dict[int, tuple[int, int]], documents: list[Document],
                      identity: tuple | None) -> None:
        """Where each document's Turtle stands in the graph.ttl just written (splice.write_turtle's layout)."""
        self.graph = identity
        identifiers = self.identifiers_by_graph(documents)
        for index, (offset, length) in layout.items():
            chunk = graph.chunks[index]
            identifier = identifiers.get(chunk.graph) if chunk.graph is not None else None
            if identifier is not None:
                self.chunks[identifier] = (chunk.graph, chunk.first, chunk.last, chunk.count, offset, length)

    def point_at(self, graph, documents: list[Document], path: Path) -> None:
        """After the swap the previous files are gone: the stored chunks now read from the new graph.ttl."""
        if self.graph is None:
            return
        source = TextSource(str(path), self.graph)
        identifiers = self.identifiers_by_graph(documents)
        for chunk in graph.chunks:
            if isinstance(chunk, StoredChunk):
                recorded = self.chunks.get(identifiers.get(chunk.graph))
                if recorded is not None:
                    chunk.source, chunk.offset, chunk.length = source, recorded[4], recorded[5]


def full_state(result: BuildResult, key: str, base: str, max_bytes: int, stats, extractions, concepts) -> NextState:
    """The record of a full build, gathered while its graph was made."""
    iris = IRIs(base)
    records = Segments(None, "documents")
    roles: dict = {"first": {}, "items": {}}
    refs: dict[str, list[str]] = {}
    parts = [p for p in result.facts.parts if isinstance(p, DocumentFacts)]
    rows_by_id: dict[str, tuple | None] = {}
    for extraction, part, used in zip(extractions, parts, concepts, strict=True):
        try:
            rows = part.rows()
        except Ambiguous:
            rows = None
        record = document_record(extraction, rows, used)
        records.put(extraction.identifier, record)
        record = unpack_record(record)
        rows_by_id[extraction.identifier] = rows
        count_concepts(roles["first"], roles["items"], extraction.identifier, record[2], 1)
        for ref in record[3]:
            refs.setdefault(ref, []).append(extraction.identifier)
    corpus = result.corpus
    role_part = role_statements(iris, result.knowledge, concepts_in_order(roles["first"], roles["items"]))
    default = {"entities": entity_statements(iris, corpus, result.knowledge), "roles": role_part}
    return NextState(key, base, max_bytes, stats, corpus.tally, corpus.renames, sorted(corpus.entities), roles, refs,
                     records, default, rows_by_id.get, [subject for subject, _ in role_part])


def recorded_network(folder: Path, knowledge: Knowledge | None = None):
    """The view's network of the build whose outputs are in `folder`, read from its record while
    the store there is the one that build wrote: what network_from_store reads from that store
    (the record holds the triples the view reads: the default graph's statements and each
    document's view rows), in seconds where reading a big store's million rows takes minutes.
    None where the record cannot vouch for the store (an update changed it, other rules or code)."""
    from .knowledge import load_knowledge
    from .store import store_identity

    knowledge = knowledge or load_knowledge()
    previous = PreviousBuild.of_outputs(folder, knowledge)
    if previous is None:
        return None
    state = previous.state
    if not state.get("store") or store_identity(Path(folder) / STORE_DIR) != [tuple(f) for f in state["store"]]:
        return None
    default = previous.part("default")
    if default is None:
        return None
    facts = ViewFacts()
    add_ontology_facts(knowledge, facts)
    for subject, pairs in (*default["entities"], *default["roles"]):
        facts.add(subject, pairs)
    records = previous.document_records()
    try:
        for identifier in sorted(state["documents"]):
            rows = previous.document_record(identifier, records)[1]
            if rows is None:  # its rows leave an order to the query engine
                return None
            facts.add_rows(rows)
    except ValueError:
        return None
    finally:
        records.close()
    try:
        with no_gc():
            return facts.network()
    except (Ambiguous, KeyError, ValueError):  # an order left to the engine; a term not read back
        return None
