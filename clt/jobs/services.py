"""Starting a job and retrying a failed one: the only writes to :class:`Job` besides the runner's."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from clt import roles
from clt.jobs import registry
from clt.jobs.models import Job, JobStatus
from clt.jobs.runner import run_job

__all__ = ["job_enqueue", "job_retry", "may_retry"]


def job_enqueue(*, actor: Any, kind: str, title: str, params: dict[str, Any] | None = None) -> Job:
    """Record the job and put its task on the queue, in one transaction: a worker never finds a task
    without its job, nor a job waits for a task that was never queued."""
    registry.get(kind)  # an unknown kind is a programming error, refused before anything is stored
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            title=title[:200],
            params=params or {},
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            language=translation.get_language() or "",
        )
        result = run_job.enqueue(job.pk)
        job.task_id = str(result.id)
        job.save(update_fields=["task_id"])
    return job


def may_retry(user: Any, job: Job) -> bool:
    if job.status != JobStatus.FAILED:
        return False
    if roles.is_staff_member(user):
        return True
    return job.requested_by_id == getattr(user, "pk", None) and registry.get(job.kind).may_retry(user, job)


def job_retry(*, actor: Any, job: Job) -> Job:
    """Queue a failed job again. Its kind finishes what is missing without redoing what was done."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status != JobStatus.FAILED:
            raise ValidationError(
                {
                    "status": _("Only a failed job can be retried; this one is %(status)s.")
                    % {"status": job.get_status_display()}
                }
            )
        if not may_retry(actor, job):
            raise PermissionDenied(_("Only staff, or whoever asked for this job, may retry it."))
        result = run_job.enqueue(job.pk)
        job.status = JobStatus.QUEUED
        job.task_id = str(result.id)
        job.finished = None
        job.save(update_fields=["status", "task_id", "finished"])
    return job
