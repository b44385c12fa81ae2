"""Configuration: defaults, then ``PALERMO_*`` environment variables, then the mapping passed in;
and ``CASE_BASE`` reaches every IRI Palermo mints for case data."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from rdflib import Graph

from palermo.classification.classifier import Classifier
from palermo.config import DEFAULTS, load_config
from palermo.loading.bulk import load_bulk
from palermo.rdf.namespaces import CASE_BASE
from palermo.store.metadata import case_graph_iri, case_key
from palermo.store.oxigraph import OxigraphStore
from support.constants import WRITE

PACKAGE = Path(__file__).resolve().parents[1] / "service" / "palermo"
OTHER_BASE = "https://registry.example.org/cases/"

CASE = f"""
@prefix pal: <https://w3id.org/palermo/ontology#> .
<{OTHER_BASE}c-1> a pal:Case ;
    pal:act [ a pal:Recruitment ] ; pal:means [ a pal:Deception ] ;
    pal:purpose [ a pal:ForcedLabour ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 30 ] .
"""


def _keys_read_by_the_code() -> set[str]:
    """Every configuration key the package reads: ``config["KEY"]``, ``settings.get("KEY")``..."""
    keys: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                base = ast.unparse(node.value)
                if re.search(r"(config|settings)$", base) and isinstance(node.slice.value, str):
                    keys.add(node.slice.value)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and re.search(r"(config|settings)$", ast.unparse(node.func.value))
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                keys.add(node.args[0].value)
    # Flask's own keys, set by the app factory
    return {k for k in keys if k not in {"MAX_CONTENT_LENGTH", "TESTING"}}


def test_every_key_the_code_reads_has_a_default() -> None:
    read = _keys_read_by_the_code()
    assert read, "the scan found no configuration reads"
    assert read <= set(DEFAULTS), sorted(read - set(DEFAULTS))


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_precedence_defaults_then_environment_then_mapping(key: str) -> None:
    default = DEFAULTS[key]
    samples = {bool: ("true", True), int: ("7", 7), float: ("2.5", 2.5), str: ("x", "x")}
    raw, parsed = samples[type(default)]
    assert load_config(environ={})[key] == default
    assert load_config(environ={f"PALERMO_{key}": raw})[key] == parsed
    assert load_config({key: "mapping"}, environ={f"PALERMO_{key}": raw})[key] == "mapping"


def test_a_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ValueError, match="PALERMO_QUERY_MEMORY_MB"):
        load_config(environ={"PALERMO_QUERY_MEMORY_MB": "many"})


def test_case_base_names_the_graphs_of_cases_under_it() -> None:
    assert case_key(f"{OTHER_BASE}c-1", case_base=OTHER_BASE) == "c-1"
    assert case_key(f"{CASE_BASE}c-1", case_base=OTHER_BASE).startswith("h")


def _minted(store: OxigraphStore, input_iris: set[str]) -> set[str]:
    """IRIs in the store that neither the input nor the ontology brought, nor graph names."""
    rows = store.query(
        "SELECT DISTINCT ?t WHERE { GRAPH ?g { { ?t ?p ?o } UNION { ?s ?p ?t } } "
        "FILTER(isIRI(?t)) FILTER(STRSTARTS(STR(?g), 'https://w3id.org/palermo/graph/case/') "
        "|| STRSTARTS(STR(?g), 'https://w3id.org/palermo/graph/inferred/')) }"
    )
    found = {row["t"].value for row in rows}
    return {
        iri
        for iri in found - input_iris
        # the ontology, its version and the software agent are not case data
        if not iri.startswith(
            (
                "https://w3id.org/palermo/ontology",
                "https://w3id.org/palermo/software/",
                "http://www.w3.org/",
            )
        )
    }


def test_case_base_reaches_every_iri_minted_by_a_bulk_load(tmp_path: Path, ontology) -> None:
    source = tmp_path / "case.ttl"
    source.write_text(CASE, encoding="utf-8")
    store = OxigraphStore(tmp_path / "store")
    classifier = Classifier(ontology, case_base=OTHER_BASE)
    load_bulk(store, [source], dataset="d", public=False, classifier=classifier)
    assert case_graph_iri("c-1") in store.graph_names()
    minted = _minted(store, {f"{OTHER_BASE}c-1"})
    assert minted, "an assessment was minted"
    assert all(iri.startswith(OTHER_BASE) for iri in minted), minted
    meta = {row["s"].value for row in store.query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }")}
    activities = {iri for iri in meta if "/activity" in iri}
    assert activities and all(iri.startswith(OTHER_BASE) for iri in activities)
    store.close()


def test_case_base_reaches_the_iris_of_the_service(make_app) -> None:
    app = make_app(CASE_BASE=OTHER_BASE)
    client = app.test_client()
    answer = client.post(
        "/classify",
        data=CASE,
        headers={"Content-Type": "text/turtle", "Accept": "text/turtle"},
    )
    assert answer.status_code == 200
    graph = Graph().parse(data=answer.get_data(as_text=True), format="turtle")
    subjects = {str(s) for s in graph.subjects()}
    assert subjects and all(s.startswith(OTHER_BASE) for s in subjects), subjects
    stored = client.put(
        "/data?graph=https://example.org/g1",
        data=CASE,
        headers={"Content-Type": "text/turtle", **WRITE},
    )
    assert stored.status_code in {201, 204}
    store = app.extensions["palermo"].store
    minted = _minted(store, {f"{OTHER_BASE}c-1"})
    assert minted and all(iri.startswith(OTHER_BASE) for iri in minted), minted
