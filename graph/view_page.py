"""graph.html as a build writes it: rendered whole by graph.render, or, after an incremental
build, patched from the previous page.

The page is its data's JSON between a fixed head and tail (`page_parts`); the data is the
documents' entries, the edges, the notes, the nodes and the legend, packed with their texts
written once (render.pack_page), and the build's record says where each document entry and node
lies in the page. Where the nodes drawn and the pairs they link are the same as the previous
build's (so the layout is too), only the nodes whose facts a changed document touched are read
back and made anew, with the changed documents' entries; every other node and entry is copied
byte for byte while the tables keep their indices, else renumbered. Anything else renders the
page whole; either way the bytes are render_html's.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .atomic import new_file, write_bytes_atomically
from .layout import VIEW_FILE, VIEW_TITLE
from .network import (Ambiguous, ViewFacts, ViewGlobal, check_roles, membership_edges, mention_order,
                      network_from_store, no_gc, node_attributes, role_order)
from .splice import Sink, StaleSource, TextSource, file_identity

if TYPE_CHECKING:
    from .build import BuildResult

log = logging.getLogger(__name__)


def view_network(result: BuildResult):
    """The view's network: read from the facts the build gathered, or (where only the store's query
    engine can say which comes first) from an in-memory store of the graph, as `kg render` reads it."""
    facts = result.facts
    if facts is None and result.state is not None and result.state.plan is not None:
        facts = _all_facts(result)
    if facts is not None:
        try:
            with no_gc():
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


def page_parts(title: str) -> tuple[bytes, bytes]:
    """The page around its data: what render_html writes before and after the data's JSON."""
    from . import render

    marker = render.script_json(_PLACEHOLDER)
    page = render.page_html(_PLACEHOLDER, title)
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


def _role_labels(view: ViewGlobal, role_subjects) -> dict[str, list[str]]:
    """The English labels of the role concepts, which the roles in the view name."""
    return {subject: view.english(subject) for subject in sorted(set(role_subjects))}


def _attributes_text(attributes: dict) -> str:
    """A digest of a node's attributes but its roles and mentions."""
    text = json.dumps(attributes, ensure_ascii=False, sort_keys=True)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


class _ViewFallback(Exception):
    """The previous graph.html cannot be patched: render the view whole."""


_DATA_KEYS = ("documents", "edges", "meta", "nodes", "strings", "types")  # in script_json's order
_LISTED = ("documents", "nodes")  # written item by item, so that a patch copies the unchanged ones


def _write_page(path: Path, title: str, data: dict, syncs: list | None) -> dict:
    """graph.html: the page around its packed data, as render_html writes it. Returns its layout:
    where each document entry and node lies in it, and how often each text and document is used."""
    from . import render

    strings, documents = Counter(), Counter()
    for node in data["nodes"]:
        render.packed_uses(node, strings, documents)
    render.packed_edge_uses(data["edges"], strings)
    pieces = {key: [_json(item) for item in data[key]] if key in _LISTED else _json(data[key]) for key in _DATA_KEYS}
    with new_file(path, syncs) as fd:
        layout = _write_data(fd, title, pieces, None)
    return {**layout, "document_keys": [tuple(entry[:2]) for entry in data["documents"]],
            "string_uses": [strings[index] for index in range(len(data["strings"]))],
            "document_uses": [documents[index] for index in range(len(data["documents"]))]}


def _json(value) -> bytes:
    from .render import script_json

    return script_json(value).encode("utf-8")


def _write_data(fd: int, title: str, pieces: dict, source: int | None) -> dict:
    """The page with its data's JSON written piece by piece: each piece either bytes or a
    (start, length) range of the `source` page, copied by the kernel. The bytes are those of
    script_json(data), which writes compact, key-sorted JSON: the concatenation of its pieces."""
    before, after = page_parts(title)
    sink = Sink(fd)
    sink.write(before)

    def put(piece) -> tuple[int, int]:
        start = sink.position
        if isinstance(piece, bytes):
            sink.write(piece)
        else:
            sink.copy(source, piece[0], piece[1], b",")
        return start, sink.position - start

    layout = {}
    for number, key in enumerate(_DATA_KEYS):
        sink.write(b'%s"%s":' % (b"," if number else b"{", key.encode("ascii")))
        if key in _LISTED:
            sink.write(b"[")
            spans = []
            for index, piece in enumerate(pieces[key]):
                if index:
                    sink.write(b",")
                spans.append(put(piece))
            sink.write(b"]")
            layout[key] = spans
        else:
            layout[key] = put(pieces[key])
    sink.write(b"}" + after)
    sink.close()
    return layout


class _PreviousPage:
    """The previous graph.html's data, read piece by piece where its layout says each lies."""

    def __init__(self, fd: int, layout: dict):
        self.fd, self.layout = fd, layout
        self._documents: dict[int, list] = {}

    def read(self, span) -> object:
        start, length = span
        data = os.pread(self.fd, length, start)
        if len(data) != length:
            raise StaleSource("graph.html")
        return json.loads(data)

    def node(self, index: int) -> dict:
        return self.read(self.layout["nodes"][index])

    def __getitem__(self, index: int) -> list:
        """A document's entry, as render.unpack_node reads it."""
        entry = self._documents.get(index)
        if entry is None:
            entry = self._documents[index] = self.read(self.layout["documents"][index])
        return entry


def write_view(result: BuildResult, path: Path, syncs: list) -> dict | None:
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
    selected = render.selection(network, None, 1, None)
    drawn = render.top_by_degree(selected, max_nodes)
    physics = drawn.number_of_nodes() <= physics_threshold
    data = render.page_data(network, selected, drawn, physics, VIEW_TITLE)
    state = result.state
    if state is None:
        write_bytes_atomically(path, render.page_html(data, VIEW_TITLE).encode("utf-8"))
        return None
    page = _write_page(path, VIEW_TITLE, data, syncs)
    rows = [state.rows(d.identifier) for d in result.documents]
    if any(r is None for r in rows):
        return None
    edges: dict = {}
    for document_rows in rows:
        for edge in membership_edges(document_rows):
            edges[edge] = edges.get(edge, 0) + 1
    order = sorted(drawn, key=str)
    return {**_view_record(drawn, order, edges, result, max_nodes, physics_threshold),
            "page_meta": _page_meta_key(data["meta"], data["types"]), "page": page}


def _page_meta_key(meta: dict, types: list) -> str:
    """What of a page is neither a node nor an edge (counts, notes, legend), as one comparable text."""
    return json.dumps([meta, types], sort_keys=True, ensure_ascii=False)


def _view_record(drawn, order, edges, result, max_nodes, physics_threshold, view=None) -> dict:
    if view is None:
        view = ViewGlobal(result.state.plan.facts) if result.facts is None else ViewGlobal(result.facts)
    attributes = node_attributes(view.types, view.kinds, view.names, view.labels, view.links, order)
    return {
        "title": VIEW_TITLE, "max_nodes": max_nodes, "physics_threshold": physics_threshold,
        "order": [str(n) for n in order],
        "degrees": [drawn.degree(n) for n in order],
        "attributes": [_attributes_text(attributes[n]) for n in order],
        "labels": dict(view.labels),
        "structure": _drawn_keys(order, _edge_keys(drawn)),
        "roles": _role_labels(view, result.state.role_subjects),
        "edges": edges,
    }


def _patch_view(result: BuildResult, path: Path, syncs: list) -> dict:
    """graph.html from the previous one: the drawn nodes and the pairs they link are the same
    (so is the layout), and only the nodes the changed documents name, or whose own facts,
    degree or organisations' names changed, are written anew; the others are copied."""
    import networkx as nx

    from . import render

    state, plan = result.state, result.state.plan
    record = plan.previous.part("view")
    max_nodes, physics_threshold = _view_settings()
    if (record is None or record["title"] != VIEW_TITLE or record["max_nodes"] != max_nodes
            or record["physics_threshold"] != physics_threshold):
        raise _ViewFallback("no view record to patch")
    html = plan.previous.folder() / VIEW_FILE
    if file_identity(html) != tuple(record.get("html") or ()):
        raise _ViewFallback("graph.html is not the one recorded")
    if any(r[4] is None for r in (*plan.old_records.values(), *plan.new_records.values())):
        raise _ViewFallback("a document's view rows are ambiguous")
    view = ViewGlobal(plan.facts)
    recorded_roles = record["roles"]
    role_labels = _role_labels(view, state.role_subjects)
    if any(recorded_roles.get(subject, labels) != labels for subject, labels in role_labels.items()):
        raise _ViewFallback("a role concept's labels changed")  # a new one is named only by new roles
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
    # What is drawn, chosen as render.top_by_degree chooses it (no focus, no type filter: the
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
        """The drawn network, or the part of it render.node_data reads for some nodes."""
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
    texts = {node for node in order
             if node in dirty or drawn_degree[node] != degrees[node] or _attributes_text(attributes[node]) != before[node]}
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
    physics = len(order) <= physics_threshold
    omitted = Counter(str(types[node] or "Other") for node in types if node not in chosen)
    whole = (len(types), len(all_edges))  # no focus, no type filter: the part asked for is the whole
    meta = render.page_meta(VIEW_TITLE, physics, None, whole, whole, (len(order), len(drawn_edges)), omitted)
    type_data = render.type_legend(str(types[node] or "Other") for node in order)
    page_meta = _page_meta_key(meta, type_data)
    patched = {**record, "structure": keys, "degrees": [drawn_degree[n] for n in order],
               "attributes": [_attributes_text(attributes[n]) for n in order], "labels": dict(view.labels),
               "roles": role_labels, "edges": edges, "page_meta": page_meta}
    if not texts and keys == record["structure"] and page_meta == record.get("page_meta"):
        _copy_page(html, tuple(record["html"]), path, syncs)  # no node, edge or note changed: the same bytes
        return patched
    if len(record["page"]["nodes"]) != len(order):
        raise _ViewFallback("graph.html draws other nodes than recorded")
    source_fd = os.open(html, os.O_RDONLY)
    try:
        if TextSource.identity_of(source_fd) != tuple(record["html"]):
            raise _ViewFallback("graph.html changed")
        previous = _PreviousPage(source_fd, record["page"])
        old_strings = previous.read(record["page"]["strings"])
        replaced, uses = {}, _PageUses(record["page"], old_strings)
        for index, node in enumerate(order):
            if node not in texts:
                continue
            packed = previous.node(index)
            if packed["id"] != node:
                raise _ViewFallback("graph.html draws other nodes than recorded")
            uses.take_packed(packed)
            old = render.unpack_node(packed, old_strings, previous)
            roles = [r for r in old["roles"] if r["document"] not in gone] + new_roles.get(node, [])
            for role in roles:
                role["organisation"] = view.labels[role["organisation_id"]]
            roles.sort(key=role_order)
            check_roles([roles])
            mentions = [m for m in old["mentions"] if m["document"] not in gone] + new_mentions.get(node, [])
            mentions.sort(key=mention_order)
            own = graph_of({node} | {e[0] for e in incident.get(node, ())} | {e[1] for e in incident.get(node, ())},
                           incident.get(node, ()))
            own.nodes[node].update(attributes[node], roles=roles, mentions=mentions)
            replaced[index] = render.node_data(node, own, (old["x"], old["y"]))
        if any(uses.documents[key] for key in uses.keys if key[0] in gone):
            raise _ViewFallback("a node not drawn anew quotes a changed document")
        for node in replaced.values():
            render.count_uses(node, uses.texts, uses.documents, uses.sentences)
        edge_list = None if keys[1] == record["structure"][1] else render.edge_data(graph_of(chosen, drawn_edges))
        if edge_list is not None:
            packed_links = previous.read(record["page"]["edges"])
            uses.take_edges(packed_links)
            render.count_edge_uses(edge_list, uses.texts)
        page = _write_patched_page(path, syncs, previous, uses, gone, order, replaced, edge_list, meta, type_data)
    finally:
        os.close(source_fd)
    return {**patched, "page": page}


class _PageUses:
    """How often the previous page's texts and documents are used, counted by text and by key,
    as the nodes drawn anew are taken out (and, made again, put in)."""

    def __init__(self, page: dict, old_strings: list):
        self.old_strings = old_strings
        self.keys = [tuple(key) for key in page["document_keys"]]
        self.texts: Counter = Counter(dict(zip(old_strings, page["string_uses"])))
        self.documents: Counter = Counter(dict(zip(self.keys, page["document_uses"])))
        self.sentences: dict = {}  # the sentences the nodes drawn anew quote, by document

    def take_packed(self, node: dict) -> None:
        from .render import packed_uses

        strings, documents = Counter(), Counter()
        packed_uses(node, strings, documents)
        for index, count in strings.items():
            self.texts[self.old_strings[index]] -= count
        for index, count in documents.items():
            self.documents[self.keys[index]] -= count

    def take_edges(self, links: list) -> None:
        from .render import packed_edge_uses

        strings: Counter = Counter()
        packed_edge_uses(links, strings)
        for index, count in strings.items():
            self.texts[self.old_strings[index]] -= count


class _Entries:
    """The new page's document entries by index: those made anew, else the previous page's, read
    only when asked for (a node's sentence is looked up in its document's entry)."""

    def __init__(self, keys: list, made: dict, previous: _PreviousPage, old_index: dict):
        self.keys, self.made, self.previous, self.old_index = keys, made, previous, old_index

    def __getitem__(self, index: int) -> list:
        key = self.keys[index]
        return self.made[key] if key in self.made else self.previous[self.old_index[key]]


def _write_patched_page(path, syncs, previous: _PreviousPage, uses: _PageUses, gone, order, replaced, edge_list,
                        meta, type_data) -> dict:
    """The page with the nodes drawn anew (`replaced`) and, unless None, other edges: the other
    nodes, and the documents no changed one is, copied from the previous page while the tables
    keep their indices, else renumbered."""
    from .render import PageTables, document_key, renumber_node

    layout, old_strings = previous.layout, uses.old_strings
    if any(count < 0 for count in (*uses.texts.values(), *uses.documents.values())):
        raise _ViewFallback("the page's record of its texts does not add up")
    strings = [None, *sorted(text for text, count in uses.texts.items() if count > 0 and text is not None)]
    keys = sorted((key for key, count in uses.documents.items() if count > 0), key=document_key)
    old_index = {key: index for index, key in enumerate(uses.keys)}
    made = {key: [*key, sorted(uses.sentences.get(key, ()))] for key in keys if key[0] in gone or key not in old_index}
    tables = PageTables(strings, keys, _Entries(keys, made, previous, old_index))
    same = strings == old_strings and keys == uses.keys
    string_map = [tables.string_index.get(text) for text in old_strings]
    document_map = [tables.document_index.get(key) for key in uses.keys]
    nodes = []
    for index in range(len(order)):
        if index in replaced:
            nodes.append(_json(tables.node(replaced[index])))
        elif same:
            nodes.append(tuple(layout["nodes"][index]))
        else:
            nodes.append(_json(renumber_node(previous.node(index), string_map, document_map)))
    if edge_list is not None:
        position = {node: index for index, node in enumerate(order)}
        edges = _json([tables.edge(edge, position) for edge in edge_list])
    elif same:
        edges = tuple(layout["edges"])
    else:
        edges = _json([[source, target, string_map[relation], string_map[label], curve]
                       for source, target, relation, label, curve in previous.read(layout["edges"])])
    pieces = {
        "documents": [_json(made[key]) if key in made else tuple(layout["documents"][old_index[key]]) for key in keys],
        "edges": edges, "meta": _json(meta), "nodes": nodes,
        "strings": tuple(layout["strings"]) if strings == old_strings else _json(strings), "types": _json(type_data),
    }
    with new_file(path, syncs) as fd:
        written = _write_data(fd, VIEW_TITLE, pieces, previous.fd)
    return {**written, "document_keys": keys, "string_uses": [uses.texts[text] for text in strings],
            "document_uses": [uses.documents[key] for key in keys]}


def _copy_page(source: Path, identity: tuple, path: Path, syncs: list) -> None:
    """The previous graph.html, copied while it is still the recorded one."""
    previous = os.open(source, os.O_RDONLY)
    try:
        if TextSource.identity_of(previous) != identity:
            raise _ViewFallback("graph.html changed")
        with new_file(path, syncs) as fd:
            sink = Sink(fd)  # the kernel copies the bytes
            sink.copy(previous, 0, os.fstat(previous).st_size)
            sink.close()
    finally:
        os.close(previous)
