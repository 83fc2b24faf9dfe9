"""Lease pages: the staff list and lease page with their forms, the deadlines dashboard, and the homeowner portal.

Figures are real: leases are billed and paid through the services, and the pages must show the balances,
dates and reasons those produced. Dates are counted from today, because the services refuse future dates.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clt.models import Organization, Person
from leases.ledger import selectors as ledger_selectors
from leases.ledger import services as ledger_services
from leases.ledger.models import Charge, ChargeWaiver, FeeRate, FeeSuspension, Payment
from leases.lifecycle import services as lifecycle_services
from leases.lifecycle.models import Deadline, GroundLease, LeaseEvent
from leases.monitoring import services as monitoring_services
from leases.monitoring.models import MonitoringRecord
from tests.factories import make_lease, make_parcel, make_template_version

pytestmark = pytest.mark.django_db

D = dt.date


def today() -> dt.date:
    return timezone.localdate()


def month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return D(index // 12, index % 12 + 1, 1)


def bill_since(first: dt.date) -> None:
    month = first
    while month <= today():
        ledger_services.bill_month(year=month.year, month=month.month)
        month = month_start(month, -1)


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def section(html: str, anchor: str) -> str:
    """The HTML of the ``<section id=anchor>`` (up to its end), to check what is shown where."""
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def version():
    # At most 5 % a year, once a year: the published cap of the domain notes (§4.4).
    return make_template_version("Model lease 2018", max_increase_pct=Decimal("5"), max_increases_per_year=1)


@pytest.fixture
def lease(version, staff_user) -> GroundLease:
    """Ana Diaz's active lease of 12 Maple St: $40 a month since the first of the month two months ago,
    billed for those three months ($120) and one $50.00 cheque received: $70.00 owed today."""
    ana = Person.objects.create(given_name="Ana", family_name="Diaz")
    start = month_start(today(), 2)
    parcel = make_parcel("MAPLE-12", x=5000, address="12 Maple St")
    from properties import services as property_services

    unit = property_services.unit_create(actor=None, reason="test", parcel=parcel, address="12 Maple St")
    lease = make_lease(people=[ana], version=version, commencement=start, monthly_fee=Decimal("40.00"), unit=unit)
    bill_since(start)
    ledger_services.payment_record(
        lease=lease,
        amount=Decimal("50.00"),
        received_on=start + dt.timedelta(days=3),
        reference="1017",
        actor=staff_user,
        reason="cheque",
    )
    return lease


def record(lease, kind, **kwargs):
    kwargs.setdefault("reason", f"test: {kind}")
    return lifecycle_services.lease_event_record(lease=lease, kind=kind, actor=None, **kwargs)


def lease_of(user) -> GroundLease:
    return user.person.leaseholdings.get().lease


# --- Who may open what ------------------------------------------------------------------------------------

STAFF_PAGES = ["/leases/", "/leases/deadlines/", "/leases/new/"]
LEASE_FORMS = [
    "events/new/",
    "payments/new/",
    "charges/new/",
    "fee/change/",
    "fee/suspend/",
    "monitoring/new/",
    "edit/",
]


@pytest.mark.parametrize("path", [*STAFF_PAGES, "/leases/1/", "/leases/1/events/new/", "/my/"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("role", ["member", "homeowner", "board"])
@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_refuse_other_roles(client, users, role, path):
    assert login(client, users[role]).get(path).status_code == 403


@pytest.mark.parametrize("form", LEASE_FORMS)
def test_a_homeowner_cannot_open_the_staff_forms_of_their_own_lease(client, homeowner_user, form):
    lease = lease_of(homeowner_user)
    assert login(client, homeowner_user).get(f"/leases/{lease.pk}/{form}").status_code == 403
    response = client.post(f"/leases/{lease.pk}/payments/new/", {"amount": "5.00", "change_reason": "x"})
    assert response.status_code == 403 and not Payment.objects.exists()


def test_the_lease_page_is_404_for_others_and_sends_a_homeowner_to_their_portal_page(
    client, users, homeowner_user, other_homeowner_user
):
    own, other = lease_of(homeowner_user), lease_of(other_homeowner_user)
    for role in ("member", "board"):
        client.logout()
        assert login(client, users[role]).get(f"/leases/{own.pk}/").status_code == 404
    client.logout()
    login(client, homeowner_user)
    assert client.get(f"/leases/{other.pk}/").status_code == 404
    response = client.get(f"/leases/{own.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/my/leases/{own.pk}/"


# --- The lease list --------------------------------------------------------------------------------------


def test_list_shows_balance_states_and_next_deadline(client, staff_user, lease):
    received = today() - dt.timedelta(days=5)
    record(lease, "default_notice_sent", received_on=received, data={"breach": "Fee unpaid"})
    other = make_lease(monthly_fee=Decimal("40.00"))
    page = text(login(client, staff_user).get("/leases/"))
    assert "2 leases" in page
    row = page[page.index("12 Maple St") : page.index("</tr>", page.index("12 Maple St"))]
    assert "Ana Diaz" in row
    assert "$70.00" in row
    assert "Notice of default given" in row and "Compliance: </span>" in row  # a track not at rest, in words
    cure_due = received + dt.timedelta(days=30)
    assert f'datetime="{cure_due.isoformat()}"' in row and "Cure period ends" in row
    assert "25 days left" in row
    other_row = page[page.index(other.unit.address) : page.index("</tr>", page.index(other.unit.address))]
    assert "none" in other_row and "$0.00" in other_row  # billed nothing yet: it began in 2020, never billed


def test_list_filters(client, staff_user, lease):
    record(lease, "default_notice_sent", received_on=today(), data={"breach": "Fee unpaid"})
    bob = Person.objects.create(given_name="Bob", family_name="Okafor")
    make_lease(people=[bob])
    draft = make_lease(execute=False)
    login(client, staff_user)
    by_name = text(client.get("/leases/", {"q": "ana diaz"}))
    assert "12 Maple St" in by_name and "Okafor" not in by_name and "1 lease" in by_name
    by_address = text(client.get("/leases/", {"q": "maple"}))
    assert "12 Maple St" in by_address and "Okafor" not in by_address
    in_default = text(client.get("/leases/", {"compliance_state": "default_noticed"}))
    assert "12 Maple St" in in_default and "Okafor" not in in_default
    drafts = text(client.get("/leases/", {"status": "draft"}))
    assert draft.unit.address in drafts and "12 Maple St" not in drafts and "1 lease" in drafts


def test_list_query_count_does_not_grow_with_rows(client, staff_user, django_assert_max_num_queries):
    def add_leases(count):
        for _ in range(count):
            lease = make_lease(monthly_fee=Decimal("40.00"), commencement=month_start(today(), 1))
            ledger_services.payment_record(
                lease=lease, amount=Decimal("10.00"), received_on=today(), actor=None, reason="cash"
            )
        bill_since(month_start(today(), 1))

    add_leases(2)
    login(client, staff_user).get("/leases/")
    with CaptureQueriesContext(connection) as few:
        client.get("/leases/")
    add_leases(8)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/leases/")
    assert "10 leases" in text(response)
    assert len(many) == len(few)
    # Session, user, roles, count, page, leaseholders, waivers, charges, payments, deadlines.
    with django_assert_max_num_queries(12):
        client.get("/leases/")


# --- The lease page --------------------------------------------------------------------------------------


def test_lease_page_shows_timeline_ledger_deadlines_monitoring_documents_and_history(client, staff_user, lease):
    lender = Organization.objects.create(name="Opportunity Credit Union", kind="lender")
    received = today() - dt.timedelta(days=5)
    record(
        lease,
        "default_notice_sent",
        received_on=received,
        sent_on=received - dt.timedelta(days=2),
        delivery_method="certified mail",
        data={"breach": "Three months of fees unpaid"},
        reason="Arrears letter 1",
    )
    record(
        lease,
        "mortgage_consent_requested",
        received_on=today(),
        data={"lender": lender.pk, "amount": "150000", "intended_closing": (today() + dt.timedelta(days=40))},
    )
    cure = Deadline.objects.get(lease=lease, kind="cure")
    lifecycle_services.deadline_extend(
        deadline=cure, new_due=cure.due + dt.timedelta(days=15), agreed_on=today(), actor=staff_user, reason="Letter"
    )
    lifecycle_services.lease_update(lease=lease, actor=staff_user, reason="Recorder's correction", recording_book="812")

    page = text(login(client, staff_user).get(f"/leases/{lease.pk}/"))
    # Header
    assert f'href="/parcels/{lease.parcel_id}/"' in page and "MAPLE-12" in page
    assert "Ana Diaz" in page and "Model lease 2018 v1" in page
    assert "Notice of default given" in page and "Mortgage consent pending" in page
    # Timeline: newest first, with who, why, the dates and the details by name
    timeline = section(page, "timeline")
    assert timeline.index("Deadline extended") < timeline.index("Notice of default sent")
    assert timeline.index("Notice of default sent") < timeline.index("Lease executed")
    assert "Arrears letter 1" in timeline and "certified mail" in timeline
    assert "Three months of fees unpaid" in timeline
    assert "Opportunity Credit Union" in timeline  # the lender's name, not its id
    assert "staffer" in timeline  # the extension was recorded by the staff user
    # Ledger: $120 billed, $50 paid; running balance; ageing; the chart
    ledger = section(page, "ledger")
    assert 'data-balance="70.00"' in ledger and "$70.00" in ledger
    assert "Total past due" in ledger
    assert "Payment, check no. 1017" in ledger
    balances = re.findall(r'<td class="num">(?:<span class="owed">)?\$([\d.,]+)', ledger)
    assert "70.00" in balances and "30.00" in balances  # 40 - 50 + 40 = 30 after the second month
    assert ledger.count('class="bar ') == 3  # one bar a month since the lease began
    assert 'role="img"' in ledger and "<desc" in ledger
    # Deadlines: open with time left, the extension keeps the original date
    deadlines = section(page, "deadlines")
    assert f'datetime="{(received + dt.timedelta(days=45)).isoformat()}"' in deadlines
    assert f"extended from {_date_text(received + dt.timedelta(days=30))}" in deadlines
    assert "40 days left" in deadlines
    assert f"/leases/{lease.pk}/deadlines/{cure.pk}/extend/" in deadlines
    # Monitoring: this year's certification request
    monitoring = section(page, "monitoring")
    assert "Annual owner-occupancy certification" in monitoring and "Requested" in monitoring
    # Documents: summary, the default notice (there is one), statements by month; no option notice yet
    documents = section(page, "documents")
    assert f"/leases/{lease.pk}/documents/summary/?format=pdf" in documents
    assert f"/leases/{lease.pk}/documents/default-notice/?format=html" in documents
    assert "option-notice" not in documents
    assert f"/leases/{lease.pk}/documents/statement/?month={today():%Y-%m}&amp;format=pdf" in documents
    # History
    assert "Recorder&#x27;s correction" in page and '<span class="change-field">Book</span>: — → 812' in page


def _date_text(day: dt.date) -> str:
    """A date as the English pages print it (Django's DATE_FORMAT "N j, Y")."""
    from django.utils.dateformat import format as date_format

    return date_format(day, "N j, Y")


def test_lease_page_query_count_is_bounded(client, staff_user, lease, django_assert_max_num_queries):
    login(client, staff_user).get(f"/leases/{lease.pk}/")
    with django_assert_max_num_queries(40):
        client.get(f"/leases/{lease.pk}/")


# --- Events ------------------------------------------------------------------------------------------------


def test_the_event_form_offers_only_what_the_states_allow(client, staff_user, lease):
    page = text(login(client, staff_user).get(f"/leases/{lease.pk}/events/new/"))
    assert '<option value="default_notice_sent">Notice of default sent</option>' in page
    assert '<option value="intent_to_sell_received">' in page
    assert '<option value="default_cured">' not in page  # nothing to cure
    assert '<option value="executed">' not in page  # already executed


def test_record_a_notice_of_default(client, staff_user, lease):
    received = today() - dt.timedelta(days=2)
    response = login(client, staff_user).post(
        f"/leases/{lease.pk}/events/new/",
        {
            "kind": "default_notice_sent",
            "sent_on": (received - dt.timedelta(days=1)).isoformat(),
            "received_on": received.isoformat(),
            "delivery_method": "certified mail",
            "breach": "Fees unpaid since March",
            "price": "999.00",  # a detail this kind does not take: not stored
            "change_reason": "Arrears letter",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/leases/{lease.pk}/#timeline"
    event = LeaseEvent.objects.get(lease=lease, kind="default_notice_sent")
    assert event.data == {"breach": "Fees unpaid since March"}
    assert (event.received_on, event.delivery_method, event.actor) == (received, "certified mail", staff_user)
    assert Deadline.objects.get(lease=lease, kind="cure").due == received + dt.timedelta(days=30)
    lease.refresh_from_db()
    assert lease.compliance_state == "default_noticed"
    assert "Notice of default sent: recorded." in text(client.get(response["Location"]))


def _unchanged(lease):
    return (
        GroundLease.objects.filter(pk=lease.pk).values().get(),
        LeaseEvent.objects.count(),
        list(Deadline.objects.values_list("pk", "status", "due")),
    )


def test_an_illegal_transition_shows_the_reason_and_writes_nothing(client, staff_user, lease):
    before = _unchanged(lease)
    response = login(client, staff_user).post(
        f"/leases/{lease.pk}/events/new/",
        {"kind": "default_cured", "effective_on": today().isoformat(), "change_reason": "Paid up"},
    )
    assert response.status_code == 200
    page = text(response)
    assert "“Default cured” is not possible while compliance is “In compliance”" in page
    assert 'id="id_kind_error"' in page  # on the field it concerns
    assert _unchanged(lease) == before


def test_a_missing_detail_or_receipt_is_shown_on_its_field(client, staff_user, lease):
    before = _unchanged(lease)
    login(client, staff_user)
    no_breach = text(
        client.post(
            f"/leases/{lease.pk}/events/new/",
            {"kind": "default_notice_sent", "received_on": today().isoformat(), "change_reason": "x"},
        )
    )
    assert 'id="id_breach_error"' in no_breach and "This detail is required for “Notice of default sent”" in no_breach
    no_receipt = text(
        client.post(
            f"/leases/{lease.pk}/events/new/",
            {"kind": "default_notice_sent", "breach": "Fees", "change_reason": "x"},
        )
    )
    assert 'id="id_received_on_error"' in no_receipt and "Deadlines count from receipt" in no_receipt
    too_early = text(
        client.post(
            f"/leases/{lease.pk}/events/new/",
            {"kind": "option_lapsed", "change_reason": "x"},
        )
    )
    assert "“Purchase option lapsed” is not possible while transfer is “No transfer”" in too_early
    assert _unchanged(lease) == before


def test_a_sale_closes_with_buyers_chosen_from_people(client, staff_user, lease):
    buyer = Person.objects.create(given_name="Chen", family_name="Wu")
    for kind, kwargs in (
        ("intent_to_sell_received", {"received_on": today()}),
        ("resale_agreement_signed", {"received_on": today()}),
        ("option_waived", {}),
    ):
        record(lease, kind, **kwargs)
    login(client, staff_user)
    refused = client.post(
        f"/leases/{lease.pk}/events/new/",
        {"kind": "buyer_under_contract", "buyers": [buyer.pk], "price": "185000.00", "change_reason": "Contract"},
    )
    assert "Only an income-certified buyer may be put under contract" in text(refused)
    done = client.post(
        f"/leases/{lease.pk}/events/new/",
        {
            "kind": "buyer_under_contract",
            "buyers": [buyer.pk],
            "price": "185000.00",
            "buyer_income_certified": "on",
            "change_reason": "Contract",
        },
    )
    assert done.status_code == 302
    event = LeaseEvent.objects.get(kind="buyer_under_contract")
    assert event.data == {"buyer": [buyer.pk], "price": "185000.00", "buyer_income_certified": True}
    assert "Chen Wu" in section(text(client.get(f"/leases/{lease.pk}/")), "timeline")


# --- The ledger forms ----------------------------------------------------------------------------------------


def test_record_and_reverse_a_payment(client, staff_user, lease):
    login(client, staff_user)
    response = client.post(
        f"/leases/{lease.pk}/payments/new/",
        {
            "amount": "70.00",
            "received_on": today().isoformat(),
            "method": "ach",
            "reference": "T-88",
            "change_reason": "Paid in full",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#ledger")
    payment = Payment.objects.get(reference="T-88")
    assert ledger_selectors.ledger_state(lease).balance == Decimal("0.00")
    assert 'data-balance="0.00"' in text(client.get(f"/leases/{lease.pk}/"))

    future = client.post(
        f"/leases/{lease.pk}/payments/new/",
        {
            "amount": "5.00",
            "received_on": (today() + dt.timedelta(days=3)).isoformat(),
            "method": "cash",
            "change_reason": "x",
        },
    )
    assert "is in the future" in text(future) and Payment.objects.count() == 2

    too_early = client.post(
        f"/leases/{lease.pk}/payments/{payment.pk}/reverse/",
        {"reversed_on": (today() - dt.timedelta(days=1)).isoformat(), "change_reason": "Bounced"},
    )
    assert "cannot be reversed before it was received" in text(too_early)
    payment.refresh_from_db()
    assert payment.reversed_on is None
    reversed_ = client.post(
        f"/leases/{lease.pk}/payments/{payment.pk}/reverse/",
        {"reversed_on": today().isoformat(), "change_reason": "Bounced"},
    )
    assert reversed_.status_code == 302
    payment.refresh_from_db()
    assert payment.reversed_on == today() and payment.reversal_reason == "Bounced"
    assert ledger_selectors.ledger_state(lease).balance == Decimal("70.00")


def test_add_and_waive_a_charge(client, staff_user, lease):
    login(client, staff_user)
    response = client.post(
        f"/leases/{lease.pk}/charges/new/",
        {"amount": "25.00", "due": today().isoformat(), "description": "Returned cheque fee", "change_reason": "Bank"},
    )
    assert response.status_code == 302
    charge = Charge.objects.get(description="Returned cheque fee")
    form = text(client.get(f"/leases/{lease.pk}/charges/{charge.pk}/waive/"))
    assert "of which $25.00 is unpaid" in form
    too_much = client.post(
        f"/leases/{lease.pk}/charges/{charge.pk}/waive/",
        {"amount": "30.00", "granted_on": today().isoformat(), "change_reason": "Goodwill"},
    )
    assert "Only 25.00 of this charge is unpaid" in text(too_much) and not ChargeWaiver.objects.exists()
    done = client.post(
        f"/leases/{lease.pk}/charges/{charge.pk}/waive/",
        {"amount": "25.00", "granted_on": today().isoformat(), "change_reason": "Goodwill"},
    )
    assert done.status_code == 302
    assert ChargeWaiver.objects.get().reason == "Goodwill"
    assert ledger_selectors.ledger_state(lease).balance == Decimal("70.00")


def test_a_fee_increase_over_the_cap_shows_the_percentage(client, staff_user, lease):
    effective = month_start(today(), -1)
    login(client, staff_user)
    refused = client.post(
        f"/leases/{lease.pk}/fee/change/",
        {"effective": effective.isoformat(), "amount": "44.00", "change_reason": "Budget"},
    )
    page = text(refused)
    assert "An increase of 10.00% (from 40.00 to 44.00) exceeds the cap of 5.00% a year" in page
    assert 'id="id_amount_error"' in page
    assert FeeRate.objects.filter(schedule__lease=lease).count() == 1
    allowed = client.post(
        f"/leases/{lease.pk}/fee/change/",
        {"effective": effective.isoformat(), "amount": "42.00", "change_reason": "Budget 2025"},
    )
    assert allowed.status_code == 302
    rate = FeeRate.objects.filter(schedule__lease=lease).order_by("-effective").first()
    assert (rate.effective, rate.amount, rate.reason) == (effective, Decimal("42.00"), "Budget 2025")
    billed = client.post(
        f"/leases/{lease.pk}/fee/change/",
        {"effective": month_start(today()).isoformat(), "amount": "41.00", "change_reason": "x"},
    )
    assert "already billed" in text(billed) or "before the latest rate" in text(billed)


def test_suspend_the_fee(client, staff_user, lease):
    login(client, staff_user)
    start = month_start(today(), -1)
    backwards = client.post(
        f"/leases/{lease.pk}/fee/suspend/",
        {"start": start.isoformat(), "end": (start - dt.timedelta(days=1)).isoformat(), "change_reason": "Hardship"},
    )
    assert "The end comes before the start" in text(backwards) and not FeeSuspension.objects.exists()
    done = client.post(f"/leases/{lease.pk}/fee/suspend/", {"start": start.isoformat(), "change_reason": "Hardship"})
    assert done.status_code == 302
    assert FeeSuspension.objects.get().end is None


# --- Monitoring and deadlines -----------------------------------------------------------------------------------


def test_add_and_review_monitoring(client, staff_user, lease):
    login(client, staff_user)
    due = today() + dt.timedelta(days=20)
    response = client.post(
        f"/leases/{lease.pk}/monitoring/new/",
        {"kind": "insurance", "due": due.isoformat(), "details": "Homeowner's policy", "change_reason": "Annual"},
    )
    assert response.status_code == 302
    record_ = MonitoringRecord.objects.get(kind="insurance")
    assert record_.due == due
    no_notice = client.post(
        f"/leases/{lease.pk}/monitoring/new/",
        {
            "kind": "inspection",
            "scheduled_for": f"{(today() + dt.timedelta(days=3)).isoformat()}T10:00",
            "change_reason": "x",
        },
    )
    assert "An inspection needs its date and the date notice was given" in text(no_notice)
    assert not MonitoringRecord.objects.filter(kind="inspection").exists()

    review = client.post(
        f"/leases/{lease.pk}/monitoring/{record_.pk}/review/", {"status": "accepted", "change_reason": "Certificate"}
    )
    assert review.status_code == 302
    record_.refresh_from_db()
    assert record_.status == "accepted" and record_.completed_on == today()

    certification = MonitoringRecord.objects.get(lease=lease, kind="occupancy_certification")
    monitoring_services.occupancy_certify(
        lease=lease, year=certification.year, months_occupied=6, actor=None, reason="owner"
    )
    short = client.post(
        f"/leases/{lease.pk}/monitoring/{certification.pk}/review/", {"status": "accepted", "change_reason": "ok"}
    )
    assert "6 months occupied is fewer than the 10 the lease requires" in text(short)
    certification.refresh_from_db()
    assert certification.status == "submitted"


def test_extend_a_deadline(client, staff_user, lease):
    record(lease, "default_notice_sent", received_on=today(), data={"breach": "Fees"})
    cure = Deadline.objects.get(lease=lease, kind="cure")
    original = cure.due
    login(client, staff_user)
    earlier = client.post(
        f"/leases/{lease.pk}/deadlines/{cure.pk}/extend/",
        {
            "new_due": (original - dt.timedelta(days=1)).isoformat(),
            "agreed_on": today().isoformat(),
            "change_reason": "x",
        },
    )
    assert "An extension must move the deadline later than" in text(earlier)
    cure.refresh_from_db()
    assert cure.due == original
    later = original + dt.timedelta(days=30)
    done = client.post(
        f"/leases/{lease.pk}/deadlines/{cure.pk}/extend/",
        {"new_due": later.isoformat(), "agreed_on": today().isoformat(), "change_reason": "Payment plan"},
    )
    assert done.status_code == 302
    cure.refresh_from_db()
    assert (cure.due, cure.original_due) == (later, original)
    assert LeaseEvent.objects.get(kind="deadline_extended").reason == "Payment plan"


# --- Creating and editing a lease -----------------------------------------------------------------------------------


def test_create_a_lease_for_a_home_then_edit_it(client, staff_user, version):
    from properties import services as property_services

    parcel = make_parcel("NEW-1", x=9000, address="3 Birch Ln")
    unit = property_services.unit_create(actor=None, reason="test", parcel=parcel, address="3 Birch Ln")
    buyer = Person.objects.create(given_name="Dee", family_name="Ray")
    coop = Organization.objects.create(name="Birch Lane Co-op", kind="housing_cooperative")
    login(client, staff_user)
    form = text(client.get(f"/leases/new/?unit={unit.pk}"))
    assert f'<option value="{unit.pk}" selected>' in form
    fields = {
        "unit": unit.pk,
        "template_version": version.pk,
        "commencement": "2025-03-01",
        "recording_instrument": "2025-00042",
        "purchase_price": "160000.00",
        "appraised_value": "250000.00",
        "appraised_land_value": "90000.00",
        "appraised_improvements_value": "150000.00",
        "monthly_fee": "35.00",
        "change_reason": "Closing",
    }
    both = client.post("/leases/new/", {**fields, "leaseholders": [buyer.pk], "organization": coop.pk})
    assert "either by people or by an organization" in text(both)
    split = client.post("/leases/new/", {**fields, "leaseholders": [buyer.pk]})
    assert "must add up to the appraised value" in text(split)
    assert not GroundLease.objects.exists()
    done = client.post(
        "/leases/new/", {**fields, "leaseholders": [buyer.pk], "appraised_improvements_value": "160000.00"}
    )
    lease = GroundLease.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/leases/{lease.pk}/"
    assert (lease.status, lease.leaseholder_names, lease.fee_schedule.rates.get().amount) == (
        "draft",
        "Dee Ray",
        Decimal("35.00"),
    )
    assert '<option value="executed">' in text(client.get(f"/leases/{lease.pk}/events/new/"))

    record(lease, "executed", effective_on=D(2025, 3, 1))
    edit = client.get(f"/leases/{lease.pk}/edit/")
    assert 'name="commencement"' in text(edit) and "disabled" in text(edit)
    edited = client.post(
        f"/leases/{lease.pk}/edit/",
        {
            "commencement": "2025-04-01",  # ignored: fixed once executed
            "recording_instrument": "2025-00043",
            "purchase_price": "160000.00",
            "change_reason": "Recorder's correction",
        },
    )
    assert edited.status_code == 302
    lease.refresh_from_db()
    assert (lease.recording_instrument, lease.commencement) == ("2025-00043", D(2025, 3, 1))
    assert lease.history.first().history_change_reason == "Recorder's correction"


# --- The deadlines dashboard ------------------------------------------------------------------------------------------


def test_deadlines_dashboard_sections(client, staff_user, lease):
    # Overdue: a cure period that ended 10 days ago.
    record(lease, "default_notice_sent", received_on=today() - dt.timedelta(days=40), data={"breach": "Fees"})
    # Next 30 days and 31-60: the second-appraisal deadlines of a notice of intent to sell received today.
    other = make_lease()
    record(other, "intent_to_sell_received", received_on=today())
    decision = Deadline.objects.get(lease=other, kind="second_appraisal_decision")
    lifecycle_services.deadline_extend(
        deadline=decision, new_due=today() + dt.timedelta(days=20), agreed_on=today(), actor=None, reason="x"
    )
    page = text(login(client, staff_user).get("/leases/deadlines/"))
    overdue = section(page, "overdue")
    assert "12 Maple St" in overdue and "Cure period ends" in overdue and "10 days overdue" in overdue
    assert f'href="/leases/{lease.pk}/#deadlines"' in overdue
    soon = section(page, "due_30")
    assert other.unit.address in soon and "Decision on a second appraisal" in soon and "20 days left" in soon
    assert f"extended from {_date_text(today() + dt.timedelta(days=10))}" in soon
    assert "Second appraisal due" in section(page, "due_60")  # 45 days
    assert "Term ends" not in page  # 99 years away


def test_deadlines_dashboard_query_count_is_flat(client, staff_user):
    def add(count):
        for _ in range(count):
            record(make_lease(), "intent_to_sell_received", received_on=today())

    add(1)
    login(client, staff_user).get("/leases/deadlines/")
    with CaptureQueriesContext(connection) as few:
        client.get("/leases/deadlines/")
    add(5)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/leases/deadlines/")
    assert text(response).count("Decision on a second appraisal") == 6
    assert len(many) == len(few)


def test_home_page_panels(client, staff_user, homeowner_user, lease):
    record(lease, "default_notice_sent", received_on=today() - dt.timedelta(days=40), data={"breach": "Fees"})
    staff_home = text(login(client, staff_user).get("/"))
    panel = staff_home[staff_home.index("Lease deadlines") :]
    assert re.search(r"<dt>Overdue</dt><dd>[1-9]\d*</dd>", panel)
    client.logout()
    owner_home = text(login(client, homeowner_user).get("/"))
    assert "Your home" in owner_home and "Balance, " in owner_home and 'href="/my/"' in owner_home
    assert "Lease deadlines" not in owner_home and "/leases/" not in owner_home


# --- The homeowner portal ------------------------------------------------------------------------------------------


@pytest.fixture
def owner_with_arrears(homeowner_user):
    """The homeowner's lease, $40 a month, billed for three months and $50 paid: $70.00 owed."""
    lease = lease_of(homeowner_user)
    start = month_start(today(), 2)
    ledger_services.fee_rate_change(lease=lease, effective=start, amount=Decimal("40.00"), actor=None, reason="test")
    bill_since(start)
    ledger_services.payment_record(lease=lease, amount=Decimal("50.00"), received_on=start, actor=None, reason="cheque")
    return homeowner_user


def test_a_homeowner_sees_their_own_lease_balance_deadlines_and_documents(client, owner_with_arrears):
    lease = lease_of(owner_with_arrears)
    response = login(client, owner_with_arrears).get("/my/")
    assert response.status_code == 200
    page = text(response)
    assert f"Your home, {lease.unit}" in page
    assert 'id="portal-balance" data-balance="70.00"' in page and "$70.00" in page
    # The next fee falls due on the 1st on or after today: today itself on the 1st of a month.
    next_due = today() if today().day == 1 else month_start(today(), -1)
    assert f"due {_date_text(next_due)}" in page and "$40.00" in page
    assert "Term ends" in section(page, "deadlines")
    assert "Annual owner-occupancy certification" in section(page, "monitoring")
    assert f"/leases/{lease.pk}/documents/statement/?month={today():%Y-%m}&amp;format=pdf" in page
    assert "Record a payment" not in page and "Waive" not in page  # the ledger is read-only
    assert 'name="cert-months_occupied"' in page and 'name="sell-confirm"' in page
    assert client.get(f"/my/leases/{lease.pk}/").status_code == 200


def test_portal_isolation(client, homeowner_user, other_homeowner_user, member_user):
    other = lease_of(other_homeowner_user)
    login(client, homeowner_user)
    assert client.get(f"/my/leases/{other.pk}/").status_code == 404
    assert client.get(f"/leases/{other.pk}/").status_code == 404
    assert client.get(f"/leases/{other.pk}/documents/statement/?format=pdf").status_code == 404
    assert client.get(f"/leases/{other.pk}/documents/summary/?format=html").status_code == 404
    certify = client.post(f"/my/leases/{other.pk}/certify/", {"cert-year": today().year, "cert-months_occupied": 12})
    assert certify.status_code == 404
    sell = client.post(f"/my/leases/{other.pk}/intent-to-sell/", {"sell-confirm": "on"})
    assert sell.status_code == 404
    assert not LeaseEvent.objects.filter(lease=other, kind="intent_to_sell_received").exists()
    client.logout()
    login(client, member_user)
    assert client.get(f"/leases/{other.pk}/documents/summary/?format=html").status_code == 404


def test_a_homeowner_can_download_their_own_statement(client, owner_with_arrears):
    lease = lease_of(owner_with_arrears)
    response = login(client, owner_with_arrears).get(
        f"/leases/{lease.pk}/documents/statement/", {"month": f"{today():%Y-%m}", "format": "pdf"}
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_staff_and_people_without_a_lease_get_an_explanation(client, staff_user, member_user):
    staff_page = login(client, staff_user).get("/my/")
    assert staff_page.status_code == 200 and "Your login is a staff login" in text(staff_page)
    client.logout()
    member_page = login(client, member_user).get("/my/")
    assert member_page.status_code == 200 and "No lease linked to your login" in text(member_page)


def test_the_occupancy_certification_form(client, homeowner_user):
    lease = lease_of(homeowner_user)
    year = MonitoringRecord.objects.get(lease=lease, kind="occupancy_certification").year
    login(client, homeowner_user)
    bad = client.post(
        f"/my/leases/{lease.pk}/certify/", {"cert-year": year, "cert-months_occupied": 13, "cert-confirm": "on"}
    )
    assert bad.status_code == 200 and 'id="id_cert-months_occupied_error"' in text(bad)
    unconfirmed = client.post(f"/my/leases/{lease.pk}/certify/", {"cert-year": year, "cert-months_occupied": 12})
    assert 'id="id_cert-confirm_error"' in text(unconfirmed)
    assert MonitoringRecord.objects.get(lease=lease, kind="occupancy_certification").status == "requested"
    done = client.post(
        f"/my/leases/{lease.pk}/certify/",
        {"cert-year": year, "cert-months_occupied": 11, "cert-details": "Away in July", "cert-confirm": "on"},
    )
    assert done.status_code == 302 and done["Location"] == "/my/"
    record_ = MonitoringRecord.objects.get(lease=lease, kind="occupancy_certification", year=year)
    assert (record_.status, record_.months_occupied, record_.details, record_.submitted_by) == (
        "submitted",
        11,
        "Away in July",
        homeowner_user,
    )
    page = text(client.get("/my/"))
    assert f"Your {year} certification: Submitted" in page and 'name="cert-months_occupied"' not in page


@pytest.mark.today("2026-12-07")
def test_the_certification_form_refuses_a_year_outside_the_lease(client, homeowner_user):
    lease = lease_of(homeowner_user)  # began on 1 January 2020
    login(client, homeowner_user)
    for year in (2019, 2027):
        response = client.post(
            f"/my/leases/{lease.pk}/certify/", {"cert-year": year, "cert-months_occupied": 12, "cert-confirm": "on"}
        )
        assert response.status_code == 200 and 'id="id_cert-year_error"' in text(response)
        assert f"{year} is not a year of this lease: certify a year from 2020 to 2026." in text(response)
    assert not MonitoringRecord.objects.filter(lease=lease, year__in=(2019, 2027)).exists()


def test_the_notice_of_intent_to_sell_starts_the_resale_workflow(client, homeowner_user):
    lease = lease_of(homeowner_user)
    planned = today() + dt.timedelta(days=120)
    login(client, homeowner_user)
    past = client.post(
        f"/my/leases/{lease.pk}/intent-to-sell/",
        {"sell-planned_transfer": (today() - dt.timedelta(days=1)).isoformat(), "sell-confirm": "on"},
    )
    assert "Give a date from today on" in text(past)
    done = client.post(
        f"/my/leases/{lease.pk}/intent-to-sell/",
        {"sell-planned_transfer": planned.isoformat(), "sell-details": "Moving for work", "sell-confirm": "on"},
    )
    assert done.status_code == 302
    event = LeaseEvent.objects.get(lease=lease, kind="intent_to_sell_received")
    assert (event.sent_on, event.received_on, event.actor) == (today(), today(), homeowner_user)
    assert event.data["planned_transfer"] == planned.isoformat() and event.data["message"] == "Moving for work"
    # The same workflow staff start: the second-appraisal deadlines count from today.
    decision = Deadline.objects.get(lease=lease, kind="second_appraisal_decision")
    assert decision.due == today() + dt.timedelta(days=10)
    lease.refresh_from_db()
    assert lease.transfer_state == "price_determination"
    page = text(client.get("/my/"))
    assert "The trust received your notice of intent to sell" in page and 'name="sell-confirm"' not in page
    again = client.post(f"/my/leases/{lease.pk}/intent-to-sell/", {"sell-confirm": "on"})
    assert "“Notice of intent to sell received” is not possible while transfer is “Price being determined”" in text(
        again
    )
    assert LeaseEvent.objects.filter(kind="intent_to_sell_received").count() == 1


def test_portal_with_several_leases_lists_them(client, homeowner_user):
    make_lease(people=[homeowner_user.person])
    page = text(login(client, homeowner_user).get("/my/"))
    assert "Your homes and leases" in page and page.count('href="/my/leases/') == 2


def test_a_deadline_beyond_the_horizon_is_not_next_and_reads_as_a_date(client, staff_user):
    """Issue 14 §4: a renewal notice decades away fills no "Next deadline" and shows no "33031 days left"."""
    from leases.lifecycle.models import Deadline, DeadlineStatus

    far_lease = make_lease()
    far = Deadline.objects.filter(lease=far_lease, status=DeadlineStatus.OPEN).order_by("due").first()
    assert far is not None and (far.due - today()).days > 365  # the 99-year term's renewal notice
    page = text(login(client, staff_user).get("/leases/"))
    row = page[page.index(far_lease.unit.address) : page.index("</tr>", page.index(far_lease.unit.address))]
    assert row.rstrip().endswith("<td>—</td>") and "days left" not in row
    detail = text(client.get(f"/leases/{far_lease.pk}/"))
    assert f'datetime="{far.due.isoformat()}"' in detail and "more than a year away" in detail
    assert f"{(far.due - today()).days} days left" not in detail
