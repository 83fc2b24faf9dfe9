"""Who charged a leaseholder and why: manual charges (API, page, service) and the billing run.

Every charge gets a history row with the acting user (``history_user``) and the reason
(``history_change_reason``), whatever its description; billing writes one per fee and late fee,
in bulk, naming its actor (``--user``, or none for the scheduled run) and its reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from leases.ledger import services
from leases.ledger.models import Charge, ChargeKind
from leases.lifecycle.models import GroundLease
from tests.factories import make_lease

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-07")]

D = dt.date


@pytest.fixture
def lease() -> GroundLease:
    return make_lease(monthly_fee=Decimal("40.00"), commencement=D(2020, 1, 1))


def creation_row(charge: Charge):
    return charge.history.get(history_type="+")


# --- Manual charges ------------------------------------------------------------------------------


def test_a_charge_posted_to_the_api_keeps_the_staff_member_and_the_reason_beside_its_description(
    staff_api, staff_user, lease
):
    before = timezone.now()
    made = staff_api.post(
        "/api/v1/charges/",
        {
            "lease": lease.pk,
            "amount": "182.40",
            "due": "2026-12-15",
            "description": "Gutter repair",
            "change_reason": "Invoice 4471: the trust paid for the owner's gutter repair",
        },
        format="json",
    )

    assert made.status_code == 201, made.content
    charge = Charge.objects.get(pk=made.json()["id"])
    assert (charge.kind, charge.amount, charge.description) == (ChargeKind.OTHER, Decimal("182.40"), "Gutter repair")
    row = creation_row(charge)
    assert row.history_user == staff_user
    assert row.history_change_reason == "Invoice 4471: the trust paid for the owner's gutter repair"
    assert before <= row.history_date <= timezone.now()
    assert charge.history.count() == 1
    # The history endpoint tells it back.
    history = staff_api.get(f"/api/v1/charges/{charge.pk}/history/").json()
    assert [(h["action"], h["user"], h["reason"]) for h in history] == [
        ("created", "staffer", "Invoice 4471: the trust paid for the owner's gutter repair")
    ]
    assert {"field": "amount", "old": None, "new": "182.40"} in history[0]["changes"]


def test_a_charge_posted_without_a_reason_keeps_the_apis_default_reason_and_its_description(
    staff_api, staff_user, lease
):
    made = staff_api.post(
        "/api/v1/charges/",
        {"lease": lease.pk, "amount": "25.00", "due": "2026-12-01", "description": "Returned-cheque fee"},
        format="json",
    )

    assert made.status_code == 201, made.content
    charge = Charge.objects.get(pk=made.json()["id"])
    assert charge.description == "Returned-cheque fee"
    row = creation_row(charge)
    assert (row.history_user, row.history_change_reason) == (staff_user, "Charged through the API")


def test_a_charge_with_a_blank_description_shows_its_reason_and_keeps_it_in_history(staff_user, lease):
    charge = services.charge_add(
        lease=lease, amount=Decimal("60.00"), due=D(2026, 12, 1), description="", actor=staff_user, reason="Lock change"
    )

    assert charge.description == "Lock change"
    row = creation_row(charge)
    assert (row.history_user, row.history_change_reason, row.amount) == (staff_user, "Lock change", Decimal("60.00"))


def test_a_charge_added_on_the_lease_page_keeps_who_and_why(client, staff_user, lease):
    client.force_login(staff_user)
    response = client.post(
        f"/leases/{lease.pk}/charges/new/",
        {
            "amount": "25.00",
            "due": "2026-12-07",
            "description": "Returned cheque fee",
            "change_reason": "Cheque 311 returned by the bank",
        },
    )

    assert response.status_code == 302
    row = creation_row(Charge.objects.get(description="Returned cheque fee"))
    assert (row.history_user, row.history_change_reason) == (staff_user, "Cheque 311 returned by the bank")


def test_a_charge_without_a_reason_is_refused_and_nothing_is_written(staff_user, lease):
    with pytest.raises(ValidationError) as error:
        services.charge_add(
            lease=lease, amount=Decimal("60.00"), due=D(2026, 12, 1), description="Repair", actor=staff_user, reason=" "
        )

    assert "change_reason" in error.value.message_dict
    assert not Charge.objects.exists() and not Charge.history.exists()


# --- Billing -------------------------------------------------------------------------------------


def test_billing_writes_a_history_row_for_every_fee_and_late_fee_with_its_actor_and_reason(two_leases, staff_user):
    on_time, late = two_leases
    before = timezone.now()

    report = services.bill_month(year=2024, month=3, actor=staff_user, reason="March run, approved by the treasurer")

    assert (report.fees_created, report.late_fees_created) == (2, 1)
    assert sorted(Charge.history.values_list("lease_id", "kind", "amount")) == sorted(
        [
            (on_time.pk, ChargeKind.FEE, Decimal("40.00")),
            (late.pk, ChargeKind.FEE, Decimal("55.50")),
            (late.pk, ChargeKind.LATE_FEE, Decimal("10.00")),
        ]
    )
    for charge in Charge.objects.all():
        row = creation_row(charge)
        assert row.history_user == staff_user
        assert row.history_change_reason == "March run, approved by the treasurer"
        assert before <= row.history_date <= timezone.now()
        assert (row.due, row.amount, row.description) == (charge.due, charge.amount, charge.description)


def test_the_scheduled_billing_run_names_no_user_and_says_which_months_run_it_was(two_leases):
    services.bill_month(year=2024, month=3)

    rows = list(Charge.history.all())
    assert len(rows) == Charge.objects.count() == 3
    assert {(r.history_type, r.history_user_id, r.history_change_reason) for r in rows} == {
        ("+", None, "Monthly billing, March 2024")
    }


def test_billing_again_creates_no_charge_and_no_history_row(two_leases):
    services.bill_month(year=2024, month=3)
    services.bill_month(year=2024, month=3)

    assert Charge.objects.count() == Charge.history.count() == 3


def test_manage_py_bill_records_the_user_and_reason_it_is_given(two_leases, staff_user):
    out = StringIO()
    call_command(
        "bill", "--month", "2024-03", "--user", "staffer", "--reason", "Catch-up run", stdout=out, stderr=StringIO()
    )

    assert "Created lease fees: 2" in out.getvalue()
    assert {(r.history_user_id, r.history_change_reason) for r in Charge.history.all()} == {
        (staff_user.pk, "Catch-up run")
    }
    assert Charge.history.count() == 3


def test_manage_py_bill_refuses_an_unknown_user_and_bills_nothing(two_leases):
    with pytest.raises(CommandError, match="--user nobody: no such user"):
        call_command("bill", "--month", "2024-03", "--user", "nobody", stdout=StringIO(), stderr=StringIO())

    assert not Charge.objects.exists() and not Charge.history.exists()


def test_a_billing_dry_run_leaves_no_history_row(two_leases):
    call_command("bill", "--month", "2024-03", "--dry-run", stdout=StringIO(), stderr=StringIO())

    assert not Charge.objects.exists() and not Charge.history.exists()
