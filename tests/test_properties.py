"""Properties of the pipeline on arbitrary text (Hypothesis).

Any Unicode text (every category but surrogates: combining marks, emoji, controls, bidi
marks, private use), very long lines, and real-looking sentences mixed with noise:

- reading raw bytes never raises: it gives a Document or a Skip;
- `extract_one` never raises;
- a small corpus of such documents gives Turtle that pyoxigraph parses back to exactly the
  triples built, that conforms to the SHACL shapes, and that is the same bytes when built
  again with the documents in another order.
"""
from __future__ import annotations

import datetime
import functools
import os

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from graph.build import extract_all, extract_one
from graph.knowledge import load_knowledge
from graph.rdf import XSD_DATE, corpus_quads, turtle_bytes
from graph.read import read_bytes
from graph.records import Document, Skip
from graph.resolve import resolve
from graph.validate import validate

LONG_LINE = 4000  # characters: tests/fuzz/fuzz_rules.py goes longer, outside the suite
# KG_PROPERTY_SCALE=20 runs twenty times the examples, by hand (the suite keeps to the defaults).
SCALE = float(os.environ.get("KG_PROPERTY_SCALE", "1"))
FAST = settings(max_examples=int(100 * SCALE), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BUILDS = settings(max_examples=int(30 * SCALE), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SENTENCES = [
    "Anna Berg, socialchef i Malmö stad",
    "Ingrid Fjeldsø, direktør, Socialt Udviklingscenter",
    "Marjorie Whitfield, Director of the Northbridge Institute for Social Welfare",
    "Søren Kjærgaard (direktør, Aarhus Kommune)",
    "Bente Krogh, udsatteområdechef i Aarhus Kommune",
    "the 'Leadership, Performance and Innovation' working group",
    "the European Social Network (ESN) publishes a report",
    "ESN's policy director, Alfonso Lara Montero, said",
    'the report "Leading for Results in Social Services"',
    "Report: Leadership and management in social services",
    "Helle Støve, Formand for Børne- og Kulturchefforeningens børne- og familienetværk, samt Børne- og familiechef i Favrskov Kommune",
    "1. Ann Hermansen, Familiechef, Randers Kommune: ”Indsatskvalitet i arbejdet”",
    "fredag 5 april 2013",
    "2024-02-28",
    "The '<img src=x onerror=alert(1)>' working group",
    'Report: The "Triple """ Quote" \\ review',
    "AFS (Alpha#1 Forum%20 Social{x})",
    "Jose\u0301 Marti\u0301nez, Director of the Southport Institute for Social Care",
    "\u202egnirts desrever\u202c \U0001F469\u200D\u2695\uFE0F",
]
SEPARATORS = [" ", ", ", ". ", ".\n", "\n", "\n\n", "; ", "\t", "\u2028", "\r\n", "", " og ", " and ", ": "]

any_character = st.characters(exclude_categories=("Cs",))
any_text = st.text(any_character, max_size=400)
long_line = st.builds(lambda piece, times: (piece * times)[:LONG_LINE], st.text(any_character, min_size=1, max_size=12),
                      st.integers(100, 1000))
noise = st.text(any_character, max_size=25)
mixed = st.lists(st.one_of(st.sampled_from(SENTENCES), noise, st.sampled_from(SEPARATORS)), max_size=30).map("".join)
long_mixed_line = st.builds(lambda text, times: (text.replace("\n", " ") * times)[:LONG_LINE], mixed, st.integers(2, 200))
document_text = st.one_of(any_text, mixed, mixed, long_line, long_mixed_line,
                          st.tuples(mixed, long_line, mixed).map("\n".join))
identifier = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="/\x00"), min_size=1, max_size=40)


@functools.cache
def rules():
    """The shipped rules, loaded once (not a fixture: Hypothesis would print it with every failing example)."""
    return load_knowledge()


def calendar_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def document(name: str, text: str) -> Document:
    return Document(identifier=name, text=text, path=name, content_hash=str(abs(hash(text))))


@FAST
@given(raw=st.one_of(st.binary(max_size=600), document_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
                     st.tuples(document_text, st.sampled_from(["utf-16", "utf-16-le", "cp1252", "latin-1", "utf-8-sig"]))
                     .map(lambda pair: pair[0].encode(pair[1], "replace"))),
       suffix=st.sampled_from(["", ".txt", ".html", ".md", ".htm"]))
def test_reading_any_bytes_gives_a_document_or_a_skip(raw, suffix):
    result = read_bytes(raw, identifier="x" + suffix, path="x" + suffix, suffix=suffix)
    assert isinstance(result, (Document, Skip))
    if isinstance(result, Document):
        assert result.text and result.text == result.text.strip("\n")
        assert "\r" not in result.text and "\x00" not in result.text


@FAST
@given(name=identifier, text=document_text)
def test_extract_one_never_raises(name, text):
    extraction = extract_one(document(name, text), rules())
    assert extraction.identifier == name
    for mention in extraction.mentions:
        assert mention.key and mention.type


def corpus_bytes(documents: list[Document], knowledge) -> tuple[list[ox.Quad], bytes]:
    quads = corpus_quads(resolve(extract_all(documents, knowledge), knowledge), knowledge)
    return quads, turtle_bytes(quads)


@BUILDS
@given(texts=st.lists(st.tuples(identifier, document_text), min_size=1, max_size=3, unique_by=lambda pair: pair[0]))
def test_a_small_corpus_gives_valid_conforming_repeatable_turtle(texts):
    documents = [document(name, text) for name, text in texts]
    quads, data = corpus_bytes(documents, rules())
    parsed = {(t.subject, t.predicate, t.object) for t in ox.parse(data, format=ox.RdfFormat.TURTLE)}
    assert parsed == {(q.subject, q.predicate, q.object) for q in quads}
    store = ox.Store()
    store.bulk_extend(quads)
    report = validate(store)
    assert report.conforms, report.text[:3000]
    again = corpus_bytes(list(reversed(documents)), rules())[1]
    assert again == data


@BUILDS
@given(texts=st.lists(mixed, min_size=1, max_size=3))
def test_files_of_arbitrary_text_build_through_the_reader(tmp_path_factory, texts):
    from graph.build import build

    folder = tmp_path_factory.mktemp("prop")
    for index, text in enumerate(texts):
        (folder / f"{index}.txt").write_bytes(text.encode("utf-8", "surrogatepass"))
    assume(any(text.strip() for text in texts))
    first = turtle_bytes(build([folder], knowledge=rules()).quads)
    second = turtle_bytes(build([folder], knowledge=rules()).quads)
    assert first == second
    assert list(ox.parse(first, format=ox.RdfFormat.TURTLE))


@pytest.mark.parametrize("head", ["2000-02-30", "30 februar 2024", "31 April 2023", "February 30, 2024"])
def test_a_date_that_does_not_exist_is_not_written_as_an_xsd_date(head):
    quads, _ = corpus_bytes([document("d.txt", f"{head}\n\nAnna Berg, socialchef i Malmö stad, talade.\n")], rules())
    dates = [q.object.value for q in quads if isinstance(q.object, ox.Literal) and q.object.datatype == XSD_DATE]
    assert [value for value in dates if not calendar_date(value)] == []
    store = ox.Store()
    store.bulk_extend(quads)
    assert validate(store).conforms
