"""The long-lived objects of one app, built once by the app factory and kept on
``app.extensions["palermo"]``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from palermo.classification.classifier import Classifier
from palermo.sparql.named import NamedQuery
from palermo.sparql.runner import QueryRunner
from palermo.store.access import TokenTable
from palermo.store.interface import Store
from palermo.validation.jobs import ValidationJobs
from palermo.validation.shapes import Shapes


@dataclass(frozen=True)
class Palermo:
    config: Mapping[str, Any]
    store: Store
    runner: QueryRunner
    queries: Mapping[str, NamedQuery]
    tokens: TokenTable
    classifier: Classifier
    #: every shape (``POST /validate``), and the case-graph contract alone (``POST /classify``)
    shapes: Shapes
    contract: Shapes
    #: the validation jobs (``POST /validations``) and their worker threads
    validations: ValidationJobs


def palermo() -> Palermo:
    """The :class:`Palermo` of the current app."""
    return current_app.extensions["palermo"]
