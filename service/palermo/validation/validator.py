"""Validation by engine name: ``pyshacl`` (the reference)."""

from __future__ import annotations

from rdflib import Graph

from palermo.validation.pyshacl_engine import validate_pyshacl
from palermo.validation.report import ValidationOutcome
from palermo.validation.shapes import Shapes

#: The engines by name; the first is the default.
ENGINES = ("pyshacl",)


def validate(data: Graph, *, shapes: Shapes, engine: str = ENGINES[0]) -> ValidationOutcome:
    """Validate ``data`` against ``shapes`` with the named engine. ``data`` is not changed."""
    if engine == "pyshacl":
        return validate_pyshacl(data, shapes)
    raise ValueError(f"unknown validation engine {engine!r}; use one of {', '.join(ENGINES)}")
