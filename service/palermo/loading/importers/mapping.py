"""Mapping files: how the columns of a CSV become a case graph, written down as data.

A mapping is a TOML file (``importers/mappings/*.toml``, read with :mod:`tomllib`) that a user can
read and change: which column gives which element class of the case-graph contract (DESIGN.md,
"The case-graph contract") under which value rule, and which columns are kept as data for queries.
``importers/README.md`` is the reference for the format; ``ctdc.toml`` implements DESIGN.md's CTDC
mapping, ``htcds.toml`` an HTCDS-style header.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import URIRef

from palermo import resources
from palermo.errors import InputError
from palermo.rdf.namespaces import PAL, prefixes

#: The prefixes a mapping file may use in its CURIEs.
PREFIXES: dict[str, str] = prefixes("pal", "rdf", "rdfs", "xsd", "dcterms", "schema", "country")

SUBJECTS = ("case", "person", "perpetrator")
LITERAL_KINDS = ("string", "integer")
ELEMENT_PROPERTIES = frozenset(
    PAL[name] for name in ("act", "means", "purpose", "procures", "benefit")
)
_KEYS = frozenset(
    {
        "column",
        "subject",
        "element",
        "property",
        "values",
        "unlisted",
        "split",
        "literal",
        "allowed",
        "minimum",
        "maximum",
        "iri",
        "pattern",
    }
)


@dataclass(frozen=True)
class Rule:
    """One column rule: what a cell gives, and to which node of the case."""

    column: str
    subject: str
    predicate: URIRef
    element: bool = False
    values: MappingABC[str, tuple[URIRef, ...]] | None = None
    unlisted: str = "reject"
    split: bool = False
    literal: str | None = None
    allowed: frozenset[str] | None = None
    minimum: int | None = None
    maximum: int | None = None
    iri: str | None = None
    pattern: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file."""

    name: str
    title: str
    path: Path
    delimiter: str
    separator: str
    missing: frozenset[str]
    id_column: str | None
    id_prefix: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    rules: tuple[Rule, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the mapping reads, in the order of its rules (the expected header)."""
        seen: dict[str, None] = {}
        if self.id_column:
            seen[self.id_column] = None
        for rule in self.rules:
            seen[rule.column] = None
        return tuple(seen)


def available() -> list[str]:
    """The names of the mappings shipped with Palermo."""
    return sorted(p.stem for p in resources.mappings_dir().glob("*.toml"))


def load_mapping(name_or_path: str | Path) -> Mapping:
    """Read a shipped mapping by name (``ctdc``, ``htcds``) or a mapping file by path."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = resources.mappings_dir() / f"{name_or_path}.toml"
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise InputError(
            f"no such mapping (shipped: {', '.join(available())})", source=str(path)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=str(path)) from None
    return parse_mapping(data, path)


def parse_mapping(data: dict[str, Any], path: Path) -> Mapping:
    """Check and convert the TOML of a mapping file; a mistake is an :class:`InputError`."""

    def fail(message: str) -> InputError:
        return InputError(message, source=str(path))

    source = data.get("source", {})
    rules_data = data.get("rule", [])
    if not isinstance(source, dict) or not isinstance(rules_data, list) or not rules_data:
        raise fail("a mapping needs a [source] table and at least one [[rule]]")
    rules = tuple(_rule(r, i + 1, fail) for i, r in enumerate(rules_data))
    id_column = source.get("id_column") or None
    optional = tuple(source.get("optional", ()))
    columns = list(dict.fromkeys([*([id_column] if id_column else []), *(r.column for r in rules)]))
    unknown = sorted(set(optional) - set(columns))
    if unknown:
        raise fail(f"[source].optional names columns no rule reads: {', '.join(unknown)}")
    id_prefix = str(source.get("id_prefix", path.stem))
    if not re.fullmatch(r"[A-Za-z0-9._~-]{1,40}", id_prefix):
        raise fail(f"[source].id_prefix {id_prefix!r}: letters, digits, '.', '_', '~', '-' only")
    delimiter = str(source.get("delimiter", ","))
    if len(delimiter) != 1:
        raise fail("[source].delimiter must be one character")
    return Mapping(
        name=path.stem,
        title=str(source.get("name", path.stem)),
        path=path,
        delimiter=delimiter,
        separator=str(source.get("separator", ";")),
        missing=frozenset(str(m) for m in source.get("missing", [""])),
        id_column=id_column,
        id_prefix=id_prefix,
        required=tuple(c for c in columns if c not in optional),
        optional=optional,
        rules=rules,
    )


def expand(curie: str) -> URIRef:
    """The IRI of a CURIE such as ``pal:Recruitment`` (or of a full IRI in angle brackets)."""
    if curie.startswith("<") and curie.endswith(">"):
        return URIRef(curie[1:-1])
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in PREFIXES or not local:
        raise ValueError(f"{curie!r} is not a CURIE with a known prefix ({', '.join(PREFIXES)})")
    return URIRef(PREFIXES[prefix] + local)


def _rule(data: Any, number: int, fail) -> Rule:
    where = f"rule {number}"
    if not isinstance(data, dict) or not isinstance(data.get("column"), str):
        raise fail(f"{where}: a rule needs a column")
    where = f"rule {number} (column {data['column']})"
    extra = sorted(set(data) - _KEYS)
    if extra:
        raise fail(f"{where}: unknown key(s) {', '.join(extra)}")
    subject = data.get("subject", "case")
    if subject not in SUBJECTS:
        raise fail(f"{where}: subject must be one of {', '.join(SUBJECTS)}")
    if ("element" in data) == ("property" in data):
        raise fail(f"{where}: give element or property, not both or neither")
    try:
        predicate = expand(data.get("element") or data["property"])
        values = None
        if "values" in data:
            if not isinstance(data["values"], dict):
                raise ValueError("values must be a table of source value = target")
            values = {
                str(k): tuple(expand(t) for t in ([v] if isinstance(v, str) else v) if t)
                for k, v in data["values"].items()
            }
        pattern = re.compile(data["pattern"]) if "pattern" in data else None
    except (ValueError, re.error) as exc:
        raise fail(f"{where}: {exc}") from None
    element = "element" in data
    if element and predicate not in ELEMENT_PROPERTIES:
        raise fail(
            f"{where}: element must be one of pal:act, pal:means, pal:purpose, "
            "pal:procures, pal:benefit"
        )
    literal = data.get("literal")
    if literal is not None and literal not in LITERAL_KINDS:
        raise fail(f"{where}: literal must be one of {', '.join(LITERAL_KINDS)}")
    kinds = [k for k in (values is not None, literal is not None, "iri" in data) if k]
    if len(kinds) != 1 or (element and values is None):
        raise fail(f"{where}: give exactly one of values, literal or iri (an element needs values)")
    unlisted = data.get("unlisted", "reject")
    if unlisted not in ("reject", "literal"):
        raise fail(f"{where}: unlisted must be reject or literal")
    if "iri" in data and "{value}" not in data["iri"]:
        raise fail(f"{where}: iri must contain {{value}}")
    return Rule(
        column=data["column"],
        subject=subject,
        predicate=predicate,
        element=element,
        values=values,
        unlisted=unlisted,
        split=bool(data.get("split", False)),
        literal=literal,
        allowed=frozenset(data["allowed"]) if "allowed" in data else None,
        minimum=data.get("minimum"),
        maximum=data.get("maximum"),
        iri=data.get("iri"),
        pattern=pattern,
    )
