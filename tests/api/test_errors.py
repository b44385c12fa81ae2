"""Errors are RFC 9457 problem+json; a 500 never carries exception text."""

from __future__ import annotations


def test_unexpected_error_does_not_leak(make_app):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret case content: Maria, 15")

    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = app.test_client().get("/boom")
    assert r.status_code == 500
    assert r.mimetype == "application/problem+json"
    assert "Maria" not in r.text and "secret" not in r.text


def test_unknown_route_is_problem_json(client):
    r = client.get("/nowhere")
    assert r.status_code == 404
    assert r.mimetype == "application/problem+json"


def test_wrong_method_is_405(client):
    r = client.delete("/sparql")
    assert r.status_code == 405
    assert r.mimetype == "application/problem+json"
