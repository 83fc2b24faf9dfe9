"""clt.constraints: a constraint is skipped only when Django's own query would pass it too.

Django's ``constraint.validate`` (a query on the database the suite runs on, SQLite or PostgreSQL) is
the oracle: for every instance below and every constraint of its model, when ``certainly_passes`` says
the query can be skipped, the query must find nothing wrong; and each instance built to break a
constraint is not skipped.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint, F, Q

from clt import history
from clt.constraints import certainly_passes
from governance.board.models import BoardTerm
from governance.meetings.models import Proxy
from leases.lifecycle.models import GroundLease
from properties.models import Parcel
from tests.factories import make_lease, make_parcel

pytestmark = pytest.mark.django_db


def _django_passes(constraint, instance) -> bool:
    try:
        constraint.validate(type(instance), instance, exclude=set())
    except ValidationError:
        return False
    return True


def _instances() -> list:
    lease = make_lease()
    other = make_lease(execute=False)
    return [
        Parcel(apn="A", area_m2=Decimal("0"), acquisition_price=None),
        Parcel(apn="B", area_m2=Decimal("12.5"), acquisition_price=Decimal("0.00")),
        Parcel(apn="C", area_m2=Decimal("-1"), acquisition_price=Decimal("10")),  # breaks area >= 0
        Parcel(apn="D", area_m2=Decimal("5"), acquisition_price=Decimal("-0.01")),  # breaks the price rule
        Parcel(apn="E", area_m2=None, acquisition_price=None),  # NULL: a CHECK on it passes
        Proxy(meeting_id=1, election_id=None, grantor_id=1, holder_id=2),
        Proxy(meeting_id=None, election_id=None, grantor_id=1, holder_id=2),  # neither occasion
        Proxy(meeting_id=1, election_id=1, grantor_id=1, holder_id=2),  # both occasions
        Proxy(meeting_id=1, election_id=None, grantor_id=3, holder_id=3),  # to oneself
        Proxy(meeting_id=1, election_id=None, grantor_id=1, holder_id=2, revoked_on=dt.date(2026, 1, 1)),
        BoardTerm(starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2027, 1, 1)),
        BoardTerm(starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 1, 1)),  # ends when it starts
        BoardTerm(starts_on=dt.date(2026, 1, 1), ends_on=None),
        # A second active lease on the same home collides; a draft one does not.
        GroundLease(unit_id=lease.unit_id, template_version_id=lease.template_version_id, status="active"),
        GroundLease(unit_id=lease.unit_id, template_version_id=lease.template_version_id, status="draft"),
        GroundLease(unit_id=other.unit_id, template_version_id=other.template_version_id, status="active"),
        lease,
    ]


def test_a_skipped_constraint_is_one_django_passes_and_each_broken_one_is_asked():
    seen = {"skipped": 0, "asked": 0}
    broken = []
    for instance in _instances():
        for _model, constraints in instance.get_constraints():
            for constraint in constraints:
                skipped = certainly_passes(constraint, instance, set())
                passes = _django_passes(constraint, instance)
                assert passes or not skipped, (type(instance).__name__, constraint.name, instance.__dict__)
                seen["skipped" if skipped else "asked"] += 1
                if not passes:
                    broken.append(constraint.name)
    # Most are decided without a query, and each instance built to break a constraint breaks it.
    assert seen["skipped"] > seen["asked"]
    assert broken == [
        "properties_parcel_area_not_negative",
        "properties_parcel_price_not_negative",
        "governance_proxy_one_occasion",
        "governance_proxy_one_occasion",
        "governance_proxy_not_to_self",
        "governance_boardterm_ends_after_start",
        "leases_groundlease_one_active_per_home",
    ]


def test_three_valued_logic_as_sql():
    unknown = Parcel(area_m2=None)
    check = CheckConstraint(condition=Q(area_m2__gte=0), name="c")
    assert certainly_passes(check, unknown, set())  # NULL >= 0 is unknown: a CHECK passes
    negated = CheckConstraint(condition=~Q(area_m2__gte=0), name="n")
    assert certainly_passes(negated, unknown, set())  # NOT unknown is unknown
    assert not certainly_passes(negated, Parcel(area_m2=Decimal("1")), set())
    either = CheckConstraint(condition=Q(area_m2__gte=0) | Q(apn="X"), name="o")
    assert not certainly_passes(either, Parcel(area_m2=Decimal("-1"), apn="Y"), set())
    assert certainly_passes(either, Parcel(area_m2=Decimal("-1"), apn="X"), set())


def test_what_python_cannot_judge_is_left_to_the_database():
    contains = CheckConstraint(condition=Q(apn__contains="-"), name="k")
    assert not certainly_passes(contains, Parcel(apn="A-1"), set())
    expression = CheckConstraint(condition=Q(area_m2__gte=F("area_m2") - 1), name="e")
    assert not certainly_passes(expression, Parcel(area_m2=Decimal("1")), set())
    excluded = CheckConstraint(condition=Q(area_m2__gte=0), name="x")
    assert not certainly_passes(excluded, Parcel(area_m2=Decimal("1")), {"area_m2"})


def test_full_clean_still_refuses_a_broken_constraint_with_its_message():
    parcel = make_parcel("Q-1")
    parcel.area_m2 = Decimal("-3")
    with pytest.raises(ValidationError) as caught:
        history.full_clean(parcel)
    assert "The area cannot be negative." in str(caught.value)


def test_saving_a_parcel_asks_no_query_for_its_check_constraints(django_assert_num_queries):
    parcel = make_parcel("Q-2")
    parcel.area_m2 = Decimal("99")
    # The unique APN is still asked of the database (one query); the two CHECKs are not.
    with django_assert_num_queries(1):
        history.full_clean(parcel)
