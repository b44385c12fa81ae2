"""SHACL validation (palermo.validation.pyshacl_engine) against the shape fixtures in tests/shapes/.

The fixtures are data: tests/shapes/valid/*.ttl and tests/shapes/invalid/*.ttl, with the expected
verdict and results in tests/shapes/manifest.json, run by one parametrized test.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.term import Node

from palermo import resources
from palermo.rdf.namespaces import OWL, PAL, PALSH, RDF, SH
from palermo.rdf.parsing import read_graph
from palermo.validation.shapes import Shapes, load_shapes
from palermo.validation.validator import validate
from support import paths, shacl_suite
from support.shacl_suite import MF, SHACL_TESTS, SHT

SHAPES_TESTS = paths.SHAPES_TESTS
MANIFEST = json.loads((SHAPES_TESTS / "manifest.json").read_text(encoding="utf-8"))
PREFIXES: dict[str, str] = MANIFEST["prefixes"]
FIXTURES: dict[str, dict] = MANIFEST["fixtures"]


def expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES else curie


def path_key(result_path: URIRef | None, path_text: str) -> str | None:
    if result_path is None:
        return None
    if isinstance(result_path, URIRef):
        return str(result_path)
    return path_text  # a complex path, compared in its compact SPARQL notation


def expected_path(path: str | None) -> str | None:
    if path is None or path.startswith("("):
        return path
    return expand(path)


def test_every_fixture_file_is_in_the_manifest() -> None:
    on_disk = {p.relative_to(SHAPES_TESTS).as_posix() for p in SHAPES_TESTS.glob("*/*.ttl")}
    assert on_disk == set(FIXTURES)
    for name, entry in FIXTURES.items():
        assert entry["conforms"] is name.startswith("valid/"), name


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_shape_fixture(name: str, shapes) -> None:
    entry = FIXTURES[name]
    outcome = validate(read_graph([SHAPES_TESTS / name]), shapes=shapes)

    assert outcome.conforms is entry["conforms"], outcome.summary()
    actual = {
        (
            str(r.focus_node),
            path_key(r.path, r.path_text),
            r.severity_name,
            str(r.source_shape),
        )
        for r in outcome.results
    }
    expected = {
        (expand(e["focus"]), expected_path(e["path"]), e["severity"], expand(e["shape"]))
        for e in entry["results"]
    }
    assert actual == expected, outcome.summary()

    for e in entry["results"]:
        if "value" in e:
            assert any(
                str(r.focus_node) == expand(e["focus"]) and str(r.value) == expand(e["value"])
                for r in outcome.results
            ), f"no result with value {e['value']}"
    for r in outcome.results:
        assert r.message, f"result without a message: {r}"


def test_untyped_element_names_focus_node_value_and_message(shapes) -> None:
    outcome = validate(read_graph([SHAPES_TESTS / "invalid/element-untyped.ttl"]), shapes=shapes)
    (result,) = outcome.violations
    assert result.focus_node == URIRef("https://example.org/case-i05")
    assert result.value == URIRef("https://example.org/act-i05")
    assert result.path == PAL.act
    assert result.constraint == SH.ClassConstraintComponent
    assert "pal:Recruitment" in result.message
    summary = outcome.summary()
    assert "<https://example.org/case-i05>" in summary
    assert "<https://example.org/act-i05>" in summary


def test_negative_age_reports_person_and_value(shapes) -> None:
    outcome = validate(read_graph([SHAPES_TESTS / "invalid/age-negative.ttl"]), shapes=shapes)
    (result,) = outcome.violations
    assert result.focus_node == URIRef("https://example.org/person-i01")
    assert result.value == Literal(-1)
    assert "whole number of years" in result.message


def test_contradiction_message_names_both_sides(shapes) -> None:
    outcome = validate(
        read_graph([SHAPES_TESTS / "valid/present-and-ruled-out.ttl"]), shapes=shapes
    )
    assert outcome.conforms
    messages = {r.message for r in outcome.warnings}
    assert any("pal:act" in m and "pal:ActElement" in m for m in messages), messages
    assert any("pal:benefit" in m and "pal:BenefitElement" in m for m in messages), messages
    assert all(r.source_constraint == PALSH.PresentAndRuledOutCheck for r in outcome.warnings)


def test_privacy_warnings_do_not_repeat_the_personal_data(shapes) -> None:
    outcome = validate(read_graph([SHAPES_TESTS / "valid/privacy-warnings.ttl"]), shapes=shapes)
    assert outcome.conforms
    assert outcome.counts == {"Violation": 0, "Warning": 6, "Info": 0}
    text = outcome.summary() + outcome.to_json() + outcome.to_turtle()
    for personal in ("Placeholder Name", "+234", "someone@example.org", "A00000000", "2001-01-01"):
        assert personal not in text


def test_validation_does_not_change_the_data_graph(shapes) -> None:
    data = read_graph([SHAPES_TESTS / "valid/case-supplied-subclass.ttl"])
    before = Graph()
    before += data
    validate(data, shapes=shapes)
    assert isomorphic(data, before)


def test_blank_node_focus_nodes_keep_their_identity(shapes) -> None:
    data = Graph()
    case, act = BNode(), BNode()
    data.add((case, RDF.type, PAL.Case))
    data.add((case, PAL.affectedPerson, BNode()))
    data.add((case, PAL.act, act))
    outcome = validate(data, shapes=shapes)
    class_results = [r for r in outcome.violations if r.path == PAL.act]
    assert [(r.focus_node, r.value) for r in class_results] == [(case, act)]
    # A blank-node case is fine for classification, but a partner dataset should name it.
    assert [r.source_shape for r in outcome.warnings] == [PALSH.PartnerCaseShape]


def test_json_and_counts(shapes) -> None:
    outcome = validate(
        read_graph([SHAPES_TESTS / "invalid/privacy-and-violation.ttl"]), shapes=shapes
    )
    data = json.loads(outcome.to_json())
    assert data["conforms"] is False
    assert data["counts"] == {"Violation": 1, "Warning": 2, "Info": 0}
    assert len(data["results"]) == 3
    first = data["results"][0]
    assert first["severity"] == "Violation"
    assert first["focusNode"] == "https://example.org/person-i19"
    assert first["resultPath"] == "pal:ageAtTimeOfAct"
    assert first["value"] == "-5"
    assert first["sourceShape"] == str(PALSH["PersonShape-ageAtTimeOfAct"])
    assert first["sourceConstraintComponent"] == "MinInclusiveConstraintComponent"


def test_report_graph_is_a_shacl_validation_report(shapes) -> None:
    outcome = validate(read_graph([SHAPES_TESTS / "invalid/age-130.ttl"]), shapes=shapes)
    reports = list(outcome.report.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    assert outcome.report.value(reports[0], SH.conforms) == Literal(False)
    assert len(list(outcome.report.objects(reports[0], SH.result))) == 1


def test_summary_groups_by_shape_then_focus_node(shapes) -> None:
    outcome = validate(read_graph([SHAPES_TESTS / "valid/privacy-warnings.ttl"]), shapes=shapes)
    lines = outcome.summary().splitlines()
    assert lines[0] == "Validation: conforms (0 violations, 6 warnings, 0 infos)."
    assert lines.count("palsh:PersonPrivacyShape") == 1
    assert lines.count("palsh:CasePrivacyShape") == 1
    assert lines.count("  <https://example.org/person-v05>") == 1


def test_an_empty_graph_conforms(shapes) -> None:
    outcome = validate(Graph(), shapes=shapes)
    assert outcome.conforms
    assert outcome.results == ()


def test_the_app_loads_the_shapes_once(app, shapes) -> None:
    """The app factory builds the shapes once and every request uses them."""
    palermo = app.extensions["palermo"]
    assert palermo.shapes is app.extensions["palermo"].shapes
    assert set(palermo.shapes.files) == {p.name for p in resources.shapes_files()}
    assert set(shapes.files) == {p.name for p in resources.shapes_files()}
    assert palermo.contract.files == ("case-graph.ttl",)


def test_shapes_can_be_chosen() -> None:
    only_privacy = load_shapes(shape_files=[resources.shapes_dir() / "privacy.ttl"])
    data = read_graph([SHAPES_TESTS / "invalid/privacy-and-violation.ttl"])
    outcome = validate(data, shapes=only_privacy)
    assert outcome.conforms
    assert outcome.counts["Warning"] == 2


# ---------------------------------------------------------------------------------------------
# House rules for the shapes themselves (shared/STYLE.md, "Ontology, shapes, queries")

SHAPES_GRAPH_FILES = resources.shapes_files()
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def _shapes_graph(path: Path) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


@pytest.mark.parametrize("path", SHAPES_GRAPH_FILES, ids=lambda p: p.name)
def test_shapes_file_has_an_ontology_header(path: Path) -> None:
    graph = _shapes_graph(path)
    (header,) = graph.subjects(RDF.type, OWL.Ontology)
    assert str(header) == f"https://w3id.org/palermo/shapes/{path.stem}"
    for prop in (OWL.versionIRI, OWL.versionInfo):
        assert graph.value(header, prop) is not None, prop


@pytest.mark.parametrize("path", SHAPES_GRAPH_FILES, ids=lambda p: p.name)
def test_every_shape_is_named_targeted_and_has_severity_and_message(path: Path) -> None:
    graph = _shapes_graph(path)
    node_shapes = set(graph.subjects(RDF.type, SH.NodeShape))
    property_shapes = set(graph.subjects(RDF.type, SH.PropertyShape))
    assert node_shapes, "no node shapes"
    for shape in node_shapes | property_shapes:
        assert isinstance(shape, URIRef) and shape.startswith(str(PALSH)), shape
        assert graph.value(shape, SH.severity) is not None, f"{shape} has no sh:severity"
    for shape in node_shapes:
        assert str(shape).endswith("Shape"), shape
        assert any(graph.value(shape, t) is not None for t in TARGETS), f"{shape} has no target"
        has_node_constraint = any(
            p.startswith(str(SH))
            and p not in (*TARGETS, SH.property, SH.sparql, SH.severity, SH.message)
            for p in graph.predicates(shape, None)
        )
        if has_node_constraint:
            assert graph.value(shape, SH.message) is not None, f"{shape} has no sh:message"
    for shape in property_shapes:
        assert graph.value(shape, SH.message) is not None, f"{shape} has no sh:message"
    for constraint in set(graph.objects(None, SH.sparql)):
        assert graph.value(constraint, SH.message) is not None, f"{constraint} has no message"


# ---------------------------------------------------------------------------------------------
# The W3C SHACL test suite (core and SPARQL), run the way Palermo calls pySHACL: no inference,
# warnings allowed, SPARQL queries prepared once (pyshacl_engine._ValidationGraph).

W3C_TEST_FILES = shacl_suite.test_files()
#: Where pySHACL (as pinned) departs from the suite; strict, so a fix in pySHACL is noticed.
W3C_KNOWN_DEVIATIONS = {
    "core/property/uniqueLang-002.ttl": 'pySHACL reads sh:uniqueLang "1"^^xsd:boolean as true; '
    "the suite says only true activates the constraint",
    "sparql/pre-binding/shapesGraph-001.ttl": "pySHACL does not support $shapesGraph",
}


def _w3c_params() -> list:
    if not W3C_TEST_FILES:
        return [pytest.param(None, id="absent")]
    params = []
    for path in W3C_TEST_FILES:
        name = path.relative_to(SHACL_TESTS).as_posix()
        reason = W3C_KNOWN_DEVIATIONS.get(name)
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(path, id=name, marks=marks))
    return params


def _graph_at(iri: Node, test_file: Path, own: Graph) -> Graph:
    path = shacl_suite.file_path(iri)
    return own if path == test_file else Graph().parse(path, format="turtle")


@pytest.mark.skipif(
    not W3C_TEST_FILES,
    reason=f"W3C SHACL test suite not found at {SHACL_TESTS} (it lives in ../shared/)",
)
@pytest.mark.parametrize("test_file", _w3c_params())
def test_w3c_shacl_conformance(test_file: Path) -> None:
    """pySHACL, called as pyshacl_engine calls it, agrees with the expected reports.

    'Conforms' is Palermo's: no sh:Violation (warnings allowed), so the expected verdict is read
    from the severities of the expected results.
    https://w3c.github.io/data-shapes/data-shapes-test-suite/
    """
    with warnings.catch_warnings():
        # The suite holds deliberately ill-typed literals, about which rdflib warns.
        warnings.simplefilter("ignore")
        own = Graph().parse(test_file, format="turtle")
        tests = list(own.subjects(RDF.type, SHT.Validate))
        assert tests, "no sht:Validate test in the file"
        for test in tests:
            action = own.value(test, MF.action)
            expected = own.value(test, MF.result)
            if expected == SHT.Failure:
                continue
            data = _graph_at(own.value(action, SHT.dataGraph), test_file, own)
            shapes_graph = _graph_at(own.value(action, SHT.shapesGraph), test_file, own)
            outcome = validate(data, shapes=Shapes(graph=shapes_graph, ontology=Graph()))
            expected_results = list(own.objects(expected, SH.result))
            expected_violations = [
                r for r in expected_results if own.value(r, SH.resultSeverity) == SH.Violation
            ]
            assert outcome.conforms is (not expected_violations), test
            assert len(outcome.results) == len(expected_results), test
