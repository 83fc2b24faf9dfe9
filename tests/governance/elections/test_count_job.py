"""The count as a job: the officer's button queues it, the real worker counts, the job's page links the
results; a second click while it waits leads to the same job; a certified election is not counted again."""

from __future__ import annotations

import pytest
from django.test import Client

from clt.jobs.models import Job, JobStatus
from clt.jobs.runner import run_job
from governance.elections.models import ElectionPhase
from tests.conftest import make_user, run_queued_jobs
from tests.governance import all_services as gs
from tests.governance.elections.test_elections_core import build_election, cast_worked_example, make_officer

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_count_button_queues_a_job_that_counts_and_links_the_results():
    officer = make_officer()
    election, stv, _plurality, codes = build_election(officer=officer)
    cast_worked_example(stv, codes)
    gs.election_close(actor=officer, reason="polls closed", election=election)
    action = f"/governance/elections/{election.pk}/action/"
    first = client_for(officer).post(action, {"action": "count", "reason": "count"})
    second = client_for(officer).post(action, {"action": "count", "reason": "count again"})
    job = Job.objects.get()
    assert first["Location"] == second["Location"] == f"/jobs/{job.pk}/"
    election.refresh_from_db()
    assert election.phase == ElectionPhase.CLOSED and job.status == JobStatus.QUEUED  # not counted in the request
    page = client_for(officer).get(f"/jobs/{job.pk}/")
    assert page.status_code == 200 and f"Count of {election.name}" in page.content.decode()

    run_queued_jobs()

    job.refresh_from_db()
    election.refresh_from_db()
    stv.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and election.phase == ElectionPhase.COUNTED
    assert sorted(stv.result["winners"]) == ["A Candidate", "C Candidate"]
    assert job.result_url == f"/governance/elections/{election.pk}/"
    body = client_for(officer).get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/governance/elections/{election.pk}/"' in body

    # Certified, it is not counted again: the job says "already done" and links the same results.
    gs.election_certify(actor=officer, reason="sign", election=election)
    again = Job.objects.create(kind="election_count", title="again", params={"election": election.pk, "reason": "x"})
    run_job.enqueue(again.pk)
    run_queued_jobs()
    again.refresh_from_db()
    assert again.status == JobStatus.SUCCEEDED and again.already_done


def test_someone_who_may_not_run_the_election_cannot_queue_its_count():
    officer = make_officer()
    election, _stv, _plurality, _codes = build_election(officer=officer)
    member = make_user("count-member", person=True)
    url = f"/governance/elections/{election.pk}/action/"
    response = client_for(member).post(url, {"action": "count", "reason": "x"})
    assert response.status_code in (403, 404)
    assert not Job.objects.exists()
