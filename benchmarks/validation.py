"""SHACL validation at scale: the fast engine against pySHACL, in one run, one table.

    python benchmarks/validation.py                          # 1,000 / 5,000 / 10,000, CTDC, 1M
    python benchmarks/validation.py --sizes 1000 --no-million --pyshacl-max 1000

Every measurement is the real command a user runs, ``palermo -v validate --engine ENGINE --format
json FILE``, in a fresh process: seconds are the whole process (start-up, reading the shapes and
the file, validating, writing the report); "validating s" is the engine's own log line (the fast
engine from the file to the outcome, pySHACL from the rdflib graph to the outcome); peak MB is the
process's own ru_maxrss (os.wait4). "x pySHACL" is the ratio of whole processes, then (in
brackets) of the validating times. Inputs, made once in ``--work-dir``:

- N cases: generated partner datasets (tests/validation/defect_datasets.py) carrying every kind of
  defect the shapes detect on a fraction of the cases, blank-node persons and elements included;
- CTDC: ``palermo import ctdc ../shared/data/ctdc/*.csv -o FILE`` (skipped when absent);
- 1M: generated cases up to at least 1,000,000 triples.

pySHACL runs up to ``--pyshacl-max`` cases (default 5,000: about two minutes); pyshacl-turbo runs
only if it is installed already (it is never installed by this script). "report = pySHACL's"
compares the two JSON reports result by result (every field; blank nodes keep the file's labels
under both engines). Figures are printed, never asserted; the targets of issue 11 are printed
beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from importlib.util import find_spec
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the dataset generator lives with the tests
CTDC = HERE.parents[1] / "shared" / "data" / "ctdc" / "CTDC_VPsynthetic_condensed.csv"
PALERMO = str(Path(sys.executable).with_name("palermo"))
MILLION = 1_000_000
TARGETS = {
    "ctdc": "target: <= 5 s whole process, <= 500 MB",
    "1M": "target: <= 15 s, <= 1 GB",
    "5000": "target: >= 100x pySHACL, same report",
}


# -- inputs ---------------------------------------------------------------------------------------


def make_input(kind: str, folder: Path) -> Path | None:
    """An N-Triples file: ``kind`` generated cases, "ctdc" (None when the CSV is absent) or
    "1M" (generated cases up to a million triples)."""
    target = folder / f"validation-{kind}.nt"
    if target.exists():
        return target
    if kind == "ctdc":
        if not CTDC.exists():
            return None
        subprocess.run(
            [PALERMO, "import", "ctdc", str(CTDC), "-o", str(target), "--quiet"], check=True
        )
        return target
    from validation.defect_datasets import n_triples, partner_dataset

    cases = 80_000 if kind == "1M" else int(kind)
    while True:
        triples, _ = partner_dataset(cases, seed=20261202)
        if kind != "1M" or len(triples) >= MILLION:
            break
        cases = int(cases * MILLION / len(triples)) + 1000
    partial = target.with_suffix(".part")
    with partial.open("w", encoding="utf-8") as out:
        out.writelines(n_triples(triples))
    partial.rename(target)
    return target


def count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f)


# -- one measurement: the palermo command in a fresh process ------------------------------------


def run(engine: str, source: Path, report: Path, timeout: float) -> dict:
    """``palermo validate`` with one engine: wall seconds, peak MB, exit code."""
    if engine == "pyshacl-turbo":
        command = [sys.executable, __file__, "--turbo-worker", str(source)]
    else:
        command = [PALERMO, "-v", "validate", "--engine", engine, "--format", "json", str(source)]
    started = time.perf_counter()
    with report.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                return {"error": f"over {timeout:.0f} s"}
            time.sleep(0.01)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if code not in (0, 1):
        return {"error": (stderr.strip().splitlines() or ["failed"])[-1][:70]}
    alone = re.search(r"validated \d+ triples in ([0-9.]+) s", stderr)
    return {
        "seconds": seconds,
        "alone": float(alone.group(1)) if alone else None,
        "mb": usage.ru_maxrss / 1024,
        "code": code,
    }


def turbo_worker(source: Path) -> None:
    """pyshacl-turbo (only when installed) on the same shapes, its report as Palermo's JSON."""
    import pyshacl_turbo  # type: ignore[import-not-found]

    from palermo.rdf.parsing import read_graph
    from palermo.validation.report import outcome_from_report
    from palermo.validation.shapes import load_shapes

    shapes = load_shapes()
    data = read_graph([source])
    data += shapes.ontology
    _, report, _ = pyshacl_turbo.validate(
        data, shacl_graph=shapes.graph, inference="none", allow_warnings=True
    )
    print(outcome_from_report(report, engine="pyshacl-turbo").to_json())


def results_of(report: Path) -> tuple[Counter, dict]:
    answer = json.loads(report.read_text(encoding="utf-8"))
    results = Counter(json.dumps(r, sort_keys=True) for r in answer["results"])
    return results, answer["counts"]


def agreement(report: Path, reference: Path) -> str:
    ours, _ = results_of(report)
    theirs, _ = results_of(reference)
    if ours == theirs:
        return "yes"
    return f"no ({sum((ours - theirs).values())} +, {sum((theirs - ours).values())} -)"


# -- the table ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000, 10000])
    parser.add_argument("--pyshacl-max", type=int, default=5000, help="largest pySHACL run")
    parser.add_argument("--no-ctdc", action="store_true", help="leave out the CTDC file")
    parser.add_argument("--no-million", action="store_true", help="leave out 1M triples")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    parser.add_argument("--work-dir", type=Path, default=None, help="keep inputs here")
    args = parser.parse_args()

    engines = ["fast", "pyshacl"]
    if find_spec("pyshacl_turbo") is not None:
        engines.append("pyshacl-turbo")
    kinds = [str(n) for n in args.sizes]
    if not args.no_ctdc:
        kinds.append("ctdc")
    if not args.no_million:
        kinds.append("1M")

    folder = args.work_dir or Path(tempfile.mkdtemp(prefix="palermo-validation-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"inputs in {folder}; engines {', '.join(engines)}; pySHACL up to {args.pyshacl_max}")
    print()
    header = ("input", "triples", "engine", "seconds", "validating s", "peak MB", "x pySHACL")
    print("| " + " | ".join(header) + " | report = pySHACL's | results |")
    print("|---|---:|---|---:|---:|---:|---:|---|---|")
    for kind in kinds:
        source = make_input(kind, folder)
        if source is None:
            print(f"| {kind} | - | - | - | - | - | - | CTDC CSV not found at {CTDC} |")
            continue
        triples = count_lines(source)
        reports: dict[str, Path] = {}
        measured: dict[str, dict] = {}
        for engine in engines:
            if engine != "fast" and not (kind.isdigit() and int(kind) <= args.pyshacl_max):
                continue
            report = folder / f"report-{kind}-{engine}.json"
            measured[engine] = run(engine, source, report, args.timeout)
            if "error" not in measured[engine]:
                reports[engine] = report
        reference = measured.get("pyshacl", {}).get("seconds")
        reference_alone = measured.get("pyshacl", {}).get("alone")
        for engine, m in measured.items():
            label = f"{int(kind):,} cases" if kind.isdigit() else kind
            if "error" in m:
                print(f"| {label} | {triples:,} | {engine} | - | - | - | - | - | {m['error']} |")
                continue
            ratio = f"{reference / m['seconds']:.0f}x" if reference else "-"
            if reference_alone and m.get("alone"):
                ratio += f" ({reference_alone / m['alone']:.0f}x)"
            if engine == "pyshacl":
                ratio, same = "1x", "reference"
            elif "pyshacl" in reports and engine in reports:
                same = agreement(reports[engine], reports["pyshacl"])
            else:
                same = "not compared"
            _, counts = results_of(reports[engine])
            found = ", ".join(f"{n} {k.lower()}" for k, n in counts.items() if n)
            alone = f"{m['alone']:.2f}" if m.get("alone") is not None else "-"
            print(
                f"| {label} | {triples:,} | {engine} | {m['seconds']:.2f} | {alone} | "
                f"{m['mb']:.0f} | {ratio} | {same} | {found or 'conforms'} |"
            )
    print()
    for kind, target in TARGETS.items():
        if kind in kinds or (kind.isdigit() and int(kind) in args.sizes):
            print(f"- {kind}: {target}")
    print(
        f"- this machine: {os.cpu_count()} cores; peak MB of this script itself "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--turbo-worker":
        turbo_worker(Path(sys.argv[2]))
    else:
        main()
