"""Load test: a live ``palermo serve`` (waitress) under mixed concurrent traffic, honest or hostile.

Starts ``palermo serve`` on a temporary data directory (or uses ``--url``), then for a bounded time
runs ``--clients`` concurrent honest clients, each with its own read token, each picking at random:

- ``sparql``: a SPARQL count of the load-test cases with the client's read token; the answer must
  be at least the number of writes acknowledged before the request was sent (a write never
  disappears);
- ``named``: the named query ``list-cases`` with the client's read token;
- ``classify``: ``POST /classify`` of one of three known cases; the label must equal the answer of
  the in-process classifier for the same case;
- ``write``: ``PUT /data`` of a new case graph with the write token (private dataset ``loadtest``).

Afterwards every acknowledged write is read back: it must be stored with the expected assessment
label. Prints throughput and latency percentiles per kind, errors and lost writes, and exits 1 when
a write was lost, an answer was wrong or a request got a 5xx (figures are printed, never asserted).

``--hostile`` (issue 16, "a soak") starts the server with the examples loaded (a public dataset),
a short ``PALERMO_QUERY_TIMEOUT`` (``--query-timeout``, 3 s) and a body limit of
``--max-body-bytes`` (1 MiB; waitress's own limit twice that), and runs hostile clients next to
the honest ones, each kind in its own threads and from its own loopback addresses (127.0.x.y):

- ``runaway``: anonymous ``COUNT(*)`` over a three-way cross product, sent continuously, three at
  a time from each of ``--runaway-clients`` addresses; expected ``503 query-timeout`` at the
  deadline, or ``429 too-many-queries`` beyond the client's share;
- ``oversized``: bodies over the limit to ``/sparql``, ``PUT /data`` (write token) and
  ``/classify``; expected ``413``, or the connection closed by waitress for bodies over its own
  limit (tallied as ``closed``);
- ``truncated``: a Content-Length larger than the body sent, then the socket half-closed; expected
  no answer (the server drops the request) or a 4xx, never a 2xx;
- ``slow``: ``--slow-clients`` bodies sent one byte a second (``ASK {}`` to ``/sparql``, a small
  case to ``/classify``); expected their normal answer once the last byte is in;
- ``burst``: twenty concurrent anonymous queries from one address (runaways and simple queries in
  turn); expected ``429 too-many-queries`` with ``Retry-After`` beyond the share.

In the hostile mix the honest clients also send ``anonymous`` queries from their own address (one
at a time, within their per-client share): a count of the cases anonymous callers may see, which
must equal the count before the load (the public examples; no private write may show). An honest
request fails when it gets anything but a 2xx or no answer within ``--honest-timeout``. Hostile
requests only have their answers tallied, but some answers are failures whoever gets them: a 5xx
other than ``503 query-timeout``, a ``429`` without ``Retry-After``, a 2xx to a truncated or
oversized body, a hostile write found in the store, a runaway not answered by its deadline. At the
end the server must be idle (read in ``/proc/PID/task/*/children`` when this script started the
server): no query process left using CPU, at most one waiting (a spare forked ahead). Prints a
table per kind (requests, statuses seen, p50/p99 for honest kinds) and the honest summary (p50,
p99, errors, lost writes, wrong answers), and exits 1 on any failure.

    python benchmarks/load_test.py [--duration 30] [--clients 8] [--threads 8] [--url URL]
    python benchmarks/load_test.py --hostile [--duration 60] [--query-timeout 3]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

WRITE_TOKEN = "load-test-writer"
READ_TOKEN = "load-test-reader"  # one per client: load-test-reader-0, load-test-reader-1, ...
DATASET = "loadtest"
PAL = "https://w3id.org/palermo/ontology#"
CASE_BASE = "https://example.org/loadtest/case/"
GRAPH_BASE = "https://example.org/loadtest/graph/"
#: Case IRIs of hostile writes (oversized, truncated): none may ever be stored.
HOSTILE_CASE = CASE_BASE + "hostile-"

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
#: What an anonymous caller may count: the public cases (the examples), never a private write.
PUBLIC_COUNT = f"PREFIX pal: <{PAL}> SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a pal:Case }}"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"

HONEST_KINDS = ("sparql", "named", "classify", "write", "anonymous")
HOSTILE_KINDS = ("runaway", "oversized", "truncated", "slow", "burst")


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
    #: Per kind, the answers seen ("200", "429 too-many-queries", "closed", ...).
    seen: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    #: Hostile requests sent, per kind; answers that are failures whoever gets them.
    sent: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    honest_timeout: float = 120.0
    query_timeout: float = 3.0
    max_body: int = 1 << 20


class Client:
    def __init__(
        self, host: str, port: int, *, source: str | None = None, timeout: float = 120.0
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.source = (source, 0) if source else None
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(
            self.host, self.port, timeout=self.timeout, source_address=self.source
        )

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]):
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except TimeoutError:
                self.conn.close()
                self.conn = self._connect()
                raise  # no answer within the client's limit: a failure, not a stale connection
            except (http.client.HTTPException, OSError):
                # A keep-alive connection the server closed meanwhile: open a new one, once.
                self.conn.close()
                self.conn = self._connect()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def honest_address(n: int) -> str:
    return f"127.0.1.{n + 1}"


def run_client(
    n: int,
    target: Target,
    stop: float,
    stats: Stats,
    oracle: dict[str, str],
    hostile: bool,
    public_cases: int,
) -> None:
    rng = random.Random(n)
    source = honest_address(n) if hostile else None
    client = Client(target.host, target.port, source=source, timeout=target.honest_timeout)
    read = {"Authorization": f"Bearer {READ_TOKEN}-{n}"}
    write = {"Authorization": f"Bearer {WRITE_TOKEN}", "Content-Type": "text/turtle"}
    kinds, weights = ["sparql", "named", "classify", "write"], [3, 2, 2, 3]
    if hostile:
        kinds, weights = [*kinds, "anonymous"], [*weights, 2]
    written = 0
    while time.monotonic() < stop:
        kind = rng.choices(kinds, weights)[0]
        template = rng.choice(sorted(TEMPLATES))
        with stats.lock:
            floor = len(stats.acknowledged)
        started = time.perf_counter()
        try:
            if kind in ("sparql", "anonymous"):
                q = urllib.parse.urlencode({"query": COUNT if kind == "sparql" else PUBLIC_COUNT})
                auth = read if kind == "sparql" else {}
                status, body = client.request(
                    "GET",
                    f"/sparql?{q}",
                    None,
                    {**auth, "Accept": "application/sparql-results+json"},
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
                stats.seen[kind][type(exc).__name__] += 1
            continue
        elapsed = time.perf_counter() - started
        with stats.lock:
            stats.latencies[kind].append(elapsed)
            stats.seen[kind][str(status)] += 1
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
            elif kind == "anonymous":
                got = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
                if got != public_cases:
                    stats.wrong.append(f"anonymous count {got} != {public_cases} public cases")
            elif kind == "classify":
                label = json.loads(body)["cases"][0]["label"]
                if label != oracle[template]:
                    stats.wrong.append(f"classify {template}: {label} != {oracle[template]}")


# ------------------------------------------------------------------------------------------------
# Hostile clients: each answer is tallied under its kind; some answers are failures for anybody.


def problem_slug(body: bytes) -> str:
    """The last segment of an RFC 9457 problem type in ``body``, or ''."""
    found = re.search(rb'"type"\s*:\s*"[^"]*/([a-z0-9-]+)"', body)
    return found.group(1).decode() if found else ""


def tally(
    stats: Stats,
    kind: str,
    status: int | None,
    body: bytes = b"",
    *,
    retry_after: str | None = None,
    outcome: str = "",
    ok_2xx: bool = True,
) -> None:
    """Record one hostile answer (``status`` None: ``outcome`` says what happened instead)."""
    if status is None:
        label = outcome
    else:
        slug = problem_slug(body) if status >= 400 else ""
        label = f"{status} {slug}".strip()
    failure = ""
    if status is not None:
        if status >= 500 and not (status == 503 and label.endswith("query-timeout")):
            failure = f"{kind}: {label} {body[:160]!r}"
        elif status == 429 and not (retry_after and retry_after.isdigit() and int(retry_after)):
            failure = f"{kind}: 429 without a Retry-After of at least 1 s ({retry_after!r})"
        elif 200 <= status < 300 and not ok_2xx:
            failure = f"{kind}: {status} to a request that had to be refused {body[:160]!r}"
    elif outcome == "hang":
        failure = f"{kind}: no answer within the client's limit"
    with stats.lock:
        stats.sent[kind] += 1
        stats.seen[kind][label] += 1
        if failure:
            stats.failures.append(failure)


def get(target: Target, path: str, *, source: str, timeout: float, headers=None):
    """One GET on a fresh connection: (status, Retry-After, body)."""
    conn = http.client.HTTPConnection(
        target.host, target.port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request("GET", path, headers={"Accept": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.getheader("Retry-After"), response.read()
    finally:
        conn.close()


def sparql_path(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def run_runaway(source: str, target: Target, stop: float, stats: Stats) -> None:
    """Anonymous aggregates over a cross product, back to back, from ``source``."""
    limit = target.query_timeout + 30
    while time.monotonic() < stop:
        try:
            status, retry_after, body = get(
                target, sparql_path(RUNAWAY), source=source, timeout=limit
            )
        except TimeoutError:
            tally(stats, "runaway", None, outcome="hang")
            continue
        except (http.client.HTTPException, OSError) as exc:
            tally(stats, "runaway", None, outcome=type(exc).__name__)
            continue
        tally(stats, "runaway", status, body, retry_after=retry_after)
        if status == 429:
            time.sleep(0.5)  # hostile, not a busy loop on the machine that measures


def padded(prefix: bytes, size: int) -> bytes:
    """``prefix`` followed by a comment (valid in Turtle and SPARQL) up to ``size`` bytes."""
    return prefix + b"\n#" + b"x" * max(0, size - len(prefix) - 3) + b"\n"


def run_oversized(source: str, target: Target, stop: float, stats: Stats) -> None:
    """Bodies over the service's limit (413) and over waitress's (413 or closed), in turn."""
    n = 0
    while time.monotonic() < stop:
        n += 1
        size = target.max_body + 1 if n % 3 else target.max_body * 4 + 1
        route = n % 3
        if route == 0:
            path, headers = "/sparql", {"Content-Type": "application/sparql-query"}
            body = padded(b"ASK {}", size)
        elif route == 1:
            case = f"{HOSTILE_CASE}oversized-{n}"
            q = urllib.parse.urlencode({"graph": f"{GRAPH_BASE}hostile-{n}", "dataset": DATASET})
            path = f"/data?{q}"
            headers = {"Authorization": f"Bearer {WRITE_TOKEN}", "Content-Type": "text/turtle"}
            body = padded(TEMPLATES["trafficking"].format(case=case).encode(), size)
        else:
            path, headers = "/classify", {"Content-Type": "text/turtle"}
            body = padded(TEMPLATES["child"].format(case=f"{HOSTILE_CASE}c{n}").encode(), size)
        method = "PUT" if route == 1 else "POST"
        conn = http.client.HTTPConnection(
            target.host, target.port, timeout=60, source_address=(source, 0)
        )
        try:
            # waitress may answer and close before the whole body is in: read its answer.
            with contextlib.suppress(OSError):
                conn.request(method, path, body=body, headers=headers)
            try:
                response = conn.getresponse()
                status, data = response.status, response.read()
            except TimeoutError:
                tally(stats, "oversized", None, outcome="hang")
                continue
            except (http.client.HTTPException, OSError):
                tally(stats, "oversized", None, outcome="closed")
                continue
            tally(stats, "oversized", status, data, ok_2xx=False)
        finally:
            conn.close()
        time.sleep(0.05)


def raw_request(method: str, path: str, headers: dict[str, str], length: int) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: loadtest", f"Content-Length: {length}"]
    lines += [f"{k}: {v}" for k, v in headers.items()] + ["Connection: close", "", ""]
    return "\r\n".join(lines).encode()


def read_answer(sock: socket.socket) -> tuple[int | None, str | None, bytes]:
    """The status, Retry-After and body of the answer on ``sock``, or (None, None, b'') when it
    closed without one."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    if not data.startswith(b"HTTP/"):
        return None, None, data
    head, _, body = data.partition(b"\r\n\r\n")
    found = re.search(rb"\r\nretry-after:\s*(\S+)", head, re.IGNORECASE)
    retry_after = found.group(1).decode() if found else None
    return int(head.split(b" ", 2)[1]), retry_after, body


def hostile_bodies(n: int) -> tuple[str, str, dict[str, str], bytes]:
    """One of three requests with a body: (method, path, headers, body)."""
    route = n % 3
    if route == 0:
        return "POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"ASK {}"
    if route == 1:
        case = f"{HOSTILE_CASE}truncated-{n}"
        q = urllib.parse.urlencode({"graph": f"{GRAPH_BASE}hostile-t{n}", "dataset": DATASET})
        headers = {"Authorization": f"Bearer {WRITE_TOKEN}", "Content-Type": "text/turtle"}
        return "PUT", f"/data?{q}", headers, TEMPLATES["smuggling"].format(case=case).encode()
    case = f"{HOSTILE_CASE}classify-{n}"
    body = TEMPLATES["trafficking"].format(case=case).encode()
    return "POST", "/classify", {"Content-Type": "text/turtle"}, body


def run_truncated(source: str, target: Target, stop: float, stats: Stats) -> None:
    """Announce a body, send part of it, half-close: the request must never be served as given."""
    n = 0
    while time.monotonic() < stop:
        n += 1
        method, path, headers, body = hostile_bodies(n)
        cut = body[: len(body) // 2]
        try:
            with socket.create_connection(
                (target.host, target.port), timeout=30, source_address=(source, 0)
            ) as sock:
                sock.sendall(raw_request(method, path, headers, len(body)) + cut)
                sock.shutdown(socket.SHUT_WR)
                status, retry_after, data = read_answer(sock)
        except TimeoutError:
            tally(stats, "truncated", None, outcome="hang")
            continue
        except OSError:
            tally(stats, "truncated", None, outcome="closed")
            continue
        if status is None:
            tally(stats, "truncated", None, outcome="closed")
        else:
            tally(stats, "truncated", status, data, retry_after=retry_after, ok_2xx=False)
        time.sleep(0.05)


def run_slow(source: str, target: Target, stop: float, stats: Stats, seed: int) -> None:
    """A body sent one byte a second; the answer is read when the last byte is in."""
    n = seed
    while time.monotonic() < stop:
        n += 1
        if n % 4 == 0:  # a small case (about a minute), else ASK {} (six seconds)
            method, path, headers, _ = hostile_bodies(2)
            body = f"<urn:slow:{n % 10}> a <{PAL}Case> .".encode()
        else:
            method, path, headers, body = hostile_bodies(0)
        try:
            with socket.create_connection(
                (target.host, target.port), timeout=60, source_address=(source, 0)
            ) as sock:
                sock.sendall(raw_request(method, path, headers, len(body)))
                for byte in body:
                    if time.monotonic() >= stop:
                        break
                    time.sleep(1.0)
                    sock.sendall(bytes([byte]))
                else:
                    status, retry_after, data = read_answer(sock)
                    tally(stats, "slow", status, data, retry_after=retry_after, outcome="closed")
                    continue
        except TimeoutError:
            tally(stats, "slow", None, outcome="hang")
            continue
        except OSError as exc:
            tally(stats, "slow", None, outcome=type(exc).__name__)
            continue
        tally(stats, "slow", None, outcome="cut at the end of the run")


def run_burst(source: str, target: Target, stop: float, stats: Stats, size: int = 20) -> None:
    """``size`` concurrent anonymous queries from one address, runaways and simple in turn."""
    limit = target.query_timeout + 30
    n = 0
    while time.monotonic() < stop:
        n += 1
        path = sparql_path(RUNAWAY if n % 2 else SIMPLE)

        def one(path: str = path) -> None:
            try:
                status, retry_after, body = get(target, path, source=source, timeout=limit)
            except TimeoutError:
                tally(stats, "burst", None, outcome="hang")
                return
            except (http.client.HTTPException, OSError) as exc:
                tally(stats, "burst", None, outcome=type(exc).__name__)
                return
            tally(stats, "burst", status, body, retry_after=retry_after)

        threads = [threading.Thread(target=one) for _ in range(size)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(1.0)


def hostile_threads(
    target: Target, stop: float, stats: Stats, runaway_clients: int, slow_clients: int
) -> list[threading.Thread]:
    out = []
    for i in range(runaway_clients):
        out += [
            threading.Thread(target=run_runaway, args=(f"127.0.2.{i + 1}", target, stop, stats))
            for _ in range(3)
        ]
    out.append(threading.Thread(target=run_oversized, args=("127.0.3.1", target, stop, stats)))
    out.append(threading.Thread(target=run_truncated, args=("127.0.3.2", target, stop, stats)))
    out.append(threading.Thread(target=run_burst, args=("127.0.3.3", target, stop, stats)))
    out += [
        threading.Thread(target=run_slow, args=(f"127.0.4.{i + 1}", target, stop, stats, i))
        for i in range(slow_clients)
    ]
    return out


# ------------------------------------------------------------------------------------------------
# The server


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    threads: int, clients: int, folder: Path, hostile: argparse.Namespace | None
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ)
    readers = ",".join(f"{READ_TOKEN}-{n}:read" for n in range(clients))
    env["PALERMO_TOKENS"] = f"{WRITE_TOKEN}:write,{readers}"
    env["PALERMO_REASONER"] = "fast"
    env.pop("PALERMO_MEMORY", None)
    exe = str(Path(sys.executable).with_name("palermo"))
    command = [exe, "serve", "--port", str(port), "--threads", str(threads)]
    command += ["--data-dir", str(folder / "data")]
    if hostile is not None:
        command.append("--examples")
        env["PALERMO_QUERY_TIMEOUT"] = str(hostile.query_timeout)
        env["PALERMO_MAX_BODY_BYTES"] = str(hostile.max_body_bytes)
        # waitress's limit is the larger of the two: bodies over it are refused by waitress.
        env["PALERMO_MAX_VALIDATION_BYTES"] = str(hostile.max_body_bytes * 2)
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.stdout.write((folder / "server.log").read_text(errors="replace")[-4000:])
    raise SystemExit("palermo serve did not start")


def query_children(pid: int) -> list[int]:
    """The server's child processes now (its query processes)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue  # a thread that ended meanwhile
    return found


def describe(pid: int) -> str:
    """A process's state, kernel wait channel and CPU seconds, for a report."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        wchan = Path(f"/proc/{pid}/wchan").read_text().strip() or "-"
    except OSError:
        return f"{pid} (gone)"
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return f"{pid} (state {fields[0]}, waiting in {wchan}, {cpu:.2f} CPU s)"


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # gone meanwhile
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Idle:
    """What is left of the server's query processes once the load has stopped."""

    running: list[str]  # query processes that used CPU, described
    waiting: list[str]  # processes that used none (a spare forked ahead for the next query)
    waited: float  # seconds from the last answer until at most one process was left
    server_cpu: float  # CPU seconds of the server itself over one second
    children_cpu: float  # CPU seconds of what is left over the same second

    @property
    def idle(self) -> bool:
        return not self.running and len(self.waiting) <= 1


def wait_idle(pid: int, bound: float) -> Idle:
    """Wait up to ``bound`` seconds until the server has at most one query process (the runner
    may keep one spare, waiting for the next query), then watch it all for one second."""
    started = time.monotonic()
    children = query_children(pid)
    while len(children) > 1 and time.monotonic() - started < bound:
        time.sleep(0.1)
        children = query_children(pid)
    waited = time.monotonic() - started
    server = cpu_seconds(pid)
    before = {c: cpu_seconds(c) for c in children}
    time.sleep(1.0)
    used = {c: cpu_seconds(c) - before[c] for c in children}
    running = [describe(c) for c in children if used[c] >= 0.02]
    waiting = [describe(c) for c in children if used[c] < 0.02]
    return Idle(running, waiting, waited, cpu_seconds(pid) - server, sum(used.values()))


# ------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=8, help="concurrent honest clients")
    parser.add_argument(
        "--threads", type=int, help="waitress threads (default 8, with --hostile 32 as serve)"
    )
    parser.add_argument("--url", help="use a running server (its tokens must match)")
    parser.add_argument("--hostile", action="store_true", help="add the hostile clients")
    parser.add_argument("--query-timeout", type=float, default=3.0, help="server's, seconds")
    parser.add_argument("--max-body-bytes", type=int, default=1 << 20, help="server's limit")
    parser.add_argument("--runaway-clients", type=int, default=4, help="addresses, 3 each")
    parser.add_argument("--slow-clients", type=int, default=4, help="a byte a second each")
    parser.add_argument(
        "--honest-timeout", type=float, default=30.0, help="seconds an honest request may take"
    )
    args = parser.parse_args()
    threads = args.threads or (32 if args.hostile else 8)

    oracle = expected_labels()
    process = folder = None
    if args.url:
        url = args.url.rstrip("/")
    else:
        folder = tempfile.TemporaryDirectory(prefix="palermo-load-")
        process, url = start_server(
            threads, args.clients, Path(folder.name), args if args.hostile else None
        )
    parts = urllib.parse.urlsplit(url)
    target = Target(
        parts.hostname or "127.0.0.1",
        parts.port or 80,
        honest_timeout=args.honest_timeout if args.hostile else 120.0,
        query_timeout=args.query_timeout,
        max_body=args.max_body_bytes,
    )
    stats = Stats()
    idle = None
    log = ""
    public_cases = 0
    try:
        if args.hostile:
            _, _, body = get(
                target, sparql_path(PUBLIC_COUNT), source=honest_address(0), timeout=60
            )
            public_cases = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
        stop = time.monotonic() + args.duration
        started = time.monotonic()
        workers = [
            threading.Thread(
                target=run_client,
                args=(n, target, stop, stats, oracle, args.hostile, public_cases),
            )
            for n in range(args.clients)
        ]
        if args.hostile:
            workers += hostile_threads(target, stop, stats, args.runaway_clients, args.slow_clients)
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        wall = time.monotonic() - started
        if process is not None and args.hostile:
            idle = wait_idle(process.pid, args.query_timeout + 5)
        _, body = Client(target.host, target.port).request(
            "GET",
            "/sparql?" + urllib.parse.urlencode({"query": LABELS}),
            None,
            {
                "Authorization": f"Bearer {READ_TOKEN}-0",
                "Accept": "application/sparql-results+json",
            },
        )
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        if folder is not None:
            log = (Path(folder.name) / "server.log").read_text(errors="replace")
            folder.cleanup()
    stored = {
        b["case"]["value"]: b["label"]["value"] for b in json.loads(body)["results"]["bindings"]
    }
    lost = [c for c in stats.acknowledged if c not in stored]
    for case, template in stats.acknowledged.items():
        if case in stored and stored[case] != oracle[template]:
            stats.wrong.append(f"stored {case}: {stored[case]} != {oracle[template]}")
    for case in stored:
        if case.startswith(HOSTILE_CASE):
            stats.failures.append(f"a refused write was stored: {case}")

    kinds = HONEST_KINDS if args.hostile else HONEST_KINDS[:4]
    total = sum(len(stats.latencies.get(k, [])) for k in kinds)
    mode = "hostile" if args.hostile else "honest"
    print(
        f"palermo load test ({mode}): {args.clients} honest clients, {threads} waitress "
        f"threads, {wall:.1f} s, {total} honest requests, {total / wall:.1f} req/s"
    )
    if args.hostile:
        print(
            f"hostile: {args.runaway_clients} runaway addresses x 3, {args.slow_clients} slow "
            f"clients, 1 oversized, 1 truncated, 1 burst (20 at once); query timeout "
            f"{args.query_timeout:g} s, body limit {args.max_body_bytes} bytes; anonymous "
            f"callers see {public_cases} public cases"
        )
    print(
        f"{'kind':<10}{'requests':>10}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}  statuses"
    )
    for kind in kinds:
        values = stats.latencies.get(kind, [])
        seen = ", ".join(f"{s} x{c}" for s, c in sorted(stats.seen[kind].items()))
        if not values:
            print(f"{kind:<10}{0:>10}{'':>34}  {seen}")
            continue
        print(
            f"{kind:<10}{len(values):>10}{len(values) / wall:>8.1f}"
            f"{percentile(values, 50) * 1000:>9.1f}{percentile(values, 99) * 1000:>9.1f}"
            f"{stats.errors.get(kind, 0):>8}  {seen}"
        )
    if args.hostile:
        for kind in HOSTILE_KINDS:
            seen = ", ".join(f"{s} x{c}" for s, c in sorted(stats.seen[kind].items()))
            failed = sum(1 for f in stats.failures if f.startswith(kind + ":"))
            print(f"{kind:<10}{stats.sent[kind]:>10}{'':>8}{'-':>9}{'-':>9}{failed:>8}  {seen}")
    for what, n in sorted(stats.statuses.items()):
        print(f"  {n} x {what}")
    honest = [v for k in kinds for v in stats.latencies.get(k, [])]
    errors = sum(stats.errors.values())
    p50 = percentile(honest, 50) * 1000 if honest else float("nan")
    p99 = percentile(honest, 99) * 1000 if honest else float("nan")
    print(
        f"honest: {len(honest)} requests, p50 {p50:.1f} ms, p99 {p99:.1f} ms, errors {errors}, "
        f"acknowledged writes {len(stats.acknowledged)}, lost writes {len(lost)}, "
        f"wrong answers {len(stats.wrong)}"
    )
    for line in stats.wrong[:10]:
        print("  " + line)
    if idle is not None:
        print(
            f"server idle: {'yes' if idle.idle else 'NO'}: {len(idle.running)} query processes "
            f"running, {len(idle.waiting)} waiting for a query, {idle.waited:.1f} s after the "
            f"last answer; then over one second {idle.server_cpu:.2f} CPU s in the server, "
            f"{idle.children_cpu:.2f} in its children"
        )
        if not idle.idle:
            left = ", ".join(idle.running + idle.waiting)
            stats.failures.append(f"query processes left: {left}")
    depths = [int(d) for d in re.findall(r"Task queue depth is (\d+)", log)]
    if depths:
        # waitress logs its task queue when a request waits for a free thread.
        print(
            f"waitress: requests waited for a free thread {len(depths)} times "
            f"(up to {max(depths)} at once)"
        )
    if args.hostile:
        print(f"failures: {len(stats.failures)}")
        for line in sorted(set(stats.failures))[:20]:
            print("  " + line)
    # A 5xx on a write or a classification is an answer that was wrong too.
    failed = sum(n for what, n in stats.statuses.items() if " 5" in what[:14])
    if args.hostile:
        failed = errors  # any honest request that did not get a 2xx in time
    if lost or stats.wrong or failed or stats.failures:
        if log and args.hostile:
            print("server log (tail):")
            print(log[-6000:])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
