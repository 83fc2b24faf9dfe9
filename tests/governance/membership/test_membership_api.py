"""The membership API: the role matrix of every endpoint, errors naming the field, fixed query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clt.models import Person
from governance.membership import services
from governance.membership.models import GovernanceSettings, Membership
from tests.factories import make_lease

pytestmark = pytest.mark.django_db

D = dt.date
ROLES = ["anonymous", "member", "homeowner", "board", "staff"]
AREA = {
    "type": "Polygon",
    "coordinates": [[[-73.23, 44.46], [-73.10, 44.46], [-73.10, 44.53], [-73.23, 44.53], [-73.23, 44.46]]],
}


def applicant(name: str = "Ana", **kw) -> Membership:
    p = Person.objects.create(given_name=name, family_name="Test")
    return services.membership_apply(person=p, actor=None, applied_on=D(2025, 1, 5), birth_date=D(1980, 1, 1), **kw)


def approved(name: str = "Ana") -> Membership:
    return services.membership_approve(membership=applicant(name), actor=None, approved_on=D(2025, 1, 20))


@pytest.fixture
def membership():
    return applicant()


STAFF_ONLY = {"anonymous": 403, "member": 403, "homeowner": 403, "board": 403, "staff": 200}


@pytest.mark.parametrize("role", ROLES)
def test_members_and_settings_are_staff_only(api_for, role):
    client = api_for(role)
    assert client.get("/api/v1/members/").status_code == STAFF_ONLY[role]
    assert client.get("/api/v1/governance-settings/").status_code == STAFF_ONLY[role]
    response = client.patch("/api/v1/governance-settings/", {"adult_age": 21, "change_reason": "bylaws"})
    assert response.status_code == STAFF_ONLY[role]
    assert GovernanceSettings.current().adult_age == (21 if role == "staff" else 18)


@pytest.mark.parametrize("role", ROLES)
def test_membership_reads(api_for, membership, role):
    client = api_for(role)
    listing = client.get("/api/v1/memberships/")
    detail = client.get(f"/api/v1/memberships/{membership.pk}/")
    history = client.get(f"/api/v1/memberships/{membership.pk}/history/")
    dues = client.get(f"/api/v1/memberships/{membership.pk}/dues/")
    if role == "anonymous":
        assert {r.status_code for r in (listing, detail, history, dues)} == {403}
    elif role == "staff":
        assert [r.status_code for r in (listing, detail, history, dues)] == [200] * 4
        assert listing.json()["results"][0]["person_name"] == "Ana Test"
        assert detail.json()["notes"] == ""
        assert history.json()[0]["reason"] == "Membership application"
    else:
        assert listing.json()["results"] == []
        assert {r.status_code for r in (detail, history, dues)} == {404}


@pytest.mark.parametrize("role", ROLES)
def test_membership_actions_are_staff_only(api_for, membership, role):
    client = api_for(role)
    url = f"/api/v1/memberships/{membership.pk}/"
    approve = client.post(url + "approve/", {"approved_on": "2025-01-20"})
    expected = {"anonymous": 403, "staff": 200}.get(role, 403)
    assert approve.status_code == expected
    assert client.post(url + "dues/", {"amount": "1.00"}).status_code == {"staff": 201}.get(role, 403)
    assert client.post(url + "end/", {"reason": "moved"}).status_code == {"staff": 200}.get(role, 403)
    assert client.post(url + "refuse/", {"reason": "x"}).status_code == {"staff": 400}.get(role, 403)


def test_the_lifecycle_through_the_api(staff_api):
    person = Person.objects.create(given_name="Bea", family_name="Test")
    created = staff_api.post(
        "/api/v1/memberships/",
        {"person": person.pk, "kind": "general", "applied_on": "2026-01-05", "longitude": "-73.2", "latitude": "44.48"},
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert staff_api.post(f"/api/v1/memberships/{pk}/refuse/", {}).json() == {
        "change_reason": ["Give a reason for this change."]
    }
    assert staff_api.post(f"/api/v1/memberships/{pk}/approve/", {"approved_on": "2026-01-10"}).json()["status"] == (
        "active"
    )
    low = staff_api.post(f"/api/v1/memberships/{pk}/dues/", {"amount": "0.50", "paid_on": "2026-01-10"})
    assert low.status_code == 400 and list(low.json()) == ["amount"]
    paid = staff_api.post(f"/api/v1/memberships/{pk}/dues/", {"amount": "1.00", "paid_on": "2026-01-10"})
    assert (paid.json()["period_start"], paid.json()["period_end"]) == ("2026-01-01", "2026-12-31")
    ended = staff_api.post(f"/api/v1/memberships/{pk}/end/", {"reason": "moved", "ended_on": "2026-02-01"})
    assert (ended.json()["status"], ended.json()["ended_on"]) == ("resigned", "2026-02-01")
    missing = staff_api.post("/api/v1/memberships/", {"kind": "general"})
    assert missing.status_code == 400 and list(missing.json()) == ["person"]


def test_a_signed_in_person_applies_for_themself_and_reads_only_their_own(api_for, homeowner_user):
    other = applicant("Other")
    client = api_for("homeowner")
    response = client.post("/api/v1/memberships/", {"kind": "supporting", "birth_date": "1970-04-02"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["person"], body["status"], "notes" in body) == (homeowner_user.person.pk, "applied", False)
    assert client.post("/api/v1/memberships/", {"person": other.person.pk}).json() == {"person": ["No such person."]}
    assert [m["id"] for m in client.get("/api/v1/memberships/").json()["results"]] == [body["id"]]
    # A login with no person record cannot apply.
    assert api_for("member").post("/api/v1/memberships/", {}).json() == {
        "person": ["Your login has no person record: ask the staff."]
    }


@pytest.mark.parametrize("role", ROLES)
def test_my_membership(api_for, role, request):
    response = api_for(role).get("/api/v1/my-membership/")
    if role == "anonymous":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    body = response.json()
    if role == "homeowner":
        lease = request.getfixturevalue("homeowner_user").person.leaseholdings.get().lease
        assert body["standing"]["member_class"] == "lessee" and body["standing"]["votes"] is True
        assert body["standing"]["lease"] == lease.pk
        assert body["membership"] is None
    else:
        assert body["standing"] is None  # these logins have no person record


def test_members_on_a_date_with_filters(staff_api):
    services.governance_settings_update(actor=None, reason="bylaws", service_area=AREA)
    ana = approved("Ana")
    services.dues_record(membership=ana, amount=Decimal("1"), actor=None, paid_on=D(2026, 1, 10))
    approved("Bo")  # no dues paid
    make_lease(people=[Person.objects.create(given_name="Cy", family_name="Test")], commencement=D(2026, 2, 1))
    url = "/api/v1/members/?on=2026-03-01"
    rows = staff_api.get(url).json()["results"]
    # Ana and Bo have no residence point: the service area cannot be checked.
    assert {(r["person_name"], r["member_class"], r["votes"]) for r in rows} == {
        ("Ana Test", "general", False),
        ("Bo Test", "general", False),
        ("Cy Test", "lessee", True),
    }
    assert [r["person_name"] for r in staff_api.get(url + "&member_class=lessee").json()["results"]] == ["Cy Test"]
    assert [r["person_name"] for r in staff_api.get(url + "&votes=true").json()["results"]] == ["Cy Test"]
    # Before Cy's lease began, only the general members.
    early = staff_api.get("/api/v1/members/?on=2026-01-31").json()["results"]
    assert [r["person_name"] for r in early] == ["Ana Test", "Bo Test"]
    bad = staff_api.get("/api/v1/members/?on=yesterday")
    assert bad.status_code == 400 and list(bad.json()) == ["on"]


def test_settings_patch_validates_the_service_area(staff_api):
    bad = staff_api.patch(
        "/api/v1/governance-settings/",
        {"service_area": {"type": "Point", "coordinates": [0, 0]}, "change_reason": "area"},
        format="json",
    )
    assert bad.status_code == 400 and list(bad.json()) == ["service_area"]
    assert staff_api.patch("/api/v1/governance-settings/", {"adult_age": 21}).json() == {
        "change_reason": ["Give a reason for this change."]
    }
    ok = staff_api.patch("/api/v1/governance-settings/", {"service_area": AREA, "change_reason": "area"}, format="json")
    assert ok.status_code == 200 and ok.json()["service_area"]["type"] == "Polygon"


def test_list_queries_do_not_grow_with_rows(staff_api, django_assert_max_num_queries):
    for i in range(3):
        approved(f"A{i}")
        make_lease()
    with django_assert_max_num_queries(12) as few:
        assert len(staff_api.get("/api/v1/members/").json()["results"]) == 6
        assert len(staff_api.get("/api/v1/memberships/").json()["results"]) == 3
    for i in range(15):
        approved(f"B{i}")
        make_lease()
    with django_assert_max_num_queries(len(few)):
        assert len(staff_api.get("/api/v1/members/").json()["results"]) == 36
        assert len(staff_api.get("/api/v1/memberships/").json()["results"]) == 18
