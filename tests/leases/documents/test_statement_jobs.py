"""The month's statements as a job (docs/jobs.md): the real worker renders them into the job files and a ZIP;
a retry or a second batch of the same month renders none twice."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clt import roles
from clt.jobs.models import Job, JobStatus, job_storage
from clt.jobs.services import job_retry
from leases.documents import jobs as document_jobs
from tests.conftest import make_user, run_queued_jobs
from tests.leases.documents.test_documents import (  # noqa: F401  (fixtures)
    alice,
    billed,
    pdf_text,
    portfolio,
    version,
)

pytestmark = pytest.mark.django_db


def zip_names(job: Job) -> list[str]:
    with job.result_file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as bundle:
        return sorted(bundle.namelist())


def test_a_statement_batch_job_renders_each_statement_once(portfolio, monkeypatch):  # noqa: F811
    staff = make_user("statements-staff", groups=(roles.STAFF_GROUP,))
    job = document_jobs.statements_enqueue(actor=staff, month="2025-06")
    rendered: list[int] = []
    real = document_jobs.statement_pdfs

    def counted(ids, **kwargs):
        rendered.extend(ids)
        return real(ids, **kwargs)

    monkeypatch.setattr(document_jobs, "statement_pdfs", counted)
    run_queued_jobs()
    job.refresh_from_db()
    expected = sorted(f"lease-{portfolio[k].pk}-statement-2025-06.pdf" for k in ("billed", "paid_up", "in_arrears"))
    assert job.status == JobStatus.SUCCEEDED and not job.already_done
    assert zip_names(job) == expected and len(rendered) == 3
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert job.result_summary == "3 statements for 2025-06 in all; 3 rendered now."
    stored = job_storage().open(f"statements/2025-06/lease-{portfolio['in_arrears'].pk}-statement-2025-06.pdf").read()
    assert re.search(r"Closing balance \$0\.00 \$0\.00 \$135\.00", pdf_text(stored))

    # The same month again: nothing is rendered twice, and the job says so.
    again = document_jobs.statements_enqueue(actor=staff, month="2025-06")
    run_queued_jobs()
    again.refresh_from_db()
    assert again.status == JobStatus.SUCCEEDED and again.already_done and len(rendered) == 3
    assert zip_names(again) == expected
    assert sorted(job_storage().listdir("statements/2025-06")[1]) == expected


def test_a_failed_batch_retried_renders_only_what_is_missing(portfolio, monkeypatch):  # noqa: F811
    staff = make_user("statements-staff", groups=(roles.STAFF_GROUP,))
    monkeypatch.setattr(document_jobs, "DEFAULT_BATCH", 2)
    rendered: list[int] = []
    real = document_jobs.statement_pdfs

    def fails_on_the_second_batch(ids, **kwargs):
        if rendered:
            raise OSError("disk full")
        rendered.extend(ids)
        return real(ids, **kwargs)

    monkeypatch.setattr(document_jobs, "statement_pdfs", fails_on_the_second_batch)
    job = document_jobs.statements_enqueue(actor=staff, month="2025-03")
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "OSError: disk full" in job.error
    assert (job.progress_done, job.progress_total) == (2, 4)
    assert len(job_storage().listdir("statements/2025-03")[1]) == 2

    def counted(ids, **kwargs):
        rendered.extend(ids)
        return real(ids, **kwargs)

    monkeypatch.setattr(document_jobs, "statement_pdfs", counted)
    job_retry(actor=staff, job=job)
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    assert len(rendered) == 4 and len(set(rendered)) == 4  # the first two were not rendered again
    assert len(zip_names(job)) == 4


def test_the_command_queues_the_batch_and_follows_it(portfolio):  # noqa: F811
    stdout = io.StringIO()
    call_command("statements", "--month", "2025-06", "--queue", stdout=stdout, stderr=io.StringIO())
    job = Job.objects.get(kind="statements")
    assert f"Queued as job {job.pk}" in stdout.getvalue() and job.status == JobStatus.QUEUED
    run_queued_jobs()
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    with pytest.raises(CommandError, match="give --queue too"):
        call_command("statements", "--month", "2025-06", "--wait")
