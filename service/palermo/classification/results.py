"""The answer: the findings under each Protocol and the assessment of a case, as JSON
(DESIGN.md, "The assessment answer") and as RDF (a ``pal:Assessment`` with PROV-O provenance)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from typing import Literal as TypingLiteral

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import PROV, RDF, XSD
from rdflib.term import Node

from palermo import __version__
from palermo.rdf.namespaces import CASE_BASE, ONTOLOGY_IRI, PAL
from palermo.rdf.terms import (
    RDF_LANG_STRING,
    XSD_STRING,
    Lit,
    Term,
    Triple,
    from_rdflib,
    local_name,
    to_rdflib,
)

Status = TypingLiteral["established", "ruled-out", "insufficient"]
Label = TypingLiteral["both", "trafficking", "smuggling", "neither", "insufficient"]

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
    #: the base of the IRIs minted for the assessment (``PALERMO_CASE_BASE``)
    case_base: str = field(default=CASE_BASE, compare=False)

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
        return URIRef(f"{self.case_base}{digest}/assessment")

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
        for prop, finding in (
            (_TRAFFICKING_FINDING, self.trafficking),
            (_SMUGGLING_FINDING, self.smuggling),
        ):
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


_RDF_TYPE = str(RDF.type)
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
    #: the proof of the assessment when asked for (``explain``): a
    #: :class:`palermo.classification.proofs.Proof` (typed loosely: proofs import this module)
    proof: Any = field(default=None, repr=False, compare=False)


def assessments_to_json(assessments: Iterable[CaseAssessment], version: str) -> dict:
    """The JSON answer of ``palermo classify`` and ``POST /classify`` (``version``: the
    ontology's, for an answer with no case)."""
    items = list(assessments)
    if items:
        version = items[0].ontology_version
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


@dataclass(frozen=True)
class PlainResult:
    """One classified case in plain terms (:mod:`palermo.rdf.terms`), for bulk work."""

    case: Term
    asserted: list[Triple]
    inferred: list[Triple]
    assessment: CaseAssessment
    #: the proof of the assessment when asked for (``explain``): a
    #: :class:`palermo.classification.proofs.Proof` (typed loosely: proofs import this module)
    proof: Any = field(default=None, repr=False, compare=False)
