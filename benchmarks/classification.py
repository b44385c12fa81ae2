"""Classification at scale: the fast path against owlrl and reasonable, in one run.

    python benchmarks/classification.py                      # 1,000 / 10,000 / 100,000 + CTDC
    python benchmarks/classification.py --sizes 1000 10000 --owlrl-max 1000

Every measurement runs in a fresh process, so that its peak memory (ru_maxrss) is its own.
For each input it prints time, peak memory, the ratio to owlrl and whether the assessments agree
with the fast path's, case by case (DESIGN.md JSON, explanation included):

- fast: parse (pyoxigraph) + classify (palermo.reasoning.fastpath) + store (embedded Oxigraph
  on disk,
  bulk path of palermo.loading.bulk);
- owlrl: rdflib parse + owlrl over the whole input in one run (the cases share no node, so this
  entails for each case what reasoning over it alone would) + the assessment queries;
- reasonable (where it installs): rdflib parse + the Rust OWL-RL reasoner + the assessment
  queries run in pyoxigraph over its output and the input.

Then one ``POST /classify`` through real HTTP against ``palermo serve``: p50 and p99.

``--proofs N`` measures the cost of proofs (issue 15) instead: the fast path classifying N
generated cases (parsed beforehand) without proofs, then recording derivations and building every
case's proof (``explain``, on the same input), each the best of three runs in this process; the
target is at most 2x. With ``--proofs-schema`` the input brings its own schema axioms.

    python benchmarks/classification.py --proofs 10000

It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The synthetic generator lives with the tests (tests/support/synthetic.py).
sys.path.insert(0, str(HERE.parent / "tests"))
CTDC = HERE.parents[1] / "shared" / "data" / "ctdc" / "CTDC_VPsynthetic_condensed.csv"
PALERMO = str(Path(sys.executable).with_name("palermo"))
CTDC_CASES = 21195  # rows of the CTDC file: one case each


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write_answers(path: Path, assessments) -> None:
    with path.open("w") as out:
        for a in assessments:
            out.write(json.dumps(a.to_json(), sort_keys=True) + "\n")


# -- inputs -----------------------------------------------------------------------------------


def make_input(kind: str, folder: Path) -> Path:
    """An N-Triples file of ``kind`` cases: a number (generated) or "ctdc" (the CTDC file
    through the importer)."""
    target = folder / f"input-{kind}.nt"
    if target.exists():
        return target
    if kind == "ctdc":
        subprocess.run(
            [PALERMO, "import", "ctdc", str(CTDC), "-o", str(target), "--quiet"],
            check=True,
        )
        return target
    from palermo.rdf.terms import from_rdflib, n3
    from support.synthetic import generate

    with target.open("w", encoding="utf-8") as out:
        for s, p, o in generate(int(kind), seed=20261128):
            out.write(f"{n3(from_rdflib(s))} {n3(from_rdflib(p))} {n3(from_rdflib(o))} .\n")
    return target


# -- workers (one per process) ------------------------------------------------------------------


def _classifier():
    """The classifier over the packaged ontology, built once per worker process."""
    from palermo.classification.classifier import Classifier
    from palermo.reasoning.ontology import load_ontology

    return Classifier(load_ontology())


def work_fast(source: Path, answers: Path) -> dict:
    from palermo.loading.bulk import read_plain, store_triples
    from palermo.store.oxigraph import OxigraphStore

    classifier = _classifier()
    _ = classifier.rules  # compiled once, outside the timing (done at service start-up)
    with tempfile.TemporaryDirectory() as folder:
        store = OxigraphStore(Path(folder) / "store")
        t0 = time.perf_counter()
        triples = read_plain([source])
        t1 = time.perf_counter()
        summary = store_triples(
            store, triples, dataset="bench", public=False, classifier=classifier
        )
        t2 = time.perf_counter()
        store.close()
    results = classifier.classify_plain(triples)
    _write_answers(answers, (r.assessment for r in results))
    return {
        "seconds": t2 - t0,
        "parse": t1 - t0,
        "classify": summary.classify,
        "store": summary.store,
        "cases": summary.cases,
        "quads": summary.quads,
        "labels": summary.labels,
    }


def work_owlrl(source: Path, answers: Path) -> dict:
    from rdflib import Graph

    classifier = _classifier()
    t0 = time.perf_counter()
    graph = Graph().parse(source, format="nt")
    results = classifier.classify_owlrl(graph, batch=True)
    seconds = time.perf_counter() - t0
    _write_answers(answers, (r.assessment for r in results))
    return {"seconds": seconds, "cases": len(results)}


def work_reasonable(source: Path, answers: Path) -> dict:
    import pyoxigraph as ox
    import reasonable
    from rdflib import Graph

    from palermo import resources
    from palermo.classification.facts import EMPTY_FACTS, read_facts
    from palermo.classification.rules import assess
    from palermo.rdf.namespaces import PAL
    from palermo.rdf.terms import to_oxigraph_term, to_rdflib_term

    classifier = _classifier()
    ontology = classifier.ontology
    t0 = time.perf_counter()
    graph = Graph().parse(source, format="nt")
    for triple in list(graph.query(classifier._age_query)):
        graph.add(triple)
    graph += ontology.tbox
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(graph)
    inferred = reasoner.reason()
    store = ox.Store()
    store.extend(
        ox.Quad(to_oxigraph_term(s), to_oxigraph_term(p), to_oxigraph_term(o))
        for s, p, o in [*graph, *inferred]
        if not hasattr(s, "datatype")
    )

    def rows(name: str, arity: int):
        query = resources.query_file(name, "assessment").read_text()
        for row in store.query(query):
            yield tuple(to_rdflib_term(row[i]) for i in range(arity))

    facts = read_facts(rows("case-elements", 4), rows("case-facts", 3))
    is_case = f"SELECT DISTINCT ?c WHERE {{ ?c a <{PAL}Case> }}"
    cases = sorted((to_rdflib_term(row[0]) for row in store.query(is_case)), key=str)
    assessments = [assess(c, facts.get(c, EMPTY_FACTS), ontology, "reasonable") for c in cases]
    seconds = time.perf_counter() - t0
    _write_answers(answers, assessments)
    return {"seconds": seconds, "cases": len(assessments)}


WORKERS = {"fast": work_fast, "owlrl": work_owlrl, "reasonable": work_reasonable}


def run_worker(engine: str, source: Path, answers: Path, timeout: float) -> dict:
    command = [sys.executable, __file__, "--worker", engine, str(source), str(answers)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last[:60]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def agree(a: Path, b: Path) -> str:
    left = {json.loads(line)["case"]: line for line in a.read_text().splitlines()}
    right = {json.loads(line)["case"]: line for line in b.read_text().splitlines()}
    if left.keys() != right.keys():
        return f"no ({len(left)} vs {len(right)} cases)"
    differ = sum(1 for k in left if left[k] != right[k])
    return "yes" if not differ else f"no ({differ} differ)"


# -- HTTP ---------------------------------------------------------------------------------------


def http_latency(requests: int) -> dict:
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PALERMO_TOKENS="")
    server = subprocess.Popen(
        [PALERMO, "serve", "--memory", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    body = (HERE.parent / "examples" / "false-job-offer.ttl").read_bytes()
    url = f"http://127.0.0.1:{port}/classify"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    return {"error": "server did not start"}
                time.sleep(0.2)
        times = []
        for i in range(requests + 10):
            request = urllib.request.Request(
                url,
                data=body,
                headers={"Content-Type": "text/turtle", "Accept": "application/json"},
            )
            t = time.perf_counter()
            urllib.request.urlopen(request, timeout=30).read()
            if i >= 10:  # the first requests warm the server up
                times.append((time.perf_counter() - t) * 1000)
    finally:
        server.terminate()
        server.wait(timeout=10)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p99": times[int(len(times) * 0.99) - 1],
        "n": len(times),
    }


# -- main ---------------------------------------------------------------------------------------


def proof_cost(count: int, schema: bool) -> None:
    """Classification time with and without proofs (module docstring), printed."""
    from palermo.rdf.terms import triples_from_rdflib
    from support.synthetic import generate, generate_with_schema

    classifier = _classifier()
    _ = classifier.rules
    raw = generate_with_schema(count, seed=20261128) if schema else generate(count, seed=20261128)
    triples = triples_from_rdflib(raw)
    classifier.classify_plain(triples[:2000], explain=True)  # compile the case's schema once
    timings = {}
    for label, explain in (("without proofs", False), ("with proofs", True)):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            results = classifier.classify_plain(triples, explain=explain)
            best = min(best, time.perf_counter() - t0)
        assert results is not None
        timings[label] = best
        steps = sum(len(r.proof.steps) for r in results) if explain else 0
        print(
            f"{count:>7} cases {'(own schema)' if schema else '':>12} {label:>15}: "
            f"{best:7.2f} s" + (f"  ({steps:,} proof steps)" if explain else "")
        )
    ratio = timings["with proofs"] / timings["without proofs"]
    print(f"{'':>33} ratio with/without: {ratio:.2f}x (target: at most 2x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--owlrl-max", type=int, default=10000)
    parser.add_argument("--reasonable-max", type=int, default=100000)
    parser.add_argument("--no-ctdc", action="store_true")
    parser.add_argument(
        "--engines",
        nargs="*",
        default=["owlrl", "reasonable"],
        help="reference engines to run besides the fast path",
    )
    parser.add_argument("--http-requests", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--worker", nargs=3, metavar=("ENGINE", "SOURCE", "ANSWERS"))
    parser.add_argument(
        "--proofs", type=int, metavar="N", help="only measure proofs' cost at N cases"
    )
    parser.add_argument("--proofs-schema", action="store_true", help="input with its own schema")
    args = parser.parse_args()
    if args.proofs:
        proof_cost(args.proofs, args.proofs_schema)
        return
    if args.worker:
        engine, source, answers = args.worker
        result = WORKERS[engine](Path(source), Path(answers))
        result["peak_mb"] = _peak_mb()
        print(json.dumps(result))
        return

    try:
        import reasonable  # noqa: F401

        have_reasonable = True
    except ImportError:
        have_reasonable = False
    inputs = [str(n) for n in args.sizes]
    if not args.no_ctdc and CTDC.exists():
        inputs.append("ctdc")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in inputs:
            source = make_input(kind, folder)
            fast_answers = folder / f"{kind}-fast.jsonl"
            fast = run_worker("fast", source, fast_answers, args.timeout)
            measured = {"fast": fast}
            for engine, limit, available in (
                ("owlrl", args.owlrl_max, True),
                ("reasonable", args.reasonable_max, have_reasonable),
            ):
                if engine not in args.engines:
                    continue
                if not available:
                    measured[engine] = {"error": "not installed"}
                elif (CTDC_CASES if kind == "ctdc" else int(kind)) > limit:
                    measured[engine] = {"error": f"skipped (> {limit:,} cases)"}
                else:
                    answers = folder / f"{kind}-{engine}.jsonl"
                    measured[engine] = run_worker(engine, source, answers, args.timeout)
                    if "error" not in measured[engine]:
                        measured[engine]["agree"] = agree(fast_answers, answers)
            owl = measured.get("owlrl", {}).get("seconds")
            for engine, m in measured.items():
                rows.append((kind, engine, m, owl))
            print(f"... {kind}: done", file=sys.stderr)
    http = http_latency(args.http_requests)

    print()
    print(
        "time s: fast = parse + classify + store on disk; owlrl and reasonable = parse + "
        "reason + assessment queries, no store. x owlrl compares parse + classify."
    )
    print(
        f"{'input':>8} {'engine':>10} {'cases':>7} {'time s':>9} {'peak MB':>8} "
        f"{'x owlrl':>8} {'agrees':>8}  detail"
    )
    for kind, engine, m, owl in rows:
        if "error" in m:
            print(f"{kind:>8} {engine:>10} {'':>7} {'':>9} {'':>8} {'':>8} {'':>8}  {m['error']}")
            continue
        # owlrl is measured parsing and classifying; so is the fast path for the ratio
        # (its time column adds storing, which owlrl does not do).
        work = m["parse"] + m["classify"] if engine == "fast" else m["seconds"]
        ratio = (
            f"{owl / work:.0f}"
            if owl and engine != "owlrl"
            else ("1" if engine == "owlrl" else "-")
        )
        detail = ""
        if engine == "fast":
            detail = (
                f"parse {m['parse']:.2f} + classify {m['classify']:.2f} + store "
                f"{m['store']:.2f} s, {m['quads']:,} quads; labels {m['labels']}"
            )
        print(
            f"{kind:>8} {engine:>10} {m['cases']:>7} {m['seconds']:>9.2f} {m['peak_mb']:>8.0f} "
            f"{ratio:>8} {m.get('agree', '-'):>8}  {detail}"
        )
    if "error" in http:
        print(f"\nPOST /classify: {http['error']}")
    else:
        print(
            f"\nPOST /classify (one case, real HTTP, waitress): p50 {http['p50']:.1f} ms, "
            f"p99 {http['p99']:.1f} ms over {http['n']} requests"
        )


if __name__ == "__main__":
    main()
