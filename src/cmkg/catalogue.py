"""The named query catalogue: ``queries/**/*.rq`` files with grlc-style headers.

A file's stem is the query's name. Its header is YAML in ``#+`` comment lines::

    #+ summary: Practices in a city
    #+ params:
    #+   city: {type: literal, description: "City name", example: Toronto}
    #+ kind: select

Parameters follow the BASIL naming used by grlc: ``?_city`` is a literal,
``?_city_iri`` an IRI, and a double underscore (``?__city``) makes it optional.
Values are bound as RDF terms (never pasted into the query text).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rdflib import Literal, URIRef, XSD
from rdflib.term import Node

from cmkg.errors import QueryHeaderError, QueryNotFound, QueryParameterError
from cmkg.paths import queries_dir

#: libyaml's safe loader where PyYAML was built with it (ten times faster on the 89 headers a
#: catalogue reads when a process starts), else the pure-Python one: the same documents either way
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = ["Param", "NamedQuery", "Catalogue", "parse_query_file", "validate_iri", "PARAM_TYPES"]

PARAM_TYPES = ("literal", "iri", "integer", "decimal", "year", "date", "boolean")
KINDS = ("select", "construct", "describe", "ask", "check")

_IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x20\x7f-\x9f]+$")
_HEADER_RE = re.compile(r"^#\+ ?(.*)$")


def validate_iri(value: str, name: str = "value") -> URIRef:
    """An absolute IRI with no characters that IRIs forbid, or a QueryParameterError."""
    if not isinstance(value, str) or not _IRI_RE.match(value) or len(value) > 4096:
        raise QueryParameterError(f"parameter {name!r}: {str(value)[:80]!r} is not an absolute IRI")
    return URIRef(value)


@dataclass(frozen=True)
class Param:
    """One parameter of a named query."""

    name: str
    type: str = "literal"
    description: str = ""
    example: str | None = None
    optional: bool = False
    variable: str = ""  # the SPARQL variable it binds, without '?'

    def to_term(self, value: Any) -> Node:
        """Convert a user's value into a typed RDF term, or raise QueryParameterError."""
        if isinstance(value, (URIRef, Literal)):
            if self.type == "iri" and not isinstance(value, URIRef):
                raise QueryParameterError(f"parameter {self.name!r} must be an IRI")
            return value
        text = str(value)
        try:
            if self.type == "iri":
                return validate_iri(text, self.name)
            if self.type == "integer":
                return Literal(int(text), datatype=XSD.integer)
            if self.type == "decimal":
                float(text)
                return Literal(text, datatype=XSD.decimal)
            if self.type == "year":
                if not re.fullmatch(r"-?\d{4}", text):
                    raise ValueError
                return Literal(text, datatype=XSD.gYear)
            if self.type == "date":
                return Literal(date.fromisoformat(text), datatype=XSD.date)
            if self.type == "boolean":
                if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError
                return Literal(text.lower() in ("true", "1", "yes"), datatype=XSD.boolean)
        except QueryParameterError:
            raise
        except (ValueError, TypeError):
            raise QueryParameterError(
                f"parameter {self.name!r}: {text[:80]!r} is not a valid {self.type}"
            ) from None
        return Literal(text)


@dataclass(frozen=True)
class NamedQuery:
    """A query of the catalogue: its text, metadata and parameters."""

    name: str
    path: Path
    text: str
    summary: str
    description: str = ""
    tags: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    kind: str = "select"
    expect: Mapping[str, Any] = field(default_factory=dict)
    group: str = ""  # sub-folder of queries/ ('' at top level)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise QueryParameterError(
            f"query {self.name!r} has no parameter {name!r}"
            + (f" (it takes: {', '.join(p.name for p in self.params)})" if self.params else " (it takes none)")
        )

    def bindings(self, values: Mapping[str, Any]) -> dict[str, Node]:
        """Typed RDF terms for the given parameter values, keyed by SPARQL variable."""
        out: dict[str, Node] = {}
        for key, value in values.items():
            p = self.param(key)
            if value is None:
                continue
            out[p.variable] = p.to_term(value)
        for p in self.params:
            if not p.optional and p.variable not in out:
                ex = f" (e.g. -p {p.name}={p.example})" if p.example is not None else ""
                raise QueryParameterError(f"query {self.name!r} needs parameter {p.name!r}{ex}")
        return out

    def example_values(self) -> dict[str, str]:
        return {p.name: str(p.example) for p in self.params if p.example is not None}


def _header_and_body(text: str) -> tuple[str, str]:
    header: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines) and (lines[i].startswith("#+") or not lines[i].strip()):
        m = _HEADER_RE.match(lines[i])
        if m:
            header.append(m.group(1))
        i += 1
    return "\n".join(header), "\n".join(lines[i:])


def _find_variable(text: str, name: str, ptype: str) -> tuple[str, bool]:
    candidates = [f"__{name}_iri", f"_{name}_iri", f"__{name}", f"_{name}"] if ptype == "iri" else [f"__{name}", f"_{name}"]
    for var in candidates:
        if re.search(r"[?$]" + re.escape(var) + r"\b", text):
            return var, var.startswith("__")
    return "", False


def parse_query_file(path: Path, root: Path | None = None) -> NamedQuery:
    """Read one ``.rq`` file; a header that does not parse raises QueryHeaderError."""
    text = path.read_text(encoding="utf-8")
    header, _body = _header_and_body(text)
    where = path.name
    try:
        meta = yaml.load(header, Loader=_YAML_LOADER) if header.strip() else None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise QueryHeaderError(f"{path}:{line.strip() or ''} the '#+' header is not valid YAML: {getattr(err, 'problem', err)}") from None
    if not isinstance(meta, dict) or not meta.get("summary"):
        raise QueryHeaderError(f"{where}: the '#+' header must be a YAML mapping with at least 'summary'")
    kind = str(meta.get("kind", "select")).lower()
    if kind not in KINDS:
        raise QueryHeaderError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    params: list[Param] = []
    raw_params = meta.get("params") or {}
    if not isinstance(raw_params, dict):
        raise QueryHeaderError(f"{where}: 'params' must be a mapping of name to {{type, description, example}}")
    for pname, spec in raw_params.items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise QueryHeaderError(f"{where}: parameter {pname!r} must be a mapping")
        ptype = str(spec.get("type", "literal"))
        if ptype not in PARAM_TYPES:
            raise QueryHeaderError(f"{where}: parameter {pname!r} has type {ptype!r}, not one of {', '.join(PARAM_TYPES)}")
        var, optional = _find_variable(text, str(pname), ptype)
        if not var:
            raise QueryHeaderError(f"{where}: parameter {pname!r} has no variable ?_{pname} in the query")
        params.append(
            Param(
                name=str(pname),
                type=ptype,
                description=str(spec.get("description", "")),
                example=None if spec.get("example") is None else str(spec.get("example")),
                optional=bool(spec.get("optional", optional)),
                variable=var,
            )
        )
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    expect = meta.get("expect") or {}
    if not isinstance(expect, dict):
        raise QueryHeaderError(f"{where}: 'expect' must be a mapping such as {{min_rows: 1}}")
    group = ""
    if root is not None:
        rel = path.relative_to(root).parent
        group = "" if str(rel) == "." else rel.as_posix()
    return NamedQuery(
        name=path.stem,
        path=path,
        text=text,
        summary=str(meta["summary"]).strip(),
        description=str(meta.get("description", "")).strip(),
        tags=tuple(str(t) for t in tags),
        params=tuple(params),
        kind=kind,
        expect=expect,
        group=group,
    )


class Catalogue(Mapping[str, NamedQuery]):
    """All named queries under a folder, by name."""

    def __init__(self, queries: Mapping[str, NamedQuery]) -> None:
        self._queries = dict(sorted(queries.items()))

    @classmethod
    def load(cls, root: Path | None = None) -> Catalogue:
        root = root or queries_dir()
        return _load_cached(root.resolve(), _mtime_key(root))

    def __getitem__(self, name: str) -> NamedQuery:
        try:
            return self._queries[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._queries), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else "; `cmkg queries` lists them"
            raise QueryNotFound(f"no named query {name!r}{hint}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._queries)

    def __len__(self) -> int:
        return len(self._queries)

    def in_group(self, group: str) -> list[NamedQuery]:
        return [q for q in self._queries.values() if q.group == group]


def _mtime_key(root: Path) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((str(p), p.stat().st_mtime) for p in root.rglob("*.rq")))


@lru_cache(maxsize=8)
def _load_cached(root: Path, _key: tuple[tuple[str, float], ...]) -> Catalogue:
    queries: dict[str, NamedQuery] = {}
    for path in sorted(root.rglob("*.rq")):
        q = parse_query_file(path, root)
        if q.name in queries:
            raise QueryHeaderError(f"two named queries are called {q.name!r}: {queries[q.name].path} and {path}")
        queries[q.name] = q
    return Catalogue(queries)
