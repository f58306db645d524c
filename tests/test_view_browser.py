"""The rendered page in a real headless Chromium, with the network cut off.

Runs wherever Debian's /usr/bin/chromium is (`.ci/install-browser` installs it); skipped
only outside CI when it is missing, since in CI a skipped browser test would hide a broken
page. The screenshot lands in tests/output/view.png for a person to look at.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from graph.network import network_from_turtle
from graph.render import render_html
from test_render import synthetic_network  # pytest puts tests/ on sys.path

from conftest import CHROMIUM  # the shared `browser` fixture lives in conftest.py
DATA = Path(__file__).parent / "data" / "view"
OUTPUT = Path(__file__).parent / "output"
ID = "https://w3id.org/social-services-kg/id/"
EVIDENCE = "Ann Hermansen, Familiechef, Randers Kommune: ”Indsatskvalitet i arbejdet med udsatte børn og familier"

if not CHROMIUM.exists() and os.environ.get("CI") != "true":
    pytest.skip(f"no {CHROMIUM} here: run `bash .ci/install-browser` as root", allow_module_level=True)


@pytest.fixture(scope="module")
def networks():
    return {name: network_from_turtle(DATA / f"{name}.ttl") for name in ("small", "hostile")}


class View:
    """One page opened from disk, with everything that should never happen recorded."""

    def __init__(self, browser, path: Path):
        self.context = browser.new_context(viewport={"width": 1440, "height": 900})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        self.context.route("**/*", self._route)
        self.context.on("request", self._request)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)
        self.page.goto(path.as_uri())
        # A selector, not wait_for_function: polling a JS predicate needs eval, which the CSP forbids.
        self.page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=30_000)

    def _route(self, route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            route.abort()

    def _request(self, request):
        if not request.url.startswith(("file:", "data:", "blob:")):
            self.outside.append(request.url)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression: str, argument=None):
        return self.page.evaluate(expression, argument)

    def click_node(self, node_id: str) -> None:
        """Click where vis drew the node, as a person would."""
        point = self.js(
            """id => {
                 const network = window.kgView.network;
                 const dom = network.canvasToDOM(network.getPositions([id])[id]);
                 const box = document.getElementById("network").getBoundingClientRect();
                 return {x: box.left + dom.x, y: box.top + dom.y};
               }""",
            node_id,
        )
        self.page.mouse.click(point["x"], point["y"])

    def panel(self) -> str:
        return self.page.locator("#panel").inner_text()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_view(browser, networks, tmp_path):
    views = []

    def open_(name: str, network=None, **options) -> View:
        path = tmp_path / f"{name}.html"
        render_html(networks[name] if network is None else network, path, **options)
        views.append(View(browser, path))
        return views[-1]

    yield open_
    for view in views:
        assert view.errors == [], "the page logged errors"
        assert view.outside == [], "the page tried to reach the network"
        assert view.dialogs == [], "the page opened a dialog"
        view.close()


def test_vis_draws_every_node_and_edge(open_view, networks):
    view = open_view("small")
    counts = view.js(
        """() => {
             const body = kgView.network.body;
             return {nodes: body.data.nodes.length, edges: body.data.edges.length,
                     drawnNodes: body.nodeIndices.length, drawnEdges: body.edgeIndices.length};
           }"""
    )
    network = networks["small"]
    expected = (network.number_of_nodes(), network.number_of_edges())
    assert (counts["nodes"], counts["edges"]) == expected
    assert (counts["drawnNodes"], counts["drawnEdges"]) == expected
    assert view.page.locator("#stats").inner_text() == f"{expected[0]} nodes · {expected[1]} edges"
    assert view.page.locator("#legend li").count() == 6


@pytest.mark.parametrize(
    ("typed", "found"), [("Randers", "Randers Kommune"), ("randers", "Randers Kommune"), ("malmo", "Malmö stad")]
)
def test_search_finds_and_selects_a_node(open_view, typed, found):
    view = open_view("small")
    view.page.fill("#search", typed)
    first = view.page.locator("#search-results .search-result").first
    assert first.locator(".search-label").inner_text() == found
    view.page.press("#search", "Enter")
    selected = view.js("() => kgView.network.getSelectedNodes()")
    assert [view.js("id => kgView.nodes.get(id).label", selected[0])] == [found]
    assert view.page.locator("#panel .panel-title").inner_text() == found


def test_clicking_a_person_shows_the_role_and_its_evidence(open_view):
    view = open_view("small")
    view.click_node(ID + "person/ann-hermansen")
    assert view.js("() => kgView.network.getSelectedNodes()") == [ID + "person/ann-hermansen"]
    panel = view.panel()
    assert "Ann Hermansen" in panel
    assert "Familiechef" in panel and "Randers Kommune" in panel
    assert EVIDENCE in panel
    assert "003_65bd54b2553ef881.txt" in panel
    view.page.mouse.move(5, 5)  # let the hover card go
    OUTPUT.mkdir(exist_ok=True)
    view.page.screenshot(path=str(OUTPUT / "view.png"))


def test_filters_hide_nodes_without_removing_them(open_view, networks):
    view = open_view("small")
    view.page.locator('#legend input[data-type="Person"]').uncheck()
    assert view.js("() => [kgView.nodes.length, kgView.nodeView.length]") == [20, 16]
    view.page.locator('#legend input[data-type="Person"]').check()
    view.page.select_option("#filter-country", "Sweden")
    shown = set(view.js("() => kgView.nodeView.getIds()"))
    assert shown == {ID + "country/se", ID + "municipality/se-malmo", ID + "person/asa-lindqvist"}
    assert view.js("() => kgView.network.body.nodeIndices.length") == 3
    view.page.select_option("#filter-country", "")
    view.page.select_option("#filter-sector", "health")
    shown = set(view.js("() => kgView.nodeView.getIds()"))
    assert {ID + "sector/health", ID + "organisation/esn", ID + "person/clive-needle"} <= shown
    assert ID + "municipality/dk-randers" not in shown
    view.page.click("#reset")
    assert view.js("() => kgView.nodeView.length") == 20


def test_focus_page_opens_on_the_focus(open_view):
    view = open_view("small", focus="Randers Kommune")
    assert view.js("() => kgView.network.getSelectedNodes()") == [ID + "municipality/dk-randers"]
    assert view.page.locator("#panel .panel-title").inner_text() == "Randers Kommune"
    assert "Neighbourhood of Randers Kommune." in view.page.locator("#notes").inner_text()


def test_hostile_page_runs_nothing_and_shows_the_text(open_view):
    view = open_view("hostile")
    assert view.js("() => document.querySelector('img[src=\"x\"]')") is None
    assert view.js("() => document.scripts.length") == 3
    assert view.js("() => document.querySelectorAll('[onerror], [onmouseover], a[href]').length") == 0

    view.click_node(ID + "person/img-onerror")
    panel = view.panel()
    assert "<img src=x onerror=alert(1)>" in panel
    assert "<script>alert(2)</script> direktør" in panel
    assert '" onmouseover="alert(4)' in panel
    assert "666_<img src=x onerror=alert(1)>.txt" in panel

    view.page.fill("#search", "javascript:alert(3)")
    labels = view.page.locator("#search-results .search-label").all_inner_texts()
    assert "javascript:alert(3)" in labels and "<script>alert(2)</script>" in labels
    view.page.press("#search", "Enter")
    view.page.mouse.move(5, 5)
    view.click_node(ID + "person/rtl")
    assert "Søren Åberg \u202egnirts desrever\u202c 👩‍⚕️🇩🇰" in view.panel()

    for node_id in view.js("() => kgView.nodes.getIds()"):
        view.click_node(node_id)
    view.page.wait_for_timeout(200)
    assert view.js("() => document.querySelector('img[src=\"x\"]')") is None
    assert view.js("() => document.scripts.length") == 3


def test_large_page_draws_the_top_nodes_and_says_what_is_left_out(open_view):
    view = open_view("large", synthetic_network(5000))
    drawn = view.js("() => [kgView.network.body.nodeIndices.length, kgView.network.physics.options.enabled]")
    assert drawn == [3000, False]
    notes = view.page.locator("#notes").inner_text()
    assert "best-connected of 5,000 nodes" in notes and "left out: 2,000 nodes" in notes
    view.page.fill("#search", "person 8")
    view.page.press("#search", "Enter")
    assert view.page.locator("#panel .panel-title").inner_text() == "Person 8"


def test_large_page_labels_the_selected_nodes_edges_and_draws_arrows_zoomed_in(open_view):
    """Past the physics threshold every edge's label and arrow would take most of each frame: only
    the selected node's edges are labelled, and arrows are drawn once zoomed in to see them."""
    view = open_view("large", synthetic_network(5000))
    labelled = "() => kgView.edges.get().filter(e => e.label !== undefined).map(e => [e.from, e.to, e.label])"
    assert view.js(labelled) == []
    assert view.js("() => kgView.network.edgesHandler.options.arrows.to.enabled") is False
    person = ID + "person/00008"
    view.js("id => kgView.select(id, false)", person)
    shown = view.js(labelled)
    assert shown and all(person in (source, target) and label == "direktør" for source, target, label in shown)
    assert len(shown) == view.js("id => kgView.network.getConnectedEdges(id).length", person)
    view.js("() => kgView.network.moveTo({scale: 1.5})")
    view.page.mouse.move(700, 450)
    view.page.mouse.wheel(0, -100)  # a zoom by the user
    view.page.wait_for_timeout(300)
    assert view.js("() => kgView.network.edgesHandler.options.arrows.to.enabled") is True
    view.page.click("#reset")
    assert view.js(labelled) == []
