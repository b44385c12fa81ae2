"""SPARQL 1.1 Protocol at /sparql: forms, formats, errors, update auth, limits, CORS."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rdflib import Graph, URIRef

from support.constants import READ, WRITE
from support.graphs import parse_rdf, store_snapshot

COUNT_CASES = (
    "PREFIX pal: <https://w3id.org/palermo/ontology#> "
    "SELECT (COUNT(?c) AS ?n) WHERE { ?c a pal:Case }"
)
PROBLEM = "application/problem+json"


def _count(client) -> int:
    r = client.get("/sparql", query_string={"query": COUNT_CASES}, headers=READ)
    return int(r.get_json()["results"]["bindings"][0]["n"]["value"])


def test_get_query_answers_sparql_json(loaded_client):
    r = loaded_client.get("/sparql", query_string={"query": COUNT_CASES}, headers=READ)
    assert r.status_code == 200
    assert r.mimetype == "application/sparql-results+json"
    assert r.get_json()["results"]["bindings"][0]["n"]["value"] == "3"


def test_post_form_and_direct_query_give_the_same_answer(loaded_client):
    form = loaded_client.post("/sparql", data={"query": COUNT_CASES})
    direct = loaded_client.post(
        "/sparql", data=COUNT_CASES, content_type="application/sparql-query"
    )
    assert form.status_code == direct.status_code == 200
    assert form.get_json() == direct.get_json()


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_select_result_formats(loaded_client, accept, mimetype):
    r = loaded_client.get(
        "/sparql", query_string={"query": COUNT_CASES}, headers={**READ, "Accept": accept}
    )
    assert r.status_code == 200
    assert r.mimetype == mimetype
    if mimetype == "text/csv":
        assert list(csv.reader(io.StringIO(r.text))) == [["n"], ["3"]]
    if mimetype == "text/tab-separated-values":
        assert r.text.splitlines()[0] == "?n"


def test_ask_in_json_and_xml(loaded_client):
    q = "ASK { ?s ?p ?o }"
    r = loaded_client.get("/sparql", query_string={"query": q})
    assert r.get_json() == {"head": {}, "boolean": True}
    r = loaded_client.get(
        "/sparql", query_string={"query": q}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert b"<boolean>true</boolean>" in r.data


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),  # read with pyoxigraph (rdflib warns)
    ],
)
def test_construct_formats(loaded_client, accept, rdflib_format):
    q = (
        "PREFIX pal: <https://w3id.org/palermo/ontology#> "
        "CONSTRUCT { ?c a pal:Case } WHERE { ?c a pal:Case }"
    )
    r = loaded_client.get("/sparql", query_string={"query": q}, headers={**READ, "Accept": accept})
    assert r.status_code == 200
    assert r.mimetype == accept
    assert len(parse_rdf(r.data, accept)) == 3
    del rdflib_format


def test_no_acceptable_format_is_406(loaded_client):
    r = loaded_client.get(
        "/sparql", query_string={"query": COUNT_CASES}, headers={"Accept": "image/png"}
    )
    assert r.status_code == 406
    assert r.mimetype == PROBLEM
    assert r.get_json()["type"].endswith("/not-acceptable")


def test_malformed_query_is_400_with_the_parser_message(client):
    r = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400
    problem = r.get_json()
    assert problem["type"].endswith("/malformed-query")
    assert "error at 1:" in problem["detail"]


def test_two_queries_is_400(client):
    r = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert r.status_code == 400


def test_wrong_content_type_is_415(client):
    r = client.post("/sparql", data="ASK {}", content_type="text/plain")
    assert r.status_code == 415
    assert r.mimetype == PROBLEM


def test_default_graph_uri_restricts_the_dataset(loaded_app):
    client = loaded_app.test_client()
    record = loaded_app.extensions["palermo"].store.case_records()[0]
    r = client.get(
        "/sparql",
        query_string={"query": COUNT_CASES, "default-graph-uri": record.graph},
        headers=READ,
    )
    assert r.get_json()["results"]["bindings"][0]["n"]["value"] == "1"
    r = client.get(
        "/sparql",
        query_string={
            "query": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            "named-graph-uri": record.graph,
        },
        headers=READ,
    )
    graphs = {b["g"]["value"] for b in r.get_json()["results"]["bindings"]}
    assert graphs == {record.graph}


# -- update ---------------------------------------------------------------------------------------

INSERT = (
    "INSERT DATA { GRAPH <http://example.org/g> "
    "{ <http://example.org/a> <http://example.org/b> 1 } }"
)


@pytest.mark.parametrize(
    ("headers", "status", "slug"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Bearer wrong-token"}, 401, "unauthorized"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "unauthorized"),
        (READ, 403, "forbidden"),
    ],
)
def test_update_needs_a_write_token(loaded_app, headers, status, slug):
    client = loaded_app.test_client()
    before = store_snapshot(loaded_app)
    r = client.post("/sparql", data={"update": INSERT}, headers=headers)
    assert r.status_code == status
    assert r.get_json()["type"].endswith(slug)
    assert "token" not in r.get_json()["detail"].lower() or "wrong-token" not in r.text
    assert store_snapshot(loaded_app) == before
    if status == 401:
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_update_by_form_and_direct_with_a_token(client):
    r = client.post("/sparql", data={"update": INSERT}, headers=WRITE)
    assert r.status_code == 204
    r = client.post(
        "/sparql",
        data="DROP GRAPH <http://example.org/g>",
        content_type="application/sparql-update",
        headers=WRITE,
    )
    assert r.status_code == 204
    r = client.get("/sparql", query_string={"query": "ASK { GRAPH <http://example.org/g> {} }"})
    assert r.get_json()["boolean"] is False


def test_malformed_update_is_400_and_changes_nothing(loaded_app):
    client = loaded_app.test_client()
    before = store_snapshot(loaded_app)
    r = client.post("/sparql", data={"update": "INSERT DATA { <a> }"}, headers=WRITE)
    assert r.status_code == 400
    assert r.get_json()["type"].endswith("/malformed-query")
    assert store_snapshot(loaded_app) == before


def test_update_by_get_is_refused(client):
    r = client.get("/sparql", query_string={"update": INSERT}, headers=WRITE)
    assert r.status_code == 400


def test_update_of_a_case_graph_is_reclassified(loaded_app):
    """Removing the means of an adult's case makes trafficking insufficient (TIP art. 3(a))."""
    client = loaded_app.test_client()
    store = loaded_app.extensions["palermo"].store
    record = next(r for r in store.case_records() if r.cases[0].endswith("svc1"))
    update = (
        "PREFIX pal: <https://w3id.org/palermo/ontology#> "
        f"DELETE WHERE {{ GRAPH <{record.graph}> {{ ?c pal:means ?m . ?m a ?t }} }}"
    )
    assert client.post("/sparql", data={"update": update}, headers=WRITE).status_code == 204
    q = (
        "PREFIX pal: <https://w3id.org/palermo/ontology#> SELECT ?label WHERE { "
        f"GRAPH <{record.inferred_graph}> {{ ?a pal:assesses <{record.cases[0]}> ; "
        "pal:assessmentLabel ?label } }"
    )
    r = client.get("/sparql", query_string={"query": q}, headers=READ)
    assert [b["label"]["value"] for b in r.get_json()["results"]["bindings"]] == ["insufficient"]


# -- service description --------------------------------------------------------------------------


def test_service_description_states_the_entailment_regime(client):
    r = client.get("/sparql")
    assert r.status_code == 200
    assert r.mimetype == "text/turtle"
    g = Graph().parse(data=r.data, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    regimes = {str(o) for o in g.objects(None, URIRef(sd + "entailmentRegime"))}
    assert regimes == {"http://www.w3.org/ns/entailment/OWL-RDF-Based"}
    r = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert r.status_code == 200
    json.loads(r.data)


# -- limits ---------------------------------------------------------------------------------------


def test_body_larger_than_the_limit_is_413(make_app):
    app = make_app(MAX_BODY_BYTES=200)
    r = app.test_client().post(
        "/sparql", data="ASK {}" + " " * 400, content_type="application/sparql-query"
    )
    assert r.status_code == 413
    assert r.get_json()["type"].endswith("/payload-too-large")


def test_more_rows_than_the_limit_is_413(make_app):
    app = make_app(MAX_RESULT_ROWS=5)
    r = app.test_client().get(
        "/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 50"}
    )
    assert r.status_code == 413
    assert r.get_json()["type"].endswith("/result-too-large")
    assert r.get_json()["limit"] == 5


def test_a_streaming_runaway_query_is_stopped(make_app):
    app = make_app(QUERY_TIMEOUT=0.3, MAX_RESULT_ROWS=10**12)
    client = app.test_client()
    r = client.get(
        "/sparql", query_string={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"}
    )
    assert r.status_code == 503
    assert r.get_json()["type"].endswith("/query-timeout")
    assert client.get("/health").status_code == 200


def test_a_blocking_runaway_query_is_answered_at_the_deadline(make_app):
    """An aggregate over a cross product computes before its first row: the client gets 503 at
    the deadline, and on the embedded store the process that evaluated it is gone."""
    app = make_app(QUERY_TIMEOUT=0.3)
    client = app.test_client()
    q = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/palermo/graph/ontology> "
        "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } }"
    )
    r = client.get("/sparql", query_string={"query": q})
    assert r.status_code == 503
    assert r.get_json()["type"].endswith("/query-timeout")
    assert app.extensions["palermo"].runner.running_processes() == 0
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


# -- CORS -----------------------------------------------------------------------------------------


def test_cors_on_reads_not_on_writes(client):
    r = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://x.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = client.options("/sparql", headers={"Origin": "https://x.org"})
    assert "GET" in r.headers["Access-Control-Allow-Methods"]
    assert "Authorization" not in r.headers["Access-Control-Allow-Headers"]
    r = client.put(
        "/data?graph=http://example.org/g", data="", headers=WRITE, content_type="text/turtle"
    )
    assert "Access-Control-Allow-Origin" not in r.headers
