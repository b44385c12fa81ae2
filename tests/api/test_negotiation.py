"""Content negotiation (RFC 9110, 12.5.1): Werkzeug parses and matches the Accept header, Palermo
keeps its own rules where ``request.accept_mimetypes.best_match`` would answer otherwise."""

from __future__ import annotations

import pytest
from flask import Flask, request

from palermo.api.negotiation import RDF_FORMATS, RESULT_FORMATS, best_match, negotiate
from palermo.errors import NotAcceptable

RDF = list(RDF_FORMATS)  # text/turtle first, then application/n-triples, application/rdf+xml ...
RESULTS = list(RESULT_FORMATS)


def _negotiate(offered: list[str], accept: str | None) -> str:
    app = Flask(__name__)
    headers = {} if accept is None else {"Accept": accept}
    with app.test_request_context("/", headers=headers):
        return negotiate(offered)


@pytest.mark.parametrize("accept", [None, ""])
def test_no_accept_header_gives_the_first_offered_type(accept):
    assert _negotiate(RDF, accept) == "text/turtle"
    assert _negotiate(RESULTS, accept) == "application/sparql-results+json"


def test_nothing_acceptable_is_406_naming_what_is_offered():
    with pytest.raises(NotAcceptable) as refused:
        _negotiate(RDF, "application/pdf, image/png;q=0.5")
    assert refused.value.status == 406
    assert "text/turtle" in refused.value.detail


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", "text/turtle"),
        ("application/rdf+xml;q=0.5, text/turtle;q=0.9", "text/turtle"),
        ("application/rdf+xml, text/turtle;q=0.9", "application/rdf+xml"),
        ("application/*;q=0.3, text/plain;q=0.2", "application/n-triples"),
        ("TEXT/Turtle", "text/turtle"),
    ],
)
def test_the_highest_quality_wins(accept, expected):
    assert best_match(accept, RDF) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        # The most specific range that matches a type gives its quality: q=0 refuses it.
        ("text/turtle;q=0, */*", "application/n-triples"),
        ("text/*;q=0, application/ld+json;q=0.1", "application/ld+json"),
        ("text/turtle;q=0", None),
        ("*/*;q=0", None),
    ],
)
def test_q_zero_refuses_a_type_that_a_wider_range_accepts(accept, expected):
    assert best_match(accept, RDF) == expected


@pytest.mark.parametrize(
    ("accept", "expected", "werkzeug"),
    [
        # Ties go to the server's order; Werkzeug prefers the type a more specific range names.
        ("text/*, application/rdf+xml", "text/turtle", "application/rdf+xml"),
        ("*/*, application/ld+json", "text/turtle", "application/ld+json"),
        # Parameters other than q are ignored; Werkzeug matches them against the offered type.
        ("text/turtle;charset=utf-8", "text/turtle", None),
        (
            "application/rdf+xml;profile=x;q=0.5, text/turtle;q=0.4",
            "application/rdf+xml",
            "text/turtle",
        ),
        # A q that is not a number refuses its range; Werkzeug drops the range.
        ("text/turtle;q=x, */*;q=0.5", "application/n-triples", "text/turtle"),
        ("text/turtle;q=, */*;q=0.5", "application/n-triples", "text/turtle"),
    ],
)
def test_palermo_rules_where_werkzeug_differs(accept, expected, werkzeug):
    """If the Werkzeug column fails after an upgrade, the difference is gone: check whether
    :func:`best_match` can shrink to ``request.accept_mimetypes.best_match``."""
    assert best_match(accept, RDF) == expected
    with Flask(__name__).test_request_context("/", headers={"Accept": accept}):
        assert request.accept_mimetypes.best_match(RDF) == werkzeug


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/turtle; q = 0.5, application/rdf+xml;q=0.4", "text/turtle"),  # lenient spacing
        ("application/ld+json;q=0.2, application/ld+json", "application/ld+json"),  # first counts
        ("text/turtle;q=0.2, text/turtle, application/rdf+xml;q=0.3", "application/rdf+xml"),
        (",", None),
        ("image/png", None),
        ("text", None),
        ("*/turtle", None),
    ],
)
def test_malformed_and_repeated_ranges(accept, expected):
    assert best_match(accept, RDF) == expected


def test_a_comma_inside_a_quoted_parameter_does_not_split_the_range():
    """Werkzeug's list parser keeps ``profile="a,b"`` whole, so the range's own q counts."""
    accept = 'text/turtle;profile="urn:a,urn:b";q=0.1, application/ld+json;q=0.5'
    assert best_match(accept, RDF) == "application/ld+json"


def test_sparql_results_prefer_the_server_order_among_equals():
    assert best_match("application/json, application/sparql-results+json", RESULTS) == (
        "application/sparql-results+json"
    )
    assert best_match("text/*", RESULTS) == "text/csv"
