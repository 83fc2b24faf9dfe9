"""The deadlines email as a job (``manage.py deadlines --queue``): the real worker sends it, each address is
recorded as it is sent, and a retry after a failed send emails nobody twice."""

from __future__ import annotations

import smtplib
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command

from clt.jobs.models import Job, JobStatus
from clt.jobs.services import job_retry
from tests.conftest import run_queued_jobs
from tests.leases.test_commands import due_things, staff_team  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

REFUSED: list[str] = []


class RefusesOnce(EmailBackend):
    """The test mailbox, whose server refuses each address in ``REFUSED`` once (a server that hung up)."""

    def send_messages(self, messages):
        for message in messages:
            if message.to[0] in REFUSED:
                REFUSED.remove(message.to[0])
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def queue(*args: str) -> Job:
    out = StringIO()
    call_command("deadlines", "--queue", *args, stdout=out)
    job = Job.objects.latest("pk")
    assert f"Queued as job {job.pk}" in out.getvalue()
    return job


def test_the_deadlines_job_emails_each_staff_member_once(staff_team, due_things, mailoutbox):  # noqa: F811
    job = queue()
    assert job.kind == "deadline_emails" and mailoutbox == []
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert sorted(m.to[0] for m in mailoutbox) == ["clerk@example.org", "staffer@example.org"]
    assert mailoutbox[0].subject == "Lease deadlines: 1 item overdue, 3 due or overdue within 90 days"
    assert sorted(job.state["sent"]) == ["clerk@example.org", "staffer@example.org"]
    assert job.result_summary == "Sent the deadlines to 2 staff members (0 had it already)."

    # The same day queued again (a cron run twice): nobody gets it twice, and the job says so.
    again = queue()
    run_queued_jobs()
    again.refresh_from_db()
    assert again.status == JobStatus.SUCCEEDED and again.already_done and len(mailoutbox) == 2


def test_a_failed_send_is_retried_without_emailing_anyone_twice(staff_team, due_things, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "tests.leases.test_deadline_jobs.RefusesOnce"
    mail.outbox = []
    REFUSED[:] = ["clerk@example.org"]  # the second recipient (oldest account first)
    job = queue()
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "SMTPServerDisconnected" in job.error
    assert [m.to[0] for m in mail.outbox] == job.state["sent"] == ["staffer@example.org"]
    job_retry(actor=staff_team[0], job=job)
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["clerk@example.org", "staffer@example.org"]  # once each


def test_with_nobody_to_email_the_job_fails_saying_why(db, due_things):  # noqa: F811
    job = queue()
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("No active staff user has an email address")
