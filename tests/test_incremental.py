"""Incremental builds: a rebuild into the same folder reuses OUT/.cache (the extractions of
unchanged documents and the previous build's record) and gives the same bytes as a clean build.

After documents are added, changed, deleted and renamed, and after the rules change, every output
(graph.ttl, graph.html, build-report.json, the store's quads: conftest.snapshot) must equal a
clean build's of the same files; a damaged record gives a full build, says so, and loses nothing.
What an interrupted incremental build leaves is tested in test_kill_during_build.py.
"""
from __future__ import annotations

import json
import logging
import os
import pickle
import random
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

import graph.build
import graph.previous
from bench.corpus import generate  # tests/ is on sys.path
from conftest import SEEDS, kg, snapshot
from graph.build import CACHE_DIR, build, write_outputs
from graph.knowledge import load_knowledge
from graph.previous import ExtractionCache, PreviousBuild, ReusedDocument
from graph.read import collect
from graph.render import page_html, render_html, script_json
from graph.view_page import page_parts


def kg_build(corpus: Path | list[Path], out: Path, *extra: str) -> str:
    """`kg build CORPUS --out OUT`; returns what it said on stderr."""
    paths = corpus if isinstance(corpus, list) else [corpus]
    result = kg("build", *paths, "--out", out, *extra)
    assert result.exit_code == 0, result.output
    return result.stderr


def clean(corpus: Path | list[Path], out: Path) -> dict[str, str]:
    shutil.rmtree(out, ignore_errors=True)
    kg_build(corpus, out, "--no-cache")
    return snapshot(out)


def rebuild(corpus: Path, out: Path, **options):
    """The API's rebuild (what `kg build` does), for a look at how it went."""
    result = build([corpus], cache_dir=out / CACHE_DIR, **options)
    write_outputs(result, out)
    return result


def incremental(result) -> bool:
    return result.state is not None and result.state.plan is not None


def change(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("incremental") / "corpus"
    generate(24, folder)
    return folder


@pytest.fixture()
def scene(generated, tmp_path) -> tuple[Path, Path]:
    """A copy of the generated corpus and a build of it, with its record."""
    copy = tmp_path / "corpus"
    shutil.copytree(generated, copy)
    out = tmp_path / "out"
    kg_build(copy, out)
    return copy, out


def test_a_rebuild_after_a_change_equals_a_clean_build(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    kg_build(corpus, tmp_path / "out")
    changed = corpus / "001_5d0ced3c1a563988.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Clive Needle", "Clive Needham"), encoding="utf-8")
    (corpus / "004_a62e90012542eaf2.txt").unlink()
    assert kg_build(corpus, tmp_path / "out") == ""  # incremental: nothing to report
    assert snapshot(tmp_path / "out") == clean(corpus, tmp_path / "clean")
    incremental_ttl = (tmp_path / "out" / "graph.ttl").read_bytes()
    assert b"Clive Needham" in incremental_ttl and b"Clive Needle" not in incremental_ttl
    assert b"Sveriges Kommuner och Landsting" not in incremental_ttl  # what the deleted document said is gone


def test_change_delete_add_and_rename_give_the_bytes_of_a_clean_build(scene, tmp_path, caplog):
    corpus, out = scene
    files = sorted(corpus.iterdir())
    steps = {
        "a sentence more": lambda: change(files[3], "\n", "\nThe weather was fine and nobody minded the rain.\n"),
        "a new person": lambda: files[7].write_text(files[7].read_text(encoding="utf-8") + "\nAnna Quistgaard-Holm, "
                                                    "direktør for Socialt Udviklingscenter, sagde ja.\n", encoding="utf-8"),
        "a person gone": lambda: change(files[7], "Anna Quistgaard-Holm", "Someone"),
        "a document deleted": lambda: shutil.move(files[11], tmp_path / files[11].name),
        "a document added": lambda: shutil.copy(tmp_path / files[11].name, corpus / "zz_added.txt"),
        "a document renamed": lambda: files[5].rename(corpus / "aa_renamed.txt"),
    }
    for step, make in steps.items():
        make()
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="graph"):
            result = rebuild(corpus, out)
        assert incremental(result) and result.notes == [], step
        # The store is changed in place; the view is patched unless other nodes are drawn (a new
        # layout): then it is rendered whole.
        made_whole = [m for m in caplog.messages if step == "a sentence more" or not m.startswith("view rendered whole")]
        assert made_whole == [], step
        assert snapshot(out) == clean(corpus, tmp_path / "clean"), step
    before = snapshot(out)
    assert incremental(rebuild(corpus, out))
    assert snapshot(out) == before  # nothing changed: the same bytes again


def test_the_order_of_the_inputs_does_not_matter(scene, tmp_path):
    corpus, out = scene
    files = sorted(corpus.iterdir())
    change(files[2], "\n", "\nOne more line.\n")
    kg_build(files[::-1], out)
    shuffled = files[:]
    random.Random(3).shuffle(shuffled)
    assert snapshot(out) == clean(shuffled, tmp_path / "clean")


def test_changed_rules_and_ontology_invalidate_what_they_affect(tmp_path):
    """A rule file or the ontology changed: every document is extracted again, and the record of
    the previous build (made with other rules) is not used."""
    before, after = tmp_path / "ontology-before", tmp_path / "ontology-after"
    shutil.copytree(SEEDS.parent / "ontology", before)
    shutil.copytree(before, after)
    change(after / "entities" / "organisations.csv", "eurohealthnet,EuroHealthNet,,,,,",
           "eurohealthnet,EuroHealthNet Partnership,EuroHealthNet,,be,,")
    change(after / "kg.ttl", '"Person"@en', '"Person (changed)"@en')
    out = tmp_path / "out"
    rebuild(SEEDS, out, knowledge=load_knowledge(str(before)))
    result = rebuild(SEEDS, out, knowledge=load_knowledge(str(after)))
    assert not incremental(result) and result.cache.hits == 0
    assert result.notes == ["a full build: the previous build's record cannot serve (the rules, the base IRI "
                            "or kg's code changed since the previous build)"]
    reference = tmp_path / "clean"
    write_outputs(build([SEEDS], knowledge=load_knowledge(str(after))), reference)
    assert snapshot(out) == snapshot(reference)
    graph_ttl = (out / "graph.ttl").read_bytes()
    assert b"EuroHealthNet Partnership" in graph_ttl and b"Person (changed)" in graph_ttl


def test_unchanged_documents_are_not_extracted_again(tmp_path):
    kg_build(SEEDS, tmp_path / "out")
    cache_dir = tmp_path / "out" / CACHE_DIR
    stored = pickle.loads((cache_dir / ExtractionCache.FILE).read_bytes())
    assert len(stored["entries"]) == 5
    cache = ExtractionCache(cache_dir, stored["fingerprint"])
    documents, _ = collect([SEEDS])
    assert all(cache.get(d) is not None for d in documents) and cache.hits == 5
    assert ExtractionCache(cache_dir, "another-fingerprint").entries == {}  # other rules: nothing reused


def test_unchanged_files_are_not_read_again(scene, monkeypatch):
    monkeypatch.setattr(graph.previous, "RACY_NS", 0)  # the files were written a moment ago
    corpus, out = scene
    rebuild(corpus, out)
    result = build([corpus], cache_dir=out / CACHE_DIR)
    assert all(isinstance(d, ReusedDocument) for d in result.documents)
    target = sorted(corpus.iterdir())[5]
    info = os.stat(target)
    target.write_bytes(target.read_bytes().replace(b"e", b"E", 1))  # same size, and the old mtime set back
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    result = build([corpus], cache_dir=out / CACHE_DIR)
    assert [d.identifier for d in result.documents if not isinstance(d, ReusedDocument)] == [target.name]  # ctime moved
    # A file read within moments of its change may change again unseen (timestamps tick coarsely):
    # its stat fields are not trusted by the next build.
    monkeypatch.setattr(graph.previous, "RACY_NS", 10**18)
    rebuild(corpus, out)
    result = build([corpus], cache_dir=out / CACHE_DIR)
    assert [d.identifier for d in result.documents if not isinstance(d, ReusedDocument)] == [target.name]


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


DAMAGES = {
    "state.marshal truncated": (lambda cache: truncate(cache / "state.marshal"), "state.marshal is damaged"),
    "state.marshal garbage": (lambda cache: (cache / "state.marshal").write_bytes(os.urandom(300)), "state.marshal is damaged"),
    "refs.marshal deleted": (lambda cache: (cache / "refs.marshal").unlink(), "refs.marshal cannot be read"),
    "view.marshal garbage": (lambda cache: (cache / "view.marshal").write_bytes(b"\x00garbage"), "view.marshal is damaged"),
    "default.marshal empty": (lambda cache: (cache / "default.marshal").write_bytes(b""), "default.marshal is damaged"),
    "segments truncated": (lambda cache: [truncate(p) for p in cache.glob("documents-*.seg")], None),
    "extraction index garbage": (lambda cache: (cache / ExtractionCache.FILE).write_bytes(b"not a pickle"),
                                 "the extraction cache could not be read"),
    "graph.ttl edited": (lambda cache: (cache.parent / "graph.ttl").write_bytes(b"# edited by hand\n"),
                         "graph.ttl is not the one recorded"),
    "graph.html deleted": (lambda cache: (cache.parent / "graph.html").unlink(), None),
    "store deleted": (lambda cache: shutil.rmtree(cache.parent / "store"), None),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_record_gives_a_clean_build_and_says_so(scene, tmp_path, damage):
    corpus, out = scene
    change(sorted(corpus.iterdir())[2], "\n", "\nA new line of text.\n")
    make, message = DAMAGES[damage]
    make(out / CACHE_DIR)
    said = kg_build(corpus, out)
    assert snapshot(out) == clean(corpus, tmp_path / "clean")
    if message:
        assert message in said and said.startswith(("a full build: ", "the extraction cache", "parts of the previous")), said
    # Nothing is lost: the build wrote a whole record again, and the next rebuild is incremental.
    change(sorted(corpus.iterdir())[4], "\n", "\nAnother line.\n")
    assert incremental(rebuild(corpus, out))
    assert snapshot(out) == clean(corpus, tmp_path / "clean")


def test_a_damaged_state_still_reuses_the_extractions(scene):
    corpus, out = scene
    (out / CACHE_DIR / "state.marshal").write_bytes(b"\x00garbage")
    result = rebuild(corpus, out)
    assert not incremental(result) and result.cache.hits == len(result.documents)


def test_a_store_changed_by_an_update_is_loaded_anew(scene, tmp_path, caplog):
    corpus, out = scene
    store = ox.Store(str(out / "store"))
    store.update("INSERT DATA { <http://example.org/s> <http://example.org/p> 'added by hand' }")
    store.flush()
    del store
    change(sorted(corpus.iterdir())[4], "\n", "\nOne more line.\n")
    with caplog.at_level(logging.INFO, logger="graph"):
        rebuild(corpus, out)
    assert any(m.startswith("store loaded anew") for m in caplog.messages)
    assert snapshot(out) == clean(corpus, tmp_path / "clean")


def test_another_folders_record_is_not_trusted(scene, generated, tmp_path):
    """The record describes the outputs beside it: copied next to other outputs it vouches for nothing."""
    _, out = scene
    other = tmp_path / "other"
    shutil.copytree(generated, other)
    change(sorted(other.iterdir())[1], "\n", "\nSomething else entirely.\n")
    elsewhere = tmp_path / "elsewhere"
    kg_build(other, elsewhere, "--no-cache")
    shutil.copytree(out / CACHE_DIR, elsewhere / CACHE_DIR)
    assert "graph.ttl is not the one recorded" in kg_build(other, elsewhere)
    assert snapshot(elsewhere) == clean(other, tmp_path / "clean")


def test_record_parts_of_two_builds_never_mix(scene, tmp_path):
    corpus, out = scene
    saved = tmp_path / "refs.marshal"
    shutil.copy(out / CACHE_DIR / "refs.marshal", saved)
    change(sorted(corpus.iterdir())[1], "\n", "\nA line.\n")
    rebuild(corpus, out)
    shutil.copy(saved, out / CACHE_DIR / "refs.marshal")  # the previous build's part, put back
    previous, _ = PreviousBuild.load(out / CACHE_DIR, graph.previous.code_fingerprint(load_knowledge(), graph.build.DEFAULT_BASE),
                                     graph.build.DEFAULT_MAX_BYTES)
    assert previous.part("refs") is None and previous.damage == ["refs.marshal belongs to another build"]


def test_a_patched_view_with_omitted_nodes_equals_a_rendered_one(scene, tmp_path, monkeypatch):
    """Past max_nodes only the best-connected nodes are drawn; the page says what was left out."""
    monkeypatch.setitem(render_html.__kwdefaults__, "max_nodes", 60)
    corpus, out = scene
    rebuild(corpus, out)  # the record now describes a view of 60 nodes
    change(sorted(corpus.iterdir())[6], "\n", "\nThe meeting ended early.\n")
    assert incremental(rebuild(corpus, out))
    reference = tmp_path / "clean"
    write_outputs(build([corpus]), reference)
    assert snapshot(out) == snapshot(reference)
    assert '"omitted_nodes":0' not in (out / "graph.html").read_text(encoding="utf-8")


def test_a_role_no_document_held_before_is_patched_into_the_view(scene, tmp_path, monkeypatch, caplog):
    """A new role title makes a new role concept: only the new roles name it, so the page is
    patched (not rendered whole) and equals a clean build's."""
    monkeypatch.setitem(render_html.__kwdefaults__, "max_nodes", 60)
    corpus, out = scene
    rebuild(corpus, out)
    page = (out / "graph.html").read_text(encoding="utf-8")
    assert "fyrdirektør" not in page
    change(sorted(corpus.iterdir())[6], "\n", "\nKari Holm, fyrdirektør i Kystverket, sagde ja.\n")
    assert_view_patched_like_a_clean_build(corpus, out, tmp_path, caplog)
    assert "role/fyrdirekt%C3%B8r> a org:Role" in (out / "graph.ttl").read_text(encoding="utf-8")


def assert_view_patched_like_a_clean_build(corpus: Path, out: Path, tmp_path: Path, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="graph"):
        assert incremental(rebuild(corpus, out))
    assert not [m for m in caplog.messages if m.startswith("view rendered whole")]
    reference = tmp_path / "clean"
    write_outputs(build([corpus]), reference)
    assert snapshot(out) == snapshot(reference)


def test_a_reworded_sentence_rewrites_only_the_nodes_it_names(scene, tmp_path, monkeypatch, caplog):
    """The page's tables do not change when a document says the same of the same people in
    other words: the nodes it names and its own entry are written anew, every other node and
    document entry is copied from the previous page, and the page is a clean build's."""
    import graph.render

    corpus, out = scene
    rebuild(corpus, out)
    change(sorted(corpus.iterdir())[6], "stable leadership in adult", "steady leadership in adult")

    def no_renumbering(*args, **kwargs):
        raise AssertionError("the other nodes were renumbered")

    monkeypatch.setattr(graph.render, "renumber_node", no_renumbering)
    assert_view_patched_like_a_clean_build(corpus, out, tmp_path, caplog)
    assert "steady leadership" in (out / "graph.html").read_text(encoding="utf-8")


def test_the_written_page_is_render_htmls(scene, tmp_path):
    """The build writes graph.html from its parts; render_html writes the same bytes."""
    from graph.network import network_from_store

    _, out = scene
    render_html(network_from_store(ox.Store.read_only(str(out / "store"))), tmp_path / "page.html",
                title="Social services leadership graph")
    assert (tmp_path / "page.html").read_bytes() == (out / "graph.html").read_bytes()


def network_data(network) -> tuple:
    return sorted(network.nodes(data=True)), sorted(network.edges(keys=True, data=True))


def test_kg_render_reads_the_view_from_the_record_while_the_store_is_the_built_one(scene, tmp_path):
    """`kg render` on a build folder reads the view from the build's record (a big store takes
    minutes to read): the same network as the store's, and the same page the build wrote."""
    from graph.network import network_from_store
    from graph.previous import recorded_network
    from graph.query import open_store

    _, out = scene
    recorded = recorded_network(out)
    assert recorded is not None
    assert network_data(recorded) == network_data(network_from_store(open_store(out)))
    result = kg("render", "--graph", out, "-o", tmp_path / "page.html")
    assert result.exit_code == 0, result.output
    drawn = json.loads(result.output.split(": ", 1)[1])
    assert (drawn["nodes"], drawn["edges"]) == (recorded.number_of_nodes(), recorded.number_of_edges())
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)  # a copy keeps the files' sizes and times: the record still vouches
    assert recorded_network(copy) is not None


def test_after_an_update_kg_render_reads_the_store(scene, tmp_path):
    """An update changes the store's files: the record no longer vouches for it, and the view is
    read from the store, update included."""
    from graph.previous import recorded_network

    _, out = scene
    update = 'INSERT DATA { <https://example.org/zed> a kg:Person ; foaf:name "Zed Zedsen" }'
    assert kg("query", "--graph", out, "--update", update).exit_code == 0
    assert recorded_network(out) is None
    result = kg("render", "--graph", out, "-o", tmp_path / "page.html")
    assert result.exit_code == 0, result.output
    assert "Zed Zedsen" in (tmp_path / "page.html").read_text(encoding="utf-8")


def test_a_record_of_other_code_or_rules_does_not_serve_kg_render(scene, monkeypatch):
    from graph.previous import recorded_network

    _, out = scene
    monkeypatch.setattr(graph.previous, "code_fingerprint", lambda knowledge, base: "other")
    assert recorded_network(out) is None


def test_the_page_is_its_parts_around_the_data():
    data = {"edges": [], "meta": {"title": "t"}, "nodes": [{"id": "a<b"}], "types": []}
    before, after = page_parts("t")
    assert page_html(data, "t").encode() == before + script_json(data).encode() + after


def test_the_single_pickle_of_earlier_versions_is_still_read(generated, tmp_path):
    """An upgrade from the one-pickle cache re-extracts nothing."""
    from graph.build import extract_all

    knowledge = load_knowledge()
    documents, _ = collect([generated])
    extractions = extract_all(documents, knowledge)
    out = tmp_path / "out"
    (out / CACHE_DIR).mkdir(parents=True)
    entries = {ExtractionCache.key(d): x for d, x in zip(documents, extractions)}
    (out / CACHE_DIR / ExtractionCache.FILE).write_bytes(
        pickle.dumps({"fingerprint": knowledge.fingerprint, "entries": entries}))
    result = rebuild(generated, out)
    assert result.cache.hits == len(documents)
    assert snapshot(out) == clean(generated, tmp_path / "clean")


def test_a_rebuild_that_changes_nothing_drawn_copies_the_page(scene, monkeypatch):
    """Unpacking and packing a big page takes seconds; with no node, edge or note to change the
    previous page's bytes are the new page."""
    import graph.render

    corpus, out = scene
    rebuild(corpus, out)
    before = snapshot(out)

    def no_packing(*args, **kwargs):
        raise AssertionError("the page was packed again")

    monkeypatch.setattr(graph.render, "pack_page", no_packing)
    monkeypatch.setattr(graph.render, "unpack_page", no_packing)
    assert incremental(rebuild(corpus, out))
    assert snapshot(out) == before
