"""Shared fixtures. Each block belongs to one part of the suite; add yours in a separate block."""

from __future__ import annotations

# ================================================================================================
# Service (issue 3): app/client from create_app({...}) with an in-memory store, as flaskr does.
# ================================================================================================
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"

WRITE_TOKEN = "test-writer-token"
READ_TOKEN = "test-reader-token"
WRITE = {"Authorization": f"Bearer {WRITE_TOKEN}"}
READ = {"Authorization": f"Bearer {READ_TOKEN}"}

# Three small case graphs (DESIGN.md case-graph contract), inline so that they do not move.
CASE_TRAFFICKING = """
@prefix pal: <https://w3id.org/palermo/ontology#> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
<https://example.org/case/svc1> a pal:Case ;
    pal:act [ a pal:Recruitment ] ;
    pal:means [ a pal:Deception ] ;
    pal:purpose [ a pal:ForcedLabour ] ;
    pal:perpetrator <https://example.org/person/r1> ;
    pal:countryOfOrigin country:PHL ;
    pal:countryOfExploitation country:MYS ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 30 ] .
<https://example.org/person/r1> a pal:Recruiter ;
    pal:relationshipToPerson pal:FriendOrAcquaintance .
"""
CASE_CHILD = """
@prefix pal: <https://w3id.org/palermo/ontology#> .
<https://example.org/case/svc2> a pal:Case ;
    pal:act [ a pal:Harbouring ] ;
    pal:purpose [ a pal:SexualExploitation ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 15 ] .
"""
CASE_SMUGGLING = """
@prefix pal: <https://w3id.org/palermo/ontology#> .
<https://example.org/case/svc3> a pal:Case ;
    pal:procures [ a pal:IllegalEntry ] ;
    pal:benefit [ a pal:FinancialBenefit ] ;
    pal:means [ a pal:ThreatOfForce ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 25 ] .
"""
CASE_VIOLATION = """
@prefix pal: <https://w3id.org/palermo/ontology#> .
<https://example.org/case/bad1> a pal:Case ;
    pal:act [ a pal:Recruitment ] ;
    pal:ruledOut pal:ActElement .
"""


def base_config(**overrides: object) -> dict[str, object]:
    config: dict[str, object] = {
        "MEMORY": True,
        "TOKENS": f"{WRITE_TOKEN}:write,{READ_TOKEN}:read",
        "QUERY_TIMEOUT": 10.0,
        "MAX_RESULT_ROWS": 100_000,
        "LOAD_EXAMPLES": False,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def ontology():
    """The packaged ontology, parsed once per session (the app factory does the same per app)."""
    from palermo.reasoning.ontology import load_ontology

    return load_ontology()


@pytest.fixture(scope="session")
def classifier(ontology):
    """A classifier over the packaged ontology, built once per session."""
    from palermo.classification.classifier import Classifier

    return Classifier(ontology)


@pytest.fixture(scope="session")
def shapes(ontology):
    """Every shape of shapes/, with the ontology's class hierarchy, loaded once per session."""
    from palermo.validation.shapes import load_shapes

    return load_shapes(ontology=ontology.graph)


@pytest.fixture(scope="session")
def classified_cases(classifier) -> dict[str, list]:
    """The three inline cases, classified once per session (owlrl takes about a second each)."""
    out = {}
    for name, text in (
        ("trafficking", CASE_TRAFFICKING),
        ("child", CASE_CHILD),
        ("smuggling", CASE_SMUGGLING),
    ):
        out[name] = classifier.classify(Graph().parse(data=text, format="turtle"))
    return out


@pytest.fixture
def make_app():
    """A factory of apps; every app it made is closed at the end of the test."""
    from palermo.app import close_app, create_app

    made = []

    def factory(**overrides: object):
        app = create_app(base_config(**overrides))
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield factory
    for app in made:
        close_app(app)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def loaded_app(make_app, classified_cases):
    """An app whose store holds the three classified cases, in a private dataset."""
    from palermo.store.interface import writes_for_cases

    app = make_app()
    store = app.extensions["palermo"].store
    for cases in classified_cases.values():
        store.write_case_graphs(writes_for_cases(cases), dataset="private")
    return app


@pytest.fixture
def loaded_client(loaded_app):
    return loaded_app.test_client()


def store_snapshot(app) -> set:
    """Every quad in the app's store, to prove that a refused request changed nothing."""
    return set(app.extensions["palermo"].store)


def parse_rdf(data: bytes, media_type: str) -> Graph:
    """Parse an answer with pyoxigraph (rdflib's JSON-LD parser warns, and warnings are errors)."""
    from palermo.rdf.parsing import parse_quads, syntax_for_media_type, to_graph

    return to_graph(parse_quads(data, syntax_for_media_type(media_type)))


@pytest.fixture
def snapshot() -> Iterator:
    yield store_snapshot


# ================================================================================================
# Remote store (issue 8): the same tests on a real `oxigraph serve` process. A test directory
# opts in by wrapping make_app with `store_backend` (see tests/api/conftest.py).
# ================================================================================================


class OxigraphServer:
    """An ``oxigraph serve`` process on a free port over a temporary folder."""

    def __init__(self, location: Path, port: int | None = None) -> None:
        import shutil
        import socket
        import sys

        self.location = location
        self.binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        if port is None:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process = None
        self.start()

    def start(self) -> None:
        import subprocess
        import time
        import urllib.request

        self.process = subprocess.Popen(
            [
                self.binary,
                "serve",
                "--location",
                str(self.location),
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/query?query=ASK%7B%7D", timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"oxigraph serve did not start on {self.url}") from None
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no flush, no goodbye, as a crash would."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except Exception:
            self.kill()

    def clear(self) -> None:
        import urllib.request

        request = urllib.request.Request(
            self.url + "/update",
            data=b"DROP ALL",
            headers={"Content-Type": "application/sparql-update"},
        )
        urllib.request.urlopen(request, timeout=30).close()


def oxigraph_binary_missing() -> str | None:
    import shutil
    import sys

    found = shutil.which("oxigraph") or Path(sys.executable).with_name("oxigraph")
    if not found or not Path(found).exists():
        return "the `oxigraph` server binary (PyPI package `oxigraph`) is not installed"
    return None


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory) -> Iterator[OxigraphServer]:
    """One ``oxigraph serve`` for the session; skips when the binary is missing."""
    reason = oxigraph_binary_missing()
    if reason:
        pytest.skip(reason)
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph"))
    yield server
    server.stop()


@pytest.fixture(params=["embedded", "remote"])
def store_backend(request) -> dict[str, object]:
    """Config overrides for the store backend: embedded (in memory) or the remote server, empty."""
    if request.param == "embedded":
        return {}
    server = request.getfixturevalue("oxigraph_server")
    server.clear()
    return {"STORE_URL": server.url, "STORE_RETRIES": 2}


# ================================================================================================
