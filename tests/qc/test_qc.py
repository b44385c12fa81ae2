"""Ontology quality checks: every ``queries/qc/*.rq`` returns no rows on the ontology.

Each check is a SPARQL SELECT (the OBO/CommonCoreOntologies pattern): a row is a defect. Each has
a fixture folder ``tests/qc/<check>/`` with ``trigger.ttl`` (must give at least one row) and
``clean.ttl`` (must give none), so that a check that silently matches nothing is caught too.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from palermo import resources
from palermo.sparql.named import parse_header

FIXTURES = Path(__file__).parent
CHECKS = {path.stem: path for path in resources.query_files("qc")}


def _store(*paths: Path) -> ox.Store:
    store = ox.Store()
    for path in paths:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def _rows(store: ox.Store, check: str) -> list[tuple[str, ...]]:
    solutions = store.query(CHECKS[check].read_text(encoding="utf-8"))
    assert isinstance(solutions, ox.QuerySolutions), f"{check} is not a SELECT query"
    return [tuple(str(value) for value in solution) for solution in solutions]


@pytest.fixture(scope="module")
def ontology() -> ox.Store:
    return _store(*resources.ontology_files())


def test_there_are_checks_and_each_has_fixtures() -> None:
    assert CHECKS, "no quality checks in queries/qc/"
    folders = {path.name for path in FIXTURES.iterdir() if path.is_dir()}
    assert folders == set(CHECKS), "every check needs one fixture folder, and only checks have one"


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_check_has_comment_header(check: str) -> None:
    """The one header of queries/README.md: a check binds nothing and names what a row holds."""
    path = CHECKS[check]
    header = parse_header(path.read_text(encoding="utf-8"), path)
    assert header.title and header.description, (
        f"{check}.rq: the header lacks a Title or Description"
    )
    assert header.description.startswith("A row is"), f"{check}.rq: say what a row means"
    assert "Must return no rows" in header.description, check
    assert not header.parameters, f"{check}.rq: a quality check takes no Parameter"
    assert not header.aggregate, check
    assert header.columns, f"{check}.rq: the header names no Column"


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_ontology_passes_check(ontology: ox.Store, check: str) -> None:
    rows = _rows(ontology, check)
    assert not rows, f"{check}: {len(rows)} offending row(s):\n" + "\n".join(
        "  " + " | ".join(row) for row in rows
    )


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_check_fires_on_trigger_fixture(check: str) -> None:
    rows = _rows(_store(FIXTURES / check / "trigger.ttl"), check)
    assert rows, f"{check} found nothing in its trigger fixture"


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_check_is_silent_on_clean_fixture(check: str) -> None:
    rows = _rows(_store(FIXTURES / check / "clean.ttl"), check)
    assert not rows, f"{check} fired on its clean fixture: {rows}"


@pytest.mark.parametrize("fixture", sorted(CHECKS))
def test_clean_fixture_passes_every_check(fixture: str) -> None:
    store = _store(FIXTURES / fixture / "clean.ttl")
    fired = [check for check in sorted(CHECKS) if _rows(store, check)]
    assert not fired, f"tests/qc/{fixture}/clean.ttl fails {fired}"
