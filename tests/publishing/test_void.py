"""VoID and DCAT at /.well-known/void, linked from the Service Description; dumps of public
datasets; private datasets never appear."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from palermo.rdf.parsing import to_graph
from support.constants import CASE_CHILD

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
EXAMPLES = URIRef("https://w3id.org/palermo/dataset/examples")
PRIVATE = URIRef("https://w3id.org/palermo/dataset/secret")


@pytest.fixture
def ld_app(make_app):
    """The examples (public) and one case in a private dataset named ``secret``."""
    from palermo.loading.casegraphs import split_cases

    app = make_app(LOAD_EXAMPLES=True)
    store = app.extensions["palermo"].store
    classifier = app.extensions["palermo"].classifier
    writes = split_cases(Graph().parse(data=CASE_CHILD, format="turtle"), classifier)
    store.write_case_graphs(writes, dataset="secret", public=False)
    return app


def _void(client, media="text/turtle") -> Graph:
    r = client.get("/.well-known/void", headers={"Accept": media})
    assert r.status_code == 200
    fmt = {
        "text/turtle": ox.RdfFormat.TURTLE,
        "application/ld+json": ox.RdfFormat.JSON_LD,
        "application/rdf+xml": ox.RdfFormat.RDF_XML,
    }[media]
    return to_graph(ox.parse(r.data, format=fmt))


def test_void_describes_public_datasets_only(ld_app):
    client = ld_app.test_client()
    g = _void(client)
    assert (EXAMPLES, RDF.type, URIRef(VOID + "Dataset")) in g
    assert (EXAMPLES, RDF.type, URIRef(DCAT + "Dataset")) in g
    assert (PRIVATE, None, None) not in g
    assert "secret" not in client.get("/.well-known/void").data.decode()
    triples = g.value(EXAMPLES, URIRef(VOID + "triples"))
    assert isinstance(triples, Literal) and int(triples) > 0
    assert g.value(EXAMPLES, URIRef(VOID + "sparqlEndpoint")) == URIRef("http://localhost/sparql")
    assert list(g.objects(EXAMPLES, URIRef(VOID + "classPartition")))
    dump = g.value(EXAMPLES, URIRef(VOID + "dataDump"))
    assert str(dump) == "http://localhost/datasets/examples/dump"
    ontology = URIRef("https://w3id.org/palermo/ontology")
    assert g.value(ontology, URIRef("http://purl.org/dc/terms/license")) is not None


def test_void_formats_agree(ld_app):
    client = ld_app.test_client()
    graphs = [
        _void(client, m) for m in ("text/turtle", "application/ld+json", "application/rdf+xml")
    ]
    assert isomorphic(graphs[0], graphs[1]) and isomorphic(graphs[0], graphs[2])


def test_service_description_links_the_void(ld_app):
    r = ld_app.test_client().get("/sparql", headers={"Accept": "text/turtle"})
    g = to_graph(ox.parse(r.data, format=ox.RdfFormat.TURTLE))
    assert URIRef("http://localhost/.well-known/void") in set(g.objects())


def test_dump_of_public_dataset(ld_app):
    client = ld_app.test_client()
    r = client.get("/datasets/examples/dump")
    assert r.status_code == 200
    assert r.mimetype == "application/n-quads"
    quads = list(ox.parse(r.data, format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads}
    store = ld_app.extensions["palermo"].store
    examples = next(d for d in store.datasets() if d.name == "examples")
    assert set(examples.graphs) <= graphs
    assert len(graphs) == 2 * len(examples.graphs)  # each case graph and its inferences
    trig = client.get("/datasets/examples/dump", headers={"Accept": "application/trig"})
    assert trig.mimetype == "application/trig"
    assert len(list(ox.parse(trig.data, format=ox.RdfFormat.TRIG))) == len(quads)


def test_private_dataset_dump_is_not_found(ld_app):
    client = ld_app.test_client()
    private = client.get("/datasets/secret/dump")
    missing = client.get("/datasets/no-such/dump")
    assert private.status_code == missing.status_code == 404
    assert private.mimetype == "application/problem+json"
