"""The graph contract (shared/docs/graph-contract.md), row by row, as SPARQL on the seeds build.

Each test is a query an outside user could write with the standard vocabularies alone: no
inference and no ontology file. Expected values come from the gold annotation of the seeds.
"""
from __future__ import annotations

import json
import re

import pytest

from conftest import GOLD, SEED_FILES, kg, run_sparql
from graph.query import open_store
from graph.validate import validate

DOCUMENTS = json.loads(GOLD.read_text(encoding="utf-8"))["documents"]


def iri_of(sparql, query: str) -> set[str]:
    return {row["e"] for row in sparql(query)}


# ---------------------------------------------------------------- source document


def test_documents_are_typed_titled_identified_and_in_a_language(sparql):
    rows = sparql("""
        SELECT ?d ?id ?title ?language WHERE {
          ?d a foaf:Document, prov:Entity ; dcterms:identifier ?id ; dcterms:title ?title ; dcterms:language ?language .
          FILTER(datatype(?language) = xsd:string && datatype(?id) = xsd:string)
        } ORDER BY ?id""")
    assert [r["id"] for r in rows] == [p.name for p in SEED_FILES]
    assert len({r["d"] for r in rows}) == 5
    for row in rows:
        gold = DOCUMENTS[row["id"]]
        assert (row["title"], row["language"]) == (gold["title"], gold["language"])
    assert {r["language"] for r in rows} == {"en", "da", "sv"}


def test_documents_are_dated_where_the_text_gives_a_date(sparql):
    dates = {r["id"]: r["date"] for r in sparql("""
        SELECT ?id ?date WHERE { ?d a foaf:Document ; dcterms:identifier ?id .
          OPTIONAL { ?d dcterms:date ?date . FILTER(datatype(?date) = xsd:date) } }""")}
    assert dates == {identifier: gold["date"] for identifier, gold in DOCUMENTS.items()}


def test_documents_mention_every_entity_recognised_in_them(sparql):
    """Each gold person, organisation, municipality, country, sector and paper of a document is among its schema:mentions."""
    queries = {
        "persons": "?e a foaf:Person ; foaf:name|skos:altLabel ?l",
        "organisations": "?e a org:Organization ; skos:prefLabel|skos:altLabel ?l",
        "municipalities": "?e a kg:Municipality ; skos:prefLabel|skos:altLabel ?l",
        "countries": "?e a schema:Country ; skos:prefLabel ?l",
        "sectors": "?e a skos:Concept ; skos:prefLabel ?l",
        "papers": "?e a schema:CreativeWork ; dcterms:title|dcterms:alternative ?l",
    }
    missing = []
    for identifier, gold in DOCUMENTS.items():
        for kind, pattern in queries.items():
            labels = {r["l"].casefold() for r in sparql(f"""SELECT ?l WHERE {{
                ?d dcterms:identifier "{identifier}" ; schema:mentions ?e . {pattern} }}""")}
            for entry in gold.get(kind, []):
                if isinstance(entry, dict) and entry.get("optional"):
                    continue
                names = [entry] if isinstance(entry, str) else [entry.get("name") or entry["title"], *entry.get("aliases", [])]
                if not {n.casefold() for n in names} & labels:
                    missing.append((identifier, kind, names[0]))
    assert missing == []


# ---------------------------------------------------------------- person


def test_persons_are_typed_and_named(sparql):
    rows = sparql("""SELECT ?p ?name ?label WHERE { ?p a foaf:Person ; foaf:name ?name ; rdfs:label ?label }""")
    gold = {p["name"] for d in DOCUMENTS.values() for p in d["persons"]}
    assert {r["name"] for r in rows} == gold
    assert all(r["name"] == r["label"] for r in rows)
    assert not sparql("ASK { ?p a foaf:Person FILTER NOT EXISTS { ?p a kg:Person } }")
    assert not sparql("ASK { ?p a kg:Person FILTER NOT EXISTS { ?p a foaf:Person } }")


def test_namesakes_are_two_people(sparql):
    rows = sparql("""SELECT ?p ?name ?organisation WHERE {
        ?p a foaf:Person ; foaf:name ?name . FILTER(CONTAINS(?name, "Østergaard Møller"))
        ?m org:member ?p ; org:organization/skos:prefLabel ?organisation }""")
    assert {(r["name"], r["organisation"]) for r in rows} == {
        ("Marie Østergaard Møller", "Aalborg Universitet"), ("Simon Østergaard Møller", "Metodecentret")}
    assert len({r["p"] for r in rows}) == 2


# ---------------------------------------------------------------- organisation


def test_organisations_are_typed_with_one_canonical_name(sparql):
    assert not sparql("ASK { ?o a kg:Organisation FILTER NOT EXISTS { ?o a org:Organization } }")
    assert not sparql("""ASK { ?o a org:Organization FILTER NOT EXISTS { ?o a kg:Organisation }
                                                      FILTER NOT EXISTS { ?o a kg:Municipality } }""")
    counts = sparql("SELECT ?o (COUNT(?l) AS ?n) WHERE { ?o a org:Organization . OPTIONAL { ?o skos:prefLabel ?l } } GROUP BY ?o")
    assert counts and all(r["n"] == "1" for r in counts)


def test_acronym_and_full_name_are_one_node(sparql):
    nodes = iri_of(sparql, """SELECT DISTINCT ?e WHERE { ?e a org:Organization ; skos:prefLabel|skos:altLabel ?l .
                                                       FILTER(?l IN ("ESN", "European Social Network")) }""")
    assert len(nodes) == 1
    (esn,) = nodes
    labels = sparql(f"SELECT ?pref ?alt WHERE {{ <{esn}> skos:prefLabel ?pref ; skos:altLabel ?alt }}")
    assert {(r["pref"], r["alt"]) for r in labels} >= {("European Social Network", "ESN")}
    mentioned_by = {r["id"] for r in sparql(f"SELECT ?id WHERE {{ ?d schema:mentions <{esn}> ; dcterms:identifier ?id }}")}
    assert mentioned_by == {"000_df29c5cb64ec29ab.txt", "001_5d0ced3c1a563988.txt", "002_c5fbbfe3fd3f8cf5.txt"}


@pytest.mark.parametrize("name, acronym", [("National Observatory of Children at Risk", "ONED"),
                                           ("Børne- og Kulturchefforeningen", "BKF"),
                                           ("Sveriges Kommuner och Landsting", "SKL")])
def test_acronyms_seen_are_alternative_labels(sparql, name, acronym):
    assert sparql(f'ASK {{ ?o a org:Organization ; skos:prefLabel "{name}" ; skos:altLabel "{acronym}" }}')


def test_alternative_labels_are_spellings_not_fragments(sparql):
    """An altLabel is a name as written: no stray quotation mark left from the sentence around it."""
    labels = [r["l"] for r in sparql("SELECT DISTINCT ?l WHERE { ?o a org:Organization ; skos:altLabel ?l }")]
    assert labels

    def unbalanced(label: str) -> bool:
        quotes = re.sub(r"(?<=[^\W_])’(?=[^\W_])", "", label)  # apostrophes: "ESN’s", "O’Neill"
        return quotes.count("‘") != quotes.count("’") or quotes.count("“") != quotes.count("”") or quotes.count('"') % 2

    assert [label for label in labels if unbalanced(label)] == []


def gold_names(name: str) -> set[str]:
    """A gold organisation's or municipality's name with all its aliases, across the documents."""
    names = {name}
    for document in DOCUMENTS.values():
        for entry in document["organisations"] + document["municipalities"]:
            if name == entry["name"] or name in entry.get("aliases", []):
                names |= {entry["name"], *entry.get("aliases", [])}
    return names


def missing_links(key: str, found: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Gold (organisation, parent or country) pairs that no found pair matches under any of their names."""
    missing = set()
    for document in DOCUMENTS.values():
        for entry in document["organisations"]:
            if entry.get(key) and not entry.get("optional"):
                units, targets = gold_names(entry["name"]), gold_names(entry[key]) if key == "parent" else {entry[key]}
                if not any(unit in units and target in targets for unit, target in found):
                    missing.add((entry["name"], entry[key]))
    return sorted(missing)


def test_organisations_are_units_of_their_parents(sparql):
    """org:subOrganizationOf its parent where the text makes it known (gold parents)."""
    rows = sparql("""SELECT ?unit ?parent WHERE { ?u org:subOrganizationOf ?p .
        ?u skos:prefLabel|skos:altLabel ?unit . ?p skos:prefLabel|skos:altLabel ?parent }""")
    assert missing_links("parent", {(r["unit"], r["parent"]) for r in rows}) == []


def test_organisations_are_located_in_their_country(sparql):
    """schema:location the country where the text makes it known (gold countries)."""
    rows = sparql("""SELECT ?name ?country WHERE { ?o a kg:Organisation ; skos:prefLabel|skos:altLabel ?name ;
        schema:location ?c . ?c a schema:Country ; skos:prefLabel ?country . FILTER(lang(?country) = "en") }""")
    assert missing_links("country", {(r["name"], r["country"]) for r in rows}) == []


# ---------------------------------------------------------------- municipality


def test_randers_in_any_spelling_is_one_municipality(sparql):
    nodes = iri_of(sparql, """SELECT DISTINCT ?e WHERE { ?e skos:prefLabel|skos:altLabel|rdfs:label ?l .
        FILTER(?l IN ("Randers", "Randers Kommune", "Randers kommune")) }""")
    assert len(nodes) == 1
    (randers,) = nodes
    types = {r["t"] for r in sparql(f"SELECT ?t WHERE {{ <{randers}> a ?t }}")}
    assert {"http://www.w3.org/ns/org#Organization", "http://data.europa.eu/m8g/PublicOrganisation"} <= types
    assert [t for t in types if t.rsplit("#", 1)[-1].rsplit("/", 1)[-1] == "Municipality"]
    country = sparql(f"""SELECT ?c ?name WHERE {{ <{randers}> schema:containedInPlace ?c .
                                              ?c a schema:Country ; skos:prefLabel ?name . FILTER(lang(?name) = "en") }}""")
    assert [r["name"] for r in country] == ["Denmark"]
    mentioned_by = {r["id"] for r in sparql(f"SELECT ?id WHERE {{ ?d schema:mentions <{randers}> ; dcterms:identifier ?id }}")}
    assert mentioned_by == {"002_c5fbbfe3fd3f8cf5.txt", "003_65bd54b2553ef881.txt"}


def test_every_municipality_is_a_public_organisation_in_a_country(sparql):
    rows = sparql("""SELECT ?name ?country WHERE {
        ?m a kg:Municipality, org:Organization, cv:PublicOrganisation ; skos:prefLabel ?name ;
           schema:containedInPlace/skos:prefLabel ?country . FILTER(lang(?country) = "en") }""")
    found = {(r["name"], r["country"]) for r in rows}
    assert {("Randers Kommune", "Denmark"), ("Favrskov Kommune", "Denmark"), ("London Borough of Redbridge", "United Kingdom")} <= found
    assert len(found) == len(iri_of(sparql, "SELECT ?e WHERE { ?e a kg:Municipality }"))


# ---------------------------------------------------------------- country


def test_countries_are_named_in_english_danish_and_swedish(sparql):
    rows = sparql("""SELECT ?c ?label (LANG(?label) AS ?language) WHERE { ?c a schema:Country, kg:Country ; skos:prefLabel ?label }""")
    by_country: dict[str, dict[str, str]] = {}
    for row in rows:
        assert row["language"] not in by_country.setdefault(row["c"], {}), row
        by_country[row["c"]][row["language"]] = row["label"]
    assert by_country and all(set(names) == {"en", "da", "sv"} for names in by_country.values())
    names = {names["en"]: names for names in by_country.values()}
    assert names["Denmark"] == {"en": "Denmark", "da": "Danmark", "sv": "Danmark"}
    assert names["Germany"]["da"] == "Tyskland"
    gold = {c for d in DOCUMENTS.values() for c in d["countries"]}
    assert gold <= set(names)


# ---------------------------------------------------------------- sector


def test_sectors_are_concepts_of_the_project_scheme_in_three_languages(sparql):
    rows = sparql("""SELECT ?s ?scheme (GROUP_CONCAT(DISTINCT LANG(?l); separator=" ") AS ?languages) WHERE {
        ?s a kg:Sector, skos:Concept ; skos:inScheme ?scheme ; skos:prefLabel ?l } GROUP BY ?s ?scheme""")
    assert len({r["scheme"] for r in rows}) == 1
    assert sparql(f"ASK {{ <{rows[0]['scheme']}> a skos:ConceptScheme }}")
    assert all(sorted(r["languages"].split()) == ["da", "en", "sv"] for r in rows)
    english = {r["l"] for r in sparql("SELECT ?l WHERE { ?s a kg:Sector ; skos:prefLabel ?l FILTER(lang(?l) = 'en') }")}
    vocabulary = json.loads(GOLD.read_text(encoding="utf-8"))["sectors_vocabulary"]
    assert set(vocabulary) <= english
    assert sparql("ASK { ?s a kg:Sector ; skos:altLabel ?signal }")


def test_sectors_match_cofog_concepts(sparql):
    rows = sparql("""SELECT ?sector ?notation ?cofog WHERE {
        ?s a kg:Sector ; skos:prefLabel ?sector ; skos:closeMatch|skos:exactMatch ?c . FILTER(lang(?sector) = "en")
        ?c a skos:Concept ; skos:notation ?notation ; skos:prefLabel ?cofog ; skos:inScheme ?scheme .
        ?scheme skos:prefLabel ?scheme_name . FILTER(CONTAINS(?scheme_name, "COFOG")) }""")
    matches = {(r["sector"], r["notation"]) for r in rows}
    assert {("health", "07"), ("education", "09"), ("police", "03.1"), ("social services", "10")} <= matches
    # no honest COFOG counterpart: no match
    assert not {sector for sector, _ in matches} & {"civil society", "private sector"}


# ---------------------------------------------------------------- paper


def test_papers_are_creative_works_with_title_and_kind(sparql):
    rows = sparql("""SELECT ?title ?kind WHERE { ?p a schema:CreativeWork, kg:Paper ; dcterms:title ?title ; dcterms:type ?type .
                                               ?type rdfs:label ?kind . FILTER(lang(?kind) = "en") }""")
    found = {(r["title"], r["kind"].lower()) for r in rows}
    gold = {(p["title"], p["kind"]) for d in DOCUMENTS.values() for p in d["papers"]}
    assert found == gold
    assert not sparql("ASK { ?p a kg:Paper FILTER NOT EXISTS { ?p a schema:CreativeWork } }")


def test_papers_have_publisher_series_and_creators(sparql):
    rows = sparql("""SELECT ?title ?publisher ?series ?creator WHERE { ?p a schema:CreativeWork ; dcterms:title ?title .
        OPTIONAL { ?p dcterms:publisher/skos:prefLabel ?publisher }
        OPTIONAL { ?p dcterms:isPartOf/dcterms:title ?series }
        OPTIONAL { ?p dcterms:creator/foaf:name ?creator } }""")
    found = {(r["title"], key, r[key]) for r in rows for key in ("publisher", "series", "creator") if r[key]}
    gold = set()
    for document in DOCUMENTS.values():
        for paper in document["papers"]:
            for key, value in (("publisher", paper.get("publisher")), ("series", paper.get("series"))):
                if value:
                    gold.add((paper["title"], key, value))
            gold |= {(paper["title"], "creator", author) for author in paper.get("authors", [])}
    assert found == gold


# ---------------------------------------------------------------- membership


def test_memberships_link_a_person_an_organisation_and_a_document(sparql):
    rows = sparql("""SELECT ?m (COUNT(DISTINCT ?p) AS ?persons) (COUNT(DISTINCT ?o) AS ?organisations) (COUNT(DISTINCT ?d) AS ?documents)
        WHERE { ?m a org:Membership .
          OPTIONAL { ?m org:member ?p . ?p a foaf:Person }
          OPTIONAL { ?m org:organization ?o . ?o a org:Organization }
          OPTIONAL { ?m prov:wasDerivedFrom ?d . ?d a foaf:Document } } GROUP BY ?m""")
    assert len(rows) == 10
    assert all((r["persons"], r["organisations"], r["documents"]) == ("1", "1", "1") for r in rows)


def test_roles_are_concepts_with_english_name_and_the_title_as_written(sparql):
    rows = sparql("""SELECT ?m ?written ?role (GROUP_CONCAT(?alt; separator="|") AS ?alts) WHERE {
        ?m a org:Membership ; kg:roleTitle ?written ; org:role ?r .
        ?r a org:Role, skos:Concept ; skos:prefLabel ?role . FILTER(lang(?role) = "en")
        OPTIONAL { ?r skos:altLabel ?alt } } GROUP BY ?m ?written ?role""")
    titled = sparql("SELECT ?m WHERE { ?m a org:Membership ; kg:roleTitle ?t }")
    assert len(rows) == len(titled) == 8
    for row in rows:
        assert row["written"] in row["alts"].split("|"), row
    roles = {(r["written"], r["role"]) for r in rows}
    assert {("direktør", "director"), ("director", "director"), ("Director General", "director general"),
            ("Formand", "chair"), ("lektor", "associate professor")} <= roles
    english_names = sparql("SELECT ?r (COUNT(?l) AS ?n) WHERE { ?r a org:Role ; skos:prefLabel ?l FILTER(lang(?l) = 'en') } GROUP BY ?r")
    assert all(r["n"] == "1" for r in english_names)


def test_memberships_carry_their_evidence_sentence(sparql):
    assert not sparql("ASK { ?m a org:Membership FILTER NOT EXISTS { ?m kg:evidence ?e } }")
    # the property holding the sentence is documented in the graph itself
    assert sparql("ASK { kg:evidence a owl:DatatypeProperty ; rdfs:comment ?why }")


# ---------------------------------------------------------------- rules that hold everywhere


def test_iris_are_valid_and_readable_by_another_parser(seeds_out):
    import rdflib

    graph = rdflib.Graph().parse(seeds_out / "graph.ttl")
    for node in set(graph.subjects()) | set(graph.objects()):
        if isinstance(node, rdflib.URIRef):
            assert not any(c in str(node) for c in ' <>"{}|\\^`'), node
            assert str(node).startswith(("https://", "http://")), node


def test_graph_conforms_to_the_shapes(seeds_store):
    report = validate(seeds_store)
    assert report.conforms, report.text
    assert report.violations == 0


def test_kg_validate_says_it_conforms(seeds_out):
    result = kg("validate", "--graph", seeds_out)
    assert result.exit_code == 0, result.output
    assert "conforms" in result.stdout


def test_kg_validate_reports_violations_with_exit_code_1(seeds_out, tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text((seeds_out / "graph.ttl").read_text(encoding="utf-8") +
                      "\n<https://w3id.org/social-services-kg/id/person/nameless> a "
                      "<https://w3id.org/social-services-kg/ontology#Person> .\n", encoding="utf-8")
    report = validate(open_store(broken))
    assert not report.conforms and report.violations >= 2  # no foaf:Person type, no foaf:name
    result = kg("validate", "--graph", broken)
    assert result.exit_code == 1
    assert "nameless" in result.stdout
    assert f"{report.violations} violation(s)" in result.stderr


def test_shapes_catch_a_membership_without_evidence(seeds_out, tmp_path):
    store = open_store(seeds_out / "graph.ttl")
    store.update("DELETE { ?m <https://w3id.org/social-services-kg/ontology#evidence> ?e } "
                 "WHERE { ?m a <http://www.w3.org/ns/org#Membership> ; <https://w3id.org/social-services-kg/ontology#evidence> ?e }")
    assert not run_sparql(store, "ASK { ?m a org:Membership ; kg:evidence ?e }")
    assert len(run_sparql(store, "SELECT ?m WHERE { ?m a org:Membership }")) == 10
    report = validate(store)
    assert not report.conforms and report.violations == 10
