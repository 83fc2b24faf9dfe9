"""Lease pages: the staff list, the lease's forms, the deadlines dashboard, lease terms, intent to sell."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats
from django.utils.dates import MONTHS
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from clt import clock, roles
from clt.decorators import staff_required
from clt.formats import date_text
from clt.history import history_entries
from clt.models import Organization, Person
from clt.views import form_page
from leases.ledger import selectors as ledger_selectors
from leases.lifecycle import services as lifecycle_services
from leases.lifecycle.choices import DEADLINE_LABELS, EVENT_LABELS, STATE_LABELS, TRACK_LABELS
from leases.lifecycle.filters import GroundLeaseFilterSet
from leases.lifecycle.forms import (
    DETAIL_LABELS,
    LEASE_DETAIL_FIELDS,
    RESTING_STATES,
    TERM_FIELDS,
    TERM_GROUPS,
    DeadlineExtendForm,
    EventForm,
    IntentToSellForm,
    LeaseEditForm,
    LeaseFilterForm,
    LeaseForm,
    TemplateCreateForm,
    TermsForm,
    event_data,
    unit_choices,
    version_choices,
)
from leases.lifecycle.models import (
    Deadline,
    DeadlineStatus,
    GroundLease,
    Household,
    LeaseEvent,
    Leaseholder,
    LeaseTemplate,
    LeaseTemplateVersion,
    TransferMode,
)
from leases.lifecycle.rules import EventKind, LeaseStatus, Track
from leases.lifecycle.selectors import due_buckets, due_items
from leases.resale.wording import money
from properties.models import Unit

PAGE_SIZE = 50
PORTAL_DELIVERY = gettext_lazy("homeowner portal")
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


def lease_queryset(user: Any) -> Any:
    return (
        GroundLease.objects.visible_to(user)
        .select_related("unit", "parcel", "organization", "template_version__template", "household", "fee_schedule")
        .prefetch_related(Prefetch("leaseholders", queryset=Leaseholder.objects.select_related("person")))
    )


def staff_lease(request: HttpRequest, pk: int) -> GroundLease:
    return get_object_or_404(lease_queryset(request.user), pk=pk)


def lease_url(lease: GroundLease, anchor: str = "") -> str:
    url = reverse("leases:lease_detail", args=[lease.pk])
    return f"{url}#{anchor}" if anchor else url


# The tag of a message that the lease page shows inside its ledger section (where the redirect lands).
LEDGER_MESSAGE = "ledger"


def lease_form_page(
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
    message_tags: str = "",
) -> HttpResponse:
    """``clt.views.form_page`` for a lease's form (the event form's ``buyers`` is the service's ``buyer``).

    ``message_tags``: the success message carries these tags, so that the page the redirect lands on can show
    it where the person is brought (``LEDGER_MESSAGE``: in the lease page's ledger section).
    """
    if message_tags:
        saving = save

        def save(cleaned: dict[str, Any]) -> Any:
            result = saving(cleaned)
            text = success(result) if callable(success) else success
            messages.success(request, text, extra_tags=message_tags)
            return result

    return form_page(
        request,
        form,
        save,
        template=template,
        success=None if message_tags else success,
        next_url=next_url,
        context={"lease": lease, "title": title, **(context or {})},
        renames={"buyer": "buyers"},
    )


# --- Batch ledger figures for lists --------------------------------------------------------------------


def next_deadlines_for(lease_ids: Iterable[int], *, today: dt.date) -> dict[int, Deadline]:
    """The earliest open deadline of each lease within the horizon (``CLT["DEADLINE_HORIZON_DAYS"]``), in one
    query. Beyond it nothing comes next: a renewal decades away stays on the lease's page as a date."""
    horizon = today + dt.timedelta(days=settings.CLT["DEADLINE_HORIZON_DAYS"])
    first: dict[int, Deadline] = {}
    open_deadlines = Deadline.objects.filter(lease_id__in=list(lease_ids), status=DeadlineStatus.OPEN, due__lte=horizon)
    for deadline in open_deadlines.order_by("lease_id", "due", "pk"):
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
    balances = ledger_selectors.balances_for(ids, as_of=today)
    next_due = next_deadlines_for(ids, today=today)
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
        "leases/lifecycle/lease_list.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode(), "today": today},
    )


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
    if key in _MONEY_DETAILS:
        try:
            return money(Decimal(str(value)))
        except ArithmeticError:
            return str(value)
    if key in _DATE_DETAILS:
        try:
            return date_text(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    return str(value)


# The event details that hold money ("168000.00" → "$168,000.00") and dates ("2026-12-07" → "Dec. 7, 2026").
_MONEY_DETAILS = frozenset({"amount", "price", "arrears_collected"})
_DATE_DETAILS = frozenset(
    {"mortgagee_received_on", "intended_closing", "planned_transfer", "earliest_transfer", "determined_on"}
    | {"from", "to"}
)


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
        return lifecycle_services.lease_create(
            actor=request.user,
            reason=cleaned["change_reason"],
            unit=cleaned["unit"],
            template_version=cleaned["template_version"],
            leaseholders=list(cleaned["leaseholders"] or []),
            organization=cleaned["organization"],
            monthly_fee=cleaned["monthly_fee"],
            **{name: cleaned[name] for name in LEASE_DETAIL_FIELDS},
        )

    return lease_form_page(
        request,
        form,
        save,
        lease=None,
        title=_("New ground lease"),
        success=_("Draft lease recorded. Record its execution when it is signed and recorded."),
        next_url=lambda lease: lease_url(lease),
    )


@staff_required
def lease_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lease = staff_lease(request, pk)
    form = LeaseEditForm(request.POST or None, instance=lease)
    form.fields["household"].queryset = Household.objects.visible_to(request.user)
    if lease.status != LeaseStatus.DRAFT:
        form.fields["commencement"].disabled = True
        form.fields["commencement"].help_text = _("Fixed once the lease is executed.")

    def save(cleaned: dict[str, Any]) -> GroundLease:
        # A fresh row: the service compares the stored values with the new ones.
        return lifecycle_services.lease_update(
            lease=GroundLease.objects.get(pk=lease.pk),
            actor=request.user,
            reason=cleaned["change_reason"],
            **{name: cleaned[name] for name in LEASE_DETAIL_FIELDS},
        )

    return lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Edit lease details"),
        success=_("Lease details saved."),
        next_url=lease_url(lease),
    )


@staff_required
def event_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a lease event; only the kinds the lease's states allow now are offered."""
    lease = staff_lease(request, pk)
    form = EventForm(
        request.POST or None, lease=lease, people=_people(request.user), organizations=_organizations(request.user)
    )

    def save(cleaned: dict[str, Any]) -> LeaseEvent:
        return lifecycle_services.lease_event_record(
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

    return lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Record an event"),
        success=lambda event: _("%(event)s: recorded.") % {"event": event_label(event.kind)},
        next_url=lease_url(lease, "timeline"),
        template="leases/lifecycle/event_form.html",
    )


@staff_required
def deadline_extend(request: HttpRequest, pk: int, deadline_pk: int) -> HttpResponse:
    lease = staff_lease(request, pk)
    deadline = get_object_or_404(Deadline.objects.visible_to(request.user), pk=deadline_pk, lease=lease)
    form = DeadlineExtendForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> LeaseEvent:
        return lifecycle_services.deadline_extend(
            deadline=deadline,
            new_due=cleaned["new_due"],
            agreed_on=cleaned["agreed_on"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    return lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Extend a deadline"),
        success=lambda event: _("Deadline moved to %(date)s.") % {"date": event.data["to"]},
        next_url=lease_url(lease, "deadlines"),
        context={"deadline": deadline, "deadline_label": deadline_label(deadline.kind)},
    )


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
    return render(request, "leases/lifecycle/deadlines.html", {"sections": sections, "today": today})


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
    return render(request, "leases/lifecycle/terms_list.html", {"templates": templates})


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
        "leases/lifecycle/terms_detail.html",
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
        return lifecycle_services.template_version_create(
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
    return lease_form_page(
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
        return lifecycle_services.template_version_update(
            version=fresh, actor=request.user, reason=cleaned["change_reason"], **form.changed_terms(fresh)
        )

    return lease_form_page(
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
        return lifecycle_services.template_create(
            actor=request.user,
            reason=cleaned["change_reason"],
            name=cleaned["name"],
            description=cleaned["description"],
            **form.terms(),
        )

    return lease_form_page(
        request,
        form,
        save,
        lease=None,
        title=_("New lease template"),
        success=lambda t: _("Lease template “%(name)s” saved with its version 1.") % {"name": t.name},
        next_url=lambda t: _terms_url(t),
        context={"back_to_terms": True},
    )


def portal_leases(user: Any) -> list[GroundLease]:
    """The user's own leases (never a draft), the active ones first."""
    leases = list(lease_queryset(user).exclude(status=LeaseStatus.DRAFT).order_by("-pk"))
    return sorted(leases, key=lambda lease: lease.status != LeaseStatus.ACTIVE)


def submittable_lease(request: HttpRequest, pk: int) -> GroundLease:
    return get_object_or_404(
        GroundLease.objects.restrict(request.user, "submit").select_related("unit", "template_version"), pk=pk
    )


def portal_url(request: HttpRequest, lease: GroundLease) -> str:
    if not roles.is_staff_member(request.user) and len(portal_leases(request.user)) == 1:
        return reverse("portal:home")
    return reverse("portal:lease", args=[lease.pk])


def portal_intent_to_sell(request: HttpRequest, pk: int) -> HttpResponse:
    """A notice of intent to sell: the ``intent_to_sell_received`` event, received today through the portal."""
    lease = submittable_lease(request, pk)
    form = IntentToSellForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> LeaseEvent:
        today = clock.today()
        data: dict[str, Any] = {}
        if cleaned["planned_transfer"]:
            data["planned_transfer"] = cleaned["planned_transfer"]
        if cleaned["details"]:
            data["message"] = cleaned["details"]
        return lifecycle_services.lease_event_record(
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

    return lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Notice of intent to sell"),
        success=_("The trust has your notice of intent to sell and will contact you about the next steps."),
        next_url=lambda _e: portal_url(request, lease),
        template="portal/form_page.html",
    )
