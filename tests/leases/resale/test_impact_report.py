"""The funder impact report from the rows: the gatherer (``leases/reports.py``) over sales closed through
``lifecycle_services.lease_event_record``, the staff page, its CSV and PDF, and ``GET /api/v1/reports/impact/``.

The home is the CHT example of the domain notes (§2.1 / §7), as in ``test_impact.py``: two bedrooms, bought
1 June 2016 for 150,000 when appraised at 226,000, resold 15 June 2022 for 160,000 when appraised at
266,000, to a household of three earning 70,000 certified against an AMI of 98,100. The program reads the
real HUD Burlington median family incomes (FY2016 84,000 from 1 April 2016; FY2022 109,000 from 1 April
2022). Figures by hand: initial subsidy 76,000, retained 106,000 (139.5 %), 60.7 % of AMI needed at purchase
(45,900.03 ÷ 75,600), 49.6 % at resale (48,693.36 ÷ 98,100), buyer at 71.4 % of AMI.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from clt.models import Person
from leases.demo import BURLINGTON_MFI
from leases.lifecycle import services as lifecycle_services
from leases.lifecycle.models import GroundLease
from leases.resale import reports
from leases.resale import services as resale_services
from leases.resale.models import IndexKind, IndexSeries
from leases.resale.services import IndexRow
from properties import services as property_services
from tests.factories import make_lease, make_parcel, make_template_version

pytestmark = pytest.mark.django_db

D = dt.date
PAGE = "/leases/reports/impact/"
API = "/api/v1/reports/impact/"
YEAR_2022 = "start=2022-01-01&end=2022-12-31"
PROGRAM = "Fixed 1.5 % simple"
BOUGHT, CLOSING = D(2016, 6, 1), D(2022, 6, 15)
_homes = iter(range(1, 10_000))


@pytest.fixture
def program():
    """An approved policy reading the HUD Burlington median family income, and the lease terms naming it."""
    series = IndexSeries.objects.create(
        code="hud-mfi-burlington-test", name="HUD median family income, Burlington", kind=IndexKind.MEDIAN_INCOME
    )
    rows = [IndexRow(str(year), Decimal(value), effective_from=D(year, 4, 1)) for year, value in BURLINGTON_MFI.items()]
    resale_services.index_values_import(series=series, rows=rows, actor=None, reason="HUD FY2015-FY2025")
    version = resale_services.resale_policy_create(
        actor=None,
        reason="program adopted",
        name=PROGRAM,
        parameters={"formula": {"family": "fixed_rate_simple", "rate": "0.015", "period": "completed_years"}},
        ami_series=series,
    )
    version = resale_services.resale_policy_version_approve(
        version=version,
        approved_on=D(2015, 6, 1),
        effective_from=D(2015, 7, 1),
        approval_reference="Members' meeting 2015-3",
        actor=None,
        reason="approved",
    )
    return make_template_version("Impact lease", resale_policy_version=version, transfer_mode="new_lease")


def record(lease, kind, **kwargs):
    return lifecycle_services.lease_event_record(lease=lease, kind=kind, actor=None, reason=f"test: {kind}", **kwargs)


def resold(
    terms,
    *,
    bought: dt.date = BOUGHT,
    closing: dt.date = CLOSING,
    price="150000.00",
    appraised="226000.00",
    resale_price="160000.00",
    appraised_at_resale: str | None = "266000.00",
    buyer_household: bool = True,
    bedrooms: int | None = 2,
) -> tuple[GroundLease, GroundLease]:
    """A home bought and resold through the real workflow (intent … sale closed); returns (seller's, buyer's)."""
    n = next(_homes)
    parcel = make_parcel(f"IMP-{n:04d}", x=n * 30, y=900)
    unit = property_services.unit_create(
        actor=None, reason="home", parcel=parcel, address=f"{n} Elm Street", bedrooms=bedrooms
    )
    seller = make_lease(
        unit=unit,
        version=terms,
        commencement=bought,
        purchase_price=Decimal(price),
        appraised_value=Decimal(appraised),
        appraisal_date=bought - dt.timedelta(days=30),
    )
    record(seller, "intent_to_sell_received", received_on=closing - dt.timedelta(days=90))
    record(seller, "resale_agreement_signed", received_on=closing - dt.timedelta(days=80))
    record(seller, "option_waived", effective_on=closing - dt.timedelta(days=70))
    buyer_person = Person.objects.create(given_name=f"Buyer{n}", family_name="Test")
    record(
        seller,
        "buyer_under_contract",
        effective_on=closing - dt.timedelta(days=40),
        data={"buyer": [buyer_person.pk], "price": resale_price, "buyer_income_certified": True},
    )
    record(seller, "sale_closed", effective_on=closing, data={"buyers": [buyer_person.pk], "price": resale_price})
    buyer = GroundLease.objects.get(predecessor=seller)
    fields = {}
    if appraised_at_resale is not None:
        fields.update(appraised_value=Decimal(appraised_at_resale), appraisal_date=closing - dt.timedelta(days=25))
    if buyer_household:
        fields["household"] = lifecycle_services.household_create(
            actor=None,
            reason="buyer certified",
            name="Buyer household",
            size=3,
            people=[buyer_person],
            income_at_purchase=Decimal("70000.00"),
            area_median_income=Decimal("98100.00"),  # 109,000 × 0.90 for three
            ami_year=2022,
        )
    if fields:
        lifecycle_services.lease_update(lease=buyer, actor=None, reason="buyer's appraisal and household", **fields)
    seller.refresh_from_db()
    return seller, buyer


# --- The gatherer -------------------------------------------------------------------------------------


def test_the_gatherer_reads_a_sale_closed_through_the_workflow(program, staff_user):
    seller, buyer = resold(program)
    resold(program, closing=D(2023, 2, 1))  # outside the period
    found = reports.build_impact_report(user=staff_user, start=D(2022, 1, 1), end=D(2022, 12, 31))
    assert [p.program.name for p in found.programs] == [PROGRAM]
    (resale,) = found.programs[0].resales
    facts = resale.facts
    assert (facts.purchase_date, facts.resale_date) == (D(2016, 6, 1), D(2022, 6, 15))
    assert (facts.purchase_price, facts.resale_price) == (Decimal("150000.00"), Decimal("160000.00"))
    assert facts.market_value_at_purchase == Decimal("226000.00")
    assert facts.market_value_at_resale == Decimal("266000.00")
    assert (facts.ami_at_purchase, facts.ami_at_resale) == (Decimal("84000"), Decimal("109000"))  # FY2016, FY2022
    assert (facts.buyer_income, facts.buyer_ami, facts.bedrooms) == (Decimal("70000.00"), Decimal("98100.00"), 2)
    assert (resale.initial_subsidy, resale.retained_subsidy) == (Decimal("76000.00"), Decimal("106000.00"))
    assert resale.retention_ratio == Decimal("1.3947")
    assert (resale.pct_ami_needed_at_purchase, resale.pct_ami_needed_at_resale) == (Decimal("60.7"), Decimal("49.6"))
    assert resale.buyer_pct_ami == Decimal("71.4")
    assert resale.seller_annual_return == Decimal("12.15")
    assert resale.left_out == ()
    assert found.leases == {str(seller.pk): (seller.pk, buyer.pk)}


def test_missing_facts_are_left_out_with_the_reason(program, staff_user):
    """Bought before the first HUD release on file, no appraisal at resale, no buyer's household; and a lease
    under terms that name no policy ("No resale policy", no AMI series)."""
    _early, early_buyer = resold(
        program, bought=D(2014, 3, 1), appraised_at_resale=None, buyer_household=False, closing=D(2022, 3, 1)
    )
    no_policy, _buyer = resold(make_template_version("Plain lease"), closing=D(2022, 9, 1), bedrooms=None)
    found = reports.build_impact_report(user=staff_user, start=D(2022, 1, 1), end=D(2022, 12, 31))
    assert [p.program.name for p in found.programs] == [PROGRAM, "No resale policy"]
    first = found.programs[0]
    (resale,) = first.resales
    assert resale.initial_subsidy == Decimal("76000.00")  # still counted where it has the facts
    assert (first.subsidy_counted, first.subsidy_left_out) == (0, 1)
    why = {m.metric: reports.left_out_text(m) for m in resale.left_out}
    assert why["retained_subsidy"] == (
        f"not on file: market value at resale (no appraisal recorded on the buyer's lease {early_buyer.pk})"
    )
    # The series by its name, not its code (issue 14 §4).
    missing_ami = "not on file: AMI at purchase (HUD median family income, Burlington: has no value"
    assert why["pct_ami_needed_at_purchase"].startswith(missing_ami)
    assert why["buyer_pct_ami"] == (
        "not on file: buyer's income, buyer's AMI (no household recorded on the buyer's lease)"
    )
    assert resale.pct_ami_needed_at_resale == Decimal("56.4")  # 48,693.36 ÷ (FY2021 95,900 × 0.9 = 86,310)
    (plain,) = found.programs[1].resales
    assert plain.facts.ref == str(no_policy.pk)
    plain_why = {m.metric: reports.left_out_text(m) for m in plain.left_out}
    assert plain_why["pct_ami_needed_at_resale"] == (
        "not on file: bedrooms, AMI at resale (the home's bedrooms are not recorded; "
        "the lease follows no resale policy)"
    )
    assert plain.buyer_pct_ami == Decimal("71.4")  # the household's own certified AMI needs no series


def test_the_gatherer_runs_a_fixed_number_of_queries(program, staff_user):
    def build():
        user = User.objects.get(pk=staff_user.pk)  # a fresh user: its roles are looked up each time
        with CaptureQueriesContext(connection) as queries:
            found = reports.build_impact_report(user=user, start=D(2022, 1, 1), end=D(2022, 12, 31))
        return found, len(queries)

    resold(program)
    _found, one = build()
    for day in (3, 4, 5):
        resold(program, closing=D(2022, 8, day))
    found, four = build()
    assert found.resale_count == 4
    # The user's roles (1), the events with leases, homes, terms, policies and buyers joined (1), the AMI series (1).
    assert four == one == 3


def test_end_before_start_is_refused(staff_user):
    with pytest.raises(ValidationError) as error:
        reports.build_impact_report(user=staff_user, start=D(2022, 2, 1), end=D(2022, 1, 1))
    assert error.value.message_dict == {"end": ["The end of the range is before its start (2022-02-01)."]}


# --- The page ---------------------------------------------------------------------------------------------


def test_staff_see_the_report_with_its_figures_and_charts(client, program, staff_user, django_assert_max_num_queries):
    resold(program)
    client.force_login(staff_user)
    response = client.get(f"{PAGE}?{YEAR_2022}")
    assert response.status_code == 200
    page = response.content.decode()
    for text in (PROGRAM, "$76,000", "$106,000", "139.5 %", "60.7 %", "49.6 %", "71.4 %", "12.15 %", "6.00"):
        assert text in page, text
    assert page.count('role="img"') == 3  # subsidy, OPAL and buyers' incomes, each with a title and a description
    assert "<title id=" in page and "<desc id=" in page
    assert "Median income needed to afford the price: 60.7 % of AMI at purchase, 49.6 % at resale" in page
    assert "format=csv" in page and "format=pdf" in page
    assert "Definitions and assumptions" in page
    for day in (3, 4, 5):
        resold(program, closing=D(2022, 8, day))
    with django_assert_max_num_queries(12):
        assert client.get(f"{PAGE}?{YEAR_2022}").status_code == 200


def test_a_period_without_resales_says_so(client, program, staff_user):
    resold(program)
    client.force_login(staff_user)
    response = client.get(f"{PAGE}?start=2010-01-01&end=2010-12-31")
    assert response.status_code == 200
    assert "No resale closed in this period." in response.content.decode()
    assert 'role="img"' not in response.content.decode()
    document = client.get(f"{PAGE}?start=2010-01-01&end=2010-12-31&format=pdf")
    assert document.status_code == 200 and document.content.startswith(b"%PDF")


@pytest.mark.parametrize("role", ["member", "homeowner", "board"])
def test_the_report_is_for_staff_only(client, users, role):
    client.force_login(users[role])
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}?format=csv").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_defaults_show_the_last_ten_years(client, program, staff_user):
    resold(program)
    client.force_login(staff_user)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert PROGRAM in response.content.decode()
    assert 'value="30"' in response.content.decode()  # the default share of income, shown


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("income_share=0", "income_share", "greater than or equal to 1"),
        ("start=2022-12-31&end=2022-01-01", "end", "before its start"),
        ("start=31/12/2022", "start", "Enter a valid date"),
        ("term_years=45", "term_years", "less than or equal to 40"),
    ],
)
def test_bad_values_are_form_errors(client, staff_user, query, field, message):
    client.force_login(staff_user)
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert f'id="id_{field}_error"' in response.content.decode()
    csv_response = client.get(f"{PAGE}?{query}&format=csv")
    assert csv_response.status_code == 400 and csv_response.content.decode().startswith(f"{field}:")


def test_an_unknown_format_or_level_is_refused(client, staff_user):
    client.force_login(staff_user)
    assert client.get(f"{PAGE}?format=xls").status_code == 400
    assert client.get(f"{PAGE}?format=csv&level=home").status_code == 400


# --- CSV and PDF -----------------------------------------------------------------------------------------


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_has_one_row_per_resale_with_every_figure(client, program, staff_user):
    seller, buyer = resold(program)
    early, _ = resold(program, bought=D(2014, 3, 1), appraised_at_resale=None, closing=D(2022, 3, 1))
    client.force_login(staff_user)
    response = client.get(f"{PAGE}?{YEAR_2022}&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="impact-2022-01-01-2022-12-31.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert [r["seller_lease"] for r in rows] == [str(early.pk), str(seller.pk)]  # by closing date
    row = rows[1]
    assert row["program"] == PROGRAM and row["buyer_lease"] == str(buyer.pk)
    assert (row["purchase_date"], row["resale_date"], row["tenure_years"]) == ("2016-06-01", "2022-06-15", "6.00")
    assert (row["initial_subsidy"], row["retained_subsidy"], row["retention_ratio"]) == (
        "76000.00",
        "106000.00",
        "1.3947",
    )
    assert (row["household_size"], row["ami_for_home_at_purchase"], row["income_needed_at_purchase"]) == (
        "3",
        "75600.00",
        "45900.03",
    )
    assert (row["pct_ami_needed_at_purchase"], row["pct_ami_needed_at_resale"], row["buyer_pct_ami"]) == (
        "60.7",
        "49.6",
        "71.4",
    )
    assert (row["down_payment"], row["loan_balance_at_resale"], row["seller_equity_gained"]) == (
        "5250.00",
        "132789.14",
        "21960.86",
    )
    assert (row["seller_annual_return"], row["left_out"]) == ("12.15", "")
    assert rows[0]["retained_subsidy"] == ""
    assert rows[0]["left_out"].startswith("retained_subsidy: not on file: market value at resale")


def test_csv_per_program_has_the_totals_and_medians(client, program, staff_user):
    resold(program)
    resold(program, bought=D(2014, 3, 1), appraised_at_resale=None, closing=D(2022, 3, 1))
    client.force_login(staff_user)
    (row,) = csv_rows(client.get(f"{PAGE}?{YEAR_2022}&format=csv&level=program"))
    assert (row["program"], row["resales"], row["subsidy_counted"], row["subsidy_left_out"]) == (PROGRAM, "2", "1", "1")
    assert (row["total_initial_subsidy"], row["total_retained_subsidy"], row["retention_ratio"]) == (
        "76000.00",
        "106000.00",
        "1.3947",
    )
    # Both resales sold for 160,000 (49.6 % in June at FY2022's 109,000; 56.4 % in March at FY2021's 95,900).
    assert row["median_pct_ami_needed_at_resale"] == "53.0"  # (49.6 + 56.4) / 2
    assert (row["left_out_retained_subsidy"], row["left_out_pct_ami_needed_at_purchase"]) == ("1", "1")


def test_pdf_report_with_charts(client, program, staff_user):
    resold(program)
    client.force_login(staff_user)
    response = client.get(f"{PAGE}?{YEAR_2022}&format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in ("Funder impact report", PROGRAM, "$76,000", "139.5 %", "Definitions and assumptions"):
        assert expected in text, expected
    assert "median 60.7 %" in text  # the OPAL chart's label: the SVG is drawn into the PDF


# --- API ----------------------------------------------------------------------------------------------------


def test_api_gives_programs_and_resales(api_for, program, django_assert_max_num_queries):
    seller, buyer = resold(program)
    response = api_for("staff").get(f"{API}?{YEAR_2022}")
    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"], body["resale_count"]) == ("2022-01-01", "2022-12-31", 1)
    assert body["assumptions"]["income_share"] == "0.3"
    (entry,) = body["programs"]
    assert (entry["name"], entry["resale_count"]) == (PROGRAM, 1)
    assert entry["subsidy"] == {
        "counted": 1,
        "left_out": 0,
        "total_initial": "76000.00",
        "total_retained": "106000.00",
        "retention_ratio": "1.3947",
    }
    assert entry["medians"]["buyer_pct_ami"] == {"median": "71.4", "counted": 1, "left_out": 0}
    (resale,) = entry["resales"]
    assert (resale["seller_lease"], resale["buyer_lease"]) == (seller.pk, buyer.pk)
    assert (resale["initial_subsidy"], resale["pct_ami_needed_at_purchase"]) == ("76000.00", "60.7")
    assert resale["explanations"]["initial_subsidy"] == (
        "market value at purchase 226,000.00 - price paid 150,000.00 = 76,000.00"
    )
    assert resale["left_out"] == []
    for day in (3, 4, 5):
        resold(program, closing=D(2022, 8, day))
    with django_assert_max_num_queries(6):
        assert api_for("staff").get(f"{API}?{YEAR_2022}").json()["resale_count"] == 4


def test_api_assumptions_change_the_figures(api_for, program):
    resold(program)
    response = api_for("staff").get(f"{API}?{YEAR_2022}&income_share=25")
    (resale,) = response.json()["programs"][0]["resales"]
    assert resale["income_needed_at_purchase"] == "55080.03"  # 1.2 × 45,900.03 (30 % ÷ 25 %)


@pytest.mark.parametrize(
    ("query", "field"),
    [("start=yesterday", "start"), ("start=2022-12-31&end=2022-01-01", "end"), ("down_payment=100", "down_payment")],
)
def test_api_bad_parameters_answer_400_naming_the_field(api_for, query, field):
    response = api_for("staff").get(f"{API}?{query}")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(("role", "statuses"), [("homeowner", {403}), ("member", {403}), ("anonymous", {401, 403})])
def test_api_is_for_staff_only(api_for, role, statuses):
    assert api_for(role).get(API).status_code in statuses


def test_the_pdf_report_has_every_figure_of_the_page(client, program, staff_user):
    """Issue 14 §7: every amount and percentage the HTML report shows in its tables is in the PDF's text."""
    resold(program)
    resold(program, bought=D(2014, 3, 1), appraised_at_resale=None, closing=D(2022, 3, 1))
    client.force_login(staff_user)
    page = html.unescape(client.get(f"{PAGE}?{YEAR_2022}").content.decode())
    tables = " ".join(re.findall(r"<table.*?</table>", page, flags=re.S))
    cells = " ".join(re.sub(r"<[^>]+>", " ", tables).split())
    figures = set(re.findall(r"\$[0-9][0-9,]*(?:\.[0-9]{2})?|[0-9]+(?:\.[0-9]+)? %", cells))
    assert "$76,000.00" in figures or "$76,000" in figures
    assert len(figures) >= 5
    response = client.get(f"{PAGE}?{YEAR_2022}&format=pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    packed = "".join(text.split())
    for figure in sorted(figures):
        assert "".join(figure.split()) in packed, figure
