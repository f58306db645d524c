"""SPARQL over a built graph: open it, run a query, format the answer.

The graph is opened from the build's embedded Oxigraph store (read-only unless an update is
asked for), or loaded from any RDF file. Prefixes of the ontology and the standard
vocabularies are predeclared on one extra first line, so error positions are shifted back by
one line before they are shown. Named queries ship as .rq files in ontology/queries/.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

import pyoxigraph as ox

from .errors import GraphNotFound, QueryError, QueryTimeout
from .knowledge import ontology_dir
from .rdf import PREFIXES

PREFIX_HEADER = " ".join(f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items()) + "\n"
UPDATE = re.compile(r"^\s*(?:(?:PREFIX\s+\S*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
                    re.IGNORECASE)
# IRIs and strings first, so that a '#' inside them is not taken for a comment.
_TOKENS_AND_COMMENTS = re.compile(r"<[^<>\s]*>|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|#[^\n]*")
FILE_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS,
                ".trig": ox.RdfFormat.TRIG, ".rdf": ox.RdfFormat.RDF_XML, ".xml": ox.RdfFormat.RDF_XML,
                ".jsonld": ox.RdfFormat.JSON_LD, ".json": ox.RdfFormat.JSON_LD, ".n3": ox.RdfFormat.N3}


def last_build_marker() -> Path:
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "kg" / "last-build"


def remember_build(out_dir: Path) -> None:
    """Record the output folder of the last build: the default --graph of later commands."""
    marker = last_build_marker()
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(str(out_dir.resolve()) + "\n", encoding="utf-8")
    except OSError:
        pass  # a read-only home only loses the default, never the build


def default_graph() -> Path:
    if os.environ.get("KG_GRAPH"):
        return Path(os.environ["KG_GRAPH"])
    marker = last_build_marker()
    if marker.is_file():
        recorded = Path(marker.read_text(encoding="utf-8").strip())
        if recorded.exists():
            return recorded
    return Path("out")


def open_store(graph: str | os.PathLike | None = None, *, writable: bool = False) -> ox.Store:
    """Open a build folder's store (or its graph.ttl), or load an RDF file into memory."""
    path = Path(graph) if graph else default_graph()
    if path.is_dir():
        if (path / "store").is_dir():
            return ox.Store(str(path / "store")) if writable else ox.Store.read_only(str(path / "store"))
        if (path / "graph.ttl").is_file():
            path = path / "graph.ttl"
        elif any(path.glob("*.sst")) or (path / "CURRENT").is_file():
            return ox.Store(str(path)) if writable else ox.Store.read_only(str(path))
        else:
            raise GraphNotFound(f"{path} holds no graph: run `kg build` first or pass --graph FILE")
    if not path.is_file():
        raise GraphNotFound(f"no graph at {path}: run `kg build` first or pass --graph PATH")
    rdf_format = FILE_FORMATS.get(path.suffix.lower())
    if rdf_format is None:
        raise GraphNotFound(f"{path}: unknown RDF file type {path.suffix!r} (use one of {', '.join(sorted(FILE_FORMATS))})")
    store = ox.Store()
    try:
        store.bulk_load(path=str(path), format=rdf_format)
    except (SyntaxError, ValueError, OSError) as error:
        raise GraphNotFound(f"{path} is not valid {path.suffix} RDF: {error}") from error
    return store


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    text: str


def named_queries() -> dict[str, NamedQuery]:
    """The queries shipped in ontology/queries/, by file name; their first comment line is the title."""
    found = {}
    for path in sorted((ontology_dir() / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = next((line[1:].strip() for line in text.splitlines() if line.startswith("#")), path.stem)
        found[path.stem] = NamedQuery(path.stem, first, text)
    return found


def resolve_query_text(query: str) -> str:
    """Inline SPARQL, `@file.rq`, or the name of a shipped query."""
    if query.startswith("@"):
        path = Path(query[1:])
        if not path.is_file():
            raise QueryError(f"no query file {path}")
        return path.read_text(encoding="utf-8")
    shipped = named_queries()
    if query in shipped:
        return shipped[query].text
    if re.fullmatch(r"[\w-]+", query):
        raise QueryError(f"no shipped query named {query!r}; `kg query --list` shows them")
    return query


def _shift_position(message: str) -> str:
    """Error positions refer to the user's text, not to the predeclared-prefix line."""
    return re.sub(r"error at (\d+):(\d+)", lambda m: f"line {max(1, int(m.group(1)) - 1)}, column {m.group(2)}", message)


def run_query(store: ox.Store, query: str, *, update: bool = False, timeout: float | None = None):
    """Evaluate a SPARQL query (or, with update=True, an update); refuses updates otherwise."""
    is_update = bool(UPDATE.match(_strip_comments(query)))
    if is_update and not update:
        raise QueryError("this is a SPARQL update; the graph is only changed with --update")
    text = PREFIX_HEADER + query

    def evaluate():
        if is_update:
            store.update(text)
            return None
        result = store.query(text, use_default_graph_as_union=True)
        # pyoxigraph results may only be read in the thread that made them: with a timeout the
        # query runs in a worker, so the worker reads the whole answer.
        return materialise(result) if timeout else result

    try:
        return _with_timeout(evaluate, timeout)
    except SyntaxError as error:
        raise QueryError(f"SPARQL syntax error: {_shift_position(str(error))}") from error
    except OSError as error:
        raise QueryError(f"the query failed: {error}") from error


def _strip_comments(query: str) -> str:
    return _TOKENS_AND_COMMENTS.sub(lambda m: " " if m.group(0).startswith("#") else m.group(0), query)


class Solutions:
    """A SELECT answer read into memory: the same interface as pyoxigraph's QuerySolutions."""

    def __init__(self, variables, rows):
        self.variables = variables
        self.rows = rows

    def __iter__(self):
        return iter(self.rows)


class Triples(list):
    """A CONSTRUCT/DESCRIBE answer read into memory."""


def materialise(result):
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QueryTriples):
        return Triples(result)
    variables = list(result.variables)
    names = [v.value for v in variables]
    return Solutions(variables, [{n: solution[n] for n in names} for solution in result])


def _solutions_json(result, out: IO[bytes]) -> None:
    """SPARQL 1.1 Query Results JSON for an answer read into memory."""
    names = [v.value for v in result.variables]

    def binding(term):
        if isinstance(term, ox.NamedNode):
            return {"type": "uri", "value": term.value}
        if isinstance(term, ox.BlankNode):
            return {"type": "bnode", "value": term.value}
        value = {"type": "literal", "value": term.value}
        if term.language:
            value["xml:lang"] = term.language
        elif term.datatype and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            value["datatype"] = term.datatype.value
        return value

    rows = [{n: binding(row[n]) for n in names if row[n] is not None} for row in result]
    out.write(json.dumps({"head": {"vars": names}, "results": {"bindings": rows}}, ensure_ascii=False).encode())


def _with_timeout(function, timeout: float | None):
    if not timeout:
        return function()
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = function()
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


# ------------------------------------------------------------------ output


def shorten(term, prefixes: dict[str, str] = PREFIXES) -> str:
    """A term as a person reads it: prefixed name for IRIs, plain text for literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, iri in prefixes.items():
            if term.value.startswith(iri):
                return f"{prefix}:{term.value[len(iri):]}"
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def solution_rows(result) -> Iterator[list[str]]:
    variables = [v.value for v in result.variables]
    for solution in result:
        yield [shorten(solution[v]) for v in variables]


FORMATS_BY_KIND = {
    "boolean": ("table", "csv", "tsv", "json"),
    "solutions": ("table", "csv", "tsv", "json"),
    "triples": ("turtle", "ntriples", "jsonld"),
}


def default_format(result, terminal: bool) -> str:
    if isinstance(result, (ox.QueryTriples, Triples)):
        return "turtle"
    return "table" if terminal else "csv"


def write_result(result, out: IO[bytes], fmt: str) -> int:
    """Write a query result in the chosen format; returns the number of rows (or triples) written."""
    kind = "boolean" if isinstance(result, (ox.QueryBoolean, bool)) else \
        "triples" if isinstance(result, (ox.QueryTriples, Triples)) else "solutions"
    if fmt not in FORMATS_BY_KIND[kind]:
        raise QueryError(f"--format {fmt} does not fit this query's answer; use one of {', '.join(FORMATS_BY_KIND[kind])}")
    if kind == "boolean":
        if fmt == "json":
            out.write(json.dumps({"head": {}, "boolean": bool(result)}).encode() + b"\n")
        else:
            out.write((("true" if bool(result) else "false") + "\n").encode())
        return 1
    if kind == "triples":
        triples = sorted(result, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        rdf_format = {"ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}.get(fmt, ox.RdfFormat.TURTLE)
        out.write(ox.serialize(triples, format=rdf_format, prefixes=PREFIXES if rdf_format == ox.RdfFormat.TURTLE else None) or b"")
        return len(triples)
    if fmt == "json":
        if isinstance(result, Solutions):
            _solutions_json(result, out)
        else:
            result.serialize(out, ox.QueryResultsFormat.JSON)
        out.write(b"\n")
        return -1
    variables = [v.value for v in result.variables]
    if fmt in {"csv", "tsv"}:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(variables)
        count = 0
        for row in solution_rows(result):
            writer.writerow(row)
            count += 1
        text.detach()
        return count
    rows = list(solution_rows(result))
    out.write(format_table(variables, rows).encode())
    return len(rows)


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """An aligned plain-text table; long cells are cut so a row fits a wide terminal."""
    cut = [[cell if len(cell) <= 80 else cell[:77] + "..." for cell in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cut]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cut]
    return "\n".join(lines) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})\n"


def rows_as_dicts(result) -> list[dict[str, str]]:
    """SELECT rows as plain dictionaries (for the Python API and tests)."""
    variables = [v.value for v in result.variables]
    return [{v: (s[v].value if s[v] is not None else None) for v in variables} for s in result]


def json_rows(result) -> str:
    return json.dumps(rows_as_dicts(result), ensure_ascii=False, indent=2)
