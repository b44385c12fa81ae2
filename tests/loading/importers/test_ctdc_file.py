"""The real CTDC condensed file (``../shared/data/ctdc/``, never copied into the repository).

The element counts are the frequencies of CTDC's own data dictionary (sheet TabStat, version of
1 December 2022), so the mapping is checked against the publisher's figures, not against itself.
"""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from palermo.loading.importers import CsvSource, MappedCase, load_mapping
from palermo.rdf.namespaces import PAL
from support import paths

CTDC = paths.SHARED / "data" / "ctdc"
CSV_FILE = CTDC / "CTDC_VPsynthetic_condensed.csv"

pytestmark = pytest.mark.skipif(
    not CSV_FILE.is_file(), reason=f"the CTDC file is not here ({CSV_FILE}); see DESIGN.md"
)


@pytest.fixture(scope="module")
def imported() -> tuple[list[MappedCase], CsvSource]:
    with CsvSource(CSV_FILE, load_mapping("ctdc")) as source:
        items = list(source)
    return items, source  # type: ignore[return-value]


def test_every_record_is_read_and_imported(imported) -> None:
    items, source = imported
    assert (source.summary.read, source.summary.imported, source.summary.rejected) == (
        21195,
        21195,
        0,
    )
    assert source.summary.ignored_columns == ()
    assert len({i.case for i in items}) == 21195


def test_element_counts_match_the_data_dictionary(imported) -> None:
    items, _ = imported
    counts: Counter = Counter()
    for item in items:
        for _, p, o in item.triples:
            if p == RDF.type and o in {
                PAL.Recruitment,
                PAL.Transfer,
                PAL.Coercion,
                PAL.ForcedLabour,
                PAL.SexualExploitation,
                PAL.FinancialBenefit,
                PAL.Child,
                PAL.Adult,
                PAL.Exploiter,
            }:
                counts[str(o).rsplit("#")[-1]] += 1
    assert counts == {
        "Recruitment": 11865,  # IP_RecruiterBroker = 1
        "Transfer": 7344,  # IP_TransactionProcess = 1
        "Coercion": 2078,  # IP_ControlAbuseKidnap = 1
        "ForcedLabour": 12248,  # isForcedLabour = 1
        "SexualExploitation": 2775,  # isSexualExploit = 1
        "FinancialBenefit": 3136 + 944,  # IP_PayMoney Yes and No;Yes
        "Child": 1212,  # majorityStatus Minor
        "Adult": 16379,  # majorityStatus Adult
        "Exploiter": 9458,  # IP_Exploiter = 1
    }


def expected_labels() -> Counter:
    """The decision rules of DESIGN.md applied to the raw columns: nothing is ruled out and
    nothing procures irregular migration, so a record is trafficking or insufficient."""
    labels: Counter = Counter()
    with CSV_FILE.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            act = row["IP_RecruiterBroker"] == "1" or row["IP_TransactionProcess"] == "1"
            purpose = row["isForcedLabour"] == "1" or row["isSexualExploit"] == "1"
            means = row["IP_ControlAbuseKidnap"] == "1" or row["majorityStatus"] == "Minor"
            labels["trafficking" if act and purpose and means else "insufficient"] += 1
    return labels


@pytest.mark.slow
def test_label_counts_add_up(imported, classifier) -> None:
    items, _ = imported
    labels: Counter = Counter()
    for start in range(0, len(items), 2000):
        graph = Graph()
        for item in items[start : start + 2000]:
            for triple in item.triples:
                graph.add(triple)
        labels.update(c.assessment.label for c in classifier.classify(graph, "fast"))
    assert sum(labels.values()) == 21195
    assert labels == expected_labels()
