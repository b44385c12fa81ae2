"""``POST /classify`` and ``POST /validate`` (DESIGN.md, "The assessment answer").

The body is a case graph in Turtle, N-Triples, JSON-LD or RDF/XML, chosen by Content-Type.
Nothing is stored. ``POST /classify?explain=true`` gives each case its proof (issue 15): under
``proof`` in the JSON, and as ``pal:proof`` of the assessment in RDF; its input lines are the
body's lines.
"""

from __future__ import annotations

from flask import Blueprint, Response, json, request
from rdflib import Graph

from palermo.api.context import palermo
from palermo.api.negotiation import RDF_FORMATS, negotiate, rdf_response
from palermo.classification.proofs import assessment_proof_triples
from palermo.classification.results import assessments_to_json
from palermo.errors import InputError, ShapeViolation
from palermo.rdf.parsing import parse_quads, syntax_for_media_type, to_graph
from palermo.rdf.positions import located_input, parse_located
from palermo.rdf.terms import graph_of, to_triples
from palermo.validation.validator import DEFAULT_ENGINE, check_engine, validate

bp = Blueprint("classify", __name__)

JSON = "application/json"


def _body_graph() -> Graph:
    syntax = syntax_for_media_type(request.content_type)
    plain_json = (request.mimetype or "").lower() == "application/json"
    return to_graph(
        parse_quads(request.get_data(), syntax, source="request body", default_context=plain_json)
    )


def _explain() -> bool:
    value = request.args.get("explain", "false").strip().lower()
    if value not in ("true", "false", "1", "0"):
        raise InputError("explain must be true or false", source="query string")
    return value in ("true", "1")


def _violations(outcome) -> list:
    return [r.as_dict() for r in outcome.violations]


@bp.post("/classify")
def classify_case() -> Response:
    app = palermo()
    explain = _explain()
    how: dict = {}
    if explain:
        syntax = syntax_for_media_type(request.content_type)
        plain_json = (request.mimetype or "").lower() == "application/json"
        located = located_input(
            [
                parse_located(
                    request.get_data(),
                    syntax,
                    source="request body",
                    default_context=plain_json,
                )
            ]
        )
        graph = to_graph(located.quads)
        how = {"explain": True, "sources": located.sources, "prefixes": located.prefixes}
    else:
        graph = _body_graph()
    outcome = validate(graph, shapes=app.contract)
    if not outcome.conforms:
        raise ShapeViolation(
            "the case graph breaks the input contract; see 'violations'",
            violations=_violations(outcome),
        )
    results = app.classifier.classify(graph, app.config["REASONER"], **how)
    media = negotiate([JSON, *RDF_FORMATS])
    if media == JSON:
        body = assessments_to_json([c.assessment for c in results], app.classifier.ontology.version)
        if explain:
            for item, c in zip(body["cases"], results, strict=True):
                item["proof"] = c.proof.to_json()
        return Response(json.dumps(body), mimetype=JSON, headers={"Vary": "Accept"})
    answer = Graph()
    for c in results:
        answer += c.assessment.to_rdf()
        if explain:
            answer += graph_of(assessment_proof_triples(c.assessment, c.proof))
    return rdf_response(to_triples(answer))


@bp.post("/validate")
def validate_graph() -> Response:
    """Validate the body against every shape; ``?engine=fast|pyshacl`` (default ``fast``) names
    the engine, an unknown one is a 400 problem before the body is read."""
    engine = check_engine(request.args.get("engine", DEFAULT_ENGINE))
    outcome = validate(_body_graph(), shapes=palermo().shapes, engine=engine)
    media = negotiate([JSON, *RDF_FORMATS])
    if media == JSON:
        return Response(json.dumps(outcome.as_dict()), mimetype=JSON, headers={"Vary": "Accept"})
    return rdf_response(to_triples(outcome.results_graph()))
