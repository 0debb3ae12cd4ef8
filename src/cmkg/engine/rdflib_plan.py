"""Filter push-down for rdflib's SPARQL algebra: the one optimisation its evaluator lacks that our queries need.

rdflib applies a group's FILTER after everything else in the group has been
joined. A named query that looks a resource up by name, such as::

    ?practice a cmo:Practice ; rdfs:label ?name .
    FILTER(LCASE(STR(?name)) = LCASE(STR(?_practice)))
    ?practice cmo:implementedIn ?place . ...

therefore joins the rest for *every* practice and only then keeps the one
asked for. The filter cannot be moved into a nested group in the query text:
on Oxigraph and remote stores a parameter is bound by a ``VALUES`` block in the
outermost group, which a nested group's FILTER cannot see. So the memory engine
moves it itself, in the prepared algebra: each conjunct of a filter whose
variables are all bound by the first basic graph pattern of the group (and by
nothing else in it) is applied right after that pattern. Bound parameters
(``initBindings``) are constants there, so the answers are unchanged.

Examples
--------
>>> from rdflib.plugins.sparql import prepareQuery
>>> q = prepareQuery('SELECT * { ?s <urn:p> ?o . FILTER(?o = 1) OPTIONAL { ?o <urn:q> ?x } }')
>>> q.algebra.p.p.name
'Filter'
>>> plan = push_filters(q.algebra)
>>> plan.p.p.name, plan.p.p.p1.name
('LeftJoin', 'Filter')
"""

from __future__ import annotations

from typing import Any

from rdflib.plugins.sparql.algebra import _traverseAgg, analyse
from rdflib.plugins.sparql.operators import and_
from rdflib.plugins.sparql.parserutils import CompValue, Expr
from rdflib.term import Variable

__all__ = ["push_filters"]

# algebra nodes a filter may be pushed through to their first operand
_THROUGH = {"Join": "p1", "LeftJoin": "p1", "Filter": "p", "Extend": "p"}


def _expr_vars(expr: Any, out: set[Variable]) -> bool:
    """Collect the variables of an expression; False if it holds a graph pattern (EXISTS)."""
    if isinstance(expr, Variable):
        out.add(expr)
    elif isinstance(expr, CompValue):
        if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            return False
        return all(_expr_vars(v, out) for k, v in expr.items() if k != "_vars")
    elif isinstance(expr, (list, tuple)):
        return all(_expr_vars(v, out) for v in expr)
    return True


def _conjuncts(expr: Any) -> list[Any]:
    if isinstance(expr, Expr) and expr.name == "ConditionalAndExpression" and expr.get("other"):
        parts = [expr.get("expr")] + list(expr.get("other"))
        return [c for p in parts for c in _conjuncts(p)]
    return [expr]


def _push_one(expr: Any, evars: set[Variable], group: CompValue) -> bool:
    """Wrap the first BGP under ``group`` in a filter on ``expr`` if that is safe; True if done."""
    node, parent, key = group, None, ""
    while node.name in _THROUGH:
        if node.name == "Extend" and node.var in evars:
            return False
        parent, key = node, _THROUGH[node.name]
        node = node[key]
        if not isinstance(node, CompValue):
            return False
    if node.name != "BGP" or parent is None:
        return False
    bgp_vars = set(node._vars or ())
    others = set(group._vars or ()) - bgp_vars
    # every variable of the filter bound by this BGP, or by nothing in the group (a bound parameter)
    if not (evars & bgp_vars) or evars & others:
        return False
    # Split the pattern (already in rdflib's evaluation order) after the triples that bind the
    # filter's variables, so that the rest is joined only to the solutions the filter keeps.
    triples, bound, k = list(node.triples), set(), 0
    while k < len(triples) and not (evars & bgp_vars) <= bound:
        bound |= _triple_vars(triples[k])
        k += 1
    first = CompValue("BGP", triples=triples[:k])
    first["_vars"] = bound
    pushed = CompValue("Filter", expr=expr, p=first)
    pushed["_vars"] = bound | evars
    if k < len(triples):
        rest = CompValue("BGP", triples=triples[k:])
        rest["_vars"] = set().union(*(_triple_vars(t) for t in triples[k:]))
        pushed = CompValue("Join", p1=pushed, p2=rest)
        pushed["_vars"] = bgp_vars | evars
    parent[key] = pushed
    return True


def _triple_vars(triple: Any) -> set[Variable]:
    return {t for t in triple if isinstance(t, Variable)}


def _rewrite(node: Any) -> Any:
    if isinstance(node, list):
        return [_rewrite(n) for n in node]
    if not isinstance(node, CompValue):
        return node
    for k in list(node.keys()):
        if k not in ("_vars", "expr", "PV", "var", "res"):
            node[k] = _rewrite(node[k])
    if node.name == "Filter" and isinstance(node.p, CompValue) and node.p.name in ("Join", "LeftJoin", "Extend"):
        kept = []
        for c in _conjuncts(node.expr):
            evars: set[Variable] = set()
            if not (_expr_vars(c, evars) and _push_one(c, evars, node.p)):
                kept.append(c)
        if not kept:
            return node.p
        node["expr"] = and_(*kept)
    return node


def push_filters(algebra: CompValue) -> CompValue:
    """Push filters down to the pattern that binds their variables; joins re-marked lazy where they can be."""
    out = _rewrite(algebra)
    _traverseAgg(out, visitor=analyse)
    return out
