"""Writing the graph in every common RDF serialisation, atomically."""

from __future__ import annotations

import os
import re
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
        # expanded JSON-LD: rdflib's compaction can merge "" and ""@aa on one property
        return g.serialize(format="json-ld", encoding="utf-8")
    if key == "xml":
        _check_xml_chars(g)
    return g.serialize(format=rdf_format, encoding="utf-8")


# characters XML 1.0 cannot carry at all, even escaped
_XML_FORBIDDEN = re.compile("[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def _check_xml_chars(g: Graph) -> None:
    for triple in g:
        for term in triple:
            m = _XML_FORBIDDEN.search(str(term))
            if m:
                raise UnsupportedFormat(
                    f"RDF/XML cannot carry the character U+{ord(m.group()):04X} found in {term.n3()[:80]}; "
                    "export as N-Triples, N-Quads or Turtle instead"
                )


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
