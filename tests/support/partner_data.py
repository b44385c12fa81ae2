"""A small partner dataset for the validation-job tests (tests/validation/test_jobs.py,
tests/api/test_validations.py, tests/web/test_validation_jobs.py): one rule broken many times,
and a blank-node person whose private values no report may repeat. Placeholders, never real
people."""

from __future__ import annotations

#: The private values of the blank-node person: a name, a telephone number, an e-mail address,
#: a passport number and a date of birth.
PRIVATE = ("Maria Bianchi Secret", "+39 555 0101", "maria@example.org", "YA1234567", "1999-02-03")

#: The shape of the rule each person with a negative age breaks.
AGE_SHAPE = "https://w3id.org/palermo/shapes#PersonShape-ageAtTimeOfAct"


def partner_dataset(ages: int = 12) -> bytes:
    """Turtle: ``ages`` cases whose person has a negative age (one violation of the same rule
    each, ``ex:person-000`` ...), and one case whose blank-node person carries the
    :data:`PRIVATE` values (five privacy warnings)."""
    lines = [
        "@prefix pal: <https://w3id.org/palermo/ontology#> .",
        "@prefix ex: <https://example.org/> .",
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .",
        "@prefix schema: <https://schema.org/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
    ]
    for i in range(ages):
        lines.append(
            f"ex:case-{i:03} a pal:Case ; pal:act [ a pal:Recruitment ] ; "
            f"pal:affectedPerson ex:person-{i:03} ."
        )
        lines.append(f"ex:person-{i:03} a pal:Person ; pal:ageAtTimeOfAct -{i + 1} .")
    name, phone, mail, passport, born = PRIVATE
    lines.append(
        "ex:case-private a pal:Case ; pal:act [ a pal:Receipt ] ; pal:affectedPerson "
        f'[ a pal:Person ; foaf:name "{name}" ; schema:telephone "{phone}" ; '
        f'foaf:mbox <mailto:{mail}> ; ex:passportNumber "{passport}" ; '
        f'schema:birthDate "{born}"^^xsd:date ] .'
    )
    return ("\n".join(lines) + "\n").encode("utf-8")
