"""Lease pages: the staff list and lease page with its forms, the deadlines dashboard, and the homeowner portal.

Views are thin: they read through ``visible_to``/``restrict`` (a lease the user may not see is a 404) and
write through ``leases.services``; a service's ``ValidationError`` comes back on the form field it names,
with nothing saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.dates import MONTHS
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from clt import clock, roles
from clt.dashboard import Panel
from clt.dates import month_end, month_start
from clt.decorators import staff_required
from clt.forms import add_service_errors
from clt.history import history_entries
from clt.models import Organization, Person
from leases import fees, services
from leases.filters import GroundLeaseFilterSet
from leases.forms import (
    DEADLINE_LABELS,
    DETAIL_LABELS,
    EVENT_LABELS,
    LEASE_DETAIL_FIELDS,
    RESTING_STATES,
    STATE_LABELS,
    TERM_FIELDS,
    TERM_GROUPS,
    TRACK_LABELS,
    CertificationForm,
    ChargeForm,
    DeadlineExtendForm,
    EventForm,
    FeeRateForm,
    FeeSuspendForm,
    IntentToSellForm,
    LeaseEditForm,
    LeaseFilterForm,
    LeaseForm,
    MonitoringForm,
    MonitoringReviewForm,
    PaymentForm,
    PaymentReverseForm,
    TemplateCreateForm,
    TermsForm,
    WaiverForm,
    event_data,
    unit_choices,
    version_choices,
)
from leases.lifecycle import DeadlineKind, EventKind, LeaseStatus, Track
from leases.models import (
    Charge,
    ChargeWaiver,
    Deadline,
    DeadlineStatus,
    GroundLease,
    Household,
    LeaseEvent,
    Leaseholder,
    LeaseTemplate,
    LeaseTemplateVersion,
    MonitoringRecord,
    Payment,
    PermittedMortgage,
    TransferMode,
)
from leases.selectors import due_buckets, due_items
from leases.views import improvements
from leases.views.resale import lease_resale_section, portal_resale_calculations
from properties.models import Unit

PAGE_SIZE = 50
PORTAL_DELIVERY = gettext_lazy("homeowner portal")
LEDGER_MONTHS = 12
STATEMENT_MONTHS = 12
TRACK_FIELDS = {
    Track.LEASE: "status",
    Track.COMPLIANCE: "compliance_state",
    Track.FINANCING: "financing_state",
    Track.TRANSFER: "transfer_state",
}


# --- Helpers ----------------------------------------------------------------------------------------


def state_label(track: Track, value: str) -> str:
    return str(STATE_LABELS[track].get(value, value.replace("_", " ")))


def deadline_label(kind: str) -> str:
    return str(DEADLINE_LABELS.get(kind, kind.replace("_", " ")))


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind.replace("_", " ")))


def _lease_queryset(user: Any) -> Any:
    return (
        GroundLease.objects.visible_to(user)
        .select_related("unit", "parcel", "organization", "template_version__template", "household", "fee_schedule")
        .prefetch_related(Prefetch("leaseholders", queryset=Leaseholder.objects.select_related("person")))
    )


def _staff_lease(request: HttpRequest, pk: int) -> GroundLease:
    return get_object_or_404(_lease_queryset(request.user), pk=pk)


def _lease_url(lease: GroundLease, anchor: str = "") -> str:
    url = reverse("leases:lease_detail", args=[lease.pk])
    return f"{url}#{anchor}" if anchor else url


def _form_page(
    request: HttpRequest,
    form: Any,
    save: Callable[[dict[str, Any]], Any],
    *,
    lease: GroundLease | None,
    title: str,
    success: str | Callable[[Any], str],
    next_url: str | Callable[[Any], str],
    template: str = "leases/form_page.html",
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST calls the service and redirects, an invalid one shows why."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, renames={"buyer": "buyers"})
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(next_url(result) if callable(next_url) else next_url)
    return render(request, template, {"form": form, "lease": lease, "title": title, **(context or {})})


# --- Batch ledger figures for lists --------------------------------------------------------------------


def next_deadlines_for(lease_ids: Iterable[int]) -> dict[int, Deadline]:
    """The earliest open deadline of each lease, in one query."""
    first: dict[int, Deadline] = {}
    for deadline in Deadline.objects.filter(lease_id__in=list(lease_ids), status=DeadlineStatus.OPEN).order_by(
        "lease_id", "due", "pk"
    ):
        first.setdefault(deadline.lease_id, deadline)
    return first


@dataclass(frozen=True)
class Badge:
    track: str
    label: str
    css: str


def state_badges(lease: GroundLease) -> list[Badge]:
    """The tracks that are not at rest, for the list's badges (text, not only colour)."""
    badges = []
    for track, resting in RESTING_STATES.items():
        value = getattr(lease, TRACK_FIELDS[track])
        if value not in resting:
            badges.append(Badge(str(TRACK_LABELS[track]), state_label(track, value), f"track-{track}"))
    return badges


# --- Staff: the lease list ------------------------------------------------------------------------------


@staff_required
def lease_list(request: HttpRequest) -> HttpResponse:
    """Every lease, filterable, 50 a page, with balance and next deadline in a fixed number of queries."""
    form = LeaseFilterForm(request.GET or None)
    # The page filters with the API's FilterSet, so a search means the same in both.
    params = request.GET.copy()
    params.pop("page", None)
    queryset = GroundLeaseFilterSet(params, queryset=GroundLease.objects.visible_to(request.user)).qs
    queryset = (
        queryset.select_related("unit", "organization")
        .prefetch_related(Prefetch("leaseholders", queryset=Leaseholder.objects.select_related("person")))
        .order_by("unit__address", "unit__unit_number", "-pk")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    leases = list(page)
    today = clock.today()
    ids = [lease.pk for lease in leases]
    balances = services.balances_for(ids, as_of=today)
    next_due = next_deadlines_for(ids)
    rows = []
    for lease in leases:
        deadline = next_due.get(lease.pk)
        rows.append(
            {
                "lease": lease,
                "status": state_label(Track.LEASE, lease.status),
                "badges": state_badges(lease),
                "balance": balances.get(lease.pk, Decimal("0.00")),
                "deadline": deadline,
                "deadline_label": deadline_label(deadline.kind) if deadline else "",
                "days_left": (deadline.due - today).days if deadline else None,
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "leases/lease_list.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode(), "today": today},
    )


# --- The lease page: sections shared by staff and the portal --------------------------------------------


@dataclass
class LedgerRow:
    date: dt.date
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal
    kind: str
    charge: Charge | None = None
    payment: Payment | None = None
    open_amount: Decimal = Decimal("0.00")


@dataclass
class Bar:
    month: dt.date
    balance: Decimal
    x: float
    y: float
    width: float
    height: float
    label_y: float
    owed: bool

    @property
    def cx(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass
class Chart:
    bars: list[Bar] = field(default_factory=list)
    width: int = 0
    height: int = 0
    zero_y: float = 0.0
    month_label_y: float = 0.0


def _payment_text(payment: Payment) -> str:
    text = _("Payment, %(method)s") % {"method": payment.get_method_display()}
    return f"{text} {payment.reference}" if payment.reference else text


def _line_description(kind: str, charge: Charge | None, payment: Payment | None) -> str:
    if charge is not None:
        if charge.description:
            return charge.description
        return str(charge.get_kind_display())
    if payment is not None:
        if kind == "reversal":
            return _("Payment of %(date)s reversed") % {"date": payment.received_on.isoformat()} + (
                f": {payment.reversal_reason}" if payment.reversal_reason else ""
            )
        return _payment_text(payment)
    return kind


def balance_chart(statement: fees.Statement, first_month: dt.date, today: dt.date) -> Chart:
    """Bars of the balance at the end of each month (today for the current one); credit hangs below the axis."""
    months = []
    month = first_month
    while month <= today:
        months.append(month)
        month = month_start(month, 1)
    values = []
    for month in months:
        end = min(month_end(month), today)
        balance = statement.opening
        for line in statement.lines:
            if line.date <= end:
                balance = line.balance
        values.append((month, balance))
    slot, bar_width, top, plot_height = 56, 36, 22, 140
    most_owed = max([v for _m, v in values if v > 0], default=Decimal("0"))
    most_credit = max([-v for _m, v in values if v < 0], default=Decimal("0"))
    span = most_owed + most_credit or Decimal("1")
    # Geometry only, never money: floats are fine for pixel positions.
    zero_y = top + plot_height * float(most_owed / span)
    chart = Chart(width=slot * len(values), height=top + plot_height + 44, zero_y=round(zero_y, 1))
    chart.month_label_y = top + plot_height + 36
    for index, (month, balance) in enumerate(values):
        height = plot_height * float(abs(balance) / span)
        owed = balance > 0
        y = zero_y - height if owed else zero_y
        label_y = y - 5 if owed else y + height + 14
        chart.bars.append(
            Bar(
                month=month,
                balance=balance,
                x=index * slot + (slot - bar_width) / 2,
                y=round(y, 1),
                width=bar_width,
                height=round(max(height, 1.0 if balance else 0.0), 1),
                label_y=round(label_y, 1),
                owed=owed,
            )
        )
    return chart


def ledger_section(lease: GroundLease, today: dt.date, *, months: int = LEDGER_MONTHS) -> dict[str, Any]:
    """Balance, ageing, the last ``months`` months of charges and payments with a running balance, and a chart."""
    state = services.ledger_state(lease, as_of=today)
    ageing = services.ledger_ageing(lease, as_of=today)
    start = month_start(today, -(months - 1))
    if lease.commencement and lease.commencement <= today:
        start = max(start, month_start(lease.commencement))  # no empty months before the lease began
    statement = services.ledger_lines(lease, start=start, end=today)
    charge_keys = {line.key for line in statement.lines if line.kind not in ("payment", "reversal")}
    payment_keys = {line.key for line in statement.lines if line.kind in ("payment", "reversal")}
    charges = {str(c.pk): c for c in lease.charges.filter(pk__in=[int(k) for k in charge_keys])}
    payments = {str(p.pk): p for p in lease.payments.filter(pk__in=[int(k) for k in payment_keys])}
    rows = []
    for line in statement.lines:
        charge = charges.get(line.key) if line.kind not in ("payment", "reversal") else None
        payment = payments.get(line.key) if line.kind in ("payment", "reversal") else None
        rows.append(
            LedgerRow(
                date=line.date,
                description=_line_description(line.kind, charge, payment),
                debit=line.debit,
                credit=line.credit,
                balance=line.balance,
                kind=line.kind,
                charge=charge,
                payment=payment if line.kind == "payment" else None,
                open_amount=state.open_by_charge.get(line.key, Decimal("0.00")) if charge else Decimal("0.00"),
            )
        )
    rows.reverse()  # newest first, as people read an account
    return {
        "state": state,
        "ageing": ageing,
        "statement": statement,
        "rows": rows,
        "start": start,
        "today": today,
        "chart": balance_chart(statement, start, today),
    }


@dataclass(frozen=True)
class NextFee:
    due: dt.date
    amount: Decimal


def next_fee(lease: GroundLease, today: dt.date) -> NextFee | None:
    """The next monthly fee falling due on or after ``today``: its date and amount (none while suspended)."""
    if lease.status != LeaseStatus.ACTIVE:
        return None
    schedule = getattr(lease, "fee_schedule", None)
    if schedule is None:
        return None
    rates = [fees.Rate(effective=r.effective, amount=r.amount) for r in schedule.rates.all()]
    suspensions = [fees.Period(start=s.start, end=s.end) for s in schedule.suspensions.all()]
    for offset in range(0, 25):
        month = month_start(today, offset)
        due = fees.due_date(month.year, month.month, schedule.due_day)
        if due < today or (lease.commencement and due < lease.commencement):
            continue
        amount = fees.monthly_amount(rates, suspensions, month.year, month.month, schedule.due_day)
        if amount:
            return NextFee(due=due, amount=amount)
    return None


@dataclass
class DeadlineRow:
    deadline: Deadline
    label: str
    days_left: int
    is_open: bool


def deadline_rows(lease: GroundLease, today: dt.date) -> tuple[list[DeadlineRow], list[DeadlineRow]]:
    """Open deadlines by due date, then the settled ones, most recent first."""
    open_rows, settled = [], []
    for deadline in lease.deadlines.order_by("due", "pk"):
        row = DeadlineRow(
            deadline, deadline_label(deadline.kind), (deadline.due - today).days, deadline.status == DeadlineStatus.OPEN
        )
        (open_rows if row.is_open else settled).append(row)
    settled.sort(key=lambda r: r.deadline.settled_on or r.deadline.due, reverse=True)
    return open_rows, settled


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


def statement_months(lease: GroundLease, today: dt.date, count: int = STATEMENT_MONTHS) -> list[dt.date]:
    """The months a statement can be asked for, newest first: the last ``count`` since the lease began."""
    first = month_start(lease.commencement) if lease.commencement else month_start(today)
    months = []
    for back in range(count):
        month = month_start(today, -back)
        if month < first:
            break
        months.append(month)
    return months


def documents_section(lease: GroundLease, deadlines: Iterable[DeadlineRow], today: dt.date) -> dict[str, Any]:
    kinds = {row.deadline.kind for row in deadlines}
    return {
        "months": statement_months(lease, today),
        # A notice exists once its deadline does: the cure period of a default, the option's windows.
        "default_notice": DeadlineKind.CURE in kinds,
        "option_notice": DeadlineKind.OPTION_EXERCISE in kinds,
    }


def _names(events: Iterable[LeaseEvent]) -> tuple[dict[int, str], dict[int, str]]:
    """Names of the people and lenders the events' details mention, in two queries."""
    people: set[int] = set()
    lenders: set[int] = set()
    for event in events:
        for key in ("person", "buyer", "buyers", "heirs"):
            value = event.data.get(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, int) or (isinstance(item, str) and item.isdigit()):
                    people.add(int(item))
        lender = event.data.get("lender")
        if isinstance(lender, int) or (isinstance(lender, str) and lender.isdigit()):
            lenders.add(int(lender))
    person_names = {p.pk: p.full_name for p in Person.objects.filter(pk__in=people)} if people else {}
    lender_names = dict(Organization.objects.filter(pk__in=lenders).values_list("pk", "name")) if lenders else {}
    return person_names, lender_names


def _detail_value(key: str, value: Any, people: dict[int, str], lenders: dict[int, str]) -> str:
    def person(item: Any) -> str:
        try:
            return people.get(int(item), str(item))
        except (TypeError, ValueError):
            return str(item)

    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key in ("person", "buyer", "buyers", "heirs"):
        items = value if isinstance(value, list) else [value]
        return ", ".join(person(item) for item in items)
    if key == "lender":
        try:
            return lenders.get(int(value), str(value))
        except (TypeError, ValueError):
            return str(value)
    if key == "kind":
        return deadline_label(str(value))
    if key == "mode" and value in TransferMode.values:
        return str(TransferMode(value).label)
    if key == "predecessor":
        return _("Lease %(n)s") % {"n": value}
    if key == "deadline":
        return ""
    return str(value)


def timeline(lease: GroundLease) -> list[dict[str, Any]]:
    """The lease's events, newest first, each with its dates, who recorded it, why, and its details."""
    events = list(lease.events.select_related("actor").order_by("-effective_on", "-pk"))
    people, lenders = _names(events)
    entries = []
    for event in events:
        details = []
        for key, value in event.data.items():
            text = _detail_value(key, value, people, lenders)
            if text:
                details.append((str(DETAIL_LABELS.get(key, key.replace("_", " "))), text))
        track = Track(event.track)
        moved = event.from_state != event.to_state and event.to_state
        entries.append(
            {
                "event": event,
                "label": event_label(event.kind),
                "track": str(TRACK_LABELS[track]),
                "track_key": event.track,
                "from_state": state_label(track, event.from_state) if moved else "",
                "to_state": state_label(track, event.to_state) if moved else "",
                "who": event.actor.get_username() if event.actor else "",
                "details": details,
            }
        )
    return entries


def header_context(lease: GroundLease) -> dict[str, Any]:
    return {
        "status_label": state_label(Track.LEASE, lease.status),
        "tracks": [
            {"key": track.value, "label": str(TRACK_LABELS[track]), "state": state_label(track, getattr(lease, name))}
            for track, name in TRACK_FIELDS.items()
            if track != Track.LEASE
        ],
        "badges": state_badges(lease),
    }


# --- Staff: the lease page --------------------------------------------------------------------------------


def lease_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A lease for staff: header, timeline, ledger, deadlines, monitoring, documents and history.

    A homeowner who follows a link here to their own lease is sent to its portal page; any other lease,
    and every lease for other roles, is a 404 (``visible_to``).
    """
    lease = get_object_or_404(_lease_queryset(request.user), pk=pk)
    if not roles.is_staff_member(request.user):
        return redirect("portal:lease", pk=lease.pk)
    today = clock.today()
    open_deadlines, settled_deadlines = deadline_rows(lease, today)
    history = history_entries(lease.history.select_related("history_user").all())
    mortgages = PermittedMortgage.objects.filter(lease=lease).select_related("lender").order_by("lien_position")
    successor = GroundLease.objects.filter(predecessor=lease).select_related("unit").first()
    schedule = getattr(lease, "fee_schedule", None)
    return render(
        request,
        "leases/lease_detail.html",
        {
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


# --- Staff: forms ------------------------------------------------------------------------------------------


def _people(user: Any) -> Any:
    return Person.objects.visible_to(user).order_by("family_name", "given_name", "pk")


def _organizations(user: Any) -> Any:
    return Organization.objects.visible_to(user).order_by("name")


@staff_required
def lease_create(request: HttpRequest) -> HttpResponse:
    """A new draft lease; ``?unit=<id>`` preselects the home (the link on a home's page)."""
    units = unit_choices(Unit.objects.visible_to(request.user))
    initial: dict[str, Any] = {"template_version": version_choices().first()}
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        initial["unit"] = units.filter(pk=int(unit_id)).first()
    form = LeaseForm(
        request.POST or None,
        initial=initial,
        people=_people(request.user),
        units=units,
        versions=version_choices(),
        organizations=_organizations(request.user),
    )
    form.fields["household"].queryset = Household.objects.visible_to(request.user)

    def save(cleaned: dict[str, Any]) -> GroundLease:
        return services.lease_create(
            actor=request.user,
            reason=cleaned["change_reason"],
            unit=cleaned["unit"],
            template_version=cleaned["template_version"],
            leaseholders=list(cleaned["leaseholders"] or []),
            organization=cleaned["organization"],
            monthly_fee=cleaned["monthly_fee"],
            **{name: cleaned[name] for name in LEASE_DETAIL_FIELDS},
        )

    return _form_page(
        request,
        form,
        save,
        lease=None,
        title=_("New ground lease"),
        success=_("Draft lease recorded. Record its execution when it is signed and recorded."),
        next_url=lambda lease: _lease_url(lease),
    )


@staff_required
def lease_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lease = _staff_lease(request, pk)
    form = LeaseEditForm(request.POST or None, instance=lease)
    form.fields["household"].queryset = Household.objects.visible_to(request.user)
    if lease.status != LeaseStatus.DRAFT:
        form.fields["commencement"].disabled = True
        form.fields["commencement"].help_text = _("Fixed once the lease is executed.")

    def save(cleaned: dict[str, Any]) -> GroundLease:
        # A fresh row: the service compares the stored values with the new ones.
        return services.lease_update(
            lease=GroundLease.objects.get(pk=lease.pk),
            actor=request.user,
            reason=cleaned["change_reason"],
            **{name: cleaned[name] for name in LEASE_DETAIL_FIELDS},
        )

    return _form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Edit lease details"),
        success=_("Lease details saved."),
        next_url=_lease_url(lease),
    )


@staff_required
def event_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a lease event; only the kinds the lease's states allow now are offered."""
    lease = _staff_lease(request, pk)
    form = EventForm(
        request.POST or None, lease=lease, people=_people(request.user), organizations=_organizations(request.user)
    )

    def save(cleaned: dict[str, Any]) -> LeaseEvent:
        return services.lease_event_record(
            lease=lease,
            kind=cleaned["kind"],
            actor=request.user,
            reason=cleaned["change_reason"],
            effective_on=cleaned["effective_on"],
            sent_on=cleaned["sent_on"],
            received_on=cleaned["received_on"],
            delivery_method=cleaned["delivery_method"],
            data=event_data(cleaned["kind"], cleaned),
        )

    return _form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Record an event"),
        success=lambda event: _("%(event)s: recorded.") % {"event": event_label(event.kind)},
        next_url=_lease_url(lease, "timeline"),
        template="leases/event_form.html",
    )


@staff_required
def payment_record(request: HttpRequest, pk: int) -> HttpResponse:
    lease = _staff_lease(request, pk)
    form = PaymentForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> Payment:
        return services.payment_record(
            lease=lease,
            amount=cleaned["amount"],
            received_on=cleaned["received_on"],
            method=cleaned["method"],
            reference=cleaned["reference"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    return _form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Record a payment"),
        success=lambda p: _("Payment of $%(amount)s recorded.") % {"amount": p.amount},
        next_url=_lease_url(lease, "ledger"),
    )


@staff_required
def payment_reverse(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    lease = _staff_lease(request, pk)
    payment = get_object_or_404(Payment.objects.visible_to(request.user), pk=payment_pk, lease=lease)
    form = PaymentReverseForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> Payment:
        return services.payment_reverse(
            payment=payment, reversed_on=cleaned["reversed_on"], actor=request.user, reason=cleaned["change_reason"]
        )

    return _form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Reverse a payment"),
        success=_("Payment reversed; the amounts it paid are owed again."),
        next_url=_lease_url(lease, "ledger"),
        context={"payment": payment},
    )


@staff_required
def charge_add(request: HttpRequest, pk: int) -> HttpResponse:
    lease = _staff_lease(request, pk)
    form = ChargeForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> Charge:
        return services.charge_add(
            lease=lease,
            amount=cleaned["amount"],
            due=cleaned["due"],
            description=cleaned["description"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    return _form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Add a charge"),
        success=_("Charge added."),
        next_url=_lease_url(lease, "ledger"),
    )


@staff_required
def charge_waive(request: HttpRequest, pk: int, charge_pk: int) -> HttpResponse:
    lease = _staff_lease(request, pk)
    charge = get_object_or_404(Charge.objects.visible_to(request.user), pk=charge_pk, lease=lease)
    today = clock.today()
    open_amount = services.ledger_state(lease, as_of=max(today, charge.due)).open_by_charge.get(str(charge.pk))
    form = WaiverForm(request.POST or None, initial={"amount": open_amount})

    def save(cleaned: dict[str, Any]) -> ChargeWaiver:
        return services.charge_waive(
            charge=charge,
            amount=cleaned["amount"],
            granted_on=cleaned["granted_on"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    return _form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Waive a charge"),
        success=lambda w: _("$%(amount)s waived.") % {"amount": w.amount},
        next_url=_lease_url(lease, "ledger"),
        context={"charge": charge, "open_amount": open_amount},
    )


@staff_required
def fee_change(request: HttpRequest, pk: int) -> HttpResponse:
    """A new monthly fee from a date on; an increase is checked against the lease's cap."""
    lease = _staff_lease(request, pk)
    form = FeeRateForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> Any:
        return services.fee_rate_change(
            lease=lease,
            effective=cleaned["effective"],
            amount=cleaned["amount"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    schedule = lease.fee_schedule
    return _form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Change the lease fee"),
        success=lambda rate: (
            _("From %(date)s the fee is $%(amount)s a month.")
            % {"date": rate.effective.isoformat(), "amount": rate.amount}
        ),
        next_url=_lease_url(lease, "ledger"),
        context={"schedule": schedule, "rates": schedule.rates.order_by("-effective")},
    )


@staff_required
def fee_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    lease = _staff_lease(request, pk)
    form = FeeSuspendForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> Any:
        return services.fee_suspend(
            lease=lease, start=cleaned["start"], end=cleaned["end"], actor=request.user, reason=cleaned["change_reason"]
        )

    return _form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Suspend the lease fee"),
        success=_("Fee suspension recorded."),
        next_url=_lease_url(lease, "ledger"),
    )


@staff_required
def monitoring_create(request: HttpRequest, pk: int) -> HttpResponse:
    lease = _staff_lease(request, pk)
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

    return _form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Add a monitoring item"),
        success=_("Monitoring item added."),
        next_url=_lease_url(lease, "monitoring"),
    )


@staff_required
def monitoring_review(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    lease = _staff_lease(request, pk)
    record = get_object_or_404(MonitoringRecord.objects.visible_to(request.user), pk=record_pk, lease=lease)
    form = MonitoringReviewForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> MonitoringRecord:
        return services.monitoring_review(
            record=record, status=cleaned["status"], actor=request.user, reason=cleaned["change_reason"]
        )

    return _form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Review a monitoring item"),
        success=lambda r: _("%(item)s: %(status)s.") % {"item": r.get_kind_display(), "status": r.get_status_display()},
        next_url=_lease_url(lease, "monitoring"),
        context={"record": record},
    )


@staff_required
def deadline_extend(request: HttpRequest, pk: int, deadline_pk: int) -> HttpResponse:
    lease = _staff_lease(request, pk)
    deadline = get_object_or_404(Deadline.objects.visible_to(request.user), pk=deadline_pk, lease=lease)
    form = DeadlineExtendForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> LeaseEvent:
        return services.deadline_extend(
            deadline=deadline,
            new_due=cleaned["new_due"],
            agreed_on=cleaned["agreed_on"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    return _form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Extend a deadline"),
        success=lambda event: _("Deadline moved to %(date)s.") % {"date": event.data["to"]},
        next_url=_lease_url(lease, "deadlines"),
        context={"deadline": deadline, "deadline_label": deadline_label(deadline.kind)},
    )


def lease_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A lease's documents (summary, statement, notices) as PDF or HTML, for staff and the lease's own holders."""
    # Imported here: the document helper is its own module and this one must load without it.
    from leases.documents import document_response

    lease = get_object_or_404(GroundLease.objects.visible_to(request.user), pk=pk)
    return document_response(request, lease, kind)


# --- Staff: the deadlines dashboard ----------------------------------------------------------------------


@staff_required
def deadlines_dashboard(request: HttpRequest) -> HttpResponse:
    """Everything due across all leases: overdue, then the next 30, 31-60 and 61-90 days."""
    today = clock.today()
    sections = []
    for key, label, items in due_buckets(due_items(request.user, today=today)):
        rows = [
            {
                "item": item,
                "label": deadline_label(item.kind) if item.source == "deadline" else item.label,
                "days": abs(item.days_left),
            }
            for item in items
        ]
        sections.append({"key": key, "label": label, "rows": rows})
    return render(request, "leases/deadlines.html", {"sections": sections, "today": today})


# --- Staff: lease terms (templates and their versions) -----------------------------------------------------


def _versions_with_use() -> QuerySet:
    # An aggregate drops Meta.ordering: every caller orders explicitly.
    return LeaseTemplateVersion.objects.annotate(lease_count=Count("leases"))


def _staff_template(request: HttpRequest, pk: int) -> LeaseTemplate:
    return get_object_or_404(LeaseTemplate.objects.visible_to(request.user), pk=pk)


def _terms_url(template: LeaseTemplate) -> str:
    return reverse("leases:terms_detail", args=[template.pk])


MONEY_TERMS = {"default_monthly_fee", "late_fee_amount", "late_fee_step"}
PERCENT_TERMS = {"late_fee_percent", "late_fee_repeat_percent", "max_increase_pct"}


def term_text(version: LeaseTemplateVersion, name: str) -> str:
    """A term as people read it: choices by their label, money with its sign, an empty cap as "no limit"."""
    value = getattr(version, name)
    if value is None:
        return _("no limit")
    if name in MONEY_TERMS:
        return f"${value:,.2f}"
    if name in PERCENT_TERMS:
        return f"{value.normalize():f}%"
    if isinstance(value, dt.date):
        return formats.date_format(value)
    if name == "certification_month":
        return str(MONTHS[value])
    display = getattr(version, f"get_{name}_display", None)
    return str(display()) if display else str(value)


def _label(name: str) -> str:
    return capfirst(str(LeaseTemplateVersion._meta.get_field(name).verbose_name))


@dataclass
class TermCell:
    text: str
    changed: bool = False
    previous: str = ""


@dataclass
class TermRow:
    name: str
    label: str
    help: str
    cells: list[TermCell]

    @property
    def changed(self) -> bool:
        return any(cell.changed for cell in self.cells)


def terms_table(versions: list[LeaseTemplateVersion]) -> list[tuple[str, list[TermRow]]]:
    """One row per term and one cell per version (oldest first); a cell that differs from the version before
    it is marked, with that version's value, so a reader sees what each version changed."""
    groups = []
    for legend, names in TERM_GROUPS:
        rows = []
        for name in names:
            cells = []
            for index, version in enumerate(versions):
                cell = TermCell(term_text(version, name))
                if index and getattr(version, name) != getattr(versions[index - 1], name):
                    cell.changed, cell.previous = True, term_text(versions[index - 1], name)
                cells.append(cell)
            help_text = str(LeaseTemplateVersion._meta.get_field(name).help_text)
            rows.append(TermRow(name, _label(name), help_text, cells))
        groups.append((str(legend), rows))
    return groups


@staff_required
def terms_list(request: HttpRequest) -> HttpResponse:
    """Every lease template with its versions: when each came into use and how many leases were signed under it."""
    templates = (
        LeaseTemplate.objects.visible_to(request.user)
        .prefetch_related(Prefetch("versions", queryset=_versions_with_use().order_by("-version")))
        .order_by("name")
    )
    return render(request, "leases/terms_list.html", {"templates": templates})


@staff_required
def terms_detail(request: HttpRequest, template_pk: int) -> HttpResponse:
    """A template's versions side by side, each change from the version before it marked in words."""
    template = _staff_template(request, template_pk)
    versions = list(_versions_with_use().filter(template=template).order_by("version"))
    # Why each version was made: the reason stamped on its creation.
    created = LeaseTemplateVersion.history.filter(id__in=[v.pk for v in versions], history_type="+")
    reasons = dict(created.values_list("id", "history_change_reason"))
    columns = []
    groups = terms_table(versions)
    for index, version in enumerate(versions):
        changes = sum(1 for _legend, rows in groups for row in rows if row.cells[index].changed)
        columns.append({"version": version, "reason": reasons.get(version.pk) or "", "changes": changes})
    history = history_entries(template.history.select_related("history_user").all())
    return render(
        request,
        "leases/terms_detail.html",
        {"template": template, "columns": columns, "groups": groups, "history": history},
    )


def _terms_context(template: LeaseTemplate, notice: str = "", actions: list[dict[str, str]] | None = None) -> dict:
    return {"terms_template": template, "notice": notice, "actions": actions or []}


@staff_required
def terms_version_create(request: HttpRequest, template_pk: int) -> HttpResponse:
    """A new version of a template's terms, prefilled from its latest; the leases signed before keep theirs."""
    template = _staff_template(request, template_pk)
    latest = template.versions.order_by("-version").first()
    initial = model_to_dict(latest, fields=TERM_FIELDS) if latest else {}
    initial["effective_from"] = clock.today()
    form = TermsForm(request.POST or None, initial=initial)

    def save(cleaned: dict[str, Any]) -> LeaseTemplateVersion:
        # Against the latest version now, in case someone made one since the form was opened.
        current = template.versions.order_by("-version").first()
        return services.template_version_create(
            template=template, actor=request.user, reason=cleaned["change_reason"], **form.changed_terms(current)
        )

    notice = (
        _(
            "Prefilled from version %(version)s. Leases signed under earlier versions keep their terms; "
            "a lease uses these terms only if it is made with this version."
        )
        % {"version": latest.version}
        if latest
        else ""
    )
    return _form_page(
        request,
        form,
        save,
        lease=None,
        title=_("New version of “%(name)s”") % {"name": template.name},
        success=lambda v: _("Version %(version)s of “%(name)s” saved.") % {"version": v.version, "name": template.name},
        next_url=_terms_url(template),
        context=_terms_context(template, notice),
    )


@staff_required
def terms_version_edit(request: HttpRequest, template_pk: int, version_pk: int) -> HttpResponse:
    """Correct a version no lease uses yet. A version in use is never edited: the page offers a new version."""
    template = _staff_template(request, template_pk)
    version = get_object_or_404(_versions_with_use().filter(template=template), pk=version_pk)
    title = _("Edit version %(version)s of “%(name)s”") % {"version": version.version, "name": template.name}
    notice, actions = "", []
    if version.lease_count:
        notice = ngettext(
            "Version %(version)s is in use by %(count)s lease, so its terms cannot change: the lease signed "
            "under it keeps the terms it was signed with. To change the terms, make a new version.",
            "Version %(version)s is in use by %(count)s leases, so its terms cannot change: the leases signed "
            "under it keep the terms they were signed with. To change the terms, make a new version.",
            version.lease_count,
        ) % {"version": version.version, "count": version.lease_count}
        actions = [{"url": reverse("leases:terms_version_create", args=[template.pk]), "label": _("New version")}]
        if request.method != "POST":
            return render(
                request,
                "leases/form_page.html",
                {"form": None, "lease": None, "title": title, **_terms_context(template, notice, actions)},
            )
    form = TermsForm(request.POST or None, initial=model_to_dict(version, fields=TERM_FIELDS))

    def save(cleaned: dict[str, Any]) -> LeaseTemplateVersion:
        # A fresh row: the service counts the leases using it now, and nothing here touches the one shown.
        fresh = LeaseTemplateVersion.objects.get(pk=version.pk)
        return services.template_version_update(
            version=fresh, actor=request.user, reason=cleaned["change_reason"], **form.changed_terms(fresh)
        )

    return _form_page(
        request,
        form,
        save,
        lease=None,
        title=title,
        success=lambda v: _("Version %(version)s of “%(name)s” saved.") % {"version": v.version, "name": template.name},
        next_url=_terms_url(template),
        context=_terms_context(template, notice, actions),
    )


@staff_required
def terms_create(request: HttpRequest) -> HttpResponse:
    """A new lease template with the terms of its version 1, starting from the domain notes' published figures."""
    form = TemplateCreateForm(request.POST or None, initial={"effective_from": clock.today()})

    def save(cleaned: dict[str, Any]) -> LeaseTemplate:
        return services.template_create(
            actor=request.user,
            reason=cleaned["change_reason"],
            name=cleaned["name"],
            description=cleaned["description"],
            **form.terms(),
        )

    return _form_page(
        request,
        form,
        save,
        lease=None,
        title=_("New lease template"),
        success=lambda t: _("Lease template “%(name)s” saved with its version 1.") % {"name": t.name},
        next_url=lambda t: _terms_url(t),
        context={"back_to_terms": True},
    )


# --- The homeowner portal -----------------------------------------------------------------------------------


def _portal_leases(user: Any) -> list[GroundLease]:
    """The user's own leases (never a draft), the active ones first."""
    leases = list(_lease_queryset(user).exclude(status=LeaseStatus.DRAFT).order_by("-pk"))
    return sorted(leases, key=lambda lease: lease.status != LeaseStatus.ACTIVE)


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
    leases = _portal_leases(user)
    if not leases:
        return render(request, "portal/no_lease.html")
    today = clock.today()
    if len(leases) == 1:
        return render(request, "portal/lease.html", portal_context(leases[0], today))
    balances = services.balances_for([lease.pk for lease in leases], as_of=today)
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
    lease = get_object_or_404(_lease_queryset(request.user).exclude(status=LeaseStatus.DRAFT), pk=pk)
    return render(request, "portal/lease.html", portal_context(lease, clock.today()))


def _submittable(request: HttpRequest, pk: int) -> GroundLease:
    return get_object_or_404(
        GroundLease.objects.restrict(request.user, "submit").select_related("unit", "template_version"), pk=pk
    )


def _portal_url(request: HttpRequest, lease: GroundLease) -> str:
    if not roles.is_staff_member(request.user) and len(_portal_leases(request.user)) == 1:
        return reverse("portal:home")
    return reverse("portal:lease", args=[lease.pk])


def portal_certify(request: HttpRequest, pk: int) -> HttpResponse:
    """The annual owner-occupancy certification: the same service staff use (``occupancy_certify``)."""
    lease = _submittable(request, pk)
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

    return _form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Annual occupancy certification"),
        success=lambda r: _("Thank you: your %(year)s certification was sent to the trust.") % {"year": r.year},
        next_url=lambda _r: _portal_url(request, lease),
        template="portal/form_page.html",
    )


def portal_intent_to_sell(request: HttpRequest, pk: int) -> HttpResponse:
    """A notice of intent to sell: the ``intent_to_sell_received`` event, received today through the portal."""
    lease = _submittable(request, pk)
    form = IntentToSellForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> LeaseEvent:
        today = clock.today()
        data: dict[str, Any] = {}
        if cleaned["planned_transfer"]:
            data["planned_transfer"] = cleaned["planned_transfer"]
        if cleaned["details"]:
            data["message"] = cleaned["details"]
        return services.lease_event_record(
            lease=lease,
            kind=EventKind.INTENT_TO_SELL_RECEIVED,
            actor=request.user,
            reason=_("Notice of intent to sell, sent by the homeowner through the portal."),
            effective_on=today,
            sent_on=today,
            received_on=today,
            delivery_method=str(PORTAL_DELIVERY),
            data=data,
        )

    return _form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Notice of intent to sell"),
        success=_("The trust has your notice of intent to sell and will contact you about the next steps."),
        next_url=lambda _e: _portal_url(request, lease),
        template="portal/form_page.html",
    )


# --- The home page panel -------------------------------------------------------------------------------------


def dashboard_panel(request: HttpRequest) -> Panel | None:
    """Staff: how many deadlines and monitoring items are overdue or due within 30 days. Homeowners: their
    balance and next fee."""
    user = request.user
    today = clock.today()
    if roles.is_staff_member(user):
        buckets = {key: items for key, _label, items in due_buckets(due_items(user, today=today, horizon_days=30))}
        return Panel(
            template="leases/_dashboard_panel.html",
            context={"overdue": len(buckets["overdue"]), "due_30": len(buckets["due_30"])},
            order=20,
        )
    if roles.is_homeowner(user):
        leases = [lease for lease in _portal_leases(user) if lease.status == LeaseStatus.ACTIVE]
        if not leases:
            return None
        balances = services.balances_for([lease.pk for lease in leases], as_of=today)
        rows = [{"lease": lease, "balance": balances[lease.pk], "fee": next_fee(lease, today)} for lease in leases]
        return Panel(template="portal/_dashboard_panel.html", context={"rows": rows}, order=5)
    return None
