"""SPARQL 1.1 result formats for tables and booleans (JSON, XML, CSV, TSV).

Examples
--------
>>> from rdflib import Literal
>>> from cmkg.results import ResultTable
>>> t = ResultTable.from_rows(["n"], [[Literal(3)]], truncated=True)
>>> print(table_to_xml(t).splitlines()[3].strip())
<variable name="n"/>
>>> '"truncated": true' in table_to_json(t)
True
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Literal, URIRef

from cmkg.results import ResultTable

__all__ = ["TABLE_TYPES", "TRUNCATED_LINK", "table_to_json", "table_to_xml", "ask_to_json", "ask_to_xml", "render_table"]

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
#: Types a SELECT result can be served as, in the order preferred when the client does not mind.
TABLE_TYPES: tuple[str, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV, "application/json", "application/xml")
#: Marks a cut result in the body of XML results (a ``link`` in ``head``, which the format allows).
TRUNCATED_LINK = "urn:cmkg:truncated"
_NS = "http://www.w3.org/2005/sparql-results#"


def table_to_json(table: ResultTable) -> str:
    """SPARQL results JSON; a cut result also carries ``"truncated": true`` at the top level."""
    doc = json.loads(table.to_json())
    if table.truncated:
        doc["truncated"] = True
        doc["head"]["link"] = [TRUNCATED_LINK]
    return json.dumps(doc, ensure_ascii=False)


def _term_xml(term: object) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    assert isinstance(term, Literal)
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype:
        attrs = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attrs}>{escape(str(term))}</literal>"


def table_to_xml(table: ResultTable) -> str:
    """SPARQL results XML."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sparql xmlns="{_NS}">', "  <head>"]
    out += [f"    <variable name={quoteattr(c)}/>" for c in table.columns]
    if table.truncated:
        out.append(f'    <link href="{TRUNCATED_LINK}"/>')
    out += ["  </head>", "  <results>"]
    for row in table.terms:
        out.append("    <result>")
        for col, term in zip(table.columns, row):
            if term is not None:
                out.append(f"      <binding name={quoteattr(col)}>{_term_xml(term)}</binding>")
        out.append("    </result>")
    out += ["  </results>", "</sparql>"]
    return "\n".join(out) + "\n"


def ask_to_json(answer: bool) -> str:
    return json.dumps({"head": {}, "boolean": bool(answer)})


def ask_to_xml(answer: bool) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="{_NS}">\n  <head/>\n'
        f"  <boolean>{'true' if answer else 'false'}</boolean>\n</sparql>\n"
    )


def render_table(table: ResultTable, media_type: str) -> str:
    """The text of ``table`` in one of :data:`TABLE_TYPES`."""
    if media_type in (SPARQL_JSON, "application/json"):
        return table_to_json(table)
    if media_type in (SPARQL_XML, "application/xml"):
        return table_to_xml(table)
    if media_type == CSV:
        return table.to_csv()
    if media_type == TSV:
        return table.to_tsv()
    raise ValueError(media_type)
