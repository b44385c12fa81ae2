"""``GET /health``, ``GET /.well-known/void`` and the page at ``GET /``."""

from __future__ import annotations

from html import escape

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


@bp.get("/")
def page() -> Response:
    items = "".join(
        f'<li><a href="{escape(url_for("queries.run_query", name=q.name))}">{escape(q.title)}</a>'
        f" &mdash; {escape(q.description)}</li>"
        for q in palermo().queries.values()
    )
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Palermo</title></head><body>
<h1>Palermo</h1>
<p>The UN Palermo Protocols as a knowledge graph. SPARQL 1.1 endpoint:
<a href="{url_for("sparql.sparql")}">/sparql</a>; ontology: <a href="/ontology">/ontology</a>;
shapes: <a href="/shapes">/shapes</a>.</p>
<form action="{url_for("sparql.sparql")}" method="get">
<textarea name="query" rows="8" cols="80">SELECT * WHERE {{ ?s ?p ?o }} LIMIT 10</textarea><br>
<button>Run</button></form>
<h2>Named queries</h2><ul>{items}</ul></body></html>"""
    return Response(html, mimetype="text/html")
