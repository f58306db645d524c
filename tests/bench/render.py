"""How fast `kg render` is and how fast its page opens, on any build folder.

    python -m tests.bench.render GRAPH_DIR                       # --max-nodes 3000 (the default) and 100000
    python -m tests.bench.render GRAPH_DIR --max-nodes 3000 --runs 3 --json render.json
    python -m tests.bench.render GRAPH_DIR --no-browser --no-stages

For each --max-nodes value:

command   `kg render --graph GRAPH_DIR --output OUT/render-N.html --max-nodes N`, timed end to end as a
          subprocess (start-up and reading the store included), and the page's size.
stages    the same render in a subprocess of this script, with graph.render's stage functions wrapped
          in time.perf_counter: reading the store (network_from_store), choosing what is drawn
          (selection, top_by_degree), the layout (_positions), the page's data (page_data, layout
          excluded), the HTML (page_html) and writing it.
browser   the page opened from file:// in headless Chromium (launched as tests/conftest.py does,
          every non-file request refused): the time from navigation to `body[data-ready="true"]`,
          then a search for the best-connected drawn node's label: the time from typing into
          `#search` to the first result, and from Enter to its details panel (`#panel .panel-title`).
          The median of --runs fresh pages.

Run it from the project root (it is a module of the `tests` folder). It is a measurement, not a test:
nothing fails on a slow figure.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
READY = 'body[data-ready="true"]'

# graph.render's stage functions, in the order a render calls them (a name it no longer has is skipped).
STAGES = ("network_from_store", "selection", "top_by_degree", "_positions", "page_data", "page_html",
          "write_bytes_atomically")


def kg_command() -> list[str]:
    """The `kg` of this interpreter's environment, else `python -m graph.cli`."""
    script = Path(sys.executable).with_name("kg")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from graph.cli import main; main()"]


def time_command(graph: Path, output: Path, max_nodes: int) -> dict:
    command = [*kg_command(), "render", "--graph", str(graph), "--output", str(output), "--max-nodes", str(max_nodes)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    drawn = json.loads(done.stdout.split(": ", 1)[1]) if done.stdout.startswith("wrote ") else {}
    return {"seconds": round(seconds, 2), "mb": round(output.stat().st_size / MB, 2), "drawn": drawn}


def stage_times(graph: str, output: str, max_nodes: int) -> dict:
    """One render in this process, each stage function of graph.render wrapped with a timer."""
    from graph import render
    from graph.query import open_store

    totals: dict[str, float] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                totals[name] = totals.get(name, 0.0) + time.perf_counter() - start
        return wrapper

    for name in STAGES:
        if hasattr(render, name):
            setattr(render, name, timed(name, getattr(render, name)))
    start = time.perf_counter()
    store = open_store(Path(graph))
    opened = time.perf_counter() - start
    from graph.network import network_from_store

    network = timed("network_from_store", network_from_store)(store)
    render.render_html(network, output, max_nodes=max_nodes)
    total = time.perf_counter() - start
    if "page_data" in totals and "_positions" in totals:
        totals["page_data"] -= totals["_positions"]  # page_data calls the layout: count it once
    return {"open_store": round(opened, 2), **{k: round(v, 2) for k, v in totals.items()}, "total": round(total, 2)}


def run_stages(graph: Path, output: Path, max_nodes: int) -> dict:
    """stage_times in a fresh subprocess, so that one size's memory does not leak into the next."""
    code = ("import json, sys; from tests.bench.render import stage_times; "
            "print(json.dumps(stage_times(sys.argv[1], sys.argv[2], int(sys.argv[3]))))")
    done = subprocess.run([sys.executable, "-c", code, str(graph), str(output), str(max_nodes)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"stage timing failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def search_target(graph: Path, max_nodes: int) -> str:
    """The label of the best-connected node a render with `max_nodes` draws (the first a search finds)."""
    from graph import render
    from graph.network import network_from_store
    from graph.query import open_store

    network = network_from_store(open_store(graph))
    drawn = render.top_by_degree(render.selection(network, None, 1, None), max_nodes)
    best = max(sorted(drawn, key=str), key=drawn.degree)
    return str(drawn.nodes[best].get("label") or best)


def time_browser(page_path: Path, label: str, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    ready, found, panel = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                              else route.abort())
                errors: list[str] = []
                page = context.new_page()
                page.on("pageerror", lambda error: errors.append(str(error)))
                start = time.perf_counter()
                page.goto(page_path.as_uri(), timeout=300_000)
                page.wait_for_selector(READY, state="attached", timeout=300_000)
                ready.append(time.perf_counter() - start)
                start = time.perf_counter()
                page.fill("#search", label)
                page.wait_for_selector("#search-results .search-result", timeout=60_000)
                found.append(time.perf_counter() - start)
                start = time.perf_counter()
                page.press("#search", "Enter")
                page.wait_for_selector("#panel .panel-title", timeout=60_000)
                panel.append(time.perf_counter() - start)
                title = page.locator("#panel .panel-title").inner_text()
                context.close()
                if errors or title != label:
                    raise SystemExit(f"the page failed: errors {errors}, panel {title!r} for {label!r}")
        finally:
            browser.close()
    return {"ready_s": round(statistics.median(ready), 2), "search_s": round(statistics.median(found), 3),
            "panel_s": round(statistics.median(panel), 3), "runs": runs, "query": label}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.render", description=__doc__.split("\n\n")[0])
    parser.add_argument("graph", type=Path, help="a build's output folder (kg build CORPUS --out DIR)")
    parser.add_argument("--max-nodes", default="3000,100000", help="comma-separated values (default 3000,100000)")
    parser.add_argument("--out", type=Path, default=None, help="where the pages go (default: a temporary folder)")
    parser.add_argument("--runs", type=int, default=1, help="browser runs per page (the median is shown)")
    parser.add_argument("--no-browser", action="store_true", help="skip the headless Chromium timings")
    parser.add_argument("--no-stages", action="store_true", help="skip the per-stage breakdown")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="kg-render-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    figures = []
    for max_nodes in (int(value) for value in args.max_nodes.split(",")):
        page = out / f"render-{max_nodes}.html"
        row: dict = {"max_nodes": max_nodes, "command": time_command(args.graph, page, max_nodes)}
        drawn = row["command"]["drawn"]
        print(f"max-nodes {max_nodes}: kg render {row['command']['seconds']} s, page {row['command']['mb']} MB, "
              f"{drawn.get('nodes')} nodes and {drawn.get('edges')} edges drawn", flush=True)
        if not args.no_stages:
            row["stages"] = run_stages(args.graph, out / f"stages-{max_nodes}.html", max_nodes)
            print("  stages (s): " + ", ".join(f"{k} {v}" for k, v in row["stages"].items()), flush=True)
        if not args.no_browser:
            row["browser"] = time_browser(page, search_target(args.graph, max_nodes), args.runs)
            b = row["browser"]
            print(f"  browser: ready {b['ready_s']} s, search answers in {b['search_s']} s, "
                  f"panel in {b['panel_s']} s (median of {b['runs']}, query {b['query']!r})", flush=True)
        figures.append(row)
    if args.json:
        args.json.write_text(json.dumps({"graph": str(args.graph), "figures": figures}, indent=2) + "\n",
                             encoding="utf-8")
    print(f"pages in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
