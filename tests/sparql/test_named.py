"""Named queries: one header style for every .rq file, syntax checked once, parameters bound as
terms."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from palermo import resources
from palermo.sparql.named import (
    Column,
    Header,
    Parameter,
    QueryParameterError,
    load_named_queries,
    parse_header,
    parse_named_query,
    parse_parameter,
)

QUERIES = resources.queries_dir()
#: every .rq file: the named queries, the quality checks (qc/) and the classifier's (assessment/)
RQ_FILES = sorted(QUERIES.rglob("*.rq"))


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
    path.write_text("# Title: Broken\n# Description: Broken.\nSELECT WHERE {", encoding="utf-8")
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


# ------------------------------------------------------------------------------------------------
# One header style for every .rq file (queries/README.md)


def test_the_three_folders_hold_queries():
    folders = {path.parent.relative_to(QUERIES).as_posix() for path in RQ_FILES}
    assert folders == {".", "qc", "assessment"}


@pytest.mark.parametrize("path", RQ_FILES, ids=lambda p: p.relative_to(QUERIES).as_posix())
def test_every_rq_file_has_the_one_header(path: Path):
    text = path.read_text(encoding="utf-8")
    header = parse_header(text, path)
    assert header.title and header.description
    assert header.columns, f"{path.name}: the header names no Column"
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", path.stem), "file names are kebab-case"
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    result = ox.Store().query(text)
    if isinstance(result, ox.QuerySolutions):
        projected = [v.value for v in result.variables]
        assert [c.name for c in header.columns] == projected, "Column lines are what it returns"
    else:  # a CONSTRUCT: its Column lines name the variables of the template
        template = body[body.index("CONSTRUCT") : body.index("WHERE")]
        for column in header.columns:
            assert f"?{column.name}" in template, f"?{column.name} is not in the template"
    for parameter in header.parameters:
        assert re.search(rf"\?{parameter.name}\b", body), f"?{parameter.name} is not in the query"


def test_aggregate_is_a_field_of_the_named_query():
    queries = load_named_queries()
    aggregate = {name for name, q in queries.items() if q.aggregate}
    assert aggregate == {name for name in queries if name.startswith("count-")}
    assert queries["count-cases-by-label"].to_json()["aggregate"] is True
    assert queries["list-cases"].to_json()["aggregate"] is False


def test_header_fields_and_continuation_lines():
    text = (
        "# Title: Count things\n"
        "# Description: How many things there are,\n"
        "#   by kind.\n"
        "# Parameter: ?kind (iri, optional): only\n"
        "#   this kind\n"
        "# Column: ?kind: the kind\n"
        "# Column: ?n: how many\n"
        "# Aggregate: true\n"
        "SELECT ?kind (COUNT(*) AS ?n) WHERE { ?s a ?kind } GROUP BY ?kind\n"
        "# a comment in the query text is not part of the header\n"
    )
    assert parse_header(text) == Header(
        title="Count things",
        description="How many things there are, by kind.",
        parameters=(Parameter("kind", "iri", "only this kind"),),
        columns=(Column("kind", "the kind"), Column("n", "how many")),
        aggregate=True,
    )
    assert parse_header("# Title: T\n# Description: D.\nASK {}").aggregate is False


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("# Description: D.\n", "no Title"),
        ("# Title: T\n", "no Description"),
        ("# Title: T\n# Description: D.\n# Parameters: none.\n", "unknown field 'Parameters'"),
        ("# Title: T\n# Description: D.\n# Binds: ?case (optional).\n", "unknown field"),
        ("# Title: T\n# Description: D.\n# a free comment\n", "neither a field"),
        ("# Title: T\n# Title: U\n# Description: D.\n", "a second Title"),
        ("# Title: T\n# Description: D.\n# Aggregate: yes\n", "true or false"),
        ("# Title: T\n# Description: D.\n# Parameter: ?x (text): x\n", "bad parameter"),
        ("# Title: T\n# Description: D.\n# Column: n: how many\n", "bad column"),
    ],
)
def test_a_header_in_another_style_is_refused(header: str, message: str):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_header(header + "SELECT * WHERE { ?s ?p ?o }\n", "q.rq")
