"""A rebuild from the previous build's record (OUT/.cache) gives the bytes of a clean build.

A generated corpus is built once; then one document is changed, one deleted, one added, and
after each change the rebuild's graph.ttl, build-report.json, graph.html and store (its sorted
N-Quads and named graphs) must equal those of a clean build of the same files. The rebuild must
have taken the incremental path (nothing logged about making something whole), and a damaged,
foreign or stale record must still give a correct build.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from bench.corpus import generate  # tests/ is on sys.path
from graph import render
from graph.build import CACHE_DIR, ReusedDocument, build, write_outputs
from graph.render import render_html

OUTPUTS = ("graph.ttl", "build-report.json", "graph.html")


def store_digest(out: Path) -> str:
    store = ox.Store.read_only(str(out / "store"))
    quads = sorted(str(q) for q in store.quads_for_pattern(None, None, None, None))
    graphs = sorted(str(g) for g in store.named_graphs())
    return hashlib.sha256(("\n".join(quads) + "\n\n" + "\n".join(graphs)).encode()).hexdigest()


def outputs(out: Path) -> dict[str, str]:
    state = {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in OUTPUTS}
    state["store"] = store_digest(out)
    return state


def rebuild(corpus: Path, out: Path, **options):
    result = build([corpus], cache_dir=out / CACHE_DIR, **options)
    write_outputs(result, out)
    return result


def clean(corpus: Path, out: Path) -> dict[str, str]:
    shutil.rmtree(out, ignore_errors=True)
    write_outputs(build([corpus]), out)
    return outputs(out)


def change(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("incremental") / "corpus"
    generate(24, folder)
    return folder


@pytest.fixture()
def scene(corpus, tmp_path) -> tuple[Path, Path]:
    """A copy of the corpus and a build of it with its record."""
    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    out = tmp_path / "out"
    rebuild(copy, out)
    return copy, out


def incremental_logs(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "graph.build"]


def test_change_delete_and_add_give_the_bytes_of_a_clean_build(scene, tmp_path, caplog):
    corpus, out = scene
    files = sorted(corpus.iterdir())
    # One sentence more in a document: the nodes drawn stay, the view is patched.
    first = files[3]
    change(first, "\n", "\nThe weather was fine and nobody minded the rain at all.\n")
    with caplog.at_level(logging.INFO, logger="graph.build"):
        rebuild(corpus, out)
    assert incremental_logs(caplog) == []
    assert outputs(out) == clean(corpus, tmp_path / "clean")
    # A person renamed: new entities, a changed default graph.
    second = files[7]
    text = second.read_text(encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="graph.build"):
        second.write_text(text + "\nAnna Quistgaard-Holm, direktør for Socialt Udviklingscenter, sagde ja.\n",
                          encoding="utf-8")
        rebuild(corpus, out)
    assert not [m for m in incremental_logs(caplog) if m.startswith("full build")]
    assert outputs(out) == clean(corpus, tmp_path / "clean")
    # A document deleted, then another one added.
    aside = tmp_path / files[11].name
    shutil.move(files[11], aside)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="graph.build"):
        rebuild(corpus, out)
    assert not [m for m in incremental_logs(caplog) if m.startswith("full build") or m.startswith("store")]
    assert outputs(out) == clean(corpus, tmp_path / "clean")
    shutil.copy(aside, corpus / "zz_added.txt")
    rebuild(corpus, out)
    assert outputs(out) == clean(corpus, tmp_path / "clean")
    # Nothing changed: every output the same bytes again.
    before = outputs(out)
    rebuild(corpus, out)
    assert outputs(out) == before


def test_unchanged_files_are_not_read_again(scene, monkeypatch):
    import graph.build

    monkeypatch.setattr(graph.build, "RACY_NS", 0)  # the files were written a moment ago
    corpus, out = scene
    rebuild(corpus, out)
    result = build([corpus], cache_dir=out / CACHE_DIR)
    assert all(isinstance(d, ReusedDocument) for d in result.documents)
    target = sorted(corpus.iterdir())[5]
    info = os.stat(target)
    data = target.read_bytes()
    target.write_bytes(data.replace(b"e", b"E", 1))  # same size, and the old mtime set back
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    result = build([corpus], cache_dir=out / CACHE_DIR)
    reread = [d for d in result.documents if not isinstance(d, ReusedDocument)]
    assert [d.identifier for d in reread] == [target.name]  # its ctime moved on
    # A file read within moments of its change may change again unseen (timestamps tick coarsely):
    # its stat fields are not trusted by the next build.
    monkeypatch.setattr(graph.build, "RACY_NS", 10**18)
    rebuild(corpus, out)
    result = build([corpus], cache_dir=out / CACHE_DIR)
    reread = [d for d in result.documents if not isinstance(d, ReusedDocument)]
    assert [d.identifier for d in reread] == [target.name]


def test_a_damaged_record_gives_a_correct_build(scene, tmp_path):
    corpus, out = scene
    change(sorted(corpus.iterdir())[2], "\n", "\nA new line of text.\n")
    reference = clean(corpus, tmp_path / "clean")
    cache = out / CACHE_DIR
    saved = tmp_path / "saved-out"
    shutil.copytree(out, saved)
    damages = {
        "state": lambda: (cache / "state.marshal").write_bytes(b"\x00garbage"),
        "refs": lambda: (cache / "refs.marshal").write_bytes((cache / "refs.marshal").read_bytes()[:50]),
        "segments": lambda: [p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]) for p in cache.glob("*.seg")],
        "index": lambda: (cache / "extractions.pickle").write_bytes(b"not a pickle"),
        "view": lambda: (cache / "view.marshal").unlink(),
        "default": lambda: (cache / "default.marshal").write_bytes(b""),
        "graph.ttl": lambda: (out / "graph.ttl").write_bytes(b"# edited by hand\n"),
        "graph.html": lambda: (out / "graph.html").unlink(),
        "store": lambda: shutil.rmtree(out / "store"),
        "everything": lambda: shutil.rmtree(cache),
    }
    for name, damage in damages.items():
        shutil.rmtree(out)
        shutil.copytree(saved, out)
        damage()
        rebuild(corpus, out)
        assert outputs(out) == reference, name


def test_a_store_changed_by_an_update_is_loaded_anew(scene, tmp_path, caplog):
    corpus, out = scene
    store = ox.Store(str(out / "store"))
    store.update("INSERT DATA { <http://example.org/s> <http://example.org/p> 'added by hand' }")
    store.flush()
    del store
    change(sorted(corpus.iterdir())[4], "\n", "\nOne more line.\n")
    with caplog.at_level(logging.INFO, logger="graph.build"):
        rebuild(corpus, out)
    assert any(m.startswith("store loaded anew") for m in incremental_logs(caplog))
    assert outputs(out) == clean(corpus, tmp_path / "clean")


def test_another_folders_record_is_not_trusted(scene, corpus, tmp_path):
    """The record describes the outputs beside it: copied next to other outputs it vouches for nothing."""
    copy, out = scene
    other = tmp_path / "other"
    shutil.copytree(corpus, other)
    change(sorted(other.iterdir())[1], "\n", "\nSomething else entirely.\n")
    elsewhere = tmp_path / "elsewhere"
    write_outputs(build([other]), elsewhere)
    shutil.copytree(out / CACHE_DIR, elsewhere / CACHE_DIR, dirs_exist_ok=True)
    rebuild(other, elsewhere)
    assert outputs(elsewhere) == clean(other, tmp_path / "clean")


def test_a_patched_view_with_omitted_nodes_equals_a_rendered_one(scene, tmp_path, monkeypatch):
    """Past max_nodes only the best-connected nodes are drawn; the page says what was left out."""
    monkeypatch.setitem(render_html.__kwdefaults__, "max_nodes", 60)
    corpus, out = scene
    rebuild(corpus, out)  # the record now describes a view of 60 nodes
    change(sorted(corpus.iterdir())[6], "\n", "\nThe meeting ended early.\n")
    rebuild(corpus, out)
    reference = clean(corpus, tmp_path / "clean")
    assert outputs(out) == reference
    page = (out / "graph.html").read_text(encoding="utf-8")
    assert '"omitted_nodes":0' not in page


def test_the_written_page_is_render_htmls(scene, tmp_path):
    """The build writes graph.html from its parts; render_html writes the same bytes."""
    from graph.network import network_from_store

    corpus, out = scene
    render_html(network_from_store(ox.Store.read_only(str(out / "store"))), tmp_path / "page.html",
                title="Social services leadership graph")
    assert (tmp_path / "page.html").read_bytes() == (out / "graph.html").read_bytes()


def test_the_page_is_its_parts_around_the_data():
    from graph.build import _page_parts

    data = {"edges": [], "meta": {"title": "t"}, "nodes": [{"id": "a<b"}], "types": []}
    before, after = _page_parts("t")
    assert render._page(data, "t").encode() == before + render._script_json(data).encode() + after


def test_the_single_pickle_of_earlier_versions_is_still_read(corpus, tmp_path):
    """An upgrade from the one-pickle cache re-extracts nothing."""
    import pickle

    from graph.build import ExtractionCache, extract_all
    from graph.knowledge import load_knowledge
    from graph.read import collect

    knowledge = load_knowledge()
    documents, _ = collect([corpus])
    extractions = extract_all(documents, knowledge)
    out = tmp_path / "out"
    (out / CACHE_DIR).mkdir(parents=True)
    entries = {ExtractionCache.key(d): x for d, x in zip(documents, extractions)}
    (out / CACHE_DIR / ExtractionCache.FILE).write_bytes(
        pickle.dumps({"fingerprint": knowledge.fingerprint, "entries": entries}))
    result = rebuild(corpus, out)
    assert result.cache.hits == len(documents)
    assert outputs(out) == clean(corpus, tmp_path / "clean")
