# ruff: noqa: F811  (the fixtures of test_pages are imported by name)
"""Issue 14 §4, §5 and §2 on the lease pages: names people use instead of codes, the locale's dates and money,
the payment form that shows what is owed and its message where the person lands, tables that scroll on phones."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError

from clt.history import history_entries, save_stamped
from clt.models import Organization
from leases.ledger import services as ledger_services
from leases.ledger import wording
from leases.ledger.models import Charge, ChargeKind, Payment, PaymentMethod
from tests.factories import make_lease, make_template_version
from tests.leases.test_pages import lease, login, month_start, record, section, text, today, version  # noqa: F401

pytestmark = pytest.mark.django_db

D = dt.date


def month_words(day: dt.date) -> str:
    return f"{day:%B} {day.year}"


# --- §4 Payments and charges in words -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "reference", "words"),
    [
        (PaymentMethod.CHECK, "Cheque 1536", "Payment, check no. 1536"),
        (PaymentMethod.CHECK, "check #1536", "Payment, check no. 1536"),
        (PaymentMethod.CHECK, "1536", "Payment, check no. 1536"),
        (PaymentMethod.ACH, "ACH", "Payment, bank transfer"),
        (PaymentMethod.ACH, "T-88", "Payment, bank transfer, reference T-88"),
        (PaymentMethod.CASH, "", "Payment, cash"),
    ],
)
def test_a_payment_names_its_method_once(method, reference, words):
    payment = Payment(received_on=D(2026, 1, 5), amount=Decimal("20.00"), method=method, reference=reference)
    assert wording.payment_text(payment) == words


def test_charges_are_named_by_their_month_not_numbered(lease):
    late_terms = make_template_version(
        "Repeated late fee",
        grace_days=14,
        late_fee_kind="flat",
        late_fee_amount=Decimal("5.00"),
        late_fee_repeat_days=30,
        late_fee_max_assessments=3,
    )
    late = make_lease(version=late_terms, monthly_fee=Decimal("40.00"), commencement=D(2026, 1, 1))
    for month in (1, 2, 3, 4):
        ledger_services.bill_month(year=2026, month=month)
    fee = Charge.objects.get(lease=late, kind=ChargeKind.FEE, period=D(2026, 1, 1))
    assert fee.description == "Lease fee, 2026-01"  # the stored text, kept for the API
    assert wording.charge_text(fee) == "Lease fee for January 2026"
    late_fees = list(Charge.objects.filter(lease=late, kind=ChargeKind.LATE_FEE, source=fee).order_by("sequence"))
    assert [c.description for c in late_fees][:2] == ["Late fee 1", "Late fee 2"]
    assert [wording.charge_text(c) for c in late_fees][:2] == [
        "Late fee on the January 2026 lease fee",
        "Late fee on the January 2026 lease fee, still unpaid",
    ]


def test_the_ledger_says_check_once_and_names_each_month(client, staff_user, lease):
    page = section(text(login(client, staff_user).get(f"/leases/{lease.pk}/")), "ledger")
    assert "Payment, check no. 1017" in page
    assert "Cheque" not in page and "Check Check" not in page
    first = month_start(today(), 2)
    assert f"Lease fee for {month_words(first)}" in page
    assert "Lease fee, 20" not in page
    assert "$50.00" in page  # a payment reads in dollars and cents


# --- §4 Histories: the field's name and the choice's label -----------------------------------------------------


def test_history_shows_field_names_labels_money_and_dates(client, staff_user, lease):
    lease.purchase_price = Decimal("168000.00")
    lease.financing_state = "consent_pending"
    lease.recorded_on = D(2019, 1, 8)
    save_stamped(lease, actor=staff_user, reason="Recorder's copy")
    change = {c.field: c for c in history_entries(lease.history.all())[0].changes}
    assert (change["financing_state"].old, change["financing_state"].new) == ("no_mortgage", "consent_pending")
    assert change["financing_state"].label == "Financing"
    assert change["financing_state"].new_text == "Mortgage consent pending"
    assert change["purchase_price"].new_text == "$168,000.00"
    assert change["recorded_on"].new_text == "Jan. 8, 2019"
    page = text(login(client, staff_user).get(f"/leases/{lease.pk}/"))
    history = page[page.index('id="history-heading"') :]
    assert '<span class="change-field">Financing</span>: No mortgage → Mortgage consent pending' in history
    assert "$150,000.00 → $168,000.00" in history
    assert "— → Jan. 8, 2019" in history
    assert "financing_state" not in history and "consent_pending" not in history and "168000.00" not in history


def test_the_api_keeps_the_codes(staff_api, lease, staff_user):
    lease.financing_state = "consent_pending"
    save_stamped(lease, actor=staff_user, reason="Recorder's copy")
    body = staff_api.get(f"/api/v1/ground-leases/{lease.pk}/history/").json()
    rows = body["results"] if isinstance(body, dict) else body
    changes = {c["field"]: c for c in rows[0]["changes"]}
    assert changes["financing_state"]["new"] == "consent_pending"
    assert "label" not in changes["financing_state"]


# --- §4 Timeline details: money and dates, not raw values ------------------------------------------------------


def test_timeline_details_show_money_and_dates(client, staff_user, lease):
    bank = Organization.objects.create(name="Vermont Federal Credit Union", kind="lender")
    received = today() - dt.timedelta(days=2)
    closing = today() + dt.timedelta(days=60)
    record(
        lease,
        "mortgage_consent_requested",
        received_on=received,
        data={"lender": bank.pk, "amount": "168000.00", "intended_closing": closing.isoformat()},
    )
    timeline = section(text(login(client, staff_user).get(f"/leases/{lease.pk}/")), "timeline")
    assert "<dt>Amount</dt><dd>$168,000.00</dd>" in timeline
    assert f"<dt>Intended closing</dt><dd>{closing:%b}" in timeline or closing.strftime("%B") in timeline
    assert "168000.00" not in timeline and closing.isoformat() not in timeline.replace('datetime="', "")


# --- §4 Lifecycle messages insert labels ----------------------------------------------------------------------


def test_lifecycle_refusals_name_the_event_and_the_state(lease):
    with pytest.raises(ValidationError) as refused:
        record(lease, "terminated", effective_on=today())
    words = " ".join(m for ms in refused.value.message_dict.values() for m in ms)
    assert "(compliance now: “In compliance”)" in words and "compliance is ok" not in words
    with pytest.raises(ValidationError) as refused:
        record(lease, "default_notice_sent", received_on=today(), data={})
    words = " ".join(m for ms in refused.value.message_dict.values() for m in ms)
    assert "This detail is required for “Notice of default sent”." in words
    assert "default_notice_sent" not in words


# --- §5 Recording a payment -----------------------------------------------------------------------------------


def test_the_payment_form_shows_what_is_owed(client, staff_user, lease):
    page = text(login(client, staff_user).get(f"/leases/{lease.pk}/payments/new/"))
    owed = section(page, "owed-heading")
    assert "$70.00" in owed  # $120.00 billed, $50.00 paid
    # The $50.00 paid the oldest fee and $10.00 of the next: those unpaid, oldest first.
    second, third = month_start(today(), 1), month_start(today())
    assert owed.index(f"Lease fee for {month_words(second)}") < owed.index(f"Lease fee for {month_words(third)}")
    assert "$30.00" in owed and "$40.00" in owed
    assert f"Lease fee for {month_words(month_start(today(), 2))}" not in owed


def test_the_payment_message_shows_where_the_redirect_lands(client, staff_user, lease):
    login(client, staff_user)
    response = client.post(
        f"/leases/{lease.pk}/payments/new/",
        {
            "amount": "1250.00",
            "received_on": today().isoformat(),
            "method": "check",
            "reference": "2231",
            "change_reason": "Paid",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#ledger")
    page = text(client.get(response["Location"]))
    ledger = section(page, "ledger")
    assert 'id="ledger-messages"' in ledger and "Payment of $1,250.00 recorded." in ledger
    top = page[: page.index('id="ledger"')]
    assert "Payment of $1,250.00 recorded." not in top  # once, where the person is brought
    # Once read, it is gone.
    assert "recorded." not in section(text(client.get(f"/leases/{lease.pk}/")), "ledger")


def test_other_messages_stay_at_the_top(client, staff_user, lease):
    login(client, staff_user)
    response = client.post(f"/leases/{lease.pk}/edit/", {"change_reason": ""})
    page = text(client.get(f"/leases/{lease.pk}/"))
    assert 'id="ledger-messages"' not in page
    assert response.status_code in (200, 302)


# --- §2 Tables on phones ---------------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Each <table> with its nearest enclosing div's attributes, and every id on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict[str, str | None]] = []
        self.tables: list[dict[str, str | None] | None] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "div":
            self.stack.append(attributes)
        if tag == "table":
            self.tables.append(self.stack[-1] if self.stack else None)

    def handle_endtag(self, tag):
        if tag == "div" and self.stack:
            self.stack.pop()


def assert_tables_scroll_in_labelled_regions(html: str) -> int:
    parser = _Tables()
    parser.feed(html)
    for wrap in parser.tables:
        assert wrap is not None and "table-wrap" in (wrap.get("class") or "").split(), wrap
        assert wrap.get("role") == "region" and wrap.get("tabindex") == "0", wrap
        label = wrap.get("aria-labelledby")
        assert (label and label in parser.ids) or wrap.get("aria-label"), wrap
    return len(parser.tables)


def test_every_table_of_the_lease_and_portal_pages_scrolls_in_a_labelled_region(client, staff_user, lease):
    login(client, staff_user)
    for path, least in (
        (f"/leases/{lease.pk}/", 3),
        (f"/my/leases/{lease.pk}/", 2),
        (f"/leases/{lease.pk}/payments/new/", 1),
        ("/leases/", 1),
        ("/leases/deadlines/", 0),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert assert_tables_scroll_in_labelled_regions(text(response)) >= least, path


def test_the_portal_ledger_shows_every_amount_in_cents(client, staff_user, lease):
    ledger_services.payment_record(
        lease=lease, amount=Decimal("20.00"), received_on=today(), reference="", actor=None, reason="$20"
    )
    page = section(text(login(client, staff_user).get(f"/my/leases/{lease.pk}/")), "ledger")
    assert re.search(r"\$20\.00</td>", page)
    assert "$20.0<" not in page
