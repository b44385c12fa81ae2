"""Named queries: ``GET /queries`` lists them, ``GET /queries/{name}`` runs one.

Query-string arguments are the query's parameters, parsed by type and bound as terms.
"""

from __future__ import annotations

from flask import Blueprint, Response, json, request

from palermo.api.context import palermo
from palermo.api.negotiation import result_response
from palermo.queries import get_named_query

bp = Blueprint("queries", __name__)


@bp.get("/queries")
def list_queries() -> Response:
    body = [q.to_json() for q in palermo().queries.values()]
    return Response(json.dumps(body), mimetype="application/json")


@bp.get("/queries/<name>")
def run_query(name: str) -> Response:
    app = palermo()
    query = get_named_query(app.queries, name)
    values = {}
    for key in request.args:
        got = request.args.getlist(key)
        if len(got) > 1:
            from palermo.queries import QueryParameterError

            raise QueryParameterError(f"parameter {key} is given {len(got)} times; give it once")
        values[key] = got[0]
    result = app.runner.run(app.store, query.bind(values))
    return result_response(result)
