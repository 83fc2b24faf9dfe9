"""The homeowner's page "What could my home sell for today?" (``/my/leases/<pk>/resale/``).

Figures worked by hand: a home bought for 150,000.00 on 1 January 2020 under a fixed 1.5 % simple policy
(completed years) is worth 150,000 + 6 × 1.5 % × 150,000 = 163,500.00 on 30 June 2026; the BLS CPI-U of
``leases/data/cpi_u.csv`` for the indexed policy.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clt import clock
from leases.resale import services
from leases.resale.models import IndexSeries
from leases.resale.views.portal_resale import PricePoint, chart_dates, price_chart
from tests.conftest import make_user
from tests.datafiles import CPI_FILE
from tests.factories import make_lease, make_template_version
from tests.leases.resale.test_quotes import SIMPLE_15, approved_policy

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2026, 6, 30)
SHARED = {"formula": {"family": "appraisal_share", "share": "0.25"}}


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(clock.moment_on(TODAY))
    return TODAY


def terms_for(name: str, parameters: dict, **version_fields):
    version = approved_policy(name, parameters)
    if version_fields:
        type(version).objects.filter(pk=version.pk).update(**version_fields)
    return make_template_version(f"Lease for {name}", resale_policy_version=version)


@pytest.fixture
def simple_terms():
    return terms_for("Simple 1.5%", SIMPLE_15)


@pytest.fixture
def owner(simple_terms):
    """A homeowner who paid 150,000.00 on 2020-01-01 (appraised 250,000.00 a month before) under 1.5 % simple."""
    user = make_user("seller", person=True)
    lease = make_lease(
        people=[user.person],
        version=simple_terms,
        appraised_value=Decimal("250000.00"),
        appraisal_date=D(2019, 12, 1),
    )
    return user, lease


def url(lease) -> str:
    return f"/my/leases/{lease.pk}/resale/"


def page_of(client, user, lease):
    client.force_login(user)
    response = client.get(url(lease))
    assert response.status_code == 200
    return response, response.content.decode()


def test_todays_price_in_large_type_with_the_plain_words_explanation(client, owner):
    user, lease = owner
    response, html = page_of(client, user, lease)
    assert "<h1>What could my home sell for today?</h1>" in html
    assert 'id="resale-price" data-price="163500.00">$163,500.00<' in html
    explained = [line.text for line in response.context["lines"]]
    assert explained == [
        "You paid $150,000.00 for your home on Jan. 1, 2020.",
        "Your price grows 1.5 % of what you paid for each full year you have owned the home: 6 years, $13,500.00.",
        "So the price is $163,500.00.",
    ]
    assert all(text in html for text in explained)
    # What it is not, and the policy it comes from.
    assert "It is an estimate, not an offer or a promise." in html
    assert "Simple 1.5%, version 1." in html
    assert "Approved on June 10, 2019 (Members&#x27; annual meeting, resolution 2019-4)." in html


def test_the_homeowners_page_links_to_it(client, owner):
    user, lease = owner
    client.force_login(user)
    html = client.get("/my/").content.decode()
    assert f'<a class="button primary" href="{url(lease)}">What could my home sell for today?</a>' in html


def test_the_chart_values_each_quarter_end_since_purchase_beside_the_appraisals(client, owner, staff_user):
    user, lease = owner
    # A resale appraisal on file in a saved calculation (staff determined a price in May 2026).
    services.resale_calculation_save(
        lease=lease,
        policy_version=lease.template_version.resale_policy_version,
        inputs={
            "purchase_price": "150000.00",
            "purchase_date": "2020-01-01",
            "determination_date": "2026-05-15",
            "resale_appraisal": {"total": "310000.00", "effective_date": "2026-05-10"},
        },
        actor=staff_user,
        reason="notice of intent to sell",
    )
    response, html = page_of(client, user, lease)
    chart = response.context["chart"]
    # Owned more than five years: quarter-ends. 2020-03-31 … 2026-03-31 are 25, plus purchase day and today.
    dates = [p.on for p in chart.points]
    assert len(dates) == 27 and dates[:3] == [D(2020, 1, 1), D(2020, 3, 31), D(2020, 6, 30)]
    assert dates[-2:] == [D(2026, 3, 31), TODAY]
    prices = {p.on: p.price for p in chart.points}
    # Completed years only: the price steps on each anniversary, 2,250.00 a year.
    assert prices[D(2020, 1, 1)] == Decimal("150000.00")
    assert prices[D(2020, 12, 31)] == Decimal("150000.00")
    assert prices[D(2021, 3, 31)] == Decimal("152250.00")
    assert prices[D(2025, 12, 31)] == Decimal("161250.00")
    assert prices[TODAY] == Decimal("163500.00")
    assert [(a.on, a.value) for a in chart.appraisals] == [
        (D(2019, 12, 1), Decimal("250000.00")),
        (D(2026, 5, 10), Decimal("310000.00")),
    ]
    # Axes from $0 to $400k (steps of $100k: the largest figure is 310,000), years 2020 to 2026.
    assert [t.label for t in chart.y_ticks] == ["$0", "$100k", "$200k", "$300k", "$400k"]
    assert [t.label for t in chart.x_ticks] == ["2020", "2021", "2022", "2023", "2024", "2025", "2026"]
    # Today's price sits at the right edge, 163,500 / 400,000 of the way up the 222-unit plot.
    assert (chart.latest.x, chart.latest.y) == (460.0, round(236 - 222 * 163500 / 400000, 1))
    assert len(re.findall(r"[\d.]+,[\d.]+", chart.segments[0])) == 27
    # Accessible inline SVG that scales, with the same figures in tables.
    assert re.search(r'<svg class="price-chart" viewBox="0 0 480 270" width="100%" role="img"', html)
    assert '<title id="price-chart-title">' in html and "The formula price went from $150,000.00" in html
    assert "<summary>The figures in the chart</summary>" in html
    assert "$152,250.00" in html and "$310,000.00" in html and "Appraised market value for the resale" in html


def test_chart_dates_are_month_ends_for_a_young_lease():
    assert chart_dates(D(2025, 11, 15), D(2026, 2, 10)) == [
        D(2025, 11, 15),
        D(2025, 11, 30),
        D(2025, 12, 31),
        D(2026, 1, 31),
        D(2026, 2, 10),
    ]
    assert chart_dates(D(2026, 2, 10), D(2026, 2, 10)) == [D(2026, 2, 10)]
    assert chart_dates(D(2026, 3, 1), D(2026, 2, 10)) == []


def test_the_line_breaks_where_a_date_has_no_price():
    points = [
        PricePoint(D(2025, 8, 31), Decimal("100")),
        PricePoint(D(2025, 9, 30), Decimal("110")),
        PricePoint(D(2025, 10, 31), None, "gap"),
        PricePoint(D(2025, 11, 30), Decimal("120")),
    ]
    chart = price_chart(points, [], Decimal("90"))
    assert len(chart.segments) == 2 and len(chart.segments[0].split()) == 2
    assert chart.latest.value == Decimal("120")


def test_a_cpi_policy_reads_the_series_and_shows_the_months_it_has_no_value_for(client, time_machine):
    call_command("import_index", str(CPI_FILE), stdout=io.StringIO())
    cpi = IndexSeries.objects.get(code="cpi-u")
    time_machine.move_to(clock.moment_on(D(2026, 5, 20)))
    user = make_user("indexed", person=True)
    lease = make_lease(
        people=[user.person],
        version=terms_for("CPI", {"formula": {"family": "cpi_indexed"}}, cpi_series=cpi),
        commencement=D(2024, 6, 15),
    )
    response, html = page_of(client, user, lease)
    # CPI-U June 2024 314.175, May 2026 335.123: 150,000 × 335.123 / 314.175 = 160,001.432… → 160,001.43.
    assert response.context["valuation"].price == Decimal("160001.43")
    assert (
        "Your price grows with consumer prices (inflation): the index was 314.175 when you bought and is 335.123 "
        "now, a rise of 6.67 % on what you paid: $10,001.43." in html
    )
    # Owned under five years: month-ends. October 2025 was never published, so its end has no price and
    # the line breaks there.
    points = {p.on: p for p in response.context["chart"].points}
    assert len(points) == 25 and points[D(2025, 9, 30)].price is not None
    assert points[D(2025, 10, 31)].price is None and "more than 31 days old" in points[D(2025, 10, 31)].problem
    assert len(response.context["chart"].segments) == 2
    assert "no price: CPI-U, U.S. city average, all items (1982-84=100): has no value in effect on Oct. 31, 2025" in (
        html
    )
    assert "cpi-u" not in html
    # Past the last value on file (May 2026) the latest stays in effect, and the page says a newer one may exist.
    time_machine.move_to(clock.moment_on(D(2026, 7, 15)))
    response, html = page_of(client, user, lease)
    assert response.context["valuation"].price == Decimal("160001.43")
    assert "This estimate uses the latest consumer price index on file; a newer figure may have been published" in html
    # On a day inside the gap there is no price today either, and the page says why in plain words.
    time_machine.move_to(clock.moment_on(D(2025, 10, 20)))
    response, html = page_of(client, user, lease)
    assert response.context["valuation"].price is None
    assert (
        "Your price follows the consumer price index, and no figure of it is on file for Oct. 20, 2025, so there "
        "is no estimate for that date (CPI-U, U.S. city average, all items (1982-84=100): "
        "has no value in effect on Oct. 20, 2025" in html
    )


def test_a_policy_that_needs_an_appraisal_at_sale_says_why_there_is_no_price(client):
    user = make_user("sharer", person=True)
    lease = make_lease(people=[user.person], version=terms_for("Shared appreciation", SHARED))
    response, html = page_of(client, user, lease)
    assert response.context["valuation"].price is None
    assert 'id="resale-price"' not in html and "<svg" not in html
    assert "There is no estimate for your home today" in html
    assert "This formula needs an appraisal at the time of sale; it cannot be estimated without one." in html


def test_the_appraisal_cap_is_left_for_the_sale_and_said_so(client):
    capped = {**SIMPLE_15, "caps": [{"kind": "appraisal_cap", "scope": "total"}]}
    user = make_user("capped", person=True)
    lease = make_lease(people=[user.person], version=terms_for("Capped", capped))
    response, html = page_of(client, user, lease)
    assert response.context["valuation"].price == Decimal("163500.00")
    assert "At a sale, the price is also limited to the home&#x27;s appraised value then." in html


def test_a_homeowner_sees_only_their_own_and_staff_see_any(
    client, owner, other_homeowner_user, staff_user, simple_terms
):
    user, lease = owner
    other = other_homeowner_user.person.leaseholdings.get().lease
    draft = make_lease(people=[user.person], version=simple_terms, execute=False)
    client.force_login(user)
    assert client.get(url(other)).status_code == 404
    assert client.get(url(draft)).status_code == 404
    assert client.get("/my/leases/999999/resale/").status_code == 404
    client.force_login(staff_user)
    response = client.get(url(lease))
    assert response.status_code == 200
    html = response.content.decode()
    assert "You are seeing this page as the homeowner sees it." in html and "$163,500.00" in html
    client.logout()
    assert client.get(url(lease)).status_code == 302  # to the login page


def count_queries(client, lease) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(lease))
    assert response.status_code == 200
    return len(queries), len(response.context["chart"].points)


def test_the_query_count_does_not_grow_with_the_chart_points(client, staff_user, django_assert_max_num_queries):
    call_command("import_index", str(CPI_FILE), stdout=io.StringIO())
    cpi = IndexSeries.objects.get(code="cpi-u")
    terms = terms_for("CPI", {"formula": {"family": "cpi_indexed"}}, cpi_series=cpi)
    young = make_lease(version=terms, commencement=D(2024, 6, 15))
    old = make_lease(version=terms, commencement=D(2008, 3, 1))
    client.force_login(staff_user)
    client.get(url(young))  # warm the session and the role caches
    young_queries, young_points = count_queries(client, young)
    old_queries, old_points = count_queries(client, old)
    assert (young_points, old_points) == (26, 75)
    assert old_queries == young_queries
    with django_assert_max_num_queries(young_queries):
        client.get(url(old))
