"""Lease fees paid in a local currency: the board's rates and shares, recording a payment (service, page, API),
what statements and the homeowner's page say, the report, and who may do what."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from leases.documents import services as documents
from leases.ledger import services
from leases.ledger.models import LocalCurrency, LocalCurrencyRate, Payment
from tests.conftest import make_user
from tests.factories import make_lease
from tests.leases.documents.test_documents import html_text, pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-03-20")]

D = dt.date
BOARD = "Board resolution 2026-02: BerkShares accepted for up to 20 % of the lease fee"


@pytest.fixture
def berkshares(staff_user) -> LocalCurrency:
    currency = services.local_currency_create(
        code="BSH", name="BerkShares", symbol="B$", actor=staff_user, reason="Board resolution 2026-01"
    )
    services.local_rate_set(
        currency=currency,
        effective=D(2026, 1, 1),
        dollars_per_unit=Decimal("0.95"),
        max_share_pct=Decimal("20"),
        actor=staff_user,
        reason=BOARD,
    )
    return currency


@pytest.fixture
def owner():
    return make_user("rosa", person=True)


@pytest.fixture
def lease(owner):
    """A $250.00 lease from March 2026, its March fee billed and unpaid."""
    lease = make_lease(people=[owner.person], monthly_fee=Decimal("250.00"), commencement=D(2026, 3, 1))
    services.bill_month(year=2026, month=3)
    return lease


def pay_local(lease, units: str, on: dt.date, currency, actor=None) -> Payment:
    return services.payment_record(
        lease=lease,
        amount=None,
        received_on=on,
        method="cash",
        currency=currency,
        currency_amount=Decimal(units),
        actor=actor,
        reason="paid at the office",
    )


# --- The service --------------------------------------------------------------------------------------------


def test_worked_example_50_units_credit_47_50_and_60_units_are_refused_saying_50_is_allowed(lease, berkshares):
    payment = pay_local(lease, "50", D(2026, 3, 10), berkshares)
    payment.refresh_from_db()
    assert (payment.amount, payment.currency, payment.currency_amount, payment.currency_rate) == (
        Decimal("47.50"),
        berkshares,
        Decimal("50.00"),
        Decimal("0.9500"),
    )
    payment.delete()  # the same lease again, without it: 60 units are 57.00, only 50.00 allowed

    with pytest.raises(ValidationError) as error:
        pay_local(lease, "60", D(2026, 3, 10), berkshares)
    assert error.value.message_dict == {
        "currency_amount": [
            "60 BerkShares are $57.00; at most $50.00 may be paid in BerkShares now "
            "(20% of each open lease fee, less what was already paid in it)."
        ]
    }
    assert not Payment.objects.exists()


def test_what_was_paid_in_the_currency_counts_against_the_share(lease, berkshares):
    pay_local(lease, "50", D(2026, 3, 10), berkshares)
    with pytest.raises(ValidationError) as error:
        pay_local(lease, "3", D(2026, 3, 11), berkshares)  # 2.85 > 2.50
    assert "at most $2.50" in error.value.message_dict["currency_amount"][0]
    assert pay_local(lease, "2.63", D(2026, 3, 11), berkshares).amount == Decimal("2.50")  # 2.4985 → 2.50
    assert Payment.objects.filter(lease=lease).count() == 2


def test_a_payment_on_a_date_without_a_rate_is_refused(lease, berkshares):
    with pytest.raises(ValidationError) as error:
        pay_local(lease, "10", D(2025, 12, 31), berkshares)
    assert error.value.message_dict == {
        "currency": ["No rate for BerkShares is in force on Dec. 31, 2025; the board sets one first."]
    }
    assert not Payment.objects.exists()


def test_the_rate_in_force_on_the_day_received_is_used_and_kept(lease, berkshares, staff_user):
    services.local_rate_set(
        currency=berkshares,
        effective=D(2026, 3, 15),
        dollars_per_unit=Decimal("1.00"),
        max_share_pct=Decimal("30"),
        actor=staff_user,
        reason="Board resolution 2026-03: at par",
    )
    before = pay_local(lease, "20", D(2026, 3, 14), berkshares)
    after = pay_local(lease, "20", D(2026, 3, 16), berkshares)
    assert (before.amount, before.currency_rate) == (Decimal("19.00"), Decimal("0.95"))
    assert (after.amount, after.currency_rate) == (Decimal("20.00"), Decimal("1.00"))
    # From the 15th, 30 % of 250.00 (75.00), less 39.00 already paid in BerkShares.
    with pytest.raises(ValidationError) as error:
        pay_local(lease, "36.01", D(2026, 3, 17), berkshares)
    assert "at most $36.00" in error.value.message_dict["currency_amount"][0]
    # A rate on or before a payment already made in the currency would rewrite it: refused.
    with pytest.raises(ValidationError) as error:
        services.local_rate_set(
            currency=berkshares,
            effective=D(2026, 3, 16),
            dollars_per_unit=Decimal("1.10"),
            max_share_pct=Decimal("30"),
            actor=staff_user,
            reason="late change",
        )
    assert "effective" in error.value.message_dict
    assert list(berkshares.rates.values_list("effective", flat=True)) == [D(2026, 1, 1), D(2026, 3, 15)]


def test_rates_keep_their_history_with_who_and_why(berkshares, staff_user):
    rate = berkshares.rates.get()
    row = rate.history.get()
    assert (row.history_user, row.history_change_reason) == (staff_user, BOARD)
    with pytest.raises(ValidationError) as error:
        services.local_rate_set(
            currency=berkshares,
            effective=D(2026, 4, 1),
            dollars_per_unit=Decimal("0.90"),
            max_share_pct=Decimal("20"),
            actor=staff_user,
            reason="  ",
        )
    assert error.value.message_dict == {"change_reason": ["Give the board's decision this rate rests on."]}


def test_a_dollar_amount_that_does_not_match_the_rate_is_refused(lease, berkshares):
    with pytest.raises(ValidationError) as error:
        services.payment_record(
            lease=lease,
            amount=Decimal("50.00"),
            received_on=D(2026, 3, 10),
            currency=berkshares,
            currency_amount=Decimal("50"),
            actor=None,
            reason="x",
        )
    assert error.value.message_dict == {"amount": ["50 BerkShares at 0.95 are $47.50, not $50.00."]}


# --- Statements and the homeowner's page ----------------------------------------------------------------------


def test_the_statement_shows_the_dollars_credited_and_what_was_handed_over(lease, berkshares):
    pay_local(lease, "50", D(2026, 3, 10), berkshares)
    request = RequestFactory().get("/", {"month": "2026-03"})
    text = pdf_text(documents.document_response(request, lease, "statement").content)
    assert "47.50" in text
    assert "paid as 50 BerkShares at $0.95 per B$" in text
    request = RequestFactory().get("/", {"month": "2026-03", "format": "html"})
    page = html_text(documents.document_response(request, lease, "statement").content.decode())
    assert "Payment received (cash; paid as 50 BerkShares at $0.95 per B$)" in page and "$47.50" in page


def test_the_homeowner_sees_both_amounts_on_their_own_page_and_another_homeowner_does_not(
    client, lease, owner, berkshares
):
    pay_local(lease, "50", D(2026, 3, 10), berkshares)
    client.force_login(owner)
    page = client.get(f"/my/leases/{lease.pk}/").content.decode()
    assert "Payment, cash; paid as 50 BerkShares at $0.95 per B$" in page and "$47.50" in page

    neighbour = make_user("neighbour", person=True)
    make_lease(people=[neighbour.person])
    client.force_login(neighbour)
    assert client.get(f"/my/leases/{lease.pk}/").status_code == 404
    assert client.get("/api/v1/payments/").json()["results"] == []


# --- The payment form -----------------------------------------------------------------------------------------


def test_staff_record_a_payment_in_the_currency_on_the_form(client, staff_user, lease, berkshares):
    client.force_login(staff_user)
    form = client.get(f"/leases/{lease.pk}/payments/new/").content.decode()
    assert (
        '<label for="id_currency">Paid in' in form and "BerkShares: $0.95 per B$, up to 20% of each lease fee." in form
    )
    response = client.post(
        f"/leases/{lease.pk}/payments/new/",
        {
            "received_on": "2026-03-10",
            "method": "cash",
            "currency": berkshares.pk,
            "currency_amount": "50",
            "change_reason": "at the office",
        },
    )
    assert response.status_code == 302
    assert Payment.objects.get().amount == Decimal("47.50")


def test_the_form_shows_the_refusal_on_its_field_and_writes_nothing(client, staff_user, lease, berkshares):
    client.force_login(staff_user)
    response = client.post(
        f"/leases/{lease.pk}/payments/new/",
        {
            "received_on": "2026-03-10",
            "method": "cash",
            "currency": berkshares.pk,
            "currency_amount": "60",
            "change_reason": "at the office",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert '<div id="id_currency_amount_error" role="alert">' in page
    assert "at most $50.00 may be paid in BerkShares now" in page
    assert not Payment.objects.exists()
    # A currency without its amount, or nothing at all: each field says so.
    response = client.post(
        f"/leases/{lease.pk}/payments/new/",
        {"received_on": "2026-03-10", "method": "cash", "currency": berkshares.pk, "change_reason": "x"},
    )
    assert "Give the amount paid in the local currency." in response.content.decode()
    response = client.post(
        f"/leases/{lease.pk}/payments/new/", {"received_on": "2026-03-10", "method": "cash", "change_reason": "x"}
    )
    assert 'id="id_amount_error"' in response.content.decode()
    assert not Payment.objects.exists()


def test_a_homeowner_cannot_record_a_payment_or_open_the_currency_pages(client, owner, lease, berkshares):
    client.force_login(owner)
    response = client.post(
        f"/leases/{lease.pk}/payments/new/",
        {"received_on": "2026-03-10", "method": "cash", "currency": berkshares.pk, "currency_amount": "5"},
    )
    assert response.status_code == 403
    for path in ("/leases/currencies/", "/leases/currencies/new/", "/leases/currencies/report/"):
        assert client.get(path).status_code == 403
    assert client.get("/leases/currencies/BSH/rates/new/").status_code == 403
    assert not Payment.objects.exists()


# --- Staff pages: currencies, rates, the report ---------------------------------------------------------------


def test_staff_add_a_currency_and_set_its_rate_on_the_pages(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        "/leases/currencies/new/",
        {"name": "Time credits", "code": "hours", "symbol": "h", "change_reason": "Board resolution 2026-02"},
    )
    assert response.status_code == 302 and response["Location"] == "/leases/currencies/hours/rates/new/"
    response = client.post(
        "/leases/currencies/hours/rates/new/",
        {"effective": "2026-03-01", "dollars_per_unit": "15", "max_share_pct": "10", "change_reason": "Resolution 7"},
    )
    assert response.status_code == 302
    rate = LocalCurrencyRate.objects.get()
    assert (rate.dollars_per_unit, rate.max_share_pct, rate.reason) == (Decimal("15"), Decimal("10"), "Resolution 7")
    page = client.get("/leases/currencies/").content.decode()
    assert "Time credits" in page and "$15.00" in page and "Resolution 7" in page and "up to 10% of each" in page
    assert "<main" in client.get("/leases/currencies/").content.decode()


def test_the_report_totals_each_currency_over_the_dates_as_a_page_and_csv(
    client, staff_user, lease, berkshares, django_assert_max_num_queries
):
    hours = services.local_currency_create(code="hours", name="Time credits", symbol="h", actor=None, reason="r")
    services.local_rate_set(
        currency=hours,
        effective=D(2026, 1, 1),
        dollars_per_unit=Decimal("15"),
        max_share_pct=Decimal("20"),
        actor=None,
        reason="r",
    )
    other = make_lease(monthly_fee=Decimal("250.00"), commencement=D(2026, 3, 1))
    services.bill_month(year=2026, month=3)
    pay_local(lease, "20", D(2026, 3, 2), berkshares)  # 19.00
    pay_local(lease, "2.5", D(2026, 3, 3), hours)  # 37.50: each currency has its own 20 % (50.00)
    pay_local(other, "30", D(2026, 3, 4), berkshares)  # 28.50
    reversed_one = pay_local(other, "10", D(2026, 3, 5), berkshares)
    services.payment_reverse(payment=reversed_one, reversed_on=D(2026, 3, 6), actor=None, reason="counterfeit")
    pay_local(other, "5", D(2026, 3, 19), berkshares)  # after the report's end

    client.force_login(staff_user)
    with django_assert_max_num_queries(8):
        response = client.get("/leases/currencies/report/", {"start": "2026-03-01", "end": "2026-03-18"})
    page = response.content.decode()
    assert response.status_code == 200
    body = page[page.index('<table class="currency-totals"') :]
    assert "BerkShares</th>" in body and "Time credits</th>" in body
    assert '<td class="num">2</td>' in body and "50 B$" in body and "$47.50" in body
    assert "2.5 h" in body and "$37.50" in body and "$85.00" in body

    response = client.get("/leases/currencies/report/", {"start": "2026-03-01", "end": "2026-03-18", "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["code", "currency", "start", "end", "payments", "amount_in_currency", "dollars_credited"],
        ["BSH", "BerkShares", "2026-03-01", "2026-03-18", "2", "50.00", "47.50"],
        ["hours", "Time credits", "2026-03-01", "2026-03-18", "1", "2.50", "37.50"],
    ]
    bad = client.get("/leases/currencies/report/", {"start": "2026-03-18", "end": "2026-03-01"})
    assert bad.status_code == 400 and "The end comes before the start." in bad.content.decode()


# --- The API ------------------------------------------------------------------------------------------------


def test_the_api_records_a_payment_in_the_currency(staff_api, lease, berkshares):
    response = staff_api.post(
        "/api/v1/payments/",
        {"lease": lease.pk, "received_on": "2026-03-10", "method": "cash", "currency": "BSH", "currency_amount": "50"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["currency"], body["currency_amount"], body["currency_rate"]) == (
        "47.50",
        "BSH",
        "50.00",
        "0.9500",
    )
    assert body["local_text"] == "paid as 50 BerkShares at $0.95 per B$"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"currency": "BSH", "currency_amount": "60"}, "currency_amount", "at most $50.00 may be paid in BerkShares"),
        ({"currency": "BSH", "currency_amount": "10", "received_on": "2025-12-01"}, "currency", "No rate for"),
        ({"currency": "BSH"}, "currency_amount", "Give the amount paid in BerkShares."),
        ({"currency_amount": "10"}, "currency", "Choose the currency"),
        ({"currency": "XYZ", "currency_amount": "10"}, "currency", "does not exist"),
        ({"currency": "BSH", "currency_amount": "50", "amount": "50.00"}, "amount", "are $47.50, not $50.00"),
        ({}, "amount", "Give the amount received."),
    ],
)
def test_the_api_answers_400_naming_the_field_and_the_reason(staff_api, lease, berkshares, body, field, words):
    data = {"lease": lease.pk, "received_on": "2026-03-10", "method": "cash", **body}
    response = staff_api.post("/api/v1/payments/", data, format="json")
    assert response.status_code == 400
    assert words in " ".join(response.json()[field])
    assert not Payment.objects.exists()


def test_the_api_manages_currencies_and_rates_for_staff_only(staff_api, api_for, berkshares):
    made = staff_api.post(
        "/api/v1/local-currency-rates/",
        {
            "currency": "BSH",
            "effective": "2026-04-01",
            "dollars_per_unit": "0.9000",
            "max_share_pct": "25.00",
            "reason": "Board resolution 2026-04",
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    listed = staff_api.get("/api/v1/local-currencies/").json()["results"]
    assert [(r["effective"], r["dollars_per_unit"]) for r in listed[0]["rates"]] == [
        ("2026-01-01", "0.9500"),
        ("2026-04-01", "0.9000"),
    ]
    again = staff_api.post(
        "/api/v1/local-currency-rates/",
        {"currency": "BSH", "effective": "2026-04-01", "dollars_per_unit": "1", "max_share_pct": "5", "reason": "x"},
        format="json",
    )
    assert again.status_code == 400 and "effective" in again.json()
    history = staff_api.get(f"/api/v1/local-currency-rates/{made.json()['id']}/history/").json()
    assert history[0]["reason"] == "Board resolution 2026-04"

    for role in ("homeowner", "member"):
        client = api_for(role)
        assert client.get("/api/v1/local-currencies/").status_code == 403
        response = client.post(
            "/api/v1/local-currency-rates/",
            {
                "currency": "BSH",
                "effective": "2026-05-01",
                "dollars_per_unit": "1",
                "max_share_pct": "5",
                "reason": "x",
            },
            format="json",
        )
        assert response.status_code == 403
    assert LocalCurrencyRate.objects.count() == 2


def test_a_homeowner_cannot_record_through_the_api_and_sees_only_their_own_payments(
    api_for, client, owner, lease, berkshares
):
    pay_local(lease, "50", D(2026, 3, 10), berkshares)
    other = make_lease(monthly_fee=Decimal("250.00"), commencement=D(2026, 3, 1))
    services.payment_record(lease=other, amount=Decimal("250.00"), received_on=D(2026, 3, 2), actor=None, reason="x")
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(owner)
    refused = api.post(
        "/api/v1/payments/",
        {"lease": lease.pk, "received_on": "2026-03-11", "currency": "BSH", "currency_amount": "1"},
        format="json",
    )
    assert refused.status_code == 403
    seen = api.get("/api/v1/payments/").json()["results"]
    assert [(p["lease"], p["amount"], p["currency"]) for p in seen] == [(lease.pk, "47.50", "BSH")]
    assert Payment.objects.count() == 2


def test_listing_payments_costs_the_same_few_queries_however_many_are_in_a_currency(
    staff_api, lease, berkshares, django_assert_max_num_queries
):
    for day in range(1, 6):
        pay_local(lease, "2", D(2026, 3, day), berkshares)
    with django_assert_max_num_queries(6):
        response = staff_api.get("/api/v1/payments/")
    assert len(response.json()["results"]) == 5
    with django_assert_max_num_queries(6):
        assert staff_api.get("/api/v1/local-currencies/").status_code == 200
