"""Case content never reaches the log: not even through rdflib's warnings about odd literals."""

from __future__ import annotations

import logging

MARKER = "maybe-7q9-content"

ILL_TYPED = f"""
@prefix pal: <https://w3id.org/palermo/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/case/log-1> a pal:Case ;
    pal:consentGiven "{MARKER}"^^xsd:boolean ;
    pal:act [ a pal:Recruitment ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct "{MARKER}"^^xsd:integer ] .
"""


def test_ill_typed_literals_are_not_quoted_in_the_log(client, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    r = client.post("/classify", data=ILL_TYPED, content_type="text/turtle")
    assert r.status_code in {200, 400, 422}
    assert MARKER not in caplog.text
    captured = capsys.readouterr()
    assert MARKER not in captured.err
    assert MARKER not in captured.out
