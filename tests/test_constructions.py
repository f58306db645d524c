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
    if "reject" in case:  # what a careless reading would also claim
        person, title, organisation = case["reject"]
        wrong = (name_key(person), title.casefold() if title else None, name_key(organisation))
        assert wrong not in found, f"{case['id']}: {wrong} should not be read"


ORGANISATION_CASES = json.loads((Path(__file__).parent / "data" / "constructions" / "cases.json").read_text(encoding="utf-8"))["organisations"]


@pytest.mark.parametrize("case", ORGANISATION_CASES, ids=[c["id"] for c in ORGANISATION_CASES])
def test_organisations_and_places_are_found_by_their_shape(case):
    knowledge = load_knowledge()
    extraction = extract_one(Document("case.txt", case["text"]), knowledge)
    corpus = resolve([extraction], knowledge)
    entities = list(corpus.entities.values())
    names = {name_key(e.name): e for e in entities}
    if "expect_org" in case:
        organisation = names.get(name_key(case["expect_org"]))
        assert organisation is not None and organisation.type == "organisation", sorted(names)
        if "expect_alias" in case:
            assert case["expect_alias"] in organisation.aliases, organisation.aliases
        if "expect_parent_text" in case:
            parent = corpus.entities.get(organisation.parent or "")
            assert parent is not None and name_key(case["expect_parent_text"]) in {name_key(n) for n in [parent.name, *parent.aliases]}
        if "mentioned_in_sentence" in case:
            sentences = {m.sentence for m in extraction.mentions if m.key == organisation.key}
            assert case["mentioned_in_sentence"] in sentences
    if "expect_municipality" in case:
        found = [e for e in entities if e.type == "municipality"]
        assert any(name_key(case["expect_municipality"]) in {name_key(n) for n in [e.name, *e.aliases]} for e in found), found
    if "expect_nothing_named" in case:
        assert not any(name_key(case["expect_nothing_named"]) in name_key(e.name) for e in entities), sorted(names)


def test_a_place_after_a_preposition_is_not_a_person_known_by_its_title():
    text = "Experter\n\nTill experter förordnades socialdirektör Bo Lind, Länsstyrelsen i Västra Götaland, professor Eva Hed, Lunds universitet.\n"
    extraction = extract_one(Document("case.txt", text), load_knowledge())
    persons = {m.name for m in extraction.mentions if m.type == "person"}
    assert persons == {"Bo Lind", "Eva Hed"}


def test_a_municipal_title_in_a_contact_block_is_no_body_and_no_post_at_a_unit():
    text = ("Nyheter\n\nOmsorgsförvaltningen flyttar till nya lokaler. Omsorgsförvaltningen har 900 anställda.\n\n"
            "Mer information\nTove Lind\nKommunalråd\n0455-11 22 33\n")
    extraction = extract_one(Document("case.txt", text), load_knowledge())
    assert {m.name for m in extraction.mentions if m.type == "organisation"} == {"Omsorgsförvaltningen"}
    assert not extraction.memberships


def test_a_unit_named_by_a_generic_word_is_one_node_per_municipality():
    knowledge = load_knowledge()
    texts = {
        "a.txt": "Ny ordförande\n\nSocialnämnden i Hultsfreds kommun har valt Eva Lund till ordförande.\n",
        "b.txt": "Ny ordförande\n\nSocialnämnden i Ljusdals kommun har valt Per Holm till ordförande.\n",
        "c.txt": "Nyheter\n\nSocialnämnden i Hultsfreds kommun sammanträder i maj.\n",
    }
    corpus = resolve([extract_one(Document(name, text), knowledge) for name, text in texts.items()], knowledge)
    committees = [e for e in corpus.entities.values() if name_key(e.name) == "socialnämnden"]
    parents = sorted(corpus.entities[e.parent].name for e in committees)
    assert parents == ["Hultsfreds kommun", "Ljusdals kommun"]


SHAPE_CASES = json.loads((Path(__file__).parent / "data" / "constructions" / "cases.json").read_text(encoding="utf-8"))["shapes"]


@pytest.mark.parametrize("case", SHAPE_CASES, ids=[c["id"] for c in SHAPE_CASES])
def test_each_shape_of_real_pages_is_read_in_each_language(case):
    knowledge = load_knowledge()
    corpus = resolve([extract_one(Document("case.txt", case["text"]), knowledge)], knowledge)
    person, title, organisation = case["expect"]
    held = [(membership, corpus.entities[membership.organisation]) for membership in corpus.extractions[0].memberships
            if name_key(corpus.entities[membership.person].name) == name_key(person)]
    posts = [m for m, body in held if (m.title or "").casefold() == title.casefold()
             and name_key(organisation) in {name_key(n) for n in [body.name, *body.aliases]}]
    assert posts, f"{case['id']}: found {[(m.title, body.name) for m, body in held]}"
    assert set(case.get("qualifiers", [])) <= set(posts[0].qualifiers), posts[0].qualifiers
    if "author" in case:
        assert any(e.type == "person" and name_key(e.name) == name_key(case["author"]) for e in corpus.entities.values())
