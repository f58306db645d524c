"""SHACL validation of a built graph against ontology/shapes.ttl (pySHACL)."""
from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
import rdflib

from .knowledge import ontology_dir
from .rdf import triples_in_order


@dataclass
class ValidationReport:
    conforms: bool
    violations: int
    text: str


def to_rdflib(store: ox.Store) -> rdflib.Graph:
    """The union of the store's graphs as an rdflib Graph. Through Turtle: rdflib's N-Triples parser
    is quadratic in a literal's length, its Turtle parser is not."""
    data = ox.serialize(triples_in_order(list(store.quads_for_pattern(None, None, None, None))),
                        format=ox.RdfFormat.TURTLE)
    graph = rdflib.Graph()
    graph.parse(data=data or b"", format="turtle")
    return graph


def validate(store: ox.Store) -> ValidationReport:
    import pyshacl

    shapes = rdflib.Graph().parse(ontology_dir() / "shapes.ttl")
    conforms, report_graph, text = pyshacl.validate(to_rdflib(store), shacl_graph=shapes, inference="none",
                                                     allow_warnings=True)
    violations = len(list(report_graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult"))))
    return ValidationReport(bool(conforms), violations, text)
