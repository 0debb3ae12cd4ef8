"""A stopped ``make bench`` goes on where it stopped: what it has measured is kept in ``checkpoint.json``.

The whole benchmark takes hours (every engine at 10^6, the Oxigraph engines at 10^7). The
harness writes the checkpoint after each size and, while the catalogue runs, at least every
:data:`SAVE_EVERY_S` seconds: the results so far, the first-run times the next size's
predictions come from, and the state of the size under way (which run of which query on which
engine comes next, every time measured so far). Run the same command again and it picks up
there: same configuration, same code, same library versions (:func:`fingerprint`), or it says
why it starts over. The finished run removes the checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
from pathlib import Path
from typing import Any

__all__ = ["NAME", "SET_ASIDE", "SAVE_EVERY_S", "fingerprint", "code_hash", "read", "save", "clear", "set_aside", "remove_work_dirs"]

NAME = "checkpoint.json"

#: seconds of measuring a stop may lose at most (plus the run under way)
SAVE_EVERY_S = 30.0

ROOT = Path(__file__).resolve().parents[1]

#: what the measurements depend on: the engines' code, the queries, the ontology and curated graph, the bench
CODE_DIRS = ("src", "bench", "queries", "ontology", "graph")


def code_hash(root: Path = ROOT) -> str:
    """A digest of every file the measurements depend on (:data:`CODE_DIRS` and pyproject.toml)."""
    h = hashlib.sha256()
    files = [p for d in CODE_DIRS for p in (root / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    files += [root / "pyproject.toml"]
    for path in sorted(f for f in files if f.exists() and f.suffix != ".pyc"):
        h.update(str(path.relative_to(root)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]


def fingerprint(config: dict[str, Any], versions: dict[str, str], root: Path = ROOT) -> str:
    """What must not change between a stopped run and the run that goes on with it."""
    text = json.dumps({"config": config, "versions": versions, "code": code_hash(root)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read(out_dir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The checkpoint in ``out_dir``, or None and why it cannot be used (None, None when there is none)."""
    path = out_dir / NAME
    if not path.exists():
        return None, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        return None, f"{path} cannot be read ({err})"
    if not isinstance(data, dict) or not {"fingerprint", "results"} <= set(data):
        return None, f"{path} is not a checkpoint of this benchmark"
    return data, None


def save(out_dir: Path, data: dict[str, Any]) -> None:
    """Write the checkpoint whole or not at all (a stop while writing keeps the previous one)."""
    path = out_dir / NAME
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, default=str), encoding="utf-8")
    tmp.replace(path)


#: where a checkpoint that cannot be taken up is moved (one, the latest): nothing measured is deleted unasked
SET_ASIDE = "checkpoint.set-aside.json"


def clear(out_dir: Path) -> None:
    (out_dir / NAME).unlink(missing_ok=True)


def set_aside(out_dir: Path) -> Path:
    """Move the checkpoint out of the way of a new run; where it now is."""
    target = out_dir / SET_ASIDE
    (out_dir / NAME).replace(target)
    return target


def remove_work_dirs(out_dir: Path) -> list[Path]:
    """Remove the engines' working folders a stopped run left behind (an on-disk store at 10^7 is gigabytes).

    A run killed outright leaves its ``oxigraph serve`` running on its store: such a process
    (one whose command line names a folder removed here) is ended first.
    """
    gone = [p for p in out_dir.glob("cmkg-bench-*") if p.is_dir()]
    if gone:
        _end_processes_using([str(p.resolve()) for p in gone])
    for p in gone:
        shutil.rmtree(p, ignore_errors=True)
    return gone


def _end_processes_using(folders: list[str]) -> None:
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: nothing to look at
        return
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # ended meanwhile, or not ours to read
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            cwd = "/"
        # a relative argument (`--location build/bench/…`) read from the process's own folder
        paths = [os.path.normpath(os.path.join(cwd, a.decode(errors="replace"))) for a in args if a]
        if any(a == f or a.startswith(f + os.sep) for a in paths for f in folders):
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass
