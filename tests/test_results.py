from __future__ import annotations

import csv
import io
import json

from rdflib import BNode, Literal, URIRef, XSD

from cmkg.results import ResultTable

TABLE = ResultTable.from_rows(
    ["s", "label", "n", "missing"],
    [
        (URIRef("https://w3id.org/cmkg/id/city/toronto"), Literal("Toronto, \"Ont.\"", lang="en"), Literal(3), None),
        (BNode("b1"), Literal("tab\there"), Literal("2005", datatype=XSD.gYear), None),
    ],
)


def test_rows_are_python_values_and_terms_are_kept() -> None:
    assert TABLE.rows[0][0] == "https://w3id.org/cmkg/id/city/toronto"
    assert TABLE.rows[0][2] == 3
    assert isinstance(TABLE.terms[0][1], Literal)
    assert TABLE.rows[0][3] is None


def test_json_is_sparql_results_json() -> None:
    doc = json.loads(TABLE.to_json())
    assert doc["head"]["vars"] == ["s", "label", "n", "missing"]
    first = doc["results"]["bindings"][0]
    assert first["s"] == {"type": "uri", "value": "https://w3id.org/cmkg/id/city/toronto"}
    assert first["label"]["xml:lang"] == "en"
    assert first["n"]["datatype"] == str(XSD.integer)
    assert "missing" not in first
    assert doc["results"]["bindings"][1]["s"]["type"] == "bnode"


def test_csv_has_header_and_round_trips() -> None:
    rows = list(csv.reader(io.StringIO(TABLE.to_csv())))
    assert rows[0] == ["s", "label", "n", "missing"]
    assert rows[1][1] == 'Toronto, "Ont."'
    assert len(rows) == 3


def test_tsv_uses_rdf_term_syntax() -> None:
    lines = TABLE.to_tsv().splitlines()
    assert lines[0] == "?s\t?label\t?n\t?missing"
    assert lines[1].startswith("<https://w3id.org/cmkg/id/city/toronto>\t\"Toronto")
    assert len(lines[2].split("\t")) == 4


def test_markdown_and_html_escape() -> None:
    md = TABLE.to_markdown()
    assert md.splitlines()[1] == "|---|---|---|---|"
    t = ResultTable.from_rows(["x"], [(Literal("<script>alert(1)</script>"),)])
    assert "<script>" not in t._repr_html_()


def test_limit_marks_truncation() -> None:
    assert TABLE.limit(1).truncated and len(TABLE.limit(1)) == 1
    assert not TABLE.limit(5).truncated
