"""``GET /health`` and ``GET /.well-known/void``; the page at ``GET /`` is in ``api/web.py``."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, json, url_for

from palermo import __version__
from palermo.api.context import palermo
from palermo.api.negotiation import rdf_response

bp = Blueprint("health", __name__)

VOID = "http://rdfs.org/ns/void#"


@bp.get("/health")
def health() -> Response:
    store = palermo().store
    body = {"status": "ok", "version": __version__, "quads": store.count_quads()}
    return Response(json.dumps(body), mimetype="application/json")


@bp.get("/.well-known/void")
def void() -> Response:
    ds = ox.NamedNode(url_for("health.void", _external=True) + "#dataset")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    triples = [
        ox.Triple(ds, rdf_type, ox.NamedNode(VOID + "Dataset")),
        ox.Triple(
            ds,
            ox.NamedNode(VOID + "sparqlEndpoint"),
            ox.NamedNode(url_for("sparql.sparql", _external=True)),
        ),
        ox.Triple(
            ds,
            ox.NamedNode(VOID + "vocabulary"),
            ox.NamedNode("https://w3id.org/palermo/ontology#"),
        ),
        ox.Triple(ds, ox.NamedNode(VOID + "uriSpace"), ox.Literal("https://w3id.org/palermo/")),
    ]
    return rdf_response(triples)
