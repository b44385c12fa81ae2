"""GET /health, /.well-known/void and the page at /."""

from __future__ import annotations

from rdflib import Graph


def test_health(client):
    r = client.get("/health")
    assert r.status_code == 200
    assert r.get_json()["status"] == "ok"


def test_void(client):
    r = client.get("/.well-known/void")
    g = Graph().parse(data=r.data, format="turtle")
    assert len(g) >= 3


def test_page_lists_the_named_queries(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "count-cases-by-label" in r.text
