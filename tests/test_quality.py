"""Quality gates on the development sets: `kg eval` over parts one and two, thresholds in the test.

The thresholds are the levels the rules reach today, so a change that loses quality fails here;
the figures are printed on every run (pytest -s, or in the -ra summary on failure).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.cli import cli
from graph.evaluate import evaluate

DEV = Path(__file__).parent / "data" / "dev"

# Measured on 2026-12-02 (see the README's Quality section). Part one's floors are the targets of the
# extraction issue (F1 >= 0.85 persons, organisations, municipalities; >= 0.8 roles and papers; precision
# >= 0.85); part two's sit a little below today's figures (roles 0.836, organisations 0.938 on
# 2026-12-02; the real-pages issue's target is 0.8).
FLOORS = {
    "part1": {"persons": 0.95, "organisations": 0.88, "municipalities": 0.9, "countries": 0.95, "sectors": 0.88,
              "papers": 0.85, "roles": 0.8},
    "part2": {"persons": 0.95, "organisations": 0.92, "municipalities": 0.95, "sectors": 0.82, "papers": 0.8,
              "roles": 0.82},
}
PRECISION_FLOOR = {"part1": 0.85, "part2": 0.8}  # part two: sectors 0.8
TITLE_FLOOR = {"part1": 0.85, "part2": 0.85}


@pytest.fixture(scope="module", params=sorted(FLOORS))
def scored(request, tmp_path_factory):
    part = request.param
    out = tmp_path_factory.mktemp(f"dev-{part}")
    result = CliRunner().invoke(cli, ["build", str(DEV / part), "--out", str(out), "--no-view"])
    assert result.exit_code == 0, result.output
    evaluation = evaluate(DEV / part / "gold.json", out)
    for row in evaluation.rows():
        print(part, row)
    print(part, "role title accuracy", round(evaluation.title_accuracy, 3))
    return part, evaluation


def test_every_type_keeps_its_f1(scored):
    part, evaluation = scored
    low = {t: round(s.f1, 3) for t, s in evaluation.scores.items() if t in FLOORS[part] and s.f1 < FLOORS[part][t]}
    assert low == {}, f"{part}: F1 below the floor: {low}"


def test_precision_stays_high(scored):
    part, evaluation = scored
    low = {t: round(s.precision, 3) for t, s in evaluation.scores.items()
           if t in FLOORS[part] and t != "countries" and s.precision < PRECISION_FLOOR[part]}
    assert low == {}, f"{part}: precision below {PRECISION_FLOOR[part]}: {low}"


def test_role_titles_are_right(scored):
    part, evaluation = scored
    assert evaluation.title_accuracy >= TITLE_FLOOR[part], evaluation.title_accuracy


def test_the_gold_files_cover_every_document():
    import json

    for part in FLOORS:
        gold = json.loads((DEV / part / "gold.json").read_text(encoding="utf-8"))
        texts = {p.name for p in (DEV / part).glob("*.txt")}
        assert set(gold["documents"]) == texts
