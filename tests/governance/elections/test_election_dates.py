"""An election's dates are refused unless plausible: from 2000 to five years ahead, a vote of at most a year."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from governance.elections import services as gs
from governance.elections.models import Election

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-07")]

SPAN = "Give a date from Jan. 1, 2000 to Dec. 31, 2031."
AFTER_CLOSE = (
    "The record date (Feb. 1, 2027) falls after voting closes (Jan. 20, 2027): it must come before voting opens."
)


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def body(opens: str, closes: str, record: str = "2026-11-01") -> dict[str, str]:
    return {
        "name": "By-election",
        "record_date": record,
        "opens_at": opens,
        "closes_at": closes,
        "change_reason": "vacancy",
    }


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (body("0057-05-01T09:00:00Z", "0057-05-08T09:00:00Z"), {"opens_at": [SPAN]}),
        (body("1999-12-31T09:00:00Z", "2000-01-07T09:00:00Z"), {"opens_at": [SPAN]}),
        (body("2032-01-01T14:00:00Z", "2032-01-08T14:00:00Z"), {"opens_at": [SPAN]}),
        (body("2027-01-10T14:00:00Z", "2027-01-20T14:00:00Z", record="0057-01-01"), {"record_date": [SPAN]}),
        (
            body("2027-01-10T14:00:00Z", "2029-01-10T14:00:00Z"),
            {"closes_at": ["Voting stays open at most a year: close it by Jan. 11, 2028."]},
        ),
        (
            body("2027-01-10T14:00:00Z", "2027-01-20T14:00:00Z", record="2027-01-15"),
            {"record_date": ["The record date (who may vote) is on or before the day voting opens."]},
        ),
        (
            body("2027-01-10T14:00:00Z", "2027-01-20T14:00:00Z", record="2027-02-01"),
            {"record_date": [AFTER_CLOSE]},
        ),
    ],
)
def test_post_elections_refuses_implausible_dates_with_the_field_and_reason(staff_api, payload, errors):
    response = staff_api.post("/api/v1/elections/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not Election.objects.exists()


def test_the_last_plausible_day_and_a_year_long_vote_are_accepted(staff_api):
    response = staff_api.post(
        "/api/v1/elections/", body("2031-12-31T14:00:00Z", "2032-12-31T14:00:00Z", record="2031-12-01"), format="json"
    )
    assert response.status_code == 201, response.content
    assert Election.objects.get().record_date == dt.date(2031, 12, 1)


def test_the_service_refuses_them_for_every_caller(staff_user):
    with pytest.raises(ValidationError) as error:
        gs.election_create(
            actor=staff_user,
            reason="typo",
            name="Annual",
            record_date=dt.date(57, 3, 1),
            opens_at=at(2206, 5, 1),
            closes_at=at(2206, 5, 1, 8),
        )
    assert error.value.message_dict == {
        "record_date": [SPAN],
        "opens_at": [SPAN],
        "closes_at": ["Voting closes after it opens."],
    }


def test_the_new_election_page_shows_the_reason_on_the_field(staff_user):
    client = Client()
    client.force_login(staff_user)
    response = client.post(
        "/governance/elections/new/",
        {
            "name": "Annual",
            "record_date": "2026-11-01",
            "opens_at": "0057-05-01T09:00",
            "closes_at": "0057-05-08T09:00",
            "change_reason": "typo",
        },
    )
    assert response.status_code == 400
    assert SPAN in response.content.decode()
    assert not Election.objects.exists()


def test_a_record_date_after_the_close_is_refused_by_the_service_and_the_page(staff_user):
    """Issue 14 §5: the demo showed a record date (Nov. 7) after voting had closed (Oct. 22)."""
    with pytest.raises(ValidationError) as error:
        gs.election_create(
            actor=staff_user,
            reason="typo",
            name="Annual",
            record_date=dt.date(2026, 11, 7),
            opens_at=at(2026, 10, 8),
            closes_at=at(2026, 10, 22, 17),
        )
    expected = (
        "The record date (Nov. 7, 2026) falls after voting closes (Oct. 22, 2026): it must come before voting opens."
    )
    assert error.value.message_dict == {"record_date": [expected]}
    # Also when the close itself is wrong (before the opening): both fields say what is wrong.
    with pytest.raises(ValidationError) as error:
        gs.election_create(
            actor=staff_user,
            reason="typo",
            name="Annual",
            record_date=dt.date(2026, 11, 7),
            opens_at=at(2026, 10, 30),
            closes_at=at(2026, 10, 22, 17),
        )
    assert error.value.message_dict == {
        "closes_at": ["Voting closes after it opens."],
        "record_date": [expected],
    }
    client = Client()
    client.force_login(staff_user)
    response = client.post(
        "/governance/elections/new/",
        {
            "name": "Annual",
            "record_date": "2026-11-07",
            "opens_at": "2026-10-08T09:00",
            "closes_at": "2026-10-22T17:00",
            "change_reason": "typo",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert expected in page
    field = page[page.index('id="id_record_date"') - 600 : page.index('id="id_record_date"') + 900]
    assert expected in field  # on the record date field, not only at the top
    assert not Election.objects.exists()
