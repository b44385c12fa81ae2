"""Importers: CSV datasets in the CTDC and HTCDS field standards to case graphs (DESIGN.md,
"Importers"; ``palermo import``).

The mapping from columns to the case-graph contract is data (``mappings/*.toml``, described in
``README.md`` beside this file), read by :mod:`palermo.loading.importers.mapping`; the rows are
read and
checked by :mod:`palermo.loading.importers.reader`.
"""

from palermo.loading.importers.mapping import Mapping, Rule, available, load_mapping
from palermo.loading.importers.reader import (
    CsvSource,
    ImportSummary,
    MappedCase,
    Problem,
    Rejection,
    to_ntriples,
)

__all__ = [
    "CsvSource",
    "ImportSummary",
    "MappedCase",
    "Mapping",
    "Problem",
    "Rejection",
    "Rule",
    "available",
    "load_mapping",
    "to_ntriples",
]
