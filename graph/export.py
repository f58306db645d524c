"""Export a built graph to RDF formats (through Oxigraph) or to GraphML/GEXF (through networkx).

TriG and N-Quads keep one named graph per source document, so a reader can tell which
document said what; the triple formats give the union. Output is sorted, so the same graph
exports to the same bytes.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

from .rdf import PREFIXES, quad_order, triples_in_order

RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
NETWORK_FORMATS = ("graphml", "gexf")
FORMATS = tuple(RDF_FORMATS) + NETWORK_FORMATS
SUFFIXES = {"turtle": ".ttl", "ntriples": ".nt", "nquads": ".nq", "trig": ".trig", "jsonld": ".jsonld",
            "rdfxml": ".rdf", "graphml": ".graphml", "gexf": ".gexf"}
WITH_GRAPHS = {"nquads", "trig"}


def export_bytes(store: ox.Store, fmt: str) -> bytes:
    """The whole graph in one format, as bytes."""
    if fmt in NETWORK_FORMATS:
        return network_bytes(store, fmt)
    rdf_format = RDF_FORMATS[fmt]
    quads = list(store.quads_for_pattern(None, None, None, None))
    if fmt in WITH_GRAPHS:
        data = sorted(quads, key=quad_order)
    else:
        data = triples_in_order(quads)
    prefixes = PREFIXES if fmt in {"turtle", "trig", "rdfxml"} else None
    return ox.serialize(data, format=rdf_format, prefixes=prefixes) or b""


def flat_network(store: ox.Store) -> nx.MultiDiGraph:
    """The network view with every attribute a string or number, as GraphML and GEXF require."""
    from .network import network_from_store

    network = network_from_store(store)
    flat = nx.MultiDiGraph()
    for node, data in network.nodes(data=True):
        flat.add_node(node, **{k: _flat(v) for k, v in data.items() if v is not None})
    for source, target, key, data in network.edges(keys=True, data=True):
        flat.add_edge(source, target, key=key, **{k: _flat(v) for k, v in data.items() if v is not None})
    return flat


def _flat(value):
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return " | ".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def network_bytes(store: ox.Store, fmt: str) -> bytes:
    flat = flat_network(store)
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(flat, buffer, encoding="utf-8")
    else:
        nx.write_gexf(flat, buffer, encoding="utf-8")
    return buffer.getvalue()


def export(store: ox.Store, fmt: str, out: Path | None = None) -> bytes | Path:
    """Export to `out` (written atomically) or return the bytes."""
    from .rdf import write_bytes_atomically

    data = export_bytes(store, fmt)
    if out is None:
        return data
    write_bytes_atomically(Path(out), data)
    return Path(out)
