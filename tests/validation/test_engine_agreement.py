"""Whatever engine ``fast`` names gives the reference's report (issue 11, part 2), checked only
through :func:`palermo.validation.validator.validate`, the command line and the HTTP API.

Both engines run on every shape fixture (tests/shapes/), on the W3C SHACL core and SPARQL suites
(../shared/conformance/, skipped where absent), on a 1,000-case generated partner dataset (its
first 60 cases: every kind of defect, blank-node persons, elements and cases) and on data where
rdflib and the store write literals differently; every result must be the same, field by field:
focus node, path, value, severity, every message, source shape, constraint component, source
constraint. Blank nodes are compared by what the graph says about them, never by label.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, Literal, Namespace
from rdflib.term import Node

from palermo.cli import main
from palermo.rdf.namespaces import DCTERMS, PAL, RDF, SH, VOID, XSD
from palermo.rdf.parsing import read_graph
from palermo.validation.report import ValidationOutcome
from palermo.validation.shapes import Shapes
from palermo.validation.validator import ENGINES, validate
from support import paths, shacl_suite
from support.partner import PRIVATE_VALUES, partner_triples
from support.shacl_suite import MF, SHACL_TESTS, SHT

SHAPES_TESTS = paths.SHAPES_TESTS
FIXTURES = sorted(p.relative_to(SHAPES_TESTS).as_posix() for p in SHAPES_TESTS.glob("*/*.ttl"))
EX = Namespace("https://example.org/")


def _signature(graph: Graph, node: Node | None) -> object:
    if not isinstance(node, BNode):
        return node

    def name(term: Node) -> object:
        return "[]" if isinstance(term, BNode) else term

    out = sorted((str(p), str(name(o))) for p, o in graph.predicate_objects(node))
    into = sorted((str(name(s)), str(p)) for s, p in graph.subject_predicates(node))
    return ("[]", tuple(out), tuple(into))


def results(outcome: ValidationOutcome, data: Graph, shapes: Graph) -> Counter:
    report = outcome.report
    found: Counter = Counter()
    for node in report.objects(None, SH.result):
        path = report.value(node, SH.resultPath)
        found[
            (
                _signature(data, report.value(node, SH.focusNode)),
                _signature(shapes, path) if path is not None else None,
                _signature(data, report.value(node, SH.value)),
                report.value(node, SH.resultSeverity),
                frozenset(report.objects(node, SH.resultMessage)),
                _signature(shapes, report.value(node, SH.sourceShape)),
                report.value(node, SH.sourceConstraintComponent),
                _signature(shapes, report.value(node, SH.sourceConstraint)),
            )
        ] += 1
    return found


def assert_same_report(data: Graph, shapes: Shapes) -> ValidationOutcome:
    fast = validate(data, shapes=shapes, engine="fast")
    reference = validate(data, shapes=shapes, engine="pyshacl")
    assert fast.conforms == reference.conforms
    assert dict(fast.counts) == dict(reference.counts)
    assert results(fast, data, shapes.graph) == results(reference, data, shapes.graph)
    return fast


@pytest.mark.parametrize("name", FIXTURES)
def test_shape_fixture(name: str, shapes: Shapes) -> None:
    assert assert_same_report(read_graph([SHAPES_TESTS / name]), shapes).engine == "fast"


@pytest.fixture(scope="module")
def partner() -> Graph:
    graph = Graph()
    for triple in partner_triples(1000, seed=2026, sample=lambda i: i < 60):
        graph.add(triple)
    return graph


def test_partner_dataset(partner: Graph, shapes: Shapes) -> None:
    outcome = assert_same_report(partner, shapes)
    assert outcome.engine == "fast"
    fired = {(r.source_shape, r.constraint) for r in outcome.results}
    for shape in shapes.graph.subjects(RDF.type, SH.PropertyShape):
        assert any(s == shape for s, _ in fired), f"{shape} found nothing"
    text = outcome.summary() + outcome.to_json() + outcome.to_turtle()
    assert not [v for v in PRIVATE_VALUES if v in text]


@pytest.mark.parametrize(
    "odd",
    [
        [
            (EX.c, PAL.consentGiven, Literal("yes")),
            (EX.c, PAL.consentGiven, Literal("yes", datatype=XSD.string)),
        ],
        [(EX.p, PAL.ageAtTimeOfAct, Literal("17.50", datatype=XSD.decimal))],
        [
            (EX.p, PAL.ageAtTimeOfAct, Literal("1.0", datatype=XSD.decimal)),
            (EX.p, PAL.ageAtTimeOfAct, Literal("1.00", datatype=XSD.decimal)),
        ],
        [(EX.c, PAL.consentGiven, Literal("none", datatype=XSD.boolean))],
        [
            (EX.d, RDF.type, VOID.Dataset),
            (EX.d, DCTERMS.modified, Literal("2025-01-01T00:00:00+00:00", datatype=XSD.dateTime)),
            (EX.d, DCTERMS.modified, Literal("2025-01-01T00:00:00Z", datatype=XSD.dateTime)),
        ],
    ],
    ids=[
        "plain-and-typed-string",
        "decimal-trailing-zero",
        "two-decimals-one-value",
        "ill-typed-boolean",
        "two-datetimes-one-instant",
    ],
)
def test_literals_rdflib_and_the_store_write_differently(odd: list, shapes: Shapes) -> None:
    data = Graph()
    data.add((EX.c, RDF.type, PAL.Case))
    data.add((EX.p, RDF.type, PAL.Person))
    for triple in odd:
        data.add(triple)
    assert_same_report(data, shapes)


W3C_FILES = shacl_suite.test_files()


@pytest.mark.skipif(not W3C_FILES, reason=f"W3C SHACL test suite not found at {SHACL_TESTS}")
@pytest.mark.parametrize(
    "test_file",
    W3C_FILES or [None],
    ids=lambda p: p.relative_to(SHACL_TESTS).as_posix() if p else "absent",
)
def test_w3c_suite(test_file: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        own = Graph().parse(test_file, format="turtle")
        for test in own.subjects(RDF.type, SHT.Validate):
            if own.value(test, MF.result) == SHT.Failure:
                continue
            action = own.value(test, MF.action)
            graphs = []
            for role in (SHT.dataGraph, SHT.shapesGraph):
                path = shacl_suite.file_path(own.value(action, role))
                graphs.append(own if path == test_file else Graph().parse(path, format="turtle"))
            shapes = Shapes(graph=graphs[1], ontology=Graph())
            try:
                validate(graphs[0], shapes=shapes, engine="pyshacl")
            except Exception as error:
                with pytest.raises(type(error)):
                    validate(graphs[0], shapes=shapes, engine="fast")
                continue
            assert_same_report(graphs[0], shapes)


INVALID = SHAPES_TESTS / "invalid" / "age-negative.ttl"


@pytest.mark.parametrize("engine", ENGINES)
def test_cli_engine_option(engine: str) -> None:
    result = CliRunner().invoke(
        main, ["validate", "--format", "json", "--engine", engine, str(INVALID)]
    )
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["engine"] == engine


def test_cli_unknown_engine_exits_2() -> None:
    assert CliRunner().invoke(main, ["validate", "--engine", "turbo", str(INVALID)]).exit_code == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_http_engine_parameter(client, engine: str) -> None:
    answer = client.post(
        f"/validate?engine={engine}",
        data=INVALID.read_bytes(),
        headers={"Content-Type": "text/turtle"},
    )
    assert answer.status_code == 200
    assert answer.get_json()["engine"] == engine


def test_http_unknown_engine_is_400(client) -> None:
    answer = client.post(
        "/validate?engine=turbo", data=INVALID.read_bytes(), headers={"Content-Type": "text/turtle"}
    )
    assert answer.status_code == 400
    assert answer.mimetype == "application/problem+json"


NESTED_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/> .
ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:property [ sh:path ex:knows ;
        sh:property [ sh:path ex:age ; sh:maxCount 1 ; sh:message "one age"@en ] ;
        sh:property [ sh:path ( ex:address ex:city ) ; sh:minCount 1 ] ] ;
    sh:property [ sh:path [ sh:inversePath ex:knows ] ; sh:nodeKind sh:IRI ] ;
    sh:property [ sh:path [ sh:alternativePath ( ex:name ex:label ) ] ; sh:datatype xsd:string ;
        sh:minLength 2 ; sh:pattern "^[A-Z]" ] ;
    sh:property [ sh:path [ sh:zeroOrMorePath ex:parent ] ; sh:class ex:Person ;
        sh:severity sh:Warning ] ;
    sh:or ( [ sh:class ex:Person ] [ sh:hasValue ex:nobody ] ) ;
    sh:xone ( [ sh:path ex:age ; sh:minCount 1 ] [ sh:path ex:born ; sh:minCount 1 ] ) .
"""
NESTED_DATA = """
@prefix ex: <https://example.org/> .
ex:a a ex:Person ; ex:knows ex:c , ex:b ; ex:name "a" , "Ab" , 3 ; ex:age 30 ; ex:born 1990 .
ex:d a ex:Person ; ex:knows ex:c ; ex:label "Dee" ; ex:parent ex:e .
ex:b ex:knows ex:a ; ex:age 1 , 2 .
ex:c ex:age 5 , 6 ; ex:address [ ex:city "Rome" ] .
_:x a ex:Person ; ex:knows ex:c .
"""


def test_nested_shapes_paths_and_generic_messages() -> None:
    """Property shapes under property shapes (a value reached from two focus nodes is reported
    twice), every kind of path, sh:or and sh:xone, severities, messages pySHACL writes itself
    (some about a blank node)."""
    shapes = Shapes(graph=Graph().parse(data=NESTED_SHAPES, format="turtle"), ontology=Graph())
    assert_same_report(Graph().parse(data=NESTED_DATA, format="turtle"), shapes)
