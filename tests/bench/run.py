"""The scale benchmark: build, rebuild and query synthetic corpora of growing size.

    python -m tests.bench.run --quick                          # sizes 200 and 1,000: a smoke run
    python -m tests.bench.run --sizes 1000,10000 --jobs 2 --json bench.json
    python -m tests.bench.run --profile 1000                   # cProfile of a 1,000-document build

For every size the corpus is generated (tests/bench/corpus.py; cached under --work by size,
seed and a fingerprint of the generator and its inputs), then each measurement runs in a
subprocess of its own so that memory and caches do not leak from one into the next:

build       graph.build.build + graph.build.write_outputs(view=True), the code path of `kg build`,
            timed end to end; the stage functions build.py calls (collect, extract_all, resolve,
            corpus_quads, turtle_bytes, write_store, network_from_store, render_html, ...) are
            wrapped with time.perf_counter for the per-stage breakdown. Peak memory: the build
            process's own ru_maxrss, the largest extraction worker's, and the peak of the sum
            over the process tree (sampled with psutil every 0.2 s when it is installed).
stages      (--explicit-stages) the same stages called one by one by this script.
incremental the rebuild after one changed document, if graph.build offers a cache / the CLI an
            --incremental option; otherwise "incremental: not available".
queries     every shipped named query (ontology/queries/*.rq) plus three of this script (one
            person's roles, one municipality's people, memberships per organisation), through
            graph.query.open_store + run_query on the build's store (median of --runs runs, all rows
            consumed, one subprocess per query), and through rdflib's in-memory Graph loaded from an
            N-Triples export of the same graph (the union of all named graphs, as
            use_default_graph_as_union gives oxigraph); a query slower than 5 s runs once.

A size whose build exceeds --size-timeout seconds (default 900) is stopped; the extraction
progress reached is reported and larger sizes are skipped.
"""
from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import select
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from .corpus import generate, inputs_fingerprint

ROOT = Path(__file__).resolve().parents[2]
QUICK_SIZES = [200, 1000]
DEFAULT_SIZES = [1000, 10000, 50000]
MB = 1024 * 1024

CUSTOM_QUERIES = {
    "bench-person-roles": (
        "# One person's roles (selective; the person with the most memberships)\n"
        "SELECT ?organisation ?role ?title WHERE {\n"
        "  ?m org:member <{person}> ; org:organization ?organisation .\n"
        "  OPTIONAL { ?m org:role ?role } OPTIONAL { ?m kg:roleTitle ?title }\n"
        "}"),
    "bench-person-roles-median": (
        "# One person's roles (selective; a person with the median number of memberships)\n"
        "SELECT ?organisation ?role ?title WHERE {\n"
        "  ?m org:member <{median_person}> ; org:organization ?organisation .\n"
        "  OPTIONAL { ?m org:role ?role } OPTIONAL { ?m kg:roleTitle ?title }\n"
        "}"),
    "bench-municipality-people": (
        "# One municipality's people (selective; the municipality with the most members): the distinct people first,\n"
        "# then their names (one name lookup per person, not per membership)\n"
        "SELECT DISTINCT ?person ?name WHERE {\n"
        "  { SELECT DISTINCT ?person WHERE { ?m org:organization <{municipality}> ; org:member ?person } }\n"
        "  OPTIONAL { ?person foaf:name ?name }\n"
        "}"),
    "bench-memberships-per-organisation": (
        "# Memberships per organisation (whole-graph aggregation)\n"
        "SELECT ?organisation (COUNT(?m) AS ?memberships) WHERE {\n"
        "  ?m a org:Membership ; org:organization ?organisation .\n"
        "} GROUP BY ?organisation ORDER BY DESC(?memberships) ?organisation"),
    "bench-memberships-per-organisation-subselects": (
        "# Memberships per organisation (whole-graph aggregation), written like the shipped queries: one sub-select per\n"
        "# pattern, which Oxigraph joins by hashing instead of one index lookup per membership\n"
        "SELECT ?organisation (COUNT(?m) AS ?memberships) WHERE {\n"
        "  { SELECT ?m ?organisation WHERE { ?m org:organization ?organisation } }\n"
        "  { SELECT ?m WHERE { ?m a org:Membership } }\n"
        "} GROUP BY ?organisation ORDER BY DESC(?memberships) ?organisation"),
}
PICK_PERSON = ("SELECT ?p (COUNT(?m) AS ?n) WHERE { ?m org:member ?p } GROUP BY ?p ORDER BY DESC(?n) STR(?p) LIMIT 1")
PICK_PEOPLE = ("SELECT ?p (COUNT(?m) AS ?n) WHERE { ?m org:member ?p } GROUP BY ?p ORDER BY DESC(?n) STR(?p)")
PICK_MUNICIPALITY = ("SELECT ?o (COUNT(?m) AS ?n) WHERE { ?m org:organization ?o . ?o a kg:Municipality } "
                     "GROUP BY ?o ORDER BY DESC(?n) STR(?o) LIMIT 1")
# The targets of issue 5, on a graph of at least TARGET_TRIPLES triples with the store open.
TARGET_TRIPLES = 1_000_000
SELECTIVE = ("bench-person-roles", "bench-person-roles-median", "bench-municipality-people")
AGGREGATION = ("bench-memberships-per-organisation", "bench-memberships-per-organisation-subselects")
TARGET_MS = {**{name: 100.0 for name in SELECTIVE}, **{name: 1000.0 for name in AGGREGATION}}
TARGET_RATIO = 15.0


# ====================================================================== workers (run in subprocesses)


def _maxrss_mb(who) -> float:
    import resource

    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


class _Progress:
    """Extraction progress written to a small JSON file the parent reads (phase, done, total)."""

    def __init__(self, path: str | None):
        self.path, self.done, self.total, self.last = path, 0, 0, 0.0
        self.phase = "start"
        self.began = time.perf_counter()
        self.phases: list[tuple[str, float]] = []  # (phase, seconds since the build began)
        self.lock = threading.Lock()  # build.py runs stages in threads of their own (the store load)

    def write(self, phase: str | None = None, force: bool = False) -> None:
        with self.lock:
            if phase and phase != self.phase:
                self.phase = phase
                self.phases.append((phase, round(time.perf_counter() - self.began, 2)))
            now = time.monotonic()
            if self.path and (force or now - self.last > 1.0):
                self.last = now
                tmp = self.path + ".tmp"
                state = {"phase": self.phase, "done": self.done, "total": self.total, "phases": self.phases}
                try:
                    Path(tmp).write_text(json.dumps(state))
                    os.replace(tmp, self.path)
                except OSError:
                    pass  # the progress file is a courtesy to the parent; never the build's failure

    def start(self, total: int) -> None:
        self.total = total
        self.write("extract", force=True)

    def advance(self, step: int) -> None:
        self.done += step
        self.write()


class _StageTimer:
    """Wraps the stage functions graph.build looks up at call time, recording (name, start, end)."""

    def __init__(self, on_start=None):
        self.calls: list[tuple[str, float, float]] = []
        self.saved: list[tuple[object, str, object]] = []
        self.on_start = on_start  # called with the stage's label as it starts (the progress file's phase)

    def _wrap(self, owner, attribute: str, name) -> None:
        original = getattr(owner, attribute, None)
        if original is None:
            return
        calls = self.calls

        def timed(*args, **kwargs):
            label = name(args, kwargs) if callable(name) else name
            if self.on_start:
                self.on_start(label)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                calls.append((label, start, time.perf_counter()))

        if callable(original) and not isinstance(original, type):
            functools.update_wrapper(timed, original)  # name, docstring, signature (via __wrapped__) of the original,
            timed.__kwdefaults__ = getattr(original, "__kwdefaults__", None)  # and its keyword defaults: build.py reads them
        self.saved.append((owner, attribute, original))
        setattr(owner, attribute, timed)

    def install(self) -> None:
        import graph.build as gb
        import graph.network as network
        import graph.render as render

        for attribute, label in (("collect", "read"), ("extract_all", "extract"), ("resolve", "resolve"),
                                 ("corpus_quads", "rdf"), ("corpus_graph", "rdf"), ("turtle_bytes", "write turtle"),
                                 ("write_turtle", "write turtle"), ("write_store", "write store"),
                                 ("view_network", "view: network"), ("write_view", "render")):
            if hasattr(gb, attribute):  # write_store runs in a thread of its own, beside the Turtle and the view
                self._wrap(gb, attribute, label)
        def written(args, kwargs) -> str:
            name = Path(args[0] if args else kwargs.get("path", "")).name
            if name == getattr(gb, "GRAPH_FILE", "graph.ttl"):
                return "write turtle"
            if name == getattr(gb, "REPORT_FILE", "build-report.json"):
                return "report"
            return "write cache" if name.endswith(".pickle") else "other writes"

        self._wrap(gb, "write_bytes_atomically", written)
        self._wrap(gb.BuildResult, "counts", "report")
        self._wrap(network, "network_from_store", "view: network")
        self._wrap(render, "render_html", "view: render_html")

    def uninstall(self) -> None:
        for owner, attribute, original in reversed(self.saved):
            setattr(owner, attribute, original)
        self.saved.clear()

    def stages(self, wall: float) -> dict[str, float]:
        totals: dict[str, float] = {}
        for label, start, end in self.calls:
            totals[label] = totals.get(label, 0.0) + (end - start)
        ends = {label: end for label, _, end in self.calls}
        # render = from the end of the store write (or of the Turtle) to the end of render_html: the in-memory
        # store load, network_from_store and render_html.
        before = ends.get("write store") or ends.get("write turtle")
        if "view: render_html" in ends and before is not None:
            totals["render"] = ends["view: render_html"] - before
        order = ["read", "extract", "resolve", "rdf", "write turtle", "write store", "render", "report", "write cache",
                 "other writes"]
        result = {k: round(totals[k], 4) for k in order if k in totals}
        accounted = sum(result.values())
        result["other"] = round(max(0.0, wall - accounted), 4)
        for extra in ("view: network", "view: render_html"):
            if extra in totals:
                result[extra] = round(totals[extra], 4)
        return result


def _tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def worker_build(spec: dict) -> dict:
    """The real path: build() + write_outputs(view=True), stage functions timed by wrappers."""
    import resource

    started = time.perf_counter()
    import graph.build as gb

    imported = time.perf_counter() - started
    progress = _Progress(spec.get("progress"))
    timer = _StageTimer(on_start=lambda label: progress.write(label if label != "extract" else None, force=True))
    timer.install()
    out = Path(spec["out"])
    if out.exists():
        shutil.rmtree(out)
    options = {}
    if not spec.get("no_cache") and _accepts(gb.build, "cache_dir"):
        options["cache_dir"] = out / getattr(gb, "CACHE_DIR", ".cache")  # what `kg build` does by default
    t0 = progress.began = time.perf_counter()
    result = gb.build([spec["docs"]], jobs=spec["jobs"], progress=progress.advance, on_documents=progress.start, **options)
    progress.write("write outputs", force=True)
    gb.write_outputs(result, out, view=True)
    wall = time.perf_counter() - t0
    progress.done = len(result.documents)
    progress.write("done", force=True)
    timer.uninstall()
    peak_main = _maxrss_mb(resource.RUSAGE_SELF)
    peak_workers = _maxrss_mb(resource.RUSAGE_CHILDREN)
    counts = result.counts()
    return {"wall_s": round(wall, 3), "import_s": round(imported, 3), "stages_s": timer.stages(wall),
            "cache": "cache_dir" in options,
            "peak_main_mb": round(peak_main, 1), "peak_worker_mb": round(peak_workers, 1), "counts": counts,
            "documents": len(result.documents), "skipped": len(result.skipped),
            "files": {"graph.ttl": _tree_size(out / "graph.ttl"), "store": _tree_size(out / "store"),
                      "graph.html": _tree_size(out / "graph.html")}}


def _accepts(function, parameter: str) -> bool:
    import inspect

    try:
        return parameter in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def worker_stages(spec: dict) -> dict:
    """The stages called one by one (mirrors write_outputs), for a breakdown independent of build.py's wiring."""
    import resource

    import pyoxigraph as ox

    from graph.build import extract_all, write_store
    from graph.knowledge import load_knowledge
    from graph.network import network_from_store
    from graph.rdf import corpus_quads, turtle_bytes, write_bytes_atomically
    from graph.read import collect
    from graph.render import render_html
    from graph.resolve import resolve

    out = Path(spec["out"])
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    times: dict[str, float] = {}

    def step(name, function, *args, **kwargs):
        start = time.perf_counter()
        value = function(*args, **kwargs)
        times[name] = round(time.perf_counter() - start, 4)
        return value

    knowledge = step("knowledge", load_knowledge)
    documents, _ = step("read", collect, [Path(spec["docs"])])
    extractions = step("extract", extract_all, documents, knowledge, jobs=spec["jobs"])
    corpus = step("resolve", resolve, extractions, knowledge)
    quads = step("rdf", corpus_quads, corpus, knowledge)
    step("write turtle", lambda: write_bytes_atomically(out / "graph.ttl", turtle_bytes(quads)))
    step("write store", write_store, quads, out / "store")

    def view_store():
        memory = ox.Store()
        memory.bulk_extend(quads)
        return memory

    memory = step("view: store load", view_store)
    network = step("view: network", network_from_store, memory)
    step("view: render_html", render_html, network, out / "graph.html", title="Social services leadership graph")
    times["render"] = round(times["view: store load"] + times["view: network"] + times["view: render_html"], 4)
    return {"stages_s": times, "total_s": round(sum(v for k, v in times.items() if not k.startswith("view:") and k != "render")
                                              + times["render"], 3),
            "peak_main_mb": round(_maxrss_mb(resource.RUSAGE_SELF), 1), "quads": len(quads)}


def _consume(result) -> int:
    """Read the whole answer into Python: every row and every term of it (rdflib's rows are Python tuples of terms
    already, so both engines pay for the objects a caller gets)."""
    import pyoxigraph as ox

    if result is None:
        return 0
    if isinstance(result, (ox.QueryBoolean, bool)):
        return 1
    rows = 0
    for row in result:
        tuple(row)
        rows += 1
    return rows


def worker_pick(spec: dict) -> dict:
    """The IRIs of the selective queries: the person and the municipality with the most memberships."""
    from graph.query import open_store, run_query

    store = open_store(spec["out"])
    picked = {}
    for key, query in (("person", PICK_PERSON), ("municipality", PICK_MUNICIPALITY)):
        rows = list(run_query(store, query))
        picked[key] = rows[0][0].value if rows else None
        picked[f"{key}_memberships"] = int(rows[0][1].value) if rows else 0
    people = list(run_query(store, PICK_PEOPLE))
    if people:
        median = people[len(people) // 2]
        picked["median_person"], picked["median_person_memberships"] = median[0].value, int(median[1].value)
    picked["store_triples"] = len(store)
    return picked


def worker_query(spec: dict) -> dict:
    """One query on the build's store: open it, run it --runs times consuming every row."""
    from graph.query import open_store, run_query

    start = time.perf_counter()
    store = open_store(spec["out"])
    opened = time.perf_counter() - start
    times, rows = [], 0
    for index in range(spec["runs"]):
        start = time.perf_counter()
        rows = _consume(run_query(store, spec["text"]))
        times.append(time.perf_counter() - start)
        if index == 0 and times[0] > spec.get("slow_s", 5.0):
            break
    return {"times_s": [round(t, 6) for t in times], "rows": rows, "open_s": round(opened, 4)}


def worker_convert(spec: dict) -> dict:
    """graph.ttl (the union of all graphs) to N-Triples, streamed by oxigraph."""
    import pyoxigraph as ox

    start = time.perf_counter()
    triples = 0

    def counted():
        nonlocal triples
        for triple in ox.parse(path=spec["ttl"], format=ox.RdfFormat.TURTLE):
            triples += 1
            yield triple

    ox.serialize(counted(), spec["nt"], format=ox.RdfFormat.N_TRIPLES)
    return {"convert_s": round(time.perf_counter() - start, 3), "triples": triples,
            "nt_bytes": Path(spec["nt"]).stat().st_size}


def worker_rdflib(spec: dict) -> dict:
    """Load the N-Triples into rdflib's default in-memory Graph, then run each query in a forked child."""
    import resource

    import rdflib

    start = time.perf_counter()
    graph = rdflib.Graph()
    graph.parse(spec["nt"], format="nt")
    loaded = time.perf_counter() - start
    out = {"load_s": round(loaded, 3), "triples": len(graph), "queries": {},
           "load_peak_mb": round(_maxrss_mb(resource.RUSAGE_SELF), 1)}
    for name, text in spec["queries"].items():
        out["queries"][name] = _forked_rdflib_query(graph, spec["prefixes"] + text, spec["runs"], spec["timeout"],
                                                    spec.get("slow_s", 5.0))
    return out


def _forked_rdflib_query(graph, text: str, runs: int, timeout: float, slow_s: float) -> dict:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: run, report on the pipe, leave without cleanup
        os.close(read_end)
        try:
            times, rows = [], 0
            for index in range(runs):
                start = time.perf_counter()
                rows = sum(1 for row in graph.query(text) if tuple(row) is not None)  # rows are tuples of terms already
                times.append(time.perf_counter() - start)
                if index == 0 and times[0] > slow_s:
                    break
            payload = {"times_s": [round(t, 6) for t in times], "rows": rows}
        except BaseException as error:  # noqa: BLE001 - reported, not raised
            payload = {"error": f"{type(error).__name__}: {error}"[:500]}
        os.write(write_end, json.dumps(payload).encode())
        os.close(write_end)
        os._exit(0)
    os.close(write_end)
    chunks, deadline = [], time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_end)
            return {"timeout_s": timeout}
        ready, _, _ = select.select([read_end], [], [], min(left, 1.0))
        if ready:
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    try:
        return json.loads(b"".join(chunks).decode())
    except ValueError:
        return {"error": "the query process died"}


def worker_incremental(spec: dict) -> dict:
    """Cold build with the cache, unchanged rebuild, then a rebuild after one changed document."""
    mode = spec["mode"]
    docs = Path(spec["docs"])
    work = Path(spec["work"])
    if work.exists():
        shutil.rmtree(work)
    copy = work / "docs"
    copy.mkdir(parents=True)
    for path in sorted(docs.iterdir()):
        try:
            os.link(path, copy / path.name)
        except OSError:
            shutil.copy2(path, copy / path.name)
    out, cache = work / "out", work / "cache"
    os.environ["XDG_STATE_HOME"] = str(work / "state")  # the CLI's last-build marker stays in the bench folder
    hits: list[int] = []
    paths: list[str] = []  # per run: "incremental", or why it was a full build
    if mode == "api-cache-dir" and spec.get("built") and Path(spec["built"]).is_dir():
        shutil.copytree(spec["built"], out, symlinks=True)  # the full build's outputs and cache: no cold build needed

    def run() -> float:
        start = time.perf_counter()
        if mode == "api-cache-dir":
            import graph.build as gb

            result = gb.build([copy], jobs=spec["jobs"], cache_dir=out / getattr(gb, "CACHE_DIR", ".cache"))
            gb.write_outputs(result, out, view=True)
            if getattr(result, "cache", None) is not None and hasattr(result.cache, "hits"):
                hits.append(result.cache.hits)
            if hasattr(result, "notes"):
                plan = getattr(getattr(result, "state", None), "plan", None)
                paths.append("incremental" if plan is not None else "; ".join(result.notes) or "full build")
        elif mode == "api-cache":
            import graph.build as gb

            result = gb.build([copy], jobs=spec["jobs"], cache=cache)
            gb.write_outputs(result, out, view=True)
        elif mode == "api-incremental":
            import graph.build as gb

            result = gb.build([copy], jobs=spec["jobs"], incremental=True)
            gb.write_outputs(result, out, view=True)
        else:
            from graph.cli import cli

            args = ["build", str(copy), "--out", str(out), "--jobs", str(spec["jobs"]), spec["flag"]]
            if spec["flag"] == "--cache":
                args.append(str(cache))
            try:
                cli.main(args, standalone_mode=False)
            except SystemExit as exit_:
                if exit_.code not in (0, None):
                    raise
        return round(time.perf_counter() - start, 3)

    cold = None if (out / ".cache").is_dir() or (mode == "api-cache-dir" and out.is_dir()) else run()
    unchanged = run()
    victim = sorted(copy.iterdir())[len(list(copy.iterdir())) // 2]
    text = victim.read_text(encoding="utf-8")
    victim.unlink()  # a new file, so the hard-linked original stays as it was
    victim.write_text(text + "\nAnna Benchmark-Holm, direktør i Aalborg Kommune, kommenterer ændringen.\n", encoding="utf-8")
    changed = run()
    return {"mode": mode, "cold_s": cold, "unchanged_s": unchanged, "one_changed_s": changed, "changed": victim.name,
            "cache_hits": hits, "paths": paths}


def worker_profile(spec: dict) -> dict:
    """cProfile of build() + write_outputs(view=True) with jobs=1, so extraction runs in this process."""
    import cProfile
    import io
    import pstats

    import graph.build as gb

    out = Path(spec["out"])
    if out.exists():
        shutil.rmtree(out)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    result = gb.build([spec["docs"]], jobs=1)
    gb.write_outputs(result, out, view=True)
    profiler.disable()
    wall = time.perf_counter() - start
    profiler.dump_stats(spec["prof"])
    texts = {}
    for key in ("cumulative", "tottime"):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        stats.strip_dirs().sort_stats(key).print_stats(spec["top"])
        texts[key] = buffer.getvalue()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, function), (cc, nc, tt, ct, _) in stats.stats.items():
        rows.append({"function": f"{Path(filename).name}:{line}({function})", "calls": nc, "tottime_s": round(tt, 3),
                     "cumtime_s": round(ct, 3)})
    top = {key: sorted(rows, key=lambda r: -r[f"{key}_s"])[: spec["top"]] for key in ("cumtime", "tottime")}
    Path(spec["txt"]).write_text(texts["cumulative"] + "\n" + texts["tottime"], encoding="utf-8")
    return {"wall_s": round(wall, 3), "documents": len(result.documents), "top": top, "prof": spec["prof"],
            "txt": spec["txt"]}


WORKERS = {"build": worker_build, "stages": worker_stages, "pick": worker_pick, "query": worker_query,
           "convert": worker_convert, "rdflib": worker_rdflib, "incremental": worker_incremental,
           "profile": worker_profile}


def worker_main(kind: str, spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    try:
        result = {"ok": True, **WORKERS[kind](spec)}
    except Exception as error:  # reported to the parent, which prints it
        import traceback

        result = {"ok": False, "error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}
    Path(spec["result"]).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0 if result["ok"] else 1


# ====================================================================== the parent


class _TreeSampler(threading.Thread):
    """Peak of the summed RSS of a process and its descendants (psutil; silently off without it)."""

    def __init__(self, pid: int, progress: Path | None, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.progress, self.interval = pid, progress, interval
        self.peak = 0
        self.stop_flag = threading.Event()
        try:
            import psutil  # noqa: F401

            self.available = True
        except ImportError:
            self.available = False

    def run(self) -> None:
        if not self.available:
            return
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stop_flag.is_set():
            if self.progress and self.progress.is_file():
                try:
                    if json.loads(self.progress.read_text()).get("phase") == "done":
                        return  # after the build: what follows (counts, exports) is not the build's memory
                except (OSError, ValueError):
                    pass
            try:
                total = root.memory_info().rss
                for child in root.children(recursive=True):
                    try:
                        total += child.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                return
            self.peak = max(self.peak, total)
            self.stop_flag.wait(self.interval)


class Runner:
    def __init__(self, args):
        self.args = args
        self.work = Path(args.work)
        self.work.mkdir(parents=True, exist_ok=True)

    # --- subprocesses

    def worker(self, kind: str, spec: dict, timeout: float, tag: str, progress: Path | None = None,
               echo_progress: bool = False) -> dict:
        folder = self.work / "runs"
        folder.mkdir(exist_ok=True)
        spec_path, result_path = folder / f"{tag}-{kind}.spec.json", folder / f"{tag}-{kind}.result.json"
        result_path.unlink(missing_ok=True)
        spec = dict(spec, result=str(result_path))
        spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        env = dict(os.environ, PYTHONHASHSEED="0", XDG_STATE_HOME=str(self.work / "state"))
        command = [sys.executable, "-m", "tests.bench.run", "--worker", kind, str(spec_path)]
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        sampler = _TreeSampler(process.pid, progress)
        sampler.start()
        timed_out, last_echo = False, start
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter()
            if now - start > timeout:
                timed_out = True
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                pid, status, usage = os.wait4(process.pid, 0)
                break
            if echo_progress and progress and now - last_echo > 30:
                last_echo = now
                state = _read_json(progress)
                if state:
                    print(f"    ... {state.get('phase')}: {state.get('done', 0):,}/{state.get('total', 0):,} documents"
                          f" after {now - start:,.0f} s", flush=True)
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop_flag.set()
        sampler.join(2)
        elapsed = time.perf_counter() - start
        result = _read_json(result_path) or {"ok": False, "error": f"no result (exit code {process.returncode})"}
        if timed_out:
            result = {"ok": False, "error": f"timeout after {timeout:,.0f} s", "timeout": True}
            if progress:
                result["progress"] = _read_json(progress)
        result["process_s"] = round(elapsed, 3)
        result["process_peak_mb"] = round(usage.ru_maxrss / 1024, 1)  # largest single process in the tree
        if sampler.available and sampler.peak:
            result["tree_peak_mb"] = round(sampler.peak / MB, 1)
        if not result.get("ok") and not timed_out and result.get("traceback"):
            print(result["traceback"], file=sys.stderr)
        return result

    # --- corpus

    def corpus(self, n: int) -> tuple[Path, dict]:
        key = f"corpus-{n}-s{self.args.seed}-{inputs_fingerprint()}"
        folder = self.work / key
        summary_path = folder / "summary.json"
        if summary_path.is_file() and (folder / "docs").is_dir():
            return folder / "docs", json.loads(summary_path.read_text(encoding="utf-8"))
        if folder.exists():
            shutil.rmtree(folder)
        fresh = self.work / f".{key}.tmp"
        if fresh.exists():
            shutil.rmtree(fresh)
        start = time.perf_counter()
        summary = generate(n, fresh / "docs", seed=self.args.seed)
        summary["generate_s"] = round(time.perf_counter() - start, 2)
        (fresh / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(fresh, folder)
        return folder / "docs", summary

    # --- the queries alone, on a build folder given with --graph

    def graph(self, out: Path) -> dict:
        from graph.query import open_store

        if not (out / "store").is_dir():
            raise SystemExit(f"--graph {out}: no store/ in it (give the --out folder of a `kg build`)")
        report = _read_json(out / "build-report.json") or {}
        triples = (report.get("counts") or {}).get("triples")
        if not isinstance(triples, int):
            triples = len(open_store(out))
        print(f"\n== queries on {out} ({triples:,} triples; git {_git_commit()}) ==", flush=True)
        return {"dir": str(out), "triples": triples, "git": _git_commit(), "queries": self.queries("graph", out, triples)}

    # --- one size

    def size(self, n: int) -> dict:
        args = self.args
        deadline = time.monotonic() + args.size_timeout
        docs, summary = self.corpus(n)
        record: dict = {"size": n, "corpus": {k: summary[k] for k in ("docs", "bytes", "languages", "genres", "pools")},
                        "corpus_dir": str(docs), "git": _git_commit()}
        mb = summary["bytes"] / 1e6
        print(f"\n== {n:,} documents ({mb:.1f} MB; seed {args.seed}; git {record['git']}; corpus {docs}) ==", flush=True)
        out = self.work / f"out-{n}"
        progress = self.work / "runs" / f"{n}-build.progress.json"
        (self.work / "runs").mkdir(exist_ok=True)
        previous = _read_json(self.work / "runs" / f"{n}-build.result.json")
        if args.reuse_build and previous and previous.get("ok") and (out / "store").is_dir():
            print(f"build: reusing {out} (--reuse-build); its figures are those of the earlier run")
            record["build"] = dict(previous, reused=True)
            if not args.no_queries:
                record["queries"] = self.queries(n, out, previous["counts"]["triples"])
            return record
        progress.unlink(missing_ok=True)
        build = self.worker("build", {"docs": str(docs), "out": str(out), "jobs": args.jobs, "progress": str(progress),
                                      "no_cache": args.no_cache},
                            max(1.0, deadline - time.monotonic()), f"{n}", progress=progress, echo_progress=True)
        record["build"] = build
        if not build.get("ok"):
            if build.get("timeout"):
                state = build.get("progress") or {}
                phases = [tuple(p) for p in state.get("phases", [])]
                starts = dict(phases)
                done = state.get("done", 0)
                extract_end = next((t for phase, t in phases if phase not in ("read", "extract") and phase in starts), None)
                extract_start = starts.get("extract", 0.0)
                if extract_end is not None:
                    rate = n / max(1e-9, extract_end - extract_start)
                    extraction = f"extraction of all {n:,} documents took ~{extract_end - extract_start:,.0f} s ({rate:.1f} docs/s)"
                else:
                    elapsed = build["process_s"] - extract_start
                    rate = done / elapsed if elapsed > 0 else 0
                    extraction = (f"{done:,}/{n:,} documents extracted ({rate:.1f} docs/s: all of them would take"
                                  f" ~{n / rate if rate else float('inf'):,.0f} s)")
                build["extract_rate_docs_s"] = round(rate, 2)
                print(f"build: STOPPED after {build['process_s']:,.0f} s (--size-timeout {args.size_timeout:,.0f})"
                      f" in phase '{state.get('phase')}'; {extraction}", flush=True)
                if phases:
                    print("  phases began at (s): " + ", ".join(f"{phase} {t:,.0f}" for phase, t in phases))
                if build.get("tree_peak_mb"):
                    print(f"  peak RSS of the process tree until then: {build['tree_peak_mb']:,.0f} MB"
                          f" (largest single process {build['process_peak_mb']:,.0f} MB)")
            else:
                print(f"build: FAILED: {build.get('error')}", flush=True)
            record["stopped"] = True
            return record
        self._print_build(n, summary, build)
        if args.explicit_stages:
            stages = self.worker("stages", {"docs": str(docs), "out": str(self.work / f"out-{n}-stages"),
                                            "jobs": args.jobs}, max(1.0, deadline - time.monotonic()), f"{n}")
            record["explicit_stages"] = stages
            if stages.get("ok"):
                print("explicit stages (s): " + "  ".join(f"{k} {v:.2f}" for k, v in stages["stages_s"].items()))
            else:
                print(f"explicit stages: FAILED: {stages.get('error')}")
        record["incremental"] = self.incremental(n, docs, deadline)
        if args.no_queries:
            print("queries: skipped (--no-queries)")
        else:
            record["queries"] = self.queries(n, out, build["counts"]["triples"])
        record["elapsed_s"] = round(args.size_timeout - (deadline - time.monotonic()), 1)
        return record

    def _print_build(self, n: int, summary: dict, build: dict) -> None:
        wall, mb = build["wall_s"], summary["bytes"] / 1e6
        counts = build["counts"]
        memory = f"peak RSS: build process {build['peak_main_mb']:,.0f} MB, largest worker {build['peak_worker_mb']:,.0f} MB"
        if "tree_peak_mb" in build:
            memory += f", whole tree {build['tree_peak_mb']:,.0f} MB"
        cache = {True: ", extraction cache written", False: ", no cache"}.get(build.get("cache"), "")
        print(f"build (build + write_outputs(view=True), --jobs {self.args.jobs}{cache}): {wall:,.1f} s"
              f" = {n / wall:,.1f} docs/s, {mb / wall:.3f} MB/s; process {build['process_s']:,.1f} s"
              f" (imports {build['import_s']:.1f} s)")
        print(memory)
        print(f"graph: {counts['triples']:,} triples; " + ", ".join(
            f"{counts.get(k, 0):,} {k}" for k in ("persons", "organisations", "municipalities", "papers", "memberships")))
        files = build["files"]
        print(f"files: graph.ttl {files['graph.ttl'] / MB:,.1f} MB, store {files['store'] / MB:,.1f} MB,"
              f" graph.html {files['graph.html'] / MB:,.1f} MB")
        stages = build["stages_s"]
        main = [k for k in stages if not k.startswith("view:")]
        print("stages (s): " + "  ".join(f"{k} {stages[k]:,.2f} ({100 * stages[k] / wall:.0f}%)" for k in main))
        sub = [k for k in stages if k.startswith("view:")]
        if sub:
            print("  within render: " + "  ".join(f"{k[6:]} {stages[k]:,.2f}" for k in sub)
                  + "  (the rest: loading the in-memory store)")

    # --- incremental

    def incremental(self, n: int, docs: Path, deadline: float) -> dict:
        support = incremental_support()
        if support is None or self.args.no_incremental:
            reason = "not available" if support is None else "skipped (--no-incremental)"
            print(f"incremental: {reason}")
            return {"available": support is not None, "skipped": True}
        mode, flag = support
        result = self.worker("incremental", {"docs": str(docs), "work": str(self.work / f"incremental-{n}"),
                                             "jobs": self.args.jobs, "mode": mode, "flag": flag,
                                             "built": str(self.work / f"out-{n}") if not self.args.no_cache else None},
                             self.args.size_timeout, f"{n}")  # a budget of its own: the build's is spent
        if result.get("ok"):
            cold = f"cold {result['cold_s']:,.1f} s, " if result.get("cold_s") is not None else "cache of the full build, "
            hits = f" (cache hits {', '.join(f'{h:,}' for h in result['cache_hits'])})" if result.get("cache_hits") else ""
            if result.get("paths"):
                hits += f" (paths: {', '.join(result['paths'])})"
            print(f"incremental ({mode}{' ' + flag if flag else ''}): {cold}rebuild unchanged {result['unchanged_s']:,.1f} s,"
                  f" after one changed document {result['one_changed_s']:,.1f} s{hits}")
        else:
            print(f"incremental ({mode}): FAILED: {result.get('error')}")
        return {"available": True, **result}

    # --- queries

    def queries(self, n, out: Path, triples: int) -> dict:
        from graph.query import PREFIX_HEADER, named_queries

        args = self.args
        texts = {name: q.text for name, q in named_queries().items()}
        shipped = set(texts)
        picked = self.worker("pick", {"out": str(out)}, args.query_timeout, f"{n}")
        record: dict = {"picked": picked, "oxigraph": {}, "rdflib": None, "cli": {}, "triples": triples}
        if picked.get("ok"):
            for name, key in (("bench-person-roles", "person"), ("bench-person-roles-median", "median_person"),
                              ("bench-municipality-people", "municipality")):
                if picked.get(key):
                    texts[name] = CUSTOM_QUERIES[name].replace("{" + key + "}", picked[key])
        for name in AGGREGATION:
            texts[name] = CUSTOM_QUERIES[name]
        for name, text in texts.items():
            record["oxigraph"][name] = self.worker("query", {"out": str(out), "text": text, "runs": args.runs},
                                                   args.query_timeout, f"{n}-{name}")
        if not args.no_cli:
            for name, text in texts.items():
                record["cli"][name] = self.cli_query(n, out, name if name in shipped else None, text)
        if args.no_rdflib:
            print("rdflib: skipped (--no-rdflib)")
        elif triples > args.rdflib_max_triples:
            print(f"rdflib: skipped ({triples:,} triples > --rdflib-max-triples {args.rdflib_max_triples:,})")
            record["rdflib"] = {"skipped": f"{triples} triples > {args.rdflib_max_triples}"}
        else:
            nt = self.work / "runs" / f"{n}-graph.nt"
            convert = self.worker("convert", {"ttl": str(out / "graph.ttl"), "nt": str(nt)}, 3600, f"{n}")
            if convert.get("ok"):
                rdf = self.worker("rdflib", {"nt": str(nt), "queries": texts, "prefixes": PREFIX_HEADER,
                                             "runs": args.runs, "timeout": args.rdflib_query_timeout},
                                  args.rdflib_query_timeout * (len(texts) + 1) + 7200, f"{n}")
                rdf["convert"] = convert
                record["rdflib"] = rdf
            else:
                record["rdflib"] = {"ok": False, "error": f"N-Triples export failed: {convert.get('error')}"}
            nt.unlink(missing_ok=True)
        self._print_queries(record, picked)
        return record

    def cli_query(self, n, out: Path, name: str | None, text: str) -> dict:
        """`kg query NAME --graph OUT --format csv` (or @file.rq for the benchmark's own queries) as a user runs it:
        a new process, wall time from start to exit, the CSV read off its standard output."""
        folder = self.work / "runs"
        argument = name
        if name is None:
            path = folder / f"{n}-{hash(text) & 0xFFFFFFFF:08x}.rq"
            path.write_text(text, encoding="utf-8")
            argument = f"@{path}"
        kg = Path(sys.executable).with_name("kg")
        command = [str(kg)] if kg.is_file() else [sys.executable, "-c", "from graph.cli import main; main()"]
        command += ["query", argument, "--graph", str(out), "--format", "csv"]
        env = dict(os.environ, XDG_STATE_HOME=str(self.work / "state"))
        start = time.perf_counter()
        try:
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=self.args.query_timeout)
        except subprocess.TimeoutExpired:
            return {"ok": False, "timeout": True}
        wall = time.perf_counter() - start
        if done.returncode != 0:
            return {"ok": False, "error": done.stderr.decode(errors="replace")[-300:]}
        rows = max(0, done.stdout.count(b"\n") - 1)  # the header line; a cell with a newline in it counts twice
        return {"ok": True, "wall_s": round(wall, 4), "rows": rows}

    def _print_queries(self, record: dict, picked: dict) -> None:
        rdf = record.get("rdflib") or {}
        triples = record.get("triples")
        if rdf.get("ok"):
            print(f"rdflib: loaded {rdf['triples']:,} triples from N-Triples in {rdf['load_s']:,.1f} s"
                  f" (peak {rdf['load_peak_mb']:,.0f} MB); ttl->nt export {rdf['convert']['convert_s']:.1f} s")
            triples = rdf["triples"]
        elif rdf and not rdf.get("skipped"):
            print(f"rdflib: FAILED: {rdf.get('error')}")
        if picked.get("ok"):
            print(f"selective IRIs: person {picked.get('person')} ({picked.get('person_memberships')} memberships),"
                  f" median person {picked.get('median_person')} ({picked.get('median_person_memberships')}),"
                  f" municipality {picked.get('municipality')} ({picked.get('municipality_memberships')} memberships)")
        header = ["query", "rows", "oxigraph ms", "(first)", "rdflib ms", "ratio", "kg query s"]
        rows = []
        for name, ox_result in record["oxigraph"].items():
            ox_ms, first, ox_rows = _median_ms(ox_result)
            rd = (rdf.get("queries") or {}).get(name) if rdf.get("ok") else None
            rd_ms, _, rd_rows = _median_ms(rd) if rd else (None, None, None)
            ratio_value = rd_ms / ox_ms if rd_ms is not None and ox_ms else None
            ratio = f"{ratio_value:,.1f}x" if ratio_value is not None else "-"
            if rd and "timeout_s" in rd:
                rd_text = f"> {rd['timeout_s'] * 1000:,.0f}"
            elif rd and "error" in rd:
                rd_text = "error"
            else:
                rd_text = _fmt_ms(rd_ms)
            ox_text = _fmt_ms(ox_ms)
            if ox_result.get("timeout"):
                ox_text = f"> {self.args.query_timeout * 1000:,.0f}"
                if rd_ms is not None:
                    ratio = f"< {rd_ms / (self.args.query_timeout * 1000):,.2f}x"
            elif ox_ms is None:
                ox_text = "error"
            if rd and "timeout_s" in rd and ox_ms:
                ratio_value = rd["timeout_s"] * 1000 / ox_ms
                ratio = f"> {ratio_value:,.1f}x"
            rows_text = f"{ox_rows:,}" if ox_rows is not None else (f"{rd_rows:,}" if rd_rows is not None else "-")
            if rd_rows is not None and ox_rows is not None and rd_rows != ox_rows:
                rows_text += f" (rdflib {rd_rows:,})"
            cli = (record.get("cli") or {}).get(name)
            cli_text = "-" if cli is None else f"{cli['wall_s']:,.2f}" if cli.get("ok") else "timeout" if cli.get("timeout") else "error"
            rows.append([name, rows_text, ox_text, _fmt_ms(first), rd_text, ratio, cli_text])
            record["oxigraph"][name]["median_ms"] = ox_ms
            if rd is not None:
                rd["median_ms"] = rd_ms
        print(_table(header, rows))
        print("(oxigraph: graph.query.run_query on the open store, every term of every row read; rdflib: the same text on"
              " rdflib.Graph, which re-evaluates a sub-select for every row, so the shipped queries' sub-selects, written for"
              " Oxigraph's hash joins, are far slower there than their plain forms; 'kg query s': the whole command a user"
              " types, a new process from start to exit, CSV on standard output)")
        record["targets"] = _targets(record, rdf, triples)
        for line in _target_lines(record["targets"], triples):
            print(line)
        for name, ox_result in record["oxigraph"].items():
            if not ox_result.get("ok"):
                print(f"  oxigraph {name}: {ox_result.get('error')}")
        for name, cli in (record.get("cli") or {}).items():
            if not cli.get("ok"):
                print(f"  kg query {name}: {cli.get('error') or 'timeout'}")
        for name, rd in ((rdf.get("queries") or {}) if rdf.get("ok") else {}).items():
            if "error" in rd:
                print(f"  rdflib {name}: {rd['error']}")


def _targets(record: dict, rdf: dict, triples) -> dict:
    """Issue 5's targets: each selective query on its own; the aggregation in the best of its two forms on each engine
    (each engine with the text it answers fastest)."""
    def ms(engine: str, name: str):
        if engine == "oxigraph":
            result = record["oxigraph"].get(name) or {}
            return result.get("median_ms") if result.get("ok") else None
        result = ((rdf.get("queries") or {}).get(name) or {}) if rdf.get("ok") else {}
        return result.get("median_ms")

    targets = {}
    for name in SELECTIVE:
        if name in record["oxigraph"]:
            targets[name] = {"kind": "selective", "oxigraph_ms": ms("oxigraph", name), "rdflib_ms": ms("rdflib", name)}
    forms = [n for n in AGGREGATION if n in record["oxigraph"]]
    ox_best = min(((ms("oxigraph", n), n) for n in forms if ms("oxigraph", n) is not None), default=(None, None))
    rd_best = min(((ms("rdflib", n), n) for n in forms if ms("rdflib", n) is not None), default=(None, None))
    targets["aggregation"] = {"kind": "aggregation", "oxigraph_ms": ox_best[0], "oxigraph_form": ox_best[1],
                              "rdflib_ms": rd_best[0], "rdflib_form": rd_best[1]}
    for target in targets.values():
        limit = TARGET_MS[SELECTIVE[0]] if target["kind"] == "selective" else TARGET_MS[AGGREGATION[0]]
        ox_ms, rd_ms = target["oxigraph_ms"], target["rdflib_ms"]
        target["limit_ms"] = limit
        target["time_met"] = None if ox_ms is None else ox_ms <= limit
        target["ratio"] = rd_ms / ox_ms if ox_ms and rd_ms is not None else None
        target["ratio_met"] = None if target["ratio"] is None else target["ratio"] >= TARGET_RATIO
        target["graph_big_enough"] = triples is not None and triples >= TARGET_TRIPLES
    return targets


def _target_lines(targets: dict, triples) -> list[str]:
    met = {True: "met", False: "NOT met", None: "n/a"}
    size = f"{triples:,} triples" if triples is not None else "? triples"
    lines = [f"targets (issue 5: with the store open, on >= {TARGET_TRIPLES:,} triples; this graph: {size}"
             f"{'' if triples is not None and triples >= TARGET_TRIPLES else ', too small for the targets to count'}):"]
    for name, target in targets.items():
        label = name if target["kind"] == "selective" else \
            f"aggregation (oxigraph: {target['oxigraph_form'] or '-'}; rdflib: {target['rdflib_form'] or '-'})"
        ratio = f"{target['ratio']:,.1f}x" if target["ratio"] is not None else "-"
        lines.append(f"  {label}: {_fmt_ms(target['oxigraph_ms'])} ms <= {target['limit_ms']:,.0f} ms {met[target['time_met']]};"
                     f" rdflib {_fmt_ms(target['rdflib_ms'])} ms, {ratio} >= {TARGET_RATIO:,.0f}x {met[target['ratio_met']]}")
    return lines


def incremental_support() -> tuple[str, str] | None:
    """How this checkout rebuilds incrementally, if it does: (mode, CLI flag)."""
    import inspect

    import graph.build as gb

    parameters = inspect.signature(gb.build).parameters
    if "cache_dir" in parameters:
        return "api-cache-dir", ""
    if "cache" in parameters:
        return "api-cache", ""
    if "incremental" in parameters:
        return "api-incremental", ""
    try:
        from graph.cli import cli

        command = cli.commands.get("build")
        options = [o for p in command.params for o in getattr(p, "opts", [])] if command else []
    except Exception:  # noqa: BLE001 - an unimportable CLI just means no CLI mode
        options = []
    for flag in ("--incremental", "--cache"):
        if flag in options:
            return "cli", flag
    return None


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _median_ms(result: dict | None):
    if not result or not result.get("times_s"):
        return None, None, (result or {}).get("rows")
    times = result["times_s"]
    return statistics.median(times) * 1000, times[0] * 1000, result.get("rows")


def _fmt_ms(value) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    right = [False] + [True] * (len(header) - 1)
    lines = []
    for row in [header, ["-" * w for w in widths], *rows]:
        lines.append("  ".join(str(c).rjust(w) if r else str(c).ljust(w) for c, w, r in zip(row, widths, right)))
    return "\n".join(lines)


def summary_table(records: list[dict]) -> str:
    header = ["docs", "MB", "build s", "docs/s", "MB/s", "peak MB (main/tree)", "triples", "extract s", "resolve s",
              "rdf s", "ttl s", "store s", "render s", "incr. s", "sel. query ms (ox/rdflib)"]
    rows = []
    for r in records:
        b = r.get("build", {})
        mb = r["corpus"]["bytes"] / 1e6
        if not b.get("ok"):
            rows.append([f"{r['size']:,}", f"{mb:.1f}", "stopped" if b.get("timeout") else "failed"] + ["-"] * 12)
            continue
        s = b["stages_s"]
        incremental = r.get("incremental") or {}
        q = r.get("queries") or {}
        ox_sel = (q.get("oxigraph") or {}).get("bench-person-roles", {}).get("median_ms")
        rd_sel = (((q.get("rdflib") or {}).get("queries") or {}).get("bench-person-roles") or {}).get("median_ms")
        rows.append([f"{r['size']:,}", f"{mb:.1f}", f"{b['wall_s']:,.1f}", f"{r['size'] / b['wall_s']:,.1f}",
                     f"{mb / b['wall_s']:.3f}", f"{b['peak_main_mb']:,.0f}/{b.get('tree_peak_mb', 0):,.0f}",
                     f"{b['counts']['triples']:,}"] + [f"{s.get(k, 0):,.1f}" for k in
                                                       ("extract", "resolve", "rdf", "write turtle", "write store", "render")]
                    + [f"{incremental['one_changed_s']:,.1f}" if incremental.get("ok") else "n/a",
                       f"{_fmt_ms(ox_sel)}/{_fmt_ms(rd_sel)}"])
    return _table(header, rows)


def _git_commit() -> str | None:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "graph", "ontology"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return commit + ("+dirty" if dirty else "") if commit else None
    except (OSError, subprocess.SubprocessError):
        return None


def _versions() -> dict:
    from importlib import metadata

    versions = {}
    for package in ("pyoxigraph", "rdflib", "social-services-kg"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=None, help="comma-separated corpus sizes (default 1000,10000,50000)")
    parser.add_argument("--quick", action="store_true", help="sizes 200,1000 and shorter query timeouts: a smoke run")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="extraction worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", default="/tmp/kg-bench", help="cache of corpora and outputs (default /tmp/kg-bench)")
    parser.add_argument("--json", dest="json_path", default=None, help="write every figure to this JSON file")
    parser.add_argument("--runs", type=int, default=5, help="runs per query; the median is reported (default 5)")
    parser.add_argument("--size-timeout", type=float, default=900, help="stop a size after this many seconds (default 900)")
    parser.add_argument("--query-timeout", type=float, default=None,
                        help="seconds per oxigraph query process (default 600; 120 with --quick)")
    parser.add_argument("--rdflib-query-timeout", type=float, default=None,
                        help="seconds per rdflib query (default 300; 60 with --quick)")
    parser.add_argument("--rdflib-max-triples", type=int, default=5_000_000,
                        help="skip rdflib above this many triples (default 5,000,000)")
    parser.add_argument("--no-rdflib", action="store_true", help="skip the rdflib comparison")
    parser.add_argument("--no-cli", action="store_true",
                        help="skip timing each query as `kg query NAME --graph OUT --format csv` (a new process per query)")
    parser.add_argument("--graph", metavar="DIR", default=None,
                        help="only time the queries, on this build folder (e.g. the output of `kg build CORPUS --out DIR`)")
    parser.add_argument("--no-incremental", action="store_true", help="skip the incremental rebuild")
    parser.add_argument("--no-queries", action="store_true", help="skip the query latencies (build figures only)")
    parser.add_argument("--reuse-build", action="store_true",
                        help="measure the queries on the outputs of an earlier build of the same size under --work")
    parser.add_argument("--no-cache", action="store_true",
                        help="build like `kg build --no-cache` (by default the build writes its extraction cache, as kg build does)")
    parser.add_argument("--explicit-stages", action="store_true",
                        help="also time the stages called one by one, in a second build (doubles the time)")
    parser.add_argument("--profile", type=int, default=None, metavar="N",
                        help="cProfile a jobs=1 build of the N-document corpus (alone unless --sizes/--quick is given)")
    parser.add_argument("--profile-top", type=int, default=25)
    parser.add_argument("--show", metavar="FILE", default=None,
                        help="print the tables of an earlier run's --json FILE instead of measuring")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "SPEC"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.query_timeout is None:
        args.query_timeout = 120 if args.quick else 600
    if args.rdflib_query_timeout is None:
        args.rdflib_query_timeout = 60 if args.quick else 300
    if args.quick:
        args.sizes = QUICK_SIZES
    elif args.sizes is None:
        args.sizes = [] if args.profile or args.graph else DEFAULT_SIZES
    else:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    return args


def show(args) -> int:
    """Print the tables of a saved run (--json) again."""
    report = json.loads(Path(args.show).read_text(encoding="utf-8"))
    meta = report["meta"]
    args.query_timeout = meta.get("query_timeout_s", args.query_timeout)
    args.jobs = meta.get("jobs", args.jobs)
    runner = Runner.__new__(Runner)
    runner.args = args
    print(f"kg benchmark {meta['date']}  git {meta.get('git')}  command: {meta.get('command')}")
    for record in report["sizes"]:
        build = record.get("build", {})
        print(f"\n== {record['size']:,} documents ({record['corpus']['bytes'] / 1e6:.1f} MB; git {record.get('git')}) ==")
        if build.get("ok"):
            runner._print_build(record["size"], record["corpus"], build)
        else:
            print(f"build: {build.get('error')}")
        if record.get("queries"):
            runner._print_queries(record["queries"], record["queries"].get("picked", {}))
    if report.get("graph"):
        print(f"\n== queries on {report['graph']['dir']} ({report['graph']['triples']:,} triples) ==")
        runner._print_queries(report["graph"]["queries"], report["graph"]["queries"].get("picked", {}))
    if report["sizes"]:
        print("\n== summary ==")
        print(summary_table(report["sizes"]))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker_main(*args.worker)
    if args.show:
        return show(args)
    runner = Runner(args)
    started = dt.datetime.now().astimezone()
    meta = {"date": started.isoformat(timespec="seconds"), "command": " ".join(["python -m tests.bench.run", *sys.argv[1:]]),
            "git": _git_commit(), "python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "jobs": args.jobs, "seed": args.seed, "versions": _versions(),
            "size_timeout_s": args.size_timeout, "query_timeout_s": args.query_timeout,
            "rdflib_query_timeout_s": args.rdflib_query_timeout, "runs": args.runs,
            "generator": inputs_fingerprint()}
    print(f"kg benchmark {meta['date']}  git {meta['git']}  python {meta['python']}  cpus {meta['cpus']}"
          f"  pyoxigraph {meta['versions']['pyoxigraph']}  rdflib {meta['versions']['rdflib']}", flush=True)
    records: list[dict] = []
    report = {"meta": meta, "sizes": records}

    def save() -> None:
        if args.json_path:
            Path(args.json_path).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    if args.graph:
        report["graph"] = runner.graph(Path(args.graph))
        save()
    for n in args.sizes:
        record = runner.size(n)
        records.append(record)
        save()
        if record.get("stopped"):
            skipped = [s for s in args.sizes if s > n]
            if skipped:
                print(f"skipping the larger sizes {', '.join(f'{s:,}' for s in skipped)}")
            break
    if records:
        print("\n== summary ==")
        print(summary_table(records))
    if args.profile:
        docs, _ = runner.corpus(args.profile)
        print(f"\n== profile: build of {args.profile:,} documents, jobs=1, cProfile ==", flush=True)
        prof = runner.work / f"profile-{args.profile}.prof"
        result = runner.worker("profile", {"docs": str(docs), "out": str(runner.work / f"out-{args.profile}-profile"),
                                           "prof": str(prof), "txt": str(prof.with_suffix(".txt")),
                                           "top": args.profile_top}, 24 * 3600, f"profile-{args.profile}")
        report["profile"] = result
        if result.get("ok"):
            print(f"wall {result['wall_s']:,.1f} s under cProfile; full listing {result['txt']}, stats {result['prof']}")
            for key in ("cumtime", "tottime"):
                print(f"\ntop {args.profile_top} by {key}:")
                print(_table(["function", "calls", "tottime s", "cumtime s"],
                             [[r["function"], f"{r['calls']:,}", f"{r['tottime_s']:,.2f}", f"{r['cumtime_s']:,.2f}"]
                              for r in result["top"][key]]))
        else:
            print(f"profile: FAILED: {result.get('error')}")
        save()
    report["meta"]["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
