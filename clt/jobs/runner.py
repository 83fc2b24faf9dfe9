"""The engine's one task: run a job of ours, keeping its row (status, progress, result, error) current."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from clt.jobs import registry
from clt.jobs.models import Job, JobStatus

__all__ = ["ProgressWriter", "error_text", "run_job"]

logger = logging.getLogger(__name__)

# Progress is written at most this often (seconds), and at the end: a 50,000-row job makes a few dozen
# writes, not 50,000, and a poll every two seconds still sees it move.
PROGRESS_INTERVAL = 1.0


class ProgressWriter:
    """``progress(message, done, total)``, throttled: the same call as :class:`clt.progress.ProgressBar`."""

    def __init__(self, job_id: int, interval: float = PROGRESS_INTERVAL):
        self.job_id = job_id
        self.interval = interval
        self.writes = 0
        self._last_time = 0.0
        self._last_message: str | None = None
        self._pending: tuple[str, int, int] | None = None

    def __call__(self, message: str, done: int, total: int) -> None:
        now = time.monotonic()
        if message == self._last_message and done < total and now - self._last_time < self.interval:
            self._pending = (message, done, total)
            return
        self._last_time, self._last_message, self._pending = now, message, None
        self._write(message, done, total)

    def flush(self) -> None:
        """Write the last figures held back by the throttle (a job that fails shows how far it got)."""
        if self._pending is not None:
            self._write(*self._pending)
            self._pending = None

    def _write(self, message: str, done: int, total: int) -> None:
        self.writes += 1
        Job.objects.filter(pk=self.job_id).update(
            progress_done=max(done, 0), progress_total=max(total, 0), progress_message=str(message)[:200]
        )


def error_text(error: BaseException) -> str:
    """The reason a job failed, in words a person can act on."""
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    if isinstance(error, PermissionDenied):
        return str(error) or _("You are no longer allowed to do this.")
    if isinstance(error, SystemExit | KeyboardInterrupt):
        return _("The worker was stopped while the job ran. Retry it.")
    detail = str(error).strip()
    name = type(error).__name__
    return _("The job stopped on an unexpected error (%(error)s). Retry it; if it fails again, tell the office.") % {
        "error": f"{name}: {detail}" if detail else name
    }


@task()
def run_job(job_id: int) -> dict[str, Any]:
    """Run job ``job_id`` once. A job that already succeeded is not run again (a task enqueued twice)."""
    job = Job.objects.get(pk=job_id)
    if job.status == JobStatus.SUCCEEDED:
        return {"status": job.status, "skipped": True}
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started=timezone.now(), finished=None, error="", attempts=F("attempts") + 1
    )
    job.refresh_from_db()
    progress = ProgressWriter(job.pk)
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            # Inside the try: a worker without the kind's app records the failure instead of leaving it queued.
            outcome = registry.get(job.kind).run(job, progress)
            if outcome.file is not None:
                job.result_file.save(outcome.file_name or "result", outcome.file, save=False)
    except BaseException as error:  # a worker stopped mid-job (a second Ctrl-C) leaves a failed job, not a running one
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        progress.flush()
        with translation.override(job.language or settings.LANGUAGE_CODE):
            text = error_text(error)
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished=timezone.now(), error=text)
        raise
    job.status = JobStatus.SUCCEEDED
    job.finished = timezone.now()
    job.result_url = outcome.url
    job.result_summary = outcome.summary
    job.already_done = outcome.already_done
    if job.progress_total == 0 or job.progress_done < job.progress_total:
        job.refresh_from_db(fields=["progress_done", "progress_total", "progress_message"])
        job.progress_done = job.progress_total = max(job.progress_total, 1)
    job.save(
        update_fields=[
            "status",
            "finished",
            "result_url",
            "result_summary",
            "already_done",
            "result_file",
            "progress_done",
            "progress_total",
            "state",
        ]
    )
    return {"status": job.status}
