"""A contest stays within what a count can take: at most 300 seats and 300 candidates (governance/counting.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clt.models import Person
from governance.elections import counting
from governance.elections import services as gs
from governance.elections.models import Candidate, Contest, Election

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-07")]


@pytest.fixture
def election(staff_user) -> Election:
    opens = timezone.make_aware(dt.datetime(2027, 1, 10, 9))
    return gs.election_create(
        actor=staff_user,
        reason="annual",
        name="Annual election",
        record_date=dt.date(2026, 12, 1),
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=7),
    )


def contest_body(election: Election, seats: int) -> dict:
    return {
        "election": election.pk,
        "title": "Seats",
        "eligible_classes": ["general"],
        "method": "meek",
        "seats": seats,
    }


def test_a_contest_of_more_seats_than_a_count_fills_is_a_400(staff_api, election):
    response = staff_api.post("/api/v1/election-contests/", contest_body(election, 301), format="json")
    assert response.status_code == 400
    assert response.json() == {"seats": ["Give from 1 to 300 seats."]}
    assert not Contest.objects.exists()
    assert staff_api.post("/api/v1/election-contests/", contest_body(election, 300), format="json").status_code == 201


def test_the_301st_candidate_is_refused_with_the_reason(staff_api, staff_user, election):
    contest = gs.contest_add(
        actor=staff_user, reason="r", election=election, title="Seats", eligible_classes=["general"], seats=3
    )
    people = Person.objects.bulk_create(Person(given_name=f"Candidate {n}") for n in range(counting.MAX_CANDIDATES + 1))
    # The first 300 straight into the table (the service's own path is what is tested, on the 301st).
    Candidate.objects.bulk_create(
        Candidate(contest=contest, person=person, ballot_order=n, consented_on=dt.date(2026, 12, 1))
        for n, person in enumerate(people[:-1], start=1)
    )
    response = staff_api.post(
        "/api/v1/election-candidates/",
        {"contest": contest.pk, "person": people[-1].pk, "consented_on": "2026-12-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"person": ["A contest has at most 300 candidates: the count takes no more."]}
    assert contest.candidates.count() == 300
