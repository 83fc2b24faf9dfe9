"""Monitoring services: scheduling, recording and reviewing certifications and inspections."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt import clock
from clt.formats import date_text
from clt.history import actor_or_none as _actor_or_none
from clt.history import require_reason, save_stamped
from leases.lifecycle.models import (
    GroundLease,
)
from leases.lifecycle.rules import LeaseStatus
from leases.monitoring.models import MONITORING_DONE, MonitoringKind, MonitoringRecord, MonitoringStatus

ZERO = Decimal("0")


# --- Monitoring ---------------------------------------------------------------------------------


def certification_due(lease: GroundLease, year: int) -> dt.date:
    template = lease.template_version
    last = calendar.monthrange(year, template.certification_month)[1]
    return dt.date(year, template.certification_month, min(template.certification_day, last))


def certification_schedule(*, lease: GroundLease, year: int, actor: Any, reason: str) -> MonitoringRecord:
    """The year's owner-occupancy certification request (one per lease and year)."""
    record, _created = MonitoringRecord.objects.get_or_create(
        lease=lease,
        kind=MonitoringKind.OCCUPANCY_CERTIFICATION,
        year=year,
        defaults={"due": certification_due(lease, year)},
    )
    return record


@transaction.atomic
def monitoring_create(
    *, lease: GroundLease, kind: str, actor: Any, reason: str, due: dt.date | None = None, **fields: Any
) -> MonitoringRecord:
    """A monitoring item with a due date. Inspections keep the lease's limits: notice and at most N a year."""
    reason = require_reason(reason)
    if kind == MonitoringKind.IMPROVEMENT_REQUEST:
        # Kept only for records made before improvements had their own model.
        raise ValidationError({"kind": [_("Record an improvement request as a capital improvement.")]})
    record = MonitoringRecord(lease=lease, kind=kind, due=due, **fields)
    if kind == MonitoringKind.INSPECTION:
        _check_inspection(lease, record)
    if kind == MonitoringKind.OCCUPANCY_CERTIFICATION and record.year is None:
        record.year = (due or clock.today()).year
    return save_stamped(record, actor=actor, reason=reason)


def _check_inspection(lease: GroundLease, record: MonitoringRecord) -> None:
    template = lease.template_version
    if record.scheduled_for is None or record.notice_sent_at is None:
        raise ValidationError({"scheduled_for": [_("An inspection needs its date and the date notice was given.")]})
    notice = record.scheduled_for - record.notice_sent_at
    if notice < dt.timedelta(hours=template.inspection_notice_hours):
        raise ValidationError(
            {
                "scheduled_for": [
                    ngettext(
                        "The lease requires %(hours)s hour's notice of an inspection.",
                        "The lease requires %(hours)s hours' notice of an inspection.",
                        template.inspection_notice_hours,
                    )
                    % {"hours": template.inspection_notice_hours}
                ]
            }
        )
    window_start = record.scheduled_for - dt.timedelta(days=365)
    earlier = lease.monitoring.filter(
        kind=MonitoringKind.INSPECTION, scheduled_for__gt=window_start, scheduled_for__lte=record.scheduled_for
    ).exclude(status=MonitoringStatus.WAIVED)
    if earlier.count() >= template.inspections_per_year:
        raise ValidationError(
            {
                "scheduled_for": [
                    ngettext(
                        "The lease allows %(n)s inspection in 12 months; one is already scheduled since %(since)s.",
                        "The lease allows %(n)s inspections in 12 months; one is already scheduled since %(since)s.",
                        template.inspections_per_year,
                    )
                    % {"n": template.inspections_per_year, "since": date_text(window_start.date())}
                ]
            }
        )


def _check_certification_year(lease: GroundLease, year: int) -> None:
    """Only the lease's own years: from the year it began to this year, and not after it ends.

    A year the trust has already asked for is accepted too: a lease that began after this year's
    due date gets its first request for next year (``_first_certification``), and the homeowner
    answers it.
    """
    today = clock.today()
    first = lease.commencement.year if lease.commencement else today.year
    ends = [day.year for day in (lease.term_end, lease.ended_on) if day is not None]
    end = min(ends) if ends else None
    last = today.year if end is None else min(today.year, end)
    if first <= year <= last:
        return
    within_term = first <= year and (end is None or year <= end)
    if within_term and lease.monitoring.filter(kind=MonitoringKind.OCCUPANCY_CERTIFICATION, year=year).exists():
        return
    raise ValidationError(
        {
            "year": [
                _("%(year)s is not a year of this lease: certify a year from %(first)s to %(last)s.")
                % {"year": year, "first": first, "last": last}
            ]
        }
    )


@transaction.atomic
def occupancy_certify(
    *, lease: GroundLease, year: int, months_occupied: int, actor: Any, reason: str, details: str = ""
) -> MonitoringRecord:
    """The homeowner (or staff for them) certifies the year's owner occupancy."""
    reason = require_reason(reason)
    if lease.status != LeaseStatus.ACTIVE:
        raise ValidationError({"lease": [_("Only an active lease is certified.")]})
    if not 0 <= months_occupied <= 12:
        raise ValidationError({"months_occupied": [_("Enter a number of months from 0 to 12.")]})
    _check_certification_year(lease, year)
    record = certification_schedule(lease=lease, year=year, actor=actor, reason=reason)
    if record.status in MONITORING_DONE:
        raise ValidationError({"year": [_("The %(year)s certification is already accepted.") % {"year": year}]})
    record.months_occupied = months_occupied
    record.details = details
    record.status = MonitoringStatus.SUBMITTED
    record.submitted_on = clock.today()
    record.submitted_by = _actor_or_none(actor)
    return save_stamped(record, actor=actor, reason=reason)


@transaction.atomic
def monitoring_review(*, record: MonitoringRecord, status: str, actor: Any, reason: str) -> MonitoringRecord:
    """Staff accept, reject (needs follow-up) or waive a monitoring item."""
    reason = require_reason(reason)
    if status not in (MonitoringStatus.ACCEPTED, MonitoringStatus.REJECTED, MonitoringStatus.WAIVED):
        raise ValidationError({"status": [_("Choose accepted, rejected or waived.")]})
    record.status = status
    record.completed_on = clock.today() if status in MONITORING_DONE else None
    if status == MonitoringStatus.ACCEPTED and record.kind == MonitoringKind.OCCUPANCY_CERTIFICATION:
        months = record.months_occupied or 0
        required = record.lease.template_version.occupancy_months_per_year
        if months < required:
            raise ValidationError(
                {
                    "status": [
                        _("%(months)s months occupied is fewer than the %(required)s the lease requires.")
                        % {"months": months, "required": required}
                    ]
                }
            )
    return save_stamped(record, actor=actor, reason=reason)
