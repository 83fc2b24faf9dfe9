"""Who is a member on a date: the interface the board and elections read (``standings_on``, ``standing_of``).

Lessee membership is never stored: it is read here from the ground leases in force on the date (executed,
commenced on or before it, not ended on or before it), their named leaseholders and their households, per
the trust's ``lessee_scope``. General and supporting members come from ``Membership`` rows with their dues.
The rules themselves are pure (``governance.membership.eligibility``); this module only gathers the facts, in a fixed
number of queries whatever the number of people, and translates the reasons.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from clt import clock
from clt.formats import date_text
from clt.models import Person
from governance.membership import eligibility as el
from governance.membership.coop import coop_decisions_on
from governance.membership.in_force import in_force_q
from governance.membership.models import DuesPayment, GovernanceSettings, Membership
from leases.lifecycle.models import GroundLease, Household, HouseholdMember, Leaseholder

__all__ = [
    "Standing",
    "addresses_of",
    "class_counts",
    "in_force_q",
    "reason_text",
    "rules_from",
    "standing_of",
    "standings_on",
    "vote_unit_labels",
]


@dataclass(frozen=True)
class Standing:
    """A person's membership on a date: class (``None``: not a member), vote, vote unit, and why not."""

    person: Person
    member_class: str | None
    votes: bool
    vote_unit_key: str
    reasons: tuple[str, ...]
    # Extras for pages (defaults keep the interface's constructor as documented).
    lease_id: int | None = None
    membership_id: int | None = None
    dues_current: bool | None = None
    reason_codes: tuple[str, ...] = ()


def rules_from(settings: GovernanceSettings) -> el.Rules:
    return el.Rules(
        lessee_scope=settings.lessee_scope,
        vote_unit=settings.vote_unit,
        adult_age=settings.adult_age,
        general_min_age=settings.general_min_age,
        dues_required=settings.dues_amount > 0,
        residency_min_months=settings.residency_min_months,
        requires_application=settings.requires_application,
        out_of_area_may_vote=settings.out_of_area_may_vote,
        service_area=settings.service_area or None,
    )


def _date(value: Any) -> str:
    return date_text(value) if isinstance(value, dt.date) else str(value)


def reason_text(reason: el.Reason) -> str:
    """The translated sentence for a reason code of the pure rules."""
    p = dict(reason.params)
    texts = {
        el.NOT_APPLIED: _("Not a member: no lease in force and no membership."),
        el.APPLICATION_PENDING: _("The membership application is not approved yet."),
        el.APPLICATION_REFUSED: _("The membership application was refused."),
        el.MEMBERSHIP_ENDED: _("The membership ended on %(date)s.") % {"date": _date(p.get("date"))},
        el.NOT_YET_MEMBER: _("A member only from %(date)s.") % {"date": _date(p.get("date"))},
        el.NOT_LESSEE_ADULT: _("In a leaseholding household but under %(age)s: not a lessee member.")
        % {"age": p.get("age")},
        el.NOT_FIRST_LESSEE: _("The leasehold's membership is held by its first named lessee."),
        el.SUPPORTING_NO_VOTE: _("Supporting members do not vote."),
        el.UNDER_AGE: _("Aged %(age)s: general members vote from %(min_age)s.")
        % {"age": p.get("age"), "min_age": p.get("min_age")},
        el.BIRTH_DATE_UNKNOWN: _("Date of birth not recorded: the minimum age cannot be checked."),
        el.DUES_NOT_CURRENT: _("Dues are not current."),
        el.OUTSIDE_AREA: _("Lives outside the service area."),
        el.RESIDENCE_NOT_LOCATED: _("The residence has no map point: the service area cannot be checked."),
        el.RESIDENCY_TOO_SHORT: _("Needs %(months)s months of residence: votes from %(date)s.")
        % {"months": p.get("months"), "date": _date(p.get("date"))},
        el.RESIDENCY_UNKNOWN: _("Needs %(months)s months of residence: the date the residence began is not recorded.")
        % {"months": p.get("months")},
    }
    return str(texts.get(reason.code, reason.code))


def _narrow(queryset: QuerySet, people: Any, lookup: str) -> QuerySet:
    if people is None:
        return queryset
    return queryset.filter(**{f"{lookup}__in": people})


def _gather(on: dt.date, people: Any, rules: el.Rules) -> tuple[dict[int, el.PersonFacts], dict[int, int]]:
    """Every person's facts (those tied to a lease in force, or with a membership row), in five queries."""
    leases = dict(GroundLease.objects.filter(in_force_q(on)).values_list("pk", "household_id"))  # 1
    first_named = Leaseholder.objects.filter(lease=OuterRef("lease")).order_by("pk").values("pk")[:1]
    holders = list(
        _narrow(
            Leaseholder.objects.filter(in_force_q(on, "lease__")).annotate(first=Subquery(first_named)),
            people,
            "person",
        ).values_list("pk", "lease_id", "person_id", "first", "person__birth_date")
    )  # 2
    memberships = list(
        _narrow(Membership.objects.all(), people, "person").values(
            "pk",
            "person_id",
            "kind",
            "status",
            "applied_on",
            "approved_on",
            "ended_on",
            "birth_date",
            "person__birth_date",
            "longitude",
            "latitude",
            "resident_since",
            "dues_waived",
        )
    )  # 3
    member_people = {m["person_id"] for m in memberships}
    household_to_leases: dict[int, list[int]] = defaultdict(list)
    for lease_id, household_id in leases.items():
        if household_id:
            household_to_leases[household_id].append(lease_id)
    wanted_households = Q(household_id__in=list(household_to_leases))
    if rules.vote_unit == el.HOUSEHOLD:
        wanted_households |= Q(person_id__in=list(member_people))
    household_rows = list(
        _narrow(HouseholdMember.objects.filter(wanted_households), people, "person").values_list(
            "household_id", "person_id", "person__birth_date"
        )
    )  # 4
    periods: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for membership_id, start, end in DuesPayment.objects.filter(
        membership_id__in=[m["pk"] for m in memberships]
    ).values_list("membership_id", "period_start", "period_end"):  # 5
        periods[membership_id].append((start, end))

    # The person's own date of birth wins; the membership row's is the fallback (it was the only place
    # before people carried one). Read through the joins above: no query of its own.
    birth: dict[int, dt.date | None] = {m["person_id"]: m["person__birth_date"] or m["birth_date"] for m in memberships}
    for person_id, born in [(h[2], h[4]) for h in holders] + [(r[1], r[2]) for r in household_rows]:
        if born is not None:
            birth[person_id] = born
    ties: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for pk, lease_id, person_id, first, _born in holders:
        tie = ties[person_id].setdefault(lease_id, {"named": False, "first_named": False, "household_member": False})
        tie["named"] = True
        tie["first_named"] = pk == first
    households_of: dict[int, set[int]] = defaultdict(set)
    for household_id, person_id, _born in household_rows:
        households_of[person_id].add(household_id)
        for lease_id in household_to_leases.get(household_id, ()):
            tie = ties[person_id].setdefault(
                lease_id, {"named": False, "first_named": False, "household_member": False}
            )
            tie["household_member"] = True

    def adult(person_id: int) -> bool | None:
        born = birth.get(person_id)
        return None if born is None else el.age_on(born, on) >= rules.adult_age

    facts: dict[int, el.PersonFacts] = {}
    by_person = {m["person_id"]: m for m in memberships}
    membership_ids: dict[int, int] = {}
    for person_id in set(ties) | set(by_person):
        m = by_person.get(person_id)
        membership = None
        if m is not None:
            membership_ids[person_id] = m["pk"]
            membership = el.MembershipFacts(
                kind=m["kind"],
                status=m["status"],
                applied_on=m["applied_on"],
                approved_on=m["approved_on"],
                ended_on=m["ended_on"],
                longitude=float(m["longitude"]) if m["longitude"] is not None else None,
                latitude=float(m["latitude"]) if m["latitude"] is not None else None,
                resident_since=m["resident_since"],
                dues_waived=m["dues_waived"],
                dues_periods=tuple(periods.get(m["pk"], ())),
            )
        facts[person_id] = el.PersonFacts(
            person_id=person_id,
            leases=tuple(
                el.LeaseTie(lease_id=lease_id, household_id=leases.get(lease_id), adult=adult(person_id), **flags)
                for lease_id, flags in sorted(ties.get(person_id, {}).items())
            ),
            membership=membership,
            birth_date=birth.get(person_id),
            household_ids=tuple(sorted(households_of.get(person_id, ()))),
        )
    return facts, membership_ids


def _standing(person: Person, decision: el.Decision, membership_id: int | None) -> Standing:
    return Standing(
        person=person,
        member_class=decision.member_class,
        votes=decision.votes,
        vote_unit_key=decision.vote_unit_key,
        reasons=tuple(reason_text(r) for r in decision.reasons),
        lease_id=decision.lease_id,
        membership_id=membership_id,
        dues_current=decision.dues_current,
        reason_codes=tuple(r.code for r in decision.reasons),
    )


def _decisions(
    on: dt.date, people: Any, settings: GovernanceSettings | None
) -> tuple[dict[int, el.Decision], dict[int, int]]:
    settings = settings or GovernanceSettings.current()
    rules = rules_from(settings)
    facts, membership_ids = _gather(on, people, rules)
    decisions = {pid: el.decide(f, rules, on) for pid, f in facts.items()}
    coop = coop_decisions_on(on, settings.coop_residents)
    if coop:
        if people is not None:
            wanted = set(people.values_list("pk", flat=True)) if isinstance(people, QuerySet) else set(people)
            coop = {pid: d for pid, d in coop.items() if pid in wanted}
        decisions = el.with_coop(decisions, coop)
    return decisions, membership_ids


def standings_on(
    on: dt.date, *, people: QuerySet | Iterable[int] | None = None, settings: GovernanceSettings | None = None
) -> list[Standing]:
    """Every member on ``on`` (one per person, class precedence applied), ordered by name.

    Seven queries whatever the number of people: settings, leases, leaseholders, memberships, household
    members, dues, people; three more when the bylaws make co-ops' residents members (co-op leases, their
    certified lists, the lists' residents). ``people`` (a Person queryset or ids) narrows it.
    """
    if people is not None and not isinstance(people, QuerySet):
        people = [p.pk if isinstance(p, Person) else p for p in people]
    decisions, membership_ids = _decisions(on, people, settings)
    members = {pid: d for pid, d in decisions.items() if d.member_class is not None}
    persons = Person.objects.filter(pk__in=list(members)).order_by("family_name", "given_name", "pk")
    return [_standing(p, members[p.pk], membership_ids.get(p.pk)) for p in persons]


def standing_of(person: Person, on: dt.date, *, settings: GovernanceSettings | None = None) -> Standing:
    """One person's standing on ``on``, also for a non-member (``member_class`` None and the reasons)."""
    settings = settings or GovernanceSettings.current()
    decisions, membership_ids = _decisions(on, [person.pk], settings)
    decision = decisions.get(person.pk)
    if decision is None:
        decision = el.decide(el.PersonFacts(person_id=person.pk), rules_from(settings), on)
    return _standing(person, decision, membership_ids.get(person.pk))


def class_counts(standings: Iterable[Standing]) -> dict[str, dict[str, int]]:
    """Members and voters by class: ``{"lessee": {"members": n, "voting": v}, ...}``."""
    counts = {c: {"members": 0, "voting": 0} for c in el.CLASS_PRECEDENCE}
    for s in standings:
        if s.member_class:
            counts[s.member_class]["members"] += 1
            counts[s.member_class]["voting"] += int(s.votes)
    return counts


# --- Words for pages: a vote unit and a person's address, never a key ------------------------------------


def _home_addresses(on: dt.date, lease_ids: Iterable[int]) -> dict[int, str]:
    """Each lease's home address (its unit's, with the unit number), one query."""
    addresses: dict[int, str] = {}
    rows = GroundLease.objects.filter(pk__in=list(lease_ids)).values_list("pk", "unit__address", "unit__unit_number")
    for lease_id, address, unit_number in rows:
        text = (address or "").strip()
        if text and unit_number:
            text = _("%(address)s, unit %(unit)s") % {"address": text, "unit": unit_number}
        if text:
            addresses[lease_id] = text
    return addresses


def addresses_of(person_ids: Iterable[int], on: dt.date | None = None) -> dict[int, str]:
    """Where each person lives, to tell people of the same name apart: the home of a lease in force on ``on``
    that they hold or live in, else the first line of their mailing address; nobody without one. Four queries."""
    on = on or clock.today()
    ids = list(set(person_ids))
    lease_of: dict[int, int] = {}
    for person_id, lease_id in (
        Leaseholder.objects.filter(in_force_q(on, "lease__"), person_id__in=ids)
        .order_by("pk")
        .values_list("person_id", "lease_id")
    ):
        lease_of.setdefault(person_id, lease_id)
    lives = GroundLease.objects.filter(in_force_q(on), household__members__person_id__in=ids).order_by("pk")
    for person_id, lease_id in lives.values_list("household__members__person_id", "pk"):
        lease_of.setdefault(person_id, lease_id)
    homes = _home_addresses(on, lease_of.values())
    found = {person_id: homes[lease_id] for person_id, lease_id in lease_of.items() if lease_id in homes}
    for person_id, mailing in Person.objects.filter(pk__in=[i for i in ids if i not in found]).values_list(
        "pk", "mailing_address"
    ):
        line = next((part.strip() for part in (mailing or "").splitlines() if part.strip()), "")
        if line:
            found[person_id] = line
    return found


def vote_unit_labels(keys: Iterable[str], on: dt.date | None = None) -> dict[str, str]:
    """What each vote unit key means to a person: ``person:49`` → "Own vote", ``household:7`` → "The household
    at 12 Maple St", ``leasehold:3`` → "The lease on 12 Maple St". The keys stay in the CSV and the API."""
    on = on or clock.today()
    keys = list(set(keys))
    numbered = [key.partition(":")[::2] for key in keys]
    lease_ids = [int(ident) for kind, ident in numbered if kind == "leasehold" and ident.isdigit()]
    household_ids = [int(ident) for kind, ident in numbered if kind == "household" and ident.isdigit()]
    lease_of_household: dict[int, int] = {}
    for household_id, lease_id in (
        GroundLease.objects.filter(household_id__in=household_ids)
        .order_by("-commencement", "-pk")
        .values_list("household_id", "pk")
    ):
        lease_of_household.setdefault(household_id, lease_id)
    homes = _home_addresses(on, [*lease_ids, *lease_of_household.values()])
    names = dict(Household.objects.filter(pk__in=household_ids).values_list("pk", "name"))
    labels: dict[str, str] = {}
    for key in keys:
        kind, _sep, ident = key.partition(":")
        number = int(ident) if ident.isdigit() else None
        if kind == "person":
            labels[key] = pgettext("vote unit", "Own vote")
        elif kind == "household":
            address = homes.get(lease_of_household.get(number, -1), "")
            if address:
                labels[key] = _("The household at %(address)s") % {"address": address}
            else:
                labels[key] = _("Household: %(name)s") % {"name": names.get(number) or _("no name recorded")}
        elif kind == "leasehold":
            address = homes.get(number, "")
            labels[key] = (
                _("The lease on %(address)s") % {"address": address} if address else _("Lease %(id)s") % {"id": number}
            )
        else:
            labels[key] = key
    return labels
