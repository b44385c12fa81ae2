"""The decision rules, run over the case fixtures in tests/cases/ against their manifest."""

from __future__ import annotations

import json

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS

from palermo.classification.classifier import Classifier
from palermo.rdf.namespaces import PAL
from palermo.rdf.parsing import read_graph
from palermo.reasoning.ontology import Ontology, tbox_view
from support import paths

CASES = paths.CASES
MANIFEST = json.loads((CASES / "manifest.json").read_text())["fixtures"]


def _answers(classifier: Classifier, name: str, reasoner: str = "owlrl") -> list[dict]:
    graph = read_graph([CASES / name])
    results = classifier.classify(graph, reasoner=reasoner)
    return [r.assessment.to_json() for r in results]


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_fixture_matches_manifest(classifier: Classifier, name: str) -> None:
    answers = _answers(classifier, name)
    expected = MANIFEST[name]
    assert [a["case"] for a in answers] == [e["case"] for e in expected]
    for answer, want in zip(answers, expected, strict=True):
        explanation = answer.pop("explanation")
        assert answer == want
        # One or two plain sentences, one per protocol, each citing its article.
        assert explanation.count("(TIP Protocol art.") == 1
        assert explanation.count("(SoM Protocol art.") == 1
        for protocol, words in (
            ("trafficking", "Trafficking in persons"),
            ("smuggling", "Smuggling of migrants"),
        ):
            status = want[protocol]["status"]
            phrase = {
                "established": "is established",
                "ruled-out": "is ruled out",
                "insufficient": "cannot be decided yet",
            }[status]
            assert f"{words} {phrase}" in explanation


def test_every_decision_branch_has_a_fixture() -> None:
    seen = {
        (p, c[p]["status"])
        for cases in MANIFEST.values()
        for c in cases
        for p in ("trafficking", "smuggling")
    }
    labels = {c["label"] for cases in MANIFEST.values() for c in cases}
    assert seen == {
        (p, s)
        for p in ("trafficking", "smuggling")
        for s in ("established", "ruled-out", "insufficient")
    }
    assert labels == {"both", "trafficking", "smuggling", "neither", "insufficient"}
    assert any(c["trafficking"]["childRule"] for cases in MANIFEST.values() for c in cases)
    assert len(MANIFEST) >= 30


def _without_axiom(ontology: Ontology, target: URIRef) -> Ontology:
    """The ontology less the anonymous class axioms whose superclass is ``target``."""
    graph = Graph()
    graph += ontology.graph
    for node in list(graph.subjects(RDFS.subClassOf, target)):
        if isinstance(node, BNode):
            graph.remove((node, RDFS.subClassOf, target))
    return Ontology(
        graph=graph, tbox=tbox_view(graph), version=ontology.version, labels=dict(ontology.labels)
    )


def test_trafficking_comes_from_the_owl_axioms(ontology: Ontology) -> None:
    """Remove the OWL 2 RL axiom and the same facts no longer make a trafficking case: the
    classification is inferred by the reasoner from the ontology, not matched by hand."""
    name = "t01-adult-recruitment-deception-forced-labour.ttl"
    crippled = Classifier(_without_axiom(ontology, PAL.TraffickingCase))
    [answer] = _answers(crippled, name)
    assert answer["trafficking"]["status"] == "insufficient"
    assert answer["trafficking"]["missing"] == []


def test_smuggling_comes_from_the_owl_axioms(ontology: Ontology) -> None:
    crippled = Classifier(_without_axiom(ontology, PAL.SmugglingCase))
    [answer] = _answers(crippled, "s01-illegal-entry-financial-benefit.ttl")
    assert answer["smuggling"]["status"] == "insufficient"


def test_inferences_name_victim_and_trafficker(classifier: Classifier) -> None:
    graph = read_graph([CASES / "a06-named-elements.ttl"])
    [result] = classifier.classify(graph)
    inferred = result.inferred
    ex = "https://example.org/case/"
    assert (URIRef(ex + "a06"), RDF.type, PAL.TraffickingCase) in inferred
    assert (URIRef(ex + "a06-person"), RDF.type, PAL.VictimOfTrafficking) in inferred
    assert (URIRef(ex + "a06-recruiter"), RDF.type, PAL.Trafficker) in inferred
    assert not any(isinstance(s, Literal) for s in inferred.subjects())
    # Nothing of the ontology's own axioms is copied into the case's inferences.
    assert (PAL.ChildTraffickingCase, RDFS.subClassOf, PAL.TraffickingCase) not in inferred
    assert not any(o == OWL.Restriction for o in inferred.objects(None, RDF.type))


def test_smuggling_inferences(classifier: Classifier) -> None:
    graph = read_graph([CASES / "s01-illegal-entry-financial-benefit.ttl"])
    [result] = classifier.classify(graph)
    case = URIRef("https://example.org/case/s01")
    assert (case, RDF.type, PAL.SmugglingCase) in result.inferred
    persons = list(result.asserted.objects(case, PAL.affectedPerson))
    assert (persons[0], RDF.type, PAL.SmuggledMigrant) in result.inferred


def test_assessment_as_rdf(classifier: Classifier) -> None:
    graph = read_graph([CASES / "b02-child-smuggled-and-trafficked.ttl"])
    [result] = classifier.classify(graph)
    rdf = result.assessment.to_rdf()
    [node] = rdf.subjects(RDF.type, PAL.Assessment)
    assert (node, PAL.assesses, URIRef("https://example.org/case/b02")) in rdf
    assert (node, PAL.assessmentLabel, Literal("both")) in rdf
    activity = rdf.value(node, PROV.wasGeneratedBy)
    assert (activity, RDF.type, PROV.Activity) in rdf
    assert rdf.value(activity, PROV.endedAtTime) is not None
    tf = rdf.value(node, PAL.traffickingFinding)
    assert (tf, PAL.status, PAL.Established) in rdf
    assert (tf, PAL.childRuleApplied, Literal(True)) in rdf
    assert (tf, PAL.elementFound, PAL.Receipt) in rdf
    sf = rdf.value(node, PAL.smugglingFinding)
    assert {str(b) for b in rdf.objects(sf, PAL.basis)} == {
        "SoM Protocol art. 3(a)",
        "SoM Protocol art. 6(1)(c)",
    }
    # The RDF answer uses only terms the ontology defines.
    defined = set(classifier.ontology.graph.subjects())
    for p in set(rdf.predicates()):
        if str(p).startswith(str(PAL)):
            assert p in defined, p


def test_missing_elements_in_rdf(classifier: Classifier) -> None:
    graph = read_graph([CASES / "t05-adult-no-means.ttl"])
    [result] = classifier.classify(graph)
    rdf = result.assessment.to_rdf()
    [node] = rdf.subjects(RDF.type, PAL.Assessment)
    tf = rdf.value(node, PAL.traffickingFinding)
    assert set(rdf.objects(tf, PAL.missingElement)) == {PAL.MeansElement}
    assert (tf, PAL.status, PAL.Insufficient) in rdf


def test_cases_in_one_file_do_not_influence_each_other(classifier: Classifier) -> None:
    """Classifying cases together gives the same answers as classifying each alone."""
    names = [
        "t01-adult-recruitment-deception-forced-labour.ttl",
        "t05-adult-no-means.ttl",
        "t02-child-no-means.ttl",
        "s03-no-benefit.ttl",
        "t07-adult-means-ruled-out.ttl",
    ]
    alone = [a for n in names for a in _answers(classifier, n)]
    together = [
        r.assessment.to_json() for r in classifier.classify(read_graph([CASES / n for n in names]))
    ]
    assert sorted(together, key=lambda a: a["case"]) == sorted(alone, key=lambda a: a["case"])


def test_schema_of_one_file_does_not_reach_another_call(classifier: Classifier) -> None:
    """A case-supplied axiom takes effect for the cases submitted with it and no further."""
    with_schema = _answers(classifier, "a01-case-subclass-of-coercion.ttl")
    assert with_schema[0]["trafficking"]["means"] == ["ThreatOverDebt"]
    graph = read_graph([CASES / "a01-case-subclass-of-coercion.ttl"])
    graph.remove((None, RDFS.subClassOf, PAL.Coercion))
    [alone] = classifier.classify(graph)
    # Without the axiom the element is a means only by the range of pal:means.
    assert alone.assessment.trafficking.means == ("Means",)


def test_every_case_file_is_in_the_manifest() -> None:
    """A fixture left out of the manifest would never run."""
    on_disk = {p.name for p in CASES.iterdir() if p.suffix in {".ttl", ".nt", ".jsonld"}}
    assert on_disk == set(MANIFEST)
