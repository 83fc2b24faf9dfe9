"""A member votes with an access code using only the keyboard, keeps the receipt, and finds it after the count."""

from __future__ import annotations

import pytest

from clt import roles
from governance.elections import services as gs
from tests.browser.test_portal import log_in
from tests.conftest import make_user
from tests.governance.elections.test_elections_core import build_election, ids, make_officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches ``selector`` (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_member_votes_with_the_keyboard_and_checks_the_receipt(page, live_server):
    officer = make_officer()
    election, stv, plurality, codes = build_election(officer=officer)
    c, p = ids(stv), ids(plurality)
    member = make_user("voter1", groups=(roles.MEMBER_GROUP,))
    log_in(page, live_server.url, member.username)
    _entry, code = codes[0]

    page.goto(live_server.url + "/governance/vote/")
    tab_to(page, "#id_code")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Review my ballot")

    # Rank A first and B second with the arrow keys on the selects; tick X with the space bar.
    tab_to(page, f"#rank-{stv.pk}-{c['A']}")
    page.keyboard.press("ArrowDown")
    tab_to(page, f"#rank-{stv.pk}-{c['B']}")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    tab_to(page, f"input[name='c{plurality.pk}'][value='{p['X']}']")
    page.keyboard.press("Space")
    tab_to(page, "button[value='confirm']")
    page.keyboard.press("Enter")

    page.wait_for_selector("text=Check your ballot")
    assert page.locator("ol.chosen li").all_inner_texts() == ["A Candidate", "B Candidate"]
    tab_to(page, "button[value='cast']")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Your vote has been cast")
    receipt = page.locator(f"[data-contest='{stv.pk}']").inner_text().strip()
    assert len(receipt) == 14

    gs.election_close(actor=officer, reason="polls closed", election=election)
    gs.election_count(actor=officer, reason="count", election=election)

    page.goto(live_server.url + f"/governance/elections/{election.pk}/receipt/")
    tab_to(page, "#id_receipt")
    page.keyboard.type(receipt.lower())
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Your ballot was counted as cast")
    assert page.locator("ol.chosen li").all_inner_texts() == ["A Candidate", "B Candidate"]


def test_the_ballot_fits_a_phone(browser, live_server):
    officer = make_officer()
    _election, _stv, _plurality, codes = build_election(officer=officer)
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/governance/vote/")
        page.get_by_label("Access code").fill(codes[0][1])
        page.get_by_role("button", name="Continue").click()
        page.wait_for_selector("text=Review my ballot")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the ballot is wider than the phone by {overflow}px"
    finally:
        context.close()
