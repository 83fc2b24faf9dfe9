"""Proxies members give online, and the person picker that finds a proxy holder or someone to check in.

A member signs in and gives their own proxy for a meeting or an election still ahead, to a holder found by
name; the bylaws' rules are those of a signed form (``services.proxy_record``: proxies allowed, grantor with
a vote, holder a voting member or of the same class, one live proxy per occasion, at most so many per
holder). The deadline: a meeting's proxies are given and revoked before it is called to order (its start),
an election's before voting closes. A member can give and revoke only their own proxy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clt import clock, roles
from clt.models import Person
from governance.elections.models import Election, ElectionPhase
from governance.meetings import services
from governance.meetings.models import Meeting, MeetingStatus, Proxy
from governance.membership.selectors import standings_on

__all__ = [
    "MAX_MATCHES",
    "Occasion",
    "find_people",
    "occasion_of",
    "occasions_for",
    "proxy_deadline",
    "proxy_give",
    "proxy_withdraw",
]

# The picker lists at most this many people: enough to find a name, too few to page through everyone.
MAX_MATCHES = 10
MIN_QUERY = 2


@dataclass(frozen=True)
class Occasion:
    """A meeting or an election a member may give a proxy for; ``key`` is ``meeting:7`` or ``election:3``."""

    key: str
    label: str
    record_date: dt.date
    deadline: dt.datetime
    meeting: Meeting | None = None
    election: Election | None = None


def _own_person(actor: Any) -> Person:
    person = Person.objects.filter(user_id=getattr(actor, "pk", None)).first() if actor else None
    if person is None or not roles.is_member(actor):
        raise PermissionDenied(_("Only a member signed in with their own record gives a proxy online."))
    return person


def occasions_for(now: dt.datetime | None = None) -> list[Occasion]:
    """The meetings (noticed, not yet called to order) and elections (roll frozen or open, not closed) ahead."""
    now = now or timezone.now()
    found = [
        Occasion(f"meeting:{m.pk}", str(m), m.record_date, m.starts_at, meeting=m)
        for m in Meeting.objects.filter(status=MeetingStatus.NOTICED, starts_at__gt=now).order_by("starts_at", "pk")
    ]
    found += [
        Occasion(f"election:{e.pk}", str(e), e.record_date, e.closes_at, election=e)
        for e in Election.objects.filter(
            phase__in=(ElectionPhase.FROZEN, ElectionPhase.OPEN), closes_at__gt=now
        ).order_by("closes_at", "pk")
    ]
    return found


def occasion_of(key: str, now: dt.datetime | None = None) -> Occasion:
    """The occasion named by ``key`` if a proxy may still be given for it; a ValidationError on ``occasion``."""
    for occasion in occasions_for(now):
        if occasion.key == key:
            return occasion
    raise ValidationError({"occasion": [_("Choose a meeting or an election still ahead.")]})


def find_people(actor: Any, query: str, *, on: dt.date | None = None, members_only: bool = True) -> list[Person]:
    """People whose name contains every word of ``query``, at most ``MAX_MATCHES``, ordered by name.

    Staff may search everyone (``members_only=False``: checking in a guest); anyone else only the voting
    members on ``on``, and only when a member themself: a homeowner or a stranger cannot list the trust's people.
    """
    staff = roles.is_staff_member(actor)
    if not (staff or roles.is_member(actor)):
        raise PermissionDenied(_("Only members and staff may look people up."))
    words = [w for w in (query or "").split() if w][:4]
    if sum(len(w) for w in words) < MIN_QUERY:
        return []
    people: QuerySet = Person.objects.all()
    for word in words:
        people = people.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word))
    if members_only or not staff:
        voters = [s.person.pk for s in standings_on(on or clock.today()) if s.votes]
        people = people.filter(pk__in=voters)
    return list(people.order_by("family_name", "given_name", "pk")[:MAX_MATCHES])


@transaction.atomic
def proxy_give(*, actor: Any, occasion_key: str, holder: Person, now: dt.datetime | None = None) -> Proxy:
    """The signed-in member gives their own proxy for the occasion to ``holder``, before its deadline."""
    grantor = _own_person(actor)
    occasion = occasion_of(occasion_key, now)
    return services.proxy_record(
        actor=actor,
        reason=_("Proxy given online by the member"),
        grantor=grantor,
        holder=holder,
        received_on=clock.today(),
        meeting=occasion.meeting,
        election=occasion.election,
    )


def proxy_deadline(proxy: Proxy) -> dt.datetime:
    return proxy.meeting.starts_at if proxy.meeting_id else proxy.election.closes_at


@transaction.atomic
def proxy_withdraw(*, actor: Any, proxy: Proxy, now: dt.datetime | None = None) -> Proxy:
    """The grantor revokes their own proxy online, before the occasion's deadline."""
    grantor = _own_person(actor)
    proxy = Proxy.objects.select_related("meeting", "election").get(pk=proxy.pk)
    if proxy.grantor_id != grantor.pk:
        raise PermissionDenied(_("A member revokes only their own proxy."))
    if (now or timezone.now()) >= proxy_deadline(proxy):
        raise ValidationError({"proxy": [_("Too late: the deadline for this proxy has passed.")]})
    return services.proxy_revoke(
        actor=actor, reason=_("Proxy revoked online by the member"), proxy=proxy, revoked_on=clock.today()
    )
