"""Requirement 3, federation when a user allows it: listed endpoints only, never a private address.

The federated endpoint is a real ``oxigraph serve`` on 127.0.0.1 (trusted by the
policy as a stand-in for a public store); every refusal is proved by a real TCP
listener that must see zero connections.
"""

from __future__ import annotations

import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from rdflib import Dataset, Literal, URIRef

from cmkg import KnowledgeGraph
from cmkg.engine.guarded import GuardedEngine
from cmkg.engine.oxigraph import OxigraphEngine
from cmkg.errors import CmkgError, QueryRefused
from cmkg.safety import FederationPolicy
from plugins.remote import OxigraphServer, free_port
from plugins.server import cmkg_serve
from test_security_egress import Listener

GRAPH = "urn:cmkg-test:federation"
VALUE = "reached through SERVICE"


@pytest.fixture()
def listener() -> Iterator[Listener]:
    it = Listener()
    yield it
    it.close()


@pytest.fixture(scope="module")
def store(oxigraph_server: OxigraphServer) -> OxigraphServer:
    """The session's Oxigraph server holding one triple of our own (in a graph publish never drops)."""
    update = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:cmkg-test:s> <urn:cmkg-test:p> "{VALUE}" }} }}'
    request = urllib.request.Request(
        oxigraph_server.update_url, data=update.encode(), headers={"Content-Type": "application/sparql-update"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 204)
    return oxigraph_server


def service_query(url: str) -> str:
    return f"SELECT ?o WHERE {{ SERVICE <{url}> {{ ?s <urn:cmkg-test:p> ?o }} }}"


def trusted(url: str) -> FederationPolicy:
    return FederationPolicy((url,), frozenset({"127.0.0.1"}))


@pytest.fixture(scope="module")
def small() -> Dataset:
    ds = Dataset(default_union=True)
    ds.add((URIRef("urn:local:s"), URIRef("urn:local:p"), Literal("local")))
    return ds


# --- no policy: nothing leaves ------------------------------------------------------------


def test_without_a_policy_no_engine_connects(small: Dataset, listener: Listener, server_client) -> None:  # type: ignore[no-untyped-def]
    text = service_query(f"{listener.url}/sparql")
    engines = [
        KnowledgeGraph.from_dataset(small).engine,
        OxigraphEngine.open([]),
        GuardedEngine(small, timeout=10),
        GuardedEngine(KnowledgeGraph.from_dataset(small).engine, timeout=10, allow_remote=True),  # as `cmkg sparql` had it
        GuardedEngine(OxigraphEngine.open([]), timeout=10, allow_remote=True),
    ]
    for engine in engines:
        with pytest.raises(QueryRefused, match="SERVICE"):
            engine.query(text)
    response = server_client.get("/sparql", params={"query": text})
    assert response.status_code == 403 and "SERVICE" in response.json()["error"]["message"]
    assert listener.connections == 0


# --- a policy: listed endpoints, public addresses -------------------------------------------


def test_listed_but_loopback_is_refused(small: Dataset, listener: Listener) -> None:
    url = f"{listener.url}/sparql"
    policy = FederationPolicy((url,))  # listed, not trusted
    for engine in (KnowledgeGraph.from_dataset(small, federation=policy).engine, GuardedEngine(small, 10, federation=policy)):
        with pytest.raises(QueryRefused, match="127.0.0.1 is a loopback, private or link-local address"):
            engine.query(service_query(url))
    # a name resolving to loopback passes the text check and is stopped at the address connected to
    named = f"http://localhost:{listener.port}/sparql"
    for engine in (
        KnowledgeGraph.from_dataset(small, federation=FederationPolicy((named,))).engine,
        GuardedEngine(small, 10, federation=FederationPolicy((named,))),
    ):
        with pytest.raises(QueryRefused, match="refused"):
            engine.query(service_query(named))
    assert listener.connections == 0


def test_a_trusted_listed_store_answers(small: Dataset, store: OxigraphServer) -> None:
    policy = trusted(store.query_url)
    local = KnowledgeGraph.from_dataset(small, federation=policy)
    table = local.sparql(service_query(store.query_url))
    assert [str(row[0]) for row in table.rows] == [VALUE]
    guarded = GuardedEngine(local.engine, timeout=20)  # the policy comes from the inner engine
    assert [str(row[0]) for row in guarded.query(service_query(store.query_url)).rows] == [VALUE]
    # joined with the local data
    joined = local.sparql(
        "SELECT ?l ?o WHERE { <urn:local:s> <urn:local:p> ?l . "
        f"SERVICE <{store.query_url}> {{ ?s <urn:cmkg-test:p> ?o }} }}"
    )
    assert [(str(a), str(b)) for a, b in joined.rows] == [("local", VALUE)]


def test_oxigraph_engine_never_federates(store: OxigraphServer) -> None:
    policy = trusted(store.query_url)
    for engine in (OxigraphEngine.open([], federation=policy), GuardedEngine(OxigraphEngine.open([]), 10, federation=policy)):
        with pytest.raises(QueryRefused, match="oxigraph engine even with federation on"):
            engine.query(service_query(store.query_url))


@pytest.mark.parametrize(
    "endpoint",
    [
        "{base}/sparqlx",  # the path is not a prefix segment
        "{base}/sparql/../admin",
        "http://127.0.0.1.nip.io:{port}/sparql",  # look-alike host
        "http://127.0.0.2:{port}/sparql",
        "https://127.0.0.1:{port}/sparql",  # scheme
        "http://127.0.0.1:{other}/sparql",  # port
        "http://user@127.0.0.1:{port}/sparql",
    ],
)
def test_prefix_boundaries_are_refused_before_any_connection(small: Dataset, listener: Listener, endpoint: str) -> None:
    policy = FederationPolicy((f"{listener.url}/sparql",), frozenset({"127.0.0.1", "127.0.0.2"}))
    url = endpoint.format(base=listener.url, port=listener.port, other=free_port())
    for engine in (KnowledgeGraph.from_dataset(small, federation=policy).engine, GuardedEngine(small, 10, federation=policy)):
        with pytest.raises(QueryRefused) as info:
            engine.query(service_query(url))
        assert "\n" not in str(info.value)
    assert listener.connections == 0


@pytest.mark.parametrize(
    "text, message",
    [
        ("SELECT * WHERE {{ SERVICE ?e {{ ?s ?p ?o }} }}", "variable endpoint cannot be checked"),
        ("SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}", "variable endpoint cannot be checked"),
        ("SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}", "does not fetch remote graphs, even with federation on"),
        ("SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", "does not fetch remote graphs"),
        ("SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}", "SERVICE SILENT is refused"),
        ("SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} SERVICE <{url}> {{ ?a ?b ?c }} }}", "several SERVICE clauses"),
        # rdflib would send the clause to the first SERVICE-like text, here inside a string
        ('SELECT * WHERE {{ BIND("SERVICE <{evil}> {{ }}" AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}', "would send it elsewhere"),
        ("PREFIX e: <{url}> SELECT * WHERE {{ SERVICE e: {{ ?s ?p ?o }} }}", r"full http\(s\) IRI"),
    ],
)
def test_what_cannot_be_checked_is_refused(small: Dataset, listener: Listener, text: str, message: str) -> None:
    url = f"{listener.url}/sparql"
    evil = Listener()
    try:
        policy = trusted(url)
        query = text.format(url=url, evil=f"{evil.url}/sparql")
        for engine in (KnowledgeGraph.from_dataset(small, federation=policy).engine, GuardedEngine(small, 10, federation=policy)):
            with pytest.raises(QueryRefused, match=message):
                engine.query(query)
        assert evil.connections == 0
    finally:
        evil.close()
    assert listener.connections == 0


# --- redirects are judged again --------------------------------------------------------------


class _Redirect(BaseHTTPRequestHandler):
    target = ""
    hits = 0

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        type(self).hits += 1
        self.send_response(302)
        self.send_header("Location", type(self).target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_GET  # noqa: N815 - rdflib POSTs a SERVICE query of 600 characters or more

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def redirect(listener: Listener) -> Iterator[tuple[str, type[_Redirect]]]:
    handler = type("Handler", (_Redirect,), {"hits": 0, "target": f"{listener.url}/sparql"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", handler
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize("how", ["memory", "guarded"])
def test_a_redirect_to_an_unlisted_url_is_refused(small: Dataset, listener: Listener, redirect, how: str) -> None:  # type: ignore[no-untyped-def]
    url, handler = redirect
    policy = trusted(url)
    engine = KnowledgeGraph.from_dataset(small, federation=policy).engine if how == "memory" else GuardedEngine(small, 10, federation=policy)
    with pytest.raises(QueryRefused, match=f"outbound request to {listener.url}/sparql.* refused"):
        engine.query(service_query(url))
    assert handler.hits == 1  # the listed, trusted hop was made ...
    assert listener.connections == 0  # ... the redirect was not


# --- the server and the command line ------------------------------------------------------------


@pytest.fixture(scope="module")
def federating_server(store: OxigraphServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``cmkg serve --federate STORE --federate-trust 127.0.0.1`` on a free port, stopped by its pid."""
    log = tmp_path_factory.mktemp("federating-server") / "server.log"
    with cmkg_serve(["--timeout", "20", "--federate", store.query_url, "--federate-trust", "127.0.0.1"], log) as url:
        yield url


def test_the_server_federates_only_what_it_lists(federating_server: str, store: OxigraphServer, listener: Listener) -> None:
    answer = httpx.get(
        federating_server + "sparql", params={"query": service_query(store.query_url)},
        headers={"Accept": "application/sparql-results+json"}, timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert [b["o"]["value"] for b in answer.json()["results"]["bindings"]] == [VALUE]
    refused = httpx.get(federating_server + "sparql", params={"query": service_query(f"{listener.url}/sparql")}, timeout=30)
    assert refused.status_code == 403 and f"{listener.url}/sparql" in refused.json()["error"]["message"]
    assert listener.connections == 0
    description = httpx.get(federating_server + "sparql", headers={"Accept": "text/turtle"}, timeout=30).text
    assert "BasicFederatedQuery" in description and store.query_url in description
    assert "127.0.0.1\"" not in description.replace(store.query_url, "")  # trusted addresses are not advertised


def test_the_default_service_description_says_nothing_is_fetched(server_client) -> None:  # type: ignore[no-untyped-def]
    description = server_client.get("/sparql", headers={"Accept": "text/turtle"}).text
    assert "SERVICE and FROM/FROM NAMED with a remote IRI are refused." in description
    assert "BasicFederatedQuery" not in description


def test_cmkg_sparql_federates(run_cmkg, store: OxigraphServer, listener: Listener) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cmkg(
        "sparql", service_query(store.query_url), "--format", "csv",
        "--federate", store.query_url, "--federate-trust", "127.0.0.1",
    )
    assert code == 0, err
    assert out.splitlines() == ["o", VALUE]
    code, out, err = run_cmkg("sparql", service_query(f"{listener.url}/sparql"), "--federate", store.query_url)
    assert code == 1 and "Traceback" not in err
    assert listener.connections == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--federate", "query.wikidata.org"], "--federate 'query.wikidata.org' is not an endpoint URL"),
        (["--federate", "http://a.example/sparql", "--federate-trust", "my-store"], "--federate-trust 'my-store' is not an IP address"),
        (["--federate-trust", "127.0.0.1"], "--federate-trust needs --federate"),
        (["--federate", "http://a.example/sparql", "--engine", "oxigraph"], "--federate needs --engine memory"),
        (["--federate", "http://a.example/sparql", "--endpoint", "http://127.0.0.1:9/sparql"], "with --endpoint the remote store decides"),
        ([], "SERVICE (federated query) is refused"),
        (["--federate", "http://a.example/sparql"], "federation allows only endpoints under http://a.example/sparql"),
    ],
)
def test_cli_errors_are_one_sentence(run_cmkg, listener: Listener, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cmkg("sparql", service_query(f"{listener.url}/sparql"), *args)
    assert code == 1 and message in " ".join(err.split()), err
    assert "Traceback" not in err and len([line for line in err.splitlines() if line.strip()]) <= 3
    assert listener.connections == 0


def test_cmkg_query_takes_the_same_options(run_cmkg) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cmkg("query", "practices-in-city", "-p", "city=Toronto", "--federate", "ftp://x")
    assert code == 1 and "--federate 'ftp://x' is not an endpoint URL" in " ".join(err.split())
    code, out, _ = run_cmkg("query", "practices-in-city", "-p", "city=Toronto", "--format", "csv",
                            "--federate", "https://query.wikidata.org/sparql")
    assert code == 0 and len(out.splitlines()) > 1


def test_serve_allow_remote_is_for_endpoint_only(run_cmkg) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cmkg("serve", "--allow-remote", "--port", str(free_port()))
    assert code == 1 and "--allow-remote applies to --endpoint only" in " ".join(err.split())


def test_a_policy_bounds_each_wait(small: Dataset) -> None:
    """A federated endpoint that accepts and never answers cannot hold the query past the policy's timeout."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/sparql"
    try:
        policy = FederationPolicy((url,), frozenset({"127.0.0.1"}), timeout=0.5)
        # in a worker killed at 20 s: without the policy's timeout this fails with QueryTimeout, never hangs
        with pytest.raises(CmkgError, match=f"SERVICE <{url}> could not be queried"):
            GuardedEngine(small, timeout=20, federation=policy).query(service_query(url))
    finally:
        silent.close()


def test_parameters_cannot_name_an_endpoint(small: Dataset, listener: Listener) -> None:
    url = f"{listener.url}/sparql"
    engine = KnowledgeGraph.from_dataset(small, federation=trusted(url)).engine
    with pytest.raises(QueryRefused, match="variable endpoint"):
        engine.query("SELECT * WHERE { SERVICE ?e { ?s ?p ?o } }", {"e": URIRef(url)})
    assert urllib.parse.urlsplit(url).port == listener.port and listener.connections == 0
