"""Restricted callers on the fast path (issue 16, part 2): the same answers, as confidential.

Aggregate named queries run by a caller who may not read everything count over all case data; they
run over the union default graph only when :mod:`palermo.store.views` proves it the same dataset.
These tests compare every answer with the one the explicit list of graphs gives, and put hidden
data where the union would see it (the store's default graph, a graph that holds no case, the
service metadata graph, a case pointing at a dataset's record) to check that it is never counted.
"""

from __future__ import annotations

import json
import random

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from palermo.loading.load import load
from palermo.sparql.named import load_named_queries
from palermo.store import views
from palermo.store.access import ANONYMOUS, Principal, all_case_data, query_dataset, visibility
from palermo.store.metadata import METADATA_GRAPH, dataset_iri
from support.constants import READ, READ_TOKEN, WRITE_TOKEN
from support.synthetic import case_triples

PARTNER_TOKEN = "token-read-partner-5k2"
PARTNER = {"Authorization": f"Bearer {PARTNER_TOKEN}"}
PAL = "https://w3id.org/palermo/ontology#"
AGGREGATES = sorted(name for name, q in load_named_queries().items() if q.aggregate)


@pytest.fixture
def app(make_app):
    """19 synthetic cases: 12 private, 3 private in dataset ``partner``, 4 public."""
    app = make_app(
        MIN_CELL_SIZE=1,
        TOKENS=f"{WRITE_TOKEN}:write,{READ_TOKEN}:read,{PARTNER_TOKEN}:read:partner",
    )
    ctx = app.extensions["palermo"]
    rng = random.Random(16)
    for dataset, public, count in (
        ("private", False, 12),
        ("partner", False, 3),
        ("open", True, 4),
    ):
        cases = [list(case_triples(rng, f"{dataset}{i}")) for i in range(count)]
        load(ctx.store, cases=cases, dataset=dataset, public=public, classifier=ctx.classifier)
    return app


def _rows(body: dict) -> list[str]:
    return sorted(json.dumps(b, sort_keys=True) for b in body["results"]["bindings"])


def _listed(app, name: str) -> list[str]:
    """The answer over all case data given as the list of graphs (the path before the fast one)."""
    ctx = app.extensions["palermo"]
    dataset = query_dataset(all_case_data(ctx.store))
    result = ctx.runner.run(
        ctx.store,
        ctx.queries[name].bind({}),
        default_graphs=dataset.default_graphs,
        named_graphs=dataset.named_graphs,
    )
    return _rows(result.to_sparql_json())


def _anonymous(app, name: str) -> list[str]:
    r = app.test_client().get(
        f"/queries/{name}", headers={"Accept": "application/sparql-results+json"}
    )
    assert r.status_code == 200, r.text
    return _rows(r.get_json())


def test_every_aggregate_named_query_can_take_the_fast_path() -> None:
    assert AGGREGATES
    for name in AGGREGATES:
        assert views.footprint(load_named_queries()[name].text) is not None, name


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o }",
        "SELECT * WHERE { ?s <urn:p>* ?o }",
        "SELECT * WHERE { ?s !<urn:p> ?o }",
        "SELECT * WHERE { ?s a ?class }",
        "SELECT * FROM <urn:g> WHERE { ?s <urn:p> ?o }",
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s <urn:p> ?o } }",
        "SELECT * WHERE { ?s <urn:p>/a ?o }",
        "CONSTRUCT { ?s <urn:p> ?o } WHERE { ?s <urn:p> ?o }",
    ],
)
def test_a_query_that_can_match_anything_has_no_footprint(query: str) -> None:
    assert views.footprint(query) is None


def test_a_footprint_names_what_the_query_can_match() -> None:
    found = views.footprint(
        "SELECT * WHERE { VALUES ?p { <urn:a> <urn:b> } ?s ?p ?o ; <urn:c> ?x . ?x a ?class }"
    )
    assert found is not None
    assert found.patterns == {("urn:a", None), ("urn:b", None), ("urn:c", None)}
    assert found.anchors == {("urn:c", None, "o")}


@pytest.mark.parametrize("name", AGGREGATES)
def test_an_aggregate_gives_a_restricted_caller_the_answer_the_list_gives(app, name) -> None:
    store = app.extensions["palermo"].store
    assert views.union_for_all_case_data(store, load_named_queries()[name].text)
    assert _anonymous(app, name) == _listed(app, name)


def _label_rows(app, headers=None) -> dict[str, str]:
    r = app.test_client().get("/queries/count-cases-by-label", headers=headers or {})
    return {
        b["caseLabel"]["value"]: b["cases"]["value"] for b in r.get_json()["results"]["bindings"]
    }


ASSESSMENT = [
    (
        "urn:x:hidden-assessment",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
        PAL + "Assessment",
    ),
    ("urn:x:hidden-assessment", PAL + "assesses", "urn:x:hidden-case"),
]


@pytest.mark.parametrize("where", ["default graph", "graph without a case", "metadata graph"])
def test_hidden_data_sends_the_aggregate_to_the_list_and_is_not_counted(app, where) -> None:
    store = app.extensions["palermo"].store
    graph = {
        "default graph": None,
        "graph without a case": "https://example.org/graphs/draft",
        "metadata graph": METADATA_GRAPH,
    }[where]
    triples = [
        ox.Triple(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o)) for s, p, o in ASSESSMENT
    ]
    triples.append(
        ox.Triple(
            ox.NamedNode("urn:x:hidden-assessment"),
            ox.NamedNode(PAL + "assessmentLabel"),
            ox.Literal("hidden-label"),
        )
    )
    store.add_triples(graph, triples)
    text = load_named_queries()["count-cases-by-label"].text
    assert not views.union_for_all_case_data(store, text)
    assert "hidden-label" not in _label_rows(app)
    assert _label_rows(app, READ)["hidden-label"] == "1"
    assert _anonymous(app, "count-cases-by-label") == _listed(app, "count-cases-by-label")


def test_a_case_that_points_at_a_dataset_record_sends_the_aggregate_to_the_list(app) -> None:
    """``?purpose a ?exploitation`` could match a dataset's ``a dcat:Dataset`` record if a case
    names the dataset as its purpose; the anchor probe sees it, and the record is not counted."""
    ctx = app.extensions["palermo"]
    case = "https://example.org/synthetic/case/pointer"
    triples = [
        (case, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", PAL + "Case"),
        (case, PAL + "purpose", dataset_iri("private")),
        (
            "http://www.w3.org/ns/dcat#Dataset",
            "http://www.w3.org/2000/01/rdf-schema#subClassOf",
            PAL + "Exploitation",
        ),
    ]
    load(
        ctx.store,
        cases=[[tuple(URIRef(t) for t in triple) for triple in triples]],
        dataset="open",
        public=True,
        classifier=ctx.classifier,
    )
    text = load_named_queries()["count-cases-by-exploitation"].text
    assert not views.union_for_all_case_data(ctx.store, text)
    rows = _anonymous(app, "count-cases-by-exploitation")
    assert not any("dcat#Dataset" in row for row in rows)
    assert rows == _listed(app, "count-cases-by-exploitation")


def _count_cases(app, headers=None) -> int:
    r = app.test_client().get(
        "/sparql",
        query_string={"query": f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{PAL}Case> }}"},
        headers={**(headers or {}), "Accept": "application/sparql-results+json"},
    )
    assert r.status_code == 200, r.text
    return int(r.get_json()["results"]["bindings"][0]["n"]["value"])


def test_raw_sparql_sees_only_the_readable_datasets(app) -> None:
    assert _count_cases(app) == 4
    assert _count_cases(app, PARTNER) == 7
    assert _count_cases(app, READ) == 19


def test_visibility_reads_public_and_granted_datasets_only(app) -> None:
    store = app.extensions["palermo"].store
    anonymous = visibility(store, ANONYMOUS)
    partner = visibility(store, Principal(frozenset({"read:partner"})))
    assert METADATA_GRAPH not in anonymous.graphs | partner.graphs
    # 4 public cases, each a case graph and an inference graph, and the two open graphs.
    assert len(anonymous.graphs) == 4 * 2 + 2
    assert len(partner.graphs) == 7 * 2 + 2
    assert anonymous.graphs < partner.graphs
    # A dataset with contradicting access rights is not public.
    store.add_triples(
        METADATA_GRAPH,
        [
            ox.Triple(
                ox.NamedNode(dataset_iri("open")),
                ox.NamedNode("http://purl.org/dc/terms/accessRights"),
                ox.NamedNode(
                    "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"
                ),
            )
        ],
    )
    assert visibility(store, ANONYMOUS).graphs == anonymous.graphs - {
        g for g in anonymous.graphs if "ontology" not in g and "shapes" not in g
    }


def test_a_dataset_without_access_rights_is_not_case_data_for_the_union(app) -> None:
    store = app.extensions["palermo"].store
    store.update(
        f"DELETE WHERE {{ GRAPH <{METADATA_GRAPH}> {{ <{dataset_iri('private')}> "
        "<http://purl.org/dc/terms/accessRights> ?r } }"
    )
    text = load_named_queries()["count-cases-by-label"].text
    assert not views.union_for_all_case_data(store, text)
    assert _anonymous(app, "count-cases-by-label") == _listed(app, "count-cases-by-label")
    assert _anonymous(app, "count-cases-by-label") != _rows(
        app.test_client()
        .get("/queries/count-cases-by-label", headers={**READ, "Accept": "application/json"})
        .get_json()
    )
