"""Linked data: the ontology, shapes and alignments by IRI, the JSON-LD context, VoID and dumps.

- ``GET /ontology``, ``/ontology/{version}``, ``/ontology/{module}``,
  ``/ontology/{version}/{module}``, ``/ontology/{Term}``, and the same under ``/shapes``: content
  negotiation (https://www.w3.org/TR/cooluris/) between Turtle, RDF/XML, JSON-LD, N-Triples and
  HTML documentation; ``?format=ttl|rdf|jsonld|nt|html`` overrides the Accept header. The IRI
  mapping is in :mod:`palermo.publishing.publication`.
- ``GET /context.jsonld``: the JSON-LD context for case graphs.
- ``GET /.well-known/void``: VoID and DCAT of the public datasets (https://www.w3.org/TR/void/
  section 7.2 names this well-known location).
- ``GET /datasets/{name}/dump``: a public dataset's quads, streamed as N-Quads or TriG.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue

from palermo import resources
from palermo.api.context import palermo
from palermo.api.negotiation import RDF_FORMATS, negotiate
from palermo.errors import NotAcceptable, NotFound
from palermo.publishing import catalogue
from palermo.publishing.documentation import ontology_html, shapes_html
from palermo.publishing.publication import Publication
from palermo.rdf.namespaces import CORE, ONTOLOGY_IRI, SHAPES_IRI, prefixes

bp = Blueprint("ontology", __name__)

_EXTENSION = "palermo.publishing.publication"
HTML = "text/html"
XHTML = "application/xhtml+xml"
JSONLD = "application/ld+json"
_FORMAT_PARAM = {
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "rdf": "application/rdf+xml",
    "xml": "application/rdf+xml",
    "owl": "application/rdf+xml",
    "jsonld": JSONLD,
    "json-ld": JSONLD,
    "html": HTML,
}
_DOC_FORMATS = ["text/turtle", HTML, XHTML, *[m for m in RDF_FORMATS if m != "text/turtle"]]
_DUMP_FORMATS = {"application/n-quads": ox.RdfFormat.N_QUADS, "application/trig": ox.RdfFormat.TRIG}
_TURTLE_PREFIXES = prefixes(*CORE, "sd", "vann", "foaf", "schema", "org", "dbr", "void", "dcat")


class _Published:
    """The publication of this release and its rendered HTML, built once per app."""

    def __init__(self) -> None:
        self.publication = Publication.load()
        self._html: dict[str, str] = {}
        self._lock = threading.Lock()

    def html(self, key: str, render) -> str:
        with self._lock:
            if key not in self._html:
                self._html[key] = render()
            return self._html[key]


@bp.record_once
def _load(state) -> None:
    app: Flask = state.app
    app.extensions[_EXTENSION] = _Published()


def _published() -> _Published:
    return current_app.extensions[_EXTENSION]


def _media(offered: list[str]) -> str:
    wanted = request.args.get("format")
    if wanted:
        media = _FORMAT_PARAM.get(wanted.lower())
        if media is None or media not in offered:
            raise NotAcceptable(
                f"format {wanted!r} is not available; use one of "
                + ", ".join(sorted(k for k, v in _FORMAT_PARAM.items() if v in offered))
            )
        return media
    return negotiate(offered)


def _rdf(triples: Iterable[ox.Triple], media: str) -> Response:
    fmt = RDF_FORMATS[media]
    triples = list(triples)
    if fmt == ox.RdfFormat.TURTLE:
        body = ox.serialize(triples, format=fmt, prefixes=_TURTLE_PREFIXES)
    else:
        body = ox.serialize(triples, format=fmt)
    mimetype = f"{media}; charset=utf-8" if media.startswith("text/") else media
    return Response(body, mimetype=mimetype, headers={"Vary": "Accept"})


def _html(body: str) -> Response:
    return Response(body, mimetype="text/html", headers={"Vary": "Accept"})


def _module_links(space: str) -> list[tuple[str, str, str]]:
    pub = _published().publication
    base = ONTOLOGY_IRI if space == "ontology" else SHAPES_IRI
    rows = [(name, f"{base}/{name}", f"/{space}/{name}") for name in pub.module_names(space)]
    if space == "ontology":
        rows.insert(0, ("", base, f"/{space}"))
    return rows


def _document(space: str, path: str) -> ResponseReturnValue:
    published = _published()
    pub = published.publication
    doc = pub.resolve(space, path)
    if doc is None:
        raise NotFound(f"no document at /{space}/{path}")
    media = _media(_DOC_FORMATS)
    if media not in (HTML, XHTML):
        return _rdf(doc.triples, media)
    if doc.kind == "term":
        return redirect(f"{url_for('ontology.ontology')}#{doc.term}", code=303)
    modules = _module_links(space)
    if space == "shapes":
        body = published.html(
            f"shapes:{doc.iri}",
            lambda: shapes_html(doc.triples, shapes_iri=doc.iri, modules=modules),
        )
        return _html(body)
    is_alignment = doc.kind == "alignments"
    body = published.html(
        f"ontology:{doc.iri}",
        lambda: ontology_html(
            doc.triples,
            ontology_iri=doc.iri if doc.kind != "ontology" else ONTOLOGY_IRI,
            modules=modules,
            alignments=() if is_alignment else pub.alignment_triples(),
            labels=pub.ontology_triples() if doc.kind != "ontology" else None,
        ),
    )
    return _html(body)


@bp.get("/ontology")
def ontology() -> ResponseReturnValue:
    return _document("ontology", "")


@bp.get("/ontology/<path:path>")
def ontology_path(path: str) -> ResponseReturnValue:
    return _document("ontology", path)


@bp.get("/shapes")
def shapes() -> ResponseReturnValue:
    return _document("shapes", "")


@bp.get("/shapes/<path:path>")
def shapes_path(path: str) -> ResponseReturnValue:
    return _document("shapes", path)


@bp.get("/context.jsonld")
def jsonld_context() -> Response:
    body = resources.jsonld_context_file().read_bytes()
    return Response(body, mimetype=JSONLD)


@bp.get("/.well-known/void")
def void() -> Response:
    app = palermo()
    media = _media(list(RDF_FORMATS))
    urls = catalogue.Urls(
        description=url_for("ontology.void", _external=True),
        sparql=url_for("sparql.sparql", _external=True),
        ontology=url_for("ontology.ontology", _external=True),
        shapes=url_for("ontology.shapes", _external=True),
        dump=lambda name: url_for("ontology.dump", name=name, _external=True),
    )
    triples = catalogue.describe(app.store, urls, version=_published().publication.version)
    return _rdf(triples, media)


@bp.get("/datasets/<name>/dump")
def dump(name: str) -> Response:
    store = palermo().store
    found = [d for d in catalogue.public_datasets(store) if d.name == name]
    if not found:
        # A private dataset is answered exactly like a missing one.
        raise NotFound(f"no public dataset named {name!r}")
    media = negotiate(list(_DUMP_FORMATS))
    chunks = catalogue.dump(store, found[0], _DUMP_FORMATS[media])
    ext = "nq" if media == "application/n-quads" else "trig"
    return Response(
        chunks,
        mimetype=media,
        headers={
            "Vary": "Accept",
            "Content-Disposition": f'attachment; filename="{name}.{ext}"',
        },
    )
