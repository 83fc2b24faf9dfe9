"""Who issued access codes and who checked whom in and out, when and why.

Issuing codes logs one ``AccessCodeIssue`` per roll entry (never the code or its hash) and a row in the
election's history. The roll entry, the participation and the ballot keep no history: a history of them
would date each vote. Attendance, which the quorum counts, keeps every arrival, departure, correction and
removal with the staff member and the reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.elections import services as gs
from governance.elections.models import AccessCodeIssue, Ballot, Participation, RollEntry, SealedBallot
from governance.meetings.models import Attendance
from tests.governance import all_services as services
from tests.governance.elections.test_elections_core import build_election, cast_worked_example, make_officer
from tests.governance.meetings.test_meetings_services import general, settings_set, sitting

pytestmark = pytest.mark.django_db


# --- Access codes ----------------------------------------------------------------------------------


def test_issuing_codes_logs_each_roll_entry_with_who_when_and_why_and_the_election_history_says_so():
    officer = make_officer()
    before = timezone.now()

    election, _stv, _plurality, codes = build_election(officer=officer, open_=False)

    log = list(AccessCodeIssue.objects.select_related("issued_by").order_by("roll_entry_id"))
    assert [row.roll_entry_id for row in log] == sorted(entry.pk for entry, _code in codes)
    assert len(log) == 11  # 9 lessees and 2 general members
    for row in log:
        assert (row.issued_by, row.reason, row.replaces_earlier) == (officer, "mail-out", False)
        assert before <= row.issued_at <= timezone.now()
    issued = election.history.filter(history_change_reason__contains="access codes issued").get()
    assert (issued.history_user, issued.history_change_reason) == (officer, "mail-out (access codes issued: 11)")
    assert before <= issued.history_date <= timezone.now()


def test_the_code_log_holds_neither_the_code_nor_its_hash():
    officer = make_officer()
    _election, _stv, _plurality, codes = build_election(officer=officer, open_=False)

    assert {f.name for f in AccessCodeIssue._meta.get_fields()} == {
        "id",
        "roll_entry",
        "issued_at",
        "issued_by",
        "reason",
        "replaces_earlier",
    }
    stored = " ".join(str(v) for row in AccessCodeIssue.objects.values() for v in row.values())
    for entry, code in codes:
        entry.refresh_from_db()
        assert code not in stored and code.replace("-", "") not in stored
        assert entry.code_hash not in stored


def test_reissuing_a_lost_code_logs_a_replacement_by_whoever_reissued_it(staff_user):
    officer = make_officer()
    election, _stv, _plurality, codes = build_election(officer=officer, open_=True)
    lost_entry, lost_code = codes[3]

    fresh = gs.access_codes_issue(
        actor=staff_user, reason="Lost code: member called on 3 March", election=election, entries=[lost_entry]
    )

    assert list(fresh) == [lost_entry.pk] and fresh[lost_entry.pk] != lost_code
    first, second = AccessCodeIssue.objects.filter(roll_entry=lost_entry).order_by("issued_at", "pk")
    assert (first.issued_by, first.replaces_earlier) == (officer, False)
    assert (second.issued_by, second.reason, second.replaces_earlier) == (
        staff_user,
        "Lost code: member called on 3 March",
        True,
    )
    assert AccessCodeIssue.objects.count() == 12
    latest = election.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        staff_user,
        "Lost code: member called on 3 March (access codes issued: 1)",
    )


def test_issuing_when_every_entry_has_a_code_logs_nothing():
    officer = make_officer()
    election, *_rest = build_election(officer=officer, open_=False)
    rows, history = AccessCodeIssue.objects.count(), election.history.count()

    assert gs.access_codes_issue(actor=officer, reason="second mail-out", election=election) == {}

    assert (AccessCodeIssue.objects.count(), election.history.count()) == (rows, history)


def test_issuing_codes_without_a_reason_is_refused():
    officer = make_officer()
    election, *_rest = build_election(officer=officer, open_=False)
    entry = election.roll.first()

    with pytest.raises(ValidationError) as error:
        gs.access_codes_issue(actor=officer, reason="  ", election=election, entries=[entry])

    assert list(error.value.message_dict) == ["change_reason"]
    assert AccessCodeIssue.objects.filter(roll_entry=entry).count() == 1


def test_voting_writes_no_history_and_no_code_log():
    officer = make_officer()
    _election, stv, _plurality, codes = build_election(officer=officer)
    rows = AccessCodeIssue.objects.count()

    receipts = cast_worked_example(stv, codes)

    assert len(receipts) == 9
    assert AccessCodeIssue.objects.count() == rows
    for model in (RollEntry, Participation, Ballot, SealedBallot):
        assert not hasattr(model, "history"), model


# --- Attendance ------------------------------------------------------------------------------------


# The annual meeting sits on 15 April 2026 from 18:00 UTC (the tests of test_meetings_services): attendance
# is told on that day.
ON_THE_DAY = pytest.mark.today("2026-04-15")


@pytest.fixture
def meeting(db):
    settings_set(dues_amount=Decimal("0"), proxies_allowed=True, quorum_percent=Decimal("10"))
    return sitting()


def rows_of(attendance: Attendance) -> list[tuple[str, str | None, str, dt.datetime | None]]:
    """The attendance's history, oldest first: (type, username, reason, left_at)."""
    return [
        (r.history_type, r.history_user.username if r.history_user else None, r.history_change_reason, r.left_at)
        for r in Attendance.history.filter(id=attendance.pk).order_by("history_date", "history_id")
    ]


@ON_THE_DAY
def test_check_in_out_and_in_again_through_the_api_keep_who_and_why(meeting, staff_api, staff_user):
    ada = general("Ada")
    url = f"/api/v1/meetings/{meeting.pk}/"
    arrived, left = dt.datetime(2026, 4, 15, 18, 5, tzinfo=dt.UTC), dt.datetime(2026, 4, 15, 19, 30, tzinfo=dt.UTC)
    before = timezone.now()

    answers = [
        staff_api.post(
            url + "check-in/",
            {"person": ada.pk, "at": arrived.isoformat(), "change_reason": "Signed the register"},
            format="json",
        ),
        staff_api.post(url + "check-out/", {"person": ada.pk, "at": left.isoformat()}, format="json"),
        staff_api.post(url + "check-in/", {"person": ada.pk}, format="json"),
    ]

    assert [a.status_code for a in answers] == [200, 200, 200], [a.content for a in answers]
    row = Attendance.objects.get(meeting=meeting, person=ada)
    assert row.arrived_at == arrived
    assert rows_of(row) == [
        ("+", "staffer", "Signed the register", None),
        ("~", "staffer", "Checked out", left),
        ("~", "staffer", "Checked in again", None),
    ]
    dates = list(Attendance.history.filter(id=row.pk).values_list("history_date", flat=True))
    assert all(before <= date <= timezone.now() for date in dates)  # when it was recorded, not the `at` given
    history = staff_api.get(f"/api/v1/meeting-attendance/{row.pk}/history/").json()
    assert [(h["action"], h["user"], h["reason"]) for h in history] == [
        ("changed", "staffer", "Checked in again"),
        ("changed", "staffer", "Checked out"),
        ("created", "staffer", "Signed the register"),
    ]


@ON_THE_DAY
def test_checking_in_on_the_run_page_records_the_staff_member(meeting, client, staff_user):
    ada = general("Ada")
    client.force_login(staff_user)

    response = client.post(f"/governance/meetings/{meeting.pk}/run/", {"action": "check_in", "person": ada.pk})

    assert response.status_code == 302
    assert rows_of(Attendance.objects.get(person=ada)) == [("+", "staffer", "Checked in", None)]


@ON_THE_DAY
def test_adjourning_records_everyone_still_present_leaving_with_who_and_why(meeting, staff_user):
    ada, ben, cy = general("Ada"), general("Ben"), general("Cy")
    for person in (ada, ben, cy):
        services.attendance_check_in(actor=staff_user, meeting=meeting, person=person)
    services.attendance_check_out(actor=staff_user, meeting=meeting, person=cy, reason="Left early")
    end = dt.datetime(2026, 4, 15, 21, 0, tzinfo=dt.UTC)

    services.meeting_adjourn(actor=staff_user, reason="Business concluded", meeting=meeting, at=end)

    for person in (ada, ben):
        assert rows_of(Attendance.objects.get(person=person))[-1] == (
            "~",
            "staffer",
            "Left when the meeting adjourned: Business concluded",
            end,
        )
    assert [r[2] for r in rows_of(Attendance.objects.get(person=cy))] == ["Checked in", "Left early"]


@ON_THE_DAY
def test_a_correction_needs_a_reason_and_history_keeps_the_time_it_replaced(meeting, staff_user):
    ada = general("Ada")
    wrong = dt.datetime(2026, 4, 15, 18, 40, tzinfo=dt.UTC)
    row = services.attendance_check_in(actor=None, meeting=meeting, person=ada, at=wrong)
    right = dt.datetime(2026, 4, 15, 18, 5, tzinfo=dt.UTC)

    with pytest.raises(ValidationError) as error:
        services.attendance_correct(actor=staff_user, reason="", attendance=row, arrived_at=right)
    assert list(error.value.message_dict) == ["change_reason"]
    with pytest.raises(ValidationError) as error:
        services.attendance_correct(
            actor=staff_user, reason="typo", attendance=row, left_at=dt.datetime(2026, 4, 15, 18, 0, tzinfo=dt.UTC)
        )
    assert list(error.value.message_dict) == ["left_at"]

    services.attendance_correct(actor=staff_user, reason="Register shows 6:05 p.m.", attendance=row, arrived_at=right)

    history = list(Attendance.history.filter(id=row.pk).order_by("history_date", "history_id"))
    assert [(h.history_user, h.history_change_reason, h.arrived_at) for h in history] == [
        (None, "Checked in", wrong),
        (staff_user, "Register shows 6:05 p.m.", right),
    ]


@ON_THE_DAY
def test_removing_a_mistaken_check_in_keeps_it_in_history_and_the_quorum_stops_counting_it(
    meeting, staff_api, staff_user
):
    ada = general("Ada")
    row = services.attendance_check_in(actor=staff_user, meeting=meeting, person=ada)
    assert services.quorum_now(meeting).present == 1

    refused = staff_api.post(f"/api/v1/meeting-attendance/{row.pk}/remove/", {}, format="json")
    removed = staff_api.post(
        f"/api/v1/meeting-attendance/{row.pk}/remove/",
        {"change_reason": "Wrong Ada checked in: it was her sister"},
        format="json",
    )

    assert refused.status_code == 400 and "change_reason" in refused.json()
    assert removed.status_code == 204
    assert not Attendance.objects.filter(pk=row.pk).exists()
    assert services.quorum_now(meeting).present == 0
    assert rows_of(row) == [
        ("+", "staffer", "Checked in", None),
        ("-", "staffer", "Wrong Ada checked in: it was her sister", None),
    ]


@ON_THE_DAY
def test_correcting_through_the_api(meeting, staff_api):
    ada = general("Ada")
    row = services.attendance_check_in(actor=None, meeting=meeting, person=ada)
    left = dt.datetime(2026, 4, 15, 20, 15, tzinfo=dt.UTC)

    response = staff_api.post(
        f"/api/v1/meeting-attendance/{row.pk}/correct/",
        {"left_at": left.isoformat(), "change_reason": "Left at the break; the desk missed her"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["left_at"] is not None
    assert rows_of(row)[-1] == ("~", "staffer", "Left at the break; the desk missed her", left)


@ON_THE_DAY
def test_a_corrected_time_outside_the_meeting_is_refused(meeting, staff_api):
    """The fuzzer's year 138: refused with the field, not stored (nor answered with an offset of -04:56:02)."""
    ada = general("Ada")
    row = services.attendance_check_in(actor=None, meeting=meeting, person=ada)
    for field, when in (("arrived_at", "0138-01-01T00:00:00Z"), ("left_at", "2031-04-15T20:15:00Z")):
        response = staff_api.post(
            f"/api/v1/meeting-attendance/{row.pk}/correct/", {field: when, "change_reason": "typo"}, format="json"
        )
        assert response.status_code == 400 and list(response.json()) == [field], response.content
        assert "Give a time from" in response.json()[field][0]
    assert rows_of(Attendance.objects.get(pk=row.pk))[-1][2] == "Checked in"  # nothing was changed


@ON_THE_DAY
@pytest.mark.parametrize("when", ["0138-01-01T00:00:00Z", "9999-12-31T23:59:00Z"])
def test_a_check_in_or_out_time_outside_the_meeting_is_refused(meeting, staff_api, when):
    """The fuzzer's years 138 and 9999 on check-in and check-out: refused on ``at``, nothing stored."""
    ada, ben = general("Ada"), general("Ben")
    url = f"/api/v1/meetings/{meeting.pk}/"
    row = services.attendance_check_in(actor=None, meeting=meeting, person=ben)

    checked_in = staff_api.post(url + "check-in/", {"person": ada.pk, "at": when}, format="json")
    checked_out = staff_api.post(url + "check-out/", {"person": ben.pk, "at": when}, format="json")

    for response in (checked_in, checked_out):
        assert response.status_code == 400 and list(response.json()) == ["at"], response.content
        assert "Give a time from" in response.json()["at"][0]
    assert not Attendance.objects.filter(meeting=meeting, person=ada).exists()
    assert Attendance.objects.get(pk=row.pk).left_at is None
    assert rows_of(row) == [("+", None, "Checked in", None)]
