"""The page's parts: vis-network read from the installed pyvis, our script, stylesheet and template."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from cmkg.errors import CmkgError

__all__ = ["csp_hash", "own_asset", "page_template", "vis_asset"]


@lru_cache(maxsize=None)
def vis_asset(name: str, closer: str) -> str:
    """vis-network's script or stylesheet, read from the installed pyvis (never copied into this repository)."""
    import pyvis

    folder = Path(pyvis.__file__).parent / "lib"
    candidates = sorted(folder.glob(f"vis-*/{name}"), reverse=True)
    if not candidates:
        raise CmkgError(f"the installed pyvis has no {name} under {folder}; reinstall pyvis 0.3.x")
    # The source-map comment would point developer tools at a file that is not there.
    text = re.sub(r"/[/*]# sourceMappingURL=\S+", "", candidates[0].read_text(encoding="utf-8"))
    if closer in text.lower():
        raise CmkgError(f"{candidates[0]} contains {closer!r} and cannot be inlined safely")
    return text


@lru_cache(maxsize=None)
def csp_hash(text: str) -> str:
    """The CSP hash of an inline script: only scripts with these hashes may run in the page."""
    import base64
    import hashlib

    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


@lru_cache(maxsize=None)
def own_asset(name: str, closer: str) -> str:
    text = resources.files("cmkg.visualize").joinpath("templates", name).read_text(encoding="utf-8")
    assert closer not in text.lower(), f"{name} must not contain {closer}"
    return text


@lru_cache(maxsize=1)
def page_template():  # type: ignore[no-untyped-def]
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("cmkg.visualize", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template("network.html.j2")
