"""Graph Store Protocol at /data: reads, writes behind the token, re-classification, bad input."""

from __future__ import annotations

import pytest
from rdflib import Graph

from support.constants import CASE_CHILD, READ, WRITE
from support.graphs import store_snapshot

G = "http://example.org/gsp/g1"
TTL = "<http://example.org/a> <http://example.org/b> <http://example.org/c> ."


def test_put_get_head_post_delete(client):
    r = client.put(f"/data?graph={G}", data=TTL, content_type="text/turtle", headers=WRITE)
    assert r.status_code == 201
    r = client.put(f"/data?graph={G}", data=TTL, content_type="text/turtle", headers=WRITE)
    assert r.status_code == 204
    r = client.get(f"/data?graph={G}", headers={**READ, "Accept": "application/n-triples"})
    assert r.status_code == 200
    assert r.text.strip() == TTL
    assert client.head(f"/data?graph={G}", headers=READ).status_code == 200
    more = "<http://example.org/a> <http://example.org/b> <http://example.org/d> ."
    r = client.post(f"/data?graph={G}", data=more, content_type="text/turtle", headers=WRITE)
    assert r.status_code == 204
    got = client.get(f"/data?graph={G}", headers=READ).data
    assert len(Graph().parse(data=got, format="turtle")) == 2
    assert client.delete(f"/data?graph={G}", headers=WRITE).status_code == 204
    assert client.get(f"/data?graph={G}", headers=READ).status_code == 404
    assert client.delete(f"/data?graph={G}", headers=WRITE).status_code == 404


def test_default_graph(client):
    r = client.put("/data?default", data=TTL, content_type="text/turtle", headers=WRITE)
    assert r.status_code == 204
    got = client.get("/data?default", headers=READ).data
    assert len(Graph().parse(data=got, format="turtle")) == 1


def test_post_to_the_service_creates_a_graph(client):
    r = client.post("/data", data=TTL, content_type="text/turtle", headers=WRITE)
    assert r.status_code == 201
    location = r.headers["Location"]
    assert client.get("/data", query_string={"graph": location}, headers=READ).status_code == 200


@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_anonymous_writes_are_401_and_change_nothing(loaded_app, method):
    client = loaded_app.test_client()
    graph = loaded_app.extensions["palermo"].store.case_records()[0].graph
    before = store_snapshot(loaded_app)
    r = getattr(client, method)(f"/data?graph={graph}", data=TTL, content_type="text/turtle")
    assert r.status_code == 401
    assert r.mimetype == "application/problem+json"
    assert store_snapshot(loaded_app) == before


def test_malformed_turtle_is_400_with_the_line_and_changes_nothing(loaded_app):
    client = loaded_app.test_client()
    graph = loaded_app.extensions["palermo"].store.case_records()[0].graph
    before = store_snapshot(loaded_app)
    bad = '@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n'
    r = client.put(f"/data?graph={graph}", data=bad, content_type="text/turtle", headers=WRITE)
    assert r.status_code == 400
    problem = r.get_json()
    assert problem["type"].endswith("/invalid-input")
    assert problem["line"] == 3
    assert store_snapshot(loaded_app) == before


@pytest.mark.parametrize(
    ("query", "content_type", "status"),
    [
        ("", "text/turtle", 400),  # no graph named
        ("?graph=not an iri", "text/turtle", 400),
        ("?graph=http://example.org/g&default", "text/turtle", 400),
        ("?graph=http://example.org/g", "image/png", 415),
        ("?graph=https://w3id.org/palermo/graph/ontology", "text/turtle", 403),  # admin only
    ],
)
def test_bad_put_requests(loaded_app, query, content_type, status):
    client = loaded_app.test_client()
    before = store_snapshot(loaded_app)
    r = client.put(f"/data{query}", data=TTL, content_type=content_type, headers=WRITE)
    assert r.status_code == status
    assert r.mimetype == "application/problem+json"
    assert store_snapshot(loaded_app) == before


def test_invalid_utf8_is_400(client):
    r = client.put(
        f"/data?graph={G}",
        data=b'<http://a> <http://b> "\xff" .',
        content_type="text/turtle",
        headers=WRITE,
    )
    assert r.status_code == 400
    assert "UTF-8" in r.get_json()["detail"]


def test_a_case_graph_put_is_classified_and_deleted_with_its_inferences(app):
    client = app.test_client()
    store = app.extensions["palermo"].store
    g = "http://example.org/gsp/case"
    r = client.put(f"/data?graph={g}", data=CASE_CHILD, content_type="text/turtle", headers=WRITE)
    assert r.status_code == 201
    record = store.case_record(g)
    assert record is not None and record.cases == ("https://example.org/case/svc2",)
    q = (
        "PREFIX pal: <https://w3id.org/palermo/ontology#> ASK { "
        f"GRAPH <{record.inferred_graph}> {{ <https://example.org/case/svc2> a "
        "pal:ChildTraffickingCase } }"
    )
    r = client.get("/sparql", query_string={"query": q}, headers=READ)
    assert r.get_json()["boolean"] is True
    assert client.delete(f"/data?graph={g}", headers=WRITE).status_code == 204
    assert not store.has_graph(record.inferred_graph)
    assert store.case_record(g) is None


def test_a_case_graph_put_with_shape_violations_is_still_stored_as_sent(app):
    """The Graph Store Protocol stores what it is given; classification follows the data."""
    client = app.test_client()
    r = client.put(
        "/data?graph=http://example.org/gsp/plain",
        data=TTL,
        content_type="text/turtle",
        headers=WRITE,
    )
    assert r.status_code == 201
    assert app.extensions["palermo"].store.case_record("http://example.org/gsp/plain") is None
