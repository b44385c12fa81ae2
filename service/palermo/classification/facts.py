"""The facts of a case that the decision rules read, from a closed case graph.

On the reference path the SPARQL queries in ``queries/assessment/`` read them from owlrl's
closure; on the fast path :func:`facts_from_closure` reads the same facts from the compiled rules'
closure. Both end in :func:`read_facts`, so the two paths hand the rules the same facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from rdflib import Literal, URIRef
from rdflib.term import Node

from palermo.rdf.namespaces import PAL
from palermo.rdf.terms import Term, to_rdflib
from palermo.reasoning.fastpath import Closure, RuleSet


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


def read_facts(element_rows: Iterable[Any], fact_rows: Iterable[Any]) -> dict[Node, CaseFacts]:
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
            classes[case].add(cast(URIRef, value))
        elif fact == "person":
            persons[case].add(cast(URIRef, value))
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


EMPTY_FACTS = CaseFacts(frozenset(), frozenset(), frozenset(), None, {})

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


def facts_from_closure(closure: Closure, case: Term, rules: RuleSet) -> CaseFacts:
    """The facts of ``case`` read from a fast-path closure: the same facts the queries in
    ``queries/assessment/`` read on the reference path."""
    types = closure.types
    node = to_rdflib(case)
    element_rows: list[tuple[Node, str, Node, URIRef]] = []
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
                if not any(d != cls and cls in rules.supers(d) and d not in supers for d in named):
                    element_rows.append((node, kind, to_rdflib(o), URIRef(cls)))
    return read_facts(element_rows, fact_rows).get(node, EMPTY_FACTS)
