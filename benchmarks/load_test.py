"""Load test: a live ``palermo serve`` (waitress) under mixed concurrent traffic.

Starts ``palermo serve`` on a temporary data directory (or uses ``--url``), then for a bounded time
runs ``--clients`` concurrent clients, each picking at random:

- ``sparql``: a SPARQL count of the load-test cases with the read token; the answer must be at
  least the number of writes acknowledged before the request was sent (a write never disappears);
- ``named``: the named query ``list-cases`` with the read token;
- ``classify``: ``POST /classify`` of one of three known cases; the label must equal the answer of
  the in-process classifier for the same case;
- ``write``: ``PUT /data`` of a new case graph with the write token (private dataset ``loadtest``).

Afterwards every acknowledged write is read back: it must be stored with the expected assessment
label. Prints throughput and latency percentiles per kind, errors and lost writes, and exits 1 when
a write was lost, an answer was wrong or a request got a 5xx (figures are printed, never asserted).

    python benchmarks/load_test.py [--duration 30] [--clients 8] [--threads 8] [--url URL]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

WRITE_TOKEN = "load-test-writer"
READ_TOKEN = "load-test-reader"
DATASET = "loadtest"
PAL = "https://w3id.org/palermo/ontology#"
CASE_BASE = "https://example.org/loadtest/case/"
GRAPH_BASE = "https://example.org/loadtest/graph/"

TEMPLATES = {
    "trafficking": """@prefix pal: <https://w3id.org/palermo/ontology#> .
<{case}> a pal:Case ; pal:act [ a pal:Recruitment ] ; pal:means [ a pal:Deception ] ;
    pal:purpose [ a pal:ForcedLabour ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 30 ] .
""",
    "child": """@prefix pal: <https://w3id.org/palermo/ontology#> .
<{case}> a pal:Case ; pal:act [ a pal:Harbouring ] ; pal:purpose [ a pal:SexualExploitation ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 15 ] .
""",
    "smuggling": """@prefix pal: <https://w3id.org/palermo/ontology#> .
<{case}> a pal:Case ; pal:procures [ a pal:IllegalEntry ] ;
    pal:benefit [ a pal:FinancialBenefit ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 25 ] .
""",
}
COUNT = (
    f"PREFIX pal: <{PAL}> SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a pal:Case "
    f'FILTER(STRSTARTS(STR(?c), "{CASE_BASE}")) }}'
)
LABELS = (
    f"PREFIX pal: <{PAL}> SELECT ?case ?label WHERE {{ ?a pal:assesses ?case ; "
    f'pal:assessmentLabel ?label FILTER(STRSTARTS(STR(?case), "{CASE_BASE}")) }}'
)


def expected_labels() -> dict[str, str]:
    """The oracle: each template classified in-process by Palermo's classifier."""
    from rdflib import Graph

    from palermo.classification.classifier import Classifier
    from palermo.reasoning.ontology import load_ontology

    classifier = Classifier(load_ontology())
    out = {}
    for name, text in TEMPLATES.items():
        graph = Graph().parse(data=text.format(case=CASE_BASE + "oracle"), format="turtle")
        out[name] = str(next(iter(classifier.classify(graph, "fast"))).assessment.label)
    return out


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    wrong: list[str] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # case IRI -> template
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]):
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def run_client(n: int, host: str, port: int, stop: float, stats: Stats, oracle: dict[str, str]):
    rng = random.Random(n)
    client = Client(host, port)
    read = {"Authorization": f"Bearer {READ_TOKEN}"}
    write = {"Authorization": f"Bearer {WRITE_TOKEN}", "Content-Type": "text/turtle"}
    written = 0
    while time.monotonic() < stop:
        kind = rng.choices(["sparql", "named", "classify", "write"], [3, 2, 2, 3])[0]
        template = rng.choice(sorted(TEMPLATES))
        with stats.lock:
            floor = len(stats.acknowledged)
        started = time.perf_counter()
        try:
            if kind == "sparql":
                q = urllib.parse.urlencode({"query": COUNT})
                status, body = client.request(
                    "GET",
                    f"/sparql?{q}",
                    None,
                    {**read, "Accept": "application/sparql-results+json"},
                )
            elif kind == "named":
                status, body = client.request("GET", "/queries/list-cases", None, read)
            elif kind == "classify":
                case = f"{CASE_BASE}classify-{n}"
                data = TEMPLATES[template].format(case=case).encode()
                status, body = client.request(
                    "POST", "/classify", data, {"Content-Type": "text/turtle"}
                )
            else:
                written += 1
                case = f"{CASE_BASE}c{n}-{written}"
                graph = f"{GRAPH_BASE}c{n}-{written}"
                q = urllib.parse.urlencode({"graph": graph, "dataset": DATASET})
                data = TEMPLATES[template].format(case=case).encode()
                status, body = client.request("PUT", f"/data?{q}", data, write)
        except (http.client.HTTPException, OSError) as exc:
            with stats.lock:
                stats.errors[kind] += 1
                stats.statuses[f"{kind} {type(exc).__name__}: {exc}"] += 1
            continue
        elapsed = time.perf_counter() - started
        with stats.lock:
            stats.latencies[kind].append(elapsed)
            if status >= 300:
                stats.errors[kind] += 1
                stats.statuses[f"{kind} {status} {body[:120]!r}"] += 1
                continue
            if kind == "write":
                stats.acknowledged[case] = template
            elif kind == "sparql":
                got = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
                if got < floor:
                    stats.wrong.append(f"count {got} < {floor} acknowledged writes")
            elif kind == "classify":
                label = json.loads(body)["cases"][0]["label"]
                if label != oracle[template]:
                    stats.wrong.append(f"classify {template}: {label} != {oracle[template]}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(threads: int) -> tuple[subprocess.Popen, str, tempfile.TemporaryDirectory]:
    folder = tempfile.TemporaryDirectory(prefix="palermo-load-")
    port = free_port()
    env = dict(os.environ)
    env["PALERMO_TOKENS"] = f"{WRITE_TOKEN}:write,{READ_TOKEN}:read"
    env["PALERMO_REASONER"] = "fast"
    env.pop("PALERMO_MEMORY", None)
    exe = str(Path(sys.executable).with_name("palermo"))
    process = subprocess.Popen(
        [
            exe,
            "serve",
            "--port",
            str(port),
            "--threads",
            str(threads),
            "--data-dir",
            str(Path(folder.name) / "data"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return process, url, folder
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("palermo serve did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--url", help="use a running server (its tokens must match)")
    args = parser.parse_args()

    oracle = expected_labels()
    process = folder = None
    if args.url:
        url = args.url.rstrip("/")
    else:
        process, url, folder = start_server(args.threads)
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    stats = Stats()
    try:
        stop = time.monotonic() + args.duration
        started = time.monotonic()
        workers = [
            threading.Thread(target=run_client, args=(n, host, port, stop, stats, oracle))
            for n in range(args.clients)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        wall = time.monotonic() - started
        _, body = Client(host, port).request(
            "GET",
            "/sparql?" + urllib.parse.urlencode({"query": LABELS}),
            None,
            {"Authorization": f"Bearer {READ_TOKEN}", "Accept": "application/sparql-results+json"},
        )
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        if folder is not None:
            folder.cleanup()
    stored = {
        b["case"]["value"]: b["label"]["value"] for b in json.loads(body)["results"]["bindings"]
    }
    lost = [c for c in stats.acknowledged if c not in stored]
    for case, template in stats.acknowledged.items():
        if case in stored and stored[case] != oracle[template]:
            stats.wrong.append(f"stored {case}: {stored[case]} != {oracle[template]}")

    total = sum(len(v) for v in stats.latencies.values())
    print(
        f"palermo load test: {args.clients} clients, {args.threads} waitress threads, "
        f"{wall:.1f} s, {total} requests, {total / wall:.1f} req/s"
    )
    print(f"{'kind':<10}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for kind in ("sparql", "named", "classify", "write"):
        values = stats.latencies.get(kind, [])
        if not values:
            print(f"{kind:<10}{0:>10}")
            continue
        print(
            f"{kind:<10}{len(values):>10}{len(values) / wall:>9.1f}"
            f"{percentile(values, 50) * 1000:>9.1f}{percentile(values, 99) * 1000:>9.1f}"
            f"{stats.errors.get(kind, 0):>8}"
        )
    print(f"errors: {sum(stats.errors.values())}")
    for what, n in sorted(stats.statuses.items()):
        print(f"  {n} x {what}")
    print(f"acknowledged writes: {len(stats.acknowledged)}; lost writes: {len(lost)}")
    print(f"wrong answers: {len(stats.wrong)}")
    for line in stats.wrong[:10]:
        print("  " + line)
    # A 5xx on a write or a classification is an answer that was wrong too.
    failed = sum(n for what, n in stats.statuses.items() if " 5" in what[:14])
    return 1 if lost or stats.wrong or failed else 0


if __name__ == "__main__":
    sys.exit(main())
