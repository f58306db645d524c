"""The RDF graph as a networkx graph of the things a reader looks at.

People, organisations, municipalities, countries, sectors and papers become nodes;
memberships, mentions and documents are folded into node attributes (roles, mentions)
and edges, so the view never has to know RDF. A handful of SPARQL queries read the
whole store at once: the cost grows with the data, not with one query per node.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

KG = "https://w3id.org/social-services-kg/ontology#"

PREFIXES = f"""
PREFIX kg: <{KG}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

# Node type per kg: class; the build materialises the kg: type on every node.
# Municipality outranks Organisation, since a municipality is also an org:Organization.
TYPE_OF_CLASS = {
    "Municipality": "Municipality",
    "Organisation": "Organisation",
    "Person": "Person",
    "Country": "Country",
    "Sector": "Sector",
    "Paper": "Paper",
    "Report": "Paper",
    "Series": "Paper",
    "Presentation": "Paper",
    "Programme": "Paper",
}
TYPE_RANK = ["Municipality", "Organisation", "Person", "Country", "Sector", "Paper"]
PAPER_KINDS = ("Report", "Series", "Presentation", "Programme")

# Plain links between nodes: predicate -> (relation, reversed?); creators point person -> paper.
LINKS = {
    "http://www.w3.org/ns/org#subOrganizationOf": ("part of", False),
    "https://schema.org/location": ("located in", False),
    "https://schema.org/containedInPlace": ("located in", False),
    "http://purl.org/dc/terms/publisher": ("published by", False),
    "http://purl.org/dc/terms/isPartOf": ("part of series", False),
    "http://purl.org/dc/terms/creator": ("author of", True),
    f"{KG}sector": ("sector", False),
}
COUNTRY_LINKS = ("https://schema.org/location", "https://schema.org/containedInPlace")

# Which name predicates name which node types, best first.
NAME_PREDICATES = {
    "Person": ("foaf:name", "rdfs:label", "skos:prefLabel", "skos:altLabel"),
    "Paper": ("dcterms:title", "rdfs:label", "skos:prefLabel", "skos:altLabel"),
}
DEFAULT_NAME_PREDICATES = ("skos:prefLabel", "rdfs:label", "foaf:name", "skos:altLabel", "dcterms:title")
LANGUAGE_RANK = ("en", "")  # English first for an international reader, then untagged


def network_from_turtle(path: str | Path) -> nx.MultiDiGraph:
    """Load one Turtle file into a fresh in-memory store and read it as a network."""
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return network_from_store(store)


def network_from_store(store: ox.Store) -> nx.MultiDiGraph:
    """Read the store's people, organisations, places, sectors and papers as a network.

    Node ids are IRIs. Every list attribute is sorted and nodes and edges are added
    in sorted order, so the same store always gives the same network.
    """
    types, kinds = _node_types(store)
    names = _names(store)
    documents = _documents(store)
    labels = {iri: _label(names.get(iri, []), types.get(iri)) for iri in set(names) | set(types)}
    links = _links(store, types)
    memberships = _memberships(store, types, labels, documents)
    mentions = _mentions(store, types, documents)
    return _assemble(types, kinds, names, labels, links, memberships, mentions)


def _assemble(types: dict[str, str], kinds: dict[str, str], names: dict[str, list], labels: dict[str, str],
              links: list[tuple[str, str, str, str]], memberships: dict[str, list[dict]],
              mentions: dict[str, dict]) -> nx.MultiDiGraph:
    sectors: dict[str, set[str]] = defaultdict(set)
    countries: dict[str, set[str]] = defaultdict(set)
    for source, target, relation, predicate in links:
        if relation == "sector":
            sectors[source].add(labels[target])
        if predicate in COUNTRY_LINKS and types[target] == "Country":
            countries[source].add(labels[target])

    network = nx.MultiDiGraph()
    for iri in sorted(types):
        label = labels[iri]
        network.add_node(
            iri,
            label=label,
            type=types[iri],
            kind=kinds.get(iri),
            aliases=sorted({name for name, _, _ in names.get(iri, []) if name != label}),
            sectors=sorted(sectors[iri]),
            country=", ".join(sorted(countries[iri])) or None,
            countries=sorted(countries[iri]),
            roles=sorted(memberships.get(iri, []), key=_role_order),
            mentions=sorted(mentions.get(iri, {}).values(), key=_mention_order),
        )

    edges = {(source, target, relation, relation) for source, target, relation, _ in links}
    for person, roles in memberships.items():
        for role in roles:
            edges.add((person, role["organisation_id"], "holds role", role["title"] or role["role"] or "member"))
    for source, target, relation, label in sorted(edges):
        network.add_edge(source, target, key=f"{relation}: {label}", relation=relation, label=label)
    return network


def _select(store: ox.Store, body: str) -> list[dict[str, ox.NamedNode | ox.Literal | None]]:
    """Run one SELECT over all graphs of the store and return rows as dicts by variable name."""
    solutions = store.query(PREFIXES + body, use_default_graph_as_union=True)
    variables = [variable.value for variable in solutions.variables]
    return [{name: solution[name] for name in variables} for solution in solutions]


def _text(term: ox.NamedNode | ox.Literal | None) -> str | None:
    return None if term is None else term.value


def _node_types(store: ox.Store) -> tuple[dict[str, str], dict[str, str]]:
    """Each node's view type (the highest-ranked of its kg: classes) and each paper's kind."""
    classes = " ".join(f"kg:{name}" for name in TYPE_OF_CLASS)
    rows = _select(store, f"SELECT ?node ?class WHERE {{ VALUES ?class {{ {classes} }} ?node a ?class }}")
    found: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if isinstance(row["node"], ox.NamedNode):
            found[row["node"].value].add(row["class"].value.removeprefix(KG))
    return _types_of(found)


def _types_of(found: dict[str, set[str]]) -> tuple[dict[str, str], dict[str, str]]:
    types, kinds = {}, {}
    for iri, names in found.items():
        types[iri] = min((TYPE_OF_CLASS[name] for name in names), key=TYPE_RANK.index)
        if types[iri] == "Paper":
            kinds[iri] = next((kind.lower() for kind in PAPER_KINDS if kind in names), "paper")
    return types, kinds


def _names(store: ox.Store) -> dict[str, list[tuple[str, str, str]]]:
    """Every name of every subject: (text, predicate as prefixed name, language)."""
    rows = _select(
        store,
        """SELECT ?node ?predicate ?name WHERE {
             VALUES ?predicate { skos:prefLabel skos:altLabel rdfs:label foaf:name dcterms:title }
             ?node ?predicate ?name FILTER(isLiteral(?name)) }""",
    )
    short = {
        "http://www.w3.org/2004/02/skos/core#prefLabel": "skos:prefLabel",
        "http://www.w3.org/2004/02/skos/core#altLabel": "skos:altLabel",
        "http://www.w3.org/2000/01/rdf-schema#label": "rdfs:label",
        "http://xmlns.com/foaf/0.1/name": "foaf:name",
        "http://purl.org/dc/terms/title": "dcterms:title",
    }
    names: dict[str, list] = defaultdict(list)
    for row in rows:
        text = row["name"].value.strip()
        if text:
            names[row["node"].value].append((text, short[row["predicate"].value], row["name"].language or ""))
    return {iri: sorted(set(entries)) for iri, entries in names.items()}


def _label(names: list[tuple[str, str, str]], node_type: str | None) -> str:
    """The display name: the best predicate for the type, English before untagged before others."""
    predicates = NAME_PREDICATES.get(node_type or "", DEFAULT_NAME_PREDICATES)

    def rank(entry: tuple[str, str, str]) -> tuple:
        text, predicate, language = entry
        by_predicate = predicates.index(predicate) if predicate in predicates else len(predicates)
        by_language = LANGUAGE_RANK.index(language) if language in LANGUAGE_RANK else len(LANGUAGE_RANK)
        return by_predicate, by_language, language, text

    return min(names, key=rank)[0] if names else ""


def _documents(store: ox.Store) -> dict[str, dict[str, str | None]]:
    """Source documents by IRI: the identifier (file name), title and date a reader can look up."""
    rows = _select(
        store,
        """SELECT ?document (SAMPLE(?id) AS ?identifier) (SAMPLE(?t) AS ?title) (SAMPLE(?d) AS ?date) WHERE {
             ?document a foaf:Document .
             OPTIONAL { ?document dcterms:identifier ?id }
             OPTIONAL { ?document dcterms:title ?t }
             OPTIONAL { ?document dcterms:date ?d } }
           GROUP BY ?document""",
    )
    return {
        row["document"].value: {
            "identifier": _text(row["identifier"]) or row["document"].value,
            "title": _text(row["title"]),
            "date": _text(row["date"]),
        }
        for row in rows
    }


def _document_of(iri: str | None, documents: dict[str, dict]) -> dict[str, str | None]:
    if iri is None:
        return {"identifier": None, "title": None, "date": None}
    return documents.get(iri, {"identifier": iri, "title": None, "date": None})


def _links(store: ox.Store, types: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """Direct links between nodes as (source, target, relation, predicate), creators turned around."""
    predicates = " ".join(f"<{predicate}>" for predicate in LINKS)
    rows = _select(store, f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {predicates} }} ?s ?p ?o FILTER(isIRI(?o)) }}")
    links = []
    for row in rows:
        subject, predicate, value = row["s"].value, row["p"].value, row["o"].value
        if subject in types and value in types:
            relation, reverse = LINKS[predicate]
            links.append((value, subject, relation, predicate) if reverse else (subject, value, relation, predicate))
    return links


def _memberships(
    store: ox.Store, types: dict[str, str], labels: dict[str, str], documents: dict[str, dict]
) -> dict[str, list[dict]]:
    """Each person's roles: title as written, role concept, organisation, qualifiers and the evidence."""
    rows = _select(
        store,
        """SELECT ?membership ?person ?organisation ?role ?roleLabel ?title ?evidence ?document ?date
                  (GROUP_CONCAT(DISTINCT ?qualifierName; SEPARATOR="\\u001f") AS ?qualifiers) WHERE {
             ?membership a org:Membership ; org:member ?person ; org:organization ?organisation .
             OPTIONAL { ?membership org:role ?role
                        OPTIONAL { ?role skos:prefLabel ?roleLabel FILTER(langMatches(lang(?roleLabel), "en")) } }
             OPTIONAL { ?membership kg:roleTitle ?title }
             OPTIONAL { ?membership kg:evidence ?evidence }
             OPTIONAL { ?membership prov:wasDerivedFrom ?document }
             OPTIONAL { ?membership kg:observedOn ?date }
             OPTIONAL { ?membership kg:qualifier ?qualifier
                        OPTIONAL { ?qualifier skos:prefLabel ?qualifierLabel
                                   FILTER(langMatches(lang(?qualifierLabel), "en")) }
                        BIND(COALESCE(STR(?qualifierLabel), REPLACE(STR(?qualifier), "^.*[#/]", ""))
                             AS ?qualifierName) } }
           GROUP BY ?membership ?person ?organisation ?role ?roleLabel ?title ?evidence ?document ?date""",
    )
    roles: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        person, organisation = row["person"].value, row["organisation"].value
        if person in types and organisation in types:
            qualifiers = [q for q in (_text(row["qualifiers"]) or "").split("\x1f") if q]
            values = [_text(row[name]) for name in ("role", "roleLabel", "title", "evidence", "document", "date")]
            roles[person].append(_role_entry(organisation, *values, qualifiers, labels, documents))
    return roles


def _role_entry(organisation: str, role_iri: str | None, role_label: str | None, title: str | None,
                evidence: str | None, document_iri: str | None, date: str | None, qualifiers: list[str],
                labels: dict[str, str], documents: dict[str, dict]) -> dict:
    document = _document_of(document_iri, documents)
    return {
        "title": title,
        "role": role_label or (role_iri.rsplit("/", 1)[-1] if role_iri else None),
        "organisation": labels[organisation],
        "organisation_id": organisation,
        "qualifiers": sorted(qualifiers),
        "date": date,
        "evidence": evidence,
        "document": document["identifier"],
        "document_title": document["title"],
    }


def _role_order(role: dict) -> tuple:
    return tuple(str(role[key] or "") for key in ("organisation", "title", "role", "date", "document", "evidence"))


def _mentions(store: ox.Store, types: dict[str, str], documents: dict[str, dict]) -> dict[str, dict]:
    """The documents naming each node, with the evidence sentence where a kg:Mention gives one."""
    rows = _select(
        store,
        """SELECT ?entity ?document ?evidence WHERE {
             { ?mention a kg:Mention ; kg:mentionOf ?entity ; kg:inDocument ?document .
               OPTIONAL { ?mention kg:evidence ?evidence } }
             UNION
             { ?document schema:mentions ?entity } }""",
    )
    return _mention_entries([(row["entity"].value, row["document"].value, _text(row["evidence"])) for row in rows],
                            types, documents)


def _mention_entries(rows: list[tuple[str, str, str | None]], types: dict[str, str],
                     documents: dict[str, dict]) -> dict[str, dict]:
    """(entity, document, evidence) rows: per entity and document, the first evidence in text order."""
    mentions: dict[str, dict] = defaultdict(dict)
    for entity, document_iri, evidence in sorted(rows, key=lambda row: (row[2] is None, row[2] or "")):
        if entity not in types or document_iri in mentions[entity]:
            continue
        document = _document_of(document_iri, documents)
        mentions[entity][document_iri] = {
            "document": document["identifier"],
            "title": document["title"],
            "date": document["date"],
            "evidence": evidence,
        }
    return mentions


def _mention_order(mention: dict) -> tuple:
    return tuple(str(mention[key] or "") for key in ("document", "evidence"))


class Ambiguous(Exception):
    """The facts leave an order to the store's query engine (SAMPLE, or tied roles): ask the store."""


class ViewFacts:
    """The triples the view reads, gathered while the build writes the graph's Turtle text, and
    read with the semantics of the queries above (union of all graphs, OPTIONAL as in SPARQL):
    `network()` gives what `network_from_store` gives for a store of the same triples, without a
    store. Terms are kept as their Turtle text and read back (rdf.text_term) only where needed."""

    def __init__(self):
        from .rdf import A, term_text

        self.classes = {term_text(f"kg:{name}"): name for name in TYPE_OF_CLASS}
        self.a = A
        self.membership, self.mention, self.document = (term_text(c) for c in ("org:Membership", "kg:Mention", "foaf:Document"))
        self.name_of = {term_text(curie): curie for curie in DEFAULT_NAME_PREDICATES}
        slots = ("org:member", "org:organization", "org:role", "kg:roleTitle", "kg:evidence", "prov:wasDerivedFrom",
                 "kg:observedOn", "kg:qualifier", "kg:mentionOf", "kg:inDocument", "schema:mentions",
                 "dcterms:identifier", "dcterms:title", "dcterms:date", "rdf:type")
        self.slot = {curie: defaultdict(list) for curie in slots}
        self.links = {predicate: defaultdict(list) for predicate in LINKS}
        self.table = {term_text(curie): values for curie, values in self.slot.items()}
        self.table[A] = self.slot["rdf:type"]
        from .rdf import iri_text

        self.table.update({iri_text(predicate): values for predicate, values in self.links.items()})
        self.names: dict[str, list[tuple[str, str]]] = defaultdict(list)

    def add(self, subject: str, pairs: list[tuple[str, str]]) -> None:
        table, name_of = self.table, self.name_of
        for predicate, obj in pairs:
            values = table.get(predicate)
            if values is not None:
                values[subject].append(obj)
            name = name_of.get(predicate)
            if name is not None:
                self.names[subject].append((name, obj))

    def network(self) -> nx.MultiDiGraph:
        from .rdf import text_term

        def value(text: str) -> str:
            return text_term(text)[1]

        typed = self.slot["rdf:type"]
        found = {}
        for subject, objects in typed.items():
            classes = {self.classes[o] for o in objects if o in self.classes}
            if classes and text_term(subject)[0] == "iri":
                found.setdefault(value(subject), set()).update(classes)
        types, kinds = _types_of(found)
        names_by_text = {}
        for subject, entries in self.names.items():
            iri = value(subject) if text_term(subject)[0] == "iri" else None
            if iri in types:
                names_by_text[subject] = iri
        names: dict[str, list] = {}
        for subject, iri in names_by_text.items():
            kept = set()
            for name, obj in self.names[subject]:
                kind, text, language = text_term(obj)
                if kind == "literal" and text.strip():
                    kept.add((text.strip(), name, language or ""))
            if kept:
                names[iri] = sorted(set(names.get(iri, [])) | kept)
        labels = {iri: _label(names.get(iri, []), types.get(iri)) for iri in types}

        documents = {}
        for subject, objects in typed.items():
            if self.document in objects:
                def sample(curie: str) -> str | None:
                    values = {value(o) for o in self.slot[curie].get(subject, ())}
                    if len(values) > 1:
                        raise Ambiguous(f"{curie} of {subject}")
                    return next(iter(values), None)

                iri = value(subject)
                documents[iri] = {"identifier": sample("dcterms:identifier") or iri, "title": sample("dcterms:title"),
                                  "date": sample("dcterms:date")}

        links = []
        for predicate, by_subject in self.links.items():
            relation, reverse = LINKS[predicate]
            for subject, objects in by_subject.items():
                source = value(subject)
                for obj in objects:
                    kind, target, _ = text_term(obj)
                    if kind == "iri" and source in types and target in types:
                        links.append((target, source, relation, predicate) if reverse else (source, target, relation, predicate))

        def english(subject_text: str) -> list[str]:
            labels_ = []
            for name, obj in self.names.get(subject_text, ()):
                kind, text, language = text_term(obj)
                if name == "skos:prefLabel" and kind == "literal" and language and (language == "en" or language.startswith("en-")):
                    labels_.append(text)
            return labels_

        def optional(curie: str, subject: str) -> list:
            return [value(o) for o in self.slot[curie].get(subject, ())] or [None]

        memberships: dict[str, list[dict]] = defaultdict(list)
        for subject, objects in typed.items():
            if self.membership not in objects:
                continue
            persons = [value(o) for o in self.slot["org:member"].get(subject, ())]
            organisations = [value(o) for o in self.slot["org:organization"].get(subject, ())]
            roles = [(value(r), label) for r in self.slot["org:role"].get(subject, ()) for label in (english(r) or [None])]
            qualifier_names = []
            for q in self.slot["kg:qualifier"].get(subject, ()):
                qualifier_names.extend(english(q) or [re.sub(r"^.*[#/]", "", value(q), count=1)])
            qualifiers = [q for q in "\x1f".join(dict.fromkeys(qualifier_names)).split("\x1f") if q]
            rows = {(person, organisation, role, role_label, title, evidence, document, date)
                    for person in persons for organisation in organisations
                    for role, role_label in (roles or [(None, None)])
                    for title in optional("kg:roleTitle", subject) for evidence in optional("kg:evidence", subject)
                    for document in optional("prov:wasDerivedFrom", subject) for date in optional("kg:observedOn", subject)}
            for person, organisation, role, role_label, title, evidence, document, date in rows:
                if person in types and organisation in types:
                    memberships[person].append(_role_entry(organisation, role, role_label, title, evidence, document, date,
                                                           qualifiers, labels, documents))
        for roles in memberships.values():
            by_order: dict[tuple, list[dict]] = defaultdict(list)
            for role in roles:
                by_order[_role_order(role)].append(role)
            if any(len(group) > 1 and any(r != group[0] for r in group) for group in by_order.values()):
                raise Ambiguous("roles that sort equal but differ")

        rows = []
        for subject, objects in typed.items():
            if self.mention in objects:
                rows.extend((entity, document, evidence) for entity in optional("kg:mentionOf", subject) if entity
                            for document in optional("kg:inDocument", subject) if document
                            for evidence in optional("kg:evidence", subject))
        for subject, objects in self.slot["schema:mentions"].items():
            rows.extend((value(o), value(subject), None) for o in objects)
        mentions = _mention_entries(rows, types, documents)
        return _assemble(types, kinds, names, labels, links, memberships, mentions)
