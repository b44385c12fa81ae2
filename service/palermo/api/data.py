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

from palermo.api.auth import current_principal
from palermo.api.context import palermo
from palermo.api.negotiation import rdf_response
from palermo.errors import Forbidden, InputError, NotFound, Unauthorized, UnsupportedMediaType
from palermo.loading.casegraphs import store_case_graph
from palermo.rdf.namespaces import PAL, RDF, graph_iri
from palermo.rdf.parsing import SYNTAXES, parse_quads, syntax_for_media_type
from palermo.store.access import Principal, audit_write, visibility
from palermo.store.metadata import SERVICE_GRAPHS, check_dataset_name

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
    return request.args.get("dataset") or str(palermo().config["API_DATASET"])


def _public() -> bool | None:
    """``?public=true`` marks a new dataset public; case data is private unless marked so."""
    raw = request.args.get("public")
    if raw is None:
        return None
    if raw.lower() not in {"true", "false", "1", "0"}:
        raise GraphStoreError("?public= takes true or false")
    return raw.lower() in {"true", "1"}


def _authorise_write(graph: str | None) -> tuple[Principal, str, bool]:
    """Who writes, into which dataset, and whether the token is limited to case graphs.

    The dataset is ``?dataset=`` when given, else the dataset the graph is stored in, else the
    one dataset a ``write:NAME`` token names, else the service's (``API_DATASET``). A token
    scoped to datasets may write only case graphs of those datasets; graphs that are not case
    graphs (and the default graph) need a ``write`` or ``admin`` scope. 401 anonymous, 403 else.
    """
    principal = current_principal()
    if principal.anonymous:
        raise Unauthorized("writing needs a bearer token with write scope")
    store = palermo().store
    record = store.case_record(graph) if graph is not None else None
    explicit = request.args.get("dataset")
    if explicit is not None:
        dataset = check_dataset_name(explicit)
    elif record is not None:
        dataset = record.dataset
    elif len(principal.write_datasets) == 1 and not principal.writes_everything:
        dataset = principal.write_datasets[0]
    else:
        dataset = _dataset()
    if principal.writes_everything:
        return principal, dataset, False
    refused = Forbidden("the token does not grant writes to this graph")
    if graph is None or not principal.can_write(dataset):
        raise refused
    if record is None and store.has_graph(graph):
        raise refused  # an existing graph that is not a case graph of a dataset it may write
    if record is not None and not principal.can_write(record.dataset):
        raise refused
    return principal, dataset, True


def _has_case(triples: list[ox.Triple]) -> bool:
    rdf_type, case = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(PAL.Case))
    return any(t.predicate == rdf_type and t.object == case for t in triples)


def _audit(principal: Principal, action: str, graph: str | None, dataset: str | None) -> None:
    record = palermo().store.case_record(graph) if graph is not None else None
    graphs = [graph] if record is None else [record.graph, record.inferred_graph]
    audit_write(principal, action, graphs, dataset=dataset)


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
    seen = visibility(store, current_principal())
    if graph is None and not seen.everything:
        return rdf_response([])  # the store's default graph is not shown to restricted callers
    # A graph the caller may not see is answered exactly as a graph that does not exist.
    if not seen.allows(graph) or not store.has_graph(graph):
        raise NotFound(f"there is no graph <{graph}>")
    return rdf_response(store.triples(graph))


def _write(
    graph: str | None,
    triples: list[ox.Triple],
    *,
    merge: bool,
    dataset: str,
    cases_only: bool = False,
) -> None:
    app = palermo()
    store = app.store
    if merge and store.has_graph(graph):
        existing = store.triples(graph)
        seen = set(existing)
        triples = existing + [t for t in triples if t not in seen]
    if cases_only and not _has_case(triples):
        raise Forbidden("a dataset-scoped token may write case graphs (with a pal:Case) only")
    if graph is None:
        store.replace_graph(None, triples)
        return
    store_case_graph(
        store,
        graph,
        triples,
        dataset=dataset,
        classifier=app.classifier,
        reasoner=app.config["REASONER"],
        public=_public(),
    )


def _receive(graph: str | None, method: str, *, merge: bool) -> bool:
    """Authorise, read the body, write it (replacing or merging) and audit; whether the graph
    existed before."""
    principal, dataset, cases_only = _authorise_write(graph)
    triples = _body_triples(graph)
    existed = graph is None or palermo().store.has_graph(graph)
    _write(graph, triples, merge=merge, dataset=dataset, cases_only=cases_only)
    _audit(principal, method, graph, dataset)
    return existed


@bp.route("/data", methods=["PUT"])
def put_graph() -> Response:
    given, graph = _target()
    if not given:
        raise GraphStoreError("name a graph: ?graph=IRI or ?default")
    _refuse_service_graph(graph)
    existed = _receive(graph, "PUT", merge=False)
    return Response(status=204 if existed else 201)


@bp.route("/data", methods=["POST"])
def post_graph() -> Response:
    given, graph = _target()
    _refuse_service_graph(graph)
    if not given:
        # GSP 5.5: POST to the service creates a new graph and answers its IRI in Location.
        graph = graph_iri(f"upload/{uuid.uuid4().hex}")
        _receive(graph, "POST", merge=False)
        return Response(status=201, headers={"Location": graph})
    existed = _receive(graph, "POST", merge=True)
    return Response(status=204 if existed else 201)


@bp.route("/data", methods=["DELETE"])
def delete_graph() -> Response:
    given, graph = _target()
    if not given:
        raise GraphStoreError("name a graph: ?graph=IRI or ?default")
    _refuse_service_graph(graph)
    store = palermo().store
    principal = current_principal()
    if principal.anonymous:
        raise Unauthorized("writing needs a bearer token with write scope")
    if graph is not None and (
        not visibility(store, principal).allows(graph) or not store.has_graph(graph)
    ):
        raise NotFound(f"there is no graph <{graph}>")
    principal, dataset, _ = _authorise_write(graph)
    if graph is None:
        store.drop_graph(None)
        audit_write(principal, "DELETE", [None])
        return Response(status=204)
    record = store.case_record(graph)
    if record:
        store.drop_case_graph(graph)
        audit_write(principal, "DELETE", [record.graph, record.inferred_graph], dataset=dataset)
    else:
        store.drop_graph(graph)
        audit_write(principal, "DELETE", [graph])
    return Response(status=204)
