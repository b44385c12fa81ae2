"""``GET /health``. The page at ``GET /`` is in ``api/web.py``, VoID in ``api/ontology.py``.

The answer says ``status`` and ``version`` to everyone; the number of quads in the store only to
a token with scope ``admin``. The count moves when private case data is written, so anyone who
could read it could watch private data arrive (a side channel); a ``read`` or ``write`` token gets
the same answer as an anonymous caller, so that a monitoring probe needs no more than one shape.
"""

from __future__ import annotations

from flask import Blueprint, Response, json

from palermo import __version__
from palermo.api.auth import current_principal
from palermo.api.context import palermo

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> Response:
    body: dict[str, object] = {"status": "ok", "version": __version__}
    if current_principal().is_admin:
        body["quads"] = palermo().store.count_quads()
    return Response(json.dumps(body), mimetype="application/json")
