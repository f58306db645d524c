"""An incremental rebuild: from the previous build's record (graph.previous), only what the
changed documents touch is made again, and the result is the same bytes as a clean build's.

The plan: the new, changed and deleted documents (by content hash); their extractions counted
out of and into resolution's tally (resolve.Tally), so the entities are resolved without reading
the other documents; the documents whose Turtle is made again (the changed ones, and those that
name a key which became or stopped being an entity, or joined another person); every other
document's Turtle is a byte range of the previous graph.ttl. The writers then copy what did not
change: splice.write_turtle, view_page.write_view, store.update_store. Whatever the record does
not vouch for raises Fallback, and the build is a full one.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .knowledge import Knowledge
from .layout import GRAPH_FILE, STORE_DIR
from .network import Ambiguous, DocumentFacts, ViewFacts
from .previous import (NextState, PreviousBuild, concepts_in_order, count_concepts, default_statements,
                       document_record, unpack_record)
from .rdf import (IRIs, Chunk, Graph, add_ontology_facts, document_chunk, entity_statements, ontology_chunk,
                  ontology_statements, role_statements, statements_chunk)
from .records import Extraction
from .resolve import Corpus, MixedTypes, Tally, rename_persons, resolve_tally
from .splice import StoredChunk, TextSource, file_identity
from .store import store_identity
from .workers import PendingExtraction

log = logging.getLogger(__name__)


class Fallback(Exception):
    """The previous build's record cannot serve this one: build from the extractions."""


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


class IncrementalBuild:
    """A rebuild from the previous build's record: only what the changed documents touch is made."""

    def __init__(self, previous: PreviousBuild, documents, skipped, stats, cache, knowledge, base, jobs, progress,
                 max_bytes):
        self.previous, self.documents, self.skipped, self.stats = previous, documents, skipped, stats
        self.cache, self.knowledge, self.base, self.jobs, self.progress = cache, knowledge, base, jobs, progress
        self.max_bytes = max_bytes
        self.state = previous.state
        self.records = previous.document_records()

    def old_record(self, identifier: str) -> tuple:
        try:
            return self.previous.document_record(identifier, self.records)
        except ValueError as error:
            raise Fallback(str(error)) from error

    def run(self) -> tuple[Corpus, Graph, NextState]:
        """The corpus, the graph (its unchanged documents' Turtle read from the previous
        graph.ttl when written) and the record for the next build; Fallback if the record
        cannot serve."""
        state, cache, knowledge = self.state, self.cache, self.knowledge
        folder = self.previous.folder()
        if not state.get("graph") or file_identity(folder / GRAPH_FILE) != tuple(state["graph"]):
            raise Fallback("graph.ttl is not the one recorded")
        source = TextSource(str(folder / GRAPH_FILE), tuple(state["graph"]))
        known = state["documents"]
        current = {d.identifier: d for d in self.documents}
        if len(current) != len(self.documents) or set(known) - set(state["chunks"]):
            raise Fallback("two documents of one name, or a document without its Turtle")
        deleted = sorted(i for i in known if i not in current)
        changed = sorted(i for i, d in current.items() if i in known and known[i][6] != d.content_hash)
        added = sorted(i for i in current if i not in known)
        touched = len(deleted) + len(changed) + len(added)
        if touched > max(50, len(current) // 5):
            raise Fallback(f"{touched} documents added, changed or deleted: a full build is as fast")
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
        pending = PendingExtraction(todo, knowledge, self.jobs, self.max_bytes)
        try:
            old: dict[str, Extraction] = {}
            for identifier in changed + deleted:
                found = cache.load(f"{identifier}\x1f{known[identifier][6]}")
                if found is None:
                    raise Fallback(f"the previous extraction of {identifier} is lost")
                old[identifier] = found
            refs = self.previous.part("refs")
            self.previous.part("default")  # read now, as the view's part, so that damage is known before the write
            self.previous.part("view")
            if pending.pool is not None:  # while the worker extracts: what the write will need
                from . import render  # noqa: F401 - imported meanwhile: it takes a second (pyvis)
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
            raise Fallback(f"a key of two types: {error}") from error
        # The documents whose Turtle is made again: the new and changed ones, and those naming a
        # key that became or stopped being an entity, or started or stopped joining another person.
        before = state["renames"]
        moved = {k for k in set(before) | set(merged) if before.get(k) != merged.get(k)}
        moved |= set(state["entities"]).symmetric_difference(entities)
        if refs is None:
            raise Fallback("no record of which documents name which keys")
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
                    raise Fallback(f"the extraction of {identifier} is lost")
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
            records.put(identifier, document_record(raw_of(identifier), rows, concepts))
        new_records = {i: unpack_record(records.new[i]) for i in made}
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
            count_concepts(roles["first"], roles["items"], identifier, record[2], -1)
        for identifier, record in new_records.items():
            count_concepts(roles["first"], roles["items"], identifier, record[2], 1)
        role_concepts = concepts_in_order(roles["first"], roles["items"])
        # The graph: the ontology, the entities and the roles made again (they are small), each
        # document's chunk made again or taken from the previous graph.ttl.
        corpus = Corpus(entities, papers, LazyExtractions(sorted(current), extraction_of), merged, tally)
        facts = ViewFacts()
        add_ontology_facts(knowledge, facts)
        entity_part = entity_statements(iris, corpus, knowledge)
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

        def rows_of(identifier: str):
            if identifier in made:
                return made[identifier][2]
            data = records.get(identifier)
            return unpack_record(data)[1] if data is not None else None

        plan = Plan(self.previous, iris, facts, made, old_records, new_records, deleted)
        following = NextState(self.previous.key, self.base, self.max_bytes, self.stats, tally, merged, sorted(entities),
                              roles, refs, records, {"entities": entity_part, "roles": role_part}, rows_of,
                              [subject for subject, _ in role_part], plan=plan)
        return corpus, Graph(chunks), following


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


def store_changes(state: NextState | None, knowledge: Knowledge) -> tuple | None:
    """What turns the previous build's store into this one's (store.update_store's arguments),
    or None if it must be loaded anew."""
    plan = state.plan if state is not None else None
    if plan is None:
        return None
    previous = plan.previous
    recorded = previous.state.get("store")
    folder = previous.folder() / STORE_DIR
    if not recorded or store_identity(folder) != [tuple(entry) for entry in recorded]:
        log.info("store loaded anew: the previous store is not the one recorded")
        return None
    default = previous.part("default")
    if default is None:
        return None
    before_all = default_statements(default)
    after_all = default_statements(state.default)
    ontology: dict[str, set] = {}
    for subject, pair in ontology_statements(Path(knowledge.directory)):
        ontology.setdefault(subject, set()).add(pair)
    drop, insert = [], []
    for subject in sorted(set(before_all) | set(after_all)):
        before = before_all.get(subject, [])
        after = after_all.get(subject, [])
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
