"""Fixtures of the fuzz tests (issue 16, part 5): one app per module, holding a private case with
secret markers and a public case (support.fuzzing.Harness), and a folder for importer input."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.fuzzing import Harness, ImportTarget


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    made = Harness()
    yield made
    made.close()


@pytest.fixture(scope="module")
def import_target() -> Iterator[ImportTarget]:
    made = ImportTarget()
    yield made
    made.close()
