"""Fixtures of the security suite (issue 4): an app with one private and one public case.

Every app of the suite runs on both store backends: the embedded store and a real ``oxigraph
serve`` (one per session, emptied before each test; ``store_backend`` in tests/conftest.py)."""

from __future__ import annotations

import hashlib

import pytest

from support.constants import CASE_TRAFFICKING, WRITE, base_config

READ_OTHER_TOKEN = "token-read-other-dataset"
WRITE_OTHER_TOKEN = "token-write-other-dataset"
READ_OTHER = {"Authorization": f"Bearer {READ_OTHER_TOKEN}"}
WRITE_OTHER = {"Authorization": f"Bearer {WRITE_OTHER_TOKEN}"}
WRONG = {"Authorization": "Bearer not-a-configured-token"}
ADMIN_TOKEN = "token-admin-7q9"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
#: A read token configured only by its hash (``sha256:HEX:read``), never in plain.
HASHED_READ_TOKEN = "token-read-hashed-7q9"
HASHED_READ = {"Authorization": f"Bearer {HASHED_READ_TOKEN}"}

SECRET_DATASET = "secretds7q9"
SECRET_CASE = "https://example.org/case/secret-7q9"
SECRET_PERSON = "https://example.org/person/secret-perp-7q9"
SECRET_LITERAL = "SECRET-MARKER-7Q9"
SECRET_GRAPH = "https://example.org/graphs/secret-7q9"
PUBLIC_GRAPH = "https://example.org/graphs/public-1"

#: What must never appear in an answer to a client that may not see the private dataset.
SECRETS = (SECRET_LITERAL, SECRET_PERSON, "secret-perp", SECRET_DATASET, "SECRET-MARKER")

SECRET_CASE_TTL = f"""
@prefix pal: <https://w3id.org/palermo/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{SECRET_CASE}> a pal:Case ;
    rdfs:comment "{SECRET_LITERAL}" ;
    pal:act [ a pal:Recruitment ] ;
    pal:means [ a pal:Deception ] ;
    pal:purpose [ a pal:ForcedLabour ] ;
    pal:perpetrator <{SECRET_PERSON}> ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 19 ] .
<{SECRET_PERSON}> a pal:Recruiter ; rdfs:label "{SECRET_LITERAL} perpetrator" .
"""


def security_config(**overrides: object) -> dict[str, object]:
    config = base_config(**overrides)
    hashed = hashlib.sha256(HASHED_READ_TOKEN.encode("utf-8")).hexdigest()
    config["TOKENS"] = (
        f"{config['TOKENS']},{READ_OTHER_TOKEN}:read:otherds,{WRITE_OTHER_TOKEN}:write:otherds,"
        f"{ADMIN_TOKEN}:admin,sha256:{hashed}:read"
    )
    config["REASONER"] = "fast"
    return config


@pytest.fixture
def make_secure_app(make_app, store_backend):
    """A factory of apps with :func:`security_config` on this test's backend; ``make_app``
    closes each at the end of the test."""

    def factory(**overrides: object):
        return make_app(**security_config(**{**store_backend, **overrides}))

    return factory


@pytest.fixture
def secure_app(make_secure_app):
    """A private case written through the API (private by default) and a public case."""
    app = make_secure_app()
    client = app.test_client()
    r = client.put(
        "/data",
        query_string={"graph": SECRET_GRAPH, "dataset": SECRET_DATASET},
        data=SECRET_CASE_TTL,
        content_type="text/turtle",
        headers=WRITE,
    )
    assert r.status_code == 201, r.text
    r = client.put(
        "/data",
        query_string={"graph": PUBLIC_GRAPH, "dataset": "opends", "public": "true"},
        data=CASE_TRAFFICKING,
        content_type="text/turtle",
        headers=WRITE,
    )
    assert r.status_code == 201, r.text
    return app


@pytest.fixture
def secure_client(secure_app):
    return secure_app.test_client()
