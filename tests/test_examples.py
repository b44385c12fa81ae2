"""Every example is a test: each gives the answer examples/answers.json records."""

from __future__ import annotations

import json

import pytest

from palermo.rdf.parsing import read_graph
from palermo.validation.validator import validate
from support import paths

EXAMPLES = paths.EXAMPLES
ANSWERS = json.loads((EXAMPLES / "answers.json").read_text())["examples"]


def test_every_example_has_an_answer() -> None:
    assert sorted(ANSWERS) == sorted(p.name for p in EXAMPLES.glob("*.ttl"))


@pytest.mark.parametrize("name", sorted(ANSWERS))
@pytest.mark.parametrize("reasoner", ["fast", "owlrl"])
def test_example_answer(name: str, reasoner: str, classifier) -> None:
    graph = read_graph([EXAMPLES / name])
    [answer] = [c.assessment.to_json() for c in classifier.classify(graph, reasoner)]
    assert answer.pop("explanation")
    assert answer == ANSWERS[name]


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_examples_conform_to_the_shapes(name: str, shapes) -> None:
    outcome = validate(read_graph([EXAMPLES / name]), shapes=shapes)
    assert outcome.conforms, outcome.summary()
    assert not outcome.warnings, outcome.summary()


def test_partner_dataset_has_the_problems_it_describes(shapes) -> None:
    outcome = validate(read_graph([EXAMPLES / "partner" / "dataset.ttl"]), shapes=shapes)
    assert not outcome.conforms
    assert len(outcome.violations) == 2
    assert len(outcome.warnings) == 1
