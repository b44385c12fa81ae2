"""A remote SPARQL 1.1 store behind the :class:`~palermo.store.oxigraph.Store` interface (issue 8).

Any server that speaks SPARQL 1.1 Query (https://www.w3.org/TR/sparql11-protocol/), Update and
the Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/) will do: Oxigraph
server, Apache Jena Fuseki, GraphDB, Virtuoso, Amazon Neptune. ``PALERMO_STORE_URL`` names it; the
three endpoints default to Oxigraph server's ``/query``, ``/update`` and ``/store`` under it and can
each be set on their own (``PALERMO_STORE_QUERY_URL``, ``PALERMO_STORE_UPDATE_URL``,
``PALERMO_STORE_GSP_URL``). Credentials come from the environment: ``PALERMO_STORE_USER`` and
``PALERMO_STORE_PASSWORD`` (HTTP basic) or ``PALERMO_STORE_TOKEN`` (bearer).

What the embedded store does in one transaction, this one does in one request: a case graph, its
inference graph and their metadata are one SPARQL Update (``DROP`` + ``INSERT DATA``), which a
server applies atomically (SPARQL 1.1 Update, section 2: "implementations SHOULD ... treat a request
as atomic"; Oxigraph does). Such a write replaces what it names, so sending it again after an
unknown outcome is harmless: it is retried with exponential backoff while the server is briefly
unavailable (connection refused or reset, 502, 503, 504), a bounded number of times, and then
reported as :class:`~palermo.errors.StoreError` (``503 store-unavailable``). Requests that are not
idempotent (a client's own SPARQL Update, a Graph Store ``POST``) are retried only when the server
refused the connection, so they never apply twice.

The dataset of a query (access control restricts it) goes to the server as the protocol's
``default-graph-uri`` and ``named-graph-uri`` parameters, which take precedence over ``FROM`` and
``FROM NAMED`` in the query text (SPARQL 1.1 Protocol, 2.1.4). The union of all graphs as default
graph is not in the standard: Oxigraph takes a ``union-default-graph`` parameter, Fuseki a graph
name (``urn:x-arq:UnionGraph``), GraphDB and Virtuoso do it by default; ``PALERMO_STORE_UNION``
says which (module :data:`UNION_PARAMETER`).

No case data is cached in the process: every answer comes from the server, so any number of
workers on one store give the same answers.

The HTTP is ``http.client`` with a pool and a retry loop of its own, kept after weighing urllib3
2.x (``PoolManager``, ``urllib3.util.Retry``) against it. A prototype on urllib3 passed every test
in tests/store/test_remote.py but one, for about 40 lines less and one more dependency: ``Retry``
ends where the response headers arrive, so an answer cut off half-way is not retried when read
with ``preload_content=False``, and with ``preload_content=True`` the deadline that stops a runaway
query stream cannot be kept (urllib3's read timeout bounds each socket read, not the answer);
closing that gap means a second retry loop beside ``Retry``. The rest had to be worked around too:
a request that is not idempotent needs a pool of its own to be sure of a fresh connection (a pooled
one is checked with ``is_connection_dropped``, which cannot see a close that races the send),
``allowed_methods`` leaves out POST (every query and write here), ``Retry-After`` is obeyed however
long it asks, and retries are logged only through a ``Retry`` subclass. Here the whole policy (what
is transient, what is idempotent, how long to wait) is one loop, :meth:`RemoteStore._request`.
"""

from __future__ import annotations

import base64
import http.client
import logging
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from palermo.errors import QueryTimeout, StoreError
from palermo.rdf.namespaces import graph_iri
from palermo.rdf.terms import to_triples
from palermo.store import metadata
from palermo.store.interface import CaseGraphWrite, Dataset

log = logging.getLogger(__name__)

#: ``PALERMO_STORE_UNION`` value that sends Oxigraph's ``union-default-graph`` parameter.
UNION_PARAMETER = "union-default-graph"
#: ``PALERMO_STORE_UNION`` value for servers whose default graph already is the union.
UNION_NATIVE = "native"
#: A graph nobody writes: the default graph of a query whose caller may see no graph at all.
EMPTY_GRAPH = graph_iri("none")

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
FORM = "application/x-www-form-urlencoded"
TRANSIENT_STATUS = frozenset({502, 503, 504})
#: How ``oxigraph serve`` ends an answer it stopped at its ``--timeout-s``.
OXIGRAPH_CANCELLED = b"The SPARQL operation has been cancelled"


@dataclass(frozen=True)
class Endpoints:
    """The three endpoints of a remote store."""

    query: str
    update: str
    gsp: str

    @classmethod
    def under(
        cls,
        base: str,
        *,
        query: str | None = None,
        update: str | None = None,
        gsp: str | None = None,
    ) -> Endpoints:
        """Oxigraph server's ``/query``, ``/update`` and ``/store`` under ``base``, unless given."""
        root = base.rstrip("/")
        if not (query and update and gsp) and not root:
            raise StoreError("PALERMO_STORE_URL is empty and not every endpoint is set")
        return cls(query or root + "/query", update or root + "/update", gsp or root + "/store")


class _Transient(Exception):
    """A failure worth retrying (the server was briefly unavailable)."""


class RemoteStore(metadata.RecordReader):
    """A SPARQL 1.1 Query/Update/Graph Store server, spoken to over HTTP (``http.client``).

    Each thread keeps its own keep-alive connection per host; requests that are not idempotent go
    on a fresh connection so that a connection the server closed while idle cannot leave their
    outcome unknown.
    """

    def __init__(
        self,
        endpoints: Endpoints,
        *,
        user: str = "",
        password: str = "",
        token: str = "",
        union: str = UNION_PARAMETER,
        retries: int = 8,
        backoff: float = 0.2,
        query_timeout: float = 60.0,
        write_timeout: float = 300.0,
    ) -> None:
        self.endpoints = endpoints
        self.union = union
        self.retries = max(0, retries)
        self.backoff = backoff
        self.query_timeout = query_timeout
        self.write_timeout = write_timeout
        self._auth: dict[str, str] = {}
        if token:
            self._auth["Authorization"] = f"Bearer {token}"
        elif user:
            pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            self._auth["Authorization"] = f"Basic {pair}"
        self._local = threading.local()
        self._all: set[http.client.HTTPConnection] = set()
        self._all_lock = threading.Lock()
        for url in (endpoints.query, endpoints.update, endpoints.gsp):
            if urlsplit(url).scheme not in {"http", "https"} or not urlsplit(url).hostname:
                raise StoreError(f"the store endpoint {url!r} is not an http(s) URL")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RemoteStore:
        """Build from ``STORE_*`` settings (:mod:`palermo.config`)."""
        endpoints = Endpoints.under(
            str(config.get("STORE_URL") or ""),
            query=config.get("STORE_QUERY_URL") or None,
            update=config.get("STORE_UPDATE_URL") or None,
            gsp=config.get("STORE_GSP_URL") or None,
        )
        timeout = float(config.get("QUERY_TIMEOUT", 30.0))
        return cls(
            endpoints,
            user=str(config.get("STORE_USER") or ""),
            password=str(config.get("STORE_PASSWORD") or ""),
            token=str(config.get("STORE_TOKEN") or ""),
            union=str(config.get("STORE_UNION") or UNION_PARAMETER),
            retries=int(config.get("STORE_RETRIES", 8)),
            query_timeout=timeout + 5.0,
        )

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoints.query!r})"

    # -- HTTP ---------------------------------------------------------------------------------

    def _connection(self, url: str, fresh: bool, timeout: float) -> http.client.HTTPConnection:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        pool: dict = self._local.__dict__.setdefault("pool", {})
        conn = None if fresh else pool.get(key)
        if conn is None:
            kind = (
                http.client.HTTPSConnection
                if parts.scheme == "https"
                else http.client.HTTPConnection
            )
            conn = kind(parts.hostname or "", parts.port, timeout=timeout)
            if not fresh:
                pool[key] = conn
                with self._all_lock:
                    self._all.add(conn)
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def _forget(self, url: str, conn: http.client.HTTPConnection) -> None:
        parts = urlsplit(url)
        pool: dict = self._local.__dict__.setdefault("pool", {})
        if pool.get((parts.scheme, parts.netloc)) is conn:
            del pool[(parts.scheme, parts.netloc)]
        with self._all_lock:
            self._all.discard(conn)
        conn.close()

    def _once(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        *,
        idempotent: bool,
        timeout: float,
    ) -> tuple[int, str, bytes]:
        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        conn = self._connection(url, fresh=not idempotent, timeout=timeout)
        deadline = time.monotonic() + timeout
        try:
            conn.request(method, target, body=body, headers={**self._auth, **headers})
            response = conn.getresponse()
            # Read against a deadline: a runaway query streams rows forever, and closing the
            # connection is what stops the server evaluating it.
            chunks = []
            while chunk := response.read(1 << 16):
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise TimeoutError
            data = b"".join(chunks)
            if response.length:  # closed before Content-Length bytes came: a lost connection
                raise http.client.IncompleteRead(data, response.length)
        except ConnectionRefusedError as exc:
            self._forget(url, conn)
            raise _Transient(f"connection refused ({exc.strerror or exc})") from None
        except TimeoutError:
            self._forget(url, conn)
            raise StoreError(f"the store did not answer within {timeout:g} s") from None
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            self._forget(url, conn)
            if idempotent:
                raise _Transient(f"connection lost ({type(exc).__name__})") from None
            raise StoreError(
                f"the connection to the store was lost ({type(exc).__name__}); "
                "the request may or may not have been applied"
            ) from None
        if not idempotent or response.will_close:
            self._forget(url, conn)
        if response.status in TRANSIENT_STATUS and idempotent:
            raise _Transient(f"HTTP {response.status}")
        return response.status, response.getheader("Content-Type", "") or "", data

    def _request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool = True,
        timeout: float | None = None,
    ) -> tuple[int, str, bytes]:
        """One request, retried with backoff while the failure is transient."""
        timeout = self.query_timeout if timeout is None else timeout
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                delay = min(self.backoff * 2 ** (attempt - 1), 5.0)
                log.warning(
                    "store unavailable (%s); retry %d/%d in %.1f s",
                    reason,
                    attempt,
                    self.retries,
                    delay,
                )
                time.sleep(delay)
            try:
                return self._once(
                    method, url, body, headers or {}, idempotent=idempotent, timeout=timeout
                )
            except _Transient as exc:
                reason = str(exc)
        raise StoreError(
            f"the store at {self._origin(url)} is unavailable ({reason}) after "
            f"{self.retries + 1} attempt(s)",
            attempts=self.retries + 1,
        )

    @staticmethod
    def _origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def _fail(self, status: int, data: bytes, what: str) -> StoreError:
        if status in {401, 403}:
            return StoreError(f"the store refused the credentials for {what} (HTTP {status})")
        log.error("store answered HTTP %d to %s: %s", status, what, data[:300])
        return StoreError(f"the store answered HTTP {status} to {what}")

    # -- reading ------------------------------------------------------------------------------

    def _dataset(
        self, default_graphs: Sequence[str | None] | None, named_graphs: Sequence[str] | None
    ) -> list[tuple[str, str]]:
        """Protocol parameters that make the query dataset what the arguments say.

        The store's own default graph cannot be named in the protocol; a ``None`` among graph IRIs
        is left out, which narrows the dataset and never widens it.
        """
        if default_graphs is None and named_graphs is None:
            if self.union == UNION_PARAMETER:
                return [(UNION_PARAMETER, "true")]
            if self.union == UNION_NATIVE:
                return []
            return [("default-graph-uri", self.union)]
        if default_graphs is not None and list(default_graphs) == [None] and named_graphs is None:
            return []  # the store's default dataset: its default graph and every named graph
        if default_graphs is None:
            default = self.graph_names()
        else:
            default = [g for g in default_graphs if g is not None]
        named = self.graph_names() if named_graphs is None else list(named_graphs)
        params = [("default-graph-uri", g) for g in (default or [EMPTY_GRAPH])]
        params += [("named-graph-uri", g) for g in named]
        return params

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str | None] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        """Evaluate a query on the server; graph results come back as a list of triples."""
        prefix = f"BASE {ox.NamedNode(base_iri)} " if base_iri else ""
        params = [("query", prefix + sparql), *self._dataset(default_graphs, named_graphs)]
        try:
            return self._query(params)
        except SyntaxError as exc:
            raise SyntaxError(_unshift(str(exc.msg), len(prefix))) from None

    def _query(
        self, params: list[tuple[str, str]]
    ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        status, media, data = self._request(
            "POST",
            self.endpoints.query,
            body=urlencode(params).encode("utf-8"),
            headers={"Content-Type": FORM, "Accept": f"{RESULTS_JSON}, {N_TRIPLES};q=0.9"},
        )
        if status == 400:
            raise SyntaxError(data.decode("utf-8", "replace").strip() or "malformed query")
        if status != 200:
            raise self._fail(status, data, "a query")
        if data.endswith(OXIGRAPH_CANCELLED):
            # ``oxigraph serve --timeout-s`` cuts the answer short with this line (status 200).
            raise QueryTimeout("the store stopped the query at its own time limit")
        media = media.split(";", 1)[0].strip().lower()
        if media == RESULTS_JSON:
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        if media == N_TRIPLES:
            return [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
        raise StoreError(f"the store answered a query with {media or 'no media type'}")

    def _select(self, sparql: str) -> ox.QuerySolutions:
        """A SELECT over the store's own dataset (queries that name their graphs)."""
        result = self._query([("query", sparql)])
        assert isinstance(result, ox.QuerySolutions)
        return result

    def _gsp_url(self, graph: str | None) -> str:
        sep = "&" if "?" in self.endpoints.gsp else "?"
        if graph is None:
            return f"{self.endpoints.gsp}{sep}default"
        return f"{self.endpoints.gsp}{sep}{urlencode({'graph': graph})}"

    def triples(self, graph: str | None) -> list[ox.Triple]:
        status, _media, data = self._request(
            "GET", self._gsp_url(graph), headers={"Accept": N_TRIPLES}
        )
        if status == 404:
            return []
        if status != 200:
            raise self._fail(status, data, "a graph read")
        return [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]

    def has_graph(self, graph: str | None) -> bool:
        if graph is None:
            return True
        status, _media, data = self._request("HEAD", self._gsp_url(graph))
        if status in {200, 204}:
            return True
        if status == 404:
            return False
        raise self._fail(status, data, "a graph lookup")

    def graph_names(self) -> list[str]:
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted(r["g"].value for r in rows if isinstance(r["g"], ox.NamedNode))

    def count_quads(self) -> int:
        rows = self._select(
            "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        )
        return int(next(iter(rows))["n"].value)

    def __iter__(self) -> Iterator[ox.Quad]:
        """Every quad of the store (a Graph Store ``GET`` of the whole dataset)."""
        status, _media, data = self._request("GET", self.endpoints.gsp, headers={"Accept": N_QUADS})
        if status != 200:
            raise self._fail(status, data, "a dataset read")
        return iter(list(ox.parse(data, format=ox.RdfFormat.N_QUADS)))

    # -- writing ------------------------------------------------------------------------------

    def _send_update(self, sparql: str, *, idempotent: bool) -> None:
        status, _media, data = self._request(
            "POST",
            self.endpoints.update,
            body=sparql.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
            idempotent=idempotent,
            timeout=self.write_timeout,
        )
        if status == 400:
            raise SyntaxError(data.decode("utf-8", "replace").strip() or "malformed update")
        if status not in {200, 204}:
            raise self._fail(status, data, "an update")

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """A client's update: one request, retried only if the server refused the connection."""
        prefix = f"BASE {ox.NamedNode(base_iri)} " if base_iri else ""
        try:
            self._send_update(prefix + sparql, idempotent=False)
        except SyntaxError as exc:
            raise SyntaxError(_unshift(str(exc.msg), len(prefix))) from None

    def replace_graph(self, graph: str | None, triples: Iterable[ox.Triple]) -> None:
        body = metadata.statements(to_triples(triples))
        if graph is None:
            clear = "CLEAR SILENT DEFAULT"
            insert = f" ;\nINSERT DATA {{ {body} }}" if body else ""
        else:
            clear = f"DROP SILENT GRAPH {ox.NamedNode(graph)}"
            insert = (
                f" ;\nINSERT DATA {{ GRAPH {ox.NamedNode(graph)} {{ {body} }} }}"
                if body
                else f" ;\nCREATE SILENT GRAPH {ox.NamedNode(graph)}"
            )
        self._send_update(clear + insert, idempotent=True)

    def add_triples(self, graph: str | None, triples: Iterable[ox.Triple]) -> None:
        """A Graph Store ``POST`` (merge); not idempotent with blank nodes, so not retried."""
        data = ox.serialize(list(to_triples(triples)), format=ox.RdfFormat.N_TRIPLES) or b""
        status, _media, answer = self._request(
            "POST",
            self._gsp_url(graph),
            body=data,
            headers={"Content-Type": N_TRIPLES},
            idempotent=False,
            timeout=self.write_timeout,
        )
        if status == 400:
            raise SyntaxError(answer.decode("utf-8", "replace").strip())
        if status not in {200, 201, 204}:
            raise self._fail(status, answer, "a graph write")

    def drop_graph(self, graph: str | None) -> None:
        target = "CLEAR SILENT DEFAULT" if graph is None else f"DROP SILENT GRAPH <{graph}>"
        self._send_update(target, idempotent=True)

    def set_dataset(self, name: str, *, public: bool) -> Dataset:
        metadata.check_dataset_name(name)
        self._send_update(metadata.dataset_update(name, public, replace=True), idempotent=True)
        return next(d for d in self.datasets() if d.name == name)

    def write_case_graphs(
        self, writes: Sequence[CaseGraphWrite], *, dataset: str, public: bool | None = None
    ) -> None:
        """Replace each case graph and its inference graph, and their metadata, in ONE update.

        The update drops what it writes before inserting it, so a retry is harmless. The check
        that ``public`` agrees with a stored dataset is a read before the write: two workers that
        create the same dataset at once with opposite access rights are not told apart.
        """
        metadata.check_dataset_name(dataset)
        if not writes:
            return
        stored = self.stored_public(dataset)
        new = metadata.check_access_rights(dataset, stored, public)
        started = time.perf_counter()
        update = metadata.case_graphs_update(
            writes,
            dataset,
            now=datetime.now(UTC).isoformat(),
            new_dataset=bool(public) if new else None,
        )
        self._send_update(update, idempotent=True)
        log.info(
            "stored %d case graph(s) in dataset %s in %.3f s",
            len(writes),
            dataset,
            time.perf_counter() - started,
        )

    def drop_case_graph(self, graph: str) -> None:
        """Remove a case graph, its inference graph and their records in one update."""
        record = self.case_record(graph)
        update = metadata.drop_case_update(graph, record.inferred_graph if record else None)
        self._send_update(update, idempotent=True)

    def close(self) -> None:
        with self._all_lock:
            conns, self._all = list(self._all), set()
        for conn in conns:
            conn.close()


def _unshift(message: str, width: int) -> str:
    """A parser message about the text as the client wrote it, before ``BASE`` was put in front
    of its first line (Oxigraph reports ``error at LINE:COLUMN``)."""
    if not width:
        return message
    return re.sub(r"\b1:(\d+)", lambda m: f"1:{max(1, int(m.group(1)) - width)}", message, count=1)


__all__ = ["EMPTY_GRAPH", "UNION_NATIVE", "UNION_PARAMETER", "Endpoints", "RemoteStore"]
