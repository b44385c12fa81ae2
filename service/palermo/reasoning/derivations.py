"""Derivations: which OWL 2 RL rule concluded a triple, from which premises and schema triples.

Rule names are those of `OWL 2 Profiles, section 4.3, tables 4-9
<https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules>`_
(``cax-sco``, ``prp-spo1``, ``cls-svf1``...), plus ``pal-age``: a person under 18 at the time of
the act is a ``pal:Child``, 18 or over a ``pal:Adult`` (TIP Protocol art. 3(d);
``queries/assessment/derive-age-class.rq``), a closed-world rule outside OWL.

Three parts:

- :data:`RULES` and :func:`check`: each rule as premise, schema and conclusion patterns; a step
  checks when its premises and schema triples match the patterns and give its conclusion. The
  tests replay every proof with it.
- :class:`Schema` and :meth:`Schema.expand`: the fast path applies the *closed* TBox in one step
  (``C rdfs:subClassOf D`` may be entailed through several axioms). A proof cites asserted
  axioms, so a step on an entailed schema triple is expanded into a chain of steps on asserted
  ones (``cax-sco``, ``cax-eqc1/2``, ``cls-int2``, ``cls-uni``, ``prp-spo1``, ``prp-eqp1/2``,
  ``prp-inv1/2``, and ``prp-dom``/``prp-rng`` through the hierarchies). Where no chain of
  asserted axioms exists, the step keeps the entailed schema triple, which a proof then marks as
  entailed by the schema.
- :func:`derive_from_closure`: where the fast path falls back to owlrl, the derivations are found
  after the fact: breadth first from the asserted triples, every rule applied to triples already
  derived, keeping only conclusions that are in owlrl's closure, so each triple gets a shallowest
  derivation.
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

from rdflib.namespace import OWL, RDF, RDFS

from palermo.rdf.namespaces import PAL
from palermo.rdf.terms import Lit, Term, Triple
from palermo.reasoning.fastpath import AGE_RULE, Derivation, numeric_value

TYPE = str(RDF.type)
SCO = str(RDFS.subClassOf)
SPO = str(RDFS.subPropertyOf)
EQC = str(OWL.equivalentClass)
EQP = str(OWL.equivalentProperty)
INV = str(OWL.inverseOf)
DOM = str(RDFS.domain)
RNG = str(RDFS.range)
SVF = str(OWL.someValuesFrom)
AVF = str(OWL.allValuesFrom)
HV = str(OWL.hasValue)
ONP = str(OWL.onProperty)
INT = str(OWL.intersectionOf)
UNI = str(OWL.unionOf)
SAME = str(OWL.sameAs)
THING = str(OWL.Thing)
FIRST, REST, NIL = str(RDF.first), str(RDF.rest), str(RDF.nil)
TRANSITIVE = str(OWL.TransitiveProperty)
SYMMETRIC = str(OWL.SymmetricProperty)
FUNCTIONAL = str(OWL.FunctionalProperty)
INVERSE_FUNCTIONAL = str(OWL.InverseFunctionalProperty)
AGE = str(PAL.ageAtTimeOfAct)
CHILD, ADULT = str(PAL.Child), str(PAL.Adult)

Pattern = tuple[str, str, str]


@dataclass(frozen=True)
class Rule:
    """An OWL 2 RL rule as patterns: variables start with ``?``."""

    name: str
    schema: tuple[Pattern, ...]
    premises: tuple[Pattern, ...]
    conclusion: Pattern


def _r(name: str, schema: Iterable[Pattern], premises: Iterable[Pattern], head: Pattern) -> Rule:
    return Rule(name, tuple(schema), tuple(premises), head)


#: The rules with fixed arity (tables 4-7 and 9 of OWL 2 Profiles), each name with its forms.
#: cls-int1, cls-int2, cls-uni (lists) and pal-age (a number) are checked in code.
RULES: dict[str, tuple[Rule, ...]] = defaultdict(tuple)
for _rule in (
    _r("cax-sco", [("?c1", SCO, "?c2")], [("?x", TYPE, "?c1")], ("?x", TYPE, "?c2")),
    _r("cax-eqc1", [("?c1", EQC, "?c2")], [("?x", TYPE, "?c1")], ("?x", TYPE, "?c2")),
    _r("cax-eqc2", [("?c1", EQC, "?c2")], [("?x", TYPE, "?c2")], ("?x", TYPE, "?c1")),
    _r("prp-dom", [("?p", DOM, "?c")], [("?x", "?p", "?y")], ("?x", TYPE, "?c")),
    _r("prp-rng", [("?p", RNG, "?c")], [("?x", "?p", "?y")], ("?y", TYPE, "?c")),
    _r("prp-spo1", [("?p1", SPO, "?p2")], [("?x", "?p1", "?y")], ("?x", "?p2", "?y")),
    _r("prp-eqp1", [("?p1", EQP, "?p2")], [("?x", "?p1", "?y")], ("?x", "?p2", "?y")),
    _r("prp-eqp2", [("?p1", EQP, "?p2")], [("?x", "?p2", "?y")], ("?x", "?p1", "?y")),
    _r("prp-inv1", [("?p1", INV, "?p2")], [("?x", "?p1", "?y")], ("?y", "?p2", "?x")),
    _r("prp-inv2", [("?p1", INV, "?p2")], [("?x", "?p2", "?y")], ("?y", "?p1", "?x")),
    _r("prp-symp", [("?p", TYPE, SYMMETRIC)], [("?x", "?p", "?y")], ("?y", "?p", "?x")),
    _r(
        "prp-trp",
        [("?p", TYPE, TRANSITIVE)],
        [("?x", "?p", "?y"), ("?y", "?p", "?z")],
        ("?x", "?p", "?z"),
    ),
    _r(
        "prp-fp",
        [("?p", TYPE, FUNCTIONAL)],
        [("?x", "?p", "?y1"), ("?x", "?p", "?y2")],
        ("?y1", SAME, "?y2"),
    ),
    _r(
        "prp-ifp",
        [("?p", TYPE, INVERSE_FUNCTIONAL)],
        [("?x1", "?p", "?y"), ("?x2", "?p", "?y")],
        ("?x1", SAME, "?x2"),
    ),
    _r(
        "cls-svf1",
        [("?r", SVF, "?c"), ("?r", ONP, "?p")],
        [("?u", "?p", "?v"), ("?v", TYPE, "?c")],
        ("?u", TYPE, "?r"),
    ),
    _r(
        "cls-svf2",
        [("?r", SVF, THING), ("?r", ONP, "?p")],
        [("?u", "?p", "?v")],
        ("?u", TYPE, "?r"),
    ),
    _r(
        "cls-avf",
        [("?r", AVF, "?c"), ("?r", ONP, "?p")],
        [("?u", TYPE, "?r"), ("?u", "?p", "?v")],
        ("?v", TYPE, "?c"),
    ),
    _r(
        "cls-hv1",
        [("?r", HV, "?v"), ("?r", ONP, "?p")],
        [("?u", TYPE, "?r")],
        ("?u", "?p", "?v"),
    ),
    _r(
        "cls-hv2",
        [("?r", HV, "?v"), ("?r", ONP, "?p")],
        [("?u", "?p", "?v")],
        ("?u", TYPE, "?r"),
    ),
    _r("eq-sym", [], [("?x", SAME, "?y")], ("?y", SAME, "?x")),
    _r("eq-trans", [], [("?x", SAME, "?y"), ("?y", SAME, "?z")], ("?x", SAME, "?z")),
    _r("eq-rep-s", [], [("?s", SAME, "?s2"), ("?s", "?p", "?o")], ("?s2", "?p", "?o")),
    _r("eq-rep-o", [], [("?o", SAME, "?o2"), ("?s", "?p", "?o")], ("?s", "?p", "?o2")),
    _r("scm-sco", [], [("?c1", SCO, "?c2"), ("?c2", SCO, "?c3")], ("?c1", SCO, "?c3")),
    _r("scm-eqc1", [], [("?c1", EQC, "?c2")], ("?c1", SCO, "?c2")),
    _r("scm-eqc1", [], [("?c1", EQC, "?c2")], ("?c2", SCO, "?c1")),
):
    RULES[_rule.name] += (_rule,)
LIST_RULES = ("cls-int1", "cls-int2", "cls-uni")
#: Every rule a derivation may name.
RULE_NAMES = (*RULES, *LIST_RULES, AGE_RULE)


def _bind(pattern: Pattern, triple: Triple, binding: dict[str, Term]) -> dict[str, Term] | None:
    out = dict(binding)
    for want, got in zip(pattern, triple, strict=True):
        if type(want) is str and want.startswith("?"):
            if want in out and out[want] != got:
                return None
            out[want] = got
        elif want != got:
            return None
    return out


def _bind_all(
    patterns: tuple[Pattern, ...], triples: tuple[Triple, ...], binding: dict[str, Term]
) -> list[dict[str, Term]]:
    """Every binding under which ``triples`` (in some order) are the ``patterns``."""
    if len(patterns) != len(triples):
        return []
    found = []
    for order in itertools.permutations(triples):
        b: dict[str, Term] | None = binding
        for pattern, triple in zip(patterns, order, strict=True):
            b = _bind(pattern, triple, b) if b is not None else None
        if b is not None:
            found.append(b)
    return found


def read_list(head: Term, value: Callable[[Term, str], Term | None]) -> list[Term] | None:
    """The members of an RDF list, or None where it is not a well-formed list."""
    items: list[Term] = []
    seen: set[Term] = set()
    while head != NIL:
        if head in seen:
            return None
        seen.add(head)
        first, rest = value(head, FIRST), value(head, REST)
        if first is None or rest is None:
            return None
        items.append(first)
        head = rest
    return items


def check(
    rule: str,
    conclusion: Triple,
    premises: tuple[Triple, ...],
    schema: tuple[Triple, ...],
    value: Callable[[Term, str], Term | None],
) -> bool:
    """Whether ``rule`` turns ``premises`` and ``schema`` into ``conclusion``.

    ``value(node, predicate)`` reads the RDF lists of ``owl:intersectionOf``/``owl:unionOf``.
    """
    if rule == AGE_RULE:
        if schema or len(premises) != 1:
            return False
        (s, p, o) = premises[0]
        age = numeric_value(o)
        if p != AGE or age is None:
            return False
        return conclusion == (s, TYPE, CHILD if age < 18 else ADULT)
    if rule in LIST_RULES:
        if len(schema) != 1 or conclusion[1] != TYPE:
            return False
        c, predicate, head = schema[0]
        members = read_list(head, value)
        if members is None or predicate != (INT if rule != "cls-uni" else UNI):
            return False
        x = conclusion[0]
        if rule == "cls-int1":
            return (
                conclusion[2] == c
                and bool(members)
                and sorted(map(str, premises)) == sorted(str((x, TYPE, m)) for m in set(members))
            )
        if len(premises) != 1 or premises[0][0] != x or premises[0][1] != TYPE:
            return False
        if rule == "cls-int2":
            return premises[0][2] == c and conclusion[2] in members
        return conclusion[2] == c and premises[0][2] in members
    for spec in RULES.get(rule, ()):
        start = _bind(spec.conclusion, conclusion, {})
        if start is None:
            continue
        for b in _bind_all(spec.schema, schema, start):
            for final in _bind_all(spec.premises, premises, b):
                if all(k in final for k in _vars(spec)):
                    return True
    return False


def _vars(spec: Rule) -> set[str]:
    return {
        t
        for pattern in (*spec.schema, *spec.premises, spec.conclusion)
        for t in pattern
        if t.startswith("?")
    }


# ------------------------------------------------------------------------------------------------
# Steps on asserted axioms


@dataclass(frozen=True)
class Step:
    """One rule firing in a proof: the conclusion, the rule, the premises and schema triples."""

    rule: str
    conclusion: Triple
    premises: tuple[Triple, ...]
    schema: tuple[Triple, ...]


@dataclass
class Schema:
    """The asserted schema (ontology and case-supplied axioms), indexed to turn a step on an
    entailed schema triple into a chain of steps on asserted ones."""

    triples: set[Triple]
    #: class -> (class reached, rule, schema triple)
    class_edges: dict[Term, list[tuple[Term, str, Triple]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    property_edges: dict[Term, list[tuple[Term, str, Triple]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    _values: dict[tuple[Term, str], Term] = field(default_factory=dict)
    #: shortest paths and subclass steps found so far (the schema does not change)
    _paths: dict[tuple[bool, Term, Term], list[tuple[Term, str, Triple]] | None] = field(
        default_factory=dict, repr=False
    )
    _subclass_steps: dict[tuple[Term, Term], tuple[Triple, list[Step]] | None] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def of(cls, triples: Iterable[Triple]) -> Schema:
        schema = cls(triples=set(triples))
        ce, pe = schema.class_edges, schema.property_edges
        for s, p, o in schema.triples:
            schema._values.setdefault((s, str(p)), o)
        for t in schema.triples:
            s, p, o = t
            if p == SCO:
                ce[s].append((o, "cax-sco", t))
            elif p == EQC:
                ce[s].append((o, "cax-eqc1", t))
                ce[o].append((s, "cax-eqc2", t))
            elif p == SPO:
                pe[s].append((o, "prp-spo1", t))
            elif p == EQP:
                pe[s].append((o, "prp-eqp1", t))
                pe[o].append((s, "prp-eqp2", t))
            elif p in (INT, UNI):
                members = read_list(o, schema.value) or []
                for m in members:
                    if p == INT:
                        ce[s].append((m, "cls-int2", t))
                    else:
                        ce[m].append((s, "cls-uni", t))
        return schema

    def value(self, node: Term, predicate: str) -> Term | None:
        return self._values.get((node, predicate))

    @staticmethod
    def _path(
        edges: Mapping[Term, list[tuple[Term, str, Triple]]], start: Term, goal: Term
    ) -> list[tuple[Term, str, Triple]] | None:
        """The shortest chain of edges from ``start`` to ``goal`` (breadth first)."""
        if start == goal:
            return []
        back: dict[Term, tuple[Term, str, Triple]] = {}
        queue = deque([start])
        seen = {start}
        while queue:
            node = queue.popleft()
            for nxt, rule, axiom in edges.get(node, ()):
                if nxt in seen:
                    continue
                seen.add(nxt)
                back[nxt] = (node, rule, axiom)
                if nxt == goal:
                    path = []
                    while nxt != start:
                        prev, r, a = back[nxt]
                        path.append((nxt, r, a))
                        nxt = prev
                    return path[::-1]
                queue.append(nxt)
        return None

    def _reach(self, edges, start: Term) -> dict[Term, int]:
        dist = {start: 0}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for nxt, _, _ in edges.get(node, ()):
                if nxt not in dist:
                    dist[nxt] = dist[node] + 1
                    queue.append(nxt)
        return dist

    def _class_path(self, start: Term, goal: Term) -> list[tuple[Term, str, Triple]] | None:
        key = (True, start, goal)
        if key not in self._paths:
            self._paths[key] = self._path(self.class_edges, start, goal)
        return self._paths[key]

    def _property_path(self, start: Term, goal: Term) -> list[tuple[Term, str, Triple]] | None:
        key = (False, start, goal)
        if key not in self._paths:
            self._paths[key] = self._path(self.property_edges, start, goal)
        return self._paths[key]

    def subclass_steps(self, cls: Term, goal: Term) -> tuple[Triple, list[Step]] | None:
        """``cls rdfs:subClassOf goal`` from asserted axioms: the schema steps (scm-sco over
        rdfs:subClassOf, scm-eqc1 for an equivalence) that give it, or None."""
        key = (cls, goal)
        if key not in self._subclass_steps:
            self._subclass_steps[key] = self._subclass_steps_of(cls, goal)
        return self._subclass_steps[key]

    def _subclass_steps_of(self, cls: Term, goal: Term) -> tuple[Triple, list[Step]] | None:
        path = self._class_path(cls, goal)
        if not path:
            return None
        steps: list[Step] = []
        links: list[Triple] = []
        prev = cls
        for nxt, rule, axiom in path:
            link: Triple = (prev, SCO, nxt)
            if rule == "cax-sco":
                pass
            elif rule in ("cax-eqc1", "cax-eqc2"):
                steps.append(Step("scm-eqc1", link, (axiom,), ()))
            else:
                return None
            links.append(link)
            prev = nxt
        done: Triple = links[0]
        for link in links[1:]:
            joined: Triple = (cls, SCO, link[2])
            steps.append(Step("scm-sco", joined, (done, link), ()))
            done = joined
        return done, steps

    def _class_chain(self, x: Term, start_premise: Triple, goal: Term) -> list[Step] | None:
        path = self._class_path(start_premise[2], goal)
        if path is None:
            return None
        steps, premise = [], start_premise
        for cls, rule, axiom in path:
            conclusion = (x, TYPE, cls)
            steps.append(Step(rule, conclusion, (premise,), (axiom,)))
            premise = conclusion
        return steps

    def _property_chain(self, premise: Triple, goal: Term) -> list[Step] | None:
        path = self._property_path(premise[1], goal)
        if path is None:
            return None
        steps = []
        for prop, rule, axiom in path:
            conclusion = (premise[0], prop, premise[2])
            steps.append(Step(rule, conclusion, (premise,), (axiom,)))
            premise = conclusion
        return steps

    def expand(self, conclusion: Triple, derivation: Derivation) -> list[Step]:
        """The steps, on asserted schema triples where a chain of them exists, that give
        ``conclusion`` from the premises of ``derivation``; the last step concludes it."""
        rule, premises, schema = derivation
        if rule == "cls-int1" or all(map(self.triples.__contains__, schema)):
            return [Step(rule, conclusion, premises, schema)]
        if rule == "cax-sco":
            steps = self._class_chain(conclusion[0], premises[0], conclusion[2])
        elif rule == "prp-spo1":
            steps = self._property_chain(premises[0], conclusion[1])
        elif rule in ("prp-inv1", "prp-inv2"):
            p, _, q = schema[0]
            swapped = (q, INV, p)
            steps = None
            if swapped in self.triples:
                other = "prp-inv2" if rule == "prp-inv1" else "prp-inv1"
                steps = [Step(other, conclusion, premises, (swapped,))]
        elif rule in ("prp-dom", "prp-rng"):
            steps = self._typing_chain(rule, conclusion, premises[0])
        else:
            steps = None
        return steps or [Step(rule, conclusion, premises, schema)]

    def _typing_chain(self, rule: str, conclusion: Triple, premise: Triple) -> list[Step] | None:
        """``prp-dom``/``prp-rng`` on an entailed axiom: up the property hierarchy to a property
        with an asserted domain (range), that typing, then up the class hierarchy."""
        axiom_predicate = DOM if rule == "prp-dom" else RNG
        goal = conclusion[2]
        best: tuple[int, list[Step]] | None = None
        props = self._reach(self.property_edges, premise[1])
        for prop, hops in props.items():
            for s, p, cls in self.triples_about(prop, axiom_predicate):
                up = self._property_chain(premise, prop)
                if up is None:
                    continue
                moved = up[-1].conclusion if up else premise
                node = moved[0] if rule == "prp-dom" else moved[2]
                typed = (node, TYPE, cls)
                chain = self._class_chain(node, typed, goal)
                if chain is None:
                    continue
                steps = [*up, Step(rule, typed, (moved,), ((s, p, cls),)), *chain]
                if best is None or len(steps) < best[0]:
                    best = (len(steps), steps)
                del hops
        return best[1] if best else None

    def triples_about(self, subject: Term, predicate: str) -> list[Triple]:
        if not hasattr(self, "_by_sp"):
            by: dict[tuple[Term, str], list[Triple]] = defaultdict(list)
            for t in self.triples:
                by[(t[0], t[1])].append(t)  # type: ignore[index]
            self._by_sp = by
        return self._by_sp.get((subject, predicate), [])


# ------------------------------------------------------------------------------------------------
# After the fact: derivations from owlrl's closure


def derive_from_closure(
    closure: Collection[Triple],
    asserted: Iterable[Triple],
    schema: Collection[Triple],
) -> dict[Triple, Derivation]:
    """One shallowest derivation for each triple of ``closure`` that rules make from the
    ``asserted`` triples, with the (closed) ``schema``: breadth first, every conclusion kept
    only when it is in ``closure``.

    ``closure`` is the reference reasoner's output (owlrl, with the age classes of
    ``derive-age-class.rq``); ``schema`` its TBox part. The equality rules, transitive,
    symmetric, functional and inverse-functional properties are applied here as well, since
    these are what send a case to owlrl.
    """
    in_closure = closure if isinstance(closure, set | frozenset) else set(closure)
    by_p: dict[str, list[tuple[Term, Term]]] = defaultdict(list)
    value: dict[tuple[Term, str], Term] = {}
    for s, p, o in schema:
        by_p[str(p)].append((s, o))
        value.setdefault((s, str(p)), o)

    def index(pred: str) -> dict[Term, list[Term]]:
        d: dict[Term, list[Term]] = defaultdict(list)
        for s, o in by_p.get(pred, ()):
            d[s].append(o)
        return d

    sco, eqc, spo, eqp = index(SCO), index(EQC), index(SPO), index(EQP)
    eqc_back: dict[Term, list[Term]] = defaultdict(list)
    for c1, c2 in by_p.get(EQC, ()):
        eqc_back[c2].append(c1)
    eqp_back: dict[Term, list[Term]] = defaultdict(list)
    for p1, p2 in by_p.get(EQP, ()):
        eqp_back[p2].append(p1)
    inv, inv_back = index(INV), defaultdict(list)
    for p1, p2 in by_p.get(INV, ()):
        inv_back[p2].append(p1)
    dom, rng = index(DOM), index(RNG)
    on_property = dict(by_p.get(ONP, ()))
    kinds = index(TYPE)
    svf_by_p: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
    svf_by_c: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
    for r, c in by_p.get(SVF, ()):
        if r in on_property:
            svf_by_p[on_property[r]].append((r, c))
            svf_by_c[c].append((r, on_property[r]))
    hv_by_edge: dict[tuple[Term, Term], list[Term]] = defaultdict(list)
    hv_by_class: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
    for r, v in by_p.get(HV, ()):
        if r in on_property:
            hv_by_edge[(on_property[r], v)].append(r)
            hv_by_class[r].append((on_property[r], v))
    avf_by_p: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
    avf_by_class: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
    for r, c in by_p.get(AVF, ()):
        if r in on_property:
            avf_by_p[on_property[r]].append((r, c))
            avf_by_class[r].append((on_property[r], c))
    lists: dict[Term, list[Term]] = {}
    ints_by_member: dict[Term, list[Term]] = defaultdict(list)
    unions_by_member: dict[Term, list[Term]] = defaultdict(list)
    for pred, by_member in ((INT, ints_by_member), (UNI, unions_by_member)):
        for c, head in by_p.get(pred, ()):
            members = read_list(head, lambda n, q: value.get((n, q))) or []
            lists[c] = members
            for m in members:
                by_member[m].append(c)

    known: set[Triple] = set()
    out: dict[Term, list[Triple]] = defaultdict(list)
    into: dict[Term, list[Triple]] = defaultdict(list)
    types: dict[Term, set[Term]] = defaultdict(set)
    derivations: dict[Triple, Derivation] = {}

    def learn(t: Triple) -> None:
        known.add(t)
        out[t[0]].append(t)
        if type(t[2]) is not Lit:
            into[t[2]].append(t)
        if t[1] == TYPE:
            types[t[0]].add(t[2])

    for t in asserted:
        learn(t)
    frontier = list(known)
    while frontier:
        found: dict[Triple, Derivation] = {}

        def emit(
            t: Triple,
            rule: str,
            premises: tuple[Triple, ...],
            used: tuple[Triple, ...],
            found: dict[Triple, Derivation] = found,
        ) -> None:
            if t not in known and t not in found and t in in_closure:
                found[t] = (rule, premises, used)

        for t in frontier:
            s, p, o = t
            if p == TYPE:
                c = o
                for d in sco.get(c, ()):
                    emit((s, TYPE, d), "cax-sco", (t,), ((c, SCO, d),))
                for d in eqc.get(c, ()):
                    emit((s, TYPE, d), "cax-eqc1", (t,), ((c, EQC, d),))
                for d in eqc_back.get(c, ()):
                    emit((s, TYPE, d), "cax-eqc2", (t,), ((d, EQC, c),))
                for i in ints_by_member.get(c, ()):
                    if all(m in types[s] for m in lists[i]):
                        head = value[(i, INT)]
                        prem = tuple((s, TYPE, m) for m in sorted(set(lists[i]), key=str))
                        emit((s, TYPE, i), "cls-int1", prem, ((i, INT, head),))
                for m in lists.get(c, ()) if (c, INT) in value else ():
                    emit((s, TYPE, m), "cls-int2", (t,), ((c, INT, value[(c, INT)]),))
                for u in unions_by_member.get(c, ()):
                    emit((s, TYPE, u), "cls-uni", (t,), ((u, UNI, value[(u, UNI)]),))
                for r, prop in svf_by_c.get(c, ()):
                    for edge in into.get(s, ()):
                        if edge[1] == prop:
                            emit(
                                (edge[0], TYPE, r),
                                "cls-svf1",
                                (edge, t),
                                ((r, SVF, c), (r, ONP, prop)),
                            )
                for prop, v in hv_by_class.get(c, ()):
                    emit((s, prop, v), "cls-hv1", (t,), ((c, HV, v), (c, ONP, prop)))
                for prop, filler in avf_by_class.get(c, ()):
                    for edge in out.get(s, ()):
                        if edge[1] == prop and type(edge[2]) is not Lit:
                            emit(
                                (edge[2], TYPE, filler),
                                "cls-avf",
                                (t, edge),
                                ((c, AVF, filler), (c, ONP, prop)),
                            )
            else:
                literal = type(o) is Lit
                if p == AGE:
                    age = numeric_value(o)
                    if age is not None:
                        emit((s, TYPE, CHILD if age < 18 else ADULT), AGE_RULE, (t,), ())
                for c in dom.get(p, ()):
                    emit((s, TYPE, c), "prp-dom", (t,), ((p, DOM, c),))
                for q in spo.get(p, ()):
                    emit((s, q, o), "prp-spo1", (t,), ((p, SPO, q),))
                for q in eqp.get(p, ()):
                    emit((s, q, o), "prp-eqp1", (t,), ((p, EQP, q),))
                for q in eqp_back.get(p, ()):
                    emit((s, q, o), "prp-eqp2", (t,), ((q, EQP, p),))
                for r, c in svf_by_p.get(p, ()):
                    if c == THING:
                        emit((s, TYPE, r), "cls-svf2", (t,), ((r, SVF, c), (r, ONP, p)))
                    elif not literal and c in types[o]:
                        emit(
                            (s, TYPE, r),
                            "cls-svf1",
                            (t, (o, TYPE, c)),
                            ((r, SVF, c), (r, ONP, p)),
                        )
                for r in hv_by_edge.get((p, o), ()):
                    emit((s, TYPE, r), "cls-hv2", (t,), ((r, HV, o), (r, ONP, p)))
                kind = kinds.get(p, ())
                if FUNCTIONAL in kind:
                    for edge in out.get(s, ()):
                        if edge[1] == p and edge[2] != o:
                            emit((o, SAME, edge[2]), "prp-fp", (t, edge), ((p, TYPE, FUNCTIONAL),))
                            emit((edge[2], SAME, o), "prp-fp", (edge, t), ((p, TYPE, FUNCTIONAL),))
                if not literal:
                    for c in rng.get(p, ()):
                        emit((o, TYPE, c), "prp-rng", (t,), ((p, RNG, c),))
                    for q in inv.get(p, ()):
                        emit((o, q, s), "prp-inv1", (t,), ((p, INV, q),))
                    for q in inv_back.get(p, ()):
                        emit((o, q, s), "prp-inv2", (t,), ((q, INV, p),))
                    for r, c in avf_by_p.get(p, ()):
                        if r in types[s]:
                            emit(
                                (o, TYPE, c),
                                "cls-avf",
                                ((s, TYPE, r), t),
                                ((r, AVF, c), (r, ONP, p)),
                            )
                    if SYMMETRIC in kind:
                        emit((o, p, s), "prp-symp", (t,), ((p, TYPE, SYMMETRIC),))
                    if TRANSITIVE in kind:
                        axiom = ((p, TYPE, TRANSITIVE),)
                        for edge in out.get(o, ()):
                            if edge[1] == p:
                                emit((s, p, edge[2]), "prp-trp", (t, edge), axiom)
                        for edge in into.get(s, ()):
                            if edge[1] == p:
                                emit((edge[0], p, o), "prp-trp", (edge, t), axiom)
                    if INVERSE_FUNCTIONAL in kind:
                        axiom = ((p, TYPE, INVERSE_FUNCTIONAL),)
                        for edge in into.get(o, ()):
                            if edge[1] == p and edge[0] != s:
                                emit((s, SAME, edge[0]), "prp-ifp", (t, edge), axiom)
                if p == SAME:
                    emit((o, SAME, s), "eq-sym", (t,), ())
                    for edge in out.get(o, ()):
                        if edge[1] == SAME:
                            emit((s, SAME, edge[2]), "eq-trans", (t, edge), ())
                    for edge in out.get(s, ()):
                        emit((o, edge[1], edge[2]), "eq-rep-s", (t, edge), ())
                    for edge in into.get(s, ()):
                        emit((edge[0], edge[1], o), "eq-rep-o", (t, edge), ())
            # Any triple about a node with a sameAs: the replacement rules from its side.
            for edge in out.get(s, ()):
                if edge[1] == SAME:
                    emit((edge[2], p, o), "eq-rep-s", (edge, t), ())
            if type(o) is not Lit:
                for edge in out.get(o, ()):
                    if edge[1] == SAME:
                        emit((s, p, edge[2]), "eq-rep-o", (edge, t), ())
        for t, why in found.items():
            learn(t)
            derivations[t] = why
        frontier = list(found)
    return derivations
