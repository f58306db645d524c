"""RDF assembly: the only stage that knows IRIs and vocabularies.

A resolved Corpus becomes quads: what a document states (its mentions and memberships) goes
into a named graph per document, so TriG/N-Quads exports can tell which document said what;
entities, schemes and the ontology go into the default graph. Every node carries both the
standard type of the graph contract and the project's class, so queries need no inference.
"""
from __future__ import annotations

import functools
import hashlib
import re
from urllib.parse import quote

import pyoxigraph as ox

from .knowledge import Knowledge, fold, name_key
from .atomic import write_bytes_atomically  # noqa: F401  (the one way outputs are written)
from .resolve import Corpus, Entity, Paper

DEFAULT_BASE = "https://w3id.org/social-services-kg/"
KG = "https://w3id.org/social-services-kg/ontology#"

PREFIXES = {
    "kg": KG,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "cv": "http://data.europa.eu/m8g/",
}


@functools.lru_cache(maxsize=None)
def term(curie: str) -> ox.NamedNode:
    prefix, local = curie.split(":", 1)
    return ox.NamedNode(PREFIXES[prefix] + local)


RDF_TYPE = term("rdf:type")
XSD_DATE = term("xsd:date")
TYPES = {
    "person": ("foaf:Person", "kg:Person"),
    "organisation": ("org:Organization", "kg:Organisation"),
    "municipality": ("org:Organization", "cv:PublicOrganisation", "kg:Municipality"),
    "country": ("schema:Country", "kg:Country"),
}
PAPER_CLASSES = {"report": "kg:Report", "series": "kg:Series", "presentation": "kg:Presentation", "programme": "kg:Programme"}
QUALIFIERS = {"acting": "kg:acting", "former": "kg:former", "new": "kg:new", "leaving": "kg:leaving"}


def slug(text: str) -> str:
    """A stable, valid IRI segment for any name: words joined by '-', percent-encoded, bounded."""
    words = name_key(text).replace(" ", "-") or "x"
    if len(words) > 80:
        words = words[:64].rstrip("-") + "-" + hashlib.sha256(words.encode()).hexdigest()[:12]
    return quote(words, safe="-")


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:20]


class IRIs:
    """Mints the IRIs of one build; the base is configurable, the scheme of paths is not."""

    def __init__(self, base: str = DEFAULT_BASE):
        self.base = base if base.endswith(("/", "#")) else base + "/"
        self.entity = functools.lru_cache(maxsize=None)(self._entity)  # an entity's IRI is minted once per build

    def _entity(self, key: str) -> ox.NamedNode:
        type_, rest = key.split(":", 1)
        if type_ == "sector":
            return ox.NamedNode(f"{KG}sector-{rest}")
        local = slug(rest[1:]) if rest.startswith("~") else quote(rest, safe="-")
        return ox.NamedNode(f"{self.base}id/{type_}/{local}")

    def document(self, identifier: str) -> ox.NamedNode:
        # A file name that is not UTF-8 arrives with surrogate escapes: encode its bytes as they are.
        raw = identifier.encode("utf-8", "surrogateescape")
        return ox.NamedNode(f"{self.base}id/document/{quote(raw, safe='-._~')}")

    def role(self, role_id: str) -> ox.NamedNode:
        """A listed role's id, or the slug of a title no list holds (already percent-encoded)."""
        return ox.NamedNode(f"{self.base}id/role/{quote(role_id, safe='-%')}")

    def node(self, kind: str, *parts: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}id/{kind}/{digest(*parts)}")


def literal(value: str, language: str | None = None) -> ox.Literal:
    clean = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", value)
    clean = clean.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # file names that are not UTF-8
    return ox.Literal(clean, language=language) if language else ox.Literal(clean)


def ontology_quads(knowledge: Knowledge) -> list[ox.Quad]:
    """The ontology, the sector scheme and the COFOG concepts: a self-describing graph file."""
    quads = []
    for path in (knowledge.directory / "kg.ttl", knowledge.directory / "schemes" / "sectors.ttl",
                 knowledge.directory / "schemes" / "cofog.ttl"):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()))
    return quads


def _role_concept(iris: IRIs, knowledge: Knowledge, role_id: str | None, title: str, language: str,
                  out: dict[str, set]) -> ox.NamedNode:
    """The role concept of a title: a listed role, or a concept of its own under its compound head."""
    listed = knowledge.roles.get(role_id) if role_id else None
    if listed and fold(title) in {fold(listed.en), *(fold(f) for forms in listed.forms.values() for f in forms)}:
        concept = iris.role(listed.id)
    else:
        concept = iris.role(slug(title))
        out.setdefault(concept.value, set()).add(("pref", fold(title), "en"))
        if listed:
            out[concept.value].add(("broader", listed.id, ""))
    out.setdefault(concept.value, set()).add(("alt", title, language))
    return concept


def _role_quads(iris: IRIs, knowledge: Knowledge, concepts: dict[str, set]) -> list[ox.Quad]:
    quads = []
    pending = {iris.role(rid).value: rid for rid in knowledge.roles}
    seen: set[str] = set()
    queue = list(concepts)
    while queue:
        iri = queue.pop()
        if iri in seen:
            continue
        seen.add(iri)
        node = ox.NamedNode(iri)
        for cls in ("org:Role", "skos:Concept", "kg:Role"):
            quads.append(ox.Quad(node, RDF_TYPE, term(cls)))
        quads.append(ox.Quad(node, term("skos:inScheme"), term("kg:roles")))
        role_id = pending.get(iri)
        if role_id:
            role = knowledge.roles[role_id]
            quads.append(ox.Quad(node, term("skos:prefLabel"), literal(role.en, "en")))
            for language, forms in role.forms.items():
                for form in forms:
                    quads.append(ox.Quad(node, term("skos:altLabel"), literal(form, language)))
            if role.broader and role.broader in knowledge.roles:
                broader = iris.role(role.broader)
                quads.append(ox.Quad(node, term("skos:broader"), broader))
                queue.append(broader.value)
        for kind, value, language in sorted(concepts.get(iri, ())):
            if kind == "pref" and not role_id:
                quads.append(ox.Quad(node, term("skos:prefLabel"), literal(value, language)))
            elif kind == "alt":
                quads.append(ox.Quad(node, term("skos:altLabel"), literal(value, language or None)))
            elif kind == "broader":
                broader = iris.role(value)
                quads.append(ox.Quad(node, term("skos:broader"), broader))
                queue.append(broader.value)
    if seen:
        quads.append(ox.Quad(term("kg:roles"), RDF_TYPE, term("skos:ConceptScheme")))
        quads.append(ox.Quad(term("kg:roles"), term("skos:prefLabel"), literal("Roles held in public social services", "en")))
    return list(dict.fromkeys(quads))  # a written title may also be a listed form


def _entity_quads(iris: IRIs, entity: Entity, knowledge: Knowledge) -> list[ox.Quad]:
    node = iris.entity(entity.key)
    quads = [ox.Quad(node, RDF_TYPE, term(cls)) for cls in TYPES[entity.type]]
    label = term("foaf:name") if entity.type == "person" else term("skos:prefLabel")
    if entity.type == "country":
        row = knowledge.countries.get(entity.key.split(":", 1)[1], {})
        for language in ("en", "da", "sv"):
            quads.append(ox.Quad(node, label, literal(row.get(language) or entity.name, language)))
    else:
        quads.append(ox.Quad(node, label, literal(entity.name)))
    quads.append(ox.Quad(node, term("rdfs:label"), literal(entity.name)))
    for alias in entity.aliases:
        quads.append(ox.Quad(node, term("skos:altLabel"), literal(alias)))
    if entity.parent and entity.type == "organisation":
        quads.append(ox.Quad(node, term("org:subOrganizationOf"), iris.entity(entity.parent)))
    if entity.country:
        where = "schema:containedInPlace" if entity.type == "municipality" else "schema:location"
        quads.append(ox.Quad(node, term(where), iris.entity(entity.country)))
    for sector in entity.sectors:
        quads.append(ox.Quad(node, term("kg:sector"), iris.entity(f"sector:{sector}")))
    return quads


def _paper_quads(iris: IRIs, paper: Paper, corpus: Corpus) -> list[ox.Quad]:
    node = iris.entity(paper.key)
    cls = PAPER_CLASSES[paper.kind]
    quads = [ox.Quad(node, RDF_TYPE, term(c)) for c in ("schema:CreativeWork", "kg:Paper", cls)]
    quads.append(ox.Quad(node, term("dcterms:type"), term(cls)))
    quads.append(ox.Quad(node, term("dcterms:title"), literal(paper.title)))
    quads.append(ox.Quad(node, term("rdfs:label"), literal(paper.title)))
    for alias in paper.aliases:
        quads.append(ox.Quad(node, term("dcterms:alternative"), literal(alias)))
    if paper.publisher and paper.publisher in corpus.entities:
        quads.append(ox.Quad(node, term("dcterms:publisher"), iris.entity(paper.publisher)))
    if paper.series and paper.series in corpus.papers and paper.series != paper.key:
        quads.append(ox.Quad(node, term("dcterms:isPartOf"), iris.entity(paper.series)))
    for creator in paper.creators:
        if creator in corpus.entities:
            quads.append(ox.Quad(node, term("dcterms:creator"), iris.entity(creator)))
    return quads


def corpus_quads(corpus: Corpus, knowledge: Knowledge, base: str = DEFAULT_BASE) -> list[ox.Quad]:
    """Every quad of the graph, sorted: the same corpus gives the same list, byte for byte."""
    iris = IRIs(base)
    quads: list[ox.Quad] = ontology_quads(knowledge)
    for entity in corpus.entities.values():
        quads.extend(_entity_quads(iris, entity, knowledge))
    for paper in corpus.papers.values():
        quads.extend(_paper_quads(iris, paper, corpus))
    role_concepts: dict[str, set] = {}
    for extraction in corpus.extractions:
        doc = iris.document(extraction.identifier)
        graph = doc
        add = lambda s, p, o: quads.append(ox.Quad(s, p, o, graph))  # noqa: E731
        for cls in ("foaf:Document", "prov:Entity"):
            add(doc, RDF_TYPE, term(cls))
        add(doc, term("dcterms:title"), literal(extraction.title))
        add(doc, term("dcterms:identifier"), literal(extraction.identifier))
        add(doc, term("dcterms:language"), literal(extraction.language))
        if extraction.content_hash:
            add(doc, term("kg:contentHash"), literal(extraction.content_hash))
        if extraction.date:
            add(doc, term("dcterms:date"), ox.Literal(extraction.date, datatype=XSD_DATE))
        first_sentence: dict[str, str] = {}
        forms: dict[str, set[str]] = {}
        for mention in extraction.mentions:
            if mention.type != "paper" and mention.key not in corpus.entities and mention.type != "sector":
                continue
            first_sentence.setdefault(mention.key, mention.sentence)
            forms.setdefault(mention.key, set()).add(mention.surface)
        mentioned = sorted(first_sentence)
        for key in mentioned:  # the document's own triples stay together, so the Turtle groups them
            add(doc, term("schema:mentions"), iris.entity(key))
        for key in mentioned:
            entity = iris.entity(key)
            node = iris.node("mention", extraction.identifier, key)
            add(node, RDF_TYPE, term("kg:Mention"))
            add(node, term("kg:mentionOf"), entity)
            add(node, term("kg:inDocument"), doc)
            add(node, term("kg:evidence"), literal(first_sentence[key]))
            for form in sorted(forms[key]):
                if form:
                    add(node, term("kg:surfaceForm"), literal(form))
        seen: set[str] = set()
        for membership in extraction.memberships:
            if membership.person not in corpus.entities or membership.organisation not in corpus.entities:
                continue
            node = iris.node("membership", extraction.identifier, membership.person, membership.organisation,
                             membership.title or "")
            if node.value in seen:
                continue  # the same post stated twice in one document is one membership
            seen.add(node.value)
            add(node, RDF_TYPE, term("org:Membership"))
            add(node, term("org:member"), iris.entity(membership.person))
            add(node, term("org:organization"), iris.entity(membership.organisation))
            if membership.title:
                concept = _role_concept(iris, knowledge, membership.role, membership.title, extraction.language, role_concepts)
                add(node, term("org:role"), concept)
                add(node, term("kg:roleTitle"), literal(membership.title))
            add(node, term("prov:wasDerivedFrom"), doc)
            add(node, term("kg:evidence"), literal(membership.sentence))
            if extraction.date:
                add(node, term("kg:observedOn"), ox.Literal(extraction.date, datatype=XSD_DATE))
            for qualifier in membership.qualifiers:
                add(node, term("kg:qualifier"), term(QUALIFIERS[qualifier]))
    quads.extend(_role_quads(iris, knowledge, role_concepts))
    # Every collection above is walked in a fixed order (documents by name, entities by key), so the
    # list is the same for the same corpus in any input order, with no sort over the whole graph.
    return quads


def quad_order(quad: ox.Quad) -> tuple[str, str, str, str]:
    return (str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object))


def triples_in_order(quads: list[ox.Quad]) -> list[ox.Triple]:
    """The union of all graphs as triples, sorted by subject so the Turtle groups them."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def turtle_bytes(quads: list[ox.Quad]) -> bytes:
    """The graph as Turtle, in the quads' own (deterministic, subject-grouped) order."""
    return ox.serialize((q.triple for q in quads), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
