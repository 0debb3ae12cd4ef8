from __future__ import annotations

import pytest
from rdflib import Literal, URIRef, XSD

from cmkg.catalogue import Catalogue, parse_query_file, validate_iri
from cmkg.errors import QueryHeaderError, QueryNotFound, QueryParameterError

from conftest import FIXTURES

GOOD = FIXTURES / "catalogue" / "good"


def test_header_is_parsed() -> None:
    q = parse_query_file(GOOD / "city-things.rq", GOOD)
    assert q.name == "city-things"
    assert q.summary == "Things in a city"
    assert q.tags == ("fixture",)
    assert [p.name for p in q.params] == ["city", "thing_iri", "year", "n"]
    assert q.param("thing_iri").variable == "_thing_iri"
    assert q.param("year").optional and q.param("year").variable == "__year"
    assert q.kind == "select"


def test_bindings_are_typed_terms() -> None:
    q = parse_query_file(GOOD / "city-things.rq", GOOD)
    b = q.bindings({"city": "Toronto", "thing_iri": "https://w3id.org/cmkg/id/city/toronto", "year": "2005", "n": "3"})
    assert b["_city"] == Literal("Toronto")
    assert b["_thing_iri"] == URIRef("https://w3id.org/cmkg/id/city/toronto")
    assert b["__year"] == Literal("2005", datatype=XSD.gYear)
    assert b["_n"] == Literal(3, datatype=XSD.integer)


@pytest.mark.parametrize(
    "values, message",
    [
        ({"thing_iri": "https://x/y", "n": "1"}, "needs parameter 'city'"),
        ({"city": "a", "thing_iri": "not an iri", "n": "1"}, "not an absolute IRI"),
        ({"city": "a", "thing_iri": "https://x/y> <z", "n": "1"}, "not an absolute IRI"),
        ({"city": "a", "thing_iri": "https://x/y", "n": "three"}, "not a valid integer"),
        ({"city": "a", "thing_iri": "https://x/y", "n": "1", "year": "05"}, "not a valid year"),
        ({"city": "a", "thing_iri": "https://x/y", "n": "1", "colour": "red"}, "has no parameter 'colour'"),
    ],
)
def test_bad_parameters_are_named(values: dict[str, str], message: str) -> None:
    q = parse_query_file(GOOD / "city-things.rq", GOOD)
    with pytest.raises(QueryParameterError, match=message):
        q.bindings(values)


def test_header_that_does_not_parse_is_an_error() -> None:
    with pytest.raises(QueryHeaderError, match="broken.rq"):
        parse_query_file(FIXTURES / "catalogue" / "badheader" / "broken.rq")


def test_unknown_name_suggests_close_ones() -> None:
    cat = Catalogue.load(GOOD)
    with pytest.raises(QueryNotFound, match="did you mean city-things"):
        cat["city-thing"]


def test_validate_iri() -> None:
    assert validate_iri("https://w3id.org/cmkg/id/city/toronto") == URIRef("https://w3id.org/cmkg/id/city/toronto")
    for bad in ["toronto", "http://a b", "http://a/<b>", 'http://a/"']:
        with pytest.raises(QueryParameterError):
            validate_iri(bad)


def test_the_real_catalogue_loads() -> None:
    cat = Catalogue.load()
    assert len(cat) > 0
    assert all(q.summary for q in cat.values())
