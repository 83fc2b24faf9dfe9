"""Every change to a lease goes through here.

Each service takes the acting user and a reason as keyword arguments, runs in one transaction,
validates (the pure rules of ``lifecycle`` and ``fees``, then ``full_clean()``), stamps
simple-history with who and why, and appends the lease event. An illegal change raises
``ValidationError`` naming the field and the reason, and nothing is written.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from clt import clock, roles
from clt.dates import month_bounds
from clt.history import actor_or_none as _actor_or_none
from clt.history import require_reason, save_stamped
from clt.models import Organization, Person
from leases import fees, lifecycle
from leases.choices import EVENT_LABELS, STATE_LABELS, TRACK_LABELS
from leases.lifecycle import DeadlineKind, EventKind, LeaseStatus, Track
from leases.models import (
    MONITORING_DONE,
    CapitalImprovement,
    Charge,
    ChargeKind,
    ChargeWaiver,
    CreditMethod,
    Deadline,
    DeadlineStatus,
    FeeRate,
    FeeSchedule,
    FeeSuspension,
    GroundLease,
    Household,
    HouseholdMember,
    ImprovementStatus,
    IndexKind,
    IndexSeries,
    IndexValue,
    LeaseEvent,
    Leaseholder,
    LeaseSubsidy,
    LeaseTemplate,
    LeaseTemplateVersion,
    MonitoringKind,
    MonitoringRecord,
    MonitoringStatus,
    Payment,
    PermittedMortgage,
    PolicyStatus,
    ResaleCalculation,
    ResalePolicy,
    ResalePolicyVersion,
    TransferMode,
)
from properties.models import Unit

__all__ = [
    "BillingReport",
    "Determination",
    "IndexLookup",
    "balances_for",
    "bill_month",
    "certification_schedule",
    "charge_add",
    "charge_waive",
    "deadline_extend",
    "fee_rate_change",
    "fee_schedule_update",
    "fee_suspend",
    "household_create",
    "household_update",
    "improvement_approve",
    "improvement_complete",
    "improvement_credit_item",
    "improvement_credit_items",
    "improvement_deny",
    "improvement_request",
    "index_value_in_effect",
    "index_values_import",
    "lease_create",
    "lease_event_record",
    "lease_update",
    "ledger_ageing",
    "ledger_lines",
    "ledger_lines_for",
    "ledger_state",
    "monitoring_create",
    "monitoring_review",
    "occupancy_certify",
    "payment_record",
    "payment_reverse",
    "resale_calculation_determine",
    "resale_calculation_recompute",
    "resale_calculation_save",
    "resale_determination_default_date",
    "resale_determination_preview",
    "resale_policy_create",
    "resale_policy_version_approve",
    "resale_policy_version_create",
    "resale_policy_version_update",
    "template_create",
    "template_version_create",
    "template_version_update",
]

ZERO = Decimal("0")
LEASE_FIELDS = (
    "household",
    "commencement",
    "recording_instrument",
    "recording_book",
    "recording_page",
    "recorded_on",
    "purchase_price",
    "appraisal_date",
    "appraised_value",
    "appraised_land_value",
    "appraised_improvements_value",
    "notes",
)
# Terms that fix the lease's dates: editable while it is a draft, then only by events.
DRAFT_ONLY_FIELDS = ("commencement",)
TEMPLATE_VERSION_FIELDS = tuple(
    f.name
    for f in LeaseTemplateVersion._meta.concrete_fields
    if f.name not in ("id", "template", "version", "created", "last_updated")
)


_require_reason = require_reason


_save = save_stamped


def _not_in_future(value: dt.date | None, field: str) -> None:
    if value is not None and value > clock.today():
        raise ValidationError({field: [_("%(date)s is in the future.") % {"date": value.isoformat()}]})


# --- Households and templates ---------------------------------------------------------------


@transaction.atomic
def household_create(
    *, actor: Any, reason: str, name: str, size: int, people: Sequence[Person] = (), **fields: Any
) -> Household:
    """A household with its people and its income at purchase."""
    reason = _require_reason(reason)
    allowed = {
        k: v for k, v in fields.items() if k in ("income_at_purchase", "area_median_income", "ami_year", "notes")
    }
    household = _save(Household(name=name, size=size, **allowed), actor=actor, reason=reason)
    for person in people:
        HouseholdMember.objects.create(household=household, person=person)
    return household


HOUSEHOLD_FIELDS = ("name", "size", "income_at_purchase", "area_median_income", "ami_year", "notes")


@transaction.atomic
def household_update(
    *, household: Household, actor: Any, reason: str, people: Sequence[Person] | None = None, **fields: Any
) -> Household:
    """Correct a household's facts or its people, with history."""
    reason = _require_reason(reason)
    for name, value in fields.items():
        if name not in HOUSEHOLD_FIELDS:
            raise ValidationError({name: [_("Not a field of a household.")]})
        setattr(household, name, value)
    _save(household, actor=actor, reason=reason)
    if people is not None:
        household.members.exclude(person__in=people).delete()
        for person in people:
            HouseholdMember.objects.get_or_create(household=household, person=person)
    return household


@transaction.atomic
def template_create(*, actor: Any, reason: str, name: str, description: str = "", **terms: Any) -> LeaseTemplate:
    """A new lease template with its version 1: ``terms`` as given, the domain defaults for the rest.

    Version 1 is in use from today unless ``effective_from`` says otherwise. A name already taken, or terms
    that cannot work, raise ``ValidationError`` on that field and neither the template nor the version is kept.
    """
    reason = _require_reason(reason)
    template = _save(LeaseTemplate(name=name, description=description or ""), actor=actor, reason=reason)
    terms.setdefault("effective_from", clock.today())
    template_version_create(template=template, actor=actor, reason=reason, **terms)
    return template


@transaction.atomic
def template_version_create(*, template: Any, actor: Any, reason: str, **terms: Any) -> LeaseTemplateVersion:
    """A new version of a lease template: terms default to those of the latest version, then the domain defaults."""
    reason = _require_reason(reason)
    unknown = sorted(set(terms) - set(TEMPLATE_VERSION_FIELDS))
    if unknown:
        raise ValidationError({unknown[0]: [_("Not a term of a lease template.")]})
    latest = template.versions.order_by("-version").first()
    values = {name: getattr(latest, name) for name in TEMPLATE_VERSION_FIELDS} if latest else {}
    values["effective_from"] = clock.today()  # a new version is in use from today unless told otherwise
    values.update(terms)
    version = LeaseTemplateVersion(template=template, version=(latest.version + 1) if latest else 1, **values)
    return _save(version, actor=actor, reason=reason)


@transaction.atomic
def template_version_update(
    *, version: LeaseTemplateVersion, actor: Any, reason: str, **terms: Any
) -> LeaseTemplateVersion:
    """Correct a version no lease uses yet. A version in use is never edited: make a new one."""
    reason = _require_reason(reason)
    in_use = version.leases.count()
    if in_use:
        raise ValidationError(
            {
                "version": [
                    _(
                        "Version %(version)s is in use by %(count)s lease(s) and cannot change; "
                        "create a new version with the new terms."
                    )
                    % {"version": version.version, "count": in_use}
                ]
            }
        )
    for name, value in terms.items():
        if name not in TEMPLATE_VERSION_FIELDS:
            raise ValidationError({name: [_("Not a term of a lease template.")]})
        setattr(version, name, value)
    return _save(version, actor=actor, reason=reason)


# --- Leases -----------------------------------------------------------------------------------


@transaction.atomic
def lease_create(
    *,
    actor: Any,
    reason: str,
    unit: Unit,
    template_version: LeaseTemplateVersion,
    leaseholders: Sequence[Person] = (),
    organization: Organization | None = None,
    monthly_fee: Decimal | None = None,
    subsidies: Iterable[tuple[str, Decimal]] = (),
    predecessor: GroundLease | None = None,
    fee_effective: dt.date | None = None,
    **fields: Any,
) -> GroundLease:
    """A draft lease of the land under ``unit``, with its fee schedule copied from the template's terms."""
    reason = _require_reason(reason)
    people = list(dict.fromkeys(leaseholders))
    if organization is not None and people:
        raise ValidationError(
            {"leaseholders": [_("A lease is held either by people or by an organisation, not both.")]}
        )
    lease = GroundLease(
        unit=unit,
        parcel_id=unit.parcel_id,
        template_version=template_version,
        organization=organization,
        predecessor=predecessor,
        **{k: v for k, v in fields.items() if k in LEASE_FIELDS},
    )
    _save(lease, actor=actor, reason=reason)
    for person in people:
        _save(Leaseholder(lease=lease, person=person), actor=actor, reason=reason)
    for source, amount in subsidies:
        _save(LeaseSubsidy(lease=lease, source=source, amount=amount), actor=actor, reason=reason)
    schedule = FeeSchedule(lease=lease, **{f: getattr(template_version, f) for f in FeeSchedule.LATE_FEE_FIELDS})
    _save(schedule, actor=actor, reason=reason)
    amount = template_version.default_monthly_fee if monthly_fee is None else monthly_fee
    effective = fee_effective or lease.commencement or clock.today()
    _save(FeeRate(schedule=schedule, effective=effective, amount=amount, reason=reason), actor=actor, reason=reason)
    return lease


@transaction.atomic
def lease_update(*, lease: GroundLease, actor: Any, reason: str, **fields: Any) -> GroundLease:
    """Edit a lease's descriptive fields and recording details; states change only through events."""
    reason = _require_reason(reason)
    for name, value in fields.items():
        if name not in LEASE_FIELDS:
            raise ValidationError({name: [_("This field changes only through a lease event.")]})
        if name in DRAFT_ONLY_FIELDS and lease.status != LeaseStatus.DRAFT and value != getattr(lease, name):
            raise ValidationError({name: [_("The commencement is fixed once the lease is executed.")]})
        setattr(lease, name, value)
    return _save(lease, actor=actor, reason=reason)


def _lease_for_update(lease: GroundLease) -> GroundLease:
    # Two clerks recording events on one lease at once must not both pass the same guard.
    return GroundLease.objects.select_for_update().select_related("template_version", "unit").get(pk=lease.pk)


def _snapshot(lease: GroundLease) -> lifecycle.LeaseSnapshot:
    return lifecycle.LeaseSnapshot(
        status=lease.status,
        compliance=lease.compliance_state,
        financing=lease.financing_state,
        transfer=lease.transfer_state,
    )


STATE_FIELDS = {
    Track.LEASE: "status",
    Track.COMPLIANCE: "compliance_state",
    Track.FINANCING: "financing_state",
    Track.TRANSFER: "transfer_state",
}


def _check_transition(lease: GroundLease, kind: str) -> lifecycle.EventRule:
    """The rule for ``kind`` if the lease's states allow it, else a translated refusal naming both."""
    try:
        return lifecycle.check_transition(_snapshot(lease), kind)
    except lifecycle.TransitionError:
        pass
    rule = _rule_for(kind)
    if kind == EventKind.DEADLINE_EXTENDED:
        message = _("“%(kind)s” is recorded by extending the deadline (POST deadlines/{id}/extend/).") % {
            "kind": EVENT_LABELS[kind]
        }
    elif rule is None:
        message = _("Unknown event kind “%(kind)s”.") % {"kind": kind}
    elif rule.lease_must_be_active and lease.status != LeaseStatus.ACTIVE:
        message = _("The lease is %(status)s; “%(kind)s” needs an active lease.") % {
            "status": str(STATE_LABELS[Track.LEASE][lease.status]).lower(),
            "kind": EVENT_LABELS[rule.kind],
        }
    else:
        state = getattr(lease, STATE_FIELDS[rule.track])
        message = _("“%(kind)s” is not possible while %(track)s is “%(state)s” (it needs: %(needed)s).") % {
            "kind": EVENT_LABELS[rule.kind],
            "track": str(TRACK_LABELS[rule.track]).lower(),
            "state": STATE_LABELS[rule.track][state],
            "needed": ", ".join(str(STATE_LABELS[rule.track][s]) for s in sorted(rule.sources)),
        }
    raise ValidationError({"kind": [message]})


def _rule_for(kind: str) -> lifecycle.EventRule | None:
    return lifecycle.EVENTS.get(kind) if kind in lifecycle.EventKind._value2member_map_ else None


def _check_submitter(lease: GroundLease, kind: str, actor: Any) -> None:
    # Defence in depth: the views check this too, but a homeowner may only start the workflows the
    # rules open to them, and only on their own lease, whoever calls the service.
    user = _actor_or_none(actor)
    if user is None or roles.is_staff_member(user):
        return
    rule = _rule_for(kind)
    if rule is None or rule.staff_only or not GroundLease.objects.restrict(user, "submit").filter(pk=lease.pk).exists():
        raise PermissionDenied(_("Only the trust's staff may record this event."))


def _date_from_data(data: dict[str, Any], key: str) -> dt.date:
    value = data.get(key)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({f"data.{key}": [_("Enter a date as YYYY-MM-DD.")]}) from None


def _decimal_from_data(data: dict[str, Any], key: str) -> Decimal:
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


def _open_deadline(lease: GroundLease, kind: DeadlineKind) -> Deadline | None:
    return lease.deadlines.filter(kind=kind, status=DeadlineStatus.OPEN).order_by("-due", "-pk").first()


def _people_from_data(data: dict[str, Any], key: str) -> list[Person]:
    ids = data.get(key)
    if not isinstance(ids, list) or not ids:
        raise ValidationError({f"data.{key}": [_("Name at least one person (a list of person ids).")]})
    people = list(Person.objects.filter(pk__in=ids))
    if len(people) != len(set(ids)):
        raise ValidationError({f"data.{key}": [_("Unknown person id.")]})
    return people


@transaction.atomic
def lease_event_record(
    *,
    lease: GroundLease,
    kind: EventKind | str,
    actor: Any,
    reason: str,
    effective_on: dt.date | None = None,
    sent_on: dt.date | None = None,
    received_on: dt.date | None = None,
    delivery_method: str = "",
    data: dict[str, Any] | None = None,
) -> LeaseEvent:
    """Record one event: check it is allowed now, move the track, open and settle deadlines, append the event."""
    reason = _require_reason(reason)
    data = dict(data or {})
    lease = _lease_for_update(lease)
    _check_submitter(lease, kind, actor)
    rule = _check_transition(lease, kind)
    effective_on = effective_on or received_on or clock.today()
    for name, value in (("received_on", received_on), ("sent_on", sent_on), ("effective_on", effective_on)):
        _not_in_future(value, name)
    if rule.needs_receipt and received_on is None:
        raise ValidationError({"received_on": [_("Deadlines count from receipt: give the date it was received.")]})
    if sent_on and received_on and received_on < sent_on:
        raise ValidationError({"received_on": [_("A notice cannot be received before it was sent.")]})
    for key in rule.data_required:
        if data.get(key) in (None, "", []):
            raise ValidationError({f"data.{key}": [_("This detail is required for %(kind)s.") % {"kind": rule.kind}]})
    for deadline_kind in rule.after:
        deadline = _open_deadline(lease, deadline_kind) or (
            lease.deadlines.filter(kind=deadline_kind).order_by("-due").first()
        )
        if deadline is None or effective_on <= deadline.due:
            due = deadline.due.isoformat() if deadline else _("not set")
            raise ValidationError(
                {
                    "effective_on": [
                        _("%(kind)s is possible only after the %(deadline)s deadline (%(due)s) has passed.")
                        % {"kind": rule.kind, "deadline": deadline_kind.replace("_", " "), "due": due}
                    ]
                }
            )

    state_field = STATE_FIELDS[rule.track]
    from_state = getattr(lease, state_field)
    anchor_override: dict[str, dt.date] = {}
    after_save: list[Callable[[LeaseEvent], None]] = []
    handler = _HANDLERS.get(rule.kind)
    if handler is not None:
        handler(
            lease,
            data=data,
            effective_on=effective_on,
            received_on=received_on,
            actor=actor,
            reason=reason,
            anchors=anchor_override,
            after_save=after_save,
        )
    if rule.target is not None:
        setattr(lease, state_field, rule.target)
    to_state = getattr(lease, state_field)
    _save(lease, actor=actor, reason=reason)

    event = LeaseEvent.objects.create(
        lease=lease,
        track=rule.track,
        kind=rule.kind,
        from_state=from_state,
        to_state=to_state,
        effective_on=effective_on,
        sent_on=sent_on,
        received_on=received_on,
        delivery_method=delivery_method,
        data=_jsonable(data),
        reason=reason,
        actor=_actor_or_none(actor),
    )
    for deadline_kind in rule.settles:
        for deadline in lease.deadlines.filter(kind=deadline_kind, status=DeadlineStatus.OPEN):
            _settle(deadline, event, actor=actor, reason=reason)
    template = lease.template_version
    for opening in rule.opens:
        if opening.anchor == "received":
            anchor = anchor_override.get(opening.kind.value, received_on)
        elif opening.anchor == "effective":
            anchor = effective_on
        else:
            anchor = _date_from_data(data, opening.anchor)
        days = template.days(opening.days_field)
        _open(lease, opening.kind, anchor, days, lifecycle.deadline_due(opening, days, anchor), event, actor, reason)
    for callback in after_save:
        callback(event)
    return event


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if isinstance(value, dt.date | Decimal):
            value = str(value) if isinstance(value, Decimal) else value.isoformat()
        out[key] = value
    return out


def _open(
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
    return _save(deadline, actor=actor, reason=reason)


def _settle(
    deadline: Deadline, event: LeaseEvent | None, *, actor: Any, reason: str, on: dt.date | None = None
) -> None:
    on = on or (event.effective_on if event else clock.today())
    deadline.status = DeadlineStatus.MET if on <= deadline.due else DeadlineStatus.MISSED
    deadline.settled_by = event
    deadline.settled_on = on
    _save(deadline, actor=actor, reason=reason)


def _cancel_open_deadlines(lease: GroundLease, *, actor: Any, reason: str, on: dt.date) -> None:
    """A lease that ends owes no more deadlines or monitoring (its arrears stay on the ledger)."""
    for deadline in lease.deadlines.filter(status=DeadlineStatus.OPEN):
        deadline.status = DeadlineStatus.CANCELLED
        deadline.settled_on = on
        _save(deadline, actor=actor, reason=reason)
    for record in lease.monitoring.exclude(status__in=MONITORING_DONE):
        record.status = MonitoringStatus.WAIVED
        record.completed_on = on
        _save(record, actor=actor, reason=reason)


# Handlers: the side effects of an event beyond moving its track. Each may refuse with a
# ValidationError; all run inside the event's transaction.


def _on_executed(lease: GroundLease, *, effective_on, actor, reason, after_save, **_rest: Any) -> None:
    if not lease.organization_id and not lease.leaseholders.exists():
        raise ValidationError({"leaseholders": [_("Name the leaseholder(s) before executing the lease.")]})
    if lease.commencement is None:
        lease.commencement = effective_on
    if not (lease.recording_instrument or (lease.recording_book and lease.recording_page)):
        raise ValidationError(
            {"recording_instrument": [_("Record the lease (instrument number, or book and page) before executing it.")]}
        )
    template = lease.template_version
    lease.term_end = lifecycle.add_years(lease.commencement, template.term_years)

    def open_lease_deadlines(event: LeaseEvent) -> None:
        _open_term_deadlines(lease, event, actor=actor, reason=reason)
        _first_certification(lease, actor=actor, reason=reason)

    after_save.append(open_lease_deadlines)


def _first_certification(lease: GroundLease, *, actor: Any, reason: str) -> MonitoringRecord:
    # The first certification falls due after the lease starts: a lease signed in March is not
    # overdue for a January deadline. A lease recorded long after it began starts with this year's.
    year = max(lease.commencement.year, clock.today().year)
    if _certification_due(lease, year) < lease.commencement:
        year += 1
    return certification_schedule(lease=lease, year=year, actor=actor, reason=reason)


def _open_term_deadlines(lease: GroundLease, event: LeaseEvent, *, actor: Any, reason: str) -> None:
    template = lease.template_version
    _open(lease, DeadlineKind.TERM_END, lease.commencement, None, lease.term_end, event, actor, reason)
    if lease.renewals_used < template.renewal_terms:
        notice = lifecycle.add_days(lease.term_end, -template.renewal_notice_days)
        _open(lease, DeadlineKind.RENEWAL_NOTICE, lease.commencement, None, notice, event, actor, reason)


def _on_renewed(lease: GroundLease, *, actor, reason, after_save, **_rest: Any) -> None:
    template = lease.template_version
    if lease.renewals_used >= template.renewal_terms:
        raise ValidationError(
            {"kind": [_("This lease allows %(n)s renewal(s) and all have been used.") % {"n": template.renewal_terms}]}
        )
    lease.renewals_used += 1
    lease.term_end = lifecycle.add_years(lease.term_end, template.renewal_term_years)

    def reopen(event: LeaseEvent) -> None:
        for deadline in lease.deadlines.filter(
            kind__in=(DeadlineKind.TERM_END, DeadlineKind.RENEWAL_NOTICE), status=DeadlineStatus.OPEN
        ):
            deadline.status = DeadlineStatus.CANCELLED
            deadline.settled_by = event
            deadline.settled_on = event.effective_on
            _save(deadline, actor=actor, reason=reason)
        _open_term_deadlines(lease, event, actor=actor, reason=reason)

    after_save.append(reopen)


def _on_lease_end(lease: GroundLease, *, effective_on, actor, reason, after_save, **_rest: Any) -> None:
    lease.ended_on = effective_on
    after_save.append(lambda event: _cancel_open_deadlines(lease, actor=actor, reason=reason, on=effective_on))


def _on_terminated(lease: GroundLease, *, effective_on, **kwargs: Any) -> None:
    state = lease.compliance_state
    has_mortgage = lease.mortgages.filter(released_on__isnull=True).exists()
    if state == lifecycle.ComplianceState.DEFAULT_UNCURED and has_mortgage:
        raise ValidationError(
            {
                "kind": [
                    _(
                        "Termination needs the permitted mortgagee's consent or the end of its objection window: "
                        "give it notice of the termination first."
                    )
                ]
            }
        )
    if state == lifecycle.ComplianceState.DEFAULT_UNCURED:
        pass  # no permitted mortgagee to ask
    elif state == lifecycle.ComplianceState.TERMINATION_PENDING:
        answer = (
            lease.events.filter(kind__in=(EventKind.MORTGAGEE_CONSENTED, EventKind.MORTGAGEE_OBJECTED))
            .order_by("-pk")
            .values_list("kind", flat=True)
            .first()
        )
        consented = answer == EventKind.MORTGAGEE_CONSENTED
        window = _open_deadline(lease, DeadlineKind.MORTGAGEE_OBJECTION)
        lapsed = window is not None and effective_on > window.due
        if not (consented or lapsed):
            raise ValidationError(
                {
                    "kind": [
                        _(
                            "Termination needs the permitted mortgagee's consent or the end of its objection "
                            "window (%(due)s)."
                        )
                        % {"due": window.due.isoformat() if window else _("not opened")}
                    ]
                }
            )
    else:
        raise ValidationError(
            {
                "kind": [
                    _("A lease is terminated only for an uncured default (compliance is %(state)s).") % {"state": state}
                ]
            }
        )
    _on_lease_end(lease, effective_on=effective_on, **kwargs)


def _on_default_notice(lease: GroundLease, *, data, received_on, anchors, **_rest: Any) -> None:
    # The cure period runs from notice to the owner AND the permitted mortgagee (CHT-NC §12.1):
    # it starts when the later of the two received it.
    if lease.mortgages.filter(released_on__isnull=True).exists():
        if not data.get("mortgagee_received_on"):
            raise ValidationError(
                {
                    "data.mortgagee_received_on": [
                        _("A copy must go to the permitted mortgagee: give the date it received it.")
                    ]
                }
            )
        mortgagee = _date_from_data(data, "mortgagee_received_on")
        _not_in_future(mortgagee, "data.mortgagee_received_on")
        anchors[DeadlineKind.CURE.value] = max(received_on, mortgagee)


def _on_consent_requested(lease: GroundLease, *, data, received_on, **_rest: Any) -> None:
    closing = _date_from_data(data, "intended_closing")
    lead = lease.template_version.mortgage_consent_lead_days
    latest = lifecycle.add_days(closing, -lead)
    if received_on > latest:
        raise ValidationError(
            {
                "received_on": [
                    _("The lease needs the request %(days)s days before closing, by %(latest)s.")
                    % {"days": lead, "latest": latest.isoformat()}
                ]
            }
        )
    _decimal_from_data(data, "amount")
    _lender(data)


def _lender(data: dict[str, Any]) -> Organization:
    try:
        return Organization.objects.get(pk=data.get("lender"))
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"data.lender": [_("Unknown lender (an organisation id).")]}) from None


def _on_consent_approved(lease: GroundLease, *, effective_on, actor, reason, **_rest: Any) -> None:
    request = lease.events.filter(kind=EventKind.MORTGAGE_CONSENT_REQUESTED).order_by("-pk").first()
    active = lease.mortgages.filter(released_on__isnull=True).count()
    mortgage = PermittedMortgage(
        lease=lease,
        lender=_lender(request.data),
        amount=_decimal_from_data(request.data, "amount"),
        lien_position=int(request.data.get("lien_position") or active + 1),
        approved_on=effective_on,
    )
    _save(mortgage, actor=actor, reason=reason)


def _on_consent_denied(lease: GroundLease, **_rest: Any) -> None:
    has_mortgage = lease.mortgages.filter(released_on__isnull=True).exists()
    lease.financing_state = (
        lifecycle.FinancingState.PERMITTED_MORTGAGE if has_mortgage else lifecycle.FinancingState.NO_MORTGAGE
    )


def _on_mortgage_released(lease: GroundLease, *, data, effective_on, actor, reason, **_rest: Any) -> None:
    active = lease.mortgages.filter(released_on__isnull=True)
    if data.get("mortgage"):
        active = active.filter(pk=data["mortgage"])
    elif active.count() > 1:
        raise ValidationError({"data.mortgage": [_("This lease has several mortgages: say which was released.")]})
    mortgage = active.first()
    if mortgage is None:
        raise ValidationError({"data.mortgage": [_("No such mortgage on this lease.")]})
    mortgage.released_on = effective_on
    _save(mortgage, actor=actor, reason=reason)
    if not lease.mortgages.filter(released_on__isnull=True).exists():
        lease.financing_state = lifecycle.FinancingState.NO_MORTGAGE


def _release_all_mortgages(lease: GroundLease, *, on: dt.date, actor: Any, reason: str) -> None:
    for mortgage in lease.mortgages.filter(released_on__isnull=True):
        mortgage.released_on = on
        _save(mortgage, actor=actor, reason=reason)


def _on_foreclosure_end(lease: GroundLease, *, data, effective_on, actor, reason, after_save, **kwargs: Any) -> None:
    # The leasehold passes to the trust (it paid the balance due) or to the foreclosure buyer:
    # this lease ends as assigned; the next holder's lease is made like any other.
    if "price" in data:
        data["price"] = str(_decimal_from_data(data, "price"))
    _release_all_mortgages(lease, on=effective_on, actor=actor, reason=reason)
    lease.status = LeaseStatus.ASSIGNED
    _on_lease_end(lease, effective_on=effective_on, actor=actor, reason=reason, after_save=after_save)


def _on_buyer_under_contract(lease: GroundLease, *, data, **_rest: Any) -> None:
    if data.get("buyer_income_certified") is not True:
        raise ValidationError(
            {"data.buyer_income_certified": [_("Only an income-certified buyer may be put under contract.")]}
        )
    data["price"] = str(_decimal_from_data(data, "price"))


def _successor(
    lease: GroundLease,
    *,
    people: list[Person],
    effective_on: dt.date,
    price: Decimal | None,
    actor: Any,
    reason: str,
    mode: str | None = None,
) -> GroundLease:
    """The next holder's lease: an assignment of the remaining term or a new lease, per the template."""
    template = lease.template_version
    mode = mode or template.transfer_mode
    rate = lease.fee_schedule.rates.filter(effective__lte=effective_on).order_by("-effective").first()
    if mode == TransferMode.ASSIGN:
        version, commencement = template, lease.commencement
    else:
        version = template.template.versions.filter(effective_from__lte=effective_on).order_by("-version").first()
        version = version or template
        commencement = effective_on
    successor = lease_create(
        actor=actor,
        reason=reason,
        unit=lease.unit,
        template_version=version,
        leaseholders=people,
        predecessor=lease,
        monthly_fee=rate.amount if rate else None,
        commencement=commencement,
        purchase_price=price,
        subsidies=[(s.source, s.amount) for s in lease.subsidies.filter(stays_with_home=True)],
        fee_effective=effective_on,
    )
    successor.status = LeaseStatus.ACTIVE
    successor.renewals_used = lease.renewals_used if mode == TransferMode.ASSIGN else 0
    successor.term_end = (
        lease.term_end if mode == TransferMode.ASSIGN else lifecycle.add_years(commencement, version.term_years)
    )
    successor.recording_instrument = lease.recording_instrument if mode == TransferMode.ASSIGN else ""
    _save(successor, actor=actor, reason=reason)
    executed = LeaseEvent.objects.create(
        lease=successor,
        track=Track.LEASE,
        kind=EventKind.EXECUTED,
        from_state=LeaseStatus.DRAFT,
        to_state=LeaseStatus.ACTIVE,
        effective_on=effective_on,
        data={"predecessor": lease.pk, "mode": mode},
        reason=reason,
        actor=_actor_or_none(actor),
    )
    _open_term_deadlines(successor, executed, actor=actor, reason=reason)
    _first_certification(successor, actor=actor, reason=reason)
    return successor


def _on_sale_closed(lease: GroundLease, *, data, effective_on, actor, reason, after_save, **_rest: Any) -> None:
    buyers = _people_from_data(data, "buyers")
    price = _decimal_from_data(data, "price")
    data["price"] = str(price)
    arrears = _decimal_from_data(data, "arrears_collected") if data.get("arrears_collected") else Decimal("0")
    _release_all_mortgages(lease, on=effective_on, actor=actor, reason=reason)
    mode = lease.template_version.transfer_mode
    lease.status = LeaseStatus.ASSIGNED if mode == TransferMode.ASSIGN else LeaseStatus.SUPERSEDED
    lease.ended_on = effective_on
    lease.financing_state = lifecycle.FinancingState.NO_MORTGAGE

    def make_successor(event: LeaseEvent) -> None:
        _cancel_open_deadlines(lease, actor=actor, reason=reason, on=effective_on)
        if arrears:
            payment_record(
                lease=lease,
                amount=arrears,
                received_on=effective_on,
                method="closing",
                reference=_("Collected at sale"),
                actor=actor,
                reason=reason,
            )
        _successor(lease, people=buyers, effective_on=effective_on, price=price, actor=actor, reason=reason)

    after_save.append(make_successor)


def _on_heir_assumed(lease: GroundLease, *, data, effective_on, actor, reason, after_save, **_rest: Any) -> None:
    heirs = _people_from_data(data, "heirs")
    lease.status = LeaseStatus.ASSIGNED
    lease.ended_on = effective_on

    def make_successor(event: LeaseEvent) -> None:
        _cancel_open_deadlines(lease, actor=actor, reason=reason, on=effective_on)
        # An heir takes the remaining term whatever the resale mode: an inheritance is not a sale.
        _successor(
            lease,
            people=heirs,
            effective_on=effective_on,
            price=None,
            actor=actor,
            reason=reason,
            mode=TransferMode.ASSIGN,
        )

    after_save.append(make_successor)


def _on_owner_died(lease: GroundLease, *, data, **_rest: Any) -> None:
    person = data.get("person")
    if not lease.leaseholders.filter(person_id=person).exists():
        raise ValidationError({"data.person": [_("This person is not a leaseholder of this lease.")]})


def _on_intent_to_sell(lease: GroundLease, *, data, received_on, **_rest: Any) -> None:
    # The lease wants N days' notice before a transfer. A notice is never refused for coming
    # late (that would lose it); it records the earliest date the transfer may happen.
    earliest = lifecycle.add_days(received_on, lease.template_version.intended_transfer_notice_days)
    data["earliest_transfer"] = earliest.isoformat()
    if data.get("planned_transfer"):
        planned = _date_from_data(data, "planned_transfer")
        data["planned_transfer"] = planned.isoformat()
        data["planned_transfer_too_soon"] = planned < earliest


def _on_resale_agreement_signed(lease: GroundLease, *, data, **_rest: Any) -> None:
    # The agreement may name the saved determination it accepts (issue 4 §4): it must be this lease's, and its
    # price goes into the event, so the timeline and the option notice read the figure agreed.
    if data.get("calculation") in (None, ""):
        return
    value = data["calculation"]
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        raise ValidationError({"data.calculation": [_("Give the number of a saved resale calculation.")]})
    number = int(value)
    calculation = ResaleCalculation.objects.filter(pk=number).first()
    if calculation is None:
        raise ValidationError({"data.calculation": [_("There is no saved resale calculation %(n)s.") % {"n": number}]})
    if calculation.lease_id != lease.pk:
        raise ValidationError(
            {
                "data.calculation": [
                    _("Resale calculation %(n)s was made for lease %(other)s, not for this lease (%(lease)s).")
                    % {"n": number, "other": calculation.lease_id, "lease": lease.pk}
                ]
            }
        )
    data["calculation"] = calculation.pk
    data["price"] = str(calculation.price)
    data["determined_on"] = calculation.determination_date.isoformat()


_HANDLERS: dict[EventKind, Callable[..., None]] = {
    EventKind.EXECUTED: _on_executed,
    EventKind.RENEWED: _on_renewed,
    EventKind.EXPIRED: _on_lease_end,
    EventKind.TERMINATED: _on_terminated,
    EventKind.DEFAULT_NOTICE_SENT: _on_default_notice,
    EventKind.MORTGAGE_CONSENT_REQUESTED: _on_consent_requested,
    EventKind.MORTGAGE_CONSENT_APPROVED: _on_consent_approved,
    EventKind.MORTGAGE_CONSENT_DENIED: _on_consent_denied,
    EventKind.MORTGAGE_RELEASED: _on_mortgage_released,
    EventKind.CLT_PURCHASED_LEASEHOLD: _on_foreclosure_end,
    EventKind.FORECLOSURE_SALE: _on_foreclosure_end,
    EventKind.BUYER_UNDER_CONTRACT: _on_buyer_under_contract,
    EventKind.SALE_CLOSED: _on_sale_closed,
    EventKind.HEIR_ASSUMED: _on_heir_assumed,
    EventKind.OWNER_DIED: _on_owner_died,
    EventKind.INTENT_TO_SELL_RECEIVED: _on_intent_to_sell,
    EventKind.RESALE_AGREEMENT_SIGNED: _on_resale_agreement_signed,
}


@transaction.atomic
def deadline_extend(*, deadline: Deadline, new_due: dt.date, agreed_on: dt.date, actor: Any, reason: str) -> LeaseEvent:
    """Move a deadline by written agreement; the original date is kept and the extension is an event."""
    reason = _require_reason(reason)
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if deadline.status != DeadlineStatus.OPEN:
        raise ValidationError({"deadline": [_("Only an open deadline can be extended.")]})
    if new_due <= deadline.due:
        raise ValidationError(
            {"new_due": [_("An extension must move the deadline later than %(due)s.") % {"due": deadline.due}]}
        )
    _not_in_future(agreed_on, "agreed_on")
    event = LeaseEvent.objects.create(
        lease=deadline.lease,
        track=Track.LEASE,
        kind=EventKind.DEADLINE_EXTENDED,
        effective_on=agreed_on,
        data={
            "deadline": deadline.pk,
            "kind": deadline.kind,
            "from": deadline.due.isoformat(),
            "to": new_due.isoformat(),
        },
        reason=reason,
        actor=_actor_or_none(actor),
    )
    deadline.due = new_due
    _save(deadline, actor=actor, reason=reason)
    return event


# --- Monitoring ---------------------------------------------------------------------------------


def _certification_due(lease: GroundLease, year: int) -> dt.date:
    template = lease.template_version
    last = calendar.monthrange(year, template.certification_month)[1]
    return dt.date(year, template.certification_month, min(template.certification_day, last))


def certification_schedule(*, lease: GroundLease, year: int, actor: Any, reason: str) -> MonitoringRecord:
    """The year's owner-occupancy certification request (one per lease and year)."""
    record, _created = MonitoringRecord.objects.get_or_create(
        lease=lease,
        kind=MonitoringKind.OCCUPANCY_CERTIFICATION,
        year=year,
        defaults={"due": _certification_due(lease, year)},
    )
    return record


@transaction.atomic
def monitoring_create(
    *, lease: GroundLease, kind: str, actor: Any, reason: str, due: dt.date | None = None, **fields: Any
) -> MonitoringRecord:
    """A monitoring item with a due date. Inspections keep the lease's limits: notice and at most N a year."""
    reason = _require_reason(reason)
    if kind == MonitoringKind.IMPROVEMENT_REQUEST:
        # Kept only for records made before improvements had their own model.
        raise ValidationError({"kind": [_("Record an improvement request as a capital improvement.")]})
    record = MonitoringRecord(lease=lease, kind=kind, due=due, **fields)
    if kind == MonitoringKind.INSPECTION:
        _check_inspection(lease, record)
    if kind == MonitoringKind.OCCUPANCY_CERTIFICATION and record.year is None:
        record.year = (due or clock.today()).year
    return _save(record, actor=actor, reason=reason)


def _check_inspection(lease: GroundLease, record: MonitoringRecord) -> None:
    template = lease.template_version
    if record.scheduled_for is None or record.notice_sent_at is None:
        raise ValidationError({"scheduled_for": [_("An inspection needs its date and the date notice was given.")]})
    notice = record.scheduled_for - record.notice_sent_at
    if notice < dt.timedelta(hours=template.inspection_notice_hours):
        raise ValidationError(
            {
                "scheduled_for": [
                    _("The lease requires %(hours)s hours' notice of an inspection.")
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
                    _("The lease allows %(n)s inspection(s) in 12 months; one is already scheduled since %(since)s.")
                    % {"n": template.inspections_per_year, "since": window_start.date().isoformat()}
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
    reason = _require_reason(reason)
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
    return _save(record, actor=actor, reason=reason)


@transaction.atomic
def monitoring_review(*, record: MonitoringRecord, status: str, actor: Any, reason: str) -> MonitoringRecord:
    """Staff accept, reject (needs follow-up) or waive a monitoring item."""
    reason = _require_reason(reason)
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
    return _save(record, actor=actor, reason=reason)


# --- The fee ledger -----------------------------------------------------------------------------


def _rates(schedule: FeeSchedule) -> list[fees.Rate]:
    return [fees.Rate(effective=r.effective, amount=r.amount) for r in schedule.rates.all()]


def _increase_problem_text(problem: fees.IncreaseProblem) -> str:
    texts = {
        "same_date": _("A rate already takes effect on %(latest)s."),
        "out_of_order": _("%(date)s is before the latest rate in the schedule, effective %(latest)s."),
        "from_zero": _("An increase from 0.00 to %(new)s exceeds the cap of %(cap)s a year."),
        "over_cap": _("An increase of %(increase)s (from %(old)s to %(new)s) exceeds the cap of %(cap)s a year."),
        "too_many": _("The fee was already raised on %(earlier)s; at most %(limit)s increase(s) in 12 months."),
    }
    text = texts.get(problem.code)
    if problem.code == "too_many" and not problem.params.get("earlier"):
        text = _("At most %(limit)s increase(s) in 12 months: the fee may not be raised.")
    return text % dict(problem.params) if text else problem.reason


@transaction.atomic
def fee_rate_change(*, lease: GroundLease, effective: dt.date, amount: Decimal, actor: Any, reason: str) -> FeeRate:
    """A new monthly fee from ``effective`` on; increases are checked against the lease's cap."""
    reason = _require_reason(reason)
    schedule = FeeSchedule.objects.select_for_update().get(lease=lease)
    history = _rates(schedule)
    problems = fees.check_increase(
        history,
        fees.Rate(effective=effective, amount=amount),
        max_increase_pct=schedule.max_increase_pct / 100 if schedule.max_increase_pct is not None else None,
        max_increases_per_year=schedule.max_increases_per_year,
    )
    if problems:
        raise ValidationError({p.field: [_increase_problem_text(p)] for p in problems})
    if schedule.rates.filter(effective=effective).exists():
        raise ValidationError({"effective": [_("A rate already starts on %(date)s.") % {"date": effective}]})
    billed = lease.charges.filter(kind=ChargeKind.FEE, due__gte=effective).order_by("due").first()
    if billed is not None:
        raise ValidationError(
            {
                "effective": [
                    _("The month due %(due)s is already billed; a change can start after it.") % {"due": billed.due}
                ]
            }
        )
    return _save(
        FeeRate(schedule=schedule, effective=effective, amount=amount, reason=reason), actor=actor, reason=reason
    )


@transaction.atomic
def fee_suspend(*, lease: GroundLease, start: dt.date, end: dt.date | None, actor: Any, reason: str) -> FeeSuspension:
    """Suspend the fee, in writing, from ``start`` to ``end`` (inclusive; open-ended if None)."""
    reason = _require_reason(reason)
    if end is not None and end < start:
        raise ValidationError({"end": [_("The end comes before the start.")]})
    return _save(
        FeeSuspension(schedule=lease.fee_schedule, start=start, end=end, reason=reason), actor=actor, reason=reason
    )


@transaction.atomic
def fee_schedule_update(*, lease: GroundLease, actor: Any, reason: str, **fields: Any) -> FeeSchedule:
    """Change how the fee is billed (due day, grace, late-fee rule, increase cap)."""
    reason = _require_reason(reason)
    schedule = lease.fee_schedule
    for name, value in fields.items():
        if name not in FeeSchedule.LATE_FEE_FIELDS:
            raise ValidationError({name: [_("Not a setting of the fee schedule.")]})
        setattr(schedule, name, value)
    return _save(schedule, actor=actor, reason=reason)


@transaction.atomic
def charge_add(
    *, lease: GroundLease, amount: Decimal, due: dt.date, description: str, actor: Any, reason: str
) -> Charge:
    """A one-off charge (a repair the trust paid for, a returned-cheque fee), its history row saying who and why.

    The reason is kept in the history whatever the description; a blank description shows the reason.
    """
    reason = _require_reason(reason)
    charge = Charge(lease=lease, kind=ChargeKind.OTHER, due=due, amount=amount, description=description or reason)
    return _save(charge, actor=actor, reason=reason)


@transaction.atomic
def charge_waive(*, charge: Charge, amount: Decimal, granted_on: dt.date, actor: Any, reason: str) -> ChargeWaiver:
    """Forgive part or all of a charge in writing; never more than is still unpaid."""
    reason = _require_reason(reason)
    charge = Charge.objects.select_for_update().get(pk=charge.pk)
    state = ledger_state(charge.lease, as_of=max(granted_on, charge.due))
    still_open = state.open_by_charge.get(str(charge.pk), Decimal("0"))
    if amount > still_open:
        raise ValidationError(
            {"amount": [_("Only %(open)s of this charge is unpaid; a waiver cannot exceed it.") % {"open": still_open}]}
        )
    _not_in_future(granted_on, "granted_on")
    waiver = ChargeWaiver(
        charge=charge, amount=amount, granted_on=granted_on, reason=reason, actor=_actor_or_none(actor)
    )
    waiver.full_clean()
    waiver.save()
    return waiver


@transaction.atomic
def payment_record(
    *,
    lease: GroundLease,
    amount: Decimal,
    received_on: dt.date,
    actor: Any,
    reason: str,
    method: str = "check",
    reference: str = "",
) -> Payment:
    """Money received. It is applied oldest charge first (the allocation is computed, never stored)."""
    reason = _require_reason(reason)
    _not_in_future(received_on, "received_on")
    return _save(
        Payment(lease=lease, amount=amount, received_on=received_on, method=method, reference=reference),
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def payment_reverse(*, payment: Payment, reversed_on: dt.date, actor: Any, reason: str) -> Payment:
    """A bounced cheque or a refund: the payment stays on record and stops counting from ``reversed_on``."""
    reason = _require_reason(reason)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.reversed_on is not None:
        raise ValidationError(
            {"reversed_on": [_("This payment was already reversed on %(date)s.") % {"date": payment.reversed_on}]}
        )
    if reversed_on < payment.received_on:
        raise ValidationError({"reversed_on": [_("A payment cannot be reversed before it was received.")]})
    _not_in_future(reversed_on, "reversed_on")
    payment.reversed_on = reversed_on
    payment.reversal_reason = reason
    return _save(payment, actor=actor, reason=reason)


def _ledger_call(function: Callable[..., Any], lease: GroundLease, *args: Any) -> Any:
    charges, payments = ledger_lines_for([lease.pk])
    try:
        return function(charges.get(lease.pk, []), payments.get(lease.pk, []), *args)
    except fees.FeeInputError as error:
        raise ValidationError({error.field: [error.reason]}) from None


def ledger_state(lease: GroundLease, *, as_of: dt.date | None = None) -> fees.LedgerState:
    """Charges, payments, balance and open amounts of one lease at a date (default today)."""
    return _ledger_call(fees.ledger_at, lease, as_of or clock.today())


def ledger_ageing(lease: GroundLease, *, as_of: dt.date | None = None) -> fees.Ageing:
    """Arrears by days past due (0–30, 31–60, 61–90, over 90) at a date (default today)."""
    return _ledger_call(fees.ageing, lease, as_of or clock.today())


def ledger_lines(lease: GroundLease, *, start: dt.date, end: dt.date) -> fees.Statement:
    """The statement between two dates: opening balance, each charge and payment, closing balance."""
    if end < start:
        raise ValidationError({"end": [_("The end comes before the start.")]})
    return _ledger_call(fees.statement_lines, lease, start, end)


@dataclass(frozen=True)
class BillingReport:
    month: dt.date
    leases: int
    fees_created: int
    late_fees_created: int
    total_billed: Decimal


def ledger_lines_for(lease_ids: Any) -> tuple[dict[int, list[fees.ChargeLine]], dict[int, list[fees.PaymentLine]]]:
    """Every charge (net of waivers) and payment of many leases in three queries, as the pure ledger wants them.

    ``lease_ids`` may be a list or a queryset of ids (used as a subquery).
    """
    waived: dict[int, Decimal] = defaultdict(Decimal)
    for charge_id, amount in ChargeWaiver.objects.filter(charge__lease_id__in=lease_ids).values_list(
        "charge_id", "amount"
    ):
        waived[charge_id] += amount
    charges: dict[int, list[fees.ChargeLine]] = defaultdict(list)
    rows = Charge.objects.filter(lease_id__in=lease_ids).order_by("due", "pk")
    for pk, lease_id, kind, due, amount in rows.values_list("pk", "lease_id", "kind", "due", "amount"):
        charges[lease_id].append(fees.ChargeLine(str(pk), due, amount, waived.get(pk, ZERO), kind))
    payments: dict[int, list[fees.PaymentLine]] = defaultdict(list)
    rows = Payment.objects.filter(lease_id__in=lease_ids).order_by("received_on", "pk")
    for pk, lease_id, received, amount, reversed_on in rows.values_list(
        "pk", "lease_id", "received_on", "amount", "reversed_on"
    ):
        payments[lease_id].append(fees.PaymentLine(str(pk), received, amount, reversed_on))
    return charges, payments


def balances_for(lease_ids: Any, *, as_of: dt.date) -> dict[int, Decimal]:
    """The balance of each lease at ``as_of``, in three queries whatever the number of leases."""
    ids = list(lease_ids)
    charges, payments = ledger_lines_for(ids)
    return {pk: fees.ledger_at(charges.get(pk, []), payments.get(pk, []), as_of).balance for pk in ids}


def _bulk_create_charges(charges: list[Charge], *, user: Any, reason: str) -> None:
    # One insert per 2,000 charges and one more for their history rows: a row each, with who and why.
    if charges:
        bulk_create_with_history(charges, Charge, batch_size=2000, default_user=user, default_change_reason=reason)


@transaction.atomic
def bill_month(
    *,
    year: int,
    month: int,
    actor: Any = None,
    reason: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> BillingReport:
    """Bill the month's lease fee of every active lease and assess the late fees due by the month's end.

    Idempotent: a fee is unique per lease and month and a late fee per charge and assessment, so a
    second run finds everything in place and creates nothing. Works in sets: a fixed handful of
    queries for the whole portfolio, reading plain values rather than model objects (building
    tens of thousands of model instances was most of the cost). Every charge gets its history row
    with ``actor`` (None: the scheduled run, no one in particular) and ``reason`` (default: the run).
    """
    first, last = month_bounds(year, month)
    reason = (reason or "").strip() or _("Monthly billing, %(month)s") % {"month": first.strftime("%Y-%m")}
    user = _actor_or_none(actor)
    as_of = min(last, max(clock.today(), first))
    active = GroundLease.objects.filter(status=LeaseStatus.ACTIVE, commencement__lte=last).values("pk")
    schedules = {
        lease_id: (schedule_id, commencement, dict(zip(FeeSchedule.LATE_FEE_FIELDS, row, strict=True)))
        for schedule_id, lease_id, commencement, *row in FeeSchedule.objects.filter(lease__in=active)
        .order_by("lease_id")
        .values_list("pk", "lease_id", "lease__commencement", *FeeSchedule.LATE_FEE_FIELDS)
    }
    rates: dict[int, list[fees.Rate]] = defaultdict(list)
    for schedule_id, effective, amount in (
        FeeRate.objects.filter(schedule__lease__in=active)
        .order_by("effective")
        .values_list("schedule_id", "effective", "amount")
    ):
        rates[schedule_id].append(fees.Rate(effective, amount))
    suspensions: dict[int, list[fees.Period]] = defaultdict(list)
    for schedule_id, start, end in FeeSuspension.objects.filter(schedule__lease__in=active).values_list(
        "schedule_id", "start", "end"
    ):
        suspensions[schedule_id].append(fees.Period(start, end))
    existing_fees = set(
        Charge.objects.filter(kind=ChargeKind.FEE, period=first, lease__in=active).values_list("lease_id", flat=True)
    )
    description = _("Lease fee, %(month)s") % {"month": first.strftime("%Y-%m")}
    new_fees = []
    for lease_id, (schedule_id, commencement, terms) in schedules.items():
        if lease_id in existing_fees:
            continue
        due_day = terms["due_day"]
        due = fees.due_date(year, month, due_day)
        if due < commencement:
            continue
        amount = fees.monthly_amount(rates[schedule_id], suspensions[schedule_id], year, month, due_day)
        if amount is None or amount <= 0:
            continue
        new_fees.append(
            Charge(
                lease_id=lease_id, kind=ChargeKind.FEE, period=first, due=due, amount=amount, description=description
            )
        )
    _bulk_create_charges(new_fees, user=user, reason=reason)

    # Late fees: the whole ledger of every active lease with a late-fee rule, then pure arithmetic.
    charged, paid = ledger_lines_for(active.filter(fee_schedule__late_fee_kind__in=["flat", "percent", "escalating"]))
    assessed = set(
        Charge.objects.filter(kind=ChargeKind.LATE_FEE, lease__in=active).values_list("source_id", "sequence")
    )
    new_late = []
    template = FeeSchedule()
    for index, (lease_id, (_schedule, _start, terms)) in enumerate(schedules.items(), start=1):
        if terms["late_fee_kind"] != "none" and charged.get(lease_id):
            for name, value in terms.items():
                setattr(template, name, value)
            rule = template.late_fee_rule()
            for late in fees.late_fees_due(charged[lease_id], paid.get(lease_id, []), rule, as_of):
                key = (int(late.charge), late.sequence)
                if key in assessed or late.amount <= 0:
                    continue
                new_late.append(
                    Charge(
                        lease_id=lease_id,
                        kind=ChargeKind.LATE_FEE,
                        due=late.assessed,
                        amount=late.amount,
                        source_id=int(late.charge),
                        sequence=late.sequence,
                        description=_("Late fee %(n)s") % {"n": late.sequence},
                    )
                )
        if progress is not None and (index % 500 == 0 or index == len(schedules)):
            progress(index, len(schedules))
    _bulk_create_charges(new_late, user=user, reason=reason)
    return BillingReport(
        month=first,
        leases=len(schedules),
        fees_created=len(new_fees),
        late_fees_created=len(new_late),
        total_billed=sum((c.amount for c in new_fees + new_late), ZERO),
    )


# --- Resale: index series and policies -------------------------------------------------------------


class IndexLookup:
    """One series' values loaded once, for looking up many dates (portfolio, price charts, reports).

    ``on(day)`` answers exactly as ``index_value_in_effect`` does (the same ``resale.value_in_effect``
    rule, the same gap check), in O(log n) per date and without a query.
    """

    def __init__(self, series: IndexSeries | str, *, household_size: int | None = None) -> None:
        if isinstance(series, str):
            try:
                series = IndexSeries.objects.get(code=series)
            except IndexSeries.DoesNotExist:
                raise ValidationError({"series": [_("No index series “%(code)s”.") % {"code": series}]}) from None
        self.series = series
        self.household_size = household_size
        rows = list(
            series.values.filter(household_size=household_size)
            .order_by("effective_from")
            .values_list("effective_from", "value", "period")
        )
        self._rows = [(effective, value) for effective, value, _period in rows]
        self._dates = [effective for effective, _value in self._rows]
        # A value is in effect until the next period's: at most a month for a monthly series, a year
        # (and a day, for leap years) otherwise. Older than that is a gap, not a value.
        monthly = any("-" in period for _effective, _value, period in rows)
        self.max_age = dt.timedelta(days=31 if monthly else 366)

    def on(self, day: dt.date) -> Any:
        """The ``resale.IndexValue`` in effect on ``day``, or a ValidationError on ``series`` naming the gap.

        A missing period *inside* the series (CPI-U's October 2025) is a gap and an error. After the last
        value on file, that value stays in effect: a release is in force until the next one is published,
        and the next may simply not be imported yet (``stale`` says so, for the page to warn).
        """
        from leases import resale

        i = bisect.bisect_right(self._dates, day)
        # The engine's own rule decides (and words the error), over at most the one candidate row, so a
        # batch lookup can never disagree with a single one.
        candidates = self._rows[i - 1 : i] if i else self._rows[:1]
        max_age = None if i == len(self._rows) else self.max_age
        try:
            return resale.value_in_effect(candidates, day, name=self.series.code, max_age=max_age)
        except resale.ResaleInputError as error:
            raise ValidationError({"series": [f"{self.series.code}: {error.reason}"]}) from None

    def stale(self, day: dt.date) -> str | None:
        """A warning when ``day`` is past the period of the last value on file (import the newer releases)."""
        if not self._rows or day < self._dates[-1] or day - self._dates[-1] <= self.max_age:
            return None
        return _("%(series)s: the latest value on file is in effect from %(date)s; newer releases may exist.") % {
            "series": self.series.code,
            "date": self._dates[-1].isoformat(),
        }


def index_value_in_effect(series: IndexSeries | str, on: dt.date, *, household_size: int | None = None) -> Any:
    """The value of ``series`` in effect on ``on`` (a ``resale.IndexValue``), or a ValidationError naming it.

    Effective dates, not periods, decide: a HUD release applies from its effective date, and a month
    missing from CPI-U (October 2025) is an error rather than a stale value passed off as current.
    """
    return IndexLookup(series, household_size=household_size).on(on)


@dataclass(frozen=True)
class IndexRow:
    period: str
    value: Decimal | None  # None: the publisher published no value for the period (BLS writes “-”)
    household_size: int | None = None
    effective_from: dt.date | None = None


def _period_start(period: str) -> dt.date:
    if len(period) == 4 and period.isdigit():
        return dt.date(int(period), 1, 1)
    return dt.date.fromisoformat(period + "-01")


def _period_number(period: str) -> int:
    """Consecutive periods have consecutive numbers: years as they are, months counted from year 0."""
    if len(period) == 4:
        return int(period)
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def _period_text(number: int, monthly: bool) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}" if monthly else f"{number:04d}"


def _missing(numbers: set[int]) -> set[int]:
    return set(range(min(numbers), max(numbers) + 1)) - numbers if numbers else set()


def _new_gaps(rows: Sequence[IndexRow], existing: dict[tuple[str, int | None], Any]) -> list[str]:
    """The periods this import would leave without a value between the series' first and last.

    Monthly and yearly periods, and each household size, are series of their own here.
    """
    stored: dict[tuple[bool, int | None], set[int]] = defaultdict(set)
    after: dict[tuple[bool, int | None], set[int]] = defaultdict(set)
    for period, size in existing:
        group = (len(period) == 7, size)
        stored[group].add(_period_number(period))
        after[group].add(_period_number(period))
    for row in rows:
        after[(len(row.period) == 7, row.household_size)].add(_period_number(row.period))
    problems = []
    for (monthly, size), numbers in sorted(after.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
        gaps = sorted(_missing(numbers) - _missing(stored[(monthly, size)]))
        if not gaps:
            continue
        runs: list[list[int]] = []
        for number in gaps:
            if runs and number == runs[-1][1] + 1:
                runs[-1][1] = number
            else:
                runs.append([number, number])
        texts = [
            _period_text(first, monthly)
            if first == last
            else _("%(first)s to %(last)s")
            % {"first": _period_text(first, monthly), "last": _period_text(last, monthly)}
            for first, last in runs
        ]
        shown = ", ".join(texts[:10]) + (_(" and %(n)s more") % {"n": len(texts) - 10} if len(texts) > 10 else "")
        where = _(" (household size %(size)s)") % {"size": size} if size is not None else ""
        problems.append(
            _(
                "the series would have a gap%(where)s: no value for %(periods)s. A period the publisher did not "
                "publish is written with the value “-”."
            )
            % {"where": where, "periods": shown}
        )
    return problems


@transaction.atomic
def index_values_import(
    *, series: IndexSeries, rows: Sequence[IndexRow], actor: Any, reason: str
) -> tuple[int, int, int]:
    """Add or correct a series' values, all or nothing; returns (created, updated, unchanged).

    Each row's period is ``YYYY`` or ``YYYY-MM``; it is in effect from the period's first day unless
    the row says otherwise (HUD income limits apply from their release's effective date).

    No gap: between its first and last period the series has a value for every month (or year), or
    the file says the publisher published none (a row whose value is None). A gap the series had
    before is not this import's to fix.
    """
    reason = _require_reason(reason)
    problems = []
    for number, row in enumerate(rows, start=1):
        try:
            _period_start(row.period)
        except ValueError:
            problems.append(_("row %(n)s: period “%(p)s” is not YYYY or YYYY-MM") % {"n": number, "p": row.period})
        if row.value is None:
            continue
        if not isinstance(row.value, Decimal) or not row.value.is_finite() or row.value <= 0:
            problems.append(_("row %(n)s: the value must be a positive number") % {"n": number})
    keys = [(row.period, row.household_size) for row in rows]
    if len(set(keys)) != len(keys):
        problems.append(_("the file repeats a period (and household size)"))
    if problems:
        raise ValidationError({"rows": problems})
    existing = {(v.period, v.household_size): v for v in series.values.all()}
    gaps = _new_gaps(rows, existing)
    if gaps:
        raise ValidationError({"rows": gaps})
    # An unpublished period is not stored: the value in effect on a date already refuses a stale one.
    rows = [row for row in rows if row.value is not None]
    new, changed = [], []
    for row in rows:
        effective = row.effective_from or _period_start(row.period)
        current = existing.get((row.period, row.household_size))
        if current is None:
            new.append(
                IndexValue(
                    series=series, period=row.period, household_size=row.household_size, value=row.value,
                    effective_from=effective,
                )
            )  # fmt: skip
        elif (current.value, current.effective_from) != (row.value, effective):
            current.value, current.effective_from = row.value, effective
            changed.append(current)
    # A series is hundreds of rows: saved in bulk, each with its history row (who and why), instead
    # of a query per row. Uniqueness needs no query per row either: the file's keys were checked
    # against each other above, and a key already stored is an update.
    for value in (*new, *changed):
        value.full_clean(validate_unique=False, validate_constraints=False)
    user = _actor_or_none(actor)
    if new:
        bulk_create_with_history(new, IndexValue, batch_size=500, default_user=user, default_change_reason=reason)
    if changed:
        bulk_update_with_history(
            changed, IndexValue, ["value", "effective_from"], batch_size=500, default_user=user,
            default_change_reason=reason,
        )  # fmt: skip
    return len(new), len(changed), len(rows) - len(new) - len(changed)


def _check_policy_parameters(parameters: Any) -> dict[str, Any]:
    from leases import resale, resale_codec

    try:
        policy = resale.check_policy(resale_codec.policy_from_dict(parameters))
    except resale.ResaleInputError as error:
        raise ValidationError({f"parameters.{error.field}": [error.reason]}) from None
    return resale_codec.policy_to_dict(policy)


# Which kinds of series may stand for the CPI and the AMI a formula reads (an income limit by household
# size is not a median: the affordability solver applies the size factor itself).
SERIES_KINDS = {
    "cpi_series": frozenset({IndexKind.CPI, IndexKind.OTHER}),
    "ami_series": frozenset({IndexKind.MEDIAN_INCOME, IndexKind.OTHER}),
}


def _check_series(version: ResalePolicyVersion) -> None:
    for field, kinds in SERIES_KINDS.items():
        series = getattr(version, field)
        if series is not None and series.kind not in kinds:
            raise ValidationError(
                {
                    field: [
                        _("“%(code)s” is a series of %(what)s, which cannot stand for this index.")
                        % {"code": series.code, "what": series.get_kind_display().lower()}
                    ]
                }
            )


@transaction.atomic
def resale_policy_create(
    *,
    actor: Any,
    reason: str,
    name: str,
    parameters: dict[str, Any],
    description: str = "",
    cpi_series: IndexSeries | None = None,
    ami_series: IndexSeries | None = None,
) -> ResalePolicyVersion:
    """A resale policy with its first version, a draft until approved."""
    reason = _require_reason(reason)
    policy = _save(ResalePolicy(name=name, description=description), actor=actor, reason=reason)
    return resale_policy_version_create(
        policy=policy, parameters=parameters, actor=actor, reason=reason, cpi_series=cpi_series, ami_series=ami_series
    )


@transaction.atomic
def resale_policy_version_create(
    *,
    policy: ResalePolicy,
    parameters: dict[str, Any],
    actor: Any,
    reason: str,
    cpi_series: IndexSeries | None = None,
    ami_series: IndexSeries | None = None,
) -> ResalePolicyVersion:
    """A new draft version of a policy, with parameters checked by the engine and the series it reads."""
    reason = _require_reason(reason)
    latest = policy.versions.order_by("-version").first()
    version = ResalePolicyVersion(
        policy=policy,
        version=(latest.version + 1) if latest else 1,
        parameters=_check_policy_parameters(parameters),
        cpi_series=cpi_series,
        ami_series=ami_series,
    )
    _check_series(version)
    return _save(version, actor=actor, reason=reason)


_UNSET: Any = object()


@transaction.atomic
def resale_policy_version_update(
    *,
    version: ResalePolicyVersion,
    actor: Any,
    reason: str,
    parameters: dict[str, Any] | None = None,
    cpi_series: IndexSeries | None = _UNSET,
    ami_series: IndexSeries | None = _UNSET,
) -> ResalePolicyVersion:
    """Correct a draft (what is given changes). An approved version never changes: make a new version."""
    reason = _require_reason(reason)
    version = ResalePolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PolicyStatus.DRAFT:
        raise ValidationError(
            {"status": [_("Version %(v)s is %(status)s and cannot change; create a new version.")
                        % {"v": version.version, "status": version.get_status_display().lower()}]}
        )  # fmt: skip
    if parameters is not None:
        version.parameters = _check_policy_parameters(parameters)
    if cpi_series is not _UNSET:
        version.cpi_series = cpi_series
    if ami_series is not _UNSET:
        version.ami_series = ami_series
    _check_series(version)
    return _save(version, actor=actor, reason=reason)


@transaction.atomic
def resale_policy_version_approve(
    *, version: ResalePolicyVersion, approved_on: dt.date, effective_from: dt.date, approval_reference: str,
    actor: Any, reason: str,
) -> ResalePolicyVersion:  # fmt: skip
    """Approve a draft (citing the resolution); from then on it is immutable."""
    reason = _require_reason(reason)
    version = ResalePolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PolicyStatus.DRAFT:
        raise ValidationError({"status": [_("Only a draft can be approved.")]})
    if not approval_reference.strip():
        raise ValidationError({"approval_reference": [_("Cite the resolution or decision that approved it.")]})
    _not_in_future(approved_on, "approved_on")
    version.status = PolicyStatus.APPROVED
    version.approved_on = approved_on
    version.effective_from = effective_from
    version.approval_reference = approval_reference.strip()
    version.approved_by = _actor_or_none(actor)
    return _save(version, actor=actor, reason=reason)


# --- Resale: capital improvements and saved calculations ----------------------------------------------


@transaction.atomic
def improvement_request(
    *,
    lease: GroundLease,
    description: str,
    requested_on: dt.date,
    actor: Any,
    reason: str,
    estimated_cost: Decimal | None = None,
    maintenance: bool = False,
) -> CapitalImprovement:
    """The owner asks to improve the home (or records maintenance, which earns no credit)."""
    reason = _require_reason(reason)
    _not_in_future(requested_on, "requested_on")
    item = CapitalImprovement(
        lease=lease, description=description, requested_on=requested_on, estimated_cost=estimated_cost,
        maintenance=maintenance,
    )  # fmt: skip
    return _save(item, actor=actor, reason=reason)


CREDIT_TERMS = ("method", "credit_pct", "useful_life_years", "fixed_value")


@transaction.atomic
def improvement_approve(
    *,
    improvement: CapitalImprovement,
    approved_on: dt.date,
    approval_reference: str,
    actor: Any,
    reason: str,
    **credit_terms: Any,
) -> CapitalImprovement:
    """Approve a requested improvement before the work, with how it will be valued for the credit."""
    reason = _require_reason(reason)
    item = CapitalImprovement.objects.select_for_update().get(pk=improvement.pk)
    if item.status != ImprovementStatus.REQUESTED:
        raise ValidationError({"status": [_("Only a requested improvement can be approved.")]})
    if approved_on < item.requested_on:
        raise ValidationError({"approved_on": [_("An approval cannot come before the request.")]})
    if item.started_on and item.started_on < approved_on:
        raise ValidationError({"approved_on": [_("The work started before the approval.")]})
    if not approval_reference.strip():
        raise ValidationError({"approval_reference": [_("Cite the approval (letter, decision or reference).")]})
    _not_in_future(approved_on, "approved_on")
    for name, value in credit_terms.items():
        if name not in CREDIT_TERMS:
            raise ValidationError({name: [_("Not a credit term.")]})
        setattr(item, name, value)
    item.status = ImprovementStatus.APPROVED
    item.approved_on = approved_on
    item.approval_reference = approval_reference.strip()
    if item.method == CreditMethod.DEPRECIATED_COST and not item.useful_life_years:
        raise ValidationError({"useful_life_years": [_("Depreciated cost needs a useful life.")]})
    if item.method == CreditMethod.FIXED_VALUE and item.fixed_value is None:
        raise ValidationError({"fixed_value": [_("Give the value from the trust's list.")]})
    return _save(item, actor=actor, reason=reason)


@transaction.atomic
def improvement_deny(*, improvement: CapitalImprovement, actor: Any, reason: str) -> CapitalImprovement:
    reason = _require_reason(reason)
    item = CapitalImprovement.objects.select_for_update().get(pk=improvement.pk)
    if item.status != ImprovementStatus.REQUESTED:
        raise ValidationError({"status": [_("Only a requested improvement can be denied.")]})
    item.status = ImprovementStatus.DENIED
    return _save(item, actor=actor, reason=reason)


@transaction.atomic
def improvement_complete(
    *,
    improvement: CapitalImprovement,
    completed_on: dt.date,
    cost: Decimal,
    actor: Any,
    reason: str,
    started_on: dt.date | None = None,
    documents: str = "",
    appraised_value: Decimal | None = None,
) -> CapitalImprovement:
    """The work is done: its final cost and documents. Only approved work (or maintenance) is completed."""
    reason = _require_reason(reason)
    item = CapitalImprovement.objects.select_for_update().get(pk=improvement.pk)
    allowed = (ImprovementStatus.APPROVED,) + ((ImprovementStatus.REQUESTED,) if item.maintenance else ())
    if item.status not in allowed:
        raise ValidationError({"status": [_("Only approved work can be completed; approval comes before the work.")]})
    if started_on and item.approved_on and started_on < item.approved_on:
        raise ValidationError({"started_on": [_("The work started before the approval.")]})
    if completed_on < (started_on or item.approved_on or item.requested_on):
        raise ValidationError({"completed_on": [_("The work cannot be completed before it started.")]})
    _not_in_future(completed_on, "completed_on")
    item.status = ImprovementStatus.COMPLETED
    item.completed_on, item.cost, item.started_on = completed_on, cost, started_on
    item.documents = documents
    if appraised_value is not None:
        item.appraised_value = appraised_value
    if not item.maintenance and item.method == CreditMethod.APPRAISED_VALUE and item.appraised_value is None:
        # The credit is the value the appraiser isolates: without that figure there is nothing to credit.
        raise ValidationError({"appraised_value": [_("Give the value the appraiser attributes to the work.")]})
    return _save(item, actor=actor, reason=reason)


def improvement_credit_item(item: CapitalImprovement) -> Any:
    """One completed improvement (or maintenance) as the engine values it: a ``resale.CapitalImprovement``."""
    from leases import resale

    return resale.CapitalImprovement(
        description=item.description,
        cost=item.cost,
        completed_on=item.completed_on,
        method=resale.CreditMethod(item.method),
        credit_pct=(item.credit_pct / 100).normalize(),
        approved_on=item.approved_on,
        started_on=item.started_on,
        appraised_value=item.appraised_value,
        useful_life_years=item.useful_life_years,
        fixed_value=item.fixed_value,
        maintenance=item.maintenance,
        documented=bool(item.documents.strip()),
    )


def improvement_credit_items(lease: GroundLease, *, on: dt.date) -> list[Any]:
    """The lease's completed improvements as the engine values them (maintenance included: it says why none)."""
    rows = lease.improvements.filter(status=ImprovementStatus.COMPLETED, completed_on__lte=on)
    return [improvement_credit_item(item) for item in rows.order_by("completed_on", "pk")]


def _compute(policy: dict[str, Any], inputs: dict[str, Any]) -> Any:
    from leases import resale, resale_codec

    try:
        # Field names as the engine gives them ("purchase_price", "formula.rate"): the same whether
        # the codec or the engine's range checks find the problem.
        return resale.compute_resale(resale_codec.policy_from_dict(policy), resale_codec.inputs_from_dict(inputs))
    except resale.ResaleInputError as error:
        raise ValidationError({error.field: [error.reason]}) from None


@transaction.atomic
def resale_calculation_save(
    *,
    lease: GroundLease,
    inputs: dict[str, Any],
    actor: Any,
    reason: str,
    policy_version: ResalePolicyVersion | None = None,
    policy: dict[str, Any] | None = None,
) -> ResaleCalculation:
    """Compute a lease's resale price and keep every input and output (a stored version, or parameters)."""
    from leases import resale_codec

    reason = _require_reason(reason)
    if (policy_version is None) == (policy is None):
        raise ValidationError({"policy": [_("Give either a stored policy version or the parameters.")]})
    parameters = policy_version.parameters if policy_version is not None else policy
    result = _compute(parameters, inputs)
    determination = inputs.get("determination_date")
    calculation = ResaleCalculation(
        lease=lease,
        determination_date=dt.date.fromisoformat(str(determination)),
        policy_version=policy_version,
        policy=parameters,
        inputs=inputs,
        result=resale_codec.result_to_dict(result),
        # Summary columns, rounded half up to the cent; the exact figures are in ``result``.
        formula_price=result.formula_price.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        price=result.price.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        reason=reason,
        actor=_actor_or_none(actor),
    )
    calculation.save()
    return calculation


def resale_calculation_recompute(calculation: ResaleCalculation) -> dict[str, Any]:
    """The result the stored policy and inputs give today (equal to the stored one, or the engine changed)."""
    from leases import resale_codec

    return resale_codec.result_to_dict(_compute(calculation.policy, calculation.inputs))


# --- Resale: price determination (a quote of the lease, saved) --------------------------------------------


class _TrustItself:
    """Who a determination is made as when no user acts (a command, a migration of old files): staff's rights.

    ``clt.roles`` reads the cached roles first, so this stands in for a staff login in the quote machinery.
    """

    is_authenticated = True
    is_active = True
    _clt_roles = frozenset({roles.ROLE_STAFF})


@dataclass(frozen=True)
class Determination:
    """A lease's price as it would be saved: the policy version, the exact engine inputs (codec JSON) and the
    result (``resale.ResaleResult``), with the index values the formula read."""

    version: ResalePolicyVersion
    inputs: dict[str, Any]
    result: Any
    index_values_used: tuple[Any, ...]


def resale_determination_default_date(lease: GroundLease) -> dt.date:
    """The date a price is determined on by default: the receipt of the open notice of intent to sell while the
    lease is in price determination (San Leandro's trigger, §3.8), else today."""
    if lease.transfer_state == lifecycle.TransferState.PRICE_DETERMINATION:
        opened = (
            lease.events.filter(track=Track.TRANSFER, to_state=lifecycle.TransferState.PRICE_DETERMINATION)
            .exclude(from_state=lifecycle.TransferState.PRICE_DETERMINATION)
            .order_by("-pk")
            .first()
        )
        # An estate sale also opens the price determination, with no notice to count from.
        if opened is not None and opened.kind == EventKind.INTENT_TO_SELL_RECEIVED:
            return opened.received_on or opened.effective_on
    return clock.today()


def _determination_error(error: ValidationError) -> ValidationError:
    """The quote's errors named for a determination: its one policy is ``policy_version``, not ``policies[0]``."""
    if not hasattr(error, "error_dict"):
        return error
    fields: dict[str, list[str]] = {}
    for field, messages in error.message_dict.items():
        name = "policy_version" if field.startswith("policies") else field
        fields.setdefault(name, []).extend(messages)
    return ValidationError(fields)


def resale_determination_preview(
    *,
    lease: GroundLease,
    actor: Any,
    determination_date: dt.date,
    inputs: dict[str, Any] | None = None,
    policy_version: ResalePolicyVersion | None = None,
    index_series: dict[str, str] | None = None,
) -> Determination:
    """What ``resale_calculation_determine`` would save, without saving it (the page's "Preview").

    The lease's pinned version unless ``policy_version`` names another; never a draft. The inputs are the
    lease's (``quotes.lease_inputs``, its completed improvements) and the index values in effect, overridden
    by ``inputs`` field by field. Bad input is a ``ValidationError`` on the dotted field (``inputs.<field>``,
    ``index_series.<kind>``, ``determination_date``, ``policy_version``).
    """
    from leases import quotes, resale_codec  # quotes imports this module

    user = _actor_or_none(actor)
    if user is not None and not roles.is_staff_member(user):
        raise PermissionDenied(_("Only the trust's staff determine resale prices."))
    if lease.status == LeaseStatus.DRAFT:
        raise ValidationError({"lease": [_("A draft lease has no resale price to determine; execute it first.")]})
    _not_in_future(determination_date, "determination_date")
    as_user = user or _TrustItself()
    lease = quotes.quotable_leases(as_user).get(pk=lease.pk)
    version = policy_version or lease.template_version.resale_policy_version
    if version is None:
        raise ValidationError(
            {"policy_version": [_("The lease's terms name no resale policy: choose the policy version to apply.")]}
        )
    if version.status == PolicyStatus.DRAFT:
        raise ValidationError(
            {"policy_version": [_("%(version)s is a draft: approve it before it sets a price.") % {"version": version}]}
        )
    try:
        found = quotes.quote(
            user=as_user,
            lease=lease,
            policies=[quotes.PolicyRequest(version=version.pk)],
            inputs=inputs,
            determination_date=determination_date,
            index_series=index_series,
        )
    except ValidationError as error:
        raise _determination_error(error) from None
    (chosen,) = found.quotes
    return Determination(
        version=chosen.version,
        inputs=resale_codec.inputs_to_dict(found.inputs),
        result=chosen.result,
        index_values_used=chosen.index_values_used,
    )


@transaction.atomic
def resale_calculation_determine(
    *,
    lease: GroundLease,
    actor: Any,
    reason: str,
    determination_date: dt.date,
    inputs: dict[str, Any] | None = None,
    policy_version: ResalePolicyVersion | None = None,
    index_series: dict[str, str] | None = None,
) -> ResaleCalculation:
    """Determine a lease's resale price on a date and keep it: the quote of the lease under its policy, saved
    with exactly the inputs the engine used (index values with their effective dates, appraisals, credit
    items, liens, arrears), so that ``resale_calculation_recompute`` gives the same result years later."""
    reason = _require_reason(reason)
    found = resale_determination_preview(
        lease=lease,
        actor=actor,
        determination_date=determination_date,
        inputs=inputs,
        policy_version=policy_version,
        index_series=index_series,
    )
    return resale_calculation_save(
        lease=lease, inputs=found.inputs, actor=actor, reason=reason, policy_version=found.version
    )
