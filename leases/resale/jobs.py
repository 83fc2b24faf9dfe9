"""The staff exports that build big files, as jobs (docs/jobs.md): the resale portfolio CSV and the funder
impact report (CSV of resales or of programs, or the PDF). The job calls the same functions as the pages and
the API and stores the file; an export has no side effect, so a retry simply builds it again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from clt import pdf
from clt.csvexport import csv_lines
from clt.csvresponse import safe_filename
from clt.jobs.models import Job
from clt.jobs.registry import JobKind, Outcome, Progress
from clt.jobs.services import job_enqueue
from leases.lifecycle.models import GroundLease
from leases.resale import portfolio, reports
from leases.resale.views.reports import report_context

__all__ = ["IMPACT_EXPORT", "PORTFOLIO_CSV", "impact_export_enqueue", "portfolio_csv_enqueue"]

PORTFOLIO_CSV = "portfolio_csv"
IMPACT_EXPORT = "impact_export"
IMPACT_OUTPUTS = ("csv", "pdf")
IMPACT_LEVELS = ("resale", "program")


def portfolio_csv_enqueue(*, actor: Any, as_of: dt.date, program: str | None) -> Job:
    title = _("Resale portfolio CSV, valued on %(date)s") % {"date": as_of.isoformat()}
    if program:
        title += f" ({program})"
    return job_enqueue(
        actor=actor, kind=PORTFOLIO_CSV, title=title, params={"as_of": as_of.isoformat(), "program": program or None}
    )


def _portfolio_csv(job: Job, progress: Progress) -> Outcome:
    as_of = dt.date.fromisoformat(job.params["as_of"])
    progress(_("valuing the leases"), 0, 2)
    found = portfolio.resale_portfolio(
        as_of=as_of, leases=GroundLease.objects.visible_to(job.requested_by), program=job.params.get("program")
    )
    progress(_("writing the CSV"), 1, 2)
    text = "".join(csv_lines(portfolio.csv_records(found), header=portfolio.CSV_COLUMNS))
    summary = _("%(count)s leases valued on %(date)s.") % {"count": len(found.rows), "date": as_of.isoformat()}
    return Outcome(
        summary=summary,
        file=ContentFile(text.encode("utf-8")),
        file_name=safe_filename(f"resale-portfolio-{as_of.isoformat()}.csv"),
    )


def impact_export_enqueue(*, actor: Any, query: dict[str, str], output: str, level: str) -> Job:
    """Check the parameters as the page does (a refusal names the field), then queue the export."""
    errors: dict[str, list[str]] = {}
    if output not in IMPACT_OUTPUTS:
        errors["format"] = [_("Choose csv or pdf.")]
    if level not in IMPACT_LEVELS:
        errors["level"] = [_("Choose resale or program.")]
    form = reports.ImpactParametersForm(data=reports.parameters_from(query))
    if not form.is_valid():
        errors.update(form.errors)
    if errors:
        raise ValidationError(errors)
    data = form.cleaned_data
    title = _("Funder impact report %(start)s to %(end)s (%(format)s)") % {
        "start": data["start"].isoformat(),
        "end": data["end"].isoformat(),
        "format": _("PDF")
        if output == "pdf"
        else (_("CSV, one row per program") if level == "program" else _("CSV, one row per resale")),
    }
    params = {"query": dict(query), "format": output, "level": level}
    return job_enqueue(actor=actor, kind=IMPACT_EXPORT, title=title, params=params)


def _impact_export(job: Job, progress: Progress) -> Outcome:
    form = reports.ImpactParametersForm(data=reports.parameters_from(job.params["query"]))
    if not form.is_valid():
        raise ValidationError(form.errors)
    data = form.cleaned_data
    progress(_("building the report"), 0, 2)
    report = reports.build_impact_report(
        user=job.requested_by, start=data["start"], end=data["end"], assumptions=form.assumptions()
    )
    progress(_("writing the file"), 1, 2)
    stem = f"impact-{data['start'].isoformat()}-{data['end'].isoformat()}"
    if job.params["format"] == "pdf":
        body = pdf.render_pdf("pdf/impact_report.html", report_context(report, form))
        return Outcome(summary=_("The report as PDF."), file=ContentFile(body), file_name=f"{stem}.pdf")
    program_level = job.params["level"] == "program"
    rows = reports.program_rows(report) if program_level else reports.resale_rows(report)
    text = "".join(csv_lines(rows))
    name = safe_filename(f"{stem}{'-programs' if program_level else ''}.csv")
    return Outcome(summary=_("The report as CSV."), file=ContentFile(text.encode("utf-8")), file_name=name)


PORTFOLIO_KIND = JobKind(PORTFOLIO_CSV, _portfolio_csv)
IMPACT_KIND = JobKind(IMPACT_EXPORT, _impact_export)
