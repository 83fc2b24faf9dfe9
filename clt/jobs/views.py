"""``/jobs/``: my jobs (staff: everyone's), one job's progress and result, its poll, its file, its retry.

Every lookup starts from ``Job.objects.visible_to(user)``: someone else's job answers 404, as an unknown one.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clt import roles
from clt.jobs.models import Job
from clt.jobs.services import job_retry, may_retry

PAGE_SIZE = 50


def _job_for(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(Job.objects.visible_to(request.user).select_related("requested_by"), pk=pk)


@never_cache
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = Job.objects.visible_to(request.user).select_related("requested_by")
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clt/jobs/job_list.html",
        {"page_obj": page, "jobs": page.object_list, "is_staff": roles.is_staff_member(request.user)},
    )


@never_cache
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    return render(request, "clt/jobs/job_detail.html", {"job": job, "may_retry": may_retry(request.user, job)})


@never_cache
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(_job_for(request, pk).as_status())


def job_file(request: HttpRequest, pk: int) -> FileResponse:
    job = _job_for(request, pk)
    if not job.result_file:
        raise Http404(_("This job produced no file."))
    name = job.result_file.name.rsplit("/", 1)[-1]
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=name)


@require_POST
def job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    try:
        job_retry(actor=request.user, job=job)
    except PermissionDenied:
        raise
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The job is queued again. Work already done will not be repeated."))
    return redirect("jobs:job_detail", pk=job.pk)
