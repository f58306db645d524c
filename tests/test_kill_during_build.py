"""`kg build` killed with SIGKILL at any moment leaves the previous outputs whole and usable.

A small build is made first; then a build of a bigger corpus into the same folder is killed
0.2, 0.5, 1 and 2 seconds after it starts, as its first output is being written, and just
after its first output was replaced. After each kill graph.ttl, graph.html, build-report.json
and store/ must all be there, parse, and each be either the previous one or the new one,
byte for byte (never a torn file); a kill before the write phase must leave exactly the
previous outputs. A deterministic companion crashes the writer just before each step others
can see (every rename or replace, every tree removal, every foreign call such as a renameat2
exchange looked up through ctypes: Python audit events), with os._exit in a forked child, as abrupt as SIGKILL, and
asks the same of every state, plus that the outputs never mix two builds. Temporary files
must be dot-prefixed; the ones left in or beside out/ are reported as warnings. The build
into the folder is an incremental one (the previous build's record is beside it); the companion
crashes the writer of a full and of an incremental build.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pyoxigraph as ox
import pytest

import hostile_corpus  # pytest puts tests/ on sys.path
from conftest import snapshot

OUTPUTS = ("graph.ttl", "graph.html", "build-report.json", "store")
NEW_DOCUMENTS = 45  # with the 3 old ones gone no more than 50 changed, so that a rebuild from the old corpus stays incremental; its build takes about 2.5 s
TIMED_KILLS = (0.2, 0.5, 1.0, 1.5)  # all well before the new outputs take the place of the old


def kg_command() -> list[str]:
    script = Path(sys.executable).with_name("kg")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from graph.cli import main; main()"]


def environment(state: Path) -> dict[str, str]:
    env = dict(os.environ, XDG_STATE_HOME=str(state), OPENBLAS_NUM_THREADS="1", PYTHONIOENCODING="utf-8")
    env.pop("KG_GRAPH", None)
    return env


def write_new_corpus(folder: Path, n: int) -> None:
    """The bigger corpus: tests/bench/corpus.py's generator when there is one, else plain news items."""
    try:
        from bench.corpus import generate  # tests/ is on sys.path
    except ImportError:
        generate = None
    if generate is not None:
        generate(n, folder)
        return
    folder.mkdir(parents=True)
    given = ["Anna", "Lars", "Karin", "Peter", "Mette", "Erik", "Sofia", "Henrik", "Ingrid", "Jonas"]
    family = ["Holm", "Berg", "Lund", "Dahl", "Krogh", "Storm", "Nielsen", "Lindqvist", "Moberg", "Quist"]
    for i in range(n):
        person = f"{given[i % 10]} {family[(i * 7) % 10]}{'sen' * (i // 100)}"
        body = (f"Ny leder nummer {i}\n\n{person}, direktør, Socialt Udviklingscenter, fortalte om ledelse af "
                f"kvalitet i arbejdet med udsatte børn og familier.\n") * 10
        (folder / f"{i:04d}_news.txt").write_text(body, encoding="utf-8")


def problems_of(out: Path) -> list[str]:
    """What is wrong with the outputs in `out`, whichever build they came from."""
    problems = []
    for name in OUTPUTS:
        if not (out / name).exists():
            problems.append(f"{name} is missing")
    if (out / "graph.ttl").is_file():
        try:
            triples = list(ox.parse(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE))
            assert triples, "graph.ttl holds no triples"
        except (SyntaxError, AssertionError) as error:
            problems.append(f"graph.ttl does not parse: {error}")
    if (out / "build-report.json").is_file():
        try:
            json.loads((out / "build-report.json").read_text(encoding="utf-8"))
        except ValueError as error:
            problems.append(f"build-report.json does not parse: {error}")
    if (out / "graph.html").is_file():
        html = (out / "graph.html").read_text(encoding="utf-8")
        if not (html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")):
            problems.append("graph.html is not a whole page")
    if (out / "store").is_dir():
        from graph.query import open_store

        try:
            store = open_store(out)
            stored = {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, None)}
            assert stored, "store/ holds no triples"
            count = list(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", use_default_graph_as_union=True))
            assert int(count[0]["n"].value) == len(stored)
        except Exception as error:  # noqa: BLE001 - any failure to open or query is the finding
            problems.append(f"store/ is not queryable: {error!r}")
    visible = visible_leftovers(out)
    if visible:
        problems.append(f"visible temporary files: {visible}")
    return problems


def dot_leftovers(out: Path) -> list[str]:
    """Dot-prefixed entries a build left in out/ (its cache aside) or beside it (a staging folder)."""
    inside = [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != ".cache"] if out.is_dir() else []
    beside = [f"../{p.name}" for p in out.parent.iterdir() if p.name != out.name and p.name.startswith(".")]
    return sorted(inside + beside)


def visible_leftovers(out: Path) -> list[str]:
    """Entries without a dot that no build should leave in out/ or beside it (out/'s parent holds only out/)."""
    inside = [p.name for p in out.iterdir() if p.name not in OUTPUTS and not p.name.startswith(".")] if out.is_dir() else []
    beside = [f"../{p.name}" for p in out.parent.iterdir() if p.name != out.name and not p.name.startswith(".")]
    return sorted(inside + beside)


def report_leftovers(out: Path, when: str) -> None:
    leftovers = dot_leftovers(out)
    if leftovers:
        warnings.warn(f"after {when}: dot-prefixed temporary files left in the output folder: {leftovers}", stacklevel=2)


class Scene:
    """The folders, the previous outputs, and the reference outputs of the new corpus."""

    def __init__(self, base: Path):
        self.base = base
        self.old_corpus = base / "old-corpus"
        self.old_corpus.mkdir()
        for name, text in (("a-en.txt", hostile_corpus.GOOD_EN), ("b-da.txt", hostile_corpus.GOOD_DA),
                           ("c-sv.txt", hostile_corpus.GOOD_SV)):
            (self.old_corpus / name).write_text(text, encoding="utf-8")
        self.new_corpus = base / "new-corpus"
        write_new_corpus(self.new_corpus, NEW_DOCUMENTS)
        self.out = base / "target" / "out"  # its parent holds nothing else: leftovers beside it show
        self.out.parent.mkdir()
        self.reference = base / "reference"
        started = time.monotonic()
        builds = [self.popen(self.old_corpus, self.out), self.popen(self.new_corpus, self.reference)]  # at once
        for process in builds:
            _, stderr = process.communicate(timeout=600)
            assert process.returncode == 0, stderr[-3000:]
        self.setup_seconds = time.monotonic() - started
        self.previous = snapshot(self.out)
        self.previous_copy = base / "previous-out"
        shutil.copytree(self.out, self.previous_copy, symlinks=True)
        self.new = snapshot(self.reference)
        assert self.new != self.previous
        assert all(value not in {"MISSING"} for value in self.new.values())

    def command(self, corpus: Path, out: Path) -> list[str]:
        return [*kg_command(), "build", str(corpus), "--out", str(out)]

    def popen(self, corpus: Path, out: Path) -> subprocess.Popen:
        return subprocess.Popen(self.command(corpus, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                env=environment(self.base))

    def start(self) -> subprocess.Popen:
        return subprocess.Popen(self.command(self.new_corpus, self.out), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=environment(self.base))

    def restore_previous(self) -> None:
        """Put the previous outputs back (after a kill that replaced some), keeping leftovers."""
        self.out.mkdir(exist_ok=True)
        for name in OUTPUTS:
            target = self.out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            source = self.previous_copy / name
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
        assert snapshot(self.out) == self.previous


@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> Scene:
    return Scene(tmp_path_factory.mktemp("kill"))


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def assert_each_output_is_old_or_new(scene: Scene, when: str) -> dict[str, str]:
    assert problems_of(scene.out) == [], when
    state = snapshot(scene.out)
    torn = {name: value for name, value in state.items() if value not in {scene.previous[name], scene.new[name]}}
    assert torn == {}, f"{when}: outputs that are neither the previous nor the new ones"
    return state


# ------------------------------------------------------------------ real SIGKILLs


@pytest.mark.parametrize("delay", TIMED_KILLS)
def test_sigkill_early_in_the_build_leaves_the_previous_outputs(scene, delay):
    process = scene.start()
    time.sleep(delay)
    assert process.poll() is None, f"the build ended within {delay} s: make the corpus bigger"
    kill(process)
    assert problems_of(scene.out) == []
    assert snapshot(scene.out) == scene.previous
    report_leftovers(scene.out, f"a SIGKILL at {delay} s")


def wait_for(process: subprocess.Popen, condition, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the build ended before {what}")
        if time.monotonic() > deadline:
            kill(process)
            pytest.fail(f"no {what} within {timeout} s")
        time.sleep(0.0005)


def test_sigkill_when_the_first_temporary_output_appears(scene):
    shutil.copytree(scene.reference / ".cache", scene.out / ".cache", dirs_exist_ok=True)  # straight to writing
    staging = scene.out.with_name(f".{scene.out.name}.new")  # the build writes beside out/, then swaps
    before = set(dot_leftovers(scene.out))
    process = scene.start()
    wait_for(process, lambda: staging.exists() or set(dot_leftovers(scene.out)) - before, "a temporary output file")
    kill(process)
    state = assert_each_output_is_old_or_new(scene, "a SIGKILL as the first temporary output appeared")
    if state != scene.previous:
        warnings.warn(f"the kill landed after an output was replaced: {state}", stacklevel=1)
    report_leftovers(scene.out, "a SIGKILL during the write phase")
    scene.restore_previous()


def test_sigkill_just_after_the_first_output_was_replaced(scene):
    shutil.copytree(scene.reference / ".cache", scene.out / ".cache", dirs_exist_ok=True)
    identities = {name: os.stat(scene.out / name).st_ino for name in OUTPUTS}

    def replaced() -> bool:
        try:
            return any(os.stat(scene.out / name).st_ino != inode for name, inode in identities.items())
        except FileNotFoundError:
            return True  # store/ renamed away: that is a replacement too

    process = scene.start()
    wait_for(process, replaced, "a replaced output")
    kill(process)
    scene.after_first_rename = assert_each_output_is_old_or_new(scene, "a SIGKILL just after the first output was replaced")
    report_leftovers(scene.out, "a SIGKILL after the first rename")
    scene.restore_previous()


def test_sigkill_just_after_the_first_rename_leaves_the_outputs_of_one_build(scene):
    state = getattr(scene, "after_first_rename", None)
    assert state is not None, "test_sigkill_just_after_the_first_output_was_replaced did not run"
    parts = {n: "previous" if v == scene.previous[n] else "new" for n, v in state.items()}
    assert state in (scene.previous, scene.new), parts


# ------------------------------------------------------------------ a crash at every step of the writer

CRASH_AT_EVERY_STEP = r"""
import json, os, shutil, sys
from graph.build import build, write_outputs

corpus, previous, cache, work = sys.argv[1:5]
result = build([corpus], cache_dir=cache)
print(json.dumps({"incremental": result.state is not None and result.state.plan is not None}), flush=True)
# The steps that change what a reader sees: renames and replaces, the start of a tree's removal, and
# foreign functions looked up through ctypes (a renameat2 exchange: CPython audits the lookup, not the
# call). A crash goes just before the k-th of them.
STEPS = {"os.rename", "shutil.rmtree", "ctypes.dlsym", "ctypes.call_function"}
k = 0
while k < 60:
    out = os.path.join(work, f"{k:02d}", "out")
    shutil.copytree(previous, out, symlinks=True)
    pid = os.fork()
    if pid == 0:
        seen = []

        def hook(event, args):
            if event in STEPS:
                if len(seen) == k:
                    os._exit(137)  # no clean-up of any kind: as abrupt as SIGKILL
                seen.append(event + " " + " ".join(os.path.basename(str(a)) for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))))

        sys.addaudithook(hook)
        write_outputs(result, out)
        with open(os.path.join(work, "steps.json"), "w") as handle:
            json.dump(seen, handle)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    print(json.dumps({"k": k, "out": out, "crashed": code == 137, "code": code}), flush=True)
    if code != 137:
        break
    k += 1
"""


@pytest.fixture(scope="module", params=["full", "incremental"])
def crashes(scene, request) -> list[dict]:
    """The outputs after a crash before each step of the writer that others can see, and after none:
    of a full build (its cache is not beside the previous outputs), and of an incremental one (from
    the record beside them: graph.ttl, graph.html and the store made from the previous ones)."""
    work = scene.base / f"crashes-{request.param}"
    work.mkdir()
    if request.param == "incremental":
        cache = scene.previous_copy / ".cache"
    else:
        cache = scene.base / "crash-cache"
        shutil.copytree(scene.reference / ".cache", cache)
    result = subprocess.run([sys.executable, "-c", CRASH_AT_EVERY_STEP, str(scene.new_corpus), str(scene.previous_copy),
                             str(cache), str(work)], capture_output=True, text=True, env=environment(scene.base),
                            cwd=scene.base, timeout=600)  # the installed package, not the source tree beside the tests
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines[0] == {"incremental": request.param == "incremental"}
    runs = lines[1:]
    assert runs and not runs[-1]["crashed"] and runs[-1]["code"] == 0, runs
    assert len(runs) >= 2, "the writer made no rename at all"
    steps = json.loads((work / "steps.json").read_text())
    assert len(steps) == len(runs) - 1
    for run in runs:
        run["step"] = steps[run["k"]] if run["crashed"] else "none: the write completed"
        run["problems"] = problems_of(Path(run["out"]))
        run["state"] = snapshot(Path(run["out"]))
    return runs


def test_an_uninterrupted_write_gives_the_reference_outputs(scene, crashes):
    assert crashes[-1]["problems"] == []
    assert crashes[-1]["state"] == scene.new


def test_a_crash_at_any_step_leaves_every_output_whole(scene, crashes):
    found = []
    for run in crashes[:-1]:
        problems = list(run["problems"])
        torn = [n for n, v in run["state"].items() if v not in {scene.previous[n], scene.new[n]}]
        if torn:
            problems.append(f"neither previous nor new: {torn}")
        if problems:
            found.append(f"crash before {run['step']}: {problems}")
    assert found == []


def test_a_crash_at_any_step_never_mixes_two_builds(scene, crashes):
    mixed = []
    for run in crashes[:-1]:
        if run["state"] not in (scene.previous, scene.new):
            parts = {n: "previous" if v == scene.previous[n] else "new" if v == scene.new[n] else v
                     for n, v in run["state"].items()}
            mixed.append(f"crash before {run['step']}: {parts}")
    assert mixed == []


def test_crashes_leave_only_dot_prefixed_temporary_files(crashes):
    for run in crashes:
        out = Path(run["out"])
        assert visible_leftovers(out) == [], f"crash before {run['step']}"
        report_leftovers(out, f"a crash before {run['step']}")


# ------------------------------------------------------------------ and then a build that finishes


def test_a_build_that_finishes_writes_the_new_outputs(scene):
    result = subprocess.run(scene.command(scene.new_corpus, scene.out), capture_output=True, text=True,
                            env=environment(scene.base), timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert problems_of(scene.out) == []
    assert snapshot(scene.out) == scene.new
    report = json.loads((scene.out / "build-report.json").read_text(encoding="utf-8"))
    assert report["counts"]["documents"] == NEW_DOCUMENTS
    report_leftovers(scene.out, "a build that finished after the kills")
