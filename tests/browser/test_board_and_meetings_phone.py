"""The board roster and an adjourned meeting's run page on a phone (375 px): nothing is cut off, each table
scrolls inside a labelled region the keyboard can reach, and axe finds no serious violation."""

from __future__ import annotations

import pytest

from clt import roles
from governance.meetings import services as meeting_services
from tests.browser.axe import violations
from tests.browser.test_portal import log_in
from tests.conftest import make_user
from tests.governance.board.test_board_pages import board  # noqa: F401  (the fixture)
from tests.governance.meetings.test_meetings_pages import voting_meeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def phone(browser):
    return browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)


def assert_fits_the_phone(page, url: str) -> None:
    """No horizontal overflow of the page; every table in a focusable region labelled by an element of the page;
    a region wider than the phone scrolls with the keyboard."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{url} is wider than the phone by {overflow}px"
    tables = page.locator("table")
    assert tables.count() > 0
    for i in range(tables.count()):
        wrap = tables.nth(i).locator("xpath=..")
        assert wrap.get_attribute("class") == "table-wrap", url
        assert (wrap.get_attribute("role"), wrap.get_attribute("tabindex")) == ("region", "0"), url
        label = wrap.get_attribute("aria-labelledby")
        assert label and page.locator(f"#{label}").count() == 1, (url, label)
        if wrap.evaluate("w => w.scrollWidth > w.clientWidth"):
            wrap.focus()
            for _ in range(12):
                page.keyboard.press("ArrowRight")
            # The browser may scroll smoothly: wait for it to move rather than read it at once.
            page.wait_for_function("w => w.scrollLeft > 0", arg=wrap.element_handle(), timeout=5_000)


def test_the_board_roster_fits_a_phone(browser, live_server, board):  # noqa: F811
    staff = make_user("clerk", groups=(roles.STAFF_GROUP,))  # staff see the widest tables (an Actions column)
    context = phone(browser)
    page = context.new_page()
    try:
        log_in(page, live_server.url, staff.username)
        page.goto(live_server.url + "/governance/board/")
        assert page.get_by_role("heading", name="Public representatives").is_visible()
        assert_fits_the_phone(page, "/governance/board/")
        # The holders' table scrolls to its last column, "Actions", which then shows on the screen.
        region = page.get_by_role("region", name="Holders and vacancies of the Public representatives")
        region.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
        last = region.locator("thead th").last
        assert last.inner_text() == "Actions"
        box = last.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 375 + 1
        assert violations(page) == []
    finally:
        context.close()


def test_an_adjourned_meeting_fits_a_phone_and_shows_its_quorum_at_adjournment(browser, live_server):
    meeting, (ada, ben, _cal), _resolution = voting_meeting()
    for person in (ada, ben):
        meeting_services.attendance_check_in(actor=None, meeting=meeting, person=person)
    meeting_services.meeting_adjourn(actor=None, reason="business done", meeting=meeting)
    staff = make_user("chair2", groups=(roles.STAFF_GROUP,))
    context = phone(browser)
    page = context.new_page()
    try:
        log_in(page, live_server.url, staff.username)
        url = f"/governance/meetings/{meeting.pk}/run/"
        page.goto(live_server.url + url)
        assert page.locator("#quorum-heading").inner_text() == "Quorum at adjournment"
        assert page.locator("#quorum-word").inner_text() == "Quorum met"
        assert " ".join(page.locator("#quorum-summary").inner_text().split()).startswith("2 counted of 2 needed")
        assert_fits_the_phone(page, url)
        assert violations(page) == []
    finally:
        context.close()
