"""The Oxigraph engine: same answers and refusals as the memory engine, on-disk reuse, file:line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef, XSD

from cmkg import KnowledgeGraph, ResultTable
from cmkg.engine.oxigraph import MANIFEST, OxigraphEngine
from cmkg.engine.terms import to_oxigraph, to_rdflib
from cmkg.errors import CmkgError, DataFileError, QueryRefused, QuerySyntaxError
from cmkg.loading import GRAPH_BASE, default_files, graph_iri

from conftest import FIXTURES

RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
CMO = "https://w3id.org/cmkg/ontology#"


@pytest.fixture(scope="session")
def oxkg() -> KnowledgeGraph:
    """The ontology and curated graph in the in-memory Oxigraph engine."""
    return KnowledgeGraph.load(engine="oxigraph")


def test_same_triples_and_graphs_as_memory(kg: KnowledgeGraph, oxkg: KnowledgeGraph) -> None:
    assert oxkg.engine.triple_count() == kg.engine.triple_count() > 1000
    text = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    assert oxkg.select(text).rows == kg.select(text).rows
    assert {str(graph_iri(f)) for f in default_files()} <= {str(g) for g in oxkg.engine.graphs()}


def test_terms_keep_language_datatype_and_kind(kg: KnowledgeGraph, oxkg: KnowledgeGraph) -> None:
    text = f"""SELECT ?s ?o WHERE {{ ?s ?p ?o .
               FILTER(isIRI(?s) && isLiteral(?o) && (lang(?o) != "" || datatype(?o) != <{XSD.string}>)) }}"""
    ox_rows, mem_rows = oxkg.select(text).terms, kg.select(text).terms

    def key(row: tuple) -> tuple:  # type: ignore[type-arg]
        s, o = row
        # Oxigraph stores numbers in canonical form ("-80.00" comes back as "-80"): compare values
        return (s, o.language, o.datatype, o.toPython() if o.datatype and not isinstance(o.toPython(), Literal) else str(o))

    assert len(ox_rows) > 100 and {key(r) for r in ox_rows} == {key(r) for r in mem_rows}
    kinds = {(o.language is not None, o.datatype) for _, o in ox_rows}
    assert (True, None) in kinds and any(dt is not None for _, dt in kinds)


@pytest.mark.parametrize(
    "term",
    [
        URIRef("https://w3id.org/cmkg/id/city/toronto"),
        Literal("Toronto", lang="en"),
        Literal("Toronto"),
        Literal("2004", datatype=XSD.gYear),
        Literal("43.65", datatype=XSD.decimal),
        Literal('quote " and \\ backslash'),
        BNode("b1"),
    ],
)
def test_term_round_trip(term: object) -> None:
    assert to_rdflib(to_oxigraph(term)) == term  # type: ignore[arg-type]


def test_ask_and_construct(oxkg: KnowledgeGraph) -> None:
    assert oxkg.sparql(f"ASK {{ ?c a <{CMO}City> }}") is True
    assert oxkg.sparql(f"ASK {{ ?c a <{CMO}NoSuchClass> }}") is False
    g = oxkg.sparql(f"CONSTRUCT {{ ?c {RDFS_LABEL} ?l }} WHERE {{ ?c a <{CMO}City> ; {RDFS_LABEL} ?l }}")
    assert isinstance(g, Graph) and len(g) > 10
    assert all(isinstance(o, Literal) and o.language == "en" for o in g.objects())


def test_bindings_projected_and_not_projected(kg: KnowledgeGraph, oxkg: KnowledgeGraph) -> None:
    label = Literal("Toronto", lang="en")
    projected = f"SELECT ?s ?label WHERE {{ ?s {RDFS_LABEL} ?label }}"
    hidden = f"SELECT ?s WHERE {{ ?s {RDFS_LABEL} ?label }}"
    toronto = URIRef("https://w3id.org/cmkg/id/city/toronto")
    assert oxkg.select(projected, {"label": label}).terms == ((toronto, label),)
    assert oxkg.select(hidden, {"label": label}).terms == ((toronto,),)
    assert kg.select(hidden, {"label": label}).terms == ((toronto,),)


def test_a_literal_bound_where_only_an_iri_may_stand_falls_back_to_values(kg: KnowledgeGraph, oxkg: KnowledgeGraph) -> None:
    # written in place, the literal would be a predicate (a syntax error): the engine binds it in VALUES instead,
    # and the text it keeps per query stays right for the next call with an IRI
    text = "SELECT ?s ?o WHERE { ?s ?_p ?o . ?s ?_p2 ?o2 }"
    label = URIRef(RDFS_LABEL.strip("<>"))
    for _ in range(2):
        for value, rows in ((Literal("not a predicate"), 0), (label, None)):
            bound = {"_p": value, "_p2": label}
            mine, theirs = oxkg.select(text, bound), kg.select(text, bound)
            assert sorted(map(repr, mine.terms)) == sorted(map(repr, theirs.terms))
            assert len(mine) == rows if rows is not None else len(mine) > 100


def test_binding_cannot_inject(oxkg: KnowledgeGraph) -> None:
    evil = Literal('x" } ; DROP ALL ; SELECT * { ?s ?p "')
    before = oxkg.engine.triple_count()
    t = oxkg.select(f"SELECT ?s WHERE {{ ?s {RDFS_LABEL} ?label }}", {"label": evil})
    assert len(t) == 0 and oxkg.engine.triple_count() == before


def test_named_query_with_parameter(kg: KnowledgeGraph, oxkg: KnowledgeGraph) -> None:
    mem = kg.query("practices-in-city", city="Toronto")
    ox = oxkg.query("practices-in-city", city="Toronto")
    assert isinstance(ox, ResultTable) and ox.columns == mem.columns  # type: ignore[union-attr]
    assert sorted(map(str, ox.terms)) == sorted(map(str, mem.terms))  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "update",
    ["INSERT DATA { <http://a> <http://b> <http://c> }", "DELETE WHERE { ?s ?p ?o }", "DROP ALL", "LOAD <http://127.0.0.1:9/x.ttl>"],
)
def test_updates_refused_and_change_nothing(oxkg: KnowledgeGraph, update: str) -> None:
    before = oxkg.engine.triple_count()
    with pytest.raises(QueryRefused, match="read-only"):
        oxkg.sparql(update)
    assert oxkg.engine.triple_count() == before


def test_service_and_remote_from_refused(oxkg: KnowledgeGraph) -> None:
    with pytest.raises(QueryRefused, match="SERVICE"):
        oxkg.sparql("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    with pytest.raises(QueryRefused, match="FROM"):
        oxkg.sparql("SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }")


def test_terms_are_kept_between_queries_but_not_a_large_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    import cmkg.engine.oxigraph as ox_engine

    kg = KnowledgeGraph.load("oxigraph", files=[FIXTURES / "network" / "star.ttl"])
    engine = kg.engine
    assert isinstance(engine, OxigraphEngine)
    query = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s"
    first, again = kg.sparql(query), kg.sparql(query)
    assert isinstance(first, ResultTable) and isinstance(again, ResultTable)
    assert first.terms == again.terms and len(first) == 6
    assert all(a is b for ra, rb in zip(first.terms, again.terms) for a, b in zip(ra, rb))  # converted once
    monkeypatch.setattr(ox_engine, "_TERMS_KEPT", 5)
    before = engine._terms
    big = kg.sparql("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert isinstance(big, ResultTable) and len(big) > 5
    assert engine._terms is not before and len(engine._terms) == 0  # the large answer's terms are let go
    assert kg.sparql(query).terms == first.terms


def test_syntax_error_has_line_and_column(oxkg: KnowledgeGraph) -> None:
    with pytest.raises(QuerySyntaxError, match=r"line 2, column \d+"):
        oxkg.sparql("SELECT ?x WHERE {\n ?x ?y \n")


def test_trig_keeps_graphs_and_default_triples_go_to_the_file_graph() -> None:
    path = FIXTURES / "loading" / "places.trig"
    eng = OxigraphEngine.open([path])
    names = {str(g) for g in eng.graphs()}
    assert "https://example.org/graph/a" in names and str(graph_iri(path)) in names


def test_malformed_turtle_names_file_line_and_column() -> None:
    path = FIXTURES / "loading" / "malformed.ttl"
    with pytest.raises(DataFileError) as info:
        OxigraphEngine.open([path])
    message = str(info.value)
    assert message.startswith(f"{path}:8:"), message
    assert "Turtle syntax error" in message and "\n" not in message


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "data.csv"
    bad.write_text("a,b\n")
    with pytest.raises(DataFileError, match="unknown RDF file type"):
        OxigraphEngine.open([bad])
    with pytest.raises(DataFileError, match="no such file"):
        OxigraphEngine.open([tmp_path / "missing.ttl"])


def test_to_dataset_and_validate_agree_with_memory(kg: KnowledgeGraph, oxkg: KnowledgeGraph) -> None:
    ds = oxkg.dataset
    assert len(ds) == len(kg.dataset)
    assert {g.identifier for g in ds.graphs() if len(g)} == {g.identifier for g in kg.dataset.graphs() if len(g)}
    assert oxkg.validate().summary() == kg.validate().summary()


def _write(path: Path, text: str) -> Path:
    path.write_text("@prefix ex: <https://example.org/> .\n" + text, encoding="utf-8")
    return path


def test_disk_store_reused_without_parsing(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.ttl", 'ex:a ex:p "1" .\n')
    b = _write(tmp_path / "b.ttl", 'ex:b ex:p "2" .\n')
    store = tmp_path / "store"
    eng = OxigraphEngine.open([a, b], path=store)
    assert {f.path for f in eng.loaded} == {a, b}
    eng.close()
    assert json.loads((store / MANIFEST).read_text())["files"]

    eng = OxigraphEngine.open([a, b], path=store)
    assert eng.loaded == () and eng.triple_count() == 2
    eng.close()

    # a changed file is parsed again and replaces its graph; the other is left alone
    _write(b, 'ex:b ex:p "3" .\nex:b ex:q "4" .\n')
    os.utime(b, ns=(b.stat().st_atime_ns, b.stat().st_mtime_ns + 10**9))
    eng = OxigraphEngine.open([a, b], path=store)
    assert [f.path for f in eng.loaded] == [b] and eng.triple_count() == 3
    eng.close()

    eng = OxigraphEngine.open([a, b], path=store, reload=True)
    assert {f.path for f in eng.loaded} == {a, b} and eng.triple_count() == 3
    eng.close()


def test_external_file_stays_when_reopened_without_it(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.ttl", 'ex:a ex:p "1" .\n')
    dump = _write(tmp_path / "dump.ttl", 'ex:d ex:p "9" .\n')
    store = tmp_path / "store"
    OxigraphEngine.open([a, dump], path=store).close()
    eng = OxigraphEngine.open([a], path=store)
    assert eng.loaded == () and eng.triple_count() == 2
    eng.close()


def test_bad_new_version_keeps_the_old_graph(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.ttl", 'ex:a ex:p "1" .\n')
    store = tmp_path / "store"
    OxigraphEngine.open([a], path=store).close()
    _write(a, "ex:a ex:p .\n")
    os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 10**9))
    with pytest.raises(DataFileError, match=r"a\.ttl:2:\d+: Turtle syntax error"):
        OxigraphEngine.open([a], path=store)
    import pyoxigraph

    assert len(pyoxigraph.Store.read_only(str(store))) == 1


def test_store_in_use_and_not_a_store(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.ttl", 'ex:a ex:p "1" .\n')
    store = tmp_path / "store"
    first = OxigraphEngine.open([a], path=store)
    with pytest.raises(CmkgError, match="in use by this process"):
        OxigraphEngine.open([a], path=store)
    first.close()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("x")
    with pytest.raises(CmkgError, match="not an Oxigraph store"):
        OxigraphEngine.open([a], path=tmp_path / "notes")
    with pytest.raises(CmkgError, match="is a file"):
        OxigraphEngine.open([a], path=a)


def test_memory_engine_refuses_a_store(tmp_path: Path) -> None:
    with pytest.raises(CmkgError, match="--engine oxigraph"):
        KnowledgeGraph.load(engine="memory", path=tmp_path / "s")


def test_reasoning_fills_the_inferred_graph(tmp_path: Path) -> None:
    kg = KnowledgeGraph.load(engine="oxigraph", reason=True)
    n = kg.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH_BASE}inferred> {{ ?s ?p ?o }} }}").rows[0][0]
    assert n > 0


def cmkg(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Run the real ``cmkg`` in its own process, as a user does (each run opens the store afresh)."""
    done = subprocess.run([sys.executable, "-m", "cmkg", *args], capture_output=True, text=True, cwd=cwd, timeout=300)
    return done.returncode, done.stdout, done.stderr


def test_cli_load_into_a_store_then_query_it(tmp_path: Path) -> None:
    dump = tmp_path / "other-city-practices.nt"
    dump.write_text(
        '<https://example.org/practice/1> <http://www.w3.org/2000/01/rdf-schema#label> "Harbour Welcome Desk"@en .\n'
        '<https://example.org/practice/1> <https://w3id.org/cmkg/ontology#implementedIn> <https://w3id.org/cmkg/id/city/toronto> .\n'
    )
    store = tmp_path / "store"
    code, out, err = cmkg("load", str(dump), "--store", str(store), cwd=tmp_path)
    assert code == 0, err
    assert "parsed" in out and "triples in" in out
    code, out, err = cmkg("load", str(dump), "--store", str(store), cwd=tmp_path)
    assert code == 0 and "1 unchanged since the last load, not parsed again" in " ".join(out.split())
    eng = OxigraphEngine.open(default_files(), path=store)
    assert eng.loaded == ()
    t = KnowledgeGraph(eng).select(
        f'SELECT ?g WHERE {{ GRAPH ?g {{ ?p {RDFS_LABEL} "Harbour Welcome Desk"@en }} }}'
    )
    assert t.rows == [(f"{GRAPH_BASE}external/other-city-practices",)]
    eng.close()


def test_cli_load_bad_file_is_one_line_and_keeps_the_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    good = tmp_path / "good.nt"
    good.write_text('<https://example.org/a> <https://example.org/p> "1" .\n')
    assert cmkg("load", str(good), "--store", str(store), cwd=tmp_path)[0] == 0
    bad = tmp_path / "bad.nt"
    bad.write_text('<https://example.org/a> <https://example.org/p> "1" .\n<https://example.org/b> <https://example.org/p> .\n')
    code, out, err = cmkg("load", str(bad), "--store", str(store), cwd=tmp_path)
    assert code == 1
    assert f"{bad}:2:" in err and "N-Triples syntax error" in err and "Traceback" not in err + out
    eng = OxigraphEngine.open(default_files() + [good], path=store)
    assert eng.loaded == ()
    assert not KnowledgeGraph(eng).sparql(f"ASK {{ GRAPH <{graph_iri(bad)}> {{ ?s ?p ?o }} }}")
    eng.close()


def test_cli_load_needs_oxigraph(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "x.nt"
    f.write_text("")
    code, _out, err = cli("load", str(f), "--engine", "memory")
    assert code == 1 and "--engine oxigraph" in err


def test_parameter_scope_is_the_same_as_memory(kg: KnowledgeGraph, oxkg: KnowledgeGraph) -> None:
    # a bound variable is in scope in the outermost group (where Oxigraph gets the value written
    # in) and out of scope in a nested group's FILTER, on both engines
    toronto = URIRef("https://w3id.org/cmkg/id/city/toronto")
    name = {"_name": Literal("TORONTO")}
    outer = f"SELECT ?s WHERE {{ ?s {RDFS_LABEL} ?label . FILTER(LCASE(STR(?label)) = LCASE(?_name)) }}"
    nested = f"SELECT ?s WHERE {{ ?s {RDFS_LABEL} ?label . {{ FILTER(LCASE(STR(?label)) = LCASE(?_name)) }} }}"
    assert kg.select(outer, name).terms == oxkg.select(outer, name).terms == ((toronto,),)
    assert kg.select(nested, name).terms == oxkg.select(nested, name).terms == ()


