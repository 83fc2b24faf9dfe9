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


def test_the_members_page_says_the_vote_unit_and_tells_same_names_apart(client, staff_user):
    """Issue 14 §4 and §5: no ``person:49`` key on the page (the CSV keeps it); three people named Tomas
    Ulloa each come with their address."""
    services.governance_settings_update(actor=None, reason="area", service_area=AREA)
    twins = [Person.objects.create(given_name="Tomas", family_name="Ulloa") for _ in range(2)]
    leases = [make_lease(people=[p]) for p in twins]
    third = approved("Tomas")
    third.person.family_name, third.person.mailing_address = "Ulloa", "9 Elm Road\nBurlington, VT"
    third.person.save()
    client.force_login(staff_user)
    page = client.get("/governance/members/?on=2026-03-01").content.decode()
    assert "person:" not in page and "Own vote" in page
    assert page.count("Tomas Ulloa<br>") == 3
    for lease in leases:
        assert f'<span class="muted same-name">{lease.unit.address}</span>' in page
    assert '<span class="muted same-name">9 Elm Road</span>' in page
    assert 'class="table-wrap" role="region" tabindex="0" aria-labelledby="standings-caption"' in page
    assert 'id="standings-caption"' in page
    csv_text = client.get("/governance/members/?on=2026-03-01&format=csv").content.decode()
    assert f"person:{twins[0].pk}" in csv_text


def test_vote_unit_labels_name_the_home():
    from governance.membership.selectors import vote_unit_labels
    from leases.lifecycle import services as lease_services

    holder = Person.objects.create(given_name="Ana", family_name="Test")
    household = lease_services.household_create(
        actor=None, reason="test", name="Test household", size=1, people=[holder]
    )
    lease = make_lease(people=[holder], household=household)
    labels = vote_unit_labels(
        [f"person:{holder.pk}", f"household:{household.pk}", f"leasehold:{lease.pk}", "household:999999"],
        D(2026, 3, 1),
    )
    assert labels[f"person:{holder.pk}"] == "Own vote"
    assert labels[f"household:{household.pk}"] == f"The household at {lease.unit.address}"
    assert labels[f"leasehold:{lease.pk}"] == f"The lease on {lease.unit.address}"
    assert labels["household:999999"] == "Household: no name recorded"
