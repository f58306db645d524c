"""The Python API: the same features as the `kg` command, for notebooks and scripts.

    from graph import api
    result = api.build(["seeds"])                   # BuildResult, in memory
    api.write(result, "out")                        # graph.ttl, store/, graph.html, report
    g = api.load("out")                             # rdflib.Graph of the whole graph
    rows = api.select("out", "SELECT ?n WHERE { ?p foaf:name ?n }")   # list of dicts
    net = api.network("out")                        # networkx.MultiDiGraph
    api.render("out", "view.html", focus="Randers")
    api.export("out", "trig", "graph.trig")
"""
from __future__ import annotations

import os
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import rdflib

from .build import BuildResult, build, write_outputs
from .query import open_store, rows_as_dicts, run_query

__all__ = ["build", "write", "load", "store", "select", "query", "network", "render", "export", "BuildResult"]

GraphSource = str | os.PathLike | ox.Store | BuildResult


def write(result: BuildResult, out_dir: str | os.PathLike, *, view: bool = True) -> dict[str, str]:
    """Write a build's outputs; returns what was written where."""
    return write_outputs(result, out_dir, view=view)


def store(source: GraphSource | None = None) -> ox.Store:
    """An Oxigraph store over a build folder, an RDF file, a BuildResult or a store."""
    if isinstance(source, ox.Store):
        return source
    if isinstance(source, BuildResult):
        memory = ox.Store()
        memory.bulk_extend(source.quads)
        return memory
    return open_store(source)


def load(source: GraphSource | None = None) -> rdflib.Graph:
    """The whole graph as an rdflib Graph (the union of the per-document graphs)."""
    from .validate import to_rdflib

    return to_rdflib(store(source))


def query(source: GraphSource | None, sparql: str):
    """Run SPARQL (prefixes predeclared); returns pyoxigraph's solutions, boolean or triples."""
    return run_query(store(source), sparql)


def select(source: GraphSource | None, sparql: str) -> list[dict[str, str | None]]:
    """Run a SELECT query and return its rows as dictionaries of plain values."""
    return rows_as_dicts(query(source, sparql))


def network(source: GraphSource | None = None) -> nx.MultiDiGraph:
    """The graph as a networkx network of people, organisations, places, sectors and papers."""
    from .network import network_from_store
    from .query import open_network

    if source is None or isinstance(source, (str, os.PathLike)):
        return open_network(source)  # a build folder's view is read from its record where it can be
    return network_from_store(store(source))


def render(source: GraphSource | None, out_path: str | os.PathLike, **options) -> dict:
    """Write the interactive HTML view; options as `kg render` (focus, depth, types, max_nodes)."""
    from .render import render_html

    return render_html(network(source), Path(out_path), **options)


def export(source: GraphSource | None, fmt: str, out_path: str | os.PathLike | None = None):
    """Export to turtle, ntriples, nquads, trig, jsonld, rdfxml, graphml or gexf (bytes, or the written path)."""
    from .export import export as export_graph

    return export_graph(store(source), fmt, Path(out_path) if out_path else None)
