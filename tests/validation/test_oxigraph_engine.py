"""The fast engine (palermo.validation.oxigraph_engine) gives the reference engine's report.

"The same report" is checked field by field (focus node, path, value, severity, message, source
shape, constraint component, source constraint), with the verdict and the counts; blank nodes are
compared by their place in the graph (a signature of their triples, refined three times), not by
label, and a simple literal equals the same string typed xsd:string (RDF 1.1, section 3.3).
Inputs: every shape fixture of tests/shapes, the W3C SHACL core and SPARQL suites (skipped where
../shared/conformance is absent), and generated partner datasets with every kind of defect the
shapes detect (tests/validation/defect_datasets.py). The normal run takes a sample of
``PALERMO_AGREEMENT_CASES`` cases (default 150, a few seconds with pySHACL); benchmarks/
validation_engines.py compares 1,000 and 5,000 cases.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD
from rdflib.term import Node

from palermo.errors import InputError
from palermo.rdf.namespaces import FOAF, PAL, PALSH, RDF, SH
from palermo.rdf.parsing import read_graph
from palermo.validation import oxigraph_engine
from palermo.validation.oxigraph_engine import (
    SMALL_STORE,
    compiled_plan,
    covers,
    validate_fast,
    validate_files,
)
from palermo.validation.plan_compiler import (
    NotCompilable,
    PropertyConstraint,
    SparqlConstraint,
    _rewrite_select,
)
from palermo.validation.pyshacl_engine import validate_pyshacl
from palermo.validation.report import ValidationOutcome
from palermo.validation.shapes import Shapes
from support import paths, shacl_suite
from support.shacl_suite import MF, SHACL_TESTS, SHT
from validation.defect_datasets import (
    CASE_DEFECTS,
    DATASET_DEFECTS,
    n_triples,
    partner_dataset,
    partner_graph,
    private_values,
)

SHAPE_FIXTURES = sorted(
    p.relative_to(paths.SHAPES_TESTS).as_posix() for p in paths.SHAPES_TESTS.glob("*/*.ttl")
)
SAMPLE_CASES = int(os.environ.get("PALERMO_AGREEMENT_CASES", "150"))
#: Both strategies of the engine: plain queries (small stores) and the large-data one (subclass
#: sets, stored node sets, membership look-ups, predicate pre-tests), forced on small inputs.
STRATEGIES = pytest.mark.parametrize("small_below", [SMALL_STORE, 0], ids=["small", "large"])
EX = Namespace("https://example.org/")


# ---------------------------------------------------------------------------------------------
# Comparing reports


def _bnode_names(graph: Graph, rounds: int = 3) -> dict[Node, str]:
    """A name for each blank node from its triples (in and out), refined ``rounds`` times
    (Weisfeiler-Lehman): equal names for blank nodes in the same place, whatever their label."""
    bnodes = {t for s, _, o in graph for t in (s, o) if isinstance(t, BNode)}
    names = dict.fromkeys(bnodes, "_")

    def name(term: Node) -> str:
        return names[term] if isinstance(term, BNode) else term.n3()

    for _ in range(rounds):
        refined = {}
        for b in bnodes:
            out = sorted(f"{p.n3()} {name(o)}" for p, o in graph.predicate_objects(b))
            into = sorted(f"{name(s)} {p.n3()}" for s, p in graph.subject_predicates(b))
            text = "|".join(out) + "||" + "|".join(into)
            refined[b] = "_:" + hashlib.sha256(text.encode()).hexdigest()[:16]
        names = refined
    return names


def _term(term: Node | None, names: dict[Node, str]) -> object:
    if term is None:
        return None
    if isinstance(term, BNode):
        return names.get(term, "_:?")
    if isinstance(term, Literal):
        return ("literal", str(term), str(term.datatype or XSD.string), term.language)
    return str(term)


def report_keys(outcome: ValidationOutcome, data: Graph, shapes_graph: Graph) -> Counter:
    """Every result of ``outcome`` as a tuple of its fields, blank nodes by place."""
    data_names = _bnode_names(data)
    shape_names = _bnode_names(shapes_graph)
    return Counter(
        (
            _term(r.focus_node, data_names),
            r.path_text if r.path is not None else None,
            _term(r.value, data_names),
            str(r.severity),
            r.message,
            _term(r.source_shape, shape_names),
            str(r.constraint),
            _term(r.source_constraint, shape_names),
        )
        for r in outcome.results
    )


def assert_same_report(
    fast: ValidationOutcome, reference: ValidationOutcome, data: Graph, shapes_graph: Graph
) -> None:
    assert fast.conforms is reference.conforms
    assert dict(fast.counts) == dict(reference.counts)
    ours, theirs = report_keys(fast, data, shapes_graph), report_keys(reference, data, shapes_graph)
    assert ours == theirs, {"fast only": ours - theirs, "pySHACL only": theirs - ours}
    verdicts = [
        {str(o) for o in outcome.report.objects(None, SH.conforms)} for outcome in (fast, reference)
    ]
    assert verdicts[0] == verdicts[1]


# ---------------------------------------------------------------------------------------------
# The shape fixtures (tests/shapes) and generated partner datasets


@STRATEGIES
@pytest.mark.parametrize("name", SHAPE_FIXTURES)
def test_shape_fixture_gives_the_reference_report(name: str, small_below: int, shapes) -> None:
    data = read_graph([paths.SHAPES_TESTS / name])
    fast = validate_fast(data, shapes, small_below=small_below)
    assert fast.engine == "fast"
    assert_same_report(fast, validate_pyshacl(data, shapes), data, shapes.graph)


def test_generated_partner_dataset_gives_the_reference_report(shapes) -> None:
    data = partner_graph(SAMPLE_CASES, seed=11)
    reference = validate_pyshacl(data, shapes)
    for small_below in (SMALL_STORE, 0):
        fast = validate_fast(data, shapes, small_below=small_below)
        assert fast.engine == "fast"
        assert_same_report(fast, reference, data, shapes.graph)


def test_generated_datasets_carry_every_defect_the_shapes_detect(shapes) -> None:
    """Every constraint of every shape in shapes/ (and every SPARQL check of every shape that
    uses it) gives results on 1,000 generated cases: the agreement tests exercise all of them."""
    triples, put = partner_dataset(1000, seed=5)
    assert set(put) == set(CASE_DEFECTS) | set(DATASET_DEFECTS)
    assert all(put[d] >= 2 for d in CASE_DEFECTS)
    data = Graph()
    for t in triples:
        data.add(t)
    outcome = validate_fast(data, shapes, small_below=0)
    found = {(r.source_shape, r.constraint, r.source_constraint) for r in outcome.results}
    plan = compiled_plan(shapes)
    assert not isinstance(plan, NotCompilable)
    expected = set()
    reporting = list(plan.roots)
    while reporting:  # the shapes whose results reach the report: roots and their sh:property
        shape = reporting.pop()
        for c in shape.constraints:
            if isinstance(c, PropertyConstraint):
                reporting.extend(c.shapes)
            elif isinstance(c, SparqlConstraint):
                expected |= {(shape.node, c.component, check.node) for check in c.checks}
            else:
                expected.add((shape.node, c.component, None))
    assert len(expected) > 40
    assert expected <= found, sorted(expected - found)


def test_no_report_repeats_a_private_value(shapes) -> None:
    """The privacy shapes report the property, never the value (shapes/privacy.ttl), and the
    fast engine does not copy what the data says about a blank node into its report."""
    cases = 2 * len(CASE_DEFECTS) + 40
    data = partner_graph(cases, seed=3, defect_rate=1.0)
    outcome = validate_fast(data, shapes, small_below=0)
    privacy = [r for r in outcome.results if "Privacy" in str(r.source_shape)]
    assert len(privacy) >= 2 * 11
    assert any(isinstance(r.focus_node, BNode) for r in privacy)
    assert all(r.value == r.focus_node for r in privacy)
    text = outcome.summary() + outcome.to_json() + outcome.to_turtle()
    for i in range(cases):
        for value in private_values(i).values():
            assert str(value) not in text


# ---------------------------------------------------------------------------------------------
# The W3C SHACL test suite (core and SPARQL)

#: Tests the compiler leaves to pySHACL on purpose: SPARQL-based constraint components, and
#: queries where joining the focus nodes is not the same as pre-binding $this (SHACL 5.3.1).
W3C_FALLBACKS = {
    "sparql/component/optional-001.ttl",
    "sparql/component/propertyValidator-select-001.ttl",
    "sparql/component/validator-001.ttl",
    "sparql/pre-binding/pre-binding-002.ttl",
    "sparql/pre-binding/pre-binding-003.ttl",
    "sparql/pre-binding/pre-binding-005.ttl",
    "sparql/pre-binding/pre-binding-007.ttl",
    "sparql/pre-binding/shapesGraph-001.ttl",
}
#: Tests whose data the store would read differently: "none"^^xsd:boolean (ill-typed) and
#: "false"^^xsd:boolean are one term to rdflib and the store, only one is a valid boolean.
W3C_DATA_FALLBACKS = {"core/property/or-datatypes-001.ttl"}


W3C_FILES = shacl_suite.test_files()


@pytest.mark.skipif(not W3C_FILES, reason=f"W3C SHACL test suite not found at {SHACL_TESTS}")
@pytest.mark.parametrize(
    "test_file",
    W3C_FILES or [None],
    ids=[p.relative_to(SHACL_TESTS).as_posix() for p in W3C_FILES] or ["absent"],
)
def test_w3c_shacl_test_gives_the_reference_report(test_file: Path) -> None:
    name = test_file.relative_to(SHACL_TESTS).as_posix()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the suite holds ill-typed literals on purpose
        own = Graph().parse(test_file, format="turtle")
        for test in own.subjects(RDF.type, SHT.Validate):
            action = own.value(test, MF.action)
            if own.value(test, MF.result) == SHT.Failure:
                continue
            graphs = []
            for which in (SHT.dataGraph, SHT.shapesGraph):
                path = shacl_suite.file_path(own.value(action, which))
                graphs.append(own if path == test_file else Graph().parse(path, format="turtle"))
            data, shapes_graph = graphs
            reason = covers(Shapes(graph=shapes_graph, ontology=Graph()))
            assert (reason is not None) is (name in W3C_FALLBACKS), reason
            try:
                reference = validate_pyshacl(data, Shapes(graph=shapes_graph, ontology=Graph()))
            except Exception as exc:  # pySHACL stops on this test: so must the fast engine
                with pytest.raises(type(exc)):
                    validate_fast(data, Shapes(graph=shapes_graph, ontology=Graph()))
                continue
            fallback = reason is not None or name in W3C_DATA_FALLBACKS
            for small_below in (SMALL_STORE, 0):
                shapes = Shapes(graph=shapes_graph, ontology=Graph())
                fast = validate_fast(data, shapes, small_below=small_below)
                assert fast.engine == ("pyshacl" if fallback else "fast")
                assert_same_report(fast, reference, data, shapes_graph)


# ---------------------------------------------------------------------------------------------
# What goes to the reference engine, and why

COMPONENT_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
ex:HasLabel a sh:ConstraintComponent ;
    sh:parameter [ sh:path ex:labelled ] ;
    sh:validator [
        a sh:SPARQLAskValidator ;
        sh:ask "ASK { $value <https://example.org/label> ?x }"
    ] .
ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ; ex:labelled true .
"""


def test_shapes_the_compiler_does_not_cover_go_to_pyshacl() -> None:
    shapes = Shapes(graph=Graph().parse(data=COMPONENT_SHAPES, format="turtle"), ontology=Graph())
    data = Graph()
    data.add((EX.a, RDF.type, EX.Thing))
    assert "constraint components" in (covers(shapes) or "")
    outcome = validate_fast(data, shapes)
    assert outcome.engine == "pyshacl"
    assert len(outcome.results) == 1


def test_data_the_store_would_read_differently_goes_to_pyshacl(shapes) -> None:
    """A literal as subject (owlrl writes them; Oxigraph refuses them), and two literals rdflib
    tells apart but the store holds as one ("1.0" and "1.00" as xsd:decimal)."""
    literal_subject = Graph()
    literal_subject.add((Literal("x"), RDF.type, PAL.Case))
    assert validate_fast(literal_subject, shapes).engine == "pyshacl"
    two_ages = Graph()
    person = EX["person-1"]
    two_ages.add((person, RDF.type, PAL.Person))
    two_ages.add((person, PAL.ageAtTimeOfAct, Literal("1.0", datatype=XSD.decimal)))
    two_ages.add((person, PAL.ageAtTimeOfAct, Literal("1.00", datatype=XSD.decimal)))
    outcome = validate_fast(two_ages, shapes)
    assert outcome.engine == "pyshacl"
    assert_same_report(outcome, validate_pyshacl(two_ages, shapes), two_ages, shapes.graph)


def test_literals_are_reported_as_the_data_writes_them(shapes) -> None:
    """The store writes "17.50"^^xsd:decimal as "17.5"; the report gives the data's own term."""
    data = Graph()
    data.add((EX["person-2"], RDF.type, PAL.Person))
    data.add((EX["person-2"], PAL.ageAtTimeOfAct, Literal("17.50", datatype=XSD.decimal)))
    fast = validate_fast(data, shapes)
    assert fast.engine == "fast"
    assert {r.value for r in fast.results} == {Literal("17.50", datatype=XSD.decimal)}
    assert_same_report(fast, validate_pyshacl(data, shapes), data, shapes.graph)


@pytest.mark.parametrize(
    ("where", "compiled"),
    [
        ("$this ex:p ?value .", True),
        ("$this ex:p ?value . FILTER (?value != $this)", True),
        ("{ $this ex:p ?value } UNION { $this ex:q ?value }", True),
        ("?value ex:p ?x . OPTIONAL { $this ex:q ?x FILTER (?x != $this) }", True),
        ("?value ex:p ?x . FILTER NOT EXISTS { $this ex:q ?x FILTER (?x != $this) }", True),
        ("$this ex:p ?x . { ?x ex:q ?value FILTER (?value != $this) }", False),
        ("?value ex:p ?x . OPTIONAL { ?x ex:r ?y OPTIONAL { $this ex:q ?y } }", False),
        ("?value ex:p ?x . OPTIONAL { ?x ex:r ?y BIND ($this AS ?z) }", False),
        ("$this ex:p ?value . MINUS { ?value ex:q ?x }", False),
        ("$this ex:p ?value . { SELECT $this WHERE { $this ex:q ?y } }", False),
    ],
)
def test_this_is_joined_only_where_that_equals_pre_binding(where: str, compiled: bool) -> None:
    """SHACL 1.0, section 5.3.1: the focus nodes are joined into the top-level group only when
    every use of $this is bound there; the rest goes to pySHACL."""
    text = f"PREFIX ex: <https://example.org/> SELECT $this ?value WHERE {{ {where} }}"
    try:
        _rewrite_select(text, {}, None)
    except NotCompilable:
        assert not compiled
    else:
        assert compiled


def test_privacy_checks_read_each_predicate_once(shapes) -> None:
    """A check that filters ``$this ?path ?x`` on ?path alone runs only for the predicates of
    the data that pass its filter (shapes/privacy.ttl): none in a dataset without personal
    data."""
    plan = compiled_plan(shapes)
    assert not isinstance(plan, NotCompilable)
    checks = [
        check
        for shape in plan.shapes
        for c in shape.constraints
        if isinstance(c, SparqlConstraint)
        for check in c.checks
    ]
    privacy = [c for c in checks if str(c.node).endswith("Check") and "Present" not in str(c.node)]
    assert privacy and all(c.predicate_var == "path" for c in privacy)
    contradiction = [c for c in checks if c.node == PALSH.PresentAndRuledOutCheck]
    assert contradiction and contradiction[0].predicate_test is None


# ---------------------------------------------------------------------------------------------
# Files read straight into the store (palermo validate)


def test_files_keep_their_blank_node_labels(tmp_path: Path, shapes) -> None:
    triples, _ = partner_dataset(2 * len(CASE_DEFECTS), seed=2)
    path = tmp_path / "partner.nt"
    path.write_text("".join(n_triples(triples)), encoding="utf-8")
    fast = validate_files([path], shapes, small_below=0)
    reference = validate_pyshacl(read_graph([path]), shapes)
    assert fast.engine == "fast"
    by_label = Counter((str(r.focus_node), str(r.value), r.message) for r in fast.results)
    assert by_label == Counter(
        (str(r.focus_node), str(r.value), r.message) for r in reference.results
    )
    assert any(
        str(r.focus_node).startswith("p") for r in fast.results if isinstance(r.focus_node, BNode)
    )


def test_unreadable_file_names_the_file_and_line(tmp_path: Path, shapes) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix pal: <https://w3id.org/palermo/ontology#> .\n"
        "<https://example.org/c> a pal:Case .\n"
        "<https://example.org/c> pal:act [ a pal:Recruitment \n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        validate_files([bad], shapes)
    assert caught.value.source == str(bad)
    assert caught.value.line is not None


# ---------------------------------------------------------------------------------------------
# The outcome


def test_the_outcome_names_the_engine_in_every_rendering(shapes) -> None:
    data = read_graph([paths.SHAPES_TESTS / "invalid" / "age-negative.ttl"])
    outcome = validate_fast(data, shapes)
    assert outcome.engine == "fast"
    assert json.loads(outcome.to_json())["engine"] == "fast"
    assert "fast" in outcome.summary()
    assert "fast" in outcome.to_turtle().splitlines()[0]


def test_validation_does_not_change_the_data_graph(shapes) -> None:
    data = partner_graph(40, seed=4)
    before = Graph()
    before += data
    validate_fast(data, shapes)
    assert isomorphic(data, before)


def test_the_plan_is_compiled_once_per_shapes_object(shapes) -> None:
    plan = compiled_plan(shapes)
    assert compiled_plan(shapes) is plan
    assert shapes.prepared[oxigraph_engine.PLAN_KEY] is plan


def test_an_empty_graph_conforms(shapes) -> None:
    outcome = validate_fast(Graph(), shapes)
    assert outcome.conforms and outcome.results == () and outcome.engine == "fast"


def test_a_blank_node_person_with_a_name_stays_out_of_the_report_graph(shapes) -> None:
    data = Graph()
    case, person = EX["case-9"], BNode("p9")
    data.add((case, RDF.type, PAL.Case))
    data.add((case, PAL.affectedPerson, person))
    data.add((person, RDF.type, PAL.Person))
    data.add((person, FOAF.name, Literal("Private Name Nine")))
    outcome = validate_fast(data, shapes)
    assert [r.focus_node for r in outcome.warnings if "Privacy" in str(r.source_shape)] == [person]
    assert Literal("Private Name Nine") not in set(outcome.report.objects())
    assert URIRef(str(FOAF.name)) in {r.path for r in outcome.warnings}


# ---------------------------------------------------------------------------------------------
# Choosing the engine: palermo validate --engine, POST /validate?engine=


def test_palermo_validate_takes_either_engine() -> None:
    from click.testing import CliRunner

    from palermo.cli import main
    from palermo.validation.validator import ENGINES

    invalid = paths.SHAPES_TESTS / "invalid" / "privacy-and-violation.ttl"
    reports = {}
    for engine in ENGINES:
        result = CliRunner().invoke(
            main, ["validate", "--format", "json", "--engine", engine, str(invalid)]
        )
        assert result.exit_code == 1, result.output
        reports[engine] = json.loads(result.stdout)
    assert reports["fast"].pop("engine") == "fast"
    assert reports["pyshacl"].pop("engine") == "pyshacl"
    assert reports["fast"] == reports["pyshacl"]
    default = CliRunner().invoke(main, ["validate", "--format", "json", str(invalid)])
    assert json.loads(default.stdout)["engine"] == "fast"
    unknown = CliRunner().invoke(main, ["validate", "--engine", "nope", str(invalid)])
    assert unknown.exit_code == 2
    assert "--engine" in unknown.stderr


def test_post_validate_takes_the_engine_as_a_parameter(client) -> None:
    body = (paths.SHAPES_TESTS / "invalid" / "privacy-and-violation.ttl").read_bytes()
    answers = {}
    for engine in ("fast", "pyshacl"):
        r = client.post(f"/validate?engine={engine}", data=body, content_type="text/turtle")
        assert r.status_code == 200
        answers[engine] = r.get_json()
        assert answers[engine].pop("engine") == engine
    assert answers["fast"] == answers["pyshacl"]
    default = client.post("/validate", data=body, content_type="text/turtle")
    assert default.get_json()["engine"] == "fast"
    unknown = client.post("/validate?engine=nope", data=body, content_type="text/turtle")
    assert unknown.status_code == 400
    assert unknown.mimetype == "application/problem+json"
    assert unknown.get_json()["type"].endswith("/unknown-engine")
