"""Content negotiation and the RDF and result formats the API speaks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox
from flask import Response, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_list_header

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
    """The best of ``offered`` for the request's Accept header (the first when none is sent);
    :class:`~palermo.errors.NotAcceptable` (406) when the client accepts none of them."""
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


def best_match(header: str, offered: Sequence[str]) -> str | None:
    """The offered type of the highest quality for an Accept header (RFC 9110, 12.5.1).

    Werkzeug splits the header (commas inside quoted strings included) and matches the ranges
    (:class:`~werkzeug.datastructures.MIMEAccept`): a type takes the quality of the most specific
    range that matches it, so ``text/html;q=0, */*`` refuses HTML and accepts the rest. Where
    ``request.accept_mimetypes.best_match`` answers otherwise, Palermo keeps its own rules:

    - ties go to the server's order (Werkzeug prefers the type a more specific range names: for
      ``text/*, application/rdf+xml`` it gives RDF/XML, Palermo the first offered, Turtle);
    - media-type parameters other than ``q`` are ignored (Werkzeug matches
      ``text/turtle;charset=utf-8`` to no offered type);
    - ``q`` is read leniently (``q = 0.5``) and taken as written, ``0`` when it is not a number
      (Werkzeug drops such a range, so ``text/turtle;q=x, */*;q=0.5`` would give Turtle);
    - of a range given twice, the first counts.
    """
    ranges: dict[str, float] = {}
    for item in parse_list_header(header):
        media, *params = item.split(";")
        quality = 1.0
        for key, _, value in (param.partition("=") for param in params):
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.setdefault(media.strip().lower(), quality)
    accept = MIMEAccept(list(ranges.items()))
    quality, _, media = max((accept.quality(m), -i, m) for i, m in enumerate(offered))
    return media if quality > 0 else None


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
