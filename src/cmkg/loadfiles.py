"""Loading RDF files into an Oxigraph store: Oxigraph's own parsers, a progress bar, file:line errors.

Each file goes into its own named graph (the IRI of :func:`cmkg.loading.graph_iri`);
in a TriG or N-Quads file the named graphs are kept and the default-graph triples
go to the file's graph. Parsing happens in Oxigraph (Rust), reading the file in
chunks, so a progress bar can follow the bytes read; each file is loaded in one
transaction, so a file with a syntax error adds nothing.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cmkg.errors import DataFileError
from cmkg.loading import graph_iri

__all__ = ["LoadedFile", "OX_FORMATS", "QUAD_SUFFIXES", "load_files", "ox_format", "syntax_error_message"]

#: file suffix -> Oxigraph parser
OX_FORMATS: dict[str, Any] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}
QUAD_SUFFIXES = (".nq", ".trig")
_NAMES = {".ttl": "Turtle", ".nt": "N-Triples", ".nq": "N-Quads", ".trig": "TriG", ".jsonld": "JSON-LD", ".rdf": "RDF/XML", ".owl": "RDF/XML"}

#: inputs at least this large get a progress bar (when stderr is a terminal or ``progress=True``)
PROGRESS_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class LoadedFile:
    """One file loaded into the store."""

    path: Path
    graph: str
    quads: int
    seconds: float


def ox_format(path: Path) -> Any:
    """Oxigraph's parser for a file, from its suffix; an unknown suffix raises DataFileError."""
    fmt = OX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataFileError(
            f"{path}: unknown RDF file type {path.suffix!r} (use .ttl, .nt, .nq, .trig, .jsonld or .rdf)"
        )
    return fmt


def syntax_error_message(path: Path, err: SyntaxError) -> str:
    """``file:line:column: <format> syntax error: why`` from Oxigraph's SyntaxError.

    Examples
    --------
    >>> err = SyntaxError("Parser error at line 2 column 27: . is not a valid RDF object")
    >>> err.lineno, err.offset = 2, 27
    >>> syntax_error_message(Path("data.ttl"), err)
    'data.ttl:2:27: Turtle syntax error: . is not a valid RDF object'
    """
    why = (err.msg or str(err)).strip()
    # Oxigraph prefixes its own "Parser error at line L column C:"; the location is already in front.
    if why.startswith("Parser error") and ": " in why:
        why = why.split(": ", 1)[1]
    why = why.splitlines()[0] if why else "invalid syntax"
    where = f"{path}:{err.lineno}:{err.offset}" if err.lineno else str(path)
    return f"{where}: {_NAMES.get(path.suffix.lower(), 'RDF')} syntax error: {why}"


class _CountingReader(io.RawIOBase):
    """A binary file that reports how many bytes Oxigraph has read, for the progress bar."""

    def __init__(self, fh: Any, advance: Callable[[int], None]) -> None:
        self._fh = fh
        self._advance = advance

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._fh.readinto(buffer)
        if n:
            self._advance(n)
        return n or 0


def _progress(total: int, show: bool | None) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    console = Console(stderr=True)
    if show is None:
        show = total >= PROGRESS_BYTES and console.is_terminal
    return Progress(
        TextColumn("[bold]loading[/] {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not show,
        transient=False,
        # no refresh thread: a collection on another thread would free pyoxigraph objects that must stay on theirs
        auto_refresh=False,
    )


def load_files(
    store: Any,
    files: Sequence[Path],
    *,
    progress: bool | None = None,
    lenient: bool = False,
    count: bool = False,
    bulk: bool = False,
    on_loaded: Callable[[LoadedFile], None] | None = None,
) -> list[LoadedFile]:
    """Parse ``files`` into ``store`` (a ``pyoxigraph.Store``), one named graph per file.

    ``progress`` shows a rich progress bar on stderr (``None``: only for inputs
    over 16 MB on a terminal). ``lenient`` skips IRI validation, which is faster
    on trusted dumps. A file that does not parse raises :class:`DataFileError`
    naming file, line and column; that file adds nothing, files before it stay.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> from cmkg.loading import default_files
    >>> store = ox.Store()
    >>> done = load_files(store, default_files()[:1])
    >>> done[0].graph
    'https://w3id.org/cmkg/graph/ontology/cmo'
    """
    for path in files:
        ox_format(path)
        if not path.is_file():
            raise DataFileError(f"{path}: no such file")
    total = sum(p.stat().st_size for p in files)
    done: list[LoadedFile] = []
    with _progress(total, progress) as bar:
        task = bar.add_task("", total=total)
        for path in files:
            bar.update(task, description=path.name)
            done.append(_load_one(store, path, lenient, count, bulk, _refresher(bar, task)))
            if on_loaded is not None:
                on_loaded(done[-1])
    return done


def _refresher(bar: Any, task: Any) -> Callable[[int], None]:
    last = [0.0]

    def advance(n: int) -> None:
        bar.advance(task, n)
        now = time.monotonic()
        if now - last[0] > 0.1:
            last[0] = now
            bar.refresh()

    return advance


def _load_one(store: Any, path: Path, lenient: bool, count: bool, bulk: bool, advance: Callable[[int], None]) -> LoadedFile:
    fmt = ox_format(path)
    graph = str(graph_iri(path))
    before = len(store) if count else 0
    graphs_before = {g.value for g in store.named_graphs()} if bulk else set()
    start = time.perf_counter()
    try:
        with path.open("rb") as fh:
            reader = io.BufferedReader(_CountingReader(fh, advance), buffer_size=1 << 20)
            if bulk:
                try:
                    store.bulk_load(reader, fmt, to_graph=ox.NamedNode(graph), lenient=lenient)
                except BaseException:
                    # the bulk loader is not transactional: take back what this file began to add
                    for g in ({x.value for x in store.named_graphs()} - graphs_before) | {graph}:
                        store.remove_graph(ox.NamedNode(g))
                    raise
            else:
                store.load(reader, fmt, to_graph=ox.NamedNode(graph), lenient=lenient)
    except SyntaxError as err:
        raise DataFileError(syntax_error_message(path, err)) from None
    except UnicodeDecodeError as err:
        raise DataFileError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except (OSError, ValueError) as err:
        raise DataFileError(f"{path}: cannot load: {str(err).splitlines()[0] if str(err) else type(err).__name__}") from None
    seconds = time.perf_counter() - start
    return LoadedFile(path, graph, (len(store) - before) if count else -1, seconds)


def files_under(paths: Iterable[Path]) -> list[Path]:
    """The RDF files named, folders expanded to the RDF files under them (sorted)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in OX_FORMATS and f.is_file())
        else:
            out.append(p)
    if not out:
        raise DataFileError("no RDF files to load (give .ttl, .nt, .nq, .trig, .jsonld or .rdf files, or folders of them)")
    return out

