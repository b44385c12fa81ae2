"""The page at ``GET /``: query, classify, validate and an overview, in the browser.

Everything the page needs (HTML, CSS, JavaScript) ships inside the package under
``palermo/web/``, so the page works offline: no CDN, no build step. The page talks to the public
HTTP API only (``/queries``, ``/sparql``, ``/classify``, ``/validate``) and sends the caller's
bearer token, when one is given, as ``Authorization: Bearer`` (DESIGN.md, "Confidentiality").
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from palermo import __version__, resources
from palermo.api.context import palermo

WEB = resources.web_dir()

# Everything comes from this service: no inline script, no inline style, no other origin.
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

bp = Blueprint(
    "web",
    __name__,
    static_folder=str(WEB / "static"),
    static_url_path="/web/static",
    template_folder=str(WEB / "templates"),
)


@bp.get("/")
def page() -> Response:
    """The single page; the named queries' SPARQL text is embedded for the editor."""
    texts = {q.name: q.text for q in palermo().queries.values()}
    html = render_template("web/index.html", version=__version__, query_texts=texts)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP
    return response
