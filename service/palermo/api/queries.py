"""Named queries: ``GET /queries`` lists them, ``GET /queries/{name}`` runs one.

Query-string arguments are the query's parameters, parsed by type and bound as terms. A named
query sees only the graphs the caller may see (:mod:`palermo.store.access`), except an aggregate
query (header ``# Aggregate: true``, parsed once into
:attr:`palermo.sparql.named.NamedQuery.aggregate`) run by a caller who may not read everything: it
counts over all case data, and counts below ``MIN_CELL_SIZE`` are suppressed.
"""

from __future__ import annotations

import dataclasses

from flask import Blueprint, Response, json, request

from palermo.api.auth import current_caller, current_principal
from palermo.api.context import palermo
from palermo.api.negotiation import result_response
from palermo.sparql.named import QueryParameterError, get_named_query
from palermo.store.access import (
    case_data_dataset,
    query_dataset,
    suppress_small_cells,
    visibility,
)

bp = Blueprint("queries", __name__)


@bp.get("/queries")
def list_queries() -> Response:
    body = [q.to_json() for q in palermo().queries.values()]
    return Response(json.dumps(body), mimetype="application/json")


@bp.get("/queries/<name>")
def run_query(name: str) -> Response:
    app = palermo()
    principal = current_principal()
    query = get_named_query(app.queries, name)
    values = {}
    for key in request.args:
        got = request.args.getlist(key)
        if len(got) > 1:
            raise QueryParameterError(f"parameter {key} is given {len(got)} times; give it once")
        values[key] = got[0]
    text = query.bind(values)
    controlled = query.aggregate and not principal.reads_everything
    dataset = (
        case_data_dataset(app.store, query.text)
        if controlled
        else query_dataset(visibility(app.store, principal))
    )
    result = app.runner.run(
        app.store,
        text,
        caller=current_caller(),
        default_graphs=dataset.default_graphs,
        named_graphs=dataset.named_graphs,
    )
    if controlled and result.kind == "select":
        min_cell = int(app.config["MIN_CELL_SIZE"])
        result = dataclasses.replace(result, rows=suppress_small_cells(result.rows, min_cell))
    return result_response(result)
