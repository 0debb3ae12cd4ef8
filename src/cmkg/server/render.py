"""Jinja2 rendering shared by the server and the static site, and the map from IRIs to local links.

Templates autoescape: every value from the data is escaped, and no template
holds inline script (the pages' JavaScript lives in ``static/`` so a strict
Content-Security-Policy can forbid inline code).

Examples
--------
>>> SERVER.href("https://w3id.org/cmkg/id/city/toronto")
'/id/city/toronto'
>>> Linker(root="../../", static_site=True).href("https://w3id.org/cmkg/id/city/toronto")
'../../id/city/toronto.html'
>>> SERVER.href("https://w3id.org/cmkg/ontology#City")
'/ontology#City'
>>> SERVER.href("http://www.wikidata.org/entity/Q172")
'http://www.wikidata.org/entity/Q172'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from cmkg.server.views import CMO_NS, ID_NS, ONTOLOGY_IRI, curie

__all__ = ["Linker", "SERVER", "environment", "render", "CSP"]

#: The policy every HTML page is served with: our own scripts and styles only, nothing inline.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


_LINKABLE = frozenset({"http", "https", "ftp", "mailto", "urn", "doi", "tel"})


@dataclass(frozen=True)
class Linker:
    """Turns IRIs and page names into links: absolute paths on the server, relative files on the static site."""

    root: str = "/"
    static_site: bool = False

    def page(self, path: str) -> str:
        """Link to a page such as ``""`` (home), ``"-/classes"`` or ``"id/city/toronto"``."""
        if self.static_site:
            return self.root + (path or "index") + ".html"
        return self.root + path

    def href(self, iri: str) -> str:
        """A local link for our own IRIs; other IRIs are left as they are."""
        if iri.startswith(ID_NS):
            return self.page("id/" + iri[len(ID_NS):])
        if iri.startswith(CMO_NS):
            return self.page("ontology") + "#" + iri[len(CMO_NS):]
        if iri == ONTOLOGY_IRI:
            return self.page("ontology")
        # Data may hold any IRI: only schemes a browser just fetches become links
        # (a javascript: or data: IRI is shown as text, never run by a click).
        if iri.split(":", 1)[0].strip().lower() not in _LINKABLE:
            return "about:blank"
        return iri

    def is_local(self, iri: str) -> bool:
        return iri.startswith(ID_NS) or iri.startswith(CMO_NS) or iri == ONTOLOGY_IRI

    def file(self, path: str) -> str:
        """Link to a file served as it is (a dump, a ``.ttl`` twin of a page)."""
        return self.root + path

    def asset(self, name: str) -> str:
        return self.root + "-/static/" + name

    def class_page(self, iri: str) -> str | None:
        short = curie(iri)
        if short == iri:
            return None
        return self.page("-/classes/" + short.replace(":", "-", 1))

    @property
    def void(self) -> str:
        return self.root + ("void.ttl" if self.static_site else ".well-known/void")


SERVER = Linker()


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("cmkg.server", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["curie"] = curie
    return env


def render(template: str, linker: Linker, **context: Any) -> str:
    """Render a template with the link helpers in scope."""
    return environment().get_template(template).render(link=linker, **context)
