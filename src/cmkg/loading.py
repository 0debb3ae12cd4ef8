"""Reading the ontology and the curated graph into an rdflib Dataset.

Named graphs: every source file becomes its own named graph, with the IRI
``https://w3id.org/cmkg/graph/<folder>/<file stem>`` (``graph/places.ttl`` is
``…/graph/places``; ``ontology/cmo.ttl`` is ``…/graph/ontology/cmo``). So a
query can tell the sourced facts from the project's curation (``graph/curation/``)
and from the vocabulary, while the default graph of every query is the union
of all of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.parsers.notation3 import BadSyntax

from cmkg.errors import CmkgError, DataFileError
from cmkg.paths import data_root, graph_dir, ontology_dir
from cmkg.safety import egress_guard, jsonld_context_references, refuse_xml_dtd

__all__ = [
    "GRAPH_BASE",
    "graph_iri",
    "default_files",
    "parse_file",
    "check_safe",
    "load_dataset",
]

GRAPH_BASE = "https://w3id.org/cmkg/graph/"

_FORMATS = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".trix": "trix",
}
_QUAD_FORMATS = ("nquads", "trig", "trix")
_XML_FORMATS = ("xml", "application/rdf+xml", "trix")
_JSONLD_FORMATS = ("json-ld", "application/ld+json")


def graph_iri(path: Path, root: Path | None = None) -> URIRef:
    """The named-graph IRI of a data file, from its path under the data root."""
    root = root or data_root()
    try:
        rel = path.resolve().relative_to(root.resolve())
        parts = list(rel.with_suffix("").parts)
        if parts and parts[0] == "graph":
            parts = parts[1:]
    except ValueError:
        parts = ["external", path.stem]
    return URIRef(GRAPH_BASE + "/".join(parts))


def default_files() -> list[Path]:
    """The ontology, concept schemes, shapes and curated graph, in a stable order."""
    files = sorted(ontology_dir().rglob("*.ttl")) + sorted(graph_dir().rglob("*.ttl"))
    return files


def _bad_syntax_message(path: Path, err: BadSyntax) -> str:
    text = err._str.decode("utf-8", "replace") if isinstance(err._str, bytes) else str(err._str)
    line = err.lines + 1
    col = err._i - (text.rfind("\n", 0, err._i) + 1) + 1
    why = err._why
    return f"{path}:{line}:{col}: Turtle syntax error: {why}"


def check_safe(path: Path, fmt: str) -> None:
    """Refuse, before any parser sees it, a file that would make rdflib fetch or expand something.

    RDF/XML and TriX with a document type declaration are refused (entities can
    expand without bound — "billion laughs" — or pull in local files), and so is
    JSON-LD whose ``@context`` names a URL or file (rdflib would fetch it).
    """
    if fmt in _XML_FORMATS:
        with path.open("rb") as fh:
            line = refuse_xml_dtd(fh)
        if line is not None:
            raise DataFileError(
                f"{path}:{line}: refused an XML document type declaration (<!DOCTYPE>), because its entities "
                "could expand without bound or read local files; remove the DTD and write the values out"
            )
    elif fmt in _JSONLD_FORMATS:
        try:
            doc = json.loads(path.read_bytes())
        except ValueError as err:
            line = getattr(err, "lineno", None)
            col = getattr(err, "colno", 0)
            raise DataFileError(f"{path}:{line}:{col}: not valid JSON: {getattr(err, 'msg', err)}" if line else f"{path}: not valid JSON") from None
        refs = jsonld_context_references(doc)
        if refs:
            raise DataFileError(
                f"{path}: the JSON-LD @context refers to {refs[0]!r}, which cmkg does not fetch "
                "(loading makes no network or file requests); put the context inline as a JSON object"
            )


def _parse_guarded(path: Path, graph: Graph, fmt: str) -> None:
    check_safe(path, fmt)
    # second lock: whatever the parser tries, it may not reach the network
    with egress_guard():
        if fmt == "trix" and not graph.context_aware:
            tmp = Dataset()
            tmp.parse(path, format=fmt)
            for s, p, o, _ctx in tmp.quads((None, None, None, None)):
                graph.add((s, p, o))
        else:
            graph.parse(path, format=fmt)


def parse_file(path: Path, graph: Graph, fmt: str | None = None) -> None:
    """Parse one RDF file into ``graph``; a bad or unsafe file raises :class:`DataFileError`."""
    fmt = fmt or _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataFileError(f"{path}: unknown RDF file type {path.suffix!r} (use .ttl, .nt, .nq, .trig, .trix, .jsonld or .rdf)")
    if not path.is_file():
        raise DataFileError(f"{path}: no such file")
    try:
        _parse_guarded(path, graph, fmt)
    except DataFileError:
        raise
    except CmkgError as err:
        raise DataFileError(f"{path}: {err}") from None
    except BadSyntax as err:
        raise DataFileError(_bad_syntax_message(path, err)) from None
    except UnicodeDecodeError as err:
        raise DataFileError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except Exception as err:  # rdflib's other parsers raise many kinds
        line = getattr(err, "lineno", None) or getattr(err, "line", None)
        where = f"{path}:{line}" if line else str(path)
        raise DataFileError(f"{where}: cannot parse as {fmt}: {str(err).splitlines()[0] if str(err) else type(err).__name__}") from None


def iter_quads(files: Iterable[Path]) -> Iterator[tuple[URIRef, Graph]]:
    for path in files:
        g = Graph()
        parse_file(path, g)
        yield graph_iri(path), g


def load_dataset(files: Iterable[Path] | None = None) -> Dataset:
    """Load files into a Dataset whose default graph is the union of the named graphs.

    A parse of small inputs (the curated graph: 0.3 s) is kept in the user's cache folder
    (:func:`cache_dir`) and read back in a few hundredths of a second while every file has the
    size and modification time it had (see :mod:`cmkg.parsecache`).
    """
    from cmkg import parsecache

    paths = list(files if files is not None else default_files())
    key = parsecache.key(paths)
    if key is not None:
        cached = parsecache.read(key)
        if cached is not None:
            return cached
    ds = _parse_all(paths)
    if key is not None:
        parsecache.write(key, ds)
    return ds


def _parse_all(paths: list[Path]) -> Dataset:
    ds = Dataset(default_union=True)
    _bind_prefixes(ds)
    for path in paths:
        fmt = _FORMATS.get(path.suffix.lower())
        if fmt in _QUAD_FORMATS:
            tmp = Dataset()
            try:
                _parse_guarded(path, tmp, fmt)
            except DataFileError:
                raise
            except CmkgError as err:
                raise DataFileError(f"{path}: {err}") from None
            except BadSyntax as err:
                raise DataFileError(_bad_syntax_message(path, err)) from None
            except Exception as err:
                raise DataFileError(f"{path}: cannot parse as {fmt}: {err}") from None
            for s, p, o, c in tmp.quads((None, None, None, None)):
                ctx = c.identifier if isinstance(c, Graph) else c
                if ctx is None or ctx == DATASET_DEFAULT_GRAPH_ID:
                    ctx = graph_iri(path)
                ds.graph(URIRef(str(ctx))).add((s, p, o))
            continue
        parse_file(path, ds.graph(graph_iri(path)))
    return ds


PREFIXES: dict[str, str] = {
    "cmo": "https://w3id.org/cmkg/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "id": "https://w3id.org/cmkg/id/",
    "city": "https://w3id.org/cmkg/id/city/",
    "practice": "https://w3id.org/cmkg/id/practice/",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "cito": "http://purl.org/spar/cito/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
}


def _bind_prefixes(g: Graph) -> None:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
