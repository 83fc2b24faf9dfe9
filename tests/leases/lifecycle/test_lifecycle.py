"""The lease's state machines and day counts, without a database (leases/lifecycle.py)."""

import datetime as dt

import pytest

from leases.lifecycle import rules as lifecycle
from leases.lifecycle.rules import (
    EVENTS,
    ComplianceState,
    DeadlineKind,
    EventKind,
    FinancingState,
    LeaseSnapshot,
    LeaseStatus,
    Track,
    TransferState,
    TransitionError,
    add_days,
    add_years,
    check_transition,
)

ACTIVE = LeaseSnapshot(status=LeaseStatus.ACTIVE)


def states_of(track: Track) -> list[str]:
    return [
        s.value
        for s in {
            Track.LEASE: LeaseStatus,
            Track.COMPLIANCE: ComplianceState,
            Track.FINANCING: FinancingState,
            Track.TRANSFER: TransferState,
        }[track]
    ]


def snapshot_with(track: Track, state: str, status: str = LeaseStatus.ACTIVE) -> LeaseSnapshot:
    if track is Track.LEASE:
        return LeaseSnapshot(status=state)
    return LeaseSnapshot(status=status, **{track.value: state})


# Every (event, state) pair: allowed exactly when the state is one of the rule's sources.
ALL_PAIRS = [
    (kind, state)
    for kind, rule in EVENTS.items()
    if kind is not EventKind.DEADLINE_EXTENDED
    for state in states_of(rule.track)
]


@pytest.mark.parametrize(("kind", "state"), ALL_PAIRS, ids=[f"{k.value}-from-{s}" for k, s in ALL_PAIRS])
def test_every_event_is_allowed_from_its_sources_and_refused_from_every_other_state(kind, state):
    rule = EVENTS[kind]
    lease = snapshot_with(rule.track, state)
    legal = state in rule.sources and (not rule.lease_must_be_active or lease.status == LeaseStatus.ACTIVE)
    if legal:
        assert check_transition(lease, kind) is rule
    else:
        with pytest.raises(TransitionError) as error:
            check_transition(lease, kind)
        assert error.value.field == "kind"


def test_the_documented_machines():
    """The arrows of domain notes §5.1, one by one."""
    expected = {
        EventKind.EXECUTED: ({"draft"}, "active"),
        EventKind.EXPIRED: ({"active"}, "expired"),
        EventKind.TERMINATED: ({"active"}, "terminated"),
        EventKind.DEFAULT_NOTICE_SENT: ({"ok"}, "default_noticed"),
        EventKind.DEFAULT_CURED: ({"default_noticed", "default_uncured", "termination_pending"}, "ok"),
        EventKind.DEFAULT_UNCURED: ({"default_noticed"}, "default_uncured"),
        EventKind.TERMINATION_NOTICE_TO_MORTGAGEE: ({"default_uncured"}, "termination_pending"),
        EventKind.MORTGAGE_CONSENT_REQUESTED: ({"no_mortgage", "permitted_mortgage"}, "consent_pending"),
        EventKind.MORTGAGE_CONSENT_APPROVED: ({"consent_pending"}, "permitted_mortgage"),
        EventKind.LENDER_DEFAULT_NOTICE_RECEIVED: ({"permitted_mortgage"}, "lender_default"),
        EventKind.LENDER_DEFAULT_CURED: ({"lender_default"}, "permitted_mortgage"),
        EventKind.FORECLOSURE_COMMENCED: ({"lender_default"}, "foreclosure"),
        EventKind.INTENT_TO_SELL_RECEIVED: ({"none"}, "price_determination"),
        EventKind.RESALE_AGREEMENT_SIGNED: ({"price_determination"}, "option_period"),
        EventKind.OPTION_EXERCISED: ({"option_period"}, "option_closing"),
        EventKind.OPTION_WAIVED: ({"option_period"}, "marketing"),
        EventKind.OPTION_LAPSED: ({"option_period"}, "marketing"),
        EventKind.OPTION_CLOSING_LAPSED: ({"option_closing"}, "marketing"),
        EventKind.BUYER_UNDER_CONTRACT: ({"marketing"}, "under_contract"),
        EventKind.SALE_CLOSED: ({"option_closing", "under_contract"}, "sold"),
        EventKind.OWNER_DIED: ({"none"}, "estate"),
        EventKind.HEIR_ASSUMED: ({"estate"}, "heir_assumed"),
        EventKind.ESTATE_SALE: ({"estate"}, "price_determination"),
    }
    for kind, (sources, target) in expected.items():
        assert (set(EVENTS[kind].sources), EVENTS[kind].target) == (sources, target), kind


def test_a_draft_lease_accepts_only_execution():
    draft = LeaseSnapshot(status=LeaseStatus.DRAFT)
    assert check_transition(draft, "executed").target == "active"
    with pytest.raises(TransitionError, match="needs an active lease"):
        check_transition(draft, "default_notice_sent")
    with pytest.raises(TransitionError, match="needs an active lease"):
        check_transition(draft, "intent_to_sell_received")


def test_an_ended_lease_accepts_nothing():
    for status in ("expired", "terminated", "assigned", "superseded"):
        ended = LeaseSnapshot(status=status)
        for kind in EVENTS:
            if kind is EventKind.DEADLINE_EXTENDED:
                continue
            with pytest.raises(TransitionError):
                check_transition(ended, kind)


def test_tracks_run_in_parallel():
    """A lease in default can still be refinanced and put up for sale: the tracks are separate fields."""
    lease = LeaseSnapshot(
        status="active", compliance="default_noticed", financing="permitted_mortgage", transfer="option_period"
    )
    assert check_transition(lease, "lender_default_notice_received").track is Track.FINANCING
    assert check_transition(lease, "option_exercised").track is Track.TRANSFER
    assert check_transition(lease, "default_cured").track is Track.COMPLIANCE


def test_an_unknown_kind_is_refused_by_name():
    with pytest.raises(TransitionError, match="unknown event kind 'teleported'"):
        check_transition(ACTIVE, "teleported")


def test_the_reason_names_the_current_state_and_what_is_needed():
    with pytest.raises(TransitionError) as error:
        check_transition(ACTIVE, "option_exercised")
    assert error.value.reason == (
        "option_exercised is not possible while the transfer state is none (needs option_period)"
    )


def test_deadlines_opened_and_settled_match_the_notes():
    assert [(d.kind, d.days_field, d.anchor) for d in EVENTS[EventKind.DEFAULT_NOTICE_SENT].opens] == [
        (DeadlineKind.CURE, "cure_days", "received")
    ]
    assert [(d.kind, d.anchor) for d in EVENTS[EventKind.OPTION_EXERCISED].opens] == [
        (DeadlineKind.OPTION_CLOSING, "effective")
    ]
    assert EVENTS[EventKind.OPTION_LAPSED].after == (DeadlineKind.OPTION_EXERCISE,)
    assert EVENTS[EventKind.DEFAULT_UNCURED].after == (DeadlineKind.CURE,)
    assert DeadlineKind.OPTION_EXERCISE in EVENTS[EventKind.OPTION_WAIVED].settles
    # Only the homeowner's own notices may be started outside the office.
    assert [k for k, r in EVENTS.items() if not r.staff_only] == [EventKind.INTENT_TO_SELL_RECEIVED]


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (dt.date(2024, 3, 4), 30, dt.date(2024, 4, 3)),  # CHT-NC cure: 30 days from receipt
        (dt.date(2024, 2, 1), 30, dt.date(2024, 3, 2)),  # across a leap February (29 days)
        (dt.date(2023, 2, 1), 30, dt.date(2023, 3, 3)),  # the same in a common year
        (dt.date(2024, 1, 2), 120, dt.date(2024, 5, 1)),  # the trust's cure of a lender default
        (dt.date(2023, 12, 15), 45, dt.date(2024, 1, 29)),  # option window across the new year
        (dt.date(2024, 2, 11), -10, dt.date(2024, 2, 1)),  # consent request 10 days before closing
        (dt.date(2024, 3, 9), -10, dt.date(2024, 2, 28)),  # ...backwards across 29 February
    ],
)
def test_add_days(start, days, expected):
    assert add_days(start, days) == expected


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        (dt.date(2020, 3, 1), 99, dt.date(2119, 3, 1)),
        (dt.date(2024, 2, 29), 99, dt.date(2123, 2, 28)),  # no 29 February in 2123
        (dt.date(2024, 2, 29), 4, dt.date(2028, 2, 29)),  # but there is in 2028
        (dt.date(2024, 2, 29), 75, dt.date(2099, 2, 28)),  # Trust Montana's 75-year term
        (dt.date(2000, 2, 29), 100, dt.date(2100, 2, 28)),  # 2100 is not a leap year
    ],
)
def test_add_years_never_runs_past_the_month(start, years, expected):
    assert add_years(start, years) == expected


def test_deadline_due_counts_backwards_for_lead_times():
    rule = lifecycle.DeadlineRule(DeadlineKind.CURE, "mortgage_consent_lead_days", anchor="intended_closing", sign=-1)
    assert lifecycle.deadline_due(rule, 10, dt.date(2024, 3, 1)) == dt.date(2024, 2, 20)
