"""A cache of parsed Datasets, so that a process on the curated graph does not parse it again.

rdflib parses the curated graph's Turtle (5,800 triples) in about 0.3 s, a third of a cold
``cmkg query``; unpickling the same Dataset takes 0.04 s. :func:`key` names a parse by every
input file's resolved path, size and modification time (and rdflib's and cmkg's versions);
:func:`read` returns the Dataset kept under that key or None, :func:`write` keeps one. Only
small inputs are kept (:data:`MAX_BYTES`): a large load goes to the Oxigraph engine anyway.

The folder is ``$CMKG_CACHE_DIR``, else ``$XDG_CACHE_HOME/cmkg``, else ``~/.cache/cmkg``;
``CMKG_CACHE_DIR=off`` turns the cache off. Because unpickling runs code, a cache file is
read only from a folder and a file that belong to this user and that no one else may write;
anything unreadable, foreign or stale is ignored (and parsed again), and a cache that cannot
be written is skipped without a word: the cache never changes an answer or an error.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import tempfile
from pathlib import Path

from rdflib import Dataset

__all__ = ["MAX_BYTES", "cache_dir", "key", "read", "write"]

#: inputs larger than this in all are not kept (a pickle is about 2.5 times the Turtle)
MAX_BYTES = 8 * 2**20

#: bump when what load_dataset builds from the same files changes
_FORMAT = "1"


def cache_dir() -> Path | None:
    """Where parses are kept, or None when ``CMKG_CACHE_DIR=off``."""
    env = os.environ.get("CMKG_CACHE_DIR")
    if env:
        return None if env.lower() in ("off", "0", "no", "false") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cmkg"


def key(paths: list[Path]) -> str | None:
    """The cache key of a parse of ``paths`` (in order), or None if it is not to be kept."""
    from importlib.metadata import PackageNotFoundError, version

    if cache_dir() is None or not paths:
        return None
    parts = [_FORMAT]
    for pkg in ("rdflib", "cmkg"):
        try:
            parts.append(f"{pkg}={version(pkg)}")
        except PackageNotFoundError:
            parts.append(f"{pkg}=?")
    total = 0
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            return None  # the parse reports it
        total += st.st_size
        parts.append(f"{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}")
    if total > MAX_BYTES:
        return None
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _own_and_private(path: Path) -> bool:
    try:
        st = path.stat()
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read(cache_key: str) -> Dataset | None:
    """The Dataset kept under ``cache_key``, or None."""
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"{cache_key}.pickle"
    if not (_own_and_private(folder) and _own_and_private(path)):
        return None
    try:
        with path.open("rb") as fh:
            stored_key, ds = pickle.load(fh)
    except Exception:  # truncated, from another Python, anything: parse again
        return None
    return ds if stored_key == cache_key and isinstance(ds, Dataset) else None


def write(cache_key: str, ds: Dataset) -> None:
    """Keep ``ds`` under ``cache_key`` (atomically; silently not at all if the folder is not writable)."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _own_and_private(folder):
            return
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".parse-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((cache_key, ds), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, folder / f"{cache_key}.pickle")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _prune(folder, keep=16)
    except Exception:
        return


def _prune(folder: Path, keep: int) -> None:
    """Keep only the ``keep`` most recently written parses."""
    kept = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in kept[keep:]:
        old.unlink(missing_ok=True)
