"""manage.py bill and manage.py deadlines: what they create, what they report, what they send.

Billing uses fixed past months so every figure is checked by hand. The deadlines email counts from
real receipt dates (services refuse future dates), so its dates are relative to today.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from clt import roles
from clt.models import Person
from leases.ledger.models import Charge, ChargeKind
from leases.lifecycle import services as lifecycle_services
from leases.lifecycle.models import Deadline
from leases.monitoring import services as monitoring_services
from leases.monitoring.models import MonitoringRecord
from tests.conftest import make_user
from tests.factories import make_lease

pytestmark = pytest.mark.django_db

D = dt.date
ROOT = Path(__file__).resolve().parents[2]


def bill(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("bill", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------------------------------
# manage.py bill
# ---------------------------------------------------------------------------------------------


def test_bill_creates_the_months_fees_and_late_fees_and_reports_them(two_leases):
    on_time, late = two_leases
    out, err = bill("--month", "2024-03")

    fees = {c.lease_id: c for c in Charge.objects.filter(kind=ChargeKind.FEE)}
    assert fees[on_time.pk].amount == Decimal("40.00") and fees[on_time.pk].due == D(2024, 3, 1)
    assert fees[late.pk].amount == Decimal("55.50") and fees[late.pk].period == D(2024, 3, 1)
    # Unpaid on the 14th, so late on the 15th (due the 1st + 14 grace days); the paid lease gets none.
    late_fee = Charge.objects.get(kind=ChargeKind.LATE_FEE)
    assert (late_fee.lease_id, late_fee.amount, late_fee.due, late_fee.source_id) == (
        late.pk,
        Decimal("10.00"),
        D(2024, 3, 15),
        fees[late.pk].pk,
    )
    assert "Month: 2024-03" in out
    assert "Active leases: 2" in out
    assert "Created lease fees: 2" in out
    assert "Created late fees: 1" in out
    assert "Total billed: 105.50" in out  # 40.00 + 55.50 + 10.00
    assert "billing" in err and "2/2" in err  # the progress bar, on stderr


def test_bill_twice_creates_nothing_new(two_leases):
    bill("--month", "2024-03")
    before = sorted(Charge.objects.values_list("lease_id", "kind", "due", "amount"))

    out, _err = bill("--month", "2024-03")

    assert sorted(Charge.objects.values_list("lease_id", "kind", "due", "amount")) == before
    assert "Created lease fees: 0" in out
    assert "Created late fees: 0" in out
    assert "Total billed: 0.00" in out
    assert "Nothing new to bill for 2024-03" in out


def test_bill_dry_run_reports_what_it_would_create_and_saves_nothing(two_leases):
    out, _err = bill("--month", "2024-03", "--dry-run")

    assert Charge.objects.count() == 0
    assert "dry run" in out
    assert "Would create lease fees: 2" in out
    assert "Would create late fees: 1" in out
    assert "Total to bill: 105.50" in out

    # The real run afterwards creates exactly what the dry run announced.
    out, _err = bill("--month", "2024-03")
    assert "Created lease fees: 2" in out and "Total billed: 105.50" in out


def test_bill_skips_drafts_and_months_before_commencement():
    make_lease(monthly_fee=Decimal("40.00"), commencement=D(2020, 1, 1), execute=False)
    make_lease(monthly_fee=Decimal("45.00"), commencement=D(2024, 3, 20))

    out, _err = bill("--month", "2024-03")

    assert Charge.objects.count() == 0
    assert "Active leases: 1" in out  # the draft is not billed at all
    out, _err = bill("--month", "2024-04")
    assert list(Charge.objects.values_list("amount", "due")) == [(Decimal("45.00"), D(2024, 4, 1))]


@pytest.mark.parametrize("value", ["2024-13", "2024-00", "March", "2024-3", "24-03", "2024-03-01", ""])
def test_bill_refuses_a_bad_month_naming_the_value_and_the_form(value):
    with pytest.raises(CommandError) as error:
        bill("--month", value)
    assert repr(value) in str(error.value)
    assert "YYYY-MM" in str(error.value)


def test_bill_with_a_bad_month_exits_non_zero():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clt.settings_test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "bill", "--month", "2024-13"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "'2024-13'" in result.stderr and "YYYY-MM" in result.stderr


# ---------------------------------------------------------------------------------------------
# manage.py deadlines
# ---------------------------------------------------------------------------------------------


def deadlines(*args: str) -> str:
    out = StringIO()
    call_command("deadlines", *args, stdout=out)
    return out.getvalue()


def _close_certifications() -> None:
    # Executing a lease opens this year's occupancy certification; waive them so each test
    # controls exactly what is due.
    for record in MonitoringRecord.objects.all():
        monitoring_services.monitoring_review(
            record=record, status="waived", actor=None, reason="not part of this test"
        )


@pytest.fixture
def staff_team(staff_user) -> list[User]:
    """Two staff who get the email, and three users who must not: no email, inactive, not staff."""
    second = make_user("clerk", groups=(roles.STAFF_GROUP,))
    make_user("noaddress", groups=(roles.STAFF_GROUP,))
    User.objects.filter(username="noaddress").update(email="")
    gone = make_user("retired", groups=(roles.STAFF_GROUP,))
    gone.is_active = False
    gone.save()
    make_user("memb", groups=(roles.MEMBER_GROUP,))
    return [staff_user, second]


@pytest.fixture
def due_things(db) -> dict[str, object]:
    """A cure deadline 10 days overdue, one due in 18 days, and an insurance proof due in 45 days."""
    today = timezone.localdate()
    overdue = make_lease(people=[Person.objects.create(given_name="Ana", family_name="Abdi")])
    soon = make_lease(people=[Person.objects.create(given_name="Omar", family_name="Farah")])
    insured = make_lease(people=[Person.objects.create(given_name="Mai", family_name="Tran")])
    _close_certifications()
    for lease, received in ((overdue, 40), (soon, 12)):
        lifecycle_services.lease_event_record(
            lease=lease,
            kind="default_notice_sent",
            actor=None,
            reason="fee unpaid",
            received_on=today - dt.timedelta(days=received),
            data={"breach": "Lease fee unpaid"},
        )
    monitoring_services.monitoring_create(
        lease=insured, kind="insurance", actor=None, reason="renewal", due=today + dt.timedelta(days=45)
    )
    return {"today": today, "overdue": overdue, "soon": soon, "insured": insured}


def test_deadlines_emails_each_active_staff_member_the_dashboard(staff_team, due_things, mailoutbox):
    today = due_things["today"]
    overdue, soon, insured = due_things["overdue"], due_things["soon"], due_things["insured"]

    out = deadlines()

    assert sorted(m.to[0] for m in mailoutbox) == ["clerk@example.org", "staffer@example.org"]
    assert all(len(m.to) == 1 for m in mailoutbox)
    message = mailoutbox[0]
    assert message.subject == "Lease deadlines: 1 item overdue, 3 due or overdue within 90 days"
    text = message.body
    from django.utils.formats import date_format

    # Dates as people read them everywhere (issue 14 §4): "Nov. 27, 2026", not 2026-11-27.
    overdue_due = date_format(today - dt.timedelta(days=10), "DATE_FORMAT")
    soon_due = date_format(today + dt.timedelta(days=18), "DATE_FORMAT")
    insured_due = date_format(today + dt.timedelta(days=45), "DATE_FORMAT")
    # Each item under its bucket, in order, with its home, what is due, when, and an absolute link.
    assert text.index("== Overdue (1) ==") < text.index(overdue.unit.address) < text.index("== Due in the next 30")
    cure = str(Deadline.objects.filter(kind="cure").first().get_kind_display())  # its label, as on the dashboard
    assert f"- {overdue_due}  {overdue.unit.address} (lease {overdue.pk}): {cure}" in text
    assert "10 days overdue" in text
    assert f"http://127.0.0.1:8000/leases/{overdue.pk}/" in text
    assert f"- {soon_due}  {soon.unit.address} (lease {soon.pk}): {cure}" in text
    assert "due in 18 days" in text
    assert "== Due in 31 to 60 days (1) ==" in text
    assert f"- {insured_due}  {insured.unit.address} (lease {insured.pk}): Proof of insurance" in text
    assert "due in 45 days" in text
    assert "http://127.0.0.1:8000/leases/deadlines/" in text
    assert "Due in 61 to 90 days" not in text  # empty buckets are left out

    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'<a href="http://127.0.0.1:8000/leases/{overdue.pk}/"' in html
    assert overdue.unit.address in html and overdue_due in html and insured_due in html
    assert '<th scope="col"' in html and "<main" in html
    assert "1 overdue, 3 in all" in out and "to 2 staff" in out


def test_deadlines_links_use_the_configured_site_url(staff_team, due_things, mailoutbox, settings):
    settings.CLT = {**settings.CLT, "SITE_URL": "https://office.clt.example/"}

    deadlines()

    lease = due_things["overdue"]
    assert f"https://office.clt.example/leases/{lease.pk}/" in mailoutbox[0].body
    assert "http://127.0.0.1" not in mailoutbox[0].body
    assert f'href="https://office.clt.example/leases/{lease.pk}/"' in mailoutbox[0].alternatives[0][0]


def test_deadlines_counts_from_the_given_day(staff_team, due_things, mailoutbox):
    earlier = due_things["today"] - dt.timedelta(days=30)

    deadlines("--today", earlier.isoformat())

    # Thirty days ago the cure deadline now overdue was still 20 days off; the insurance proof was 75 off.
    message = mailoutbox[0]
    assert message.subject == "Lease deadlines: 0 items overdue, 3 due or overdue within 90 days"
    assert "Overdue" not in message.body
    assert "due in 20 days" in message.body and "due in 75 days" in message.body


def test_deadlines_horizon_limits_the_list(staff_team, due_things, mailoutbox):
    deadlines("--horizon", "30")

    assert mailoutbox[0].subject == "Lease deadlines: 1 item overdue, 2 due or overdue within 30 days"
    assert due_things["insured"].unit.address not in mailoutbox[0].body


def test_deadlines_beyond_ninety_days_are_listed_in_their_own_group(staff_team, due_things, mailoutbox):
    monitoring_services.monitoring_create(
        lease=due_things["soon"],
        kind="property_tax",
        actor=None,
        reason="tax bill",
        due=due_things["today"] + dt.timedelta(days=100),
    )

    deadlines("--horizon", "120")

    assert "== Due in 91 to 120 days (1) ==" in mailoutbox[0].body
    assert "Property tax paid" in mailoutbox[0].body


def test_deadlines_dry_run_prints_the_email_and_sends_nothing(staff_team, due_things, mailoutbox):
    out = deadlines("--dry-run")

    assert mailoutbox == []
    assert "would send to staffer@example.org, clerk@example.org" in out
    assert "Subject: Lease deadlines: 1 item overdue" in out
    assert due_things["overdue"].unit.address in out


def test_deadlines_with_nothing_due_sends_nothing_and_says_so(staff_team, mailoutbox):
    make_lease()
    _close_certifications()

    out = deadlines()

    assert mailoutbox == []
    assert "Nothing is overdue or due within 90 days" in out
    assert "no email sent" in out


def test_deadlines_without_a_staff_address_is_an_error(due_things, mailoutbox):
    make_user("memb", groups=(roles.MEMBER_GROUP,))
    with pytest.raises(CommandError, match="No active staff user has an email address"):
        deadlines()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--today", "27/11/2026"), "--today '27/11/2026': expected a date as YYYY-MM-DD"),
        (("--horizon", "-1"), "--horizon -1: expected a number of days from 0 to 366"),
    ],
)
def test_deadlines_refuses_bad_options(staff_user, args, message):
    with pytest.raises(CommandError) as error:
        deadlines(*args)
    assert message in str(error.value)
