"""The portfolio's and the impact report's downloads, started as jobs: a POST queues the export and leads to
the job's page, which links the file when it is built (docs/jobs.md)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clt import clock
from clt.decorators import staff_required
from leases.resale import jobs
from leases.resale.models import ResalePolicy


def _bad_request(errors: dict[str, list[str]]) -> HttpResponse:
    text = "\n".join(f"{name}: {' '.join(str(m) for m in messages)}" for name, messages in errors.items())
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


def _queued(request: HttpRequest, job_pk: int) -> HttpResponse:
    messages.success(request, _("The export is queued; this page shows its progress, then the file."))
    return redirect("jobs:job_detail", pk=job_pk)


@require_POST
@staff_required
def portfolio_export(request: HttpRequest) -> HttpResponse:
    raw = (request.GET.get("as_of") or "").strip()
    try:
        as_of = dt.date.fromisoformat(raw) if raw else clock.today()
    except ValueError:
        return _bad_request({"as_of": [_("Enter a valid date.")]})
    program = (request.GET.get("program") or "").strip() or None
    if program and not ResalePolicy.objects.filter(name__iexact=program).exists():
        return _bad_request({"program": [_("No resale program has this name.")]})
    job = jobs.portfolio_csv_enqueue(actor=request.user, as_of=as_of, program=program)
    return _queued(request, job.pk)


@require_POST
@staff_required
def impact_export(request: HttpRequest) -> HttpResponse:
    query = {key: request.GET.get(key, "") for key in request.GET if key not in ("format", "level")}
    try:
        job = jobs.impact_export_enqueue(
            actor=request.user,
            query=query,
            output=request.GET.get("format", "csv"),
            level=request.GET.get("level", "resale"),
        )
    except ValidationError as error:
        return _bad_request(error.message_dict)
    return _queued(request, job.pk)
