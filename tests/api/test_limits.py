"""The body size limit for chunked bodies (no Content-Length), in process and on waitress.

Flask alone bounds a streamed body but cuts it short instead of refusing it (the first test pins
that premise); ``palermo.api.limits`` turns the cut into ``413``. Waitress reads a chunked body
whole and hands it on with a Content-Length, so there Flask's own check answers.
"""

from __future__ import annotations

import http.client
import io
from collections.abc import Iterator

import pytest
from flask import Flask, request

from support.constants import CASE_TRAFFICKING, WRITE, WRITE_TOKEN
from support.graphs import store_snapshot
from support.servers import PalermoServer

LIMIT = 2000
TTL = "text/turtle"
PROBLEM = "application/problem+json"
#: A Turtle document of exactly ``size`` bytes: the case, then a comment to pad it.
CASE = CASE_TRAFFICKING.encode("utf-8")


def _turtle(size: int) -> bytes:
    assert size > len(CASE) + 2
    return CASE + b"#" + b"x" * (size - len(CASE) - 2) + b"\n"


def test_flask_alone_cuts_a_chunked_body_at_the_limit_instead_of_refusing_it():
    """The premise of ``palermo.api.limits`` (Werkzeug 3.1.9, Flask 3.1): if this fails after an
    upgrade, the framework refuses such a body itself and the hook can go."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = LIMIT

    @app.post("/")
    def length() -> str:
        return str(len(request.get_data()))

    r = app.test_client().post(
        "/",
        input_stream=io.BytesIO(b"x" * (LIMIT * 3)),
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert (r.status_code, r.text) == (200, str(LIMIT))


# -- in process (the Flask test client streams the body as a chunked-capable server does) --------


@pytest.fixture
def limited_app(make_app):
    return make_app(MAX_BODY_BYTES=LIMIT)


def _chunked(app, path: str, body: bytes, *, method: str = "POST", content_type: str = TTL):
    return app.test_client().open(
        path,
        method=method,
        input_stream=io.BytesIO(body),
        content_type=content_type,
        headers={**WRITE, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/classify"), ("PUT", "/data?graph=http://example.org/chunked")],
)
def test_a_chunked_body_over_the_limit_is_413_and_stores_nothing(limited_app, method, path):
    before = store_snapshot(limited_app)
    r = _chunked(limited_app, path, _turtle(LIMIT + 1), method=method)
    assert r.status_code == 413
    assert r.mimetype == PROBLEM
    assert r.get_json()["type"].endswith("/payload-too-large")
    assert store_snapshot(limited_app) == before


def test_a_chunked_body_a_server_does_not_end_is_411_and_stores_nothing(limited_app):
    """Without ``wsgi.input_terminated`` Flask reads a chunked body as empty: a PUT would replace
    the graph with nothing, so the service asks for a length instead."""
    before = store_snapshot(limited_app)
    r = limited_app.test_client().put(
        "/data?graph=http://example.org/chunked",
        input_stream=io.BytesIO(_turtle(LIMIT)),
        content_type=TTL,
        headers={**WRITE, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": False},
    )
    assert r.status_code == 411
    assert r.mimetype == PROBLEM
    assert r.get_json()["type"].endswith("/length-required")
    assert store_snapshot(limited_app) == before


def test_a_chunked_body_of_exactly_the_limit_is_read_whole(limited_app):
    r = _chunked(limited_app, "/classify", _turtle(LIMIT))
    assert r.status_code == 200, r.text[:300]
    assert [c["case"] for c in r.get_json()["cases"]] == ["https://example.org/case/svc1"]


def test_a_chunked_form_is_still_parsed_after_the_check(limited_app):
    """The hook caches the body it read; the SPARQL form is parsed from that cache."""
    r = _chunked(
        limited_app,
        "/sparql",
        b"query=ASK%20%7B%7D",
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 200
    assert r.get_json()["boolean"] is True


# -- on waitress (``palermo serve``) --------------------------------------------------------------


@pytest.fixture(scope="module")
def live() -> Iterator[PalermoServer]:
    env = {"PALERMO_MAX_BODY_BYTES": str(LIMIT), "PALERMO_TOKENS": f"{WRITE_TOKEN}:write"}
    with PalermoServer("--memory", env=env) as server:
        yield server


def _send(server: PalermoServer, path: str, body: bytes, *, chunked: bool, method: str = "POST"):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        headers = {**WRITE, "Content-Type": TTL}
        if chunked:
            # A generator has no length: http.client sends it with Transfer-Encoding: chunked.
            pieces = (body[i : i + 500] for i in range(0, len(body), 500))
            conn.request(method, path, body=pieces, headers=headers, encode_chunked=True)
        else:
            conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_waitress_refuses_a_body_over_the_limit_as_problem_json(live, chunked):
    status, media, body = _send(live, "/classify", _turtle(LIMIT * 5), chunked=chunked)
    assert status == 413
    assert media == PROBLEM  # Flask answered, not waitress (its own limit is 1 GiB, in text)
    assert b"/payload-too-large" in body


@pytest.mark.slow
def test_waitress_reads_a_chunked_body_within_the_limit_whole(live):
    status, _media, body = _send(live, "/classify", _turtle(LIMIT), chunked=True)
    assert status == 200, body[:300]
    assert b"https://example.org/case/svc1" in body


@pytest.mark.slow
def test_waitress_refuses_a_chunked_put_over_the_limit_and_stores_nothing(live):
    graph = "/data?graph=http%3A%2F%2Fexample.org%2Flive-chunked"
    status, _media, _body = _send(live, graph, _turtle(LIMIT * 5), chunked=True, method="PUT")
    assert status == 413
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=60)
    try:
        conn.request("HEAD", graph, headers=WRITE)
        assert conn.getresponse().status == 404
    finally:
        conn.close()
