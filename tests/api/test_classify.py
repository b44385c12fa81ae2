"""POST /classify and POST /validate."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef

from support.constants import CASE_CHILD, CASE_VIOLATION
from support.graphs import store_snapshot

PAL = "https://w3id.org/palermo/ontology#"


def test_classify_answers_json(client):
    r = client.post("/classify", data=CASE_CHILD, content_type="text/turtle")
    assert r.status_code == 200
    body = r.get_json()
    assert body["ontologyVersion"]
    [case] = body["cases"]
    assert case["case"] == "https://example.org/case/svc2"
    assert case["label"] == "trafficking"
    assert case["trafficking"]["childRule"] is True


def test_classify_answers_rdf_by_accept(client):
    r = client.post(
        "/classify", data=CASE_CHILD, content_type="text/turtle", headers={"Accept": "text/turtle"}
    )
    assert r.status_code == 200
    g = Graph().parse(data=r.data, format="turtle")
    assert (None, URIRef(PAL + "assesses"), URIRef("https://example.org/case/svc2")) in g


def test_classify_reads_n_triples_and_json_ld(client):
    g = Graph().parse(data=CASE_CHILD, format="turtle")
    for fmt, media in (("nt", "application/n-triples"), ("json-ld", "application/ld+json")):
        r = client.post("/classify", data=g.serialize(format=fmt), content_type=media)
        assert r.status_code == 200, r.text
        assert r.get_json()["cases"][0]["label"] == "trafficking"


def test_invalid_rdf_is_400_with_line(app):
    client = app.test_client()
    before = store_snapshot(app)
    r = client.post(
        "/classify", data="@prefix x: <http://y/> .\n\nx:a x:b", content_type="text/turtle"
    )
    assert r.status_code == 400
    problem = r.get_json()
    assert problem["type"].endswith("/invalid-input")
    assert problem["line"] == 3
    assert store_snapshot(app) == before


def test_unknown_content_type_is_415(client):
    r = client.post("/classify", data=CASE_CHILD, content_type="application/pdf")
    assert r.status_code == 415


def test_shape_violations_are_422_listing_them(client):
    r = client.post("/classify", data=CASE_VIOLATION, content_type="text/turtle")
    assert r.status_code == 422
    problem = r.get_json()
    assert problem["type"].endswith("/shape-violation")
    assert problem["violations"]
    assert all(v["severity"] == "Violation" for v in problem["violations"])


@pytest.mark.parametrize(("data", "conforms"), [(CASE_CHILD, True), (CASE_VIOLATION, False)])
def test_validate_json(client, data, conforms):
    r = client.post("/validate", data=data, content_type="text/turtle")
    assert r.status_code == 200
    assert r.get_json()["conforms"] is conforms


def test_validate_rdf_report(client):
    r = client.post(
        "/validate",
        data=CASE_VIOLATION,
        content_type="text/turtle",
        headers={"Accept": "text/turtle"},
    )
    g = Graph().parse(data=r.data, format="turtle")
    sh = "http://www.w3.org/ns/shacl#"
    assert (None, URIRef(sh + "conforms"), None) in g
