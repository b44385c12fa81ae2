"""The API tests run on both store backends (issue 8): every app a test makes uses the backend of
the ``store_backend`` parameter, embedded or a real ``oxigraph serve``."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_app(make_app, store_backend):
    def factory(**overrides: object):
        return make_app(**{**store_backend, **overrides})

    return factory
