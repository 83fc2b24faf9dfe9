"""The job as the trust sees it: what was asked, by whom, how far it got, and what came of it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from clt.querysets import AccessRules, RestrictedManager

__all__ = ["Job", "JobStatus", "job_storage"]


def job_storage() -> Storage:
    """The files jobs produce (CSV, PDF, ZIP), in ``STORAGES["jobs"]``: a folder shared by the web and the
    workers, or an object store when workers run on other machines (docs/jobs.md)."""
    return storages["jobs"]


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """One piece of long work. The engine's own row (django_tasks_db) says whether the task ran; this one
    says what the person who asked needs to read, in their words, and survives the engine's pruning."""

    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="jobs",
        verbose_name=_("requested by"),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    progress_message = models.CharField(_("progress"), max_length=200, blank=True)
    result_url = models.CharField(_("result link"), max_length=500, blank=True)
    result_file = models.FileField(_("result file"), storage=job_storage, upload_to="jobs/%Y/%m", blank=True)
    result_summary = models.TextField(_("result"), blank=True)
    already_done = models.BooleanField(_("already done"), default=False)
    error = models.TextField(_("error"), blank=True)
    # The language of the person who asked: the job's summary and files are written in it.
    language = models.CharField(_("language"), max_length=8, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    task_id = models.CharField(_("engine task id"), max_length=64, blank=True)
    # What a retry must not do again (the addresses already emailed, for instance), kept by the job's kind.
    state = models.JSONField(_("state"), default=dict, blank=True)

    # Someone who is not staff sees the jobs they asked for, and nobody else's.
    access_rules = AccessRules(view=("requested_by",))
    objects = RestrictedManager()

    class Meta:
        ordering = ("-created", "-pk")
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["requested_by", "-created"]), models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)

    def as_status(self) -> dict[str, Any]:
        """What the page's poll reads (the JSON endpoint)."""
        return {
            "id": self.pk,
            "status": self.status,
            "status_label": str(self.get_status_display()),
            "done": self.progress_done,
            "total": self.progress_total,
            "percent": self.percent,
            "message": self.progress_message,
            "active": self.is_active,
        }
