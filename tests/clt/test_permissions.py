"""The shared permission layer: restrict(user, action) scopes every queryset."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from clt import clock, roles
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
    with django_assert_num_queries(1):  # groups, leases, membership and board terms in one query
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


def test_the_compiled_roles_query_answers_as_the_orm_query_for_every_user_and_day(users, db):
    """``user_roles`` runs the roles query compiled once with stand-ins for the user and the day: the same
    facts as the query built afresh, for each role, on days before and after a lease begins."""
    from leases.lifecycle.models import GroundLease

    commencement = GroundLease.objects.get(leaseholders__person__user=users["homeowner"]).commencement
    days = [commencement - dt.timedelta(days=1), commencement, clock.today(), dt.date(2090, 1, 1)]
    seen = set()
    for role in ("staff", "member", "board", "homeowner"):
        for day in days:
            user = type(users[role]).objects.get(pk=users[role].pk)
            with clock.fixed_at(day):
                compiled = roles._role_facts(user)
            built = tuple(bool(v) for v in roles.roles_query(user, day).first())
            assert compiled == built, (role, day)
            seen.add((role, compiled))
    # The days matter: the homeowner is a lessee member from the lease's first day only.
    assert len({facts for role, facts in seen if role == "homeowner"}) == 2


def test_on_postgresql_the_roles_query_is_prepared_once_a_session_and_still_counted(
    users, django_assert_num_queries
):
    """PostgreSQL plans the roles query once per connection (clt/roles.py: 2 ms of planning a request);
    it is still one query in Django's log, and it answers as the unprepared query does."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for _ in range(3):
        for role in ("staff", "homeowner"):
            user = type(users[role]).objects.get(pk=users[role].pk)
            with django_assert_num_queries(1):
                facts = roles._role_facts(user)
            assert facts == tuple(bool(v) for v in roles.roles_query(user, clock.today()).first())
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert len([sql for sql in prepared if '"auth_group"' in sql]) == 1  # one statement, reused
