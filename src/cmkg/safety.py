"""Checks that keep hostile data and queries from reaching out or blowing up.

rdflib by itself fetches any URL a JSON-LD ``@context``, a ``SERVICE`` clause or
a ``FROM`` names, and hands RDF/XML to an XML parser that expands entities. This
module holds the project's answers, shared by loading, the engines and the server:

- :func:`refuse_xml_dtd` refuses XML with a document type declaration, reading
  only up to the root element (so it is fast and bounded on any input);
- :func:`jsonld_context_references` finds the ``@context`` / ``@import``
  references a JSON-LD document would make rdflib fetch;
- :func:`egress_guard` makes every outbound connection attempted in its block
  fail (or, given a :class:`FederationPolicy`, every one the policy does not
  allow), whatever library tries it;
- :func:`resolve_codepoint_escapes` gives every SPARQL parser the same text, so
  that what :func:`~cmkg.engine.base.inspect_query` checked (rdflib's parser) is
  what another engine runs: rdflib and Oxigraph read ``\\u005C`` differently,
  and a query can hide a ``SERVICE`` from one inside a string the other closes;
- :func:`is_public_address` and :class:`FederationPolicy` say which endpoints
  federation may reach when a user turns it on: listed prefixes only, never
  loopback, private or link-local addresses, checked again on every redirect
  and on the address actually connected to (so DNS cannot be used to sneak in).
"""

from __future__ import annotations

import ipaddress
import sys
import threading
import xml.parsers.expat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlsplit

from cmkg.errors import QueryRefused

__all__ = [
    "XmlDtdFound",
    "refuse_xml_dtd",
    "jsonld_context_references",
    "resolve_codepoint_escapes",
    "is_public_address",
    "FederationPolicy",
    "egress_guard",
    "install_egress_hook",
]

_CHUNK = 64 * 1024


class XmlDtdFound(Exception):
    """Internal signal: an XML document declares a DTD (``line`` is where)."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _RootReached(Exception):
    """Internal signal: the root element started, so no DTD can follow."""


def refuse_xml_dtd(stream: IO[bytes]) -> int | None:
    """The line of the document type declaration of an XML stream, or ``None`` if it has none.

    A DTD can only come before the root element, so reading stops there: the
    cost is the size of the prolog, in 64 KiB chunks, whatever the file holds.
    Entities are never expanded here. A stream that is not well-formed XML
    before its root gives ``None`` (the real parser then reports the syntax error).

    Examples
    --------
    >>> import io
    >>> refuse_xml_dtd(io.BytesIO(b'<?xml version="1.0"?>\\n<!DOCTYPE r [<!ENTITY a "b">]><r/>'))
    2
    >>> refuse_xml_dtd(io.BytesIO(b'<r>&amp;</r>')) is None
    True
    """
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def doctype(*_args: Any) -> None:
        raise XmlDtdFound(parser.CurrentLineNumber)

    def root(*_args: Any) -> None:
        raise _RootReached

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype  # unreachable without a DOCTYPE; kept as a second lock
    parser.StartElementHandler = root
    try:
        while True:
            chunk = stream.read(_CHUNK)
            parser.Parse(chunk, not chunk)
            if not chunk:
                return None
    except XmlDtdFound as found:
        return found.line
    except (_RootReached, xml.parsers.expat.ExpatError):
        return None


def jsonld_context_references(doc: Any) -> list[str]:
    """Every ``@context`` or ``@import`` reference (a URL or path) a JSON-LD document holds.

    rdflib would fetch each of them while parsing (network or local file), so the
    loader refuses a document where this list is not empty. Inline contexts
    (JSON objects) are fine. The walk is iterative, so depth costs no stack.

    Examples
    --------
    >>> jsonld_context_references({"@context": {"name": "http://schema.org/name"}, "name": "x"})
    []
    >>> jsonld_context_references({"@context": ["https://schema.org/", {"@import": "ctx.json"}]})
    ['https://schema.org/', 'ctx.json']
    """
    found: list[str] = []
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    for ctx in value if isinstance(value, list) else [value]:
                        if isinstance(ctx, str):
                            found.append(ctx)
                elif key == "@import" and isinstance(value, str):
                    found.append(value)
            stack.extend(reversed(list(node.values())))
    return found


def resolve_codepoint_escapes(text: str) -> str:
    r"""The query text with its ``\uXXXX`` / ``\UXXXXXXXX`` escapes replaced, as SPARQL 1.1 §19.2 says.

    rdflib replaces them before parsing (inside strings too); Oxigraph reads them
    only as escapes within strings and IRIs. So ``'''\u005C'''`` is a
    one-character string to Oxigraph but an escaped quote to rdflib, and the
    text after it is code to one parser and string to the other. An engine that
    checks a query with rdflib and runs it elsewhere must run *this* text.

    Examples
    --------
    >>> resolve_codepoint_escapes(r'SELECT ("caf\u00E9" AS ?x) {}')
    'SELECT ("café" AS ?x) {}'
    """
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    try:
        return expandUnicodeEscapes(text)
    except ValueError as err:
        from cmkg.errors import QuerySyntaxError

        raise QuerySyntaxError(f"SPARQL syntax error: {err}") from None


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local, …).

    IPv4 addresses carried inside IPv6 (``::ffff:127.0.0.1``, NAT64
    ``64:ff9b::7f00:1``, 6to4) are judged by the IPv4 address they carry.

    Examples
    --------
    >>> [is_public_address(a) for a in ("8.8.8.8", "127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "::ffff:192.168.0.1")]
    [True, False, False, False, False, False]
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
    return bool(ip.is_global) and not ip.is_multicast


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _origin(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme, 0)
    return scheme, (parts.hostname or "").lower(), port, parts.path or "/"


@dataclass(frozen=True)
class FederationPolicy:
    """Which remote endpoints federated queries (``SERVICE``) may reach.

    ``prefixes`` are endpoint URLs (``https://query.wikidata.org/sparql``) or URL
    prefixes ending in ``/``; a request must match one on scheme, host and port
    exactly and on path by prefix. Whatever the prefixes say, a connection to a
    loopback, private, link-local or otherwise non-public address is refused,
    except to an address listed in ``trusted_addresses`` (an operator's own
    store on the local network; never take it from a request). ``timeout`` bounds
    each wait on a federated connection (connect, each read) in seconds, so a
    slow endpoint cannot hold a query forever: rdflib's ``SERVICE`` sets none.

    Examples
    --------
    >>> policy = FederationPolicy(("https://query.wikidata.org/sparql",))
    >>> policy.allows_url("https://query.wikidata.org/sparql?query=ASK%7B%7D")
    True
    >>> policy.allows_url("https://query.wikidata.org.evil.example/sparql")
    False
    >>> policy.allows_url("https://query.wikidata.org/sparql/../admin")
    False
    >>> policy.allows_address("127.0.0.1")
    False
    """

    prefixes: tuple[str, ...] = ()
    trusted_addresses: frozenset[str] = field(default_factory=frozenset)
    timeout: float = 30.0

    @classmethod
    def from_options(cls, prefixes: Iterable[str], trusted: Iterable[str] = ()) -> FederationPolicy | None:
        """The policy of ``--federate PREFIX`` and ``--federate-trust ADDRESS`` options (``None`` when none is given).

        A prefix must be an ``http(s)`` URL with a host and no user name, query or
        fragment; a trusted address must be an IP address (a name could resolve to
        anything). A bad value raises :class:`~cmkg.errors.CmkgError` naming it.

        Examples
        --------
        >>> FederationPolicy.from_options(["https://query.wikidata.org/sparql"]).prefixes
        ('https://query.wikidata.org/sparql',)
        >>> FederationPolicy.from_options([]) is None
        True
        >>> FederationPolicy.from_options(["query.wikidata.org"])
        Traceback (most recent call last):
        ...
        cmkg.errors.CmkgError: --federate 'query.wikidata.org' is not an endpoint URL such as https://query.wikidata.org/sparql
        """
        from cmkg.errors import CmkgError

        listed = tuple(dict.fromkeys(p.strip() for p in prefixes))
        addresses: list[str] = []
        for address in trusted:
            try:
                addresses.append(str(ipaddress.ip_address(address.strip().strip("[]"))))
            except ValueError:
                raise CmkgError(
                    f"--federate-trust {address!r} is not an IP address (give your own store's address, e.g. 127.0.0.1)"
                ) from None
        if not listed:
            if addresses:
                raise CmkgError("--federate-trust needs --federate: trusting an address only lets a listed endpoint use it")
            return None
        for prefix in listed:
            parts = urlsplit(prefix)
            try:
                parts.port
            except ValueError:
                parts = urlsplit("")
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc or parts.query or parts.fragment:
                raise CmkgError(f"--federate {prefix!r} is not an endpoint URL such as https://query.wikidata.org/sparql")
        return cls(listed, frozenset(addresses))

    def describe(self) -> str:
        """One sentence saying what the policy lets ``SERVICE`` reach.

        Examples
        --------
        >>> FederationPolicy(("https://query.wikidata.org/sparql",)).describe()
        'SERVICE may reach endpoints under https://query.wikidata.org/sparql (never a loopback, private or link-local address); FROM/FROM NAMED with a remote IRI is refused.'
        """
        if not self.prefixes:
            return "SERVICE and FROM/FROM NAMED with a remote IRI are refused."
        # the trusted addresses are the operator's network: say that there are some, not which
        trust = ", except addresses the operator trusts" if self.trusted_addresses else ""
        return (
            f"SERVICE may reach endpoints under {', '.join(self.prefixes)} "
            f"(never a loopback, private or link-local address{trust}); FROM/FROM NAMED with a remote IRI is refused."
        )

    def allows_url(self, url: str) -> bool:
        scheme, host, port, path = _origin(url)
        if scheme not in ("http", "https") or not host or "@" in urlsplit(url).netloc:
            return False
        # a server resolves /sparql/../admin to /admin: dot segments would step out of a prefix
        if any(seg.lower().replace("%2e", ".") in (".", "..") for seg in path.split("/")):
            return False
        for prefix in self.prefixes:
            p_scheme, p_host, p_port, p_path = _origin(prefix)
            if (scheme, host, port) != (p_scheme, p_host, p_port):
                continue
            if path == p_path or path.startswith(p_path if p_path.endswith("/") else p_path + "/"):
                return True
        return False

    def allows_host(self, host: str) -> bool:
        host = host.lower().strip("[]")
        return any(_origin(p)[1] == host for p in self.prefixes)

    def allows_address(self, address: str) -> bool:
        return address in self.trusted_addresses or is_public_address(address)

    def allows_port(self, port: int) -> bool:
        return any(_origin(p)[2] == port for p in self.prefixes)


# The guard: a process-wide audit hook (PEP 578) that does nothing unless the
# current context has entered egress_guard(). Audit hooks see every socket and
# urllib request Python makes, so the guard holds whichever library (rdflib's
# SERVICE and JSON-LD loader, SPARQLWrapper, http.client) tries to connect.
_NO_POLICY = FederationPolicy()
_ACTIVE: ContextVar[FederationPolicy | None] = ContextVar("cmkg_egress_guard", default=None)
_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo", "urllib.Request"})
_install_lock = threading.Lock()
_installed = False


def _refuse(what: str, policy: FederationPolicy) -> QueryRefused:
    if policy.prefixes:
        return QueryRefused(
            f"outbound request to {what} refused: federation allows only listed endpoints, "
            "never a loopback, private or link-local address unless trusted"
        )
    return QueryRefused(f"outbound request to {what} refused: cmkg makes no network requests here unless federation allows it")


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event not in _EVENTS:
        return
    policy = _ACTIVE.get()
    if policy is None:
        return
    if event == "urllib.Request":
        url = str(args[0])
        if not policy.allows_url(url):
            raise _refuse(url, policy)
    elif event == "socket.getaddrinfo":
        host = args[0].decode() if isinstance(args[0], bytes) else str(args[0] or "")
        if not policy.allows_host(host):
            raise _refuse(f"host {host!r}", policy)
    else:  # connect / sendto / sendmsg: judge the address actually used
        sock, address = args[0], args[1] if len(args) > 1 else None
        family = getattr(sock, "family", None)
        if family is not None and int(family) not in (2, 10):  # AF_INET, AF_INET6; unix sockets are local IPC
            return
        if not isinstance(address, tuple) or not address:
            raise _refuse(repr(address), policy)
        host, port = str(address[0]), address[1] if len(address) > 1 else 0
        if not policy.prefixes or not policy.allows_address(host) or not policy.allows_port(port):
            raise _refuse(f"{host}:{port}", policy)
        # urllib (rdflib's SERVICE) sets no timeout: bound every wait on this socket
        if policy.timeout and event == "socket.connect" and sock.gettimeout() is None:
            sock.settimeout(policy.timeout)


def install_egress_hook() -> None:
    """Install the audit hook behind :func:`egress_guard` now (it holds nothing until a guard is entered).

    A process that forks workers calls this first, so that no worker ever has to
    take the lock that installing needs.
    """
    _install()


def _install() -> None:
    global _installed
    if _installed:  # the common case takes no lock (and so is safe in a forked child)
        return
    with _install_lock:
        if not _installed:
            sys.addaudithook(_audit)
            _installed = True


@contextmanager
def egress_guard(policy: FederationPolicy | None = None) -> Iterator[None]:
    """Within the block, outbound network requests fail with :class:`~cmkg.errors.QueryRefused`.

    With no ``policy`` every connection, DNS lookup and URL request is refused;
    with one, only what it allows. The guard follows the current thread or task
    (a ``ContextVar``): other threads, such as a web server's, are unaffected.

    Examples
    --------
    >>> import urllib.request
    >>> with egress_guard():
    ...     urllib.request.urlopen("http://127.0.0.1:9/")
    Traceback (most recent call last):
    ...
    cmkg.errors.QueryRefused: outbound request to http://127.0.0.1:9/ refused: cmkg makes no network requests here unless federation allows it
    """
    _install()
    token = _ACTIVE.set(policy if policy is not None else _NO_POLICY)
    try:
        yield
    finally:
        _ACTIVE.reset(token)
