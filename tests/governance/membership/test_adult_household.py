"""Adult household members (R2, ``lessee_scope=adult_household_members``) aged from ``Person.birth_date``.

A household member usually has no membership row, so their age must come from the person: a 17-year-old
becomes a lessee member on their 18th birthday, not before; the membership row's date of birth is only the
fallback when the person has none.
"""

from __future__ import annotations

import datetime as dt

import pytest

from clt.models import Person
from governance.membership import eligibility as el
from governance.membership import services
from governance.membership.models import Membership
from governance.membership.selectors import standing_of, standings_on
from leases.lifecycle import services as lease_services
from tests.factories import make_lease

pytestmark = pytest.mark.django_db

D = dt.date
BIRTHDAY_18 = D(2026, 6, 15)  # the teen's 18th birthday
TEEN_BORN = D(2008, 6, 15)


def person(name: str, **kw) -> Person:
    return Person.objects.create(given_name=name, family_name="Household", **kw)


@pytest.fixture
def household():
    """A lease held by one named lessee whose household also has a teenager and an adult, neither a member."""
    services.governance_settings_update(actor=None, reason="test bylaws", lessee_scope="adult_household_members")
    holder = person("Holder", birth_date=D(1975, 2, 1))
    teen = person("Teen", birth_date=TEEN_BORN)
    grown = person("Grown", birth_date=D(1990, 9, 30))
    home = lease_services.household_create(
        actor=None, reason="test", name="The household", size=3, people=[holder, teen, grown]
    )
    lease = make_lease(people=[holder], household=home, commencement=D(2020, 1, 1))
    return lease, holder, teen, grown


def test_a_17_year_old_is_not_a_lessee_member_until_their_18th_birthday(household):
    lease, _holder, teen, _grown = household
    assert not Membership.objects.filter(person=teen).exists()

    eve = standing_of(teen, BIRTHDAY_18 - dt.timedelta(days=1))
    assert eve.member_class is None
    assert eve.votes is False
    assert el.NOT_LESSEE_ADULT in eve.reason_codes
    assert "under 18" in " ".join(eve.reasons)
    assert teen not in [s.person for s in standings_on(BIRTHDAY_18 - dt.timedelta(days=1))]

    birthday = standing_of(teen, BIRTHDAY_18)
    assert birthday.member_class == "lessee"
    assert birthday.votes is True
    assert birthday.lease_id == lease.pk
    assert birthday.reason_codes == ()
    on_the_day = {s.person.given_name: s for s in standings_on(BIRTHDAY_18)}
    assert set(on_the_day) == {"Holder", "Teen", "Grown"}
    assert on_the_day["Teen"].member_class == "lessee"


def test_an_adult_household_member_without_a_membership_row_is_a_lessee_member(household):
    lease, _holder, _teen, grown = household
    assert not Membership.objects.filter(person=grown).exists()
    standing = standing_of(grown, D(2026, 3, 1))
    assert (standing.member_class, standing.votes, standing.lease_id) == ("lessee", True, lease.pk)
    assert standing.membership_id is None
    assert [s.person.given_name for s in standings_on(D(2026, 3, 1))] == ["Grown", "Holder"]


def test_the_persons_birth_date_wins_and_the_membership_row_is_the_fallback(household):
    _lease, _holder, teen, _grown = household
    on = D(2026, 3, 1)
    # A membership application that gives an adult's date does not make the 17-year-old an adult.
    services.membership_apply(person=teen, actor=None, applied_on=D(2026, 1, 2), birth_date=D(2000, 1, 1))
    assert standing_of(teen, on).member_class is None
    # With no date on the person, the membership row's date decides.
    Person.objects.filter(pk=teen.pk).update(birth_date=None)
    assert standing_of(teen, on).member_class == "lessee"
    Membership.objects.filter(person=teen).update(birth_date=D(2010, 1, 1))
    assert standing_of(teen, on).member_class is None
    assert el.NOT_LESSEE_ADULT in standing_of(teen, on).reason_codes


def test_birth_dates_on_people_add_no_query(household, django_assert_max_num_queries):
    lease, holder, teen, grown = household
    children = [person(f"Child{n}", birth_date=D(2012 + n, 1, 1)) for n in range(5)]
    lease_services.household_update(
        household=lease.household, actor=None, reason="test", people=[holder, teen, grown, *children]
    )
    with django_assert_max_num_queries(7):
        found = standings_on(D(2026, 3, 1))
    assert {s.person.given_name for s in found} == {"Holder", "Grown"}
