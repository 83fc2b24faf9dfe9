"""The deadlines email as a job (``manage.py deadlines --queue``; docs/jobs.md).

Idempotent: each address is recorded in the job's state as soon as its email is sent, and a retry, or any
other deadlines job for the same day and horizon, skips the addresses already recorded. A job with nobody
left to email ends "already done".
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt.jobs.models import Job
from clt.jobs.registry import JobKind, Outcome, Progress
from leases.management.commands.deadlines import DEADLINE_EMAILS, compose

__all__ = ["KIND"]


def _already_sent(job: Job) -> set[str]:
    """The addresses this job, or another deadlines job for the same day and horizon, already emailed."""
    sent: set[str] = set(job.state.get("sent", []))
    same = Job.objects.filter(kind=DEADLINE_EMAILS).exclude(pk=job.pk).only("params", "state")
    for other in same:
        if other.params.get("today") == job.params["today"] and other.params.get("horizon") == job.params["horizon"]:
            sent.update(other.state.get("sent", []))
    return sent


def _run(job: Job, progress: Progress) -> Outcome:
    today, horizon = dt.date.fromisoformat(job.params["today"]), int(job.params["horizon"])
    try:
        email = compose(today, horizon)
    except LookupError as error:
        raise ValidationError(str(error)) from None
    if email is None:
        text = _("Nothing is overdue or due within %(days)s days of %(date)s: no email sent.")
        return Outcome(summary=text % {"days": horizon, "date": today.isoformat()})
    skipped = _already_sent(job)
    todo = [address for address in email.addresses if address not in skipped]
    sent = job.state.setdefault("sent", [])
    progress(_("emails"), len(email.addresses) - len(todo), len(email.addresses))
    with get_connection() as connection:
        for address in todo:
            connection.send_messages([email.message(address)])
            sent.append(address)
            # Recorded at once: if the next one fails, a retry does not send this one again.
            job.save(update_fields=["state"])
            progress(_("emails"), len(email.addresses) - len(todo) + len(sent), len(email.addresses))
    summary = ngettext(
        "Sent the deadlines to %(sent)s staff member (%(skipped)s had it already).",
        "Sent the deadlines to %(sent)s staff members (%(skipped)s had it already).",
        len(todo),
    ) % {"sent": len(todo), "skipped": len(email.addresses) - len(todo)}
    return Outcome(summary=summary, already_done=not todo)


KIND = JobKind(DEADLINE_EMAILS, _run)
