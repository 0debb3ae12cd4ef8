"""Requirement 11, nothing lost: every export format re-imports isomorphic to the graph.

The literals come from hypothesis: text from every Unicode plane, quotes,
newlines, markup, language tags and datatypes. The files are written with
:func:`cmkg.export.export` and read back with :mod:`cmkg.loading`, the way a
user would re-import a dump.
"""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, URIRef, XSD
from rdflib.compare import isomorphic, to_isomorphic

from cmkg import KnowledgeGraph
from cmkg.export import FORMATS, export, union_graph
from cmkg.loading import load_dataset, parse_file

EX = "https://example.org/"
GRAPHS = (URIRef(EX + "graph/one"), URIRef(EX + "graph/two"))
PREDICATES = (URIRef(EX + "label"), URIRef("http://www.w3.org/2000/01/rdf-schema#comment"), URIRef(EX + "value"))


def _xml_char(c: str) -> bool:
    """Characters XML 1.0 can carry (RDF/XML and TriX cannot hold the others at all)."""
    o = ord(c)
    return o in (0x9, 0xA, 0xD) or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or 0x10000 <= o <= 0x10FFFF


SPECIALS = ['"', "'", '"""', "'''", "\n", "\r\n", "\t", "\\", "\\u0041", "]]>", "<script>alert(1)</script>", "&amp;", "@", "#", " ", "\u2028", "\u00a0", "\ufeff"]
# one character from each of the 17 planes, so every plane is drawn often, not just by luck
PLANES = st.integers(0, 16).flatmap(
    lambda plane: st.integers(plane << 16, (plane << 16) | 0xFFFD).filter(lambda o: not 0xD800 <= o <= 0xDFFF).map(chr)
)


def texts(xml_only: bool) -> st.SearchStrategy[str]:
    pieces = st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=8), st.sampled_from(SPECIALS), PLANES)
    text = st.lists(pieces, max_size=6).map("".join)
    return text.map(lambda s: "".join(c for c in s if _xml_char(c))) if xml_only else text


LANG = st.from_regex(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8}){0,2}", fullmatch=True)


def literals(xml_only: bool) -> st.SearchStrategy[Literal]:
    text = texts(xml_only)
    return st.one_of(
        text.map(Literal),
        st.tuples(text, LANG).map(lambda t: Literal(t[0], lang=t[1])),
        st.integers(-(10**30), 10**30).map(Literal),
        st.decimals(allow_nan=False, allow_infinity=False, places=4).map(Literal),
        # xsd:double is left out here: see test_turtle_keeps_every_digit_of_a_double
        st.floats(allow_nan=False, allow_infinity=False).map(lambda f: Literal(repr(f), datatype=XSD.float)),
        st.booleans().map(Literal),
        st.dates().map(Literal),
        st.datetimes(timezones=st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=-5))])).map(Literal),
        st.integers(1000, 2100).map(lambda y: Literal(str(y), datatype=XSD.gYear)),
        st.tuples(text, st.sampled_from(["https://example.org/dt/money", "http://www.w3.org/2001/XMLSchema#anyURI"])).map(
            lambda t: Literal(t[0], datatype=URIRef(t[1]))
        ),
    )


def datasets(xml_only: bool, one_value_each: bool = False) -> st.SearchStrategy[Dataset]:
    triple = st.tuples(
        st.sampled_from(GRAPHS),
        st.one_of(st.integers(0, 5).map(lambda i: URIRef(f"{EX}id/thing-{i}")), st.just("bnode")),
        st.sampled_from(PREDICATES),
        literals(xml_only),
    )

    def build(rows: list[tuple[URIRef, object, URIRef, Literal]]) -> Dataset:
        ds = Dataset(default_union=True)
        ds.bind("ex", EX)
        blank = BNode()
        for i, (g, s, p, o) in enumerate(rows):
            if one_value_each:  # see test_jsonld_keeps_a_plain_and_a_tagged_value
                s = URIRef(f"{EX}id/row-{i}")
            ds.graph(g).add((blank if s == "bnode" else s, p, o))
        return ds

    return st.lists(triple, min_size=1, max_size=12).map(build)


def _rdf11(g: Graph) -> Graph:
    """RDF 1.1 makes "x" and "x"^^xsd:string the same term; rdflib does not, so compare them as one."""
    out = Graph()
    for s, p, o in g:
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))
        out.add((s, p, o))
    return out


def _reimport(path: Path, key: str) -> Dataset | Graph:
    if FORMATS[key][2]:
        return load_dataset([path])
    g = Graph()
    parse_file(path, g)
    return g


def _same(want: Graph, got: Graph) -> bool:
    if not any(isinstance(t, BNode) for triple in want for t in triple):
        return set(want) == set(got)  # no blank nodes: isomorphism is set equality, and much faster
    return isomorphic(want, got)


def assert_round_trip(ds: Dataset, key: str, tmp: Path) -> None:
    path = export(ds, tmp / f"dump{FORMATS[key][1]}", key)
    back = _reimport(path, key)
    if FORMATS[key][2]:  # quads: every named graph comes back whole
        assert isinstance(back, Dataset)
        for ctx in ds.graphs():
            if len(ctx):
                got = back.graph(ctx.identifier)
                assert _same(_rdf11(ctx), _rdf11(got)), f"{key}: graph {ctx.identifier} differs"
    else:
        want, got = _rdf11(union_graph(ds)), _rdf11(back)
        if not _same(want, got):
            missing = sorted(map(str, to_isomorphic(want) - to_isomorphic(got)))[:3]
            pytest.fail(f"{key}: {len(want)} triples written, {len(got)} read back; lost e.g. {missing}")


XML_KEYS = [k for k, v in FORMATS.items() if v[0] in ("xml", "trix")]
TEXT_KEYS = [k for k in FORMATS if k not in XML_KEYS]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.parametrize("key", [k for k in TEXT_KEYS if k != "jsonld"])
@SETTINGS
@given(ds=datasets(xml_only=False))
def test_text_formats_round_trip_any_literal(key: str, ds: Dataset, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert_round_trip(ds, key, tmp_path_factory.mktemp(key))


@SETTINGS
@given(ds=datasets(xml_only=False, one_value_each=True))
def test_jsonld_round_trips_any_literal(ds: Dataset, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert_round_trip(ds, "jsonld", tmp_path_factory.mktemp("jsonld"))


@pytest.mark.parametrize("key", XML_KEYS)
@SETTINGS
@given(ds=datasets(xml_only=True))
def test_xml_formats_round_trip_any_xml_literal(key: str, ds: Dataset, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert_round_trip(ds, key, tmp_path_factory.mktemp(key))


# one format per rdflib writer family (the hypothesis tests cover every format); each costs seconds
@pytest.mark.parametrize("key", ["trig", "jsonld"])
def test_the_curated_graph_round_trips(kg: KnowledgeGraph, key: str, tmp_path: Path) -> None:
    assert_round_trip(kg.dataset, key, tmp_path)


@pytest.mark.parametrize("char", ["\x00", "\x1f", "\ufffe"])
def test_rdf_xml_refuses_what_xml_cannot_carry(char: str, tmp_path: Path) -> None:
    from cmkg.errors import CmkgError

    ds = Dataset(default_union=True)
    ds.graph(GRAPHS[0]).add((URIRef(EX + "a"), PREDICATES[0], Literal(f"bad{char}char")))
    try:
        path = export(ds, tmp_path / "dump.rdf", "xml")
    except CmkgError:
        assert not (tmp_path / "dump.rdf").exists()
        return
    assert_round_trip(ds, "xml", tmp_path)  # written means it must read back whole
    assert path.exists()


@pytest.mark.xfail(
    strict=True,
    reason="rdflib's Turtle/TriG writer prints xsd:double with '%e' (7 significant digits), so 10000001.0 "
    "reads back as 1.0E7; cmkg.export should write ttl/trig with a lossless writer (e.g. pyoxigraph.serialize)",
)
@pytest.mark.parametrize("key", ["ttl", "trig"])
def test_turtle_keeps_every_digit_of_a_double(key: str, tmp_path: Path) -> None:
    ds = Dataset(default_union=True)
    ds.graph(GRAPHS[0]).add((URIRef(EX + "a"), PREDICATES[2], Literal(10000001.0)))
    assert_round_trip(ds, key, tmp_path)


def test_jsonld_keeps_a_plain_and_a_tagged_value(tmp_path: Path) -> None:
    ds = Dataset(default_union=True)
    for i in range(20):  # which one is lost depends on hash order, so give it many chances
        for lit in (Literal(""), Literal("", lang="aa")):
            ds.graph(GRAPHS[0]).add((URIRef(f"{EX}a{i}"), PREDICATES[0], lit))
    assert_round_trip(ds, "jsonld", tmp_path)
