"""Fuzzing at size: N generated and mutated inputs per entry point, one table.

    python benchmarks/fuzz.py                                # 10,000 inputs per entry point
    python benchmarks/fuzz.py --inputs 500 --seconds 60 --only sparql
    python benchmarks/fuzz.py --jobs 3                       # three entry points at a time
    python benchmarks/fuzz.py --replay fuzz-failures/sparql-query/0001.json

The entry points, the strategies and the properties are tests/support/fuzzing.py, the same the
normal test run samples in tests/fuzz/ (issue 16, part 5): RDF parsers, ``POST /classify``,
``POST /validate``, ``/sparql`` queries and updates, ``/data``, headers, query parameters and
``palermo import ctdc|htcds``. Each entry point runs ``--inputs`` inputs (Hypothesis, generation
only: no shrinking, so the count is inputs sent) or until ``--seconds`` is spent, whichever comes
first. The table has the entry point, the inputs sent, the statuses seen with their counts, the
failures, the slowest input and the seconds. Every failing input is written to ``--out``
(``fuzz-failures/<entry>/NNNN.json`` or ``.bin``, with the broken properties beside it in
``NNNN.txt``), to replay with ``--replay``. Exit 1 when any input failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import re
import sys
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the strategies live with the tests

from hypothesis import Phase, given, seed, settings  # noqa: E402

from support.fuzzing import ENTRY_POINTS, Call, Harness, Outcome, close  # noqa: E402


class BudgetSpent(Exception):
    """The entry point's time budget is spent: stop generating."""


@dataclass
class Row:
    entry: str
    inputs: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    failures: int = 0
    slowest: float = 0.0
    seconds: float = 0.0
    kinds: Counter[str] = field(default_factory=Counter)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def run_entry(
    name: str, inputs: int, budget: float, out: Path, random_seed: int, hang: float = 60.0
) -> Row:
    """Run one entry point: ``inputs`` inputs or ``budget`` seconds; an input that takes longer
    than ``hang`` seconds fails ("never a hang past the limits": the query limit is 5 s)."""
    print(f"fuzzing {name} ...", file=sys.stderr, flush=True)
    entry = ENTRY_POINTS[name]
    row = Row(name)
    target = entry.setup()
    started = time.perf_counter()
    folder = out / _slug(name)

    def record(value: object, outcome: Outcome) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / f"{row.failures:04d}"
        data = entry.encode(value)
        (stem.with_suffix(".json" if isinstance(value, Call) else ".bin")).write_bytes(data)
        stem.with_suffix(".txt").write_text("\n".join(outcome.failures) + "\n", encoding="utf-8")

    @seed(random_seed)
    @settings(settings.get_profile("benchmark"), max_examples=inputs, phases=[Phase.generate])
    @given(entry.inputs())
    def fuzz(value: object) -> None:
        if time.perf_counter() - started > budget:
            raise BudgetSpent
        t = time.perf_counter()
        outcome = entry.check(target, value)
        took = time.perf_counter() - t
        row.slowest = max(row.slowest, took)
        if took > hang:
            outcome.failures.append(f"took {took:.0f} s (a hang: over {hang:.0f} s)")
        row.inputs += 1
        if row.inputs % 1000 == 0:
            print(f"  {name}: {row.inputs:,} inputs, {row.failures} failing", file=sys.stderr)
        row.statuses[outcome.status] += 1
        if outcome.failures:
            row.failures += 1
            for failure in outcome.failures:
                row.kinds[re.sub(r"\d+ quad", "N quad", failure)[:160]] += 1
            record(value, outcome)

    try:
        fuzz()
    except BudgetSpent:
        pass
    finally:
        close(target)
    row.seconds = time.perf_counter() - started
    return row


def print_table(rows: list[Row]) -> None:
    head = ("entry point", "inputs", "statuses seen (count)", "failures", "slowest s", "s")
    lines = [
        (
            r.entry,
            f"{r.inputs:,}",
            " ".join(f"{k}:{v}" for k, v in sorted(r.statuses.items())),
            str(r.failures),
            f"{r.slowest:.2f}",
            f"{r.seconds:.0f}",
        )
        for r in rows
    ]
    widths = [max(len(x[i]) for x in [head, *lines]) for i in range(len(head))]
    for line in [head, tuple("-" * w for w in widths), *lines]:
        print(" | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)), flush=True)
    for r in rows:
        for kind, n in r.kinds.most_common(10):
            print(f"  {r.entry}: {n} x {kind}")


def replay(path: Path) -> int:
    """Send one recorded HTTP input again, on a fresh app, and print what it got."""
    call = Call.from_json(json.loads(path.read_text("utf-8")))
    harness = Harness()
    try:
        outcome = harness.send(call)
    finally:
        harness.close()
    print(f"{call.method} {call.path}?{call.query}: {outcome.status}")
    for failure in outcome.failures:
        print(f"  {failure}")
    return 1 if outcome.failures else 0


def _done(row: Row) -> Row:
    """Say on stderr that an entry point is done, with its figures (the table comes at the end)."""
    statuses = " ".join(f"{k}:{v}" for k, v in sorted(row.statuses.items()))
    print(
        f"done {row.entry}: {row.inputs:,} inputs, {statuses}, {row.failures} failing, "
        f"slowest {row.slowest:.2f} s, {row.seconds:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    return row


def _quiet() -> None:
    """The app logs every 500 it answers: the harness keeps the exception, nothing is printed;
    rdflib's warnings about ill-typed literals in the fuzzed input are not printed either."""
    logging.getLogger().addHandler(logging.NullHandler())
    logging.getLogger().setLevel(logging.ERROR)
    logging.getLogger("rdflib").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="inputs per entry point")
    parser.add_argument("--seconds", type=float, default=900.0, help="budget per entry point")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="entry points whose name contains this (repeatable)",
    )
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"), help="failing inputs")
    parser.add_argument("--seed", type=int, default=16, help="the random seed (reproducible)")
    parser.add_argument(
        "--hang",
        type=float,
        default=60.0,
        help="seconds after which one input counts as a hang (a failure)",
    )
    parser.add_argument("--replay", type=Path, help="send one recorded HTTP input again")
    parser.add_argument(
        "--jobs", type=int, default=1, help="entry points fuzzed at once, each in its own process"
    )
    args = parser.parse_args()
    _quiet()
    if args.replay:
        return replay(args.replay)
    names = [n for n in ENTRY_POINTS if not args.only or any(o in n for o in args.only)]
    jobs = [(name, args.inputs, args.seconds, args.out, args.seed, args.hang) for name in names]
    if args.jobs > 1:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(args.jobs, mp_context=context, initializer=_quiet) as pool:
            futures = [pool.submit(run_entry, *job) for job in jobs]
            for future in as_completed(futures):
                _done(future.result())
            rows = [future.result() for future in futures]
    else:
        rows = [_done(run_entry(*job)) for job in jobs]
    print_table(rows)
    failed = sum(r.failures for r in rows)
    if failed:
        print(f"{failed} failing input(s) written under {args.out}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
