"""``POST /classify?explain=true``: each case with its proof, in JSON and in RDF (issue 15)."""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import RDF

from palermo.rdf.namespaces import PAL

CASE = """@prefix pal: <https://w3id.org/palermo/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/partner#> .
ex:DebtBondageControl rdfs:subClassOf pal:Coercion .
ex:case7 a pal:Case ;
    pal:act [ a pal:Recruitment ] ;
    pal:means [ a ex:DebtBondageControl ] ;
    pal:purpose [ a pal:ForcedLabour ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 30 ] .
"""


def test_explain_adds_the_proof_under_each_case(client):
    plain = client.post("/classify", data=CASE, content_type="text/turtle").get_json()
    r = client.post("/classify?explain=true", data=CASE, content_type="text/turtle")
    assert r.status_code == 200, r.text
    body = r.get_json()
    proof = body["cases"][0].pop("proof")
    assert body == plain
    statements = {s["text"]: s for s in proof["statements"]}
    own = statements["ex:DebtBondageControl rdfs:subClassOf pal:Coercion"]
    assert own["asserted"] == {"file": "request body", "line": 4}
    assert statements["ex:DebtBondageControl rdfs:subClassOf pal:Means"]["rule"] == "scm-sco"
    assert proof["conclusions"][0]["box"] == "trafficking"


def test_explain_in_rdf(client):
    r = client.post(
        "/classify?explain=true",
        data=CASE,
        content_type="text/turtle",
        headers={"Accept": "text/turtle"},
    )
    assert r.status_code == 200
    g = Graph().parse(data=r.data, format="turtle")
    (proof,) = g.objects(None, PAL.proof)
    assert (proof, RDF.type, PAL.Proof) in g
    rules = {str(r) for r in g.objects(None, PAL.inferenceRule)}
    assert {"cls-int1", "scm-sco", "cax-sco"} <= rules


def test_explain_must_be_a_boolean(client):
    r = client.post("/classify?explain=perhaps", data=CASE, content_type="text/turtle")
    assert r.status_code == 400
    assert r.mimetype == "application/problem+json"
