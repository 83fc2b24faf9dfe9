"""A housing co-op on the trust's land: its certified lists, its residents on the election roll, its votes counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from clt.models import Organization, OrganizationKind, Person
from governance.elections.models import RollEntry
from governance.membership.coop import coop_list_certify, coop_votes_of
from governance.membership.models import CoopResidentList, GovernanceSettings
from leases.lifecycle import services as lease_services
from leases.lifecycle.models import Household
from properties import services as property_services
from tests.factories import make_lease, make_parcel, make_template_version
from tests.governance import all_services as gs

pytestmark = pytest.mark.django_db

RECORD = dt.date(2026, 3, 1)


def coop_on_trust_land(name: str = "Maple Housing Co-op") -> Organization:
    org = Organization.objects.create(name=name, kind=OrganizationKind.HOUSING_COOPERATIVE)
    n = Organization.objects.count()
    parcel = make_parcel(f"COOP-{n}", x=9000 + 40 * n, y=9000)
    unit = property_services.unit_create(actor=None, reason="co-op building", parcel=parcel, address="1 Co-op Way")
    lease = lease_services.lease_create(
        actor=None,
        reason="co-op lease",
        unit=unit,
        template_version=make_template_version(),
        organization=org,
        commencement=dt.date(2020, 1, 1),
        recording_instrument=f"COOP-{org.pk}",
        purchase_price=Decimal("1.00"),
    )
    lease_services.lease_event_record(
        lease=lease, kind="executed", actor=None, reason="signed", effective_on=dt.date(2020, 1, 1)
    )
    return org


def household(name: str, *people: Person) -> Household:
    h = Household.objects.create(name=name, size=max(1, len(people)))
    for p in people:
        h.members.create(person=p)
    return h


@pytest.fixture
def coop(staff_user):
    """A co-op with two lists: the first (2025) of two households, the second (Feb 2026) of three."""
    org = coop_on_trust_land()
    people = {n: Person.objects.create(given_name=n, family_name="Resident") for n in ("Ana", "Bo", "Cy", "Di", "Ed")}
    h1, h2, h3 = household("Ana's", people["Ana"], people["Bo"]), household("Cy's", people["Cy"]), household("Di's")
    coop_list_certify(
        actor=staff_user,
        reason="2025 list received",
        organization=org,
        certified_on=dt.date(2025, 2, 1),
        certifier_name="Rosa Park",
        certifier_role="Co-op secretary",
        residents=[(people["Ana"], h1, True), (people["Cy"], h2, False)],
    )
    coop_list_certify(
        actor=staff_user,
        reason="2026 list received",
        organization=org,
        certified_on=dt.date(2026, 2, 1),
        certifier_name="Rosa Park",
        certifier_role="Co-op secretary",
        residents=[
            (people["Ana"], h1, True),
            (people["Bo"], None, False),
            (people["Cy"], h2, False),
            (people["Di"], h3, True),
        ],
    )
    return org, people


def set_coop(value: str) -> None:
    gs.governance_settings_update(actor=None, reason="bylaws: co-op residents", coop_residents=value)


def test_the_setting_decides_who_the_coop_makes_members(coop):
    _org, people = coop
    names = lambda: {s.person.given_name: s.vote_unit_key.split(":")[0] for s in gs.standings_on(RECORD)}  # noqa: E731
    assert names() == {}
    set_coop("delegates")
    assert names() == {"Ana": "person", "Di": "person"}
    set_coop("households")
    # Bo is listed without a household: a household of one; Ana's household votes once (Ana, listed first).
    assert names() == {"Ana": "household", "Bo": "person", "Cy": "household", "Di": "household"}
    assert {s.member_class for s in gs.standings_on(RECORD)} == {"lessee"}
    # On a date only the 2025 list covers, its two households.
    assert {s.person.given_name for s in gs.standings_on(dt.date(2025, 6, 1))} == {"Ana", "Cy"}
    assert gs.standing_of(people["Ed"], RECORD).member_class is None


def test_the_coop_page_counts_its_votes_under_the_setting_in_force(coop):
    org, _people = coop
    assert coop_votes_of(org, RECORD).votes == 0
    set_coop("households")
    votes = coop_votes_of(org, RECORD)
    assert votes.votes == 4 and votes.list_in_force.certified_on == dt.date(2026, 2, 1)
    set_coop("delegates")
    assert coop_votes_of(org, RECORD).votes == 2


def test_certifying_is_staff_only_and_checked(coop, member_user, staff_user):
    org, people = coop
    common = {
        "organization": org,
        "certified_on": RECORD,
        "certifier_name": "Rosa Park",
        "certifier_role": "Secretary",
        "residents": [(people["Ed"], None, False)],
    }
    with pytest.raises(PermissionDenied):
        coop_list_certify(actor=member_user, reason="x", **common)
    with pytest.raises(ValidationError) as exc:
        coop_list_certify(actor=staff_user, reason="", **common)
    assert "change_reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        coop_list_certify(
            actor=staff_user, reason="x", **(common | {"certified_on": timezone.localdate() + dt.timedelta(days=1)})
        )
    assert "certified_on" in exc.value.message_dict
    lender = Organization.objects.create(name="A Bank", kind=OrganizationKind.LENDER)
    with pytest.raises(ValidationError) as exc:
        coop_list_certify(actor=staff_user, reason="x", **(common | {"organization": lender}))
    assert "organization" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        coop_list_certify(actor=staff_user, reason="x", **(common | {"residents": [(people["Ed"], None, False)] * 2}))
    assert "residents" in exc.value.message_dict
    made = coop_list_certify(actor=staff_user, reason="2026 list, corrected", **common)
    assert made.recorded_by == staff_user and made.history.first().history_change_reason == "2026 list, corrected"
    assert CoopResidentList.objects.filter(organization=org).count() == 3


def test_the_roll_takes_the_coops_households_and_their_ballots_count(coop, staff_user):
    _org, people = coop
    set_coop("households")
    gs.governance_settings_update(actor=None, reason="plain", vote_unit="person")
    own = Person.objects.create(given_name="Own", family_name="Lessee")
    make_lease(people=[own])
    now = timezone.now()
    election = gs.election_create(
        actor=staff_user,
        reason="annual",
        name="Annual election",
        record_date=RECORD,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=3),
        officer=staff_user,
    )
    contest = gs.contest_add(
        actor=staff_user,
        reason="seat",
        election=election,
        title="Leaseholder seat",
        eligible_classes=["lessee"],
        method="plurality",
    )
    for name in ("Yes", "No"):
        gs.candidate_add(
            actor=staff_user,
            reason="nominated",
            contest=contest,
            person=Person.objects.create(given_name=name, family_name="Candidate"),
            consented_on=RECORD,
        )
    size = gs.roll_freeze(actor=staff_user, reason="record date", election=election)
    assert size == 5
    hh = {h.name[:-2]: h.pk for h in Household.objects.all()}
    roll = {
        e.person.given_name: e.vote_unit_key
        for e in RollEntry.objects.filter(election=election).select_related("person")
    }
    assert roll == {
        "Own": f"person:{own.pk}",
        "Ana": f"household:{hh['Ana']}",
        "Bo": f"person:{people['Bo'].pk}",
        "Cy": f"household:{hh['Cy']}",
        "Di": f"household:{hh['Di']}",
    }
    issued = gs.access_codes_issue(actor=staff_user, reason="mail-out", election=election)
    gs.election_open(actor=staff_user, reason="polls open", election=election)
    codes = {
        e.person.given_name: issued[e.pk] for e in RollEntry.objects.filter(election=election).select_related("person")
    }
    yes, no = (contest.candidates.get(person__given_name=n).pk for n in ("Yes", "No"))
    for name, choice in (("Ana", yes), ("Bo", yes), ("Cy", yes), ("Di", no), ("Own", no)):
        gs.ballot_cast(code=codes[name], contest=contest, choices=[choice])
    gs.election_close(actor=staff_user, reason="polls closed", election=election)
    gs.election_count(actor=staff_user, reason="count", election=election)
    contest.refresh_from_db()
    assert contest.result["winner_ids"] == [yes]
    assert GovernanceSettings.current().coop_residents == "households"
