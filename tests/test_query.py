"""`kg query`: the shipped named queries answer the seeds' real questions; SPARQL in, formats out.

Expected rows come from the gold annotation of the seeds (tests/data/gold/seeds.json).
"""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from conftest import SEEDS, csv_rows, kg
from graph.query import named_queries

KG = [sys.executable, "-c", "from graph.cli import main; main()"]


def answer(graph, query: str, *options: str) -> list[dict[str, str]]:
    result = kg("query", query, "--graph", graph, "--format", "csv", *options)
    assert result.exit_code == 0, result.output
    return csv_rows(result.stdout)


def test_list_shows_the_shipped_queries():
    result = kg("query", "--list")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines()[2:] if line and not line.startswith("(")]
    assert len(names) >= 8
    assert {"who-holds-which-role", "municipalities-by-country", "papers", "organisations-linked-by-people",
            "documents", "role-titles"} <= set(names)
    for name in names:  # each with the title line of its .rq file
        assert named_queries()[name].title[:40] in result.stdout


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_named_query_runs_on_the_seeds(seeds_out, name):
    rows = answer(seeds_out, name)
    assert rows, f"{name} found nothing in the seeds"


# ---------------------------------------------------------------- the seeds' answers


def test_who_holds_which_role(seeds_out):
    rows = answer(seeds_out, "who-holds-which-role")
    found = {(r["person"], r["title"], r["organisation"]) for r in rows}
    assert {
        ("Clive Needle", "director", "EuroHealthNet"),
        ("Helle Støve", "Formand", "Børne- og Kulturchefforeningen"),
        ("Helle Støve", "Børne- og familiechef", "Favrskov Kommune"),
        ("Ann Hermansen", "Familiechef", "Randers Kommune"),
        ("Vibeke Normann Andersen", "direktør", "Socialt Udviklingscenter"),
        ("Marie Østergaard Møller", "lektor", "Aalborg Universitet"),
        ("Simon Østergaard Møller", "Leder", "Metodecentret"),
        ("Marie-Paule Martin-Blachais", "Director General", "National Observatory of Children at Risk"),
        ("Katarzyna Kubacka", "", "OECD Centre for Educational Research and Innovation"),
        ("Matthias Schulze-Böing", "", "German Association of JobCentres"),
    } == found
    roles = {(r["person"], r["organisation"]): (r["role"], r["document"]) for r in rows}
    assert roles[("Clive Needle", "EuroHealthNet")] == ("director", "001_5d0ced3c1a563988.txt")
    assert roles[("Vibeke Normann Andersen", "Socialt Udviklingscenter")] == ("director", "003_65bd54b2553ef881.txt")
    assert roles[("Helle Støve", "Børne- og Kulturchefforeningen")][0] == "chair"


def test_municipalities_by_country(seeds_out):
    rows = {(r["country"], r["municipality"]): r["people"] for r in answer(seeds_out, "municipalities-by-country")}
    assert rows[("Denmark", "Randers Kommune")] == "Ann Hermansen (Familiechef)"
    assert rows[("Denmark", "Favrskov Kommune")] == "Helle Støve (Børne- og familiechef)"
    assert rows[("United Kingdom", "London Borough of Redbridge")] == ""


def test_papers(seeds_out):
    rows = {r["title"]: r for r in answer(seeds_out, "papers")}
    series = "Contemporary issues in the public management of social services in Europe"
    assert (rows[series]["kind"], rows[series]["publisher"], rows[series]["series"]) == ("Series", "European Social Network", "")
    for report in ("Leadership and management in social services", "Responding to the economic crisis and austerity",
                   "Innovation, research & evidence-based practice",
                   "Working with education, health and employment: recognising a shared agenda"):
        assert (rows[report]["kind"], rows[report]["publisher"], rows[report]["series"]) == ("Report", "European Social Network", series)
    assert (rows["Leda för resultat"]["kind"], rows["Leda för resultat"]["publisher"]) == ("Programme", "Sveriges Kommuner och Landsting")
    presentation = rows["Indsatskvalitet i arbejdet med udsatte børn og familier i Familiecentret i Randers"]
    assert (presentation["kind"], presentation["authors"]) == ("Presentation", "Ann Hermansen")
    opening = next(r for t, r in rows.items() if t.startswith("Præmisser i Socialpolitikken"))
    assert set(opening["authors"].split("; ")) == {"Vibeke Normann Andersen", "Marie Østergaard Møller"}
    assert len(rows) == 9


def test_organisations_linked_by_people(seeds_out):
    rows = answer(seeds_out, "organisations-linked-by-people")
    assert [({r["organisation"], r["other"]}, r["person"]) for r in rows] == [
        ({"Børne- og Kulturchefforeningen", "Favrskov Kommune"}, "Helle Støve")]


def test_organisation_hierarchy(seeds_out):
    rows = {(r["unit"], r["parent"]) for r in answer(seeds_out, "organisation-hierarchy")}
    assert ("OECD Centre for Educational Research and Innovation", "OECD") in rows


def test_documents(seeds_out):
    rows = answer(seeds_out, "documents")
    assert [(r["document"], r["language"], r["date"]) for r in rows] == [
        ("000_df29c5cb64ec29ab.txt", "en", ""), ("001_5d0ced3c1a563988.txt", "en", ""), ("002_c5fbbfe3fd3f8cf5.txt", "en", ""),
        ("003_65bd54b2553ef881.txt", "da", ""), ("004_a62e90012542eaf2.txt", "sv", "2013-04-05")]
    assert rows[3]["title"] == "Debatmøde: Sammenhængende styring på socialområdet"
    assert all(int(r["entities"]) > 0 for r in rows)


def test_role_titles(seeds_out):
    rows = {r["role"]: r for r in answer(seeds_out, "role-titles")}
    assert rows["director"]["memberships"] == "2"
    assert set(rows["director"]["written"].split("; ")) == {"director", "direktør"}
    assert set(rows["head of children and family services"]["written"].split("; ")) == {"Familiechef", "Børne- og familiechef"}


def test_sectors_by_document(seeds_out):
    rows = {r["document"]: set(r["sectors"].split(", ")) for r in answer(seeds_out, "sectors-by-document")}
    assert rows["004_a62e90012542eaf2.txt"] == {"social services", "income support"}
    assert {"social services", "employment", "health", "children and family"} <= rows["003_65bd54b2553ef881.txt"]
    assert {"police", "justice", "civil society", "private sector"} <= rows["002_c5fbbfe3fd3f8cf5.txt"]


def test_mentions_with_evidence(seeds_out):
    rows = answer(seeds_out, "mentions-with-evidence")
    clive = [r for r in rows if r["name"] == "Clive Needle"]
    assert [(r["type"], r["document"]) for r in clive] == [("person", "001_5d0ced3c1a563988.txt")]
    assert "EuroHealthNet’s director, Clive Needle" in clive[0]["evidence"]
    assert {r["document"] for r in rows if r["name"] == "Randers Kommune"} == {"002_c5fbbfe3fd3f8cf5.txt", "003_65bd54b2553ef881.txt"}


def test_people_and_organisations_by_sector(seeds_out):
    rows = {(r["sector"], r["type"], r["name"]) for r in answer(seeds_out, "people-and-organisations-by-sector")}
    assert ("education", "organisation", "OECD Centre for Educational Research and Innovation") in rows
    assert ("children and family", "person", "Ann Hermansen") in rows


# ---------------------------------------------------------------- how a query is given


def test_inline_query(seeds_out):
    rows = answer(seeds_out, 'SELECT ?name WHERE { ?p a foaf:Person ; foaf:name ?name } ORDER BY ?name LIMIT 2')
    assert rows == [{"name": "Ann Hermansen"}, {"name": "Clive Needle"}]


def test_query_from_a_file(seeds_out, tmp_path):
    path = tmp_path / "danes.rq"
    path.write_text("# People working in Danish municipalities\n"
                    "SELECT ?name WHERE { ?m org:member/foaf:name ?name ; org:organization ?o .\n"
                    "  ?o a kg:Municipality ; schema:containedInPlace/skos:prefLabel \"Denmark\"@en }\nORDER BY ?name\n",
                    encoding="utf-8")
    assert answer(seeds_out, f"@{path}") == [{"name": "Ann Hermansen"}, {"name": "Helle Støve"}]


def test_unknown_query_name_or_file_is_a_clear_error(seeds_out, tmp_path):
    for query, message in [("who-is-who", "no shipped query named 'who-is-who'"), (f"@{tmp_path / 'none.rq'}", "no query file")]:
        result = kg("query", query, "--graph", seeds_out)
        assert result.exit_code == 2
        assert message in result.stderr
        assert "Traceback" not in result.output


# ---------------------------------------------------------------- output formats

PEOPLE = 'SELECT ?name ?id WHERE { ?p foaf:name ?name . ?m org:member ?p ; prov:wasDerivedFrom/dcterms:identifier ?id . FILTER(?name = "Clive Needle") }'


def test_table_format(seeds_out):
    result = kg("query", PEOPLE, "--graph", seeds_out, "--format", "table")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["name", "id"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split("  ")[0] == "Clive Needle" and lines[2].endswith("001_5d0ced3c1a563988.txt")
    assert lines[3] == "(1 row)"


@pytest.mark.parametrize("fmt, separator", [("csv", ","), ("tsv", "\t")])
def test_csv_and_tsv_formats(seeds_out, fmt, separator):
    result = kg("query", PEOPLE, "--graph", seeds_out, "--format", fmt)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"name{separator}id", f"Clive Needle{separator}001_5d0ced3c1a563988.txt"]


def test_json_format_is_sparql_results_json(seeds_out):
    result = kg("query", PEOPLE, "--graph", seeds_out, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["head"]["vars"] == ["name", "id"]
    assert data["results"]["bindings"] == [{"name": {"type": "literal", "value": "Clive Needle"},
                                            "id": {"type": "literal", "value": "001_5d0ced3c1a563988.txt"}}]


def test_piped_output_defaults_to_csv(seeds_out):
    result = kg("query", PEOPLE, "--graph", seeds_out)
    assert result.stdout.splitlines()[0] == "name,id"


def test_construct_gives_turtle(seeds_out):
    import rdflib

    result = kg("query", 'CONSTRUCT { ?p foaf:name ?n } WHERE { ?p a foaf:Person ; foaf:name ?n }', "--graph", seeds_out,
                "--format", "turtle")
    assert result.exit_code == 0
    graph = rdflib.Graph().parse(data=result.stdout, format="turtle")
    assert len(graph) == 10
    assert rdflib.Literal("Helle Støve") in set(graph.objects())


def test_construct_as_ntriples(seeds_out):
    result = kg("query", 'CONSTRUCT { ?p foaf:name ?n } WHERE { ?p foaf:name "Clive Needle" ; foaf:name ?n }', "--graph", seeds_out,
                "--format", "ntriples")
    assert result.stdout == '<https://w3id.org/social-services-kg/id/person/clive-needle> <http://xmlns.com/foaf/0.1/name> "Clive Needle" .\n'


@pytest.mark.parametrize("query, fmt", [
    ('CONSTRUCT { ?p foaf:name ?n } WHERE { ?p foaf:name "Clive Needle" ; foaf:name ?n }', "json"),
    ('SELECT ?n WHERE { ?p foaf:name ?n } LIMIT 1', "turtle"),
])
def test_a_format_that_does_not_fit_the_query_is_not_silently_replaced(seeds_out, query, fmt):
    """Asked for JSON, a user piping into jq must get JSON or a clear error, not Turtle (and vice versa)."""
    result = kg("query", query, "--graph", seeds_out, "--format", fmt)
    if result.exit_code == 0:
        if fmt == "json":
            json.loads(result.stdout)
        else:
            import rdflib

            rdflib.Graph().parse(data=result.stdout, format="turtle")
    else:
        assert result.exit_code == 2 and fmt in result.stderr


@pytest.mark.parametrize("query, expected", [('ASK { ?p foaf:name "Clive Needle" }', "true"),
                                             ('ASK { ?p foaf:name "Nobody At All" }', "false")])
def test_ask_prints_true_or_false(seeds_out, query, expected):
    result = kg("query", query, "--graph", seeds_out)
    assert result.exit_code == 0
    assert result.stdout == expected + "\n"


def test_describe(seeds_out):
    import rdflib

    result = kg("query", 'DESCRIBE ?p WHERE { ?p foaf:name "Clive Needle" }', "--graph", seeds_out)
    assert result.exit_code == 0
    graph = rdflib.Graph().parse(data=result.stdout, format="turtle")
    clive = rdflib.URIRef("https://w3id.org/social-services-kg/id/person/clive-needle")
    assert (clive, rdflib.RDF.type, rdflib.URIRef("http://xmlns.com/foaf/0.1/Person")) in graph
    assert set(graph.subjects()) == {clive}


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("query, line", [
    ("SELECT ?s WHERE { ?s ?p }", 1),
    ("SELECT ?s\nWHERE {\n  ?s ?p ?o .\n  FILTER(\n}", 5),
    ("SELECT ?s WHERE {\n  ?s ?p ?o\n} LIMT 3", 3),
])
def test_syntax_error_names_the_line_of_the_users_text(seeds_out, query, line):
    result = kg("query", query, "--graph", seeds_out)
    assert result.exit_code == 2
    assert f"line {line}, column " in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


UPDATE = 'INSERT DATA { <urn:example:someone> <http://xmlns.com/foaf/0.1/name> "Someone New" }'


def test_update_is_refused_without_update_flag(seeds_copy):
    before = (seeds_copy / "graph.ttl").read_bytes()
    for text in (UPDATE, "PREFIX ex: <urn:example:>\n" + UPDATE, "# a comment first\n" + UPDATE.replace("INSERT DATA", "insert data"),
                 'DELETE WHERE { ?m kg:roleTitle "lektor" }'):
        result = kg("query", text, "--graph", seeds_copy)
        assert result.exit_code == 2, text
        assert "--update" in result.stderr
    assert kg("query", 'ASK { ?s foaf:name "Someone New" }', "--graph", seeds_copy).stdout == "false\n"
    assert (seeds_copy / "graph.ttl").read_bytes() == before


def test_update_flag_applies_the_update_to_the_store(seeds_copy):
    result = kg("query", UPDATE, "--graph", seeds_copy, "--update")
    assert result.exit_code == 0, result.output
    assert "update applied" in result.stdout
    assert kg("query", 'ASK { ?s foaf:name "Someone New" }', "--graph", seeds_copy).stdout == "true\n"


def test_update_with_a_commented_prefix_line_is_an_update(seeds_copy):
    text = "PREFIX ex: <urn:example:>  # where the examples live\nINSERT DATA { ex:a ex:b \"c\" }"
    result = kg("query", text, "--graph", seeds_copy, "--update")
    assert result.exit_code == 0, result.stderr
    assert kg("query", 'ASK { <urn:example:a> ?p "c" }', "--graph", seeds_copy).stdout == "true\n"


def test_update_deletes_what_a_query_sees(seeds_copy):
    """Queries read the union of the per-document graphs; an update names the graphs it changes
    (SPARQL Update acts on the default graph), as the README documents."""
    assert kg("query", 'ASK { ?m kg:roleTitle "lektor" }', "--graph", seeds_copy).stdout == "true\n"
    result = kg("query", 'DELETE WHERE { GRAPH ?g { ?m kg:roleTitle "lektor" } }', "--graph", seeds_copy, "--update")
    assert result.exit_code == 0, result.output
    assert kg("query", 'ASK { ?m kg:roleTitle "lektor" }', "--graph", seeds_copy).stdout == "false\n"


def test_update_on_a_graph_file_is_not_silently_lost(seeds_copy):
    """A .ttl file is loaded into memory: an update must either be written back or be refused."""
    graph = seeds_copy / "graph.ttl"
    result = kg("query", UPDATE, "--graph", graph, "--update")
    written = "Someone New" in graph.read_text(encoding="utf-8")
    assert written or (result.exit_code == 2 and "update applied" not in result.stdout)


def run_kg(*args, timeout: float = 60) -> subprocess.CompletedProcess:
    """`kg` in a process of its own: a query left running, or a crash, must not take the test run with it."""
    return subprocess.run([*KG, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def test_timeout_stops_a_heavy_query(seeds_out):
    started = time.monotonic()
    result = run_kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "--graph", seeds_out,
                    "--timeout", "1")
    elapsed = time.monotonic() - started
    assert result.returncode == 2
    assert "longer than 1 s" in result.stderr and "Traceback" not in result.stderr
    assert elapsed < 10, elapsed


def test_timeout_lets_a_quick_select_answer(seeds_out):
    result = run_kg("query", 'SELECT ?n WHERE { ?p foaf:name ?n FILTER(?n = "Clive Needle") }', "--graph", seeds_out,
                    "--timeout", "30", "--format", "csv")
    assert (result.returncode, result.stdout) == (0, "n\nClive Needle\n"), result.stderr[:300]


# ---------------------------------------------------------------- which graph


def test_graph_may_be_a_turtle_file(seeds_out):
    rows = answer(seeds_out / "graph.ttl", "who-holds-which-role")
    assert rows == answer(seeds_out, "who-holds-which-role")


def test_default_graph_is_the_last_build(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert kg("build", SEEDS / "001_5d0ced3c1a563988.txt", "--out", out, "--no-view").exit_code == 0
    assert kg("build", tmp_path / "none", "--out", tmp_path / "other").exit_code == 2  # a failed build is not remembered
    monkeypatch.chdir(tmp_path.parent)  # where no ./out folder could stand in for the remembered one
    result = kg("query", 'ASK { ?p foaf:name "Clive Needle" }')
    assert result.stdout == "true\n"


@pytest.mark.parametrize("where", ["no-such-build", "empty-folder", "broken.ttl", "graph.csv"])
def test_missing_or_unreadable_graph_is_a_clear_error(tmp_path, where):
    (tmp_path / "empty-folder").mkdir()
    (tmp_path / "broken.ttl").write_text("this is not turtle <<", encoding="utf-8")
    (tmp_path / "graph.csv").write_text("a,b\n", encoding="utf-8")
    result = kg("query", "ASK { ?s ?p ?o }", "--graph", tmp_path / where)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and str(tmp_path / where) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
