"""Read-side questions about leases that several pages, the API and commands ask the same way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from leases.lifecycle.models import Deadline, DeadlineStatus
from leases.monitoring.models import MONITORING_DONE, MonitoringRecord

__all__ = ["BUCKETS", "DueItem", "due_buckets", "due_items"]

# (key, label, first day, last day) relative to today; overdue is anything before today.
BUCKETS = (
    ("overdue", _("Overdue"), None, -1),
    ("due_30", _("Due in the next 30 days"), 0, 30),
    ("due_60", _("Due in 31 to 60 days"), 31, 60),
    ("due_90", _("Due in 61 to 90 days"), 61, 90),
)


@dataclass(frozen=True)
class DueItem:
    """One thing due on one lease: an open deadline or an open monitoring record."""

    source: str  # "deadline" or "monitoring"
    pk: int
    lease_id: int
    address: str
    kind: str
    label: str
    due: dt.date
    original_due: dt.date
    today: dt.date

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days

    @property
    def overdue(self) -> bool:
        return self.due < self.today

    @property
    def extended(self) -> bool:
        return self.due != self.original_due


def due_items(user: Any, *, today: dt.date, horizon_days: int = 90, lease_ids: Any = None) -> list[DueItem]:
    """Everything open and due on or before ``today + horizon_days`` across the leases ``user`` may see.

    Two queries whatever the number of leases.
    """
    until = today + dt.timedelta(days=horizon_days)
    deadlines = (
        Deadline.objects.visible_to(user)
        .filter(status=DeadlineStatus.OPEN, due__lte=until)
        .select_related("lease__unit")
    )
    records = (
        MonitoringRecord.objects.visible_to(user)
        .exclude(status__in=MONITORING_DONE)
        .filter(due__isnull=False, due__lte=until)
        .select_related("lease__unit")
    )
    if lease_ids is not None:
        deadlines = deadlines.filter(lease_id__in=lease_ids)
        records = records.filter(lease_id__in=lease_ids)
    items = [
        DueItem(
            "deadline",
            d.pk,
            d.lease_id,
            str(d.lease.unit),
            d.kind,
            str(d.get_kind_display()),
            d.due,
            d.original_due,
            today,
        )
        for d in deadlines
    ]
    items += [
        DueItem(
            "monitoring",
            r.pk,
            r.lease_id,
            str(r.lease.unit),
            r.kind,
            str(r.get_kind_display()),
            r.due,
            r.due,
            today,
        )
        for r in records
    ]
    items.sort(key=lambda item: (item.due, item.address, item.source, item.pk))
    return items


def due_buckets(items: list[DueItem]) -> list[tuple[str, str, list[DueItem]]]:
    """The items grouped as the dashboard shows them: overdue, then 30, 60 and 90 days ahead."""
    grouped = []
    for key, label, first, last in BUCKETS:
        grouped.append(
            (
                key,
                str(label),
                [i for i in items if (first is None or i.days_left >= first) and i.days_left <= last],
            )
        )
    return grouped
