"""The named-query benchmark of ``query_latency.py`` on both store backends in one run: embedded
Oxigraph (pyoxigraph, in process), remote Oxigraph (an ``oxigraph serve`` process this script
starts on a temporary folder, spoken to over HTTP by :class:`palermo.store.remote.RemoteStore`),
and rdflib's in-memory engine. Same case graphs, same queries, same bindings. Prints one table;
asserts nothing (rows must agree between the backends; a mismatch is marked ``!``).

    python benchmarks/store_backends.py [--cases N] [--repeat R] [--no-rdflib]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, URIRef

from palermo.loading.casegraphs import load_service_graphs
from palermo.rdf.namespaces import CASE_BASE
from palermo.rdf.terms import to_rdflib_term
from palermo.sparql.named import load_named_queries
from palermo.store.oxigraph import OxigraphStore
from palermo.store.remote import Endpoints, RemoteStore
from query_latency import build_writes, read_rows, timed


def start_server(folder: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [binary, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1).close()
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("oxigraph serve did not start")


def load(store, writes, label: str) -> None:
    load_service_graphs(store)
    started = time.perf_counter()
    for n in range(0, len(writes), 1000):
        store.write_case_graphs(writes[n : n + 1000], dataset="benchmark")
    print(
        f"{label}: {store.count_quads()} quads loaded in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=None, help="use only the first N rows")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-rdflib", action="store_true", help="skip the rdflib column")
    args = parser.parse_args()

    rows, source = read_rows(args.cases)
    started = time.perf_counter()
    writes, distinct = build_writes(rows)
    print(
        f"{len(rows)} cases from {source}; {distinct} distinct shapes classified "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    embedded = OxigraphStore()
    load(embedded, writes, "embedded")
    folder = Path(tempfile.mkdtemp(prefix="palermo-bench-"))
    process, url = start_server(folder)
    try:
        remote = RemoteStore(Endpoints.under(url), query_timeout=600.0)
        load(remote, writes, f"remote ({url}, on disk)")
        dataset = None
        if not args.no_rdflib:
            dataset = Dataset(default_union=True)
            for quad in embedded:
                graph = quad.graph_name
                name = URIRef(graph.value) if isinstance(graph, ox.NamedNode) else None
                context = dataset.graph(name) if name is not None else dataset.default_graph
                context.add(tuple(to_rdflib_term(t) for t in quad.triple))

        queries = load_named_queries()
        bindings = {"list-case-elements": {"case": f"{CASE_BASE}ctdc-0"}}
        print(
            f"\n{'query':44} {'rows':>6} {'embedded ms':>12} {'remote ms':>10} "
            f"{'rdflib ms':>10} {'remote/emb':>10}"
        )
        for name, q in queries.items():
            text = q.bind(bindings.get(name, {}))
            n_emb = len(list(embedded.query(text)))
            n_rem = len(list(remote.query(text)))
            t_emb = timed(lambda text=text: list(embedded.query(text)), args.repeat)
            t_rem = timed(lambda text=text: list(remote.query(text)), args.repeat)
            t_rdf = timed(lambda text=text: list(dataset.query(text)), 1) if dataset else None
            rdf = f"{t_rdf * 1000:>10.1f}" if t_rdf is not None else f"{'-':>10}"
            mark = "" if n_emb == n_rem else "!"
            print(
                f"{name:44} {n_emb:>6}{mark:1} {t_emb * 1000:>11.1f} {t_rem * 1000:>10.1f} "
                f"{rdf} {t_rem / t_emb if t_emb else float('nan'):>9.1f}x"
            )
        remote.close()
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
