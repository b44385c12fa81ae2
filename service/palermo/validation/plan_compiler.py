"""Compile a SHACL shapes graph into a plan for the fast engine (:mod:`.oxigraph_engine`).

The plan is generated from the shapes graph, never written by hand per shape: every shape the
graph declares (SHACL 1.0, section 2.1, https://www.w3.org/TR/shacl/#shapes) becomes a
:class:`ShapePlan` with its targets (section 2.1.3), its path as a SPARQL 1.1 property path
(section 2.3.1), its severity, messages and deactivation (sections 2.1.5-2.1.6), and one
constraint object per constraint component it uses (section 4, Core, and section 5, SPARQL-based
constraints). The engine turns each of them into set-at-a-time SPARQL over one Oxigraph store.

The reference engine is pySHACL, called with ``inference='none'``, ``allow_warnings=True``,
``advanced=False`` (:mod:`.pyshacl_engine`). Where pySHACL reads the shapes graph in a particular
way (which nodes are shapes, which parameters it reads, how it binds ``$this``), the plan follows
it, so that both engines give the same report. Whatever the compiler does not cover, and every
shapes graph on which pySHACL itself would stop with an error, raises :class:`NotCompilable`:
the caller then validates with pySHACL for the whole shapes graph, rather than answer wrongly.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from palermo.rdf.guards import SPARQL_TOKENS
from palermo.rdf.namespaces import SH
from palermo.rdf.terms import to_oxigraph_term


class NotCompilable(Exception):
    """The shapes graph uses something the fast engine does not cover: validate with pySHACL."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# Paths (SHACL 1.0, section 2.3.1, https://www.w3.org/TR/shacl/#property-paths)


@dataclass(frozen=True)
class PathPlan:
    """A property path: its node in the shapes graph and the same path in SPARQL 1.1 syntax."""

    node: Node
    sparql: str
    bounded: bool = True
    """No zero-or-more, one-or-more or zero-or-one step: the path can be followed from every
    subject of the graph without computing closures."""


def sparql_term(term: Node) -> str:
    """A shapes-graph term in SPARQL syntax, serialised by pyoxigraph (never by formatting)."""
    if isinstance(term, BNode):
        raise NotCompilable("a blank node cannot be named in a SPARQL query")
    return str(to_oxigraph_term(term))


def _list_items(graph: Graph, node: Node) -> list[Node]:
    if not isinstance(node, (BNode, URIRef)):
        raise NotCompilable("an RDF list is expected")
    return list(Collection(graph, node))


def _path_value(graph: Graph, node: Node, predicate: URIRef) -> Node:
    """The object of a path node's ``predicate`` (``sh:inversePath`` and the like), which SHACL
    requires (section 2.3.1)."""
    value = graph.value(node, predicate)
    if value is None:
        raise NotCompilable(f"{predicate} needs a value")
    return value


def compile_path(graph: Graph, node: Node, depth: int = 0, inverse: bool = False) -> str:
    """The SPARQL property path of a SHACL path. pySHACL applies an inverse path to the members
    of a sequence in their written order (``^(a/b)`` read as ``^a/^b``); that case, which SHACL
    reads as ``^b/^a``, is not compiled."""
    if depth > 10:
        raise NotCompilable("property path nested too deeply")
    if isinstance(node, URIRef):
        return sparql_term(node)
    if not isinstance(node, BNode):
        raise NotCompilable("a property path must be an IRI or a blank node")
    if graph.value(node, RDF.first) is not None:
        if inverse:
            raise NotCompilable("an inverse sequence path (pySHACL reads it in written order)")
        items = _list_items(graph, node)
        if len(items) < 2:
            raise NotCompilable("a sequence path needs at least two members")
        return "(" + "/".join(compile_path(graph, i, depth + 1, inverse) for i in items) + ")"
    predicates = set(graph.predicates(node, None))
    if SH.inversePath in predicates:
        inner = compile_path(
            graph, _path_value(graph, node, SH.inversePath), depth + 1, not inverse
        )
        return f"(^{inner})"
    if SH.alternativePath in predicates:
        items = _list_items(graph, _path_value(graph, node, SH.alternativePath))
        if len(items) < 2:
            raise NotCompilable("an alternative path needs at least two members")
        return "(" + "|".join(compile_path(graph, i, depth + 1, inverse) for i in items) + ")"
    for predicate, suffix in (
        (SH.zeroOrMorePath, "*"),
        (SH.oneOrMorePath, "+"),
        (SH.zeroOrOnePath, "?"),
    ):
        if predicate in predicates:
            inner = compile_path(graph, _path_value(graph, node, predicate), depth + 1, inverse)
            return f"({inner}){suffix}"
    raise NotCompilable("unknown property path")


def _has_closure(graph: Graph, node: Node, depth: int = 0) -> bool:
    """Whether a path has a zero-or-more, one-or-more or zero-or-one step anywhere in it."""
    if not isinstance(node, BNode) or depth > 10:
        return False
    closures = (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath)
    if any(graph.value(node, p) is not None for p in closures):
        return True
    inner: list[Node] = []
    alternatives = graph.value(node, SH.alternativePath)
    inverse = graph.value(node, SH.inversePath)
    if graph.value(node, RDF.first) is not None:
        inner = _list_items(graph, node)
    elif alternatives is not None:
        inner = _list_items(graph, alternatives)
    elif inverse is not None:
        inner = [inverse]
    return any(_has_closure(graph, n, depth + 1) for n in inner)


# ---------------------------------------------------------------------------------------------
# Constraints (SHACL 1.0, section 4, https://www.w3.org/TR/shacl/#core-components)


@dataclass(frozen=True, eq=False)
class Constraint:
    """One constraint component of a shape."""

    component: ClassVar[URIRef]


@dataclass(frozen=True, eq=False)
class ClassConstraint(Constraint):
    """``sh:class`` (4.1.1): each value node is a SHACL instance of each class."""

    component = SH.ClassConstraintComponent
    classes: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class DatatypeConstraint(Constraint):
    """``sh:datatype`` (4.1.2)."""

    component = SH.DatatypeConstraintComponent
    datatype: Node


@dataclass(frozen=True, eq=False)
class NodeKindConstraint(Constraint):
    """``sh:nodeKind`` (4.1.3)."""

    component = SH.NodeKindConstraintComponent
    kind: Node


@dataclass(frozen=True, eq=False)
class CountConstraint(Constraint):
    """``sh:minCount`` and ``sh:maxCount`` (4.2.1, 4.2.2)."""

    component: URIRef  # type: ignore[misc]
    minimum: bool
    literal: Literal

    @property
    def count(self) -> int:
        return int(self.literal.value)


@dataclass(frozen=True, eq=False)
class RangeConstraint(Constraint):
    """``sh:minExclusive``, ``sh:minInclusive``, ``sh:maxExclusive``, ``sh:maxInclusive``
    (4.3)."""

    component: URIRef  # type: ignore[misc]
    parameter: URIRef
    bounds: tuple[Literal, ...]


@dataclass(frozen=True, eq=False)
class LengthConstraint(Constraint):
    """``sh:minLength`` and ``sh:maxLength`` (4.4.1, 4.4.2)."""

    component: URIRef  # type: ignore[misc]
    minimum: bool
    rule: Literal


@dataclass(frozen=True, eq=False)
class PatternConstraint(Constraint):
    """``sh:pattern`` with ``sh:flags`` (4.4.3), matched with Python's ``re`` as pySHACL
    does."""

    component = SH.PatternConstraintComponent
    patterns: tuple[tuple[Literal, re.Pattern[str]], ...]


@dataclass(frozen=True, eq=False)
class LanguageInConstraint(Constraint):
    """``sh:languageIn`` (4.4.4)."""

    component = SH.LanguageInConstraintComponent
    list_node: Node
    languages: frozenset[str]


@dataclass(frozen=True, eq=False)
class UniqueLangConstraint(Constraint):
    """``sh:uniqueLang`` (4.4.5)."""

    component = SH.UniqueLangConstraintComponent
    enabled: bool


@dataclass(frozen=True, eq=False)
class PairConstraint(Constraint):
    """``sh:equals``, ``sh:disjoint``, ``sh:lessThan``, ``sh:lessThanOrEquals`` (4.5)."""

    component: URIRef  # type: ignore[misc]
    kind: str
    properties: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class NotConstraint(Constraint):
    """``sh:not`` (4.6.1)."""

    component = SH.NotConstraintComponent
    shapes: tuple[ShapePlan, ...]


@dataclass(frozen=True, eq=False)
class ListConstraint(Constraint):
    """``sh:and``, ``sh:or``, ``sh:xone`` (4.6.2-4.6.4): one entry per list."""

    component: URIRef  # type: ignore[misc]
    kind: str
    lists: tuple[tuple[Node, tuple[ShapePlan, ...]], ...]


@dataclass(frozen=True, eq=False)
class NodeConstraint(Constraint):
    """``sh:node`` (4.7.1)."""

    component = SH.NodeConstraintComponent
    shapes: tuple[ShapePlan, ...]


@dataclass(frozen=True, eq=False)
class PropertyConstraint(Constraint):
    """``sh:property`` (4.7.2): the property shapes' own results."""

    component = SH.PropertyConstraintComponent
    shapes: tuple[ShapePlan, ...]


@dataclass(frozen=True, eq=False)
class QualifiedConstraint(Constraint):
    """``sh:qualifiedValueShape`` with its counts (4.7.3)."""

    component = SH.QualifiedValueShapeConstraintComponent
    shapes: tuple[tuple[ShapePlan, tuple[ShapePlan, ...]], ...]
    """Each qualified value shape with its sibling shapes."""
    minimum: int | None
    maximum: int | None


@dataclass(frozen=True, eq=False)
class ClosedConstraint(Constraint):
    """``sh:closed`` with ``sh:ignoredProperties`` (4.8.1)."""

    component = SH.ClosedConstraintComponent
    allowed: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class HasValueConstraint(Constraint):
    """``sh:hasValue`` (4.8.2)."""

    component = SH.HasValueConstraintComponent
    values: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class InConstraint(Constraint):
    """``sh:in`` (4.8.3)."""

    component = SH.InConstraintComponent
    list_node: Node
    values: frozenset[Node]


@dataclass(frozen=True)
class SparqlCheck:
    """One SPARQL-based constraint (SHACL 1.0, section 5.3), rewritten to run for all focus
    nodes at once: ``head + focus pattern + tail`` is the query.

    pySHACL runs the query once per focus node with ``$this`` pre-bound (5.3.1). The rewrite
    joins the focus nodes into the query's top-level group instead, which gives the same
    solutions wherever ``$this`` is bound at that point; :func:`_rewrite_select` refuses the
    queries where it would not be (see there).
    """

    node: Node
    head: str
    tail: str
    projected: tuple[str, ...]
    projects_this: bool
    messages: tuple[Node, ...] | None
    predicate_var: str | None = None
    """When the query is one triple ``$this ?p ?o`` filtered on ``?p`` alone: ``p``."""
    predicate_test: str | None = None
    """Then: a query of the predicates (in :data:`HELPER_GRAPH`) that pass the filter. The check
    runs only for those, ``?p`` substituted: the filter is read once per distinct predicate of
    the data instead of once per triple (the privacy checks)."""


@dataclass(frozen=True, eq=False)
class SparqlConstraint(Constraint):
    """``sh:sparql`` (5): every active SPARQL-based constraint of the shape."""

    component = SH.SPARQLConstraintComponent
    checks: tuple[SparqlCheck, ...]


# ---------------------------------------------------------------------------------------------
# Shapes and the plan


@dataclass(frozen=True)
class Targets:
    """The target declarations of a shape (SHACL 1.0, section 2.1.3); ``classes`` includes the
    shape itself when it is an implicit class target (2.1.3.3)."""

    nodes: tuple[Node, ...] = ()
    classes: tuple[Node, ...] = ()
    subjects_of: tuple[Node, ...] = ()
    objects_of: tuple[Node, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.nodes or self.classes or self.subjects_of or self.objects_of)


@dataclass(frozen=True, eq=False)
class ShapePlan:
    """One shape: a node shape or a property shape, with what its results carry."""

    node: Node
    key: str
    path: PathPlan | None
    severity: Node
    messages: tuple[Node, ...]
    deactivated: bool
    targets: Targets
    constraints: tuple[Constraint, ...]

    @property
    def is_property(self) -> bool:
        return self.path is not None


@dataclass(frozen=True)
class Plan:
    """A compiled shapes graph: every shape, and those that have targets (the roots)."""

    graph: Graph = field(repr=False)
    shapes: tuple[ShapePlan, ...]
    roots: tuple[ShapePlan, ...]


# ---------------------------------------------------------------------------------------------
# Reading the shapes graph as pySHACL does (pyshacl.shapes_graph.ShapesGraph)

_SHAPE_EXPECTING = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
_LIST_EXPECTING = (SH["and"], SH["or"], SH.xone)
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)
#: Triples pySHACL adds to every shapes graph it reads (ShapesGraph.system_triples).
_SYSTEM_SUBCLASSES = frozenset({OWL.Class})

_VALUE_RANGE = {
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
}
_PAIRS = {
    SH.equals: ("equals", SH.EqualsConstraintComponent),
    SH.disjoint: ("disjoint", SH.DisjointConstraintComponent),
    SH.lessThan: ("lessThan", SH.LessThanConstraintComponent),
    SH.lessThanOrEquals: ("lessThanOrEquals", SH.LessThanOrEqualsConstraintComponent),
}
_WHOLE_INTEGERS = frozenset(
    XSD[n]
    for n in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)
_NODE_KINDS = frozenset(
    {SH.IRI, SH.BlankNode, SH.Literal, SH.BlankNodeOrIRI, SH.BlankNodeOrLiteral, SH.IRIOrLiteral}
)


def _discover_shapes(graph: Graph) -> dict[Node, Node | None]:
    """Every shape of the graph and its path (None for a node shape), found as pySHACL finds
    them (SHACL 1.0, section 2.1, "shape")."""
    node_shapes = set(graph.subjects(RDF.type, SH.NodeShape))
    property_shapes = set(graph.subjects(RDF.type, SH.PropertyShape))
    shapes: dict[Node, Node | None] = {}
    for s in node_shapes:
        if graph.value(s, SH.path) is not None:
            raise NotCompilable("a sh:NodeShape with a sh:path")
        shapes[s] = None
    for s in property_shapes:
        if s in node_shapes:
            raise NotCompilable("a shape that is both a node shape and a property shape")
        paths = list(graph.objects(s, SH.path))
        if len(paths) != 1:
            raise NotCompilable("a property shape without exactly one sh:path")
        shapes[s] = paths[0]
    implied: list[Node] = []
    for predicate in (*_TARGETS, SH.property, SH.node):
        implied.extend(s for s, _ in graph.subject_objects(predicate))
    for predicate in _SHAPE_EXPECTING:
        implied.extend(o for _, o in graph.subject_objects(predicate))
    for predicate in _LIST_EXPECTING:
        for _, lst in graph.subject_objects(predicate):
            items = _list_items(graph, lst)
            if not items:
                raise NotCompilable("an empty list of shapes")
            implied.extend(items)
    for s in implied:
        if s in shapes:
            continue
        paths = list(graph.objects(s, SH.path))
        if len(paths) > 1:
            raise NotCompilable("an implicit property shape with several paths")
        shapes[s] = paths[0] if paths else None
    for s, path in shapes.items():
        if not isinstance(s, (URIRef, BNode)):
            raise NotCompilable("a literal used as a shape")
        if path is not None and not isinstance(path, (URIRef, BNode)):
            raise NotCompilable("a literal used as a path")
    return shapes


def compile_shapes(graph: Graph) -> Plan:
    """The plan of a shapes graph; :class:`NotCompilable` when the fast engine cannot give
    pySHACL's answer for it."""
    components = set(graph.subjects(RDF.type, SH.ConstraintComponent))
    for subclass in graph.subjects(RDFS.subClassOf, SH.ConstraintComponent):
        components.update(graph.subjects(RDF.type, subclass))
    if any(not str(c).startswith(str(SH)) for c in components):
        raise NotCompilable("SPARQL-based constraint components (sh:ConstraintComponent)")
    paths = _discover_shapes(graph)
    compiler = _Compiler(graph, paths)
    shapes = tuple(compiler.shape(s) for s in paths)
    roots = tuple(s for s in shapes if s.targets and not s.deactivated)
    return Plan(graph=graph, shapes=shapes, roots=roots)


class _Compiler:
    def __init__(self, graph: Graph, paths: dict[Node, Node | None]) -> None:
        self.graph = graph
        self.paths = paths
        self.done: dict[Node, ShapePlan] = {}
        self.visiting: set[Node] = set()
        self.class_types: set[Node] = {RDFS.Class} | _SYSTEM_SUBCLASSES
        self.class_types |= set(graph.subjects(RDFS.subClassOf, RDFS.Class))

    # -- shapes --------------------------------------------------------------------------------

    def shape(self, node: Node) -> ShapePlan:
        found = self.done.get(node)
        if found is not None:
            return found
        if node not in self.paths:
            raise NotCompilable("a reference to something that is not a shape")
        if node in self.visiting:
            raise NotCompilable("recursive shapes")
        self.visiting.add(node)
        g = self.graph
        path_node = self.paths[node]
        path = None
        if path_node is not None:
            text = compile_path(g, path_node)
            path = PathPlan(path_node, text, bounded=not _has_closure(g, path_node))
        deactivated = False
        values = list(g.objects(node, SH.deactivated))
        if len(values) > 1:
            raise NotCompilable("sh:deactivated must be one literal")
        if values:
            if not isinstance(values[0], Literal):
                raise NotCompilable("sh:deactivated must be one literal")
            deactivated = bool(values[0].value)
        severities = list(g.objects(node, SH.severity))
        if len(severities) > 1:
            raise NotCompilable("several severities on one shape")
        severity = severities[0] if severities else SH.Violation
        messages = tuple(sorted(set(g.objects(node, SH.message)), key=_term_key))
        plan = ShapePlan(
            node=node,
            key=f"s{len(self.done)}",
            path=path,
            severity=severity,
            messages=messages,
            deactivated=deactivated,
            targets=self.targets(node),
            constraints=self.constraints(node, path),
        )
        self.visiting.discard(node)
        self.done[node] = plan
        return plan

    def targets(self, node: Node) -> Targets:
        g = self.graph
        nodes = tuple(sorted(set(g.objects(node, SH.targetNode)), key=_term_key))
        for n in nodes:
            if isinstance(n, BNode):
                raise NotCompilable("a blank node as sh:targetNode")
        classes = set(g.objects(node, SH.targetClass))
        if any(t in self.class_types for t in g.objects(node, RDF.type)):
            classes.add(node)
        for c in classes:
            if isinstance(c, BNode):
                raise NotCompilable("a blank node as target class")
        return Targets(
            nodes=nodes,
            classes=tuple(c for c in sorted(classes, key=_term_key) if not isinstance(c, Literal)),
            subjects_of=tuple(
                sorted((p for p in g.objects(node, SH.targetSubjectsOf) if _iri(p)), key=str)
            ),
            objects_of=tuple(
                sorted((p for p in g.objects(node, SH.targetObjectsOf) if _iri(p)), key=str)
            ),
        )

    # -- constraints ---------------------------------------------------------------------------

    def constraints(self, node: Node, path: PathPlan | None) -> tuple[Constraint, ...]:
        g = self.graph
        params: dict[Node, list[Node]] = {}
        for p, o in g.predicate_objects(node):
            params.setdefault(p, []).append(o)
        is_property = path is not None
        out: list[Constraint] = []

        def one(param: URIRef) -> Node:
            values = params[param]
            if len(values) != 1:
                raise NotCompilable(f"{param} must have exactly one value")
            return values[0]

        if SH["class"] in params:
            out.append(ClassConstraint(classes=tuple(params[SH["class"]])))
        if SH.datatype in params:
            out.append(DatatypeConstraint(datatype=one(SH.datatype)))
        if SH.nodeKind in params:
            node_kind = one(SH.nodeKind)
            if node_kind not in _NODE_KINDS:
                raise NotCompilable("an unknown sh:nodeKind")
            out.append(NodeKindConstraint(kind=node_kind))
        for param, minimum, component in (
            (SH.minCount, True, SH.MinCountConstraintComponent),
            (SH.maxCount, False, SH.MaxCountConstraintComponent),
        ):
            if param in params:
                value = one(param)
                if not is_property:
                    raise NotCompilable(f"{param} on a node shape")
                if not (isinstance(value, Literal) and value.datatype == XSD.integer):
                    raise NotCompilable(f"{param} must be an xsd:integer")
                if int(value.value) < 0:
                    raise NotCompilable(f"{param} must not be negative")
                out.append(CountConstraint(component=component, minimum=minimum, literal=value))
        for param, component in _VALUE_RANGE.items():
            if param in params:
                bounds: list[Literal] = []
                for b in params[param]:
                    if not isinstance(b, Literal):
                        raise NotCompilable(f"{param} must be a literal")
                    bounds.append(b)
                out.append(
                    RangeConstraint(component=component, parameter=param, bounds=tuple(bounds))
                )
        for param, minimum, component in (
            (SH.minLength, True, SH.MinLengthConstraintComponent),
            (SH.maxLength, False, SH.MaxLengthConstraintComponent),
        ):
            if param in params:
                rule = one(param)
                if (
                    not isinstance(rule, Literal)
                    or getattr(rule, "ill_typed", False)
                    or rule.datatype not in _WHOLE_INTEGERS
                    or rule.datatype in (XSD.negativeInteger, XSD.nonPositiveInteger)
                    or rule.value < 0
                ):
                    raise NotCompilable(f"{param} must be a whole number")
                out.append(LengthConstraint(component=component, minimum=minimum, rule=rule))
        if SH.pattern in params:
            out.append(self.pattern(params))
        if SH.languageIn in params:
            out.append(self.language_in(one(SH.languageIn)))
        if SH.uniqueLang in params:
            value = one(SH.uniqueLang)
            if not is_property:
                raise NotCompilable("sh:uniqueLang on a node shape")
            if not (isinstance(value, Literal) and isinstance(value.value, bool)):
                raise NotCompilable("sh:uniqueLang must be a boolean")
            out.append(UniqueLangConstraint(enabled=value.value))
        for param, (kind, component) in _PAIRS.items():
            if param in params:
                properties = tuple(params[param])
                if kind.startswith("lessThan") and any(
                    isinstance(p, (Literal, BNode)) for p in properties
                ):
                    raise NotCompilable(f"{param} must be an IRI")
                out.append(PairConstraint(component=component, kind=kind, properties=properties))
        if SH["not"] in params:
            out.append(NotConstraint(shapes=tuple(self.shape(s) for s in params[SH["not"]])))
        for param, kind, component in (
            (SH["and"], "and", SH.AndConstraintComponent),
            (SH["or"], "or", SH.OrConstraintComponent),
            (SH.xone, "xone", SH.XoneConstraintComponent),
        ):
            if param in params:
                lists = []
                for lst in params[param]:
                    members = tuple(self.shape(s) for s in _list_items(g, lst))
                    if kind != "xone":  # pySHACL keeps and/or members in a set
                        members = tuple({id(m): m for m in members}.values())
                    lists.append((lst, members))
                out.append(ListConstraint(component=component, kind=kind, lists=tuple(lists)))
        if SH.node in params:
            shapes = tuple(self.shape(s) for s in params[SH.node])
            if any(s.is_property for s in shapes):
                raise NotCompilable("sh:node pointing to a property shape")
            out.append(NodeConstraint(shapes=shapes))
        if SH.property in params:
            shapes = tuple(self.shape(s) for s in params[SH.property])
            if not all(s.is_property for s in shapes):
                raise NotCompilable("sh:property pointing to a node shape")
            out.append(PropertyConstraint(shapes=shapes))
        qualified_params: tuple[URIRef, ...] = (
            SH.qualifiedValueShape,
            SH.qualifiedMinCount,
            SH.qualifiedMaxCount,
        )
        qualified_params += (SH.qualifiedValueShapesDisjoint,)
        if any(p in params for p in qualified_params) and is_property:
            out.append(self.qualified(node, params))
        if SH.closed in params or SH.ignoredProperties in params:
            closed = self.closed(params)
            if closed is not None:
                out.append(closed)
        if SH.hasValue in params:
            out.append(HasValueConstraint(values=tuple(set(params[SH.hasValue]))))
        if SH["in"] in params:
            lst = one(SH["in"])
            out.append(InConstraint(list_node=lst, values=frozenset(_list_items(g, lst))))
        if SH.sparql in params:
            out.append(self.sparql(node, path, params[SH.sparql]))
        return tuple(out)

    def pattern(self, params: dict[Node, list[Node]]) -> PatternConstraint:
        flags_found = params.get(SH.flags, [])
        if len(flags_found) > 1:
            raise NotCompilable("several sh:flags")
        re_flags = 0
        if flags_found:
            flags = str(getattr(flags_found[0], "value", flags_found[0])).lower()
            if "i" in flags:
                re_flags |= re.I
            if "m" in flags:
                re_flags |= re.M
        compiled = []
        for p in params[SH.pattern]:
            if not isinstance(p, Literal):
                raise NotCompilable("sh:pattern must be a literal")
            text = str(p.value) if p.value is not None and len(p.value) > 1 else str(p)
            try:
                compiled.append((p, re.compile(text, re_flags)))
            except re.error as exc:
                raise NotCompilable(f"sh:pattern is not a regular expression: {exc}") from None
        return PatternConstraint(patterns=tuple(compiled))

    def language_in(self, lst: Node) -> LanguageInConstraint:
        languages = set()
        for item in _list_items(self.graph, lst):
            if not isinstance(item, Literal) or not isinstance(item.value, str):
                raise NotCompilable("sh:languageIn members must be strings")
            languages.add(str(item.value).lower())
        return LanguageInConstraint(list_node=lst, languages=frozenset(languages))

    def qualified(self, node: Node, params: dict[Node, list[Node]]) -> QualifiedConstraint:
        g = self.graph
        value_shapes = list(set(params.get(SH.qualifiedValueShape, [])))
        if not value_shapes:
            raise NotCompilable("sh:qualifiedMinCount without sh:qualifiedValueShape")
        counts: list[int | None] = []
        for param in (SH.qualifiedMinCount, SH.qualifiedMaxCount):
            found = list(set(params.get(param, [])))
            if len(found) > 1:
                raise NotCompilable(f"several {param}")
            if not found:
                counts.append(None)
                continue
            count = found[0]
            if not (isinstance(count, Literal) and isinstance(count.value, int)):
                raise NotCompilable(f"{param} must be an integer")
            counts.append(count.value)
        if counts[0] is None and counts[1] is None:
            raise NotCompilable("sh:qualifiedValueShape without a count")
        disjoint = any(
            isinstance(d, Literal) and isinstance(d.value, bool) and d.value
            for d in params.get(SH.qualifiedValueShapesDisjoint, [])
        )
        shapes = []
        for v_shape in value_shapes:
            siblings: dict[Node, None] = {}
            if disjoint:
                for parent in g.subjects(SH.property, node):
                    for sibling_property in g.objects(parent, SH.property):
                        for sibling in g.objects(sibling_property, SH.qualifiedValueShape):
                            if sibling != v_shape:
                                siblings[sibling] = None
            shapes.append((self.shape(v_shape), tuple(self.shape(s) for s in siblings)))
        return QualifiedConstraint(shapes=tuple(shapes), minimum=counts[0], maximum=counts[1])

    def closed(self, params: dict[Node, list[Node]]) -> ClosedConstraint | None:
        closed = params.get(SH.closed, [])
        if len(closed) != 1 or not isinstance(closed[0], Literal):
            raise NotCompilable("sh:closed must be one boolean")
        if not bool(closed[0].value):
            return None
        allowed: set[Node] = set()
        for lst in params.get(SH.ignoredProperties, []):
            allowed.update(_list_items(self.graph, lst))
        for p in params.get(SH.property, []):
            path = self.paths.get(p)
            if path is not None:
                allowed.add(path)
        return ClosedConstraint(allowed=tuple(sorted(allowed, key=_term_key)))

    # -- SPARQL-based constraints (SHACL 1.0, section 5) ----------------------------------------

    def sparql(self, shape: Node, path: PathPlan | None, nodes: list[Node]) -> SparqlConstraint:
        g = self.graph
        checks = []
        for s in sorted(set(nodes), key=_term_key):
            selects = list(set(g.objects(s, SH.select)))
            if len(selects) != 1 or not (
                isinstance(selects[0], Literal) and isinstance(selects[0].value, str)
            ):
                raise NotCompilable("a SPARQL constraint needs exactly one sh:select string")
            messages = set(g.objects(s, SH.message))
            if messages and not all(
                isinstance(m, Literal) and isinstance(m.value, str) for m in messages
            ):
                raise NotCompilable("a SPARQL constraint message must be a string")
            deactivated = list(set(g.objects(s, SH.deactivated)))
            if deactivated:
                d = deactivated[0]
                if not (isinstance(d, Literal) and isinstance(d.value, bool)):
                    raise NotCompilable("sh:deactivated must be a boolean")
                if d.value:
                    continue
            prefixes = _collect_prefixes(g, s)
            text = str(selects[0].value)
            head, tail, projected, projects_this, test = _rewrite_select(text, prefixes, path)
            checks.append(
                SparqlCheck(
                    node=s,
                    head=head,
                    tail=tail,
                    projected=projected,
                    projects_this=projects_this,
                    messages=tuple(sorted(messages, key=_term_key)) if messages else None,
                    predicate_var=test[0] if test else None,
                    predicate_test=test[1] if test else None,
                )
            )
        return SparqlConstraint(checks=tuple(checks))


def _iri(term: Node) -> bool:
    return isinstance(term, URIRef)


def _term_key(term: Node) -> tuple[str, str]:
    return (type(term).__name__, term.n3())


def _collect_prefixes(graph: Graph, node: Node) -> dict[str, str]:
    """The prefixes of a SPARQL-based constraint (SHACL 1.0, section 5.2.1), declared as pySHACL
    collects them (SPARQLQueryHelper.collect_prefixes): rdf, rdfs and owl, then the
    declarations of every ontology of the shapes graph and those of ``sh:prefixes``."""
    prefixes = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
    prefixes_values = set(graph.objects(node, SH.prefixes))
    if not prefixes_values:
        return prefixes
    named_declares = set(graph.objects(graph.identifier, SH.declare))
    ontologies = set(graph.subjects(RDF.type, OWL.Ontology))
    ontology_declares = {d for o in ontologies for d in graph.objects(o, SH.declare)}
    global_declares = named_declares | ontology_declares
    for value in prefixes_values:
        own = set(graph.objects(value, SH.declare))
        declares = own | named_declares if own and value in ontologies else global_declares | own
        for declaration in sorted(declares, key=_term_key):
            if isinstance(declaration, Literal):
                raise NotCompilable("sh:declare must be a node")
            prefix_values = set(graph.objects(declaration, SH.prefix))
            namespace_values = set(graph.objects(declaration, SH.namespace))
            if len(prefix_values) != 1 or len(namespace_values) != 1:
                raise NotCompilable("sh:declare needs one sh:prefix and one sh:namespace")
            (prefix,) = prefix_values
            (namespace,) = namespace_values
            if not (isinstance(prefix, Literal) and isinstance(prefix.value, str)):
                raise NotCompilable("sh:prefix must be a string")
            if not isinstance(namespace, Literal) or not (
                namespace.datatype in (XSD.anyURI, XSD.string)
                or namespace.language is not None
                or isinstance(namespace.value, str)
            ):
                raise NotCompilable("sh:namespace must be an xsd:anyURI literal")
            prefixes[str(prefix.value)] = str(namespace.value)
    return prefixes


# -- the SPARQL text ---------------------------------------------------------------------------

#: A named graph of the engine's own in the validation store (the data is in the default graph):
#: each distinct predicate of the data, typed :data:`HELPER_CLASS`.
HELPER_GRAPH = "urn:palermo:oxigraph-engine:predicates"
HELPER_CLASS = "urn:palermo:oxigraph-engine:Predicate"

_TOKENS = re.compile(SPARQL_TOKENS.pattern + r"|(?P<space>\s+)|(?P<other>.)", re.DOTALL)
#: Keywords that change what pre-binding ``$this`` means, or that pySHACL refuses (5.3.1).
_REFUSED_WORDS = frozenset(
    {
        "MINUS",
        "VALUES",
        "SERVICE",
        "GRAPH",
        "FROM",
        "GROUP",
        "HAVING",
        "ORDER",
        "LIMIT",
        "OFFSET",
        "COUNT",
        "SUM",
        "MIN",
        "MAX",
        "AVG",
        "SAMPLE",
        "GROUP_CONCAT",
        "ASK",
        "CONSTRUCT",
        "DESCRIBE",
        "LOAD",
        "INSERT",
        "DELETE",
        "BASE",
    }
)
_REFUSED_VARS = frozenset({"shapesGraph", "currentShape", "failure"})
#: pySHACL's patterns for pre-bound variables (SPARQLQueryHelper.bind_this_regex ...)
_BIND_THIS = re.compile(r"([\s{}()])[\$\?]this", flags=re.M)
_BIND_PATH = re.compile(r"([\s{}()])[\$\?]PATH", flags=re.M)


def _rewrite_select(
    text: str, prefixes: dict[str, str], path: PathPlan | None
) -> tuple[str, str, tuple[str, ...], bool, tuple[str, str] | None]:
    """Split a SPARQL-based constraint into the text before and after the place where the
    focus nodes are joined in, and name the projected variables.

    The focus nodes are joined as the first member of the query's top-level group. That is the
    same as pre-binding ``$this`` (SHACL 1.0, section 5.3.1) wherever ``$this`` is bound when it
    is read: in triple patterns anywhere (a join with the focus nodes restricts them alike), and
    in expressions (FILTER, BIND, EXISTS) of the top-level group or filters of a top-level
    OPTIONAL. Queries that read ``$this`` elsewhere, or use constructs whose meaning changes with
    pre-binding (MINUS, VALUES, sub-queries, aggregates, LIMIT), are not compiled.
    """
    if path is not None:
        text = _BIND_PATH.sub(lambda m: m.group(1) + path.sparql, text)
    elif _BIND_PATH.search(text):
        raise NotCompilable("$PATH in a SPARQL constraint of a node shape")
    tokens = [
        (m.lastgroup or "", m.group(), m.start())
        for m in _TOKENS.finditer(text)
        if m.lastgroup not in ("comment", "space")
    ]
    words = [t for kind, t, _ in tokens if kind == "word"]
    upper = [w.upper() for w in words]
    if upper.count("SELECT") != 1:
        raise NotCompilable("a SPARQL constraint must be one SELECT query without sub-queries")
    refused = _REFUSED_WORDS.intersection(upper)
    if refused:
        raise NotCompilable(f"SPARQL constraint uses {sorted(refused)[0]}")
    variables = {t[1:] for kind, t, _ in tokens if kind == "var"}
    if variables & _REFUSED_VARS:
        raise NotCompilable(f"SPARQL constraint uses ${sorted(variables & _REFUSED_VARS)[0]}")
    if "this" in variables and not _BIND_THIS.search(text):
        raise NotCompilable("$this that pySHACL would not pre-bind")
    if "this" not in variables and _BIND_THIS.search(text):
        raise NotCompilable("a variable whose name starts with 'this'")

    # The SELECT clause: modifiers, projection, and the brace that opens the WHERE group.
    start = next(i for i, (kind, t, _) in enumerate(tokens) if t.upper() == "SELECT")
    i = start + 1
    modifier = None
    if i < len(tokens) and tokens[i][1].upper() in ("DISTINCT", "REDUCED"):
        modifier = i
        i += 1
    projected: list[str] = []
    depth = 0
    while i < len(tokens):
        kind, t, _ = tokens[i]
        if depth == 0 and (t == "{" or t.upper() == "WHERE"):
            break
        if t == "*":
            raise NotCompilable("SELECT * in a SPARQL constraint")
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        elif kind == "var" and depth == 0:
            projected.append(t[1:])
        elif kind == "word" and t.upper() == "AS" and depth == 1 and i + 1 < len(tokens):
            projected.append(tokens[i + 1][1][1:])
        i += 1
    if projected.count("this") > 1:
        raise NotCompilable("$this projected twice")
    if any(p == "this" for p in _as_targets(tokens)):
        raise NotCompilable("AS $this")
    if i < len(tokens) and tokens[i][1].upper() == "WHERE":
        i += 1
    if i >= len(tokens) or tokens[i][1] != "{":
        raise NotCompilable("no WHERE group")
    where = i
    if tokens[-1][1] != "}":
        raise NotCompilable("text after the WHERE group")
    _check_this_positions(tokens, where)

    select_end = tokens[start][2] + len(tokens[start][1])
    projection_start = tokens[modifier][2] + len(tokens[modifier][1]) if modifier else select_end
    brace = tokens[where][2]
    projects_this = "this" in projected
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
    head = (
        prologue
        + text[:select_end]
        + " DISTINCT"
        + ("" if projects_this else " ?this")
        + text[projection_start : brace + 1]
        + "\n"
    )
    tail = "\n" + text[brace + 1 :]
    test = None
    found = _predicate_filter(tokens[where + 1 : -1])
    if found is not None:
        variable, spans = found
        test = (
            variable,
            prologue
            + text[: tokens[start][2]]
            + f"SELECT DISTINCT ?{variable} WHERE {{ GRAPH <{HELPER_GRAPH}> "
            + f"{{ ?{variable} a <{HELPER_CLASS}> }}\n"
            + "\n".join(text[a:b] for a, b in spans)
            + "\n}",
        )
    return head, tail, tuple(dict.fromkeys(projected)), projects_this, test


def _predicate_filter(
    body: list[tuple[str, str, int]],
) -> tuple[str, list[tuple[int, int]]] | None:
    """For a WHERE group that is one triple ``$this ?p ?o`` and FILTERs that read ``?p`` alone:
    ``p`` and the text spans of the FILTERs; else None."""
    triple: tuple[str, str, str] | None = None
    filters: list[tuple[int, int]] = []
    i = 0
    while i < len(body):
        kind, t, _ = body[i]
        if kind == "word" and t.upper() == "FILTER":
            j = i + 1
            if j < len(body) and body[j][0] == "word":
                j += 1
            if j >= len(body) or body[j][1] != "(":
                return None
            depth, k = 0, j
            while k < len(body):
                token = body[k][1]
                if token in "{}[]" and body[k][0] == "bracket":
                    return None
                if token == "(":
                    depth += 1
                elif token == ")":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            if k >= len(body):
                return None
            filters.append((i, k))
            i = k + 1
        elif (
            kind == "var"
            and triple is None
            and i + 2 < len(body)
            and body[i + 1][0] == "var"
            and body[i + 2][0] == "var"
        ):
            triple = (t[1:], body[i + 1][1][1:], body[i + 2][1][1:])
            i += 3
            if i < len(body) and body[i][1] == ".":
                i += 1
        else:
            return None
    if triple is None or not filters:
        return None
    subject, predicate, obj = triple
    if subject != "this" or predicate in ("this", obj) or obj == "this":
        return None
    for a, b in filters:
        for kind, t, _ in body[a : b + 1]:
            if kind == "var" and t[1:] != predicate:
                return None
    return predicate, [(body[a][2], body[b][2] + 1) for a, b in filters]


def _as_targets(tokens: list[tuple[str, str, int]]) -> Iterator[str]:
    for i, (kind, t, _) in enumerate(tokens[:-1]):
        if kind == "word" and t.upper() == "AS" and tokens[i + 1][0] == "var":
            yield tokens[i + 1][1][1:]


def _check_this_positions(tokens: list[tuple[str, str, int]], where: int) -> None:
    """Refuse a query that reads ``$this`` where joining the focus nodes into the top-level
    group would leave it unbound (see :func:`_rewrite_select`).

    Each bracket opens a scope: ``top`` (the WHERE group, or an EXISTS pattern evaluated where
    ``$this`` is bound), ``nested`` (a group or UNION branch: triple patterns only), ``optional``
    (a top-level OPTIONAL: triple patterns and its FILTERs), ``expression`` (a FILTER, BIND or
    function call where ``$this`` is bound) and ``unbound``.
    """
    stack: list[str] = []
    previous: list[str] = []
    for kind, t, _ in tokens[where:]:
        scope = stack[-1] if stack else "top"
        if t in "{(" and kind == "bracket":
            last = previous[-1].upper() if previous else ""
            before = previous[-2].upper() if len(previous) > 1 else ""
            if not stack:
                new = "top"
            elif t == "{":
                if last == "EXISTS":
                    new = "top" if scope in ("top", "expression", "optional") else "unbound"
                elif last == "OPTIONAL":
                    new = "optional" if scope == "top" else "unbound"
                else:
                    new = {"top": "nested", "nested": "nested", "optional": "nested"}.get(
                        scope, "unbound"
                    )
            else:
                is_filter = last == "FILTER" or before == "FILTER"
                if scope in ("top", "expression") or (scope == "optional" and is_filter):
                    new = "expression"
                else:
                    new = "unbound"
            stack.append(new)
        elif t in "})" and kind == "bracket":
            if stack:
                stack.pop()
        elif kind == "var" and t[1:] == "this" and scope == "unbound":
            raise NotCompilable("$this read where pre-binding and joining differ")
        previous.append(t)


# ---------------------------------------------------------------------------------------------
# Literals as pySHACL compares them (pyshacl.rdfutil.compare.compare_literal)


def compare_literal(l1: Literal, l2: Literal) -> int:
    """-1, 0 or 1 as pySHACL orders two literals; TypeError when they cannot be compared."""
    if l1.eq(l2):
        return 0
    if l1.value.__class__ in (datetime.datetime, datetime.time):
        if l1.value == l2.value:
            return 0
        if l1.value > l2.value:
            return 1
    elif l1 > l2:
        return 1
    return -1


def literal_string(value: Literal | URIRef | Any) -> str:
    """The string pySHACL matches patterns and lengths against (StringBasedConstraintBase)."""
    if isinstance(value, Literal):
        if value.value is not None and value.datatype in (None, RDF.langString, XSD.string):
            return str(value.value)
        return str(value)
    return str(value)


__all__ = [
    "ClassConstraint",
    "ClosedConstraint",
    "Constraint",
    "CountConstraint",
    "DatatypeConstraint",
    "HasValueConstraint",
    "InConstraint",
    "LanguageInConstraint",
    "LengthConstraint",
    "ListConstraint",
    "NodeConstraint",
    "NodeKindConstraint",
    "NotCompilable",
    "NotConstraint",
    "PairConstraint",
    "PathPlan",
    "PatternConstraint",
    "Plan",
    "PropertyConstraint",
    "QualifiedConstraint",
    "RangeConstraint",
    "ShapePlan",
    "SparqlCheck",
    "SparqlConstraint",
    "Targets",
    "UniqueLangConstraint",
    "compare_literal",
    "compile_shapes",
    "literal_string",
    "sparql_term",
]
