"""The page of the hostile corpus in a real headless Chromium: it shows hostile text, never runs it.

The hostile corpus (tests/hostile_corpus.py) is built with `kg build` (the build of
tests/test_hostile.py is reused when both run in one session), then graph.html and a
`kg render --focus` page are opened from disk with every non-file request refused. Nothing
may open a dialog, log an error, reach the network or add an element; every script must be
the page's own (its hash in the page's Content-Security-Policy); the hostile names must be
found by the search and shown, character for character, as text.
"""
from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import time
from pathlib import Path

import pytest

import hostile_corpus
from test_hostile import HostileBuild, hostile_build, kg_command, kg_environment

from conftest import CHROMIUM  # the shared `browser` fixture lives in conftest.py
UNIT = f"{hostile_corpus.IMG_PAYLOAD} working group"
INJECTED = ("img[src='x'], [onerror], [onload], [onclick], [onmouseover], iframe, object, embed, "
            "a[href^='javascript:' i], svg [onload], base, meta[http-equiv='refresh' i]")

# The page says it is drawn with body[data-ready]; older pages said it with kgView.ready.
READY = "() => Boolean(window.kgView && (document.body.dataset.ready === 'true' || window.kgView.ready))"

if not CHROMIUM.exists() and os.environ.get("CI") != "true":
    pytest.skip("no /usr/bin/chromium here: run `bash .ci/install-browser` as root", allow_module_level=True)



@pytest.fixture(scope="module")
def built(tmp_path_factory) -> HostileBuild:
    build = hostile_build(tmp_path_factory)
    assert build.result.returncode == 0, build.result.stderr[-3000:]
    return build


class Page:
    """One page opened from disk, recording whatever should never happen."""

    def __init__(self, browser, path: Path):
        self.context = browser.new_context(viewport={"width": 1440, "height": 900}, java_script_enabled=True)
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        self.context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        self.context.on("request", self._request)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)
        self.page.goto(path.as_uri())
        self._wait_until_ready(60)

    def _wait_until_ready(self, seconds: float) -> None:
        """Poll from Python: Playwright's in-page polling of a string predicate uses eval(), which the
        page's CSP rightly refuses (a string wait_for_function only works if the page is ready at once)."""
        deadline = time.monotonic() + seconds
        while not self.page.evaluate(READY):
            if time.monotonic() > deadline:
                raise AssertionError(f"the page was not ready within {seconds} s: {self.errors}")
            self.page.wait_for_timeout(50)

    def _request(self, request) -> None:
        if not request.url.startswith(("file:", "data:", "blob:")):
            self.outside.append(request.url)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression: str, argument=None):
        return self.page.evaluate(expression, argument)

    def injected(self) -> list[str]:
        return self.js("selector => Array.from(document.querySelectorAll(selector), e => e.outerHTML.slice(0, 120))", INJECTED)

    def foreign_scripts(self) -> list[str]:
        """Scripts that are neither the JSON data block nor allowed by hash in the page's CSP."""
        csp = self.csp()
        foreign = []
        for script in self.js("() => Array.from(document.scripts, s => [s.type, s.id, s.src, s.textContent])"):
            kind, ident, src, text = script
            if kind == "application/json" and ident == "graph-data" and not src:
                continue
            digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
            if src or f"'sha256-{digest}'" not in csp:
                foreign.append((src or text)[:120])
        return foreign

    def csp(self) -> str:
        return self.js("() => (document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]') || {}).content || ''")

    def search(self, text: str) -> list[str]:
        self.page.fill("#search", text)
        return self.page.locator("#search-results .search-label").all_inner_texts()

    def selected_labels(self) -> list[str]:
        """Full labels of the selected nodes, from the page's data (vis labels are shortened)."""
        return self.js("""() => {
            const data = JSON.parse(document.getElementById("graph-data").textContent);
            const labels = new Map(data.nodes.map(node => [node.id, node.label]));
            return kgView.network.getSelectedNodes().map(id => labels.get(id));
        }""")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_page(browser):
    pages = []

    def open_(path: Path) -> Page:
        pages.append(Page(browser, path))
        return pages[-1]

    yield open_
    for page in pages:
        assert page.dialogs == [], "the page opened a dialog"
        assert page.errors == [], "the page logged errors"
        assert page.outside == [], "the page tried to reach the network"
        assert page.injected() == [], "an element came from the data"
        page.close()


def test_the_page_has_its_csp_and_runs_only_its_own_scripts(built, open_page):
    page = open_page(built.out / "graph.html")
    csp = page.csp()
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert page.foreign_scripts() == []
    assert page.injected() == []
    assert page.js("() => kgView.nodes.length") > 20


def test_the_hostile_name_is_found_and_shown_as_text(built, open_page):
    page = open_page(built.out / "graph.html")
    labels = page.search("onerror=alert(1)")
    assert UNIT in labels
    page.page.locator("#search-results .search-result", has_text="working group").first.dispatch_event("mousedown")
    assert page.page.locator("#panel .panel-title").inner_text() == UNIT
    assert page.selected_labels() == [UNIT]
    panel = page.page.locator("#panel").inner_text()
    assert "The '<img src=x onerror=alert(1)>' working group met on Monday." in panel
    assert page.injected() == []

    for name, needle in (("<Back\\slash> & `tick` {x} working group", "`tick`"),
                         ("#1 <Team> {Øst} |Nord| ^50% `tick` working group", "{Øst}"),
                         ("Alpha#1 Forum%20 Social{x}", "Forum%20")):
        assert name in page.search(needle), name


def test_evidence_and_file_names_with_markup_stay_text(built, open_page):
    page = open_page(built.out / "graph.html")
    assert "Ruth Olsen" in page.search("Ruth Olsen")
    page.page.press("#search", "Enter")
    panel = page.page.locator("#panel").inner_text()
    assert hostile_corpus.IMG_PAYLOAD in panel and hostile_corpus.SCRIPT_PAYLOAD in panel
    assert hostile_corpus.HOSTILE_FILE_NAME in panel
    assert "José Martínez" in page.search("jose martinez")  # accents and case folded by the search
    page.page.press("#search", "Enter")
    assert "\u202egnirts desrever\u202c" in page.page.locator("#panel").inner_text()
    assert "Laura Quinn" in page.search("Laura")
    page.page.press("#search", "Enter")
    assert '"We """ never \\n escape \\" enough"' in page.page.locator("#panel").inner_text()


def test_selecting_every_node_injects_nothing(built, open_page):
    page = open_page(built.out / "graph.html")
    ids = page.js("() => kgView.nodes.getIds()")
    for node_id in ids:
        page.js("id => kgView.select(id, false)", node_id)
    page.page.mouse.move(700, 450)  # a hover card, wherever a node lies
    page.page.wait_for_timeout(100)
    assert page.injected() == [] and page.foreign_scripts() == []
    assert page.js("() => document.querySelectorAll('#panel *').length") > 0


def test_a_page_focused_on_the_hostile_name_opens_on_it(built, open_page, tmp_path):
    output = tmp_path / "focus.html"
    result = subprocess.run([*kg_command(), "render", "--graph", str(built.out), "-o", str(output), "--focus", UNIT],
                            capture_output=True, text=True, env=kg_environment(tmp_path), timeout=300)
    assert result.returncode == 0, result.stderr
    page = open_page(output)
    assert page.selected_labels() == [UNIT]
    assert f"Neighbourhood of {UNIT}." in page.page.locator("#notes").inner_text()
    assert page.page.locator("#panel .panel-title").inner_text() == UNIT
