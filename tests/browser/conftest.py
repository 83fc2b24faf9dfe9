"""Browser tests drive Debian's chromium (never a downloaded browser) through Playwright for Python.

Without /usr/bin/chromium they skip with the reason, except under CI, where they must run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.chromium import CHROMIUM_ARGS

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (apt-get install chromium): browser tests skipped"
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests, but " + message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread for the whole session; the
    # ORM calls that tests and database fixtures make meanwhile are still plain synchronous calls,
    # so Django's async-safety guard is lifted while the browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # The background map tiles come from the internet; tests have none, so answer them empty.
    context.route("https://tile.openstreetmap.org/**", lambda route: route.fulfill(status=204, body=""))
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
