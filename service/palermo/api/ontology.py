"""The ontology at ``GET /ontology`` and the shapes at ``GET /shapes``, by content negotiation."""

from __future__ import annotations

from flask import Blueprint, Response

from palermo.api.context import palermo
from palermo.api.negotiation import rdf_response
from palermo.store import ONTOLOGY_GRAPH, SHAPES_GRAPH

bp = Blueprint("ontology", __name__)


@bp.get("/ontology")
def ontology() -> Response:
    return rdf_response(palermo().store.triples(ONTOLOGY_GRAPH))


@bp.get("/shapes")
def shapes() -> Response:
    return rdf_response(palermo().store.triples(SHAPES_GRAPH))
