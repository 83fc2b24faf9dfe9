"""The shared permission layer: restrict(user, action) scopes every queryset."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from clt import roles
from clt.models import Person
from properties.models import Parcel
from tests.conftest import make_user
from tests.factories import make_parcel

pytestmark = pytest.mark.django_db


def test_roles(users):
    assert roles.user_roles(None) == frozenset()
    assert roles.user_roles(AnonymousUser()) == frozenset()
    assert roles.user_roles(users["staff"]) == {"staff"}
    assert roles.user_roles(users["member"]) == {"member"}
    assert roles.user_roles(users["board"]) == {"member", "board"}
    # A leaseholder whose lease is in force is a lessee member too (governance R2).
    assert roles.user_roles(users["homeowner"]) == {"homeowner", "member"}


def test_inactive_users_see_nothing(staff_user):
    make_parcel("P-1", actor=staff_user)
    staff_user.is_active = False
    staff_user.save()
    fresh = type(staff_user).objects.get(pk=staff_user.pk)
    assert Parcel.objects.visible_to(fresh).count() == 0


def test_staff_see_all_others_only_what_rules_allow(users, staff_user):
    make_parcel("P-1", actor=staff_user)
    assert Parcel.objects.visible_to(users["staff"]).count() == 2  # P-1 and the homeowner's leased parcel
    for role in ("member", "homeowner", "board"):
        assert Parcel.objects.visible_to(users[role]).count() == 0
    assert Parcel.objects.visible_to(AnonymousUser()).count() == 0


def test_a_person_sees_only_their_own_record(homeowner_user, other_homeowner_user):
    other = other_homeowner_user
    Person.objects.create(given_name="No login")
    mine = Person.objects.visible_to(homeowner_user)
    assert list(mine) == [homeowner_user.person]
    assert Person.objects.restrict(homeowner_user, "change").get() == homeowner_user.person
    assert Person.objects.restrict(homeowner_user, "delete").count() == 0
    assert Person.objects.visible_to(other).get().user == other


def test_role_lookups_are_cached_per_user_object(staff_user, django_assert_num_queries):
    user = type(staff_user).objects.get(pk=staff_user.pk)
    with django_assert_num_queries(2):  # groups, then whether their person holds a lease
        roles.user_roles(user)
        roles.user_roles(user)
        roles.is_staff_member(user)


def test_a_person_becomes_a_homeowner_when_their_lease_is_executed(db):
    from tests.factories import make_lease

    user = make_user("buyer", person=True)
    assert roles.user_roles(user) == frozenset()  # a login with no lease sees nothing
    lease = make_lease(people=[user.person], execute=False)
    assert roles.user_roles(type(user).objects.get(pk=user.pk)) == frozenset()  # a draft does not count
    from leases.lifecycle import services

    services.lease_event_record(lease=lease, kind="executed", actor=None, reason="signed")
    assert roles.user_roles(type(user).objects.get(pk=user.pk)) == {"homeowner", "member"}
