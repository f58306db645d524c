"""The network as one self-contained, interactive HTML page.

The page embeds vis-network (the copy pyvis ships) and the data, so it opens from disk
with no network at all. It is built for hostile text: the data travels as escaped JSON,
the page's own script builds every panel from text nodes, and a Content-Security-Policy
allows only the two inline scripts by hash. Positions are computed here, with a fixed
seed, so the same network always gives the same bytes.
"""
from __future__ import annotations

import base64
import difflib
import hashlib
import json
import math
import os
import unicodedata
from collections import Counter
from collections.abc import Iterable
from importlib import resources
from operator import itemgetter
from pathlib import Path

import jinja2
import networkx as nx
import numpy as np
from markupsafe import Markup

from .atomic import write_bytes_atomically

TEMPLATES = Path(__file__).parent / "templates"
VIS = resources.files("pyvis") / "templates" / "lib" / "vis-9.1.2"

# Colour, vis shape and legend symbol per node type (Tableau 10: distinct, colour-blind tolerant).
TYPE_STYLES = {
    "Person": ("#4e79a7", "dot", "●"),
    "Organisation": ("#f28e2b", "square", "■"),
    "Municipality": ("#59a14f", "hexagon", "⬢"),
    "Country": ("#e15759", "star", "★"),
    "Sector": ("#b07aa1", "diamond", "◆"),
    "Paper": ("#9c755f", "triangle", "▲"),
}
OTHER_STYLE = ("#8c8c8c", "dot", "●")

SEED = 7
SPRING_LAYOUT_LIMIT = 400  # networkx's dense spring layout; past it, the grid one below
FORCE_ITERATIONS = 40
FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "ı": "i", "þ": "th"})
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F])
JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def render_html(
    network: nx.MultiDiGraph,
    out_path: str | os.PathLike,
    *,
    focus: str | None = None,
    depth: int = 1,
    types: set[str] | None = None,
    physics_threshold: int = 500,
    max_nodes: int = 3000,
    title: str = "Social services knowledge graph",
) -> dict:
    """Write the network (or the part asked for) as an interactive page; return what was drawn.

    `focus` (an IRI, name or alias) with `depth` draws that entity's neighbourhood; `types`
    keeps only nodes of those types (the focus stays). Past `max_nodes` the best-connected
    nodes are kept and the page says what was left out; past `physics_threshold` the
    precomputed layout is final, since live physics on thousands of nodes freezes a browser.
    """
    if depth < 0:
        raise ValueError(f"depth must be 0 or more, not {depth}")
    selected = selection(network, focus, depth, types)
    drawn = top_by_degree(selected, max_nodes)
    physics = drawn.number_of_nodes() <= physics_threshold
    data = page_data(network, selected, drawn, physics, title)
    html = page_html(data, title)
    write_bytes_atomically(Path(out_path), html.encode("utf-8"))
    return {
        "nodes": drawn.number_of_nodes(),
        "edges": drawn.number_of_edges(),
        "omitted_nodes": data["meta"]["omitted_nodes"],
        "omitted_edges": data["meta"]["omitted_edges"],
        "omitted_by_type": data["meta"]["omitted_by_type"],
        "physics": physics,
        "focus": data["meta"]["focus"],
    }


def fold(text: str) -> str:
    """Text as a search compares it: no case, accents or direction marks ("Malmö" ~ "malmo")."""
    text = unicodedata.normalize("NFKD", text.translate(BIDI_CONTROLS).casefold())
    return "".join(c for c in text if not unicodedata.combining(c)).translate(FOLD).strip()


def _find_focus(network: nx.MultiDiGraph, name: str) -> str:
    """The node an IRI, name or alias names; a clear ValueError when none or several do."""
    if name in network:
        return name
    wanted = fold(name)
    by_label = [node for node, label in network.nodes(data="label") if fold(str(label or "")) == wanted]
    by_alias = [node for node, aliases in network.nodes(data="aliases") if wanted in map(fold, aliases or ())]
    found = sorted(by_label) or sorted(by_alias)
    if len(found) == 1:
        return found[0]
    if found:
        named = "; ".join(f"{network.nodes[n].get('label')} ({network.nodes[n].get('type')}, {n})" for n in found)
        raise ValueError(f"focus {name!r} names {len(found)} entities, give the IRI of one: {named}")
    labels = sorted({str(label) for _, label in network.nodes(data="label") if label})
    close = difflib.get_close_matches(name, labels, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(f"focus {name!r} matches no IRI, name or alias among {len(network)} entities{hint}")


def selection(network: nx.MultiDiGraph, focus: str | None, depth: int, types: set[str] | None) -> nx.MultiDiGraph:
    """The part of the network asked for: the focus's neighbourhood, then the types kept."""
    nodes = set(network)
    focus_node = _find_focus(network, focus) if focus is not None else None
    if focus_node is not None:
        nodes = set(nx.ego_graph(network.to_undirected(as_view=True), focus_node, radius=depth))
    if types is not None:
        unknown = set(types) - set(TYPE_STYLES)
        if unknown:
            raise ValueError(f"unknown types {sorted(unknown)}; known: {', '.join(TYPE_STYLES)}")
        nodes = {node for node in nodes if network.nodes[node].get("type") in types or node == focus_node}
    return _view_of(network if len(nodes) == len(network) else network.subgraph(nodes), focus_node)


def _view_of(network: nx.MultiDiGraph, focus) -> nx.MultiDiGraph:
    """A read-only view of the network with its own graph attributes (the focus): no copy of its
    nodes and edges, which took seconds at 10,000 nodes."""
    view = nx.graphviews.generic_graph_view(network)
    view.graph = {**network.graph, "focus": focus}
    return view


def top_by_degree(selected: nx.MultiDiGraph, max_nodes: int) -> nx.MultiDiGraph:
    """At most `max_nodes` nodes, the best-connected first (ties by id), the focus always kept."""
    if selected.number_of_nodes() <= max_nodes:
        return selected
    focus = selected.graph["focus"]
    ranked = sorted(selected, key=lambda node: (node != focus, -selected.degree(node), str(node)))
    return _view_of(selected.subgraph(ranked[:max_nodes]), focus)


def page_data(
    network: nx.MultiDiGraph, selected: nx.MultiDiGraph, drawn: nx.MultiDiGraph, physics: bool, title: str
) -> dict:
    """Everything the page's script reads: typed nodes with positions, edges, legend and notes,
    packed (`pack_page`)."""
    positions = _positions(drawn)
    order = sorted(drawn, key=str)
    degrees = dict(drawn.degree())
    nodes = [node_data(node, drawn, positions[node], degrees[node]) for node in order]
    omitted_by_type = Counter(str(selected.nodes[node].get("type") or "Other") for node in selected if node not in drawn)
    meta = page_meta(title, physics, None if drawn.graph["focus"] is None else str(drawn.graph["focus"]),
                     (network.number_of_nodes(), network.number_of_edges()),
                     (selected.number_of_nodes(), selected.number_of_edges()),
                     (drawn.number_of_nodes(), drawn.number_of_edges()), omitted_by_type)
    return pack_page(nodes, edge_data(drawn), meta, type_legend(node["type"] for node in nodes))


# A role and a mention in the page: a row of indices. The short texts (titles, roles,
# organisations, dates, qualifiers, and the edges' relations and labels) are indices into
# "strings", sorted, 0 being null; documents are indices into "documents", sorted [file name,
# title, sentences] entries, and a row's evidence is the place of its sentence among its
# document's (0: none). A role row is [title, role, organisation, organisation_id, date, evidence,
# document, *qualifiers]; a mention row [document, date, evidence]. The tables depend on which
# texts the page holds, never on the order they come in, so a page patched after a build that
# changed one document keeps every other node's and document's bytes (graph/view_page.py).
ROLE_TEXTS = ("title", "role", "organisation", "organisation_id", "date")
EVIDENCE, DOCUMENT = len(ROLE_TEXTS), len(ROLE_TEXTS) + 1


def pack_page(nodes: list[dict], edges: list[dict], meta: dict, types: list[dict]) -> dict:
    """The page's data with every text of the nodes' details and of the edges written once.

    Roles and mentions (each sentence quoted by many entities, each document named by hundreds)
    become rows of indices, decoded by the page when a panel opens; edges are [from, to,
    relation, label, curve] with nodes by position.
    """
    tables = PageTables.of(nodes, edges)
    position = {node["id"]: index for index, node in enumerate(nodes)}
    return tables.data([tables.node(node) for node in nodes], [tables.edge(edge, position) for edge in edges],
                       meta, types)


def document_key(key: tuple) -> tuple[str, str]:
    """The order of the page's documents: by file name, then title."""
    return (key[0] or "", key[1] or "")


class PageTables:
    """A page's tables: the short texts (`strings`, None first) and the documents' entries
    (`documents`, each [file name, title, sentences]), with each one's index."""

    def __init__(self, strings: list, document_keys: list[tuple], documents):
        self.strings, self.document_keys, self.documents = strings, document_keys, documents
        self.string_index = {text: index for index, text in enumerate(strings)}
        self.document_index = {key: index for index, key in enumerate(document_keys)}
        self._sentences: dict[int, dict[str, int]] = {}

    @classmethod
    def of(cls, nodes: list[dict], edges: list[dict]) -> PageTables:
        texts, documents, sentences = Counter(), Counter(), {}
        for node in nodes:
            count_uses(node, texts, documents, sentences)
        count_edge_uses(edges, texts)
        return cls.holding(texts, documents, sentences)

    @classmethod
    def holding(cls, texts: Counter, documents: Counter, sentences: dict) -> PageTables:
        """The tables of the texts and documents used (count above 0), each document's entry
        holding the sentences `sentences` gathered for it."""
        keys = sorted((key for key, count in documents.items() if count > 0), key=document_key)
        strings = [None, *sorted(text for text, count in texts.items() if count > 0 and text is not None)]
        return cls(strings, keys, [[*key, sorted(sentences[key])] for key in keys])

    def sentence(self, document: int, text: str | None) -> int:
        if text is None:
            return 0
        places = self._sentences.get(document)
        if places is None:
            places = self._sentences[document] = {s: i for i, s in enumerate(self.documents[document][2], 1)}
        return places[text]

    def node(self, node: dict) -> dict:
        text, document_index, sentence = self.string_index.__getitem__, self.document_index, self.sentence
        roles = []
        for role in node["roles"]:
            document = document_index[(role["document"], role["document_title"])]
            roles.append([*map(text, _role_texts(role)), sentence(document, role["evidence"]), document,
                          *map(text, role["qualifiers"])])
        mentions = []
        for mention in node["mentions"]:
            document = document_index[(mention["document"], mention["title"])]
            mentions.append([document, text(mention["date"]), sentence(document, mention["evidence"])])
        return {**node, "roles": roles, "mentions": mentions}

    def edge(self, edge: dict, position: dict[str, int]) -> list:
        text = self.string_index
        return [position[edge["from"]], position[edge["to"]], text[edge["relation"]], text[edge["label"]], edge["curve"]]

    def data(self, nodes: list[dict], links: list[list], meta: dict, types: list[dict]) -> dict:
        return {"documents": list(self.documents), "edges": links, "meta": meta, "nodes": nodes,
                "strings": list(self.strings), "types": types}


def count_uses(node: dict, texts: Counter, documents: Counter, sentences: dict, sign: int = 1) -> None:
    """Count (or, with sign -1, uncount) the short texts and the documents a node's roles and
    mentions use, and gather the sentences each document's entry holds (into `sentences`)."""
    for role in node["roles"]:
        for text in (*_role_texts(role), *role["qualifiers"]):
            texts[text] += sign
        key = (role["document"], role["document_title"])
        documents[key] += sign
        quoted = sentences.setdefault(key, set())
        if role["evidence"] is not None:
            quoted.add(role["evidence"])
    for mention in node["mentions"]:
        texts[mention["date"]] += sign
        key = (mention["document"], mention["title"])
        documents[key] += sign
        quoted = sentences.setdefault(key, set())
        if mention["evidence"] is not None:
            quoted.add(mention["evidence"])


def count_edge_uses(edges: list[dict], texts: Counter, sign: int = 1) -> None:
    for edge in edges:
        texts[edge["relation"]] += sign
        texts[edge["label"]] += sign


def packed_uses(node: dict, strings: Counter, documents: Counter, sign: int = 1) -> None:
    """count_uses of a packed node: by the tables' indices."""
    for row in node["roles"]:
        for index in (*row[:EVIDENCE], *row[DOCUMENT + 1:]):
            strings[index] += sign
        documents[row[DOCUMENT]] += sign
    for row in node["mentions"]:
        documents[row[0]] += sign
        strings[row[1]] += sign


def packed_edge_uses(links: list[list], strings: Counter, sign: int = 1) -> None:
    for link in links:
        strings[link[2]] += sign
        strings[link[3]] += sign


def renumber_node(node: dict, strings: list, documents: list) -> dict:
    """A packed node with its texts' and documents' indices mapped (old index -> new), its
    documents' sentences being where they were."""
    roles = [[*[strings[i] for i in row[:EVIDENCE]], row[EVIDENCE], documents[row[DOCUMENT]],
              *[strings[i] for i in row[DOCUMENT + 1:]]] for row in node["roles"]]
    mentions = [[documents[row[0]], strings[row[1]], row[2]] for row in node["mentions"]]
    return {**node, "roles": roles, "mentions": mentions}


_role_texts = itemgetter(*ROLE_TEXTS)


def unpack_page(data: dict) -> tuple[list[dict], list[dict]]:
    """The nodes and edges `pack_page` packed, as node_data and edge_data gave them."""
    nodes, strings = data["nodes"], data["strings"]
    edges = [{"id": f"e{index}", "from": nodes[source]["id"], "to": nodes[target]["id"], "relation": strings[relation],
              "label": strings[label], "curve": curve}
             for index, (source, target, relation, label, curve) in enumerate(data["edges"])]
    return [unpack_node(node, strings, data["documents"]) for node in nodes], edges


def unpack_node(node: dict, strings: list, documents) -> dict:
    """One packed node, as node_data gave it (`documents`: the page's entries, or anything that
    gives one by its index)."""
    roles = []
    for row in node["roles"]:
        role = {key: strings[index] for key, index in zip(ROLE_TEXTS, row)}
        file, title, sentences = documents[row[DOCUMENT]]
        role["evidence"] = sentences[row[EVIDENCE] - 1] if row[EVIDENCE] else None
        role["document"], role["document_title"] = file, title
        role["qualifiers"] = [strings[index] for index in row[DOCUMENT + 1:]]
        roles.append(role)
    mentions = []
    for document, date, evidence in node["mentions"]:
        file, title, sentences = documents[document]
        mentions.append({"date": strings[date], "evidence": sentences[evidence - 1] if evidence else None,
                         "document": file, "title": title})
    return {**node, "roles": roles, "mentions": mentions}


def type_legend(drawn_types: Iterable[str]) -> list[dict]:
    """The legend: every known type (then any other drawn), with how many of its nodes are drawn."""
    type_counts = {t: 0 for t in TYPE_STYLES}
    for node_type in drawn_types:
        type_counts[node_type] = type_counts.get(node_type, 0) + 1
    return [type_data(node_type, count) for node_type, count in type_counts.items()]


def page_meta(title: str, physics: bool, focus: str | None, network: tuple[int, int], selected: tuple[int, int],
              drawn: tuple[int, int], omitted_by_type: Counter) -> dict:
    """The page's notes: (nodes, edges) of the whole network, of the part asked for and of what is drawn."""
    return {
        "title": title,
        "physics": physics,
        "focus": focus,
        "network_nodes": network[0],
        "network_edges": network[1],
        "selected_nodes": selected[0],
        "omitted_nodes": selected[0] - drawn[0],
        "omitted_edges": selected[1] - drawn[1],
        "omitted_by_type": dict(sorted(omitted_by_type.items())),
    }


def type_data(node_type: str, count: int) -> dict:
    color, shape, symbol = TYPE_STYLES.get(node_type, OTHER_STYLE)
    return {"type": node_type, "color": color, "shape": shape, "symbol": symbol, "count": count}


def node_data(node, drawn: nx.MultiDiGraph, position: tuple[float, float], degree: int | None = None) -> dict:
    attributes = drawn.nodes[node]
    degree = drawn.degree(node) if degree is None else degree
    node_type = str(attributes.get("type") or "Other")
    return {
        "id": str(node),
        "label": str(attributes.get("label") or node),
        "type": node_type,
        "kind": attributes.get("kind"),
        "aliases": list(attributes.get("aliases") or []),
        "sectors": list(attributes.get("sectors") or []),
        "country": attributes.get("country"),
        "countries": list(attributes.get("countries") or []),
        "roles": list(attributes.get("roles") or []),
        "mentions": list(attributes.get("mentions") or []),
        "x": position[0],
        "y": position[1],
        "size": round(min(40.0, 12 + 3.5 * math.sqrt(degree)), 1),
    }


def edge_data(drawn: nx.MultiDiGraph) -> list[dict]:
    """Edges in a fixed order; parallel edges between one pair get increasing curvature."""
    edges = sorted(drawn.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2])))
    per_pair: dict[frozenset, int] = {}
    data = []
    for index, (source, target, _, attributes) in enumerate(edges):
        pair = frozenset((str(source), str(target)))
        per_pair[pair] = per_pair.get(pair, -1) + 1
        relation = str(attributes.get("relation") or "")
        data.append(
            {
                "id": f"e{index}",
                "from": str(source),
                "to": str(target),
                "relation": relation,
                "label": str(attributes.get("label") or relation),
                "curve": per_pair[pair],
            }
        )
    return data


def _positions(drawn: nx.MultiDiGraph) -> dict:
    """Pixel positions: networkx's spring layout for small graphs, a grid one for large.

    Both are seeded; coordinates are rounded so that floating-point noise never
    changes the page's bytes.
    """
    order = sorted(drawn, key=str)
    if not order:
        return {}
    simple = nx.Graph()
    simple.add_nodes_from(order)
    simple.add_edges_from(sorted(((u, v) for u, v in drawn.edges() if u != v), key=lambda e: (str(e[0]), str(e[1]))))
    if len(order) <= SPRING_LAYOUT_LIMIT:
        layout = nx.spring_layout(simple, seed=SEED, iterations=200, method="force")
        coordinates = np.array([layout[node] for node in order], dtype=float)
    else:
        index = {node: i for i, node in enumerate(order)}
        edges = np.array([(index[u], index[v]) for u, v in simple.edges()], dtype=np.intp).reshape(-1, 2)
        coordinates = _force_layout(len(order), edges, FORCE_ITERATIONS)
    coordinates -= coordinates.mean(axis=0)
    radius = float(np.abs(coordinates).max()) or 1.0
    coordinates *= (90 * math.sqrt(len(order)) + 60) / radius
    return {node: (round(float(x), 1), round(float(y), 1)) for node, (x, y) in zip(order, coordinates, strict=True)}


def _force_layout(count: int, edges: np.ndarray, iterations: int) -> np.ndarray:
    """Fruchterman-Reingold in numpy, the all-pairs repulsion read off a grid.

    Each step counts the nodes per cell of a square grid over the layout (about four cells per
    node) and convolves the counts with the 1/r repulsion of one cell on another by FFT; a node
    is pushed by the field at its cell. That is O(n + cells log cells) a step instead of O(n^2)
    (10,000 nodes in about a second; networkx's spring layout needs scipy past 500 nodes and
    takes minutes there). Nodes sharing a cell do not push each other; the springs of the edges
    and a weak pull to the centre (which keeps separate components on one screen) are exact.
    """
    rng = np.random.default_rng(SEED)
    position = (rng.random((count, 2)) - 0.5) * math.sqrt(count)
    source, target = edges[:, 0], edges[:, 1]
    side = int(min(256, max(32, 2 * math.sqrt(count))))
    offsets = np.arange(2 * side)
    offsets = np.where(offsets < side, offsets, offsets - 2 * side).astype(float)  # circular: -side..side-1
    ox, oy = np.meshgrid(offsets, offsets, indexing="ij")
    squared = ox * ox + oy * oy
    squared[0, 0] = np.inf  # a cell does not push itself
    kernel_x, kernel_y = np.fft.rfft2(ox / squared), np.fft.rfft2(oy / squared)
    temperature = math.sqrt(count) / 8
    for _ in range(iterations):
        low = position.min(axis=0)
        cell_size = float((position.max(axis=0) - low).max()) / (side - 1) or 1.0
        cell = np.minimum(((position - low) / cell_size).astype(np.intp), side - 1)
        flat = cell[:, 0] * side + cell[:, 1]
        counts = np.zeros((2 * side, 2 * side))
        counts[:side, :side] = np.bincount(flat, minlength=side * side).reshape(side, side)
        spectrum = np.fft.rfft2(counts)
        field_x = np.fft.irfft2(spectrum * kernel_x, s=counts.shape)[:side, :side].ravel()
        field_y = np.fft.irfft2(spectrum * kernel_y, s=counts.shape)[:side, :side].ravel()
        displacement = np.stack([field_x[flat], field_y[flat]], axis=1) / cell_size
        delta = position[source] - position[target]
        pull = delta * np.sqrt((delta * delta).sum(axis=1))[:, None]
        np.subtract.at(displacement, source, pull)
        np.add.at(displacement, target, pull)
        displacement -= position * 0.05
        length = np.maximum(np.sqrt((displacement * displacement).sum(axis=1)), 1e-9)
        position += displacement * (np.minimum(length, temperature) / length)[:, None]
        temperature *= 0.93
    return position


def page_html(data: dict, title: str) -> str:
    """The HTML: template, inlined vis-network and page script, data and a hash-based CSP."""
    vis_js = _no_url_text((VIS / "vis-network.min.js").read_text(encoding="utf-8"))
    vis_css = (VIS / "vis-network.css").read_text(encoding="utf-8")
    view_js = (TEMPLATES / "view.js").read_text(encoding="utf-8")
    view_css = (TEMPLATES / "view.css").read_text(encoding="utf-8")
    hashes = " ".join(f"'sha256-{_sha256(script)}'" for script in (vis_js, view_js))
    csp = (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        "img-src data: blob:; base-uri 'none'; form-action 'none'"
    )
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, keep_trailing_newline=True
    )
    return environment.get_template("view.html").render(
        title=title,
        csp=Markup(csp),  # our constants and base64 digests only
        styles=Markup(vis_css + "\n" + view_css),
        vis_js=Markup(vis_js),
        view_js=Markup(view_js),
        data=Markup(script_json(data)),
    )


def script_json(data: dict) -> str:
    """JSON safe inside a <script> element: no <, >, & or JS line separators left raw."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for character, escape in JSON_ESCAPES.items():
        text = text.replace(character, escape)
    return text


def _no_url_text(script: str) -> str:
    """vis-network's code with "://" written ":\\/\\/": the same strings at run time, but the
    page's text then names no URL (its licence header and the SVG namespace did)."""
    return script.replace("://", ":\\/\\/")


def _sha256(script: str) -> str:
    return base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


