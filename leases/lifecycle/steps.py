"""The small steps that recording an event takes: reading the event's data, opening and settling deadlines.

``services.lease_event_record`` and the handler of each event kind use these; they change nothing but the
rows they are given, inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from clt import clock
from clt.history import save_stamped
from clt.models import Organization, Person
from leases.lifecycle import rules as lifecycle
from leases.lifecycle.models import (
    Deadline,
    DeadlineStatus,
    GroundLease,
    LeaseEvent,
)
from leases.lifecycle.rules import DeadlineKind
from leases.monitoring.models import MONITORING_DONE, MonitoringRecord, MonitoringStatus
from leases.monitoring.services import certification_due, certification_schedule


def date_from_data(data: dict[str, Any], key: str) -> dt.date:
    value = data.get(key)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({f"data.{key}": [_("Enter a date as YYYY-MM-DD.")]}) from None


def decimal_from_data(data: dict[str, Any], key: str) -> Decimal:
    value = data.get(key)
    if isinstance(value, float):
        value = str(value)
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError({f"data.{key}": [_("Enter an amount such as 1250.00.")]}) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError({f"data.{key}": [_("Enter an amount of zero or more.")]})
    return amount.quantize(Decimal("0.01"))


def people_from_data(data: dict[str, Any], key: str) -> list[Person]:
    ids = data.get(key)
    if not isinstance(ids, list) or not ids:
        raise ValidationError({f"data.{key}": [_("Name at least one person (a list of person ids).")]})
    people = list(Person.objects.filter(pk__in=ids))
    if len(people) != len(set(ids)):
        raise ValidationError({f"data.{key}": [_("Unknown person id.")]})
    return people


def lender_from_data(data: dict[str, Any]) -> Organization:
    try:
        return Organization.objects.get(pk=data.get("lender"))
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"data.lender": [_("Unknown lender (an organization id).")]}) from None


def jsonable(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if isinstance(value, dt.date | Decimal):
            value = str(value) if isinstance(value, Decimal) else value.isoformat()
        out[key] = value
    return out


def open_deadline_of(lease: GroundLease, kind: DeadlineKind) -> Deadline | None:
    return lease.deadlines.filter(kind=kind, status=DeadlineStatus.OPEN).order_by("-due", "-pk").first()


def deadline_open(
    lease: GroundLease,
    kind: DeadlineKind,
    anchor: dt.date,
    days: int | None,
    due: dt.date,
    event: LeaseEvent | None,
    actor: Any,
    reason: str,
) -> Deadline:
    deadline = Deadline(
        lease=lease, kind=kind, opened_by=event, counted_from=anchor, days=days, original_due=due, due=due
    )
    return save_stamped(deadline, actor=actor, reason=reason)


def deadline_settle(
    deadline: Deadline, event: LeaseEvent | None, *, actor: Any, reason: str, on: dt.date | None = None
) -> None:
    on = on or (event.effective_on if event else clock.today())
    deadline.status = DeadlineStatus.MET if on <= deadline.due else DeadlineStatus.MISSED
    deadline.settled_by = event
    deadline.settled_on = on
    save_stamped(deadline, actor=actor, reason=reason)


def deadlines_cancel_open(lease: GroundLease, *, actor: Any, reason: str, on: dt.date) -> None:
    """A lease that ends owes no more deadlines or monitoring (its arrears stay on the ledger)."""
    for deadline in lease.deadlines.filter(status=DeadlineStatus.OPEN):
        deadline.status = DeadlineStatus.CANCELLED
        deadline.settled_on = on
        save_stamped(deadline, actor=actor, reason=reason)
    for record in lease.monitoring.exclude(status__in=MONITORING_DONE):
        record.status = MonitoringStatus.WAIVED
        record.completed_on = on
        save_stamped(record, actor=actor, reason=reason)


def first_certification(lease: GroundLease, *, actor: Any, reason: str) -> MonitoringRecord:
    # The first certification falls due after the lease starts: a lease signed in March is not
    # overdue for a January deadline. A lease recorded long after it began starts with this year's.
    year = max(lease.commencement.year, clock.today().year)
    if certification_due(lease, year) < lease.commencement:
        year += 1
    return certification_schedule(lease=lease, year=year, actor=actor, reason=reason)


def open_term_deadlines(lease: GroundLease, event: LeaseEvent, *, actor: Any, reason: str) -> None:
    template = lease.template_version
    deadline_open(lease, DeadlineKind.TERM_END, lease.commencement, None, lease.term_end, event, actor, reason)
    if lease.renewals_used < template.renewal_terms:
        notice = lifecycle.add_days(lease.term_end, -template.renewal_notice_days)
        deadline_open(lease, DeadlineKind.RENEWAL_NOTICE, lease.commencement, None, notice, event, actor, reason)


def release_all_mortgages(lease: GroundLease, *, on: dt.date, actor: Any, reason: str) -> None:
    for mortgage in lease.mortgages.filter(released_on__isnull=True):
        mortgage.released_on = on
        save_stamped(mortgage, actor=actor, reason=reason)
