"""Take the README's screenshots from the real pages (``make screenshots``), so they never go stale.

Run as ``.venv/bin/python docs/screenshots/take.py`` from anywhere. It builds a throwaway trust
(SQLite in a temporary directory, ``load_demo --as-of 2026-12-07``), serves it with
``runserver`` on a free port, logs in through the real login form as each demo user with Debian's
chromium (driven by Playwright; no browser is downloaded) and writes three PNGs beside this file:

- ``parcels-map.png``: staff on the map of parcels;
- ``homeowner-resale.png``: the homeowner (Rosa Diaz) on "What could my home sell for today?";
- ``election-results.png``: a member on the certified election's results (winners, chart, rounds);
- ``member-home-es-phone.png``: the member's home page on a phone (375 px), in Spanish, with the
  open election's "Vote" button, the coming meeting and their membership;
- ``portal-es-phone.png``: the homeowner's lease and account on a phone, in Spanish: the ledger's
  table scrolls inside its box, with the cue.

The server's clock is fixed on the demo's day too (time-machine, ticking from noon), so pages
that depend on "today" (the resale price, the chart's last point) are the same on every run. Map
tiles come from the internet, which a build need not have: they are answered with an empty 204
and the map shows the parcels on a blank ground.

Exits non-zero with a message when chromium or Playwright is missing or a page fails.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: the project's own modules are importable from its root

from tests.browser.chromium import CHROMIUM_ARGS  # noqa: E402  (the browser tests' flags, one list)
from tests.devserver import Failure, manage, serving  # noqa: E402  (the server, as CI's fuzzing runs it)

OUT = Path(__file__).resolve().parent
AS_OF = "2026-12-07"
PASSWORD = "demo-clt-2026"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
TIMEOUT_MS = 20_000


def main() -> int:
    started = time.monotonic()
    try:
        check_tools()
        with tempfile.TemporaryDirectory(prefix="clt-screenshots-") as tmp:
            env = dict(os.environ, DEBUG="1", DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3")
            env.pop("MAP_TILES_URL", None)
            print("migrating…", flush=True)
            manage(env, "migrate", "--noinput")
            print(f"loading the demo as of {AS_OF}…", flush=True)
            manage(env, "load_demo", "--as-of", AS_OF)
            server = serving(env, Path(tmp) / "server.log", AS_OF)
            with server as base:
                print(f"serving on {base}…", flush=True)
                try:
                    shoot(base)
                except Failure:  # a page failed: what the server said may tell why
                    print(f"server log (last lines):\n{server.log_tail()}", file=sys.stderr)
                    raise
    except Failure as exc:
        print(f"take.py: error: {exc}", file=sys.stderr)
        return 1
    print(f"done in {time.monotonic() - started:.0f} s", flush=True)
    return 0


def check_tools() -> None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        raise Failure(f"chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM=/path/to/it)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise Failure("Playwright for Python is missing: install the test extras (make install-test)") from None


def shoot(base: str) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except PlaywrightError as exc:
            raise Failure(f"chromium at {CHROMIUM} would not start: {exc}") from None
        try:
            for name, user, take, viewport, language in (
                ("parcels-map.png", "staff", parcels_map, VIEWPORT, "en"),
                ("homeowner-resale.png", "homeowner", homeowner_resale, VIEWPORT, "en"),
                ("election-results.png", "member", election_results, VIEWPORT, "en"),
                ("member-home-es-phone.png", "member", member_home, PHONE, "es"),
                ("portal-es-phone.png", "homeowner", portal_lease, PHONE, "es"),
            ):
                context = browser.new_context(
                    viewport=viewport,
                    device_scale_factor=1,
                    locale="en-US",
                    reduced_motion="reduce",
                    is_mobile=viewport is PHONE,
                )
                context.route("https://tile.openstreetmap.org/**", lambda route: route.fulfill(status=204))
                context.set_default_timeout(TIMEOUT_MS)
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
                try:
                    log_in(page, base, user)
                    if language != "en":
                        with page.expect_navigation():
                            page.click(f".language-switch button[value='{language}']")
                    until = take(page, base)
                    if errors:
                        raise Failure(f"{name}: the page raised a script error: {errors[0]}")
                    path = OUT / name
                    page.screenshot(path=path, animations="disabled", caret="hide", **reaching(page, until, viewport))
                    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)", flush=True)
                except PlaywrightError as exc:
                    raise Failure(f"{name}: {exc.message.splitlines()[0]} (at {page.url})") from None
                finally:
                    context.close()
        finally:
            browser.close()


def reaching(page, until: str | None, viewport: dict) -> dict:
    """The window, or (taller) from the top of the page to just below the element ``until``."""
    if not until:
        return {}
    box = page.locator(until).first.bounding_box()
    height = min(page.evaluate("document.documentElement.scrollHeight"), box["y"] + box["height"] + 16)
    return {"full_page": True, "clip": {"x": 0, "y": 0, "width": viewport["width"], "height": height}}


def visit(page, url: str) -> None:
    response = page.goto(url)
    if response is None or not response.ok:
        raise Failure(f"{url} answered {response.status if response else 'nothing'}")


def log_in(page, base: str, username: str) -> None:
    visit(page, f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    if "/login/" in page.url:
        raise Failure(f"logging in as {username} failed (is the demo password still {PASSWORD}?)")


# Each picture: go to the page as its user, wait until it is drawn, return None for the window
# (1280x800) or the selector of the last thing the picture must show.


def parcels_map(page, base: str) -> None:
    visit(page, f"{base}/parcels/map/")
    # The map draws on a canvas (preferCanvas), so there are no path elements to wait for: wait
    # for the list of parcels in view, which is filled from the same answer, then for the second
    # request the opening fitBounds makes (150 ms after it moves) to be answered and drawn.
    page.wait_for_selector("#parcel-map canvas")
    page.wait_for_selector("#map-list li")
    page.wait_for_timeout(1000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


def homeowner_resale(page, base: str) -> str:
    # The way Rosa goes: her portal (her lease itself when she has one, a card per lease when
    # several), then the button.
    visit(page, f"{base}/my/")
    if page.locator(".resale-link a").count() == 0:
        with page.expect_navigation():
            page.click(".card h2 a")
    with page.expect_navigation():
        page.click(".resale-link a")
    if not page.url.rstrip("/").endswith("/resale"):
        raise Failure(f"the homeowner's resale button led to {page.url}")
    page.wait_for_selector("svg.price-chart")
    return "section.price-chart-section"  # the price, how it is worked out, and its chart


def election_results(page, base: str) -> str:
    visit(page, f"{base}/governance/elections/")
    row = page.locator("tbody tr").filter(has=page.locator("td", has_text="Certified"))
    if row.count() == 0:
        raise Failure("the demo has no certified election on the elections page")
    with page.expect_navigation():
        row.first.locator("th a").click()
    page.wait_for_selector("figure.chart svg")
    page.wait_for_selector(".contest-result table")
    return ".contest-result"  # the first contest: winners, chart and round table


def member_home(page, base: str) -> str:
    visit(page, f"{base}/")
    page.wait_for_selector("#vote-panel-heading")
    return "#membership-panel-heading ~ p:last-of-type"  # the vote, the meeting, the membership


def portal_lease(page, base: str) -> str:
    visit(page, f"{base}/my/")
    if page.locator("#portal-balance").count() == 0:
        with page.expect_navigation():
            page.click(".card h2 a")
    page.wait_for_selector(".ledger-table")
    page.locator(".ledger-table").first.scroll_into_view_if_needed()
    return ".ledger-table"  # the lease's facts, the balance and the ledger, which scrolls in its box


if __name__ == "__main__":
    sys.exit(main())
