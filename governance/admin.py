"""The admin is a staff escape hatch for reading governance; every change goes through the parts' services.

So every model is read-only here: an edit in the admin would skip the rules the services keep (a membership's
application and approval, a seat class's seats against the terms it holds, an election's phases, the quorum
a resolution was voted with) and the reason each change records in the history.

Ballots are not registered, nor sealed ballots. The ballots are read once the election is counted, on the
published ballots page and in its .blt file, by everyone; an admin list would show them earlier (a running
tally as the sealed ones reach the box), and, beside the list of who voted, would invite exactly the search for
a link between a voter and a ballot that the ballot box is built to defeat. A sealed ballot says nothing
without the server's key anyway. Participation (who voted, never how) and the roll are shown read-only, with
nothing that leads from them to a ballot; the roll's access code hashes are left out.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from governance.board.models import BoardTerm, SeatClass
from governance.elections.models import (
    AccessCodeIssue,
    Candidate,
    Contest,
    Election,
    Participation,
    PetitionSignature,
    RollEntry,
)
from governance.meetings.models import AgendaItem, Attendance, Meeting, Proxy, Resolution
from governance.membership.models import DuesPayment, GovernanceSettings, Membership


class ReadOnlyMixin:
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Read-only, with the record's history."""


class ReadOnlyFactsAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only rows that are facts, not edits (no history: they never change, or keep none on purpose)."""


# --- Membership ------------------------------------------------------------------------------------


@admin.register(GovernanceSettings)
class GovernanceSettingsAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "lessee_scope", "vote_unit", "dues_amount", "quorum_basis", "last_updated"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["person", "kind", "status", "applied_on", "approved_on", "ended_on", "dues_waived"]
    list_filter = ["kind", "status", "dues_waived"]
    search_fields = ["person__given_name", "person__family_name"]


@admin.register(DuesPayment)
class DuesPaymentAdmin(ReadOnlyAdmin):
    list_display = ["membership", "period_start", "period_end", "amount", "paid_on"]


# --- The board -------------------------------------------------------------------------------------


@admin.register(SeatClass)
class SeatClassAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "seats", "min_seats", "max_share", "selection", "term_years"]
    list_filter = ["selection"]


@admin.register(BoardTerm)
class BoardTermAdmin(ReadOnlyAdmin):
    list_display = ["person", "seat_class", "basis", "starts_on", "ends_on", "ended_on", "end_reason"]
    list_filter = ["seat_class", "basis", "end_reason"]
    search_fields = ["person__given_name", "person__family_name"]


# --- Elections -------------------------------------------------------------------------------------


@admin.register(Election)
class ElectionAdmin(ReadOnlyAdmin):
    list_display = ["name", "phase", "record_date", "opens_at", "closes_at", "officer", "certified_at"]
    list_filter = ["phase"]
    exclude = ["code_salt"]


@admin.register(Contest)
class ContestAdmin(ReadOnlyAdmin):
    list_display = ["title", "election", "seat_class", "seats", "method", "acclaimed", "vacant_seats"]
    list_filter = ["method"]


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    list_display = ["person", "contest", "nomination_mode", "nominated_on", "consented_on", "withdrawn"]
    list_filter = ["nomination_mode", "withdrawn"]


@admin.register(PetitionSignature)
class PetitionSignatureAdmin(ReadOnlyFactsAdmin):
    list_display = ["candidate", "person", "signed_on"]


@admin.register(RollEntry)
class RollEntryAdmin(ReadOnlyFactsAdmin):
    list_display = ["person", "election", "member_class", "vote_unit_key"]
    list_filter = ["member_class"]
    search_fields = ["person__given_name", "person__family_name"]
    exclude = ["code_hash"]


@admin.register(AccessCodeIssue)
class AccessCodeIssueAdmin(ReadOnlyFactsAdmin):
    list_display = ["roll_entry", "issued_at", "issued_by", "replaces_earlier"]


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyFactsAdmin):
    # Who voted in which contest and by which channel, in the model's order (contest, roll entry): never
    # in the order of voting, which the ballot box's batches could otherwise be lined up against.
    list_display = ["roll_entry", "contest", "channel"]
    list_filter = ["channel"]


# --- Meetings --------------------------------------------------------------------------------------


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "starts_at", "record_date", "notice_sent_on"]
    list_filter = ["kind", "status"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "meeting", "order"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["person", "meeting", "member_class", "arrived_at", "left_at"]


@admin.register(Proxy)
class ProxyAdmin(ReadOnlyAdmin):
    list_display = ["grantor", "holder", "meeting", "election", "received_on", "directed", "revoked_on"]


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdmin):
    list_display = ["title", "meeting", "kind", "threshold", "status", "votes_yes", "votes_no", "votes_abstain"]
    list_filter = ["kind", "status"]
