"""`kg`: build, query, view and export a knowledge graph of social-services leadership.

Thin click commands over the importable functions of the pipeline modules: each command
parses its options, calls one function and formats the result.
"""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from .errors import EXIT_ERROR, EXIT_PROBLEMS, KgError

GRAPH_HELP = "A build's output folder or an RDF file (default: the output folder of the last build)."


def user_errors(command):
    """Domain errors become one line on stderr and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KgError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(EXIT_ERROR)

    return wrapper


def graph_option(command):
    return click.option("--graph", "graph_path", type=click.Path(path_type=Path), default=None, help=GRAPH_HELP)(command)


def print_table(header: list[str], rows: list[list], fmt: str = "table") -> None:
    """One renderer for every command's tabular output: table, csv, tsv or json."""
    from .query import format_table

    if fmt == "json":
        click.echo(json.dumps([dict(zip(header, row)) for row in rows], ensure_ascii=False, indent=2))
    elif fmt in {"csv", "tsv"}:
        import csv

        writer = csv.writer(sys.stdout, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    else:
        click.echo(format_table(header, [[str(c) for c in row] for row in rows]), nl=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="social-services-kg", prog_name="kg")
def cli():
    """Turn documents about European social services into an RDF knowledge graph.

    \b
    kg build seeds --out out      read documents, write graph.ttl, store and graph.html
    kg query who-holds-which-role ask SPARQL (inline, @file.rq or a shipped query)
    kg export --format trig       export Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML, GraphML, GEXF
    kg render --focus Randers     draw the interactive HTML network
    kg stats / kg validate        counts and SHACL validation
    kg eval GOLD.json             precision, recall and F1 against a gold annotation
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="Folder for graph.ttl, store/, graph.html and build-report.json.")
@click.option("--base", default=None, help="Base IRI of the minted entity IRIs (default: https://w3id.org/social-services-kg/).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes for extraction.")
@click.option("--max-bytes", type=click.IntRange(1), default=None, help="Skip files larger than this (default 20 MB).")
@click.option("--strict", is_flag=True, help="Exit with code 1 if any file was skipped.")
@click.option("--no-view", is_flag=True, help="Do not write graph.html.")
@click.option("--no-cache", is_flag=True, help="Build everything anew (by default a rebuild remakes only what changed documents touch, from OUT/.cache).")
@click.option("--query", "example_query", default=None, help="After the build, answer this query (inline, @file or shipped name).")
@user_errors
def build(paths, out_dir, base, jobs, max_bytes, strict, no_view, no_cache, example_query):
    """Build the graph of the documents in PATHS (files or folders; default: seeds/)."""
    from . import build as pipeline
    from .query import remember_build
    from .rdf import DEFAULT_BASE
    from .read import DEFAULT_MAX_BYTES

    paths = list(paths) or [Path("seeds")]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.UsageError(f"no such file or folder: {', '.join(missing)}")
    pipeline.ensure_replaceable(out_dir)
    bar = _progress_bar()
    result = pipeline.build(paths, base=base or DEFAULT_BASE, max_bytes=max_bytes or DEFAULT_MAX_BYTES, jobs=jobs,
                            cache_dir=None if no_cache else out_dir / pipeline.CACHE_DIR,
                            progress=bar.advance, on_documents=bar.start)
    bar.stop()
    for note in result.notes:
        click.echo(note, err=True)
    written = pipeline.write_outputs(result, out_dir, view=not no_view)
    remember_build(out_dir)
    counts = result.counts()
    print_table(["what", "count"], [[k, v] for k, v in counts.items()])
    for skip in result.skipped:
        click.echo(f"skipped {skip.path}: {skip.reason}", err=True)
    for kind, path in written.items():
        click.echo(f"wrote {kind}: {path}")
    if example_query:
        _answer(out_dir, example_query, "table")
    if strict and result.skipped:
        click.echo(f"--strict: {len(result.skipped)} file(s) skipped", err=True)
        sys.exit(EXIT_PROBLEMS)


class _progress_bar:
    """A rich progress bar on a terminal; silent when output is piped."""

    def __init__(self):
        self.progress = None
        self.task = None

    def start(self, total: int) -> None:
        if sys.stderr.isatty() and total >= 20:
            from rich.progress import Progress

            self.progress = Progress(transient=True)
            self.progress.start()
            self.task = self.progress.add_task("extracting", total=total)

    def advance(self, step: int) -> None:
        if self.progress is not None:
            self.progress.advance(self.task, step)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _answer(graph_path, text, fmt, update=False, timeout=None):
    from .query import default_format, open_store, resolve_query_text, run_query, write_result

    if update and graph_path is not None and Path(graph_path).is_file():
        raise KgError(f"--update changes a build's store; {graph_path} is a file that would not be written back "
                      "(point --graph at a build folder)")
    store = open_store(graph_path, writable=update)
    result = run_query(store, resolve_query_text(text), update=update, timeout=timeout)
    if result is None:
        click.echo("update applied (a document's statements live in its named graph: use GRAPH ?g { ... } to change them)")
        return
    write_result(result, sys.stdout.buffer, fmt or default_format(result, sys.stdout.isatty()))
    sys.stdout.flush()


@cli.command()
@click.argument("query", required=False)
@graph_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "turtle", "ntriples", "jsonld"]), default=None,
              help="Output format: table, csv, tsv or json (SPARQL results JSON) for SELECT/ASK; turtle, ntriples or "
                   "jsonld for CONSTRUCT/DESCRIBE (default: table on a terminal, csv when piped, turtle for graphs).")
@click.option("--list", "list_queries", is_flag=True, help="List the shipped named queries.")
@click.option("--update", is_flag=True, help="Allow a SPARQL update to change the graph's store.")
@click.option("--timeout", type=click.FloatRange(0.001), default=None, help="Stop the query after this many seconds.")
@user_errors
def query(query, graph_path, fmt, list_queries, update, timeout):
    """Answer a SPARQL QUERY: inline text, @file.rq, or the name of a shipped query."""
    from .query import named_queries

    if list_queries:
        print_table(["name", "what it answers"], [[q.name, q.title] for q in named_queries().values()])
        return
    if not query:
        raise click.UsageError("give a query, @file.rq or a shipped query name (kg query --list)")
    _answer(graph_path, query, fmt, update=update, timeout=timeout)


@cli.command()
@graph_option
@click.option("--format", "fmt", type=click.Choice(["turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml", "graphml", "gexf"]),
              default="turtle", show_default=True, help="Export format; TriG and N-Quads keep one named graph per document.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="File to write (default: standard output).")
@user_errors
def export(graph_path, fmt, output):
    """Export the graph for other tools."""
    from .export import export as export_graph
    from .query import open_store

    data = export_graph(open_store(graph_path), fmt, output)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        click.echo(f"wrote {fmt}: {output}", err=True)


@cli.command()
@graph_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("graph.html"), show_default=True, help="HTML file to write.")
@click.option("--focus", default=None, help="Draw only the neighbourhood of this entity (name, alias or IRI).")
@click.option("--depth", type=click.IntRange(0, 10), default=1, show_default=True, help="Steps around --focus.")
@click.option("--types", default=None, help="Comma-separated types to keep: Person,Organisation,Municipality,Country,Sector,Paper.")
@click.option("--max-nodes", type=click.IntRange(1), default=3000, show_default=True, help="Past this, keep the best-connected nodes.")
@user_errors
def render(graph_path, output, focus, depth, types, max_nodes):
    """Write the interactive HTML network view (works offline, one file)."""
    from .query import open_network
    from .render import render_html

    kept = {t.strip() for t in types.split(",")} if types else None
    try:
        drawn = render_html(open_network(graph_path), output, focus=focus, depth=depth, types=kept,
                            max_nodes=max_nodes)
    except ValueError as error:
        raise KgError(str(error)) from error
    click.echo(f"wrote {output}: {json.dumps(drawn, ensure_ascii=False, sort_keys=True)}")


@cli.command()
@graph_option
@click.option("--top", type=click.IntRange(1), default=10, show_default=True, help="How many entities by degree.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table", show_default=True,
              help="Output format of the tables.")
@user_errors
def stats(graph_path, top, fmt):
    """Counts per type and relation, and the best-connected entities."""
    from .query import open_store
    from .stats import graph_stats

    report = graph_stats(open_store(graph_path), top=top)
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for title, rows in report.items():
        click.echo(f"\n{title}")
        header = list(rows[0]) if rows else ["-"]
        print_table(header, [list(r.values()) for r in rows], fmt)


@cli.command()
@graph_option
@user_errors
def validate(graph_path):
    """Check the graph against the SHACL shapes; exit code 1 on violations."""
    from .query import open_store
    from .validate import validate as run_validation

    report = run_validation(open_store(graph_path))
    if report.conforms:
        click.echo("conforms: the graph satisfies every shape in ontology/shapes.ttl")
        return
    click.echo(report.text)
    click.echo(f"{report.violations} violation(s)", err=True)
    sys.exit(EXIT_PROBLEMS)


@cli.command(name="eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@graph_option
@click.option("--errors", "show_errors", is_flag=True, help="Also list every miss and every spurious find.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table", show_default=True,
              help="Output format of the score table.")
@user_errors
def evaluate_command(gold, graph_path, show_errors, fmt):
    """Precision, recall and F1 per type against a GOLD annotation (seeds.json schema)."""
    from .evaluate import evaluate
    from .query import default_graph

    result = evaluate(gold, graph_path or default_graph())
    rows = result.rows()
    print_table(list(rows[0]), [list(r.values()) for r in rows], fmt)
    if fmt == "table":
        click.echo(f"role title right: {result.titles_right}/{result.titles_found} ({result.title_accuracy:.3f})")
    if show_errors:
        for error in result.errors:
            click.echo(json.dumps(error, ensure_ascii=False))


def main():
    cli()
