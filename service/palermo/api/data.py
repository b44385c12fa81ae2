"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/data`` (https://www.w3.org/TR/sparql11-http-rdf-update/).

Graphs are named indirectly: ``?graph=IRI`` or ``?default``. Writes need a write token. A graph
that holds a ``pal:Case`` after a PUT or POST is classified and stored with its inference graph in
one transaction, so that the stored inferences never go stale.

Who may write what (:func:`_authorise_write`):

- ``write`` and ``admin`` tokens: any graph, except that the ontology, shapes and service
  metadata graphs, and ``DELETE ?default`` (the Graph Store form of ``DROP DEFAULT``), need
  ``admin``;
- a ``write:NAME`` token: the case graphs of dataset NAME (which it can read), new graphs it
  alone could have named (under ``https://w3id.org/palermo/graph/dataset/NAME/``, a namespace
  whose every graph belongs to NAME, or minted by the service on ``POST /data``), and nothing
  else. Every other graph gets one answer, the same 403 with the same body, whether it exists in
  another dataset, exists outside any dataset, or does not exist at all, so a scoped token learns
  nothing about graphs it cannot see; and no write of such a token ever creates or changes a
  graph of another dataset. Whether a graph "existed" (204 rather than 201, and whether POST
  merges) is judged by what the caller can see.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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
from palermo.store.access import ADMIN_GRAPHS, Principal, audit_write, visibility
from palermo.store.metadata import check_dataset_name, dataset_graph_namespace, dataset_of_graph

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


@dataclass(frozen=True)
class WriteGrant:
    """What a Graph Store write may do: who writes, into which dataset, whether the token is
    limited to case graphs, and whether the graph exists as far as the caller can see."""

    principal: Principal
    dataset: str
    cases_only: bool
    existed: bool


def _scoped_refusal(principal: Principal) -> Forbidden:
    """The one answer to a dataset-scoped token's write outside what it may write. It names the
    token's own datasets only, never the graph, so it reads the same for every refused graph."""
    names = principal.write_datasets
    if not names:
        return Forbidden("the token does not grant writes")
    spaces = ", ".join(f"<{dataset_graph_namespace(n)}>" for n in names)
    return Forbidden(
        f"a token scoped to dataset {', '.join(names)} writes the case graphs of that dataset "
        f"and new graphs named under {spaces} (or minted by POST /data); any other graph is "
        "refused, whether or not it exists"
    )


def _authorise_write(graph: str | None, *, minted: bool = False) -> WriteGrant:
    """Authorise a Graph Store write to ``graph`` (None: the default graph; ``minted``: an IRI
    the service has just minted). 401 anonymous; 403 else (see the module docstring).

    The dataset is the one whose namespace holds the graph, else ``?dataset=``, else the dataset
    the graph is stored in, else the one dataset a ``write:NAME`` token names, else the
    service's (``API_DATASET``). A ``?dataset=`` that contradicts the namespace is a 400.
    """
    principal = current_principal()
    if principal.anonymous:
        raise Unauthorized("writing needs a bearer token with write scope")
    app = palermo()
    store = app.store
    if graph in ADMIN_GRAPHS:
        if not principal.is_admin:
            raise Forbidden(
                f"<{graph}> is maintained by the service (ontology, shapes, metadata) and is "
                "written only with a token with admin scope"
            )
        return WriteGrant(principal, str(app.config["API_DATASET"]), False, True)
    owner = dataset_of_graph(graph)
    explicit = request.args.get("dataset")
    if explicit is not None:
        check_dataset_name(explicit)
        if owner is not None and explicit != owner:
            raise GraphStoreError(
                f"graphs under <{dataset_graph_namespace(owner)}> belong to dataset {owner}; "
                "leave out ?dataset= or name that dataset"
            )
    if principal.writes_everything:
        record = store.case_record(graph) if graph is not None else None
        dataset = owner or explicit or (record.dataset if record else None) or _dataset()
        return WriteGrant(principal, dataset, False, graph is None or store.has_graph(graph))
    # A dataset-scoped (or read-only) token: the answer depends on the token, the IRI and the
    # graphs the token may see, never on a graph it may not see.
    refused = _scoped_refusal(principal)
    if graph is None:
        raise refused
    if minted:
        names = principal.write_datasets
        chosen = explicit or (names[0] if len(names) == 1 else None)
        if chosen is None or not principal.can_write(chosen):
            raise refused
        return WriteGrant(principal, chosen, True, False)
    if owner is not None:
        if not principal.can_write(owner):
            raise refused
        seen = visibility(store, principal)
        return WriteGrant(principal, owner, True, seen.allows(graph) and store.has_graph(graph))
    record = store.case_record(graph)
    if record is None or not principal.can_write(record.dataset):
        raise refused
    if explicit is not None and not principal.can_write(explicit):
        raise refused
    return WriteGrant(principal, explicit or record.dataset, True, True)


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


def _write(graph: str | None, triples: list[ox.Triple], *, merge: bool, grant: WriteGrant) -> None:
    app = palermo()
    store = app.store
    if merge and grant.existed:  # never merge what the caller cannot see
        existing = store.triples(graph)
        seen = set(existing)
        triples = existing + [t for t in triples if t not in seen]
    if grant.cases_only and not _has_case(triples):
        raise Forbidden("a dataset-scoped token may write case graphs (with a pal:Case) only")
    if graph is None or graph in ADMIN_GRAPHS:
        store.replace_graph(graph, triples)
        return
    store_case_graph(
        store,
        graph,
        triples,
        dataset=grant.dataset,
        classifier=app.classifier,
        reasoner=app.config["REASONER"],
        public=_public(),
    )


def _receive(graph: str | None, method: str, *, merge: bool, minted: bool = False) -> bool:
    """Authorise, read the body, write it (replacing or merging) and audit; whether the graph
    existed before, as the caller sees it."""
    grant = _authorise_write(graph, minted=minted)
    triples = _body_triples(graph)
    _write(graph, triples, merge=merge, grant=grant)
    _audit(grant.principal, method, graph, grant.dataset)
    return grant.existed


@bp.route("/data", methods=["PUT"])
def put_graph() -> Response:
    given, graph = _target()
    if not given:
        raise GraphStoreError("name a graph: ?graph=IRI or ?default")
    existed = _receive(graph, "PUT", merge=False)
    return Response(status=204 if existed else 201)


@bp.route("/data", methods=["POST"])
def post_graph() -> Response:
    given, graph = _target()
    if not given:
        # GSP 5.5: POST to the service creates a new graph and answers its IRI in Location.
        graph = graph_iri(f"upload/{uuid.uuid4().hex}")
        _receive(graph, "POST", merge=False, minted=True)
        return Response(status=201, headers={"Location": graph})
    existed = _receive(graph, "POST", merge=True)
    return Response(status=204 if existed else 201)


@bp.route("/data", methods=["DELETE"])
def delete_graph() -> Response:
    given, graph = _target()
    if not given:
        raise GraphStoreError("name a graph: ?graph=IRI or ?default")
    store = palermo().store
    principal = current_principal()
    if principal.anonymous:
        raise Unauthorized("writing needs a bearer token with write scope")
    if graph is None and not principal.is_admin:
        raise Forbidden("DELETE ?default empties the default graph (DROP DEFAULT): admin scope")
    # A graph the caller may not see is answered exactly as a graph that does not exist.
    if graph is not None and (
        not visibility(store, principal).allows(graph) or not store.has_graph(graph)
    ):
        raise NotFound(f"there is no graph <{graph}>")
    grant = _authorise_write(graph)
    if graph is None or graph in ADMIN_GRAPHS:
        store.drop_graph(graph)
        audit_write(grant.principal, "DELETE", [graph])
        return Response(status=204)
    record = store.case_record(graph)
    if record:
        store.drop_case_graph(graph)
        audit_write(
            grant.principal, "DELETE", [record.graph, record.inferred_graph], dataset=grant.dataset
        )
    else:
        store.drop_graph(graph)
        audit_write(grant.principal, "DELETE", [graph])
    return Response(status=204)
