"""Configuration: defaults, then ``PALERMO_*`` environment variables, then a mapping passed in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from palermo.rdf.namespaces import CASE_BASE

DEFAULTS: dict[str, Any] = {
    # Where the embedded store keeps its files; None with MEMORY=True.
    "DATA_DIR": "./palermo-data",
    "MEMORY": False,
    # A remote SPARQL 1.1 store (DESIGN.md, "Components"); empty for the embedded store.
    "STORE_URL": "",
    "STORE_QUERY_URL": "",
    "STORE_UPDATE_URL": "",
    "STORE_GSP_URL": "",
    # Credentials for it, from the environment only: HTTP basic, or a bearer token.
    "STORE_USER": "",
    "STORE_PASSWORD": "",
    "STORE_TOKEN": "",
    # How it offers the union of all graphs as default graph (palermo.store.remote).
    "STORE_UNION": "union-default-graph",
    # Retries (exponential backoff) while it is briefly unavailable, then 503 store-unavailable.
    "STORE_RETRIES": 8,
    # Base IRI of case data minted by Palermo.
    "CASE_BASE": CASE_BASE,
    # "token:scope,token:scope"; no token by default, so no writes by default.
    "TOKENS": "",
    # IRI prefixes SERVICE and LOAD may reach, comma-separated; empty: no outbound request at all.
    "OUTBOUND_ALLOW": "",
    # Limits.
    "MAX_BODY_BYTES": 10 * 1024 * 1024,
    "QUERY_TIMEOUT": 30.0,
    "MAX_RESULT_ROWS": 100_000,
    "MIN_CELL_SIZE": 5,
    # Reasoner used on load and classify: "fast" or "owlrl".
    "REASONER": "fast",
    "LOAD_EXAMPLES": False,
    # How queries are evaluated on the embedded store (palermo.sparql.runner): "process", each
    # in a forked process killed at its deadline, or "thread" (a runaway aggregate then runs on).
    "QUERY_ISOLATION": "process",
    # Memory a query process may use beyond the service's own, in MB (0: no limit).
    "QUERY_MEMORY_MB": 1024,
    # Concurrent queries (palermo.sparql.admission): all anonymous callers together, one
    # anonymous client (by address), one token. Beyond: 429 with Retry-After.
    "ANONYMOUS_QUERY_SLOTS": 16,
    "ANONYMOUS_QUERIES_PER_CLIENT": 2,
    "QUERIES_PER_TOKEN": 4,
    # CPU priority (nice) of anonymous callers' query processes: a token's queries come first.
    "ANONYMOUS_QUERY_NICE": 10,
    # The dataset that case graphs written through SPARQL Update go to.
    "API_DATASET": "private",
    # Validation jobs (POST /validations): the largest upload, counted after gzip too; seconds a
    # finished job is kept; threads that run jobs; jobs queued or running in all, and per caller.
    "MAX_VALIDATION_BYTES": 1024 * 1024 * 1024,
    "VALIDATION_TTL": 7 * 24 * 3600,
    "VALIDATION_WORKERS": 2,
    "MAX_VALIDATION_JOBS": 8,
    "MAX_VALIDATION_JOBS_PER_CALLER": 2,
}

_INT_KEYS = {
    "MAX_BODY_BYTES",
    "MAX_RESULT_ROWS",
    "MIN_CELL_SIZE",
    "STORE_RETRIES",
    "QUERY_MEMORY_MB",
    "ANONYMOUS_QUERY_SLOTS",
    "ANONYMOUS_QUERIES_PER_CLIENT",
    "QUERIES_PER_TOKEN",
    "ANONYMOUS_QUERY_NICE",
    "MAX_VALIDATION_BYTES",
    "VALIDATION_TTL",
    "VALIDATION_WORKERS",
    "MAX_VALIDATION_JOBS",
    "MAX_VALIDATION_JOBS_PER_CALLER",
}
_FLOAT_KEYS = {"QUERY_TIMEOUT"}
_BOOL_KEYS = {"MEMORY", "LOAD_EXAMPLES"}


def _coerce(key: str, value: str) -> Any:
    if key in _INT_KEYS:
        return int(value)
    if key in _FLOAT_KEYS:
        return float(value)
    if key in _BOOL_KEYS:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return value


def load_config(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Merge the defaults, the ``PALERMO_*`` environment and ``overrides``, in that order."""
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        raw = environ.get(f"PALERMO_{key}")
        if raw is not None and raw != "":
            try:
                config[key] = _coerce(key, raw)
            except ValueError as exc:
                raise ValueError(f"PALERMO_{key}: {exc}") from None
    if overrides:
        config.update(overrides)
    return config
