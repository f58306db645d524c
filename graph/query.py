"""SPARQL over a built graph: open it, run a query, format the answer.

The graph is opened from the build's embedded Oxigraph store (read-only unless an update is
asked for), or loaded from any RDF file. Prefixes of the ontology and the standard
vocabularies are predeclared on one extra first line, so error positions are shifted back by
one line before they are shown. Named queries ship as .rq files in ontology/queries/.

A SELECT whose last clause is ORDER BY over plain variables is answered without it and sorted
here (order_solutions), in SPARQL's order: Oxigraph's sort reads both strings of every comparison
from the store, which made sorting most of the time of a large answer. Variables can be bound
before a query runs (run_query's params, Oxigraph's substitutions).
"""
from __future__ import annotations

import csv
import decimal
import functools
import io
import json
import math
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

import pyoxigraph as ox

from .errors import GraphNotFound, QueryError, QueryTimeout

# The prefixes of the graph (graph.rdf writes with these), kept here so that
# `kg query` does not import the build's modules (rdflib, the extraction rules): that import was
# most of the time of answering a selective query from the command line.
PREFIXES = {
    "kg": "https://w3id.org/social-services-kg/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "cv": "http://data.europa.eu/m8g/",
}
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


def open_network(graph: str | os.PathLike | None = None):
    """The view's network (network.network_from_store) of the graph open_store opens: read from the
    build's record where it vouches for the build folder's store (seconds on a big graph), else
    from the store (minutes)."""
    from .network import network_from_store
    from .previous import recorded_network

    path = Path(graph) if graph else default_graph()
    if path.is_dir() and (path / "store").is_dir():
        network = recorded_network(path)
        if network is not None:
            return network
    return network_from_store(open_store(path))


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    text: str


def queries_dir() -> Path:
    """ontology/queries/: inside the installed package, or beside it in a source checkout
    (where graph.knowledge.ontology_dir finds the ontology, without importing that module)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "ontology", here.parent / "ontology"):
        if (candidate / "kg.ttl").is_file():
            return candidate / "queries"
    raise FileNotFoundError("ontology/ data not found beside the graph package")


def named_queries() -> dict[str, NamedQuery]:
    """The queries shipped in ontology/queries/, by file name; their first comment line is the title."""
    found = {}
    for path in sorted(queries_dir().glob("*.rq")):
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


def run_query(store: ox.Store, query: str, *, update: bool = False, timeout: float | None = None,
              params: dict | None = None):
    """Evaluate a SPARQL query (or, with update=True, an update); refuses updates otherwise.

    params binds variables of a SELECT before it runs ({"person": "kg:…" or an IRI or a plain
    string}; see parameter_term); each must be a variable the query selects."""
    is_update = bool(UPDATE.match(_strip_comments(query)))
    if is_update and not update:
        raise QueryError("this is a SPARQL update; the graph is only changed with --update")
    if params and is_update:
        raise QueryError("parameters bind the variables of a query, not of an update")
    text = PREFIX_HEADER + query
    options = {"use_default_graph_as_union": True}
    if params:
        options["substitutions"] = {ox.Variable(name.lstrip("?$")): parameter_term(value) for name, value in params.items()}
    order = None if is_update else final_order(query)

    def evaluate():
        if is_update:
            store.update(text)
            return None
        if order is not None:
            # The final ORDER BY sorted here: Oxigraph's own sort reads both strings of every
            # comparison from the store (about 7 s for 50,000 rows on a 1M-triple graph, where the
            # rest of such a query takes 1 s); rows it cannot order exactly like Oxigraph go back to it.
            answer = store.query(PREFIX_HEADER + query[:order.start], **options)
            if not isinstance(answer, ox.QuerySolutions):
                return answer if not timeout else materialise(answer)
            ordered = order_solutions(materialise(answer), order.keys)
            if ordered is not None:
                return ordered
        result = store.query(text, **options)
        # pyoxigraph results may only be read in the thread that made them: with a timeout the
        # query runs in a worker, so the worker reads the whole answer.
        return materialise(result) if timeout else result

    try:
        return _with_timeout(evaluate, timeout)
    except SyntaxError as error:
        raise QueryError(f"SPARQL syntax error: {_shift_position(str(error))}") from error
    except OSError as error:
        raise QueryError(f"the query failed: {error}") from error
    except RuntimeError as error:  # pyoxigraph: a substituted variable the query does not select
        if params and "variable" in str(error):
            raise QueryError(f"every parameter must name a variable the query selects: {error}") from error
        raise


@dataclass(frozen=True)
class FinalOrder:
    start: int  # where ORDER BY begins in the query text
    keys: tuple[tuple[str, bool], ...]  # (variable, descending)


_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
_ORDER_KEY = re.compile(r"\s*(?:[?$](\w+)|(ASC|DESC)\s*\(\s*[?$](\w+)\s*\))", re.IGNORECASE)
_QUERY_FORM = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE)


def final_order(query: str) -> FinalOrder | None:
    """The query's last clause when it is `ORDER BY` over plain variables (`?a DESC(?b) ASC(?c)`)
    of a SELECT, with no LIMIT or OFFSET after it; None otherwise."""
    masked = _TOKENS_AND_COMMENTS.sub(lambda m: " " * len(m.group(0)) if m.group(0).startswith("#") else "x" * len(m.group(0)),
                                      query)
    form = _QUERY_FORM.search(masked)
    if not form or form.group(1).upper() != "SELECT":
        return None
    end = masked.rfind("}")
    if end < 0:
        return None
    found = list(_ORDER_BY.finditer(masked, end + 1))
    if len(found) != 1:
        return None
    keys, position, tail = [], found[0].end(), masked.rstrip()
    while position < len(tail):
        key = _ORDER_KEY.match(tail, position)
        if not key:
            return None
        descending = (key.group(2) or "").upper() == "DESC"
        keys.append((key.group(1) or key.group(3), descending))
        position = key.end()
    return FinalOrder(found[0].start(), tuple(keys)) if keys else None


_NUMERIC = {"http://www.w3.org/2001/XMLSchema#" + t for t in (
    "integer", "decimal", "float", "double", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _Unordered(Exception):
    """A column whose values this module cannot order exactly as SPARQL (and Oxigraph) would."""


def _literal_kind(term: ox.Literal) -> tuple:
    datatype = term.datatype.value
    if datatype == _XSD_STRING:
        return ("string",)
    if datatype == _LANG_STRING:
        return ("lang", term.language.lower())
    if datatype in _NUMERIC:
        return ("number",)
    if datatype == _XSD_DATE and _PLAIN_DATE.fullmatch(term.value):
        return ("date",)
    raise _Unordered(datatype)


def _number(term: ox.Literal):
    datatype = term.datatype.value
    if datatype.endswith(("#float", "#double")):
        value = float(term.value)
        if math.isnan(value):
            raise _Unordered("NaN")
        return value
    try:
        return decimal.Decimal(term.value.strip())
    except decimal.InvalidOperation as error:
        raise _Unordered(term.value) from error


def order_solutions(solutions: "Solutions", keys) -> "Solutions | None":
    """The rows sorted by SPARQL's ORDER BY over the given (variable, descending) keys: unbound
    first, then IRIs by their text, then literals: strings (or strings of one language) by code
    point, numbers by value, xsd:date by day. None when a key is not a projected variable or a
    column holds values that do not compare like that (blank nodes, strings in two languages,
    strings beside numbers, other datatypes): the caller lets Oxigraph sort those."""
    positions = {v.value: i for i, v in enumerate(solutions.variables)}
    if any(name not in positions for name, _ in keys):
        return None
    rows = solutions.rows
    try:
        for name, descending in reversed(keys):  # stable sorts, last key first
            index = positions[name]
            kinds = set()
            column = []
            for row in rows:
                term = row[index]
                if term is None:
                    column.append((0, ""))
                elif isinstance(term, ox.NamedNode):
                    column.append((2, term.value))
                elif isinstance(term, ox.Literal):
                    kind = _literal_kind(term)
                    kinds.add(kind)
                    column.append((3, _number(term) if kind[0] == "number" else term.value))
                else:
                    raise _Unordered("blank node")
            if len(kinds) > 1:
                raise _Unordered(", ".join(k[0] for k in kinds))
            order = sorted(range(len(rows)), key=column.__getitem__, reverse=descending)  # stable either way
            rows = [rows[i] for i in order]
    except _Unordered:
        return None
    return Solutions(solutions.variables, rows)


_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*")


def parameter_term(value):
    """A parameter's value as an RDF term: a pyoxigraph term as it is; `<IRI>`, a prefixed name
    of PREFIXES (`kg:Person`) or an absolute http(s)/urn IRI as a NamedNode; anything else a plain literal."""
    if isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return value
    if not isinstance(value, str):
        return ox.Literal(value)
    try:
        if value.startswith("<") and value.endswith(">"):
            return ox.NamedNode(value[1:-1])
        prefix, _, local = value.partition(":")
        if prefix in PREFIXES and not local.startswith("//"):
            return ox.NamedNode(PREFIXES[prefix] + local)
        if prefix.lower() in {"http", "https", "urn"} and _ABSOLUTE_IRI.fullmatch(value):
            return ox.NamedNode(value)
    except ValueError as error:
        raise QueryError(f"parameter value {value!r} is not a valid IRI: {error}") from error
    return ox.Literal(value)


def _strip_comments(query: str) -> str:
    return _TOKENS_AND_COMMENTS.sub(lambda m: " " if m.group(0).startswith("#") else m.group(0), query)


class Row(tuple):
    """One solution read into memory: a tuple of terms in the order of the variables, also
    indexable by variable name like pyoxigraph's QuerySolution."""

    __slots__ = ()
    positions: dict[str, int] = {}

    def __getitem__(self, key):
        if isinstance(key, str):
            key = self.positions[key]
        elif isinstance(key, ox.Variable):
            key = self.positions[key.value]
        return tuple.__getitem__(self, key)


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
    row = type("Row", (Row,), {"__slots__": (), "positions": {v.value: i for i, v in enumerate(variables)}})
    return Solutions(variables, [row(solution) for solution in result])


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

    rows = [{n: binding(term) for n, term in zip(names, row) if term is not None} for row in result]
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
        value = term.value  # each .value builds a new str: read it once
        if prefixes is PREFIXES:
            return _shorten_iri(value)
        for prefix, iri in prefixes.items():
            if value.startswith(iri):
                return f"{prefix}:{value[len(iri):]}"
        return value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


_PREFIX_ITEMS = tuple(PREFIXES.items())


@functools.lru_cache(maxsize=65536)
def _shorten_iri(value: str) -> str:
    for prefix, iri in _PREFIX_ITEMS:
        if value.startswith(iri):
            return f"{prefix}:{value[len(iri):]}"
    return value


def solution_rows(result) -> Iterator[list[str]]:
    """The rows of a SELECT answer as the strings shorten() gives (solutions unpack in the order of the variables)."""
    for solution in result:
        yield [shorten(term) for term in solution]


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
    return [{v: (term.value if term is not None else None) for v, term in zip(variables, s)} for s in result]


def json_rows(result) -> str:
    return json.dumps(rows_as_dicts(result), ensure_ascii=False, indent=2)
