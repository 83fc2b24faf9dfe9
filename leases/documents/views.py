"""Document pages: the documents section of the lease page and each document as HTML or PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from clt.dates import month_start
from leases.documents.services import document_response
from leases.lifecycle.models import (
    GroundLease,
)
from leases.lifecycle.rules import DeadlineKind
from leases.lifecycle.views import DeadlineRow

STATEMENT_MONTHS = 12


def statement_months(lease: GroundLease, today: dt.date, count: int = STATEMENT_MONTHS) -> list[dt.date]:
    """The months a statement can be asked for, newest first: the last ``count`` since the lease began."""
    first = month_start(lease.commencement) if lease.commencement else month_start(today)
    months = []
    for back in range(count):
        month = month_start(today, -back)
        if month < first:
            break
        months.append(month)
    return months


def documents_section(lease: GroundLease, deadlines: Iterable[DeadlineRow], today: dt.date) -> dict[str, Any]:
    kinds = {row.deadline.kind for row in deadlines}
    return {
        "months": statement_months(lease, today),
        # A notice exists once its deadline does: the cure period of a default, the option's windows.
        "default_notice": DeadlineKind.CURE in kinds,
        "option_notice": DeadlineKind.OPTION_EXERCISE in kinds,
    }


def lease_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A lease's documents (summary, statement, notices) as PDF or HTML, for staff and the lease's own holders."""
    lease = get_object_or_404(GroundLease.objects.visible_to(request.user), pk=pk)
    return document_response(request, lease, kind)
