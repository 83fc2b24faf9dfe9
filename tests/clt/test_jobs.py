"""Jobs (docs/jobs.md): queued by a page, run by the real worker (``db_worker --batch`` on the suite's database,
SQLite or PostgreSQL), progress stored, a failure recorded in words, a retry that does not redo the work, and
nobody sees another person's job."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django_tasks_db.models import DBTaskResult

from clt import roles
from clt.jobs import registry
from clt.jobs.models import Job, JobStatus
from clt.jobs.runner import ProgressWriter, run_job
from clt.jobs.services import job_enqueue, job_retry
from tests.conftest import make_user, run_queued_jobs

# A kind of the tests' own: it "produces" numbered items into the job's state, one per step, and fails once
# at item 3 when asked to; a retry goes on from where it stopped, as the real kinds do.
WORK: list[int] = []


def _steps(job: Job, progress: registry.Progress) -> registry.Outcome:
    total = job.params["total"]
    made = job.state.setdefault("made", [])
    for item in range(1, total + 1):
        if item in made:
            continue
        if item == 3 and job.params.get("fail_once") and job.attempts == 1:
            raise ValueError("the third item could not be made")
        WORK.append(item)
        made.append(item)
        job.save(update_fields=["state"])
        progress("making", item, total)
    if job.params.get("file"):
        return registry.Outcome(summary="Made.", file=ContentFile(b"a,b\n1,2\n"), file_name="made.csv")
    return registry.Outcome(summary=f"{len(made)} items made.", already_done=not WORK)


@pytest.fixture(autouse=True)
def _steps_kind():
    registry.register(registry.JobKind("test_steps", _steps, may_retry=lambda user, job: True))
    WORK.clear()
    yield
    WORK.clear()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff(db):
    return make_user("jobs-staff", groups=(roles.STAFF_GROUP,))


@pytest.fixture
def member(db):
    return make_user("jobs-member", groups=(roles.MEMBER_GROUP,), person=True)


def test_a_queued_job_is_run_by_the_worker_and_its_page_shows_the_result(staff):
    job = job_enqueue(actor=staff, kind="test_steps", title="Five steps", params={"total": 5})
    assert job.status == JobStatus.QUEUED and job.task_id
    assert DBTaskResult.objects.get(id=job.task_id).task_path == "clt.jobs.runner.run_job"
    page = client_for(staff).get(f"/jobs/{job.pk}/")
    assert page.status_code == 200 and 'http-equiv="refresh"' in page.content.decode()  # the no-JS fallback
    assert "job-progress.js" in page.content.decode()
    assert 'data-count-template="{done} of {total}"' in page.content.decode()  # the poll's words, translated

    run_queued_jobs()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1
    assert (job.progress_done, job.progress_total, job.percent) == (5, 5, 100)
    assert job.result_summary == "5 items made." and WORK == [1, 2, 3, 4, 5]
    assert job.started <= job.finished
    body = client_for(staff).get(f"/jobs/{job.pk}/").content.decode()
    assert "5 items made." in body and 'http-equiv="refresh"' not in body and "Retry" not in body
    status = client_for(staff).get(f"/jobs/{job.pk}/status.json").json()
    assert status == {
        "id": job.pk,
        "status": "succeeded",
        "status_label": "Succeeded",
        "done": 5,
        "total": 5,
        "percent": 100,
        "message": "making",
        "active": False,
    }
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


def test_a_failure_is_recorded_in_words_and_a_retry_finishes_without_redoing(staff):
    job = job_enqueue(actor=staff, kind="test_steps", title="Fails once", params={"total": 4, "fail_once": True})
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 1 and WORK == [1, 2]
    assert "ValueError: the third item could not be made" in job.error
    assert job.progress_done == 2 and job.progress_total == 4  # stored as it went
    body = client_for(staff).get(f"/jobs/{job.pk}/").content.decode()
    assert "the third item could not be made" in body and ">Retry</button>" in body

    response = client_for(staff).post(f"/jobs/{job.pk}/retry/")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2 and job.error == ""
    assert WORK == [1, 2, 3, 4]  # 1 and 2 were not made twice
    # Only a failed job can be retried: a second retry is refused in words, nothing queued.
    again = client_for(staff).post(f"/jobs/{job.pk}/retry/", follow=True)
    assert "Only a failed job can be retried" in again.content.decode()
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_committed_jobs_exactly_as_in_production():
    """No test transaction around it: the worker's own connection handling, claim and commit, untouched."""
    staff = make_user("jobs-staff-committed", groups=(roles.STAFF_GROUP,))
    first = job_enqueue(actor=staff, kind="test_steps", title="One", params={"total": 3})
    second = job_enqueue(actor=staff, kind="test_steps", title="Two", params={"total": 4, "fail_once": True})
    run_queued_jobs()
    assert Job.objects.get(pk=first.pk).status == JobStatus.SUCCEEDED
    assert Job.objects.get(pk=second.pk).status == JobStatus.FAILED
    assert DBTaskResult.objects.get(id=second.task_id).status == "FAILED"
    job_retry(actor=staff, job=Job.objects.get(pk=second.pk))
    run_queued_jobs()
    assert Job.objects.get(pk=second.pk).status == JobStatus.SUCCEEDED
    assert WORK == [1, 2, 3, 1, 2, 3, 4]


def test_a_task_queued_twice_does_not_run_a_finished_job_again(staff):
    job = job_enqueue(actor=staff, kind="test_steps", title="Twice", params={"total": 2})
    run_job.enqueue(job.pk)
    run_queued_jobs()
    assert WORK == [1, 2]
    assert Job.objects.get(pk=job.pk).attempts == 1


def test_a_produced_file_is_stored_and_downloaded_by_whoever_may_see_the_job(staff, member):
    job = job_enqueue(actor=staff, kind="test_steps", title="A file", params={"total": 1, "file": True})
    run_queued_jobs()
    job.refresh_from_db()
    assert job.result_file.name.endswith(".csv")
    download = client_for(staff).get(f"/jobs/{job.pk}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"a,b\n1,2\n"
    assert 'filename="made' in download["Content-Disposition"]
    assert client_for(member).get(f"/jobs/{job.pk}/file/").status_code == 404


def test_progress_is_written_throttled_not_once_per_row(staff):
    job = job_enqueue(actor=staff, kind="test_steps", title="Many", params={"total": 1})
    writer = ProgressWriter(job.pk, interval=60)
    for done in range(1, 10_001):
        writer("rows", done, 10_000)
    assert writer.writes == 2  # the first and the last
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.progress_message) == (10_000, 10_000, "rows")


def test_nobody_sees_or_retries_another_persons_job(staff, member):
    theirs = job_enqueue(actor=staff, kind="test_steps", title="Staff's", params={"total": 4, "fail_once": True})
    mine = job_enqueue(actor=member, kind="test_steps", title="Mine", params={"total": 1})
    run_queued_jobs()
    client = client_for(member)
    assert client.get(f"/jobs/{mine.pk}/").status_code == 200
    for url in (f"/jobs/{theirs.pk}/", f"/jobs/{theirs.pk}/status.json", f"/jobs/{theirs.pk}/file/", "/jobs/999999/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/jobs/{theirs.pk}/retry/").status_code == 404
    assert Job.objects.get(pk=theirs.pk).status == JobStatus.FAILED
    listing = client.get("/jobs/").content.decode()
    assert "Mine" in listing and "Staff&#x27;s" not in listing and "Staff's" not in listing
    staff_listing = client_for(staff).get("/jobs/").content.decode()
    assert "Mine" in staff_listing and "Staff&#x27;s" in staff_listing
    assert Client().get("/jobs/").status_code == 302  # to the login page


def test_a_retry_by_someone_the_kind_does_not_allow_is_refused(staff, member):
    registry.register(registry.JobKind("test_steps", _steps))  # staff only
    job = job_enqueue(actor=member, kind="test_steps", title="Mine", params={"total": 4, "fail_once": True})
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert ">Retry</button>" not in client_for(member).get(f"/jobs/{job.pk}/").content.decode()
    assert client_for(member).post(f"/jobs/{job.pk}/retry/").status_code == 403
    with pytest.raises(Exception, match="Only staff"):
        job_retry(actor=member, job=job)
    job_retry(actor=staff, job=job)
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED


def test_the_list_page_runs_a_fixed_number_of_queries(staff, django_assert_max_num_queries):
    for n in range(30):
        job_enqueue(actor=staff, kind="test_steps", title=f"Job {n}", params={"total": 1})
    client = client_for(staff)
    client.get("/jobs/")
    with django_assert_max_num_queries(12):
        response = client.get("/jobs/")
    assert response.status_code == 200 and response.content.decode().count("/jobs/") >= 30


def test_a_job_whose_kind_the_worker_does_not_know_fails_saying_so(staff):
    job = job_enqueue(actor=staff, kind="test_steps", title="Orphan", params={"total": 1})
    Job.objects.filter(pk=job.pk).update(kind="gone_kind")
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "gone_kind" in job.error


def test_a_job_queued_by_a_command_shows_who_asked_in_words(staff):
    job = job_enqueue(actor=None, kind="test_steps", title="From cron", params={"total": 1})
    client = client_for(staff)
    for url in ("/jobs/", f"/jobs/{job.pk}/"):
        response = client.get(url)
        assert response.status_code == 200 and "a scheduled command" in response.content.decode(), url


def test_a_worker_stopped_mid_job_leaves_it_failed_and_retryable(staff):
    def stopped(job, progress):
        raise SystemExit(1)  # what the worker's second Ctrl-C raises inside the task

    registry.register(registry.JobKind("test_stopped", stopped))
    job = job_enqueue(actor=staff, kind="test_stopped", title="Stopped", params={})
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == "The worker was stopped while the job ran. Retry it."
    assert ">Retry</button>" in client_for(staff).get(f"/jobs/{job.pk}/").content.decode()
