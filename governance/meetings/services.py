"""Services of member meetings: notice, agenda, attendance, proxies, the live quorum, resolutions (R9-R13).

A meeting goes scheduled → noticed → in session → adjourned, or is cancelled before it sits. Each service
states the status it needs and refuses otherwise, naming it. Who votes is decided on the meeting's record
date (``governance.membership.selectors``); the quorum arithmetic is pure (``governance.meetings.quorum``),
and the live quorum is read by ``governance.meetings.selectors``.

A resolution is voted while the meeting sits: the quorum is taken at that moment and stored with the result,
and a vote without a quorum is refused whole (nothing stored). A carried resolution that approves a draft
resale policy version approves it through the leases service in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_update_with_history

from clt import clock
from clt.formats import date_text
from clt.history import actor_or_none as _actor_or_none
from clt.history import require_reason, save_stamped, stamp
from clt.models import Person
from governance.elections.models import Election, ElectionPhase
from governance.meetings import quorum as rules
from governance.meetings.models import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Proxy,
    Resolution,
    ResolutionStatus,
)
from governance.meetings.selectors import quorum_now, quorum_shortfall_text
from governance.membership.models import GovernanceSettings, MemberClass, ResolutionKind, Threshold
from governance.membership.selectors import standing_of
from leases.models import PolicyStatus
from leases.resale import services as lease_services

__all__ = [
    "MEETING_FIELDS",
    "NOTICE_KINDS",
    "agenda_item_add",
    "attendance_check_in",
    "attendance_check_out",
    "attendance_correct",
    "attendance_remove",
    "meeting_adjourn",
    "meeting_cancel",
    "meeting_create",
    "meeting_notice_send",
    "meeting_open",
    "meeting_update",
    "proxy_record",
    "proxy_revoke",
    "resolution_propose",
    "resolution_vote",
    "resolution_withdraw",
]

# The fields ``meeting_update`` may change, and those fixed once the notice has gone out.
MEETING_FIELDS = ("kind", "title", "starts_at", "location", "record_date", "purpose", "minutes")
NOTICED_FIXED = ("kind", "starts_at", "record_date", "purpose")
# R12, R13: these must be stated in the notice, so they are proposed before it is sent.
NOTICE_KINDS = (ResolutionKind.BYLAWS, ResolutionKind.RESALE_FORMULA, ResolutionKind.LAND_SALE, ResolutionKind.REMOVAL)
CLOSED_ELECTION = (ElectionPhase.CLOSED, ElectionPhase.COUNTED, ElectionPhase.CERTIFIED)


def _meeting_day(meeting: Meeting) -> dt.date:
    return timezone.localdate(meeting.starts_at) if timezone.is_aware(meeting.starts_at) else meeting.starts_at.date()


def _locked(meeting: Meeting) -> Meeting:
    """The meeting row, locked until the transaction ends: status changes and votes serialise on it."""
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


def _require_status(meeting: Meeting, *statuses: str, field: str = "status") -> None:
    if meeting.status not in statuses:
        allowed = ", ".join(str(MeetingStatus(s).label).lower() for s in statuses)
        raise ValidationError(
            {
                field: [
                    _("The meeting is %(status)s; this needs it to be: %(allowed)s.")
                    % {"status": meeting.get_status_display().lower(), "allowed": allowed}
                ]
            }
        )


def _at(at: dt.datetime | None) -> dt.datetime:
    return at or clock.now()


# --- Meetings ----------------------------------------------------------------------------------


def _check_dates(meeting: Meeting) -> None:
    if meeting.record_date and meeting.starts_at and meeting.record_date > _meeting_day(meeting):
        raise ValidationError(
            {
                "record_date": [
                    _("The record date is on or before the day of the meeting (%(date)s).")
                    % {"date": date_text(_meeting_day(meeting))}
                ]
            }
        )


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    reason: str,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    record_date: dt.date,
    location: str = "",
    purpose: str = "",
) -> Meeting:
    """A member meeting, scheduled: its notice is sent later (``meeting_notice_send``)."""
    reason = require_reason(reason)
    meeting = Meeting(
        kind=kind,
        title=title,
        starts_at=starts_at,
        record_date=record_date,
        location=location or "",
        purpose=purpose or "",
    )
    _check_dates(meeting)
    return save_stamped(meeting, actor=actor, reason=reason)


@transaction.atomic
def meeting_update(*, actor: Any, reason: str, meeting: Meeting, **fields: Any) -> Meeting:
    """Change a meeting. Once the notice is sent its date, record date, kind and purpose are what the members
    were told: they cannot change (cancel and call a new meeting)."""
    reason = require_reason(reason)
    meeting = _locked(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"status": [_("A cancelled meeting does not change.")]})
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        if name not in MEETING_FIELDS:
            errors[name] = [_("Not a field of a meeting that can be changed here.")]
            continue
        if value is None and name in ("location", "purpose", "minutes"):
            value = ""
        if meeting.status != MeetingStatus.SCHEDULED and name in NOTICED_FIXED and getattr(meeting, name) != value:
            errors[name] = [_("The notice has been sent: this cannot change any more.")]
            continue
        setattr(meeting, name, value)
    if errors:
        raise ValidationError(errors)
    _check_dates(meeting)
    return save_stamped(meeting, actor=actor, reason=reason)


@transaction.atomic
def agenda_item_add(
    *, actor: Any, reason: str, meeting: Meeting, title: str, description: str = "", order: int | None = None
) -> AgendaItem:
    """An item of the agenda (at the end unless ``order`` says where)."""
    reason = require_reason(reason)
    meeting = _locked(meeting)
    _require_status(meeting, MeetingStatus.SCHEDULED, MeetingStatus.NOTICED, MeetingStatus.IN_SESSION)
    if order is None:
        order = (meeting.agenda.aggregate(top=Max("order"))["top"] or 0) + 1
    item = AgendaItem(meeting=meeting, title=title, description=description or "", order=order)
    return save_stamped(item, actor=actor, reason=reason)


@transaction.atomic
def meeting_notice_send(*, actor: Any, reason: str, meeting: Meeting, sent_on: dt.date) -> Meeting:
    """Record that the notice went out on ``sent_on``: within the bylaws' notice window before the meeting; a
    special meeting's notice states its purpose."""
    reason = require_reason(reason)
    meeting = _locked(meeting)
    _require_status(meeting, MeetingStatus.SCHEDULED)
    settings = GovernanceSettings.current()
    days = (_meeting_day(meeting) - sent_on).days
    if not settings.notice_min_days <= days <= settings.notice_max_days:
        raise ValidationError(
            {
                "sent_on": [
                    _(
                        "The notice must go out between %(min)s and %(max)s days before the meeting; "
                        "%(date)s is %(days)s days before it."
                    )
                    % {
                        "min": settings.notice_min_days,
                        "max": settings.notice_max_days,
                        "date": date_text(sent_on),
                        "days": days,
                    }
                ]
            }
        )
    if meeting.kind == MeetingKind.SPECIAL and not meeting.purpose.strip():
        raise ValidationError({"purpose": [_("The notice of a special meeting states its purpose.")]})
    meeting.status = MeetingStatus.NOTICED
    meeting.notice_sent_on = sent_on
    return save_stamped(meeting, actor=actor, reason=reason)


@transaction.atomic
def meeting_open(*, actor: Any, reason: str, meeting: Meeting, at: dt.datetime | None = None) -> Meeting:
    """Call the meeting to order: from now on people are checked in and resolutions voted."""
    reason = require_reason(reason)
    meeting = _locked(meeting)
    _require_status(meeting, MeetingStatus.NOTICED)
    meeting.status = MeetingStatus.IN_SESSION
    meeting.opened_at = _at(at)
    return save_stamped(meeting, actor=actor, reason=reason)


@transaction.atomic
def meeting_adjourn(
    *, actor: Any, reason: str, meeting: Meeting, at: dt.datetime | None = None, minutes: str = ""
) -> Meeting:
    """Adjourn: everyone still in the room leaves at that moment."""
    reason = require_reason(reason)
    meeting = _locked(meeting)
    _require_status(meeting, MeetingStatus.IN_SESSION)
    at = _at(at)
    if meeting.opened_at and at < meeting.opened_at:
        raise ValidationError({"at": [_("A meeting is adjourned after it was called to order.")]})
    # The quorum as it stands at this moment, before everyone is checked out (the run page shows it, read-only).
    meeting.quorum_at_adjournment = quorum_now(meeting, at=at).as_dict()
    present = list(Attendance.objects.filter(meeting=meeting, left_at__isnull=True))
    for row in present:
        row.left_at, row.recorded_by = at, _actor_or_none(actor)
    if present:
        # In bulk, each departure with its history row: who adjourned, and why everyone left then.
        bulk_update_with_history(
            present,
            Attendance,
            ["left_at", "recorded_by"],
            default_user=_actor_or_none(actor),
            default_change_reason=_("Left when the meeting adjourned: %(reason)s") % {"reason": reason},
        )
    meeting.status = MeetingStatus.ADJOURNED
    meeting.adjourned_at = at
    if minutes:
        meeting.minutes = minutes
    return save_stamped(meeting, actor=actor, reason=reason)


@transaction.atomic
def meeting_cancel(*, actor: Any, reason: str, meeting: Meeting) -> Meeting:
    reason = require_reason(reason)
    meeting = _locked(meeting)
    _require_status(meeting, MeetingStatus.SCHEDULED, MeetingStatus.NOTICED)
    meeting.status = MeetingStatus.CANCELLED
    return save_stamped(meeting, actor=actor, reason=reason)


# --- Attendance ----------------------------------------------------------------------------------


def _standing(person: Person, on: dt.date, settings: GovernanceSettings | None = None) -> Any:
    return standing_of(person, on, settings=settings)


@transaction.atomic
def attendance_check_in(
    *, actor: Any, meeting: Meeting, person: Person, at: dt.datetime | None = None, reason: str = ""
) -> Attendance:
    """``person`` arrives. They vote in their class on the record date; without a vote they may attend and do
    not count. Coming back after leaving clears the departure. The history row says who checked them in
    (``reason``: by default "Checked in", or "Checked in again")."""
    meeting = _locked(meeting)
    _require_status(meeting, MeetingStatus.IN_SESSION)
    at = _at(at)
    _require_while_it_could_sit(meeting, at, "at")
    row = Attendance.objects.select_for_update().filter(meeting=meeting, person=person).first()
    if row is not None:
        if row.left_at is None:
            raise ValidationError({"person": [_("%(person)s is already checked in.") % {"person": person}]})
        row.left_at = None
        row.recorded_by = _actor_or_none(actor)
        stamp(row, actor=actor, reason=reason.strip() or _("Checked in again"))
        row.save(update_fields=["left_at", "recorded_by"])
        return row
    standing = _standing(person, meeting.record_date)
    row = Attendance(
        meeting=meeting,
        person=person,
        member_class=standing.member_class if standing.votes and standing.member_class else "",
        arrived_at=at,
        recorded_by=_actor_or_none(actor),
    )
    return save_stamped(row, actor=actor, reason=reason.strip() or _("Checked in"))


@transaction.atomic
def attendance_check_out(
    *, actor: Any, meeting: Meeting, person: Person, at: dt.datetime | None = None, reason: str = ""
) -> Attendance:
    """``person`` leaves the room: they stop counting toward the quorum (and their proxies with them)."""
    meeting = _locked(meeting)
    _require_status(meeting, MeetingStatus.IN_SESSION)
    row = Attendance.objects.select_for_update().filter(meeting=meeting, person=person, left_at__isnull=True).first()
    if row is None:
        raise ValidationError({"person": [_("%(person)s is not checked in.") % {"person": person}]})
    at = _at(at)
    _require_while_it_could_sit(meeting, at, "at")
    if at < row.arrived_at:
        raise ValidationError({"at": [_("A person leaves after they arrived.")]})
    row.left_at = at
    row.recorded_by = _actor_or_none(actor)
    stamp(row, actor=actor, reason=reason.strip() or _("Checked out"))
    row.save(update_fields=["left_at", "recorded_by"])
    return row


_UNSET: Any = object()


def _require_while_it_could_sit(meeting: Meeting, value: dt.datetime | None, field: str) -> None:
    """An attendance time falls while the meeting could have sat: from half a day before it was called to
    order until it adjourned (a day on, while it sits). A typo such as the year 138 is refused on ``field``,
    not stored."""
    if value is None:
        return
    earliest = min(meeting.starts_at, meeting.opened_at or meeting.starts_at) - dt.timedelta(hours=12)
    latest = meeting.adjourned_at or max(clock.now(), meeting.starts_at) + dt.timedelta(days=1)
    if not earliest <= value <= latest:
        span = {
            "first": formats.date_format(timezone.localtime(earliest), "DATETIME_FORMAT"),
            "last": formats.date_format(timezone.localtime(latest), "DATETIME_FORMAT"),
        }
        raise ValidationError({field: [_("Give a time from %(first)s to %(last)s.") % span]})


@transaction.atomic
def attendance_correct(
    *,
    actor: Any,
    reason: str,
    attendance: Attendance,
    arrived_at: dt.datetime | None = None,
    left_at: dt.datetime | None = _UNSET,
) -> Attendance:
    """Correct a mistaken arrival or departure time, with a reason; the history keeps what it said before.

    ``left_at=None`` puts the person back in the room (only while the meeting sits). Votes already taken
    keep the quorum they were taken with (their snapshot).
    """
    reason = require_reason(reason)
    meeting = _locked(attendance.meeting)
    _require_status(meeting, MeetingStatus.IN_SESSION, MeetingStatus.ADJOURNED)
    row = Attendance.objects.select_for_update().get(pk=attendance.pk)
    if arrived_at is not None:
        row.arrived_at = arrived_at
    if left_at is not _UNSET:
        if left_at is None and meeting.status == MeetingStatus.ADJOURNED:
            raise ValidationError({"left_at": [_("Everyone left when the meeting adjourned: give the time.")]})
        row.left_at = left_at
    if row.left_at is not None and row.left_at < row.arrived_at:
        raise ValidationError({"left_at": [_("A person leaves after they arrived.")]})
    for field in ("arrived_at", "left_at"):
        _require_while_it_could_sit(meeting, getattr(row, field), field)
    row.recorded_by = _actor_or_none(actor)
    return save_stamped(row, actor=actor, reason=reason)


@transaction.atomic
def attendance_remove(*, actor: Any, reason: str, attendance: Attendance) -> None:
    """Remove an attendance recorded by mistake (the wrong person checked in); its history keeps it."""
    reason = require_reason(reason)
    meeting = _locked(attendance.meeting)
    _require_status(meeting, MeetingStatus.IN_SESSION, MeetingStatus.ADJOURNED)
    row = Attendance.objects.select_for_update().get(pk=attendance.pk)
    stamp(row, actor=actor, reason=reason)
    row.delete()


# --- Proxies -------------------------------------------------------------------------------------


@transaction.atomic
def proxy_record(
    *,
    actor: Any,
    reason: str,
    grantor: Person,
    holder: Person,
    received_on: dt.date,
    meeting: Meeting | None = None,
    election: Election | None = None,
    directed: bool = False,
    instructions: str = "",
) -> Proxy:
    """A member's written proxy for one meeting or one election (R10), checked against the bylaws' proxy rules
    on the occasion's record date."""
    reason = require_reason(reason)
    if (meeting is None) == (election is None):
        raise ValidationError({"meeting": [_("A proxy is for one meeting or one election.")]})
    settings = GovernanceSettings.current()
    if meeting is not None:
        occasion_field = "meeting"
        meeting = _locked(meeting)
        if meeting.status in (MeetingStatus.ADJOURNED, MeetingStatus.CANCELLED):
            raise ValidationError(
                {"meeting": [_("The meeting is %(status)s.") % {"status": meeting.get_status_display().lower()}]}
            )
        record_date = meeting.record_date
        same_occasion = Q(meeting=meeting)
    else:
        occasion_field = "election"
        election = Election.objects.select_for_update().get(pk=election.pk)
        if election.phase in CLOSED_ELECTION:
            raise ValidationError({"election": [_("Voting in this election has closed.")]})
        record_date = election.record_date
        same_occasion = Q(election=election)
    if not settings.proxies_allowed:
        raise ValidationError({occasion_field: [_("The bylaws do not allow voting by proxy.")]})
    if received_on > clock.today():
        raise ValidationError({"received_on": [_("A proxy is recorded once it has been received.")]})
    if grantor.pk == holder.pk:
        raise ValidationError({"holder": [_("A member cannot hold their own proxy.")]})
    grantor_standing = _standing(grantor, record_date, settings)
    if not (grantor_standing.votes and grantor_standing.member_class):
        why = " ".join(grantor_standing.reasons)
        message = _("%(person)s has no vote on the record date (%(date)s).") % {
            "person": grantor,
            "date": date_text(record_date),
        }
        raise ValidationError({"grantor": [f"{message} {why}".strip()]})
    if settings.proxy_holder_must_be_member or settings.proxy_holder_same_class:
        holder_standing = _standing(holder, record_date, settings)
        holder_votes = bool(holder_standing.votes and holder_standing.member_class)
        if settings.proxy_holder_must_be_member and not holder_votes:
            raise ValidationError(
                {
                    "holder": [
                        _("A proxy holder must be a voting member; %(person)s is not on %(date)s.")
                        % {"person": holder, "date": date_text(record_date)}
                    ]
                }
            )
        if settings.proxy_holder_same_class and holder_standing.member_class != grantor_standing.member_class:
            raise ValidationError(
                {
                    "holder": [
                        _("A proxy holder must be of the grantor's class (%(class)s).")
                        % {"class": str(MemberClass(grantor_standing.member_class).label).lower()}
                    ]
                }
            )
    live = Proxy.objects.filter(same_occasion, revoked_on__isnull=True)
    if live.filter(grantor=grantor).exists():
        raise ValidationError(
            {"grantor": [_("%(person)s has already given a proxy for this: revoke it first.") % {"person": grantor}]}
        )
    if settings.proxy_max_per_holder is not None:
        held = live.filter(holder=holder).count()
        if held >= settings.proxy_max_per_holder:
            raise ValidationError(
                {
                    "holder": [
                        _("%(person)s already holds %(held)s proxies, the most one holder may carry.")
                        % {"person": holder, "held": held}
                    ]
                }
            )
    proxy = Proxy(
        grantor=grantor,
        holder=holder,
        meeting=meeting,
        election=election,
        received_on=received_on,
        directed=bool(directed),
        instructions=instructions or "",
        actor=_actor_or_none(actor),
    )
    return save_stamped(proxy, actor=actor, reason=reason)


@transaction.atomic
def proxy_revoke(*, actor: Any, reason: str, proxy: Proxy, revoked_on: dt.date) -> Proxy:
    """The grantor withdraws the proxy (attending in person lapses it without revoking it)."""
    reason = require_reason(reason)
    proxy = Proxy.objects.select_for_update().get(pk=proxy.pk)
    if proxy.revoked_on is not None:
        raise ValidationError(
            {"revoked_on": [_("This proxy was revoked on %(date)s.") % {"date": date_text(proxy.revoked_on)}]}
        )
    if revoked_on < proxy.received_on:
        raise ValidationError(
            {
                "revoked_on": [
                    _("A proxy is revoked after it was received (%(date)s).") % {"date": date_text(proxy.received_on)}
                ]
            }
        )
    proxy.revoked_on = revoked_on
    return save_stamped(proxy, actor=actor, reason=reason)


# --- Resolutions ---------------------------------------------------------------------------------


@transaction.atomic
def resolution_propose(
    *,
    actor: Any,
    reason: str,
    meeting: Meeting,
    title: str,
    text: str,
    kind: str,
    threshold: str | None = None,
    voting_classes: list[str] | None = None,
    policy_version: Any = None,
    order: int | None = None,
) -> Resolution:
    """Put a resolution to a meeting. Bylaws, the resale formula, land sales and removals must be stated in the
    notice (R12, R13), so they are proposed before it is sent; the threshold defaults to the bylaws' for the
    kind; a resale formula resolution may name the draft policy version it approves."""
    reason = require_reason(reason)
    meeting = _locked(meeting)
    _require_status(meeting, MeetingStatus.SCHEDULED, MeetingStatus.NOTICED, MeetingStatus.IN_SESSION, field="meeting")
    if kind not in ResolutionKind.values:
        raise ValidationError({"kind": [_("Choose one of: %(k)s.") % {"k": ", ".join(ResolutionKind.values)}]})
    if kind in NOTICE_KINDS and meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(
            {
                "kind": [
                    _("A resolution on %(kind)s must be stated in the notice, which has been sent.")
                    % {"kind": str(ResolutionKind(kind).label).lower()}
                ]
            }
        )
    if threshold in (None, ""):
        settings = GovernanceSettings.current()
        threshold = (settings.resolution_thresholds or {}).get(kind) or Threshold.MAJORITY
    if threshold not in Threshold.values:
        raise ValidationError({"threshold": [_("Choose one of: %(t)s.") % {"t": ", ".join(Threshold.values)}]})
    classes = [str(c) for c in (voting_classes or [])]
    if not set(classes) <= set(MemberClass.values) or len(set(classes)) != len(classes):
        raise ValidationError({"voting_classes": [_("A list of member classes: lessee, general, supporting.")]})
    if policy_version is not None:
        if kind != ResolutionKind.RESALE_FORMULA:
            raise ValidationError(
                {"policy_version": [_("Only a resolution on the resale formula approves a policy version.")]}
            )
        if policy_version.status != PolicyStatus.DRAFT:
            raise ValidationError({"policy_version": [_("Only a draft policy version can be put to the members.")]})
    if order is None:
        order = (meeting.resolutions.aggregate(top=Max("order"))["top"] or 0) + 1
    resolution = Resolution(
        meeting=meeting,
        order=order,
        title=title,
        text=text,
        kind=kind,
        threshold=threshold,
        voting_classes=classes,
        policy_version=policy_version,
        actor=_actor_or_none(actor),
    )
    return save_stamped(resolution, actor=actor, reason=reason)


def _approval_reference(resolution: Resolution, meeting: Meeting, on: dt.date) -> str:
    # Shown to people (the resale page, the certificate): the date in the locale's format, never ISO.
    tail = f" ({meeting.title}, {date_text(on)})"
    head = _("Resolution %(number)s: ") % {"number": resolution.pk}
    room = 200 - len(head) - len(tail)
    title = resolution.title if len(resolution.title) <= room else resolution.title[: max(room - 1, 0)] + "…"
    return (head + title + tail)[:200]


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError({field: [_("A whole number, zero or more.")]})
    return value


@transaction.atomic
def resolution_vote(
    *,
    actor: Any,
    reason: str,
    resolution: Resolution,
    yes: int,
    no: int,
    abstain: int = 0,
    at: dt.datetime | None = None,
    effective_from: dt.date | None = None,
) -> Resolution:
    """Record the vote on a resolution while the meeting sits.

    The quorum is taken now and stored with the result; without one the vote is refused and nothing is stored.
    The votes recorded cannot exceed the votes in the room (voting members of the resolution's classes present,
    plus the proxies their holders carry). Carried with a policy version: that version is approved, effective
    from ``effective_from`` (default: the day of the vote), citing this resolution.
    """
    reason = require_reason(reason)
    yes, no, abstain = _count(yes, "yes"), _count(no, "no"), _count(abstain, "abstain")
    resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
    meeting = _locked(resolution.meeting)
    if resolution.status != ResolutionStatus.PROPOSED:
        raise ValidationError(
            {"status": [_("This resolution is %(status)s.") % {"status": resolution.get_status_display().lower()}]}
        )
    _require_status(meeting, MeetingStatus.IN_SESSION, field="meeting")
    if effective_from is not None and resolution.policy_version_id is None:
        raise ValidationError({"effective_from": [_("Only a resolution approving a policy version takes effect.")]})
    at = _at(at)
    status = quorum_now(meeting)
    if not status.met:
        raise ValidationError({"quorum": [quorum_shortfall_text(status)]})
    in_room = status.votes_present(resolution.voting_classes)
    if yes + no + abstain > in_room:
        raise ValidationError(
            {
                "yes": [
                    " ".join(
                        (
                            ngettext(
                                "%(cast)s vote recorded (yes, no and abstentions),",
                                "%(cast)s votes recorded (yes, no and abstentions),",
                                yes + no + abstain,
                            ),
                            ngettext(
                                "but %(present)s vote is in the room.",
                                "but %(present)s votes are in the room.",
                                in_room,
                            ),
                        )
                    )
                    % {"cast": yes + no + abstain, "present": in_room}
                ]
            }
        )
    carried = rules.passes(resolution.threshold, yes=yes, no=no, present=in_room)
    snapshot = status.as_dict()
    snapshot.update(
        taken_at=at.isoformat(),
        votes_present=in_room,
        voting_classes=list(resolution.voting_classes or []),
        votes_needed=rules.votes_needed(resolution.threshold, cast=yes + no, present=in_room),
    )
    resolution.votes_yes, resolution.votes_no, resolution.votes_abstain = yes, no, abstain
    resolution.voted_at = at
    resolution.quorum = snapshot
    resolution.status = ResolutionStatus.CARRIED if carried else ResolutionStatus.FAILED
    resolution.actor = _actor_or_none(actor)
    save_stamped(resolution, actor=actor, reason=reason)
    if carried and resolution.policy_version_id is not None:
        voted_on = timezone.localdate(at) if timezone.is_aware(at) else at.date()
        lease_services.resale_policy_version_approve(
            version=resolution.policy_version,
            approved_on=voted_on,
            effective_from=effective_from or voted_on,
            approval_reference=_approval_reference(resolution, meeting, voted_on),
            actor=actor,
            reason=reason,
        )
    return resolution


@transaction.atomic
def resolution_withdraw(*, actor: Any, reason: str, resolution: Resolution) -> Resolution:
    reason = require_reason(reason)
    resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
    if resolution.status != ResolutionStatus.PROPOSED:
        raise ValidationError(
            {"status": [_("Only a proposed resolution can be withdrawn; this one is %(status)s.")
                        % {"status": resolution.get_status_display().lower()}]}
        )  # fmt: skip
    resolution.status = ResolutionStatus.WITHDRAWN
    return save_stamped(resolution, actor=actor, reason=reason)
