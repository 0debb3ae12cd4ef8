"""Every named query parses, runs on the real graph and meets the expectation in its header."""

from __future__ import annotations

import re

import pytest

from cmkg.catalogue import Catalogue
from cmkg.engine.base import inspect_query
from cmkg.errors import QueryNotFound
from cmkg.results import ResultTable

from conftest import ROOT
from querytools import check_expectation

CATALOGUE = Catalogue.load()
NAMES = sorted(CATALOGUE)
THEMES = ("practices", "places", "organisations", "recommendations", "diffusion", "sources", "figures", "search", "competency")


def test_catalogue_is_large_and_organised_by_theme() -> None:
    mine = [q for q in CATALOGUE.values() if q.group in THEMES]
    assert len(mine) >= 25
    assert {q.group for q in mine} == set(THEMES)


@pytest.mark.parametrize("name", NAMES)
def test_query_parses_and_declares_itself(name: str) -> None:
    q = CATALOGUE[name]
    info = inspect_query(q.text)
    expected_kind = "select" if q.kind == "check" else q.kind
    assert info.kind == expected_kind, f"{name}: header says {q.kind}, text is {info.kind}"
    assert q.summary and q.expect
    for p in q.params:
        assert p.example is not None, f"{name}: parameter {p.name} has no example"
        assert p.description, f"{name}: parameter {p.name} has no description"


@pytest.mark.parametrize("name", NAMES)
def test_query_meets_its_expectation(example_result, name: str) -> None:  # type: ignore[no-untyped-def]
    check_expectation(CATALOGUE[name], example_result(name))


def test_unknown_query_suggests_close_names(kg) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryNotFound, match="did you mean practices-in-city"):
        kg.query("practises-in-city", city="Toronto")


def test_label_parameters_match_case_insensitively(kg) -> None:  # type: ignore[no-untyped-def]
    a = kg.query("practices-in-city", city="TORONTO")
    b = kg.query("practices-in-city", city="toronto")
    assert isinstance(a, ResultTable) and len(a) > 0 and a == b


def test_every_competency_question_has_a_catalogue_query() -> None:
    text = (ROOT.parent / "shared" / "competency-questions.md").read_text(encoding="utf-8") if (ROOT.parent / "shared").is_dir() else ""
    numbers = [int(n) for n in re.findall(r"^(\d+)\. ", text, flags=re.M)] or list(range(1, 27))
    cqs = {int(m.group(1)) for n in NAMES if (m := re.match(r"cq(\d\d)-", n))}
    assert set(numbers) <= cqs


def test_readme_lists_every_catalogue_query() -> None:
    # datasette-style: a query nobody documented fails the suite. The query layer's table is in the
    # catalogue section; other features (checks, network) may document theirs in their own sections.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- section: catalogue -->(.*?)<!-- /section: catalogue -->", readme, re.S)
    assert m, "README has no catalogue section"
    mine = [n for n in NAMES if CATALOGUE[n].group in THEMES]
    missing = [n for n in mine if f"| `{n}` |" not in m.group(1)]
    missing += [n for n in NAMES if n not in mine and f"`{n}`" not in readme]
    assert not missing, f"README does not document: {', '.join(missing)}"


@pytest.mark.parametrize("name", ["practices-in-city", "gateway-types-overview", "cq22-mem-and-phoenix-prize-years"])
def test_output_formats_round_trip(kg, name: str) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io
    import json

    from rdflib import Variable
    from rdflib.query import Result

    q = CATALOGUE[name]
    table = kg.query(name, **q.example_values())
    assert isinstance(table, ResultTable)
    doc = json.loads(table.to_json())
    assert set(doc) == {"head", "results"} and doc["head"]["vars"] == list(table.columns)
    parsed = Result.parse(io.StringIO(table.to_json()), format="json")
    assert [tuple(row.get(Variable(c)) for c in table.columns) for row in parsed.bindings] == [tuple(r) for r in table.terms]
    parsed_tsv = Result.parse(io.StringIO(table.to_tsv()), format="tsv")
    assert [tuple(row.get(Variable(c)) for c in table.columns) for row in parsed_tsv.bindings] == [tuple(r) for r in table.terms]
    rows = list(csv.reader(io.StringIO(table.to_csv())))
    assert tuple(rows[0]) == table.columns
    assert rows[1:] == [["" if t is None else str(t) for t in r] for r in table.terms]
    md = table.to_markdown().splitlines()
    assert md[0] == "| " + " | ".join(table.columns) + " |" and len(md) == len(table) + 2
    assert "<table>" in table._repr_html_()
    frame = table.to_pandas()
    assert list(frame.columns) == list(table.columns) and len(frame) == len(table)


@pytest.mark.parametrize("name", [n for n in NAMES if CATALOGUE[n].params])
def test_parameters_stay_out_of_subqueries(name: str) -> None:
    # rdflib applies initBindings inside a sub-SELECT; a VALUES block, by the standard, does not reach it.
    # So a parameter used inside a subquery would give different rows on a remote store.
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parser import parseQuery

    found: list[str] = []

    def walk(node, inside: bool) -> None:  # type: ignore[no-untyped-def]
        here = inside or getattr(node, "name", None) == "SubSelect"
        if here and type(node).__name__ == "Variable" and str(node).startswith("_"):
            found.append(str(node))
        if isinstance(node, dict):
            for v in node.values():
                walk(v, here)
        elif isinstance(node, (list, tuple, ParseResults)):
            for v in node:
                walk(v, here)

    walk(parseQuery("SELECT ?p WHERE { { SELECT ?p WHERE { ?p ?x ?_c } } }")[1], False)
    assert found == ["_c"], "the walker must see a parameter inside a subquery"
    found.clear()
    walk(parseQuery(CATALOGUE[name].text)[1], False)
    assert not found, f"{name}: parameters {sorted(set(found))} are used inside a subquery"
