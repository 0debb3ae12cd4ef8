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
def test_query_meets_its_expectation(kg, name: str) -> None:  # type: ignore[no-untyped-def]
    q = CATALOGUE[name]
    result = kg.query(name, **q.example_values())
    check_expectation(q, result)


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
