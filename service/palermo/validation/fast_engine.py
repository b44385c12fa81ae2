"""The fast validation engine under the name issue 11 gives it: the implementation is
:mod:`palermo.validation.oxigraph_engine` (the shapes compiled by
:mod:`palermo.validation.plan_compiler`, run set-at-a-time on one pyoxigraph store)."""

from __future__ import annotations

from palermo.validation.oxigraph_engine import (
    NAME,
    Fallback,
    compiled_plan,
    covers,
    load_files,
    validate_fast,
    validate_files,
)

__all__ = [
    "NAME",
    "Fallback",
    "compiled_plan",
    "covers",
    "load_files",
    "validate_fast",
    "validate_files",
]
