"""Synthetic partner datasets: cases carrying every kind of defect Palermo's shapes detect.

A partner organisation shares a dataset: a VoID/DCAT description and its cases. Each case is a
random, well-formed case (:mod:`support.synthetic`), some of them with blank-node persons, and
each kind of defect in :data:`DEFECTS` is put on a fraction of the cases (and of the dataset
descriptions), so that every shape of ``shapes/`` finds something: the case-graph contract,
the contradiction warning, the privacy warnings, the partner-dataset rules. Reproducible from
the seed; never real people (names, numbers and addresses are placeholders).

Used by tests/validation/test_fast_engine.py (both engines must give the same report) and by
benchmarks/validation.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, XSD
from rdflib.term import Node

from palermo.rdf.namespaces import COUNTRY, DCAT, PAL, SCHEMA, VOID
from support.synthetic import EX, case_triples

Triple = tuple[Node, Node, Node]
VCARD = "http://www.w3.org/2006/vcard/ns#"
OTHER = "https://example.org/partner-vocabulary#"
CASES_PER_DATASET = 100


def _case(triples: list[Triple]) -> Node:
    return next(s for s, p, o in triples if p == RDF.type)


def _person(triples: list[Triple]) -> Node:
    """The affected person (a new, unattached node when another defect took it away)."""
    return next((o for s, p, o in triples if p == PAL.affectedPerson), BNode())


def _objects(triples: list[Triple], predicate: Node) -> list[Node]:
    return [o for s, p, o in triples if p == predicate]


def _without(triples: list[Triple], predicate: Node) -> list[Triple]:
    return [t for t in triples if t[1] != predicate]


# -- defects of a case (each takes the case's triples and returns them changed) -------------------


def no_affected_person(t: list[Triple], rng: random.Random) -> list[Triple]:
    person = _person(t)
    return [x for x in t if x[1] != PAL.affectedPerson and x[0] != person]


def two_affected_persons(t: list[Triple], rng: random.Random) -> list[Triple]:
    other = BNode()
    return [*t, (_case(t), PAL.affectedPerson, other), (other, RDF.type, PAL.Person)]


def affected_person_wrong_type(t: list[Triple], rng: random.Random) -> list[Triple]:
    person = _person(t)
    return [
        *[x for x in t if not (x[0] == person and x[1] == RDF.type)],
        (person, RDF.type, PAL.Recruitment),
    ]


def affected_person_as_text(t: list[Triple], rng: random.Random) -> list[Triple]:
    person = _person(t)
    kept = [x for x in t if x[1] != PAL.affectedPerson and x[0] != person]
    return [*kept, (_case(t), PAL.affectedPerson, Literal("the person"))]


def consent_not_boolean(t: list[Triple], rng: random.Random) -> list[Triple]:
    return [*_without(t, PAL.consentGiven), (_case(t), PAL.consentGiven, Literal("yes"))]


def consent_twice(t: list[Triple], rng: random.Random) -> list[Triple]:
    case = _case(t)
    return [
        *_without(t, PAL.consentGiven),
        (case, PAL.consentGiven, Literal(True)),
        (case, PAL.consentGiven, Literal(False)),
    ]


ELEMENTS = (PAL.act, PAL.means, PAL.purpose, PAL.procures, PAL.benefit)


def element_untyped(t: list[Triple], rng: random.Random) -> list[Triple]:
    return [*t, *((_case(t), prop, BNode()) for prop in ELEMENTS)]


def element_wrong_class(t: list[Triple], rng: random.Random) -> list[Triple]:
    out = list(t)
    for prop, wrong in zip(
        ELEMENTS,
        (PAL.Deception, PAL.Recruitment, PAL.IllegalEntry, PAL.ForcedLabour, PAL.Harbouring),
        strict=True,
    ):
        element = BNode()
        out += [(_case(t), prop, element), (element, RDF.type, wrong)]
    return out


def element_as_text(t: list[Triple], rng: random.Random) -> list[Triple]:
    return [*t, *((_case(t), prop, Literal("threats")) for prop in ELEMENTS)]


def element_named_by_iri_untyped(t: list[Triple], rng: random.Random) -> list[Triple]:
    case = _case(t)
    return [*t, (case, rng.choice(ELEMENTS), URIRef(f"{case}/element/unknown"))]


def ruled_out_not_an_element(t: list[Triple], rng: random.Random) -> list[Triple]:
    return [*t, (_case(t), PAL.ruledOut, PAL.Recruitment)]


def present_and_ruled_out(t: list[Triple], rng: random.Random) -> list[Triple]:
    case = _case(t)
    element = BNode()
    return [
        *t,
        (case, PAL.act, element),
        (element, RDF.type, PAL.Transportation),
        (case, PAL.ruledOut, PAL.ActElement),
    ]


def country_not_authority_iri(t: list[Triple], rng: random.Random) -> list[Triple]:
    wrong = rng.choice(
        (
            URIRef("https://www.wikidata.org/wiki/Q1033"),
            URIRef(f"{COUNTRY}ng"),
            Literal("Nigeria"),
        )
    )
    return [*_without(t, PAL.countryOfOrigin), (_case(t), PAL.countryOfOrigin, wrong)]


def exploitation_country_as_text(t: list[Triple], rng: random.Random) -> list[Triple]:
    return [*t, (_case(t), PAL.countryOfExploitation, Literal("ITA"))]


def perpetrator_as_text(t: list[Triple], rng: random.Random) -> list[Triple]:
    return [*t, (_case(t), PAL.perpetrator, Literal("a neighbour"))]


def relationship_not_in_list(t: list[Triple], rng: random.Random) -> list[Triple]:
    case = _case(t)
    perpetrator = URIRef(f"{case}/perpetrator/x")
    return [
        *t,
        (case, PAL.perpetrator, perpetrator),
        (perpetrator, RDF.type, PAL.Recruiter),
        (perpetrator, PAL.relationshipToPerson, PAL.Cousin),
    ]


def _with_age(t: list[Triple], age: Literal) -> list[Triple]:
    person = _person(t)
    return [*_without(t, PAL.ageAtTimeOfAct), (person, PAL.ageAtTimeOfAct, age)]


def age_not_integer(t: list[Triple], rng: random.Random) -> list[Triple]:
    age = rng.choice(
        (
            Literal("17.5", datatype=XSD.decimal),
            Literal("seventeen"),
            Literal("abc", datatype=XSD.integer),
        )
    )
    return _with_age(t, age)


def age_negative(t: list[Triple], rng: random.Random) -> list[Triple]:
    return _with_age(t, Literal(-rng.randint(1, 5), datatype=XSD.integer))


def age_too_high(t: list[Triple], rng: random.Random) -> list[Triple]:
    return _with_age(t, Literal(rng.randint(130, 200), datatype=XSD.integer))


def age_twice(t: list[Triple], rng: random.Random) -> list[Triple]:
    person = _person(t)
    return [
        *_with_age(t, Literal(30, datatype=XSD.integer)),
        (person, PAL.ageAtTimeOfAct, Literal(31, datatype=XSD.integer)),
    ]


def child_and_adult(t: list[Triple], rng: random.Random) -> list[Triple]:
    person = _person(t)
    return [*t, (person, RDF.type, PAL.Child), (person, RDF.type, PAL.Adult)]


def child_aged_adult(t: list[Triple], rng: random.Random) -> list[Triple]:
    person = _person(t)
    return [
        *_with_age(t, Literal(rng.randint(18, 40), datatype=XSD.integer)),
        (person, RDF.type, PAL.Child),
    ]


def adult_aged_child(t: list[Triple], rng: random.Random) -> list[Triple]:
    person = _person(t)
    return [
        *_with_age(t, Literal(rng.randint(5, 17), datatype=XSD.integer)),
        (person, RDF.type, PAL.Adult),
    ]


# Privacy: each placeholder value below must never appear in a report.
NAME = "Placeholder Name"
TELEPHONE = "+000 0000 0000"
EMAIL = "someone@example.org"
PASSPORT = "X00000000"
BIRTH_DATE = "2001-01-01"
PRIVATE_VALUES = (NAME, TELEPHONE, EMAIL, PASSPORT, BIRTH_DATE)


def person_with_identifiers(t: list[Triple], rng: random.Random) -> list[Triple]:
    """A name, a telephone number, an e-mail address, a passport number and a date of birth,
    each under a common vocabulary's property or one whose local name reads like it."""
    person = _person(t)
    name = rng.choice((FOAF.name, SCHEMA.givenName, URIRef(f"{OTHER}firstName")))
    phone = rng.choice((SCHEMA.telephone, URIRef(f"{VCARD}tel"), URIRef(f"{OTHER}phoneNumber")))
    email = rng.choice((FOAF.mbox, URIRef(f"{VCARD}hasEmail"), URIRef(f"{OTHER}emailAddress")))
    number = rng.choice((SCHEMA.identifier, URIRef(f"{OTHER}passportNumber")))
    birth = rng.choice((SCHEMA.birthDate, URIRef(f"{OTHER}date_of_birth")))
    return [
        *t,
        (person, name, Literal(NAME)),
        (person, phone, Literal(TELEPHONE)),
        (person, email, Literal(EMAIL)),
        (person, number, Literal(PASSPORT)),
        (person, birth, Literal(BIRTH_DATE, datatype=XSD.date)),
    ]


def case_with_identifiers(t: list[Triple], rng: random.Random) -> list[Triple]:
    """A person's contact details, documents and date of birth written on the case."""
    case = _case(t)
    return [
        *t,
        (case, rng.choice((FOAF.mbox, URIRef(f"{OTHER}e-mail"))), Literal(EMAIL)),
        (case, rng.choice((SCHEMA.telephone, URIRef(f"{OTHER}mobile_phone"))), Literal(TELEPHONE)),
        (case, URIRef(f"{OTHER}dateOfBirth"), Literal(BIRTH_DATE)),
        (case, URIRef(f"{OTHER}idNumber"), Literal(PASSPORT)),
        (case, SCHEMA.name, Literal("Case title, not a person")),  # allowed on a case
        (case, SCHEMA.identifier, Literal("case-0001")),  # a case number, allowed
    ]


def blank_node_case(t: list[Triple], rng: random.Random) -> list[Triple]:
    """A case without an IRI: fine for one case graph, not in a shared dataset."""
    case = _case(t)
    blank = BNode()
    return [(blank if s == case else s, p, blank if o == case else o) for s, p, o in t]


def perpetrator_with_name(t: list[Triple], rng: random.Random) -> list[Triple]:
    case = _case(t)
    perpetrator = BNode()
    return [
        *t,
        (case, PAL.perpetrator, perpetrator),
        (perpetrator, RDF.type, PAL.Exploiter),
        (perpetrator, FOAF.familyName, Literal(NAME)),
    ]


#: Every kind of defect, by name: each is put on a fraction of the cases.
DEFECTS: dict[str, Callable[[list[Triple], random.Random], list[Triple]]] = {
    f.__name__: f
    for f in (
        no_affected_person,
        two_affected_persons,
        affected_person_wrong_type,
        affected_person_as_text,
        consent_not_boolean,
        consent_twice,
        element_untyped,
        element_wrong_class,
        element_as_text,
        element_named_by_iri_untyped,
        ruled_out_not_an_element,
        present_and_ruled_out,
        country_not_authority_iri,
        exploitation_country_as_text,
        perpetrator_as_text,
        relationship_not_in_list,
        age_not_integer,
        age_negative,
        age_too_high,
        age_twice,
        child_and_adult,
        child_aged_adult,
        adult_aged_child,
        person_with_identifiers,
        case_with_identifiers,
        perpetrator_with_name,
        blank_node_case,
    )
}


def _blank_person(t: list[Triple]) -> list[Triple]:
    """The affected person as a blank node (a partner's export often has no person IRIs)."""
    person = _person(t)
    if not isinstance(person, URIRef):
        return t
    blank = BNode()
    swap = {person: blank}
    return [(swap.get(s, s), p, swap.get(o, o)) for s, p, o in t]


#: What a dataset description lacks, in turn: dataset ``k`` gets ``DATASET_DEFECTS[k % 8]``.
DATASET_DEFECTS = (
    None,
    "blank node",
    "no licence",
    "licence as text",
    "no title",
    "no publisher",
    "modified as text",
    "modified twice",
)


def _dataset(index: int, rng: random.Random) -> list[Triple]:
    """A dataset description (VoID or DCAT), lacking in turn each thing partner-dataset.ttl
    asks for."""
    defect = DATASET_DEFECTS[index % len(DATASET_DEFECTS)]
    dataset: Node = BNode() if defect == "blank node" else URIRef(f"{EX}dataset/{index}")
    out: list[Triple] = [(dataset, RDF.type, rng.choice((VOID.Dataset, DCAT.Dataset)))]
    if defect == "licence as text":
        out.append((dataset, DCTERMS.license, Literal("CC BY 4.0")))
    elif defect != "no licence":
        out.append(
            (dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/"))
        )
    if defect != "no title":
        out.append((dataset, DCTERMS.title, Literal(f"Partner dataset {index}", lang="en")))
    if defect != "no publisher":
        who = rng.choice((DCTERMS.publisher, DCTERMS.creator))
        out.append((dataset, who, URIRef(f"{EX}organisation/{index % 7}")))
    if defect == "modified as text":
        out.append((dataset, DCTERMS.modified, Literal("last spring")))
    elif defect == "modified twice":
        out.append((dataset, DCTERMS.modified, Literal("2025-01-01", datatype=XSD.date)))
        out.append(
            (dataset, DCTERMS.modified, Literal("2025-02-01T10:00:00", datatype=XSD.dateTime))
        )
    else:
        out.append((dataset, DCTERMS.modified, Literal("2025-03-01", datatype=XSD.date)))
    return out


def partner_triples(
    count: int,
    seed: int = 0,
    *,
    defect_rate: float = 0.02,
    blank_persons: float = 0.2,
    sample: Callable[[int], bool] | None = None,
) -> Iterator[Triple]:
    """``count`` cases in datasets of :data:`CASES_PER_DATASET` (``sample`` keeps the cases whose
    index it accepts, and every dataset description): each case random and well formed, then
    each defect of :data:`DEFECTS` put on it with probability ``defect_rate``; the first
    ``2 * len(DEFECTS)`` cases carry one defect each, in turn, so that every kind is there from
    ``len(DEFECTS)`` cases on; a case schema that partners may bring (a subclass of
    ``pal:Coercion``) too."""
    rng = random.Random(seed)
    threat = URIRef(f"{EX}partner/ThreatToFamily")
    yield (threat, RDFS.subClassOf, PAL.Coercion)
    defects = list(DEFECTS.values())
    for i in range(count):
        case_rng = random.Random(rng.random())
        keep = sample is None or sample(i)
        if i % CASES_PER_DATASET == 0:  # every description is kept, whatever the sample
            yield from _dataset(i // CASES_PER_DATASET, case_rng)
        triples = list(case_triples(case_rng, f"p{i}"))
        if case_rng.random() < blank_persons:
            triples = _blank_person(triples)
        if case_rng.random() < 0.05:
            element = BNode()
            triples += [(_case(triples), PAL.means, element), (element, RDF.type, threat)]
        chosen = [defects[i % len(defects)]] if i < 2 * len(defects) else []
        chosen += [d for d in defects if case_rng.random() < defect_rate]
        # Defects that take the person away come last, and the blank case after them.
        chosen.sort(
            key=lambda d: (d is blank_node_case, d in (no_affected_person, affected_person_as_text))
        )
        for defect in chosen:
            triples = defect(triples, case_rng)
        if keep:
            yield from triples


def write_ntriples(triples: Iterator[Triple], path: Path) -> int:
    """Write ``triples`` as N-Triples; the number of lines written."""
    from palermo.rdf.terms import from_rdflib, n3

    lines = 0
    with path.open("w", encoding="utf-8") as out:
        for s, p, o in triples:
            out.write(f"{n3(from_rdflib(s))} {n3(from_rdflib(p))} {n3(from_rdflib(o))} .\n")
            lines += 1
    return lines
