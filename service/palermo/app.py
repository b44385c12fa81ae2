"""The Flask application factory (flaskr style): config, the store, named queries, blueprints."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request

from palermo import resources
from palermo.api import classify, data, errors, health, ontology, queries, sparql, validations, web
from palermo.api.context import Palermo
from palermo.api.limits import refuse_streamed_body_over_limit
from palermo.classification.classifier import Classifier
from palermo.config import load_config
from palermo.loading.casegraphs import load_files, load_service_graphs
from palermo.rdf.terms import keep_case_content_out_of_logs
from palermo.reasoning.ontology import load_ontology
from palermo.sparql.admission import Admission
from palermo.sparql.named import load_named_queries
from palermo.sparql.runner import QueryRunner
from palermo.store.access import TokenTable
from palermo.store.backends import open_store
from palermo.validation.jobs import open_validation_jobs
from palermo.validation.shapes import contract_shape_files, load_shapes

log = logging.getLogger(__name__)

EXAMPLES_DATASET = "examples"

# CORS for reads (https://fetch.spec.whatwg.org/#http-cors-protocol): any origin may read; the
# Authorization header is not allowed cross-origin, so browsers cannot send tokens from other sites.
_CORS_READ_POSTS = {"sparql.sparql", "classify.classify_case", "classify.validate_graph"}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides the defaults and ``PALERMO_*`` variables."""
    keep_case_content_out_of_logs()
    settings = load_config(config)
    app = Flask("palermo")
    app.config.update(settings)
    app.config["MAX_CONTENT_LENGTH"] = int(settings["MAX_BODY_BYTES"])
    # A streamed (chunked) body over the limit is refused, where Flask would cut it short.
    app.before_request(refuse_streamed_body_over_limit)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    tokens = TokenTable(str(settings["TOKENS"]))
    # The long-lived objects, built once. The classifier prepares rdflib SPARQL queries before
    # waitress threads can race to: rdflib's parser is not thread-safe (benchmarks/load_test.py).
    owl = load_ontology()
    classifier = Classifier(owl, case_base=str(settings["CASE_BASE"]))
    shapes = load_shapes(ontology=owl.graph)
    contract = load_shapes(contract_shape_files(), ontology=owl.graph)
    store = open_store(settings)
    load_service_graphs(store)
    if settings["LOAD_EXAMPLES"]:
        files = resources.example_files()
        if files:
            load_files(
                store,
                files,
                dataset=EXAMPLES_DATASET,
                public=True,
                classifier=classifier,
                reasoner=settings["REASONER"],
            )
    timeout = float(settings["QUERY_TIMEOUT"])
    runner = QueryRunner(
        timeout=timeout,
        max_rows=int(settings["MAX_RESULT_ROWS"]),
        isolation=str(settings["QUERY_ISOLATION"]),
        memory_mb=int(settings["QUERY_MEMORY_MB"]),
        anonymous_nice=int(settings["ANONYMOUS_QUERY_NICE"]),
        admission=Admission(
            anonymous_slots=int(settings["ANONYMOUS_QUERY_SLOTS"]),
            per_anonymous_client=int(settings["ANONYMOUS_QUERIES_PER_CLIENT"]),
            per_token=int(settings["QUERIES_PER_TOKEN"]),
            retry_after=timeout,
        ),
    )
    app.extensions["palermo"] = Palermo(
        config=settings,
        store=store,
        runner=runner,
        queries=load_named_queries(),
        tokens=tokens,
        classifier=classifier,
        shapes=shapes,
        contract=contract,
        validations=open_validation_jobs(settings, shapes=shapes),
    )

    for module in (sparql, data, classify, validations, queries, ontology, health, web):
        app.register_blueprint(module.bp)
    errors.register(app)
    app.after_request(_cors)
    log.info("Palermo ready: %d named queries", len(app.extensions["palermo"].queries))
    return app


def _cors(response: Response) -> Response:
    method = request.method
    if method in {"GET", "HEAD", "OPTIONS"} or (
        method == "POST" and request.endpoint in _CORS_READ_POSTS
    ):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "Content-Type, Location"
        if method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
    return response


def close_app(app: Flask) -> None:
    """Release the store and the query workers (tests and ``palermo serve`` on exit)."""
    ext: Palermo = app.extensions["palermo"]
    ext.validations.close()
    ext.runner.close()
    ext.store.close()
