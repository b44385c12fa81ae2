"""The proof of an answer: from the asserted facts, by OWL 2 RL rules, to each class the decision
rules read, and on to the Protocol article in ``pal:legalBasis``.

A proof is built per case from the derivations that reasoning recorded
(:func:`palermo.reasoning.fastpath.close` with ``record``, or
:func:`palermo.reasoning.derivations.derive_from_closure` after owlrl). It holds one
*conclusion* per box of the answer (trafficking, child rule, act, means, purpose, smuggling,
irregular migration, benefit), the *statements* those need and nothing else: asserted triples with
the input file and line, ontology triples with the module file, line and term, and derived
triples with the rule, premises and schema triples. Closed-world parts (``pal:ruledOut``, an
element not found) are named as what they are: facts the decision rules read, not derivations.

The same proof is given as JSON (:meth:`Proof.to_json`), as an indented text tree
(:meth:`Proof.text`) and as RDF in the proof vocabulary of ``ontology/core.ttl``
(:meth:`Proof.triples`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from palermo.classification.facts import CaseFacts
from palermo.classification.results import ELEMENT_INDIVIDUALS, CaseAssessment
from palermo.rdf.namespaces import ALL_PREFIXES, PAL
from palermo.rdf.terms import XSD_STRING, Lit, Term, Triple, n3
from palermo.reasoning.derivations import Schema, Step
from palermo.reasoning.fastpath import Derivation
from palermo.reasoning.ontology import Ontology

TYPE = str(RDF.type)
LEGAL_BASIS = str(PAL.legalBasis)
_CASE = str(PAL.Case)
_AFFECTED = str(PAL.affectedPerson)
_RULED_OUT = str(PAL.ruledOut)
_CHILD, _ADULT = str(PAL.Child), str(PAL.Adult)
_ELEMENTS = {
    "act": (str(PAL.act), str(PAL.Act)),
    "means": (str(PAL.means), str(PAL.Means)),
    "purpose": (str(PAL.purpose), str(PAL.Exploitation)),
    "irregularMigration": (str(PAL.procures), str(PAL.IrregularMigration)),
    "benefit": (str(PAL.benefit), str(PAL.MaterialBenefit)),
}
_WORDS = {
    "act": "act",
    "means": "means",
    "purpose": "purpose of exploitation",
    "irregularMigration": "illegal entry or stay",
    "benefit": "financial or other material benefit",
}
_ANONYMOUS = re.compile(r"_:[0-9a-f]{32}")
_CLASS_AXIOMS = frozenset({str(RDFS.subClassOf), str(OWL.equivalentClass)})
_SUB_CLASS_OF = str(RDFS.subClassOf)
_ON_PROPERTY = str(OWL.onProperty)
_FIRST = str(RDF.first)
_RESTRICTION_WORDS = (
    (str(OWL.someValuesFrom), "some"),
    (str(OWL.allValuesFrom), "only"),
    (str(OWL.hasValue), "value"),
)
_BOOLEAN_WORDS = ((str(OWL.intersectionOf), " and "), (str(OWL.unionOf), " or "))
#: The decision rules, where a proof cites the code that applies the law.
DECISION_RULES = "palermo/classification/rules.py (DESIGN.md, decision rules)"
_TRAFFICKING_CASE = str(PAL.TraffickingCase)
_CHILD_TRAFFICKING_CASE = str(PAL.ChildTraffickingCase)
_SMUGGLING_CASE = str(PAL.SmugglingCase)
_ELEMENT_IRIS = {kind: str(individual) for kind, individual in ELEMENT_INDIVIDUALS.items()}


def _never(_triple: Triple) -> bool:
    """``asserted`` for the triples of the schema: cited where they were written."""
    return False


@dataclass(frozen=True)
class Origin:
    """Where a statement of a proof comes from: the input, the ontology, or the schema's
    OWL 2 RL closure (``entailed``), with the file, line and (ontology) term."""

    kind: str  # "input" | "ontology" | "entailed"
    file: str | None = None
    line: int | None = None
    term: str | None = None


@dataclass(frozen=True)
class Conclusion:
    """One box of the answer and what shows it."""

    box: str
    claim: str
    #: the triples the decision rules read for this box (proved in the statements)
    goals: tuple[Triple, ...]
    #: (article, the pal:legalBasis triple it is read from, or None when the decision rules
    #: apply it)
    basis: tuple[tuple[str, Triple | None], ...] = ()
    #: closed-world facts: what the decision rules read as absent
    closed_world: tuple[str, ...] = ()


@dataclass(frozen=True)
class Proof:
    """The proof of one case's assessment."""

    case: Term
    conclusions: tuple[Conclusion, ...]
    #: derived statements, each after its premises (shortest sub-proofs first)
    steps: tuple[Step, ...]
    #: leaves: asserted input triples and ontology triples, with where they were written
    leaves: Mapping[Triple, Origin] = field(repr=False)
    #: the order in which statements are listed (premises first)
    order: tuple[Triple, ...] = field(repr=False, default=())
    prefixes: Mapping[str, str] = field(repr=False, default_factory=dict)
    #: readable names of anonymous class expressions and lists
    names: Mapping[Term, str] = field(repr=False, default_factory=dict)

    # -- presentation --------------------------------------------------------------------------

    def name(self, term: Term) -> str:
        """A term as a reader knows it: a prefixed name, a class expression, a literal."""
        if term in self.names:
            return self.names[term]
        if type(term) is Lit:
            if term.datatype in (XSD_STRING, str(XSD.integer), str(XSD.boolean)) and (
                not term.language
            ):
                return (
                    n3(Lit(term.lexical, XSD_STRING))
                    if term.datatype == XSD_STRING
                    else (term.lexical)
                )
            return n3(term)
        assert isinstance(term, str)
        if term.startswith("_:"):
            return term
        if term == TYPE:
            return "a"
        for prefix, iri in self.prefixes.items():
            if term.startswith(iri) and re.fullmatch(r"[A-Za-z_][\w.-]*", term[len(iri) :]):
                return f"{prefix}:{term[len(iri) :]}"
        return f"<{term}>"

    def show(self, triple: Triple) -> str:
        return " ".join(self.name(t) for t in triple)

    def _ids(self) -> dict[Triple, str]:
        return {t: f"s{i}" for i, t in enumerate(self.order, 1)}

    def to_json(self) -> dict[str, Any]:
        """The proof as JSON: statements (each once, premises first) and the conclusions."""
        ids = self._ids()
        by_conclusion = {s.conclusion: s for s in self.steps}
        statements = []
        for t in self.order:
            item: dict[str, Any] = {
                "id": ids[t],
                "triple": [n3(x) for x in t],
                "text": self.show(t),
            }
            if t in by_conclusion:
                step = by_conclusion[t]
                item["rule"] = step.rule
                item["premises"] = [ids[p] for p in step.premises]
                item["schema"] = [ids[p] for p in step.schema]
            else:
                origin = self.leaves[t]
                where: dict[str, Any] = {}
                if origin.file:
                    where["file"] = origin.file
                if origin.line:
                    where["line"] = origin.line
                if origin.term:
                    where["term"] = self.name(origin.term)
                if origin.kind == "entailed":
                    where["entailed"] = True
                item["asserted" if origin.kind == "input" else "ontology"] = where
            statements.append(item)
        return {
            "prefixes": dict(self.prefixes),
            "conclusions": [
                {
                    "box": c.box,
                    "claim": c.claim,
                    "statements": [ids[g] for g in c.goals],
                    "basis": [
                        {
                            "article": article,
                            **({"statement": ids[t]} if t else {"rule": DECISION_RULES}),
                        }
                        for article, t in c.basis
                    ],
                    "closedWorld": list(c.closed_world),
                }
                for c in self.conclusions
            ],
            "statements": statements,
        }

    def _where(self, origin: Origin) -> str:
        if origin.kind == "entailed":
            return "entailed by the schema (OWL 2 RL closure of the ontology)"
        parts = []
        if origin.file:
            parts.append(origin.file + (f" line {origin.line}" if origin.line else ""))
        if origin.term:
            parts.append(self.name(origin.term))
        label = "asserted" if origin.kind == "input" else "ontology"
        return f"{label}, {', '.join(parts)}" if parts else label

    def text(self, indent: str = "  ") -> list[str]:
        """The proof as an indented tree, one line per statement; a sub-proof shown once."""
        by_conclusion = {s.conclusion: s for s in self.steps}
        shown: set[Triple] = set()
        lines: list[str] = []

        def walk(t: Triple, depth: int, role: str = "") -> None:
            pad = indent * depth
            if t in by_conclusion:
                step = by_conclusion[t]
                if t in shown:
                    lines.append(f"{pad}{role}{self.show(t)}   (shown above)")
                    return
                shown.add(t)
                lines.append(f"{pad}{role}{self.show(t)}   <= {step.rule}")
                for s in step.schema:
                    walk(s, depth + 1, "axiom: ")
                for p in step.premises:
                    walk(p, depth + 1)
            else:
                lines.append(f"{pad}{role}{self.show(t)}   [{self._where(self.leaves[t])}]")

        for c in self.conclusions:
            lines.append(f"{c.claim}")
            for g in c.goals:
                walk(g, 1)
            for note in c.closed_world:
                lines.append(f"{indent}closed world: {note}")
            for article, t in c.basis:
                if t is None:
                    lines.append(f"{indent}=> {article}   [decision rules]")
                else:
                    lines.append(f"{indent}=> {article}")
                    walk(t, 2, "from: ")
        return lines

    def triples(self, node: str) -> list[Triple]:
        """The proof as RDF (the proof vocabulary of ``ontology/core.ttl``) under ``node``, the
        IRI of the proof; each statement is an ``rdf:Statement``."""
        ids = self._ids()
        by_conclusion = {s.conclusion: s for s in self.steps}
        out: list[Triple] = [(node, TYPE, _PROOF)]

        def iri(t: Triple) -> str:
            return f"{node}/{ids[t]}"

        for t in self.order:
            st = iri(t)
            out += [
                (node, _PROOF_STATEMENT, st),
                (st, TYPE, _STATEMENT_CLASS),
                (st, _SUBJECT, t[0]),
                (st, _PREDICATE, t[1]),
                (st, _OBJECT, t[2]),
            ]
            if t in by_conclusion:
                step = by_conclusion[t]
                out.append((st, _RULE, Lit(step.rule, XSD_STRING)))
                out += [(st, _PREMISE, iri(p)) for p in step.premises]
                out += [(st, _SCHEMA_PREMISE, iri(p)) for p in step.schema]
            else:
                origin = self.leaves[t]
                out.append((st, _ORIGIN, Lit(origin.kind, XSD_STRING)))
                if origin.file:
                    out.append((st, _FILE, Lit(origin.file, XSD_STRING)))
                if origin.line:
                    out.append((st, _LINE, Lit(str(origin.line), str(XSD.integer))))
                if origin.term and not origin.term.startswith("_:"):
                    out.append((st, _TERM, origin.term))
        for i, c in enumerate(self.conclusions, 1):
            cn = f"{node}/c{i}"
            out += [
                (node, _PROOF_CONCLUSION, cn),
                (cn, TYPE, _CONCLUSION_CLASS),
                (cn, _BOX, Lit(c.box, XSD_STRING)),
                (cn, _CLAIM, Lit(c.claim, XSD_STRING)),
            ]
            out += [(cn, _CONCLUDES, iri(g)) for g in c.goals]
            for article, basis in c.basis:
                out.append((cn, _ARTICLE, Lit(article, XSD_STRING)))
                if basis is not None:
                    out.append((cn, _BASIS_STATEMENT, iri(basis)))
            out += [(cn, _CLOSED_WORLD, Lit(note, XSD_STRING)) for note in c.closed_world]
        return out


_PROOF = str(PAL.Proof)
_PROOF_STATEMENT = str(PAL.proofStatement)
_STATEMENT_CLASS = str(PAL.ProofStatement)
_SUBJECT, _PREDICATE, _OBJECT = str(RDF.subject), str(RDF.predicate), str(RDF.object)
_RULE = str(PAL.inferenceRule)
_PREMISE = str(PAL.premise)
_SCHEMA_PREMISE = str(PAL.schemaPremise)
_ORIGIN = str(PAL.statementOrigin)
_FILE = str(PAL.sourceFile)
_LINE = str(PAL.sourceLine)
_TERM = str(PAL.sourceTerm)
_PROOF_CONCLUSION = str(PAL.proofConclusion)
_CONCLUSION_CLASS = str(PAL.ProofConclusion)
_BOX = str(PAL.answerBox)
_CLAIM = str(PAL.claim)
_CONCLUDES = str(PAL.concludes)
_ARTICLE = str(PAL.article)
_BASIS_STATEMENT = str(PAL.legalBasisStatement)
_CLOSED_WORLD = str(PAL.closedWorldFact)


# ------------------------------------------------------------------------------------------------
# Building


@dataclass
class ProofContext:
    """What every proof over one input needs: the ontology, the asserted schema, where each
    input triple was written and the input's prefixes. Built once per input."""

    ontology: Ontology
    schema: Schema
    input_sources: Mapping[Triple, tuple[str, int | None]] = field(default_factory=dict)
    input_prefixes: Mapping[str, str] = field(default_factory=dict)
    _parents: dict[Term, Term] = field(default_factory=dict, repr=False)
    #: memos shared by the proofs of one input: ontology origins, names, legal bases
    _origins: dict[Triple, Origin] = field(default_factory=dict, repr=False)
    _input_origins: dict[tuple[str | None, int | None], Origin] = field(
        default_factory=dict, repr=False
    )
    _names: dict[Term, str] = field(default_factory=dict, repr=False)
    _bases: dict[Term, list[tuple[str, Triple | None]]] = field(default_factory=dict, repr=False)
    _prefixes: dict[str, str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for s, _p, o in self.schema.triples:
            if type(o) is str and o.startswith("_:") and o not in self._parents:
                self._parents[o] = s
        for s, p, o in self.schema.triples:
            if p in _CLASS_AXIOMS and type(s) is str and s.startswith("_:") and type(o) is str:
                self._parents.setdefault(s, o)

    @property
    def prefixes(self) -> dict[str, str]:
        if self._prefixes is not None:
            return self._prefixes
        merged = dict(ALL_PREFIXES)
        merged.update(self.ontology.prefixes)
        for prefix, iri in self.input_prefixes.items():
            if prefix not in ("pal", "rdf", "rdfs", "owl", "xsd"):
                merged[prefix] = iri
        merged.pop("", None)
        self._prefixes = merged
        return merged

    def term_of(self, triple: Triple) -> str | None:
        """The named ontology term a schema triple belongs to."""
        s, p, o = triple
        node: Term = s
        for _ in range(8):
            if type(node) is str and not node.startswith("_:"):
                return node
            if (
                p in (str(RDFS.subClassOf), str(OWL.equivalentClass))
                and type(o) is str
                and (not o.startswith("_:"))
            ):
                return o
            parent = self._parents.get(node)
            if parent is None:
                return None
            node = parent
        return None

    def origin(self, triple: Triple, asserted: Callable[[Triple], bool]) -> Origin:
        where = self.input_sources.get(triple)
        if where is not None or asserted(triple):
            place = where or (None, None)
            known = self._input_origins.get(place)
            if known is None:  # one Origin per input line, shared by its triples
                known = self._input_origins[place] = Origin("input", *place)
            return known
        known = self._origins.get(triple)
        if known is None:
            known = self._origins[triple] = self._schema_origin(triple)
        return known

    def _schema_origin(self, triple: Triple) -> Origin:
        source = self.ontology.sources.get(triple)
        if source is not None:
            return Origin("ontology", source[0], source[1], self.term_of(triple))
        if triple in self.schema.triples:
            return Origin("ontology", None, None, self.term_of(triple))
        return Origin("entailed", None, None, self.term_of(triple))


def _expression_names(ctx: ProofContext, terms: Iterable[Term], name: Callable[[Term], str]):
    """Readable names for the anonymous class expressions and lists among ``terms``."""
    value = ctx.schema.value
    names = ctx._names

    def expr(node: Term, depth: int = 0) -> str:
        if not (type(node) is str and node.startswith("_:")) or depth > 6:
            return name(node)
        if node in names:
            return names[node]
        prop = value(node, _ON_PROPERTY)
        text: str | None = None
        if prop is not None:
            for pred, word in _RESTRICTION_WORDS:
                filler = value(node, pred)
                if filler is not None:
                    text = f"({name(prop)} {word} {expr(filler, depth + 1)})"
        for pred, word in _BOOLEAN_WORDS:
            head = value(node, pred)
            if head is not None:
                text = f"({word.join(expr(m, depth + 1) for m in _members(ctx, head))})"
        if text is None and value(node, _FIRST) is not None:
            text = "(" + " ".join(expr(m, depth + 1) for m in _members(ctx, node)) + ")"
        if text is None:
            return node
        names[node] = text
        return text

    found = {}
    for t in terms:
        if type(t) is str and t.startswith("_:"):
            text = expr(t)
            if text != t:
                found[t] = text
    return found


def _members(ctx: ProofContext, head: Term) -> list[Term]:
    from palermo.reasoning.derivations import read_list

    return read_list(head, ctx.schema.value) or []


def build_proof(
    ctx: ProofContext,
    assessment: CaseAssessment,
    facts: CaseFacts,
    case: Term,
    *,
    derivations: Mapping[Triple, Derivation],
    holds: Callable[[Triple], bool],
    asserted: Callable[[Triple], bool],
    edges_from: Callable[[Term], Iterable[tuple[Term, Term]]],
) -> Proof:
    """The proof of ``assessment`` (module docstring).

    ``derivations`` maps derived triples to their recorded derivation; ``holds`` says whether a
    triple is in the closure; ``asserted`` whether the input asserts it; ``edges_from(node)``
    gives the (property, object) pairs of the closure about a node.
    """
    steps: dict[Triple, Step] = {}
    leaves: dict[Triple, Origin] = {}
    size: dict[Triple, int] = {}
    in_progress: set[Triple] = set()

    def prove(t: Triple) -> int:
        """Place ``t`` and what it rests on; the number of statements under it."""
        known = size.get(t)
        if known is not None:
            return known
        why = None if asserted(t) else derivations.get(t)
        if why is None:
            leaves[t] = ctx.origin(t, asserted)
            size[t] = 1
            return 1
        if t in in_progress:
            raise RuntimeError("a derivation runs in a circle")  # never: depths only fall
        in_progress.add(t)
        chain = ctx.schema.expand(t, why)
        total = 0
        for premise in chain[0].premises:
            total += prove(premise)
        for k, step in enumerate(chain):
            if step.conclusion != t and asserted(step.conclusion):
                total += prove(step.conclusion)  # the chain passes through an asserted triple
                continue
            for axiom in step.schema:
                if axiom not in size:
                    leaves[axiom] = ctx.origin(axiom, _never)
                    size[axiom] = 1
                total += 1
            if step.conclusion not in size or step.conclusion == t:
                steps[step.conclusion] = step
                total += 1
                size[step.conclusion] = total
            if k + 1 < len(chain) and chain[k + 1].premises[0] != step.conclusion:
                raise RuntimeError("a chain of steps does not join")
        in_progress.discard(t)
        size[t] = total
        return total

    conclusions: list[Conclusion] = []
    t_find, s_find = assessment.trafficking, assessment.smuggling
    person_links = [(case, p, o) for p, o in edges_from(case) if p == _AFFECTED]
    ruled = {str(v) for v in facts.ruled_out}

    def element_goals(kind: str) -> list[Triple]:
        """What ``case-elements.rq`` reads: the case's element, its most specific class, and
        that class under the element's range (from the schema: scm-sco over the axioms)."""
        if not facts.present(kind):
            return []
        prop, rng = _ELEMENTS[kind]
        classes = {str(c) for c in facts.elements.get(kind, ())}
        goals: list[Triple] = []
        for p, o in edges_from(case):
            if p != prop:
                continue
            mine = [c for c in classes if holds((o, TYPE, c))]
            if mine:
                goals.append((case, p, o))
                for c in sorted(mine):
                    goals.append((o, TYPE, c))
                    if c != rng:
                        goals.append(subclass(c, rng))
        return list(dict.fromkeys(goals))

    def subclass(cls: Term, rng: Term) -> Triple:
        link = (cls, _SUB_CLASS_OF, rng)
        found = ctx.schema.subclass_steps(cls, rng)
        if link in size or link in ctx.schema.triples or found is None:
            return link
        for step in found[1]:
            if step.conclusion not in size:
                for q in (*step.premises, *step.schema):
                    if q not in size:
                        leaves[q] = ctx.origin(q, _never)
                        size[q] = 1
                steps[step.conclusion] = step
                size[step.conclusion] = 1 + sum(size[q] for q in step.premises)
        return link

    def legal_basis(classes: Iterable[Term]) -> list[tuple[str, Triple | None]]:
        found: list[tuple[str, Triple | None]] = []
        graph = ctx.ontology.graph
        for cls in classes:
            if type(cls) is not str:
                continue
            if cls not in ctx._bases:
                subject = BNode(cls[2:]) if cls.startswith("_:") else URIRef(cls)
                ctx._bases[cls] = [
                    (value, (cls, LEGAL_BASIS, Lit(value, XSD_STRING)))
                    for value in sorted(str(v) for v in graph.objects(subject, PAL.legalBasis))
                ]
            found += ctx._bases[cls]
        return found

    def articles(
        wanted: Iterable[str], from_ontology: list[tuple[str, Triple | None]]
    ) -> tuple[tuple[str, Triple | None], ...]:
        out: list[tuple[str, Triple | None]] = []
        seen: set[str] = set()
        for article, t in from_ontology:
            if article not in seen:
                seen.add(article)
                out.append((article, t))
        for article in wanted:
            if not any(article == a or a.startswith(article + ",") for a in seen):
                seen.add(article)
                out.append((article, None))
        return tuple(out)

    def case_classes(goals: Iterable[Triple]) -> list[Term]:
        """The classes the case is shown to be in, on the way to the goals (for legal basis)."""
        seen: list[Term] = []
        stack = list(goals)
        visited: set[Triple] = set()
        while stack:
            t = stack.pop()
            if t in visited:
                continue
            visited.add(t)
            if t[0] == case and t[1] == TYPE and t[2] not in seen:
                seen.append(t[2])
            if t in steps:
                stack.extend(steps[t].premises)
        return seen

    def protocol(
        box: str,
        title: str,
        status: str,
        goal_classes: list[Term],
        basis: Iterable[str],
        kinds: tuple[str, ...],
        missing: Iterable[str],
    ) -> None:
        if status == "established":
            goals = [(case, TYPE, c) for c in goal_classes if holds((case, TYPE, c))]
            for g in goals:
                prove(g)
            on_the_way = case_classes(goals)
            ordered = [c for c in goal_classes if c in on_the_way]
            ordered += [c for c in on_the_way if c not in ordered]
            from_onto = legal_basis(ordered)
            conclusions.append(
                Conclusion(box, f"{title}: established", tuple(goals), articles(basis, from_onto))
            )
            return
        goals = []
        notes = []
        for kind in kinds:
            individual = _ELEMENT_IRIS[kind]
            if kind in missing:
                if individual in ruled:
                    goals.append((case, _RULED_OUT, individual))
                    notes.append(f"no {_WORDS[kind]} found after reasoning, and it is ruled out")
                else:
                    notes.append(f"no {_WORDS[kind]} found after reasoning")
        for g in goals:
            prove(g)
        word = "ruled out" if status == "ruled-out" else "cannot be decided yet"
        conclusions.append(
            Conclusion(box, f"{title}: {word}", tuple(goals), articles(basis, []), tuple(notes))
        )

    # Trafficking: TIP Protocol art. 3(a), 3(c).
    wanted: list[Term] = [_TRAFFICKING_CASE]
    if t_find.child_rule and t_find.status == "established":
        wanted.append(_CHILD_TRAFFICKING_CASE)
    protocol(
        "trafficking",
        "Trafficking in persons",
        t_find.status,
        wanted,
        t_find.basis,
        ("act", "means", "purpose"),
        t_find.missing,
    )
    # The person's age class: the child rule, or an adult whose means are ruled out.
    person_goals: list[Triple] = []
    for link in person_links:
        for cls in (_CHILD, _ADULT):
            if holds((link[2], TYPE, cls)):
                person_goals += [link, (link[2], TYPE, cls)]
    if person_goals:
        for g in person_goals:
            prove(g)
        child = t_find.child_rule
        conclusions.append(
            Conclusion(
                "childRule",
                "The affected person is a child (child rule applied)"
                if child
                else "The affected person is an adult (child rule not applied)",
                tuple(dict.fromkeys(person_goals)),
                articles(["TIP Protocol art. 3(d)"], []) if child else (),
            )
        )
    for kind in ("act", "means", "purpose"):
        goals = element_goals(kind)
        if goals:
            for g in goals:
                prove(g)
            conclusions.append(
                Conclusion(
                    kind,
                    f"{_WORDS[kind].capitalize()}: present",
                    tuple(goals),
                    articles(["TIP Protocol art. 3(a)"], []),
                )
            )
    protocol(
        "smuggling",
        "Smuggling of migrants",
        s_find.status,
        [_SMUGGLING_CASE],
        s_find.basis,
        ("irregularMigration", "benefit"),
        s_find.missing,
    )
    for kind in ("irregularMigration", "benefit"):
        goals = element_goals(kind)
        if goals:
            for g in goals:
                prove(g)
            classes = [g[2] for g in goals if g[1] == TYPE]
            conclusions.append(
                Conclusion(
                    kind,
                    f"{_WORDS[kind].capitalize()}: present",
                    tuple(goals),
                    articles(["SoM Protocol art. 3(a)"], legal_basis(classes)),
                )
            )

    # Statements in order: each after what it rests on, smaller sub-proofs first.
    for c in conclusions:
        for _, t in c.basis:
            if t is not None and t not in size:
                leaves[t] = ctx.origin(t, _never)
                size[t] = 1
    order: list[Triple] = []
    placed: set[Triple] = set()

    def by_size(x: Triple) -> int:
        return size.get(x, 1)

    def place(t: Triple) -> None:
        if t in placed:
            return
        step = steps.get(t)
        if step is not None:
            for group in (step.schema, step.premises):
                for p in sorted(group, key=by_size) if len(group) > 1 else group:
                    place(p)
        placed.add(t)
        order.append(t)

    for c in conclusions:
        for g in sorted(c.goals, key=by_size):
            place(g)
        for _, t in c.basis:
            if t is not None:
                place(t)
    used = dict.fromkeys([x for t in order for x in t])
    prefixes = ctx.prefixes
    draft = Proof(
        case,
        tuple(conclusions),
        tuple(steps[t] for t in order if t in steps),
        leaves,
        tuple(order),
        prefixes,
    )
    names = _expression_names(ctx, used, draft.name)
    blanks = 0
    for x in used:  # in order of first use
        if type(x) is str and x.startswith("_:") and x not in names and _ANONYMOUS.fullmatch(x):
            blanks += 1
            names[x] = f"_:b{blanks}"
    return Proof(
        case=case,
        conclusions=tuple(conclusions),
        steps=tuple(steps[t] for t in order if t in steps),
        leaves={t: leaves[t] for t in order if t not in steps},
        order=tuple(order),
        prefixes=prefixes,
        names=names,
    )


def assessment_proof_triples(assessment: CaseAssessment, proof: Proof) -> list[Triple]:
    """The proof as RDF beside its assessment: ``<assessment> pal:proof <assessment>/proof``."""
    node = f"{assessment.iri}/proof"
    return [(str(assessment.iri), str(PAL.proof), node), *proof.triples(node)]


def proof_text(assessment: CaseAssessment, proof: Proof | None) -> str:
    """A case's answer and its proof as indented text (``palermo classify --format text``)."""
    lines = [f"Case {assessment.case_id}: {assessment.label}", f"  {assessment.explanation}"]
    if proof is not None:
        lines.append("  Proof:")
        lines += [f"    {line}" for line in proof.text()]
    return "\n".join(lines)
