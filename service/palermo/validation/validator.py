"""Validation by engine name: ``fast`` (the default, :mod:`.oxigraph_engine`: the shapes
compiled to set-at-a-time SPARQL on pyoxigraph) or ``pyshacl`` (the reference,
:mod:`.pyshacl_engine`). Both give the same report (tests/validation/test_oxigraph_engine.py
compares them field by field); the outcome names the engine that produced it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph

from palermo.errors import PalermoError
from palermo.validation.report import ValidationOutcome
from palermo.validation.shapes import Shapes

#: The engines by name; the first is the default.
ENGINES = ("fast", "pyshacl")
DEFAULT_ENGINE = ENGINES[0]


class UnknownEngine(PalermoError):
    """A validation engine Palermo does not have (``--engine``, ``?engine=``)."""

    slug = "unknown-engine"
    title = "Unknown validation engine"
    status = 400
    exit_code = 2


def check_engine(engine: str) -> str:
    """``engine`` if Palermo has it, else :class:`UnknownEngine`."""
    if engine not in ENGINES:
        raise UnknownEngine(
            f"unknown validation engine {engine!r}; use one of {', '.join(ENGINES)}",
            engines=list(ENGINES),
        )
    return engine


def validate(data: Graph, *, shapes: Shapes, engine: str = DEFAULT_ENGINE) -> ValidationOutcome:
    """Validate ``data`` against ``shapes`` with the named engine. ``data`` is not changed."""
    if check_engine(engine) == "fast":
        from palermo.validation.oxigraph_engine import validate_fast

        return validate_fast(data, shapes)
    from palermo.validation.pyshacl_engine import validate_pyshacl

    return validate_pyshacl(data, shapes)


def validate_files(
    paths: Sequence[Path], *, shapes: Shapes, engine: str = DEFAULT_ENGINE
) -> ValidationOutcome:
    """Validate RDF files read as one graph. The fast engine reads them straight into its store
    (no rdflib graph is built); unreadable input raises :class:`~palermo.errors.InputError`."""
    if check_engine(engine) == "fast":
        from palermo.validation.oxigraph_engine import validate_files as fast_files

        return fast_files(paths, shapes)
    from palermo.rdf.parsing import read_graph

    return validate(read_graph(paths), shapes=shapes, engine=engine)


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "UnknownEngine",
    "check_engine",
    "validate",
    "validate_files",
]
