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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import cast

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
    #: intersection class -> the head of its ``owl:intersectionOf`` list (for derivations)
    lists: dict[Term, Term] = field(default_factory=dict)

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
    lists: dict[Term, Term] = {}
    for i, head in closed.subject_objects(OWL.intersectionOf):
        lists[i] = head
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
        lists=lists,
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


#: One recorded derivation: the OWL 2 RL rule (its name in OWL 2 Profiles, tables 4-9), the
#: premise triples of the data and the schema triples used (from the closed TBox; see
#: :mod:`palermo.reasoning.derivations`, which also names the age rule).
Derivation = tuple[str, tuple[Triple, ...], tuple[Triple, ...]]

AGE_RULE = "pal-age"
SUB_CLASS_OF = str(RDFS.subClassOf)
SUB_PROPERTY_OF = str(RDFS.subPropertyOf)
INVERSE_OF = str(OWL.inverseOf)
DOMAIN = str(RDFS.domain)
RANGE = str(RDFS.range)
SOME_VALUES_FROM = str(OWL.someValuesFrom)
ALL_VALUES_FROM = str(OWL.allValuesFrom)
HAS_VALUE = str(OWL.hasValue)
ON_PROPERTY = str(OWL.onProperty)
INTERSECTION_OF = str(OWL.intersectionOf)

#: What :func:`close` keeps per derived triple: (depth, rule, premise[, premise]); for
#: ``cls-int1`` (depth, rule, the members of the intersection). The schema triples follow from
#: the rule, the conclusion and the premises, so they are only built when a proof reads them.
_Record = tuple


class Derivations(Mapping[Triple, Derivation]):
    """The derivations :func:`close` recorded, read as :data:`Derivation` triples.

    Recording stays cheap by keeping one small tuple per derived triple (:data:`_Record`) and
    no schema triples: each rule's schema triples are a function of its conclusion and
    premises (``cax-sco`` from ``?x a ?c1`` to ``?x a ?c2`` used ``?c1 rdfs:subClassOf ?c2``),
    so :meth:`__getitem__` builds them for the few triples a proof reads.
    """

    __slots__ = ("_lists", "records")

    def __init__(self, lists: Mapping[Term, Term] | None = None) -> None:
        self._lists = lists or {}
        #: derived triple -> record (one dict of tuples: after a collection the garbage
        #: collector no longer tracks them, so a large closure costs it little)
        self.records: dict[Triple, _Record] = {}

    def _record(self, t: Triple) -> _Record | None:
        return self.records.get(t)

    def __contains__(self, t: object) -> bool:
        return type(t) is tuple and len(t) == 3 and self._record(cast(Triple, t)) is not None

    def __getitem__(self, t: Triple) -> Derivation:
        found = self._record(t)
        if found is None:
            raise KeyError(t)
        return _derivation(t, found, self._lists)

    def get(self, t: Triple, default: Derivation | None = None) -> Derivation | None:  # type: ignore[override]
        found = self._record(t)
        return default if found is None else _derivation(t, found, self._lists)

    def __iter__(self) -> Iterator[Triple]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def depth(self, t: Triple) -> int:
        """The depth of ``t`` when recorded: 0 for an asserted triple."""
        found = self._record(t)
        return found[0] if found is not None else 0


def _derivation(t: Triple, found: _Record, lists: Mapping[Term, Term]) -> Derivation:
    """A :data:`_Record` as a :data:`Derivation`, its schema triples rebuilt from the rule."""
    rule = found[1]
    if rule == "cls-int1":
        node, i = t[0], t[2]
        members = sorted(found[2], key=str)
        return (
            rule,
            tuple((node, RDF_TYPE, m) for m in members),
            ((i, INTERSECTION_OF, lists.get(i, "")),),
        )
    premises = found[2:]
    first = premises[0]
    schema: tuple[Triple, ...]
    if rule == "cax-sco":
        schema = ((first[2], SUB_CLASS_OF, t[2]),)
    elif rule == "prp-spo1":
        schema = ((first[1], SUB_PROPERTY_OF, t[1]),)
    elif rule == "prp-inv1":
        schema = ((first[1], INVERSE_OF, t[1]),)
    elif rule == "prp-rng":
        schema = ((first[1], RANGE, t[2]),)
    elif rule == "prp-dom":
        schema = ((first[1], DOMAIN, t[2]),)
    elif rule == "cls-svf2":
        schema = ((t[2], SOME_VALUES_FROM, OWL_THING), (t[2], ON_PROPERTY, first[1]))
    elif rule == "cls-svf1":  # (u p v), (v a c) => u a r
        schema = ((t[2], SOME_VALUES_FROM, premises[1][2]), (t[2], ON_PROPERTY, first[1]))
    elif rule == "cls-hv2":  # (u p v) => u a r
        schema = ((t[2], HAS_VALUE, first[2]), (t[2], ON_PROPERTY, first[1]))
    elif rule == "cls-hv1":  # (u a r) => u p v
        schema = ((first[2], HAS_VALUE, t[2]), (first[2], ON_PROPERTY, t[1]))
    elif rule == "cls-avf":  # (u a r), (u p v) => v a c
        schema = ((first[2], ALL_VALUES_FROM, t[2]), (first[2], ON_PROPERTY, premises[1][1]))
    else:  # pal-age
        schema = ()
    return (rule, premises, schema)


@dataclass
class Closure:
    """The closure of one case's triples under a :class:`RuleSet`."""

    types: dict[Term, set[Term]] = field(default_factory=lambda: defaultdict(set))
    edges: set[Triple] = field(default_factory=set)
    out: dict[Term, list[tuple[Term, Term]]] = field(default_factory=lambda: defaultdict(list))
    into: dict[Term, list[tuple[Term, Term]]] = field(default_factory=lambda: defaultdict(list))
    #: with ``record``: one derivation per derived triple, the shallowest the pass met
    derivations: Derivations = field(default_factory=Derivations)

    def about(self, node: Term) -> Iterable[Triple]:
        """Every triple of the closure whose subject is ``node``."""
        for p, o in self.out.get(node, ()):
            yield (node, p, o)
        for cls in self.types.get(node, ()):
            yield (node, RDF_TYPE, cls)

    def edges_from(self, node: Term) -> list[tuple[Term, Term]]:
        """The (property, object) pairs of the closure about ``node``."""
        return self.out.get(node, [])

    def holds(self, triple: Triple) -> bool:
        """Whether ``triple`` is in the closure."""
        s, p, o = triple
        if p == RDF_TYPE:
            return o in self.types.get(s, ())
        return triple in self.edges


def close(triples: Iterable[Triple], rules: RuleSet, *, record: bool = False) -> Closure:
    """Forward-chain the rules over ``triples`` (semi-naive: each new fact is joined once).

    The age of a person is turned into ``pal:Child`` or ``pal:Adult`` first, as
    ``queries/assessment/derive-age-class.rq`` does on the reference path.

    With ``record`` every derived triple keeps one :data:`Derivation` (rule, premises, schema):
    the first found, replaced by a later one only when that one is shallower. Depths only fall
    and a premise is always shallower than its conclusion, so the derivations never form a
    cycle. A firing that is kept costs one small tuple (:class:`Derivations`); off, recording
    costs one test per rule firing.
    """
    c = Closure(derivations=Derivations(rules.lists))
    types, edges, out, into = c.types, c.edges, c.out, c.into
    records = c.derivations.records
    pending_types: list[tuple[Term, Term]] = []
    pending_edges: list[Triple] = []

    def add_type(node: Term, cls: Term) -> None:
        node_types = types[node]
        if cls not in node_types:
            node_types.add(cls)
            pending_types.append((node, cls))

    def add_edge(t: Triple) -> None:
        if t not in edges:
            edges.add(t)
            pending_edges.append(t)

    def derive_type(node: Term, cls: Term, why: _Record) -> None:
        """``node a cls`` by the rule of ``why``, whose depth is ``why[0]``."""
        node_types = types[node]
        key = (node, RDF_TYPE, cls)
        if cls not in node_types:
            node_types.add(cls)
            pending_types.append((node, cls))
        else:
            old = records.get(key)
            if old is None or why[0] >= old[0]:
                return
        records[key] = why

    def derive_edge(t: Triple, why: _Record) -> None:
        """``t`` by the rule of ``why``, whose depth is ``why[0]``."""
        if t not in edges:
            edges.add(t)
            pending_edges.append(t)
        else:
            old = records.get(t)
            if old is None or why[0] >= old[0]:
                return
        records[t] = why

    def type_depth(node: Term, cls: Term) -> int:
        found = records.get((node, RDF_TYPE, cls))
        return found[0] if found is not None else 0

    def edge_depth(t: Triple) -> int:
        found = records.get(t)
        return found[0] if found is not None else 0

    ages: list[tuple[Term, Lit, int | float | Decimal]] = []
    for t in triples:
        s, p, o = t
        if p == RDF_TYPE:
            add_type(s, o)
        else:
            add_edge(t)
            if p == AGE:
                age = numeric_value(o)
                if age is not None:
                    ages.append((s, cast(Lit, o), age))
    for s, o, age in ages:  # after the asserted types: an asserted pal:Child is not derived
        age_class = CHILD if age < 18 else ADULT
        if record:
            stated: Triple = (s, AGE, o)
            derive_type(s, age_class, (edge_depth(stated) + 1, AGE_RULE, stated))
        else:
            add_type(s, age_class)

    # With ``record``, each firing is kept as a record (depth, rule, premises): one tuple per
    # rule and premise, shared by the conclusions it gives (a class's superclasses, a
    # property's ranges), built only where the rule has something to conclude. A premise's
    # depth cannot change while its conclusions are drawn: each is deeper than the premise.
    superclasses = rules.superclasses
    superproperties = rules.superproperties
    while pending_types or pending_edges:
        while pending_edges:
            t = pending_edges.pop()
            s, p, o = t
            literal = type(o) is Lit
            out[s].append((p, o))
            if not literal:
                into[o].append((s, p))
            d = edge_depth(t) + 1 if record else 0
            supers = superproperties.get(p)
            if supers:
                why = (d, "prp-spo1", t) if record else None
                for q in supers:
                    if q != p:
                        if why is not None:
                            derive_edge((s, q, o), why)
                        else:
                            add_edge((s, q, o))
            if not literal:
                inverses = rules.inverses.get(p)
                if inverses:
                    why = (d, "prp-inv1", t) if record else None
                    for q in inverses:
                        if why is not None:
                            derive_edge((o, q, s), why)
                        else:
                            add_edge((o, q, s))
                ranges = rules.ranges.get(p)
                if ranges:
                    why = (d, "prp-rng", t) if record else None
                    for cls in ranges:
                        if why is not None:
                            derive_type(o, cls, why)
                        else:
                            add_type(o, cls)
            domains = rules.domains.get(p)
            if domains:
                why = (d, "prp-dom", t) if record else None
                for cls in domains:
                    if why is not None:
                        derive_type(s, cls, why)
                    else:
                        add_type(s, cls)
            for r, filler in rules.svf_by_property.get(p, ()):
                if filler is None:
                    if record:
                        derive_type(s, r, (d, "cls-svf2", t))
                    else:
                        add_type(s, r)
                elif not literal and filler in types.get(o, ()):
                    if record:
                        d2 = 1 + max(d - 1, type_depth(o, filler))
                        derive_type(s, r, (d2, "cls-svf1", t, (o, RDF_TYPE, filler)))
                    else:
                        add_type(s, r)
            restrictions = rules.has_value_by_edge.get((p, o))
            if restrictions:
                why = (d, "cls-hv2", t) if record else None
                for r in restrictions:
                    if why is not None:
                        derive_type(s, r, why)
                    else:
                        add_type(s, r)
            if not literal:
                for r, filler in rules.avf_by_property.get(p, ()):
                    if r in types.get(s, ()):
                        if record:
                            d2 = 1 + max(type_depth(s, r), d - 1)
                            derive_type(o, filler, (d2, "cls-avf", (s, RDF_TYPE, r), t))
                        else:
                            add_type(o, filler)
        while pending_types:
            node, cls = pending_types.pop()
            if record:
                premise = (node, RDF_TYPE, cls)
                d = type_depth(node, cls) + 1
            sups = superclasses.get(cls)
            if sups:
                why = (d, "cax-sco", premise) if record else None
                for sup in sups:
                    if sup != cls:
                        if why is not None:
                            derive_type(node, sup, why)
                        else:
                            add_type(node, sup)
            for r, prop in rules.svf_by_filler.get(cls, ()):
                for s, p in into.get(node, ()):
                    if p == prop:
                        if record:
                            edge = (s, p, node)
                            d2 = 1 + max(edge_depth(edge), d - 1)
                            derive_type(s, r, (d2, "cls-svf1", edge, premise))
                        else:
                            add_type(s, r)
            node_types = types[node]
            for i, members in rules.intersections_by_member.get(cls, ()):
                if i not in node_types and members <= node_types:
                    if record:
                        d2 = 1 + max([type_depth(node, m) for m in members], default=0)
                        derive_type(node, i, (d2, "cls-int1", members))
                    else:
                        add_type(node, i)
            values = rules.has_value_by_class.get(cls)
            if values:
                why = (d, "cls-hv1", premise) if record else None
                for prop, value in values:
                    if why is not None:
                        derive_edge((node, prop, value), why)
                    else:
                        add_edge((node, prop, value))
            for prop, filler in rules.avf_by_class.get(cls, ()):
                for p, o in out.get(node, ()):
                    if p == prop and type(o) is not Lit:
                        if record:
                            d2 = 1 + max(d - 1, edge_depth((node, p, o)))
                            derive_type(o, filler, (d2, "cls-avf", premise, (node, p, o)))
                        else:
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
