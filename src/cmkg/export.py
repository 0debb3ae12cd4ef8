"""Writing the graph in every common RDF serialisation, atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rdflib import Dataset, Graph

from cmkg.errors import UnsupportedFormat

__all__ = ["FORMATS", "union_graph", "serialise", "write_atomic", "export"]

# format name -> (rdflib format, file suffix, keeps named graphs, media type)
FORMATS: dict[str, tuple[str, str, bool, str]] = {
    "ttl": ("turtle", ".ttl", False, "text/turtle"),
    "nt": ("nt", ".nt", False, "application/n-triples"),
    "nq": ("nquads", ".nq", True, "application/n-quads"),
    "trig": ("trig", ".trig", True, "application/trig"),
    "jsonld": ("json-ld", ".jsonld", False, "application/ld+json"),
    "xml": ("xml", ".rdf", False, "application/rdf+xml"),
}
ALIASES = {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "nquads": "nq", "json-ld": "jsonld", "rdf": "xml", "rdfxml": "xml"}


def normalise_format(fmt: str) -> str:
    key = ALIASES.get(fmt.lower(), fmt.lower())
    if key not in FORMATS:
        raise UnsupportedFormat(f"unknown RDF format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return key


def union_graph(ds: Dataset) -> Graph:
    """All triples of every named graph, with the dataset's prefixes."""
    g = Graph()
    for prefix, ns in ds.namespace_manager.namespaces():
        g.bind(prefix, ns)
    for t in ds.triples((None, None, None)):
        g.add(t)
    return g


def serialise(ds: Dataset, fmt: str) -> bytes:
    key = normalise_format(fmt)
    rdf_format, _suffix, quads, _mt = FORMATS[key]
    if quads:
        return ds.serialize(format=rdf_format, encoding="utf-8")
    g = union_graph(ds)
    if key == "jsonld":
        context = {p: str(ns) for p, ns in g.namespace_manager.namespaces() if p}
        return g.serialize(format="json-ld", context=context, encoding="utf-8", auto_compact=True)
    return g.serialize(format=rdf_format, encoding="utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export(ds: Dataset, path: Path, fmt: str | None = None) -> Path:
    """Serialise ``ds`` to ``path`` (format from ``fmt`` or the file suffix)."""
    if fmt is None:
        by_suffix = {v[1]: k for k, v in FORMATS.items()}
        fmt = by_suffix.get(path.suffix.lower())
        if fmt is None:
            raise UnsupportedFormat(f"{path}: cannot tell the RDF format from the suffix; pass --format")
    write_atomic(path, serialise(ds, fmt))
    return path
