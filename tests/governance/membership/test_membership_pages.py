"""Membership pages: the staff list with counts and CSV, the membership page's forms, settings, My membership."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from clt.models import Person
from governance.membership import services
from governance.membership.models import GovernanceSettings, Membership
from tests.factories import make_lease

pytestmark = pytest.mark.django_db

D = dt.date
AREA = {
    "type": "Polygon",
    "coordinates": [[[-73.23, 44.46], [-73.10, 44.46], [-73.10, 44.53], [-73.23, 44.53], [-73.23, 44.46]]],
}


def approved(name: str, *, paid: bool = True) -> Membership:
    p = Person.objects.create(given_name=name, family_name="Test")
    m = services.membership_apply(
        person=p,
        actor=None,
        applied_on=D(2025, 1, 5),
        birth_date=D(1980, 1, 1),
        longitude=Decimal("-73.2"),
        latitude=Decimal("44.48"),
    )
    m = services.membership_approve(membership=m, actor=None, approved_on=D(2025, 1, 20))
    if paid:
        services.dues_record(membership=m, amount=Decimal("1"), actor=None, paid_on=D(2026, 1, 10))
    return m


def test_the_members_page_counts_classes_and_lists_reasons(client, staff_user, django_assert_max_num_queries):
    services.governance_settings_update(actor=None, reason="area", service_area=AREA)
    approved("Ana")
    approved("Bo", paid=False)
    make_lease(people=[Person.objects.create(given_name="Cy", family_name="Test")])
    client.force_login(staff_user)
    with django_assert_max_num_queries(20):
        page = client.get("/governance/members/?on=2026-03-01").content.decode()
    assert "Lessee member" in page and "Dues are not current." in page
    assert page.count("<tr>") >= 3 + 3  # the summary and the standings
    only_voters = client.get("/governance/members/?on=2026-03-01&votes=yes").content.decode()
    assert "Ana Test" in only_voters and "Bo Test" not in only_voters
    csv_text = client.get("/governance/members/?on=2026-03-01&format=csv").content.decode()
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("person_id,name,class,votes")
    assert {line.split(",")[1] for line in lines[1:]} == {"Ana Test", "Bo Test", "Cy Test"}
    assert any("Bo Test,general,no" in line and "Dues are not current." in line for line in lines)


@pytest.mark.parametrize("role", ["member", "homeowner"])
def test_staff_pages_are_staff_only(client, request, role):
    client.force_login(request.getfixturevalue(f"{role}_user"))
    assert client.get("/governance/members/").status_code == 403
    assert client.get("/governance/settings/").status_code == 403


def test_the_membership_page_approves_records_dues_and_ends(client, staff_user):
    p = Person.objects.create(given_name="Dee", family_name="Test")
    m = services.membership_apply(person=p, actor=None, applied_on=D(2026, 1, 5))
    client.force_login(staff_user)
    url = f"/governance/memberships/{m.pk}/"
    assert "Approve the application" in client.get(url).content.decode()
    response = client.post(url, {"action": "approve", "approved_on": "2026-01-10"})
    assert response.status_code == 302
    low = client.post(url, {"action": "dues", "amount": "0.10", "paid_on": "2026-01-10"})
    assert "The yearly dues are 1.00; 0.10 is less." in low.content.decode()
    client.post(url, {"action": "dues", "amount": "1.00", "paid_on": "2026-01-10"})
    refused = client.post(url, {"action": "end", "status": "resigned", "ended_on": "2026-02-01"})
    assert "This field is required." in refused.content.decode()  # the reason
    client.post(url, {"action": "end", "status": "resigned", "ended_on": "2026-02-01", "change_reason": "moved"})
    m.refresh_from_db()
    assert (m.status, m.approved_on, m.ended_on, m.dues.count()) == ("resigned", D(2026, 1, 10), D(2026, 2, 1), 1)
    assert "moved" in client.get(url).content.decode()  # the history


def test_a_person_applies_for_themself_and_sees_only_their_own(client, homeowner_user, other_homeowner_user):
    other = services.membership_apply(person=other_homeowner_user.person, actor=None)
    client.force_login(homeowner_user)
    page = client.get("/governance/members/apply/").content.decode()
    assert 'name="person"' not in page
    response = client.post("/governance/members/apply/", {"kind": "supporting", "birth_date": "1970-04-02"})
    assert response.status_code == 302
    mine = Membership.objects.get(person=homeowner_user.person)
    assert (mine.kind, mine.status) == ("supporting", "applied")
    assert client.get(f"/governance/memberships/{mine.pk}/").status_code == 200
    assert client.get(f"/governance/memberships/{other.pk}/").status_code == 404
    assert client.post(f"/governance/memberships/{mine.pk}/", {"action": "approve"}).status_code == 403


def test_my_membership_shows_the_lessee_class_from_the_lease(client, homeowner_user, member_user):
    client.force_login(homeowner_user)
    page = client.get("/governance/my/").content.decode()
    assert "Lessee member" in page and "through your ground lease" in page
    client.force_login(member_user)
    assert "not linked to a person record" in client.get("/governance/my/").content.decode()


def test_the_settings_page_saves_and_previews_the_area(client, staff_user):
    client.force_login(staff_user)
    form = {
        "lessee_scope": "named_lessees",
        "vote_unit": "household",
        "adult_age": 18,
        "general_min_age": 16,
        "dues_amount": "5.00",
        "dues_period": "calendar_year",
        "residency_min_months": 0,
        "requires_application": "on",
        "service_area_name": "Old North End",
        "service_area": json.dumps({"type": "Point", "coordinates": [0, 0]}),
        "change_reason": "annual meeting",
    }
    bad = client.post("/governance/settings/", form)
    assert "The service area must be a GeoJSON Polygon or MultiPolygon." in bad.content.decode()
    form["service_area"] = json.dumps(AREA)
    assert client.post("/governance/settings/", form).status_code == 302
    settings = GovernanceSettings.current()
    assert (settings.vote_unit, settings.dues_amount, settings.service_area["type"]) == (
        "household",
        Decimal("5.00"),
        "Polygon",
    )
    page = client.get("/governance/settings/").content.decode()
    assert 'role="img"' in page and "Longitude from -73.23 to -73.1" in page
