"""Fixtures shared by the command tests: one build of seeds/ per session, and SPARQL over it.

Every command test reads like the README: `CliRunner().invoke(cli, ["build", "seeds", ...])`,
then assertions on what the user sees (stdout, stderr, exit code, the files written).
"""
from __future__ import annotations

import csv
import hashlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result

from graph.cli import cli
from graph.query import PREFIX_HEADER, open_store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
GOLD = Path(__file__).resolve().parent / "data" / "gold" / "seeds.json"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes several seconds (wheel build, fresh virtual environment)")


@pytest.fixture(scope="session", autouse=True)
def private_state(tmp_path_factory):
    """`kg build` records the last build under XDG_STATE_HOME and keeps the unpacked language model
    under XDG_CACHE_HOME: keep the user's own untouched."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        patch.delenv("KG_GRAPH", raising=False)
        yield


def kg(*args: str | Path) -> Result:
    """Run one `kg` command in-process, as a user would type it."""
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="kg")


def snapshot(out: Path) -> dict[str, str]:
    """Per output of a build folder: a digest of its bytes (the store: of its quads), or a problem
    description. Two builds gave the same outputs when their snapshots are equal."""
    state: dict[str, str] = {}
    for name in ("graph.ttl", "graph.html", "build-report.json"):
        path = out / name
        state[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "MISSING"
    store = out / "store"
    if not store.is_dir():
        state["store"] = "MISSING"
    else:
        try:
            quads = sorted(str(q) for q in ox.Store.read_only(str(store)).quads_for_pattern(None, None, None, None))
            state["store"] = hashlib.sha256("\n".join(quads).encode()).hexdigest()
        except (OSError, ValueError) as error:
            state["store"] = f"UNREADABLE: {error}"
    return state


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@dataclass
class Build:
    out: Path
    result: Result


@pytest.fixture(scope="session")
def seeds_build(tmp_path_factory) -> Build:
    """`kg build seeds --out <tmp>`, run once for the whole session."""
    out = tmp_path_factory.mktemp("seeds-build") / "out"
    result = kg("build", SEEDS, "--out", out)
    assert result.exit_code == 0, result.output
    return Build(out, result)


@pytest.fixture(scope="session")
def seeds_out(seeds_build) -> Path:
    return seeds_build.out


@pytest.fixture
def seeds_copy(seeds_build, tmp_path) -> Path:
    """A private copy of the seeds build, for tests that change or damage it."""
    copy = tmp_path / "out"
    shutil.copytree(seeds_build.out, copy)
    return copy


def run_sparql(store: ox.Store, query: str):
    """SELECT: rows as {variable: lexical value or None}; ASK: a bool; CONSTRUCT/DESCRIBE: triples.

    The project's prefixes are predeclared, as `kg query` does, and named graphs are read as one.
    """
    result = store.query(PREFIX_HEADER + query, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QueryTriples):
        return list(result)
    variables = [v.value for v in result.variables]
    return [{v: (s[v].value if s[v] is not None else None) for v in variables} for s in result]


@pytest.fixture(scope="session")
def seeds_store(seeds_build) -> ox.Store:
    return open_store(seeds_build.out)


@pytest.fixture(scope="session")
def sparql(seeds_store):
    """sparql("SELECT ...") against the seeds build; sparql(query, graph=path) against another graph."""

    def query(text: str, graph: Path | None = None):
        return run_sparql(seeds_store if graph is None else open_store(graph), text)

    return query


# ------------------------------------------------------------------ the browser of the view tests

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package, installed by .ci/install-browser
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test; in CI a missing browser fails, never skips."""
    if not CHROMIUM.exists():
        pytest.fail("CI=true but /usr/bin/chromium is missing: .ci/install-browser must run before the tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
