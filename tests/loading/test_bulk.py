"""The bulk path: parse, classify and store many cases; each case whole or absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from palermo.loading.bulk import case_nquads, load_bulk, read_plain
from palermo.rdf.parsing import read_graph
from palermo.store.oxigraph import OxigraphStore
from support import paths

CASES = paths.CASES
FILES = [
    CASES / "t01-adult-recruitment-deception-forced-labour.ttl",
    CASES / "t02-child-no-means.ttl",
    CASES / "s02-illegal-stay.ttl",
    CASES / "a04-two-cases-independent.ttl",
    CASES / "b01-smuggled-then-exploited.ttl",
]
PAL = "https://w3id.org/palermo/ontology#"


def _labels(store: OxigraphStore) -> dict[str, str]:
    rows = store.query(
        f"SELECT ?case ?label WHERE {{ GRAPH ?g {{ ?a <{PAL}assesses> ?case ; "
        f"<{PAL}assessmentLabel> ?label }} }}"
    )
    return {row["case"].value: row["label"].value for row in rows}


def test_bulk_load_stores_every_case_with_its_assessment(tmp_path: Path, classifier) -> None:
    store = OxigraphStore(tmp_path / "store")
    summary = load_bulk(store, FILES, dataset="bulk", public=False, classifier=classifier)
    expected = {
        a["case"]: a["label"]
        for a in (c.assessment.to_json() for c in classifier.classify(read_graph(FILES)))
    }
    assert summary.cases == len(expected) == 6
    assert _labels(store) == expected
    records = store.case_records()
    assert len(records) == 6
    assert {r.dataset for r in records} == {"bulk"}
    names = set(store.graph_names())
    assert all(r.graph in names and r.inferred_graph in names for r in records)
    store.close()
    reopened = OxigraphStore(tmp_path / "store")  # survives a restart, nothing swept
    assert _labels(reopened) == expected
    reopened.close()


def test_loading_again_replaces_the_cases(tmp_path: Path, classifier) -> None:
    store = OxigraphStore(tmp_path / "store")
    load_bulk(store, FILES, dataset="bulk", public=False, classifier=classifier)
    before = store.count_quads()
    load_bulk(store, FILES, dataset="bulk", public=False, classifier=classifier)
    # Only the shared prov:Activity of the second load is new.
    assert store.count_quads() == before + 5
    assert len(store.case_records()) == 6
    store.close()


def test_an_interrupted_bulk_write_is_swept_when_the_store_opens(
    tmp_path: Path, classifier
) -> None:
    """Data written, the records that make cases visible never written: at the next open the
    half-written cases are gone, and cases stored before are untouched."""
    store = OxigraphStore(tmp_path / "store")
    load_bulk(store, FILES[:1], dataset="bulk", public=False, classifier=classifier)
    kept = _labels(store)
    results = classifier.classify_triples(read_plain(FILES[1:]))
    text, graphs = case_nquads(
        results, activity="https://example.org/activity", now="2026-11-28T00:00:00+00:00"
    )

    def crash() -> list:
        raise OSError("killed")

    with pytest.raises(Exception, match="killed"):
        store.bulk_write_cases([(text.encode(), graphs)], crash, dataset="bulk", public=False)
    assert any(g in set(store.graph_names()) for g in graphs)  # half-written right now
    store.close()
    reopened = OxigraphStore(tmp_path / "store")
    names = set(reopened.graph_names())
    assert not any(g in names for g in graphs)
    assert _labels(reopened) == kept
    assert len(reopened.case_records()) == 1
    reopened.close()
