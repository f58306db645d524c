"""The Python API, as the README shows it to notebook users."""
from __future__ import annotations

from pathlib import Path

import networkx as nx
import rdflib

from graph import api

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def test_the_readme_example_runs(tmp_path):
    result = api.build([SEEDS])
    written = api.write(result, tmp_path / "out")
    assert Path(written["turtle"]).is_file() and Path(written["html"]).is_file()
    graph = api.load(tmp_path / "out")
    assert isinstance(graph, rdflib.Graph) and len(graph) == result.counts()["triples"]
    rows = api.select(tmp_path / "out", "SELECT ?n WHERE { ?p a kg:Person ; foaf:name ?n } ORDER BY ?n")
    assert rows[:2] == [{"n": "Ann Hermansen"}, {"n": "Clive Needle"}]
    network = api.network(tmp_path / "out")
    assert isinstance(network, nx.MultiDiGraph) and network.number_of_nodes() > 40
    drawn = api.render(tmp_path / "out", tmp_path / "randers.html", focus="Randers", depth=2)
    assert drawn["nodes"] < network.number_of_nodes() and (tmp_path / "randers.html").is_file()
    api.export(tmp_path / "out", "trig", tmp_path / "graph.trig")
    assert (tmp_path / "graph.trig").stat().st_size > 0


def test_a_build_result_can_be_queried_without_writing_it():
    result = api.build([SEEDS])
    rows = api.select(result, 'SELECT ?o WHERE { ?m org:member/foaf:name "Clive Needle" ; org:organization/skos:prefLabel ?o }')
    assert rows == [{"o": "EuroHealthNet"}]


def test_two_worker_processes_give_the_same_graph_as_one(tmp_path):
    from graph.rdf import turtle_bytes

    assert turtle_bytes(api.build([SEEDS], jobs=2).quads) == turtle_bytes(api.build([SEEDS], jobs=1).quads)
