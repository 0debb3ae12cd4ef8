"""Binding parameter values into query text, for engines that cannot take them as terms.

Each bound value is written as one RDF term - an IRI checked against the IRI
grammar, a literal with every quote, backslash and line break escaped - inside a
``VALUES`` block placed in the query's outermost group graph pattern. That
gives the same results as rdflib's ``initBindings``, also for a bound variable
the query does not project. The remote engine uses it for every query; the
embedded engine only where rdflib ignores ``initBindings`` (a DESCRIBE with no
WHERE clause).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rdflib import Literal, URIRef
from rdflib.term import Node

from cmkg.catalogue import validate_iri
from cmkg.engine.base import inspect_query
from cmkg.errors import QueryParameterError

__all__ = ["inject_values", "sparql_term", "values_block"]

_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_LANG_RE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# An IRIREF token: what may follow '<' when it opens an IRI rather than compares.
_IRIREF_RE = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')


def sparql_term(node: Node) -> str:
    """One RDF term written as SPARQL text that parses back to exactly that term.

    Examples
    --------
    >>> from rdflib import Literal, URIRef
    >>> print(sparql_term(Literal('"} ; DROP ALL #')))
    "\\"} ; DROP ALL #"
    >>> sparql_term(URIRef("https://w3id.org/cmkg/id/city/toronto"))
    '<https://w3id.org/cmkg/id/city/toronto>'
    """
    if isinstance(node, URIRef):
        return f"<{validate_iri(str(node))}>"
    if isinstance(node, Literal):
        body = '"' + "".join(_ECHAR.get(ch, ch) for ch in str(node)) + '"'
        if node.language:
            if not _LANG_RE.match(node.language):
                raise QueryParameterError(f"language tag {node.language!r} is not valid")
            return f"{body}@{node.language}"
        if node.datatype:
            return f"{body}^^<{validate_iri(str(node.datatype), 'datatype')}>"
        return body
    raise QueryParameterError(f"cannot bind {node!r}: only IRIs and literals can be parameter values")


def values_block(bindings: Mapping[str, Node]) -> str:
    """``VALUES (?a ?b) { (t1 t2) }`` for one row of bindings."""
    names = []
    for var in bindings:
        if not _VAR_RE.match(var):
            raise QueryParameterError(f"{var!r} is not a SPARQL variable name")
        names.append("?" + var)
    terms = " ".join(sparql_term(t) for t in bindings.values())
    return f"VALUES ({' '.join(names)}) {{ ({terms}) }}"


def _top_level_groups(text: str) -> list[tuple[int, int]]:
    """Spans (open, close) of the ``{…}`` groups at nesting depth 0, outside strings, IRIs and comments."""
    spans: list[tuple[int, int]] = []
    depth = parens = 0
    start = -1
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if ch in "\"'":
            long = text.startswith(ch * 3, i)
            quote = ch * 3 if long else ch
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
            continue
        if ch == "<":
            m = _IRIREF_RE.match(text, i)
            if m:
                i = m.end()
                continue
        if ch == "(":
            parens += 1
        elif ch == ")":
            parens -= 1
        elif ch == "{":
            if depth == 0 and parens == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and parens == 0 and start >= 0:
                spans.append((start, i))
                start = -1
        i += 1
    return spans


def inject_values(text: str, bindings: Mapping[str, Node]) -> str:
    """The query with a VALUES block for ``bindings`` opening its outermost WHERE group.

    Examples
    --------
    >>> from rdflib import Literal
    >>> print(inject_values("SELECT ?p WHERE { ?p ?q ?_x }", {"_x": Literal("a")}))
    SELECT ?p WHERE { VALUES (?_x) { ("a") }
     ?p ?q ?_x }
    """
    if not bindings:
        return text
    info = inspect_query(text)
    block = values_block(bindings)
    groups = _top_level_groups(text)
    if not groups and info.kind == "describe":
        # DESCRIBE ?_x with no WHERE clause: the bindings become its WHERE clause.
        return f"{text.rstrip()}\nWHERE {{ {block} }}"
    if not groups:
        raise QueryParameterError("the query has no WHERE clause to bind parameters in")
    if info.kind == "construct":
        open_, close = groups[0]
        before = text[:open_].rstrip()
        if re.search(r"(?i)\bWHERE$", before):
            # Short form CONSTRUCT WHERE { P }: the template cannot hold VALUES, so spell it out.
            body = text[open_ + 1 : close]
            return f"{before[:-5]} {{{body}}} WHERE {{ {block}\n{body}}}{text[close + 1:]}"
        if len(groups) < 2:
            raise QueryParameterError("the CONSTRUCT query has no WHERE clause to bind parameters in")
        open_ = groups[1][0]
    else:
        open_ = groups[0][0]
    return f"{text[: open_ + 1]} {block}\n{text[open_ + 1:]}"
