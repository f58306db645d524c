"""The fast path of the build writes the graph as Turtle text itself and reads the view from facts
it gathered on the way: both must give exactly what Oxigraph's serializer and the store's queries
give for the same triples."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import rdf
from graph.build import build
from graph.network import ViewFacts, network_from_store
from graph.rdf import PREFIXES, corpus_graph, quoted, turtle_bytes

ROOT = Path(__file__).resolve().parents[1]
CORPORA = {"seeds": ROOT / "seeds", "part1": ROOT / "tests" / "data" / "dev" / "part1"}


def oxigraph_turtle(graph: rdf.Graph) -> bytes:
    return turtle_bytes(graph.quads())


def network_data(network) -> tuple:
    return (sorted(network.nodes(data=True)), sorted(network.edges(keys=True, data=True)))


def test_every_code_point_is_escaped_as_oxigraph_escapes_it():
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    s, p = ox.NamedNode("http://example.invalid/s"), ox.NamedNode("http://example.invalid/p")
    data = ox.serialize([ox.Triple(s, p, ox.Literal(c)) for c in chars], format=ox.RdfFormat.TURTLE).decode()
    theirs = data[len("<http://example.invalid/s> <http://example.invalid/p> "):-len(" .\n")].split(" , ")
    assert theirs == [quoted(c) for c in chars]


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_turtle_text_and_view_facts_equal_oxigraph(name):
    result = build([CORPORA[name]])
    assert result.graph.turtle_bytes() == oxigraph_turtle(result.graph)
    store = ox.Store()
    store.bulk_extend(result.quads)
    assert network_data(result.facts.network()) == network_data(network_from_store(store))


@pytest.mark.parametrize("base", ["https://schema.org/", "http://www.w3.org/ns/", "https://w3id.org/social-services-kg/ontology#x."])
def test_a_base_under_a_prefix(base):
    result = build([CORPORA["seeds"]], base=base)
    assert result.graph.turtle_bytes() == oxigraph_turtle(result.graph)


def test_two_documents_of_one_name_join_as_one_serializer_pass_would():
    from graph.build import extract_all
    from graph.knowledge import load_knowledge
    from graph.read import collect
    from graph.resolve import resolve

    knowledge = load_knowledge()
    documents, _ = collect([CORPORA["seeds"]])
    extractions = extract_all(documents[:2], knowledge)
    twins = [extractions[0], replace(extractions[1], identifier=extractions[0].identifier)]
    graph = corpus_graph(resolve(twins, knowledge), knowledge)
    assert graph.turtle_bytes() == oxigraph_turtle(graph)


def test_text_terms_read_back():
    for text in ('"a\\"b\\\\c\\n\\u0001"', '"x"@en', '"2020-01-01"^^xsd:date', "<http://a/b>", "kg:Person", "a"):
        kind, value, language = rdf.text_term(text)
        assert kind == "iri" or kind == "literal"
    assert rdf.text_term('"a\\"b\\\\c\\n\\u0001"')[1] == 'a"b\\c\n\x01'
    assert rdf.text_term("kg:Person")[1] == PREFIXES["kg"] + "Person"
