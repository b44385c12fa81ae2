"""What a test reads back: every quad in an app's store, and the graph in an HTTP answer."""

from __future__ import annotations

from rdflib import Graph


def store_snapshot(app) -> set:
    """Every quad in the app's store, to prove that a refused request changed nothing."""
    return set(app.extensions["palermo"].store)


def parse_rdf(data: bytes, media_type: str) -> Graph:
    """Parse an answer with pyoxigraph (rdflib's JSON-LD parser warns, and warnings are errors)."""
    from palermo.rdf.parsing import parse_quads, syntax_for_media_type, to_graph

    return to_graph(parse_quads(data, syntax_for_media_type(media_type)))
