"""The reference validation engine: pySHACL (https://github.com/RDFLib/pySHACL).

The ontology's class hierarchy is mixed into a copy of the data graph (as pySHACL's
``ont_graph`` does) and no inference is done (``inference='none'``); see
:mod:`palermo.validation.shapes` for why. This module never logs case content: only counts and
durations.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

import pyshacl
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result

from palermo.validation.report import ValidationOutcome, count_text, outcome_from_report
from palermo.validation.shapes import Shapes

log = logging.getLogger(__name__)

NAME = "pyshacl"

# rdflib's SPARQL parser (pyparsing) is not thread-safe: two requests preparing a query at once
# under waitress broke it for good (TypeError in Param.postParse2; benchmarks/load_test.py).
_PARSER_LOCK = threading.Lock()


def validate_pyshacl(data: Graph, shapes: Shapes) -> ValidationOutcome:
    """Validate ``data`` against ``shapes`` with pySHACL, the ontology's class hierarchy mixed in
    and no inference. ``data`` is not changed."""
    started = time.perf_counter()
    # The same as pySHACL's ont_graph mixing, done here so that the graph is a _ValidationGraph.
    mixed = _ValidationGraph(shapes.prepared)
    for prefix, namespace in data.namespaces():
        mixed.bind(prefix, namespace, override=False)
    mixed += data
    mixed += shapes.ontology
    _, report, _ = pyshacl.validate(
        mixed,
        shacl_graph=shapes.graph,
        inplace=True,
        inference="none",
        allow_warnings=True,
        allow_infos=True,
        abort_on_first=False,
        advanced=False,
        meta_shacl=False,
        js=False,
        debug=False,
    )
    if not isinstance(report, Graph):  # pragma: no cover - pySHACL's ValidationFailure
        raise RuntimeError(f"SHACL validation failed: {report}")
    outcome = outcome_from_report(report)
    log.info(
        "validated %d triples in %.3f s: %s",
        len(data),
        time.perf_counter() - started,
        count_text(outcome.counts),
    )
    return outcome


class _ValidationGraph(Graph):
    """The graph a validation runs on, with each SPARQL query text parsed once per shapes graph.

    pySHACL evaluates a SPARQL-based constraint (SHACL 1.0, section 5.3,
    https://www.w3.org/TR/shacl/#sparql-constraints-validation) by sending the same query text
    for every focus node, with ``$this`` pre-bound through ``initBindings``; rdflib would parse
    and translate the text every time, which costs tens of milliseconds a focus node. A prepared
    query evaluated with other initial bindings gives the same answers. The prepared queries are
    kept on the :class:`Shapes` object, which lives as long as the app or the command.
    """

    def __init__(self, prepared: dict[Any, Query]) -> None:
        super().__init__()
        self._prepared = prepared

    def query(  # type: ignore[override]
        self,
        query_object: str | Query,
        processor: str = "sparql",
        result: str = "sparql",
        initNs: Mapping[str, Any] | None = None,
        initBindings: Mapping[str, Any] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Result:
        if isinstance(query_object, str):
            namespaces = initNs if initNs is not None else dict(self.namespaces())
            key = (query_object, tuple(sorted((p, str(n)) for p, n in namespaces.items())))
            prepared = self._prepared.get(key)
            if prepared is None:
                with _PARSER_LOCK:
                    prepared = prepareQuery(query_object, initNs=dict(key[1]))
                self._prepared[key] = prepared
            query_object = prepared
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )
