"""`kg export`: every format is read back by a parser other than the writer's (Oxigraph writes,
rdflib and networkx read), holds the same graph as graph.ttl, and comes out byte for byte the same.
"""
from __future__ import annotations

import io
import stat

import networkx as nx
import pytest
import rdflib
from rdflib.compare import isomorphic

from conftest import SEED_FILES, kg

TRIPLE_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}
QUAD_FORMATS = {"nquads": "nquads", "trig": "trig"}
DOCUMENT = "https://w3id.org/social-services-kg/id/document/"
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")

# rdflib 7's own parsers call its deprecated ConjunctiveGraph API: not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")


@pytest.fixture(scope="module")
def reference(seeds_out) -> rdflib.Graph:
    return rdflib.Graph().parse(seeds_out / "graph.ttl", format="turtle")


@pytest.fixture(scope="module")
def exported(seeds_out, tmp_path_factory) -> dict[str, bytes]:
    """Every format, exported once through `kg export -o FILE`."""
    folder = tmp_path_factory.mktemp("export")
    data = {}
    for fmt in [*TRIPLE_FORMATS, *QUAD_FORMATS, "graphml", "gexf"]:
        target = folder / f"graph.{fmt}"
        result = kg("export", "--graph", seeds_out, "--format", fmt, "-o", target)
        assert result.exit_code == 0, result.output
        assert f"wrote {fmt}: {target}" in result.stderr and result.stdout == ""
        data[fmt] = target.read_bytes()
    return data


@pytest.mark.parametrize("fmt", sorted(TRIPLE_FORMATS))
def test_triple_formats_read_back_as_the_same_graph(exported, reference, fmt):
    graph = rdflib.Graph().parse(data=exported[fmt], format=TRIPLE_FORMATS[fmt])
    assert len(graph) == len(reference)
    assert isomorphic(graph, reference)


@pytest.mark.parametrize("fmt", sorted(QUAD_FORMATS))
def test_quad_formats_keep_one_named_graph_per_document(exported, reference, fmt):
    dataset = rdflib.Dataset()
    dataset.parse(data=exported[fmt], format=QUAD_FORMATS[fmt])
    named = {str(g.identifier) for g in dataset.graphs() if str(g.identifier).startswith(DOCUMENT)}
    assert named == {DOCUMENT + path.name for path in SEED_FILES}
    union = rdflib.Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    assert len(union) == len(reference) and isomorphic(union, reference)
    # what a document states sits in that document's graph
    memberships = list(union.subject_objects(PROV.wasDerivedFrom))
    assert len([m for m, _ in memberships if (m, rdflib.RDF.type, ORG.Membership) in union]) == 10
    for membership, document in memberships:
        if (membership, rdflib.RDF.type, ORG.Membership) not in union:
            continue
        graph = dataset.graph(document)
        assert (membership, ORG.member, None) in graph
        assert (membership, ORG.organization, None) in graph
        assert (membership, PROV.wasDerivedFrom, document) in graph


@pytest.mark.parametrize("fmt, read", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_network_formats_read_back_with_labels_and_types(exported, reference, fmt, read):
    network = read(io.BytesIO(exported[fmt]))
    nodes = dict(network.nodes(data=True))
    assert nodes and all("label" in data and "type" in data for data in nodes.values())
    by_label = {data["label"]: data["type"] for data in nodes.values()}
    assert by_label["Clive Needle"] == "Person"
    assert by_label["European Social Network"] == "Organisation"
    assert by_label["Randers Kommune"] == "Municipality"
    assert by_label["Denmark"] == "Country"
    persons = set(reference.subjects(rdflib.RDF.type, rdflib.URIRef("http://xmlns.com/foaf/0.1/Person")))
    assert {str(p) for p in persons} <= set(nodes)
    clive = "https://w3id.org/social-services-kg/id/person/clive-needle"
    eurohealthnet = "https://w3id.org/social-services-kg/id/organisation/eurohealthnet"
    assert network.has_edge(clive, eurohealthnet) or network.has_edge(eurohealthnet, clive)


def test_exported_file_has_the_permissions_of_any_file_the_user_writes(seeds_out, tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x", encoding="utf-8")
    assert kg("export", "--graph", seeds_out, "--format", "ntriples", "-o", tmp_path / "graph.nt").exit_code == 0
    assert oct(stat.S_IMODE((tmp_path / "graph.nt").stat().st_mode)) == oct(stat.S_IMODE(plain.stat().st_mode))


def test_export_to_standard_output(seeds_out, exported):
    result = kg("export", "--graph", seeds_out, "--format", "ntriples")
    assert result.exit_code == 0
    assert result.stdout_bytes == exported["ntriples"]


@pytest.mark.parametrize("fmt", [*TRIPLE_FORMATS, *QUAD_FORMATS, "graphml", "gexf"])
def test_export_is_deterministic(seeds_out, exported, fmt):
    again = kg("export", "--graph", seeds_out, "--format", fmt)
    assert again.stdout_bytes == exported[fmt]


def test_export_from_a_turtle_file_equals_export_from_the_store(seeds_out, exported):
    result = kg("export", "--graph", seeds_out / "graph.ttl", "--format", "turtle")
    assert result.stdout_bytes == exported["turtle"]


def test_unknown_format_is_a_usage_error(seeds_out):
    result = kg("export", "--graph", seeds_out, "--format", "csv")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr
