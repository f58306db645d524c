"""`kg build`: what it writes, what it prints, how it treats bad input, and what it finds.

The seeds are built once per session (conftest.seeds_build); tests that need other input write
it in tmp_path, so the repository holds no odd files.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from conftest import ROOT, SEED_FILES, SEEDS, kg, run_sparql
from graph.query import PREFIXES, open_store
from graph.read import read_file

SUMMARY_ROWS = ["documents", "persons", "organisations", "municipalities", "countries", "sectors", "papers",
                "memberships", "skipped files", "triples"]


def summary(output: str) -> dict[str, int]:
    """The `what / count` table that `kg build` prints."""
    counts = {}
    for line in output.splitlines():
        match = re.fullmatch(r"(\w[\w ]*?)\s{2,}(\d+)", line.strip())
        if match:
            counts[match.group(1)] = int(match.group(2))
    return counts


def count(store: ox.Store, query: str) -> int:
    return int(run_sparql(store, query)[0]["n"])


# ---------------------------------------------------------------- what a build writes


def test_build_writes_graph_store_view_and_report(seeds_build):
    out = seeds_build.out
    assert (out / "graph.ttl").stat().st_size > 10_000
    assert any((out / "store").iterdir())
    html = (out / "graph.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "Clive Needle" in html and "Randers Kommune" in html
    for kind, name in [("turtle", "graph.ttl"), ("store", "store"), ("html", "graph.html"), ("report", "build-report.json")]:
        assert f"wrote {kind}: {out / name}" in seeds_build.result.stdout


def test_outputs_have_the_permissions_of_any_file_the_user_writes(seeds_out, tmp_path):
    """Written through a temporary file, the outputs must not keep its private 0600 mode."""
    plain = tmp_path / "plain.txt"
    plain.write_text("x", encoding="utf-8")
    expected = stat.S_IMODE(plain.stat().st_mode)
    modes = {name: oct(stat.S_IMODE((seeds_out / name).stat().st_mode)) for name in ("graph.ttl", "graph.html", "build-report.json")}
    assert modes == dict.fromkeys(modes, oct(expected))


def test_a_store_loaded_in_many_batches_holds_every_quad_of_the_graph(seeds_out, seeds_store, tmp_path, monkeypatch):
    """A big graph is bulk-loaded a batch of chunks at a time (bounded memory): the batches together
    must give the very store one load gives, each document's triples in its named graph."""
    from graph import store as store_module
    from graph.build import build

    monkeypatch.setattr(store_module, "BULK_LOAD_QUADS", 40)
    graph = build([SEEDS]).graph
    assert graph.count > 10 * 40
    store_module.write_store(graph, tmp_path / "store")
    batched = ox.Store.read_only(str(tmp_path / "store"))
    assert sorted(map(str, batched)) == sorted(map(str, seeds_store))


def test_build_report_lists_documents_with_their_hashes(seeds_build):
    report = json.loads((seeds_build.out / "build-report.json").read_text(encoding="utf-8"))
    assert report["skipped"] == []
    assert report["counts"] == summary(seeds_build.result.stdout)
    assert [d["identifier"] for d in report["documents"]] == [p.name for p in SEED_FILES]
    for document, path in zip(report["documents"], SEED_FILES):
        assert document["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert document["encoding"] == "utf-8"


def test_summary_table_counts_each_type(seeds_build, seeds_store):
    counts = summary(seeds_build.result.stdout)
    assert list(counts) == SUMMARY_ROWS
    # what the gold annotation of the seeds holds
    assert counts["documents"] == 5
    assert counts["persons"] == 10
    assert counts["memberships"] == 10
    assert counts["skipped files"] == 0
    # and what the graph holds
    in_graph = {
        "persons": "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a foaf:Person }",
        "organisations": "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a kg:Organisation }",
        "municipalities": "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a kg:Municipality }",
        "countries": "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a schema:Country }",
        "sectors": "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?d a foaf:Document ; schema:mentions ?e . ?e a kg:Sector }",
        "papers": "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a schema:CreativeWork }",
        "memberships": "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a org:Membership }",
        "documents": "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a foaf:Document }",
        "triples": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
    }
    assert {what: count(seeds_store, query) for what, query in in_graph.items()} == {
        what: counts[what] for what in in_graph
    }


def test_graph_ttl_parses_with_two_parsers(seeds_out):
    data = (seeds_out / "graph.ttl").read_bytes()
    oxigraph_triples = list(ox.parse(data, format=ox.RdfFormat.TURTLE))
    by_rdflib = rdflib.Graph().parse(data=data, format="turtle")
    assert len(oxigraph_triples) == len(by_rdflib) > 1000
    by_oxigraph = rdflib.Graph().parse(data=ox.serialize(oxigraph_triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    assert isomorphic(by_oxigraph, by_rdflib)


def test_graph_ttl_carries_the_ontology(seeds_out):
    """A user opening graph.ttl alone finds the classes and how they relate to the standard ones."""
    graph = rdflib.Graph().parse(seeds_out / "graph.ttl")
    KG = rdflib.Namespace("https://w3id.org/social-services-kg/ontology#")
    FOAF, ORG = rdflib.Namespace("http://xmlns.com/foaf/0.1/"), rdflib.Namespace("http://www.w3.org/ns/org#")
    SKOS, SCHEMA = rdflib.namespace.SKOS, rdflib.Namespace("https://schema.org/")
    CV = rdflib.Namespace("http://data.europa.eu/m8g/")
    expected = {
        KG.Person: {FOAF.Person}, KG.Organisation: {ORG.Organization}, KG.Municipality: {ORG.Organization, CV.PublicOrganisation},
        KG.Country: {SCHEMA.Country}, KG.Sector: {SKOS.Concept}, KG.Paper: {SCHEMA.CreativeWork}, KG.Role: {ORG.Role, SKOS.Concept},
    }
    for cls, parents in expected.items():
        assert (cls, rdflib.RDF.type, rdflib.OWL.Class) in graph, cls
        assert parents <= set(graph.objects(cls, rdflib.RDFS.subClassOf)), cls
    assert (KG.evidence, rdflib.RDF.type, rdflib.OWL.DatatypeProperty) in graph


# ---------------------------------------------------------------- determinism


def test_input_order_and_folder_names_do_not_change_the_output(seeds_out, tmp_path):
    first, second = tmp_path / "alpha", tmp_path / "zulu" / "inner"
    first.mkdir()
    second.mkdir(parents=True)
    for path in SEED_FILES:
        shutil.copy(path, first / path.name)
    for path in reversed(SEED_FILES):
        shutil.copy(path, second / path.name)
    by_folder = kg("build", first, "--out", tmp_path / "out-a")
    by_files = kg("build", *reversed([second / p.name for p in SEED_FILES]), "--out", tmp_path / "out-b")
    assert by_folder.exit_code == 0 and by_files.exit_code == 0
    for name in ("graph.ttl", "graph.html"):
        reference = (seeds_out / name).read_bytes()
        assert (tmp_path / "out-a" / name).read_bytes() == reference, name
        assert (tmp_path / "out-b" / name).read_bytes() == reference, name


def test_worker_processes_give_the_same_graph(seeds_out, tmp_path):
    result = kg("build", SEEDS, "--out", tmp_path / "out", "--jobs", "2", "--no-view")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "graph.ttl").read_bytes() == (seeds_out / "graph.ttl").read_bytes()
    assert not (tmp_path / "out" / "graph.html").exists()


def test_base_option_sets_the_iris(tmp_path):
    result = kg("build", SEEDS / "001_5d0ced3c1a563988.txt", "--out", tmp_path, "--base", "https://example.org/kg/", "--no-view")
    assert result.exit_code == 0, result.output
    rows = run_sparql(open_store(tmp_path), 'SELECT ?p WHERE { ?p foaf:name "Clive Needle" }')
    assert rows == [{"p": "https://example.org/kg/id/person/clive-needle"}]


# ---------------------------------------------------------------- bad input


@pytest.fixture
def messy_folder(tmp_path):
    """Two good seeds among a binary file, an empty file and a link to nowhere."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("001_5d0ced3c1a563988.txt", "003_65bd54b2553ef881.txt"):
        shutil.copy(SEEDS / name, folder / name)
    (folder / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (folder / "blank.txt").write_bytes(b"")
    (folder / "gone.txt").symlink_to(tmp_path / "no-such-file.txt")
    reasons = {"scan.txt": "binary file (PNG image), not text", "blank.txt": "empty file", "gone.txt": "broken link"}
    if os.geteuid() != 0:  # root reads anything: only an ordinary user can meet a locked file
        locked = folder / "locked.txt"
        locked.write_text("Ingrid Fjeldsø, leder af Solstrålecentret.", encoding="utf-8")
        locked.chmod(0)
        reasons["locked.txt"] = "permission denied"
    return folder, reasons


def test_bad_files_are_skipped_with_their_reason(messy_folder, tmp_path):
    folder, reasons = messy_folder
    result = kg("build", folder, "--out", tmp_path / "out", "--no-view")
    assert result.exit_code == 0, result.output
    for name, reason in reasons.items():
        assert f"skipped {folder / name}: {reason}" in result.stderr.splitlines()
    assert summary(result.stdout)["skipped files"] == len(reasons)
    assert summary(result.stdout)["documents"] == 2
    assert "Clive Needle" in (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8")
    report = json.loads((tmp_path / "out" / "build-report.json").read_text(encoding="utf-8"))
    assert {os.path.basename(s["path"]): s["reason"] for s in report["skipped"]} == reasons


def test_strict_fails_when_a_file_was_skipped(messy_folder, tmp_path):
    folder, reasons = messy_folder
    result = kg("build", folder, "--out", tmp_path / "out", "--no-view", "--strict")
    assert result.exit_code == 1
    assert f"--strict: {len(reasons)} file(s) skipped" in result.stderr
    assert "Traceback" not in result.output
    assert (tmp_path / "out" / "graph.ttl").is_file()  # the good documents are still built


def test_strict_passes_on_clean_input(tmp_path):
    result = kg("build", SEEDS / "004_a62e90012542eaf2.txt", "--out", tmp_path, "--no-view", "--strict")
    assert result.exit_code == 0, result.output


def test_missing_path_is_a_usage_error(tmp_path):
    result = kg("build", tmp_path / "no-such-folder", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert f"no such file or folder: {tmp_path / 'no-such-folder'}" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_build_answers_a_query_afterwards(tmp_path):
    result = kg("build", SEEDS / "001_5d0ced3c1a563988.txt", "--out", tmp_path, "--no-view", "--query", "who-holds-which-role")
    assert result.exit_code == 0, result.output
    answer = result.stdout.split("wrote report:", 1)[1]
    assert "Clive Needle" in answer and "EuroHealthNet" in answer


# ---------------------------------------------------------------- what a build finds, per language

# Names no curated list holds: the person is found by the shape of the text (a listed first name
# and a capitalised surname), the organisation by its head word, the membership by the apposition.
UNLISTED = {
    "en": ("Margaret Thornbury", "Saltmarsh Wellbeing Foundation", "director", "2021-03-03",
           "Skip to main content\n\nPartnership news from the coast\n\nPublished 3 March 2021\n\n?\n\n"
           "Margaret Thornbury, director of the Saltmarsh Wellbeing Foundation, told the regional meeting that "
           "volunteers keep the service running.\nThe meeting closed with thanks to all who came.\n"),
    "da": ("Ingrid Fjeldsø", "Solstrålecentret", "leder", "2022-05-03",
           "Skip to main content\n\nNyt fra kysten\n\nden 3. maj 2022\n\n?\n\n"
           "Ingrid Fjeldsø, leder af Solstrålecentret, fortalte på mødet, at de frivillige holder tilbuddet kørende.\n"
           "Mødet sluttede med tak til alle fremmødte.\n"),
    "sv": ("Gunnel Lindqvarn", "Havsbrisföreningen", "chef", "2019-03-12",
           "Hoppa till innehåll\n\ntisdag 12 mars 2019\n\nNytt från kusten\n\n?\n\n"
           "Gunnel Lindqvarn, chef för Havsbrisföreningen, berättade på mötet att de frivilliga håller verksamheten igång.\n"
           "Mötet avslutades med tack till alla som kom.\n"),
}
TITLES = {"en": "Partnership news from the coast", "da": "Nyt fra kysten", "sv": "Nytt från kusten"}


def curated_text() -> str:
    parts = [ROOT / "ontology" / "entities" / "organisations.csv", *sorted((ROOT / "ontology" / "places").glob("*.csv"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in parts).casefold()


@pytest.mark.parametrize("language", sorted(UNLISTED))
def test_unlisted_person_organisation_and_role_are_found(language, tmp_path):
    person, organisation, title, date, text = UNLISTED[language]
    curated = curated_text()
    assert person.split()[-1].casefold() not in curated and organisation.casefold() not in curated
    first_names = (ROOT / "ontology" / "lexicon" / "first_names.csv").read_text(encoding="utf-8")
    assert re.search(rf"^{person.split()[0]},", first_names, re.MULTILINE)

    (tmp_path / f"news-{language}.txt").write_text(text, encoding="utf-8")
    result = kg("build", tmp_path / f"news-{language}.txt", "--out", tmp_path / "out", "--no-view")
    assert result.exit_code == 0, result.output
    store = open_store(tmp_path / "out")
    rows = run_sparql(store, """
        SELECT ?language ?title ?person ?organisation ?written ?role ?date ?observed WHERE {
          ?d a foaf:Document ; dcterms:language ?language ; dcterms:title ?title .
          OPTIONAL { ?d dcterms:date ?date }
          ?m a org:Membership ; prov:wasDerivedFrom ?d ; org:member ?p ; org:organization ?o ; kg:roleTitle ?written ;
             org:role/skos:prefLabel ?role .
          OPTIONAL { ?m kg:observedOn ?observed }
          ?p a foaf:Person, kg:Person ; foaf:name ?person .
          ?o a org:Organization, kg:Organisation ; skos:prefLabel ?organisation .
        }""")
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["language"], row["title"], row["person"], row["organisation"], row["written"]) == (
        language, TITLES[language], person, organisation, title)
    assert row["role"]  # the title is normalised to an English role concept
    assert (row["date"], row["observed"]) == (date, date)


@pytest.mark.parametrize("language", sorted(UNLISTED))
def test_page_furniture_yields_nothing(language, tmp_path):
    text = UNLISTED[language][-1]
    (tmp_path / "page.txt").write_text(text, encoding="utf-8")
    assert kg("build", tmp_path / "page.txt", "--out", tmp_path / "out", "--no-view").exit_code == 0
    store = open_store(tmp_path / "out")
    labels = {r["l"] for r in run_sparql(store, """SELECT DISTINCT ?l WHERE {
        ?e a ?type ; rdfs:label ?l . FILTER(?type IN (kg:Person, kg:Organisation, kg:Municipality, kg:Paper)) }""")}
    assert labels == {UNLISTED[language][0], UNLISTED[language][1]}
    texts = {r["t"] for r in run_sparql(store, "SELECT DISTINCT ?t WHERE { ?s kg:evidence|kg:surfaceForm|dcterms:title ?t }")}
    for text in texts:
        assert text.strip() != "?" and not re.search(r"skip to main|hoppa till", text, re.IGNORECASE), text


def test_seed_furniture_yields_nothing(sparql):
    """seeds/002 opens with "Skip to main content"; seeds/000 has a line holding only "?"."""
    titles = {r["id"]: r["t"] for r in sparql("SELECT ?id ?t WHERE { ?d dcterms:identifier ?id ; dcterms:title ?t }")}
    assert titles["002_c5fbbfe3fd3f8cf5.txt"] == "Contemporary issues in the public management of social services in Europe"
    assert not sparql("""ASK { ?s ?p ?t . FILTER(isLiteral(?t) && (STR(?t) = "?" || CONTAINS(LCASE(STR(?t)), "skip to main"))) }""")


# ---------------------------------------------------------------- traceability


def document_texts() -> dict[str, str]:
    """The text the build read from each seed (NFC, plain spaces): what evidence must quote."""
    return {path.name: read_file(path).text for path in SEED_FILES}


def test_every_membership_is_traced_to_a_sentence_of_its_document(sparql):
    texts = document_texts()
    rows = sparql("""
        SELECT ?m ?id ?evidence ?name ?written WHERE {
          ?m a org:Membership ; prov:wasDerivedFrom ?d ; kg:evidence ?evidence ; org:member/foaf:name ?name .
          ?d a foaf:Document ; dcterms:identifier ?id .
          OPTIONAL { ?m kg:roleTitle ?written }
        }""")
    assert len({r["m"] for r in rows}) == len(rows) == 10
    for row in rows:
        assert row["evidence"] in texts[row["id"]], row
        assert row["name"] in row["evidence"], row
        if row["written"]:
            assert row["written"] in row["evidence"], row


def test_every_mention_quotes_a_sentence_of_its_document(sparql):
    texts = document_texts()
    rows = sparql("""SELECT ?id ?evidence ?e WHERE { ?m a kg:Mention ; kg:inDocument/dcterms:identifier ?id ;
                                                        kg:evidence ?evidence ; kg:mentionOf ?e }""")
    assert len(rows) > 50
    assert [r for r in rows if r["evidence"] not in texts[r["id"]]] == []
    mentioned = {(r["d"], r["e"]) for r in sparql("SELECT ?d ?e WHERE { ?d schema:mentions ?e }")}
    traced = {(r["d"], r["e"]) for r in sparql("SELECT ?d ?e WHERE { ?m a kg:Mention ; kg:inDocument ?d ; kg:mentionOf ?e }")}
    assert mentioned == traced


def test_surface_forms_are_the_words_as_written(sparql):
    """kg:surfaceForm is a name as the document wrote it, not a window of text cut mid-word or across sentences."""
    texts = document_texts()
    rows = sparql("SELECT ?id ?e ?form WHERE { ?m kg:inDocument/dcterms:identifier ?id ; kg:mentionOf ?e ; kg:surfaceForm ?form }")
    assert len(rows) > 50
    wrong = []
    for row in rows:
        text, form = texts[row["id"]], row["form"]
        # a Danish/Swedish genitive -s may be dropped: "Børne- og Kulturchefforeningens" -> "...foreningen"
        whole_word = re.compile(re.escape(form) + r"s?(?![^\W_])")
        if not whole_word.search(text) or re.search(r"[.!?][”\"’]?\s+\S", form):
            wrong.append((row["id"][:3], row["e"].rsplit("/", 1)[-1].rsplit("#", 1)[-1], form))
    assert sorted(wrong) == []


def test_swedish_seed_is_dated(sparql):
    rows = sparql("""SELECT ?id ?date (DATATYPE(?date) AS ?type) WHERE { ?d a foaf:Document ; dcterms:identifier ?id ; dcterms:date ?date }""")
    assert rows == [{"id": "004_a62e90012542eaf2.txt", "date": "2013-04-05", "type": "http://www.w3.org/2001/XMLSchema#date"}]
    undated = sparql("""SELECT ?m WHERE { ?m a org:Membership ; prov:wasDerivedFrom/dcterms:identifier "004_a62e90012542eaf2.txt" .
                                          FILTER NOT EXISTS { ?m kg:observedOn "2013-04-05"^^xsd:date } }""")
    assert undated == []
    assert not sparql("ASK { ?m a org:Membership ; prov:wasDerivedFrom ?d ; kg:observedOn ?date . FILTER NOT EXISTS { ?d dcterms:date ?date } }")


# ---------------------------------------------------------------- kg stats over the build


def test_stats_agree_with_the_build_summary(seeds_build):
    result = kg("stats", "--graph", seeds_build.out, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    per_type = {row["type"]: int(row["count"]) for row in report["entities per type"]}
    counts = summary(seeds_build.result.stdout)
    assert per_type["kg:Person"] == counts["persons"]
    assert per_type["kg:Organisation"] == counts["organisations"]
    assert per_type["kg:Municipality"] == counts["municipalities"]
    assert per_type["kg:Country"] == counts["countries"]
    assert per_type["kg:Paper"] == counts["papers"]
    assert per_type["org:Membership"] == counts["memberships"]
    assert per_type["foaf:Document"] == counts["documents"]
    relations = {row["relation"]: int(row["count"]) for row in report["links per relation"]}
    assert relations["org:member"] == relations["org:organization"] == relations["prov:wasDerivedFrom"] == counts["memberships"]
    top = report["top 10 entities by degree"]
    assert len(top) == 10
    assert "European Social Network" in [row["label"] for row in top[:3]]


def test_stats_degree_counts_each_entitys_distinct_links(seeds_out):
    """A link is a typed thing pointing at the entity, or an IRI the entity points at other than by type or scheme."""
    def iri(curie: str) -> str:
        prefix, local = curie.split(":")
        return PREFIXES[prefix] + local

    rdf_type, label = iri("rdf:type"), iri("rdfs:label")
    not_outgoing = {rdf_type, iri("skos:inScheme")}
    linking = {iri(t) for t in ("kg:Person", "kg:Organisation", "kg:Municipality", "kg:Paper", "org:Membership",
                                "foaf:Document")}
    store = open_store(seeds_out)
    triples = {(q.subject.value, q.predicate.value, q.object) for q in store.quads_for_pattern(None, None, None, None)}
    typed = {s for s, p, o in triples if p == rdf_type and o.value in linking}
    links: dict[str, set] = {}
    for s, p, o in triples:
        if isinstance(o, ox.NamedNode) and p not in not_outgoing:
            links.setdefault(s, set()).add(o.value)
        if s in typed:
            links.setdefault(o.value, set()).add(s)
    result = kg("stats", "--graph", seeds_out, "--format", "json", "--top", "5")
    top = json.loads(result.stdout)["top 5 entities by degree"]
    labels = {s: o.value for s, p, o in triples if p == label}
    for row in top:
        entity = next(s for s, name in labels.items() if name == row["label"] and s in typed)
        assert int(row["degree"]) == len(links[entity]), row


def test_stats_prints_tables(seeds_out):
    result = kg("stats", "--graph", seeds_out, "--top", "3")
    assert result.exit_code == 0, result.output
    for title in ("entities per type", "links per relation", "top 3 entities by degree"):
        assert f"\n{title}\n" in result.stdout
    assert re.search(r"^kg:Person\s+10$", result.stdout, re.MULTILINE)


def test_a_second_build_into_the_same_folder_at_once_is_refused(seeds_copy):
    """Two builds into one --out would share its staging folder: while one writes, the other stops
    with a clear error and the outputs stay those of the last build."""
    import fcntl

    before = hashlib.sha256((seeds_copy / "graph.ttl").read_bytes()).hexdigest()
    with open(seeds_copy.with_name(f".{seeds_copy.name}.lock"), "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = kg("build", SEEDS, "--out", seeds_copy)
    assert result.exit_code != 0
    assert "another build is writing" in result.output
    assert hashlib.sha256((seeds_copy / "graph.ttl").read_bytes()).hexdigest() == before
    assert kg("build", SEEDS, "--out", seeds_copy).exit_code == 0  # the lock went with its holder
