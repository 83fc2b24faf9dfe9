"""A homeowner signs in, sees their balance on their portal page, and downloads a statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from leases.ledger import services
from tests.conftest import make_user
from tests.factories import make_lease

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def homeowner_owing_70(username: str):
    """A homeowner whose lease was billed $40 for each of three months, with $50 paid: $70.00 owed."""
    user = make_user(username, person=True)
    today = timezone.localdate()
    start = month_start(today, 2)
    lease = make_lease(people=[user.person], commencement=start, monthly_fee=Decimal("40.00"))
    for back in (2, 1, 0):
        month = month_start(today, back)
        services.bill_month(year=month.year, month=month.month)
    services.payment_record(lease=lease, amount=Decimal("50.00"), received_on=start, actor=None, reason="cheque")
    return user, lease


def log_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-" + username)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base_url + "/")


def test_a_homeowner_sees_their_balance_and_downloads_a_statement(page, live_server):
    user, lease = homeowner_owing_70("homeowner1")
    log_in(page, live_server.url, user.username)
    # The home page's panel already shows the balance; the portal has the detail.
    assert "$70.00" in page.locator("#home-panel-heading").locator("..").inner_text()
    page.get_by_role("link", name="My home", exact=True).click()
    page.wait_for_url(live_server.url + "/my/")
    assert page.get_by_role("heading", level=1).inner_text() == f"Your home, {lease.unit.address}"
    assert page.locator("#portal-balance").inner_text().strip() == "$70.00"

    month = timezone.localdate().strftime("%B %Y")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Statement for {month} (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_the_portal_fits_a_phone(browser, live_server):
    user, _lease = homeowner_owing_70("homeowner2")
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        log_in(page, live_server.url, user.username)
        page.goto(live_server.url + "/my/")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"/my/ is wider than the phone by {overflow}px"
    finally:
        context.close()
