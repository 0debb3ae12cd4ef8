"""Verbs that publish the graph: serve (the explorer), export (dumps), site (static linked-data site)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated, Optional

import typer

from cmkg.cli.app import console, verb
from cmkg.cli.common import EndpointOpt, EngineOpt, StoreOpt, open_kg
from cmkg.errors import CmkgError
from cmkg.safety import FederationPolicy


def _check_port(host: str, port: int) -> None:
    """Fail with one sentence before loading anything if the address is taken."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise CmkgError(f"--host {host!r} is not an address this machine can listen on") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as err:
            raise CmkgError(f"cannot listen on {host}:{port} ({err.strerror}); pass another --port") from None


FederateOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--federate",
        help="Let SERVICE reach endpoints under this URL prefix (repeatable; memory engine only; never a loopback, private or link-local address).",
        metavar="PREFIX",
    ),
]
FederateTrustOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--federate-trust",
        help="Let a --federate endpoint be on this loopback or private IP address, e.g. your own store (repeatable).",
        metavar="ADDRESS",
    ),
]


def federation_policy(
    prefixes: list[str] | None, trusted: list[str] | None, endpoint: str | None, engine: str
) -> FederationPolicy | None:
    """The policy of --federate/--federate-trust, refused with one sentence where it cannot hold."""
    policy = FederationPolicy.from_options(prefixes or [], trusted or [])
    if policy is None:
        return None
    if endpoint:
        raise CmkgError("--federate is for the embedded graph; with --endpoint the remote store decides what SERVICE may reach")
    if engine != "memory":
        raise CmkgError(
            f"--federate needs --engine memory: the {engine} engine's own HTTP client cannot be held to the policy (resolved address, redirects)"
        )
    return policy


AddOpt = Annotated[
    Optional[list[Path]], typer.Option("--add", help="Also load this RDF file (repeatable), e.g. your own additions.", metavar="FILE")
]


def _open(endpoint: str | None, engine: str, store: Path | None, add: list[Path] | None, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    if add and endpoint:
        raise CmkgError("--add and --endpoint cannot be used together (load the files into the remote store instead)")
    if add:
        from cmkg.kg import KnowledgeGraph

        return KnowledgeGraph.load(engine=engine, path=store, extra=add)
    return open_kg(endpoint, engine, store, timeout=timeout)


@verb("serve", "Start the linked-data explorer: pages, SPARQL endpoint, API, dumps.", "cmkg serve --port 8000")
def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    timeout: Annotated[float, typer.Option("--timeout", help="Hard limit per query in seconds (clients may ask for less).", min=0.1)] = 30.0,
    max_rows: Annotated[int, typer.Option("--max-rows", help="Most rows (or triples) a query returns; longer results are cut and flagged.", min=1)] = 10_000,
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="With --endpoint: pass SERVICE and remote FROM on to that store, which applies its own policy (the embedded graph uses --federate).")] = False,
    federate: FederateOpt = None,
    federate_trust: FederateTrustOpt = None,
    cache_mb: Annotated[float, typer.Option("--cache-mb", help="Memory for answers to repeated GET requests, in MB (0: no cache). The embedded graph cannot change while served, so its answers never go stale.", min=0)] = 64.0,
    public_url: Annotated[Optional[str], typer.Option("--public-url", help="The address users reach the explorer at, for links in the dataset description.", metavar="URL")] = None,
    add: AddOpt = None,
    endpoint: EndpointOpt = None,
    engine: EngineOpt = "memory",
    store: StoreOpt = None,
) -> None:
    """Serve the graph as linked data until Ctrl+C.

    Every resource IRI https://w3id.org/cmkg/id/KIND/SLUG is served at /id/KIND/SLUG (HTML for browsers,
    Turtle, JSON-LD, N-Triples or RDF/XML by Accept or suffix); /sparql is a read-only SPARQL 1.1 endpoint;
    /-/query is a query editor; /api/queries/NAME runs a named query; /.well-known/void describes the dataset.
    With --endpoint the explorer fronts a remote SPARQL store instead of the embedded graph.
    Queries make no outbound request unless --federate lists the endpoints SERVICE may reach.
    """
    import uvicorn

    from cmkg.server import ServerSettings, create_app

    if allow_remote and not endpoint:
        raise CmkgError("--allow-remote applies to --endpoint only; to let the embedded graph federate, give --federate PREFIX")
    policy = federation_policy(federate, federate_trust, endpoint, engine)
    _check_port(host, port)
    kg = _open(endpoint, engine, store, add, timeout)
    settings = ServerSettings(
        timeout=timeout, max_rows=max_rows, allow_remote=allow_remote, public_url=public_url, cache_mb=cache_mb,
        federation=policy,
    )
    app = create_app(kg, settings)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    console.print(f"[bold green]cmkg explorer[/] at [link={url}]{url}[/link]", highlight=False, soft_wrap=True)
    console.print(f"  SPARQL endpoint {url}sparql · query editor {url}-/query · dataset {url}.well-known/void", highlight=False, soft_wrap=True)
    if policy is not None:
        console.print(f"  federation: {policy.describe()}", style="dim", highlight=False, soft_wrap=True)
    console.print(f"  queries stop after {timeout:g} s and return at most {max_rows:,} rows; Ctrl+C stops the server", style="dim", highlight=False, soft_wrap=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@verb("export", "Write the graph as a dump in one RDF serialisation.", "cmkg export --format nq -o build/cmkg.nq")
def export_cmd(
    out: Annotated[Path, typer.Option("--output", "-o", help="File to write (written whole or not at all).")],
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="ttl, nt, nq, trig, jsonld or xml (default: from the file suffix). nq and trig keep the named graphs.")] = None,
    endpoint: EndpointOpt = None,
    engine: EngineOpt = "memory",
    store: StoreOpt = None,
) -> None:
    """Serialise the ontology and graph to FILE; N-Quads and TriG keep one named graph per source file."""
    from cmkg.export import export, normalise_format

    if fmt is not None:
        normalise_format(fmt)  # a bad --format fails before the graph is loaded
    kg = open_kg(endpoint, engine, store)
    path = export(kg.dataset, out, fmt)
    console.print(f"wrote {path} ({path.stat().st_size:,} bytes)", highlight=False)


@verb("site", "Write a static linked-data site: a page and .ttl/.jsonld per resource, ontology, VoID, dumps.", "cmkg site -o build/site")
def site_cmd(
    out: Annotated[Path, typer.Option("--output", "-o", help="Folder to write (replaced whole when the build succeeds).")] = Path("build/site"),
    base_url: Annotated[str, typer.Option("--base-url", help="Where the site will be published, for the links in its dataset description.", metavar="URL")] = "https://w3id.org/cmkg/",
    sparql_url: Annotated[Optional[str], typer.Option("--sparql-url", help="A public SPARQL endpoint serving the same data, to name in the dataset description.", metavar="URL")] = None,
    add: AddOpt = None,
    endpoint: EndpointOpt = None,
    engine: EngineOpt = "memory",
    store: StoreOpt = None,
) -> None:
    """Build a static copy of the explorer that any static host can serve and a browser can open from disk."""
    from cmkg.site import build_site

    kg = _open(endpoint, engine, store, add)
    with console.status("writing the site…"):
        report = build_site(kg, out, base_url=base_url, sparql_url=sparql_url)
    console.print(f"wrote {report.pages:,} pages and {report.files:,} files to {report.root} ({report.bytes:,} bytes)", highlight=False)
    console.print(f"open {report.root / 'index.html'} in a browser, or publish the folder on any static host", style="dim", highlight=False, soft_wrap=True)

