"""The home page's governance panels: what a member, board member, officer or staff member can do now.

Each role signs in to do one thing. A member sees the election open to them with its "Vote" button and
closing time, the meetings they are called to and their membership; an election officer sees the
elections they run and the next step in each; staff see what waits for them. The panels read through
the parts' selectors and restricted querysets, so nobody sees more here than on the pages they link to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from clt import clock, roles
from clt.dashboard import Panel
from clt.models import Person
from governance.elections.models import Election, ElectionPhase, RollEntry
from governance.elections.selectors import is_officer
from governance.meetings.models import Meeting, MeetingStatus
from governance.membership.models import MemberClass, Membership, MembershipStatus
from governance.membership.selectors import standing_of

# Elections that are being run: from the frozen roll to the certificate.
RUNNING = (ElectionPhase.DRAFT, ElectionPhase.FROZEN, ElectionPhase.OPEN, ElectionPhase.CLOSED, ElectionPhase.COUNTED)
UPCOMING_MEETINGS = (MeetingStatus.SCHEDULED, MeetingStatus.NOTICED, MeetingStatus.IN_SESSION)


@dataclass(frozen=True)
class Ballot:
    """An election a person is on the roll of, and whether they have voted in it."""

    election: Election
    voted: bool
    opens_later: bool


@dataclass(frozen=True)
class Step:
    """An election being run, and what its officer (or staff) does next."""

    election: Election
    text: str


def _next_step(election: Election, *, roll: int, voted: int, without_code: int) -> str:
    phase = election.phase
    if phase == ElectionPhase.DRAFT:
        return _("Add the contests and candidates, then freeze the roll.")
    if phase == ElectionPhase.FROZEN:
        if without_code:
            return _("Issue access codes: %(count)s of %(roll)s voters have none yet.") % {
                "count": without_code,
                "roll": roll,
            }
        return _("Open voting.")
    if phase == ElectionPhase.OPEN:
        if election.closes_at <= clock.now():
            return _("Voting time is over: close the ballot box.")
        return _("Voting is open: %(voted)s of %(roll)s have voted.") % {"voted": voted, "roll": roll}
    if phase == ElectionPhase.CLOSED:
        return _("Count the ballots.")
    return _("Check the count and certify the result.")


def _ballots(person: Person | None) -> list[Ballot]:
    if person is None:
        return []
    now = clock.now()
    entries = (
        RollEntry.objects.filter(person=person, election__phase__in=(ElectionPhase.FROZEN, ElectionPhase.OPEN))
        .select_related("election")
        .order_by("election__closes_at", "election__pk")
    )
    return [
        Ballot(
            election=entry.election,
            voted=bool(entry.channel),
            opens_later=entry.election.phase == ElectionPhase.FROZEN or entry.election.opens_at > now,
        )
        for entry in entries
        if entry.election.closes_at > now
    ]


def _steps(user: Any) -> list[Step]:
    staff = roles.is_staff_member(user)
    if not staff and not roles.is_election_officer(user) and not Election.objects.filter(officer=user).exists():
        return []
    elections = (
        Election.objects.filter(phase__in=RUNNING)
        .annotate(
            roll_size=Count("roll", distinct=True),
            voted=Count("roll", filter=~Q(roll__channel=""), distinct=True),
            without_code=Count("roll", filter=Q(roll__code_hash=""), distinct=True),
        )
        .order_by("closes_at", "pk")
    )
    return [
        Step(
            election=election,
            text=_next_step(
                election, roll=election.roll_size, voted=election.voted, without_code=election.without_code
            ),
        )
        for election in elections
        if staff or is_officer(user, election)
    ]


def _meetings(user: Any, today: dt.date) -> list[Meeting]:
    if not (roles.is_staff_member(user) or roles.is_member(user) or roles.is_board_member(user)):
        return []
    since = dt.datetime.combine(today, dt.time.min, tzinfo=clock.now().tzinfo)
    return list(
        Meeting.objects.visible_to(user)
        .filter(status__in=UPCOMING_MEETINGS, starts_at__gte=since)
        .order_by("starts_at", "pk")[:3]
    )


def _membership(person: Person | None, today: dt.date) -> dict[str, Any] | None:
    if person is None:
        return None
    standing = standing_of(person, today)
    membership = Membership.objects.filter(person=person).order_by("-pk").first()
    if standing.member_class is None and membership is None:
        return None
    latest_dues = membership.dues.order_by("-period_end").first() if membership else None
    return {
        "standing": standing,
        "class_label": dict(MemberClass.choices).get(standing.member_class, ""),
        "membership": membership,
        "applied": membership is not None and membership.status == MembershipStatus.APPLIED,
        "dues_paid_through": latest_dues.period_end if latest_dues else None,
    }


def _panel(request: HttpRequest) -> tuple[Any, Person | None, bool]:
    user = request.user
    person = Person.objects.filter(user=user).first() if user.is_authenticated else None
    return user, person, roles.is_staff_member(user)


def dashboard_panel(request: HttpRequest) -> Panel | None:
    """First on the page, because it has a deadline: the vote open to you, the elections you run and, for
    staff, the membership applications waiting."""
    user, person, staff = _panel(request)
    context: dict[str, Any] = {
        "ballots": _ballots(person),
        "steps": _steps(user),
        "applications": Membership.objects.filter(status=MembershipStatus.APPLIED).count() if staff else 0,
        "vote_url": reverse("governance:election_vote"),
        "members_url": reverse("governance:member_list") + "#applications-heading",
    }
    if not any(context[key] for key in ("ballots", "steps", "applications")):
        return None
    return Panel(template="governance/_dashboard_panel.html", context=context, order=1)


def membership_panel(request: HttpRequest) -> Panel | None:
    """After a homeowner's own home: the meetings they are called to and their membership and dues."""
    user, person, staff = _panel(request)
    today = clock.today()
    context: dict[str, Any] = {
        "meetings": _meetings(user, today),
        "membership": None if staff else _membership(person, today),
    }
    if not any(context.values()):
        return None
    return Panel(template="governance/_membership_panel.html", context=context, order=30)
