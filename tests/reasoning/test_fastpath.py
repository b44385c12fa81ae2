"""The fast path against owlrl, the reference: identical assessments and inferences."""

from __future__ import annotations

import json
import os

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from palermo.classification.classifier import Classifier
from palermo.rdf.namespaces import PAL
from palermo.rdf.parsing import read_graph
from palermo.reasoning.fastpath import Unsupported, compile_rules
from support import paths
from support.synthetic import generate, generate_with_schema

CASES = paths.CASES
FIXTURES = sorted(json.loads((CASES / "manifest.json").read_text())["fixtures"])
#: Generated cases compared in the normal run; the benchmark compares up to 10,000.
# The normal run compares 500 generated cases whole; PALERMO_AGREEMENT_SAMPLE=N compares more.
SAMPLE = int(os.environ.get("PALERMO_AGREEMENT_SAMPLE", "500"))


def _graph(triples) -> Graph:
    g = Graph()
    for t in triples:
        g.add(t)
    return g


def _compare(reference, fast) -> None:
    ref = [r.assessment.to_json() for r in reference]
    got = [r.assessment.to_json() for r in fast]
    assert [a["case"] for a in got] == [a["case"] for a in ref]
    for a, b in zip(ref, got, strict=True):
        assert b == a, a["case"]
    for r, f in zip(reference, fast, strict=True):
        assert set(f.inferred) == set(r.inferred), r.case
        assert set(f.asserted) == set(r.asserted), r.case


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_agreement(classifier: Classifier, name: str) -> None:
    graph = read_graph([CASES / name])
    _compare(classifier.classify(graph, "owlrl"), classifier.classify(graph, "fast"))


def test_generated_sample_agreement(classifier: Classifier) -> None:
    """The reference runs once over the whole sample (batch): the cases share no node."""
    graph = _graph(generate(SAMPLE, seed=20261128))
    reference = classifier.classify_owlrl(graph, batch=True)
    fast = classifier.classify(graph, "fast")
    assert len(reference) == SAMPLE
    _compare(reference, fast)
    labels = {r.assessment.label for r in fast}
    assert labels == {"both", "trafficking", "smuggling", "neither", "insufficient"}
    assert {r.assessment.reasoner for r in fast} == {"fast"}


def test_batch_reference_equals_one_case_at_a_time(classifier: Classifier) -> None:
    graph = _graph(generate(25, seed=7))
    batch = classifier.classify_owlrl(graph, batch=True)
    single = classifier.classify_owlrl(graph, batch=False)
    _compare(single, batch)


@pytest.mark.parametrize("seed", range(6))
def test_generated_schema_agreement(classifier: Classifier, seed: int) -> None:
    """Files that bring their own schema axioms: compiled into the rules for those cases."""
    graph = _graph(generate_with_schema(5, seed=seed, tag=f"s{seed}"))
    fast = classifier.classify(graph, "fast")
    _compare(classifier.classify(graph, "owlrl"), fast)
    assert {r.assessment.reasoner for r in fast} == {"fast"}


def test_unsupported_schema_falls_back_to_owlrl(classifier: Classifier) -> None:
    """A transitive property is outside the compiled rules: the case goes to owlrl."""
    graph = read_graph([CASES / "t01-adult-recruitment-deception-forced-labour.ttl"])
    chain = URIRef("https://example.org/ontology#partOf")
    graph.add((chain, RDF.type, OWL.TransitiveProperty))
    fast = classifier.classify(graph, "fast")
    assert {r.assessment.reasoner for r in fast} == {"owlrl"}
    _compare(classifier.classify(graph, "owlrl"), fast)


def test_same_as_in_data_falls_back_to_owlrl(classifier: Classifier) -> None:
    graph = read_graph([CASES / "t05-adult-no-means.ttl"])
    case = URIRef("https://example.org/case/t05")
    alias = URIRef("https://example.org/case/t05-alias")
    graph.add((alias, OWL.sameAs, case))
    means = URIRef("https://example.org/case/t05-means")
    graph.add((alias, PAL.means, means))
    graph.add((means, RDF.type, PAL.Coercion))
    fast = classifier.classify(graph, "fast")
    assert {r.assessment.reasoner for r in fast} == {"owlrl"}
    reference = classifier.classify(graph, "owlrl")
    _compare(reference, fast)
    by_case = {r.case: r.assessment for r in fast}
    assert by_case[case].label == "trafficking"


def test_compile_refuses_unsupported_axioms() -> None:
    tbox = Graph()
    tbox.add((PAL.act, RDF.type, OWL.TransitiveProperty))
    with pytest.raises(Unsupported):
        compile_rules(tbox)


def test_compiled_rules_come_from_the_ontology(ontology) -> None:
    """The rules are generated from the closed ontology, not written by hand."""
    rules = compile_rules(ontology.tbox)
    assert str(PAL.Means) in rules.supers(str(PAL.ThreatOfForce))
    assert str(PAL.Act) in rules.ranges[str(PAL.act)]
    intersections = {i for m in rules.intersections_by_member.values() for i, _ in m}
    targets = {c for i in intersections for c in rules.supers(i)}
    wanted = {str(c) for c in (PAL.TraffickingCase, PAL.ChildTraffickingCase, PAL.SmugglingCase)}
    assert wanted <= targets
    # A new axiom in the schema is a new rule.
    extra = Graph()
    extra += ontology.tbox
    blackmail = URIRef("https://example.org/Blackmail")
    extra.add((blackmail, RDFS.subClassOf, PAL.Coercion))
    assert str(PAL.Means) in compile_rules(extra).supers(str(blackmail))
