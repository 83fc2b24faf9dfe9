"""Reading meetings: the live quorum, counted in vote units (R4, R9). Who reads which meeting is
``Meeting.objects.visible_to``."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.meetings import quorum as rules
from governance.meetings.models import Attendance, Meeting, MeetingStatus, Proxy
from governance.membership.models import GovernanceSettings, MemberClass
from governance.membership.selectors import standings_on

__all__ = [
    "meeting_quorum",
    "quorum_at_adjournment",
    "quorum_now",
    "quorum_rules",
    "quorum_shortfall_text",
    "rules_of_snapshot",
]


# --- Quorum --------------------------------------------------------------------------------------


def quorum_rules(settings: GovernanceSettings) -> rules.QuorumRules:
    return rules.QuorumRules(
        basis=settings.quorum_basis,
        percent=settings.quorum_percent,
        number=settings.quorum_number,
        class_minimums={str(k): int(v) for k, v in (settings.quorum_class_minimums or {}).items()},
        counts_proxies=settings.quorum_counts_proxies,
    )


def rules_of_snapshot(snapshot: dict[str, Any]) -> rules.QuorumRules:
    """The bylaws' quorum rules a stored snapshot (``QuorumStatus.as_dict()``) was counted under."""
    return rules.QuorumRules(
        basis=str(snapshot.get("basis", rules.PERCENT)),
        percent=Decimal(str(snapshot.get("percent", "0"))),
        number=int(snapshot.get("number", 0)),
        class_minimums={str(c["member_class"]): int(c["minimum"]) for c in snapshot.get("classes", [])},
        counts_proxies=bool(snapshot.get("counts_proxies", True)),
    )


def quorum_now(
    meeting: Meeting,
    *,
    settings: GovernanceSettings | None = None,
    at: dt.datetime | None = None,
    bylaws: rules.QuorumRules | None = None,
) -> rules.QuorumStatus:
    """The quorum at this moment, counted in vote units (R4: a person, a household or a leasehold, a setting).

    ``at``: the quorum as it stood at that moment instead (those who had arrived and not yet left then; a
    departure at that very moment still counts, as everyone leaves when the meeting adjourns; proxies not
    revoked by that day). ``bylaws``: count under these rules rather than today's settings.

    Voting members are the vote units with a vote on the record date, each in the class of its highest-ranked
    member (as on an election's roll); a unit is present when any of its voting members is in the room, and a
    proxy counts for a unit not present, once, only while its holder attends. With one vote per person each
    unit is one person. The same queries whatever the size of the meeting: the standings', attendance, proxies.
    """
    settings = settings or GovernanceSettings.current()
    precedence = {value: rank for rank, value in enumerate(MemberClass.values)}
    unit_of: dict[int, str] = {}
    unit_class: dict[str, str] = {}
    for standing in standings_on(meeting.record_date, settings=settings):
        if not (standing.votes and standing.member_class):
            continue
        key = standing.vote_unit_key
        unit_of[standing.person.pk] = key
        held = unit_class.get(key)
        if held is None or precedence.get(standing.member_class, 99) < precedence.get(held, 99):
            unit_class[key] = standing.member_class
    # Everyone in the room (a proxy holder need not be a voting member, where the bylaws allow it), and the
    # units of those who voted on the record date.
    attending = Attendance.objects.filter(meeting_id=meeting.pk)
    if at is None:
        attending = attending.filter(left_at__isnull=True)
    else:
        attending = attending.filter(Q(left_at__isnull=True) | Q(left_at__gte=at), arrived_at__lte=at)
    in_room = dict(attending.values_list("person_id", "member_class"))
    units_present = {unit_of[person_id] for person_id, cls in in_room.items() if cls and person_id in unit_of}
    represented: set[str] = set()
    proxies = Proxy.objects.filter(meeting_id=meeting.pk)
    if at is None:
        proxies = proxies.filter(revoked_on__isnull=True)
    else:
        proxies = proxies.filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=timezone.localdate(at)))
    granted = proxies.values_list("grantor_id", "holder_id")
    for grantor_id, holder_id in granted:
        unit = unit_of.get(grantor_id)
        if holder_id in in_room and unit is not None and unit not in units_present:
            represented.add(unit)
    return rules.quorum_status(
        bylaws or quorum_rules(settings),
        voting_members=Counter(unit_class.values()),
        present=Counter(unit_class[unit] for unit in units_present),
        proxies=Counter(unit_class[unit] for unit in represented),
    )


def quorum_at_adjournment(meeting: Meeting, *, settings: GovernanceSettings | None = None) -> rules.QuorumStatus | None:
    """The quorum as it stood when ``meeting`` adjourned (None while it has not).

    Adjourning checks everyone out, so the live count of an adjourned meeting is 0. This counts the attendance
    at the moment of adjournment again (a later correction of an arrival or departure shows), under the rules
    stored when it adjourned (``Meeting.quorum_at_adjournment``); a meeting adjourned before that snapshot was
    kept is counted under today's settings.
    """
    if meeting.status != MeetingStatus.ADJOURNED or meeting.adjourned_at is None:
        return None
    snapshot = meeting.quorum_at_adjournment
    bylaws = rules_of_snapshot(snapshot) if snapshot else None
    return quorum_now(meeting, settings=settings, at=meeting.adjourned_at, bylaws=bylaws)


def meeting_quorum(meeting: Meeting, *, settings: GovernanceSettings | None = None) -> rules.QuorumStatus:
    """What a page shows of a meeting's quorum: at adjournment once it has adjourned, otherwise now."""
    return quorum_at_adjournment(meeting, settings=settings) or quorum_now(meeting, settings=settings)


def _class_members(member_class: str) -> str:
    names = {
        MemberClass.LESSEE.value: _("lessee members"),
        MemberClass.GENERAL.value: _("general members"),
        MemberClass.SUPPORTING.value: _("supporting members"),
    }
    return str(names.get(member_class, member_class))


def quorum_shortfall_text(status: rules.QuorumStatus) -> str:
    """Why there is no quorum: the total needed and counted, then each class short of its minimum."""
    parts = [
        _("No quorum: needed %(required)s, counted %(counted)s")
        % {"required": status.required, "counted": status.counted}
    ]
    for entry in status.unmet_classes:
        parts.append(
            _("%(members)s %(counted)s of %(minimum)s")
            % {"members": _class_members(entry.member_class), "counted": entry.counted, "minimum": entry.minimum}
        )
    return "; ".join(parts) + "."
