"""Browser fixtures: a live ``palermo serve --memory --examples`` and Debian's headless Chromium
driven by Playwright (never a downloaded browser). Screenshots go to ``tests/_artifacts/web/``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import paths
from support.browser import CHROMIUM, CHROMIUM_ARGS
from support.constants import READ_TOKEN
from support.servers import PalermoServer

ARTIFACTS = paths.ARTIFACTS / "web"


@pytest.fixture(scope="module")
def live_server() -> Iterator[str]:
    """The base URL of a ``palermo serve --memory --examples`` subprocess on a free port."""
    with PalermoServer(
        "--memory", "--examples", env={"PALERMO_TOKENS": f"{READ_TOKEN}:read"}
    ) as server:
        yield server.url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless; skips when it or Playwright is absent. Module-scoped, so that
    it is stopped before another module's Playwright starts (one sync Playwright at a time)."""
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
    )
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _page(browser, live_server, token: str | None, **options):
    """A fresh browser context and page on the live server; fails on JavaScript errors."""
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(base_url=live_server, **options)
    context.set_default_timeout(20_000)
    if token:
        # as if the user had entered the token in this browser tab (sessionStorage)
        context.add_init_script(f"sessionStorage.setItem('palermo.token', {token!r});")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "the server responded with a status of" not in msg.text
            else None
        ),
    )
    return context, pg, errors


@pytest.fixture
def page(browser, live_server):
    """An anonymous visitor's page: what anyone may see."""
    context, pg, errors = _page(browser, live_server, None)
    yield pg
    context.close()
    assert errors == [], errors


@pytest.fixture
def reader_page(browser, live_server):
    """The page of a visitor who entered a ``read`` token: all case data, unsuppressed."""
    context, pg, errors = _page(browser, live_server, READ_TOKEN)
    yield pg
    context.close()
    assert errors == [], errors


@pytest.fixture
def narrow_page(browser, live_server):
    """A reader's page on a 375 px wide phone screen."""
    context, pg, errors = _page(
        browser, live_server, READ_TOKEN, viewport={"width": 375, "height": 812}, is_mobile=True
    )
    yield pg
    context.close()
    assert errors == [], errors


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
