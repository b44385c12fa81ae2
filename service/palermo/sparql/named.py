"""Named SPARQL queries, the header of every ``.rq`` file, and parameters bound as terms.

Named queries are the ``queries/*.rq`` files (top level only: ``queries/qc/`` and
``queries/assessment/`` are internal). Every ``.rq`` file, in all three folders, starts with the
same comment header (``queries/README.md``), read by :func:`parse_header`::

    # Title: Count cases by assessment label
    # Description: How many stored cases carry each label; a longer text
    #   continues on lines indented by at least two spaces.
    # Parameter: ?label (string, optional): only this label
    # Column: ?caseLabel: the assessment label
    # Column: ?cases: how many cases
    # Aggregate: true

Parameter types: ``iri``, ``string``, ``integer``, ``decimal``, ``boolean``, ``date``, ``country``
(an ISO 3166 alpha-3 code or a country IRI). A caller's values are parsed into pyoxigraph terms and
bound by a ``VALUES`` block placed at the start of the outermost ``WHERE`` group: user input is
never spliced into query text as a string (SEP-0007 substitution in pyoxigraph requires the
variable to be projected, which aggregate queries do not do).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from palermo import resources
from palermo.errors import (
    InputError,
    NotFound,
)
from palermo.rdf.namespaces import COUNTRY, XSD

log = logging.getLogger(__name__)

PARAMETER_TYPES = ("iri", "string", "integer", "decimal", "boolean", "date", "country")

HEADER_FIELDS = ("Title", "Description", "Parameter", "Column", "Aggregate")

_FIELD = re.compile(r"^#\s*(?P<key>[A-Za-z]+)\s*:\s*(?P<value>.*)$")
_CONTINUATION = re.compile(r"^#\s{2,}(?P<text>\S.*)$")
_PARAMETER = re.compile(
    r"^\?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<type>\w+)(?:\s*,\s*(?P<req>optional|required))?\)"
    r"\s*:?\s*(?P<text>.*)$"
)
_COLUMN = re.compile(r"^\?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*:?\s*(?P<text>.*)$")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_ISO3 = re.compile(r"[A-Z]{3}")
_IRI_FORBIDDEN = re.compile(r"[\x00-\x20<>\"{}|^`\\]")


class QueryParameterError(InputError):
    slug = "invalid-parameter"
    title = "Invalid query parameter"


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    description: str
    required: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "description": self.description,
        }


@dataclass(frozen=True)
class Column:
    name: str
    description: str


@dataclass(frozen=True)
class Header:
    """The comment header of one ``.rq`` file (``queries/README.md``)."""

    title: str
    description: str
    parameters: tuple[Parameter, ...] = ()
    columns: tuple[Column, ...] = ()
    #: only counts: runs over all case data for callers who may not read everything, with small
    #: cells suppressed (:func:`palermo.store.access.suppress_small_cells`)
    aggregate: bool = False


@dataclass(frozen=True)
class NamedQuery:
    """One named query, its header parsed and its text syntax-checked once, at load."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    columns: tuple[Column, ...]
    aggregate: bool
    text: str
    values_at: int  # offset just after the "{" of the outermost WHERE group

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "parameters": [p.to_json() for p in self.parameters],
            "columns": [{"name": c.name, "description": c.description} for c in self.columns],
            "aggregate": self.aggregate,
        }

    def bind(self, values: Mapping[str, str]) -> str:
        """The query text with ``values`` (raw strings from a caller) bound as a VALUES block.

        Unknown names, missing required parameters and unparsable values raise
        :class:`QueryParameterError` (HTTP 400).
        """
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise QueryParameterError(
                f"query {self.name!r} has no parameter {', '.join(unknown)}; "
                f"it takes {', '.join(known) or 'none'}"
            )
        terms: dict[str, ox.NamedNode | ox.Literal] = {}
        for p in self.parameters:
            raw = values.get(p.name)
            if raw is None or raw == "":
                if p.required:
                    raise QueryParameterError(f"query {self.name!r} needs the parameter {p.name}")
                continue
            terms[p.name] = parse_parameter(p, raw)
        if not terms:
            return self.text
        names = " ".join(f"?{n}" for n in terms)
        row = " ".join(str(t) for t in terms.values())
        block = f"\n  VALUES ({names}) {{ ({row}) }}\n"
        return self.text[: self.values_at] + block + self.text[self.values_at :]


def parse_parameter(p: Parameter, raw: str) -> ox.NamedNode | ox.Literal:
    """Parse a caller's value into a pyoxigraph term of the parameter's type."""

    def bad(reason: str) -> QueryParameterError:
        return QueryParameterError(f"parameter {p.name}: {reason}", parameter=p.name)

    if len(raw) > 2000:
        raise bad("value too long")
    try:
        if p.type == "iri":
            return _iri(raw)
        if p.type == "country":
            if _ISO3.fullmatch(raw.upper()):
                return ox.NamedNode(str(COUNTRY) + raw.upper())
            iri = _iri(raw)
            if not iri.value.startswith(str(COUNTRY)):
                raise ValueError(f"expected an ISO 3166 alpha-3 code or an IRI under {COUNTRY}")
            return iri
        if p.type == "string":
            return ox.Literal(raw)
        if p.type == "integer":
            if not re.fullmatch(r"[+-]?\d{1,18}", raw):
                raise ValueError("expected an integer")
            return ox.Literal(str(int(raw)), datatype=ox.NamedNode(str(XSD.integer)))
        if p.type == "decimal":
            if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", raw):
                raise ValueError("expected a decimal number")
            return ox.Literal(raw, datatype=ox.NamedNode(str(XSD.decimal)))
        if p.type == "boolean":
            if raw not in {"true", "false", "1", "0"}:
                raise ValueError("expected true or false")
            value = "true" if raw in {"true", "1"} else "false"
            return ox.Literal(value, datatype=ox.NamedNode(str(XSD.boolean)))
        if p.type == "date":
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                raise ValueError("expected a date YYYY-MM-DD")
            return ox.Literal(raw, datatype=ox.NamedNode(str(XSD.date)))
    except ValueError as exc:
        raise bad(str(exc)) from None
    raise bad(f"unknown type {p.type}")  # pragma: no cover - rejected at load


def _iri(raw: str) -> ox.NamedNode:
    if _IRI_FORBIDDEN.search(raw) or not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", raw):
        raise ValueError("expected an absolute IRI")
    return ox.NamedNode(raw)


def _blank_comments(text: str) -> str:
    """``text`` with every comment line replaced by spaces of the same length."""
    return "".join(
        " " * (len(line) - 1) + "\n" if line.lstrip().startswith("#") else line
        for line in text.splitlines(keepends=True)
    )


def parse_header(text: str, source: str | Path = "<query>") -> Header:
    """The comment header of an ``.rq`` file's ``text``: the ``#`` lines it starts with.

    Each line is a field (``# Title:``, ``# Description:``, ``# Parameter:``, ``# Column:``,
    ``# Aggregate:``) or continues the field above it (``#`` and at least two spaces). Title and
    Description are required, once each; Aggregate is ``true`` or ``false``, ``false`` when absent.
    Any other line in the header raises :class:`ValueError` naming ``source``, so that a header
    in another style fails at load (and in the test that parses every ``.rq`` file).
    """
    entries: list[tuple[str, list[str]]] = []  # each field with its text and continuation lines
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        continued = _CONTINUATION.match(line)
        if continued and entries and entries[-1][0] != "Aggregate":
            entries[-1][1].append(continued["text"].strip())
            continue
        field = _FIELD.match(line)
        if field is None:
            raise _header_error(source, number, line, "neither a field nor a continuation")
        key = field["key"]
        if key not in HEADER_FIELDS:
            raise _header_error(source, number, line, f"unknown field {key!r}")
        if key not in ("Parameter", "Column") and any(k == key for k, _ in entries):
            raise _header_error(source, number, line, f"a second {key}")
        entries.append((key, [field["value"].strip()]))
    values: dict[str, list[str]] = {}
    for key, parts in entries:
        values.setdefault(key, []).append(" ".join(part for part in parts if part))
    for key in ("Title", "Description"):
        if not values.get(key, [""])[0]:
            raise ValueError(f"{source}: the header has no {key}")
    parameters = []
    for value in values.get("Parameter", []):
        pm = _PARAMETER.match(value)
        if not pm or pm["type"] not in PARAMETER_TYPES:
            raise ValueError(f"{source}: bad parameter line {value!r}")
        parameters.append(
            Parameter(pm["name"], pm["type"], pm["text"].strip(), pm["req"] == "required")
        )
    columns = []
    for value in values.get("Column", []):
        cm = _COLUMN.match(value)
        if not cm:
            raise ValueError(f"{source}: bad column line {value!r}")
        columns.append(Column(cm["name"], cm["text"].strip()))
    aggregate = values.get("Aggregate", ["false"])[0].lower()
    if aggregate not in ("true", "false"):
        raise ValueError(f"{source}: Aggregate is true or false, not {aggregate!r}")
    return Header(
        title=values["Title"][0],
        description=values["Description"][0],
        parameters=tuple(parameters),
        columns=tuple(columns),
        aggregate=aggregate == "true",
    )


def _header_error(source: str | Path, number: int, line: str, reason: str) -> ValueError:
    fields = ", ".join(HEADER_FIELDS)
    return ValueError(f"{source}, line {number}: {reason} (header fields: {fields}): {line!r}")


def parse_named_query(path: Path) -> NamedQuery:
    """Read one ``.rq`` file: its header, and a syntax check of its text."""
    name = path.stem
    if not _NAME.fullmatch(name):
        raise ValueError(f"{path}: query names are lower-case kebab-case")
    text = path.read_text(encoding="utf-8")
    header = parse_header(text, path)
    where = _WHERE.search(_blank_comments(text))
    if where is None:
        raise ValueError(f"{path}: no WHERE group to bind parameters in")
    try:
        ox.Store().query(text)
    except SyntaxError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return NamedQuery(
        name=name,
        title=header.title,
        description=header.description,
        parameters=header.parameters,
        columns=header.columns,
        aggregate=header.aggregate,
        text=text,
        values_at=where.end(),
    )


def load_named_queries(folder: Path | None = None) -> dict[str, NamedQuery]:
    """Every top-level named query, by name."""
    paths = sorted((folder or resources.queries_dir()).glob("*.rq"))
    return {q.name: q for q in map(parse_named_query, paths)}


def get_named_query(queries: Mapping[str, NamedQuery], name: str) -> NamedQuery:
    try:
        return queries[name]
    except KeyError:
        raise NotFound(f"no named query {name!r}; GET /queries lists them") from None
