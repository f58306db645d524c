"""The build's embedded Oxigraph store: bulk-loaded whole, or made from a copy of the previous
build's store with only the changed documents' named graphs and the changed default-graph
triples replaced (an incremental build)."""
from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from .rdf import TURTLE_HEADER, Chunk, Graph, chunk_trig


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


def store_identity(directory: Path) -> list | None:
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
