"""Who accepted an overlap and why survives boundary changes and re-imports.

An acceptance holds while both boundaries are the ones it was given for: a re-import that leaves
them as they were keeps it; a boundary that moves withdraws it (the overlap is reviewed again) or
replaces it with the acceptance given with the change; an overlap that is gone is removed. Each
step is a history row with the actor and the reason, and the earlier acceptance stays in history.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from clt import roles
from clt.formats import date_text
from properties import services
from properties.models import Parcel, ParcelOverlap
from tests.conftest import make_user
from tests.factories import make_parcel, square
from tests.properties.test_import import collection, feature, run, write_json

pytestmark = pytest.mark.django_db

EASEMENT = "Shared driveway easement, recorded on both deeds"


@pytest.fixture
def importer(db):
    return make_user("importer", groups=(roles.STAFF_GROUP,))


def import_file(tmp_path: Path, name: str, *features: dict, user: str, reason: str) -> None:
    run(write_json(tmp_path, name, collection(*features)), "--user", user, "--reason", reason)


@pytest.fixture
def accepted(tmp_path, staff_user, importer) -> ParcelOverlap:
    """OV-1 and OV-2 imported overlapping by 10 × 20 m, then accepted by staff with a reason."""
    import_file(
        tmp_path, "parcels.geojson", feature("OV-1", square(0, 0)), feature("OV-2", square(10, 0)),
        user="importer", reason="County parcels, 2026 roll",
    )  # fmt: skip
    return services.overlap_accept(overlap=ParcelOverlap.objects.get(), actor=staff_user, reason=EASEMENT)


def acceptance_row(overlap_id: int):
    """The history row of the staff acceptance (the one that set ``accepted_reason`` to EASEMENT)."""
    return ParcelOverlap.history.get(id=overlap_id, accepted_reason=EASEMENT, history_type="~")


def test_accepting_an_overlap_leaves_a_history_row_with_who_when_and_why(accepted, staff_user, importer, staff_api):
    created, acceptance = ParcelOverlap.history.filter(id=accepted.pk).order_by("history_date", "history_id")

    assert (created.history_type, created.history_user, created.history_change_reason) == (
        "+",
        importer,
        "County parcels, 2026 roll",
    )
    assert (acceptance.history_type, acceptance.history_user, acceptance.history_change_reason) == (
        "~",
        staff_user,
        EASEMENT,
    )
    assert (acceptance.accepted_by, acceptance.accepted_at) == (staff_user, accepted.accepted_at)
    history = staff_api.get(f"/api/v1/parcel-overlaps/{accepted.pk}/history/").json()
    assert [(h["action"], h["user"], h["reason"]) for h in history] == [
        ("changed", "staffer", EASEMENT),
        ("created", "importer", "County parcels, 2026 roll"),
    ]


def test_reimporting_the_same_boundaries_keeps_the_acceptance_untouched(tmp_path, accepted, staff_user):
    rows_before = ParcelOverlap.history.count()

    import_file(
        tmp_path, "again.geojson", feature("OV-1", square(0, 0)), feature("OV-2", square(10, 0)),
        user="importer", reason="County parcels, 2026 roll, again",
    )  # fmt: skip

    overlap = ParcelOverlap.objects.get()
    assert overlap.pk == accepted.pk
    assert (overlap.accepted_by, overlap.accepted_reason, overlap.accepted_at) == (
        staff_user,
        EASEMENT,
        accepted.accepted_at,
    )
    assert ParcelOverlap.history.count() == rows_before


def test_reimporting_with_accept_overlaps_does_not_overwrite_an_acceptance_whose_shapes_are_unchanged(
    tmp_path, accepted, staff_user
):
    same = collection(feature("OV-1", square(0, 0)), feature("OV-2", square(10, 0)))
    run(write_json(tmp_path, "again.geojson", same), "--user", "importer", "--accept-overlaps", "bulk acceptance")

    overlap = ParcelOverlap.objects.get()
    assert (overlap.accepted_by, overlap.accepted_reason) == (staff_user, EASEMENT)


def test_a_reimport_that_moves_a_boundary_withdraws_the_acceptance_and_history_keeps_it(
    tmp_path, accepted, staff_user, importer, client
):
    before = timezone.now()

    import_file(
        tmp_path, "resurvey.geojson", feature("OV-1", square(0, 0)), feature("OV-2", square(15, 0)),
        user="importer", reason="Resurvey of OV-2",
    )  # fmt: skip

    overlap = ParcelOverlap.objects.get()
    assert overlap.pk == accepted.pk  # the same overlap, not a new one
    assert overlap.area_m2 < accepted.area_m2  # 5 × 20 m now, from 10 × 20 m
    assert (overlap.accepted_at, overlap.accepted_by, overlap.accepted_reason) == (None, None, "")
    withdrawal = overlap.history.latest()
    assert withdrawal.history_type == "~" and withdrawal.history_user == importer
    assert withdrawal.history_change_reason == (
        "The boundary of OV-2 changed (Resurvey of OV-2): the overlap needs accepting again."
    )
    assert before <= withdrawal.history_date <= timezone.now()
    earlier = acceptance_row(overlap.pk)
    assert (earlier.history_user, earlier.accepted_by, earlier.accepted_at) == (
        staff_user,
        staff_user,
        accepted.accepted_at,
    )
    # The parcel page shows the earlier acceptance beside the form to accept it again.
    client.force_login(staff_user)
    page = client.get(f"/parcels/{Parcel.objects.get(apn='OV-1').pk}/").content.decode()
    when = date_text(timezone.localtime(accepted.accepted_at).date())  # "Dec. 7, 2026", not ISO
    assert f"accepted by staffer on {when} ({EASEMENT}) before a boundary changed: review it again" in page
    assert "Accept overlap" in page


def test_a_reimport_that_ends_an_overlap_removes_it_with_a_history_row(tmp_path, accepted, staff_user, importer):
    import_file(
        tmp_path, "resurvey.geojson", feature("OV-1", square(0, 0)), feature("OV-2", square(25, 0)),
        user="importer", reason="Resurvey of OV-2",
    )  # fmt: skip

    assert not ParcelOverlap.objects.exists()
    removal = ParcelOverlap.history.get(id=accepted.pk, history_type="-")
    assert removal.history_user == importer
    assert removal.history_change_reason == "Resurvey of OV-2: the parcels no longer overlap."
    assert acceptance_row(accepted.pk).history_user == staff_user


def test_editing_a_boundary_replaces_the_acceptance_and_keeps_the_earlier_one_in_history(
    accepted, staff_user, importer
):
    parcel = Parcel.objects.get(apn="OV-2")

    services.parcel_update(
        parcel=parcel,
        actor=importer,
        reason="Lot line adjustment",
        geometry=square(12, 0),
        overlap_reason="Driveway easement still shared after the adjustment",
    )

    overlap = ParcelOverlap.objects.get()
    assert overlap.pk == accepted.pk
    assert (overlap.accepted_by, overlap.accepted_reason) == (
        importer,
        "Driveway easement still shared after the adjustment",
    )
    assert overlap.accepted_at > accepted.accepted_at
    latest = overlap.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        importer,
        "Driveway easement still shared after the adjustment",
    )
    assert acceptance_row(overlap.pk).history_user == staff_user


def test_editing_a_boundary_clear_of_the_other_parcel_removes_the_overlap_with_who_and_why(
    accepted, staff_user, importer
):
    parcel = Parcel.objects.get(apn="OV-2")

    services.parcel_update(parcel=parcel, actor=importer, reason="Fence moved to the lot line", geometry=square(30, 0))

    assert not ParcelOverlap.objects.exists()
    removal = ParcelOverlap.history.get(id=accepted.pk, history_type="-")
    assert removal.history_user == importer
    assert removal.history_change_reason == (
        "The boundary of OV-2 changed (Fence moved to the lot line): the parcels no longer overlap."
    )
    assert acceptance_row(accepted.pk).accepted_reason == EASEMENT


def test_changing_a_parcel_without_moving_its_boundary_keeps_the_acceptance(accepted, staff_user, importer):
    parcel = Parcel.objects.get(apn="OV-2")

    services.parcel_update(parcel=parcel, actor=importer, reason="Address corrected", address="12 Elm Street")

    overlap = ParcelOverlap.objects.get()
    assert (overlap.accepted_by, overlap.accepted_reason) == (staff_user, EASEMENT)


def test_deleting_a_parcel_leaves_a_history_row_for_its_overlaps(staff_user):
    first = make_parcel("DEL-1", x=0)
    second = services.parcel_create(
        actor=staff_user, reason="entered by mistake", apn="DEL-2", geometry=square(10, 0), overlap_reason="test"
    )
    overlap = ParcelOverlap.objects.get()
    assert (overlap.parcel_id, overlap.other_id) == (first.pk, second.pk)

    services.parcel_delete(parcel=second, actor=staff_user, reason="Duplicate of DEL-1")

    removal = ParcelOverlap.history.get(id=overlap.pk, history_type="-")
    assert (removal.history_user, removal.history_change_reason) == (staff_user, "Duplicate of DEL-1")
    created = ParcelOverlap.history.get(id=overlap.pk, history_type="+")
    assert (created.history_user, created.history_change_reason, created.accepted_reason) == (
        staff_user,
        "test",
        "test",
    )
