"""The ontology modules: headers, term annotations, sources, coverage, and classification intact.

shared/STYLE.md: every term has exactly one English label, one English definition,
rdfs:isDefinedBy its module, and a dcterms:source where an instrument applies; a missing one fails
the build. The coverage list ``tests/ontology/expected-concepts.txt`` names every concept the
mission names (causes, responses, indicators, principles, processes) by its English label.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import owlrl
import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from palermo import resources

PAL = Namespace("https://w3id.org/palermo/ontology#")
VANN = Namespace("http://purl.org/vocab/vann/")
BASE = "https://w3id.org/palermo/ontology"
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
EXPECTED_CONCEPTS = Path(__file__).parent / "expected-concepts.txt"
FILES = resources.ontology_files()
UMBRELLA = "palermo"


def _ontology_iri(path: Path) -> URIRef:
    return URIRef(BASE if path.stem == UMBRELLA else f"{BASE}/{path.stem}")


def _version_iri(path: Path) -> URIRef:
    return URIRef(f"{BASE}/1.0.0" if path.stem == UMBRELLA else f"{BASE}/1.0.0/{path.stem}")


def _is_term(node: object) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(str(PAL))


def _english(graph: Graph, subject: URIRef, predicate: URIRef) -> list[Literal]:
    return [
        o
        for o in graph.objects(subject, predicate)
        if isinstance(o, Literal) and (o.language or "").lower().startswith("en")
    ]


@pytest.fixture(scope="module")
def graphs() -> dict[str, Graph]:
    return {path.stem: Graph().parse(path, format="turtle") for path in FILES}


@pytest.fixture(scope="module")
def merged(graphs: dict[str, Graph]) -> Graph:
    graph = Graph()
    for part in graphs.values():
        graph += part
    return graph


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for path in FILES:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def test_module_names_are_kebab_case() -> None:
    assert FILES, "no ontology files"
    for path in FILES:
        assert path.stem.replace("-", "").isalnum() and path.stem == path.stem.lower(), path.name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_module_header(graphs: dict[str, Graph], path: Path) -> None:
    graph = graphs[path.stem]
    ontologies = list(graph.subjects(RDF.type, OWL.Ontology))
    assert ontologies == [_ontology_iri(path)], f"{path.name}: one owl:Ontology, named by the file"
    ontology = ontologies[0]
    assert graph.value(ontology, OWL.versionIRI) == _version_iri(path)
    assert graph.value(ontology, OWL.versionInfo) == Literal(version("palermo"))
    for field in (DCTERMS.title, DCTERMS.description):
        assert len(_english(graph, ontology, field)) == 1, f"{path.name}: one English {field}"
    assert graph.value(ontology, DCTERMS.license) == CC_BY
    assert graph.value(ontology, DCTERMS.creator) is not None
    assert graph.value(ontology, VANN.preferredNamespacePrefix) == Literal("pal")
    assert graph.value(ontology, VANN.preferredNamespaceUri) == Literal(str(PAL))
    for build_date in (DCTERMS.modified, DCTERMS.date, DCTERMS.created):
        assert graph.value(ontology, build_date) is None, f"{path.name}: no build-time dates"


def test_umbrella_imports_every_module(graphs: dict[str, Graph]) -> None:
    umbrella = graphs[UMBRELLA]
    imported = set(umbrella.objects(URIRef(BASE), OWL.imports))
    modules = {_ontology_iri(path) for path in FILES if path.stem != UMBRELLA}
    assert imported == modules


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_term_is_labelled_defined_and_attributed(
    graphs: dict[str, Graph], path: Path
) -> None:
    graph = graphs[path.stem]
    problems = []
    for term in sorted({s for s in graph.subjects() if _is_term(s)}):
        labels = _english(graph, term, RDFS.label)
        definitions = _english(graph, term, SKOS.definition)
        defined_by = list(graph.objects(term, RDFS.isDefinedBy))
        if len(labels) != 1:
            problems.append(f"{term}: {len(labels)} English labels")
        if len(definitions) != 1:
            problems.append(f"{term}: {len(definitions)} English definitions")
        if defined_by != [_ontology_iri(path)]:
            problems.append(f"{term}: rdfs:isDefinedBy {defined_by}, not its module")
    assert not problems, "\n".join(problems)


SOURCED = """
PREFIX pal: <https://w3id.org/palermo/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?term WHERE {
  {
    VALUES ?top { pal:Act pal:Means pal:Exploitation pal:IrregularMigration pal:MaterialBenefit
                  pal:Element pal:Case pal:Response }
    ?term rdfs:subClassOf* ?top .
    FILTER (?term != pal:Case)
  }
  UNION { ?term rdf:type pal:Element }
  UNION { ?term skos:inScheme ?scheme .
          VALUES ?scheme { pal:ForcedLabourIndicatorScheme pal:MethodOfControlScheme
                           pal:TypeOfExploitationScheme pal:PrincipleOfAssistanceScheme } }
  UNION { VALUES ?term { pal:TraffickingCase pal:ChildTraffickingCase pal:SmugglingCase
                         pal:VictimOfTrafficking pal:SmuggledMigrant pal:Trafficker pal:Smuggler
                         pal:Child pal:Adult pal:PueblaProcess pal:BaliProcess } }
  FILTER (isIRI(?term))
}
"""


def test_sources_where_an_instrument_applies(store: ox.Store, merged: Graph) -> None:
    expected = [solution["term"].value for solution in store.query(SOURCED)]
    assert len(expected) > 100, "the query for terms that need a source found too few"
    missing = sorted(t for t in expected if merged.value(URIRef(t), DCTERMS.source) is None)
    assert not missing, "terms without dcterms:source:\n" + "\n".join(missing)


def _expected_concepts() -> list[str]:
    lines = EXPECTED_CONCEPTS.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


FIND_BY_LABEL = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?wanted ?term WHERE {
  ?term rdfs:label|skos:prefLabel ?label .
  FILTER (STRSTARTS(STR(?term), "https://w3id.org/palermo/ontology#"))
  FILTER (LCASE(STR(?label)) = LCASE(STR(?wanted)))
}
LIMIT 1
"""


def test_expected_concepts_list_has_no_duplicates() -> None:
    concepts = [c.lower() for c in _expected_concepts()]
    assert len(concepts) > 200
    assert len(concepts) == len(set(concepts))


@pytest.mark.parametrize("concept", _expected_concepts())
def test_ontology_names_concept(store: ox.Store, concept: str) -> None:
    found = store.query(FIND_BY_LABEL, substitutions={ox.Variable("wanted"): ox.Literal(concept)})
    assert list(found), f"no term in the ontology is labelled {concept!r}"


def _case(graph: Graph, act: URIRef, purpose: URIRef, means: URIRef | None) -> URIRef:
    case = URIRef(f"https://example.org/case/{len(graph)}")
    graph.add((case, RDF.type, PAL.Case))
    for prop, cls in ((PAL.act, act), (PAL.means, means), (PAL.purpose, purpose)):
        if cls is not None:
            element = BNode()
            graph.add((case, prop, element))
            graph.add((element, RDF.type, cls))
    return case


def test_modules_keep_classification(merged: Graph) -> None:
    """Act, means and purpose make trafficking (TIP Protocol art. 3(a)), through the new subclasses
    too; act and purpose alone do not, for a person not known to be a child."""
    graph = Graph()
    graph += merged
    full = _case(graph, PAL.RecruitmentByFalseJobOffer, PAL.ForcedLabour, PAL.PsychologicalCoercion)
    plain = _case(graph, PAL.Recruitment, PAL.ForcedLabour, PAL.Deception)
    partial = _case(graph, PAL.Recruitment, PAL.ForcedLabour, None)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    assert (full, RDF.type, PAL.TraffickingCase) in graph
    assert (plain, RDF.type, PAL.TraffickingCase) in graph
    assert (partial, RDF.type, PAL.TraffickingCase) not in graph
    for case in (full, plain, partial):
        assert (case, RDF.type, PAL.SmugglingCase) not in graph
