"""One Chromium per test process for the browser tests, a fresh browser context per test.

Starting Chromium through Playwright costs about a second and a half of both cores; the tests of a
process share one launch. Playwright's sync API leaves its event loop marked as running in this thread
between calls (which is why browser tests set DJANGO_ALLOW_ASYNC_UNSAFE), so the shared browser is
stopped as soon as the next test of the process is not a browser test: the rest of the suite never runs
beside a "running" event loop. pytest-django's `live_server` is already one server per process.
"""

import os

import pytest
from django.db import connections

from tests.browser.support import CHROMIUM

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

_shared: dict = {}  # "playwright", "browser": the running Chromium of this process


def _launch():
    if "browser" not in _shared:
        from playwright.sync_api import sync_playwright

        if not os.path.exists(CHROMIUM):
            pytest.fail("Debian's chromium is missing: apt-get install chromium (see `make browser-deps`).")
        _shared["playwright"] = sync_playwright().start()
        _shared["browser"] = _shared["playwright"].chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"], headless=True
        )
    return _shared["browser"]


def _stop():
    browser, playwright = _shared.pop("browser", None), _shared.pop("playwright", None)
    if browser is not None:
        browser.close()
    if playwright is not None:
        playwright.stop()
        # Playwright's sync API runs the test in a greenlet with its own Django connections: close
        # them here, or the test database cannot be dropped at the end of the session.
        connections.close_all()


def _uses_browser(item) -> bool:
    return item is not None and "browser" in getattr(item, "fixturenames", ())


@pytest.fixture
def browser():
    """The process's Chromium; every context a test opens (`browser.new_context()`/`new_page()`) is
    closed after it, so no cookie, storage or page outlives the test."""
    shared = _launch()
    yield shared
    for context in list(shared.contexts):
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if _uses_browser(item) and not _uses_browser(nextitem):
        _stop()


def pytest_sessionfinish(session):
    _stop()
