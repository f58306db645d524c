"""The build's embedded Oxigraph store: bulk-loaded whole, or made from a copy of the previous
build's store with only the changed documents' named graphs and the changed default-graph
triples replaced (an incremental build)."""
from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from .rdf import TURTLE_HEADER, Chunk, Graph, chunk_trig, chunk_trig_utf8


# Quads per bulk load. One bulk load of a whole big graph buffers it in memory (1.2 GB above the
# graph for 1.1M quads); loads of 100k quads each peak 0.1 GB above it and finish sooner (6.7 s
# against 10.5 s for those 1.1M quads). Their many small files slow lookups by 10-30 %, so the
# store is compacted after the last load (3.5 s for 1.1M quads, in the loading thread).
BULK_LOAD_QUADS = 100_000


def write_store(graph: Graph | list[ox.Quad], directory: Path) -> None:
    """A new embedded store at `directory` holding the graph (named graphs kept).

    A Graph is bulk-loaded from its TriG text, a batch of chunks at a time, written beside the
    store for the load, then compacted; Oxigraph parses, indexes and compacts without holding the
    GIL, so this can run in a thread of its own."""
    if not isinstance(graph, Graph):
        store = ox.Store(str(directory))
        store.bulk_extend(graph)
        store.flush()
        return
    _bulk_load(directory, _batches(graph.chunks, BULK_LOAD_QUADS))


def _batches(chunks: list[Chunk], quads: int) -> list[list[Chunk]]:
    """The chunks in runs of about `quads` quads each (a chunk is never split)."""
    batches, batch, size = [], [], 0
    for chunk in chunks:
        batch.append(chunk)
        size += chunk.count
        if size >= quads:
            batches.append(batch)
            batch, size = [], 0
    if batch:
        batches.append(batch)
    return batches


def _bulk_load(directory: Path, batches: list[list[Chunk]]) -> None:
    """One bulk load per batch, from its TriG text written beside the store, then a compaction
    where there were several."""
    store = ox.Store(str(directory))
    source = directory.with_name(f".{directory.name}.trig")
    try:
        for batch in batches:
            with source.open("wb") as handle:
                handle.write(TURTLE_HEADER.encode("utf-8"))
                for chunk in batch:
                    handle.writelines(chunk_trig_utf8(chunk))
            # lenient: every IRI was checked once when it was minted, every literal escaped.
            store.bulk_load(path=str(source), format=ox.RdfFormat.TRIG, lenient=True)
        if len(batches) > 1:
            store.optimize()
        store.flush()
    finally:
        source.unlink(missing_ok=True)


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
