"""The page at ``/`` in headless Chromium against a live ``palermo serve --memory --examples``.

Each test drives the page as a user would and writes a screenshot to ``tests/_artifacts/web/``.
Marked slow: the server start classifies the example cases.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from support.constants import READ_TOKEN

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _open(page, tab: str | None = None):
    page.goto("/")
    page.wait_for_selector("#named-description:not(:empty)")
    if tab:
        page.click(f"#tab-{tab}")
        page.wait_for_selector(f"#panel-{tab}:not([hidden])")


def _shot(page, path: Path) -> None:
    """A full-page screenshot from the top (so that the sticky tab bar sits at the top)."""
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=True)


def _boxes(assessment) -> dict[str, str]:
    """The state of each element box of one assessment picture."""
    out = {}
    for box in assessment.locator("li.element").all():
        out[box.get_attribute("data-element")] = box.get_attribute("data-state")
    return out


def test_run_a_named_query_and_see_rows(reader_page, artifacts):
    page = reader_page
    _open(page)
    page.select_option("#named-select", "count-cases-by-label")
    assert "trafficking, smuggling, both" in page.text_content("#named-description")
    page.click("#named-run")
    rows = page.locator("#query-results tbody tr")
    rows.first.wait_for()
    assert rows.count() == 5  # the six examples carry five labels
    labels = page.locator("#query-results tbody td:first-child").all_text_contents()
    assert set(labels) == {"trafficking", "smuggling", "both", "neither", "insufficient"}

    # sort by the count column, descending on the second click
    page.get_by_role("button", name="cases").click()
    page.get_by_role("button", name="cases").click()
    header = page.locator("#query-results th").nth(1)
    assert header.get_attribute("aria-sort") == "descending"
    assert page.locator("#query-results tbody td.num").first.text_content() == "2"

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    table = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert table[0] == ["caseLabel", "cases"]
    assert len(table) == 6
    with page.expect_download() as download:
        page.get_by_role("button", name="Download JSON").click()
    assert json.loads(Path(download.value.path()).read_text())["head"]["vars"] == [
        "caseLabel",
        "cases",
    ]
    _shot(page, artifacts / "query.png")


def test_named_query_parameters_are_form_fields(page):
    _open(page)
    page.select_option("#named-select", "list-cases")
    page.select_option("#param-list-cases-label", "smuggling")
    page.click("#named-run")
    page.locator("#query-results tbody tr").first.wait_for()
    cells = page.locator("#query-results tbody tr td:nth-child(2)").all_text_contents()
    assert cells == ["smuggling"]


def test_sparql_editor_and_errors_in_words(reader_page, artifacts):
    page = reader_page
    _open(page)
    page.click("#named-edit")
    assert "SELECT" in page.input_value("#sparql-text")
    page.fill("#sparql-text", "SELEC nothing")
    page.get_by_role("button", name="Run query").click()
    message = page.locator("#query-message.error")
    message.wait_for()
    assert "Malformed SPARQL" in message.text_content()
    assert "check the text you sent" in message.text_content()
    assert "line 1, column" in message.text_content()
    assert page.evaluate("document.activeElement.id") == "sparql-text"  # caret at the error
    page.screenshot(path=artifacts / "query-error.png")

    page.fill(
        "#sparql-text",
        "PREFIX pal: <https://w3id.org/palermo/ontology#> "
        "SELECT ?case WHERE { ?case a pal:Case } ORDER BY ?case",
    )
    page.keyboard.press("Control+Enter")
    page.locator("#query-results tbody tr").first.wait_for()
    assert page.locator("#query-results tbody tr").count() == 6

    page.fill("#sparql-text", "ASK { ?s ?p ?o }")
    page.get_by_role("button", name="Run query").click()
    page.locator("#query-message", has_text="The answer is yes.").wait_for()

    page.fill(
        "#sparql-text",
        "PREFIX pal: <https://w3id.org/palermo/ontology#> "
        "CONSTRUCT { ?c a pal:Case } WHERE { ?c a pal:Case }",
    )
    page.get_by_role("button", name="Run query").click()
    page.locator("#query-results pre.code").wait_for()
    assert "example.org/case/h02" in page.text_content("#query-results pre.code")


def test_classify_a_pasted_example(page, artifacts):
    _open(page, "classify")
    page.fill("#paste-text", (EXAMPLES / "false-job-offer.ttl").read_text())
    page.get_by_role("button", name="Classify the graph").click()
    card = page.locator("article.assessment")
    card.wait_for()
    assert card.get_attribute("data-label") == "trafficking"
    assert card.locator(".label").text_content().strip().endswith("trafficking")
    assert _boxes(card) == {
        "act": "present",
        "means": "present",
        "purpose": "present",
        "irregularMigration": "ruled-out",
        "benefit": "ruled-out",
    }
    act = card.locator('li.element[data-element="act"]')
    assert "recruitment" in act.text_content()
    assert "TIP Protocol art. 3(a)" in act.text_content()
    assert "SoM Protocol art. 3(a)" in card.locator(".protocol.smuggling").text_content()
    assert "Child rule not applied" in card.locator(".child-rule").text_content()
    assert "Trafficking in persons is established" in card.locator(".explanation").text_content()
    _shot(page, artifacts / "classify-example.png")


def test_classify_an_uploaded_jsonld_file(page, tmp_path):
    doc = {
        "@context": {"pal": "https://w3id.org/palermo/ontology#"},
        "@id": "https://example.org/case/upload",
        "@type": "pal:Case",
        "pal:procures": {"@type": "pal:IllegalEntry"},
        "pal:benefit": {"@type": "pal:FinancialBenefit"},
        "pal:ruledOut": [{"@id": "pal:ActElement"}],
        "pal:affectedPerson": {"@type": "pal:Person", "pal:ageAtTimeOfAct": 30},
    }
    path = tmp_path / "case.jsonld"
    path.write_text(json.dumps(doc))
    _open(page, "classify")
    page.set_input_files("#paste-file", str(path))
    # expect() polls without eval, which the page's Content-Security-Policy forbids.
    expect(page.locator("#paste-text")).not_to_have_value("")
    assert page.input_value("#paste-format") == "application/ld+json"
    page.get_by_role("button", name="Classify the graph").click()
    card = page.locator("article.assessment")
    card.wait_for()
    assert card.get_attribute("data-label") == "smuggling"
    boxes = _boxes(card)
    assert boxes["act"] == "ruled-out"
    assert boxes["irregularMigration"] == boxes["benefit"] == "present"


def test_fill_the_form_and_classify(page, artifacts):
    _open(page, "classify")
    form = page.locator("#case-form")
    form.get_by_label("harbouring").check()
    form.get_by_label("servitude").check()
    page.fill("#case-age", "13")
    form.get_by_label("illegal entry or stay").check()  # examined and found absent
    form.get_by_label("a benefit to those who moved the person").check()
    turtle = page.text_content("#case-turtle")
    assert "pal:act [ a pal:Harbouring ]" in turtle
    assert "pal:ageAtTimeOfAct 13" in turtle
    page.click("#case-submit")
    card = page.locator("article.assessment")
    card.wait_for()
    assert card.get_attribute("data-label") == "trafficking"
    assert _boxes(card) == {
        "act": "present",
        "means": "not-needed",
        "purpose": "present",
        "irregularMigration": "ruled-out",
        "benefit": "ruled-out",
    }
    assert "Child rule applied" in card.locator(".child-rule").text_content()
    _shot(page, artifacts / "classify-form.png")


def test_an_incomplete_case_shows_what_is_missing(page):
    _open(page, "classify")
    page.locator("#case-form").get_by_label("recruitment", exact=True).check()
    page.fill("#case-age", "30")
    page.click("#case-submit")
    card = page.locator("article.assessment")
    card.wait_for()
    assert card.get_attribute("data-label") == "insufficient"
    boxes = _boxes(card)
    assert boxes["act"] == "present"
    assert boxes["means"] == boxes["purpose"] == "missing"
    assert "cannot be decided yet" in card.locator(".protocol.trafficking").text_content()


def test_classify_shows_contract_violations_in_words(page):
    _open(page, "classify")
    page.fill("#paste-text", (EXAMPLES / "partner" / "dataset.ttl").read_text())
    page.get_by_role("button", name="Classify the graph").click()
    message = page.locator("#classify-message.error")
    message.wait_for()
    assert "breaks the input contract" in message.text_content()
    assert message.locator("li").count() >= 1


def test_validate_a_partner_dataset(page, artifacts):
    _open(page, "validate")
    page.set_input_files("#validate-file", str(EXAMPLES / "partner" / "dataset.ttl"))
    expect(page.locator("#validate-text")).not_to_have_value("")
    page.get_by_role("button", name="Check the dataset").click()
    page.locator(".report").wait_for()
    verdict = page.locator(".verdict").text_content()
    assert "does not meet the rules yet" in verdict
    assert "2 problems that must be fixed" in verdict
    assert "1 warning to review" in verdict
    groups = page.locator(".shape-group")
    assert groups.count() == 3
    shapes = [g.get_attribute("data-shape") for g in groups.all()]
    assert "https://w3id.org/palermo/shapes#PersonPrivacyShape" in shapes
    # violations before warnings; each group names its focus node and counts its findings
    assert page.locator(".shape-group .result").first.get_attribute("class").endswith("Violation")
    assert page.locator(".focus-group h4", has_text="p3").count() == 1
    assert "1 finding" in groups.first.locator("h3").text_content()

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the full report (Turtle)").click()
    raw = Path(download.value.path()).read_text()
    assert "ValidationReport" in raw
    _shot(page, artifacts / "validate.png")


def test_overview_charts(reader_page, artifacts):
    page = reader_page
    _open(page, "overview")
    page.locator("svg.chart rect.bar").first.wait_for()
    charts = page.locator("figure.chart-box")
    expect(charts).to_have_count(6)  # the charts are drawn one by one, as their queries answer
    by_label = charts.nth(0)
    assert "assessment label" in by_label.locator("figcaption").text_content()
    assert by_label.locator("rect.bar").count() == 5
    assert charts.nth(1).locator("rect.bar").count() >= 3
    child = charts.nth(2)
    assert "1 of 6 cases (17%) concern a child" in child.text_content()
    assert charts.nth(3).locator("rect.bar").count() == 4  # countries of exploitation
    assert page.locator("svg.chart rect.bar title").count() >= 10  # every bar names its value
    _shot(page, artifacts / "overview.png")


def test_overview_without_a_token_shows_what_anyone_may_see(page, artifacts):
    _open(page, "overview")
    page.locator("#overview-message.ok, #overview-message.info").wait_for()
    charts = page.locator("figure.chart-box")
    expect(charts).to_have_count(6)  # the charts are drawn one by one, as their queries answer
    # the examples are public: the child share is drawn from the cases anyone may list
    assert "concern a child" in charts.nth(2).text_content()
    # aggregate counts of a handful of cases are withheld from anonymous callers, and said so
    for i in (0, 1, 3, 4, 5):
        chart = charts.nth(i)
        assert chart.locator("rect.bar").count() > 0 or "withheld" in chart.text_content()
    assert "regions" in charts.nth(5).text_content()
    _shot(page, artifacts / "overview-anonymous.png")


def _tab_to(page, element_id: str, limit: int = 120) -> None:
    """Press Tab until the element with ``element_id`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_keyboard_only(reader_page, artifacts):
    page = reader_page
    page.goto("/")
    page.wait_for_selector("#named-description:not(:empty)")
    _tab_to(page, "tab-query")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-classify"
    assert page.get_attribute("#tab-classify", "aria-selected") == "true"
    assert page.is_visible("#panel-classify")
    assert not page.is_visible("#panel-query")
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.id") == "tab-overview"
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-classify"
    # focus is visible on the tab (an outline, not the browser default being removed)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in {"", "none"}

    # fill the form and submit it with the keyboard only
    _tab_to(page, "case-act-Recruitment")
    page.keyboard.press("Space")
    _tab_to(page, "case-means-Deception")
    page.keyboard.press("Space")
    _tab_to(page, "case-purpose-ForcedLabour")
    page.keyboard.press("Space")
    _tab_to(page, "case-age")
    page.keyboard.type("30")
    _tab_to(page, "case-submit")
    page.screenshot(path=artifacts / "keyboard-focus.png")
    page.keyboard.press("Enter")
    card = page.locator("article.assessment")
    card.wait_for()
    assert card.get_attribute("data-label") == "trafficking"

    # a named query from the keyboard: back to the Query tab, run it with Enter
    page.focus("#tab-classify")
    page.keyboard.press("ArrowLeft")
    assert page.is_visible("#panel-query")
    _tab_to(page, "named-run")
    page.keyboard.press("Enter")
    page.locator("#query-results tbody tr").first.wait_for()


def test_narrow_screen(narrow_page, artifacts):
    page = narrow_page
    page.goto("/")
    page.wait_for_selector("#named-description:not(:empty)")
    page.click("#named-run")
    page.locator("#query-results tbody tr").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, artifacts / "narrow-query.png")
    tabs = [page.locator(f"#tab-{t}").bounding_box() for t in ("query", "overview")]
    assert tabs[0]["y"] == tabs[1]["y"]  # the four tabs fit on one line

    page.click("#tab-classify")
    page.fill("#paste-text", (EXAMPLES / "smuggled-then-exploited.ttl").read_text())
    page.get_by_role("button", name="Classify the graph").click()
    page.locator("article.assessment").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # the boxes stack in one column
    boxes = page.locator("article.assessment .protocol.trafficking li.element").all()
    xs = {round(b.bounding_box()["x"]) for b in boxes}
    assert len(xs) == 1
    page.locator("article.assessment").screenshot(path=artifacts / "narrow-assessment.png")
    _shot(page, artifacts / "narrow-classify.png")

    page.click("#tab-overview")
    page.locator("svg.chart rect.bar").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, artifacts / "narrow-overview.png")


def test_token_is_kept_for_the_tab_and_sent_as_bearer(page):
    _open(page)
    assert "No token" in page.text_content("#token-status")
    sent: list[str | None] = []
    page.on(
        "request",
        lambda r: sent.append(r.headers.get("authorization")) if "/queries/" in r.url else None,
    )
    page.click("#named-run")
    page.locator("#query-message.ok").wait_for()
    assert sent == [None]
    anonymous_rows = page.locator("#query-results tbody tr").count()

    page.fill("#token-input", READ_TOKEN)
    page.get_by_role("button", name="Use token").click()
    assert page.evaluate("sessionStorage.getItem('palermo.token')") == READ_TOKEN
    assert page.input_value("#token-input") == ""  # not left on screen
    assert "token is in use" in page.text_content("#token-status")
    page.reload()
    page.wait_for_selector("#named-description:not(:empty)")
    page.click("#named-run")
    page.locator("#query-results tbody tr").first.wait_for()
    assert sent[-1] == f"Bearer {READ_TOKEN}"
    # the token unlocks the counts an anonymous visitor may not see
    assert page.locator("#query-results tbody tr").count() == 5 >= anonymous_rows

    page.get_by_role("button", name="Forget").click()
    assert page.evaluate("sessionStorage.getItem('palermo.token')") is None
    assert "No token" in page.text_content("#token-status")


OWN_TERMS_CASE = """@prefix pal: <https://w3id.org/palermo/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/partner#> .
ex:DebtBondageControl rdfs:subClassOf pal:Coercion .
ex:wasRecruitedBy rdfs:subPropertyOf pal:act .
ex:case42 a pal:Case ;
    ex:wasRecruitedBy [ a pal:Recruitment ] ;
    pal:means [ a ex:DebtBondageControl ] ;
    pal:purpose [ a pal:ForcedLabour ] ;
    pal:affectedPerson [ a pal:Person ; pal:ageAtTimeOfAct 30 ] .
"""


def test_a_box_opens_its_proof_with_the_users_own_terms(page, artifacts):
    """Issue 15: each box opens its proof; the user's own subclass and subproperty are in it,
    with the lines of the pasted text."""
    _open(page, "classify")
    page.fill("#paste-text", OWN_TERMS_CASE)
    page.get_by_role("button", name="Classify the graph").click()
    card = page.locator("article.assessment")
    card.wait_for()
    assert card.get_attribute("data-label") == "trafficking"
    means = card.locator('li.element[data-element="means"] details.proof')
    means.locator("summary").click()
    expect(means.locator(".proof-tree")).to_be_visible()
    text = means.text_content()
    assert "ex:DebtBondageControl rdfs:subClassOf pal:Coercion" in text
    assert "your input, line 4" in text
    act = card.locator('li.element[data-element="act"] details.proof')
    act.locator("summary").click()
    assert "ex:wasRecruitedBy rdfs:subPropertyOf pal:act" in act.text_content()
    assert "prp-spo1" in act.text_content()
    trafficking = card.locator('details.proof[data-box="trafficking"]')
    trafficking.locator("summary").click()
    assert "TIP Protocol art. 3(a)" in trafficking.locator(".proof-basis").text_content()
    _shot(page, artifacts / "classify-proof.png")
