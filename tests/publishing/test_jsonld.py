"""The JSON-LD context: every example round-trips through it, the JSON-LD twins in
examples/jsonld/ give the same assessment as their Turtle twins over HTTP, plain JSON works, and
remote contexts other than Palermo's stay refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from palermo.rdf.jsonld import CONTEXT_IRI, compact, palermo_context
from palermo.rdf.parsing import parse_quads, read_graph, syntax_for_media_type, to_graph
from support import paths

EXAMPLES = paths.EXAMPLES
TURTLE = sorted(EXAMPLES.glob("*.ttl"))
JSONLD = syntax_for_media_type("application/ld+json")


def _parse(data: bytes, **kwargs) -> object:
    return to_graph(parse_quads(data, JSONLD, **kwargs))


def test_every_turtle_example_has_a_jsonld_twin() -> None:
    twins = sorted(p.stem for p in (EXAMPLES / "jsonld").glob("*.jsonld"))
    assert twins == sorted(p.stem for p in TURTLE)


@pytest.mark.parametrize("path", TURTLE, ids=lambda p: p.name)
def test_round_trip_through_the_context(path: Path) -> None:
    graph = read_graph([path])
    document = json.dumps(compact(graph)).encode()
    assert isomorphic(_parse(document), graph)


@pytest.mark.parametrize("path", TURTLE, ids=lambda p: p.name)
def test_twin_is_the_same_graph(path: Path) -> None:
    twin = (EXAMPLES / "jsonld" / f"{path.stem}.jsonld").read_bytes()
    assert json.loads(twin)["@context"] == CONTEXT_IRI
    assert isomorphic(_parse(twin), read_graph([path]))


@pytest.mark.parametrize("path", TURTLE, ids=lambda p: p.name)
def test_twin_gives_the_same_assessment_over_http(client, path: Path) -> None:
    turtle = client.post(
        "/classify", data=path.read_bytes(), headers={"Content-Type": "text/turtle"}
    )
    twin = (EXAMPLES / "jsonld" / f"{path.stem}.jsonld").read_bytes()
    for media in ("application/ld+json", "application/json"):
        answer = client.post("/classify", data=twin, headers={"Content-Type": media})
        assert answer.status_code == turtle.status_code == 200
        assert answer.get_json() == turtle.get_json()
    validated = client.post("/validate", data=twin, headers={"Content-Type": "application/json"})
    assert validated.get_json()["conforms"] is True


def test_plain_json_without_context_uses_palermo_context(client) -> None:
    case = {
        "id": "https://example.org/case/plain",
        "type": "Case",
        "act": {"type": "Recruitment"},
        "means": {"type": "Deception"},
        "purpose": {"type": "ForcedLabour"},
        "affectedPerson": {"type": "Person", "ageAtTimeOfAct": 30},
    }
    r = client.post("/classify", json=case)
    assert r.status_code == 200
    assert r.get_json()["cases"][0]["label"] == "trafficking"


def test_other_remote_contexts_stay_refused(client) -> None:
    body = json.dumps({"@context": "https://example.org/context.jsonld", "type": "Case"})
    r = client.post("/classify", data=body, headers={"Content-Type": "application/ld+json"})
    assert r.status_code == 400
    assert r.mimetype == "application/problem+json"


def test_context_served_equals_shipped(client) -> None:
    r = client.get("/context.jsonld")
    assert r.status_code == 200
    assert r.mimetype == "application/ld+json"
    assert r.get_json()["@context"] == palermo_context()
