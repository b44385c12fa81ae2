"""The command line's writes are audited like the service's (logger ``palermo.audit``), and
``palermo token-hash`` prints the hashed form of a token for ``PALERMO_TOKENS``."""

from __future__ import annotations

import getpass
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from palermo.cli import main

ROOT = Path(__file__).resolve().parents[2]
CTDC_SMALL = ROOT / "tests" / "loading" / "importers" / "ctdc-small.csv"
CASE = """@prefix pal: <https://w3id.org/palermo/ontology#> .
<https://w3id.org/palermo/case/audit-7q9> a pal:Case ;
    pal:act [ a pal:Recruitment ] ; pal:means [ a pal:Deception ] ;
    pal:purpose [ a pal:ForcedLabour ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 33 ] .
"""


def audit_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "palermo.audit"]


def who() -> str:
    return f"who=cli:{getpass.getuser()}"


def test_load_writes_one_audit_line_without_content(tmp_path, caplog):
    case = tmp_path / "case.ttl"
    case.write_text(CASE, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["load", str(case)], env={"PALERMO_DATA_DIR": str(tmp_path / "data")}
    )
    assert result.exit_code == 0, result.output
    [line] = audit_lines(caplog)  # at the default verbosity: the entry point sets INFO
    assert line.startswith(f"{who()} action=load graphs=- ")
    assert "cases=1 " in line and "dataset=private" in line and "public=False" in line
    assert "outcome=ok" in line
    assert "audit-7q9" not in line and "Recruitment" not in line


def test_a_failed_load_is_audited_too(tmp_path, caplog):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["load", "--public", "--dataset", "pub1", str(bad)],
        env={"PALERMO_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.exit_code == 2
    [line] = audit_lines(caplog)
    assert "action=load" in line and "outcome=failed" in line
    assert "dataset=pub1" in line and "public=True" in line


def test_import_load_writes_one_audit_line_with_the_count(tmp_path, caplog):
    result = CliRunner().invoke(
        main,
        ["import", "ctdc", str(CTDC_SMALL), "--load", "-q"],
        env={"PALERMO_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.exit_code == 0, result.output
    [line] = audit_lines(caplog)
    assert line.startswith(f"{who()} action=import-ctdc graphs=- ")
    assert "cases=5 " in line and "dataset=private" in line and "outcome=ok" in line


def test_import_without_load_writes_no_audit_line(tmp_path, caplog):
    result = CliRunner().invoke(
        main, ["import", "ctdc", str(CTDC_SMALL), "-o", str(tmp_path / "out.nt"), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert audit_lines(caplog) == []


def test_the_audit_logger_is_set_to_info_by_the_entry_point(tmp_path):
    CliRunner().invoke(main, ["token-hash"], input="x")
    assert logging.getLogger("palermo.audit").getEffectiveLevel() == logging.INFO


def test_token_hash_prints_the_entry_form():
    result = CliRunner().invoke(main, ["token-hash"], input="abc\n")
    assert result.exit_code == 0
    assert result.stdout == (
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
    )


@pytest.mark.parametrize("given", ["", "\n", "two words-7q9\n"])
def test_token_hash_refuses_what_cannot_be_a_token_without_echoing_it(given):
    result = CliRunner().invoke(main, ["token-hash"], input=given)
    assert result.exit_code == 2
    assert "words-7q9" not in result.output
    assert result.stdout == ""
