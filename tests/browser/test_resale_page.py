"""A homeowner opens "What could my home sell for today?" from their home page with the keyboard, sees the
price and the chart, and the page fits a phone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser.test_portal import log_in
from tests.conftest import make_user
from tests.factories import make_lease, make_template_version
from tests.leases.resale.test_quotes import SIMPLE_15, approved_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = "What could my home sell for today?"


def homeowner_under_simple_15(username: str):
    """Bought for 150,000.00 on 1 January six years ago under 1.5 % simple: 6 full years, 163,500.00 today."""
    user = make_user(username, person=True)
    terms = make_template_version("Lease 1.5%", resale_policy_version=approved_policy("Simple 1.5%", SIMPLE_15))
    commencement = dt.date(timezone.localdate().year - 6, 1, 1)
    lease = make_lease(
        people=[user.person],
        version=terms,
        commencement=commencement,
        appraised_value=Decimal("250000.00"),
        appraisal_date=commencement - dt.timedelta(days=20),
    )
    return user, lease


def test_a_homeowner_reaches_the_page_with_the_keyboard_and_sees_the_price_and_the_chart(page, live_server):
    user, lease = homeowner_under_simple_15("seller1")
    log_in(page, live_server.url, user.username)
    page.goto(live_server.url + "/my/")
    # Tab through the page until the link has the focus, then follow it with Enter.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == LINK:
            break
    else:
        pytest.fail("the link to the resale page is not reachable with the Tab key")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/my/leases/{lease.pk}/resale/")

    assert page.get_by_role("heading", level=1).inner_text() == LINK
    assert page.locator("#resale-price").inner_text().strip() == "$163,500.00"
    assert page.get_by_text("6 years, $13,500.00.").is_visible()
    chart = page.locator("svg[role=img]")
    assert chart.count() == 1 and chart.is_visible()
    assert chart.locator("title").first.text_content().startswith("Formula price of your home since you bought it")
    assert page.get_by_role("img", name="Formula price of your home since you bought it").count() == 1
    # The same figures for screen readers, behind a disclosure the keyboard opens.
    page.get_by_text("The figures in the chart").focus()
    page.keyboard.press("Enter")
    assert page.locator("table.price-history").is_visible()
    assert page.locator("table.market-values").get_by_text("$250,000.00").is_visible()


def test_the_resale_page_fits_a_phone(browser, live_server):
    user, lease = homeowner_under_simple_15("seller2")
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        log_in(page, live_server.url, user.username)
        page.goto(f"{live_server.url}/my/leases/{lease.pk}/resale/")
        assert page.locator("#resale-price").inner_text().strip() == "$163,500.00"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the resale page is wider than the phone by {overflow}px"
        # The chart scales down to the column instead of overflowing it.
        width = page.evaluate("document.querySelector('svg.price-chart').getBoundingClientRect().width")
        assert 250 < width <= 375
    finally:
        context.close()
