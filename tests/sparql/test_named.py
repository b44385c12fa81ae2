"""Named queries: header parsing, syntax checked once, parameters bound as terms."""

from __future__ import annotations

import pytest

from palermo.sparql.named import (
    Parameter,
    QueryParameterError,
    load_named_queries,
    parse_named_query,
    parse_parameter,
)


def test_at_least_ten_named_queries_with_headers():
    queries = load_named_queries()
    assert len(queries) >= 10
    for q in queries.values():
        assert q.title and q.description and q.columns, q.name


def test_header_and_binding(tmp_path):
    path = tmp_path / "count-things.rq"
    path.write_text(
        "# Title: Count things\n# Description: Things.\n"
        "# Parameter: ?kind (iri, required): the kind\n# Column: ?n: how many\n"
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?kind }\n",
        encoding="utf-8",
    )
    q = parse_named_query(path)
    assert q.parameters == (Parameter("kind", "iri", "the kind", True),)
    bound = q.bind({"kind": "http://example.org/K"})
    assert "VALUES (?kind) { (<http://example.org/K>) }" in bound
    with pytest.raises(QueryParameterError):
        q.bind({})


def test_a_query_with_bad_syntax_is_refused_at_load(tmp_path):
    path = tmp_path / "broken.rq"
    path.write_text("# Title: Broken\nSELECT WHERE {", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.rq"):
        parse_named_query(path)


@pytest.mark.parametrize(
    ("type_", "raw", "expected"),
    [
        ("string", 'a"b', '"a\\"b"'),
        ("integer", "42", '"42"^^<http://www.w3.org/2001/XMLSchema#integer>'),
        ("boolean", "true", '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'),
        ("country", "phl", "<http://publications.europa.eu/resource/authority/country/PHL>"),
    ],
)
def test_parameter_values_become_terms(type_, raw, expected):
    assert str(parse_parameter(Parameter("x", type_, ""), raw)) == expected


@pytest.mark.parametrize(
    ("type_", "raw"),
    [
        ("iri", "http://x/> } DROP ALL"),
        ("iri", "relative"),
        ("integer", "1; DROP"),
        ("date", "yesterday"),
        ("country", "http://example.org/PHL"),
    ],
)
def test_bad_parameter_values_are_refused(type_, raw):
    with pytest.raises(QueryParameterError):
        parse_parameter(Parameter("x", type_, ""), raw)
