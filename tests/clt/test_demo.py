"""load_demo builds the same plausible trust every time and changes nothing when run again."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from clt.models import Person
from properties.models import Parcel, ParcelLineage, ParcelStatus, Unit

pytestmark = pytest.mark.django_db


def test_load_demo_is_plausible_deterministic_and_idempotent():
    out = StringIO()
    call_command("load_demo", stdout=out)
    current = Parcel.objects.exclude(status=ParcelStatus.RETIRED)
    assert current.count() >= 150
    assert Unit.objects.count() >= 150
    assert Person.objects.count() >= 150
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert {"single_family", "condo", "townhouse", "coop"} <= kinds
    assert Parcel.objects.filter(geometry__type="MultiPolygon").exists()
    assert any(len(p.geometry["coordinates"]) > 1 for p in Parcel.objects.filter(geometry__type="Polygon"))  # a hole
    assert ParcelLineage.objects.values("event__kind").distinct().count() == 2  # a split and a merge
    snapshot = sorted(Parcel.objects.values_list("apn", "area_m2", "address"))
    for username in ("staff", "homeowner", "member", "board"):
        assert authenticate(username=username, password="demo-clt-2026") is not None
    assert "staff / demo-clt-2026" in out.getvalue()

    call_command("load_demo", stdout=StringIO())
    assert sorted(Parcel.objects.values_list("apn", "area_m2", "address")) == snapshot
    assert Person.objects.count() == len(set(Person.objects.values_list("pk", flat=True)))
    # Every demo parcel lies in Burlington's Old North End.
    assert all(-73.23 < p.centroid_lon < -73.19 and 44.48 < p.centroid_lat < 44.50 for p in current)
