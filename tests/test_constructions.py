"""One test per construction and language: the membership a careful reader finds is extracted.

The cases are data (tests/data/constructions/cases.json), each a short document in our own words.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.build import extract_one
from graph.knowledge import load_knowledge, name_key
from graph.records import Document
from graph.resolve import resolve

CASES = json.loads((Path(__file__).parent / "data" / "constructions" / "cases.json").read_text(encoding="utf-8"))["cases"]


def memberships(text: str) -> set[tuple[str, str | None, str]]:
    knowledge = load_knowledge()
    extraction = extract_one(Document("case.txt", text), knowledge)
    corpus = resolve([extraction], knowledge)
    found = set()
    for membership in corpus.extractions[0].memberships:
        person = corpus.entities[membership.person]
        organisation = corpus.entities[membership.organisation]
        for org_name in [organisation.name, *organisation.aliases]:
            found.add((name_key(person.name), (membership.title or "").casefold() or None, name_key(org_name)))
    return found


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_the_construction_is_extracted(case):
    person, title, organisation = case["expect"]
    expected = (name_key(person), title.casefold() if title else None, name_key(organisation))
    found = memberships(case["text"])
    assert expected in found, f"{case['id']}: expected {expected}, found {sorted(found)}"
