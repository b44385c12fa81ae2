"""Shared fixtures. Each block belongs to one part of the suite; add yours in a separate block.

Constants, helpers and live servers that tests import live in ``tests/support/``, not here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Graph

from support.constants import CASE_CHILD, CASE_SMUGGLING, CASE_TRAFFICKING, base_config
from support.graphs import store_snapshot
from support.servers import OxigraphServer, oxigraph_binary_missing

# ================================================================================================
# Service (issue 3): app/client from create_app({...}) with an in-memory store, as flaskr does.
# ================================================================================================


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


@pytest.fixture
def snapshot() -> Iterator:
    yield store_snapshot


# ================================================================================================
# Remote store (issue 8): the same tests on a real `oxigraph serve` process. A test directory
# opts in by wrapping make_app with `store_backend` (see tests/api/conftest.py).
# ================================================================================================


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory) -> Iterator[OxigraphServer]:
    """One ``oxigraph serve`` for the session; skips when the binary is missing."""
    reason = oxigraph_binary_missing()
    if reason:
        pytest.skip(reason)
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph"))
    yield server
    server.stop()


def _backend_overrides(request) -> dict[str, object]:
    if request.param == "embedded":
        return {}
    server = request.getfixturevalue("oxigraph_server")
    server.clear()
    return {"STORE_URL": server.url, "STORE_RETRIES": 2}


@pytest.fixture(params=["embedded", "remote"])
def store_backend(request) -> dict[str, object]:
    """Config overrides for the store backend: embedded (in memory) or the remote server, empty."""
    return _backend_overrides(request)


@pytest.fixture(scope="module", params=["embedded", "remote"])
def module_store_backend(request) -> dict[str, object]:
    """``store_backend`` for a module-scoped app: the remote server is emptied once per module."""
    return _backend_overrides(request)


# ================================================================================================
