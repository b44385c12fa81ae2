"""Where the test data lives: every test finds its files from here, never from the working
directory."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO_ROOT = TESTS.parent
SHARED = REPO_ROOT.parent / "shared"
CASES = TESTS / "cases"
SHAPES_TESTS = TESTS / "shapes"
QC_FIXTURES = TESTS / "qc"
EXAMPLES = REPO_ROOT / "examples"
ARTIFACTS = TESTS / "_artifacts"
