"""The Validate tab's large-dataset flow in headless Chromium against a live ``palermo serve``:
a file uploaded as a job (``POST /validations``, gzip sent as it is), a progress bar while the
page polls, then the findings grouped by rule and the CSV and Turtle downloads. Screenshots go to
``tests/_artifacts/web/``. Marked slow: the server start classifies the example cases.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest

from support.constants import READ_TOKEN
from support.partner_data import AGE_SHAPE, PRIVATE, partner_dataset

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.slow

AGES = 13  # one rule broken 13 times: the page shows the first 10 and says how many more


def _open_validate(page) -> None:
    page.goto("/")
    page.wait_for_selector("#named-description:not(:empty)")
    page.click("#tab-validate")
    page.wait_for_selector("#panel-validate:not([hidden])")


def _download(page, name: str) -> str:
    with page.expect_download() as download:
        page.get_by_role("link", name=name).click()
    return Path(download.value.path()).read_text(encoding="utf-8")


def test_upload_a_gzip_file_as_a_job_and_act_on_the_grouped_report(
    reader_page, artifacts, tmp_path
):
    page = reader_page
    path = tmp_path / "partner-dataset.ttl.gz"
    path.write_bytes(gzip.compress(partner_dataset(AGES)))
    sent: list[tuple[str, str | None, str | None]] = []
    page.on(
        "request",
        lambda r: (
            sent.append(
                (r.method, r.headers.get("content-encoding"), r.headers.get("authorization"))
            )
            if "/validations" in r.url
            else None
        ),
    )
    _open_validate(page)
    page.set_input_files("#job-file", str(path))
    page.get_by_role("button", name="Upload and check").click()
    report = page.locator(".job-report")
    report.wait_for()

    # the upload went as gzip, with the token; the page polled the status with it
    assert sent[0] == ("POST", "gzip", f"Bearer {READ_TOKEN}")
    assert any(method == "GET" for method, _, _ in sent[1:])
    assert all(auth == f"Bearer {READ_TOKEN}" for _, _, auth in sent)
    # the progress bar ends full
    expect(page.locator("#job-status")).to_be_visible()
    expect(page.locator("#job-progress")).to_have_attribute("value", "100")

    verdict = report.locator(".verdict").text_content()
    assert "does not meet the rules yet" in verdict
    assert f"{AGES} problems that must be fixed" in verdict
    ages = page.locator(f'.rule-group[data-shape="{AGE_SHAPE}"]')
    assert ages.get_attribute("data-count") == str(AGES)
    assert ages.locator("li.result").count() == 10
    assert "3 more findings" in ages.locator(".more").text_content()
    assert "whole number of years" in ages.locator(".msg").text_content()
    # violations first, then the privacy warnings, each rule once
    groups = page.locator(".job-report .rule-group")
    assert "sev-Violation" in groups.first.get_attribute("class")
    shapes = [g.get_attribute("data-shape") for g in groups.all()]
    assert shapes.count("https://w3id.org/palermo/shapes#PersonPrivacyShape") == 5

    table = _download(page, "Download the full report (CSV, for spreadsheets)")
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == sum(int(g.get_attribute("data-count")) for g in groups.all())
    turtle = _download(page, "Download the full report (Turtle)")
    assert "sh:ValidationReport" in turtle

    shown = page.text_content("body")
    for private in PRIVATE:
        assert private not in shown and private not in table and private not in turtle
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifacts / "validate-job.png", full_page=True)


def test_an_unreadable_file_says_which_line(page, tmp_path):
    path = tmp_path / "broken.nt"
    path.write_text(
        "<https://example.org/c> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/palermo/ontology#Case> .\n<https://example.org/c> <https://e.org/p> .\n"
    )
    _open_validate(page)
    page.set_input_files("#job-file", str(path))
    page.get_by_role("button", name="Upload and check").click()
    message = page.locator("#job-message.error")
    message.wait_for()
    assert "Unreadable input" in message.text_content()
    assert "line 2" in message.text_content()
    assert page.locator(".job-report").count() == 0


def test_the_paste_flow_is_still_there(page):
    _open_validate(page)
    expect(page.get_by_role("button", name="Check the dataset")).to_be_visible()
    expect(page.locator("#job-progress")).to_be_hidden()  # no job yet
