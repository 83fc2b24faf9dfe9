"""Monitoring pages: the section of the lease page, recording and reviewing, the homeowner's certification."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from clt import clock
from clt.decorators import staff_required
from leases.lifecycle.models import (
    GroundLease,
)
from leases.lifecycle.views import lease_form_page, lease_url, portal_url, staff_lease, submittable_lease
from leases.monitoring import services
from leases.monitoring.forms import CertificationForm, MonitoringForm, MonitoringReviewForm
from leases.monitoring.models import MonitoringRecord


def monitoring_rows(lease: GroundLease, today: dt.date) -> list[dict[str, Any]]:
    rows = []
    for record in lease.monitoring.order_by("-due", "-pk"):
        rows.append(
            {
                "record": record,
                "overdue": record.is_open and record.due is not None and record.due < today,
                "days_left": (record.due - today).days if record.due else None,
            }
        )
    return rows


@staff_required
def monitoring_create(request: HttpRequest, pk: int) -> HttpResponse:
    lease = staff_lease(request, pk)
    form = MonitoringForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> MonitoringRecord:
        fields = {k: cleaned[k] for k in ("year", "details", "estimated_cost", "scheduled_for", "notice_sent_at")}
        return services.monitoring_create(
            lease=lease,
            kind=cleaned["kind"],
            due=cleaned["due"],
            actor=request.user,
            reason=cleaned["change_reason"],
            **fields,
        )

    return lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Add a monitoring item"),
        success=_("Monitoring item added."),
        next_url=lease_url(lease, "monitoring"),
    )


@staff_required
def monitoring_review(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    lease = staff_lease(request, pk)
    record = get_object_or_404(MonitoringRecord.objects.visible_to(request.user), pk=record_pk, lease=lease)
    form = MonitoringReviewForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> MonitoringRecord:
        return services.monitoring_review(
            record=record, status=cleaned["status"], actor=request.user, reason=cleaned["change_reason"]
        )

    return lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Review a monitoring item"),
        success=lambda r: _("%(item)s: %(status)s.") % {"item": r.get_kind_display(), "status": r.get_status_display()},
        next_url=lease_url(lease, "monitoring"),
        context={"record": record},
    )


def portal_certify(request: HttpRequest, pk: int) -> HttpResponse:
    """The annual owner-occupancy certification: the same service staff use (``occupancy_certify``)."""
    lease = submittable_lease(request, pk)
    today = clock.today()
    form = CertificationForm(request.POST or None, initial={"year": today.year})

    def save(cleaned: dict[str, Any]) -> MonitoringRecord:
        return services.occupancy_certify(
            lease=lease,
            year=cleaned["year"],
            months_occupied=cleaned["months_occupied"],
            details=cleaned["details"],
            actor=request.user,
            reason=_("Certified by the homeowner through the portal."),
        )

    return lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Annual occupancy certification"),
        success=lambda r: _("Thank you: your %(year)s certification was sent to the trust.") % {"year": r.year},
        next_url=lambda _r: portal_url(request, lease),
        template="portal/form_page.html",
    )
