"""The benchmark's synthetic corpus: deterministic, sized and mixed as specified, and readable by the rules."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.corpus import GENRES, MAX_BYTES, MIN_BYTES, build_world, generate  # noqa: E402

N = 30


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("bench") / "docs"
    return folder, generate(N, folder)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_arguments_give_byte_identical_files(corpus, tmp_path):
    folder, summary = corpus
    again = generate(N, tmp_path / "again")
    assert again == summary
    assert _files(tmp_path / "again") == _files(folder)


def test_another_seed_gives_another_corpus(corpus, tmp_path):
    folder, _ = corpus
    generate(N, tmp_path / "other", seed=8)
    assert _files(tmp_path / "other") != _files(folder)


def test_refuses_a_folder_that_is_not_empty(corpus):
    folder, _ = corpus
    with pytest.raises(FileExistsError):
        generate(N, folder)


def test_sizes_and_summary(corpus):
    folder, summary = corpus
    files = _files(folder)
    assert summary["docs"] == len(files) == N
    assert summary["bytes"] == sum(len(data) for data in files.values())
    for name, data in files.items():
        assert MIN_BYTES <= len(data) <= MAX_BYTES, name
        assert data.endswith(b"\n") and b"\r" not in data
        data.decode("utf-8")
    # 2-6 KB each, so 10,000 documents are about 35-50 MB.
    assert 3500 <= summary["bytes"] / N <= 5000


def test_language_and_genre_mix(corpus):
    from graph.language import detect_language

    folder, summary = corpus
    assert summary["languages"] == {"en": 12, "da": 9, "sv": 9}  # 40 / 30 / 30 %
    by_name = {lang: sum(1 for p in folder.iterdir() if f"_{lang}_" in p.name) for lang in ("en", "da", "sv")}
    assert by_name == summary["languages"]
    detected = [detect_language(p.read_text(encoding="utf-8")) == p.name.split("_")[1] for p in folder.iterdir()]
    assert sum(detected) >= 0.9 * N
    assert set(summary["genres"]) == set(GENRES) and sum(summary["genres"].values()) == N
    assert sum(1 for count in summary["genres"].values() if count) >= 3


def test_pools_grow_with_the_corpus():
    small, large = build_world(100, random.Random(7)).sizes(), build_world(2000, random.Random(7)).sizes()
    assert small["persons"] == 30 and large["persons"] == 600  # 0.3 per document
    assert small["organisations"] == 9 and large["organisations"] == 100  # 0.05 per document (at least 9)
    assert large["municipalities"] > small["municipalities"]
    assert large["reports"] > small["reports"]


def test_the_rules_find_people_and_memberships(corpus):
    from graph.build import build

    folder, _ = corpus
    world = build_world(N, random.Random(7))  # the same pools generate() drew from
    result = build([folder], jobs=2)
    counts = result.counts()
    assert counts["documents"] == N and counts["skipped files"] == 0
    assert counts["persons"] >= 10
    assert counts["organisations"] >= 3 and counts["municipalities"] >= 3
    assert counts["memberships"] >= 3 * N
    assert counts["papers"] >= 1
    names = {e.name for e in result.corpus.entities.values() if e.type == "person"}
    pool = {p.name for people in world.persons.values() for p in people}
    mentioned = {name for name in pool if any(name in p.read_text(encoding="utf-8") for p in folder.iterdir())}
    assert len(mentioned & names) >= 0.5 * len(mentioned)
