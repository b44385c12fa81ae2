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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from palermo.namespaces import PAL
from palermo.reasoning import Ontology, owlrl_closure

log = logging.getLogger(__name__)

Triple = tuple[Node, Node, Node]

#: Schema constructs whose instance rules the fast path does not run.
UNSUPPORTED_TYPES = frozenset(
    {OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.FunctionalProperty,
     OWL.InverseFunctionalProperty, OWL.ReflexiveProperty}
)
UNSUPPORTED_PREDICATES = frozenset(
    {OWL.propertyChainAxiom, OWL.hasKey, OWL.maxCardinality, OWL.maxQualifiedCardinality,
     OWL.cardinality, OWL.qualifiedCardinality, OWL.oneOf, OWL.sameAs}
)
_NUMERIC = frozenset(
    {XSD.integer, XSD.decimal, XSD.float, XSD.double, XSD.int, XSD.long, XSD.short, XSD.byte,
     XSD.nonNegativeInteger, XSD.positiveInteger, XSD.negativeInteger, XSD.nonPositiveInteger,
     XSD.unsignedInt, XSD.unsignedLong, XSD.unsignedShort, XSD.unsignedByte}
)


class Unsupported(Exception):
    """The schema needs an OWL 2 RL rule the fast path does not run."""


@dataclass(frozen=True)
class RuleSet:
    """Instance rules generated from a closed TBox."""

    superclasses: dict[Node, frozenset[Node]]
    superproperties: dict[Node, frozenset[Node]]
    inverses: dict[Node, frozenset[Node]]
    domains: dict[Node, frozenset[Node]]
    ranges: dict[Node, frozenset[Node]]
    #: property -> (restriction, filler) for someValuesFrom; filler None means owl:Thing
    svf_by_property: dict[Node, tuple[tuple[Node, Node | None], ...]]
    #: filler -> (restriction, property)
    svf_by_filler: dict[Node, tuple[tuple[Node, Node], ...]]
    #: member class -> (intersection, all its members)
    intersections_by_member: dict[Node, tuple[tuple[Node, frozenset[Node]], ...]]
    #: (property, value) -> restrictions; class -> (property, value)
    has_value_by_edge: dict[tuple[Node, Node], tuple[Node, ...]]
    has_value_by_class: dict[Node, tuple[tuple[Node, Node], ...]]
    #: property -> (restriction, filler); restriction -> (property, filler)
    avf_by_property: dict[Node, tuple[tuple[Node, Node], ...]]
    avf_by_class: dict[Node, tuple[tuple[Node, Node], ...]]

    def supers(self, cls: Node) -> frozenset[Node]:
        return self.superclasses.get(cls) or frozenset((cls,))


def _freeze(d: dict) -> dict:
    return {k: frozenset(v) if isinstance(v, set) else tuple(v) for k, v in d.items()}


def _rdf_list(graph: Graph, node: Node) -> list[Node]:
    items: list[Node] = []
    while node != RDF.nil and node is not None:
        first = graph.value(node, RDF.first)
        if first is None:
            break
        items.append(first)
        node = graph.value(node, RDF.rest)
    return items


def compile_rules(tbox: Graph) -> RuleSet:
    """Close ``tbox`` with owlrl and generate the instance rules from the closure."""
    for _, p, o in tbox:
        if p in UNSUPPORTED_PREDICATES or (p == RDF.type and o in UNSUPPORTED_TYPES):
            raise Unsupported(f"{p} {o}" if p == RDF.type else str(p))
    closed = Graph()
    closed += tbox
    owlrl_closure(closed)

    sup: dict[Node, set[Node]] = defaultdict(set)
    for c, d in closed.subject_objects(RDFS.subClassOf):
        sup[c].update((c, d))
    for c, d in closed.subject_objects(OWL.equivalentClass):
        sup[c].update((c, d))
        sup[d].update((d, c))
    supp: dict[Node, set[Node]] = defaultdict(set)
    for p, q in closed.subject_objects(RDFS.subPropertyOf):
        supp[p].update((p, q))
    for p, q in closed.subject_objects(OWL.equivalentProperty):
        supp[p].update((p, q))
        supp[q].update((q, p))
    inv: dict[Node, set[Node]] = defaultdict(set)
    for p, q in closed.subject_objects(OWL.inverseOf):
        inv[p].add(q)
        inv[q].add(p)
    dom: dict[Node, set[Node]] = defaultdict(set)
    for p, c in closed.subject_objects(RDFS.domain):
        dom[p].add(c)
    rng: dict[Node, set[Node]] = defaultdict(set)
    for p, c in closed.subject_objects(RDFS.range):
        rng[p].add(c)

    svf_p: dict[Node, list] = defaultdict(list)
    svf_f: dict[Node, list] = defaultdict(list)
    for r, filler in closed.subject_objects(OWL.someValuesFrom):
        prop = closed.value(r, OWL.onProperty)
        if prop is None:
            continue
        if filler == OWL.Thing:
            svf_p[prop].append((r, None))
        else:
            svf_p[prop].append((r, filler))
            svf_f[filler].append((r, prop))
    ints: dict[Node, list] = defaultdict(list)
    for i, head in closed.subject_objects(OWL.intersectionOf):
        members = frozenset(_rdf_list(closed, head))
        for m in members:
            ints[m].append((i, members))
    hv_e: dict[tuple[Node, Node], list] = defaultdict(list)
    hv_c: dict[Node, list] = defaultdict(list)
    for r, value in closed.subject_objects(OWL.hasValue):
        prop = closed.value(r, OWL.onProperty)
        if prop is not None:
            hv_e[(prop, value)].append(r)
            hv_c[r].append((prop, value))
    avf_p: dict[Node, list] = defaultdict(list)
    avf_c: dict[Node, list] = defaultdict(list)
    for r, filler in closed.subject_objects(OWL.allValuesFrom):
        prop = closed.value(r, OWL.onProperty)
        if prop is not None:
            avf_p[prop].append((r, filler))
            avf_c[r].append((prop, filler))
    return RuleSet(
        superclasses=_freeze(sup), superproperties=_freeze(supp), inverses=_freeze(inv),
        domains=_freeze(dom), ranges=_freeze(rng), svf_by_property=_freeze(svf_p),
        svf_by_filler=_freeze(svf_f), intersections_by_member=_freeze(ints),
        has_value_by_edge=_freeze(hv_e), has_value_by_class=_freeze(hv_c),
        avf_by_property=_freeze(avf_p), avf_by_class=_freeze(avf_c),
    )


def numeric_value(term: Node) -> int | float | Decimal | None:
    """The number of a literal that SPARQL's ``isNumeric`` accepts, else None."""
    if not isinstance(term, Literal) or term.datatype not in _NUMERIC or term.ill_typed:
        return None
    value = term.toPython()
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return value


@dataclass
class Closure:
    """The closure of one case's triples under a :class:`RuleSet`."""

    types: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    edges: set[Triple] = field(default_factory=set)
    out: dict[Node, list[tuple[Node, Node]]] = field(default_factory=lambda: defaultdict(list))
    into: dict[Node, list[tuple[Node, Node]]] = field(default_factory=lambda: defaultdict(list))

    def about(self, node: Node) -> Iterable[Triple]:
        """Every triple of the closure whose subject is ``node``."""
        for p, o in self.out.get(node, ()):
            yield (node, p, o)
        for cls in self.types.get(node, ()):
            yield (node, RDF.type, cls)


def close(triples: Iterable[Triple], rules: RuleSet) -> Closure:
    """Forward-chain the rules over ``triples`` (semi-naive: each new fact is joined once).

    The age of a person is turned into ``pal:Child`` or ``pal:Adult`` first, as
    ``queries/assessment/derive-age-class.rq`` does on the reference path.
    """
    c = Closure()
    types, edges, out, into = c.types, c.edges, c.out, c.into
    pending_types: list[tuple[Node, Node]] = []
    pending_edges: list[Triple] = []

    def add_type(node: Node, cls: Node) -> None:
        if cls not in types[node]:
            types[node].add(cls)
            pending_types.append((node, cls))

    def add_edge(t: Triple) -> None:
        if t not in edges:
            edges.add(t)
            pending_edges.append(t)

    for t in triples:
        s, p, o = t
        if p == RDF.type:
            add_type(s, o)
        else:
            add_edge(t)
            if p == PAL.ageAtTimeOfAct:
                age = numeric_value(o)
                if age is not None:
                    add_type(s, PAL.Child if age < 18 else PAL.Adult)

    superclasses = rules.superclasses
    superproperties = rules.superproperties
    while pending_types or pending_edges:
        while pending_edges:
            s, p, o = pending_edges.pop()
            literal = isinstance(o, Literal)
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
                    if p == prop and not isinstance(o, Literal):
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
        key = hashlib.sha256(
            "\n".join(sorted(" ".join(t.n3() for t in triple) for triple in schema)).encode()
        ).hexdigest()
        if key not in self._extra:
            tbox = Graph()
            tbox += self.ontology.tbox
            for triple in schema:
                tbox.add(triple)
            try:
                self._extra[key] = compile_rules(tbox)
            except Unsupported as exc:
                log.info("schema needs rules the fast path does not run (%s): owlrl", exc)
                self._extra[key] = None
        return self._extra[key]


def has_unsupported(triples: Iterable[Triple]) -> bool:
    """Whether a case's own triples need a rule the fast path does not run (``owl:sameAs``)."""
    return any(t[1] in UNSUPPORTED_PREDICATES for t in triples)


