"""`kg eval`: the quality gate on the seeds, and the scorer itself on tiny hand-made cases.

The gold annotation is a copy of shared/gold/seeds.json kept in tests/data/gold/, so the gate
runs wherever the repository is checked out.
"""
from __future__ import annotations

import json
import re

import pytest

from conftest import GOLD, kg
from graph.evaluate import evaluate
from graph.query import open_store

F1_GATE = 0.9
TITLE_GATE = 0.9


def figures(output: str) -> tuple[dict[str, dict[str, float]], tuple[int, int]]:
    """The per-type rows and the role-title line of `kg eval`'s table."""
    rows = {}
    for line in output.splitlines():
        cells = line.split()
        if len(cells) == 7 and re.fullmatch(r"\d+", cells[1]):
            rows[cells[0]] = dict(zip(["gold", "predicted", "correct", "precision", "recall", "f1"], map(float, cells[1:])))
    titles = re.search(r"role title right: (\d+)/(\d+)", output)
    return rows, (int(titles.group(1)), int(titles.group(2)))


def test_seeds_pass_the_quality_gate(seeds_out):
    result = kg("eval", GOLD, "--graph", seeds_out)
    assert result.exit_code == 0, result.output
    print("\n" + result.stdout)
    rows, (right, found) = figures(result.stdout)
    assert set(rows) == {"persons", "organisations", "municipalities", "countries", "sectors", "papers", "roles"}
    low = {kind: row["f1"] for kind, row in rows.items() if row["f1"] < F1_GATE}
    assert low == {}, f"F1 below {F1_GATE}: {low}"
    assert rows["roles"]["gold"] == 10
    assert found and right / found >= TITLE_GATE, f"role titles right: {right}/{found}"


def test_eval_json_agrees_with_the_table(seeds_out):
    table, _ = figures(kg("eval", GOLD, "--graph", seeds_out).stdout)
    result = kg("eval", GOLD, "--graph", seeds_out, "--format", "json")
    rows = {row["type"]: row for row in json.loads(result.stdout)}
    assert {kind: row["f1"] for kind, row in rows.items()} == {kind: row["f1"] for kind, row in table.items()}


def test_missing_gold_file_is_a_usage_error(seeds_out, tmp_path):
    result = kg("eval", tmp_path / "none.json", "--graph", seeds_out)
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.output


# ---------------------------------------------------------------- the scorer on hand-made cases

TINY_GRAPH = """
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix kg: <https://w3id.org/social-services-kg/ontology#> . @prefix ex: <https://example.org/> .

ex:doc a foaf:Document ; dcterms:identifier "notes.txt" ;
    schema:mentions ex:ada, ex:bob, ex:society, ex:denmark, ex:aarhus .
ex:ada a foaf:Person ; foaf:name "Ada Lovelace" .
ex:bob a foaf:Person ; foaf:name "Bob Wrongname" .
ex:society a org:Organization ; skos:prefLabel "Analytical Society" ; skos:altLabel "AS" .
ex:aarhus a org:Organization, kg:Municipality ; skos:prefLabel "Aarhus Kommune" .
ex:denmark a schema:Country ; skos:prefLabel "Denmark"@en, "Danmark"@da .
ex:membership a org:Membership ; prov:wasDerivedFrom ex:doc ; org:member ex:ada ; org:organization ex:society ;
    kg:roleTitle "%(title)s" .
"""


def gold_of(**annotation) -> dict:
    empty = {"persons": [], "organisations": [], "municipalities": [], "countries": [], "sectors": [], "papers": []}
    return {"documents": {"notes.txt": {**empty, **annotation}}}


def score(tmp_path, gold: dict, title: str = "chair"):
    (tmp_path / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    (tmp_path / "graph.ttl").write_text(TINY_GRAPH % {"title": title}, encoding="utf-8")
    return evaluate(tmp_path / "gold.json", open_store(tmp_path / "graph.ttl"))


ADA = {"name": "Ada Lovelace", "roles": [{"title": "chair", "organisation": "Analytical Society"}]}
SOCIETY = {"name": "Analytical Society", "aliases": ["AS"]}
AARHUS = {"name": "Aarhus Kommune", "aliases": ["Aarhus"], "country": "Denmark"}


def figures_of(evaluation, kind: str) -> tuple:
    s = evaluation.scores[kind]
    return s.gold, s.predicted, s.true_positives, round(s.precision, 3), round(s.recall, 3), round(s.f1, 3)


def test_a_perfect_graph_scores_one(tmp_path):
    result = score(tmp_path, gold_of(persons=[ADA, {"name": "Bob Wrongname", "roles": []}], organisations=[SOCIETY],
                                     municipalities=[AARHUS], countries=["Denmark"]))
    for kind in ("persons", "organisations", "municipalities", "countries", "roles"):
        assert result.scores[kind].f1 == 1.0, kind
    assert (result.titles_right, result.titles_found) == (1, 1)
    assert result.errors == []


def test_a_missed_and_a_spurious_person_lower_recall_and_precision(tmp_path):
    result = score(tmp_path, gold_of(persons=[ADA, {"name": "Charles Babbage", "roles": []}], organisations=[SOCIETY]))
    assert figures_of(result, "persons") == (2, 2, 1, 0.5, 0.5, 0.5)
    assert {"document": "notes.txt", "type": "persons", "missed": "charles babbage"} in result.errors
    assert {"document": "notes.txt", "type": "persons", "spurious": "bob wrongname"} in result.errors
    assert figures_of(result, "organisations") == (1, 1, 1, 1.0, 1.0, 1.0)


def test_an_entity_not_in_the_gold_lowers_precision_only(tmp_path):
    result = score(tmp_path, gold_of(persons=[ADA], organisations=[SOCIETY]))
    assert figures_of(result, "persons") == (1, 2, 1, 0.5, 1.0, 0.667)
    assert figures_of(result, "municipalities") == (0, 1, 0, 0.0, 1.0, 0.0)


def test_a_wrong_organisation_in_the_gold_costs_the_role_too(tmp_path):
    wrong = {"name": "Ada Lovelace", "roles": [{"title": "chair", "organisation": "Royal Society"}]}
    result = score(tmp_path, gold_of(persons=[wrong, {"name": "Bob Wrongname"}], organisations=[{"name": "Royal Society"}]))
    assert figures_of(result, "roles") == (1, 1, 0, 0.0, 0.0, 0.0)
    assert figures_of(result, "organisations") == (1, 1, 0, 0.0, 0.0, 0.0)


def test_a_wrong_title_counts_against_title_accuracy_not_the_role(tmp_path):
    result = score(tmp_path, gold_of(persons=[ADA], organisations=[SOCIETY]), title="vice chair")
    assert figures_of(result, "roles") == (1, 1, 1, 1.0, 1.0, 1.0)
    assert (result.titles_right, result.titles_found) == (0, 1)
    (error,) = [e for e in result.errors if e["type"] == "role title"]
    assert (error["document"], error["expected"]) == ("notes.txt", ["chair"])
    assert "vice chair" in ([error["found"]] if isinstance(error["found"], str) else error["found"])


def test_names_match_through_aliases_case_and_punctuation(tmp_path):
    society = {"name": "The Analytical Society of London", "aliases": ["as"]}
    role = {"name": "ada lovelace", "roles": [{"title": "Chair", "organisation": "The Analytical Society of London"}]}
    result = score(tmp_path, gold_of(persons=[role, {"name": "Bob  Wrongname."}], organisations=[society]))
    assert figures_of(result, "persons")[2] == 2
    assert figures_of(result, "organisations")[2] == 1
    assert figures_of(result, "roles")[2] == 1 and result.titles_right == 1


def test_optional_entries_are_neither_required_nor_errors(tmp_path):
    optional = gold_of(persons=[ADA, {"name": "Bob Wrongname", "optional": True}, {"name": "Charles Babbage", "optional": True}],
                       organisations=[SOCIETY], municipalities=[{**AARHUS, "optional": True}],
                       countries=["Denmark"], sectors=[{"name": "health", "optional": True}])
    result = score(tmp_path, optional)
    # found optional Bob is not counted; missing optional Charles is not a miss
    assert figures_of(result, "persons") == (1, 1, 1, 1.0, 1.0, 1.0)
    assert figures_of(result, "municipalities") == (0, 0, 0, 1.0, 1.0, 1.0)
    assert figures_of(result, "sectors") == (0, 0, 0, 1.0, 1.0, 1.0)
    assert result.errors == []


def test_an_optional_role_is_neither_required_nor_an_error(tmp_path):
    optional_role = {"name": "Ada Lovelace", "roles": [{"title": "chair", "organisation": "Analytical Society", "optional": True},
                                                       {"title": "patron", "organisation": "Aarhus Kommune", "optional": True}]}
    result = score(tmp_path, gold_of(persons=[optional_role, {"name": "Bob Wrongname"}], organisations=[SOCIETY],
                                     municipalities=[AARHUS]))
    assert figures_of(result, "roles") == (0, 0, 0, 1.0, 1.0, 1.0)
    assert (result.titles_right, result.titles_found) == (0, 0)


def test_cli_lists_the_errors(tmp_path):
    score(tmp_path, gold_of(persons=[ADA, {"name": "Charles Babbage"}], organisations=[SOCIETY], municipalities=[AARHUS],
                            countries=["Denmark"]))
    result = kg("eval", tmp_path / "gold.json", "--graph", tmp_path / "graph.ttl", "--errors")
    assert result.exit_code == 0, result.output
    errors = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert {e.get("missed") or e.get("spurious") for e in errors} == {"charles babbage", "bob wrongname"}
    rows, titles = figures(result.stdout)
    assert rows["persons"]["precision"] == rows["persons"]["recall"] == 0.5
    assert titles == (1, 1)


@pytest.mark.parametrize("fmt, first", [("csv", "type,gold,predicted,correct,precision,recall,f1"),
                                        ("tsv", "type\tgold\tpredicted\tcorrect\tprecision\trecall\tf1")])
def test_eval_formats(tmp_path, fmt, first):
    score(tmp_path, gold_of(persons=[ADA], organisations=[SOCIETY]))
    result = kg("eval", tmp_path / "gold.json", "--graph", tmp_path / "graph.ttl", "--format", fmt)
    assert result.stdout.splitlines()[0] == first
    assert len(result.stdout.splitlines()) == 8
