"""``palermo import ctdc|htcds``: exit codes, the report on stderr, -o N-Triples, --load."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result

from palermo.cli import main
from palermo.store.oxigraph import OxigraphStore

HERE = Path(__file__).parent


def run(*args: str | Path, data_dir: Path | None = None) -> Result:
    env = {"PALERMO_DATA_DIR": str(data_dir)} if data_dir else {}
    return CliRunner().invoke(main, list(map(str, args)), env=env)


def labels_of(ntriples: Path) -> dict[str, int]:
    result = run("classify", ntriples)
    assert result.exit_code == 0, result.output
    counts: dict[str, int] = {}
    for case in json.loads(result.stdout)["cases"]:
        counts[case["label"]] = counts.get(case["label"], 0) + 1
    return counts


def query(name: str, data_dir: Path, *params: str) -> list[dict[str, str]]:
    args = ["query", "--name", name, "--format", "csv"]
    for p in params:
        args += ["--param", p]
    result = run(*args, data_dir=data_dir)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_wrong_header_exits_2_naming_the_missing_columns(tmp_path: Path) -> None:
    result = run("import", "ctdc", HERE / "ctdc-wrong-header.csv", "-o", tmp_path / "out.nt")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert "ctdc-wrong-header.csv, line 1: the header lacks the ctdc column(s)" in line
    assert "IP_PayMoney" in line
    assert not (tmp_path / "out.nt").exists()


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("import", "htcds", tmp_path / "absent.csv")
    assert result.exit_code == 2
    assert "absent.csv: No such file or directory" in result.stderr


def test_unreadable_file_leaves_no_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes((HERE / "ctdc-small.csv").read_bytes() + b"2019,F\xe9minin\n")
    result = run("import", "ctdc", bad, "-o", tmp_path / "out.nt")
    assert result.exit_code == 2
    assert "line 7: not UTF-8 text" in result.stderr
    assert not list(tmp_path.glob("out.nt*"))


def test_output_parses_and_classifies(tmp_path: Path) -> None:
    out = tmp_path / "out.nt"
    result = run("import", "ctdc", HERE / "ctdc-small.csv", "-o", out)
    assert result.exit_code == 0, result.output
    assert "read 5 row(s), imported 5, rejected 0" in result.stderr
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.N_TRIPLES))
    assert quads
    assert labels_of(out) == {"trafficking": 2, "insufficient": 3}


def test_htcds_output_classifies(tmp_path: Path) -> None:
    out = tmp_path / "out.nt"
    result = run("import", "htcds", HERE / "htcds-small.csv", "-o", out)
    assert result.exit_code == 0, result.output
    assert labels_of(out) == {"trafficking": 3, "insufficient": 1}


def test_bad_rows_are_reported_with_row_numbers(tmp_path: Path) -> None:
    result = run("import", "ctdc", HERE / "ctdc-bad-rows.csv", "-o", tmp_path / "out.nt")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("palermo: ctdc-bad-rows.csv: row 2 (line 3): column majorityStatus")
    assert sum("ctdc-bad-rows.csv: row " in line for line in lines) == 4
    assert lines[-1].endswith("read 6 row(s), imported 2, rejected 4")
    assert labels_of(tmp_path / "out.nt") == {"trafficking": 2}


def test_control_characters_in_column_names_are_quoted(tmp_path: Path) -> None:
    """Found by fuzzing: a header whose unknown column names held a form feed or an escape
    sequence was echoed raw, breaking the one-line message (and reaching the terminal)."""
    rows = (HERE / "ctdc-small.csv").read_text("utf-8").splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([rows[0] + ",\x0cextra,\x1b[2Jclear", rows[1] + ",,"]), "utf-8")
    result = run("import", "ctdc", bad, "-o", tmp_path / "out.nt")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert all(line.startswith("palermo: ") for line in lines), lines
    assert "\x1b" not in result.stderr and "\x0c" not in result.stderr
    assert "ignored: '\\x0cextra', '\\x1b[2Jclear'" in lines[0]


def test_stdout_without_output_or_load() -> None:
    result = run("import", "ctdc", HERE / "ctdc-small.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("<https://w3id.org/palermo/ontology#Case> .") == 5


def test_load_then_named_queries_answer(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run("import", "ctdc", HERE / "ctdc-small.csv", "--load", data_dir=data)
    assert result.exit_code == 0, result.output
    assert "loaded 5 case(s)" in result.stderr
    assert "labels: insufficient 3, trafficking 2" in result.stderr
    by_label = {r["caseLabel"]: int(r["cases"]) for r in query("count-cases-by-label", data)}
    assert by_label == {"insufficient": 3, "trafficking": 2}
    purposes = {
        r["exploitation"].rsplit("#")[-1]: int(r["cases"])
        for r in query("count-cases-by-exploitation", data)
    }
    assert purposes["ForcedLabour"] == 2 and purposes["SexualExploitation"] == 2
    regions = query("count-cases-by-region", data, "region=Asia")
    assert [(r["originRegion"], r["exploitationRegion"], r["cases"]) for r in regions] == [
        ("Asia", "Europe", "1")
    ]
    store = OxigraphStore(data)
    try:
        [dataset] = [d for d in store.datasets() if d.name == "private"]
        assert not dataset.public and len(dataset.graphs) == 5
    finally:
        store.close()
    # Importing the same file again replaces the same cases.
    again = run("import", "ctdc", HERE / "ctdc-small.csv", "--load", "-q", data_dir=data)
    assert again.exit_code == 0, again.output
    rows = query("count-cases-by-label", data)
    assert {r["caseLabel"]: int(r["cases"]) for r in rows} == by_label


def test_load_public_and_conflict(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run(
        "import",
        "htcds",
        HERE / "htcds-small.csv",
        "--load",
        "--public",
        "--dataset",
        "partner",
        data_dir=data,
    )
    assert result.exit_code == 0, result.output
    store = OxigraphStore(data)
    try:
        [dataset] = [d for d in store.datasets() if d.name == "partner"]
        assert dataset.public
    finally:
        store.close()
    clash = run(
        "import", "htcds", HERE / "htcds-small.csv", "--load", "--dataset", "partner", data_dir=data
    )
    assert clash.exit_code == 2
    assert "dataset 'partner' is public" in clash.stderr


@pytest.mark.parametrize("kind", ["ctdc", "htcds"])
def test_a_changed_mapping_file_is_used(tmp_path: Path, kind: str) -> None:
    from palermo.resources import mappings_dir

    text = (mappings_dir() / f"{kind}.toml").read_text(encoding="utf-8")
    changed = tmp_path / f"{kind}-mine.toml"
    changed.write_text(text.replace('"pal:ForcedLabour"', '"pal:Servitude"'), encoding="utf-8")
    out = tmp_path / "out.nt"
    result = run("import", kind, HERE / f"{kind}-small.csv", "--mapping", changed, "-o", out)
    assert result.exit_code == 0, result.output
    body = out.read_text(encoding="utf-8")
    assert "#Servitude>" in body and "#ForcedLabour>" not in body
