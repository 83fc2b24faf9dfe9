"""The co-ops' page and API: staff see the votes and the certified lists, record lists; nobody else does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from clt.models import Person
from governance.membership.coop import coop_list_certify
from governance.membership.models import CoopResidentList
from tests.governance import all_services as gs
from tests.governance.membership.test_coop_members import coop, coop_on_trust_land  # noqa: F401

pytestmark = pytest.mark.django_db

URL = "/api/v1/coop-resident-lists/"


def test_the_coop_page_shows_its_votes_and_lists(coop, staff_user):  # noqa: F811
    org, _people = coop
    gs.governance_settings_update(actor=None, reason="bylaws", coop_residents="households")
    client = Client()
    client.force_login(staff_user)
    page = client.get(reverse("governance:coop_detail", args=[org.pk])).content.decode()
    assert "this co-op carries 4 votes" in page
    assert "Every resident household the co-op certifies, one vote each" in page
    assert "Rosa Park (Co-op secretary)" in page and page.count("staffer") >= 2
    listing = client.get(reverse("governance:coop_list")).content.decode()
    assert org.name in listing
    assert client.get(reverse("governance:coop_detail", args=[999999])).status_code == 404


def test_the_coop_pages_are_staff_only(coop, homeowner_user, member_user):  # noqa: F811
    org, _people = coop
    for user in (homeowner_user, member_user, None):
        client = Client()
        if user:
            client.force_login(user)
        for url in (reverse("governance:coop_detail", args=[org.pk]), reverse("governance:coop_list")):
            assert client.get(url).status_code in (302, 403)


def test_the_api_records_a_list_and_refuses_bad_input(coop, api_for):  # noqa: F811
    org, people = coop
    staff = api_for("staff")
    body = {
        "organization": org.pk,
        "certified_on": "2026-03-01",
        "certifier_name": "Rosa Park",
        "certifier_role": "Secretary",
        "residents": [{"person": people["Ed"].pk, "delegate": True}],
        "reason": "list received by mail",
    }
    made = staff.post(URL, body, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["residents"] == [
        {"person": people["Ed"].pk, "person_name": "Ed Resident", "household": None, "delegate": True}
    ]
    assert made.json()["recorded_by"] == "staffer"
    bad = staff.post(URL, body | {"residents": []}, format="json")
    assert bad.status_code == 400 and "residents" in bad.json()
    bad = staff.post(URL, body | {"reason": ""}, format="json")
    assert bad.status_code == 400 and "change_reason" in bad.json()
    bad = staff.post(URL, body | {"residents": [{"person": 999999}]}, format="json")
    assert bad.status_code == 400 and "residents" in bad.json()
    bad = staff.post(URL, body | {"certified_on": "2099-01-01"}, format="json")
    assert bad.status_code == 400 and "certified_on" in bad.json()
    assert staff.get(URL + "?organization=x").status_code == 400
    for role in ("anonymous", "member", "homeowner"):
        assert api_for(role).get(URL).status_code == 403
        assert api_for(role).post(URL, body, format="json").status_code == 403


def test_listing_costs_the_same_queries_for_more_lists(coop, api_for, staff_user, django_assert_max_num_queries):  # noqa: F811
    _org, people = coop
    staff = api_for("staff")
    with django_assert_max_num_queries(12) as few:
        assert staff.get(URL).status_code == 200
    for n in range(5):
        other = coop_on_trust_land(f"Co-op {n}")
        coop_list_certify(
            actor=staff_user,
            reason="list",
            organization=other,
            certified_on=dt.date(2026, 1, 1),
            certifier_name="X",
            certifier_role="Y",
            residents=[(Person.objects.create(given_name=f"R{n}"), None, False), (people["Ed"], None, True)],
        )
    assert CoopResidentList.objects.count() == 7
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff.get(URL).status_code == 200
    client = Client()
    client.force_login(staff_user)
    client.get(reverse("governance:coop_list"))
    with django_assert_max_num_queries(len(few.captured_queries) + 10):
        assert client.get(reverse("governance:coop_list")).status_code == 200
