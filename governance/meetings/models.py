"""Models of member meetings, proxies and resolutions (R9, R10, R12, R13)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clt import roles
from clt.models import Person, TimeStampedModel
from clt.querysets import AccessRules, RestrictedManager, RestrictedQuerySet
from governance.elections.models import Election
from governance.membership.models import MemberClass, ResolutionKind, Threshold


class MeetingKind(models.TextChoices):
    ANNUAL = "annual", _("Annual meeting")
    SPECIAL = "special", _("Special meeting")


class MeetingStatus(models.TextChoices):
    """scheduled → noticed → in session → adjourned; or cancelled before it sits."""

    SCHEDULED = "scheduled", _("Scheduled")
    NOTICED = "noticed", _("Notice sent")
    IN_SESSION = "in_session", _("In session")
    ADJOURNED = "adjourned", _("Adjourned")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingQuerySet(RestrictedQuerySet):
    """Staff read every meeting; members, board members and election officers those whose notice has gone
    out (a scheduled meeting is a draft, and so is one cancelled before its notice); anyone else none. Agenda items and
    resolutions follow their meeting (``meeting_path``). Changing them is staff's (no access rules)."""

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        if action != "view":
            return super().restrict(user, action)
        if roles.is_staff_member(user):
            return self
        if not (roles.is_member(user) or roles.is_board_member(user) or roles.is_election_officer(user)):
            return self.none()
        path = self.model.meeting_path
        return self.exclude(**{f"{path}status": MeetingStatus.SCHEDULED}).exclude(
            **{f"{path}status": MeetingStatus.CANCELLED, f"{path}notice_sent_on__isnull": True}
        )


class Meeting(TimeStampedModel):
    """A meeting of the members: its notice, agenda, who attended, proxies and the resolutions put to it.

    Who may vote is decided on ``record_date`` (like an election's roll); a special meeting states its
    purpose in the notice, and a removal may be voted on only if the notice said so (R12).
    """

    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices, default=MeetingKind.ANNUAL)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("where"), max_length=300, blank=True)
    record_date = models.DateField(_("record date"), help_text=_("Who may vote is decided on this date."))
    purpose = models.TextField(
        _("purpose stated in the notice"), blank=True, help_text=_("Required for a special meeting.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    notice_sent_on = models.DateField(_("notice sent on"), null=True, blank=True)
    opened_at = models.DateTimeField(_("called to order at"), null=True, blank=True)
    adjourned_at = models.DateTimeField(_("adjourned at"), null=True, blank=True)
    # The quorum as it stood when the meeting adjourned (``QuorumStatus.as_dict()``): adjourning checks
    # everyone out, so the live count of an adjourned meeting is always 0.
    quorum_at_adjournment = models.JSONField(_("quorum at adjournment"), null=True, blank=True, editable=False)
    minutes = models.TextField(_("minutes"), blank=True)

    history = HistoricalRecords()
    objects = MeetingQuerySet.as_manager()
    access_rules = AccessRules()
    meeting_path = ""

    class Meta:
        ordering = ["-starts_at", "pk"]
        verbose_name = _("member meeting")
        verbose_name_plural = _("member meetings")

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()
    objects = MeetingQuerySet.as_manager()
    access_rules = AccessRules()
    meeting_path = "meeting__"

    class Meta:
        ordering = ["meeting_id", "order", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """A person at a meeting: their class on the record date (empty: present without a vote), arrival, departure.

    The quorum counts those present now (no ``left_at``), so it is live as people come and go.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="meeting_attendance")
    member_class = models.CharField(_("votes as"), max_length=16, choices=MemberClass.choices, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"))
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The quorum rests on these rows: every arrival, departure, correction and removal is kept with
    # who recorded it and why.
    history = HistoricalRecords()
    # Who was in the room is staff's (no access rules).
    objects = RestrictedManager()
    access_rules = AccessRules()

    class Meta:
        ordering = ["meeting_id", "arrived_at", "pk"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="governance_attendance_once"),
        ]

    def __str__(self) -> str:
        return str(_("%(person)s at %(meeting)s") % {"person": self.person, "meeting": self.meeting})


class Proxy(TimeStampedModel):
    """A member's written proxy for one meeting or one election (R10), to another person.

    It counts only while its holder attends (the quorum) and lapses when the grantor attends in person or
    revokes it. ``directed``: the grantor told the holder how to vote (``instructions``).
    """

    grantor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="proxies_given")
    holder = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="proxies_held")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="proxies")
    election = models.ForeignKey(Election, null=True, blank=True, on_delete=models.CASCADE, related_name="proxies")
    received_on = models.DateField(_("received on"))
    directed = models.BooleanField(_("directed (the grantor says how to vote)"), default=False)
    instructions = models.TextField(_("instructions"), blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()
    objects = RestrictedManager()
    # A member reads the proxies they gave and those they hold.
    access_rules = AccessRules(view=("grantor__user", "holder__user"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("proxy")
        verbose_name_plural = _("proxies")
        constraints = [
            models.CheckConstraint(
                condition=(Q(meeting__isnull=False) & Q(election__isnull=True))
                | (Q(meeting__isnull=True) & Q(election__isnull=False)),
                name="governance_proxy_one_occasion",
                violation_error_message=_("A proxy is for one meeting or one election."),
            ),
            models.CheckConstraint(
                condition=~Q(grantor=models.F("holder")),
                name="governance_proxy_not_to_self",
                violation_error_message=_("A member cannot hold their own proxy."),
            ),
            models.UniqueConstraint(
                fields=["meeting", "grantor"],
                condition=Q(meeting__isnull=False, revoked_on__isnull=True),
                name="governance_proxy_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["election", "grantor"],
                condition=Q(election__isnull=False, revoked_on__isnull=True),
                name="governance_proxy_once_per_election",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grantor} → {self.holder}"


class ResolutionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CARRIED = "carried", _("Carried")
    FAILED = "failed", _("Failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Resolution(TimeStampedModel):
    """A yes/no question put to a meeting (R13), with the threshold it needs and the quorum when it was voted.

    ``quorum`` is the snapshot taken at the moment of the vote (who was present, by class, with proxies,
    against what was needed); a vote without a quorum is refused, so a carried resolution always had one.
    A carried resolution may approve a draft resale policy version, which then cites it.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="resolutions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text of the resolution"))
    kind = models.CharField(_("kind"), max_length=16, choices=ResolutionKind.choices, default=ResolutionKind.OTHER)
    threshold = models.CharField(_("needs"), max_length=24, choices=Threshold.choices)
    voting_classes = models.JSONField(
        _("member classes that vote"),
        default=list,
        blank=True,
        help_text=_("Empty: every voting member. A removal is voted on by the electing class only."),
    )
    policy_version = models.ForeignKey(
        "leases.ResalePolicyVersion",
        verbose_name=_("approves the resale policy version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolutions",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ResolutionStatus.choices, default=ResolutionStatus.PROPOSED
    )
    votes_yes = models.PositiveIntegerField(_("yes"), null=True, blank=True)
    votes_no = models.PositiveIntegerField(_("no"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(_("abstentions"), null=True, blank=True)
    voted_at = models.DateTimeField(_("voted at"), null=True, blank=True)
    quorum = models.JSONField(_("quorum at the vote"), null=True, blank=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()
    objects = MeetingQuerySet.as_manager()
    access_rules = AccessRules()
    meeting_path = "meeting__"

    class Meta:
        ordering = ["meeting_id", "order", "pk"]
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")

    def __str__(self) -> str:
        return self.title
