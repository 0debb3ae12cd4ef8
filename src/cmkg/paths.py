"""Where the ontology, the curated graph and the query catalogue live.

In a source checkout they are the top-level folders of the repository; in an
installed wheel they are bundled as package data under ``cmkg/data/``.
"""

from __future__ import annotations

from pathlib import Path

from cmkg.errors import CmkgError

__all__ = ["data_root", "ontology_dir", "graph_dir", "queries_dir", "build_dir"]

_PKG = Path(__file__).resolve().parent


def data_root() -> Path:
    """The folder holding ``ontology/``, ``graph/`` and ``queries/``."""
    repo = _PKG.parents[1]
    if (repo / "ontology").is_dir() and (repo / "pyproject.toml").is_file():
        return repo
    bundled = _PKG / "data"
    if (bundled / "ontology").is_dir():
        return bundled
    raise CmkgError(f"cannot find the cmkg data folders next to {_PKG}; reinstall the package")


def ontology_dir() -> Path:
    return data_root() / "ontology"


def graph_dir() -> Path:
    return data_root() / "graph"


def queries_dir() -> Path:
    return data_root() / "queries"


def build_dir() -> Path:
    """Where build outputs go: ``build/`` in the working directory."""
    return Path.cwd() / "build"
