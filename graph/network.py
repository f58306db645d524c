"""The RDF graph as a networkx graph of the things a reader looks at.

People, organisations, municipalities, countries, sectors and papers become nodes;
memberships, mentions and documents are folded into node attributes (roles, mentions)
and edges, so the view never has to know RDF. A handful of SPARQL queries read the
whole store at once: the cost grows with the data, not with one query per node.
"""
from __future__ import annotations

import contextlib
import gc
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
    attributes = node_attributes(types, kinds, names, labels, links)
    network = nx.MultiDiGraph()
    for iri in sorted(types):
        network.add_node(
            iri,
            **attributes[iri],
            roles=sorted(memberships.get(iri, []), key=role_order),
            mentions=sorted(mentions.get(iri, {}).values(), key=mention_order),
        )
    edges = {(source, target, relation, relation) for source, target, relation, _ in links}
    for person, roles in memberships.items():
        edges.update(role_edges(person, roles))
    for source, target, relation, label in sorted(edges):
        network.add_edge(source, target, key=f"{relation}: {label}", relation=relation, label=label)
    return network


def node_attributes(types: dict[str, str], kinds: dict[str, str], names: dict[str, list], labels: dict[str, str],
                    links: list[tuple[str, str, str, str]], nodes=None) -> dict[str, dict]:
    """Each node's attributes but its roles and mentions: what the default graph alone says
    (of `nodes` only, if given)."""
    sectors: dict[str, set[str]] = defaultdict(set)
    countries: dict[str, set[str]] = defaultdict(set)
    for source, target, relation, predicate in links:
        if relation == "sector":
            sectors[source].add(labels[target])
        if predicate in COUNTRY_LINKS and types[target] == "Country":
            countries[source].add(labels[target])
    attributes = {}
    for iri in sorted(types) if nodes is None else nodes:
        label = labels[iri]
        attributes[iri] = dict(
            label=label,
            type=types[iri],
            kind=kinds.get(iri),
            aliases=sorted({name for name, _, _ in names.get(iri, []) if name != label}),
            sectors=sorted(sectors[iri]),
            country=", ".join(sorted(countries[iri])) or None,
            countries=sorted(countries[iri]),
        )
    return attributes


def role_edges(person: str, roles: list[dict]) -> set[tuple[str, str, str, str]]:
    return {(person, role["organisation_id"], "holds role", role["title"] or role["role"] or "member") for role in roles}


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


def role_order(role: dict) -> tuple:
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


def mention_order(mention: dict) -> tuple:
    return tuple(str(mention[key] or "") for key in ("document", "evidence"))


class Ambiguous(Exception):
    """The facts leave an order to the store's query engine (SAMPLE, or tied roles): ask the store."""


def _slot_tables(slots: tuple[str, ...], with_links: bool):
    from .rdf import A, iri_text, term_text

    slot = {curie: defaultdict(list) for curie in slots}
    links = {predicate: defaultdict(list) for predicate in LINKS} if with_links else {}
    table = {term_text(curie): values for curie, values in slot.items()}
    if "rdf:type" in slot:
        table[A] = slot["rdf:type"]
    table.update({iri_text(predicate): values for predicate, values in links.items()})
    return slot, links, table


class _Vocabulary:
    """The Turtle texts of the classes and predicates the view reads (made once)."""

    def __init__(self):
        from .rdf import A, iri_text, term_text

        self.classes = {term_text(f"kg:{name}"): name for name in TYPE_OF_CLASS}
        self.a = A
        self.membership, self.mention, self.document = (term_text(c) for c in ("org:Membership", "kg:Mention", "foaf:Document"))
        self.name_of = {term_text(curie): curie for curie in DEFAULT_NAME_PREDICATES}
        self.links = frozenset(iri_text(predicate) for predicate in LINKS)


_VOCABULARY: list[_Vocabulary] = []


def _vocabulary() -> _Vocabulary:
    if not _VOCABULARY:
        _VOCABULARY.append(_Vocabulary())
    return _VOCABULARY[0]


DOCUMENT_SLOTS = ("org:member", "org:organization", "org:role", "kg:roleTitle", "kg:evidence", "prov:wasDerivedFrom",
                  "kg:observedOn", "kg:qualifier", "kg:mentionOf", "kg:inDocument", "schema:mentions",
                  "dcterms:identifier", "dcterms:title", "dcterms:date", "rdf:type")


def _value(text: str) -> str:
    from .rdf import text_term

    return text_term(text)[1]


class DocumentFacts:
    """The triples of one document's graph the view reads, and `rows()`: its documents, memberships
    and mentions with every term read back, a pure function of those triples. A document's graph
    names only its own nodes (the document, its mentions and memberships); a triple that would say
    something about another node (a view type, a link) makes the rows Ambiguous, and the view is
    then read as a whole."""

    def __init__(self):
        vocabulary = _vocabulary()
        self.slot, _, self.table = _slot_tables(DOCUMENT_SLOTS, with_links=False)
        self.link_predicates = vocabulary.links
        self.leaks = False
        self._rows: tuple | None = None

    def add(self, subject: str, pairs: list[tuple[str, str]]) -> None:
        table = self.table
        for predicate, obj in pairs:
            values = table.get(predicate)
            if values is not None:
                values[subject].append(obj)
            elif predicate in self.link_predicates:
                self.leaks = True

    def rows(self) -> tuple:
        """(documents, memberships, mentions), plain tuples of str and None:
        documents (iri, identifier, title, date); memberships (persons, organisations, role texts,
        titles, evidences, documents, dates, qualifier texts), each a tuple of the values found
        (None for an OPTIONAL that found none); mentions (entity, document, evidence)."""
        if self._rows is None:
            self._rows = self._read()
            self.slot = self.table = None  # the texts are read back: let them go (a corpus holds millions)
        return self._rows

    def _read(self) -> tuple:
        vocabulary = _vocabulary()
        typed = self.slot["rdf:type"]
        if self.leaks or any(o in vocabulary.classes for objects in typed.values() for o in objects):
            raise Ambiguous("a document's graph says something about a node of the view")
        slot = self.slot
        documents = []
        for subject, objects in typed.items():
            if vocabulary.document in objects:
                def sample(curie: str) -> str | None:
                    values = {_value(o) for o in slot[curie].get(subject, ())}
                    if len(values) > 1:
                        raise Ambiguous(f"{curie} of {subject}")
                    return next(iter(values), None)

                iri = _value(subject)
                documents.append((iri, sample("dcterms:identifier") or iri, sample("dcterms:title"), sample("dcterms:date")))

        def optional(curie: str, subject: str) -> tuple:
            return tuple(_value(o) for o in slot[curie].get(subject, ())) or (None,)

        memberships = []
        for subject, objects in typed.items():
            if vocabulary.membership not in objects:
                continue
            memberships.append((tuple(_value(o) for o in slot["org:member"].get(subject, ())),
                                tuple(_value(o) for o in slot["org:organization"].get(subject, ())),
                                tuple(slot["org:role"].get(subject, ())),
                                optional("kg:roleTitle", subject), optional("kg:evidence", subject),
                                optional("prov:wasDerivedFrom", subject), optional("kg:observedOn", subject),
                                tuple(slot["kg:qualifier"].get(subject, ()))))
        mentions = []
        for subject, objects in typed.items():
            if vocabulary.mention in objects:
                mentions.extend((entity, document, evidence) for entity in optional("kg:mentionOf", subject) if entity
                                for document in optional("kg:inDocument", subject) if document
                                for evidence in optional("kg:evidence", subject))
        for subject, objects in slot["schema:mentions"].items():
            mentions.extend((_value(o), _value(subject), None) for o in objects)
        return tuple(documents), tuple(memberships), tuple(mentions)


class ViewGlobal:
    """What the default graph (ontology, entities, papers, roles) tells the view: node types,
    kinds, names, labels, links, and the English labels of role and qualifier concepts."""

    def __init__(self, facts: "ViewFacts"):
        from .rdf import text_term

        vocabulary = _vocabulary()
        typed = facts.slot["rdf:type"]
        found = {}
        for subject, objects in typed.items():
            classes = {vocabulary.classes[o] for o in objects if o in vocabulary.classes}
            if classes and text_term(subject)[0] == "iri":
                found.setdefault(_value(subject), set()).update(classes)
        self.types, self.kinds = _types_of(found)
        types = self.types
        names: dict[str, list] = {}
        for subject, entries in facts.names.items():
            kind, iri, _ = text_term(subject)
            if kind != "iri" or iri not in types:
                continue
            kept = set()
            for name, obj in entries:
                if obj[0] == '"':  # a literal
                    _, text, language = text_term(obj)
                    text = text.strip()
                    if text:
                        kept.add((text, name, language or ""))
            if kept:
                names[iri] = sorted(set(names.get(iri, [])) | kept)
        self.names = names
        self.labels = {iri: _label(names.get(iri, []), types.get(iri)) for iri in types}
        links = []
        for predicate, by_subject in facts.links.items():
            relation, reverse = LINKS[predicate]
            for subject, objects in by_subject.items():
                source = _value(subject)
                for obj in objects:
                    kind, target, _ = text_term(obj)
                    if kind == "iri" and source in types and target in types:
                        links.append((target, source, relation, predicate) if reverse else (source, target, relation, predicate))
        self.links = links
        self._names_of = facts.names
        self._english: dict[str, list[str]] = {}

    def english(self, subject_text: str) -> list[str]:
        """The English skos:prefLabels of a concept (as langMatches(lang, "en") reads them)."""
        found = self._english.get(subject_text)
        if found is None:
            from .rdf import text_term

            found = []
            for name, obj in self._names_of.get(subject_text, ()):
                kind, text, language = text_term(obj)
                if name == "skos:prefLabel" and kind == "literal" and language and (language == "en" or language.startswith("en-")):
                    found.append(text)
            self._english[subject_text] = found
        return found

    def holds_role_edges(self, candidates) -> set[tuple[str, str, str, str]]:
        """The "holds role" edges of role edge candidates (membership_edges), as role_edges gives
        them for the role entries: the title, else the role's label, else "member"."""
        edges = set()
        types = self.types
        roles_of: dict[str | None, list] = {None: [None]}
        for person, organisation, title, role_text in candidates:
            if person not in types or organisation not in types:
                continue
            roles = roles_of.get(role_text)
            if roles is None:
                iri = _value(role_text)
                roles = roles_of[role_text] = [label or iri.rsplit("/", 1)[-1]
                                               for label in (self.english(role_text) or [None])]
            for role in roles:
                edges.add((person, organisation, "holds role", title or role or "member"))
        return edges

    def entries(self, rows: tuple, documents: dict[str, dict] | None = None
                ) -> tuple[dict[str, list[dict]], dict[str, dict]]:
        """One document's role entries by person and mention entries by entity and document.
        `documents`: the document records to look up (default: the document's own)."""
        own, memberships, mention_rows = rows
        if documents is None:
            documents = {iri: {"identifier": identifier, "title": title, "date": date}
                         for iri, identifier, title, date in own}
        types, labels = self.types, self.labels
        roles: dict[str, list[dict]] = defaultdict(list)
        for persons, organisations, role_texts, titles, evidences, sources, dates, qualifier_texts in memberships:
            roles_ = [(_value(r), label) for r in role_texts for label in (self.english(r) or [None])]
            qualifier_names = []
            for q in qualifier_texts:
                qualifier_names.extend(self.english(q) or [re.sub(r"^.*[#/]", "", _value(q), count=1)])
            qualifiers = [q for q in "\x1f".join(dict.fromkeys(qualifier_names)).split("\x1f") if q]
            found = {(person, organisation, role, role_label, title, evidence, document, date)
                     for person in persons for organisation in organisations
                     for role, role_label in (roles_ or [(None, None)])
                     for title in titles for evidence in evidences for document in sources for date in dates}
            for person, organisation, role, role_label, title, evidence, document, date in found:
                if person in types and organisation in types:
                    roles[person].append(_role_entry(organisation, role, role_label, title, evidence, document, date,
                                                     qualifiers, labels, documents))
        return roles, _mention_entries(list(mention_rows), types, documents)


class ViewFacts:
    """The triples the view reads, gathered while the build writes the graph's Turtle text, and
    read with the semantics of the queries above (union of all graphs, OPTIONAL as in SPARQL):
    `network()` gives what `network_from_store` gives for a store of the same triples, without a
    store. Terms are kept as their Turtle text and read back (rdf.text_term) only where needed.

    The default graph's triples are added here; each document's graph goes to a DocumentFacts
    of its own (`document()`), read on its own: a document's graph names only its own nodes."""

    def __init__(self):
        vocabulary = _vocabulary()
        self.name_of = vocabulary.name_of
        self.slot, self.links, self.table = _slot_tables(("rdf:type",), with_links=True)
        self.names: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.parts: list[DocumentFacts | tuple] = []

    def add(self, subject: str, pairs: list[tuple[str, str]]) -> None:
        table, name_of = self.table, self.name_of
        for predicate, obj in pairs:
            values = table.get(predicate)
            if values is not None:
                values[subject].append(obj)
            name = name_of.get(predicate)
            if name is not None:
                self.names[subject].append((name, obj))

    def document(self) -> DocumentFacts:
        """A collector for one document's graph."""
        part = DocumentFacts()
        self.parts.append(part)
        return part

    def add_rows(self, rows: tuple) -> None:
        """A document's rows, read by an earlier build (DocumentFacts.rows())."""
        self.parts.append(rows)

    def network(self) -> nx.MultiDiGraph:
        view = ViewGlobal(self)
        rows = [part.rows() if isinstance(part, DocumentFacts) else part for part in self.parts]
        documents: dict[str, dict] = {}
        for own, _, _ in rows:
            for iri, identifier, title, date in own:
                if iri in documents:
                    raise Ambiguous(f"two graphs describe the document {iri}")
                documents[iri] = {"identifier": identifier, "title": title, "date": date}
        memberships: dict[str, list[dict]] = defaultdict(list)
        mentions: dict[str, dict] = defaultdict(dict)
        for part in rows:
            roles, found = view.entries(part, documents)
            for person, entries in roles.items():
                memberships[person].extend(entries)
            for entity, by_document in found.items():
                mentions[entity].update(by_document)
        check_roles(memberships.values())
        return _assemble(view.types, view.kinds, view.names, view.labels, view.links, memberships, mentions)


def membership_edges(rows: tuple) -> set[tuple]:
    """A document's role edge candidates: (person, organisation, title, role text) of its memberships."""
    _, memberships, _ = rows
    return {(person, organisation, title, role)
            for persons, organisations, roles, titles, _, _, _, _ in memberships
            for person in persons for organisation in organisations for title in titles for role in (roles or (None,))}


def check_roles(role_lists) -> None:
    """Roles that sort equal but differ leave their order to the query engine."""
    for roles in role_lists:
        by_order: dict[tuple, list[dict]] = defaultdict(list)
        for role in roles:
            by_order[role_order(role)].append(role)
        if any(len(group) > 1 and any(r != group[0] for r in group) for group in by_order.values()):
            raise Ambiguous("roles that sort equal but differ")


@contextlib.contextmanager
def no_gc():
    """No cyclic collection while millions of small, acyclic strings and tuples are made: with the
    corpus in memory, each collection walks every object, and they would take a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
