"""The memory engine's plan for rdflib's SPARQL algebra, and the parts of it the engine evaluates itself.

First, filter push-down, the one optimisation rdflib's evaluator lacks that our queries
need. rdflib applies a group's FILTER after everything else in the group has been
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

Then basic graph patterns are ordered from what is bound where they are evaluated,
joins marked lazy where that is safe, and the operators the engine evaluates itself
(through rdflib's ``CUSTOM_EVALS`` hook, each section below says how and why) are put
in place of rdflib's: ``CmkgOptional`` for an OPTIONAL over patterns, ``CmkgFilter``
and ``CmkgExtend`` for a FILTER or BIND whose expression compiles, ``CmkgMinus`` and
``CmkgDistinctTerms``.

Examples
--------
>>> from rdflib.plugins.sparql import prepareQuery
>>> q = prepareQuery('SELECT * { ?s <urn:p> ?o . FILTER(?o = 1) OPTIONAL { ?o <urn:q> ?x } }')
>>> q.algebra.p.p.name
'Filter'
>>> plan = push_filters(q.algebra)
>>> plan.p.p.name, plan.p.p.p1.name
('CmkgOptional', 'CmkgFilter')
>>> plan.p.p.p1.p.name  # the filter, now on the pattern that binds ?o, under the OPTIONAL
'BGP'
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from rdflib.plugins.sparql import CUSTOM_EVALS
from rdflib.plugins.sparql.algebra import _traverseAgg, analyse
from rdflib.plugins.sparql.operators import and_
from rdflib.plugins.sparql.parserutils import CompValue, Expr
from rdflib.plugins.sparql.sparql import FrozenBindings, QueryContext
from rdflib.term import BNode, Literal, URIRef, Variable

__all__ = ["push_filters"]

_EXISTS = ("Builtin_EXISTS", "Builtin_NOTEXISTS")

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
    """Greedy: next the triple with the fewest variables not bound yet, then one that shares a bound
    variable (a look-up from what is known, not a scan), ties in rdflib's order."""
    out, known, todo = [], set(bound), list(triples)
    while todo:
        best = min(todo, key=lambda t: (len(_triple_vars(t) - known), not (_triple_vars(t) & known)))
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
    before = {id(j): j["lazy"] for j in _joins(algebra) if "lazy" in j}
    out = _rewrite(algebra)
    _traverseAgg(out, visitor=analyse)
    for j in _joins(out):
        if id(j) in before:
            j["lazy"] = before[id(j)]
    _make_lazy(out)
    out = _native(out)
    out = _reorder(out, frozenset())
    return _intern(out, {})  # type: ignore[no-any-return]


def _intern(node: Any, seen: dict[str, Variable]) -> Any:
    """The plan with one Variable object per name.

    rdflib's parser makes a new Variable wherever a name is written, and a Variable is compared by
    a Python ``__eq__``: every look-up of a solution's binding by another object of the same name
    called it (43,000 times in ``network-nodes``), and so did the projection's ``in`` on a list.
    One object per name makes those identity hits.
    """
    if isinstance(node, Variable):
        return seen.setdefault(str(node), node)
    if isinstance(node, CompValue):
        for k in list(node.keys()):
            node[k] = _intern(node[k], seen)
        if node.name in _EXISTS and getattr(node, "graph", None) is not None:
            node.graph = _intern(node.graph, seen)
        return node
    if isinstance(node, list):
        node[:] = [_intern(n, seen) for n in node]
        return node
    if isinstance(node, tuple):
        return tuple(_intern(n, seen) for n in node)
    if isinstance(node, (set, frozenset)):
        return type(node)(_intern(n, seen) for n in node)
    if isinstance(node, dict):
        return {_intern(k, seen): _intern(v, seen) for k, v in node.items()}
    return node


# --- distinct terms and MINUS, evaluated natively ---------------------------------------------
#
# ``SELECT DISTINCT ?node WHERE { { ?node ?p ?o } UNION { ?s ?p ?node } }`` (every node of the
# graph, as the identifier checks ask) makes rdflib build a solution for every triple, twice, and
# then throw all but one per node away: 0.35 s on the curated graph's 5,800 triples. Read from
# the store, the distinct terms of those positions are a set built in a few milliseconds. The
# memory engine replaces such a sub-select by a node of its own, evaluated by :func:`_eval_native`
# (registered in rdflib's CUSTOM_EVALS, which every other node passes through untouched), and
# folds the filters right above it that test only the term's kind or the start of its string
# (``isIRI``, ``isLiteral``, ``isBlank``, ``STRSTARTS(STR(?node), "...")``) into plain Python
# tests. Whenever one of its variables is already bound when it is evaluated (a parameter, a
# lazy join), the node evaluates the original pattern instead.
#
# rdflib's MINUS compares every solution of its left side with every solution of its right side
# (400 x 450 in ``missing-source``: 1.7 s). The memory engine's MINUS indexes the right side's
# solutions by the variables each shares with a left one, and looks each left solution up: the
# same answers (two solutions are compatible when they agree on every variable both bind, and a
# left one is removed by a compatible right one with at least one variable in common).

_TERMS = "CmkgDistinctTerms"
_MINUS = "CmkgMinus"
_OPTIONAL = "CmkgOptional"
_FILTER = "CmkgFilter"
_EXTEND = "CmkgExtend"
_KIND_TESTS: dict[str, type] = {"Builtin_isIRI": URIRef, "Builtin_isLiteral": Literal, "Builtin_isBLANK": BNode}
_XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")


def _term_positions(node: Any, var: Variable) -> tuple[list[int], set[Variable]] | None:
    """The positions ``var`` takes in a BGP of one free triple, or a union of such; None if not that shape."""
    if not isinstance(node, CompValue):
        return None
    if node.name == "Union":
        a, b = _term_positions(node.p1, var), _term_positions(node.p2, var)
        if a is None or b is None:
            return None
        return a[0] + b[0], a[1] | b[1]
    if node.name != "BGP" or len(node.triples) != 1:
        return None
    triple = tuple(node.triples[0])
    if not all(isinstance(t, Variable) and not t.startswith("_") for t in triple) or len(set(triple)) != 3:
        return None  # constants, parameters or a repeated variable: rdflib's own evaluation
    if var not in triple:
        return None
    return [triple.index(var)], set(triple)


def _term_test(expr: Any, var: Variable) -> Callable[[Any], bool] | None:
    """``expr`` as a Python test of the term bound to ``var``, where it is one of the forms folded; else None."""
    if not isinstance(expr, Expr):
        return None
    kind = _KIND_TESTS.get(expr.name)
    if kind is not None and expr.arg == var:
        return lambda t: isinstance(t, kind)
    if expr.name == "Builtin_STRSTARTS":
        arg1, arg2 = expr.arg1, expr.arg2
        if not (isinstance(arg1, Expr) and arg1.name == "Builtin_STR" and arg1.arg == var):
            return None
        # a simple or xsd:string literal; anything else is an error in SPARQL, left to rdflib
        if not isinstance(arg2, Literal) or arg2.language is not None or arg2.datatype not in (None, _XSD_STRING):
            return None
        prefix = str(arg2)
        # STR of a blank node is an error: the filter drops it
        return lambda t: not isinstance(t, BNode) and str(t).startswith(prefix)
    return None


def _native(node: Any) -> Any:
    """Replace the parts the memory engine evaluates itself (distinct terms, MINUS) by nodes of its own."""
    if isinstance(node, list):
        return [_native(n) for n in node]
    if not isinstance(node, CompValue):
        return node
    if node.name in _EXISTS:
        node.graph = _native(node.graph)
        return node
    for k in list(node.keys()):
        if k not in ("_vars", "PV", "var", "res"):
            node[k] = _native(node[k])
    if node.name == "Minus":
        minus = CompValue(_MINUS, p1=node.p1, p2=node.p2)
        minus["_vars"] = node.get("_vars") if "_vars" in node else set()
        return minus
    if node.name == "Extend":
        value = _compiled_value(node.expr, _vars_of(node.p))
        if value is not None:
            extend = CompValue(_EXTEND, p=node.p, var=node.var, value=value, original=node)
            extend["_vars"] = node.get("_vars") if "_vars" in node else set()
            return extend
    if node.name == "LeftJoin" and _certain(node.p2) is not None:
        # ``free``: the same pattern, ordered by _reorder for evaluation with nothing bound
        optional = CompValue(_OPTIONAL, p1=node.p1, p2=node.p2, expr=node.expr, free=_copy_pattern(node.p2))
        optional["_vars"] = node.get("_vars") if "_vars" in node else set()
        return optional
    if node.name == "Distinct" and isinstance(node.p, CompValue) and node.p.name == "Project" and len(node.p.PV) == 1:
        var = node.p.PV[0]
        found = _term_positions(node.p.p, var)
        if found is not None:
            terms = CompValue(_TERMS, var=var, positions=tuple(found[0]), watch=tuple(found[1]), tests=[], original=node)
            terms["_vars"] = {var}
            return terms
    if node.name == "Filter":
        inner = node.p.p if isinstance(node.p, CompValue) and node.p.name == "ToMultiSet" else node.p
        if isinstance(inner, CompValue) and inner.name == _TERMS:
            tests = [_term_test(c, inner.var) for c in _conjuncts(node.expr)]
            if all(t is not None for t in tests):
                inner["tests"] = inner.tests + tests
                # the original pattern, for the bound case, keeps the filter as rdflib would run it
                inner["original"] = CompValue("Filter", expr=node.expr, p=inner.original, _vars=node._vars)
                return node.p
        test = _compiled(node.expr, _vars_of(node.p))
        if test is not None:
            native = CompValue(_FILTER, p=node.p, test=test, original=node)
            native["_vars"] = node.get("_vars") if "_vars" in node else set()
            return native
    return node


def _one_lookup(node: CompValue) -> bool:
    """Whether ``node`` is one triple pattern with a predicate or a property path: looked up per solution.

    From a bound end that is one look-up in the store (or one walk of the path), cheaper than
    finding the pattern's answers over the whole graph to hash them.
    """
    from rdflib.paths import Path

    if node.name != "BGP" or len(node.triples) != 1:
        return False
    s, p, o = node.triples[0]
    # a blank node in a pattern is a variable that is never bound from outside: left to rdflib
    return isinstance(p, (URIRef, Path)) and not isinstance(s, BNode) and not isinstance(o, BNode)


def _frozen(ctx: QueryContext, d: dict[Any, Any]) -> FrozenBindings:
    """``FrozenBindings(ctx, d)`` for a dict the caller gives away, without copying it again."""
    out = FrozenBindings.__new__(FrozenBindings)
    out._d, out._hash, out.ctx = d, None, ctx
    return out


def _finder(graph: Any) -> Callable[[tuple[Any, Any, Any]], Iterator[tuple[Any, Any, Any]]]:
    """``graph.triples`` for a triple pattern; for the union of a dataset's graphs, the store's own matching.

    rdflib's ``ConjunctiveGraph.triples`` reads the deprecated ``default_context`` property, which
    issues a warning, on every call, and wraps the store's generator in another: a third of the
    time of reading every triple of the curated graph. For a union default graph it asks the
    store with no context, or walks a property path over the whole graph, which is done here
    directly.
    """
    from rdflib.graph import ConjunctiveGraph
    from rdflib.paths import Path

    if not isinstance(graph, ConjunctiveGraph) or not graph.default_union:
        return graph.triples  # type: ignore[no-any-return]
    store = graph.store

    def find(pattern: tuple[Any, Any, Any]) -> Iterator[tuple[Any, Any, Any]]:
        s, p, o = pattern
        if isinstance(p, Path):
            return ((ps, p, po) for ps, po in p.eval(graph, s, o))
        return (t for t, _contexts in store.triples(pattern, None))

    return find


def _bgp(ctx: QueryContext, part: CompValue) -> Iterator[FrozenBindings]:
    """rdflib's evaluation of a basic graph pattern (evaluate.evalPart and evalBGP), bindings kept in plain dicts.

    The same triples in the same order, matched by the same store calls, give the same solutions
    in the same order; rdflib pushes a new query context for every triple matched and walks the
    chain of contexts on every look-up, which was most of the time of a query with many solutions.
    """
    # rdflib's order: triples with more of their terms bound first (a stable sort)
    triples = sorted(part.triples, key=lambda t: len([n for n in t if ctx[n] is None]))
    start = {k: ctx.bindings[k] for k in ctx.bindings}
    return _match(ctx, _finder(ctx.graph), triples, 0, start)


def _project(ctx: QueryContext, part: CompValue) -> Iterator[FrozenBindings]:
    """rdflib's projection (evaluate.evalProject), the variables kept looked up in a set, not a list.

    ``x in list`` compares ``x`` with every variable before its own with rdflib's Python ``__eq__``.
    """
    from rdflib.plugins.sparql.evaluate import evalPart

    keep, pv = set(part.PV), part.PV
    return (
        _frozen(row.ctx, {k: v for k, v in row._d.items() if k in keep}) if type(row) is FrozenBindings else row.project(pv)
        for row in evalPart(ctx, part.p)
    )


def _lazy_join(ctx: QueryContext, part: CompValue) -> Iterator[FrozenBindings]:
    """rdflib's lazy join (evaluate.evalLazyJoin) of a pattern and a BGP, the BGP matched from each solution's dict.

    rdflib makes a query context of each solution of the first part (``ctx.thaw``) to evaluate the
    BGP in; that context's bindings are the solution's and the parameters, which is where the
    BGP's matching starts here. Every solution already holds the first part's, so rdflib's merge
    of the two adds nothing.
    """
    from rdflib.plugins.sparql.evaluate import evalPart

    init = dict(ctx.initBindings or {})
    pattern, find = part.p2.triples, _finder(ctx.graph)
    for a in evalPart(ctx, part.p1):
        start = dict(a._d)
        start.update(init)
        triples = sorted(pattern, key=lambda t: sum(1 for n in t if isinstance(n, (Variable, BNode)) and n not in start))
        yield from _match(ctx, find, triples, 0, start)


def _match(ctx: QueryContext, find: Callable[..., Any], triples: list[Any], i: int, b: dict[Any, Any]) -> Iterator[FrozenBindings]:
    if i == len(triples):
        yield _frozen(ctx, b)
        return
    s, p, o = triples[i]
    # in SPARQL a blank node of a pattern is a variable
    vs, vp, vo = isinstance(s, (Variable, BNode)), isinstance(p, (Variable, BNode)), isinstance(o, (Variable, BNode))
    _s = b.get(s) if vs else s
    _p = b.get(p) if vp else p
    _o = b.get(o) if vo else o
    last = i + 1 == len(triples)
    for ss, sp, so in find((_s, _p, _o)):
        if _s is None or _p is None or _o is None:
            c = dict(b)
            if _s is None:
                c[s] = ss
            if _p is None:
                if p in c and c[p] != sp:
                    continue  # a variable repeated in the triple
                c[p] = sp
            if _o is None:
                if o in c and c[o] != so:
                    continue
                c[o] = so
        else:
            c = b if not last else dict(b)
        if last:
            yield _frozen(ctx, c)
        else:
            yield from _match(ctx, find, triples, i + 1, c)


def _copy_pattern(node: Any) -> Any:
    """A copy of a pattern's tree of algebra nodes, for :func:`_reorder` to order apart (expressions shared)."""
    if isinstance(node, list):
        return [_copy_pattern(n) for n in node]
    if not isinstance(node, CompValue) or isinstance(node, Expr):
        return node
    out = CompValue(node.name)
    for k, v in node.items():
        out[k] = v if k in ("_vars", "expr") else _copy_pattern(v)
    return out


def _eval_native(ctx: QueryContext, part: CompValue) -> Any:
    """rdflib's CUSTOM_EVALS hook: our own nodes, and nothing else (NotImplementedError: rdflib goes on)."""
    if part.name == _TERMS:
        if any(ctx[v] is not None for v in part.watch):
            from rdflib.plugins.sparql.evaluate import evalPart

            return evalPart(ctx, part.original)
        return _terms(ctx, part)
    if part.name == "BGP":
        return _bgp(ctx, part)
    if part.name == "Project":
        return _project(ctx, part)
    if part.name == "Join" and _is_lazy(part) and isinstance(part.p2, CompValue) and part.p2.name == "BGP":
        return _lazy_join(ctx, part)
    if part.name == "Join" and not _is_lazy(part):
        return _hash_join(ctx, part)
    if part.name == _OPTIONAL:
        return _optional(ctx, part)
    if part.name == _FILTER:
        return _filter(ctx, part)
    if part.name == _EXTEND:
        return _extend(ctx, part)
    if part.name == _MINUS:
        from rdflib.plugins.sparql.evaluate import evalMinus, evalPart

        if ctx.initBindings:
            # a parameter is read from the bindings even where a solution does not hold it: rdflib's way
            return evalMinus(ctx, part)
        return _minus(evalPart(ctx, part.p1), list(evalPart(ctx, part.p2)))
    raise NotImplementedError


def _terms(ctx: QueryContext, part: CompValue) -> Iterator[FrozenBindings]:
    seen: dict[Any, None] = {}  # first-seen order, as rdflib's DISTINCT keeps it
    positions = part.positions
    for triple in _finder(ctx.graph)((None, None, None)):
        for i in positions:
            seen[triple[i]] = None
    var, tests = part.var, part.tests
    for term in seen:
        if all(test(term) for test in tests):
            yield FrozenBindings(ctx, {var: term})


class _Compatible:
    """Solutions indexed for look-up of those compatible with another (agreeing on every variable both bind)."""

    def __init__(self, rows: list[FrozenBindings]) -> None:
        # grouped by the variables they bind; for each group and each set of variables a solution
        # looked up shares with it, the rows by the values they take there (built when first needed)
        self.groups: dict[frozenset[Variable], list[FrozenBindings]] = {}
        for row in rows:
            self.groups.setdefault(frozenset(row), []).append(row)
        self.index: dict[tuple[frozenset[Variable], tuple[Variable, ...]], dict[tuple[Any, ...], list[FrozenBindings]]] = {}

    def matches(self, row: FrozenBindings, *, disjoint: bool) -> Iterator[FrozenBindings]:
        """The indexed solutions compatible with ``row``; those sharing no variable with it only if ``disjoint``."""
        bound = set(row)
        for dom, rows in self.groups.items():
            shared = tuple(sorted(dom & bound))
            if not shared:
                if disjoint:
                    yield from rows
                continue
            by_value = self.index.get((dom, shared))
            if by_value is None:
                by_value = self.index[(dom, shared)] = {}
                for r in rows:
                    by_value.setdefault(tuple(r[v] for v in shared), []).append(r)
            yield from by_value.get(tuple(row[v] for v in shared), ())


def _hash_join(ctx: QueryContext, part: CompValue) -> Iterator[FrozenBindings]:
    """rdflib's eager join (evaluate.evalJoin) with the second part's solutions indexed.

    rdflib compares every solution of the first part with every solution of the second: two
    sub-selects of 10^4 solutions each (``network-cities`` at 10^5 triples) are 10^8
    comparisons, 72 s. Indexed by the values of the variables they share, each solution of the
    first part meets only those it is compatible with. The answers are rdflib's: the second
    part's solutions as a set, as rdflib takes them, each merged into the first's.
    """
    from rdflib.plugins.sparql.evaluate import evalPart

    right = set(evalPart(ctx, part.p2))
    if not right:
        return
    table = _Compatible(list(right))
    for a in evalPart(ctx, part.p1):
        fast = type(a) is FrozenBindings
        for b in table.matches(a, disjoint=True):
            # a.merge(b), without its per-item look-ups
            yield _frozen(a.ctx, {**a._d, **b._d}) if fast else a.merge(b)


def _minus(left: Iterator[FrozenBindings], right: list[FrozenBindings]) -> Iterator[FrozenBindings]:
    """The solutions of ``left`` that no solution of ``right`` sharing a variable with them is compatible with."""
    table = _Compatible(right)
    for row in left:
        if next(table.matches(row, disjoint=False), None) is None:
            yield row


# --- OPTIONAL, evaluated natively ---------------------------------------------------------------
#
# rdflib evaluates ``A OPTIONAL { B }`` by evaluating B again for every solution of A, with its
# bindings, and when B has no match, a second time with fewer (to undo what bindings from outside
# the OPTIONAL may have done). ``network-nodes`` (365 nodes, five OPTIONALs, two with unions of
# property paths) took 0.17 s so on the curated graph. Where B is made of patterns alone (as in
# :func:`_make_lazy`: its answers with bindings are exactly its answers without, filtered) and
# nothing is bound from outside but parameters, that second evaluation can only repeat the
# first, and B's answers need not be found per solution of A:
#
# - B one triple pattern (a predicate or a property path): looked up in the store, or its path
#   walked, for each solution of A;
# - otherwise, once A has ``HASH_AFTER`` solutions or more, B is evaluated once, with nothing
#   bound, its solutions indexed by the variables they share with A's, and each solution of A
#   joined to the compatible ones -- unless B has more than ``HASH_RATIO`` times as many
#   solutions as A (an OPTIONAL over every label of the graph for a few dozen rows), when the
#   evaluation is dropped and B is evaluated per solution of A after all.
#
# Either way the answers are the ones the standard defines, which rdflib's way gives there too;
# with a binding from outside (an OPTIONAL inside a lazy join's second part) it is rdflib's own.

HASH_AFTER = 48
HASH_RATIO = 2.0


def _outer_free(ctx: QueryContext) -> bool:
    """Whether nothing but parameters is bound in ``ctx`` (no outer solution: the top of the query)."""
    init = ctx.initBindings or {}
    return all(k in init for k in ctx.bindings)


def _optional(ctx: QueryContext, part: CompValue) -> Iterator[FrozenBindings]:
    from rdflib.plugins.sparql.evaluate import evalLeftJoin, evalPart

    if not _outer_free(ctx):
        return evalLeftJoin(ctx, part)
    if _one_lookup(part.p2):
        return _lookup_optional(ctx, part, evalPart(ctx, part.p1))
    return _hash_optional(ctx, part, evalPart)


def _lookup_optional(ctx: QueryContext, part: CompValue, left: Iterator[FrozenBindings]) -> Iterator[FrozenBindings]:
    from rdflib.plugins.sparql.evalutils import _ebv
    from rdflib.plugins.sparql.operators import TrueFilter

    s, p, o = part.p2.triples[0]
    s_var, o_var = isinstance(s, Variable), isinstance(o, Variable)
    same = s_var and s == o
    triples, expr = _finder(ctx.graph), part.expr
    init = ctx.initBindings or {}
    for a in left:
        sv = _bound(a, s, init) if s_var else s
        ov = _bound(a, o, init) if o_var else o
        found = False
        for ts, _tp, to in triples((sv, p, ov)):
            if same and ts != to:
                continue
            new = {}
            if sv is None:
                new[s] = ts
            if ov is None and not same:
                new[o] = to
            merged = _frozen(a.ctx, {**a._d, **new}) if new else a
            if expr is TrueFilter or _ebv(expr, merged):
                found = True
                yield merged
        if not found:
            yield a


def _bound(row: FrozenBindings, var: Variable, init: Mapping[Any, Any]) -> Any:
    """The value of ``var`` in ``row`` or the parameters, as ``row[var]`` gives it; None if unbound."""
    value = row._d.get(var)
    return init.get(var) if value is None else value


def _hash_optional(ctx: QueryContext, part: CompValue, evalPart: Callable[..., Any]) -> Iterator[FrozenBindings]:
    from rdflib.plugins.sparql.evalutils import _ebv
    from rdflib.plugins.sparql.operators import TrueFilter

    left = list(evalPart(ctx, part.p1))
    free: list[FrozenBindings] = []
    limit = int(len(left) * HASH_RATIO)
    if len(left) >= HASH_AFTER:
        free = list(itertools.islice(evalPart(ctx, part.free), limit + 1))
    if len(left) < HASH_AFTER or len(free) > limit:
        yield from _nested_optional(ctx, part, left, evalPart)
        return
    table, expr = _Compatible(free), part.expr
    for a in left:
        found = False
        for b in table.matches(a, disjoint=True):
            merged = _frozen(b.ctx, {**b._d, **a._d})  # b.merge(a), without its per-item look-ups
            if expr is TrueFilter or _ebv(expr, merged):
                found = True
                yield merged
        if not found:
            yield a


def _nested_optional(
    ctx: QueryContext, part: CompValue, left: list[FrozenBindings], evalPart: Callable[..., Any]
) -> Iterator[FrozenBindings]:
    """rdflib's OPTIONAL (evaluate.evalLeftJoin) without the second evaluation, which here would repeat the first."""
    from rdflib.plugins.sparql.evalutils import _ebv

    for a in left:
        found = False
        for b in evalPart(ctx.thaw(a), part.p2):
            if _ebv(part.expr, b.forget(ctx)):
                found = True
                yield b.merge(a)
        if not found:
            yield a


# --- FILTER expressions, evaluated without rdflib's expression tree ------------------------------
#
# rdflib evaluates a filter's expression by walking its tree of algebra nodes, each argument
# looked up through a chain of attribute hooks, on a copy of the solution with outer bindings
# forgotten: ``label-search`` spent two thirds of its time there, on 1,600 labels. The memory
# engine compiles an expression made of the functions below into Python closures that call
# the *same* rdflib functions (so every answer and every error is rdflib's) with their
# arguments evaluated directly; a part that reads only parameters is evaluated once per query.
# With a binding from outside (a filter inside a lazy join's second part) rdflib's own
# evaluation runs, since it hides such bindings from the filter.

def _rdflib_functions() -> dict[Any, tuple[str, ...]]:
    from rdflib.plugins.sparql import operators as op

    return {
        op.Builtin_STR: ("arg",), op.Builtin_LCASE: ("arg",), op.Builtin_UCASE: ("arg",),
        op.Builtin_STRLEN: ("arg",), op.Builtin_LANG: ("arg",), op.Builtin_DATATYPE: ("arg",),
        op.Builtin_isIRI: ("arg",), op.Builtin_isLITERAL: ("arg",), op.Builtin_isBLANK: ("arg",),
        op.Builtin_isNUMERIC: ("arg",),
        op.Builtin_CONTAINS: ("arg1", "arg2"), op.Builtin_STRSTARTS: ("arg1", "arg2"),
        op.Builtin_STRENDS: ("arg1", "arg2"), op.Builtin_STRAFTER: ("arg1", "arg2"),
        op.Builtin_STRBEFORE: ("arg1", "arg2"), op.Builtin_sameTerm: ("arg1", "arg2"),
        op.Builtin_LANGMATCHES: ("arg1", "arg2"),
        op.Builtin_REGEX: ("text", "pattern", "flags"),
        op.RelationalExpression: ("expr", "op", "other"),
        op.ConditionalAndExpression: ("expr", "other"), op.ConditionalOrExpression: ("expr", "other"),
        op.UnaryNot: ("expr",),
    }


_FUNCTIONS: dict[Any, tuple[str, ...]] | None = None


class _Args:
    """An expression node's evaluated arguments, read as rdflib's functions read them (a missing one is None)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> None:
        return None


_Compiled = Callable[[FrozenBindings, dict[int, Any]], Any]


def _functions() -> dict[Any, tuple[str, ...]]:
    global _FUNCTIONS
    if _FUNCTIONS is None:
        _FUNCTIONS = _rdflib_functions()
    return _FUNCTIONS


def _compiled_value(expr: Any, pattern_vars: set[Variable]) -> _Compiled | None:
    """The value of ``expr`` for a solution as rdflib's evaluation gives it (an error as a value), or None if not covered."""
    built = _compile(expr, pattern_vars, _functions())
    return None if built is None else built[0]


def _compiled(expr: Any, pattern_vars: set[Variable]) -> Callable[[FrozenBindings, dict[int, Any]], bool] | None:
    """A test of a solution equal to rdflib's filter on ``expr``, or None where ``expr`` has a part not covered."""
    if not isinstance(expr, Expr):
        return None
    built = _compile(expr, pattern_vars, _functions())
    if built is None:
        return None
    value = built[0]
    from rdflib.plugins.sparql.operators import EBV
    from rdflib.plugins.sparql.sparql import SPARQLError

    def test(row: FrozenBindings, memo: dict[int, Any]) -> bool:
        try:
            return bool(EBV(value(row, memo)))  # an error (returned, as Expr.eval returns it) is false
        except SPARQLError:
            return False

    return test


def _compile(
    node: Any, pattern_vars: set[Variable], functions: dict[Any, tuple[str, ...]]
) -> tuple[_Compiled, frozenset[Variable] | None] | None:
    """(closure, the variables it reads; None if it holds an EXISTS) for an expression node; None if not covered.

    A part none of whose variables the pattern binds (parameters: ``?_text``) is evaluated once
    per evaluation of the filter or BIND and kept in ``memo`` -- as long as the solution at hand
    gives them no other values than the parameters', which is checked, so a plan with its
    variables misrecorded can only lose the saving, never change an answer.
    """
    from rdflib.plugins.sparql.sparql import NotBoundError, SPARQLError

    if isinstance(node, (Variable, BNode)):
        var = node

        def lookup(row: FrozenBindings, memo: dict[int, Any]) -> Any:
            value = _bound(row, var, row.ctx.initBindings or {})
            if value is None:
                raise NotBoundError()
            return value

        return lookup, frozenset([var])
    if isinstance(node, list):
        parts = [_compile(n, pattern_vars, functions) for n in node]
        if any(p is None for p in parts):
            return None
        fns = [p[0] for p in parts if p is not None]
        return (lambda row, memo: [f(row, memo) for f in fns]), _union_vars(p[1] for p in parts if p is not None)
    if isinstance(node, Expr) and node.name in _EXISTS:
        return _compile_exists(node), None
    if isinstance(node, Expr) and node.name == "Builtin_BOUND" and isinstance(node["arg"], Variable):
        # rdflib reads the argument with variables=True: bound in the solution or a parameter
        var, true, false = node["arg"], Literal(True), Literal(False)

        def bound(row: FrozenBindings, memo: dict[int, Any]) -> Any:
            return false if _bound(row, var, row.ctx.initBindings or {}) is None else true

        return bound, frozenset([var])
    if isinstance(node, Expr):
        fn = getattr(node._evalfn, "__func__", None)
        names = functions.get(fn)
        if names is None or set(node.keys()) - set(names) - {"_vars"}:
            return None
        args: dict[str, _Compiled] = {}
        reads: list[frozenset[Variable] | None] = []
        for name in names:
            if name not in node or node[name] is None:
                continue
            part = _compile(node[name], pattern_vars, functions)
            if part is None:
                return None
            args[name] = part[0]
            reads.append(part[1])
        items = tuple(args.items())
        read = _union_vars(reads)

        def call(row: FrozenBindings, memo: dict[int, Any]) -> Any:
            try:
                return fn(_Args({k: f(row, memo) for k, f in items}), row)
            except SPARQLError as err:
                return err  # as Expr.eval does: the caller sees the error as a value

        if read is None or read & pattern_vars:
            return call, read
        key, watched = id(node), tuple(read)

        def once(row: FrozenBindings, memo: dict[int, Any]) -> Any:
            # the parameters' own values (solutions carry them too), or nothing bound: the same for every row
            init = row.ctx.initBindings or {}
            if any(row._d.get(v, init.get(v)) is not init.get(v) for v in watched):
                return call(row, memo)
            if key not in memo:
                memo[key] = call(row, memo)
            return memo[key]

        return once, read
    if isinstance(node, (URIRef, Literal, str)) or node is None:
        return (lambda row, memo: node), frozenset()
    return None


def _union_vars(sets: Any) -> frozenset[Variable] | None:
    out: frozenset[Variable] = frozenset()
    for s in sets:
        if s is None:
            return None
        out |= s
    return out


def _unwrapped(graph: Any) -> Any:
    """A group's pattern without the empty patterns rdflib joins it with (``{ ?s ?p ?o }`` is ``Join({}, BGP)``)."""
    while isinstance(graph, CompValue) and graph.name == "Join":
        if _is_empty(graph.p1):
            graph = graph.p2
        elif _is_empty(graph.p2):
            graph = graph.p1
        else:
            break
    return graph


def _is_empty(node: Any) -> bool:
    return isinstance(node, CompValue) and node.name == "BGP" and not node.triples


def _compile_exists(node: Expr) -> _Compiled:
    """EXISTS / NOT EXISTS as rdflib evaluates it (operators.Builtin_EXISTS); one triple pattern is one store look-up."""
    exists = node.name == "Builtin_EXISTS"
    yes, no = Literal(exists), Literal(not exists)
    # the pattern, read at the first evaluation (the plan is complete then: _reorder may replace it
    # after this is compiled) and kept: rdflib's algebra nodes are slow to read attributes from
    shape: list[Any] = []
    from rdflib.plugins.sparql.evaluate import evalPart

    def test(row: FrozenBindings, memo: dict[int, Any]) -> Any:
        if not shape:
            graph = _unwrapped(node.graph)
            triple = tuple(graph.triples[0]) if _one_lookup(graph) else None
            shape.extend((graph, triple))
        graph, triple = shape
        if triple is not None:
            init = row.ctx.initBindings or {}
            s, p, o = (_bound(row, t, init) if isinstance(t, Variable) else t for t in triple)
            if not (triple[0] == triple[2] and s is None):  # ?x :p ?x with ?x unbound: rdflib's way
                for _ in _finder(row.ctx.graph)((s, p, o)):
                    return yes
                return no
        for _ in evalPart(row.ctx.thaw(row), graph):
            return yes
        return no

    return test


def _extend(ctx: QueryContext, part: CompValue) -> Iterator[FrozenBindings]:
    """rdflib's BIND (evaluate.evalExtend) with the compiled expression: an error leaves the variable unbound."""
    from rdflib.plugins.sparql.evaluate import evalExtend, evalPart

    if not _outer_free(ctx):
        return evalExtend(ctx, part.original)
    return _extended(evalPart(ctx, part.p), part.var, part.value)


def _extended(rows: Iterator[FrozenBindings], var: Variable, value: _Compiled) -> Iterator[FrozenBindings]:
    from rdflib.plugins.sparql.sparql import SPARQLError

    memo: dict[int, Any] = {}
    for row in rows:
        try:
            e = value(row, memo)
        except SPARQLError:  # an unbound variable
            yield row
            continue
        if isinstance(e, SPARQLError):
            yield row
        else:
            yield _frozen(row.ctx, {**row._d, var: e})


def _filter(ctx: QueryContext, part: CompValue) -> Iterator[FrozenBindings]:
    from rdflib.plugins.sparql.evaluate import evalFilter, evalPart

    if not _outer_free(ctx):
        return evalFilter(ctx, part.original)
    test, memo = part.test, {}
    return (row for row in evalPart(ctx, part.p) if test(row, memo))


CUSTOM_EVALS["cmkg-native"] = _eval_native


def _make_lazy(node: Any) -> None:
    """Mark a join lazy where its second part gives the same answers evaluated with the first's bindings.

    rdflib marks a join lazy (its second part evaluated once per solution of the first, with
    those bindings) only when neither part is a join, so in ``A . { B } UNION { C } . D`` the
    union is evaluated once over the whole graph and hash-joined. Evaluating a part with some
    variables already bound returns exactly its solutions compatible with those bindings when
    it is made of triple patterns, paths, unions and joins of such, and BINDs whose expression
    reads only variables the part itself always binds (a FILTER or an OPTIONAL could see a
    binding from outside that the standard keeps out of its scope: those stay as they are).
    """
    if isinstance(node, list):
        for n in node:
            _make_lazy(n)
        return
    if not isinstance(node, CompValue):
        return
    if node.name in _EXISTS:
        _make_lazy(node.graph)  # the translated pattern: an attribute, beside the parse tree's item
        return
    for k, v in node.items():
        if k not in ("_vars", "PV", "var", "res"):  # "expr" too: it may hold an EXISTS
            _make_lazy(v)
    if node.name == "Join" and not _is_lazy(node) and _certain(node.p2) is not None:
        node["lazy"] = True


def _certain(node: Any) -> set[Variable] | None:
    """The variables ``node`` binds in every solution, or None if it is not safe to evaluate with outer bindings."""
    if not isinstance(node, CompValue):
        return None
    if node.name == "BGP":
        return {v for t in node.triples for v in _triple_vars(t) if isinstance(v, Variable)}
    if node.name == "Join":
        a, b = _certain(node.p1), _certain(node.p2)
        return None if a is None or b is None else a | b
    if node.name == "Union":
        a, b = _certain(node.p1), _certain(node.p2)
        return None if a is None or b is None else a & b
    if node.name == _EXTEND:  # the memory engine's own BIND: as the BIND it stands for
        return _certain(node.original)
    if node.name == "Extend":
        inner = _certain(node.p)
        if inner is None:
            return None
        evars: set[Variable] = set()
        if not _expr_vars(node.expr, evars) or not evars <= inner:
            return None
        # rdflib evaluates a BIND's expression on the solution with the outer bindings forgotten,
        # except the variables marked on the node: those it reads must be marked (the patterns of
        # an EXISTS have no marks at all)
        node["_vars"] = (set(node["_vars"]) if "_vars" in node else set()) | inner | {node.var}
        return inner | {node.var}
    return None


def _reorder(node: Any, bound: frozenset[Variable]) -> Any:
    """Order each BGP's triples knowing which variables are bound when rdflib evaluates it.

    rdflib sorts a BGP's triples when it evaluates them by how many variables each has unbound
    at the start, not as the triples before it bind them: in ``?practice cmo:implementedIn ?city ;
    cmo:ledBy ?org . ?org a cmo:Organisation`` for one ?city it takes every organisation for each
    practice, then checks the link. Our order is greedy (:func:`_order`): next the triple with the
    fewest variables unbound so far, preferring one joined to what is bound. Where rdflib's sort
    would undo it, the BGP is split into a lazy join of BGPs, each of which rdflib keeps in order.
    The second operand of a lazy join and of an OPTIONAL is evaluated once per solution of the
    first, so their variables count as bound there; parameters (``?_name``) count as bound.
    """
    if isinstance(node, list):
        return [_reorder(n, bound) for n in node]
    if not isinstance(node, CompValue):
        return node
    if node.name == "BGP":
        return _ordered_bgp(node, bound)
    if node.name in _EXISTS:
        # rdflib keeps the translated pattern as an attribute (the item is the parse tree)
        node.graph = _reorder(node.graph, bound)
        return node
    if node.name == _OPTIONAL:
        node["p1"] = _reorder(node.p1, bound)
        node["p2"] = _reorder(node.p2, bound | frozenset(_vars_of(node.p1)))
        node["free"] = _reorder(node.free, bound)
        return node
    if node.name in ("Join", "LeftJoin"):
        node["p1"] = _reorder(node.p1, bound)
        # a lazy join and an OPTIONAL evaluate their second part once per solution of the first
        passes = node.name == "LeftJoin" or _is_lazy(node)
        node["p2"] = _reorder(node.p2, bound | frozenset(_vars_of(node.p1)) if passes else bound)
        return node
    for k in list(node.keys()):
        if k not in ("_vars", "expr", "PV", "var", "res"):
            node[k] = _reorder(node[k], bound)
    if node.name in ("Filter", "Extend") and isinstance(node.get("expr"), CompValue):
        # the pattern of an EXISTS is evaluated once per solution, with its bindings
        for e in _exists_in(node.expr):
            e.graph = _reorder(e.graph, bound | frozenset(_vars_of(node.p)))
    return node


def _exists_in(expr: Any) -> list[CompValue]:
    if isinstance(expr, CompValue):
        if expr.name in _EXISTS:
            return [expr]
        return [e for k, v in expr.items() if k != "_vars" for e in _exists_in(v)]
    if isinstance(expr, (list, tuple)):
        return [e for v in expr for e in _exists_in(v)]
    return []


def _ordered_bgp(node: CompValue, bound: frozenset[Variable]) -> CompValue:
    triples = list(node.triples)
    if len(triples) < 2:
        return node
    params = {v for t in triples for v in _triple_vars(t) if isinstance(v, Variable) and v.startswith("_")}
    known = set(bound) | params
    ordered = _order(triples, known)
    # segments rdflib's stable sort (by variables unbound at the segment's start) leaves in order
    segments: list[list[Any]] = []
    seg_known = set(known)
    for t in ordered:
        if segments and len(_triple_vars(t) - seg_known) >= len(_triple_vars(segments[-1][-1]) - seg_known):
            segments[-1].append(t)
            continue
        if segments:
            seg_known = known | set().union(*(_triple_vars(x) for seg in segments for x in seg))
        segments.append([t])
    if len(segments) == 1:
        node["triples"] = ordered
        return node
    out: CompValue | None = None
    for seg in segments:
        bgp = CompValue("BGP", triples=seg)
        bgp["_vars"] = set().union(*(_triple_vars(t) for t in seg))
        if out is None:
            out = bgp
            continue
        join = CompValue("Join", p1=out, p2=bgp)
        join["_vars"] = set(out._vars) | set(bgp._vars)
        join["lazy"] = True
        out = join
    assert out is not None
    return out


def _vars_of(node: Any) -> set[Variable]:
    return set(node.get("_vars") or ()) if isinstance(node, CompValue) else set()


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


def _is_lazy(join: CompValue) -> bool:
    # CompValue.get returns the key itself for a missing key; rdflib reads a missing mark as None
    return "lazy" in join and bool(join["lazy"])
