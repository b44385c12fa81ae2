"""``palermo validate``: exit codes 0/1/2, output formats, and unreadable input (DESIGN.md)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, Literal

from palermo.cli import main
from palermo.rdf.namespaces import RDF, SH
from support import paths

SHAPES_TESTS = paths.SHAPES_TESTS
VALID = SHAPES_TESTS / "valid" / "child-trafficking-full.ttl"
WARNINGS = SHAPES_TESTS / "valid" / "privacy-warnings.ttl"
INVALID = SHAPES_TESTS / "invalid" / "age-negative.ttl"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["validate", *map(str, args)])


def test_conforming_file_exits_0() -> None:
    result = run(VALID)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Validation: conforms (0 violations")


def test_warnings_are_printed_and_still_exit_0() -> None:
    result = run(WARNINGS)
    assert result.exit_code == 0, result.output
    assert "6 warnings" in result.stdout
    assert "palsh:PersonPrivacyShape" in result.stdout


def test_violations_exit_1_with_focus_node_and_message() -> None:
    result = run(INVALID)
    assert result.exit_code == 1, result.output
    assert "does not conform (1 violation" in result.stdout
    assert "<https://example.org/person-i01>" in result.stdout
    assert "whole number of years" in result.stdout


def test_several_files_are_validated_together() -> None:
    result = run(VALID, INVALID)
    assert result.exit_code == 1
    assert "1 violation," in result.stdout


def test_malformed_turtle_exits_2_and_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix pal: <https://w3id.org/palermo/ontology#> .\n"
        "<https://example.org/c> a pal:Case .\n"
        "<https://example.org/c> pal:act [ a pal:Recruitment \n"
        "<https://example.org/d> a pal:Case .\n",
        encoding="utf-8",
    )
    result = run(bad)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"palermo: {bad}, line 4:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_suffix_exits_2(tmp_path: Path) -> None:
    odd = tmp_path / "case.txt"
    odd.write_text("whatever", encoding="utf-8")
    result = run(odd)
    assert result.exit_code == 2
    assert "unknown RDF file suffix '.txt'" in result.stderr
    assert str(odd) in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.ttl"
    result = run(missing)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"palermo: {missing}:")


def test_no_file_is_a_usage_error() -> None:
    result = run()
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_format_json_parses() -> None:
    result = run("--format", "json", INVALID)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["conforms"] is False
    assert data["counts"]["Violation"] == 1
    assert data["results"][0]["focusNode"] == "https://example.org/person-i01"


def test_format_turtle_parses_as_a_validation_report() -> None:
    result = run("--format", "turtle", INVALID)
    assert result.exit_code == 1
    report = Graph().parse(data=result.stdout, format="turtle")
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms) == Literal(False)
    assert len(list(report.objects(node, SH.result))) == 1


def test_format_turtle_of_a_conforming_file() -> None:
    result = run("--format", "turtle", VALID)
    assert result.exit_code == 0
    report = Graph().parse(data=result.stdout, format="turtle")
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms) == Literal(True)


@pytest.mark.slow
def test_installed_command_exit_codes(tmp_path: Path) -> None:
    """The real ``palermo`` program, as a user runs it."""
    beside_python = Path(sys.executable).parent / "palermo"
    program = str(beside_python) if beside_python.exists() else shutil.which("palermo")
    if program is None:
        pytest.skip("the palermo command is not installed")
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    for path, code in ((VALID, 0), (INVALID, 1), (bad, 2)):
        done = subprocess.run(
            [program, "validate", str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == code, (path, done.stdout, done.stderr)
    assert done.stderr.startswith(f"palermo: {bad}, line 1:")
