"""The fast validation engine: the shapes graph compiled, then run set-at-a-time on Oxigraph.

:mod:`.plan_compiler` turns the shapes graph into a plan once per
:class:`~palermo.validation.shapes.Shapes` (kept on ``Shapes.prepared``, which the caller owns).
A validation loads the data and the ontology's class hierarchy into ONE in-memory pyoxigraph
store, exactly the graph pySHACL validates (the ontology mixed in, no inference), and evaluates
each shape for all its focus nodes at once::

    shapes graph --plan_compiler--> Plan (shapes, targets, paths, constraints, SPARQL rewrites)
                                      |
    data --parse--> pyoxigraph store <-- ontology class hierarchy
                         |
         a few SPARQL queries per shape, each for every focus node; value tests in Python
                         |
    rows --> ValidationResults + sh:ValidationReport (report.py) --> text, JSON, Turtle

- focus nodes (SHACL 1.0, section 2.1.3, https://www.w3.org/TR/shacl/#targets) and value nodes
  (section 2.3) are SPARQL: a group pattern that enumerates them, or a condition that tests a
  node the data's triples bound (a membership look-up). Terms never enter a query's text: blank
  nodes cannot be named there, and the data is user input. Terms found in Python (the values
  that failed a test, the subclasses of a target class) are written into the engine's own named
  graph and joined from there;
- constraints whose meaning is a graph pattern (``sh:class``, ``sh:nodeKind``, ``sh:minCount``,
  ``sh:maxCount``, ``sh:closed``, SPARQL-based constraints) are SPARQL queries that return the
  violations only; a SPARQL constraint that filters ``$this ?p ?o`` on ``?p`` alone (the privacy
  checks) runs only for the predicates of the data that pass its filter;
- constraints on the value of a term (``sh:datatype``, ``sh:pattern``, ``sh:minInclusive`` ...)
  are decided once per distinct value in Python, with the rdflib semantics pySHACL uses, and
  the focus-value pairs are fetched only for the values that fail;
- shape-based constraints (``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone``,
  ``sh:qualifiedValueShape``) evaluate the inner shape on the set of value nodes and combine
  the sets of non-conforming nodes (section 4.6, 4.7), with pySHACL's notion of conformance.

Small stores (one case for ``POST /classify``) use the plain queries; large ones the strategy
above, which pays for itself from some ten thousand triples.

The report is a standard ``sh:ValidationReport`` with the fields pySHACL writes (focus node, path,
value, severity, messages, source shape, constraint component, source constraint), built with
:mod:`.report`'s types so that every rendering works unchanged, and named ``fast``; the graph is
built when something reads it. Unlike pySHACL, blank nodes of the data are not copied into the
report with their properties: a report never repeats what a blank-node person carries (a name,
a date of birth).

Whatever the compiler does not cover, and data the store would read differently from rdflib (a
literal as subject, two literals the store holds as one), is validated by pySHACL instead, for the
whole shapes graph; the outcome then names ``pyshacl``. This module never logs case content:
counts, durations and the names of SHACL constructs only.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Node

from palermo.errors import InputError
from palermo.rdf.parsing import checked_bytes, input_errors, read_bytes, syntax_for_path
from palermo.rdf.terms import to_oxigraph_term, to_rdflib_term
from palermo.validation.plan_compiler import (
    HELPER_CLASS,
    HELPER_GRAPH,
    ClassConstraint,
    ClosedConstraint,
    Constraint,
    CountConstraint,
    DatatypeConstraint,
    HasValueConstraint,
    InConstraint,
    LanguageInConstraint,
    LengthConstraint,
    ListConstraint,
    NodeConstraint,
    NodeKindConstraint,
    NotCompilable,
    NotConstraint,
    PairConstraint,
    PatternConstraint,
    Plan,
    PropertyConstraint,
    QualifiedConstraint,
    RangeConstraint,
    ShapePlan,
    SparqlCheck,
    SparqlConstraint,
    UniqueLangConstraint,
    compare_literal,
    compile_shapes,
    literal_string,
    sparql_term,
)
from palermo.validation.report import (
    SUMMARY_PREFIXES,
    ValidationOutcome,
    ValidationResult,
    count_text,
    message_text,
    outcome_from_results,
    path_notation,
)
from palermo.validation.shapes import Shapes

log = logging.getLogger(__name__)

NAME = "fast"

#: Keys of what this engine keeps on ``Shapes.prepared`` (built once per shapes object).
PLAN_KEY = ("oxigraph-engine", "plan")
ONTOLOGY_KEY = ("oxigraph-engine", "ontology")
DEFAULTS_KEY = ("oxigraph-engine", "default-prefixes")

_SH = "http://www.w3.org/ns/shacl#"
#: The severities pySHACL lets conform when called with allow_warnings and allow_infos.
_ALLOWED = frozenset({URIRef(_SH + "Warning"), URIRef(_SH + "Info")})
_SUBCLASS_PATH = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
_OX_TYPE = ox.NamedNode(str(RDF.type))
_MEMBER = "urn:palermo:oxigraph-engine:member"
#: A node set is written into the engine's graph once this many queries read it: writing costs
#: about 15 us a member, and saves a few us a row on each later read.
_STORE_AFTER_READS = 8
#: Stores with fewer quads are validated with plain queries (see :class:`_Run`).
SMALL_STORE = 20_000
_OX_MEMBER = ox.NamedNode(_MEMBER)
_SET = "urn:palermo:oxigraph-engine:set:"


class Fallback(Exception):
    """This validation needs the reference engine (pySHACL); the reason names a SHACL construct
    or a property of the data, never its content."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# =============================================================================================
# Entry points


def compiled_plan(shapes: Shapes) -> Plan | NotCompilable:
    """The plan of ``shapes``, compiled on first use and kept on ``shapes.prepared``; the
    :class:`NotCompilable` reason when the fast engine cannot give pySHACL's answer."""
    found = shapes.prepared.get(PLAN_KEY)
    if found is None:
        try:
            found = compile_shapes(shapes.graph)
        except NotCompilable as exc:
            found = exc
        shapes.prepared[PLAN_KEY] = found
    return found


def covers(shapes: Shapes) -> str | None:
    """None when the fast engine covers every shape of ``shapes``, else the reason it does not."""
    plan = compiled_plan(shapes)
    return plan.reason if isinstance(plan, NotCompilable) else None


def validate_fast(
    data: Graph, shapes: Shapes, *, small_below: int = SMALL_STORE
) -> ValidationOutcome:
    """Validate an rdflib graph. ``data`` is not changed. Below ``small_below`` quads the
    queries are the plain ones (cheapest for one case); above, the large-data strategy."""
    started = time.perf_counter()
    plan = compiled_plan(shapes)
    if isinstance(plan, NotCompilable):
        return _fallback(lambda: data, shapes, plan.reason)
    try:
        loaded = _load_graph(data, _ontology_quads(shapes), _default_prefixes(shapes))
        outcome = _Run(plan, loaded, small_below).outcome()
    except Fallback as exc:
        return _fallback(lambda: data, shapes, exc.reason)
    _log_done(len(data), started, outcome)
    return outcome


def validate_files(
    paths: Sequence[Path], shapes: Shapes, *, small_below: int = SMALL_STORE
) -> ValidationOutcome:
    """Validate RDF files read straight into the store, without an rdflib graph. Unreadable
    input raises :class:`~palermo.errors.InputError` naming the file and line."""
    started = time.perf_counter()
    plan = compiled_plan(shapes)

    def graph() -> Graph:
        from palermo.rdf.parsing import read_graph

        return read_graph(paths)

    if isinstance(plan, NotCompilable):
        return _fallback(graph, shapes, plan.reason)
    store = load_files(paths)
    triples = len(store)
    store.bulk_extend(_ontology_quads(shapes))
    try:
        defaults = tuple(_default_prefixes(shapes).items())
        loaded = _Loaded(store=store, prefixes=defaults)
        outcome = _Run(plan, loaded, small_below).outcome()
    except Fallback as exc:
        del store
        return _fallback(graph, shapes, exc.reason)
    _log_done(triples, started, outcome)
    return outcome


def load_files(paths: Iterable[Path]) -> ox.Store:
    """An in-memory store holding the triples of every file (graph names dropped), read as
    :func:`palermo.rdf.parsing.read_file` reads them: the same syntaxes, guards and errors."""
    store = ox.Store()
    for path in paths:
        syntax = syntax_for_path(path)
        base = path.resolve().as_uri()
        source: dict[str, Any]
        if syntax.oxigraph in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
            # Lines cannot nest (palermo.rdf.guards): parsed from the file, never held whole.
            if not path.is_file():
                try:
                    path.open("rb").close()
                except OSError as exc:
                    raise InputError(exc.strerror or str(exc), source=str(path)) from None
            source = {"path": str(path)}
        else:
            data = checked_bytes(read_bytes(path), syntax, source=str(path))
            source = {"input": data}
        with input_errors(str(path)):
            # Parsed, not Store.load-ed: the parser keeps the document's blank node labels
            # (_:p12 in the report is _:p12 in the file, as with the reference engine).
            quads: Iterable[ox.Quad] = ox.parse(format=syntax.oxigraph, base_iri=base, **source)
            if syntax.oxigraph in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
                quads = (ox.Quad(q.subject, q.predicate, q.object) for q in quads)
            store.bulk_extend(quads)
    return store


def _fallback(data: Callable[[], Graph], shapes: Shapes, reason: str) -> ValidationOutcome:
    from palermo.validation.pyshacl_engine import validate_pyshacl

    log.warning("the fast engine does not cover this validation (%s): using pySHACL", reason)
    return validate_pyshacl(data(), shapes)


def _log_done(triples: int, started: float, outcome: ValidationOutcome) -> None:
    log.info(
        "validated %d triples in %.3f s (fast engine): %s",
        triples,
        time.perf_counter() - started,
        count_text(outcome.counts),
    )


# =============================================================================================
# Loading: the data and the ontology's class hierarchy in one store


@dataclass
class _Loaded:
    """The store, and how to give back the data's own rdflib terms: pyoxigraph writes literals
    in canonical form ("1.50"^^xsd:decimal as "1.5") and blank nodes get their own labels."""

    store: ox.Store
    bnodes: dict[Any, BNode] = field(default_factory=dict)
    literals: dict[Any, Literal] = field(default_factory=dict)
    prefixes: tuple[tuple[str, str], ...] = ()
    """The prefixes pySHACL's data graph has: rdflib's defaults, then the data's own
    (``bind(override=False)``); they resolve undeclared prefixes in SPARQL constraints and
    write terms in generic messages."""

    def names(self) -> Graph:
        """A graph with :attr:`prefixes` bound, for writing terms as pySHACL does."""
        graph = Graph(bind_namespaces="none")
        for prefix, namespace in self.prefixes:
            graph.bind(prefix, namespace, override=False)
        return graph


def _ontology_quads(shapes: Shapes) -> tuple[ox.Quad, ...]:
    found = shapes.prepared.get(ONTOLOGY_KEY)
    if found is None:
        found = tuple(_ontology_quad(s, p, o) for s, p, o in shapes.ontology if _asserts(s, p))
        shapes.prepared[ONTOLOGY_KEY] = found
    return found


def _asserts(subject: Node, predicate: Node) -> bool:
    """Whether an ontology triple can be a quad of the store: no literal subject (owlrl makes
    them), an IRI predicate."""
    return not isinstance(subject, Literal) and isinstance(predicate, URIRef)


def _ontology_quad(s: Node, p: Node, o: Node) -> ox.Quad:
    """The quad of an ontology triple accepted by :func:`_asserts`."""
    subject = to_oxigraph_term(s)
    predicate = to_oxigraph_term(p)
    if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
        raise TypeError(f"not an RDF triple: {s!r} {p!r} {o!r}")
    return ox.Quad(subject, predicate, to_oxigraph_term(o))


_CANONICAL_FREE = frozenset({str(XSD.string), str(RDF.langString)})


def _load_graph(data: Graph, ontology: Sequence[ox.Quad], defaults: dict[str, str]) -> _Loaded:
    """The data (and the ontology) in a store, with the maps back to the data's own terms."""
    store = ox.Store()
    loaded = _Loaded(store=store)
    terms: dict[Node, Any] = {}
    bnodes = loaded.bnodes
    literals = loaded.literals
    typed: list[Any] = []

    def convert(term: Node) -> Any:
        found = terms.get(term)
        if found is not None:
            # rdflib keeps "ill-typed" beside term equality: "none"^^xsd:boolean and
            # "false"^^xsd:boolean are equal terms, only one of them is a valid boolean.
            if (
                type(term) is Literal
                and term.datatype is not None
                and getattr(literals[found], "ill_typed", None) != getattr(term, "ill_typed", None)
            ):
                raise Fallback("a literal written both well-typed and ill-typed")
            return found
        if isinstance(term, URIRef):
            found = ox.NamedNode(str(term))
        elif isinstance(term, BNode):
            try:
                found = ox.BlankNode(str(term))
            except ValueError:
                found = ox.BlankNode()
            bnodes[found] = term
        elif isinstance(term, Literal):
            found = to_oxigraph_term(term)
            # RDF 1.1 makes "yes" and "yes"^^xsd:string one term, rdflib two: the store would
            # hold one value where pySHACL counts two.
            if literals.setdefault(found, term) != term:
                raise Fallback("two literals of the data that the store holds as one")
            datatype = term.datatype
            if not term.language and datatype is not None and str(datatype) not in _CANONICAL_FREE:
                typed.append(found)
        else:
            raise Fallback("a term that is not an IRI, a blank node or a literal")
        terms[term] = found
        return found

    quads = list(ontology)
    append = quads.append
    try:
        for s, p, o in data:
            if isinstance(s, Literal) or not isinstance(p, URIRef):
                raise Fallback("a triple with a literal subject or a predicate that is not an IRI")
            append(ox.Quad(convert(s), convert(p), convert(o)))
    except ValueError:
        raise Fallback("a term pyoxigraph does not accept") from None
    store.bulk_extend(quads)
    if typed:
        _map_canonical_literals(typed, literals)
    loaded.prefixes = _mixed_prefixes(data, defaults)
    return loaded


def _default_prefixes(shapes: Shapes) -> dict[str, str]:
    """The prefixes rdflib binds in a new graph, read once per shapes object."""
    found = shapes.prepared.get(DEFAULTS_KEY)
    if found is None:
        found = {prefix: str(ns) for prefix, ns in Graph().namespaces()}
        shapes.prepared[DEFAULTS_KEY] = found
    return found


def _mixed_prefixes(data: Graph, defaults: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The prefixes of pySHACL's data graph (rdflib's defaults, then the data's bound with
    override=False), without building a graph unless the data rebinds a default prefix."""
    own = [(prefix, str(ns)) for prefix, ns in data.namespaces()]
    taken = set(defaults.values())
    if all(defaults.get(p) == ns or (p not in defaults and ns not in taken) for p, ns in own):
        return tuple({**defaults, **dict(own)}.items())
    graph = Graph()
    for prefix, namespace in own:
        graph.bind(prefix, namespace, override=False)
    return tuple((prefix, str(ns)) for prefix, ns in graph.namespaces())


def _map_canonical_literals(typed: list[Any], literals: dict[Any, Literal]) -> None:
    """Map the canonical form the store gives back for each typed literal to the data's literal;
    two data literals with one canonical form (rdflib tells "1.0" and "1" apart, the store does
    not) would count as one value: such data is validated by pySHACL."""
    scratch = ox.Store()
    predicate = ox.NamedNode("urn:palermo:oxigraph-engine:literal")
    scratch.bulk_extend(
        ox.Quad(ox.NamedNode(f"urn:palermo:oxigraph-engine:{i}"), predicate, lit)
        for i, lit in enumerate(typed)
    )
    for quad in scratch:
        original = typed[int(quad.subject.value.rsplit(":", 1)[1])]
        canonical = quad.object
        if canonical == original:
            continue
        term = literals[original]
        known = literals.get(canonical)
        if known is not None and known != term:
            raise Fallback("two literals of the data that the store holds as one")
        literals[canonical] = term


# =============================================================================================
# Node sets: SPARQL patterns that bind one variable


class _Nodes:
    """A set of nodes, as SPARQL: a group pattern that binds a variable to each node once
    (:meth:`group`, to enumerate them), and a condition that holds when a bound variable is one
    of them (:meth:`condition`, to look them up while following the data's triples)."""

    key: tuple[Any, ...]
    depth: int

    def group(self, var: str) -> str:
        raise NotImplementedError

    def condition(self, var: str) -> str:
        raise NotImplementedError

    def member(self, var: str) -> str:
        return f"FILTER ({self.condition(var)})"

    def restrict(self, var: str) -> str:
        """Group members that keep the solutions whose ``?var`` is in the set; they may repeat
        a solution (every query that uses them is DISTINCT or counts distinct values)."""
        return self.member(var)


@dataclass(frozen=True)
class _StoredNodes(_Nodes):
    """Terms known in Python (values that failed a test, ``sh:targetNode`` values, the
    subclasses of a target class), written into the engine's own named graph
    (:data:`HELPER_GRAPH`) so that queries can use them without a term in the query text.
    Members are objects of ``<set> <member>``, so that literals can be members."""

    key: tuple[Any, ...]
    iri: str
    size: int = 0

    @property
    def depth(self) -> int:  # type: ignore[override]
        return 0

    def group(self, var: str) -> str:
        return f"{{ GRAPH <{HELPER_GRAPH}> {{ <{self.iri}> <{_MEMBER}> ?{var} }} }}"

    def condition(self, var: str) -> str:
        return f"EXISTS {{ GRAPH <{HELPER_GRAPH}> {{ <{self.iri}> <{_MEMBER}> ?{var} }} }}"


@dataclass(frozen=True)
class _TargetNodes(_Nodes):
    """The focus nodes of a shape's targets (SHACL 1.0, section 2.1.3): the SHACL instances of
    each target class (``rdf:type`` one of its subclasses, in ``classes``), the target nodes,
    the subjects and objects of the target predicates."""

    targets: Any  # plan_compiler.Targets
    classes: tuple[_StoredNodes, ...]
    nodes: _StoredNodes | None
    direct: bool = False
    """Small stores: classes by rdf:type/rdfs:subClassOf*, target nodes by VALUES."""

    @property
    def key(self) -> tuple[Any, ...]:  # type: ignore[override]
        return ("targets", self.targets)  # shapes with the same targets share the set

    @property
    def depth(self) -> int:  # type: ignore[override]
        return 0

    def _parts(self, v: str) -> tuple[list[str], list[str]]:
        t = self.targets
        patterns: list[str] = []
        conditions: list[str] = []
        if self.direct:
            for cls in t.classes:
                pattern = f"{v} {_SUBCLASS_PATH} {sparql_term(cls)}"
                patterns.append(pattern)
                conditions.append(f"EXISTS {{ {pattern} }}")
            if t.nodes:
                values = " ".join(sparql_term(n) for n in t.nodes)
                patterns.append(f"VALUES {v} {{ {values} }}")
                conditions.append(f"{v} IN ({', '.join(sparql_term(n) for n in t.nodes)})")
        for subclasses in self.classes:
            pattern = f"{v} <{RDF.type}> ?palermo_t . {subclasses.group('palermo_t')}"
            patterns.append(pattern)
            conditions.append(f"EXISTS {{ {pattern} }}")
        if self.nodes is not None:
            patterns.append(self.nodes.group(v[1:]))
            conditions.append(self.nodes.condition(v[1:]))
        for p in t.subjects_of:
            patterns.append(f"{v} {sparql_term(p)} ?palermo_o")
            conditions.append(f"EXISTS {{ {v} {sparql_term(p)} ?palermo_o }}")
        for p in t.objects_of:
            patterns.append(f"?palermo_s {sparql_term(p)} {v}")
            conditions.append(f"EXISTS {{ ?palermo_s {sparql_term(p)} {v} }}")
        return patterns, conditions

    def group(self, var: str) -> str:
        patterns, _ = self._parts(f"?{var}")
        body = " UNION ".join(f"{{ {p} }}" for p in patterns)
        return f"{{ SELECT DISTINCT ?{var} WHERE {{ {body} }} }}"

    def condition(self, var: str) -> str:
        _, conditions = self._parts(f"?{var}")
        return "(" + " || ".join(conditions) + ")"

    def restrict(self, var: str) -> str:
        t = self.targets
        if self.direct:
            return self.member(var)
        if len(self.classes) == 1 and not (self.nodes or t.subjects_of or t.objects_of):
            return f"?{var} <{RDF.type}> ?palermo_t . {self.classes[0].group('palermo_t')}"
        return self.member(var)


@dataclass(frozen=True)
class _ValueNodes(_Nodes):
    """The value nodes of a path from a set of focus nodes (SHACL 1.0, section 2.3)."""

    parent: _Nodes
    path: str
    bounded: bool = True

    @property
    def key(self) -> tuple[Any, ...]:  # type: ignore[override]
        return ("values", self.parent.key, self.path)

    @property
    def depth(self) -> int:  # type: ignore[override]
        return self.parent.depth + 1

    def group(self, var: str) -> str:
        p = f"palermo_n{self.depth}"
        return (
            f"{{ SELECT DISTINCT ?{var} WHERE {{ {self.parent.group(p)} "
            f"?{p} {self.path} ?{var} }} }}"
        )

    def condition(self, var: str) -> str:
        p = f"palermo_n{self.depth}"
        if self.bounded:
            return f"EXISTS {{ ?{p} {self.path} ?{var} . FILTER ({self.parent.condition(p)}) }}"
        return f"EXISTS {{ {self.parent.group(p)} ?{p} {self.path} ?{var} }}"


# =============================================================================================
# Evaluation


class _Row:
    """One validation result before it becomes a report: terms of the store, the shape."""

    __slots__ = ("bound", "component", "focus", "path", "shape", "source", "value")

    def __init__(
        self,
        shape: ShapePlan,
        component: URIRef,
        focus: Any,
        value: Any = None,
        path: Node | None = None,
        source: SparqlCheck | None = None,
        bound: tuple[Any, ...] | None = None,
    ) -> None:
        self.shape = shape
        self.component = component
        self.focus = focus
        self.value = value
        self.path = path
        self.source = source
        self.bound = bound


@dataclass
class _Eval:
    """The results of one shape on a set of nodes, by focus node, and the focus nodes that do
    not conform (pySHACL's notion: a result whose severity is not Warning or Info)."""

    by_focus: dict[Any, list[_Row]]
    nonconforming: set[Any]

    @property
    def reported(self) -> set[Any]:
        return {f for f, rows in self.by_focus.items() if rows}

    @property
    def rows(self) -> list[_Row]:
        return [r for rows in self.by_focus.values() for r in rows]


class _Run:
    """One validation: a plan run on a loaded store."""

    def __init__(self, plan: Plan, loaded: _Loaded, small_below: int = SMALL_STORE) -> None:
        self.plan = plan
        self.loaded = loaded
        self.store = loaded.store
        self.queries = 0
        self._evals: dict[tuple[Any, ...], _Eval] = {}
        self._members: dict[tuple[Any, ...], set[Any]] = {}
        self._pairs: dict[tuple[Any, ...], list[tuple[Any, Any]]] = {}
        self._values: dict[tuple[Any, ...], list[Any]] = {}
        self._rdf: dict[Any, Node] = {}
        self._passing: dict[str, list[Any]] = {}
        self._predicates_loaded = False
        self._stored: dict[tuple[Any, ...], _StoredNodes] = {}
        self._classes: dict[Node, _StoredNodes] = {}
        self._reads: dict[tuple[Any, ...], int] = {}
        self._predicate_counts: dict[str, int] | None = None
        self.prologue = _data_prologue(loaded.prefixes)
        #: Below this size, the machinery that pays off at scale (subclass sets, predicate
        #: counts, stored node sets) costs more than it saves: one case takes milliseconds.
        self.small = len(self.store) < small_below

    # -- queries -------------------------------------------------------------------------------

    def select(self, query: str, substitutions: dict[Any, Any] | None = None) -> Any:
        self.queries += 1
        try:
            return self.store.query(query, substitutions=substitutions)
        except SyntaxError as exc:  # a SPARQL-based constraint oxigraph does not read
            raise Fallback(f"a SPARQL query the store does not parse ({exc.msg})") from None

    def passing_predicates(self, check: SparqlCheck) -> list[Any]:
        """The predicates of the data that pass a check's filter (:attr:`SparqlCheck.
        predicate_test`), each distinct predicate read once."""
        assert check.predicate_test is not None
        found = self._passing.get(check.predicate_test)
        if found is None:
            if not self._predicates_loaded:
                graph, kind = ox.NamedNode(HELPER_GRAPH), ox.NamedNode(HELPER_CLASS)
                predicates = [ox.NamedNode(p[1:-1]) for p in self.predicate_counts()]
                self.store.bulk_extend(ox.Quad(p, _OX_TYPE, kind, graph) for p in predicates)
                self._predicates_loaded = True
            found = [s[0] for s in self.select(self.prologue + check.predicate_test)]
            self._passing[check.predicate_test] = found
        return found

    def targets(self, shape: ShapePlan) -> _TargetNodes:
        """The focus nodes of a root shape: its target classes by their subclasses (read once
        per class from the data and the ontology), its target nodes as a stored set."""
        t = shape.targets
        if self.small:
            return _TargetNodes(targets=t, classes=(), nodes=None, direct=True)
        classes = []
        for cls in t.classes:
            found = self._classes.get(cls)
            if found is None:
                query = f"SELECT ?t WHERE {{ ?t <{RDFS.subClassOf}>* {sparql_term(cls)} }}"
                found = self.term_set({s[0] for s in self.select(query)})
                self._classes[cls] = found
            classes.append(found)
        nodes = self.term_set({to_oxigraph_term(n) for n in t.nodes}) if t.nodes else None
        return _TargetNodes(targets=t, classes=tuple(classes), nodes=nodes)

    def stored(self, nodes: _Nodes, reads: int) -> _Nodes:
        """``nodes`` written into the engine's graph once :data:`_STORE_AFTER_READS` queries
        read them (counting earlier shapes with the same set): later queries then look members
        up (about 2 us a row) instead of joining the set's definition again."""
        if isinstance(nodes, _StoredNodes) or self.small:
            return nodes
        found = self._stored.get(nodes.key)
        if found is not None:
            return found
        self._reads[nodes.key] = self._reads.get(nodes.key, 0) + reads
        if self._reads[nodes.key] < _STORE_AFTER_READS:
            return nodes
        return self.term_set(self.members(nodes), key=nodes.key)

    def term_set(self, terms: set[Any], key: tuple[Any, ...] | None = None) -> _StoredNodes:
        """Terms of the store known in Python (the values that failed a test) as a node set
        that queries can join with, without writing a term into query text."""
        key = key or ("terms", len(self._stored))
        found = _StoredNodes(key=key, iri=f"{_SET}{len(self._stored)}", size=len(terms))
        self._stored[found.key] = found
        graph, subject, member = ox.NamedNode(HELPER_GRAPH), ox.NamedNode(found.iri), _OX_MEMBER
        self.store.bulk_extend(ox.Quad(subject, member, term, graph) for term in terms)
        self._members[found.key] = set(terms)
        return found

    def members(self, nodes: _Nodes) -> set[Any]:
        found = self._members.get(nodes.key)
        if found is None:
            found = {s[0] for s in self.select(f"SELECT ?x WHERE {{ {nodes.group('x')} }}")}
            self._members[nodes.key] = found
        return found

    def focus_values(self, shape: ShapePlan, nodes: _Nodes) -> str:
        """A group body binding ``?this`` to each focus node and ``?value`` to each of its value
        nodes: driven by the data's triples with a membership look-up where the path allows
        it, else by the focus nodes."""
        assert shape.path is not None
        path = shape.path
        if path.bounded:
            triples = None if self.small else self.predicate_counts().get(path.sparql)
            small = isinstance(nodes, _StoredNodes) and triples and nodes.size * 4 < triples
            if not small:
                return f"?this {path.sparql} ?value . {nodes.restrict('this')}"
        return f"{nodes.group('this')} ?this {path.sparql} ?value ."

    def predicate_counts(self) -> dict[str, int]:
        """How many triples each predicate of the data has (keyed by its SPARQL text), read
        once: a query follows a predicate from its triples when they are fewer than the focus
        nodes, else from the focus nodes."""
        if self._predicate_counts is None:
            self._predicate_counts = {
                str(s[0]): int(s[1].value)
                for s in self.select("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")
            }
        return self._predicate_counts

    def pairs(self, shape: ShapePlan, nodes: _Nodes) -> list[tuple[Any, Any]]:
        """(focus, value) for each value node of each focus node."""
        if shape.path is None:
            return [(f, f) for f in self.members(nodes)]
        key = (nodes.key, shape.path.sparql)
        found = self._pairs.get(key)
        if found is None:
            found = [
                (s[0], s[1])
                for s in self.select(
                    f"SELECT DISTINCT ?this ?value WHERE {{ {self.focus_values(shape, nodes)} }}"
                )
            ]
            self._pairs[key] = found
        return found

    def pairs_with(
        self, shape: ShapePlan, nodes: _Nodes, values: set[Any]
    ) -> list[tuple[Any, Any]]:
        """The (focus, value) pairs whose value is one of ``values``: the store joins them, so
        only those cross into Python."""
        if not values:
            return []
        if shape.path is None:
            return [(v, v) for v in values]
        key = (nodes.key, shape.path.sparql)
        known = self._pairs.get(key)
        if known is None and self.small:
            known = self.pairs(shape, nodes)
        if known is not None:
            return [(f, v) for f, v in known if v in values]
        wanted = self.term_set(values)
        # From the few wanted values back to their subjects, then the focus look-up.
        return [
            (s[0], s[1])
            for s in self.select(
                f"SELECT DISTINCT ?this ?value WHERE {{ {wanted.group('value')} "
                f"?this {shape.path.sparql} ?value . {nodes.member('this')} }}"
            )
        ]

    def values(self, shape: ShapePlan, nodes: _Nodes) -> list[Any]:
        """The distinct value nodes of all the focus nodes."""
        if shape.path is None:
            return list(self.members(nodes))
        key = (nodes.key, shape.path.sparql)
        found = self._values.get(key)
        if found is None:
            pairs = self._pairs.get(key)
            if pairs is not None:
                found = list({v for _, v in pairs})
            else:
                found = [
                    s[0]
                    for s in self.select(
                        f"SELECT DISTINCT ?value WHERE {{ {self.focus_values(shape, nodes)} }}"
                    )
                ]
            self._values[key] = found
        return found

    def value_nodes(self, shape: ShapePlan, nodes: _Nodes) -> _Nodes:
        if shape.path is None:
            return nodes
        return _ValueNodes(nodes, shape.path.sparql, shape.path.bounded)

    def rdf(self, term: Any) -> Node:
        """The rdflib term of a store term: the data's own term where the store changed it."""
        found = self._rdf.get(term)
        if found is None:
            if isinstance(term, ox.NamedNode):
                found = URIRef(term.value)
            elif isinstance(term, ox.BlankNode):
                found = self.loaded.bnodes.get(term)
                if found is None:
                    found = BNode(term.value)
            else:
                found = self.loaded.literals.get(term)
                if found is None:
                    found = to_rdflib_term(term)
            self._rdf[term] = found
        return found

    # -- shapes --------------------------------------------------------------------------------

    def evaluate(self, shape: ShapePlan, nodes: _Nodes) -> _Eval:
        """The results of ``shape`` for each node of ``nodes``, as pySHACL validates the shape
        with that focus node (Shape.validate): a ``sh:property`` shape is validated once per
        focus node and value node pair, so a value shared by two focus nodes is reported twice.
        """
        key = (shape.key, nodes.key)
        found = self._evals.get(key)
        if found is not None:
            return found
        if not shape.deactivated and shape.constraints:
            reads = sum(
                len(c.shapes)
                if isinstance(c, PropertyConstraint)
                else len(c.checks)
                if isinstance(c, SparqlConstraint)
                else 1
                for c in shape.constraints
            )
            nodes = self.stored(nodes, reads)
        by_focus: dict[Any, list[_Row]] = {}
        direct: set[Any] = set()
        nonconforming: set[Any] = set()
        if not shape.deactivated:
            for constraint in shape.constraints:
                if isinstance(constraint, PropertyConstraint):
                    values = self.value_nodes(shape, nodes)
                    for sub in constraint.shapes:
                        inner = self.evaluate(sub, values)
                        if not inner.by_focus and not inner.nonconforming:
                            continue
                        if shape.path is None:
                            for f, rows in inner.by_focus.items():
                                by_focus.setdefault(f, []).extend(rows)
                            nonconforming |= inner.nonconforming
                            continue
                        touched = set(inner.by_focus) | inner.nonconforming
                        for f, v in self.pairs_with(shape, nodes, touched):
                            value_rows = inner.by_focus.get(v)
                            if value_rows:
                                by_focus.setdefault(f, []).extend(value_rows)
                            if v in inner.nonconforming:
                                nonconforming.add(f)
                else:
                    for row in self.constraint(shape, constraint, nodes):
                        by_focus.setdefault(row.focus, []).append(row)
                        direct.add(row.focus)
        if shape.severity in _ALLOWED:
            nonconforming = set()
        else:
            nonconforming |= direct
        result = _Eval(by_focus, nonconforming)
        self._evals[key] = result
        return result

    def conforming(self, shape: ShapePlan, nodes: _Nodes) -> set[Any]:
        return self.members(nodes) - self.evaluate(shape, nodes).nonconforming

    # -- constraints ---------------------------------------------------------------------------

    def constraint(self, shape: ShapePlan, c: Constraint, nodes: _Nodes) -> list[_Row]:
        handler = _HANDLERS[type(c)]
        return handler(self, shape, c, nodes)

    def _class(self, shape: ShapePlan, c: ClassConstraint, nodes: _Nodes) -> list[_Row]:
        """sh:class (4.1.1): the value nodes MINUS the SHACL instances of the class (a hash
        anti-join, several times faster than FILTER NOT EXISTS per value)."""
        rows: list[_Row] = []
        for cls in c.classes:
            instances = f"MINUS {{ ?value {_SUBCLASS_PATH} {sparql_term(cls)} }}"
            if shape.path is None:
                query = f"SELECT ?value WHERE {{ {{ {nodes.group('value')} }} {instances} }}"
                rows += [_Row(shape, c.component, s[0], s[0]) for s in self.select(query)]
                continue
            if shape.path.bounded:  # the triples that miss the class, then the focus look-up
                query = (
                    f"SELECT DISTINCT ?this ?value WHERE {{ {{ ?this {shape.path.sparql} ?value "
                    f"{instances} }} {nodes.member('this')} }}"
                )
            else:
                query = (
                    f"SELECT DISTINCT ?this ?value WHERE {{ {{ {nodes.group('this')} ?this "
                    f"{shape.path.sparql} ?value }} {instances} }}"
                )
            rows += [_Row(shape, c.component, s[0], s[1]) for s in self.select(query)]
        return rows

    def _node_kind(self, shape: ShapePlan, c: NodeKindConstraint, nodes: _Nodes) -> list[_Row]:
        test = {
            "IRI": "!isIRI(?value)",
            "BlankNode": "!isBlank(?value)",
            "Literal": "!isLiteral(?value)",
            "BlankNodeOrIRI": "isLiteral(?value)",
            "BlankNodeOrLiteral": "isIRI(?value)",
            "IRIOrLiteral": "isBlank(?value)",
        }[str(c.kind)[len(_SH) :]]
        return self._pattern_rows(shape, c, nodes, f"FILTER ({test})")

    def _pattern_rows(
        self, shape: ShapePlan, c: Constraint, nodes: _Nodes, condition: str
    ) -> list[_Row]:
        """Rows for the value nodes that meet a SPARQL condition on ``?value``."""
        component = c.component
        if shape.path is None:
            query = f"SELECT ?value WHERE {{ {nodes.group('value')} {condition} }}"
            return [_Row(shape, component, s[0], s[0]) for s in self.select(query)]
        query = (
            f"SELECT DISTINCT ?this ?value WHERE {{ {self.focus_values(shape, nodes)} "
            f"{condition} }}"
        )
        return [_Row(shape, component, s[0], s[1]) for s in self.select(query)]

    def _count(self, shape: ShapePlan, c: CountConstraint, nodes: _Nodes) -> list[_Row]:
        assert shape.path is not None
        n = c.count
        path = shape.path.sparql
        if c.minimum:
            if n == 0:
                return []
            if n == 1:
                query = (
                    f"SELECT ?this WHERE {{ {nodes.group('this')} "
                    f"FILTER NOT EXISTS {{ ?this {path} ?value }} }}"
                )
            else:
                query = (
                    f"SELECT ?this WHERE {{ {nodes.group('this')} "
                    f"OPTIONAL {{ ?this {path} ?value }} }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"
                )
        else:
            query = (
                f"SELECT ?this WHERE {{ {self.focus_values(shape, nodes)} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {n})"
            )
        return [_Row(shape, c.component, s[0]) for s in self.select(query)]

    def _closed(self, shape: ShapePlan, c: ClosedConstraint, nodes: _Nodes) -> list[_Row]:
        allowed = [sparql_term(p) for p in c.allowed if isinstance(p, URIRef)]
        condition = "FILTER (!(sameTerm(?p, rdf:type) && sameTerm(?o, rdfs:Resource)))".replace(
            "rdf:type", f"<{RDF.type}>"
        ).replace("rdfs:Resource", f"<{RDFS.Resource}>")
        if allowed:
            condition += f" FILTER (!(?p IN ({', '.join(allowed)})))"
        if shape.path is None:
            query = f"SELECT ?this ?p ?o WHERE {{ {nodes.group('this')} ?this ?p ?o {condition} }}"
            rows = self.select(query)
            return [_Row(shape, c.component, s[0], s[2], path=self.rdf(s[1])) for s in rows]
        query = (
            f"SELECT DISTINCT ?this ?value ?p ?o WHERE {{ {self.focus_values(shape, nodes)} "
            f"?value ?p ?o {condition} }}"
        )
        rows = self.select(query)
        return [_Row(shape, c.component, s[0], s[3], path=self.rdf(s[2])) for s in rows]

    # Constraints on the value of each value node, decided per distinct value in Python.

    def _failing_values(
        self, shape: ShapePlan, c: Constraint, nodes: _Nodes, fails: Callable[[Node], bool]
    ) -> list[_Row]:
        bad = {v for v in self.values(shape, nodes) if fails(self.rdf(v))}
        return [_Row(shape, c.component, f, v) for f, v in self.pairs_with(shape, nodes, bad)]

    def _datatype(self, shape: ShapePlan, c: DatatypeConstraint, nodes: _Nodes) -> list[_Row]:
        return self._failing_values(shape, c, nodes, lambda v: not _datatype_matches(v, c))

    def _range(self, shape: ShapePlan, c: RangeConstraint, nodes: _Nodes) -> list[_Row]:
        rows: list[_Row] = []
        accept = _RANGE_TESTS[str(c.parameter)]
        for bound in c.bounds:

            def fails(v: Node, b: Literal = bound) -> bool:
                return not _in_range(v, b, accept)

            rows += self._failing_values(shape, c, nodes, fails)
        return rows

    def _length(self, shape: ShapePlan, c: LengthConstraint, nodes: _Nodes) -> list[_Row]:
        limit = c.rule.value

        def fails(v: Node) -> bool:
            if c.minimum and limit == 0:
                return False
            if isinstance(v, BNode):
                return True
            n = len(literal_string(v))
            return not (n >= limit if c.minimum else n <= limit)

        return self._failing_values(shape, c, nodes, fails)

    def _pattern(self, shape: ShapePlan, c: PatternConstraint, nodes: _Nodes) -> list[_Row]:
        rows: list[_Row] = []
        for _, matcher in c.patterns:

            def fails(v: Node, m: re.Pattern[str] = matcher) -> bool:
                if isinstance(v, BNode):
                    return True
                text = literal_string(v)
                return not (m.match(text) or m.search(text))

            rows += self._failing_values(shape, c, nodes, fails)
        return rows

    def _language_in(self, shape: ShapePlan, c: LanguageInConstraint, nodes: _Nodes) -> list[_Row]:
        def fails(v: Node) -> bool:
            if not isinstance(v, Literal) or not v.language:
                return True
            lang = str(v.language).lower()
            if "*" in c.languages or lang in c.languages:
                return False
            return lang.split("-")[0] not in c.languages

        return self._failing_values(shape, c, nodes, fails)

    def _in(self, shape: ShapePlan, c: InConstraint, nodes: _Nodes) -> list[_Row]:
        return self._failing_values(shape, c, nodes, lambda v: v not in c.values)

    # Constraints on the set of value nodes of each focus node.

    def _by_focus(self, shape: ShapePlan, nodes: _Nodes) -> dict[Any, list[Any]]:
        out: dict[Any, list[Any]] = {f: [] for f in self.members(nodes)}
        for f, v in self.pairs(shape, nodes):
            out[f].append(v)
        return out

    def _has_value(self, shape: ShapePlan, c: HasValueConstraint, nodes: _Nodes) -> list[_Row]:
        rows: list[_Row] = []
        by_focus = self._by_focus(shape, nodes)
        for wanted in c.values:
            for f, values in by_focus.items():
                if not any(self.rdf(v) == wanted for v in values):
                    rows.append(_Row(shape, c.component, f))
        return rows

    def _unique_lang(self, shape: ShapePlan, c: UniqueLangConstraint, nodes: _Nodes) -> list[_Row]:
        if not c.enabled:
            return []
        rows: list[_Row] = []
        for f, values in self._by_focus(shape, nodes).items():
            seen: set[str] = set()
            duplicates: set[str] = set()
            for v in values:
                term = self.rdf(v)
                if isinstance(term, Literal) and term.language:
                    lang = str(term.language).lower()
                    (duplicates if lang in seen else seen).add(lang)
            rows += [_Row(shape, c.component, f) for _ in duplicates]
        return rows

    def _pair(self, shape: ShapePlan, c: PairConstraint, nodes: _Nodes) -> list[_Row]:
        rows: list[_Row] = []
        by_focus = self._by_focus(shape, nodes)
        for prop in c.properties:
            others: dict[Any, set[Any]] = {}
            if isinstance(prop, URIRef):
                member = nodes.member("this")
                query = (
                    f"SELECT DISTINCT ?this ?o WHERE {{ ?this {sparql_term(prop)} ?o {member} }}"
                )
                for s in self.select(query):
                    others.setdefault(s[0], set()).add(s[1])
            for f, values in by_focus.items():
                mine = set(values)
                theirs = others.get(f, set())
                if c.kind == "equals":
                    bad = list(mine - theirs) + list(theirs - mine)
                elif c.kind == "disjoint":
                    bad = list(mine & theirs)
                else:
                    bad = _not_less(
                        [self.rdf(v) for v in mine],
                        [self.rdf(o) for o in theirs],
                        c.kind == "lessThanOrEquals",
                    )
                    rows += [_Row(shape, c.component, f, _Term(v)) for v in bad]
                    continue
                rows += [_Row(shape, c.component, f, v) for v in bad]
        return rows

    # Shape-based constraints (SHACL 1.0, sections 4.6 and 4.7).

    def _not(self, shape: ShapePlan, c: NotConstraint, nodes: _Nodes) -> list[_Row]:
        values = self.value_nodes(shape, nodes)
        rows: list[_Row] = []
        for inner in c.shapes:
            bad = self.conforming(inner, values)
            rows += self._rows_for_values(shape, c, nodes, bad)
        return rows

    def _list(self, shape: ShapePlan, c: ListConstraint, nodes: _Nodes) -> list[_Row]:
        values = self.value_nodes(shape, nodes)
        rows: list[_Row] = []
        for _, members in c.lists:
            if c.kind == "or":  # the values no member accepts; none once one accepts all
                bad = set(self.evaluate(members[0], values).nonconforming)
                for m in members[1:]:
                    if not bad:
                        break
                    bad &= self.evaluate(m, self.term_set(bad)).nonconforming
                rows += self._rows_for_values(shape, c, nodes, bad)
                continue
            failing = [self.evaluate(m, values).nonconforming for m in members]
            if c.kind == "and":
                bad = set().union(*failing)
            else:
                all_values = self.members(values)
                bad = {v for v in all_values if sum(v not in f for f in failing) != 1}
            rows += self._rows_for_values(shape, c, nodes, bad)
        return rows

    def _node(self, shape: ShapePlan, c: NodeConstraint, nodes: _Nodes) -> list[_Row]:
        values = self.value_nodes(shape, nodes)
        rows: list[_Row] = []
        for inner in c.shapes:
            result = self.evaluate(inner, values)
            rows += self._rows_for_values(shape, c, nodes, result.nonconforming | result.reported)
        return rows

    def _rows_for_values(
        self, shape: ShapePlan, c: Constraint, nodes: _Nodes, bad: set[Any]
    ) -> list[_Row]:
        return [_Row(shape, c.component, f, v) for f, v in self.pairs_with(shape, nodes, bad)]

    def _qualified(self, shape: ShapePlan, c: QualifiedConstraint, nodes: _Nodes) -> list[_Row]:
        values = self.value_nodes(shape, nodes)
        rows: list[_Row] = []
        by_focus = self._by_focus(shape, nodes)
        for inner, siblings in c.shapes:
            good = self.conforming(inner, values)
            for sibling in siblings:
                good -= self.conforming(sibling, values)
            for f, vs in by_focus.items():
                n = sum(1 for v in vs if v in good)
                if c.maximum is not None and n > c.maximum:
                    rows.append(_Row(shape, SH_QUALIFIED_MAX, f))
                if c.minimum is not None and n < c.minimum:
                    rows.append(_Row(shape, SH_QUALIFIED_MIN, f))
        return rows

    # SPARQL-based constraints (SHACL 1.0, section 5).

    def _sparql(self, shape: ShapePlan, c: SparqlConstraint, nodes: _Nodes) -> list[_Row]:
        rows: list[_Row] = []
        for check in c.checks:
            focus = nodes.group("this")
            if check.predicate_test is not None:
                focus = nodes.member("this")  # the check's one triple binds $this
            query = self.prologue + check.head + focus + check.tail
            names = ("this", *check.projected)
            runs: list[dict[Any, Any] | None] = [None]
            if check.predicate_test is not None and not self.small:
                variable = ox.Variable(check.predicate_var or "")
                runs = [{variable: p} for p in self.passing_predicates(check)]
            solutions = (s for run in runs for s in self.select(query, run))
            for solution in solutions:
                focus = solution["this"]
                found = {n: solution[n] for n in names if solution[n] is not None}
                t = focus if check.projects_this else None
                p = found.pop("path", None)
                v = found.pop("value", None)
                found.pop("this", None)
                if p is None and v is None and t is None:
                    continue
                if v is None and shape.path is None:
                    v = focus
                rows.append(
                    _Row(
                        shape,
                        c.component,
                        focus,
                        v,
                        path=self.rdf(p) if p is not None else None,
                        source=check,
                        bound=(t, p, v, found),
                    )
                )
        return rows

    # -- the outcome ---------------------------------------------------------------------------

    def outcome(self) -> ValidationOutcome:
        rows: list[_Row] = []
        conforms = True
        for root in self.plan.roots:
            result = self.evaluate(root, self.targets(root))
            rows.extend(result.rows)
            if result.nonconforming:
                conforms = False
        return _Report(self, rows, conforms).outcome()


_PREFIX_NAME = re.compile(r"[A-Za-z]([A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?")


def _data_prologue(prefixes: Iterable[tuple[str, str]]) -> str:
    """PREFIX lines for the data graph's prefixes. pySHACL runs a SPARQL-based constraint with
    the data graph's prefixes as rdflib's initial namespaces, so a query may use one it does not
    declare; its own declarations (later in the text) win. Prefix names are checked against the
    SPARQL grammar and namespaces written by pyoxigraph: the data cannot change the query."""
    lines = []
    for prefix, namespace in prefixes:
        if not prefix or not _PREFIX_NAME.fullmatch(prefix):
            continue
        try:
            iri = str(ox.NamedNode(str(namespace)))
        except ValueError:
            continue
        lines.append(f"PREFIX {prefix}: {iri}\n")
    return "".join(lines)


class _Term:
    """A value that is already an rdflib term (lessThan compares rdflib terms)."""

    __slots__ = ("term",)

    def __init__(self, term: Node) -> None:
        self.term = term


SH_QUALIFIED_MAX = URIRef(_SH + "QualifiedMaxCountConstraintComponent")
SH_QUALIFIED_MIN = URIRef(_SH + "QualifiedMinCountConstraintComponent")

_HANDLERS: dict[type, Callable[..., list[_Row]]] = {
    ClassConstraint: _Run._class,
    NodeKindConstraint: _Run._node_kind,
    CountConstraint: _Run._count,
    ClosedConstraint: _Run._closed,
    DatatypeConstraint: _Run._datatype,
    RangeConstraint: _Run._range,
    LengthConstraint: _Run._length,
    PatternConstraint: _Run._pattern,
    LanguageInConstraint: _Run._language_in,
    InConstraint: _Run._in,
    HasValueConstraint: _Run._has_value,
    UniqueLangConstraint: _Run._unique_lang,
    PairConstraint: _Run._pair,
    NotConstraint: _Run._not,
    ListConstraint: _Run._list,
    NodeConstraint: _Run._node,
    QualifiedConstraint: _Run._qualified,
    SparqlConstraint: _Run._sparql,
}


# -- value tests with pySHACL's semantics (pyshacl.constraints.core) ----------------------------


def _datatype_matches(v: Node, c: DatatypeConstraint) -> bool:
    """sh:datatype (4.1.2): as pySHACL's DatatypeConstraintComponent decides it."""
    import datetime
    from decimal import Decimal

    rule = c.datatype
    if not isinstance(v, Literal):
        return False
    datatype, lang = v.datatype, v.language

    def actual() -> bool:
        value = v.value
        if rule in (XSD.string, RDF.langString):
            return isinstance(value, (str, bytes))
        checks = {
            XSD.integer: int,
            XSD.float: float,
            XSD.decimal: Decimal,
            XSD.boolean: bool,
            XSD.date: datetime.date,
            XSD.time: datetime.time,
            XSD.dateTime: datetime.datetime,
        }
        expected = checks.get(rule)  # type: ignore[call-overload]
        return True if expected is None else isinstance(value, expected)

    if datatype == rule:
        if getattr(v, "ill_typed", None) is True:
            return False
        return actual()
    if rule == RDFS.Literal:
        return True
    if rule == RDFS.Datatype and datatype:
        return True
    if datatype is None and lang is None and rule == XSD.string:
        return actual()
    if rule == RDF.langString and lang:
        return actual()
    return False


_RANGE_TESTS: dict[str, Callable[[int], bool]] = {
    _SH + "minExclusive": lambda cmp: cmp > 0,
    _SH + "minInclusive": lambda cmp: cmp >= 0,
    _SH + "maxExclusive": lambda cmp: cmp < 0,
    _SH + "maxInclusive": lambda cmp: cmp <= 0,
}


def _in_range(v: Node, bound: Literal, accept: Callable[[int], bool]) -> bool:
    """sh:minInclusive and its siblings (4.3), as pySHACL compares literals."""
    if not isinstance(v, Literal):
        return False
    bound_is_string = isinstance(bound.value, str)
    if bound_is_string != isinstance(v.value, str):
        return False
    try:
        return accept(compare_literal(v, bound))
    except (TypeError, NotImplementedError):
        return False


def _not_less(values: list[Node], others: list[Node], or_equal: bool) -> list[Node]:
    """sh:lessThan and sh:lessThanOrEquals (4.5.3, 4.5.4): the values not less than every
    other, once per pair, as pySHACL compares them (blank nodes stop pySHACL)."""
    bad: list[Node] = []
    for value in values:
        if isinstance(value, BNode):
            raise Fallback("sh:lessThan on a blank node")
        a, a_string = _comparable(value)
        for other in others:
            if isinstance(other, BNode):
                raise Fallback("sh:lessThan on a blank node")
            b, b_string = _comparable(other)
            try:
                ok = a_string == b_string and (a <= b if or_equal else a < b)
            except TypeError:
                raise Fallback("sh:lessThan on values pySHACL cannot compare") from None
            if not ok:
                bad.append(value)
    return bad


def _comparable(term: Node) -> tuple[Any, bool]:
    if isinstance(term, URIRef):
        return str(term), True
    if isinstance(term, Literal) and isinstance(term.value, str):
        return term.value, True
    return term, False


# =============================================================================================
# The report


class _Report:
    """Rows to ValidationResults, and the ``sh:ValidationReport`` graph built when something
    reads it (Turtle, an RDF answer): a JSON or text report of 30,000 results does not pay for
    300,000 rdflib triples it never shows."""

    def __init__(self, run: _Run, rows: list[_Row], conforms: bool) -> None:
        self.run = run
        self.rows = rows
        self.conforms = conforms
        self.shapes_graph = run.plan.graph
        self._cloned: dict[Node, Node] = {}
        self._messages = _GenericMessages(run)
        self._paths: dict[Node, str] = {}

    def outcome(self) -> ValidationOutcome:
        results = []
        entries = []
        rdf = self.run.rdf
        for row in self.rows:
            shape = row.shape
            focus = rdf(row.focus)
            if isinstance(row.value, _Term):
                value: Node | None = row.value.term
            else:
                value = rdf(row.value) if row.value is not None else None
            path = row.path if row.path is not None else (shape.path.node if shape.path else None)
            messages = self._result_messages(row, focus, value)
            source = row.source.node if row.source is not None else None
            entries.append((row, focus, value, path, messages, source))
            results.append(
                ValidationResult(
                    focus_node=focus,
                    path=path,
                    value=value,
                    severity=shape.severity,  # type: ignore[arg-type]
                    message=message_text(messages),
                    source_shape=shape.node,
                    constraint=row.component,
                    source_constraint=source,
                    path_text=self._path_text(path),
                )
            )
        identifier = BNode()
        graph = Graph(
            store=_LazyStore(lambda store: self._fill(store, identifier, entries)),
            identifier=identifier,
            bind_namespaces="none",
        )
        return outcome_from_results(results, graph, engine=NAME)

    def _path_text(self, path: Node | None) -> str:
        if path is None:
            return ""
        found = self._paths.get(path)
        if found is None:
            found = self._paths[path] = path_notation(self.shapes_graph, path)
        return found

    def _fill(self, store: Any, identifier: BNode, entries: list[tuple[Any, ...]]) -> None:
        """The report graph, as pySHACL writes it (Validator.create_validation_report), except
        that blank nodes of the data are not described (see the module docstring)."""
        g = Graph(store=store, identifier=identifier, bind_namespaces="core")
        for prefix, namespace in self.shapes_graph.namespace_manager.namespaces():
            g.namespace_manager.bind(prefix, namespace)
        for summary_prefix, summary_namespace in SUMMARY_PREFIXES.items():
            g.bind(summary_prefix, summary_namespace, override=True)
        report = BNode()
        g.add((report, RDF.type, URIRef(_SH + "ValidationReport")))
        g.add((report, URIRef(_SH + "conforms"), Literal(self.conforms)))
        for row, focus, value, path, messages, source in entries:
            shape = row.shape
            node = BNode()
            g.add((report, URIRef(_SH + "result"), node))
            g.add((node, RDF.type, URIRef(_SH + "ValidationResult")))
            g.add((node, URIRef(_SH + "sourceConstraintComponent"), row.component))
            g.add((node, URIRef(_SH + "sourceShape"), self._clone(shape.node, g)))
            g.add((node, URIRef(_SH + "resultSeverity"), shape.severity))
            g.add((node, URIRef(_SH + "focusNode"), focus))
            if value is not None:
                g.add((node, URIRef(_SH + "value"), value))
            if path is not None:
                g.add((node, URIRef(_SH + "resultPath"), self._clone(path, g)))
            if source is not None:
                g.add((node, URIRef(_SH + "sourceConstraint"), self._clone(source, g)))
            for m in messages:
                g.add((node, URIRef(_SH + "resultMessage"), m))

    def _result_messages(self, row: _Row, focus: Node, value: Node | None) -> list[Node]:
        """The messages of a result, as pySHACL writes them (ConstraintComponent.make_v_result):
        the shape's ``sh:message`` (and a SPARQL constraint's), with ``{$this}``, ``{?var}``
        substituted in SPARQL-based results (SHACL 1.0, section 5.3.2); a generic message when
        there is none."""
        shape = row.shape
        messages: list[Node] = list(shape.messages)
        out: list[Node] = []
        bound = None
        if row.bound is not None:
            t, p, v, extra = row.bound
            rdf = self.run.rdf
            bound = (
                rdf(t) if t is not None else None,
                rdf(p) if p is not None else None,
                rdf(v) if v is not None else None,
                {k: rdf(x) for k, x in extra.items()},
            )
        extra_messages = row.source.messages if row.source is not None else None
        if extra_messages:
            for m in extra_messages:
                if m in messages:
                    continue
                out.append(_format(m, bound))
        elif not messages:
            messages = self._messages.generic(row, focus, value)
        out += [_format(m, bound) for m in messages]
        return out

    def _clone(self, node: Node, graph: Graph) -> Node:
        """A node of the shapes graph in the report: a blank node with its description, as
        pySHACL clones it (pyshacl.rdfutil.clone.clone_blank_node, ``keepid``)."""
        if not isinstance(node, BNode):
            return node
        found = self._cloned.get(node)
        if found is None:
            found = _clone_blank(self.shapes_graph, node, graph, keep_id=True)
            self._cloned[node] = found
        return found


class _LazyStore(Memory):
    """rdflib's memory store, filled by ``fill`` on the first read or write of a triple."""

    def __init__(self, fill: Callable[[Any], None]) -> None:
        super().__init__()
        self._fill: Callable[[Any], None] | None = fill
        self._filling = False
        self._lock = threading.RLock()

    def _ready(self) -> None:
        if self._fill is None:
            return
        with self._lock:  # another thread waits until the graph is whole
            if self._fill is None or self._filling:
                return
            self._filling = True
            try:
                self._fill(self)
            finally:
                self._fill = None

    def add(self, *args: Any, **kwargs: Any) -> None:
        self._ready()
        super().add(*args, **kwargs)

    def addN(self, *args: Any, **kwargs: Any) -> None:
        self._ready()
        super().addN(*args, **kwargs)

    def remove(self, *args: Any, **kwargs: Any) -> None:
        self._ready()
        super().remove(*args, **kwargs)

    def triples(self, *args: Any, **kwargs: Any) -> Any:
        self._ready()
        return super().triples(*args, **kwargs)

    def triples_choices(self, *args: Any, **kwargs: Any) -> Any:
        self._ready()
        return super().triples_choices(*args, **kwargs)

    def __len__(self, *args: Any, **kwargs: Any) -> int:
        self._ready()
        return super().__len__(*args, **kwargs)

    def contexts(self, *args: Any, **kwargs: Any) -> Any:
        self._ready()
        return super().contexts(*args, **kwargs)

    def namespaces(self) -> Any:
        self._ready()
        return super().namespaces()

    def namespace(self, prefix: str) -> Any:
        self._ready()
        return super().namespace(prefix)

    def prefix(self, namespace: Any) -> Any:
        self._ready()
        return super().prefix(namespace)


def _format(message: Node, bound: tuple[Any, ...] | None) -> Node:
    """A message with its SPARQL variables substituted (pySHACL's
    _format_sparql_based_result_message: ``{?var}`` and ``{$var}``, ``str`` of the term)."""
    if bound is None or not isinstance(message, Literal):
        return message
    text = str(message.value)
    t, p, v, extra = bound
    values = dict(extra)
    if t is not None:
        values["this"] = t
    if p is not None:
        values["path"] = p
    if v is not None:
        values["value"] = v
    for name, term in values.items():
        text = re.sub("{[?$]" + name + "}", str(term), text)
    return Literal(text)


def _clone_blank(source: Graph, node: BNode, target: Graph, keep_id: bool, depth: int = 0) -> BNode:
    clone = BNode(str(node)) if keep_id else BNode()
    if depth >= 10:
        return clone
    predicates = set(source.predicates(node))
    if not predicates:
        return clone
    if RDF.first in predicates:
        items = list(source.items(node))
        head: BNode | URIRef = clone
        for i, item in enumerate(items):
            target.add((head, RDF.first, _clone_node(source, item, target, depth + 1)))
            rest = BNode() if i < len(items) - 1 else RDF.nil
            target.add((head, RDF.rest, rest))
            head = rest
        return clone
    for p in predicates:
        for o in source.objects(node, p):
            if p == OWL.sameAs and o == node:
                target.add((clone, p, clone))
            else:
                target.add((clone, p, _clone_node(source, o, target, depth + 1)))
    return clone


def _clone_node(source: Graph, node: Node, target: Graph, depth: int) -> Node:
    if isinstance(node, BNode):
        return _clone_blank(source, node, target, keep_id=False, depth=depth + 1)
    return node


# -- generic messages (pySHACL's make_generic_messages), for shapes without sh:message -------


class _GenericMessages:
    """The message pySHACL writes when a shape has no ``sh:message``; terms are written as
    pySHACL's ``stringify_node`` writes them (data terms with the data's prefixes)."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.sg = run.plan.graph
        self._names: Graph | None = None
        self._bnode_graphs: dict[Any, Graph] = {}

    @property
    def dg_names(self) -> Graph:
        if self._names is None:
            self._names = self.run.loaded.names()
        return self._names

    def s(self, node: Node) -> str:
        """A shapes-graph term."""
        return _stringify(self.sg, node, self.sg.namespace_manager)

    def d(self, node: Node | None) -> str:
        """A data-graph term."""
        if isinstance(node, BNode):
            graph = self._data_description(node)
            return _stringify(graph, node, self.dg_names.namespace_manager)
        return _stringify(self.dg_names, node, self.dg_names.namespace_manager)

    def _data_description(self, node: BNode) -> Graph:
        """The blank node's description in the store, as an rdflib graph (12 levels deep)."""
        graph = Graph()
        graph.namespace_manager = self.dg_names.namespace_manager
        store_term = next((k for k, b in self.run.loaded.bnodes.items() if b == node), None)
        if store_term is None:
            store_term = ox.BlankNode(str(node))
        pending = [(store_term, 0)]
        seen = set()
        while pending:
            term, depth = pending.pop()
            if term in seen or depth > 12:
                continue
            seen.add(term)
            for q in self.run.store.quads_for_pattern(term, None, None):
                rdf = self.run.rdf
                graph.add((rdf(q.subject), rdf(q.predicate), rdf(q.object)))
                if isinstance(q.object, ox.BlankNode):
                    pending.append((q.object, depth + 1))
        return graph

    def generic(self, row: _Row, focus: Node, value: Node | None) -> list[Node]:
        c = self._constraint_of(row)
        s, d = self.s, self.d
        shape = row.shape
        text: str | None = None
        if isinstance(c, ClassConstraint):
            if len(c.classes) < 2:
                text = f"Value does not have class {s(c.classes[0])}"
            else:
                text = f"Value class is not in classes ({', '.join(s(x) for x in c.classes)})"
        elif isinstance(c, DatatypeConstraint):
            text = f"Value is not Literal with datatype {s(c.datatype)}"
        elif isinstance(c, NodeKindConstraint):
            text = f"Value is not of Node Kind {s(c.kind)}"
        elif isinstance(c, CountConstraint):
            assert shape.path is not None
            word = "Less" if c.minimum else "More"
            text = f"{word} than {c.literal.value} values on {d(focus)}->{s(shape.path.node)}"
        elif isinstance(c, RangeConstraint):
            op = {"minExclusive": ">", "minInclusive": ">=", "maxExclusive": "<"}.get(
                str(c.parameter)[len(_SH) :], "<="
            )
            if len(c.bounds) < 2:
                text = f"Value is not {op} {s(c.bounds[0])}"
            else:
                text = f"Value is not {op} in ({', '.join(s(b) for b in c.bounds)})"
        elif isinstance(c, LengthConstraint):
            text = f"String length not {'>=' if c.minimum else '<='} {d(c.rule)}"
        elif isinstance(c, PatternConstraint):
            if len(c.patterns) < 2:
                text = f"Value does not match pattern '{c.patterns[0][0].value}'"
            else:
                rules = "', '".join(str(p.value) for p, _ in c.patterns)
                text = f"Value does not match every pattern in ('{rules}')"
        elif isinstance(c, LanguageInConstraint):
            text = f"String language is not in {s(c.list_node)}"
        elif isinstance(c, UniqueLangConstraint):
            text = "More than one String shares the same Language"
        elif isinstance(c, PairConstraint):
            op = {"equals": "!=", "disjoint": "==", "lessThan": "<="}.get(c.kind, "<")
            props = c.properties
            rule = s(props[0]) if len(props) < 2 else ", ".join(s(p) for p in props)
            text = f"Value of {d(focus)}->{rule} {op} {d(value)}"
        elif isinstance(c, NotConstraint):
            if len(c.shapes) == 1:
                text = f"Node {d(value)} must not conform to shape {s(c.shapes[0].node)}"
            else:
                nots = " , ".join(s(n.node) for n in c.shapes)
                text = f"Node {d(value)} must not conform to any shapes in {nots}"
        elif isinstance(c, ListConstraint):
            lists = [" , ".join(s(item) for item in self.sg.items(lst)) for lst, _ in c.lists]
            joined = lists[0] if len(lists) < 2 else " and ".join(f"({x})" for x in lists)
            phrase = {
                "and": "must conform to all shapes in",
                "or": "must conform to one or more shapes in",
                "xone": "must conform to exactly one shape in",
            }[c.kind]
            text = f"Node {d(value)} {phrase} {joined}"
        elif isinstance(c, NodeConstraint):
            if len(c.shapes) < 2:
                text = f"Value does not conform to Shape {s(c.shapes[0].node)}."
            else:
                rules = "', '".join(s(n.node) for n in c.shapes)
                text = f"Value must conform to every Shape in ('{rules}')."
            text += " See details for more information."
        elif isinstance(c, QualifiedConstraint):
            shapes_text = ",".join(s(q.node) for q, _ in c.shapes)
            counts = ""
            if c.minimum is not None:
                counts += f" MinCount {c.minimum}"
            if c.maximum is not None:
                counts += f" MaxCount {c.maximum}"
            if len(c.shapes) > 1:
                text = f"Focus node does not conform to shapes{counts}: ({shapes_text})"
            else:
                text = f"Focus node does not conform to shape{counts}: {shapes_text}"
        elif isinstance(c, ClosedConstraint):
            text = f"Node {d(focus)} is closed. It cannot have value: {d(value)}"
        elif isinstance(c, HasValueConstraint):
            values = [s(x) for x in c.values]
            if shape.path is not None:
                text = (
                    f"Node {d(focus)}->{s(shape.path.node)} does not contain a value in the "
                    f"set: {values}"
                )
            else:
                text = f"Node {d(focus)} value is not a in the set of values: {values}"
        elif isinstance(c, InConstraint):
            text = f"Value {d(value)} not in list {[s(x) for x in c.values]}"
        return [Literal(text)] if text is not None else []

    @staticmethod
    def _constraint_of(row: _Row) -> Constraint | None:
        for c in row.shape.constraints:
            if c.component == row.component or (
                isinstance(c, QualifiedConstraint)
                and row.component in (SH_QUALIFIED_MAX, SH_QUALIFIED_MIN)
            ):
                return c
        return None


def _stringify(graph: Graph, node: Node | None, nm: Any, depth: int = 0) -> str:
    """pySHACL's ``stringify_node`` (pyshacl.rdfutil.stringify)."""
    nm.bind("sh", URIRef(_SH), override=False, replace=False)
    if isinstance(node, Literal):
        return _stringify_literal(graph, node, nm)
    if isinstance(node, BNode):
        return _stringify_blank(graph, node, nm, depth + 1)
    if isinstance(node, URIRef):
        try:
            return node.n3(namespace_manager=nm)
        except Exception:
            return str(node)
    return str(node)


def _stringify_literal(graph: Graph, node: Literal, nm: Any) -> str:
    value = None if node.value is None else str(node.value)
    lexical = str(node)
    if value is not None:
        at = value.find(" object at 0x")
        if at > 0:
            value = value[:at]
    text = f'"{lexical}" = {value}' if value is not None and value != lexical else f'"{lexical}"'
    lang = f", lang={node.language}" if node.language else ""
    datatype = ""
    if node.datatype:
        datatype = f", datatype={_stringify(graph, node.datatype, nm)}"
    return f"Literal({text}{lang}{datatype})"


def _stringify_blank(graph: Graph, node: BNode, nm: Any, depth: int) -> str:
    if depth >= 12:
        return "<http://recursion.too.deep>"
    predicates = list(graph.predicates(node))
    if not predicates:
        return "[ ]"
    if RDF.first in predicates:
        items = [_stringify(graph, i, nm, depth + 1) for i in graph.items(node)]
        return "( {} )".format(" ".join(items))
    by_predicate: dict[str, str] = {}
    for p in predicates:
        p_text = p.n3(namespace_manager=nm)
        objects = list(graph.objects(node, p))
        if not objects:
            continue
        texts = [
            "<self>" if p is OWL.sameAs and o is node else _stringify(graph, o, nm, depth + 1)
            for o in objects
        ]
        if len(texts) > 1:
            texts.sort()
        by_predicate[p_text] = ", ".join(texts)
    if len(by_predicate) > 1:
        inner = " ; ".join(f"{p} {o}" for p, o in sorted(by_predicate.items()))
    else:
        ((only_p, only_o),) = by_predicate.items()
        inner = f"{only_p} {only_o}"
    return f"[ {inner} ]"


__all__ = [
    "NAME",
    "ONTOLOGY_KEY",
    "PLAN_KEY",
    "Fallback",
    "compiled_plan",
    "covers",
    "load_files",
    "validate_fast",
    "validate_files",
]
