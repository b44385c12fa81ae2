"""No outbound requests: SERVICE, LOAD, owl:imports and a remote JSON-LD @context never make the
server connect anywhere. Each test opens a real listening socket on 127.0.0.1 and, after the
request has been answered, checks with an accept() timeout in a thread that no connection came."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from support.constants import WRITE


class Listener:
    """A listening socket that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self.sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(1.0)
                try:
                    self.connections.append(conn.recv(200) or b"(connected)")
                except OSError:
                    self.connections.append(b"(connected)")

    def close(self) -> list[bytes]:
        """Wait one more accept period for a late connection, stop, and return what came."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()
        return self.connections


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


@pytest.fixture
def out_app(make_secure_app):
    return make_secure_app()


def test_pyoxigraph_itself_would_connect(listener):
    """The control: without the guard, pyoxigraph's SERVICE does open a connection."""
    import pyoxigraph as ox

    with pytest.raises(OSError):
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"))
    assert listener.close()


def test_oxigraph_serve_itself_would_connect(oxigraph_server, listener):
    """The control on the remote backend: ``oxigraph serve`` follows SERVICE as well, so the
    guard in front of it matters there as much."""
    query = f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    request = urllib.request.Request(
        f"{oxigraph_server.url}/query?{urlencode({'query': query})}",
        headers={"Accept": "application/sparql-results+json"},
    )
    try:  # it fails, with an error status or a cut stream: the connection is what matters
        with urllib.request.urlopen(request, timeout=60) as answer:
            answer.read()
    except (urllib.error.HTTPError, OSError) as failed:
        if isinstance(failed, urllib.error.HTTPError):
            failed.close()
    assert listener.close()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        "PREFIX r: <{url}> SELECT * WHERE {{ SERVICE r: {{ ?s ?p ?o }} }}",
        "select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        "ASK {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    ],
)
def test_service_makes_no_connection(out_app, listener, query):
    r = out_app.test_client().get("/sparql", query_string={"query": query.format(url=listener.url)})
    assert r.status_code == 400
    assert r.get_json()["type"].endswith("outbound-request-refused")
    assert listener.close() == []


def test_service_in_an_update_makes_no_connection(out_app, listener):
    update = (
        f"INSERT {{ GRAPH <urn:g> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{listener.url}> "
        "{ ?s ?p ?o } }"
    )
    r = out_app.test_client().post("/sparql", data={"update": update}, headers=WRITE)
    assert r.status_code == 400
    assert listener.close() == []


@pytest.mark.parametrize("form", ["LOAD <{url}>", "LOAD SILENT <{url}> INTO GRAPH <urn:g>"])
def test_load_makes_no_connection(out_app, listener, form):
    r = out_app.test_client().post(
        "/sparql", data={"update": form.format(url=listener.url)}, headers=WRITE
    )
    assert r.status_code == 400
    assert r.get_json()["type"].endswith("outbound-request-refused")
    assert listener.close() == []


def _case_with_import(url: str) -> str:
    return f"""
@prefix pal: <https://w3id.org/palermo/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
<https://example.org/onto> a owl:Ontology ; owl:imports <{url}onto.ttl> .
<https://example.org/case/imp1> a pal:Case ;
    pal:act [ a pal:Recruitment ] ; pal:means [ a pal:Deception ] ;
    pal:purpose [ a pal:ForcedLabour ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 30 ] .
"""


@pytest.mark.parametrize("route", ["/classify", "/validate", "/data"])
def test_owl_imports_are_not_fetched(out_app, listener, route):
    client = out_app.test_client()
    body = _case_with_import(listener.url)
    if route == "/data":
        r = client.put(
            "/data?graph=https://example.org/g/imp",
            data=body,
            content_type="text/turtle",
            headers=WRITE,
        )
        assert r.status_code == 201
    else:
        r = client.post(route, data=body, content_type="text/turtle")
        assert r.status_code == 200, r.text
    assert listener.close() == []


def _jsonld_with_remote_context(url: str) -> bytes:
    return json.dumps(
        {
            "@context": f"{url}context.jsonld",
            "@id": "https://example.org/case/ctx1",
            "@type": "https://w3id.org/palermo/ontology#Case",
        }
    ).encode()


@pytest.mark.parametrize("route", ["/classify", "/validate", "/data"])
def test_remote_jsonld_context_is_not_fetched(out_app, listener, route):
    client = out_app.test_client()
    body = _jsonld_with_remote_context(listener.url)
    if route == "/data":
        r = client.put(
            "/data?graph=https://example.org/g/ctx",
            data=body,
            content_type="application/ld+json",
            headers=WRITE,
        )
    else:
        r = client.post(route, data=body, content_type="application/ld+json")
    assert r.status_code in {400, 422}, r.text  # refused: the context cannot be loaded
    assert r.mimetype == "application/problem+json"
    assert listener.close() == []


def test_xml_external_entity_is_not_fetched(out_app, listener):
    body = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{listener.url}x">]>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:p="http://example.org/"><rdf:Description rdf:about="http://example.org/a">'
        "<p:p>&x;</p:p></rdf:Description></rdf:RDF>"
    )
    r = out_app.test_client().post("/classify", data=body, content_type="application/rdf+xml")
    assert r.status_code == 400
    assert r.get_json()["type"].endswith("doctype-refused")
    assert listener.close() == []


def test_an_allow_listed_service_is_let_through(store_backend, make_secure_app, listener):
    """The allow-list (OUTBOUND_ALLOW) is the only way out; the guard then lets the store go.
    On the remote store the SERVICE call fails after the store has answered 200: its error text
    ends the results, and the caller gets the same 400 as on the embedded store."""
    app = make_secure_app(OUTBOUND_ALLOW=listener.url)
    q = f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    r = app.test_client().get("/sparql", query_string={"query": q})
    assert r.status_code == 400  # our listener does not speak HTTP: the call fails
    assert r.get_json()["type"].endswith("malformed-query")
    assert listener.close()
