"""The wheel users install: it carries the ontology data and builds the seeds outside the source tree."""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS

SHIPPED = [
    "graph/cli.py",
    "graph/ontology/kg.ttl",
    "graph/ontology/shapes.ttl",
    "graph/ontology/rules/extraction.toml",
    "graph/ontology/lexicon/first_names.csv",
    "graph/ontology/entities/organisations.csv",
    "graph/ontology/schemes/sectors.ttl",
    "graph/templates/view.html",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(folder), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    (found,) = folder.glob("social_services_kg-*.whl")
    return found


def test_wheel_carries_the_ontology_and_the_queries(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [name for name in SHIPPED if name not in names] == []
    queries = {Path(n).name for n in names if n.startswith("graph/ontology/queries/") and n.endswith(".rq")}
    assert queries == {p.name for p in (ROOT / "ontology" / "queries").glob("*.rq")}
    data = {n.removeprefix("graph/ontology/") for n in names if n.startswith("graph/ontology/")}
    source = {p.relative_to(ROOT / "ontology").as_posix() for p in (ROOT / "ontology").rglob("*") if p.is_file()}
    assert source - data == set()
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "kg = graph.cli:main" in entry_points


def test_wheel_carries_no_tests_seeds_or_build_debris(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith(("tests/", "seeds/", "out/")) or "__pycache__" in n or n.endswith(".pyc")]


@pytest.mark.slow
def test_installed_wheel_builds_the_seeds_outside_the_source_tree(wheel, seeds_out, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # Install first, while the fresh venv sees nothing else: pip must not touch the project's own install.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)],
                   check=True, timeout=300)
    # The dependencies come from the project venv, added after the package's own site-packages:
    # a path entry, not a site dir, so the project venv's editable-install hook is not run.
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "KG_GRAPH", "VIRTUAL_ENV"}}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    where = subprocess.run([str(python), "-c", "import graph.cli, graph.knowledge; print(graph.cli.__file__); "
                            "print(graph.knowledge.ontology_dir())"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    assert all(line.startswith(str(venv)) for line in where.stdout.splitlines()), where.stdout

    build = subprocess.run([str(venv / "bin" / "kg"), "build", str(SEEDS), "--out", "out"], cwd=elsewhere, env=env,
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    graph = elsewhere / "out" / "graph.ttl"
    assert "Clive Needle" in graph.read_text(encoding="utf-8")
    assert graph.read_bytes() == (seeds_out / "graph.ttl").read_bytes()  # the installed data is the source's data
    answer = subprocess.run([str(venv / "bin" / "kg"), "query", "who-holds-which-role"], cwd=elsewhere, env=env,
                            capture_output=True, text=True, timeout=120)
    assert answer.returncode == 0, answer.stderr
    assert "Helle Støve,Formand" in answer.stdout
