"""The decision rules of DESIGN.md ("Decision rules"), as pure functions of the facts of one case.

This is the part to read against the law:

- TIP Protocol art. 3(a): trafficking needs an act, a means and a purpose of exploitation;
- TIP Protocol art. 3(b): consent is irrelevant once a means is used;
- TIP Protocol art. 3(c), 3(d): for a child (under 18) act and purpose suffice;
- SoM Protocol art. 3(a), 6(1)(c): smuggling is procuring an illegal entry or stay for a
  financial or other material benefit.

Which classes a case belongs to (``pal:TraffickingCase``, ``pal:SmugglingCase``) is inferred by
OWL 2 RL reasoning before these rules run; what is closed-world (child by age, ruled out,
missing) is read into :class:`~palermo.classification.facts.CaseFacts` and decided here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import URIRef
from rdflib.term import Node

from palermo.classification.facts import CaseFacts
from palermo.classification.results import (
    ELEMENT_INDIVIDUALS,
    SMUGGLING_ELEMENTS,
    TRAFFICKING_ELEMENTS,
    CaseAssessment,
    Label,
    SmugglingFinding,
    Status,
    TraffickingFinding,
)
from palermo.rdf.namespaces import PAL
from palermo.rdf.terms import local_name
from palermo.reasoning.ontology import Ontology

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

    label: Label
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
        ruled = [
            k
            for k in SMUGGLING_ELEMENTS
            if ELEMENT_INDIVIDUALS[k] in facts.ruled_out and not facts.present(k)
        ]
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
