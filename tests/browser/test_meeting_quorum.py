"""Staff run a member meeting: the quorum counter follows check-ins, also those made at another desk (its
refresh, without a reload), and a carried vote is recorded using only the keyboard."""

from __future__ import annotations

import pytest

from clt import roles
from governance.meetings import services
from governance.meetings.models import ResolutionStatus
from tests.browser.test_election_vote import tab_to
from tests.browser.test_portal import log_in
from tests.conftest import make_user
from tests.governance.meetings.test_meetings_pages import voting_meeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def summary(page) -> str:
    return " ".join(page.locator("#quorum-summary").inner_text().split())


def test_staff_check_members_in_and_record_a_carried_vote_with_the_keyboard(page, live_server):
    meeting, (ada, ben, cal), resolution = voting_meeting()
    staff = make_user("chair", groups=(roles.STAFF_GROUP,))
    log_in(page, live_server.url, staff.username)
    page.goto(live_server.url + f"/governance/meetings/{meeting.pk}/run/")
    assert page.locator("#quorum-word").inner_text() == "No quorum"
    assert summary(page).startswith("0 counted of 2 needed")

    # The desk finds a member by typing part of the name; the other rows step aside.
    page.get_by_label("Find a member on the roll").fill("ben")
    assert page.locator(f"#roll-{ben.pk}").is_visible() and page.locator(f"#roll-{ada.pk}").is_hidden()
    assert page.locator("#roll-filter-status").inner_text() == "Members shown: 1"
    page.get_by_label("Find a member on the roll").fill("")
    assert page.locator(f"#roll-{ada.pk}").is_visible()

    # The registration desk checks Ada in on this page (a form post and a reload).
    page.locator(f"[data-check-in='{ada.pk}']").click()
    page.wait_for_selector(f"[data-check-out='{ada.pk}']")
    assert summary(page).startswith("1 counted of 2 needed")
    assert "lessee members 1 of 2" in page.locator("#quorum-message").inner_text()

    # Ben is checked in at another desk: this page learns it from the quorum API, without reloading.
    page.evaluate("window.__same_page = true")
    services.attendance_check_in(actor=staff, meeting=meeting, person=ben)
    page.wait_for_function("document.getElementById('quorum-word').textContent === 'Quorum met'", timeout=15_000)
    assert page.evaluate("window.__same_page") is True
    assert summary(page).startswith("2 counted of 2 needed (2 present")
    assert page.locator("#quorum-message").is_hidden()
    lessee_bar = page.locator(".quorum-row[data-key='lessee'] .quorum-track")
    assert lessee_bar.get_attribute("aria-label") == "Lessee member: 2 counted of 2 needed (met)"
    assert page.locator(".quorum-row[data-key='total'] .quorum-fill").evaluate("e => e.style.width") == "100%"

    # The vote, with the keyboard only: the counts, the reason, Enter.
    page.reload()
    prefix = f"#id_r{resolution.pk}-"
    tab_to(page, prefix + "yes", limit=150)
    page.keyboard.type("2")
    tab_to(page, prefix + "no")
    page.keyboard.type("0")
    tab_to(page, prefix + "abstain")
    page.keyboard.press("Control+A")
    page.keyboard.type("0")
    tab_to(page, prefix + "change_reason")
    page.keyboard.type("Show of hands")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#resolution-{resolution.pk}-status.carried")
    assert page.locator(f"#resolution-{resolution.pk}-status").inner_text() == "Carried"
    assert page.locator(f"#resolution-{resolution.pk} .resolution-votes").inner_text() == (
        "Yes 2, no 0, abstentions 0"
    )
    resolution.refresh_from_db()
    assert (resolution.status, resolution.votes_yes, resolution.quorum["counted"]) == (ResolutionStatus.CARRIED, 2, 2)
    assert cal.meeting_attendance.count() == 0


def test_the_quorum_counter_and_the_settings_fit_a_phone(browser, live_server):
    meeting, (ada, _ben, _cal), _resolution = voting_meeting()
    services.attendance_check_in(actor=None, meeting=meeting, person=ada)
    staff = make_user("desk", groups=(roles.STAFF_GROUP,))
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        log_in(page, live_server.url, staff.username)
        page.goto(live_server.url + f"/governance/meetings/{meeting.pk}/run/")
        assert summary(page).startswith("1 counted of 2 needed")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the run page is wider than the phone by {overflow}px"
        box = page.locator("#quorum").bounding_box()
        assert box is not None and box["width"] <= 375
        track = page.locator(".quorum-row[data-key='lessee'] .quorum-track").bounding_box()
        assert track is not None and track["width"] >= 150  # the bar gets its own line, not a sliver
        page.goto(live_server.url + "/governance/settings/")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the settings page is wider than the phone by {overflow}px"
    finally:
        context.close()
