"""``inspect_update`` (rdf/guards.py): what an update writes, read from its text, and the fence
that keeps a template's graph variable off the guarded graphs whatever the store holds."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from palermo.rdf.guards import inspect_update
from palermo.store.access import ADMIN_GRAPHS

ONTOLOGY = "https://w3id.org/palermo/graph/ontology"


@pytest.mark.parametrize(
    ("update", "graphs", "whole"),
    [
        ("DROP ALL", (), ("DROP ALL",)),
        ("clear silent named", (), ("CLEAR NAMED",)),
        ("DROP GRAPH <urn:g>", ("urn:g",), ()),
        ("CREATE SILENT GRAPH <urn:g>", ("urn:g",), ()),
        ("MOVE <urn:a> TO GRAPH <urn:b>", ("urn:b", "urn:a"), ()),
        ("ADD DEFAULT TO <urn:b>", ("urn:b",), ()),
        ("LOAD <http://x/y> INTO GRAPH <urn:g>", ("urn:g",), ()),
        (
            'INSERT DATA { <urn:s> <urn:p> "x"@graph GRAPH <urn:g> { <urn:s> <urn:p> 1 } }',
            ("urn:g",),
            (),
        ),
        ("WITH <urn:w> INSERT { <urn:s> <urn:p> ?o } WHERE { ?s ?p ?o }", ("urn:w",), ()),
        ("WITH <urn:w> INSERT { GRAPH <urn:g> { ?s ?p ?o } } WHERE { ?s ?p ?o }", ("urn:g",), ()),
        (
            "BASE <http://ex/> PREFIX g: <graphs/> INSERT DATA { GRAPH g:one { <a> <b> <c> } }",
            ("http://ex/graphs/one",),
            (),
        ),
        # a FILTER's "<" cannot hide a later operation: operations are found by braces alone
        (
            "INSERT { <urn:s> <urn:p> ?o } WHERE { ?s ?p ?o FILTER(?o<(?p)) } ; DROP GRAPH <urn:z>",
            ("urn:z",),
            (),
        ),
    ],
)
def test_write_targets(update, graphs, whole):
    facts = inspect_update(update)
    assert facts.graphs == graphs
    assert facts.whole_store == whole
    assert not facts.unsettled


def test_graph_variables_and_an_unsettled_template():
    facts = inspect_update(
        "DELETE { GRAPH ?g { ?s ?p ?o } } INSERT { GRAPH $h { ?s ?p 1 } } "
        "WHERE { GRAPH ?g { ?s ?p ?o } BIND(?g AS ?h) }"
    )
    assert facts.graph_variables == ("g", "h")
    assert inspect_update("INSERT DATA { GRAPH 'x' { <a> <b> <c> } }").unsettled


def test_the_fence_holds_when_the_store_changes_after_the_check():
    """The ASK found nothing in the ontology graph; a triple lands there before the update runs:
    the fenced update still leaves the ontology graph alone and does the rest."""
    store = ox.Store()
    store.update("INSERT DATA { GRAPH <urn:case> { <urn:s> <urn:p> 1 } }")
    facts = inspect_update("DELETE WHERE { GRAPH ?g { ?s <urn:p> ?o } }")
    [probe] = facts.probes(ADMIN_GRAPHS)
    assert not store.query(probe.query)
    store.update(f"INSERT DATA {{ GRAPH <{ONTOLOGY}> {{ <urn:s> <urn:p> 2 }} }}")  # the race
    store.update(facts.fenced(ADMIN_GRAPHS))
    assert [(q.graph_name.value, q.object.value) for q in store] == [(ONTOLOGY, "2")]
