"""Every change to a lease, its household, its terms and its deadlines goes through here.

Each service takes the acting user and a reason as keyword arguments, runs in one transaction,
validates (the pure rules of ``lifecycle.rules``, then ``full_clean()``), stamps simple-history with who
and why, and appends the lease event. An illegal change raises ``ValidationError`` naming the field and
the reason, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt import clock, roles
from clt.formats import date_text
from clt.history import actor_or_none as _actor_or_none
from clt.history import require_not_in_future, require_reason, save_stamped
from clt.models import Organization, Person
from leases.ledger.models import FeeRate, FeeSchedule
from leases.ledger.services import payment_record
from leases.lifecycle import rules as lifecycle
from leases.lifecycle.choices import DEADLINE_LABELS, EVENT_LABELS, STATE_LABELS, TRACK_LABELS
from leases.lifecycle.models import (
    Deadline,
    DeadlineStatus,
    GroundLease,
    Household,
    HouseholdMember,
    LeaseEvent,
    Leaseholder,
    LeaseSubsidy,
    LeaseTemplate,
    LeaseTemplateVersion,
    PermittedMortgage,
    TransferMode,
)
from leases.lifecycle.rules import DeadlineKind, EventKind, LeaseStatus, Track
from leases.lifecycle.steps import (
    date_from_data,
    deadline_open,
    deadline_settle,
    deadlines_cancel_open,
    decimal_from_data,
    first_certification,
    jsonable,
    lender_from_data,
    open_deadline_of,
    open_term_deadlines,
    people_from_data,
    release_all_mortgages,
)
from leases.resale.models import (
    ResaleCalculation,
)
from properties.models import Unit

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


# --- Households and templates ---------------------------------------------------------------


@transaction.atomic
def household_create(
    *, actor: Any, reason: str, name: str, size: int, people: Sequence[Person] = (), **fields: Any
) -> Household:
    """A household with its people and its income at purchase."""
    reason = require_reason(reason)
    allowed = {
        k: v for k, v in fields.items() if k in ("income_at_purchase", "area_median_income", "ami_year", "notes")
    }
    household = save_stamped(Household(name=name, size=size, **allowed), actor=actor, reason=reason)
    for person in people:
        HouseholdMember.objects.create(household=household, person=person)
    return household


HOUSEHOLD_FIELDS = ("name", "size", "income_at_purchase", "area_median_income", "ami_year", "notes")


@transaction.atomic
def household_update(
    *, household: Household, actor: Any, reason: str, people: Sequence[Person] | None = None, **fields: Any
) -> Household:
    """Correct a household's facts or its people, with history."""
    reason = require_reason(reason)
    for name, value in fields.items():
        if name not in HOUSEHOLD_FIELDS:
            raise ValidationError({name: [_("Not a field of a household.")]})
        setattr(household, name, value)
    save_stamped(household, actor=actor, reason=reason)
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
    reason = require_reason(reason)
    template = save_stamped(LeaseTemplate(name=name, description=description or ""), actor=actor, reason=reason)
    terms.setdefault("effective_from", clock.today())
    template_version_create(template=template, actor=actor, reason=reason, **terms)
    return template


@transaction.atomic
def template_version_create(*, template: Any, actor: Any, reason: str, **terms: Any) -> LeaseTemplateVersion:
    """A new version of a lease template: terms default to those of the latest version, then the domain defaults."""
    reason = require_reason(reason)
    unknown = sorted(set(terms) - set(TEMPLATE_VERSION_FIELDS))
    if unknown:
        raise ValidationError({unknown[0]: [_("Not a term of a lease template.")]})
    latest = template.versions.order_by("-version").first()
    values = {name: getattr(latest, name) for name in TEMPLATE_VERSION_FIELDS} if latest else {}
    values["effective_from"] = clock.today()  # a new version is in use from today unless told otherwise
    values.update(terms)
    version = LeaseTemplateVersion(template=template, version=(latest.version + 1) if latest else 1, **values)
    return save_stamped(version, actor=actor, reason=reason)


@transaction.atomic
def template_version_update(
    *, version: LeaseTemplateVersion, actor: Any, reason: str, **terms: Any
) -> LeaseTemplateVersion:
    """Correct a version no lease uses yet. A version in use is never edited: make a new one."""
    reason = require_reason(reason)
    in_use = version.leases.count()
    if in_use:
        raise ValidationError(
            {
                "version": [
                    ngettext(
                        "Version %(version)s is in use by %(count)s lease and cannot change; "
                        "create a new version with the new terms.",
                        "Version %(version)s is in use by %(count)s leases and cannot change; "
                        "create a new version with the new terms.",
                        in_use,
                    )
                    % {"version": version.version, "count": in_use}
                ]
            }
        )
    for name, value in terms.items():
        if name not in TEMPLATE_VERSION_FIELDS:
            raise ValidationError({name: [_("Not a term of a lease template.")]})
        setattr(version, name, value)
    return save_stamped(version, actor=actor, reason=reason)


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
    reason = require_reason(reason)
    people = list(dict.fromkeys(leaseholders))
    if organization is not None and people:
        raise ValidationError(
            {"leaseholders": [_("A lease is held either by people or by an organization, not both.")]}
        )
    lease = GroundLease(
        unit=unit,
        parcel_id=unit.parcel_id,
        template_version=template_version,
        organization=organization,
        predecessor=predecessor,
        **{k: v for k, v in fields.items() if k in LEASE_FIELDS},
    )
    save_stamped(lease, actor=actor, reason=reason)
    for person in people:
        save_stamped(Leaseholder(lease=lease, person=person), actor=actor, reason=reason)
    for source, amount in subsidies:
        save_stamped(LeaseSubsidy(lease=lease, source=source, amount=amount), actor=actor, reason=reason)
    schedule = FeeSchedule(lease=lease, **{f: getattr(template_version, f) for f in FeeSchedule.LATE_FEE_FIELDS})
    save_stamped(schedule, actor=actor, reason=reason)
    amount = template_version.default_monthly_fee if monthly_fee is None else monthly_fee
    effective = fee_effective or lease.commencement or clock.today()
    save_stamped(
        FeeRate(schedule=schedule, effective=effective, amount=amount, reason=reason), actor=actor, reason=reason
    )
    return lease


@transaction.atomic
def lease_update(*, lease: GroundLease, actor: Any, reason: str, **fields: Any) -> GroundLease:
    """Edit a lease's descriptive fields and recording details; states change only through events."""
    reason = require_reason(reason)
    for name, value in fields.items():
        if name not in LEASE_FIELDS:
            raise ValidationError({name: [_("This field changes only through a lease event.")]})
        if name in DRAFT_ONLY_FIELDS and lease.status != LeaseStatus.DRAFT and value != getattr(lease, name):
            raise ValidationError({name: [_("The commencement is fixed once the lease is executed.")]})
        setattr(lease, name, value)
    return save_stamped(lease, actor=actor, reason=reason)


def _lease_for_update(lease: GroundLease) -> GroundLease:
    # Two clerks recording events on one lease at once must not both pass the same guard.
    return GroundLease.objects.select_for_update().select_related("template_version", "unit").get(pk=lease.pk)


STATE_FIELDS = {
    Track.LEASE: "status",
    Track.COMPLIANCE: "compliance_state",
    Track.FINANCING: "financing_state",
    Track.TRANSFER: "transfer_state",
}


def _check_transition(lease: GroundLease, kind: str) -> lifecycle.EventRule:
    """The rule for ``kind`` if the lease's states allow it, else a translated refusal naming both."""
    try:
        return lifecycle.check_transition(lease.snapshot(), kind)
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
    reason = require_reason(reason)
    data = dict(data or {})
    lease = _lease_for_update(lease)
    _check_submitter(lease, kind, actor)
    rule = _check_transition(lease, kind)
    effective_on = effective_on or received_on or clock.today()
    for name, value in (("received_on", received_on), ("sent_on", sent_on), ("effective_on", effective_on)):
        require_not_in_future(value, name)
    if rule.needs_receipt and received_on is None:
        raise ValidationError({"received_on": [_("Deadlines count from receipt: give the date it was received.")]})
    if sent_on and received_on and received_on < sent_on:
        raise ValidationError({"received_on": [_("A notice cannot be received before it was sent.")]})
    kind_text = EVENT_LABELS.get(rule.kind, rule.kind)
    for key in rule.data_required:
        if data.get(key) in (None, "", []):
            raise ValidationError({f"data.{key}": [_("This detail is required for “%(kind)s”.") % {"kind": kind_text}]})
    for deadline_kind in rule.after:
        deadline = open_deadline_of(lease, deadline_kind) or (
            lease.deadlines.filter(kind=deadline_kind).order_by("-due").first()
        )
        if deadline is None or effective_on <= deadline.due:
            due = date_text(deadline.due) if deadline else _("not set")
            raise ValidationError(
                {
                    "effective_on": [
                        _("“%(kind)s” can be recorded only after the deadline “%(deadline)s” (%(due)s) has passed.")
                        % {"kind": kind_text, "deadline": DEADLINE_LABELS.get(deadline_kind, deadline_kind), "due": due}
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
    save_stamped(lease, actor=actor, reason=reason)

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
        data=jsonable(data),
        reason=reason,
        actor=_actor_or_none(actor),
    )
    for deadline_kind in rule.settles:
        for deadline in lease.deadlines.filter(kind=deadline_kind, status=DeadlineStatus.OPEN):
            deadline_settle(deadline, event, actor=actor, reason=reason)
    template = lease.template_version
    for opening in rule.opens:
        if opening.anchor == "received":
            anchor = anchor_override.get(opening.kind.value, received_on)
        elif opening.anchor == "effective":
            anchor = effective_on
        else:
            anchor = date_from_data(data, opening.anchor)
        days = template.days(opening.days_field)
        deadline_open(
            lease, opening.kind, anchor, days, lifecycle.deadline_due(opening, days, anchor), event, actor, reason
        )
    for callback in after_save:
        callback(event)
    return event


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
        open_term_deadlines(lease, event, actor=actor, reason=reason)
        first_certification(lease, actor=actor, reason=reason)

    after_save.append(open_lease_deadlines)


def _on_renewed(lease: GroundLease, *, actor, reason, after_save, **_rest: Any) -> None:
    template = lease.template_version
    if lease.renewals_used >= template.renewal_terms:
        raise ValidationError(
            {
                "kind": [
                    ngettext(
                        "This lease allows %(n)s renewal and it has been used.",
                        "This lease allows %(n)s renewals and all have been used.",
                        template.renewal_terms,
                    )
                    % {"n": template.renewal_terms}
                ]
            }
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
            save_stamped(deadline, actor=actor, reason=reason)
        open_term_deadlines(lease, event, actor=actor, reason=reason)

    after_save.append(reopen)


def _on_lease_end(lease: GroundLease, *, effective_on, actor, reason, after_save, **_rest: Any) -> None:
    lease.ended_on = effective_on
    after_save.append(lambda event: deadlines_cancel_open(lease, actor=actor, reason=reason, on=effective_on))


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
        window = open_deadline_of(lease, DeadlineKind.MORTGAGEE_OBJECTION)
        lapsed = window is not None and effective_on > window.due
        if not (consented or lapsed):
            raise ValidationError(
                {
                    "kind": [
                        _(
                            "Termination needs the permitted mortgagee's consent or the end of its objection "
                            "window (%(due)s)."
                        )
                        % {"due": date_text(window.due) if window else _("not opened")}
                    ]
                }
            )
    else:
        raise ValidationError(
            {
                "kind": [
                    _("A lease is terminated only for an uncured default (compliance now: “%(state)s”).")
                    % {"state": STATE_LABELS[Track.COMPLIANCE].get(state, state)}
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
        mortgagee = date_from_data(data, "mortgagee_received_on")
        require_not_in_future(mortgagee, "data.mortgagee_received_on")
        anchors[DeadlineKind.CURE.value] = max(received_on, mortgagee)


def _on_consent_requested(lease: GroundLease, *, data, received_on, **_rest: Any) -> None:
    closing = date_from_data(data, "intended_closing")
    lead = lease.template_version.mortgage_consent_lead_days
    latest = lifecycle.add_days(closing, -lead)
    if received_on > latest:
        raise ValidationError(
            {
                "received_on": [
                    _("The lease needs the request %(days)s days before closing, by %(latest)s.")
                    % {"days": lead, "latest": date_text(latest)}
                ]
            }
        )
    decimal_from_data(data, "amount")
    lender_from_data(data)


def _on_consent_approved(lease: GroundLease, *, effective_on, actor, reason, **_rest: Any) -> None:
    request = lease.events.filter(kind=EventKind.MORTGAGE_CONSENT_REQUESTED).order_by("-pk").first()
    active = lease.mortgages.filter(released_on__isnull=True).count()
    mortgage = PermittedMortgage(
        lease=lease,
        lender=lender_from_data(request.data),
        amount=decimal_from_data(request.data, "amount"),
        lien_position=int(request.data.get("lien_position") or active + 1),
        approved_on=effective_on,
    )
    save_stamped(mortgage, actor=actor, reason=reason)


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
    save_stamped(mortgage, actor=actor, reason=reason)
    if not lease.mortgages.filter(released_on__isnull=True).exists():
        lease.financing_state = lifecycle.FinancingState.NO_MORTGAGE


def _on_foreclosure_end(lease: GroundLease, *, data, effective_on, actor, reason, after_save, **kwargs: Any) -> None:
    # The leasehold passes to the trust (it paid the balance due) or to the foreclosure buyer:
    # this lease ends as assigned; the next holder's lease is made like any other.
    if "price" in data:
        data["price"] = str(decimal_from_data(data, "price"))
    release_all_mortgages(lease, on=effective_on, actor=actor, reason=reason)
    lease.status = LeaseStatus.ASSIGNED
    _on_lease_end(lease, effective_on=effective_on, actor=actor, reason=reason, after_save=after_save)


def _on_buyer_under_contract(lease: GroundLease, *, data, **_rest: Any) -> None:
    if data.get("buyer_income_certified") is not True:
        raise ValidationError(
            {"data.buyer_income_certified": [_("Only an income-certified buyer may be put under contract.")]}
        )
    data["price"] = str(decimal_from_data(data, "price"))


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
    save_stamped(successor, actor=actor, reason=reason)
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
    open_term_deadlines(successor, executed, actor=actor, reason=reason)
    first_certification(successor, actor=actor, reason=reason)
    return successor


def _on_sale_closed(lease: GroundLease, *, data, effective_on, actor, reason, after_save, **_rest: Any) -> None:
    buyers = people_from_data(data, "buyers")
    price = decimal_from_data(data, "price")
    data["price"] = str(price)
    arrears = decimal_from_data(data, "arrears_collected") if data.get("arrears_collected") else Decimal("0")
    release_all_mortgages(lease, on=effective_on, actor=actor, reason=reason)
    mode = lease.template_version.transfer_mode
    lease.status = LeaseStatus.ASSIGNED if mode == TransferMode.ASSIGN else LeaseStatus.SUPERSEDED
    lease.ended_on = effective_on
    lease.financing_state = lifecycle.FinancingState.NO_MORTGAGE

    def make_successor(event: LeaseEvent) -> None:
        deadlines_cancel_open(lease, actor=actor, reason=reason, on=effective_on)
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
    heirs = people_from_data(data, "heirs")
    lease.status = LeaseStatus.ASSIGNED
    lease.ended_on = effective_on

    def make_successor(event: LeaseEvent) -> None:
        deadlines_cancel_open(lease, actor=actor, reason=reason, on=effective_on)
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
        planned = date_from_data(data, "planned_transfer")
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
    reason = require_reason(reason)
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if deadline.status != DeadlineStatus.OPEN:
        raise ValidationError({"deadline": [_("Only an open deadline can be extended.")]})
    if new_due <= deadline.due:
        message = _("An extension must move the deadline later than %(due)s.") % {"due": date_text(deadline.due)}
        raise ValidationError({"new_due": [message]})
    require_not_in_future(agreed_on, "agreed_on")
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
    save_stamped(deadline, actor=actor, reason=reason)
    return event
