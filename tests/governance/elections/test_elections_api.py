"""The elections API: who may do what (role matrix), casting with a code, results only after the count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from governance.elections import services as gs
from governance.elections.blt import read_blt
from governance.elections.models import Election, Participation
from tests.conftest import make_user, run_queued_jobs
from tests.governance.elections.test_elections_core import build_election, ids, make_officer
from tests.governance.stored import stored_ballots

ANONYMOUS_REFUSED = (401, 403)


@pytest.fixture
def officer(db):
    return make_officer()


@pytest.fixture
def officer_api(officer) -> APIClient:
    client = APIClient()
    client.force_authenticate(officer)
    return client


@pytest.fixture
def draft(staff_user) -> Election:
    now = timezone.now()
    return gs.election_create(
        actor=staff_user,
        reason="draft",
        name="Draft election",
        record_date=dt.date(2025, 1, 1),
        opens_at=now,
        closes_at=now + dt.timedelta(days=3),
    )


@pytest.mark.parametrize(
    ("role", "read", "sees_draft", "write"),
    [
        ("anonymous", ANONYMOUS_REFUSED, False, ANONYMOUS_REFUSED),
        ("member", (200,), False, (403,)),
        ("homeowner", (200,), False, (403,)),
        ("board", (200,), False, (403,)),
        ("staff", (200,), True, (201,)),
    ],
)
def test_role_matrix_of_elections_contests_and_candidates(api_for, officer, draft, role, read, sees_draft, write):
    election, _stv, _, _ = build_election(officer=officer)
    client = api_for(role)
    for url in ("/api/v1/elections/", "/api/v1/election-contests/", "/api/v1/election-candidates/"):
        assert client.get(url).status_code in read, url
    if 200 in read:
        names = [row["name"] for row in client.get("/api/v1/elections/").json()["results"]]
        assert ("Draft election" in names) is sees_draft
        assert "Annual election 2025" in names
        assert client.get(f"/api/v1/elections/{draft.pk}/").status_code == (200 if sees_draft else 404)
    now = timezone.now()
    body = {
        "name": "By-election",
        "record_date": "2025-06-01",
        "opens_at": now.isoformat(),
        "closes_at": (now + dt.timedelta(days=2)).isoformat(),
        "change_reason": "vacancy",
    }
    assert client.post("/api/v1/elections/", body).status_code in write
    contest = {"election": draft.pk, "title": "General seats", "eligible_classes": ["general"], "method": "approval"}
    assert client.post("/api/v1/election-contests/", contest).status_code in write
    # Phase changes: closing is staff's or the officer's, never a member's.
    expected_close = {"staff": 200}.get(role, 403 if role != "anonymous" else None)
    response = client.post(f"/api/v1/elections/{election.pk}/close/")
    assert response.status_code == expected_close if expected_close else response.status_code in ANONYMOUS_REFUSED


def test_staff_create_goes_through_the_services_and_bad_input_is_a_400(staff_api, draft):
    now = timezone.now()
    bad = staff_api.post(
        "/api/v1/elections/",
        {"name": "Bad", "record_date": "2025-01-01", "opens_at": now.isoformat(), "closes_at": now.isoformat()},
    )
    assert bad.status_code == 400 and "closes_at" in bad.json()
    response = staff_api.post(
        "/api/v1/election-contests/",
        {"election": draft.pk, "title": "Seats", "eligible_classes": ["lessee"], "method": "irv", "seats": 2},
    )
    assert response.status_code == 400 and "seats" in response.json()
    response = staff_api.post(
        "/api/v1/election-contests/",
        {"election": draft.pk, "title": "Seats", "eligible_classes": ["lessee"], "method": "irv"},
    )
    assert response.status_code == 201
    assert response.json()["tie_break_rules"] == ["prior_stage_backward", "random"]


def test_officer_runs_the_election_and_voters_cast_with_codes(api_for, officer, officer_api, member_user):
    election, stv, _plurality, codes = build_election(officer=officer)
    voter = api_for("member")  # the login of the first lessee on the roll
    codes[0][0].person.user = member_user
    codes[0][0].person.save()
    general_user = make_user("general-voter")  # the last voter on the roll, a general member
    general = APIClient()
    general.force_authenticate(general_user)
    codes[-1][0].person.user = general_user
    codes[-1][0].person.save()
    c = ids(stv)
    url = "/api/v1/ballots/"
    assert api_for("anonymous").post(
        url, {"code": codes[0][1], "contest": stv.pk, "choices": [c["A"]]}
    ).status_code in (ANONYMOUS_REFUSED)
    response = voter.post(url, {"code": codes[0][1], "contest": stv.pk, "choices": [c["A"], c["B"]]})
    assert response.status_code == 201
    receipt = response.json()["receipt"]
    again = voter.post(url, {"code": codes[0][1], "contest": stv.pk, "choices": [c["C"]]})
    assert again.status_code == 400 and "already been used" in again.json()["code"][0]
    wrong = general.post(url, {"code": codes[-1][1], "contest": stv.pk, "choices": [c["C"]]})  # not their class
    assert wrong.status_code == 400 and "contest" in wrong.json()
    not_mine = voter.post(url, {"code": codes[1][1], "contest": stv.pk, "choices": [c["C"]]})  # another lessee's
    assert not_mine.status_code == 400
    # The same answer as for a code that does not exist: it confirms nothing about the code.
    assert not_mine.json() == {"code": ["This access code is not valid for this election."]}
    paper = voter.post(url, {"code": codes[1][1], "contest": stv.pk, "choices": [c["C"]], "channel": "paper"})
    assert paper.status_code == 403
    assert len(stored_ballots()) == 1 and Participation.objects.count() == 1

    # Results and ballots stay hidden until the count.
    assert voter.get(f"/api/v1/election-contests/{stv.pk}/results/").status_code == 400
    assert voter.get(f"/api/v1/election-contests/{stv.pk}/ballots/").status_code == 400
    assert voter.post(f"/api/v1/elections/{election.pk}/close/").status_code == 403
    rest = [[c["A"], c["B"]]] * 4 + [[c["B"]]] + [[c["C"]]] * 3  # the worked example, less the ballot above
    for (_, code), choices in zip(codes[1:9], rest, strict=True):
        gs.ballot_cast(code=code, contest=stv, choices=choices)
    assert officer_api.post(f"/api/v1/elections/{election.pk}/close/").status_code == 200
    queued = officer_api.post(f"/api/v1/elections/{election.pk}/count/")
    # The count runs as a job (docs/jobs.md): 202, and where to follow it.
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    assert queued.json()["page"] == f"/jobs/{queued.json()['id']}/"
    assert officer_api.post(f"/api/v1/elections/{election.pk}/certify/").status_code == 400  # not counted yet
    run_queued_jobs()
    assert voter.post(f"/api/v1/elections/{election.pk}/certify/").status_code == 403
    assert officer_api.post(f"/api/v1/elections/{election.pk}/certify/").json()["phase"] == "certified"

    results = voter.get(f"/api/v1/election-contests/{stv.pk}/results/").json()
    assert results["winners"] == ["A Candidate", "C Candidate"]
    published = voter.get(f"/api/v1/election-contests/{stv.pk}/ballots/").json()
    assert receipt in {row["receipt"] for row in published}
    blt = voter.get(f"/api/v1/election-contests/{stv.pk}/blt/")
    assert blt.status_code == 200 and blt["Content-Type"].startswith("text/plain")
    assert read_blt(blt.content.decode()).ballot_count == 9


def test_codes_are_issued_once_to_staff(staff_api, api_for, officer):
    election, _, _, _ = build_election(officer=officer, open_=False)
    assert api_for("member").post(f"/api/v1/elections/{election.pk}/codes/").status_code == 403
    # build_election issued every code already: nothing is left to show.
    assert staff_api.post(f"/api/v1/elections/{election.pk}/codes/").json() == []


def test_contest_list_queries_do_not_grow_with_rows(staff_api, officer, django_assert_max_num_queries):
    build_election(officer=officer)
    with django_assert_max_num_queries(8):
        small = staff_api.get("/api/v1/election-contests/")
    build_election(officer=make_officer("second"))
    with django_assert_max_num_queries(8):
        large = staff_api.get("/api/v1/election-contests/")
    assert large.json()["count"] == 2 * small.json()["count"] == 4
    with django_assert_max_num_queries(8):
        assert staff_api.get("/api/v1/election-candidates/").json()["count"] == 10
