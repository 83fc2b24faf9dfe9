"""Membership from the database: lessees derived from leases on their dates, scopes, vote units, precedence,
the services, the derived member role, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from clt import roles
from clt.models import Person
from governance.membership import services
from governance.membership.models import GovernanceSettings, Membership
from governance.membership.selectors import standing_of, standings_on
from leases.lifecycle import services as lease_services
from tests.factories import make_lease, make_template_version

pytestmark = pytest.mark.django_db

D = dt.date
ON = D(2026, 3, 1)
# Around the test parcels (Burlington, see tests/factories.py) and a point in it / out of it.
AREA = {
    "type": "Polygon",
    "coordinates": [[[-73.23, 44.46], [-73.10, 44.46], [-73.10, 44.53], [-73.23, 44.53], [-73.23, 44.46]]],
}
INSIDE = (Decimal("-73.212100"), Decimal("44.475900"))
OUTSIDE = (Decimal("-73.300000"), Decimal("44.475900"))


def person(name: str, **kw) -> Person:
    return Person.objects.create(given_name=name, family_name="Test", **kw)


def settings_set(**fields) -> GovernanceSettings:
    return services.governance_settings_update(actor=None, reason="test bylaws", **fields)


ADULT_BIRTH = D(1980, 1, 1)


def general_member(name: str, *, point=INSIDE, birth=ADULT_BIRTH, paid: bool = True, kind="general") -> Membership:
    m = services.membership_apply(
        person=person(name),
        actor=None,
        applied_on=D(2025, 1, 5),
        kind=kind,
        birth_date=birth,
        longitude=point[0] if point else None,
        latitude=point[1] if point else None,
    )
    m = services.membership_approve(membership=m, actor=None, approved_on=D(2025, 1, 20))
    if paid:
        services.dues_record(membership=m, amount=Decimal("1.00"), actor=None, paid_on=D(2026, 1, 15))
    return m


def record(lease, kind, **kwargs):
    return lease_services.lease_event_record(lease=lease, kind=kind, actor=None, reason=f"test: {kind}", **kwargs)


def by_person(standings):
    return {s.person.given_name: s for s in standings}


@pytest.mark.parametrize("mode", ["assign", "new_lease"])
def test_a_sale_ends_the_sellers_lessee_membership_and_starts_the_buyers(mode):
    terms = make_template_version(f"Lease {mode}", transfer_mode=mode)
    seller = person("Seller")
    lease = make_lease(people=[seller], version=terms, commencement=D(2016, 6, 1))
    closing = D(2026, 2, 10)
    record(lease, "intent_to_sell_received", received_on=closing - dt.timedelta(days=90))
    record(lease, "resale_agreement_signed", received_on=closing - dt.timedelta(days=80))
    record(lease, "option_waived", effective_on=closing - dt.timedelta(days=70))
    buyer = person("Buyer")
    record(
        lease,
        "buyer_under_contract",
        effective_on=closing - dt.timedelta(days=40),
        data={"buyer": [buyer.pk], "price": "160000.00", "buyer_income_certified": True},
    )
    record(lease, "sale_closed", effective_on=closing, data={"buyers": [buyer.pk], "price": "160000.00"})

    day_before = by_person(standings_on(closing - dt.timedelta(days=1)))
    assert day_before["Seller"].member_class == "lessee" and day_before["Seller"].lease_id == lease.pk
    assert "Buyer" not in day_before
    on_closing = by_person(standings_on(closing))
    assert "Seller" not in on_closing
    assert on_closing["Buyer"].member_class == "lessee" and on_closing["Buyer"].votes
    assert on_closing["Buyer"].lease_id == lease.successor.pk
    assert standing_of(seller, closing).member_class is None


def test_a_lease_counts_from_commencement_not_before_and_not_as_a_draft():
    holder = person("Holder")
    make_lease(people=[holder], commencement=D(2026, 3, 2))
    drafter = person("Drafter")
    make_lease(people=[drafter], commencement=D(2020, 1, 1), execute=False)
    assert standings_on(ON) == []
    assert [s.person for s in standings_on(D(2026, 3, 2))] == [holder]


def _household_lease():
    first, second, teen, adult_child = person("First"), person("Second"), person("Teen"), person("Adult")
    household = lease_services.household_create(
        actor=None, reason="test", name="Test household", size=4, people=[first, second, teen, adult_child]
    )
    lease = make_lease(people=[first, second], household=household)
    # Ages known from their (pending) membership applications.
    services.membership_apply(person=teen, actor=None, applied_on=D(2026, 1, 2), birth_date=D(2010, 5, 1))
    services.membership_apply(person=adult_child, actor=None, applied_on=D(2026, 1, 2), birth_date=D(2005, 5, 1))
    return lease, household


@pytest.mark.parametrize(
    ("scope", "members"),
    [
        ("named_lessees", {"First", "Second"}),
        ("adult_household_members", {"First", "Second", "Adult"}),
        ("one_per_leasehold", {"First"}),
    ],
)
def test_each_lessee_scope(scope, members):
    _household_lease()
    settings_set(lessee_scope=scope)
    found = by_person(standings_on(ON))
    assert set(found) == members
    assert all(s.member_class == "lessee" and s.votes for s in found.values())


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("person", "person"), ("household", "household"), ("leasehold", "leasehold")],
)
def test_vote_unit_keys_from_leases(unit, expected):
    lease, household = _household_lease()
    settings_set(vote_unit=unit)
    found = by_person(standings_on(ON))
    ids = {"person": None, "household": household.pk, "leasehold": lease.pk}
    keys = {found["First"].vote_unit_key, found["Second"].vote_unit_key}
    if expected == "person":
        assert keys == {f"person:{found['First'].person.pk}", f"person:{found['Second'].person.pk}"}
    else:
        assert keys == {f"{expected}:{ids[expected]}"}  # co-lessees share one vote


def test_a_lessee_who_is_also_a_general_member_votes_once_as_lessee():
    m = general_member("Both")
    make_lease(people=[m.person])
    (standing,) = standings_on(ON)
    assert (standing.member_class, standing.votes, standing.membership_id) == ("lessee", True, m.pk)


def test_general_members_with_the_service_area_and_dues():
    settings_set(service_area=AREA, general_min_age=16)
    general_member("Good")
    general_member("Lapsed", paid=False)
    general_member("Young", birth=D(2011, 1, 1))
    general_member("Away", point=OUTSIDE)
    general_member("Friend", kind="supporting")
    found = by_person(standings_on(ON))
    assert {k: (s.member_class, s.votes, s.reason_codes) for k, s in found.items()} == {
        "Good": ("general", True, ()),
        "Lapsed": ("general", False, ("dues_not_current",)),
        "Young": ("general", False, ("under_age",)),
        "Away": ("general", False, ("outside_area",)),
        "Friend": ("supporting", False, ("supporting_no_vote",)),
    }
    assert found["Young"].reasons == ("Aged 15: general members vote from 16.",)


def test_standing_of_a_non_member_says_why():
    nobody = person("Nobody")
    s = standing_of(nobody, ON)
    assert (s.member_class, s.votes, s.vote_unit_key) == (None, False, f"person:{nobody.pk}")
    assert s.reasons == ("Not a member: no lease in force and no membership.",)
    applicant = services.membership_apply(person=person("Applicant"), actor=None, applied_on=D(2026, 2, 1))
    assert standing_of(applicant.person, ON).reason_codes == ("application_pending",)


def test_standings_take_a_fixed_number_of_queries(django_assert_max_num_queries):
    settings_set(service_area=AREA)
    general_member("One")
    make_lease()
    GovernanceSettings.current()
    with django_assert_max_num_queries(7):
        assert len(standings_on(ON)) == 2
    for i in range(8):
        general_member(f"Many{i}")
        make_lease()
    with django_assert_max_num_queries(7):
        assert len(standings_on(ON)) == 18


# --- Services ---------------------------------------------------------------------------------------


def test_apply_approve_end_and_apply_again():
    m = services.membership_apply(person=person("Ana"), actor=None, applied_on=D(2025, 3, 1))
    assert m.status == "applied"
    with pytest.raises(ValidationError) as err:
        services.membership_apply(person=m.person, actor=None)
    assert "person" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.membership_approve(membership=m, actor=None, approved_on=D(2025, 2, 1))
    assert "approved_on" in err.value.message_dict
    m = services.membership_approve(membership=m, actor=None, approved_on=D(2025, 3, 10))
    m = services.membership_end(membership=m, actor=None, reason="moved away", ended_on=D(2026, 1, 1))
    assert (m.status, m.ended_on) == ("resigned", D(2026, 1, 1))
    assert standing_of(m.person, D(2025, 12, 31)).member_class == "general"
    assert standing_of(m.person, D(2026, 1, 1)).member_class is None
    again = services.membership_apply(person=m.person, actor=None, applied_on=D(2026, 2, 1))
    assert (again.pk, again.status, again.ended_on) == (m.pk, "applied", None)
    assert [h.history_change_reason for h in again.history.order_by("history_id")][-2:] == [
        "moved away",
        "Membership application",
    ]


def test_refuse_needs_a_reason_and_an_application():
    m = services.membership_apply(person=person("Ana"), actor=None)
    with pytest.raises(ValidationError) as err:
        services.membership_refuse(membership=m, actor=None, reason=" ")
    assert "change_reason" in err.value.message_dict
    m = services.membership_refuse(membership=m, actor=None, reason="not in the area")
    with pytest.raises(ValidationError) as err:
        services.membership_approve(membership=m, actor=None)
    assert "status" in err.value.message_dict


def test_no_application_needed_makes_a_member_at_once():
    settings_set(requires_application=False)
    m = services.membership_apply(person=person("Ana"), actor=None, applied_on=D(2026, 1, 5))
    assert (m.status, m.approved_on) == ("active", D(2026, 1, 5))


def test_only_staff_apply_for_someone_else():
    user = User.objects.create_user("ana")
    ana = person("Ana", user=user)
    with pytest.raises(PermissionDenied):
        services.membership_apply(person=person("Other"), actor=user)
    with pytest.raises(ValidationError) as err:
        services.membership_apply(person=ana, actor=user, notes="staff only")
    assert "notes" in err.value.message_dict
    assert services.membership_apply(person=ana, actor=user).person == ana


def test_dues_follow_the_period_setting():
    m = general_member("Ana", paid=False)
    paid = services.dues_record(membership=m, amount=Decimal("1.00"), actor=None, paid_on=D(2026, 2, 3))
    assert (paid.period_start, paid.period_end) == (D(2026, 1, 1), D(2026, 12, 31))
    with pytest.raises(ValidationError) as err:
        services.dues_record(membership=m, amount=Decimal("5.00"), actor=None, paid_on=D(2026, 2, 4))
    assert "period_start" in err.value.message_dict
    settings_set(dues_period="rolling_year", dues_amount=Decimal("10.00"))
    with pytest.raises(ValidationError) as err:
        services.dues_record(membership=m, amount=Decimal("9.99"), actor=None, paid_on=D(2026, 2, 4))
    assert "amount" in err.value.message_dict
    other = general_member("Bo", paid=False)
    rolling = services.dues_record(membership=other, amount=Decimal("10.00"), actor=None, paid_on=D(2026, 2, 4))
    assert (rolling.period_start, rolling.period_end) == (D(2026, 2, 4), D(2027, 2, 3))


def test_waiving_dues_makes_them_current():
    m = general_member("Ana", paid=False)
    assert not standing_of(m.person, ON).votes
    with pytest.raises(ValidationError) as err:
        services.dues_waive(membership=m, actor=None, reason="hardship")
    assert "waiver_reason" in err.value.message_dict
    services.dues_waive(membership=m, actor=None, reason="hardship", waiver_reason="Hardship, board policy 4")
    assert standing_of(m.person, ON).votes


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "Point", "coordinates": [-73.2, 44.4]},
        {"type": "Polygon", "coordinates": [[[-73.2, 44.4], [-73.1, 44.4], [-73.1, 44.5]]]},  # not closed
        {"type": "Polygon", "coordinates": [[[44.4, -173.2], [44.4, -173.1], [44.5, -173.1], [44.4, -173.2]]]},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},  # bow tie
    ],
)
def test_the_service_area_must_be_a_valid_lonlat_polygon(bad):
    with pytest.raises(ValidationError) as err:
        settings_set(service_area=bad)
    assert "service_area" in err.value.message_dict
    assert GovernanceSettings.current().service_area is None


def test_the_service_area_accepts_a_feature_and_clears():
    s = settings_set(service_area={"type": "Feature", "properties": {}, "geometry": AREA})
    assert s.service_area["type"] == "Polygon"
    assert settings_set(service_area=None).service_area is None
    with pytest.raises(ValidationError) as err:
        settings_set(colour="red")
    assert "colour" in err.value.message_dict


# --- The derived member role ------------------------------------------------------------------------


def test_the_member_role_is_derived_from_leases_and_memberships():
    lessee_user, general_user, applicant_user = (User.objects.create_user(n) for n in ("l", "g", "a"))
    make_lease(people=[person("Lessee", user=lessee_user)])
    m = general_member("General")
    m.person.user = general_user
    m.person.save()
    services.membership_apply(person=person("Applicant", user=applicant_user), actor=None)
    assert roles.is_member(lessee_user) and roles.is_member(general_user)
    assert not roles.is_member(applicant_user)
    assert not roles.is_member(User.objects.create_user("nobody"))
