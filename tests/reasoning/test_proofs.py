"""Proofs that are checked (issue 15): every proof on every fixture and on generated cases with
their own schema is replayed: each step follows from its premises by the rule it names, each
premise is asserted, in the ontology or concluded earlier in the proof, and each conclusion is in
owlrl's closure. A proof that does not check fails the build.

owlrl is run on what the proofs of an input rest on: their asserted and ontology statements, with
the RDF lists their intersection axioms name and the age classes of those statements (as
``Classifier.close_graph`` adds them). These are triples of the input and the ontology, and OWL 2 RL
is monotone, so a conclusion in that closure is in owlrl's closure of the input with the ontology;
and the check is stricter: each proof's conclusions follow, by owlrl, from what the proofs cite.
That closure takes owlrl milliseconds, where the input with the whole ontology takes about a
second. Where a proof cites a schema triple as entailed, the input's whole closure is used."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from palermo.classification.classifier import Classifier
from palermo.classification.proofs import Proof
from palermo.rdf.parsing import syntax_for_path, to_graph
from palermo.rdf.positions import parse_located
from palermo.rdf.terms import (
    Triple,
    graph_of,
    to_rdflib,
    triples_from_oxigraph,
    triples_from_rdflib,
)
from palermo.reasoning.derivations import FIRST, REST, RULE_NAMES, Schema, check
from palermo.reasoning.ontology import owlrl_closure
from support import paths
from support.proof_cases import rich_schema_graph

CASES = paths.CASES
FIXTURES = sorted(json.loads((CASES / "manifest.json").read_text())["fixtures"])
#: Generated files checked in the normal run (each of about ten cases); more with the variable.
SEEDS = int(os.environ.get("PALERMO_PROOF_SEEDS", "2"))


@functools.cache
def _located(path: Path) -> tuple[Graph, dict, dict]:
    """A file parsed once (its blank nodes keep their labels across the tests of a run)."""
    located = parse_located(path.read_bytes(), syntax_for_path(path), source=path.name)
    plain = triples_from_oxigraph(located.quads)
    sources = {t: (path.name, line) for t, line in zip(plain, located.lines, strict=True)}
    return to_graph(located.quads), sources, located.prefixes


def _closure(classifier: Classifier, graph: Graph) -> set[Triple]:
    """owlrl's closure of the input with the ontology (and the age classes)."""
    return set(triples_from_rdflib(classifier.close_graph(triples_from_rdflib(graph))))


def _proof_closure(
    classifier: Classifier, proofs: list[Proof], input_triples: set[Triple]
) -> set[Triple]:
    """owlrl's closure of what ``proofs`` rest on (module docstring): a subset of owlrl's
    closure of the input with the ontology."""
    if any(o.kind == "entailed" for proof in proofs for o in proof.leaves.values()):
        return _closure(classifier, graph_of(sorted(input_triples, key=str)))
    schema = _schema(classifier, input_triples)
    support: set[Triple] = set()
    for proof in proofs:
        for t in proof.leaves:
            support.add(t)
            for head in t:
                while (first := schema.value(head, FIRST)) is not None:
                    rest = schema.value(head, REST)
                    if (head, FIRST, first) in support or rest is None:
                        break
                    support |= {(head, FIRST, first), (head, REST, rest)}
                    head = rest
    graph = Graph()
    for s, p, o in support:
        graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    for triple in list(graph.query(classifier._age_query)):
        graph.add(triple)  # type: ignore[arg-type]
    return set(triples_from_rdflib(owlrl_closure(graph)))


_SCHEMAS: dict[frozenset, Schema] = {}


def _schema(classifier: Classifier, input_triples: set[Triple]) -> Schema:
    key = frozenset(input_triples)
    if key not in _SCHEMAS:
        _SCHEMAS.clear()
        _SCHEMAS[key] = Schema.of(_ontology_triples(classifier)[1] | input_triples)
    return _SCHEMAS[key]


@functools.cache
def _ontology_triples(classifier: Classifier) -> tuple[set[Triple], set[Triple]]:
    return (
        set(triples_from_rdflib(classifier.ontology.graph)),
        set(triples_from_rdflib(classifier.ontology.tbox)),
    )


def replay(
    proof: Proof,
    classifier: Classifier,
    input_triples: set[Triple],
    closure: set[Triple],
    *,
    lines: bool,
) -> None:
    """Fail unless every statement of ``proof`` checks (module docstring)."""
    ontology, _ = _ontology_triples(classifier)
    schema = _schema(classifier, input_triples)
    by_conclusion = {s.conclusion: s for s in proof.steps}
    earlier: set[Triple] = set()
    for t in proof.order:
        step = by_conclusion.get(t)
        if step is None:
            origin = proof.leaves[t]
            if origin.kind == "input":
                assert t in input_triples, f"not asserted: {proof.show(t)}"
                if lines:
                    assert origin.file and origin.line, f"no line: {proof.show(t)}"
            elif origin.kind == "ontology":
                assert t in ontology or t in input_triples, f"not in the ontology: {proof.show(t)}"
                if t in ontology:
                    assert origin.file and origin.line, f"no module line: {proof.show(t)}"
            else:
                assert t in closure, f"not entailed by the schema: {proof.show(t)}"
        else:
            assert step.rule in RULE_NAMES, step.rule
            for premise in (*step.premises, *step.schema):
                assert premise in earlier, f"{proof.show(premise)} used before it is shown"
            assert check(step.rule, t, step.premises, step.schema, schema.value), (
                f"{step.rule} does not give {proof.show(t)}"
            )
            assert t in closure, f"not in owlrl's closure: {proof.show(t)}"
        earlier.add(t)
    for c in proof.conclusions:
        for goal in c.goals:
            assert goal in earlier
        for _, t in c.basis:
            assert t is None or t in earlier


def _check_all(classifier, results, graph, *, lines: bool) -> int:
    input_triples = set(triples_from_rdflib(graph))
    closure = _proof_closure(classifier, [r.proof for r in results], input_triples)
    for r in results:
        assert r.proof is not None
        replay(r.proof, classifier, input_triples, closure, lines=lines)
    return len(results)


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_proofs_check(classifier: Classifier, name: str) -> None:
    graph, sources, prefixes = _located(CASES / name)
    results = classifier.classify(graph, "fast", explain=True, sources=sources, prefixes=prefixes)
    assert _check_all(classifier, results, graph, lines=True) >= 1
    for r in results:
        a = r.assessment
        boxes = {c.box: c for c in r.proof.conclusions}
        if a.trafficking.status == "established":
            goal = boxes["trafficking"].goals[0]
            assert goal[2].endswith("#TraffickingCase")
            assert any(t is not None for _, t in boxes["trafficking"].basis)


@pytest.mark.parametrize("seed", range(SEEDS))
def test_generated_schema_proofs_check(classifier: Classifier, seed: int) -> None:
    """Case-supplied subclass, subproperty, inverse, equivalence, domain, range, hasValue and
    intersection axioms, on the fast path."""
    graph = rich_schema_graph(8, seed=seed, tag=f"p{seed}")
    fast = classifier.classify(graph, "fast", explain=True)
    assert {r.assessment.reasoner for r in fast} == {"fast"}
    _check_all(classifier, fast, graph, lines=False)
    rules = {s.rule for r in fast for s in r.proof.steps}
    assert {"prp-spo1", "cls-svf1", "cls-int1", "cax-sco", "cls-hv2", "prp-rng"} <= rules
    assert rules & {"prp-inv1", "prp-inv2"} and rules & {"prp-eqp1", "prp-eqp2"}
    assert rules & {"prp-dom"} and rules & {"cax-eqc1", "cax-eqc2"}
    assert len({r.assessment.label for r in fast}) >= 2


def test_reference_proofs_check(classifier: Classifier) -> None:
    """The same kinds of axiom through owlrl (``--reasoner owlrl``): proofs found after the fact
    in its closure. Three cases: the reference runs one case at a time."""
    graph = rich_schema_graph(3, seed=0, tag="ref")
    reference = classifier.classify(graph, "owlrl", explain=True)
    _check_all(classifier, reference, graph, lines=False)
    fast = classifier.classify(graph, "fast", explain=True)
    for r, f in zip(reference, fast, strict=True):
        assert [c.box for c in r.proof.conclusions] == [c.box for c in f.proof.conclusions]


def test_fallback_proofs_are_derived_from_owlrl(classifier: Classifier) -> None:
    """A transitive property and owl:sameAs send the cases to owlrl: the proofs are derived
    after the fact from its closure, and check."""
    graph, sources, prefixes = _located(CASES / "t05-adult-no-means.ttl")
    graph = Graph() + graph  # a copy: the test adds to it
    case = URIRef("https://example.org/case/t05")
    alias = URIRef("https://example.org/case/t05-alias")
    means = URIRef("https://example.org/case/t05-means")
    graph.add((alias, OWL.sameAs, case))
    graph.add((alias, URIRef("https://w3id.org/palermo/ontology#means"), means))
    graph.add((means, RDF.type, URIRef("https://w3id.org/palermo/ontology#Coercion")))
    graph.add((URIRef("https://example.org/ontology#partOf"), RDF.type, OWL.TransitiveProperty))
    results = classifier.classify(graph, "fast", explain=True, sources=sources, prefixes=prefixes)
    assert {r.assessment.reasoner for r in results} == {"owlrl"}
    _check_all(classifier, results, graph, lines=False)
    proof = next(r.proof for r in results if str(r.case) == str(case))
    assert "eq-rep-s" in {s.rule for s in proof.steps}


def test_proof_follows_own_terms_to_input_lines(classifier: Classifier, tmp_path: Path) -> None:
    """The issue's example: a file's own subclass of pal:Coercion and subproperty of pal:act."""
    path = tmp_path / "own.ttl"
    path.write_text(OWN_TERMS)
    graph, sources, prefixes = _located(path)
    (result,) = classifier.classify(graph, "fast", explain=True, sources=sources, prefixes=prefixes)
    assert result.assessment.label == "trafficking"
    text = "\n".join(result.proof.text())
    assert "ex:wasRecruitedBy rdfs:subPropertyOf pal:act   [asserted, own.ttl line 6]" in text
    assert "ex:DebtBondageControl rdfs:subClassOf pal:Coercion   [asserted, own.ttl line 5]" in text
    assert "<= prp-spo1" in text and "<= scm-sco" in text
    assert _check_all(classifier, [result], graph, lines=True) == 1
    assert graph_of(result.proof.triples("https://example.org/proof"))


OWN_TERMS = """@prefix pal: <https://w3id.org/palermo/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/partner#> .

ex:DebtBondageControl rdfs:subClassOf pal:Coercion .
ex:wasRecruitedBy rdfs:subPropertyOf pal:act .

ex:case42 a pal:Case ;
    ex:wasRecruitedBy ex:offer42 ;
    pal:means ex:debt42 ;
    pal:purpose [ a pal:ForcedLabour ] ;
    pal:affectedPerson [ a pal:Adult ] .

ex:offer42 a pal:Recruitment .
ex:debt42 a ex:DebtBondageControl .
"""
