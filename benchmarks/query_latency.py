"""Latency of every named query: the embedded Oxigraph store against rdflib's in-memory engine.

Loads the CTDC synthetic victim-perpetrator file (``../shared/data/ctdc/``, found relative to this
script) mapped to case graphs as DESIGN.md's CTDC mapping says, or a synthetic set of the same size
and shape where the file is absent. Classification uses the reference reasoner (owlrl) once per
distinct combination of mapped fields, and the result is renamed for every row with that
combination: the assessment depends only on those fields, and owlrl at about a second per case
would take hours for 21,000 rows. Prints a table; asserts nothing.

    python benchmarks/query_latency.py [--cases N] [--repeat R] [--rdflib-timeout S]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import multiprocessing
import random
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from palermo.classification.classifier import Classifier
from palermo.loading.casegraphs import load_service_graphs
from palermo.rdf.namespaces import CASE_BASE
from palermo.rdf.terms import to_rdflib_term
from palermo.reasoning.ontology import load_ontology
from palermo.sparql.named import load_named_queries
from palermo.store.interface import case_graph_write
from palermo.store.oxigraph import OxigraphStore

HERE = Path(__file__).resolve().parent
CTDC = HERE.parents[1] / "shared" / "data" / "ctdc" / "CTDC_VPsynthetic_condensed.csv"
CTDC_ROWS = 21194
TEMPLATE = "urn:palermo-benchmark:template/"
FIELDS = (
    "IP_RecruiterBroker",
    "IP_TransactionProcess",
    "IP_ControlAbuseKidnap",
    "isForcedLabour",
    "isSexualExploit",
    "majorityStatus",
    "IP_PayMoney",
)


def read_rows(limit: int | None) -> tuple[list[dict[str, str]], str]:
    if CTDC.is_file():
        with CTDC.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        source = f"CTDC file {CTDC.name}"
    else:
        rng = random.Random(7)
        rows = [
            {
                "IP_RecruiterBroker": rng.choice(["1", ""]),
                "IP_TransactionProcess": rng.choice(["1", ""]),
                "IP_ControlAbuseKidnap": rng.choice(["1", ""]),
                "isForcedLabour": rng.choice(["1", ""]),
                "isSexualExploit": rng.choice(["1", ""]),
                "majorityStatus": rng.choice(["Adult", "Minor", ""]),
                "IP_PayMoney": rng.choice(["Yes", "No", ""]),
                "UN_COO_Region": rng.choice(["Europe", "Asia", "Africa"]),
            }
            for _ in range(CTDC_ROWS)
        ]
        source = "synthetic rows (CTDC file absent)"
    return (rows[:limit] if limit else rows), source


def template_turtle(key: tuple[str, ...]) -> str:
    recruiter, transfer, coercion, labour, sexual, majority, pay = key
    lines = [f"<{TEMPLATE}case> a pal:Case ; pal:affectedPerson <{TEMPLATE}person> ."]
    if majority in {"Minor", "Adult"}:
        cls = "Child" if majority == "Minor" else "Adult"
        lines.append(f"<{TEMPLATE}person> a pal:Person, pal:{cls} .")
    else:
        lines.append(f"<{TEMPLATE}person> a pal:Person .")
    for flag, prop, cls, name in (
        (recruiter, "act", "Recruitment", "recruitment"),
        (transfer, "act", "Transfer", "transfer"),
        (coercion, "means", "Coercion", "coercion"),
        (labour, "purpose", "ForcedLabour", "labour"),
        (sexual, "purpose", "SexualExploitation", "sexual"),
    ):
        if flag == "1":
            lines.append(f"<{TEMPLATE}case> pal:{prop} <{TEMPLATE}{name}> .")
            lines.append(f"<{TEMPLATE}{name}> a pal:{cls} .")
    if "Yes" in pay:
        lines.append(f"<{TEMPLATE}case> pal:benefit <{TEMPLATE}payment> .")
        lines.append(f"<{TEMPLATE}payment> a pal:FinancialBenefit .")
    return "@prefix pal: <https://w3id.org/palermo/ontology#> .\n" + "\n".join(lines)


def build_writes(rows: list[dict[str, str]]):
    templates = {}
    writes = []
    classifier = Classifier(load_ontology())
    for i, row in enumerate(rows):
        key = tuple((row.get(f) or "").strip() for f in FIELDS)
        if key not in templates:
            graph = Graph().parse(data=template_turtle(key), format="turtle")
            [classified] = classifier.classify(graph, "owlrl")
            templates[key] = case_graph_write(f"{TEMPLATE}graph", [classified])
        t = templates[key]
        case = f"{CASE_BASE}ctdc-{i}"
        digest = hashlib.sha256(f"{TEMPLATE}case".encode()).hexdigest()[:20]
        renames = (
            (f"{CASE_BASE}{digest}", f"{case}/a"),
            (TEMPLATE + "case", case),
            (TEMPLATE, f"{case}/"),
        )

        def rename(term, renames=renames):
            if isinstance(term, ox.NamedNode):
                for old, new in renames:
                    if term.value.startswith(old):
                        return ox.NamedNode(new + term.value[len(old) :])
            return term

        def tr(triples, rename=rename):
            return tuple(
                ox.Triple(rename(x.subject), x.predicate, rename(x.object)) for x in triples
            )

        graph = f"https://w3id.org/palermo/graph/case/ctdc-{i}"
        writes.append(
            type(t)(graph, graph + "/inferred", (case,), tr(t.asserted), tr(t.inferred), t.labels)
        )
    return writes, len(templates)


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=None, help="use only the first N rows")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--rdflib-timeout",
        type=float,
        default=120.0,
        help="seconds one rdflib query may run before it is stopped",
    )
    args = parser.parse_args()

    rows, source = read_rows(args.cases)
    started = time.perf_counter()
    writes, distinct = build_writes(rows)
    print(
        f"{len(rows)} cases from {source}; {distinct} distinct shapes classified with owlrl "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )

    store = OxigraphStore()
    load_service_graphs(store)
    started = time.perf_counter()
    for n in range(0, len(writes), 1000):
        store.write_case_graphs(writes[n : n + 1000], dataset="benchmark")
    print(
        f"oxigraph: {store.count_quads()} quads loaded in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )

    started = time.perf_counter()
    dataset = Dataset(default_union=True)
    for quad in store:
        graph = quad.graph_name
        name = URIRef(graph.value) if isinstance(graph, ox.NamedNode) else None
        context = dataset.graph(name) if name is not None else dataset.default_graph
        context.add(
            (
                to_rdflib_term(quad.subject),
                to_rdflib_term(quad.predicate),
                to_rdflib_term(quad.object),
            )
        )
    print(f"rdflib: loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    queries = load_named_queries()
    bindings = {"list-case-elements": {"case": f"{CASE_BASE}ctdc-0"}}
    print(f"\n{'query':52} {'rows':>6} {'oxigraph ms':>12} {'rdflib ms':>12} {'ratio':>8}")
    for name, q in queries.items():
        text = q.bind(bindings.get(name, {}))
        ox_rows = len(list(store.query(text)))
        t_ox = timed(lambda text=text: list(store.query(text)), args.repeat)
        t_rdf = rdflib_time(dataset, text, args.rdflib_timeout)
        if t_rdf is None:
            print(
                f"{name:52} {ox_rows:>6} {t_ox * 1000:>12.1f} "
                f"{'>' + format(args.rdflib_timeout * 1000, '.0f'):>12} "
                f"{'>' + format(args.rdflib_timeout / t_ox, '.0f'):>7}x"
            )
            continue
        print(
            f"{name:52} {ox_rows:>6} {t_ox * 1000:>12.1f} {t_rdf * 1000:>12.1f} "
            f"{t_rdf / t_ox if t_ox else float('nan'):>7.0f}x"
        )


def rdflib_time(dataset, text: str, timeout: float) -> float | None:
    """One rdflib run of ``text`` in a forked child (the dataset is shared copy-on-write), so a
    query that runs past ``timeout`` seconds can be stopped; None when it was."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def run() -> None:
        send.send(timed(lambda: list(dataset.query(text)), 1))

    child = context.Process(target=run, daemon=True)
    child.start()
    try:
        if receive.poll(timeout):
            return receive.recv()
        return None
    finally:
        if child.is_alive():
            child.kill()
        child.join()


if __name__ == "__main__":
    main()
