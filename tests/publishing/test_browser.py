"""The HTML documentation in a headless Chromium (Debian's, driven by Playwright) against a live
``palermo serve``: every term has an anchor, every in-page link has its target, every internal
link answers 200; screenshots go to tests/_artifacts/."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import paths
from support.browser import CHROMIUM, CHROMIUM_ARGS
from support.servers import PalermoServer

ARTIFACTS = paths.ARTIFACTS
ARGS = CHROMIUM_ARGS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The base URL of a ``palermo serve --memory --examples`` subprocess on a free port."""
    with PalermoServer("--memory", "--examples") as live:
        yield live.url


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _check_page(browser, url: str, name: str) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"linked-data-{name}.png"))
    facts = page.evaluate(
        """() => ({
          ids: [...document.querySelectorAll('[id]')].map(e => e.id),
          hashes: [...document.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href')),
          internal: [...document.querySelectorAll('a[href]')].map(a => a.href)
                      .filter(h => h.startsWith(location.origin)),
          resources: performance.getEntriesByType('resource').map(r => r.name),
        })"""
    )
    page.close()
    return facts


def test_ontology_documentation(browser, server):
    from palermo.publishing.publication import Publication

    facts = _check_page(browser, server + "/ontology", "ontology")
    ids = set(facts["ids"])
    assert len(ids) == len(facts["ids"]), "duplicate ids"
    missing_terms = [t for t in Publication.load().terms() if t not in ids]
    assert not missing_terms, missing_terms
    broken = sorted({h for h in facts["hashes"] if h[1:] not in ids})
    assert not broken, broken
    assert not [r for r in facts["resources"] if not r.startswith(server)], "external fetches"
    _internal_links_answer(facts["internal"], server)


@pytest.mark.parametrize("path", ["/shapes", "/ontology/core", "/ontology/alignments"])
def test_other_documents(browser, server, path):
    facts = _check_page(browser, server + path, path.strip("/").replace("/", "-"))
    ids = set(facts["ids"])
    assert not sorted({h for h in facts["hashes"] if h[1:] not in ids})
    _internal_links_answer(facts["internal"], server)


def test_term_iri_lands_on_its_anchor(browser, server):
    page = browser.new_page()
    page.goto(server + "/ontology/Recruitment")
    assert page.url.endswith("/ontology#Recruitment")
    assert page.locator("#Recruitment h3").inner_text() == "recruitment"
    page.screenshot(path=str(ARTIFACTS / "linked-data-term-anchor.png"))
    page.close()


def _internal_links_answer(links: list[str], server: str) -> None:
    for link in sorted({link.split("#", 1)[0] for link in links}):
        request = urllib.request.Request(link, headers={"Accept": "text/html"})
        with urllib.request.urlopen(request, timeout=30) as r:
            assert r.status == 200, link
