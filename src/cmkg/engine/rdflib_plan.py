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
from rdflib.term import BNode, Variable

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


def _push_one(expr: Any, evars: set[Variable], group: CompValue) -> CompValue | None:
    """The group with ``expr`` applied right after its first BGP, or None if that is not safe.

    The group is changed in place; a group that is a BGP itself is returned replaced.
    """
    if group.name == "BGP":
        return _split(expr, evars, group, set(group._vars or ()))
    node, parent, key = group, None, ""
    while node.name in _THROUGH:
        if node.name == "Extend" and node.var in evars:
            return None
        parent, key = node, _THROUGH[node.name]
        node = node[key]
        if not isinstance(node, CompValue):
            return None
    if node.name != "BGP" or parent is None:
        return None
    replaced = _split(expr, evars, node, set(group._vars or ()))
    if replaced is None:
        return None
    parent[key] = replaced
    return group


def _split(expr: Any, evars: set[Variable], node: CompValue, group_vars: set[Variable]) -> CompValue | None:
    """``Join(Filter(expr, first part), rest)`` for a BGP, where the first part binds the filter's variables."""
    bgp_vars = set(node._vars or ())
    # every variable of the filter bound by this BGP, or by nothing in the group (a bound parameter)
    if not (evars & bgp_vars) or evars & (group_vars - bgp_vars):
        return None
    # The triples that mention the filter's variables, with those that only test what they bind
    # (``?x a cmo:Practice``), in rdflib's order: the rest is joined to what the filter keeps.
    # With no such test they would range over the whole graph (every label), so then rdflib's
    # own order is kept up to the triple that binds the filter's last variable.
    triples = list(node.triples)
    tied = set().union(*(_triple_vars(t) for t in triples if _triple_vars(t) & evars))
    tests = [t for t in triples if _triple_vars(t) <= tied and not _triple_vars(t) & evars]
    if tests:
        first_t = [t for t in triples if _triple_vars(t) & evars or t in tests]
    else:
        bound, k = set(), 0
        while k < len(triples) and not (evars & bgp_vars) <= bound:
            bound |= _triple_vars(triples[k])
            k += 1
        first_t = triples[:k]
    bound = set().union(*(_triple_vars(t) for t in first_t))
    rest_t = _order([t for t in triples if t not in first_t], bound)
    first = CompValue("BGP", triples=first_t)
    first["_vars"] = bound
    out = CompValue("Filter", expr=expr, p=first)
    # the variables rdflib would give this filter: they decide which outer bindings it may see
    # (a variable of an enclosing group is out of scope in a nested group's filter)
    out["_vars"] = bound | _own_vars(expr)
    if rest_t:
        rest = CompValue("BGP", triples=rest_t)
        rest["_vars"] = set().union(*(_triple_vars(t) for t in rest_t))
        out = CompValue("Join", p1=out, p2=rest)
        out["_vars"] = bgp_vars | _own_vars(expr)
    return out


def _own_vars(expr: Any) -> set[Variable]:
    if isinstance(expr, Variable):
        return {expr}
    return set(expr.get("_vars") or ()) if isinstance(expr, CompValue) else set()


def _order(triples: list[Any], bound: set[Variable]) -> list[Any]:
    """Greedy: next the triple with the fewest variables not bound yet (ties keep rdflib's order)."""
    out, known, todo = [], set(bound), list(triples)
    while todo:
        best = min(todo, key=lambda t: len(_triple_vars(t) - known))
        todo.remove(best)
        out.append(best)
        known |= _triple_vars(best)
    return out


def _triple_vars(triple: Any) -> set[Variable]:
    # a blank node in a pattern is a variable too: a split must not separate its triples
    return {t for t in triple if isinstance(t, (Variable, BNode))}


def _rewrite(node: Any) -> Any:
    if isinstance(node, list):
        return [_rewrite(n) for n in node]
    if not isinstance(node, CompValue):
        return node
    for k in list(node.keys()):
        if k not in ("_vars", "expr", "PV", "var", "res"):
            node[k] = _rewrite(node[k])
    if node.name == "Filter" and isinstance(node.p, CompValue) and node.p.name in ("Join", "LeftJoin", "Extend", "BGP"):
        kept = []
        for c in _conjuncts(node.expr):
            evars: set[Variable] = set()
            pushed = _push_one(c, evars, node.p) if _expr_vars(c, evars) else None
            if pushed is None:
                kept.append(c)
            else:
                node["p"] = pushed
        if not kept:
            return node.p
        node["expr"] = and_(*kept)
    return node


def push_filters(algebra: CompValue) -> CompValue:
    """Push filters down to the pattern that binds their variables; joins re-marked lazy where they can be."""
    # rdflib marks a join lazy (bindings passed into its second part) only when no operand is a
    # join: the joins we add must not turn a lazy join above them into a cross product, so the
    # existing joins keep their marks and only the new ones are analysed.
    before = {id(j): j.get("lazy") for j in _joins(algebra)}
    out = _rewrite(algebra)
    _traverseAgg(out, visitor=analyse)
    for j in _joins(out):
        if id(j) in before:
            j["lazy"] = before[id(j)]
    return out


def _joins(node: Any) -> list[CompValue]:
    out: list[CompValue] = []
    if isinstance(node, list):
        for n in node:
            out += _joins(n)
    elif isinstance(node, CompValue):
        if node.name == "Join":
            out.append(node)
        for k, v in node.items():
            if k != "_vars":
                out += _joins(v)
    return out
