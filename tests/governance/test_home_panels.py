"""Each role's home page shows what they can do now (issue 14 §3): the vote open to them, the elections an
officer runs and their next step, the applications waiting for staff, the meetings and the membership."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from governance.board.models import BoardTerm
from governance.membership.models import MembershipStatus
from tests.conftest import make_user
from tests.governance import all_services as gs
from tests.governance.elections.test_elections_core import build_election, cast_worked_example, make_officer

pytestmark = pytest.mark.django_db


def home_text(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def voter_with_login(codes, index: int = 0):
    entry, code = codes[index]
    user = make_user(f"voter{index}")
    entry.person.user = user
    entry.person.save()
    return user, code


def test_a_voter_sees_the_open_election_with_its_vote_button_then_that_they_voted():
    officer = make_officer()
    election, stv, _plurality, codes = build_election(officer=officer)
    user, code = voter_with_login(codes)
    client = Client()
    client.force_login(user)
    page = client.get("/").content.decode()
    assert 'href="/governance/vote/">Vote</a>' in page
    body = home_text(user)
    assert "Your vote Annual election 2025 Voting is open." in body
    closes = election.closes_at.astimezone().strftime("%b. %-d, %Y")
    assert "Closes " + closes in body

    gs.ballot_cast(code=code, contest=stv, choices=[stv.candidates.first().pk])
    body = home_text(user)
    assert "You have voted. Thank you." in body
    assert 'href="/governance/vote/"' not in Client().get("/").content.decode()  # anonymous: the login page


def test_the_officer_sees_each_election_they_run_with_its_next_step():
    officer = make_officer()
    election, stv, _plurality, codes = build_election(officer=officer)
    cast_worked_example(stv, codes)
    assert "Elections you run Annual election 2025" in home_text(officer)
    assert "Next step: Voting is open: 9 of 11 have voted." in home_text(officer)
    gs.election_close(actor=officer, reason="polls closed", election=election)
    assert "Next step: Count the ballots." in home_text(officer)
    gs.election_count(actor=officer, reason="count", election=election)
    assert "Next step: Check the count and certify the result." in home_text(officer)
    gs.election_certify(actor=officer, reason="sign", election=election)
    assert "Elections you run" not in home_text(officer)


def test_a_voter_does_not_see_the_officers_panel():
    officer = make_officer()
    _election, _stv, _plurality, codes = build_election(officer=officer)
    user, _code = voter_with_login(codes)
    assert "Elections you run" not in home_text(user)


def test_staff_see_the_membership_applications_waiting():
    staff = make_user("staffer", groups=("staff",))
    applicant = make_user("applicant", person=True).person
    membership = gs.membership_apply(person=applicant, actor=staff, reason="form received", kind="general")
    assert membership.status == MembershipStatus.APPLIED
    assert "Membership applications 1 application waits for a decision" in home_text(staff)


def test_certification_puts_the_winners_on_the_board_roster():
    """Issue 14 §5: the certified winners of a contest tied to a seat class start their terms on the roster."""
    officer = make_officer()
    election, stv, _plurality, codes = build_election(officer=officer)
    cast_worked_example(stv, codes)
    gs.election_close(actor=officer, reason="polls closed", election=election)
    gs.election_count(actor=officer, reason="count", election=election)
    gs.election_certify(actor=officer, reason="sign", election=election)
    seated = set(BoardTerm.objects.filter(seat_class=stv.seat_class).values_list("person__given_name", flat=True))
    assert seated == {"A", "C"}  # the worked example's winners
    roster = Client().get("/governance/board/")
    body = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", roster.content.decode()))
    assert "A Candidate" in body and "C Candidate" in body and "B Candidate" not in body


def test_staff_see_the_improvement_requests_and_certifications_waiting_for_them():
    import datetime as dt

    from clt import clock
    from leases.monitoring import services as monitoring_services
    from leases.resale import services as resale_services
    from tests.factories import make_lease

    staff = make_user("steward", groups=("staff",))
    lease = make_lease()
    resale_services.improvement_request(
        lease=lease, description="New roof", requested_on=dt.date(2026, 11, 2), actor=None, reason="asked"
    )
    monitoring_services.occupancy_certify(
        lease=lease, year=clock.today().year - 1, months_occupied=12, actor=None, reason="sent"
    )
    body = home_text(staff)
    assert f"1 improvement request waits for a decision {lease.unit} : New roof (asked Nov. 2, 2026)" in body
    assert f"1 certification or document to review {lease.unit} : Annual owner-occupancy certification" in body
