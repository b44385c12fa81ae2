"""The embedded store: case graphs beside inference graphs, atomic loads, datasets, reopening."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from palermo.rdf.terms import to_triples
from palermo.store import metadata as store_metadata
from palermo.store.interface import CaseGraphWrite, writes_for_cases
from palermo.store.metadata import METADATA_GRAPH, Conflict, case_graph_iri, case_key
from palermo.store.oxigraph import OxigraphStore

A = ox.NamedNode("http://example.org/a")
P = ox.NamedNode("http://example.org/p")


def _write(key: str, n: int = 1) -> CaseGraphWrite:
    graph = case_graph_iri(key)
    case = f"https://example.org/case/{key}"
    asserted = tuple(ox.Triple(ox.NamedNode(case), P, ox.Literal(i)) for i in range(n))
    inferred = (ox.Triple(ox.NamedNode(case), P, ox.Literal("inferred")),)
    return CaseGraphWrite(graph, graph + "/inferred", (case,), asserted, inferred)


def test_a_case_and_its_inferences_are_stored_beside_each_other():
    store = OxigraphStore()
    store.write_case_graphs([_write("k1", 2)], dataset="private")
    [record] = store.case_records()
    assert record.graph == case_graph_iri("k1")
    assert record.inferred_graph == case_graph_iri("k1") + "/inferred"
    assert record.dataset == "private"
    assert len(store.triples(record.graph)) == 2
    assert len(store.triples(record.inferred_graph)) == 1


def test_replacing_a_case_replaces_both_graphs():
    store = OxigraphStore()
    store.write_case_graphs([_write("k1", 3)], dataset="private")
    store.write_case_graphs([_write("k1", 1)], dataset="private")
    [record] = store.case_records()
    assert len(store.triples(record.graph)) == 1
    assert len(store.triples(record.inferred_graph)) == 1


def test_a_failed_load_writes_nothing(monkeypatch):
    store = OxigraphStore()
    store.write_case_graphs([_write("k0")], dataset="private")
    before = set(store)
    real = store_metadata.statements
    calls = []

    def broken(triples):
        calls.append(triples)
        text = real(triples)
        return text + " this is not SPARQL " if len(calls) == 3 else text

    monkeypatch.setattr(store_metadata, "statements", broken)
    with pytest.raises(SyntaxError):
        store.write_case_graphs([_write("k0", 5), _write("k1"), _write("k2")], dataset="private")
    assert set(store) == before


def test_a_dataset_keeps_its_access_rights():
    store = OxigraphStore()
    store.write_case_graphs([_write("k1")], dataset="examples", public=True)
    [ds] = store.datasets()
    assert ds.public and ds.graphs == (case_graph_iri("k1"),)
    with pytest.raises(Conflict):
        store.write_case_graphs([_write("k2")], dataset="examples", public=False)
    assert store.case_record(case_graph_iri("k2")) is None
    assert store.set_dataset("examples", public=False).public is False


def test_literal_subjects_are_dropped():
    g = Graph()
    g.add((Literal("x"), URIRef("http://example.org/p"), URIRef("http://example.org/o")))
    g.add((URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal("x")))
    assert len(to_triples(g)) == 1


def test_case_keys():
    assert case_key(URIRef("https://w3id.org/palermo/case/c-17")) == "c-17"
    assert case_key(URIRef("https://example.org/case/x")).startswith("h")


def test_reopening_a_data_dir_shows_every_case(tmp_path):
    store = OxigraphStore(tmp_path)
    store.write_case_graphs([_write("k1"), _write("k2")], dataset="private")
    store.close()
    reopened = OxigraphStore(tmp_path)
    assert len(reopened.case_records()) == 2
    assert reopened.has_graph(METADATA_GRAPH)
    reopened.close()


def test_classified_cases_are_written_with_their_assessment(classified_cases):
    store = OxigraphStore()
    store.write_case_graphs(writes_for_cases(classified_cases["child"]), dataset="private")
    [record] = store.case_records()
    ask = (
        "PREFIX pal: <https://w3id.org/palermo/ontology#> ASK { "
        f"GRAPH <{record.inferred_graph}> {{ ?a a pal:Assessment ; pal:assesses ?c }} }}"
    )
    assert bool(store.query(ask)) is True
