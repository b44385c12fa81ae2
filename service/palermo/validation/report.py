"""The validation report: one result per ``sh:ValidationResult``, and its renderings.

A result graph is a standard ``sh:ValidationReport`` (SHACL 1.0, section 3.6,
https://www.w3.org/TR/shacl/#validation-report). A case conforms when the report holds no
``sh:Violation``: warnings (the privacy shapes) are reported but allowed. The same outcome renders
as plain text, JSON and Turtle, whichever engine produced it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from palermo.rdf.namespaces import PREFIXES, RDF, SH, XSD, prefixes
from palermo.rdf.terms import local_name

#: The SHACL severities, most severe first (SHACL 1.0, section 2.1.5).
SEVERITIES: tuple[URIRef, ...] = (SH.Violation, SH.Warning, SH.Info)

#: Prefixes used to shorten IRIs in the plain-text summary and the Turtle report.
SUMMARY_PREFIXES: Mapping[str, str] = MappingProxyType(
    prefixes(*PREFIXES, "foaf", "schema", "vcard", "void", "dcat")
)


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult`` (SHACL 1.0, section 3.6.2)."""

    focus_node: Node
    path: Node | None
    value: Node | None
    severity: URIRef
    message: str
    source_shape: Node
    constraint: URIRef
    """The constraint component (``sh:sourceConstraintComponent``)."""
    source_constraint: Node | None = None
    """For a SPARQL-based constraint, the constraint node (``sh:sourceConstraint``)."""
    path_text: str = ""
    """The path in SHACL property-path notation, compact (``pal:act``)."""

    @property
    def severity_name(self) -> str:
        """``Violation``, ``Warning`` or ``Info``."""
        return local_name(self.severity)

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data: IRIs in full, blank nodes ``_:id``, literals as text."""
        return {
            "focusNode": _json_term(self.focus_node),
            "resultPath": self.path_text or None,
            "value": _json_term(self.value),
            "severity": self.severity_name,
            "message": self.message,
            "sourceShape": _json_term(self.source_shape),
            "sourceConstraintComponent": local_name(self.constraint),
            "sourceConstraint": _json_term(self.source_constraint)
            if isinstance(self.source_constraint, URIRef)
            else None,
        }


@dataclass(frozen=True)
class ValidationOutcome:
    """The outcome of validating one data graph.

    ``conforms`` is true when no result is a ``sh:Violation``; warnings and infos are allowed.
    """

    conforms: bool
    results: tuple[ValidationResult, ...]
    report: Graph = field(compare=False, repr=False)
    """The ``sh:ValidationReport`` graph, as pySHACL wrote it."""
    counts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    """Number of results per severity: ``{"Violation": n, "Warning": n, "Info": n}``."""

    @property
    def violations(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == SH.Violation)

    @property
    def warnings(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == SH.Warning)

    def summary(self) -> str:
        """A plain-text report, grouped by shape and then by focus node."""
        verdict = "conforms" if self.conforms else "does not conform"
        lines = [f"Validation: {verdict} ({_count_text(self.counts)})."]
        by_shape: dict[str, dict[str, list[ValidationResult]]] = {}
        for result in self.results:
            shape = by_shape.setdefault(_compact(result.source_shape), {})
            shape.setdefault(_compact(result.focus_node), []).append(result)
        for shape_name, by_focus in by_shape.items():
            lines.append("")
            lines.append(f"{shape_name}")
            for focus_name, results in by_focus.items():
                lines.append(f"  {focus_name}")
                for r in results:
                    where = []
                    if r.path_text:
                        where.append(r.path_text)
                    if r.value is not None and r.value != r.focus_node:
                        where.append(f"value {_compact(r.value)}")
                    place = f" [{', '.join(where)}]" if where else ""
                    lines.append(f"    {r.severity_name}{place}: {r.message}")
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        """The outcome as JSON-ready data."""
        return {
            "conforms": self.conforms,
            "counts": dict(self.counts),
            "results": [r.as_dict() for r in self.results],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The outcome as a JSON document (see :meth:`as_dict`)."""
        return json.dumps(self.as_dict(), indent=indent, ensure_ascii=False)

    def to_turtle(self) -> str:
        """The ``sh:ValidationReport`` in Turtle."""
        return self.report.serialize(format="turtle")


def outcome_from_report(report: Graph) -> ValidationOutcome:
    """The outcome of a ``sh:ValidationReport`` graph: its results sorted, counted by severity."""
    for prefix, namespace in SUMMARY_PREFIXES.items():
        report.bind(prefix, namespace, override=True)
    results = tuple(sorted(_read_results(report), key=_sort_key))
    counts = {local_name(s): 0 for s in SEVERITIES}
    for r in results:
        counts[r.severity_name] = counts.get(r.severity_name, 0) + 1
    return ValidationOutcome(
        conforms=counts["Violation"] == 0,
        results=results,
        report=report,
        counts=MappingProxyType(counts),
    )


def count_text(counts: Mapping[str, int]) -> str:
    """``"2 violations, 1 warning, 0 infos"``."""
    return _count_text(counts)


# ---------------------------------------------------------------------------------------------
# Reading the report


def _read_results(report: Graph) -> Iterable[ValidationResult]:
    for node in report.objects(None, SH.result):
        path = report.value(node, SH.resultPath)
        yield ValidationResult(
            focus_node=report.value(node, SH.focusNode),
            path=path,
            value=report.value(node, SH.value),
            severity=report.value(node, SH.resultSeverity),
            message=_message(report.objects(node, SH.resultMessage)),
            source_shape=report.value(node, SH.sourceShape),
            constraint=report.value(node, SH.sourceConstraintComponent),
            source_constraint=report.value(node, SH.sourceConstraint),
            path_text=_path_text(report, path) if path is not None else "",
        )


def _message(messages: Iterable[Node]) -> str:
    """The English message if there is one, else a message with no language, else any."""
    ranked = sorted(
        (m for m in messages if isinstance(m, Literal)),
        key=lambda m: (m.language not in ("en", None), m.language is not None, str(m)),
    )
    return str(ranked[0]) if ranked else ""


def _path_text(graph: Graph, path: Node) -> str:
    """A SHACL property path (SHACL 1.0, section 2.3.1) in SPARQL property-path notation."""
    if isinstance(path, URIRef):
        return _compact(path)
    if graph.value(path, RDF.first) is not None:
        return "/".join(_path_text(graph, p) for p in Collection(graph, path))
    for predicate, template in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return template.format(_path_text(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path_text(graph, p) for p in Collection(graph, alternatives)) + ")"
    return str(path)


def _sort_key(r: ValidationResult) -> tuple[Any, ...]:
    rank = SEVERITIES.index(r.severity) if r.severity in SEVERITIES else len(SEVERITIES)
    return (
        rank,
        str(r.source_shape),
        str(r.focus_node),
        r.path_text,
        str(r.value),
        r.message,
    )


# ---------------------------------------------------------------------------------------------
# Rendering terms


def _compact(term: Node | None) -> str:
    """A short, readable form of a term: ``pal:act``, ``<https://...>``, ``_:b0``, ``"17"``."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, namespace in SUMMARY_PREFIXES.items():
            if text.startswith(namespace):
                local = text[len(namespace) :]
                if local and all(c.isalnum() or c in "_-." for c in local):
                    return f"{prefix}:{local}"
        return f"<{text}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.language:
            return f"{json.dumps(str(term), ensure_ascii=False)}@{term.language}"
        if term.datatype is None or term.datatype == XSD.string:
            return json.dumps(str(term), ensure_ascii=False)
        return f"{json.dumps(str(term), ensure_ascii=False)}^^{_compact(term.datatype)}"
    return str(term)


def _json_term(term: Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _count_text(counts: Mapping[str, int]) -> str:
    parts = []
    for name in ("Violation", "Warning", "Info"):
        n = counts.get(name, 0)
        parts.append(f"{n} {name.lower()}{'' if n == 1 else 's'}")
    return ", ".join(parts)


__all__ = [
    "SEVERITIES",
    "SUMMARY_PREFIXES",
    "ValidationOutcome",
    "ValidationResult",
    "count_text",
    "outcome_from_report",
]
