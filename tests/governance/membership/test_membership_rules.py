"""The pure membership rules (``governance.membership.eligibility``): no database, every rule R2-R5 with real values."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.membership import eligibility as el
from governance.membership.eligibility import LeaseTie, MembershipFacts, PersonFacts, Rules, decide

ON = dt.date(2026, 5, 1)
# A square around Burlington's Old North End (lon/lat), and points inside, on the edge, outside.
AREA = {
    "type": "Polygon",
    "coordinates": [[[-73.23, 44.48], [-73.19, 44.48], [-73.19, 44.50], [-73.23, 44.50], [-73.23, 44.48]]],
}
INSIDE = (-73.2121, 44.4890)  # North Street
ON_EDGE = (-73.19, 44.49)
OUTSIDE = (-73.1500, 44.4759)  # Winooski side, east of the area


def general(**kw) -> MembershipFacts:
    base = {
        "kind": "general",
        "status": "active",
        "applied_on": dt.date(2025, 1, 10),
        "approved_on": dt.date(2025, 2, 1),
        "longitude": INSIDE[0],
        "latitude": INSIDE[1],
        "dues_periods": ((dt.date(2026, 1, 1), dt.date(2026, 12, 31)),),
    }
    base.update(kw)
    return MembershipFacts(**base)


def person(pid=7, *, leases=(), membership=None, birth=dt.date(1980, 6, 15), households=()) -> PersonFacts:
    return PersonFacts(
        person_id=pid, leases=tuple(leases), membership=membership, birth_date=birth, household_ids=tuple(households)
    )


RULES = Rules(service_area=AREA)


def codes(decision: el.Decision) -> list[str]:
    return [r.code for r in decision.reasons]


def test_general_member_in_good_standing_votes():
    d = decide(person(membership=general()), RULES, ON)
    assert (d.member_class, d.votes, d.vote_unit_key, d.reasons) == ("general", True, "person:7", ())
    assert d.dues_current is True


def test_dues_lapsed_keeps_membership_without_vote():
    lapsed = general(dues_periods=((dt.date(2025, 1, 1), dt.date(2025, 12, 31)),))
    d = decide(person(membership=lapsed), RULES, ON)
    assert (d.member_class, d.votes, codes(d)) == ("general", False, [el.DUES_NOT_CURRENT])
    # The waiver (hardship) makes them current; so do bylaws without dues.
    assert decide(person(membership=general(dues_periods=(), dues_waived=True)), RULES, ON).votes
    assert decide(person(membership=general(dues_periods=())), Rules(dues_required=False), ON).votes


def test_dues_period_ends_inclusive():
    m = general(dues_periods=((dt.date(2025, 5, 2), dt.date(2026, 5, 1)),))
    assert decide(person(membership=m), RULES, dt.date(2026, 5, 1)).votes
    assert not decide(person(membership=m), RULES, dt.date(2026, 5, 2)).votes


def test_minimum_age_on_the_birthday():
    m = general()
    turning_16 = dt.date(2010, 5, 1)
    assert decide(person(membership=m, birth=turning_16), RULES, ON).votes
    d = decide(person(membership=m, birth=dt.date(2010, 5, 2)), RULES, ON)
    assert codes(d) == [el.UNDER_AGE] and d.reasons[0].params == {"age": 15, "min_age": 16}
    assert d.member_class == "general"
    assert codes(decide(person(membership=m, birth=None), RULES, ON)) == [el.BIRTH_DATE_UNKNOWN]
    # Saint Joseph's 18.
    assert not decide(person(membership=m, birth=turning_16), Rules(general_min_age=18), ON).votes


def test_age_on_leap_day_birthday():
    assert el.age_on(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 17
    assert el.age_on(dt.date(2008, 2, 29), dt.date(2026, 3, 1)) == 18


def test_service_area_point_in_polygon_with_boundary_inside():
    assert el.in_area(AREA, *INSIDE)
    assert el.in_area(AREA, *ON_EDGE)
    assert el.in_area(AREA, -73.23, 44.48)  # a corner
    assert not el.in_area(AREA, *OUTSIDE)
    multi = {"type": "MultiPolygon", "coordinates": [AREA["coordinates"]]}
    assert el.in_area(multi, *INSIDE)


def test_outside_the_area_keeps_membership_without_vote_unless_bylaws_allow():
    m = general(longitude=OUTSIDE[0], latitude=OUTSIDE[1])
    d = decide(person(membership=m), RULES, ON)
    assert (d.member_class, d.votes, codes(d)) == ("general", False, [el.OUTSIDE_AREA])
    assert decide(person(membership=m), Rules(service_area=AREA, out_of_area_may_vote=True), ON).votes
    # No point recorded: cannot be checked.
    unlocated = general(longitude=None, latitude=None)
    assert codes(decide(person(membership=unlocated), RULES, ON)) == [el.RESIDENCE_NOT_LOCATED]
    # No service area set: nothing to check.
    assert decide(person(membership=unlocated), Rules(), ON).votes


def test_residency_minimum_months():
    rules = Rules(residency_min_months=10)
    # Saint Joseph: ten continuous months. Resident since 1 July 2025 -> votes from 1 May 2026.
    m = general(resident_since=dt.date(2025, 7, 1))
    assert decide(person(membership=m), rules, ON).votes
    d = decide(person(membership=m), rules, dt.date(2026, 4, 30))
    assert codes(d) == [el.RESIDENCY_TOO_SHORT] and d.reasons[0].params["date"] == dt.date(2026, 5, 1)
    assert codes(decide(person(membership=general()), rules, ON)) == [el.RESIDENCY_UNKNOWN]


def test_add_months_clamps_to_month_end():
    assert el.add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert el.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert el.add_months(dt.date(2025, 11, 30), 3) == dt.date(2026, 2, 28)


def test_every_reason_at_once():
    m = general(longitude=OUTSIDE[0], latitude=OUTSIDE[1], dues_periods=())
    d = decide(person(membership=m, birth=dt.date(2012, 1, 1)), RULES, ON)
    assert codes(d) == [el.DUES_NOT_CURRENT, el.UNDER_AGE, el.OUTSIDE_AREA]


def test_supporting_members_never_vote():
    d = decide(person(membership=general(kind="supporting")), RULES, ON)
    assert (d.member_class, d.votes, codes(d)) == ("supporting", False, [el.SUPPORTING_NO_VOTE])


@pytest.mark.parametrize(
    ("status", "approved", "ended", "code"),
    [
        ("applied", None, None, el.APPLICATION_PENDING),
        ("refused", None, None, el.APPLICATION_REFUSED),
        ("resigned", dt.date(2025, 2, 1), dt.date(2026, 5, 1), el.MEMBERSHIP_ENDED),
        ("active", dt.date(2026, 5, 2), None, el.NOT_YET_MEMBER),
    ],
)
def test_not_a_member(status, approved, ended, code):
    d = decide(person(membership=general(status=status, approved_on=approved, ended_on=ended)), RULES, ON)
    assert (d.member_class, d.votes, codes(d)) == (None, False, [code])


def test_member_until_the_day_before_ending():
    m = general(status="resigned", ended_on=dt.date(2026, 5, 2))
    assert decide(person(membership=m), RULES, ON).member_class == "general"


def test_without_required_application_an_applicant_is_a_member():
    m = general(status="applied", approved_on=None)
    assert decide(person(membership=m), Rules(service_area=AREA, requires_application=False), ON).votes


def test_no_lease_no_membership():
    d = decide(person(), RULES, ON)
    assert (d.member_class, codes(d)) == (None, [el.NOT_APPLIED])


# --- Lessees (R2), precedence (R5), vote units (R4) ------------------------------------------------


def lessee(lease_id=31, household_id=5, **kw) -> LeaseTie:
    kw.setdefault("named", True)
    kw.setdefault("first_named", True)
    return LeaseTie(lease_id=lease_id, household_id=household_id, **kw)


def test_lessee_votes_without_dues_or_area():
    d = decide(person(leases=[lessee()], birth=None), RULES, ON)
    assert (d.member_class, d.votes, d.vote_unit_key, d.lease_id) == ("lessee", True, "person:7", 31)


def test_precedence_lessee_who_is_also_general_member_votes_once_as_lessee():
    d = decide(person(leases=[lessee()], membership=general()), RULES, ON)
    assert (d.member_class, d.votes, d.reasons) == ("lessee", True, ())


def test_precedence_lessee_over_supporting_and_general_over_nothing():
    assert decide(person(leases=[lessee()], membership=general(kind="supporting")), RULES, ON).votes


def test_scope_named_lessees():
    co_lessee = lessee(first_named=False)
    household_only = lessee(named=False, first_named=False, household_member=True, adult=True)
    rules = Rules(lessee_scope="named_lessees")
    assert decide(person(leases=[co_lessee]), rules, ON).member_class == "lessee"
    assert decide(person(leases=[household_only]), rules, ON).member_class is None


def test_scope_one_per_leasehold():
    rules = Rules(lessee_scope="one_per_leasehold")
    assert decide(person(leases=[lessee()]), rules, ON).member_class == "lessee"
    d = decide(person(leases=[lessee(first_named=False)]), rules, ON)
    assert (d.member_class, codes(d)) == (None, [el.NOT_FIRST_LESSEE, el.NOT_APPLIED])


def test_scope_adult_household_members():
    rules = Rules(lessee_scope="adult_household_members", adult_age=18)
    adult = lessee(named=False, first_named=False, household_member=True, adult=True)
    minor = lessee(named=False, first_named=False, household_member=True, adult=False)
    unknown = lessee(named=False, first_named=False, household_member=True, adult=None)
    assert decide(person(leases=[adult]), rules, ON).member_class == "lessee"
    assert decide(person(leases=[unknown]), rules, ON).member_class == "lessee"
    d = decide(person(leases=[minor]), rules, ON)
    assert (d.member_class, codes(d)) == (None, [el.NOT_LESSEE_ADULT, el.NOT_APPLIED])
    # A minor of a leaseholding household who is a general member falls back to that class.
    d = decide(person(leases=[minor], membership=general(), birth=dt.date(2009, 1, 1)), rules, ON)
    assert (d.member_class, d.votes) == ("general", True)


@pytest.mark.parametrize(
    ("unit", "facts", "key"),
    [
        ("person", person(leases=[lessee()]), "person:7"),
        ("household", person(leases=[lessee()]), "household:5"),
        ("household", person(leases=[lessee(household_id=None)]), "leasehold:31"),
        ("leasehold", person(leases=[lessee()]), "leasehold:31"),
        ("household", person(membership=general(), households=(9, 4)), "household:4"),
        ("household", person(membership=general()), "person:7"),
        ("leasehold", person(membership=general()), "person:7"),
    ],
)
def test_vote_unit_keys(unit, facts, key):
    assert decide(facts, Rules(vote_unit=unit), ON).vote_unit_key == key


def test_two_co_lessees_share_one_leasehold_key():
    rules = Rules(vote_unit="leasehold")
    first = decide(person(1, leases=[lessee()]), rules, ON)
    second = decide(person(2, leases=[lessee(first_named=False)]), rules, ON)
    assert first.vote_unit_key == second.vote_unit_key == "leasehold:31"


def test_dues_period_for():
    assert el.dues_period_for(dt.date(2026, 3, 15), "calendar_year") == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert el.dues_period_for(dt.date(2026, 3, 15), "rolling_year") == (dt.date(2026, 3, 15), dt.date(2027, 3, 14))
