"""The network read from RDF, and the HTML page written from it, without a browser."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
from pathlib import Path

import networkx as nx
import pytest

from graph.network import network_from_turtle
from graph.render import fold, pack_page, render_html, script_json, unpack_page

DATA = Path(__file__).parent / "data" / "view"
ID = "https://w3id.org/social-services-kg/id/"
RANDERS = ID + "municipality/dk-randers"
ANN = ID + "person/ann-hermansen"
HOSTILE_STRINGS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "javascript:alert(3)",
    '" onmouseover="alert(4)',
    "\u202e",
]
DATA_BLOCK = re.compile(r'<script type="application/json" id="graph-data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def small() -> nx.MultiDiGraph:
    return network_from_turtle(DATA / "small.ttl")


@pytest.fixture(scope="module")
def hostile() -> nx.MultiDiGraph:
    return network_from_turtle(DATA / "hostile.ttl")


def page_parts(path: Path) -> tuple[str, str, dict]:
    """The page's text outside the embedded data, the raw data text, and the data parsed (the
    nodes and edges unpacked, as node_data and edge_data give them)."""
    html = path.read_text(encoding="utf-8")
    match = DATA_BLOCK.search(html)
    assert match, "the page embeds its data as application/json"
    data = json.loads(match.group(1))
    data["nodes"], data["edges"] = unpack_page(data)
    return html[: match.start(1)] + html[match.end(1):], match.group(1), data


# --- network_from_store ----------------------------------------------------------------------


def test_network_has_the_entities_as_typed_nodes(small):
    types = nx.get_node_attributes(small, "type")
    assert sorted(types.values()).count("Person") == 4
    assert {types[node] for node in small} == {"Person", "Organisation", "Municipality", "Country", "Sector", "Paper"}
    assert small.nodes[RANDERS]["label"] == "Randers Kommune"
    assert small.nodes[RANDERS]["aliases"] == ["Randers Municipality"]
    assert small.nodes[RANDERS]["country"] == "Denmark"
    assert small.nodes[ID + "country/dk"]["label"] == "Denmark"  # English first
    assert small.nodes[ID + "sector/health"]["aliases"] == ["hälsa", "sundhed", "sundhedsområdet"]
    assert small.nodes[ID + "paper/integrated-care"]["kind"] == "report"
    assert not any(node.endswith(("document/003_65bd54b2553ef881", "role/director")) for node in small)


def test_roles_and_mentions_carry_their_evidence(small):
    (role,) = small.nodes[ID + "person/asa-lindqvist"]["roles"]
    assert role["title"] == "tillförordnad socialdirektör"
    assert role["role"] == "director"
    assert role["organisation"] == "Malmö stad"
    assert role["qualifiers"] == ["acting"]
    assert role["document"] == "002_c5fbbfe3fd3f8cf5.txt"
    assert role["evidence"].startswith("Åsa Lindqvist blir tillförordnad")
    (mention,) = small.nodes[RANDERS]["mentions"]
    assert mention["document"] == "003_65bd54b2553ef881.txt"
    assert mention["evidence"].startswith("Randers kommune har erfaring")


def test_edges_name_their_relation(small):
    def edges(source):
        out = small.out_edges(ID + source, data=True)
        return sorted((target.rsplit("/", 1)[-1], d["relation"], d["label"]) for _, target, d in out)

    assert edges("person/helle-stove") == [
        ("bkf", "holds role", "Formand"),
        ("dk-favrskov", "holds role", "Børne- og familiechef"),
    ]
    assert ("integrated-care", "author of", "author of") in edges("person/clive-needle")
    assert edges("paper/integrated-care") == [
        ("esn", "published by", "published by"),
        ("esn-working-papers", "part of series", "part of series"),
    ]
    assert ("dk-randers", "part of", "part of") in edges("organisation/familiecentret-randers")
    assert edges("municipality/se-malmo") == [("se", "located in", "located in")]


def test_network_is_built_in_a_fixed_order():
    first, second = network_from_turtle(DATA / "small.ttl"), network_from_turtle(DATA / "small.ttl")
    assert list(first.nodes(data=True)) == list(second.nodes(data=True))
    assert list(first.edges(keys=True, data=True)) == list(second.edges(keys=True, data=True))
    assert list(first) == sorted(first)


# --- render_html -------------------------------------------------------------------------------


def test_page_names_no_url_and_links_nothing(small, tmp_path):
    render_html(small, tmp_path / "view.html")
    outside, _, _ = page_parts(tmp_path / "view.html")
    outside = re.sub(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">', "", outside)
    assert "http://" not in outside and "https://" not in outside
    assert not re.search(r"<(link|iframe|img|object|embed)\b", outside)
    assert not re.search(r"<script[^>]*\ssrc=", outside)


def test_csp_allows_exactly_the_inline_scripts(small, tmp_path):
    render_html(small, tmp_path / "view.html")
    html = (tmp_path / "view.html").read_text(encoding="utf-8")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 2
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_hostile_text_stays_inside_the_escaped_data(hostile, tmp_path):
    render_html(hostile, tmp_path / "hostile.html", title='<img src=x onerror=alert("title")>')
    outside, raw_data, data = page_parts(tmp_path / "hostile.html")
    for text in HOSTILE_STRINGS:
        assert text not in outside
    assert "<img src=x" not in outside
    assert "&lt;img src=x onerror=alert(&#34;title&#34;)&gt;" in outside  # the title, escaped
    assert not set("<>&\u2028\u2029") & set(raw_data)
    labels = {node["label"] for node in data["nodes"]}
    assert "<img src=x onerror=alert(1)>" in labels and '" onmouseover="alert(4)' in labels
    assert any("\u202e" in label and "🇩🇰" in label for label in labels)


def test_same_network_gives_the_same_bytes(tmp_path):
    render_html(network_from_turtle(DATA / "small.ttl"), tmp_path / "a.html")
    render_html(network_from_turtle(DATA / "small.ttl"), tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_page_is_written_whole_and_readable(small, tmp_path):
    target = tmp_path / "out" / "view.html"
    render_html(small, target)
    render_html(small, target)  # replacing an existing page
    assert os.listdir(target.parent) == ["view.html"]
    assert target.stat().st_mode & 0o644 == 0o644
    assert target.read_bytes().startswith(b"<!DOCTYPE html>")


@pytest.mark.parametrize("name", ["small", "hostile"])
def test_details_are_packed_once_and_read_back_exactly(name, small, hostile, tmp_path):
    """Roles and mentions travel as rows of indices into one table of texts and one of documents;
    unpacking gives node_data's nodes, and packing those again the same data (a patched page's bytes)."""
    network = {"small": small, "hostile": hostile}[name]
    render_html(network, tmp_path / "view.html")
    _, raw, data = page_parts(tmp_path / "view.html")
    packed = json.loads(raw)
    assert packed["strings"][0] is None and len(packed["strings"]) == len({json.dumps(t) for t in packed["strings"]})
    assert len(packed["documents"]) == len({tuple(d[:2]) for d in packed["documents"]})
    for node in data["nodes"]:
        assert node["roles"] == network.nodes[node["id"]].get("roles", [])
        assert node["mentions"] == network.nodes[node["id"]].get("mentions", [])
    sentences = {m["evidence"] for n in data["nodes"] for m in n["mentions"] + n["roles"] if m["evidence"]}
    assert sentences and all(raw.count(script_json(sentence)) == 1 for sentence in sentences)
    assert pack_page(data["nodes"], data["edges"], packed["meta"], packed["types"]) == packed


@pytest.mark.parametrize("focus", ["Randers Kommune", "randers kommune", "Randers Municipality", RANDERS])
def test_focus_draws_the_neighbourhood(small, tmp_path, focus):
    drawn = render_html(small, tmp_path / "view.html", focus=focus, depth=1)
    _, _, data = page_parts(tmp_path / "view.html")
    ids = {node["id"] for node in data["nodes"]}
    assert ids == {RANDERS, ANN, ID + "organisation/familiecentret-randers", ID + "country/dk"}
    assert drawn["nodes"] == 4 and drawn["focus"] == RANDERS == data["meta"]["focus"]
    assert all(edge["from"] in ids and edge["to"] in ids for edge in data["edges"])


def test_depth_widens_the_neighbourhood(small, tmp_path):
    sizes = [render_html(small, tmp_path / "view.html", focus=ANN, depth=depth)["nodes"] for depth in (0, 1, 2)]
    assert sizes[0] == 1 and sizes[0] < sizes[1] < sizes[2] < small.number_of_nodes()


def test_types_keep_some_types(small, tmp_path):
    drawn = render_html(small, tmp_path / "view.html", types={"Person", "Municipality"})
    _, _, data = page_parts(tmp_path / "view.html")
    assert {node["type"] for node in data["nodes"]} == {"Person", "Municipality"}
    assert drawn["nodes"] == 7
    titles = {edge["label"] for edge in data["edges"]}
    assert titles == {"Familiechef", "Børne- og familiechef", "tillförordnad socialdirektör"}


def test_unknown_focus_or_type_is_a_clear_error(small, tmp_path):
    with pytest.raises(ValueError, match=r"'Aarhus Kommune' matches no IRI, name or alias.*mean 'Randers Kommune'"):
        render_html(small, tmp_path / "view.html", focus="Aarhus Kommune")
    with pytest.raises(ValueError, match="unknown types"):
        render_html(small, tmp_path / "view.html", types={"Planet"})
    assert not (tmp_path / "view.html").exists()


def test_fold_ignores_case_accents_and_direction_marks():
    assert fold("Malmö Stad") == fold("malmo stad")
    assert fold("Østergaard") == "ostergaard"
    assert fold("\u202eRanders") == "randers"


def synthetic_network(count: int) -> nx.MultiDiGraph:
    """A scale-free network shaped like the real one: people, organisations, places."""
    skeleton = nx.barabasi_albert_graph(count, 2, seed=3)
    types = ["Person", "Person", "Person", "Organisation", "Municipality", "Paper", "Sector", "Country"]
    network = nx.MultiDiGraph()
    for node in skeleton:
        node_type = types[node % len(types)]
        network.add_node(f"{ID}{node_type.lower()}/{node:05d}", label=f"{node_type} {node}", type=node_type, aliases=[])
    names = list(network)
    for u, v in skeleton.edges():
        network.add_edge(names[u], names[v], relation="holds role", label="direktør")
    return network


def test_large_network_is_drawn_in_part_with_physics_off(tmp_path):
    network = synthetic_network(5000)
    start = time.perf_counter()
    drawn = render_html(network, tmp_path / "large.html")
    seconds = time.perf_counter() - start
    print(f"5,000-node network, 3,000 drawn: {seconds:.1f} s")
    assert seconds < 60
    assert drawn["nodes"] == 3000 and drawn["omitted_nodes"] == 2000 and not drawn["physics"]
    assert sum(drawn["omitted_by_type"].values()) == 2000
    _, _, data = page_parts(tmp_path / "large.html")
    kept = {node["id"] for node in data["nodes"]}
    hub_degree = min(network.degree(node) for node in kept)
    assert all(network.degree(node) <= hub_degree for node in network if node not in kept)
    assert data["meta"]["omitted_nodes"] == 2000 and data["meta"]["physics"] is False


def test_large_network_is_drawn_whole_when_allowed(tmp_path):
    """12,000 nodes drawn: the grid layout is linear in the nodes (the all-pairs one took minutes)."""
    network = synthetic_network(12_000)
    start = time.perf_counter()
    drawn = render_html(network, tmp_path / "large.html", max_nodes=100_000)
    seconds = time.perf_counter() - start
    print(f"12,000-node network, all drawn: {seconds:.1f} s")
    assert seconds < 30  # about 2 s on a 2-core machine
    assert drawn["nodes"] == 12_000 and drawn["omitted_nodes"] == 0 and not drawn["physics"]
    render_html(network, tmp_path / "again.html", max_nodes=100_000)
    assert (tmp_path / "large.html").read_bytes() == (tmp_path / "again.html").read_bytes()
    _, _, data = page_parts(tmp_path / "large.html")
    positions = {(node["x"], node["y"]) for node in data["nodes"]}
    assert len(positions) > 0.95 * 12_000  # spread out, not piled up
