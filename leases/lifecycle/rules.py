"""The ground lease's state machines and the deadlines they open: pure rules, no Django.

Domain notes ``resale_and_lease.md`` §5: a lease has a top-level status and, while it is active,
three parallel tracks (compliance, financing, transfer). Every change is an *event* of a known
kind; this module says, for each kind, which track it moves, from which states, to which state,
which deadlines it opens (counted from which date, by which of the template's day counts) and
which open deadlines it settles. The service layer turns rows into these values, checks the
guards that need the database, and stores the event.

Day counts (§5.2, pitfall 4):
- Calendar days, counted from the *receipt* of a notice when the event has one, else from the
  event's effective date. The first day after receipt is day 1, so a 30-day cure period on a
  notice received 1 March ends on 31 March, and the deadline is that date (still in time).
- Years are calendar years; 29 February plus one year is 28 February (the last day of the
  same month), never 1 March, so a term never runs longer than the lease says.
- Nothing here is a constant of the lease: the numbers come from the lease's template version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from clt.dates import add_years

__all__ = [
    "EVENTS",
    "ComplianceState",
    "DeadlineKind",
    "DeadlineRule",
    "EventKind",
    "EventRule",
    "FinancingState",
    "LeaseStatus",
    "Track",
    "TransferState",
    "TransitionError",
    "add_days",
    "add_years",
    "check_transition",
    "deadline_due",
]


class TransitionError(ValueError):
    """A transition the lease's current state does not allow; ``field`` names what is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Track(StrEnum):
    LEASE = "lease"
    COMPLIANCE = "compliance"
    FINANCING = "financing"
    TRANSFER = "transfer"


class LeaseStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ASSIGNED = "assigned"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"
    TERMINATED = "terminated"


class ComplianceState(StrEnum):
    OK = "ok"
    DEFAULT_NOTICED = "default_noticed"
    DEFAULT_UNCURED = "default_uncured"
    TERMINATION_PENDING = "termination_pending"


class FinancingState(StrEnum):
    NO_MORTGAGE = "no_mortgage"
    CONSENT_PENDING = "consent_pending"
    PERMITTED_MORTGAGE = "permitted_mortgage"
    LENDER_DEFAULT = "lender_default"
    FORECLOSURE = "foreclosure"


class TransferState(StrEnum):
    NONE = "none"
    PRICE_DETERMINATION = "price_determination"
    OPTION_PERIOD = "option_period"
    OPTION_CLOSING = "option_closing"
    MARKETING = "marketing"
    UNDER_CONTRACT = "under_contract"
    SOLD = "sold"
    ESTATE = "estate"
    HEIR_ASSUMED = "heir_assumed"


class DeadlineKind(StrEnum):
    CURE = "cure"
    MORTGAGEE_OBJECTION = "mortgagee_objection"
    LENDER_DEFAULT_CURE = "lender_default_cure"
    SECOND_APPRAISAL_DECISION = "second_appraisal_decision"
    SECOND_APPRAISAL_DELIVERY = "second_appraisal_delivery"
    OPTION_EXERCISE = "option_exercise"
    OPTION_CLOSING = "option_closing"
    RENEWAL_NOTICE = "renewal_notice"
    TERM_END = "term_end"


class EventKind(StrEnum):
    # The lease itself
    EXECUTED = "executed"
    RENEWED = "renewed"
    EXPIRED = "expired"
    TERMINATED = "terminated"
    # A. Compliance
    DEFAULT_NOTICE_SENT = "default_notice_sent"
    DEFAULT_CURED = "default_cured"
    DEFAULT_UNCURED = "default_uncured"
    TERMINATION_NOTICE_TO_MORTGAGEE = "termination_notice_to_mortgagee"
    MORTGAGEE_CONSENTED = "mortgagee_consented"
    MORTGAGEE_OBJECTED = "mortgagee_objected"
    # B. Financing
    MORTGAGE_CONSENT_REQUESTED = "mortgage_consent_requested"
    MORTGAGE_CONSENT_APPROVED = "mortgage_consent_approved"
    MORTGAGE_CONSENT_DENIED = "mortgage_consent_denied"
    MORTGAGE_RELEASED = "mortgage_released"
    LENDER_DEFAULT_NOTICE_RECEIVED = "lender_default_notice_received"
    LENDER_DEFAULT_CURED = "lender_default_cured"
    FORECLOSURE_COMMENCED = "foreclosure_commenced"
    CLT_PURCHASED_LEASEHOLD = "clt_purchased_leasehold"
    FORECLOSURE_SALE = "foreclosure_sale"
    # C. Transfer and resale
    INTENT_TO_SELL_RECEIVED = "intent_to_sell_received"
    APPRAISAL_ACCEPTED = "appraisal_accepted"
    SECOND_APPRAISAL_ORDERED = "second_appraisal_ordered"
    SECOND_APPRAISAL_RECEIVED = "second_appraisal_received"
    INTENT_WITHDRAWN = "intent_withdrawn"
    RESALE_AGREEMENT_SIGNED = "resale_agreement_signed"
    OPTION_EXERCISED = "option_exercised"
    OPTION_WAIVED = "option_waived"
    OPTION_LAPSED = "option_lapsed"
    OPTION_CLOSING_LAPSED = "option_closing_lapsed"
    BUYER_UNDER_CONTRACT = "buyer_under_contract"
    CONTRACT_FELL_THROUGH = "contract_fell_through"
    SALE_CLOSED = "sale_closed"
    OWNER_DIED = "owner_died"
    HEIR_ASSUMED = "heir_assumed"
    ESTATE_SALE = "estate_sale"
    # Any track: an extension agreed in writing
    DEADLINE_EXTENDED = "deadline_extended"


@dataclass(frozen=True)
class DeadlineRule:
    """How a deadline is counted: from which date of the event, by which day count of the template.

    ``anchor`` is ``"received"`` (the notice's receipt), ``"effective"`` (the event's effective
    date) or a key of the event's data holding a date (``"intended_closing"``).
    ``days_field`` names the template version's day count; ``sign`` -1 counts backwards
    (a consent request must come N days *before* the closing).
    """

    kind: DeadlineKind
    days_field: str
    anchor: str = "received"
    sign: int = 1


@dataclass(frozen=True)
class EventRule:
    """What one kind of event does to a lease."""

    kind: EventKind
    track: Track
    sources: frozenset[str]
    target: str | None  # None: the event leaves the track's state as it is
    opens: tuple[DeadlineRule, ...] = ()
    settles: tuple[DeadlineKind, ...] = ()
    # Deadline kinds that must have passed (the event's effective date later than their due
    # date) before the event is allowed: an option lapses only after its window has closed.
    after: tuple[DeadlineKind, ...] = ()
    needs_receipt: bool = False
    lease_must_be_active: bool = True
    staff_only: bool = True
    data_required: tuple[str, ...] = ()


def _rule(
    kind: EventKind,
    track: Track,
    sources: tuple[StrEnum, ...],
    target: StrEnum | None,
    **options: object,
) -> EventRule:
    return EventRule(kind=kind, track=track, sources=frozenset(s.value for s in sources), target=target, **options)


C, F, T = ComplianceState, FinancingState, TransferState
_IN_DEFAULT = (C.DEFAULT_NOTICED, C.DEFAULT_UNCURED, C.TERMINATION_PENDING)

_RULES = (
    # The lease
    _rule(EventKind.EXECUTED, Track.LEASE, (LeaseStatus.DRAFT,), LeaseStatus.ACTIVE, lease_must_be_active=False),
    _rule(EventKind.RENEWED, Track.LEASE, (LeaseStatus.ACTIVE,), LeaseStatus.ACTIVE),
    _rule(EventKind.EXPIRED, Track.LEASE, (LeaseStatus.ACTIVE,), LeaseStatus.EXPIRED, after=(DeadlineKind.TERM_END,)),
    _rule(EventKind.TERMINATED, Track.LEASE, (LeaseStatus.ACTIVE,), LeaseStatus.TERMINATED),
    # A. Compliance
    _rule(
        EventKind.DEFAULT_NOTICE_SENT,
        Track.COMPLIANCE,
        (C.OK,),
        C.DEFAULT_NOTICED,
        opens=(DeadlineRule(DeadlineKind.CURE, "cure_days"),),
        needs_receipt=True,
        data_required=("breach",),
    ),
    _rule(
        EventKind.DEFAULT_CURED,
        Track.COMPLIANCE,
        _IN_DEFAULT,
        C.OK,
        settles=(DeadlineKind.CURE, DeadlineKind.MORTGAGEE_OBJECTION),
    ),
    _rule(
        EventKind.DEFAULT_UNCURED,
        Track.COMPLIANCE,
        (C.DEFAULT_NOTICED,),
        C.DEFAULT_UNCURED,
        after=(DeadlineKind.CURE,),
    ),
    _rule(
        EventKind.TERMINATION_NOTICE_TO_MORTGAGEE,
        Track.COMPLIANCE,
        (C.DEFAULT_UNCURED,),
        C.TERMINATION_PENDING,
        opens=(DeadlineRule(DeadlineKind.MORTGAGEE_OBJECTION, "mortgagee_objection_days"),),
        needs_receipt=True,
    ),
    _rule(EventKind.MORTGAGEE_CONSENTED, Track.COMPLIANCE, (C.TERMINATION_PENDING,), None),
    _rule(
        EventKind.MORTGAGEE_OBJECTED,
        Track.COMPLIANCE,
        (C.TERMINATION_PENDING,),
        C.DEFAULT_UNCURED,
        settles=(DeadlineKind.MORTGAGEE_OBJECTION,),
    ),
    # B. Financing
    _rule(
        EventKind.MORTGAGE_CONSENT_REQUESTED,
        Track.FINANCING,
        (F.NO_MORTGAGE, F.PERMITTED_MORTGAGE),
        F.CONSENT_PENDING,
        needs_receipt=True,
        data_required=("lender", "amount", "intended_closing"),
    ),
    _rule(
        EventKind.MORTGAGE_CONSENT_APPROVED,
        Track.FINANCING,
        (F.CONSENT_PENDING,),
        F.PERMITTED_MORTGAGE,
    ),
    # Denied: back to the state before the request (the service knows whether a mortgage exists).
    _rule(EventKind.MORTGAGE_CONSENT_DENIED, Track.FINANCING, (F.CONSENT_PENDING,), None),
    _rule(EventKind.MORTGAGE_RELEASED, Track.FINANCING, (F.PERMITTED_MORTGAGE,), None),
    _rule(
        EventKind.LENDER_DEFAULT_NOTICE_RECEIVED,
        Track.FINANCING,
        (F.PERMITTED_MORTGAGE,),
        F.LENDER_DEFAULT,
        opens=(DeadlineRule(DeadlineKind.LENDER_DEFAULT_CURE, "lender_default_cure_days"),),
        needs_receipt=True,
    ),
    _rule(
        EventKind.LENDER_DEFAULT_CURED,
        Track.FINANCING,
        (F.LENDER_DEFAULT,),
        F.PERMITTED_MORTGAGE,
        settles=(DeadlineKind.LENDER_DEFAULT_CURE,),
    ),
    _rule(
        EventKind.FORECLOSURE_COMMENCED,
        Track.FINANCING,
        (F.LENDER_DEFAULT,),
        F.FORECLOSURE,
        settles=(DeadlineKind.LENDER_DEFAULT_CURE,),
    ),
    _rule(
        EventKind.CLT_PURCHASED_LEASEHOLD,
        Track.FINANCING,
        (F.FORECLOSURE, F.LENDER_DEFAULT),
        F.NO_MORTGAGE,
        settles=(DeadlineKind.LENDER_DEFAULT_CURE,),
        data_required=("price",),
    ),
    _rule(EventKind.FORECLOSURE_SALE, Track.FINANCING, (F.FORECLOSURE,), F.NO_MORTGAGE, data_required=("buyer",)),
    # C. Transfer and resale
    _rule(
        EventKind.INTENT_TO_SELL_RECEIVED,
        Track.TRANSFER,
        (T.NONE,),
        T.PRICE_DETERMINATION,
        opens=(
            DeadlineRule(DeadlineKind.SECOND_APPRAISAL_DECISION, "second_appraisal_decision_days"),
            DeadlineRule(DeadlineKind.SECOND_APPRAISAL_DELIVERY, "second_appraisal_delivery_days"),
        ),
        needs_receipt=True,
        staff_only=False,
    ),
    _rule(
        EventKind.APPRAISAL_ACCEPTED,
        Track.TRANSFER,
        (T.PRICE_DETERMINATION,),
        None,
        settles=(DeadlineKind.SECOND_APPRAISAL_DECISION, DeadlineKind.SECOND_APPRAISAL_DELIVERY),
    ),
    _rule(
        EventKind.SECOND_APPRAISAL_ORDERED,
        Track.TRANSFER,
        (T.PRICE_DETERMINATION,),
        None,
        settles=(DeadlineKind.SECOND_APPRAISAL_DECISION,),
    ),
    _rule(
        EventKind.SECOND_APPRAISAL_RECEIVED,
        Track.TRANSFER,
        (T.PRICE_DETERMINATION,),
        None,
        settles=(DeadlineKind.SECOND_APPRAISAL_DELIVERY,),
    ),
    _rule(
        EventKind.INTENT_WITHDRAWN,
        Track.TRANSFER,
        (T.PRICE_DETERMINATION, T.OPTION_PERIOD, T.MARKETING),
        T.NONE,
        settles=(
            DeadlineKind.SECOND_APPRAISAL_DECISION,
            DeadlineKind.SECOND_APPRAISAL_DELIVERY,
            DeadlineKind.OPTION_EXERCISE,
        ),
    ),
    _rule(
        EventKind.RESALE_AGREEMENT_SIGNED,
        Track.TRANSFER,
        (T.PRICE_DETERMINATION,),
        T.OPTION_PERIOD,
        opens=(DeadlineRule(DeadlineKind.OPTION_EXERCISE, "option_exercise_days"),),
        settles=(DeadlineKind.SECOND_APPRAISAL_DECISION, DeadlineKind.SECOND_APPRAISAL_DELIVERY),
        needs_receipt=True,
    ),
    _rule(
        EventKind.OPTION_EXERCISED,
        Track.TRANSFER,
        (T.OPTION_PERIOD,),
        T.OPTION_CLOSING,
        opens=(DeadlineRule(DeadlineKind.OPTION_CLOSING, "option_closing_days", anchor="effective"),),
        settles=(DeadlineKind.OPTION_EXERCISE,),
        data_required=("exercised_by",),
    ),
    _rule(
        EventKind.OPTION_WAIVED,
        Track.TRANSFER,
        (T.OPTION_PERIOD,),
        T.MARKETING,
        settles=(DeadlineKind.OPTION_EXERCISE,),
    ),
    _rule(
        EventKind.OPTION_LAPSED,
        Track.TRANSFER,
        (T.OPTION_PERIOD,),
        T.MARKETING,
        settles=(DeadlineKind.OPTION_EXERCISE,),
        after=(DeadlineKind.OPTION_EXERCISE,),
    ),
    _rule(
        EventKind.OPTION_CLOSING_LAPSED,
        Track.TRANSFER,
        (T.OPTION_CLOSING,),
        T.MARKETING,
        settles=(DeadlineKind.OPTION_CLOSING,),
        after=(DeadlineKind.OPTION_CLOSING,),
    ),
    _rule(
        EventKind.BUYER_UNDER_CONTRACT,
        Track.TRANSFER,
        (T.MARKETING,),
        T.UNDER_CONTRACT,
        data_required=("buyer", "price", "buyer_income_certified"),
    ),
    _rule(EventKind.CONTRACT_FELL_THROUGH, Track.TRANSFER, (T.UNDER_CONTRACT,), T.MARKETING),
    _rule(
        EventKind.SALE_CLOSED,
        Track.TRANSFER,
        (T.OPTION_CLOSING, T.UNDER_CONTRACT),
        T.SOLD,
        settles=(DeadlineKind.OPTION_CLOSING,),
        data_required=("buyers", "price"),
    ),
    _rule(EventKind.OWNER_DIED, Track.TRANSFER, (T.NONE,), T.ESTATE, data_required=("person",)),
    _rule(EventKind.HEIR_ASSUMED, Track.TRANSFER, (T.ESTATE,), T.HEIR_ASSUMED, data_required=("heirs",)),
    _rule(EventKind.ESTATE_SALE, Track.TRANSFER, (T.ESTATE,), T.PRICE_DETERMINATION),
)

EVENTS: dict[EventKind, EventRule] = {rule.kind: rule for rule in _RULES}


@dataclass(frozen=True)
class LeaseSnapshot:
    """The states a transition is checked against."""

    status: str
    compliance: str = ComplianceState.OK
    financing: str = FinancingState.NO_MORTGAGE
    transfer: str = TransferState.NONE

    def state_of(self, track: Track) -> str:
        return {
            Track.LEASE: self.status,
            Track.COMPLIANCE: self.compliance,
            Track.FINANCING: self.financing,
            Track.TRANSFER: self.transfer,
        }[track]


def check_transition(lease: LeaseSnapshot, kind: EventKind | str) -> EventRule:
    """The rule for ``kind`` if the lease's current states allow it; else ``TransitionError``."""
    try:
        rule = EVENTS[EventKind(kind)]
    except ValueError:
        raise TransitionError("kind", f"unknown event kind {kind!r}") from None
    except KeyError:
        # A kind some other action records (an extension: ``deadline_extend``), never recorded on its own.
        raise TransitionError("kind", f"{kind} is recorded by the action it belongs to, not as an event") from None
    if rule.lease_must_be_active and lease.status != LeaseStatus.ACTIVE:
        raise TransitionError("kind", f"the lease is {lease.status}; {rule.kind} needs an active lease")
    current = lease.state_of(rule.track)
    if current not in rule.sources:
        allowed = ", ".join(sorted(rule.sources))
        raise TransitionError(
            "kind", f"{rule.kind} is not possible while the {rule.track} state is {current} (needs {allowed})"
        )
    return rule


def add_days(start: dt.date, days: int) -> dt.date:
    """``start`` plus ``days`` calendar days (negative counts backwards)."""
    return start + dt.timedelta(days=days)


def deadline_due(rule: DeadlineRule, days: int, anchor_date: dt.date) -> dt.date:
    """The due date of ``rule`` counted ``days`` calendar days from ``anchor_date``."""
    return add_days(anchor_date, rule.sign * days)
