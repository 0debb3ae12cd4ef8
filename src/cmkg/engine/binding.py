"""Binding parameter values into query text, for engines that cannot take them as terms.

Each bound value is written as one RDF term - an IRI checked against the IRI
grammar, a literal with every quote, backslash and line break escaped - inside a
``VALUES`` block placed in the query's outermost group graph pattern. That
gives the same results as rdflib's ``initBindings``, also for a bound variable
the query does not project. The embedded engine uses it only where rdflib ignores ``initBindings`` (a
DESCRIBE with no WHERE clause).

Oxigraph (in memory and as a server) plans a query far better around a constant
than around a VALUES block: a city profile at 10^5 triples takes 0.05 s with the
city's name written in the query and 15 s with the same name in VALUES, because
the VALUES block is joined after the rest is evaluated. So :func:`bind_parameters`
first writes each bound value in place of its variable (:func:`substitute`),
which is SEP-0007's substitution and what rdflib's ``initBindings`` does, and
falls back to VALUES only for a variable that occurs where a constant cannot
stand or would mean something else (a projection, ``AS``, a VALUES header,
GROUP BY / ORDER BY, a subquery, a CONSTRUCT template, ``SELECT *``, a FILTER or
BIND in a nested group, where the VALUES-bound variable is out of scope).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from rdflib import Literal, URIRef
from rdflib.term import Node

from cmkg.catalogue import validate_iri
from cmkg.engine.base import inspect_query
from cmkg.errors import QueryParameterError

__all__ = ["bind_parameters", "inject_values", "sparql_term", "substitute", "values_block"]

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


def _skip_opaque(text: str, i: int) -> int:
    """The index after the comment, string or IRI that starts at ``i`` (``i`` itself if none does)."""
    ch = text[i]
    if ch == "#":
        j = text.find("\n", i)
        return len(text) if j < 0 else j + 1
    if ch in "\"'":
        quote = ch * 3 if text.startswith(ch * 3, i) else ch
        j = i + len(quote)
        while j < len(text) and not text.startswith(quote, j):
            j += 2 if text[j] == "\\" else 1
        return j + len(quote)
    if ch == "<":
        m = _IRIREF_RE.match(text, i)
        if m:
            return m.end()
    return i


@lru_cache(maxsize=512)
def _top_level_groups(text: str) -> tuple[tuple[int, int], ...]:
    """Spans (open, close) of the ``{…}`` groups at nesting depth 0, outside strings, IRIs and comments.

    Kept per text: a catalogue query is bound again on every call, and this walk in Python costs
    as much as Oxigraph's whole answer to a small query.
    """
    spans: list[tuple[int, int]] = []
    depth = parens = 0
    start = -1
    i, n = 0, len(text)
    while i < n:
        j = _skip_opaque(text, i)
        if j != i:
            i = j
            continue
        ch = text[i]
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
    return tuple(spans)


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


_NAME_CHARS = re.compile(r"[A-Za-z0-9_\u00B7\u00C0-\uFFFF]*")
_WORD_RE = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=512)
def _scan_variables(text: str) -> tuple[Mapping[str, tuple[tuple[int, int, bool], ...]], bool]:
    """Every ``?name``/``$name`` outside strings, IRIs and comments: name -> ((start, end, substitutable), …).

    Also whether the query has a ``SELECT *`` (whose columns a substitution would change).
    An occurrence is substitutable unless it is in a SELECT or DESCRIBE clause, after ``AS``,
    in a VALUES header, in a GROUP BY / ORDER BY clause, inside a subquery, in a CONSTRUCT
    template, or in an expression (FILTER, BIND) inside a nested group. Kept per text (read-only:
    the mapping is a proxy) for the reason given at :func:`_top_level_groups`.
    """
    found: dict[str, list[tuple[int, int, bool]]] = {}
    star = False
    depth = 0
    clause = ""  # "select" | "values" | "modifier" | "" : the clause being read at this point
    last_word = ""
    subquery_depths: list[int] = []  # brace depths at which a subquery's group opened
    construct_template = False
    parens = 0
    i, n = 0, len(text)
    while i < n:
        j = _skip_opaque(text, i)
        if j != i:
            i = j
            if text[j - 1] != "\n":  # a string or an IRI (not a comment) ends the word before it
                last_word = ""
            continue
        ch = text[i]
        if ch in "?$" and i + 1 < n:
            m = _NAME_CHARS.match(text, i + 1)
            if m and m.end() > i + 1:
                safe = not (
                    clause in ("select", "values", "modifier")
                    or last_word == "as"
                    or subquery_depths
                    or construct_template
                    # an expression in a nested group: there the VALUES-bound variable (and
                    # rdflib's initBindings) would be unbound, so writing the value in would
                    # change the answer
                    or (parens > 0 and depth > 1)
                )
                found.setdefault(text[i + 1 : m.end()], []).append((i, m.end(), safe))
                i = m.end()
                last_word = ""
                continue
        if ch.isalpha():
            m = _WORD_RE.match(text, i)
            assert m is not None
            word = m.group().lower()
            if word in ("select", "describe"):
                clause = "select"
                if depth > 0 and word == "select":
                    subquery_depths.append(depth)
            elif word == "construct":
                clause = "construct"
            elif word == "values":
                clause = "values"
            elif word == "by" and last_word in ("group", "order"):
                clause = "modifier"
            elif word in ("where", "having", "limit", "offset"):
                clause = "" if clause != "construct" else clause
            last_word = word
            i = m.end()
            continue
        if ch == "*" and clause == "select":
            star = True
        if ch == "(":
            parens += 1
        elif ch == ")":
            parens = max(0, parens - 1)
        if ch == "{":
            if clause == "construct":
                construct_template = True
            elif clause == "values":
                pass  # the data block of an inline VALUES: its header ended
            clause = ""
            depth += 1
        elif ch == "}":
            depth -= 1
            construct_template = False
            while subquery_depths and depth < subquery_depths[-1]:
                subquery_depths.pop()
            if clause == "modifier":
                clause = ""
        if not ch.isspace():
            last_word = "" if ch not in "(" else last_word
        i += 1
    return MappingProxyType({k: tuple(v) for k, v in found.items()}), star


def substitute(text: str, bindings: Mapping[str, Node]) -> tuple[str, dict[str, Node]]:
    """Write each bound value in place of its variable where that is safe; the query and the bindings left over.

    Examples
    --------
    >>> from rdflib import Literal
    >>> substitute('SELECT ?p WHERE { ?p ?q ?c . FILTER(STR(?c) = ?_x) }', {"_x": Literal("a")})
    ('SELECT ?p WHERE { ?p ?q ?c . FILTER(STR(?c) = "a") }', {})
    >>> substitute('SELECT ?_x ?p WHERE { ?p ?q ?_x }', {"_x": Literal("a")})[1]
    {'_x': rdflib.term.Literal('a')}
    """
    occurrences, star = _scan_variables(text)
    if star:
        return text, dict(bindings)
    edits: list[tuple[int, int, str]] = []
    left: dict[str, Node] = {}
    for name, value in bindings.items():
        spots = occurrences.get(name, ())
        if not spots:
            continue  # not in the query: nothing to bind (as with initBindings)
        if not all(safe for _, _, safe in spots):
            left[name] = value
            continue
        term = sparql_term(value)
        edits.extend((a, b, term) for a, b, _ in spots)
    for a, b, term in sorted(edits, reverse=True):
        text = text[:a] + term + text[b:]
    return text, left


def bind_parameters(text: str, bindings: Mapping[str, Node]) -> str:
    """The query with ``bindings`` substituted where a constant may stand, and in VALUES elsewhere.

    Examples
    --------
    >>> from rdflib import Literal
    >>> print(bind_parameters("SELECT ?p WHERE { ?p ?q ?_x }", {"_x": Literal("a")}))
    SELECT ?p WHERE { ?p ?q "a" }
    >>> print(bind_parameters("SELECT ?_x WHERE { ?p ?q ?_x }", {"_x": Literal("a")}))
    SELECT ?_x WHERE { VALUES (?_x) { ("a") }
     ?p ?q ?_x }
    """
    if not bindings:
        return text
    text, left = substitute(text, bindings)
    return inject_values(text, left) if left else text
