"""Ways an anonymous or wrongly scoped client might try to read a private case; each gets nothing.

The store holds one private case (dataset ``secretds7q9``, written through the API without
``public=true``, so private) and one public case. Every attempt below asserts that no private
value (the case's comment literal, its perpetrator IRI, the dataset name) appears anywhere in the
response body, and, where the attempt names the case or its graph, that the answer is the same as
for data that does not exist.

1. ``SELECT * { ?s ?p ?o }`` over the default graph (the union of visible graphs)
2. ``GRAPH ?g { ?s ?p ?o }`` over every named graph
3. ``GRAPH <private case graph> { ... }``
4. ``GRAPH <private inference graph> { ... }`` (inferences and assessment)
5. ``FROM <private case graph>``
6. ``FROM NAMED <private case graph>`` with ``GRAPH ?g``
7. Protocol ``default-graph-uri=<private graph>``
8. Protocol ``named-graph-uri=<private graph>``
9. Protocol dataset in a POST form body
10. ``DESCRIBE <private case IRI>``
11. ``CONSTRUCT WHERE { ?s ?p ?o }``
12. a property path from the case IRI, ``<case> (!<urn:x:none>)+ ?o``
13. a negated-property-set path over ``GRAPH ?g``
14. a subquery with ``GRAPH ?g`` inside
15. ``VALUES ?g { <private graph> } GRAPH ?g { ... }``
16. ``ASK`` for the private literal (a boolean is a leak too)
17. a ``FILTER(CONTAINS(...))`` probe on the comment, answered as a count
18. the service metadata graph by ``GRAPH <.../graph/service>`` (dataset names, case IRIs)
19. ``GET /data?graph=<private graph>`` (404, the same answer as a missing graph)
20. ``HEAD /data?graph=<private graph>`` (404)
21. ``GET /data?graph=<private inference graph>`` (404)
22. ``GET /data?graph=<metadata graph>`` (404)
23. ``GET /data?default``
24. the non-aggregate named query ``list-cases``
25. the named query ``list-case-elements?case=<private case IRI>``
26. the aggregate named query ``count-cases-by-label`` (one private case: a cell below 5)
27. SPARQL Update by a ``write:otherds`` token copying ``GRAPH ?g`` into a graph it owns
28. ``PUT /data`` by a ``write:otherds`` token over the private graph, then reading it
29. a ``read:otherds`` token (scoped to another dataset) on 1, 2, 3 and 19
30. a wrong token: 401 before anything is evaluated
31. ``GET /.well-known/void`` and ``GET /health`` (no dataset names)
32. ``SERVICE`` pointed at the service itself (refused: no outbound request at all)
"""

from __future__ import annotations

import pytest

from security.conftest import (
    PUBLIC_GRAPH,
    READ_OTHER,
    SECRET_CASE,
    SECRET_DATASET,
    SECRET_GRAPH,
    SECRET_LITERAL,
    SECRETS,
    WRITE_OTHER,
    WRONG,
)
from support.constants import READ, WRITE

METADATA = "https://w3id.org/palermo/graph/service"
PAL = "PREFIX pal: <https://w3id.org/palermo/ontology#> "
RDFS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "


def inferred(app) -> str:
    record = app.extensions["palermo"].store.case_record(SECRET_GRAPH)
    assert record is not None
    return record.inferred_graph


def assert_nothing_private(response, *, allow: tuple[str, ...] = ()) -> None:
    body = response.get_data(as_text=True)
    for secret in SECRETS:
        if secret not in allow:
            assert secret not in body, f"{secret!r} leaked: {body[:500]}"
    if SECRET_CASE not in allow:
        assert "secret-7q9" not in body.replace(SECRET_GRAPH, ""), body[:500]


def sparql(client, query: str, headers=None, **params):
    return client.get("/sparql", query_string={"query": query, **params}, headers=headers or {})


QUERIES = {
    "union-default-graph": "SELECT * WHERE { ?s ?p ?o }",
    "graph-variable": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
    "graph-iri": f"SELECT * WHERE {{ GRAPH <{SECRET_GRAPH}> {{ ?s ?p ?o }} }}",
    "from": f"SELECT * FROM <{SECRET_GRAPH}> WHERE {{ ?s ?p ?o }}",
    "from-named": f"SELECT * FROM NAMED <{SECRET_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "describe": f"DESCRIBE <{SECRET_CASE}>",
    "construct": "CONSTRUCT WHERE { ?s ?p ?o }",
    "property-path": f"SELECT ?o WHERE {{ <{SECRET_CASE}> (!<urn:x:none>)+ ?o }}",
    "negated-path-in-graph": "SELECT * WHERE { GRAPH ?g { ?s !(<urn:x:none>)/!(<urn:x:n>) ?o } }",
    "subquery": "SELECT * WHERE { { SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } } } }",
    "values-graph": f"SELECT * {{ VALUES ?g {{ <{SECRET_GRAPH}> }} GRAPH ?g {{ ?s ?p ?o }} }}",
    "metadata-graph": f"SELECT * WHERE {{ GRAPH <{METADATA}> {{ ?s ?p ?o }} }}",
    "filter-probe-count": RDFS
    + 'SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:comment ?c FILTER(CONTAINS(?c, "SECRET")) }',
}


@pytest.mark.parametrize("name", sorted(QUERIES))
@pytest.mark.parametrize("who", ["anonymous", "read-other"])
def test_query_forms_reach_no_private_graph(secure_client, name, who):
    headers = READ_OTHER if who == "read-other" else None
    r = sparql(secure_client, QUERIES[name], headers, **{})
    assert r.status_code == 200, r.text
    assert_nothing_private(r, allow=(SECRET_CASE,) if name in {"describe", "property-path"} else ())
    if name == "filter-probe-count":
        assert r.get_json()["results"]["bindings"][0]["n"]["value"] == "0"


def test_a_reader_with_the_right_scope_does_see_it(secure_client):
    """The control: the same union query with the read token finds the private literal."""
    r = sparql(secure_client, QUERIES["union-default-graph"], READ)
    assert SECRET_LITERAL in r.get_data(as_text=True)


def test_public_data_stays_visible(secure_client):
    r = sparql(secure_client, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert PUBLIC_GRAPH in r.get_data(as_text=True)


def test_inference_graph(secure_app):
    client = secure_app.test_client()
    q = f"SELECT * WHERE {{ GRAPH <{inferred(secure_app)}> {{ ?s ?p ?o }} }}"
    r = sparql(client, q)
    assert r.get_json()["results"]["bindings"] == []
    assert_nothing_private(r)


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_protocol_dataset(secure_client, param):
    q = (
        "SELECT * WHERE { ?s ?p ?o }"
        if param == "default-graph-uri"
        else "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    r = sparql(secure_client, q, None, **{param: SECRET_GRAPH})
    assert r.status_code == 200
    assert r.get_json()["results"]["bindings"] == []
    assert_nothing_private(r)


def test_protocol_dataset_in_a_form_body(secure_client):
    r = secure_client.post(
        "/sparql",
        data={"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": SECRET_GRAPH},
    )
    assert r.get_json()["results"]["bindings"] == []
    assert_nothing_private(r)


def test_ask_for_the_private_literal_is_false(secure_client):
    q = RDFS + f'ASK {{ ?s rdfs:comment "{SECRET_LITERAL}" }}'
    assert sparql(secure_client, q).get_json()["boolean"] is False
    assert sparql(secure_client, q, READ).get_json()["boolean"] is True


def _missing_answer(client, headers=None, method="get"):
    missing = "https://example.org/graphs/never-written"
    r = getattr(client, method)("/data", query_string={"graph": missing}, headers=headers or {})
    return r.status_code, r.get_data(as_text=True).replace(missing, "IRI")


@pytest.mark.parametrize("who", ["anonymous", "read-other"])
@pytest.mark.parametrize("method", ["get", "head"])
def test_graph_store_answers_a_private_graph_as_missing(secure_client, method, who):
    headers = READ_OTHER if who == "read-other" else None
    r = getattr(secure_client, method)(
        "/data", query_string={"graph": SECRET_GRAPH}, headers=headers or {}
    )
    assert r.status_code == 404
    assert_nothing_private(r)
    assert (r.status_code, r.get_data(as_text=True).replace(SECRET_GRAPH, "IRI")) == (
        _missing_answer(secure_client, headers, method)
    )


def test_graph_store_inference_and_metadata_graphs(secure_app):
    client = secure_app.test_client()
    for graph in (inferred(secure_app), METADATA):
        r = client.get("/data", query_string={"graph": graph})
        assert r.status_code == 404
        assert_nothing_private(r)


def test_graph_store_default_graph(secure_client):
    r = secure_client.get("/data?default")
    assert r.status_code == 200
    assert_nothing_private(r)


def test_named_query_list_cases(secure_client):
    r = secure_client.get("/queries/list-cases")
    assert r.status_code == 200
    assert_nothing_private(r)
    assert "svc1" in r.get_data(as_text=True)  # the public case is listed


def test_named_query_with_the_private_case_as_parameter(secure_client):
    r = secure_client.get("/queries/list-case-elements", query_string={"case": SECRET_CASE})
    assert r.status_code == 200
    assert r.get_json()["results"]["bindings"] == []
    assert_nothing_private(r, allow=(SECRET_CASE,))


def test_aggregate_named_query_suppresses_small_cells(secure_client):
    r = secure_client.get("/queries/count-cases-by-label")
    assert r.status_code == 200
    assert r.get_json()["results"]["bindings"] == []  # 2 trafficking cases < 5: suppressed
    assert_nothing_private(r)
    full = secure_client.get("/queries/count-cases-by-label", headers=READ).get_json()
    assert full["results"]["bindings"][0]["cases"]["value"] == "2"


def test_aggregate_counts_above_the_cell_size_are_shown(secure_app):
    from security.conftest import SECRET_CASE_TTL

    client = secure_app.test_client()
    for i in range(4):
        r = client.put(
            "/data",
            query_string={"graph": f"{SECRET_GRAPH}-{i}", "dataset": SECRET_DATASET},
            data=SECRET_CASE_TTL.replace(SECRET_CASE, f"https://example.org/case/agg{i}"),
            content_type="text/turtle",
            headers=WRITE,
        )
        assert r.status_code == 201
    r = client.get("/queries/count-cases-by-label")
    rows = r.get_json()["results"]["bindings"]
    assert [(b["caseLabel"]["value"], b["cases"]["value"]) for b in rows] == [("trafficking", "6")]
    assert_nothing_private(r)


def test_scoped_writer_cannot_copy_private_data_by_update(secure_app):
    client = secure_app.test_client()
    update = (
        "INSERT { GRAPH <https://example.org/graphs/mine> { ?s ?p ?o } } "
        "WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    r = client.post("/sparql", data={"update": update}, headers=WRITE_OTHER)
    assert r.status_code == 403
    assert_nothing_private(r)
    r = client.get("/data?graph=https://example.org/graphs/mine", headers=WRITE_OTHER)
    assert r.status_code == 404
    assert_nothing_private(r)


def test_scoped_writer_cannot_overwrite_or_read_a_private_graph(secure_app):
    client = secure_app.test_client()
    before = secure_app.extensions["palermo"].store.triples(SECRET_GRAPH)
    r = client.put(
        "/data",
        query_string={"graph": SECRET_GRAPH},
        data="<urn:a> <urn:b> <urn:c> .",
        content_type="text/turtle",
        headers=WRITE_OTHER,
    )
    assert r.status_code == 403
    assert_nothing_private(r)
    assert secure_app.extensions["palermo"].store.triples(SECRET_GRAPH) == before
    r = client.delete("/data", query_string={"graph": SECRET_GRAPH}, headers=WRITE_OTHER)
    assert r.status_code == 404
    r = sparql(client, QUERIES["graph-variable"], WRITE_OTHER)
    assert_nothing_private(r)


def test_wrong_token_gets_401_and_nothing(secure_client):
    for r in (
        sparql(secure_client, QUERIES["graph-variable"], WRONG),
        secure_client.get("/data", query_string={"graph": SECRET_GRAPH}, headers=WRONG),
        secure_client.get("/queries/list-cases", headers=WRONG),
    ):
        assert r.status_code == 401
        assert r.mimetype == "application/problem+json"
        assert_nothing_private(r)


@pytest.mark.parametrize("path", ["/.well-known/void", "/health", "/queries", "/"])
def test_service_descriptions_name_no_private_dataset(secure_client, path):
    r = secure_client.get(path)
    assert r.status_code == 200
    assert SECRET_DATASET not in r.get_data(as_text=True)
    assert_nothing_private(r)


def test_service_pointed_at_the_service_itself_is_refused(secure_client):
    q = "SELECT * WHERE { SERVICE <http://localhost/sparql> { ?s ?p ?o } }"
    r = sparql(secure_client, q)
    assert r.status_code == 400
    assert r.get_json()["type"].endswith("outbound-request-refused")
    assert_nothing_private(r)
