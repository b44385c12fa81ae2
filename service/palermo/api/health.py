"""``GET /health``. The page at ``GET /`` is in ``api/web.py``, VoID in ``api/ontology.py``."""

from __future__ import annotations

from flask import Blueprint, Response, json

from palermo import __version__
from palermo.api.context import palermo

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> Response:
    store = palermo().store
    body = {"status": "ok", "version": __version__, "quads": store.count_quads()}
    return Response(json.dumps(body), mimetype="application/json")
