"""The classifier: reasoning over each case, then the facts, then the decision rules.

Each case is cut out of the input (:mod:`palermo.reasoning.casegraph`) and closed under OWL 2 RL
with the ontology and the schema its file brings, by the compiled rules
(:mod:`palermo.reasoning.fastpath`) or by owlrl, the reference; the facts of the closed case
(:mod:`palermo.classification.facts`) go to the decision rules
(:mod:`palermo.classification.rules`), which give the assessment
(:mod:`palermo.classification.results`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import replace
from typing import Any, cast
from typing import Literal as TypingLiteral

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from palermo import resources
from palermo.classification.facts import EMPTY_FACTS, CaseFacts, facts_from_closure, read_facts
from palermo.classification.proofs import Proof, ProofContext, build_proof
from palermo.classification.results import CaseAssessment, ClassifiedCase, PlainResult
from palermo.classification.rules import assess
from palermo.rdf.namespaces import CASE_BASE, PAL
from palermo.rdf.terms import (
    Term,
    Triple,
    from_rdflib,
    graph_of,
    to_rdflib,
    triples_from_rdflib,
)
from palermo.reasoning.casegraph import TripleIndex, partition, schema_nodes
from palermo.reasoning.derivations import Schema, derive_from_closure
from palermo.reasoning.fastpath import RuleCache, RuleSet, close, has_unsupported
from palermo.reasoning.ontology import Ontology, owlrl_closure

log = logging.getLogger(__name__)

Reasoner = TypingLiteral["fast", "owlrl"]
#: Where each input triple was written: (file, line), line None where unknown.
Sources = Mapping[Triple, tuple[str, int | None]]
_CASE = str(PAL.Case)
_RDF_TYPE = str(RDF.type)
_OWL_THING = str(OWL.Thing)
_SAME_AS = str(OWL.sameAs)


class Classifier:
    """Classifies case graphs; built once (the ontology and the queries) and reused."""

    def __init__(self, ontology: Ontology, *, case_base: str = CASE_BASE) -> None:
        self.ontology = ontology
        self.case_base = case_base
        prefixes = {"pal": PAL}
        self._age_query = prepareQuery(
            resources.query_file("derive-age-class", "assessment").read_text(), initNs=prefixes
        )
        self._elements_query = prepareQuery(
            resources.query_file("case-elements", "assessment").read_text(), initNs=prefixes
        )
        self._facts_query = prepareQuery(
            resources.query_file("case-facts", "assessment").read_text(), initNs=prefixes
        )
        self._rules: RuleCache | None = None
        self.ontology_terms: set[Term] = {
            str(s) for s in self.ontology.graph.subjects() if isinstance(s, URIRef)
        }
        self._tbox_plain = set(triples_from_rdflib(self.ontology.tbox))
        self._schema: Schema | None = None

    # Proofs (issue 15): what every proof over one input needs.

    def proof_context(
        self,
        index: TripleIndex,
        sources: Sources | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> ProofContext:
        """The ontology's asserted schema with the schema axioms of the input, and where each
        input triple was written."""
        if self._schema is None:
            self._schema = Schema.of(self._tbox_plain)
        schema_of = schema_nodes(index)
        extra = [t for t in index.triples if t[0] in schema_of]
        schema = Schema.of(self._schema.triples | set(extra)) if extra else self._schema
        return ProofContext(self.ontology, schema, sources or {}, prefixes or {})

    # The reference path: owlrl.

    def close_graph(self, triples: Iterable[Triple]) -> Graph:
        """The triples with the ontology, the age classes and their OWL 2 RL closure (owlrl)."""
        g = Graph()
        g += self.ontology.tbox
        for s, p, o in triples:
            g.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
        for triple in list(g.query(self._age_query)):
            g.add(cast(tuple[Node, Node, Node], triple))
        return owlrl_closure(g)

    def query_facts(self, closed: Graph, case: Node | None = None) -> dict[Node, CaseFacts]:
        """Run the assessment queries on a closed graph, for one case or for all."""
        bindings: dict[str, Any] = {"case": case} if case is not None else {}
        return read_facts(
            closed.query(self._elements_query, initBindings=bindings),
            closed.query(self._facts_query, initBindings=bindings),
        )

    def classify_owlrl(
        self,
        graph: Graph,
        *,
        batch: bool = False,
        explain: bool = False,
        sources: Sources | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> list[ClassifiedCase]:
        """Classify with owlrl, the reference reasoner, one case at a time.

        With ``batch``, and only when the cases share no node but leaf IRIs, and the input has
        nothing outside the cases, the whole input is closed in one owlrl run: for such input
        OWL 2 RL entails for each case what it entails for the case alone. Tests and benchmarks
        use it to run the reference over thousands of cases; a test holds it to the
        one-case-at-a-time answers.

        With ``explain`` each case carries its proof, derived after the fact from owlrl's
        closure (:func:`palermo.reasoning.derivations.derive_from_closure`).
        """
        index = TripleIndex.of(triples_from_rdflib(graph))
        ctx = self.proof_context(index, sources, prefixes) if explain else None
        asserted = set(index.triples)
        whole_derivations: tuple[set[Triple], dict] | None = None
        whole = self.close_graph(index.triples)
        cases = sort_cases(
            from_rdflib(c) for c in whole.subjects(RDF.type, PAL.Case) if not isinstance(c, Literal)
        )
        parts = partition(index, cases, ontology_terms=self.ontology_terms)
        batched = batch and parts.disjoint
        all_facts = self.query_facts(whole) if batched else {}
        shared = set(parts.shared)
        results = []
        for case in cases:
            node = to_rdflib(case)
            if batched:
                closed, facts = whole, all_facts.get(node, EMPTY_FACTS)
            else:
                closed = self.close_graph([*parts.shared, *parts.cases[case]])
                facts = self.query_facts(closed, node).get(node, EMPTY_FACTS)

            def about(n: Term, g: Graph = closed) -> Iterable[Triple]:
                return triples_from_rdflib(g.triples((to_rdflib(n), None, None)))

            own = parts.cases[case]
            inferred = self._inferred(about, own, (set(own), shared, self._tbox_plain))
            assessment = self._assess(node, facts, "owlrl")
            proof = None
            if ctx is not None:
                if batched and whole_derivations is None:
                    plain = set(triples_from_rdflib(whole))
                    whole_derivations = (plain, derive_from_closure(plain, asserted, plain))
                if batched and whole_derivations is not None:
                    plain, derivations = whole_derivations
                else:
                    plain = set(triples_from_rdflib(closed))
                    derivations = derive_from_closure(plain, [*parts.shared, *own], plain)
                proof = self._prove(ctx, assessment, facts, case, derivations, plain, asserted)
            results.append(
                ClassifiedCase(
                    case=node,
                    asserted=graph_of(own),
                    inferred=graph_of(inferred),
                    assessment=assessment,
                    proof=proof,
                )
            )
        return results

    def _prove(
        self,
        ctx: ProofContext,
        assessment: CaseAssessment,
        facts: CaseFacts,
        case: Term,
        derivations: Mapping[Triple, Any],
        closure: set[Triple],
        asserted: set[Triple],
    ) -> Proof:
        """The proof over an owlrl closure given as a set of plain triples."""
        out: dict[Term, list[tuple[Term, Term]]] = {}

        def edges_from(node: Term) -> list[tuple[Term, Term]]:
            if not out:
                for s, p, o in closure:
                    out.setdefault(s, []).append((p, o))
            return out.get(node, [])

        return build_proof(
            ctx,
            assessment,
            facts,
            case,
            derivations=derivations,
            holds=closure.__contains__,
            asserted=asserted.__contains__,
            edges_from=edges_from,
        )

    # The fast path: rules compiled from the closed ontology (palermo.reasoning.fastpath).

    @property
    def rules(self) -> RuleCache:
        if self._rules is None:
            self._rules = RuleCache(self.ontology)
        return self._rules

    def classify_plain(
        self,
        triples: Iterable[Triple],
        *,
        explain: bool = False,
        sources: Sources | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> list[PlainResult] | None:
        """Classify plain triples with the compiled rules, one case at a time.

        Returns None when the input needs rules the fast path does not run (the caller then
        uses owlrl). With ``explain`` the rules record their derivations and each result
        carries its proof (``sources``: where each input triple was written).
        """
        index = TripleIndex.of(triples)
        schema_of = schema_nodes(index)
        rules = self.rules.for_schema([t for t in index.triples if t[0] in schema_of])
        if rules is None or has_unsupported(index.triples):
            return None
        whole = close(index.triples, rules, record=explain)
        ctx = self.proof_context(index, sources, prefixes) if explain else None
        asserted = set(index.triples) if explain else set()
        cases = sort_cases(n for n, ts in whole.types.items() if _CASE in ts and type(n) is str)
        parts = partition(index, cases, ontology_terms=self.ontology_terms)
        # Reasoning over the whole input serves every case when the cases share nothing
        # through which a rule could run from one to another (casegraph.CasePartition).
        reuse = parts.disjoint and not _rules_cross_leaves(rules, index, parts.shared_leaves)
        shared = set(parts.shared)
        results = []
        for case in cases:
            own = parts.cases[case]
            closure = whole if reuse else close([*parts.shared, *own], rules, record=explain)
            node = to_rdflib(case)
            facts = facts_from_closure(closure, case, rules)
            assessment = self._assess(node, facts, "fast")
            proof = None
            if ctx is not None:
                proof = build_proof(
                    ctx,
                    assessment,
                    facts,
                    case,
                    derivations=closure.derivations,
                    holds=closure.holds,
                    asserted=asserted.__contains__,
                    edges_from=closure.edges_from,
                )
            results.append(
                PlainResult(
                    case=case,
                    asserted=own,
                    inferred=self._inferred(closure.about, own, (set(own), shared)),
                    assessment=assessment,
                    proof=proof,
                )
            )
        return results

    def classify_triples(
        self,
        triples: Iterable[Triple],
        *,
        explain: bool = False,
        sources: Sources | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> list[PlainResult]:
        """Classify plain triples: the compiled rules, or owlrl (the reference) for input they
        cannot serve. The one place that decides between the two. With ``explain``, each
        result carries its proof (after the fact from owlrl's closure where owlrl served)."""
        triples = list(triples)
        results = self.classify_plain(triples, explain=explain, sources=sources, prefixes=prefixes)
        if results is not None:
            return results
        log.info("the input needs rules the fast path does not run: classifying with owlrl")
        return [
            PlainResult(
                case=from_rdflib(r.case),
                asserted=triples_from_rdflib(r.asserted),
                inferred=triples_from_rdflib(r.inferred),
                assessment=r.assessment,
                proof=r.proof,
            )
            for r in self.classify_owlrl(
                graph_of(triples), explain=explain, sources=sources, prefixes=prefixes
            )
        ]

    def classify_fast(self, graph: Graph, **how: Any) -> list[ClassifiedCase]:
        """Classify with the compiled rules; owlrl where they cannot serve."""
        return [
            ClassifiedCase(
                case=r.assessment.case,
                asserted=graph_of(r.asserted),
                inferred=graph_of(r.inferred),
                assessment=r.assessment,
                proof=r.proof,
            )
            for r in self.classify_triples(triples_from_rdflib(graph), **how)
        ]

    def classify(
        self,
        graph: Graph,
        reasoner: Reasoner = "fast",
        *,
        explain: bool = False,
        sources: Sources | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> list[ClassifiedCase]:
        """Assess every ``pal:Case`` in ``graph``; with ``explain``, each with its proof
        (``sources``: where each input triple was written, for the proof to cite)."""
        started = time.perf_counter()
        how: dict[str, Any] = {"explain": explain, "sources": sources, "prefixes": prefixes}
        if reasoner == "owlrl":
            results = self.classify_owlrl(graph, **how)
        elif reasoner == "fast":
            results = self.classify_fast(graph, **how)
        else:
            raise ValueError(f"unknown reasoner {reasoner!r}")
        log.info(
            "classified %d cases with %s in %.3f s",
            len(results),
            reasoner,
            time.perf_counter() - started,
        )
        return results

    def _assess(self, case: Node, facts: CaseFacts, reasoner: str) -> CaseAssessment:
        found = assess(case, facts, self.ontology, reasoner)
        if self.case_base != CASE_BASE:
            found = replace(found, case_base=self.case_base)
        return found

    def _inferred(
        self,
        about: Callable[[Term], Iterable[Triple]],
        own: list[Triple],
        known: Iterable[Container],
    ) -> list[Triple]:
        """The triples reasoning added about the nodes of a case: no literal subjects, no
        ``owl:Thing``, nothing about the ontology's own terms, no references to anonymous class
        expressions of the ontology."""
        terms = self.ontology_terms
        nodes = {t[0] for t in own if t[0] not in terms} | {
            o for _, p, o in own if p != _RDF_TYPE and type(o) is str and o not in terms
        }
        inferred = []
        for node in nodes:
            for t in about(node):
                s, p, o = t
                if o == _OWL_THING or (type(o) is str and o.startswith("_:") and o not in nodes):
                    continue
                if p == _SAME_AS and s == o:
                    continue
                if any(t in k for k in known):
                    continue
                inferred.append(t)
        return inferred


def _rules_cross_leaves(rules: RuleSet, index: TripleIndex, leaves: frozenset[Term]) -> bool:
    """Whether a rule could carry a fact from one case to another through a shared leaf IRI:
    an inverse property, or a someValuesFrom, allValuesFrom or hasValue restriction on a
    property that points at the leaf."""
    for leaf in leaves:
        for _, p, _ in index.into.get(leaf, ()):
            for q in rules.superproperties.get(p, (p,)):
                if (
                    rules.inverses.get(q)
                    or rules.svf_by_property.get(q)
                    or rules.avf_by_property.get(q)
                    or any(k[0] == q for k in rules.has_value_by_edge)
                ):
                    return True
    return False


def sort_cases(cases: Iterable[Term]) -> list[Term]:
    """Cases in a stable order: IRIs first, each group by its text."""
    return sorted(set(cases), key=lambda c: (str(c).startswith("_:"), str(c)))
