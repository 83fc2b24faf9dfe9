"""A queued job as the API answers it (``202 Accepted``): where to follow it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from clt.jobs.models import Job, JobStatus

__all__ = ["QueuedJobSerializer"]


class QueuedJobSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=JobStatus.choices, read_only=True)
    page = serializers.SerializerMethodField(help_text=_("The job's page: progress, then the result or the error."))
    status_url = serializers.SerializerMethodField(help_text=_("The job's progress as JSON, to poll."))

    class Meta:
        model = Job
        fields = ["id", "kind", "title", "status", "page", "status_url"]
        read_only_fields = fields

    def get_page(self, job: Job) -> str:
        return reverse("jobs:job_detail", args=[job.pk])

    def get_status_url(self, job: Job) -> str:
        return reverse("jobs:job_status", args=[job.pk])
