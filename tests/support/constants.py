"""Constants the tests share: three small case graphs and a violating one, the API tokens and
their ``Authorization`` headers, and the config every test app starts from."""

from __future__ import annotations

WRITE_TOKEN = "test-writer-token"
READ_TOKEN = "test-reader-token"
ADMIN_TOKEN = "test-admin-token"
WRITE = {"Authorization": f"Bearer {WRITE_TOKEN}"}
READ = {"Authorization": f"Bearer {READ_TOKEN}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

# Three small case graphs (DESIGN.md case-graph contract), inline so that they do not move.
CASE_TRAFFICKING = """
@prefix pal: <https://w3id.org/palermo/ontology#> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
<https://example.org/case/svc1> a pal:Case ;
    pal:act [ a pal:Recruitment ] ;
    pal:means [ a pal:Deception ] ;
    pal:purpose [ a pal:ForcedLabour ] ;
    pal:perpetrator <https://example.org/person/r1> ;
    pal:countryOfOrigin country:PHL ;
    pal:countryOfExploitation country:MYS ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 30 ] .
<https://example.org/person/r1> a pal:Recruiter ;
    pal:relationshipToPerson pal:FriendOrAcquaintance .
"""
CASE_CHILD = """
@prefix pal: <https://w3id.org/palermo/ontology#> .
<https://example.org/case/svc2> a pal:Case ;
    pal:act [ a pal:Harbouring ] ;
    pal:purpose [ a pal:SexualExploitation ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 15 ] .
"""
CASE_SMUGGLING = """
@prefix pal: <https://w3id.org/palermo/ontology#> .
<https://example.org/case/svc3> a pal:Case ;
    pal:procures [ a pal:IllegalEntry ] ;
    pal:benefit [ a pal:FinancialBenefit ] ;
    pal:means [ a pal:ThreatOfForce ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 25 ] .
"""
CASE_VIOLATION = """
@prefix pal: <https://w3id.org/palermo/ontology#> .
<https://example.org/case/bad1> a pal:Case ;
    pal:act [ a pal:Recruitment ] ;
    pal:ruledOut pal:ActElement .
"""


def base_config(**overrides: object) -> dict[str, object]:
    """The config of a test app: an in-memory store, the three tokens, no examples loaded."""
    config: dict[str, object] = {
        "MEMORY": True,
        "TOKENS": f"{WRITE_TOKEN}:write,{READ_TOKEN}:read,{ADMIN_TOKEN}:admin",
        "QUERY_TIMEOUT": 10.0,
        "MAX_RESULT_ROWS": 100_000,
        "LOAD_EXAMPLES": False,
    }
    config.update(overrides)
    return config
