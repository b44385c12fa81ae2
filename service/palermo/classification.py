"""Classify case graphs as trafficking, smuggling, both, neither or insufficient, and say why.

The decision rules are those of DESIGN.md ("Decision rules"), applying:

- TIP Protocol art. 3(a): trafficking needs an act, a means and a purpose of exploitation;
- TIP Protocol art. 3(b): consent is irrelevant once a means is used;
- TIP Protocol art. 3(c), 3(d): for a child (under 18) act and purpose suffice;
- SoM Protocol art. 3(a), 6(1)(c): smuggling is procuring an illegal entry or stay for a
  financial or other material benefit.

The open-world part (which classes a case belongs to) is inferred by OWL 2 RL reasoning from the
axioms of the ontology and those the input brings; the closed-world part (age to child, ruled out,
missing) is read by the SPARQL queries in ``queries/assessment/`` and decided here.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any
from typing import Literal as TypingLiteral

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from palermo import __version__, resources
from palermo.casegraph import TripleIndex, partition, schema_nodes
from palermo.fastpath import Closure, RuleCache, RuleSet, close, has_unsupported
from palermo.namespaces import CASE_BASE, ONTOLOGY_IRI, PAL
from palermo.reasoning import Ontology, default_ontology, local_name, owlrl_closure
from palermo.terms import (
    RDF_LANG_STRING,
    XSD_STRING,
    Lit,
    Term,
    Triple,
    from_rdflib,
    to_rdflib,
    triples_from_rdflib,
)

log = logging.getLogger(__name__)

Status = TypingLiteral["established", "ruled-out", "insufficient"]
Reasoner = TypingLiteral["fast", "owlrl"]

TRAFFICKING_ELEMENTS = ("act", "means", "purpose")
SMUGGLING_ELEMENTS = ("irregularMigration", "benefit")
#: The individual that ``pal:ruledOut`` names for each element.
ELEMENT_INDIVIDUALS: dict[str, URIRef] = {
    "act": PAL.ActElement,
    "means": PAL.MeansElement,
    "purpose": PAL.PurposeElement,
    "irregularMigration": PAL.IrregularMigrationElement,
    "benefit": PAL.BenefitElement,
}
_ELEMENT_WORDS = {
    "act": "an act",
    "means": "a means",
    "purpose": "a purpose of exploitation",
    "irregularMigration": "an illegal entry or stay",
    "benefit": "a financial or other material benefit",
}

TIP_3A = "TIP Protocol art. 3(a)"
TIP_3B = "TIP Protocol art. 3(b)"
TIP_3C = "TIP Protocol art. 3(c)"
TIP_3D = "TIP Protocol art. 3(d)"
SOM_3A = "SoM Protocol art. 3(a)"
SOM_6_1_C = "SoM Protocol art. 6(1)(c)"


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class TraffickingFinding:
    """The finding under the TIP Protocol."""

    status: Status
    child_rule: bool
    act: tuple[str, ...]
    means: tuple[str, ...]
    purpose: tuple[str, ...]
    missing: tuple[str, ...]
    basis: tuple[str, ...]
    #: the most specific element classes found, as IRIs (the lists above hold their local names)
    element_classes: tuple[URIRef, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "childRule": self.child_rule,
            "act": list(self.act),
            "means": list(self.means),
            "purpose": list(self.purpose),
            "missing": list(self.missing),
            "basis": list(self.basis),
        }


@dataclass(frozen=True)
class SmugglingFinding:
    """The finding under the SoM Protocol."""

    status: Status
    irregular_migration: tuple[str, ...]
    benefit: tuple[str, ...]
    missing: tuple[str, ...]
    basis: tuple[str, ...]
    element_classes: tuple[URIRef, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "missing": list(self.missing), "basis": list(self.basis)}


@dataclass(frozen=True)
class CaseAssessment:
    """The assessment of one case (DESIGN.md, "The assessment answer")."""

    case: Node
    label: TypingLiteral["both", "trafficking", "smuggling", "neither", "insufficient"]
    trafficking: TraffickingFinding
    smuggling: SmugglingFinding
    explanation: str
    ontology_version: str
    reasoner: str

    @property
    def case_id(self) -> str:
        """The case IRI, or ``_:id`` for a blank node."""
        return f"_:{self.case}" if isinstance(self.case, BNode) else str(self.case)

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "label": self.label,
            "trafficking": self.trafficking.to_json(),
            "smuggling": self.smuggling.to_json(),
            "explanation": self.explanation,
        }

    @property
    def iri(self) -> URIRef:
        """The IRI minted for this assessment, stable for a given case."""
        digest = hashlib.sha256(self.case_id.encode()).hexdigest()[:20]
        return URIRef(f"{CASE_BASE}{digest}/assessment")

    def triples(
        self, activity: str | None = None, generated_at: datetime | None = None
    ) -> list[Triple]:
        """The assessment as plain triples: a ``pal:Assessment`` with PROV-O provenance.

        With ``activity`` the assessment points at that shared ``prov:Activity`` (a bulk load
        writes :func:`activity_triples` once); otherwise it carries an activity of its own.
        """
        node = str(self.iri)
        case = from_rdflib(self.case)
        out: list[Triple] = [
            (node, _RDF_TYPE, _ASSESSMENT),
            (node, _RDF_TYPE, _PROV_ENTITY),
            (node, _ASSESSES, case),
            (node, _LABEL, Lit(self.label, XSD_STRING)),
            (node, _EXPLANATION, Lit(self.explanation, RDF_LANG_STRING, "en")),
            (node, _DERIVED_FROM, case),
        ]
        if activity is None:
            activity = f"{node}/activity"
            out += activity_triples(activity, self.ontology_version, self.reasoner, generated_at)
            out.append((activity, _USED, case))
        out.append((node, _GENERATED_BY, activity))
        for prop, finding in ((_TRAFFICKING_FINDING, self.trafficking),
                              (_SMUGGLING_FINDING, self.smuggling)):
            f = f"{node}/{local_name(prop)}"
            out.append((node, prop, f))
            out.append((f, _RDF_TYPE, _PROTOCOL_FINDING))
            out.append((f, _STATUS, str(_STATUS_INDIVIDUALS[finding.status])))
            out.extend((f, _ELEMENT_FOUND, str(cls)) for cls in finding.element_classes)
            out.extend((f, _MISSING, str(ELEMENT_INDIVIDUALS[k])) for k in finding.missing)
            out.extend((f, _BASIS, Lit(article, XSD_STRING)) for article in finding.basis)
            if finding is self.trafficking:
                flag = "true" if self.trafficking.child_rule else "false"
                out.append((f, _CHILD_RULE, Lit(flag, _XSD_BOOLEAN)))
        return out

    def to_rdf(self, generated_at: datetime | None = None) -> Graph:
        """The assessment as an rdflib graph (see :meth:`triples`)."""
        g = Graph()
        g.bind("pal", PAL)
        g.bind("prov", PROV)
        for s, p, o in self.triples(generated_at=generated_at):
            g.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
        return g


def activity_triples(
    activity: str, ontology_version: str, reasoner: str, generated_at: datetime | None = None
) -> list[Triple]:
    """The ``prov:Activity`` that generated assessments: when, with which ontology and reasoner."""
    at = (generated_at or datetime.now(UTC)).isoformat()
    return [
        (activity, _RDF_TYPE, str(PROV.Activity)),
        (activity, str(PROV.used), f"{ONTOLOGY_IRI}/{ontology_version}"),
        (activity, str(PROV.wasAssociatedWith), f"https://w3id.org/palermo/software/{__version__}"),
        (activity, str(PAL.reasoner), Lit(reasoner, XSD_STRING)),
        (activity, str(PROV.endedAtTime), Lit(at, str(XSD.dateTime))),
    ]


_ASSESSMENT = str(PAL.Assessment)
_PROV_ENTITY = str(PROV.Entity)
_ASSESSES = str(PAL.assesses)
_LABEL = str(PAL.assessmentLabel)
_EXPLANATION = str(PAL.explanation)
_DERIVED_FROM = str(PROV.wasDerivedFrom)
_GENERATED_BY = str(PROV.wasGeneratedBy)
_USED = str(PROV.used)
_TRAFFICKING_FINDING = str(PAL.traffickingFinding)
_SMUGGLING_FINDING = str(PAL.smugglingFinding)
_PROTOCOL_FINDING = str(PAL.ProtocolFinding)
_STATUS = str(PAL.status)
_ELEMENT_FOUND = str(PAL.elementFound)
_MISSING = str(PAL.missingElement)
_BASIS = str(PAL.basis)
_CHILD_RULE = str(PAL.childRuleApplied)
_XSD_BOOLEAN = str(XSD.boolean)


_STATUS_INDIVIDUALS = {
    "established": PAL.Established,
    "ruled-out": PAL.RuledOut,
    "insufficient": PAL.Insufficient,
}


@dataclass(frozen=True)
class ClassifiedCase:
    """One case: its own triples, what reasoning added about it, and its assessment."""

    case: Node
    asserted: Graph = field(repr=False)
    inferred: Graph = field(repr=False)
    assessment: CaseAssessment


def assessments_to_json(assessments: Iterable[CaseAssessment], version: str | None = None) -> dict:
    """The JSON answer of ``palermo classify`` and ``POST /classify``."""
    items = list(assessments)
    if version is None:
        version = items[0].ontology_version if items else default_ontology().version
    return {"ontologyVersion": version, "cases": [a.to_json() for a in items]}


def assessments_to_rdf(assessments: Iterable[CaseAssessment]) -> Graph:
    """All assessments as one RDF graph."""
    g = Graph()
    g.bind("pal", PAL)
    g.bind("prov", PROV)
    at = datetime.now(UTC)
    for a in assessments:
        g += a.to_rdf(at)
    return g


# ---------------------------------------------------------------------------------------------
# Decision rules


@dataclass(frozen=True)
class CaseFacts:
    """What the assessment queries read from a closed case graph."""

    classes: frozenset[URIRef]
    person_types: frozenset[URIRef]
    ruled_out: frozenset[Node]
    consent: bool | None
    #: kind -> most specific classes of the elements of that kind
    elements: Mapping[str, frozenset[URIRef]]

    def present(self, kind: str) -> bool:
        return bool(self.elements.get(kind))


def _names(classes: Iterable[URIRef]) -> tuple[str, ...]:
    return tuple(sorted({local_name(c) for c in classes}))


def _iris(facts: CaseFacts, kinds: Iterable[str]) -> tuple[URIRef, ...]:
    return tuple(sorted({c for k in kinds for c in facts.elements.get(k, ())}))


def _words(ontology: Ontology, classes: Iterable[URIRef]) -> str:
    labels = sorted({ontology.label(c) for c in classes})
    return " and ".join(labels)


def assess(case: Node, facts: CaseFacts, ontology: Ontology, reasoner: str) -> CaseAssessment:
    """Apply the decision rules of DESIGN.md to the facts of one case."""
    child = PAL.Child in facts.person_types
    adult = PAL.Adult in facts.person_types and not child

    def absent_and_ruled_out(kind: str) -> bool:
        return not facts.present(kind) and ELEMENT_INDIVIDUALS[kind] in facts.ruled_out

    # TIP Protocol art. 3(a), 3(c), 3(d).
    t_missing = tuple(
        k for k in TRAFFICKING_ELEMENTS if not facts.present(k) and not (k == "means" and child)
    )
    if PAL.TraffickingCase in facts.classes:
        t_status: Status = "established"
        t_missing = ()
    elif (
        absent_and_ruled_out("act")
        or absent_and_ruled_out("purpose")
        or (absent_and_ruled_out("means") and adult)
    ):
        t_status = "ruled-out"
    else:
        t_status = "insufficient"
    t_basis = [TIP_3A]
    if child:
        t_basis += [TIP_3C, TIP_3D]
    elif facts.consent and facts.present("means") and t_status == "established":
        t_basis.append(TIP_3B)
    trafficking = TraffickingFinding(
        status=t_status,
        child_rule=child,
        act=_names(facts.elements.get("act", ())),
        means=_names(facts.elements.get("means", ())),
        purpose=_names(facts.elements.get("purpose", ())),
        missing=t_missing,
        basis=tuple(t_basis),
        element_classes=_iris(facts, TRAFFICKING_ELEMENTS),
    )

    # SoM Protocol art. 3(a), 6(1)(c).
    s_missing = tuple(k for k in SMUGGLING_ELEMENTS if not facts.present(k))
    if PAL.SmugglingCase in facts.classes:
        s_status: Status = "established"
        s_missing = ()
    elif absent_and_ruled_out("irregularMigration") or absent_and_ruled_out("benefit"):
        s_status = "ruled-out"
    else:
        s_status = "insufficient"
    s_basis = [SOM_3A]
    if PAL.IllegalStay in facts.elements.get("irregularMigration", ()):
        s_basis.append(SOM_6_1_C)
    smuggling = SmugglingFinding(
        status=s_status,
        irregular_migration=_names(facts.elements.get("irregularMigration", ())),
        benefit=_names(facts.elements.get("benefit", ())),
        missing=s_missing,
        basis=tuple(s_basis),
        element_classes=_iris(facts, SMUGGLING_ELEMENTS),
    )

    if t_status == "established" and s_status == "established":
        label = "both"
    elif t_status == "established":
        label = "trafficking"
    elif s_status == "established":
        label = "smuggling"
    elif t_status == "ruled-out" and s_status == "ruled-out":
        label = "neither"
    else:
        label = "insufficient"

    return CaseAssessment(
        case=case,
        label=label,
        trafficking=trafficking,
        smuggling=smuggling,
        explanation=_explain(facts, trafficking, smuggling, ontology, child, adult),
        ontology_version=ontology.version,
        reasoner=reasoner,
    )


def _list_words(kinds: Iterable[str]) -> str:
    words = [_ELEMENT_WORDS[k] for k in kinds]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _explain(
    facts: CaseFacts,
    t: TraffickingFinding,
    s: SmugglingFinding,
    ontology: Ontology,
    child: bool,
    adult: bool,
) -> str:
    """One sentence per protocol, in plain words, citing the article applied."""
    el = defaultdict(frozenset, facts.elements)
    if t.status == "established":
        found = (
            f"the act ({_words(ontology, el['act'])}) and the purpose "
            f"({_words(ontology, el['purpose'])})"
        )
        if child:
            first = (
                f"Trafficking in persons is established: {found} are present and the person was "
                "a child, so no means is required and any consent is irrelevant "
                "(TIP Protocol art. 3(c), 3(d))."
            )
        else:
            first = (
                f"Trafficking in persons is established: {found} are present with the means "
                f"({_words(ontology, el['means'])}) (TIP Protocol art. 3(a))"
            )
            first += (
                ", and the person's consent is irrelevant because a means was used (art. 3(b))."
                if facts.consent
                else "."
            )
    elif t.status == "ruled-out":
        decisive = [
            k
            for k in TRAFFICKING_ELEMENTS
            if ELEMENT_INDIVIDUALS[k] in facts.ruled_out
            and not facts.present(k)
            and (k != "means" or adult)
        ]
        verb = "was" if len(decisive) == 1 else "were"
        whom = " for an adult" if "means" in decisive else ""
        first = (
            f"Trafficking in persons is ruled out: {_list_words(decisive)} {verb} examined and "
            f"found absent{whom} (TIP Protocol art. 3(a))."
        )
    else:
        needed = _list_words(t.missing)
        first = f"Trafficking in persons cannot be decided yet: {needed} "
        first += "is" if len(t.missing) == 1 else "are"
        first += " not shown"
        if "means" in t.missing and not adult:
            first += ", unless the person was a child"
        first += " (TIP Protocol art. 3(a))."

    if s.status == "established":
        migration = _words(ontology, el["irregularMigration"]).lower()
        benefit = _words(ontology, el["benefit"]).lower()
        second = (
            f"Smuggling of migrants is established: {migration} was procured for {benefit} "
            "(SoM Protocol art. 3(a))."
        )
    elif s.status == "ruled-out":
        ruled = [k for k in SMUGGLING_ELEMENTS if ELEMENT_INDIVIDUALS[k] in facts.ruled_out
                 and not facts.present(k)]
        second = (
            f"Smuggling of migrants is ruled out: {_list_words(ruled)} "
            f"{'was' if len(ruled) == 1 else 'were'} examined and found absent "
            "(SoM Protocol art. 3(a))."
        )
    else:
        second = (
            f"Smuggling of migrants cannot be decided yet: {_list_words(s.missing)} "
            f"{'is' if len(s.missing) == 1 else 'are'} not shown (SoM Protocol art. 3(a))."
        )
    return f"{first} {second}"


# ---------------------------------------------------------------------------------------------
# Reading the facts


def read_facts(
    element_rows: Iterable[tuple[Node, str, Node, URIRef]],
    fact_rows: Iterable[tuple[Node, str, Node]],
) -> dict[Node, CaseFacts]:
    """Group the rows of ``case-elements.rq`` and ``case-facts.rq`` into facts per case."""
    elements: dict[Node, dict[str, set[URIRef]]] = defaultdict(lambda: defaultdict(set))
    classes: dict[Node, set[URIRef]] = defaultdict(set)
    persons: dict[Node, set[URIRef]] = defaultdict(set)
    ruled: dict[Node, set[Node]] = defaultdict(set)
    consent: dict[Node, bool] = {}
    cases: set[Node] = set()
    for case, kind, _element, cls in element_rows:
        cases.add(case)
        elements[case][str(kind)].add(cls)
    for case, fact, value in fact_rows:
        cases.add(case)
        fact = str(fact)
        if fact == "class":
            classes[case].add(value)
        elif fact == "person":
            persons[case].add(value)
        elif fact == "ruledOut":
            ruled[case].add(value)
        elif fact == "consent" and isinstance(value, Literal):
            consent[case] = consent.get(case, False) or value.toPython() is True
    return {
        case: CaseFacts(
            classes=frozenset(classes[case]),
            person_types=frozenset(persons[case]),
            ruled_out=frozenset(ruled[case]),
            consent=consent.get(case),
            elements={k: frozenset(v) for k, v in elements[case].items()},
        )
        for case in cases
    }


_EMPTY_FACTS = CaseFacts(frozenset(), frozenset(), frozenset(), None, {})

_ELEMENT_PROPERTIES: dict[str, tuple[str, str]] = {
    str(PAL.act): ("act", str(PAL.Act)),
    str(PAL.means): ("means", str(PAL.Means)),
    str(PAL.purpose): ("purpose", str(PAL.Exploitation)),
    str(PAL.procures): ("irregularMigration", str(PAL.IrregularMigration)),
    str(PAL.benefit): ("benefit", str(PAL.MaterialBenefit)),
}
_CASE_CLASSES = frozenset(
    str(c) for c in (PAL.TraffickingCase, PAL.ChildTraffickingCase, PAL.SmugglingCase)
)
_PERSON_CLASSES = frozenset({str(PAL.Child), str(PAL.Adult)})
_AFFECTED_PERSON = str(PAL.affectedPerson)
_RULED_OUT = str(PAL.ruledOut)
_CONSENT = str(PAL.consentGiven)
_CASE = str(PAL.Case)
_RDF_TYPE = str(RDF.type)
_OWL_THING = str(OWL.Thing)
_SAME_AS = str(OWL.sameAs)


def facts_from_closure(closure: Closure, case: Term, rules: RuleSet) -> CaseFacts:
    """The facts of ``case`` read from a fast-path closure: the same facts the queries in
    ``queries/assessment/`` read on the reference path."""
    types = closure.types
    node = to_rdflib(case)
    element_rows = []
    fact_rows: list[tuple[Node, str, Node]] = [
        (node, "class", URIRef(c)) for c in types.get(case, ()) if c in _CASE_CLASSES
    ]
    for p, o in closure.out.get(case, ()):
        if p == _AFFECTED_PERSON:
            fact_rows.extend(
                (node, "person", URIRef(c)) for c in types.get(o, ()) if c in _PERSON_CLASSES
            )
        elif p == _RULED_OUT:
            fact_rows.append((node, "ruledOut", to_rdflib(o)))
        elif p == _CONSENT:
            fact_rows.append((node, "consent", to_rdflib(o)))
        elif p in _ELEMENT_PROPERTIES:
            kind, range_ = _ELEMENT_PROPERTIES[p]
            named = [c for c in types.get(o, ()) if type(c) is str and not c.startswith("_:")]
            for cls in named:
                supers = rules.supers(cls)
                if range_ not in supers:
                    continue
                if not any(
                    d != cls and cls in rules.supers(d) and d not in supers for d in named
                ):
                    element_rows.append((node, kind, o, URIRef(cls)))
    return read_facts(element_rows, fact_rows).get(node, _EMPTY_FACTS)


@dataclass(frozen=True)
class PlainResult:
    """One classified case in plain terms (:mod:`palermo.terms`), for bulk work."""

    case: Term
    asserted: list[Triple]
    inferred: list[Triple]
    assessment: CaseAssessment


class Classifier:
    """Classifies case graphs; built once (the ontology and the queries) and reused."""

    def __init__(self, ontology: Ontology | None = None) -> None:
        self.ontology = ontology or default_ontology()
        prefixes = {"pal": PAL}
        self._age_query = prepareQuery(
            resources.query_file("derive-age-class", "assessment").read_text(), initNs=prefixes
        )
        self._elements_query = prepareQuery(
            resources.query_file("case-elements", "assessment").read_text(), initNs=prefixes
        )
        self._facts_query = prepareQuery(
            resources.query_file("case-facts", "assessment").read_text(), initNs=prefixes
        )
        self._rules: RuleCache | None = None
        self.ontology_terms: set[Term] = {
            str(s) for s in self.ontology.graph.subjects() if isinstance(s, URIRef)
        }
        self._tbox_plain = set(triples_from_rdflib(self.ontology.tbox))

    # The reference path: owlrl.

    def close_graph(self, triples: Iterable[Triple]) -> Graph:
        """The triples with the ontology, the age classes and their OWL 2 RL closure (owlrl)."""
        g = Graph()
        g += self.ontology.tbox
        for s, p, o in triples:
            g.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
        for triple in list(g.query(self._age_query)):
            g.add(triple)
        return owlrl_closure(g)

    def query_facts(self, closed: Graph, case: Node | None = None) -> dict[Node, CaseFacts]:
        """Run the assessment queries on a closed graph, for one case or for all."""
        bindings = {"case": case} if case is not None else {}
        return read_facts(
            closed.query(self._elements_query, initBindings=bindings),
            closed.query(self._facts_query, initBindings=bindings),
        )

    def classify_owlrl(self, graph: Graph, *, batch: bool = False) -> list[ClassifiedCase]:
        """Classify with owlrl, the reference reasoner, one case at a time.

        With ``batch``, and only when the cases share no node but leaf IRIs, and the input has
        nothing outside the cases, the whole input is closed in one owlrl run: for such input
        OWL 2 RL entails for each case what it entails for the case alone. Tests and benchmarks
        use it to run the reference over thousands of cases; a test holds it to the
        one-case-at-a-time answers.
        """
        index = TripleIndex.of(triples_from_rdflib(graph))
        whole = self.close_graph(index.triples)
        cases = sort_cases(
            from_rdflib(c) for c in whole.subjects(RDF.type, PAL.Case) if not isinstance(c, Literal)
        )
        parts = partition(index, cases, ontology_terms=self.ontology_terms)
        batched = batch and parts.disjoint
        all_facts = self.query_facts(whole) if batched else {}
        shared = set(parts.shared)
        results = []
        for case in cases:
            node = to_rdflib(case)
            if batched:
                closed, facts = whole, all_facts.get(node, _EMPTY_FACTS)
            else:
                closed = self.close_graph([*parts.shared, *parts.cases[case]])
                facts = self.query_facts(closed, node).get(node, _EMPTY_FACTS)

            def about(n: Term, g: Graph = closed) -> Iterable[Triple]:
                return triples_from_rdflib(g.triples((to_rdflib(n), None, None)))

            own = parts.cases[case]
            inferred = self._inferred(about, own, (set(own), shared, self._tbox_plain))
            results.append(
                ClassifiedCase(
                    case=node,
                    asserted=graph_of(own),
                    inferred=graph_of(inferred),
                    assessment=assess(node, facts, self.ontology, "owlrl"),
                )
            )
        return results

    # The fast path: rules compiled from the closed ontology (palermo.fastpath).

    @property
    def rules(self) -> RuleCache:
        if self._rules is None:
            self._rules = RuleCache(self.ontology)
        return self._rules

    def classify_plain(self, triples: Iterable[Triple]) -> list[PlainResult] | None:
        """Classify plain triples with the compiled rules, one case at a time.

        Returns None when the input needs rules the fast path does not run (the caller then
        uses owlrl).
        """
        index = TripleIndex.of(triples)
        schema_of = schema_nodes(index)
        rules = self.rules.for_schema([t for t in index.triples if t[0] in schema_of])
        if rules is None or has_unsupported(index.triples):
            return None
        whole = close(index.triples, rules)
        cases = sort_cases(n for n, ts in whole.types.items() if _CASE in ts and type(n) is str)
        parts = partition(index, cases, ontology_terms=self.ontology_terms)
        # Reasoning over the whole input serves every case when the cases share nothing
        # through which a rule could run from one to another (casegraph.CasePartition).
        reuse = parts.disjoint and not _rules_cross_leaves(rules, index, parts.shared_leaves)
        shared = set(parts.shared)
        results = []
        for case in cases:
            own = parts.cases[case]
            closure = whole if reuse else close([*parts.shared, *own], rules)
            node = to_rdflib(case)
            results.append(
                PlainResult(
                    case=case,
                    asserted=own,
                    inferred=self._inferred(closure.about, own, (set(own), shared)),
                    assessment=assess(
                        node, facts_from_closure(closure, case, rules), self.ontology, "fast"
                    ),
                )
            )
        return results

    def classify_fast(self, graph: Graph) -> list[ClassifiedCase]:
        """Classify with the compiled rules; owlrl where they cannot serve."""
        results = self.classify_plain(triples_from_rdflib(graph))
        if results is None:
            return self.classify_owlrl(graph)
        return [
            ClassifiedCase(
                case=r.assessment.case,
                asserted=graph_of(r.asserted),
                inferred=graph_of(r.inferred),
                assessment=r.assessment,
            )
            for r in results
        ]

    def classify(self, graph: Graph, reasoner: Reasoner = "fast") -> list[ClassifiedCase]:
        """Assess every ``pal:Case`` in ``graph``."""
        started = time.perf_counter()
        if reasoner == "owlrl":
            results = self.classify_owlrl(graph)
        elif reasoner == "fast":
            results = self.classify_fast(graph)
        else:
            raise ValueError(f"unknown reasoner {reasoner!r}")
        log.info(
            "classified %d cases with %s in %.3f s",
            len(results),
            reasoner,
            time.perf_counter() - started,
        )
        return results

    def _inferred(
        self,
        about: Callable[[Term], Iterable[Triple]],
        own: list[Triple],
        known: Iterable[Container],
    ) -> list[Triple]:
        """The triples reasoning added about the nodes of a case: no literal subjects, no
        ``owl:Thing``, nothing about the ontology's own terms, no references to anonymous class
        expressions of the ontology."""
        terms = self.ontology_terms
        nodes = {t[0] for t in own if t[0] not in terms} | {
            o for _, p, o in own if p != _RDF_TYPE and type(o) is str and o not in terms
        }
        inferred = []
        for node in nodes:
            for t in about(node):
                s, p, o = t
                if o == _OWL_THING or (type(o) is str and o.startswith("_:") and o not in nodes):
                    continue
                if p == _SAME_AS and s == o:
                    continue
                if any(t in k for k in known):
                    continue
                inferred.append(t)
        return inferred


def _rules_cross_leaves(rules: RuleSet, index: TripleIndex, leaves: frozenset[Term]) -> bool:
    """Whether a rule could carry a fact from one case to another through a shared leaf IRI:
    an inverse property, or a someValuesFrom, allValuesFrom or hasValue restriction on a
    property that points at the leaf."""
    for leaf in leaves:
        for _, p, _ in index.into.get(leaf, ()):
            for q in rules.superproperties.get(p, (p,)):
                if (
                    rules.inverses.get(q)
                    or rules.svf_by_property.get(q)
                    or rules.avf_by_property.get(q)
                    or any(k[0] == q for k in rules.has_value_by_edge)
                ):
                    return True
    return False


def sort_cases(cases: Iterable[Term]) -> list[Term]:
    """Cases in a stable order: IRIs first, each group by its text."""
    return sorted(set(cases), key=lambda c: (c.startswith("_:"), c))


def graph_of(triples: Iterable[Triple]) -> Graph:
    """An rdflib graph of plain triples."""
    g = Graph()
    for s, p, o in triples:
        g.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    return g


@cache
def default_classifier() -> Classifier:
    """A classifier over the packaged ontology, built on first use and kept."""
    return Classifier()


def classify(graph: Graph, reasoner: Reasoner = "fast") -> list[ClassifiedCase]:
    """Assess every ``pal:Case`` in ``graph`` with the packaged ontology."""
    return default_classifier().classify(graph, reasoner)
