"""A big parcel import as a job (``import_parcels FILE --queue``): the file kept in the job files, the real
worker importing it with progress, a failure listing the bad features, and a second run adding nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from clt.jobs.models import Job, JobStatus
from clt.jobs.services import job_retry
from properties.models import Parcel
from tests.conftest import run_queued_jobs
from tests.properties.test_import import bowtie, collection, feature, good_collection, write_json

pytestmark = pytest.mark.django_db


def queue(path, *args: str) -> Job:
    out = io.StringIO()
    call_command("import_parcels", str(path), "--queue", *args, stdout=out, stderr=io.StringIO())
    job = Job.objects.latest("pk")
    assert f"Queued as job {job.pk}" in out.getvalue()
    return job


def test_a_queued_import_is_run_by_the_worker_and_a_second_adds_nothing(tmp_path, staff_user):
    path = write_json(tmp_path, "parcels.geojson", good_collection())
    job = queue(path, "--user", staff_user.username, "--reason", "county file")
    path.unlink()  # the worker reads the job's copy, not the operator's file
    assert job.requested_by == staff_user and not Parcel.objects.exists()
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result_summary == "Imported 3 parcels: 3 new, 0 updated, 0 unchanged."
    assert (job.progress_done, job.progress_total) == (3, 3) and job.result_url == "/parcels/"
    assert sorted(Parcel.objects.values_list("apn", flat=True)) == ["G-1", "G-2", "G-3"]
    assert Parcel.history.filter(history_change_reason="county file").count() == 3

    again = queue(write_json(tmp_path, "parcels.geojson", good_collection()))
    run_queued_jobs()
    again.refresh_from_db()
    assert again.status == JobStatus.SUCCEEDED and again.already_done
    assert again.result_summary == "Imported 3 parcels: 0 new, 0 updated, 3 unchanged."
    assert Parcel.objects.count() == 3 and Parcel.history.count() == 3


def test_a_bad_file_fails_naming_its_features_and_nothing_is_imported(tmp_path, staff_user):
    bad = collection(*good_collection()["features"], feature("B-1", bowtie(300, 0)))
    job = queue(write_json(tmp_path, "bad.geojson", bad))
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("1 bad feature in bad.geojson; nothing was imported.") and "B-1" in job.error
    assert not Parcel.objects.exists()
    # Retried as it is, it fails the same way, and still writes nothing.
    job_retry(actor=staff_user, job=job)
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 2 and not Parcel.objects.exists()
