"""Reading meetings: the live quorum, counted in vote units (R4, R9). Who reads which meeting is
``Meeting.objects.visible_to``."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext as _

from governance.meetings import quorum as rules
from governance.meetings.models import Attendance, Meeting, Proxy
from governance.membership.models import GovernanceSettings, MemberClass
from governance.membership.selectors import standings_on

__all__ = ["quorum_now", "quorum_rules", "quorum_shortfall_text"]


# --- Quorum --------------------------------------------------------------------------------------


def quorum_rules(settings: GovernanceSettings) -> rules.QuorumRules:
    return rules.QuorumRules(
        basis=settings.quorum_basis,
        percent=settings.quorum_percent,
        number=settings.quorum_number,
        class_minimums={str(k): int(v) for k, v in (settings.quorum_class_minimums or {}).items()},
        counts_proxies=settings.quorum_counts_proxies,
    )


def quorum_now(meeting: Meeting, *, settings: GovernanceSettings | None = None) -> rules.QuorumStatus:
    """The quorum at this moment, counted in vote units (R4: a person, a household or a leasehold, a setting).

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
    in_room = dict(
        Attendance.objects.filter(meeting_id=meeting.pk, left_at__isnull=True).values_list("person_id", "member_class")
    )
    units_present = {unit_of[person_id] for person_id, cls in in_room.items() if cls and person_id in unit_of}
    represented: set[str] = set()
    granted = Proxy.objects.filter(meeting_id=meeting.pk, revoked_on__isnull=True).values_list(
        "grantor_id", "holder_id"
    )
    for grantor_id, holder_id in granted:
        unit = unit_of.get(grantor_id)
        if holder_id in in_room and unit is not None and unit not in units_present:
            represented.add(unit)
    return rules.quorum_status(
        quorum_rules(settings),
        voting_members=Counter(unit_class.values()),
        present=Counter(unit_class[unit] for unit in units_present),
        proxies=Counter(unit_class[unit] for unit in represented),
    )


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
