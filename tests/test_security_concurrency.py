"""Requirement 9, concurrency: 50 threads querying the embedded engine at once get the answers one thread gets."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from rdflib import Graph

from cmkg import KnowledgeGraph, ResultTable
from cmkg.catalogue import NamedQuery

THREADS = 50
PER_THREAD = 3  # each thread runs this many jobs, starting at a different one, so every job runs in many threads

# ad-hoc queries that exercise the rest of the engine: aggregates, paths, OPTIONAL, FILTER, CONSTRUCT, ASK
AD_HOC = [
    "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c",
    "SELECT ?s ?l WHERE { ?s a <https://w3id.org/cmkg/ontology#City> ; <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(CONTAINS(LCASE(STR(?l)), 'o')) } ORDER BY ?s ?l",
    "SELECT ?a ?b WHERE { ?a <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ ?b } ORDER BY ?a ?b",
    "SELECT ?s ?o WHERE { ?s a <http://www.w3.org/2004/02/skos/core#Concept> OPTIONAL { ?s <http://www.w3.org/2004/02/skos/core#altLabel> ?o } } ORDER BY ?s ?o",
    "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c }",
    "ASK { ?s ?p ?o FILTER(isLiteral(?o) && LANG(?o) = 'en') }",
]


def _key(result: object) -> object:
    """A comparable form of a result: rows in order for SELECT, the triple set for graphs."""
    if isinstance(result, ResultTable):
        return (result.columns, result.terms)
    if isinstance(result, Graph):
        return frozenset(result)
    return result


def _named(q: NamedQuery) -> tuple[str, dict[str, str]]:
    return q.name, q.example_values()


def test_fifty_threads_agree_with_one(kg: KnowledgeGraph) -> None:
    runnable = [_named(q) for q in kg.catalogue.values() if q.kind != "check" and all(p.example is not None or p.optional for p in q.params)]
    assert runnable, "the catalogue has no query to run"
    jobs = [("named", name, params) for name, params in runnable] + [("sparql", text, {}) for text in AD_HOC]

    def run(job: tuple[str, str, dict[str, str]]) -> object:
        kind, what, params = job
        return _key(kg.query(what, **params) if kind == "named" else kg.sparql(what))

    expected = [run(job) for job in jobs]  # one thread, one after another
    assert any(isinstance(e, tuple) and e[1] for e in expected), "no query returned rows, so the test would prove nothing"

    start = threading.Barrier(THREADS)

    def worker(offset: int) -> list[tuple[int, object]]:
        start.wait()  # all threads begin together, so they really overlap
        out = []
        for i in range(PER_THREAD):
            j = (i + offset) % len(jobs)  # each thread walks the jobs in a different order
            out.append((j, run(jobs[j])))
        return out

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))
    for per_thread in results:
        assert len(per_thread) == PER_THREAD
        for j, got in per_thread:
            assert got == expected[j], f"a thread got a different answer to {jobs[j][1]!r}"
