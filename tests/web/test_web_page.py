"""The page at ``GET /`` from the Flask test client: served, self-contained, labelled.

Browser tests of the same page are in ``test_web_browser.py``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest

EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
JS_IMPORT = re.compile(
    r"""(?:\bimport\b[^"'()]*?\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']"""
)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["']""")


class _Page(HTMLParser):
    """Collects the src/href references, the form controls and the labels of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.tabs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("src", "href"):
            if a.get(key):
                self.refs.append((tag, key, str(a[key])))
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag in {"input", "select", "textarea"} and a.get("type") != "hidden":
            self.controls.append(a)
        if tag == "label" and a.get("for"):
            self.label_for.add(str(a["for"]))
        if a.get("role") == "tab":
            self.tabs.append({"tag": tag, **a})


def _page(client) -> tuple[str, _Page]:
    r = client.get("/")
    assert r.status_code == 200
    assert r.mimetype == "text/html"
    parser = _Page()
    parser.feed(r.text)
    return r.text, parser


def test_page_is_served_with_the_named_queries_embedded(client):
    text, _ = _page(client)
    assert "<title>Palermo" in text
    # the editor can show each named query's SPARQL without another request
    assert "count-cases-by-label" in text
    assert 'id="query-texts"' in text


def test_the_page_allows_only_its_own_origin(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_the_page_has_no_external_urls(client):
    _, page = _page(client)
    external = [(tag, key, value) for tag, key, value in page.refs if EXTERNAL.match(value)]
    assert external == []


def _assets(client) -> dict[str, bytes]:
    """Every asset the page references, followed through CSS url() and JS imports."""
    _, page = _page(client)
    todo = [
        value
        for tag, key, value in page.refs
        if (tag, key) in {("script", "src"), ("link", "href"), ("img", "src")}
        and not value.startswith("data:")
    ]
    seen: dict[str, bytes] = {}
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        with client.get(path) as r:  # send_file streams from disk: close the file
            assert r.status_code == 200, path
            seen[path] = r.data
            mimetype = r.mimetype
        body = seen[path].decode("utf-8")
        if path.endswith(".js"):
            assert mimetype in {"text/javascript", "application/javascript"}, path
            todo += [urljoin(path, m) for m in JS_IMPORT.findall(body)]
        elif path.endswith(".css"):
            assert mimetype == "text/css"
            for m in CSS_URL.findall(body):
                ref = m[0] or m[1]
                if not ref.startswith("data:"):
                    todo.append(urljoin(path, ref))
    return seen


def test_every_asset_is_served_from_the_package(client):
    from palermo.api.web import WEB

    assets = _assets(client)
    assert any(p.endswith(".css") for p in assets)
    assert sum(p.endswith(".js") for p in assets) >= 5  # main.js and the modules it imports
    for path, body in assets.items():
        relative = path.split("/web/static/", 1)[1]
        assert (WEB / "static" / relative).read_bytes() == body


def test_the_assets_reference_nothing_outside(client):
    for path, body in _assets(client).items():
        text = body.decode("utf-8")
        if path.endswith(".js"):
            for ref in JS_IMPORT.findall(text):
                assert ref.startswith("./"), (path, ref)
            assert not re.search(r"""fetch\(\s*["'`]https?:""", text), path
        else:
            for m in CSS_URL.findall(text):
                assert not EXTERNAL.match(m[0] or m[1]), (path, m)


def test_every_control_is_labelled(client):
    _, page = _page(client)
    assert page.controls
    for control in page.controls:
        labelled = (
            control.get("id") in page.label_for
            or control.get("aria-label")
            or control.get("aria-labelledby")
        )
        assert labelled, control


def test_ids_are_unique(client):
    _, page = _page(client)
    assert len(page.ids) == len(set(page.ids))


def test_tabs_are_buttons_with_aria_roles(client):
    text, page = _page(client)
    assert 'role="tablist"' in text
    ids = [t["id"] for t in page.tabs]
    assert ids == ["tab-query", "tab-classify", "tab-validate", "tab-overview"]
    for tab in page.tabs:
        assert tab["tag"] == "button"
        assert tab["aria-controls"] in page.ids
        assert tab["aria-selected"] in {"true", "false"}


@pytest.mark.parametrize("path", ["/web/static/nothing.js", "/web/static/../api/web.py"])
def test_unknown_assets_are_not_found(client, path):
    with client.get(path) as r:
        assert r.status_code == 404
