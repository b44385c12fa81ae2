"""Content negotiation and the RDF and result formats the API speaks."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from flask import Response, request

from palermo.errors import NotAcceptable
from palermo.rdf.namespaces import CORE, prefixes
from palermo.sparql.runner import QueryResult

RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/x-turtle": ox.RdfFormat.TURTLE,
}
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
PREFIXES = prefixes(*CORE, "sd")


def negotiate(offered: Iterable[str]) -> str:
    """The best of ``offered`` for the request's Accept header (the first when none is sent)."""
    offered = list(offered)
    header = request.headers.get("Accept")
    if not header:
        return offered[0]
    best = best_match(header, offered)
    if best is None:
        raise NotAcceptable(
            f"none of the requested media types is available; offered: {', '.join(offered)}"
        )
    return best


def best_match(header: str, offered: list[str]) -> str | None:
    """RFC 9110 12.5.1: the offered type with the highest quality; media-type parameters other
    than ``q`` (``charset=utf-8``) are ignored, and ties go to the server's order."""
    ranges: list[tuple[str, float]] = []
    for item in header.split(","):
        parts = [p.strip() for p in item.split(";")]
        if not parts[0]:
            continue
        q = 1.0
        for param in parts[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((parts[0].lower(), q))

    def quality(media: str) -> tuple[float, int]:
        kind = media.split("/", 1)[0] + "/*"
        best = (-1.0, -1)
        for rng, q in ranges:
            specificity = 2 if rng == media else 1 if rng == kind else 0 if rng == "*/*" else -1
            if specificity >= 0 and specificity > best[1]:
                best = (q, specificity)
        return best

    scored = [(quality(m)[0], -i, m) for i, m in enumerate(offered)]
    q, _, media = max(scored)
    return media if q > 0 else None


def rdf_response(triples: Iterable[ox.Triple], *, status: int = 200) -> Response:
    media = negotiate(RDF_FORMATS)
    fmt = RDF_FORMATS[media]
    prefixes = PREFIXES if fmt in (ox.RdfFormat.TURTLE,) else None
    body = (
        ox.serialize(list(triples), format=fmt, prefixes=prefixes)
        if prefixes
        else ox.serialize(list(triples), format=fmt)
    )
    return Response(body, status=status, mimetype=media, headers={"Vary": "Accept"})


def result_response(result: QueryResult) -> Response:
    """A query result in the negotiated format; 406 when the form and Accept do not meet."""
    if result.kind == "graph":
        return rdf_response(result.triples)
    media = negotiate(RESULT_FORMATS)
    body = result.serialize(RESULT_FORMATS[media])
    mimetype = media
    if media.startswith("text/"):
        mimetype = f"{media}; charset=utf-8"
    return Response(body, mimetype=mimetype, headers={"Vary": "Accept"})
