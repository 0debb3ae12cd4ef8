"""Saving networks for Gephi (GraphML, GEXF) and for the web (node-link JSON)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import networkx as nx

from cmkg.errors import DataFileError, UnsupportedFormat

__all__ = ["EXPORT_FORMATS", "format_for", "write_network", "read_network"]

#: File formats :func:`write_network` writes, by name and file suffix.
EXPORT_FORMATS = {"graphml": ".graphml", "gexf": ".gexf", "json": ".json"}


def format_for(path: Path, fmt: str | None = None) -> str:
    """The export format named by ``fmt`` or, failing that, by the file's suffix."""
    if fmt:
        if fmt not in EXPORT_FORMATS:
            raise UnsupportedFormat(f"--format {fmt!r} is not one of: {', '.join(EXPORT_FORMATS)}")
        return fmt
    suffix = path.suffix.lower()
    for name, ext in EXPORT_FORMATS.items():
        if suffix == ext:
            return name
    raise UnsupportedFormat(
        f"{path}: cannot tell the format from {suffix or 'no suffix'!r}; use .graphml, .gexf or .json, or name the format (graphml, gexf, json)"
    )


def _clean(graph: nx.Graph) -> nx.Graph:
    # GraphML and GEXF take only str, int, float and bool values: drop None, stringify the rest
    g = graph.copy()
    for store in [g.graph, *(d for _, d in g.nodes(data=True)), *(d for *_, d in g.edges(data=True))]:
        for key in list(store):
            value = store[key]
            if value is None:
                del store[key]
            elif not isinstance(value, (str, int, float, bool)):
                store[key] = str(value)
    return g


def write_network(graph: nx.Graph, path: str | Path, fmt: str | None = None) -> Path:
    """Write ``graph`` to ``path`` atomically: a failure leaves no half-written file.

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> g = nx.Graph(name="toy"); g.add_edge("a", "b", relation="ledBy", weight=1.0)
    >>> out = write_network(g, pathlib.Path(tempfile.mkdtemp()) / "toy.graphml")
    >>> read_network(out).edges["a", "b"]["relation"]
    'ledBy'
    """
    path = Path(path)
    fmt = format_for(path, fmt)
    if path.parent and not path.parent.is_dir():
        raise DataFileError(f"{path}: the folder {path.parent} does not exist")
    g = _clean(graph)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    os.close(fd)
    try:
        if fmt == "graphml":
            nx.write_graphml(g, tmp, encoding="utf-8", prettyprint=True, named_key_ids=True)
        elif fmt == "gexf":
            nx.write_gexf(g, tmp, encoding="utf-8", prettyprint=True)
        else:
            data = nx.node_link_data(g, edges="edges")
            Path(tmp).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_network(path: str | Path, fmt: str | None = None) -> nx.Graph:
    """Read a network written by :func:`write_network` back into networkx."""
    path = Path(path)
    fmt = format_for(path, fmt)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file")
    if fmt == "graphml":
        return nx.read_graphml(path)
    if fmt == "gexf":
        return nx.read_gexf(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    return nx.node_link_graph(data, edges="edges")
