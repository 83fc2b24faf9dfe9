"""The staff pages of the index series (issue 14 §4): ``/leases/indexes/`` and one page per series.

A small monthly series made here: January to June 2024, May never published (a gap, so the chart's line
breaks once), values 100, 101.5, 102.25, 103 and 104.125. A small HUD income-limit series by household size
(2024 and 2025, sizes 1 to 4): its four-person figure of 2025, $84,350, is its latest value.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from leases.resale import services
from leases.resale.models import IndexKind, IndexSeries
from leases.resale.views.indexes import series_chart
from tests.datafiles import CPI_FILE
from tests.leases.resale.test_determination import CPI_INDEXED, approved_policy, determine, lease_under

pytestmark = pytest.mark.django_db

D = dt.date
LIST = "/leases/indexes/"
TEST_CPI = "/leases/indexes/test-cpi/"


def make_series(code: str, name: str, kind: str = IndexKind.CPI, **fields) -> IndexSeries:
    return IndexSeries.objects.create(code=code, name=name, kind=kind, **fields)


def monthly(series: IndexSeries, values: dict[str, Decimal | None]) -> None:
    rows = [services.IndexRow(period, value) for period, value in values.items()]
    services.index_values_import(series=series, rows=rows, actor=None, reason="test file")


@pytest.fixture
def small_cpi() -> IndexSeries:
    series = make_series("test-cpi", "Test CPI", source="BLS, copied by hand for the test")
    monthly(
        series,
        {
            "2024-01": Decimal("100"),
            "2024-02": Decimal("101.5"),
            "2024-03": Decimal("102.25"),
            "2024-04": Decimal("103"),
            "2024-05": None,  # never published
            "2024-06": Decimal("104.125"),
        },
    )
    services.resale_policy_create(
        actor=None, reason="adopted", name="CPI program", parameters=CPI_INDEXED, cpi_series=series
    )
    return series


@pytest.fixture
def limits() -> IndexSeries:
    series = make_series(
        "test-limits", "Test 80% income limits", IndexKind.INCOME_LIMIT, area="Burlington-South Burlington, VT MSA"
    )
    base = {2024: Decimal("78000"), 2025: Decimal("84350")}
    rows = [
        services.IndexRow(str(year), base[year] * factor, household_size=size, effective_from=D(year, 4, 1))
        for year in base
        for size, factor in ((1, Decimal("0.7")), (2, Decimal("0.8")), (3, Decimal("0.9")), (4, Decimal("1")))
    ]
    services.index_values_import(series=series, rows=rows, actor=None, reason="HUD file")
    return series


def page(client, user, url: str, **query) -> str:
    client.force_login(user)
    response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode()


def row_of(html: str, name: str) -> str:
    start = html.index(name)
    return html[start : html.index("</tr>", start)]


# ---------------------------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------------------------


def test_staff_see_each_series_with_its_latest_value_and_span(client, staff_user, small_cpi, limits):
    html = page(client, staff_user, LIST)
    cpi = row_of(html, "Test CPI")
    assert 'href="/leases/indexes/test-cpi/"' in html
    assert "Consumer price index" in cpi and "BLS, copied by hand for the test" in cpi
    assert "104.125" in cpi and '<time datetime="2024-06-01">June 1, 2024</time>' in cpi
    assert '<td class="num">5</td>' in cpi  # the unpublished May is not a value
    assert "CPI program" in cpi  # the policy that reads it
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[^"]+">\w{3,5}\.? \d{1,2}, \d{4}</time>', cpi)  # last import
    hud = row_of(html, "Test 80% income limits")
    assert "Burlington-South Burlington, VT MSA" in hud and "Income limit by household size" in hud
    assert "$84,350" in hud and "household of 4 people" in hud and "April 1, 2025" in hud
    assert '<td class="num">8</td>' in hud and "no policy" in hud


def test_the_list_says_how_to_import_in_words_not_markup(client, staff_user, small_cpi):
    html = page(client, staff_user, LIST)
    assert "``" not in html
    assert "<code>manage.py import_index</code>" in html
    assert "<code>manage.py import_index cpi.csv --series cpi-u</code>" in html
    assert "<code>manage.py import_index limits.csv --hud</code>" in html


def test_the_table_scrolls_in_a_labelled_focusable_region(client, staff_user, small_cpi):
    for url in (LIST, TEST_CPI):
        html = page(client, staff_user, url)
        for region in re.findall(r'<div class="table-wrap"[^>]*>', html):
            assert 'role="region"' in region and 'tabindex="0"' in region
            (label,) = re.findall(r'aria-labelledby="([^"]+)"', region)
            assert f'id="{label}"' in html


def test_the_portfolio_page_links_to_the_series(client, staff_user):
    assert f'href="{LIST}"' in page(client, staff_user, "/leases/portfolio/")


def test_the_list_runs_the_same_queries_for_one_series_as_for_many(client, staff_user, small_cpi,
                                                                      django_assert_max_num_queries):  # fmt: skip
    client.force_login(staff_user)
    client.get(LIST)  # the session and the user, once
    with django_assert_max_num_queries(6) as one:
        assert client.get(LIST).status_code == 200
    for n in range(6):
        series = make_series(f"more-{n}", f"More {n}")
        monthly(series, {"2024-01": Decimal(n + 1), "2024-02": Decimal(n + 2)})
        services.resale_policy_create(
            actor=None, reason="adopted", name=f"Program {n}", parameters=CPI_INDEXED, cpi_series=series
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(LIST).content.decode()
    assert "More 5" in html and "Program 5" in html


def test_non_staff_are_refused(client, homeowner_user, member_user, small_cpi):
    for url in (LIST, TEST_CPI):
        assert client.get(url).status_code == 302  # anonymous: to the login page
    for user in (homeowner_user, member_user):
        client.force_login(user)
        for url in (LIST, TEST_CPI):
            assert client.get(url).status_code == 403


# ---------------------------------------------------------------------------------------------
# A series' page
# ---------------------------------------------------------------------------------------------


def test_a_series_page_lists_its_values_newest_first(client, staff_user, small_cpi):
    html = page(client, staff_user, TEST_CPI)
    table = html[html.index('class="index-values"') : html.index("</table>", html.index('class="index-values"'))]
    dates = re.findall(r'<time datetime="([\d-]+)">', table)
    assert dates == ["2024-06-01", "2024-04-01", "2024-03-01", "2024-02-01", "2024-01-01"]
    assert '<td class="num">104.125</td>' in table and '<td class="num">101.5</td>' in table
    assert "Household size" not in table
    assert "5 values, newest first" in html
    assert "104.125, in effect from June 1, 2024" in html
    assert "CPI program, version 1 (Draft)" in html


def test_a_series_page_draws_its_values_with_a_description(client, staff_user, small_cpi):
    html = page(client, staff_user, TEST_CPI)
    assert 'role="img" aria-labelledby="index-chart-title index-chart-desc"' in html
    assert '<title id="index-chart-title">Test CPI over time</title>' in html
    (desc,) = re.findall(r'<desc id="index-chart-desc">([^<]*)</desc>', html)
    assert desc == (
        "Test CPI from Jan. 1, 2024 to June 1, 2024: 100 at first, 104.125 in the latest value; "
        "lowest 100, highest 104.125. The line breaks once, where a period was never published."
    )
    assert len(re.findall(r'<polyline class="formula-line"', html)) == 2  # broken at the unpublished May
    assert "A break in the line is a period that was never published." in html


def test_the_chart_places_the_values_on_a_scale_from_zero(small_cpi):
    points = [(D(2024, 1, 1), Decimal("100")), (D(2024, 2, 1), Decimal("103")), (D(2024, 4, 1), Decimal("104.125"))]
    chart = series_chart(small_cpi, points, monthly=True, size=None)
    assert [tick.label for tick in chart.y_ticks] == ["0", "50", "100", "150"]
    assert chart.gaps == 1  # February to April: more than a month
    assert chart.segments[0].startswith("72.0,") and chart.segments[1].startswith("460.0,")
    assert (chart.latest.at, chart.latest.value) == (D(2024, 4, 1), Decimal("104.125"))
    assert series_chart(small_cpi, points[:1], monthly=True, size=None) is None  # one value is no line


def test_a_series_by_household_size_shows_each_size_and_charts_four_people(client, staff_user, limits):
    html = page(client, staff_user, "/leases/indexes/test-limits/")
    assert "Household size" in html
    assert '<td class="num">$84,350</td>' in html and '<td class="num">$59,045</td>' in html  # 84,350 × 0.7
    (desc,) = re.findall(r'<desc id="index-chart-desc">([^<]*)</desc>', html)
    assert "$78,000 at first, $84,350 in the latest value" in desc
    assert "The line shows the figures for a household of 4 people." in desc
    assert "$100k" in html  # the value axis in thousands of dollars
    assert "No resale policy reads this series." in html


def test_a_long_series_is_paginated(client, staff_user):
    series = make_series("long", "Long series")
    monthly(series, {f"{2015 + i // 12}-{i % 12 + 1:02d}": Decimal(200 + i) for i in range(70)})
    first = page(client, staff_user, "/leases/indexes/long/")
    assert "70 values, newest first" in first and "Page 1 of 2" in first
    assert '<td class="num">269</td>' in first and '<td class="num">209</td>' not in first
    second = page(client, staff_user, "/leases/indexes/long/", page=2)
    assert '<td class="num">209</td>' in second and '<td class="num">200</td>' in second


def test_an_unknown_series_is_404(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/leases/indexes/no-such-series/").status_code == 404


# ---------------------------------------------------------------------------------------------
# The real CPI-U, the calculation page and the API
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def cpi_calculation():
    call_command("import_index", str(CPI_FILE), stdout=io.StringIO())
    version = approved_policy("CPI-U indexed", CPI_INDEXED, cpi_series=IndexSeries.objects.get(code="cpi-u"))
    lease = lease_under(version, name="CPI lease")
    return lease, determine(lease)


def test_the_real_cpi_u_page_and_the_calculation_links_to_it(client, staff_user, cpi_calculation):
    lease, calculation = cpi_calculation
    html = page(client, staff_user, "/leases/indexes/cpi-u/")
    assert "436 values, newest first" in html
    assert '<time datetime="2026-05-01">May 1, 2026</time>' in html and '<td class="num">335.123</td>' in html
    assert len(re.findall(r'<polyline class="formula-line"', html)) == 2  # October 2025 was never published
    assert "CPI-U indexed, version 1 (Approved), in use from" in html
    calculation_page = page(client, staff_user, f"/leases/{lease.pk}/resale/{calculation.pk}/")
    assert 'href="/leases/indexes/cpi-u/"' in calculation_page


def test_the_api_page_no_longer_shows_rst_markup(client, staff_user, small_cpi):
    client.force_login(staff_user)
    response = client.get("/api/v1/index-series/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    assert "import_index management command" in html and "/leases/indexes/" in html
    assert "``manage.py import_index``" not in html
