"""SHACL validation of case graphs and partner datasets against the shapes in ``shapes/``.

The shapes are W3C SHACL (https://www.w3.org/TR/shacl/), run by pySHACL. The ontology is mixed
into the data graph (pySHACL's ``ont_graph``) and no inference is done (``inference='none'``):

- ``sh:class`` and ``sh:targetClass`` follow ``rdfs:subClassOf`` in the data graph (SHACL 1.0,
  section 2.1.3.1, "SHACL instance" and "SHACL subclass",
  https://www.w3.org/TR/shacl/#dfn-shacl-instance), so the ontology's subclass axioms and those a
  case brings with it (a subclass of ``pal:Coercion``) are seen;
- ``rdfs:range`` is not applied, so an element with no type is reported instead of being typed by
  the range of ``pal:act`` (RDF 1.1 Semantics, rule rdfs3).

A result graph is a standard ``sh:ValidationReport`` (SHACL 1.0, section 3.6,
https://www.w3.org/TR/shacl/#validation-report). A case conforms when the report holds no
``sh:Violation``: warnings (the privacy shapes) are reported but allowed.

This module never logs case content: only counts and durations.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDFS
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Node

from palermo import resources
from palermo.namespaces import PREFIXES, RDF, SH, XSD

log = logging.getLogger(__name__)

#: The SHACL severities, most severe first (SHACL 1.0, section 2.1.5).
SEVERITIES: tuple[URIRef, ...] = (SH.Violation, SH.Warning, SH.Info)

#: Prefixes used to shorten IRIs in the plain-text summary and the Turtle report.
SUMMARY_PREFIXES: Mapping[str, str] = MappingProxyType(
    {
        **PREFIXES,
        "foaf": "http://xmlns.com/foaf/0.1/",
        "schema": "https://schema.org/",
        "vcard": "http://www.w3.org/2006/vcard/ns#",
        "void": "http://rdfs.org/ns/void#",
        "dcat": "http://www.w3.org/ns/dcat#",
    }
)


def class_hierarchy(ontology: Graph) -> Graph:
    """The part of the ontology SHACL reads: ``rdfs:subClassOf`` and the ``rdf:type`` of the
    ontology's own terms (SHACL 1.0 section 3.2, "SHACL instance", and ``sh:class``). Mixing in
    only these keeps every validation from copying the whole ontology (labels, definitions,
    concept schemes), which took most of the time of validating one case."""
    hierarchy = Graph()
    for triple in ontology.triples((None, RDFS.subClassOf, None)):
        hierarchy.add(triple)
    for triple in ontology.triples((None, RDF.type, None)):
        hierarchy.add(triple)
    return hierarchy


@dataclass(frozen=True)
class Shapes:
    """The shapes graph and the ontology graph a validation runs with, loaded once.

    Neither graph is changed by :func:`validate`: pySHACL mixes the ontology into a copy of the
    data graph.
    """

    graph: Graph = field(compare=False, repr=False)
    ontology: Graph = field(compare=False, repr=False)
    files: tuple[str, ...] = ()


def load_shapes(
    shape_files: Iterable[Path] | None = None, ontology_files: Iterable[Path] | None = None
) -> Shapes:
    """Parse the shapes (default: every ``shapes/*.ttl``) and the ontology (``ontology/*.ttl``)."""
    shape_paths = list(resources.shapes_files() if shape_files is None else shape_files)
    ontology_paths = list(resources.ontology_files() if ontology_files is None else ontology_files)
    shapes_graph = Graph()
    for path in shape_paths:
        shapes_graph.parse(path, format="turtle")
    ontology_graph = Graph()
    for path in ontology_paths:
        ontology_graph.parse(path, format="turtle")
    ontology_graph = class_hierarchy(ontology_graph)
    for prefix, namespace in SUMMARY_PREFIXES.items():
        shapes_graph.bind(prefix, namespace, override=True)
    return Shapes(
        graph=shapes_graph,
        ontology=ontology_graph,
        files=tuple(p.name for p in shape_paths),
    )


@cache
def default_shapes() -> Shapes:
    """The shapes and ontology shipped with Palermo, parsed on first use and then reused."""
    return load_shapes()


@cache
def contract_shapes() -> Shapes:
    """The case-graph input contract alone (shapes/case-graph.ttl): what ``POST /classify``
    checks before it classifies. Privacy warnings and partner-dataset rules are for
    ``/validate``; leaving them out keeps one classification within a few milliseconds."""
    return load_shapes([resources.shapes_dir() / "case-graph.ttl"])


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
        return _local_name(self.severity)

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data: IRIs in full, blank nodes ``_:id``, literals as text."""
        return {
            "focusNode": _json_term(self.focus_node),
            "resultPath": self.path_text or None,
            "value": _json_term(self.value),
            "severity": self.severity_name,
            "message": self.message,
            "sourceShape": _json_term(self.source_shape),
            "sourceConstraintComponent": _local_name(self.constraint),
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


def validate(data: Graph, *, shapes: Shapes | None = None) -> ValidationOutcome:
    """Validate ``data`` against the shapes, with the ontology mixed in and no inference.

    ``data`` is not changed. ``shapes`` defaults to :func:`default_shapes`.
    """
    shapes = default_shapes() if shapes is None else shapes
    started = time.perf_counter()
    # The same as pySHACL's ont_graph mixing, done here so that the graph is a _ValidationGraph.
    mixed = _ValidationGraph()
    for prefix, namespace in data.namespaces():
        mixed.bind(prefix, namespace, override=False)
    mixed += data
    mixed += shapes.ontology
    _, report, _ = pyshacl.validate(
        mixed,
        shacl_graph=shapes.graph,
        inplace=True,
        inference="none",
        allow_warnings=True,
        allow_infos=True,
        abort_on_first=False,
        advanced=False,
        meta_shacl=False,
        js=False,
        debug=False,
    )
    if not isinstance(report, Graph):  # pragma: no cover - pySHACL's ValidationFailure
        raise RuntimeError(f"SHACL validation failed: {report}")
    for prefix, namespace in SUMMARY_PREFIXES.items():
        report.bind(prefix, namespace, override=True)
    results = tuple(sorted(_read_results(report), key=_sort_key))
    counts = {_local_name(s): 0 for s in SEVERITIES}
    for r in results:
        counts[r.severity_name] = counts.get(r.severity_name, 0) + 1
    conforms = counts["Violation"] == 0
    log.info(
        "validated %d triples in %.3f s: %s",
        len(data),
        time.perf_counter() - started,
        _count_text(counts),
    )
    return ValidationOutcome(
        conforms=conforms, results=results, report=report, counts=MappingProxyType(counts)
    )


class _ValidationGraph(Graph):
    """The graph a validation runs on, with each SPARQL query text parsed once per process.

    pySHACL evaluates a SPARQL-based constraint (SHACL 1.0, section 5.3,
    https://www.w3.org/TR/shacl/#sparql-constraints-validation) by sending the same query text
    for every focus node, with ``$this`` pre-bound through ``initBindings``; rdflib would parse
    and translate the text every time, which costs tens of milliseconds a focus node. A prepared
    query evaluated with other initial bindings gives the same answers.
    """

    def query(  # type: ignore[override]
        self,
        query_object: str | Query,
        processor: str = "sparql",
        result: str = "sparql",
        initNs: Mapping[str, Any] | None = None,
        initBindings: Mapping[str, Node] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Result:
        if isinstance(query_object, str):
            namespaces = initNs if initNs is not None else dict(self.namespaces())
            query_object = _prepared_query(
                query_object, tuple(sorted((p, str(n)) for p, n in namespaces.items()))
            )
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )


# rdflib's SPARQL parser (pyparsing) is not thread-safe: two requests preparing a query at once
# under waitress broke it for good (TypeError in Param.postParse2; benchmarks/load_test.py).
_PARSER_LOCK = threading.Lock()


@lru_cache(maxsize=256)
def _prepared_query(text: str, namespaces: tuple[tuple[str, str], ...]) -> Query:
    with _PARSER_LOCK:
        return prepareQuery(text, initNs=dict(namespaces))


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


def _local_name(iri: Node | None) -> str:
    text = str(iri or "")
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


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
    "Shapes",
    "ValidationOutcome",
    "ValidationResult",
    "default_shapes",
    "load_shapes",
    "validate",
]
