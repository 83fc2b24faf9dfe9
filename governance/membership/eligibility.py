"""Who is a member, in which class, and who votes: the membership rules R2-R5 of ``domain/governance.md``.

Pure: no Django import, no I/O (shapely for the service-area check). Facts go in as frozen dataclasses
(the trust's settings as :class:`Rules`, one person's leases and membership as :class:`PersonFacts`) and a
:class:`Decision` comes out with the class, the vote, the vote-unit key and every reason why not, as
:class:`Reason` codes with parameters: the Django layer (``governance.membership.selectors``) translates them.

The rules, each a setting of the trust (``cfg:``), never a constant:

* R2: lessee membership comes from the leases in force on the date; which people of a leasehold count
  is ``lessee_scope`` (every named lessee, every adult of the leaseholding household, one per leasehold).
  Lessees always vote: living on the trust's land is what the class stands for.
* R3: a general member votes when of ``general_min_age``, dues current (or waived, or no dues set),
  resident in the service area (unless ``out_of_area_may_vote``) for ``residency_min_months``.
  Supporting members never vote. Members outside the area keep their membership.
* R4: one vote per person, household or leasehold (``vote_unit``): the key names the unit.
* R5: precedence lessee > general > supporting: a person in several classes is a member of the first only,
  so they vote once.
* Co-ops: a ground lease held by an organisation (a limited-equity housing co-op) makes leaseholder members
  of its residents per ``coop_residents``: nobody, the delegates the co-op designates, or every resident
  household (one vote each), read from the list the co-op certified last on or before the date
  (:func:`coop_decisions`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from clt.dates import add_months

__all__ = [
    "CLASS_PRECEDENCE",
    "GENERAL",
    "LESSEE",
    "SUPPORTING",
    "CoopEntry",
    "CoopList",
    "Decision",
    "LeaseTie",
    "MembershipFacts",
    "PersonFacts",
    "Reason",
    "Rules",
    "add_months",
    "age_on",
    "area_shape",
    "coop_decisions",
    "coop_list_in_force",
    "coop_votes",
    "decide",
    "dues_current",
    "dues_period_for",
    "in_area",
    "membership_in_force",
    "with_coop",
]

LESSEE, GENERAL, SUPPORTING = "lessee", "general", "supporting"
CLASS_PRECEDENCE = (LESSEE, GENERAL, SUPPORTING)

NAMED_LESSEES, ADULT_HOUSEHOLD_MEMBERS, ONE_PER_LEASEHOLD = (
    "named_lessees",
    "adult_household_members",
    "one_per_leasehold",
)
PERSON, HOUSEHOLD, LEASEHOLD = "person", "household", "leasehold"

# What a co-op's lease gives its residents (``GovernanceSettings.coop_residents``).
COOP_NONE, COOP_DELEGATES, COOP_HOUSEHOLDS = "none", "delegates", "households"

# Reason codes (the Django layer holds their translated wording).
NOT_APPLIED = "not_applied"
APPLICATION_PENDING = "application_pending"
APPLICATION_REFUSED = "application_refused"
MEMBERSHIP_ENDED = "membership_ended"
NOT_YET_MEMBER = "not_yet_member"
NOT_LESSEE_ADULT = "not_lessee_adult"
NOT_FIRST_LESSEE = "not_first_lessee"
SUPPORTING_NO_VOTE = "supporting_no_vote"
UNDER_AGE = "under_age"
BIRTH_DATE_UNKNOWN = "birth_date_unknown"
DUES_NOT_CURRENT = "dues_not_current"
OUTSIDE_AREA = "outside_area"
RESIDENCE_NOT_LOCATED = "residence_not_located"
RESIDENCY_TOO_SHORT = "residency_too_short"
RESIDENCY_UNKNOWN = "residency_unknown"


@dataclass(frozen=True)
class Reason:
    """Why someone is not a member or does not vote: a stable code and its parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rules:
    """The trust's bylaw settings (``GovernanceSettings``) as plain values."""

    lessee_scope: str = NAMED_LESSEES
    vote_unit: str = PERSON
    adult_age: int = 18
    general_min_age: int = 16
    dues_required: bool = True
    residency_min_months: int = 0
    requires_application: bool = True
    out_of_area_may_vote: bool = False
    service_area: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class LeaseTie:
    """How a person is tied to one lease in force on the date.

    ``named``: named as lessee; ``first_named``: the first named (the one member of a leasehold under
    ``one_per_leasehold``); ``household_member``: in the lease's household; ``adult``: of age on the date
    (``None``: birth date unknown, taken as adult: a lease's household is recorded by staff who know it).
    """

    lease_id: int
    household_id: int | None = None
    named: bool = False
    first_named: bool = False
    household_member: bool = False
    adult: bool | None = None


@dataclass(frozen=True)
class MembershipFacts:
    """A general or supporting membership row, with the dues periods it has paid."""

    kind: str  # "general" | "supporting"
    status: str  # "applied" | "active" | "refused" | "resigned" | "ended"
    applied_on: dt.date
    approved_on: dt.date | None = None
    ended_on: dt.date | None = None
    longitude: float | None = None
    latitude: float | None = None
    resident_since: dt.date | None = None
    dues_waived: bool = False
    dues_periods: tuple[tuple[dt.date, dt.date], ...] = ()


@dataclass(frozen=True)
class PersonFacts:
    person_id: int
    leases: tuple[LeaseTie, ...] = ()
    membership: MembershipFacts | None = None
    birth_date: dt.date | None = None
    household_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Decision:
    member_class: str | None
    votes: bool
    vote_unit_key: str
    reasons: tuple[Reason, ...] = ()
    lease_id: int | None = None  # the lease a lessee's membership comes from
    dues_current: bool | None = None  # None: no membership row (lessees pay no dues)


# ---------------------------------------------------------------------------------------------
# Small rules
# ---------------------------------------------------------------------------------------------


def age_on(birth: dt.date, on: dt.date) -> int:
    """Whole years of age on ``on`` (a 29 February birthday comes of age on 1 March in common years)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def dues_current(periods: Iterable[tuple[dt.date, dt.date]], on: dt.date) -> bool:
    """Whether a paid period covers ``on`` (both ends inclusive)."""
    return any(start <= on <= end for start, end in periods)


@lru_cache(maxsize=8)
def _cached_shape(key: str) -> BaseGeometry:
    geom = shape(json.loads(key))
    shapely.prepare(geom)
    return geom


def area_shape(geojson: Mapping[str, Any]) -> BaseGeometry:
    """The service area as a prepared shapely geometry (cached: one roll checks thousands of points)."""
    return _cached_shape(json.dumps(geojson, sort_keys=True))


def in_area(area: Mapping[str, Any] | BaseGeometry, longitude: float, latitude: float) -> bool:
    """Whether the point (WGS84 lon/lat) lies in the area; a point on the boundary counts as inside."""
    geom = area if isinstance(area, BaseGeometry) else area_shape(area)
    if not (math.isfinite(longitude) and math.isfinite(latitude)):
        return False
    return bool(geom.covers(Point(float(longitude), float(latitude))))


def membership_in_force(m: MembershipFacts, on: dt.date, *, requires_application: bool) -> Reason | None:
    """``None`` when the membership row makes the person a member on ``on``, else why not.

    A member from approval (or from the application, when the bylaws need none) until ``ended_on``
    (exclusive: a member who resigns on the 1st is no longer one on the 1st).
    """
    if m.status == "refused":
        return Reason(APPLICATION_REFUSED)
    if m.ended_on is not None and m.ended_on <= on:
        return Reason(MEMBERSHIP_ENDED, {"date": m.ended_on})
    if m.approved_on is not None and m.status in ("active", "resigned", "ended"):
        if m.approved_on <= on:
            return None
        return Reason(NOT_YET_MEMBER, {"date": m.approved_on})
    if not requires_application and m.status in ("applied", "active"):
        return None if m.applied_on <= on else Reason(NOT_YET_MEMBER, {"date": m.applied_on})
    if m.status in ("applied", "active"):
        return Reason(APPLICATION_PENDING)
    return Reason(MEMBERSHIP_ENDED, {"date": m.ended_on})


# ---------------------------------------------------------------------------------------------
# The decision
# ---------------------------------------------------------------------------------------------


def _lessee_tie(facts: PersonFacts, rules: Rules) -> tuple[LeaseTie | None, Reason | None]:
    """The lease that makes the person a lessee member under the scope (lowest lease id), or why not."""
    ties = sorted(facts.leases, key=lambda t: t.lease_id)
    if not ties:
        return None, None
    scope = rules.lessee_scope
    for tie in ties:
        if scope == NAMED_LESSEES and tie.named:
            return tie, None
        if scope == ONE_PER_LEASEHOLD and tie.first_named:
            return tie, None
        if scope == ADULT_HOUSEHOLD_MEMBERS and (tie.named or tie.household_member) and tie.adult is not False:
            return tie, None
    if scope == ONE_PER_LEASEHOLD:
        return None, Reason(NOT_FIRST_LESSEE)
    if scope == ADULT_HOUSEHOLD_MEMBERS:
        return None, Reason(NOT_LESSEE_ADULT, {"age": rules.adult_age})
    return None, None


def _unit_key(rules: Rules, facts: PersonFacts, tie: LeaseTie | None) -> str:
    if rules.vote_unit == LEASEHOLD and tie is not None:
        return f"leasehold:{tie.lease_id}"
    if rules.vote_unit == HOUSEHOLD:
        if tie is not None:
            # A lease recorded without its household votes as its leasehold: still one unit.
            return f"household:{tie.household_id}" if tie.household_id else f"leasehold:{tie.lease_id}"
        if facts.household_ids:
            return f"household:{min(facts.household_ids)}"
    return f"person:{facts.person_id}"


def _general_vote_reasons(m: MembershipFacts, facts: PersonFacts, rules: Rules, on: dt.date) -> list[Reason]:
    reasons: list[Reason] = []
    if rules.general_min_age:
        if facts.birth_date is None:
            reasons.append(Reason(BIRTH_DATE_UNKNOWN))
        elif age_on(facts.birth_date, on) < rules.general_min_age:
            reasons.append(Reason(UNDER_AGE, {"age": age_on(facts.birth_date, on), "min_age": rules.general_min_age}))
    if rules.service_area and not rules.out_of_area_may_vote:
        if m.longitude is None or m.latitude is None:
            reasons.append(Reason(RESIDENCE_NOT_LOCATED))
        elif not in_area(rules.service_area, m.longitude, m.latitude):
            reasons.append(Reason(OUTSIDE_AREA))
    if rules.residency_min_months:
        if m.resident_since is None:
            reasons.append(Reason(RESIDENCY_UNKNOWN, {"months": rules.residency_min_months}))
        elif add_months(m.resident_since, rules.residency_min_months) > on:
            reasons.append(
                Reason(
                    RESIDENCY_TOO_SHORT,
                    {
                        "months": rules.residency_min_months,
                        "date": add_months(m.resident_since, rules.residency_min_months),
                    },
                )
            )
    return reasons


def decide(facts: PersonFacts, rules: Rules, on: dt.date) -> Decision:
    """The person's class on ``on`` (precedence R5), whether they vote, their vote unit and why not."""
    tie, lessee_reason = _lessee_tie(facts, rules)
    m = facts.membership
    paid = None
    if m is not None:
        paid = (not rules.dues_required) or m.dues_waived or dues_current(m.dues_periods, on)

    if tie is not None:
        return Decision(LESSEE, True, _unit_key(rules, facts, tie), (), lease_id=tie.lease_id, dues_current=paid)

    reasons: list[Reason] = [lessee_reason] if lessee_reason else []
    if m is None:
        return Decision(None, False, _unit_key(rules, facts, None), (*reasons, Reason(NOT_APPLIED)))
    not_member = membership_in_force(m, on, requires_application=rules.requires_application)
    if not_member is not None:
        return Decision(None, False, _unit_key(rules, facts, None), (*reasons, not_member), dues_current=paid)

    key = _unit_key(rules, facts, None)
    if m.kind == SUPPORTING:
        return Decision(SUPPORTING, False, key, (Reason(SUPPORTING_NO_VOTE),), dues_current=paid)
    vote_reasons = _general_vote_reasons(m, facts, rules, on)
    if not paid:
        vote_reasons.insert(0, Reason(DUES_NOT_CURRENT))
    return Decision(GENERAL, not vote_reasons, key, tuple(vote_reasons), dues_current=paid)


def dues_period_for(paid_on: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """The dues period a payment on ``paid_on`` covers: its calendar year, or twelve months from it."""
    if period == "calendar_year":
        return dt.date(paid_on.year, 1, 1), dt.date(paid_on.year, 12, 31)
    return paid_on, add_months(paid_on, 12) - dt.timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Co-ops on the trust's land
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoopEntry:
    """One resident on a co-op's certified list; ``household_id`` None: a household of one not recorded."""

    person_id: int
    household_id: int | None = None
    delegate: bool = False


@dataclass(frozen=True)
class CoopList:
    """A resident list as the co-op certified it on ``certified_on`` (``list_id`` orders two of one day)."""

    list_id: int
    organization_id: int
    certified_on: dt.date
    entries: tuple[CoopEntry, ...] = ()


def coop_list_in_force(lists: Iterable[CoopList], organization_id: int, on: dt.date) -> CoopList | None:
    """The co-op's list that speaks for ``on``: the last certified on or before it (a later one replaces it)."""
    found = [c for c in lists if c.organization_id == organization_id and c.certified_on <= on]
    return max(found, key=lambda c: (c.certified_on, c.list_id), default=None)


def coop_decisions(
    setting: str, leases: Mapping[int, int], lists: Iterable[CoopList], on: dt.date
) -> dict[int, Decision]:
    """Who the co-ops' leases make leaseholder members on ``on``, by person.

    ``leases`` maps each co-op organisation holding a lease in force on ``on`` to that lease (the lowest id
    when it holds several). Under ``households`` each certified household has one vote, cast by its first
    listed person (the others are listed but the household's one vote is theirs together); under
    ``delegates`` each designated delegate has one vote. A co-op without a certified list on or before
    ``on`` carries no votes: the trust cannot know its residents.
    """
    if setting not in (COOP_DELEGATES, COOP_HOUSEHOLDS):
        return {}
    lists = list(lists)
    decided: dict[int, Decision] = {}
    for organization_id, lease_id in sorted(leases.items()):
        current = coop_list_in_force(lists, organization_id, on)
        if current is None:
            continue
        seen_units: set[str] = set()
        for entry in current.entries:
            if setting == COOP_DELEGATES:
                if not entry.delegate:
                    continue
                key = f"person:{entry.person_id}"
            elif entry.household_id is not None:
                key = f"household:{entry.household_id}"
            else:
                key = f"person:{entry.person_id}"
            if key in seen_units or entry.person_id in decided:
                continue
            seen_units.add(key)
            decided[entry.person_id] = Decision(LESSEE, True, key, (), lease_id=lease_id)
    return decided


def coop_votes(decisions: Mapping[int, Decision], lease_id: int) -> int:
    """How many votes one co-op lease carries: its distinct vote units."""
    return len({d.vote_unit_key for d in decisions.values() if d.lease_id == lease_id})


def with_coop(decisions: Mapping[int, Decision], coop: Mapping[int, Decision]) -> dict[int, Decision]:
    """The decisions with the co-op residents added; a person already a lessee member by their own lease
    keeps it (R5: one class, one vote), anyone else becomes a lessee member through the co-op."""
    merged = dict(decisions)
    for person_id, decision in coop.items():
        held = merged.get(person_id)
        if held is None or held.member_class != LESSEE:
            merged[person_id] = Decision(
                LESSEE,
                True,
                decision.vote_unit_key,
                (),
                lease_id=decision.lease_id,
                dues_current=held.dues_current if held is not None else None,
            )
    return merged
