"""``palermo classify --explain``: the proof as text, in the JSON under each case, and in the
Turtle of the assessment; the same proof in all three (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from palermo.cli import main
from palermo.rdf.namespaces import PAL
from support import paths

EXAMPLES = sorted(p for p in paths.EXAMPLES.glob("*.ttl"))

OWN_TERMS = """@prefix pal: <https://w3id.org/palermo/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/partner#> .

ex:DebtBondageControl rdfs:subClassOf pal:Coercion .
ex:wasRecruitedBy rdfs:subPropertyOf pal:act .

ex:case42 a pal:Case ;
    ex:wasRecruitedBy ex:offer42 ;
    pal:means ex:debt42 ;
    pal:purpose [ a pal:ForcedLabour ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 30 ] .

ex:offer42 a pal:Recruitment .
ex:debt42 a ex:DebtBondageControl .
"""


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["classify", *map(str, args)])


@pytest.fixture(scope="module")
def own_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("explain") / "partner-case.ttl"
    path.write_text(OWN_TERMS)
    return path


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_prints_a_proof_back_to_its_lines(example: Path) -> None:
    result = run("--explain", example)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Proof:" in text
    assert f"[asserted, {example} line " in text
    assert " => " in text  # each box ends at an article


def test_own_subclass_and_subproperty_followed_to_the_input_lines(own_file: Path) -> None:
    result = run("--explain", own_file)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("Case https://example.org/partner#case42: trafficking")
    assert f"ex:wasRecruitedBy rdfs:subPropertyOf pal:act   [asserted, {own_file} line 6]" in text
    assert f"ex:case42 ex:wasRecruitedBy ex:offer42   [asserted, {own_file} line 9]" in text
    assert "ex:case42 pal:act ex:offer42   <= prp-spo1" in text
    assert "ex:DebtBondageControl rdfs:subClassOf pal:Means   <= scm-sco" in text
    assert (
        f"ex:DebtBondageControl rdfs:subClassOf pal:Coercion   [asserted, {own_file} line 5]"
        in (text)
    )
    assert 'pal:TraffickingCase pal:legalBasis "TIP Protocol art. 3(a)"' in text
    assert "ontology/trafficking.ttl line " in text


def test_json_carries_the_proof_under_each_case_and_keeps_the_answer(own_file: Path) -> None:
    plain = json.loads(run(own_file).stdout)
    explained = run("--explain", "--format", "json", own_file)
    assert explained.exit_code == 0, explained.output
    answer = json.loads(explained.stdout)
    (case,) = answer["cases"]
    proof = case.pop("proof")
    assert answer == plain  # the DESIGN.md answer is unchanged
    ids = {s["id"]: s for s in proof["statements"]}
    rules = {s["rule"] for s in proof["statements"] if "rule" in s}
    assert {"prp-spo1", "cls-svf1", "cls-int1", "cax-sco", "scm-sco"} <= rules
    for s in proof["statements"]:  # premises before conclusions, each once
        for ref in [*s.get("premises", []), *s.get("schema", [])]:
            assert list(ids).index(ref) < list(ids).index(s["id"])
    lines = {(s["text"], s["asserted"]["line"]) for s in proof["statements"] if "asserted" in s}
    assert ("ex:wasRecruitedBy rdfs:subPropertyOf pal:act", 6) in lines
    boxes = {c["box"]: c for c in proof["conclusions"]}
    assert {"trafficking", "act", "means", "purpose", "smuggling", "childRule"} <= set(boxes)
    assert boxes["trafficking"]["basis"][0]["article"] == "TIP Protocol art. 3(a)"
    assert proof["prefixes"]["ex"] == "https://example.org/partner#"


def test_turtle_carries_the_same_proof(own_file: Path) -> None:
    as_json = json.loads(run("--explain", "--format", "json", own_file).stdout)
    result = run("--explain", "--format", "turtle", own_file)
    assert result.exit_code == 0, result.output
    g = Graph().parse(data=result.stdout, format="turtle")
    (assessment,) = g.subjects(RDF.type, PAL.Assessment)
    proof = g.value(assessment, PAL.proof)
    assert (proof, RDF.type, PAL.Proof) in g
    statements = set(g.objects(proof, PAL.proofStatement))
    expected = as_json["cases"][0]["proof"]["statements"]
    assert len(statements) == len(expected)
    rules = sorted(str(r) for s in statements for r in g.objects(s, PAL.inferenceRule))
    assert rules == sorted(s["rule"] for s in expected if "rule" in s)
    lines = sorted(int(v) for s in statements for v in g.objects(s, PAL.sourceLine))
    assert lines == sorted(
        w["line"]
        for s in expected
        for k in ("asserted", "ontology")
        if (w := s.get(k, {})).get("line")
    )
    sub = next(
        s
        for s in statements
        if g.value(s, RDF.predicate) == URIRef("http://www.w3.org/2000/01/rdf-schema#subPropertyOf")
    )
    assert g.value(sub, PAL.sourceLine) == Literal(6)
    assert str(g.value(sub, PAL.statementOrigin)) == "input"


def test_without_explain_nothing_changes(own_file: Path) -> None:
    answer = json.loads(run(own_file).stdout)
    assert "proof" not in answer["cases"][0]
