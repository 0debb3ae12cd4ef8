"""GuardedEngine: queries run in killable worker processes, under a deadline and a row cap."""

from __future__ import annotations

import os

import pytest
from rdflib import Graph, Literal

from cmkg.engine.base import Engine
from cmkg.engine.guarded import GuardedEngine
from cmkg.errors import CmkgError, QueryRefused, QuerySyntaxError, QueryTimeout
from cmkg.results import ResultTable

PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def guarded(kg) -> GuardedEngine:
    return GuardedEngine(kg.engine, timeout=1.0, max_rows=25)


def test_results_match_the_inner_engine(guarded: GuardedEngine, kg) -> None:
    q = "PREFIX cmo: <https://w3id.org/cmkg/ontology#> SELECT ?r ?n WHERE { ?r cmo:recommendationNumber ?n } ORDER BY ?r LIMIT 10"
    outcome = guarded.run(q)
    assert outcome.result == kg.sparql(q) and not outcome.truncated and outcome.kind == "select"
    assert guarded.query("ASK { ?s ?p ?o }") is True


def test_row_cap_cuts_and_flags(guarded: GuardedEngine) -> None:
    outcome = guarded.run("SELECT * WHERE { ?s ?p ?o }")
    assert isinstance(outcome.result, ResultTable)
    assert len(outcome.result) == 25 and outcome.truncated and outcome.result.truncated
    graph = guarded.run("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(graph.result, Graph) and len(graph.result) == 25 and graph.truncated


def test_bindings_travel_to_the_worker(guarded: GuardedEngine) -> None:
    q = "PREFIX cmo: <https://w3id.org/cmkg/ontology#> SELECT ?r WHERE { ?r cmo:recommendationNumber ?n }"
    table = guarded.query(q, {"n": Literal(3)})
    assert isinstance(table, ResultTable) and 1 <= len(table) <= 2


def test_deadline_kills_the_worker_and_the_engine_goes_on(guarded: GuardedEngine) -> None:
    before = set(_children())
    with pytest.raises(QueryTimeout, match="time limit of 1 s"):
        guarded.run(PATHOLOGICAL)
    assert set(_children()) <= before  # the worker is gone, not left running
    assert guarded.query("ASK { ?s ?p ?o }") is True


def test_a_caller_may_lower_the_limit_but_not_raise_it(guarded: GuardedEngine) -> None:
    assert guarded.effective_timeout(0.2) == 0.2
    assert guarded.effective_timeout(100) == 1.0
    assert guarded.effective_timeout(None) == 1.0
    with pytest.raises(QueryTimeout, match="0.2 s"):
        guarded.run(PATHOLOGICAL, timeout=0.2)


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", QueryRefused),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", QueryRefused),
        ("SELECT * FROM <http://127.0.0.1:9/x.ttl> WHERE { ?s ?p ?o }", QueryRefused),
        ("SELECT * WHERE { ?s ", QuerySyntaxError),
    ],
)
def test_refused_before_anything_is_forked(guarded: GuardedEngine, query: str, error: type) -> None:
    with pytest.raises(error):
        guarded.run(query)


def test_errors_in_the_worker_come_back_as_one_sentence(kg) -> None:
    class Boom(Engine):
        def query(self, text, bindings=None, *, timeout=None):  # type: ignore[no-untyped-def]
            raise RuntimeError("/secret/path.py line 3")

    engine = GuardedEngine(Boom(), timeout=5, max_rows=5)
    with pytest.raises(CmkgError) as err:
        engine.run("ASK { ?s ?p ?o }")
    assert "secret" not in str(err.value) and "RuntimeError" in str(err.value)


def test_accepts_a_dataset_or_a_factory(kg) -> None:
    assert GuardedEngine(kg.engine.dataset, timeout=5).query("ASK { ?s ?p ?o }") is True
    assert GuardedEngine(lambda: kg.engine, timeout=5).query("ASK { ?s ?p ?o }") is True
    with pytest.raises(ValueError):
        GuardedEngine(kg.engine, timeout=0)


def _children() -> list[int]:
    """Pids of this process's live children (zombies excluded)."""
    me = str(os.getpid())
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me and fields[0] != "Z":
                out.append(int(entry))
    return out


