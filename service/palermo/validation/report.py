"""The validation report: one result per ``sh:ValidationResult``, and its renderings.

A result graph is a standard ``sh:ValidationReport`` (SHACL 1.0, section 3.6,
https://www.w3.org/TR/shacl/#validation-report). A case conforms when the report holds no
``sh:Violation``: warnings (the privacy shapes) are reported but allowed. The same outcome renders
as plain text, JSON and Turtle, whichever engine produced it; each rendering names the engine.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, cast

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

#: How many results of each rule the grouped reports show (:meth:`ValidationOutcome.rules`).
FIRST_RESULTS = 5

#: The columns of the CSV report, one row per result (:meth:`ValidationOutcome.to_csv`).
CSV_COLUMNS: tuple[str, ...] = (
    "severity",
    "focusNode",
    "resultPath",
    "value",
    "message",
    "sourceShape",
    "sourceConstraintComponent",
    "sourceConstraint",
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
    engine: str = "pyshacl"
    """The engine that produced the report: ``fast`` or ``pyshacl`` (the reference)."""

    @property
    def violations(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == SH.Violation)

    @property
    def warnings(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == SH.Warning)

    def summary(self) -> str:
        """A plain-text report, grouped by shape and then by focus node."""
        verdict = "conforms" if self.conforms else "does not conform"
        lines = [f"Validation: {verdict} ({count_text(self.counts)})."]
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
        lines.append("")
        lines.append(f"Engine: {self.engine}.")
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        """The outcome as JSON-ready data."""
        return {
            "conforms": self.conforms,
            "counts": dict(self.counts),
            "engine": self.engine,
            "results": [r.as_dict() for r in self.results],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The outcome as a JSON document (see :meth:`as_dict`)."""
        return json.dumps(self.as_dict(), indent=indent, ensure_ascii=False)

    def to_turtle(self) -> str:
        """The ``sh:ValidationReport`` in Turtle, after a comment naming the engine: its results
        alone (:meth:`results_graph`), never what the data says about a blank node."""
        return self.to_results_turtle()

    # -- reports people act on: grouped by rule, one row per result, the report alone ----------

    def rules(self, first: int = FIRST_RESULTS) -> tuple[RuleGroup, ...]:
        """The results grouped by rule (source shape, constraint component and message), most
        severe first, then the rules broken most often; each group keeps its ``first`` results
        (in the report's order) and counts the rest."""
        groups: dict[tuple[str, str, str], list[ValidationResult]] = {}
        for r in self.results:
            groups.setdefault((str(r.source_shape), str(r.constraint), r.message), []).append(r)
        built = [
            RuleGroup(
                severity=min((r.severity for r in members), key=_severity_rank),
                source_shape=members[0].source_shape,
                constraint=members[0].constraint,
                message=members[0].message,
                count=len(members),
                results=tuple(members[: max(first, 0)]),
            )
            for members in groups.values()
        ]
        return tuple(sorted(built, key=lambda g: (g.rank, -g.count, *_rule_key(g))))

    def grouped_text(self, first: int = FIRST_RESULTS) -> str:
        """A plain-text report grouped by rule: each rule broken, how often, its first
        ``first`` results and a count of the rest (:meth:`rules`)."""
        verdict = "conforms" if self.conforms else "does not conform"
        lines = [f"Validation: {verdict} ({count_text(self.counts)}).", f"Engine: {self.engine}."]
        for group in self.rules(first):
            times = f"{group.count} result{'' if group.count == 1 else 's'}"
            lines += [
                "",
                f"{group.severity_name}, {times}: {_compact(group.source_shape)} "
                f"({local_name(group.constraint)})",
                f"  {group.message}",
            ]
            lines += [f"  - {_compact(r.focus_node)}{_where(r)}" for r in group.results]
            if group.more:
                lines.append(f"  ... and {group.more} more")
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        """One row per result, for spreadsheets (RFC 4180): the fields of
        :meth:`ValidationResult.as_dict`, under a header row. A cell that a spreadsheet would
        read as a formula (``=``, ``+``, ``-``, ``@``, tab or carriage return first, and not a
        number) starts with an apostrophe, as OWASP advises against CSV injection."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for r in self.results:
            row = r.as_dict()
            writer.writerow([_csv_cell(row[column]) for column in CSV_COLUMNS])
        return out.getvalue()

    def results_graph(self) -> Graph:
        """The ``sh:ValidationReport`` with its results alone (SHACL 1.0, section 3.6), and the
        structures they point to (property paths, blank-node shapes, nested results).

        pySHACL copies into its report every triple the data graph has about a blank-node focus
        node or value, so that the node means something there: a person written as a blank node
        would have their name or date of birth repeated. What a result says (``sh:focusNode``,
        ``sh:value``) is kept; what the data says about those nodes is not."""
        graph = Graph()
        for prefix, namespace in self.report.namespaces():
            graph.bind(prefix, namespace, override=False)
        todo: list[Node] = list(self.report.subjects(RDF.type, SH.ValidationReport))
        seen: set[Node] = set()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for p, o in self.report.predicate_objects(node):
                graph.add((node, p, o))
                if isinstance(o, BNode) and p not in (SH.focusNode, SH.value):
                    todo.append(o)
        return graph

    def to_results_turtle(self) -> str:
        """:meth:`results_graph` in Turtle, after a comment naming the engine: the report to
        hand on, which never repeats what the data says about a blank node."""
        return f"# validated by: {self.engine}\n" + self.results_graph().serialize(format="turtle")


@dataclass(frozen=True)
class RuleGroup:
    """The results of one rule: one source shape, constraint component and message."""

    severity: URIRef
    """The most severe of its results (a shape gives all its results one severity)."""
    source_shape: Node
    constraint: URIRef
    message: str
    count: int
    results: tuple[ValidationResult, ...]
    """The first results, in the report's order."""

    @property
    def more(self) -> int:
        """How many results are not in :attr:`results`."""
        return self.count - len(self.results)

    @property
    def severity_name(self) -> str:
        return local_name(self.severity)

    @property
    def rank(self) -> int:
        return _severity_rank(self.severity)

    def as_dict(self) -> dict[str, Any]:
        """The group as JSON-ready data; its results as :meth:`ValidationResult.as_dict`."""
        return {
            "severity": self.severity_name,
            "sourceShape": _json_term(self.source_shape),
            "sourceConstraintComponent": local_name(self.constraint),
            "message": self.message,
            "count": self.count,
            "results": [r.as_dict() for r in self.results],
            "more": self.more,
        }


def outcome_from_report(report: Graph, engine: str = "pyshacl") -> ValidationOutcome:
    """The outcome of a ``sh:ValidationReport`` graph: its results sorted, counted by severity."""
    for prefix, namespace in SUMMARY_PREFIXES.items():
        report.bind(prefix, namespace, override=True)
    return outcome_from_results(_read_results(report), report, engine=engine)


def outcome_from_results(
    results: Iterable[ValidationResult], report: Graph, engine: str
) -> ValidationOutcome:
    """The outcome of results an engine read or built itself, with the report graph that holds
    them: the results sorted, counted by severity."""
    ordered = tuple(sorted(results, key=_sort_key))
    counts = {local_name(s): 0 for s in SEVERITIES}
    for r in ordered:
        counts[r.severity_name] = counts.get(r.severity_name, 0) + 1
    return ValidationOutcome(
        conforms=counts["Violation"] == 0,
        results=ordered,
        report=report,
        counts=MappingProxyType(counts),
        engine=engine,
    )


def message_text(messages: Iterable[Node]) -> str:
    """The message of a result with these ``sh:resultMessage`` values: English if there is one,
    else one with no language, else any."""
    return _message(messages)


def path_notation(graph: Graph, path: Node) -> str:
    """A SHACL property path of ``graph`` in compact SPARQL property-path notation."""
    return _path_text(graph, path)


# ---------------------------------------------------------------------------------------------
# Reading the report


def _read_results(report: Graph) -> Iterable[ValidationResult]:
    def required(node: Node, predicate: URIRef) -> Node:
        """A field every ``sh:ValidationResult`` has (SHACL 1.0, section 3.6.2)."""
        found = report.value(node, predicate)
        if found is None:
            raise ValueError(f"a validation result without {predicate}")
        return found

    for node in report.objects(None, SH.result):
        path = report.value(node, SH.resultPath)
        yield ValidationResult(
            focus_node=required(node, SH.focusNode),
            path=path,
            value=report.value(node, SH.value),
            severity=cast(URIRef, required(node, SH.resultSeverity)),
            message=_message(report.objects(node, SH.resultMessage)),
            source_shape=required(node, SH.sourceShape),
            constraint=cast(URIRef, required(node, SH.sourceConstraintComponent)),
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


# ---------------------------------------------------------------------------------------------
# Grouping and CSV


def _severity_rank(severity: Node) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _rule_key(group: RuleGroup) -> tuple[str, str, str]:
    return (str(group.source_shape), str(group.constraint), group.message)


def _where(r: ValidationResult) -> str:
    """`` [pal:act, value <...>]``: the path and the value of a result, when they say more."""
    said = [r.path_text] if r.path_text else []
    if r.value is not None and r.value != r.focus_node:
        said.append(f"value {_compact(r.value)}")
    return f" [{', '.join(said)}]" if said else ""


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def count_text(counts: Mapping[str, int]) -> str:
    """``"2 violations, 1 warning, 0 infos"``."""
    parts = []
    for name in ("Violation", "Warning", "Info"):
        n = counts.get(name, 0)
        parts.append(f"{n} {name.lower()}{'' if n == 1 else 's'}")
    return ", ".join(parts)


__all__ = [
    "CSV_COLUMNS",
    "FIRST_RESULTS",
    "SEVERITIES",
    "SUMMARY_PREFIXES",
    "RuleGroup",
    "ValidationOutcome",
    "ValidationResult",
    "count_text",
    "message_text",
    "outcome_from_report",
    "outcome_from_results",
    "path_notation",
]
