"""Restricted callers against a full reader (issue 16, part 2): named queries and raw SPARQL.

The store: the CTDC file (``../shared/data/ctdc/``, 21,195 cases) imported private with
``palermo import ctdc CSV --load`` (or, where the file is absent, as many synthetic cases from
tests/support/synthetic.py loaded private with ``palermo load``), the examples as one small public
dataset, and three synthetic cases as a small private dataset ``partner``. Three callers: a full
reader (``read``), anonymous, and ``read:partner``. Each named query and two raw SPARQL counts go
through the app (Flask test client, the configured query isolation), median of R runs after one
warm-up. Aggregate named queries are answered to restricted callers with small-cell suppression.
Prints a table with the ratios to the full reader; asserts nothing.

    python benchmarks/restricted_queries.py [--cases N] [--repeat R] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CTDC = ROOT.parent / "shared" / "data" / "ctdc" / "CTDC_VPsynthetic_condensed.csv"
sys.path.insert(0, str(ROOT / "tests"))

FULL, PARTNER = "bench-full-reader", "bench-partner-reader"
PAL = "https://w3id.org/palermo/ontology#"
SPARQL = {
    "sparql: count triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "sparql: count cases by label": f"""SELECT ?l (COUNT(DISTINCT ?c) AS ?n) WHERE {{
        ?a a <{PAL}Assessment> ; <{PAL}assesses> ?c ; <{PAL}assessmentLabel> ?l }} GROUP BY ?l""",
}


def palermo(*args: str, data_dir: Path) -> None:
    env = {**os.environ, "PALERMO_DATA_DIR": str(data_dir)}
    started = time.perf_counter()
    subprocess.run(["palermo", *args], check=True, env=env, stdout=subprocess.DEVNULL)
    print(f"palermo {args[0]} {args[1]}: {time.perf_counter() - started:.1f} s", file=sys.stderr)


def synthetic_file(path: Path, count: int, prefix: str, seed: int) -> Path:
    from rdflib import Graph

    from support.synthetic import case_triples

    rng = random.Random(seed)
    graph = Graph()
    for i in range(count):
        for triple in case_triples(rng, f"{prefix}{i}"):
            graph.add(triple)
    graph.serialize(path, format="nt", encoding="utf-8")
    return path


def build(data_dir: Path, cases: int | None) -> str:
    if CTDC.is_file() and cases is None:
        palermo("import", "ctdc", str(CTDC), "--load", "--dataset", "ctdc", "-q", data_dir=data_dir)
        source = f"CTDC file {CTDC.name}, private"
    else:
        why = "CTDC file absent" if not CTDC.is_file() else "--cases given"
        n = cases or 21195
        path = synthetic_file(data_dir.parent / "private.nt", n, "p", 1)
        palermo("load", str(path), "--dataset", "ctdc", data_dir=data_dir)
        source = f"{n} synthetic cases, private ({why})"
    examples = sorted(str(p) for p in (ROOT / "examples").glob("*.ttl"))
    palermo("load", *examples, "--public", "--dataset", "examples", data_dir=data_dir)
    partner = synthetic_file(data_dir.parent / "partner.nt", 3, "partner", 2)
    palermo("load", str(partner), "--dataset", "partner", data_dir=data_dir)
    return source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=None, help="synthetic cases instead of CTDC")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse a store built before")
    args = parser.parse_args()

    from palermo.app import close_app, create_app

    with tempfile.TemporaryDirectory(prefix="palermo-restricted-") as tmp:
        data_dir = args.data_dir or Path(tmp) / "store"
        source = "the store at " + str(data_dir)
        if args.data_dir is None:
            source = build(data_dir, args.cases)
        app = create_app(
            {
                "DATA_DIR": str(data_dir),
                "TOKENS": f"{FULL}:read,{PARTNER}:read:partner",
                "QUERY_TIMEOUT": 600.0,
                "LOAD_EXAMPLES": False,
            }
        )
        client = app.test_client()
        callers = {
            "full reader": {"Authorization": f"Bearer {FULL}"},
            "anonymous": {},
            "read:partner": {"Authorization": f"Bearer {PARTNER}"},
        }
        names = sorted(app.extensions["palermo"].queries)
        print(f"{source}; {app.extensions['palermo'].store.count_quads():,} quads", file=sys.stderr)

        def timed(target: str, headers: dict[str, str]) -> tuple[float, int, int]:
            times, status, rows = [], 0, 0
            for _ in range(args.repeat + 1):
                started = time.perf_counter()
                r = client.get(
                    target, headers={**headers, "Accept": "application/sparql-results+json"}
                )
                times.append(time.perf_counter() - started)
                status = r.status_code
                rows = len(r.get_json()["results"]["bindings"]) if status == 200 else 0
            return statistics.median(times[1:]), status, rows

        targets = [(n, f"/queries/{n}") for n in names if n != "list-case-elements"]
        from urllib.parse import urlencode

        targets += [(label, "/sparql?" + urlencode({"query": q})) for label, q in SPARQL.items()]
        header = f"{'query':50} " + " ".join(f"{c:>19}" for c in callers) + "  ratios"
        print(header)
        print(f"{'':50} " + " ".join(f"{'ms (rows)':>19}" for _ in callers))
        for label, target in targets:
            cells, ratios, base = [], [], None
            for headers in callers.values():
                seconds, status, rows = timed(target, headers)
                shown = f"{seconds * 1000:.1f} ({rows})" if status == 200 else f"HTTP {status}"
                cells.append(f"{shown:>19}")
                if base is None:
                    base = seconds
                else:
                    ratios.append(f"{seconds / base:.2f}x" if base else "-")
            print(f"{label:50} " + " ".join(cells) + "  " + " / ".join(ratios))
        close_app(app)


if __name__ == "__main__":
    main()
