"""``palermo import ctdc|htcds`` on CSV files with mutated rows, headers and bytes: exit 0 or 2
with ``palermo:`` lines, never a traceback; what is written parses as N-Triples."""

from __future__ import annotations

from hypothesis import given

from support.fuzzing import check, check_import, csv_files, fuzz_settings


@fuzz_settings()
@given(data=csv_files("ctdc"))
def test_import_ctdc(import_target, data: bytes) -> None:
    check(check_import(import_target, ("ctdc", data)))


@fuzz_settings()
@given(data=csv_files("htcds"))
def test_import_htcds(import_target, data: bytes) -> None:
    check(check_import(import_target, ("htcds", data)))
