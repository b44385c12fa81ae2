"""The bounded evaluation of any query: a share, a deadline, a memory limit and a row limit.

The SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/) leaves every limit to the
service. :class:`QueryRunner` applies them, and it makes the deadline real: a query past
``QUERY_TIMEOUT`` stops consuming CPU, and its worker is free again.

pyoxigraph offers no way to cancel a query from Python (oxigraph issue #1926): a thread that
evaluates an aggregate over a cross product runs until the aggregate is done, hours later. So on the
embedded store each query is evaluated in a **process that can be killed** (``QUERY_ISOLATION``
``process``, the default where ``os.fork`` exists): the service forks itself, the child evaluates
the query on the store it inherits (copy-on-write, so it reads the store as it was at the fork, a
consistent snapshot, with no copy and no second open of the files) and writes the result to a pipe;
at the deadline the parent kills it (``SIGKILL``) and answers ``503 query-timeout``. The child also
runs under a memory limit (``QUERY_MEMORY_MB``, ``RLIMIT_AS``), and anonymous callers' children at a
lower CPU priority (``ANONYMOUS_QUERY_NICE``), so that a token's queries and the service itself keep
their share of the CPU while anonymous runaways wait for their deadline. A fork happens with no
write under way (:meth:`palermo.store.oxigraph.OxigraphStore.fork`); a child that cannot read the
store within a second (a lock another thread held at the fork) is killed and forked again. The
fork is taken off the critical path: after each query a spare child is forked in the background
and waits for the next one; it is used only if no write has happened since it was forked
(:attr:`~palermo.store.oxigraph.OxigraphStore.generation`) and it is under 30 s old, so every
query still reads the store as it is when the query arrives.

On a remote store, the store evaluates the query: the store's own timeout stops it (``oxigraph
serve --timeout-s``, docs/deployment.md), and Palermo stops reading at its deadline. ``thread``
isolation (the fallback where ``os.fork`` is missing) evaluates in a thread: the answer comes at the
deadline, but an aggregate then runs on to its end, holding its caller's slot
(:mod:`palermo.sparql.admission`) meanwhile.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import logging
import os
import pickle
import queue
import select
import signal
import stat
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from palermo.errors import (
    PalermoError,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooCostly,
    ResultTooLarge,
    StoreError,
)
from palermo.rdf.namespaces import XSD
from palermo.sparql.admission import LOCAL, Admission, Caller
from palermo.store.interface import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueryResult:
    """A fully read result: ``kind`` is ``select``, ``ask`` or ``graph``."""

    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = field(default=())

    def to_sparql_json(self) -> dict[str, Any]:
        """The SPARQL 1.1 Query Results JSON document (https://www.w3.org/TR/sparql11-results-json/)."""
        if self.kind == "ask":
            return {"head": {}, "boolean": bool(self.boolean)}
        bindings = []
        for row in self.rows:
            bindings.append(
                {v: term_json(t) for v, t in zip(self.variables, row, strict=True) if t is not None}
            )
        return {"head": {"vars": list(self.variables)}, "results": {"bindings": bindings}}

    def serialize(self, fmt: ox.QueryResultsFormat) -> bytes:
        """Serialise a SELECT/ASK result in one of pyoxigraph's result formats."""
        data = json.dumps(self.to_sparql_json()).encode("utf-8")
        if fmt == ox.QueryResultsFormat.JSON:
            return data
        parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        return parsed.serialize(format=fmt) or b""


def term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != str(XSD.string):
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_json(term.subject),
                "predicate": term_json(term.predicate),
                "object": term_json(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


ISOLATIONS = ("process", "thread")

#: Seconds a forked child may take to show it is evaluating before it is forked again.
_START_GRACE = 1.0
#: Seconds between an answer and the fork of the next query's child.
_REFILL_DELAY = 0.01
#: Seconds a spare child is kept for the next query (its copy-on-write pages age).
_SPARE_MAX_AGE = 30.0
_FORK_ATTEMPTS = 3
_CHUNK = 1 << 16


class QueryRunner:
    """Evaluates queries within their caller's share, by a deadline, and with a row limit."""

    def __init__(
        self,
        *,
        timeout: float,
        max_rows: int,
        isolation: str = "process",
        memory_mb: int = 0,
        anonymous_nice: int = 0,
        admission: Admission | None = None,
    ) -> None:
        if isolation not in ISOLATIONS:
            raise ValueError(f"QUERY_ISOLATION must be one of {', '.join(ISOLATIONS)}")
        self.timeout = timeout
        self.max_rows = max_rows
        self.isolation = isolation if hasattr(os, "fork") else "thread"
        self.memory_mb = memory_mb
        self.anonymous_nice = anonymous_nice
        self.admission = admission
        #: Children evaluating a query now; children that have answered and are exiting; the
        #: spare child forked ahead for the next query.
        self._children: set[int] = set()
        self._exiting: set[int] = set()
        self._spare: _Spare | None = None
        self._refilling = False
        self._closed = False
        self._children_lock = threading.Lock()
        self._to_reap: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._reaper: threading.Thread | None = None
        self._to_refill: queue.SimpleQueue[tuple[Store, Callable[[], int]]] = queue.SimpleQueue()
        self._keeper: threading.Thread | None = None

    def run(
        self,
        store: Store,
        sparql: str,
        *,
        caller: Caller = LOCAL,
        default_graphs: Sequence[str | None] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """The whole result of ``sparql``, or :class:`QueryTimeout`, :class:`ResultTooLarge`,
        :class:`QueryTooCostly`, :class:`QuerySyntaxError`, or ``429`` beyond ``caller``'s share."""
        started = time.monotonic()
        request = _Request(sparql, default_graphs, named_graphs, base_iri)
        fork: Callable[[], int] | None = getattr(store, "fork", None)
        if self.admission is None or caller is LOCAL:
            slot = None
        else:
            slot = self.admission.slot(caller)
            slot.__enter__()
        try:
            if self.isolation == "process" and fork is not None:
                result = self._in_child(store, fork, request, caller, started + self.timeout)
            else:
                result = self._in_thread(store, request, started + self.timeout, slot)
                slot = None  # the thread gives the slot back when it really ends
        except QueryTimeout:
            log.warning(
                "query stopped after %.1f s (limit %.1f s)",
                time.monotonic() - started,
                self.timeout,
            )
            raise QueryTimeout(
                f"the query ran longer than the limit of {self.timeout:g} s and was stopped",
                limit=self.timeout,
            ) from None
        finally:
            if slot is not None:
                slot.__exit__(None, None, None)
        log.info("query answered in %.3f s", time.monotonic() - started)
        return result

    # -- in a process that can be killed ----------------------------------------------------------

    def _in_child(
        self,
        store: Store,
        fork: Callable[[], int],
        request: _Request,
        caller: Caller,
        deadline: float,
    ) -> QueryResult:
        child = self._take_spare(store) or self._spawn(store, fork, deadline)
        nice = self.anonymous_nice if caller.anonymous else 0
        message: bytes | None = None
        with self._children_lock:
            self._children.add(child.pid)
        try:
            order = pickle.dumps((request, nice, self.memory_mb, self.max_rows))
            try:
                _write_all(child.requests, order)
            finally:
                os.close(child.requests)
            message = _read_answer(child.answers, deadline)
        finally:
            os.close(child.answers)
            if message is None:
                self._reap(child.pid, kill=True)  # gone before the caller hears of it
            else:
                self._reap_later(child.pid)  # it has closed its end: it is exiting
            # The next query's child, forked once this one has answered (see _REFILL_DELAY).
            self._refill(store, fork)
        return self._decode(message)

    def _spawn(self, store: Store, fork: Callable[[], int], deadline: float) -> _Spare:
        """A child forked now and ready to take a query (it has read the store once)."""
        for attempt in range(1, _FORK_ATTEMPTS + 1):
            requests_r, requests_w = os.pipe()
            answers_r, answers_w = os.pipe()
            generation = getattr(store, "generation", 0)
            try:
                pid = fork()
            except OSError as exc:
                for fd in (requests_r, requests_w, answers_r, answers_w):
                    os.close(fd)
                raise StoreError(f"cannot start a query process ({exc.strerror or exc})") from None
            if pid == 0:  # the child: never returns
                os.close(requests_w)
                os.close(answers_r)
                _child(store, requests_r, answers_w)
            os.close(requests_r)
            os.close(answers_w)
            child = _Spare(pid, requests_w, answers_r, generation, time.monotonic())
            if _await_ready(answers_r, min(deadline, time.monotonic() + _START_GRACE)):
                return child
            os.close(requests_w)
            os.close(answers_r)
            self._reap(pid, kill=True)
            log.warning("query process did not start (attempt %d of %d)", attempt, _FORK_ATTEMPTS)
            if time.monotonic() >= deadline:
                break
        raise QueryTimeout("the query could not be started before its deadline")

    def _take_spare(self, store: Store) -> _Spare | None:
        """The spare child, if it was forked from ``store`` since its last write and recently."""
        with self._children_lock:
            spare, self._spare = self._spare, None
        if spare is None:
            return None
        fresh = (
            spare.store is store
            and spare.generation == getattr(store, "generation", 0)
            and time.monotonic() - spare.born < _SPARE_MAX_AGE
        )
        if fresh:
            return spare
        self._discard(spare)
        return None

    def _refill(self, store: Store, fork: Callable[[], int]) -> None:
        """Ask for the next query's child to be forked in the background, off the critical path
        (one long-lived thread does it: starting a thread per query costs the query a wait)."""
        with self._children_lock:
            spare = self._spare
            fresh = spare is not None and spare.generation == getattr(store, "generation", 0)
            if self._refilling or self._closed or fresh:
                return
            self._refilling = True
            if self._keeper is None or not self._keeper.is_alive():
                self._keeper = threading.Thread(
                    target=self._keep_spares, name="palermo-query-spare", daemon=True
                )
                self._keeper.start()
        self._to_refill.put((store, fork))

    def _keep_spares(self) -> None:
        while True:
            store, fork = self._to_refill.get()
            # A fork holds the GIL for a few milliseconds: let the answer just read go out first.
            time.sleep(_REFILL_DELAY)
            try:
                spare = self._spawn(store, fork, time.monotonic() + _START_GRACE * _FORK_ATTEMPTS)
            except PalermoError:
                spare = None
            with self._children_lock:
                self._refilling = False
                old, keep = self._spare, not self._closed
                if keep and spare is not None:
                    spare.store = store
                    self._spare = spare
            if old is not None and keep and spare is not None:
                self._discard(old)
            if spare is not None and not keep:
                self._discard(spare)

    def _discard(self, child: _Spare) -> None:
        for fd in (child.requests, child.answers):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)
        self._reap_later(child.pid)

    def _reap_later(self, pid: int) -> None:
        """Wait for a child that has answered in a background thread: the answer goes out
        without waiting for the kernel to tear the child's memory down."""
        with self._children_lock:
            self._children.discard(pid)
            self._exiting.add(pid)
            if self._reaper is None or not self._reaper.is_alive():
                self._reaper = threading.Thread(
                    target=self._reap_exiting, name="palermo-query-reaper", daemon=True
                )
                self._reaper.start()
        self._to_reap.put(pid)

    def _reap_exiting(self) -> None:
        while True:
            pid = self._to_reap.get()
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            with self._children_lock:
                self._exiting.discard(pid)

    def _reap(self, pid: int, *, kill: bool) -> None:
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        with self._children_lock:
            self._children.discard(pid)

    def _decode(self, message: bytes | None) -> QueryResult:
        if message is None:
            raise QueryTimeout("the query ran longer than the limit and was stopped")
        if not message:
            # The child died without a word: the kernel ended it, most likely for memory.
            raise _too_much_memory(self.memory_mb)
        tag, payload = message[:1], message[1:]
        if tag == b"A":
            return QueryResult("ask", boolean=payload == b"1")
        if tag == b"S":
            parsed = ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON)
            assert isinstance(parsed, ox.QuerySolutions)
            variables = tuple(v.value for v in parsed.variables)
            keys = parsed.variables
            rows = tuple(tuple(s[v] for v in keys) for s in parsed)
            return QueryResult("select", variables=variables, rows=rows)
        if tag == b"G":
            triples = tuple(ox.parse(payload, format=ox.RdfFormat.N_TRIPLES))
            return QueryResult("graph", triples=tuple(t.triple for t in triples))
        kind, _, detail = payload.decode("utf-8", "replace").partition("\n")
        if kind in _ERRORS:
            raise _ERRORS[kind](detail, self)
        raise StoreError("the query process failed")

    # -- in a thread ------------------------------------------------------------------------------

    def _in_thread(
        self, store: Store, request: _Request, deadline: float, slot: Any
    ) -> QueryResult:
        box: list[QueryResult | BaseException] = []
        cancelled = threading.Event()

        def work() -> None:
            try:
                box.append(self._evaluate(store, request, deadline, cancelled))
            except BaseException as exc:  # handed to the caller below
                box.append(exc)
            finally:
                if slot is not None:
                    slot.__exit__(None, None, None)

        thread = threading.Thread(target=work, name="palermo-query", daemon=True)
        thread.start()
        thread.join(max(0.0, deadline - time.monotonic()) + 0.05)
        if thread.is_alive() or not box:
            cancelled.set()
            raise QueryTimeout("the query ran longer than the limit and was stopped")
        outcome = box[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _evaluate(
        self,
        store: Store,
        request: _Request,
        deadline: float,
        cancelled: threading.Event,
    ) -> QueryResult:
        def stop_if_late() -> None:
            if cancelled.is_set() or time.monotonic() > deadline:
                raise QueryTimeout("the query ran longer than the limit and was stopped")

        return _collect(store, request, self.max_rows, stop_if_late)

    def running_processes(self) -> int:
        """Query processes alive now (0 once every query has ended or been stopped)."""
        with self._children_lock:
            return len(self._children)

    def close(self) -> None:
        """Stop every query still running, and the spare child."""
        with self._children_lock:
            self._closed = True
            children = list(self._children)
            spare, self._spare = self._spare, None
        if spare is not None:
            self._discard(spare)
        for pid in children:
            self._reap(pid, kill=True)


@dataclass
class _Spare:
    """A forked child waiting for a query: its pipes, and the store state it was forked from."""

    pid: int
    requests: int
    answers: int
    generation: int
    born: float
    store: Store | None = None


@dataclass(frozen=True)
class _Request:
    sparql: str
    default_graphs: Sequence[str | None] | None
    named_graphs: Sequence[str] | None
    base_iri: str | None


# ------------------------------------------------------------------------------------------------
# The child process and its one message
#
# The child writes b"." once it has read the store (it started cleanly), reads one order (a
# pickle of the request, its CPU priority, memory limit and row limit; from the parent only), then
# writes one message and exits: b"A" + b"1"/b"0" (ASK), b"S" + SPARQL JSON results (SELECT),
# b"G" + N-Triples (CONSTRUCT, DESCRIBE), or b"E" + kind + "\n" + detail (an error for the caller).


def _child(store: Store, requests: int, answers: int) -> None:
    """Read the store once, say so (b"."), wait for one query on ``requests``, write its answer
    to ``answers``. Runs in the forked child and never returns: it ends with ``os._exit``, so no
    handler, destructor or buffer of the parent's runs here (the store in particular is never
    flushed or closed by the child). If the service goes away, ``requests`` ends, and so does
    this process."""
    status = 0
    try:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        # The child's one channel is the pipe: an abort for memory (the allocator's message,
        # Python's fault handler) must not reach the service's log as if the service had failed.
        faulthandler.disable()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        _close_inherited(keep={requests, answers})
        store.query("ASK {}")
        _write_all(answers, b".")
        # A spare unused past its age is never given a query: it ends by itself, so that no
        # copy of the service's memory outlives its use.
        waiting, _, _ = select.select([requests], [], [], _SPARE_MAX_AGE + 5.0)
        if not waiting:
            os._exit(0)
        order = _read_all(requests)
        request, nice, memory_mb, max_rows = pickle.loads(order)
        if nice:
            os.nice(nice)
        if memory_mb:
            _limit_memory(memory_mb)
        _write_all(answers, _answer(store, request, max_rows))
        os.close(answers)  # the answer is complete: the parent reads it before this process is gone
    except BaseException:  # nothing may escape a forked child
        status = 1
    finally:
        os._exit(status)


def _close_inherited(keep: set[int]) -> None:
    """Close the sockets and pipes the child inherited: the service's listening socket, its
    clients' connections (a client waiting for the end of a response must not wait for this
    process) and other query processes' pipes (their ends must come when their parent closes
    them). The store's own files stay open: the child reads through them."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    for fd in fds:
        if fd in keep or fd <= 2:
            continue
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            continue
        if stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode):
            with contextlib.suppress(OSError):
                os.close(fd)


def _limit_memory(memory_mb: int) -> None:
    import resource

    try:
        with open("/proc/self/statm", "rb") as statm:
            now = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return
    limit = now + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _collect(
    store: Store,
    request: _Request,
    max_rows: int,
    stop_if_late: Callable[[], None] | None = None,
) -> QueryResult:
    """Evaluate ``request`` and read its whole result, at most ``max_rows`` rows, calling
    ``stop_if_late`` every 256 rows (the thread path's deadline; a child is killed instead)."""
    try:
        results = store.query(
            request.sparql,
            default_graphs=request.default_graphs,
            named_graphs=request.named_graphs,
            base_iri=request.base_iri,
        )
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc.msg or exc)) from None

    def check(count: int) -> None:
        if count > max_rows:
            raise _too_many_rows(max_rows)
        if stop_if_late is not None and count % 256 == 0:
            stop_if_late()

    # pyoxigraph result iterators must be dropped on the thread that made them: every
    # reference is released in ``finally``, before an exception travels to the caller.
    solution = triple = None
    try:
        if isinstance(results, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(results))
        if isinstance(results, ox.QuerySolutions):
            variables = tuple(v.value for v in results.variables)
            rows = []
            for n, solution in enumerate(results, 1):
                check(n)
                rows.append(tuple(solution[v] for v in variables))
            return QueryResult("select", variables=variables, rows=tuple(rows))
        triples = []
        for n, triple in enumerate(results, 1):
            check(n)
            triples.append(triple)
        return QueryResult("graph", triples=tuple(triples))
    except (OSError, RuntimeError) as exc:
        # Evaluation errors (for example a SERVICE call that fails) are the query's fault.
        raise QuerySyntaxError(f"the query could not be evaluated: {exc}") from None
    except SyntaxError as exc:
        # A remote store that fails while it streams (oxigraph serve, when SERVICE fails)
        # has already sent 200: its error text ends the results document.
        raise QuerySyntaxError(
            f"the query could not be evaluated: the store's answer broke off ({exc.msg})"
        ) from None
    finally:
        del results, solution, triple


def _answer(store: Store, request: _Request, max_rows: int) -> bytes:
    """The child's one message for ``request`` (see above)."""
    try:
        result = _collect(store, request, max_rows)
    except QuerySyntaxError as exc:
        return ("Esyntax\n" + exc.detail).encode("utf-8", "replace")
    except ResultTooLarge:
        return b"Erows\n"
    except MemoryError:
        return b"Ememory\n"
    except (OSError, RuntimeError) as exc:  # raised by the store before any result was read
        return f"Esyntax\nthe query could not be evaluated: {exc}".encode("utf-8", "replace")
    if result.kind == "ask":
        return b"A" + (b"1" if result.boolean else b"0")
    if result.kind == "select":
        return b"S" + json.dumps(result.to_sparql_json()).encode("utf-8")
    return b"G" + (ox.serialize(result.triples, format=ox.RdfFormat.N_TRIPLES) or b"")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, _CHUNK):
        chunks.append(chunk)
    return b"".join(chunks)


def _await_ready(fd: int, until: float) -> bool:
    """Whether the child said it is ready (b".") by ``until``."""
    while (left := until - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            return os.read(fd, 1) == b"."
    return False


def _read_answer(fd: int, deadline: float) -> bytes | None:
    """The child's message; ``None`` past the deadline; ``b""`` when it died without a word."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _too_many_rows(max_rows: int) -> ResultTooLarge:
    return ResultTooLarge(
        f"the result has more than {max_rows} rows; narrow the query "
        "(LIMIT, FILTER) or ask for an aggregate",
        limit=max_rows,
    )


def _too_much_memory(memory_mb: int) -> QueryTooCostly:
    return QueryTooCostly(
        f"the query needed more than the {memory_mb} MB it may use and was stopped; "
        "narrow it (LIMIT, FILTER) or ask for an aggregate",
        limit=memory_mb,
    )


_ERRORS: dict[str, Callable[[str, QueryRunner], PalermoError]] = {
    "syntax": lambda detail, runner: QuerySyntaxError(detail or "malformed query"),
    "rows": lambda detail, runner: _too_many_rows(runner.max_rows),
    "memory": lambda detail, runner: _too_much_memory(runner.memory_mb),
}
