"""The long-lived objects of one app, kept on ``app.extensions["palermo"]``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from palermo.api.auth import Tokens
from palermo.queries import NamedQuery, QueryRunner
from palermo.store import Store


@dataclass(frozen=True)
class Palermo:
    config: Mapping[str, Any]
    store: Store
    runner: QueryRunner
    queries: Mapping[str, NamedQuery]
    tokens: Tokens


def palermo() -> Palermo:
    """The :class:`Palermo` of the current app."""
    return current_app.extensions["palermo"]
