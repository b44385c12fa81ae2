"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/data`` (https://www.w3.org/TR/sparql11-http-rdf-update/).

Graphs are named indirectly: ``?graph=IRI`` or ``?default``. Writes need a write token. A graph
that holds a ``pal:Case`` after a PUT or POST is classified and stored with its inference graph in
one transaction, so that the stored inferences never go stale.
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl

import pyoxigraph as ox
from flask import Blueprint, Response, request

from palermo.api.auth import require_write
from palermo.api.context import palermo
from palermo.api.negotiation import rdf_response
from palermo.errors import InputError, NotFound, UnsupportedMediaType
from palermo.loading import store_case_graph
from palermo.namespaces import graph_iri
from palermo.parsing import SYNTAXES, parse_quads, syntax_for_media_type
from palermo.store import SERVICE_GRAPHS

bp = Blueprint("data", __name__)

_TRIPLE_SYNTAXES = {s.name for s in SYNTAXES if s.name not in {"n-quads", "trig"}}


class GraphStoreError(InputError):
    slug = "bad-request"
    title = "Bad Graph Store Protocol request"


def _target() -> tuple[bool, str | None]:
    """(given, graph IRI or None for the default graph); ``given`` is False for a bare POST."""
    try:
        pairs = parse_qsl(
            request.query_string.decode("utf-8"), keep_blank_values=True, errors="strict"
        )
    except UnicodeDecodeError:
        raise GraphStoreError("the request URL is not valid UTF-8") from None
    graphs = [v for k, v in pairs if k == "graph"]
    default = any(k == "default" for k, _ in pairs)
    if len(graphs) > 1 or (graphs and default):
        raise GraphStoreError("name one graph: either ?graph=IRI or ?default")
    if default:
        return True, None
    if not graphs:
        return False, None
    try:
        return True, ox.NamedNode(graphs[0]).value
    except ValueError:
        raise GraphStoreError(f"?graph={graphs[0]!r} is not a valid absolute IRI") from None


def _dataset() -> str:
    return request.args.get("dataset") or str(palermo().config.get("API_DATASET", "private"))


def _body_triples(base_iri: str | None) -> list[ox.Triple]:
    """The RDF of the request body: one RDF document, or every part of a multipart form."""
    media = (request.content_type or "").split(";", 1)[0].strip().lower()
    if media == "multipart/form-data":
        triples: list[ox.Triple] = []
        for name, part in request.files.items(multi=True):
            syntax = _syntax(part.mimetype or "")
            data = part.read()
            triples += [
                q.triple
                for q in parse_quads(data, syntax, source=name or "part", base_iri=base_iri)
            ]
        return triples
    syntax = _syntax(request.content_type or "")
    return [
        q.triple
        for q in parse_quads(request.get_data(), syntax, source="request body", base_iri=base_iri)
    ]


def _syntax(content_type: str):
    syntax = syntax_for_media_type(content_type)
    if syntax.name not in _TRIPLE_SYNTAXES:
        raise UnsupportedMediaType(f"{syntax.media_type} holds quads; send a graph (triples)")
    return syntax


def _refuse_service_graph(graph: str | None) -> None:
    if graph in SERVICE_GRAPHS:
        raise GraphStoreError(
            f"<{graph}> is maintained by the service (ontology, shapes, metadata) and cannot be "
            "written through the Graph Store Protocol"
        )


@bp.route("/data", methods=["GET", "HEAD"])
def get_graph() -> Response:
    given, graph = _target()
    if not given:
        raise GraphStoreError("name a graph: ?graph=IRI or ?default")
    store = palermo().store
    if not store.has_graph(graph):
        raise NotFound(f"there is no graph <{graph}>")
    return rdf_response(store.triples(graph))


def _write(graph: str | None, triples: list[ox.Triple], *, merge: bool) -> None:
    app = palermo()
    store = app.store
    if merge and store.has_graph(graph):
        existing = store.triples(graph)
        seen = set(existing)
        triples = existing + [t for t in triples if t not in seen]
    if graph is None:
        store.replace_graph(None, triples)
        return
    store_case_graph(
        store,
        graph,
        triples,
        dataset=_dataset(),
        reasoner=str(app.config.get("REASONER", "owlrl")),
    )


@bp.route("/data", methods=["PUT"])
def put_graph() -> Response:
    given, graph = _target()
    if not given:
        raise GraphStoreError("name a graph: ?graph=IRI or ?default")
    _refuse_service_graph(graph)
    require_write(_dataset())
    triples = _body_triples(graph)
    existed = graph is None or palermo().store.has_graph(graph)
    _write(graph, triples, merge=False)
    return Response(status=204 if existed else 201)


@bp.route("/data", methods=["POST"])
def post_graph() -> Response:
    given, graph = _target()
    _refuse_service_graph(graph)
    require_write(_dataset())
    if not given:
        # GSP 5.5: POST to the service creates a new graph and answers its IRI in Location.
        graph = graph_iri(f"upload/{uuid.uuid4().hex}")
        triples = _body_triples(graph)
        _write(graph, triples, merge=False)
        return Response(status=201, headers={"Location": graph})
    triples = _body_triples(graph)
    existed = graph is None or palermo().store.has_graph(graph)
    _write(graph, triples, merge=True)
    return Response(status=204 if existed else 201)


@bp.route("/data", methods=["DELETE"])
def delete_graph() -> Response:
    given, graph = _target()
    if not given:
        raise GraphStoreError("name a graph: ?graph=IRI or ?default")
    _refuse_service_graph(graph)
    require_write(_dataset())
    store = palermo().store
    if graph is None:
        store.drop_graph(None)
        return Response(status=204)
    if not store.has_graph(graph):
        raise NotFound(f"there is no graph <{graph}>")
    if store.case_record(graph):
        store.drop_case_graph(graph)
    else:
        store.drop_graph(graph)
    return Response(status=204)
