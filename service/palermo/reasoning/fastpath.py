"""The fast classification path: OWL 2 RL rules compiled from the closed ontology.

Cases are independent, so reasoning is local to each case plus the ontology. The ontology's
closure is computed once, by owlrl itself; from that closed TBox this module *generates* the
instance-level rules of OWL 2 RL (`OWL 2 Profiles, table 4-9
<https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules>`_), each
specialised to the axioms it serves:

- cax-sco, cax-eqc: a class to all its superclasses (closed, so one step);
- prp-spo1, prp-eqp, prp-inv1/2: a property to its super-properties and inverses;
- prp-dom, prp-rng: domain and range typing;
- cls-svf1/2, cls-int1, cls-uni (through scm-uni), cls-hv1/2, cls-avf.

They run by semi-naive forward chaining over the few triples of one case, so classifying is
linear in the number of cases. A schema that needs a rule outside this set (transitive,
symmetric, functional or inverse-functional properties, property chains, keys, max cardinality,
enumerations, ``owl:sameAs``) is not compiled: the cases it applies to go to owlrl, the
reference, rather than get a wrong answer. ``tests/test_fastpath.py`` holds the two paths to
identical assessments.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, XSD

from palermo.rdf.namespaces import PAL
from palermo.rdf.terms import Lit, Term, Triple, from_rdflib, to_rdflib
from palermo.reasoning.ontology import Ontology, owlrl_closure

log = logging.getLogger(__name__)

RDF_TYPE = str(RDF.type)
OWL_THING = str(OWL.Thing)
AGE = str(PAL.ageAtTimeOfAct)
CHILD = str(PAL.Child)
ADULT = str(PAL.Adult)

#: Schema constructs whose instance rules the fast path does not run.
UNSUPPORTED_TYPES = frozenset(
    str(c)
    for c in (
        OWL.TransitiveProperty,
        OWL.SymmetricProperty,
        OWL.FunctionalProperty,
        OWL.InverseFunctionalProperty,
        OWL.ReflexiveProperty,
    )
)
UNSUPPORTED_PREDICATES = frozenset(
    str(p)
    for p in (
        OWL.propertyChainAxiom,
        OWL.hasKey,
        OWL.maxCardinality,
        OWL.maxQualifiedCardinality,
        OWL.cardinality,
        OWL.qualifiedCardinality,
        OWL.oneOf,
        OWL.sameAs,
    )
)
_INTEGERS = frozenset(
    str(d)
    for d in (
        XSD.integer,
        XSD.int,
        XSD.long,
        XSD.short,
        XSD.byte,
        XSD.nonNegativeInteger,
        XSD.positiveInteger,
        XSD.negativeInteger,
        XSD.nonPositiveInteger,
        XSD.unsignedInt,
        XSD.unsignedLong,
        XSD.unsignedShort,
        XSD.unsignedByte,
    )
)
_DECIMAL = str(XSD.decimal)
_FLOATS = frozenset({str(XSD.float), str(XSD.double)})
_INTEGER_LEXICAL = re.compile(r"[+-]?[0-9]+")
_DECIMAL_LEXICAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_FLOAT_LEXICAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN")


class Unsupported(Exception):
    """The schema needs an OWL 2 RL rule the fast path does not run."""


@dataclass(frozen=True)
class RuleSet:
    """Instance rules generated from a closed TBox."""

    superclasses: dict[Term, frozenset[Term]]
    superproperties: dict[Term, frozenset[Term]]
    inverses: dict[Term, frozenset[Term]]
    domains: dict[Term, frozenset[Term]]
    ranges: dict[Term, frozenset[Term]]
    #: property -> (restriction, filler) for someValuesFrom; filler None means owl:Thing
    svf_by_property: dict[Term, tuple[tuple[Term, Term | None], ...]]
    #: filler -> (restriction, property)
    svf_by_filler: dict[Term, tuple[tuple[Term, Term], ...]]
    #: member class -> (intersection, all its members)
    intersections_by_member: dict[Term, tuple[tuple[Term, frozenset[Term]], ...]]
    #: (property, value) -> restrictions; class -> (property, value)
    has_value_by_edge: dict[tuple[Term, Term], tuple[Term, ...]]
    has_value_by_class: dict[Term, tuple[tuple[Term, Term], ...]]
    #: property -> (restriction, filler); restriction -> (property, filler)
    avf_by_property: dict[Term, tuple[tuple[Term, Term], ...]]
    avf_by_class: dict[Term, tuple[tuple[Term, Term], ...]]

    def supers(self, cls: Term) -> frozenset[Term]:
        return self.superclasses.get(cls) or frozenset((cls,))


def _freeze(d: dict) -> dict:
    return {k: frozenset(v) if isinstance(v, set) else tuple(v) for k, v in d.items()}


class _PlainGraph:
    """A closed TBox read through plain terms: the few look-ups rule generation needs."""

    def __init__(self, graph: Graph) -> None:
        self._by_predicate: dict[str, list[tuple[Term, Term]]] = defaultdict(list)
        self._value: dict[tuple[Term, str], Term] = {}
        for s, p, o in graph:
            ps, ss, os_ = str(p), from_rdflib(s), from_rdflib(o)
            self._by_predicate[ps].append((ss, os_))
            self._value.setdefault((ss, ps), os_)

    def subject_objects(self, predicate) -> list[tuple[Term, Term]]:
        return self._by_predicate.get(str(predicate), [])

    def value(self, subject: Term, predicate) -> Term | None:
        return self._value.get((subject, str(predicate)))


_NIL = str(RDF.nil)


def _rdf_list(graph: _PlainGraph, node: Term | None) -> list[Term]:
    items: list[Term] = []
    while node is not None and node != _NIL:
        first = graph.value(node, RDF.first)
        if first is None:
            break
        items.append(first)
        node = graph.value(node, RDF.rest)
    return items


def compile_rules(tbox: Graph) -> RuleSet:
    """Close ``tbox`` with owlrl and generate the instance rules from the closure."""
    for _, predicate, obj in tbox:
        if str(predicate) in UNSUPPORTED_PREDICATES or (
            predicate == RDF.type and str(obj) in UNSUPPORTED_TYPES
        ):
            raise Unsupported(f"{predicate} {obj}" if predicate == RDF.type else str(predicate))
    rdf_closed = Graph()
    rdf_closed += tbox
    owlrl_closure(rdf_closed)
    closed = _PlainGraph(rdf_closed)

    sup: dict[Term, set[Term]] = defaultdict(set)
    for c, d in closed.subject_objects(RDFS.subClassOf):
        sup[c].update((c, d))
    for c, d in closed.subject_objects(OWL.equivalentClass):
        sup[c].update((c, d))
        sup[d].update((d, c))
    supp: dict[Term, set[Term]] = defaultdict(set)
    for p, q in closed.subject_objects(RDFS.subPropertyOf):
        supp[p].update((p, q))
    for p, q in closed.subject_objects(OWL.equivalentProperty):
        supp[p].update((p, q))
        supp[q].update((q, p))
    inv: dict[Term, set[Term]] = defaultdict(set)
    for p, q in closed.subject_objects(OWL.inverseOf):
        inv[p].add(q)
        inv[q].add(p)
    dom: dict[Term, set[Term]] = defaultdict(set)
    for p, c in closed.subject_objects(RDFS.domain):
        dom[p].add(c)
    rng: dict[Term, set[Term]] = defaultdict(set)
    for p, c in closed.subject_objects(RDFS.range):
        rng[p].add(c)

    svf_p: dict[Term, list] = defaultdict(list)
    svf_f: dict[Term, list] = defaultdict(list)
    for r, filler in closed.subject_objects(OWL.someValuesFrom):
        prop = closed.value(r, OWL.onProperty)
        if prop is None:
            continue
        if filler == OWL_THING:
            svf_p[prop].append((r, None))
        else:
            svf_p[prop].append((r, filler))
            svf_f[filler].append((r, prop))
    ints: dict[Term, list] = defaultdict(list)
    for i, head in closed.subject_objects(OWL.intersectionOf):
        members = frozenset(_rdf_list(closed, head))
        for m in members:
            ints[m].append((i, members))
    hv_e: dict[tuple[Term, Term], list] = defaultdict(list)
    hv_c: dict[Term, list] = defaultdict(list)
    for r, value in closed.subject_objects(OWL.hasValue):
        prop = closed.value(r, OWL.onProperty)
        if prop is not None:
            hv_e[(prop, value)].append(r)
            hv_c[r].append((prop, value))
    avf_p: dict[Term, list] = defaultdict(list)
    avf_c: dict[Term, list] = defaultdict(list)
    for r, filler in closed.subject_objects(OWL.allValuesFrom):
        prop = closed.value(r, OWL.onProperty)
        if prop is not None:
            avf_p[prop].append((r, filler))
            avf_c[r].append((prop, filler))
    return RuleSet(
        superclasses=_freeze(sup),
        superproperties=_freeze(supp),
        inverses=_freeze(inv),
        domains=_freeze(dom),
        ranges=_freeze(rng),
        svf_by_property=_freeze(svf_p),
        svf_by_filler=_freeze(svf_f),
        intersections_by_member=_freeze(ints),
        has_value_by_edge=_freeze(hv_e),
        has_value_by_class=_freeze(hv_c),
        avf_by_property=_freeze(avf_p),
        avf_by_class=_freeze(avf_c),
    )


def numeric_value(term: Term) -> int | float | Decimal | None:
    """The number of a literal that SPARQL's ``isNumeric`` accepts, else None."""
    if type(term) is not Lit:
        return None
    lexical, datatype = term.lexical.strip(), term.datatype
    try:
        if datatype in _INTEGERS:
            return int(lexical) if _INTEGER_LEXICAL.fullmatch(lexical) else None
        if datatype == _DECIMAL:
            return Decimal(lexical) if _DECIMAL_LEXICAL.fullmatch(lexical) else None
        if datatype in _FLOATS:
            return float(lexical) if _FLOAT_LEXICAL.fullmatch(lexical) else None
    except (ValueError, InvalidOperation):
        return None
    return None


@dataclass
class Closure:
    """The closure of one case's triples under a :class:`RuleSet`."""

    types: dict[Term, set[Term]] = field(default_factory=lambda: defaultdict(set))
    edges: set[Triple] = field(default_factory=set)
    out: dict[Term, list[tuple[Term, Term]]] = field(default_factory=lambda: defaultdict(list))
    into: dict[Term, list[tuple[Term, Term]]] = field(default_factory=lambda: defaultdict(list))

    def about(self, node: Term) -> Iterable[Triple]:
        """Every triple of the closure whose subject is ``node``."""
        for p, o in self.out.get(node, ()):
            yield (node, p, o)
        for cls in self.types.get(node, ()):
            yield (node, RDF_TYPE, cls)


def close(triples: Iterable[Triple], rules: RuleSet) -> Closure:
    """Forward-chain the rules over ``triples`` (semi-naive: each new fact is joined once).

    The age of a person is turned into ``pal:Child`` or ``pal:Adult`` first, as
    ``queries/assessment/derive-age-class.rq`` does on the reference path.
    """
    c = Closure()
    types, edges, out, into = c.types, c.edges, c.out, c.into
    pending_types: list[tuple[Term, Term]] = []
    pending_edges: list[Triple] = []

    def add_type(node: Term, cls: Term) -> None:
        if cls not in types[node]:
            types[node].add(cls)
            pending_types.append((node, cls))

    def add_edge(t: Triple) -> None:
        if t not in edges:
            edges.add(t)
            pending_edges.append(t)

    for t in triples:
        s, p, o = t
        if p == RDF_TYPE:
            add_type(s, o)
        else:
            add_edge(t)
            if p == AGE:
                age = numeric_value(o)
                if age is not None:
                    add_type(s, CHILD if age < 18 else ADULT)

    superclasses = rules.superclasses
    superproperties = rules.superproperties
    while pending_types or pending_edges:
        while pending_edges:
            s, p, o = pending_edges.pop()
            literal = type(o) is Lit
            out[s].append((p, o))
            if not literal:
                into[o].append((s, p))
            for q in superproperties.get(p, ()):
                if q != p:
                    add_edge((s, q, o))
            if not literal:
                for q in rules.inverses.get(p, ()):
                    add_edge((o, q, s))
                for cls in rules.ranges.get(p, ()):
                    add_type(o, cls)
            for cls in rules.domains.get(p, ()):
                add_type(s, cls)
            for r, filler in rules.svf_by_property.get(p, ()):
                if filler is None or (not literal and filler in types.get(o, ())):
                    add_type(s, r)
            for r in rules.has_value_by_edge.get((p, o), ()):
                add_type(s, r)
            if not literal:
                for r, filler in rules.avf_by_property.get(p, ()):
                    if r in types.get(s, ()):
                        add_type(o, filler)
        while pending_types:
            node, cls = pending_types.pop()
            for sup in superclasses.get(cls, ()):
                if sup != cls:
                    add_type(node, sup)
            for r, prop in rules.svf_by_filler.get(cls, ()):
                for s, p in into.get(node, ()):
                    if p == prop:
                        add_type(s, r)
            node_types = types[node]
            for i, members in rules.intersections_by_member.get(cls, ()):
                if i not in node_types and members <= node_types:
                    add_type(node, i)
            for prop, value in rules.has_value_by_class.get(cls, ()):
                add_edge((node, prop, value))
            for prop, filler in rules.avf_by_class.get(cls, ()):
                for p, o in out.get(node, ()):
                    if p == prop and type(o) is not Lit:
                        add_type(o, filler)
    return c


class RuleCache:
    """Rule sets per schema: the ontology's, and one per distinct schema an input brings."""

    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        self.base = compile_rules(ontology.tbox)
        self._extra: dict[str, RuleSet | None] = {}

    def for_schema(self, schema: list[Triple]) -> RuleSet | None:
        """The rules for the ontology plus ``schema``; None when the fast path cannot run them."""
        if not schema:
            return self.base
        key = hashlib.sha256("\n".join(sorted(repr(t) for t in schema)).encode()).hexdigest()
        if key not in self._extra:
            tbox = Graph()
            tbox += self.ontology.tbox
            for s, p, o in schema:
                tbox.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
            try:
                self._extra[key] = compile_rules(tbox)
            except Unsupported as exc:
                log.info("schema needs rules the fast path does not run (%s): owlrl", exc)
                self._extra[key] = None
        return self._extra[key]


def has_unsupported(triples: Iterable[Triple]) -> bool:
    """Whether triples need a rule the fast path does not run (``owl:sameAs`` in data)."""
    return any(t[1] in UNSUPPORTED_PREDICATES for t in triples)
