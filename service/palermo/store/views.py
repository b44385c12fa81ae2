"""Restricted callers on the fast path: when the union default graph gives them the same answer.

Oxigraph evaluates a query whose default graph is a list of graphs graph by graph: every lookup in
a join is repeated for each graph of the list, so a join over N cases with a list of 2N graphs takes
time in N squared (21,195 CTDC cases: minutes, where the union default graph takes a second). A
caller who may see a few graphs gets the list, which is then short. An aggregate named query run by
a caller who may not read everything counts over all case data (:mod:`palermo.store.access`):
thousands of graphs, nearly the whole store. Neither Oxigraph nor the SPARQL 1.1 Protocol can name
"every graph but these", so the union default graph is used when it is provably the same dataset
for that query, and the list otherwise:

1. **The query's footprint** (:func:`footprint`, read once per query text from its algebra): the
   triple patterns it can match, as (predicate, class) pairs with variables left open. A query
   with a ``GRAPH``, ``SERVICE``, ``FROM`` or ``FROM NAMED``, a variable predicate (unless bound
   by a top-level ``VALUES`` of IRIs), a zero-length or negated property path, or an ``rdf:type``
   pattern with a variable class that is not anchored (below) has no footprint: it gets the list.
2. **The hidden part of the store holds nothing in that footprint** (:func:`union_is_exact`, one
   ``ASK`` per request): the store's default graph is empty, every named graph but the ontology,
   the shapes and the service metadata graph is a recorded case graph or the inference graph of
   one (DESIGN.md: the graphs :func:`palermo.store.access.all_case_data` lists), and the service
   metadata graph has no triple matching a pattern of the footprint. A pattern ``?x a ?class``
   with a variable class is *anchored* when ``?x`` is the subject or object of another pattern of
   the same basic graph pattern with a fixed predicate: it can use a metadata triple only if that
   triple's subject also appears in that position somewhere, which the ``ASK`` tests too.

When both hold, every solution over the union uses only triples of case graphs, inference graphs
and the open graphs, so the answer is the one the list gives, at the speed a full reader gets. The
check and the query are two reads: a graph written between them is seen as the query runs, as with
the list (the visibility is read before the query too).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rdflib import RDF, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, Path, SequencePath
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

from palermo.rdf.namespaces import DCTERMS, PROV
from palermo.store.interface import Store
from palermo.store.metadata import METADATA_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH

log = logging.getLogger(__name__)

_TYPE = str(RDF.type)
_UNSAFE_NODES = frozenset({"Graph", "ServiceGraphPattern", "DescribeQuery", "ConstructQuery"})


@dataclass(frozen=True)
class Footprint:
    """What a query can match in the default graph.

    ``patterns``: (predicate, class) pairs, class None for any object; a pattern ``?s p ?o`` is
    ``(p, None)``, ``?s a C`` is ``(rdf:type, C)``. ``anchors``: for each ``?x a ?class`` pattern,
    (predicate, class or None, position of ``?x``: ``"s"`` or ``"o"``) of the pattern that anchors
    it.
    """

    patterns: frozenset[tuple[str, str | None]]
    anchors: frozenset[tuple[str, str | None, str]]


class _Unsafe(Exception):
    """The query can match triples outside what a footprint describes."""


@lru_cache(maxsize=256)
def footprint(sparql: str) -> Footprint | None:
    """The footprint of a SELECT or ASK query, or None when it has none (see the module text).

    Parsing with rdflib takes tens of milliseconds, so the answer is kept per query text: named
    queries are few and their text is fixed (parameters are bound after, as VALUES of terms).
    """
    try:
        query = translateQuery(parseQuery(sparql))
    except Exception:  # a query rdflib cannot read simply gets the list
        log.info("no footprint: the query could not be analysed")
        return None
    root = query.algebra
    if root.name not in {"SelectQuery", "AskQuery"} or root.get("datasetClause"):
        return None
    patterns: set[tuple[str, str | None]] = set()
    anchors: set[tuple[str, str | None, str]] = set()
    try:
        _walk(root, _top_values(root), patterns, anchors, top=root.get("p"))
    except _Unsafe as exc:
        log.info("no footprint: %s", exc)
        return None
    return Footprint(frozenset(patterns), frozenset(anchors))


def _top_values(root: CompValue) -> dict[Variable, frozenset[str]]:
    """Variables bound for every solution by a VALUES block of IRIs joined at the top level."""
    node: Any = root.get("p")
    while isinstance(node, CompValue) and node.name in {
        "Project",
        "OrderBy",
        "Extend",
        "AggregateJoin",
        "Group",
        "Filter",
        "Slice",
        "Distinct",
        "Reduced",
    }:
        node = node.get("p")
    found: dict[Variable, frozenset[str]] = {}
    if not (isinstance(node, CompValue) and node.name == "Join"):
        return found
    for side in (node.get("p1"), node.get("p2")):
        if isinstance(side, CompValue) and side.name == "ToMultiSet":
            values = side.get("p")
            if isinstance(values, CompValue) and values.name == "values":
                rows = list(values.get("res") or [])
                names = {v for row in rows for v in row}
                for var in names:
                    terms = [row.get(var) for row in rows]
                    if rows and all(isinstance(t, URIRef) for t in terms):
                        found[var] = frozenset(str(t) for t in terms)
    return found


def _walk(
    node: Any,
    values: Mapping[Variable, frozenset[str]],
    patterns: set[tuple[str, str | None]],
    anchors: set[tuple[str, str | None, str]],
    *,
    top: Any,
) -> None:
    if isinstance(node, CompValue):
        if node.name in _UNSAFE_NODES:
            raise _Unsafe(f"the query has a {node.name} pattern")
        if node.name == "Project" and node is not top:
            values = {}  # a subquery's variables are its own
        if node.name == "BGP":
            _bgp(list(node.get("triples") or []), values, patterns, anchors)
            return
        for child in node.values():
            _walk(child, values, patterns, anchors, top=top)
    elif isinstance(node, dict):
        for child in node.values():
            _walk(child, values, patterns, anchors, top=top)
    elif isinstance(node, list | tuple):
        for child in node:
            _walk(child, values, patterns, anchors, top=top)


def _bgp(
    triples: list[tuple[Any, Any, Any]],
    values: Mapping[Variable, frozenset[str]],
    patterns: set[tuple[str, str | None]],
    anchors: set[tuple[str, str | None, str]],
) -> None:
    for s, p, o in triples:
        if isinstance(p, Path):
            for iri in _path_iris(p):
                if iri == _TYPE:
                    raise _Unsafe("rdf:type in a property path")
                patterns.add((iri, None))
            continue
        predicates = _terms(p, values)
        if predicates is None:
            raise _Unsafe("a variable predicate")
        for predicate in predicates:
            if predicate != _TYPE:
                patterns.add((predicate, None))
                continue
            classes = _terms(o, values)
            if classes is not None:
                patterns.update((_TYPE, c) for c in classes)
                continue
            anchor = _anchor(s, (s, p, o), triples, values)
            if anchor is None:
                raise _Unsafe("an rdf:type pattern with a variable class and no anchor")
            anchors.add(anchor)


def _terms(term: Any, values: Mapping[Variable, frozenset[str]]) -> frozenset[str] | None:
    """The IRIs a predicate or class position can take, None when any term."""
    if isinstance(term, URIRef):
        return frozenset({str(term)})
    if isinstance(term, Variable) and term in values:
        return values[term]
    if isinstance(term, Variable):
        return None
    raise _Unsafe("a literal or blank node in a predicate or class position")


def _anchor(
    subject: Any,
    own: tuple[Any, Any, Any],
    triples: list[tuple[Any, Any, Any]],
    values: Mapping[Variable, frozenset[str]],
) -> tuple[str, str | None, str] | None:
    """A pattern of the same BGP with a fixed predicate that ``subject`` must also occupy."""
    if not isinstance(subject, Variable):
        return None
    for s, p, o in triples:
        if (s, p, o) == own or not isinstance(p, URIRef):
            continue
        if str(p) == _TYPE:
            if s == subject and isinstance(o, URIRef):
                return (_TYPE, str(o), "s")
            continue
        if s == subject:
            return (str(p), None, "s")
        if o == subject:
            return (str(p), None, "o")
    return None


def _path_iris(path: Any) -> Iterator[str]:
    if isinstance(path, URIRef):
        yield str(path)
    elif isinstance(path, SequencePath | AlternativePath):
        for arg in path.args:
            yield from _path_iris(arg)
    elif isinstance(path, InvPath):
        yield from _path_iris(path.arg)
    elif isinstance(path, MulPath) and path.mod == "+":
        yield from _path_iris(path.path)
    else:
        # p* and p? match every node of the graph with itself; !(p) matches any other predicate.
        raise _Unsafe(f"a property path {path.n3()} that can match any triple or node")


# ------------------------------------------------------------------------------------------------
# The check, per request

_META = f"<{METADATA_GRAPH}>"
_PART_OF = f"<{DCTERMS.isPartOf}>"
_DERIVED_FROM = f"<{PROV.wasDerivedFrom}>"
_RIGHTS = f"<{DCTERMS.accessRights}>"


def exactness_query(found: Footprint) -> str:
    """The ASK that is false exactly when the union default graph is the same dataset as all case
    data for a query with footprint ``found`` (see the module text)."""
    service = ", ".join(f"<{g}>" for g in (METADATA_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH))
    probes = []
    for predicate, cls in sorted(found.patterns, key=lambda x: (x[0], x[1] or "")):
        obj = f"<{cls}>" if cls else "?o"
        probes.append(f"{{ GRAPH {_META} {{ ?s <{predicate}> {obj} }} }}")
    for predicate, cls, position in sorted(found.anchors, key=lambda x: (x[0], x[1] or "", x[2])):
        obj = f"<{cls}>" if cls else "?o"
        other = f"?x <{predicate}> {obj}" if position == "s" else f"?s <{predicate}> ?x"
        probes.append(f"{{ GRAPH {_META} {{ ?x a ?class }} GRAPH ?g {{ {other} }} }}")
    # Each check is index scans joined by hash (MINUS), not a lookup per graph: a FILTER NOT
    # EXISTS per row costs a second or more over 42,000 graphs where these take a few hundred ms.
    hidden = [
        # The store's own default graph holds a triple.
        "{ ?s ?p ?o }",
        # A dataset with case graphs but no access rights: its graphs are not case data.
        f"""{{ {{ SELECT DISTINCT ?d WHERE {{ GRAPH {_META} {{ ?g {_PART_OF} ?d }} }} }}
             MINUS {{ GRAPH {_META} {{ ?d {_RIGHTS} ?r }} }} }}""",
        # An inference graph derived from a graph in no dataset.
        f"""{{ GRAPH {_META} {{ ?i {_DERIVED_FROM} ?c }}
             MINUS {{ GRAPH {_META} {{ ?c {_PART_OF} ?d }} }} }}""",
        # A named graph that is neither a service graph, nor recorded, nor derived from one.
        f"""{{ GRAPH ?g {{ }} FILTER (?g NOT IN ({service}))
             MINUS {{ GRAPH {_META} {{ ?g {_PART_OF} ?d }} }}
             MINUS {{ GRAPH {_META} {{ ?g {_DERIVED_FROM} ?c }} }} }}""",
    ]
    return "ASK {\n  " + "\n  UNION ".join(probes + hidden) + "\n}"


def union_is_exact(store: Store, found: Footprint) -> bool:
    """Whether a query with footprint ``found`` gives the same answer over the union default graph
    as over all case data (one ASK over the store's own dataset)."""
    answer = store.query(exactness_query(found), default_graphs=[None])
    return not bool(answer)


def union_for_all_case_data(store: Store, sparql: str) -> bool:
    """Whether ``sparql``, meant to run over all case data, may run over the union default graph."""
    found = footprint(sparql)
    if found is None:
        return False
    exact = union_is_exact(store, found)
    if not exact:
        log.info("all case data as a list of graphs: the union holds other data")
    return exact


__all__ = [
    "Footprint",
    "exactness_query",
    "footprint",
    "union_for_all_case_data",
    "union_is_exact",
]
