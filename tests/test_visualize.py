"""cmkg.visualize without a browser: page content, escaping, node cap, layouts, lookup, CLI."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import networkx as nx
import pytest

from cmkg.errors import CmkgError, ResourceNotFound
from cmkg.visualize import layout, render, resolve, save
from cmkg.visualize.assets import csp_hash as _sha256

ID = "https://w3id.org/cmkg/id/"
EVIL = '<img src=x onerror=alert(1)></script><script>alert(2)</script> href="javascript:alert(3)" & <!--'


def hostile_graph() -> nx.DiGraph:
    """A small graph whose every text field tries to break out of the page."""
    g = nx.DiGraph(name="actors", title="Title " + EVIL, description="Description " + EVIL)
    g.add_node(ID + "practice/p", iri=ID + "practice/p", label="Practice " + EVIL, type="Practice", description=EVIL, source=EVIL, country=EVIL)
    g.add_node("javascript:alert(4)", iri="javascript:alert(4)", label="Bad IRI", type="Organisation", description="", source="", country="")
    g.add_node(ID + "city/c", iri=ID + "city/c", label="City", type="City <b>", description="d", source="s", country="Canada")
    g.add_edge(ID + "practice/p", ID + "city/c", relation="implementedIn" + EVIL, weight=1.0)
    g.add_edge("javascript:alert(4)", ID + "practice/p", relation="ledBy", weight=2.0)
    return g


def page_data(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="cmkg-data">(.*?)</script>', html, re.S)
    assert block is not None
    return json.loads(block.group(1))


def ours(html: str) -> str:
    """The page without vis-network's inlined script and stylesheet (third-party text)."""
    html = re.sub(r"<script>/\*\*\n \* vis-network.*?</script>", "<script>VIS</script>", html, count=1, flags=re.S)
    return re.sub(r"<style>.*?</style>", "<style>VIS</style>", html, count=1, flags=re.S)


def star(n: int) -> nx.Graph:
    g = nx.Graph(name="actors", title="Star")
    for i in range(1, n):
        g.add_edge(f"{ID}city/hub", f"{ID}city/c{i:03d}", relation="partnerOf")
    for node in g:
        g.nodes[node].update(label=node.rsplit("/", 1)[1], type="City")
    return g


def test_data_from_the_graph_never_becomes_markup() -> None:
    html = render(hostile_graph()).html
    # Only our three script elements exist; the data cannot open or close one.
    assert len(re.findall(r"^<script", html, re.M)) == 3 and html.lower().count("</script") == 3
    assert "<img" not in ours(html) and "<b>" not in ours(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # title and description, escaped by Jinja
    data = page_data(html)
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    assert labels[ID + "practice/p"] == "Practice " + EVIL  # the JSON round-trips the text exactly


def test_page_is_self_contained_and_locked_down() -> None:
    html = render(hostile_graph()).html
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=[\"']?(https?:)?//", html, re.I)
    assert "cdn" not in ours(html).lower()
    found = re.search(r'Content-Security-Policy" content="([^"]+)"', html)
    assert found is not None
    policy = unescape(found.group(1))  # as the browser reads the attribute
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert "sourceMappingURL" not in html
    assert len(scripts) == 2 and all(f"'sha256-{_sha256(s)}'" in policy for s in scripts)
    assert "vis.Network" in scripts[1] and "vis-network" in scripts[0][:300]


def test_entity_links_only_for_web_iris_and_explorer_rewrites_ours() -> None:
    data = page_data(render(hostile_graph(), explorer="http://127.0.0.1:8000/").html)
    pages = {n["id"]: n["page"] for n in data["nodes"]}
    assert pages[ID + "practice/p"] == "http://127.0.0.1:8000/id/practice/p"
    assert pages["javascript:alert(4)"] == ""
    assert page_data(render(hostile_graph()).html)["nodes"][0]["page"].startswith(("https://", ""))
    with pytest.raises(CmkgError, match="--explorer must be an http"):
        render(hostile_graph(), explorer="javascript:alert(1)")


def test_legend_types_relations_arrows_and_measure() -> None:
    data = page_data(render(hostile_graph()).html)
    assert [t["type"] for t in data["types"]] == ["Practice", "Organisation", "City <b>"]
    assert {r["name"] for r in data["relations"]} >= {"led by"}
    assert data["directed"] is True and data["options"]["edges"]["arrows"]["to"]["enabled"] is True
    assert data["measure"] == "PageRank" and data["options"]["physics"]["enabled"] is False
    assert all("x" in n and "y" in n for n in data["nodes"])
    undirected = page_data(render(star(5)).html)
    assert undirected["options"]["edges"]["arrows"]["to"]["enabled"] is False


def test_node_cap_keeps_the_most_central_and_says_so() -> None:
    g = star(40)
    page = render(g, max_nodes=10)
    assert (page.nodes, page.left_out) == (10, 30)
    assert "30 of 40 nodes left out: kept the 10 most central by PageRank" in page.html
    ids = {n["id"] for n in page_data(page.html)["nodes"]}
    assert f"{ID}city/hub" in ids
    kept = render(g, max_nodes=10, focus=f"{ID}city/c039")
    assert f"{ID}city/c039" in {n["id"] for n in page_data(kept.html)["nodes"]}
    assert "left out" not in render(g).html
    with pytest.raises(CmkgError, match="at least 1"):
        render(g, max_nodes=0)


def test_same_graph_same_page() -> None:
    g = nx.barabasi_albert_graph(120, 2, seed=3)
    nx.set_node_attributes(g, "Organisation", "type")
    assert render(g).html == render(g.copy()).html


def test_layouts_spread_nodes_and_layer_diffusion_left_to_right() -> None:
    g = nx.barabasi_albert_graph(300, 2, seed=1)
    pos = layout(g)
    points = {(round(x), round(y)) for x, y in pos.values()}
    assert len(points) == 300  # no two nodes drawn on top of each other
    chain = nx.DiGraph([("a", "b"), ("b", "c"), ("x", "c"), ("c", "a2")])
    layered = layout(chain, "layered")
    assert all(layered[u][0] < layered[v][0] for u, v in chain.edges())
    big = nx.barabasi_albert_graph(2600, 1, seed=2)  # the vectorised spring layout
    assert len({(round(x), round(y)) for x, y in layout(big).values()}) > 2500


def test_diffusion_graphs_are_drawn_in_layers() -> None:
    g = nx.DiGraph(name="diffusion")
    g.add_edges_from([(f"{ID}practice/a", f"{ID}practice/b"), (f"{ID}practice/b", f"{ID}practice/c")])
    xs = {n["id"].rsplit("/", 1)[1]: n["x"] for n in page_data(render(g).html)["nodes"]}
    assert xs["a"] < xs["b"] < xs["c"]


def test_save_is_atomic_and_checks_the_path(tmp_path: Path) -> None:
    with pytest.raises(CmkgError, match="does not exist"):
        save(star(3), tmp_path / "missing" / "x.html")
    with pytest.raises(CmkgError, match="is a folder"):
        save(star(3), tmp_path)
    out = tmp_path / "x.html"
    out.write_text("old")
    with pytest.raises(CmkgError):
        save(star(3), out, layout_kind="circle")
    assert out.read_text() == "old" and list(tmp_path.iterdir()) == [out]


def test_resolve_labels_case_insensitively_with_suggestions(kg) -> None:  # type: ignore[no-untyped-def]
    assert resolve(kg, "TORONTO") == ID + "city/toronto"
    assert resolve(kg, ID + "city/toronto") == ID + "city/toronto"
    with pytest.raises(ResourceNotFound, match="--focus: no resource is labelled 'Torontoo'; did you mean Toronto"):
        resolve(kg, "Torontoo")
    with pytest.raises(ResourceNotFound, match="no resource with this IRI"):
        resolve(kg, ID + "city/atlantis")


@pytest.fixture()
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run ``cmkg`` in-process in a temporary folder, as a user would: (exit code, stdout, stderr)."""
    from cmkg.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, " ".join(err.split())

    return run


def test_cli_rejects_bad_views_and_options(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("viz", "galaxy", "-o", "x.html")
    assert code == 1 and "unknown view 'galaxy'" in err
    code, _, err = cli("viz", "ego", "-o", "x.html")
    assert code == 1 and "needs --focus" in err
    code, _, err = cli("viz", "actors", "-o", "x.png")
    assert code == 1 and "ending in .html" in err
    code, _, err = cli("viz", "actors", "--focus", "Toronto", "-o", "x.html")
    assert code == 1 and "ego view only" in err
    assert not Path("x.html").exists()


def test_cli_draws_views_of_the_real_graph(cli) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("cmkg.network")
    code, out, err = cli("viz", "policy", "-o", "policy.html", "--top", "10")
    assert code == 0, err
    assert "wrote policy.html" in out and Path("policy.html").read_text().count("<html") == 1
    assert "nodes left out: kept the 10 most central by PageRank" in out
    code, _, err = cli("viz", "ego", "--focus", "Torontoo", "-o", "ego.html")
    assert code == 1 and "did you mean" in err and not Path("ego.html").exists()


def test_views_narrow_by_policy_area_and_country(kg) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("cmkg.network")
    from cmkg.visualize import view_graph

    full = view_graph(kg, "policy")
    area = ID + "policy-area/employment-and-credentials"
    narrowed = view_graph(kg, "policy", policy_area="Employment and credentials")
    assert area in narrowed and 1 < narrowed.number_of_nodes() < full.number_of_nodes()
    assert {d["type"] for n, d in narrowed.nodes(data=True) if n != area} == {"Recommendation"}
    assert "Employment and credentials".lower() in narrowed.graph["title"].lower()
    diffusion = view_graph(kg, "diffusion")
    canadian = view_graph(kg, "diffusion", country="canada")
    assert 0 < canadian.number_of_nodes() < diffusion.number_of_nodes()
    assert all("Canada" in d["country"] for _, d in canadian.nodes(data=True))
    with pytest.raises(ResourceNotFound, match="--country: no resource is labelled 'Atlantis'"):
        view_graph(kg, "diffusion", country="Atlantis")


def test_views_are_the_same_on_a_remote_endpoint(kg, remote_kg) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("cmkg.network")
    from cmkg.visualize import view_graph

    local = view_graph(kg, "policy", policy_area="employment and credentials")
    remote = view_graph(remote_kg, "policy", policy_area="employment and credentials")
    assert len(local) > 1 and set(local) == set(remote)
    assert resolve(remote_kg, "Maytree Foundation") == ID + "organisation/maytree-foundation"
    with pytest.raises(ResourceNotFound, match="no resource with this IRI"):
        resolve(remote_kg, ID + "city/atlantis")
