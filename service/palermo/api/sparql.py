"""The SPARQL 1.1 Protocol at ``/sparql`` (https://www.w3.org/TR/sparql11-protocol/).

Query by GET, by POST form and by POST ``application/sparql-query``; update by POST form or
``application/sparql-update`` with a write token. ``GET /sparql`` without a query answers the
SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for

from palermo.api.auth import current_caller, current_principal, require_write
from palermo.api.context import palermo
from palermo.api.negotiation import RESULT_FORMATS, rdf_response, result_response
from palermo.errors import Forbidden, InputError, QuerySyntaxError, UnsupportedMediaType
from palermo.loading.casegraphs import update_and_reclassify
from palermo.rdf.guards import allow_list, check_outbound, inspect_sparql, inspect_update
from palermo.rdf.namespaces import RDF, RDFS
from palermo.rdf.namespaces import SD as SD_NS
from palermo.store.access import audit_write, authorise_update, query_dataset, visibility

log = logging.getLogger(__name__)

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"

SD = str(SD_NS)
ENTAILMENT_OWL_RDF_BASED = "http://www.w3.org/ns/entailment/OWL-RDF-Based"
ENTAILMENT_SIMPLE = "http://www.w3.org/ns/entailment/Simple"
OWL2_RL_PROFILE = "http://www.w3.org/ns/owl-profile/RL"


class ProtocolError(InputError):
    slug = "bad-request"
    title = "Bad SPARQL Protocol request"


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"the {what} is not valid UTF-8 (byte {exc.start})") from None


def _params() -> list[tuple[str, str]]:
    """The URL query parameters, decoded as UTF-8 strictly."""
    raw = request.query_string
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError("the request URL is not valid UTF-8") from None


def _form() -> list[tuple[str, str]]:
    body = request.get_data(cache=True)
    text = _decode(body, "form body")
    try:
        return parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError("the form body is not valid UTF-8 once percent-decoded") from None


def _one(pairs: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in pairs if k == name]
    if len(values) > 1:
        raise ProtocolError(f"the request has {len(values)} '{name}' parameters; send one")
    return values[0] if values else None


def _many(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in pairs if k == name]


def _media_type() -> str:
    return (request.content_type or "").split(";", 1)[0].strip().lower()


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    params = _params()
    if request.method == "GET":
        if _one(params, "update") is not None:
            raise ProtocolError("an update must be sent by POST")
        query = _one(params, "query")
        if query is None:
            return service_description()
        return _query(query, params)
    media = _media_type()
    if media == FORM:
        pairs = _form() + params
        query, update = _one(pairs, "query"), _one(pairs, "update")
        if query is not None and update is not None:
            raise ProtocolError("send either 'query' or 'update', not both")
        if query is not None:
            return _query(query, pairs)
        if update is not None:
            return _update(update, pairs)
        raise ProtocolError("the form has neither a 'query' nor an 'update' parameter")
    if media == QUERY_TYPE:
        return _query(_decode(request.get_data(), "query"), params)
    if media == UPDATE_TYPE:
        return _update(_decode(request.get_data(), "update"), params)
    if not media:
        raise UnsupportedMediaType(
            f"a POST to /sparql needs a Content-Type: {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}"
        )
    raise UnsupportedMediaType(
        f"Content-Type {media!r} is not a SPARQL Protocol type; use {FORM}, {QUERY_TYPE} or "
        f"{UPDATE_TYPE}"
    )


def _check_iris(iris: list[str], what: str) -> list[str]:
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise ProtocolError(f"{what} {iri!r} is not a valid IRI") from None
    return iris


def _query(query: str, pairs: list[tuple[str, str]]) -> Response:
    app = palermo()
    principal = current_principal()
    default = _check_iris(_many(pairs, "default-graph-uri"), "default-graph-uri")
    named = _check_iris(_many(pairs, "named-graph-uri"), "named-graph-uri")
    facts = inspect_sparql(query, base_iri=request.base_url)
    check_outbound(facts, allow_list(app.config.get("OUTBOUND_ALLOW")))
    # SPARQL 1.1 Protocol 2.1.4: a dataset given in the request replaces the query's and the
    # service's; whichever applies is intersected with the graphs the caller may see.
    dataset = query_dataset(
        visibility(app.store, principal), facts, protocol_default=default, protocol_named=named
    )
    result = app.runner.run(
        app.store,
        query,
        caller=current_caller(),
        default_graphs=dataset.default_graphs,
        named_graphs=dataset.named_graphs,
        base_iri=request.base_url,
    )
    return result_response(result)


def _update(update: str, pairs: list[tuple[str, str]]) -> Response:
    principal = require_write()
    if not principal.writes_everything:
        # An update's WHERE clause reads every graph and it may write any graph: only tokens
        # that may read and write everything may send one. Scoped tokens write through /data.
        raise Forbidden(
            "SPARQL Update needs a token with write or admin scope; a dataset-scoped token "
            "writes through the Graph Store Protocol at /data"
        )
    facts = inspect_sparql(update, base_iri=request.base_url)
    check_outbound(facts, allow_list(palermo().config.get("OUTBOUND_ALLOW")))
    if _many(pairs, "using-graph-uri") or _many(pairs, "using-named-graph-uri"):
        raise ProtocolError(
            "using-graph-uri and using-named-graph-uri are not supported; "
            "write USING / USING NAMED in the update"
        )
    app = palermo()
    try:
        # DROP/CLEAR ALL|NAMED|DEFAULT and writes to the ontology, shapes and metadata graphs
        # need admin; a template graph variable is checked, then fenced (store/access.py).
        update = authorise_update(
            app.store, principal, inspect_update(update, base_iri=request.base_url)
        )
        changed = update_and_reclassify(
            app.store,
            update,
            dataset=str(app.config["API_DATASET"]),
            classifier=app.classifier,
            reasoner=app.config["REASONER"],
            base_iri=request.base_url,
        )
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc.msg or exc)) from None
    audit_write(principal, "sparql-update", changed, reclassified=len(changed))
    return Response(status=204)


def service_description() -> Response:
    """The Service Description, with the entailment regime the stored inferences follow."""
    endpoint = ox.NamedNode(url_for("sparql.sparql", _external=True))
    svc = ox.BlankNode()
    dataset = ox.BlankNode()
    default_graph = ox.BlankNode()

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    rdf_type = ox.NamedNode(str(RDF.type))
    comment = ox.NamedNode(str(RDFS.comment))
    triples = [
        ox.Triple(svc, rdf_type, sd("Service")),
        ox.Triple(svc, sd("endpoint"), endpoint),
        ox.Triple(svc, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(svc, sd("supportedLanguage"), sd("SPARQL11Update")),
        ox.Triple(svc, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(svc, sd("defaultEntailmentRegime"), ox.NamedNode(ENTAILMENT_SIMPLE)),
        ox.Triple(svc, sd("defaultDataset"), dataset),
        # VoID and DCAT of the datasets (api/ontology.py).
        ox.Triple(
            dataset,
            ox.NamedNode(str(RDFS.seeAlso)),
            ox.NamedNode(url_for("ontology.void", _external=True)),
        ),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, rdf_type, sd("Graph")),
        ox.Triple(default_graph, sd("entailmentRegime"), ox.NamedNode(ENTAILMENT_OWL_RDF_BASED)),
        ox.Triple(default_graph, sd("entailmentProfile"), ox.NamedNode(OWL2_RL_PROFILE)),
        ox.Triple(
            default_graph,
            comment,
            ox.Literal(
                "The default graph is the union of the named graphs. Beside each case graph, "
                "Palermo stores the triples the OWL 2 RL/RDF rules entail from the case and the "
                "ontology (computed by owlrl when the case is written; sound but not complete "
                "for the OWL 2 RDF-Based Semantics). Query evaluation itself adds no entailment "
                "(simple entailment), so results over the stored graphs already include these "
                "OWL 2 RL inferences.",
                language="en",
            ),
        ),
    ]
    for media in RESULT_FORMATS:
        if media.startswith("application/sparql-results") or media.startswith("text/"):
            triples.append(ox.Triple(svc, sd("resultFormat"), ox.NamedNode(_format_iri(media))))
    for media in (
        "text/turtle",
        "application/n-triples",
        "application/rdf+xml",
        "application/ld+json",
    ):
        triples.append(ox.Triple(svc, sd("resultFormat"), ox.NamedNode(_format_iri(media))))
    return rdf_response(triples)


_W3C_FORMATS = {
    "application/sparql-results+json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "application/sparql-results+xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "text/csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "text/tab-separated-values": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/rdf+xml": "http://www.w3.org/ns/formats/RDF_XML",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
}


def _format_iri(media: str) -> str:
    return _W3C_FORMATS[media]
