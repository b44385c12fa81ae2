"""A validation report never repeats a private value, on every engine and in every format
(issue 11; the privacy shapes' rule): pySHACL copies into its report graph what the data says
about a blank-node focus node, and Palermo's renderings leave that out."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph

from palermo.validation.validator import ENGINES, validate
from support.constants import WRITE
from support.partner_data import PRIVATE, partner_dataset


def _data() -> Graph:
    return Graph().parse(data=partner_dataset(3), format="turtle")


def _leaks(text: str) -> list[str]:
    return [value for value in PRIVATE if value in text]


@pytest.mark.parametrize("engine", ENGINES)
def test_no_rendering_repeats_a_private_value(engine: str, shapes) -> None:
    outcome = validate(_data(), shapes=shapes, engine=engine)
    assert outcome.warnings, "the privacy shapes found the private values"
    for text in (
        outcome.summary(),
        outcome.to_json(),
        outcome.to_turtle(),
        outcome.grouped_text(),
        outcome.to_csv(),
    ):
        assert _leaks(text) == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("accept", ["application/json", "text/turtle", "application/n-triples"])
def test_post_validate_repeats_no_private_value(client, engine: str, accept: str) -> None:
    r = client.post(
        f"/validate?engine={engine}",
        data=partner_dataset(3),
        headers={"Content-Type": "text/turtle", "Accept": accept, **WRITE},
    )
    assert r.status_code == 200, r.text[:300]
    assert _leaks(r.get_data(as_text=True)) == []
    if accept == "application/json":
        assert json.loads(r.data)["results"]
