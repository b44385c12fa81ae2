"""GET /ontology and /shapes with content negotiation."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, Graph

from support.graphs import parse_rdf


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        (None, "turtle"),
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),  # read with pyoxigraph (rdflib warns)
    ],
)
def test_ontology_formats(client, accept, fmt):
    r = client.get("/ontology", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200
    g = parse_rdf(r.data, accept or "text/turtle")
    del fmt
    assert (None, RDF.type, OWL.Ontology) in g


def test_shapes(client):
    r = client.get("/shapes")
    assert r.status_code == 200
    assert len(Graph().parse(data=r.data, format="turtle")) > 0


def test_ontology_406(client):
    assert client.get("/ontology", headers={"Accept": "application/pdf"}).status_code == 406
