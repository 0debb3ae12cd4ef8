"""describe: everything about one resource, by label, CURIE or IRI, through SPARQL."""

from __future__ import annotations

import pytest

from cmkg.describe import candidates, describe, resolve
from cmkg.errors import ResourceNotFound

TORONTO = "https://w3id.org/cmkg/id/city/toronto"


@pytest.mark.parametrize("text", ["Toronto", "toronto", "city:toronto", TORONTO, f"<{TORONTO}>"])
def test_resolve_by_label_curie_or_iri(kg, text: str) -> None:  # type: ignore[no-untyped-def]
    assert resolve(kg, text) == TORONTO


def test_description_has_labels_both_ways(kg) -> None:  # type: ignore[no-untyped-def]
    d = describe(kg, "Toronto")
    assert d.label == "Toronto" and "City" in d.types
    props = {rec["property"] for rec in d.outgoing.records()}
    assert "http://www.w3.org/2000/01/rdf-schema#label" in props
    assert len(d.incoming) > 0
    table = d.table()
    assert table.columns == ("direction", "property", "propertyLabel", "value", "valueLabel")
    assert {r[0] for r in table.rows} == {"out", "in"}


def test_alternative_labels_resolve(kg) -> None:  # type: ignore[no-untyped-def]
    assert resolve(kg, "practice to policy") == "https://w3id.org/cmkg/id/source/practice-to-policy-2012"


def test_near_miss_suggests_candidates(kg) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ResourceNotFound, match="did you mean Toronto <https://w3id.org/cmkg/id/city/toronto>"):
        resolve(kg, "Torontoo")
    assert any(c.iri == TORONTO for c in candidates(kg, "Toront"))


def test_no_candidates_at_all(kg) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ResourceNotFound, match="no resource is labelled 'qqqqzzzz'$"):
        resolve(kg, "qqqqzzzz")


def test_ambiguous_label_lists_the_resources(kg) -> None:  # type: ignore[no-untyped-def]
    table = kg.select(
        """SELECT ?name WHERE { ?a <http://www.w3.org/2000/01/rdf-schema#label> ?name .
           ?b <http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#altLabel> ?n2 .
           FILTER(isIRI(?a) && isIRI(?b) && ?a != ?b && LCASE(STR(?name)) = LCASE(STR(?n2))) } LIMIT 1"""
    )
    if not len(table):
        pytest.skip("the graph has no two resources sharing a label")
    with pytest.raises(ResourceNotFound, match="names [0-9]+ resources: .*give the IRI"):
        resolve(kg, str(table.rows[0][0]))


def test_unknown_iri(kg) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ResourceNotFound, match="says nothing about"):
        describe(kg, "https://w3id.org/cmkg/id/city/atlantis")


def test_describe_remotely_matches_local(kg, remote_kg) -> None:  # type: ignore[no-untyped-def]
    local, remote = describe(kg, "Toronto"), describe(remote_kg, "Toronto")
    assert sorted(map(str, local.table().rows)) == sorted(map(str, remote.table().rows))
