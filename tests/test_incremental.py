"""Incremental builds: unchanged documents are reused from OUT/.cache, and the result is the
same as a clean build of the same corpus, byte for byte."""
from __future__ import annotations

import pickle
import shutil
from pathlib import Path

from click.testing import CliRunner

from graph.build import CACHE_DIR, ExtractionCache
from graph.cli import cli

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def kg_build(corpus: Path, out: Path, *extra: str) -> None:
    result = CliRunner().invoke(cli, ["build", str(corpus), "--out", str(out), "--no-view", *extra])
    assert result.exit_code == 0, result.output


def test_a_rebuild_after_a_change_equals_a_clean_build(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    kg_build(corpus, tmp_path / "out")
    changed = corpus / "001_5d0ced3c1a563988.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Clive Needle", "Clive Needham"), encoding="utf-8")
    (corpus / "004_a62e90012542eaf2.txt").unlink()
    kg_build(corpus, tmp_path / "out")
    kg_build(corpus, tmp_path / "clean", "--no-cache")
    incremental = (tmp_path / "out" / "graph.ttl").read_bytes()
    assert incremental == (tmp_path / "clean" / "graph.ttl").read_bytes()
    assert b"Clive Needham" in incremental and b"Clive Needle" not in incremental
    assert b"Sveriges Kommuner och Landsting" not in incremental  # what the deleted document said is gone


def test_unchanged_documents_are_not_extracted_again(tmp_path):
    kg_build(SEEDS, tmp_path / "out")
    cache_file = tmp_path / "out" / CACHE_DIR / ExtractionCache.FILE
    stored = pickle.loads(cache_file.read_bytes())
    assert len(stored["entries"]) == 5
    cache = ExtractionCache(cache_file.parent, stored["fingerprint"])
    from graph.read import collect

    documents, _ = collect([SEEDS])
    assert all(cache.get(d) is not None for d in documents) and cache.hits == 5


def test_changed_rules_invalidate_the_cache(tmp_path):
    kg_build(SEEDS, tmp_path / "out")
    cache_dir = tmp_path / "out" / CACHE_DIR
    stored = pickle.loads((cache_dir / ExtractionCache.FILE).read_bytes())
    assert ExtractionCache(cache_dir, stored["fingerprint"]).entries
    assert ExtractionCache(cache_dir, "another-fingerprint").entries == {}


def test_a_damaged_cache_only_slows_the_build(tmp_path):
    out = tmp_path / "out"
    (out / CACHE_DIR).mkdir(parents=True)
    (out / CACHE_DIR / ExtractionCache.FILE).write_bytes(b"not a pickle")
    kg_build(SEEDS, out)
    kg_build(SEEDS, tmp_path / "clean", "--no-cache")
    assert (out / "graph.ttl").read_bytes() == (tmp_path / "clean" / "graph.ttl").read_bytes()
