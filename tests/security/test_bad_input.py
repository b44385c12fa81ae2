"""Every bad input of README.md "Bad input and what it gets", one test per row.

Each row: what is sent, where, and the answer (status and problem type). A crash, a hang or a 500
fails the test; so does a change to the store.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest

from security.conftest import WRONG, security_config
from support.constants import READ, WRITE
from support.graphs import store_snapshot

LIMIT = 100_000  # MAX_BODY_BYTES in this module
RDF_XML_HEAD = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:p="http://example.org/">'
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
    + RDF_XML_HEAD
    + '<rdf:Description rdf:about="http://example.org/a"><p:p>&lol9;</p:p>'
    + "</rdf:Description></rdf:RDF>"
)
DEEP_XML = (
    RDF_XML_HEAD
    + '<rdf:Description rdf:about="http://example.org/a">'
    + "<p:p><rdf:Description>" * 1_500
    + "</rdf:Description></p:p>" * 1_500
    + "</rdf:Description></rdf:RDF>"
)


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str
    status: int
    problem: str
    body: bytes | str | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)


TTL = "text/turtle"
Q = "application/sparql-query"
ROWS = [
    Row(
        "malformed Turtle",
        "POST",
        "/classify",
        400,
        "invalid-input",
        '@prefix ex: <http://example.org/> .\nex:a ex:b "open .\n',
        TTL,
    ),
    Row(
        "wrong Content-Type",
        "POST",
        "/classify",
        415,
        "unsupported-media-type",
        "<a> <b> <c> .",
        "text/html",
    ),
    Row(
        "no Content-Type on POST /sparql",
        "POST",
        "/sparql",
        415,
        "unsupported-media-type",
        "SELECT * {}",
        None,
    ),
    Row(
        "body over MAX_BODY_BYTES",
        "POST",
        "/classify",
        413,
        "payload-too-large",
        "# " + "x" * (LIMIT + 10),
        TTL,
    ),
    Row(
        "huge literal (over the body limit)",
        "PUT",
        "/data",
        413,
        "payload-too-large",
        '<http://example.org/a> <http://example.org/b> "' + "x" * (LIMIT * 2) + '" .',
        TTL,
        WRITE,
        {"graph": "http://example.org/g"},
    ),
    Row(
        "invalid IRI in Turtle",
        "POST",
        "/classify",
        400,
        "invalid-input",
        "<http://exa mple.org/a> <http://example.org/b> <http://example.org/c> .",
        TTL,
    ),
    Row(
        "invalid IRI in ?graph=", "GET", "/data", 400, "bad-request", query={"graph": "not an iri"}
    ),
    Row(
        "invalid IRI in default-graph-uri",
        "GET",
        "/sparql",
        400,
        "bad-request",
        query={"query": "SELECT * {}", "default-graph-uri": "<bad>"},
    ),
    Row(
        "invalid UTF-8 in Turtle",
        "POST",
        "/validate",
        400,
        "invalid-input",
        b'<http://example.org/a> <http://example.org/b> "\xff\xfe" .',
        TTL,
    ),
    Row(
        "invalid UTF-8 in a query",
        "POST",
        "/sparql",
        400,
        "bad-request",
        b'SELECT * { ?s ?p "\xff" }',
        Q,
    ),
    Row(
        "SPARQL syntax error",
        "GET",
        "/sparql",
        400,
        "malformed-query",
        query={"query": "SELECT ?x WHERE { ?x ?y }"},
    ),
    Row(
        "SPARQL nested 40,000 groups deep",
        "POST",
        "/sparql",
        400,
        "too-deeply-nested",
        "SELECT * WHERE " + "{" * 40_000 + "}" * 40_000,
        Q,
    ),
    Row(
        "SPARQL nested 40,000 parentheses deep",
        "POST",
        "/sparql",
        400,
        "too-deeply-nested",
        "SELECT * { FILTER(" + "(" * 40_000 + "1" + ")" * 40_000 + ") }",
        Q,
    ),
    Row(
        "Turtle collections nested 1,000 deep",
        "POST",
        "/classify",
        400,
        "too-deeply-nested",
        "<http://example.org/a> <http://example.org/b> " + "(" * 1000 + ")" * 1000 + " .",
        TTL,
    ),
    Row(
        "JSON-LD nested 5,000 objects deep",
        "POST",
        "/classify",
        400,
        "too-deeply-nested",
        '{"@id": "http://example.org/a", "http://example.org/p": '
        + '{"http://e/p": ' * 5_000
        + "1"
        + "}" * 5_000
        + "}",
        "application/ld+json",
    ),
    Row(
        "RDF/XML billion laughs",
        "POST",
        "/classify",
        400,
        "doctype-refused",
        BILLION_LAUGHS,
        "application/rdf+xml",
    ),
    Row(
        "RDF/XML nested 1,500 elements deep",
        "POST",
        "/validate",
        400,
        "too-deeply-nested",
        DEEP_XML,
        "application/rdf+xml",
    ),
    Row(
        "SERVICE in a query",
        "GET",
        "/sparql",
        400,
        "outbound-request-refused",
        query={"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"},
    ),
    Row(
        "LOAD in an update",
        "POST",
        "/sparql",
        400,
        "outbound-request-refused",
        "LOAD <http://127.0.0.1:9/x.ttl>",
        "application/sparql-update",
        WRITE,
    ),
    Row(
        "unknown graph",
        "GET",
        "/data",
        404,
        "not-found",
        query={"graph": "http://example.org/never"},
    ),
    Row("unknown named query", "GET", "/queries/no-such-query", 404, "not-found"),
    Row(
        "named query parameter of the wrong type",
        "GET",
        "/queries/count-cases-by-country-of-origin",
        400,
        "invalid-parameter",
        query={"country": "not a country"},
    ),
    Row(
        "wrong token",
        "GET",
        "/sparql",
        401,
        "unauthorized",
        headers=WRONG,
        query={"query": "ASK {}"},
    ),
    Row(
        "Authorization not Bearer",
        "GET",
        "/sparql",
        401,
        "unauthorized",
        headers={"Authorization": "Basic dXNlcjpwYXNz"},
        query={"query": "ASK {}"},
    ),
    Row(
        "anonymous write",
        "PUT",
        "/data",
        401,
        "unauthorized",
        "<http://example.org/a> <http://example.org/b> <http://example.org/c> .",
        TTL,
        query={"graph": "http://example.org/g"},
    ),
    Row(
        "write with a read token",
        "PUT",
        "/data",
        403,
        "forbidden",
        "<http://example.org/a> <http://example.org/b> <http://example.org/c> .",
        TTL,
        READ,
        {"graph": "http://example.org/g"},
    ),
    Row("update by GET", "GET", "/sparql", 400, "bad-request", query={"update": "CLEAR ALL"}),
    Row(
        "quads sent to /data",
        "PUT",
        "/data",
        415,
        "unsupported-media-type",
        "<http://example.org/a> <http://example.org/b> <http://example.org/c> <urn:g> .",
        "application/n-quads",
        WRITE,
        {"graph": "http://example.org/g"},
    ),
    Row(
        "no acceptable result format",
        "GET",
        "/sparql",
        406,
        "not-acceptable",
        headers={"Accept": "image/png"},
        query={"query": "SELECT * {}"},
    ),
    Row(
        "case graph that breaks the contract",
        "POST",
        "/classify",
        422,
        "shape-violation",
        "@prefix pal: <https://w3id.org/palermo/ontology#> .\n"
        "<http://example.org/c> a pal:Case ; pal:act [ a pal:Recruitment ] ;"
        " pal:ruledOut pal:ActElement .",
        TTL,
    ),
]


@pytest.fixture(scope="module")
def bad_app(module_store_backend):
    """One app per module and backend (embedded, and a real ``oxigraph serve``)."""
    from palermo.app import close_app, create_app

    app = create_app(security_config(MAX_BODY_BYTES=LIMIT, **module_store_backend))
    app.config["TESTING"] = True
    yield app
    close_app(app)


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_bad_input_gets_its_answer(bad_app, row):
    before = store_snapshot(bad_app)
    body = row.body.encode("utf-8") if isinstance(row.body, str) else row.body
    r = bad_app.test_client().open(
        row.path,
        method=row.method,
        data=body,
        content_type=row.content_type,
        headers=row.headers,
        query_string=row.query,
    )
    assert r.status_code == row.status, r.get_data(as_text=True)[:300]
    assert r.mimetype == "application/problem+json"
    assert r.get_json()["type"] == "https://w3id.org/palermo/problems/" + row.problem
    assert store_snapshot(bad_app) == before


@pytest.mark.parametrize("path", ["/classify", "/validate", "/sparql", "/data"])
def test_a_chunked_body_over_the_limit_is_413(bad_app, path):
    """No Content-Length (chunked transfer): the limit applies to the bytes read."""
    body = b"# " + b"x" * (LIMIT * 2)
    content_type = "application/sparql-query" if path == "/sparql" else TTL
    query = {"graph": "http://example.org/chunked"} if path == "/data" else {}
    r = bad_app.test_client().open(
        path,
        method="PUT" if path == "/data" else "POST",
        input_stream=io.BytesIO(body),
        content_type=content_type,
        headers={**WRITE, "Transfer-Encoding": "chunked"},
        query_string=query,
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert r.status_code == 413, r.get_data(as_text=True)[:300]
    assert r.get_json()["type"].endswith("payload-too-large")
