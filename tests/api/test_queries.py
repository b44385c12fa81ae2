"""Named queries over HTTP: listing, running, binding parameters safely."""

from __future__ import annotations

import pytest

from support.constants import READ

PAL = "https://w3id.org/palermo/ontology#"


def test_list_queries(client):
    r = client.get("/queries")
    assert r.status_code == 200
    queries = r.get_json()
    assert len(queries) >= 10
    assert {"name", "title", "description", "parameters"} <= set(queries[0])


def test_every_named_query_runs(loaded_client):
    for q in loaded_client.get("/queries").get_json():
        args = (
            {"case": "https://example.org/case/svc1"} if q["name"] == "list-case-elements" else {}
        )
        r = loaded_client.get(f"/queries/{q['name']}", query_string=args)
        assert r.status_code == 200, (q["name"], r.text)


def _rows(r):
    return r.get_json()["results"]["bindings"]


def test_count_cases_by_label_with_a_bound_label(loaded_client):
    rows = _rows(loaded_client.get("/queries/count-cases-by-label", headers=READ))
    assert {b["caseLabel"]["value"]: b["cases"]["value"] for b in rows} == {
        "trafficking": "2",
        "smuggling": "1",
    }
    rows = _rows(loaded_client.get("/queries/count-cases-by-label?label=smuggling", headers=READ))
    assert [(b["caseLabel"]["value"], b["cases"]["value"]) for b in rows] == [("smuggling", "1")]


def test_smuggling_cases_with_trafficking_elements(loaded_client):
    rows = _rows(
        loaded_client.get("/queries/list-smuggling-cases-with-trafficking-indicators", headers=READ)
    )
    found = {(b["case"]["value"], b["element"]["value"]) for b in rows}
    assert {case for case, _ in found} == {"https://example.org/case/svc3"}
    assert ("https://example.org/case/svc3", PAL + "ThreatOfForce") in found


def test_child_cases(loaded_client):
    rows = _rows(loaded_client.get("/queries/list-child-cases", headers=READ))
    assert [b["case"]["value"] for b in rows] == ["https://example.org/case/svc2"]


def test_country_parameter_takes_a_code(loaded_client):
    rows = _rows(
        loaded_client.get("/queries/count-cases-by-country-of-origin?country=PHL", headers=READ)
    )
    assert [b["cases"]["value"] for b in rows] == ["1"]


def test_injection_is_bound_as_a_literal(loaded_app):
    client = loaded_app.test_client()
    before = len(loaded_app.extensions["palermo"].store.case_records())
    evil = 'both") } } ; DROP ALL ; SELECT * WHERE { ("'
    r = client.get("/queries/count-cases-by-label", query_string={"label": evil})
    assert r.status_code == 200
    assert _rows(r) == []
    assert len(loaded_app.extensions["palermo"].store.case_records()) == before


@pytest.mark.parametrize(
    ("path", "status", "slug"),
    [
        ("/queries/list-case-elements?case=not%20an%20iri", 400, "invalid-parameter"),
        ("/queries/list-case-elements?case=http://x/%3E%20%7B", 400, "invalid-parameter"),
        ("/queries/list-case-elements", 400, "invalid-parameter"),
        ("/queries/count-cases-by-label?colour=red", 400, "invalid-parameter"),
        ("/queries/count-cases-by-country-of-origin?country=Atlantis", 400, "invalid-parameter"),
        ("/queries/no-such-query", 404, "not-found"),
    ],
)
def test_bad_parameters(client, path, status, slug):
    r = client.get(path)
    assert r.status_code == status
    assert r.get_json()["type"].endswith(slug)


def test_named_query_as_csv(loaded_client):
    r = loaded_client.get("/queries/count-cases-by-label", headers={"Accept": "text/csv"})
    assert r.mimetype == "text/csv"
    assert r.text.splitlines()[0] == "caseLabel,cases"
