"""The pages that show a lease whole: the staff lease page, the homeowner portal and the home page panel.

Each part (lifecycle, ledger, monitoring, documents, resale) builds its own section; these pages put
the sections together.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from clt import clock, roles
from clt.dashboard import Panel
from clt.history import history_entries
from leases.documents.views import documents_section
from leases.ledger import selectors as ledger_selectors
from leases.ledger.views import ledger_section, next_fee
from leases.lifecycle.forms import (
    IntentToSellForm,
)
from leases.lifecycle.models import (
    GroundLease,
    PermittedMortgage,
)
from leases.lifecycle.rules import EventKind, LeaseStatus, Track
from leases.lifecycle.selectors import due_buckets, due_items
from leases.lifecycle.views import (
    LEDGER_MESSAGE,
    deadline_rows,
    header_context,
    lease_queryset,
    portal_leases,
    state_label,
    timeline,
)
from leases.monitoring.forms import CertificationForm
from leases.monitoring.models import MonitoringRecord, MonitoringStatus
from leases.monitoring.views import monitoring_rows
from leases.resale.models import CapitalImprovement, ImprovementStatus
from leases.resale.views import improvements
from leases.resale.views.calculations import lease_resale_section, portal_resale_calculations

# --- Staff: the lease page --------------------------------------------------------------------------------


def lease_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A lease for staff: header, timeline, ledger, deadlines, monitoring, documents and history.

    A homeowner who follows a link here to their own lease is sent to its portal page; any other lease,
    and every lease for other roles, is a 404 (``visible_to``).
    """
    lease = get_object_or_404(lease_queryset(request.user), pk=pk)
    if not roles.is_staff_member(request.user):
        return redirect("portal:lease", pk=lease.pk)
    today = clock.today()
    open_deadlines, settled_deadlines = deadline_rows(lease, today)
    history = history_entries(lease.history.select_related("history_user").all())
    mortgages = PermittedMortgage.objects.filter(lease=lease).select_related("lender").order_by("lien_position")
    successor = GroundLease.objects.filter(predecessor=lease).select_related("unit").first()
    schedule = getattr(lease, "fee_schedule", None)
    # A ledger form's message is shown in the ledger section, where its redirect brings the person (#ledger);
    # the others stay at the top of the page.
    page_messages, ledger_messages = [], []
    for message in messages.get_messages(request):
        (ledger_messages if LEDGER_MESSAGE in message.tags.split() else page_messages).append(message)
    return render(
        request,
        "leases/lease_detail.html",
        {
            "messages": page_messages,
            "ledger_messages": ledger_messages,
            "lease": lease,
            **header_context(lease),
            "timeline": timeline(lease),
            "ledger": ledger_section(lease, today),
            "fee": next_fee(lease, today),
            "schedule": schedule,
            "rates": schedule.rates.order_by("-effective") if schedule else [],
            "suspensions": schedule.suspensions.order_by("-start") if schedule else [],
            "open_deadlines": open_deadlines,
            "settled_deadlines": settled_deadlines,
            "monitoring": monitoring_rows(lease, today),
            "improvements": improvements.lease_section(lease, today),
            "documents": documents_section(lease, open_deadlines + settled_deadlines, today),
            "history": history,
            "mortgages": mortgages,
            "successor": successor,
            "resale": lease_resale_section(lease),
            "today": today,
        },
    )


# --- The homeowner portal -----------------------------------------------------------------------------------


def _certification_record(lease: GroundLease, today: dt.date) -> MonitoringRecord | None:
    """This year's certification, or the oldest one still open."""
    records = [r for r in lease.monitoring.all() if r.kind == "occupancy_certification"]
    open_records = sorted((r for r in records if r.status in ("requested", "rejected")), key=lambda r: r.year or 0)
    if open_records:
        return open_records[0]
    return next((r for r in records if r.year == today.year), None)


def _iso_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def portal_context(lease: GroundLease, today: dt.date) -> dict[str, Any]:
    open_deadlines, settled = deadline_rows(lease, today)
    certification = _certification_record(lease, today)
    can_submit = lease.status == LeaseStatus.ACTIVE
    intent = (
        lease.events.filter(kind=EventKind.INTENT_TO_SELL_RECEIVED).order_by("-pk").first()
        if lease.transfer_state != "none"
        else None
    )
    return {
        "lease": lease,
        **header_context(lease),
        "fee": next_fee(lease, today),
        "ledger": ledger_section(lease, today),
        "open_deadlines": open_deadlines,
        "monitoring_due": [row for row in monitoring_rows(lease, today) if row["record"].is_open],
        "improvements": improvements.portal_section(lease, today),
        "documents": documents_section(lease, open_deadlines + settled, today),
        "certification": certification,
        "certification_form": CertificationForm(
            initial={"year": certification.year if certification and certification.year else today.year}
        )
        if can_submit and (certification is None or certification.status in ("requested", "rejected"))
        else None,
        "intent_form": IntentToSellForm() if can_submit and lease.transfer_state == "none" else None,
        "intent_event": intent,
        "earliest_transfer": _iso_date(intent.data.get("earliest_transfer")) if intent else None,
        "transfer_label": state_label(Track.TRANSFER, lease.transfer_state),
        "resale_calculations": portal_resale_calculations(lease),
        "today": today,
    }


def portal_home(request: HttpRequest) -> HttpResponse:
    """``/my/``: a homeowner's lease (or their leases, if several); staff and others get an explanation."""
    user = request.user
    if roles.is_staff_member(user):
        return render(request, "portal/staff.html")
    leases = portal_leases(user)
    if not leases:
        return render(request, "portal/no_lease.html")
    today = clock.today()
    if len(leases) == 1:
        return render(request, "portal/lease.html", portal_context(leases[0], today))
    balances = ledger_selectors.balances_for([lease.pk for lease in leases], as_of=today)
    cards = [
        {
            "lease": lease,
            "status_label": state_label(Track.LEASE, lease.status),
            "balance": balances[lease.pk],
            "fee": next_fee(lease, today),
        }
        for lease in leases
    ]
    return render(request, "portal/home.html", {"cards": cards, "today": today})


def portal_lease(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the homeowner's leases; anyone else's is a 404. Staff see what the homeowner sees."""
    lease = get_object_or_404(lease_queryset(request.user).exclude(status=LeaseStatus.DRAFT), pk=pk)
    return render(request, "portal/lease.html", portal_context(lease, clock.today()))


WAITING_SHOWN = 5


# --- The home page panel -------------------------------------------------------------------------------------


def dashboard_panel(request: HttpRequest) -> Panel | None:
    """Staff: how many deadlines and monitoring items are overdue or due within 30 days. Homeowners: their
    balance and next fee."""
    user = request.user
    today = clock.today()
    if roles.is_staff_member(user):
        buckets = {key: items for key, _label, items in due_buckets(due_items(user, today=today, horizon_days=30))}
        requests = CapitalImprovement.objects.filter(status=ImprovementStatus.REQUESTED).select_related("lease__unit")
        submitted = MonitoringRecord.objects.filter(status=MonitoringStatus.SUBMITTED).select_related("lease__unit")
        return Panel(
            template="leases/_dashboard_panel.html",
            context={
                "overdue": len(buckets["overdue"]),
                "due_30": len(buckets["due_30"]),
                # What waits for a decision by staff, oldest first; the page lists a few and counts the rest.
                "requests": list(requests.order_by("requested_on", "pk")[:WAITING_SHOWN]),
                "requests_count": requests.count(),
                "submitted": list(submitted.order_by("submitted_on", "pk")[:WAITING_SHOWN]),
                "submitted_count": submitted.count(),
            },
            order=20,
        )
    if roles.is_homeowner(user):
        leases = [lease for lease in portal_leases(user) if lease.status == LeaseStatus.ACTIVE]
        if not leases:
            return None
        balances = ledger_selectors.balances_for([lease.pk for lease in leases], as_of=today)
        rows = [{"lease": lease, "balance": balances[lease.pk], "fee": next_fee(lease, today)} for lease in leases]
        return Panel(template="portal/_dashboard_panel.html", context={"rows": rows}, order=5)
    return None
