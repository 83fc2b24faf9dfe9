"""The portfolio CSV and the impact report's files, built as jobs by the real worker (docs/jobs.md): the file
the job stores is the one the API or the page sends, and only staff start one."""

from __future__ import annotations

import pytest

from clt.jobs.models import Job, JobStatus
from tests.conftest import run_queued_jobs
from tests.leases.resale.test_impact_report import PAGE, PROGRAM, YEAR_2022, program, resold  # noqa: F401
from tests.leases.resale.test_portfolio import book  # noqa: F401

pytestmark = pytest.mark.django_db


def stored(job: Job) -> bytes:
    with job.result_file.open("rb") as handle:
        return handle.read()


def test_the_portfolio_csv_job_stores_the_apis_csv(book, client, api_for, staff_user):  # noqa: F811
    client.force_login(staff_user)
    response = client.post("/leases/portfolio/export/?as_of=2026-06-30")
    job = Job.objects.get(kind="portfolio_csv")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.title == "Resale portfolio CSV, valued on 2026-06-30"
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result_summary == "4 leases valued on 2026-06-30."
    assert job.result_file.name.endswith("resale-portfolio-2026-06-30.csv")
    api = api_for("staff").get("/api/v1/resale/portfolio/", {"as_of": "2026-06-30", "format": "csv"})
    assert stored(job) == b"".join(api.streaming_content)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/jobs/{job.pk}/file/"' in page


def test_the_portfolio_export_refuses_bad_input_and_non_staff(book, client, homeowner_user, staff_user):  # noqa: F811
    client.force_login(staff_user)
    bad = client.post("/leases/portfolio/export/?as_of=2026-02-30")
    assert bad.status_code == 400 and bad.content.decode().startswith("as_of:")
    unknown = client.post("/leases/portfolio/export/?program=Nowhere")
    assert unknown.status_code == 400 and unknown.content.decode().startswith("program:")
    assert client.get("/leases/portfolio/export/").status_code == 405
    client.force_login(homeowner_user)
    assert client.post("/leases/portfolio/export/").status_code == 403
    assert not Job.objects.exists()


@pytest.mark.parametrize("level", ["resale", "program"])
def test_the_impact_csv_job_stores_the_pages_csv(client, program, staff_user, level):  # noqa: F811
    resold(program)
    client.force_login(staff_user)
    page = client.get(f"{PAGE}?{YEAR_2022}").content.decode()
    assert f'action="/leases/reports/impact/export/?{YEAR_2022.replace("&", "&amp;")}&amp;format=csv"' in page
    response = client.post(f"{PAGE}export/?{YEAR_2022}&format=csv&level={level}")
    job = Job.objects.get(kind="impact_export")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    direct = client.get(f"{PAGE}?{YEAR_2022}&format=csv&level={level}")
    assert stored(job) == b"".join(direct.streaming_content)
    assert PROGRAM.encode() in stored(job)


def test_the_impact_pdf_job_stores_a_pdf(client, program, staff_user):  # noqa: F811
    resold(program)
    client.force_login(staff_user)
    client.post(f"{PAGE}export/?{YEAR_2022}&format=pdf")
    run_queued_jobs()
    job = Job.objects.get(kind="impact_export")
    assert job.status == JobStatus.SUCCEEDED and job.result_file.name.endswith("impact-2022-01-01-2022-12-31.pdf")
    assert stored(job).startswith(b"%PDF")


def test_the_impact_export_refuses_bad_parameters_with_the_field(client, staff_user):
    client.force_login(staff_user)
    bad = client.post(f"{PAGE}export/?term_years=45&format=csv")
    assert bad.status_code == 400 and bad.content.decode().startswith("term_years:")
    assert client.post(f"{PAGE}export/?format=xls").content.decode().startswith("format:")
    assert not Job.objects.exists()
