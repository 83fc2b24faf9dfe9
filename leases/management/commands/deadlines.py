"""manage.py deadlines [--horizon 90] [--today YYYY-MM-DD] [--dry-run]: email staff what is due.

The list is the staff dashboard's (``leases.lifecycle.selectors.due_items`` grouped by ``due_buckets``):
open deadlines and open monitoring records, overdue or due within the horizon, across every lease.
Each active staff user with an email address gets it as plain text with an HTML alternative,
through Django's email backend (the console in development; EMAIL_HOST and friends in production,
docs/deployment.md). Nothing due: nothing is sent. Links are absolute, to ``settings.CLT["SITE_URL"]``
(the SITE_URL environment variable), since a cron job has no request to take the host from.

Whose eyes the list is built for: ``due_items`` narrows to what its user may see, and every staff
user sees every lease, so the list is built once, as the first recipient sees it. With no staff
recipient there is nobody to tell, which is a configuration problem worth a non-zero exit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from clt import clock, roles
from clt.jobs.models import Job
from clt.jobs.services import job_enqueue
from leases.lifecycle.selectors import DueItem, due_buckets, due_items

# Only for settings without a CLT["SITE_URL"] (a test's override_settings): clt/settings.py always sets one.
DEFAULT_SITE_URL = "http://127.0.0.1:8000"
MAX_HORIZON_DAYS = 366
DEADLINE_EMAILS = "deadline_emails"


@dataclass(frozen=True)
class Row:
    """One line of the email: the dashboard's item and an absolute link to its lease."""

    item: DueItem
    url: str

    @property
    def days_overdue(self) -> int:
        return max(-self.item.days_left, 0)


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    rows: list[Row]


def site_url() -> str:
    return str(getattr(settings, "CLT", {}).get("SITE_URL", DEFAULT_SITE_URL)).rstrip("/")


def lease_url(lease_id: int) -> str:
    return site_url() + reverse("leases:lease_detail", args=[lease_id])


def dashboard_url() -> str:
    return site_url() + reverse("leases:deadlines")


def staff_recipients() -> list[Any]:
    """Active staff users (the staff group, or superusers) with an email address, oldest account first."""
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name=roles.STAFF_GROUP) | Q(is_superuser=True))
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def grouped(items: list[DueItem], *, horizon: int) -> list[Group]:
    """The dashboard's buckets, plus the items beyond 90 days when the horizon reaches that far."""
    groups = [
        Group(key, label, [Row(item, lease_url(item.lease_id)) for item in bucket])
        for key, label, bucket in due_buckets(items)
    ]
    placed = {(row.item.source, row.item.pk) for group in groups for row in group.rows}
    later = [item for item in items if (item.source, item.pk) not in placed]
    if later:
        label = gettext("Due in 91 to %(days)s days") % {"days": horizon}
        groups.append(Group("later", label, [Row(item, lease_url(item.lease_id)) for item in later]))
    return groups


def subject_for(overdue: int, total: int, horizon: int) -> str:
    overdue_text = ngettext("%(count)s item overdue", "%(count)s items overdue", overdue) % {"count": overdue}
    total_text = ngettext(
        "%(count)s due or overdue within %(days)s days", "%(count)s due or overdue within %(days)s days", total
    ) % {"count": total, "days": horizon}
    return gettext("Lease deadlines: %(overdue)s, %(total)s") % {"overdue": overdue_text, "total": total_text}


@dataclass(frozen=True)
class DeadlinesEmail:
    """The email, as every recipient gets it (in the trust's language), and who gets it."""

    subject: str
    text: str
    html: str
    overdue: int
    total: int
    addresses: list[str]

    def message(self, address: str) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(self.subject, self.text, to=[address])
        message.attach_alternative(self.html, "text/html")
        return message


def no_recipient_text() -> str:
    return gettext(
        "No active staff user has an email address, so there is nobody to send the deadlines to. "
        "Add an email address to a user in the staff group."
    )


def compose(today: dt.date, horizon: int) -> DeadlinesEmail | None:
    """The deadlines email of ``today`` over ``horizon`` days; ``None`` when nothing is due. With no staff
    recipient, ``LookupError`` (the command and the job each say so in their own way)."""
    recipients = staff_recipients()
    if not recipients:
        raise LookupError(no_recipient_text())
    with translation.override(settings.LANGUAGE_CODE):
        items = due_items(recipients[0], today=today, horizon_days=horizon)
        if not items:
            return None
        groups = grouped(items, horizon=horizon)
        overdue = sum(len(g.rows) for g in groups if g.key == "overdue")
        subject = subject_for(overdue, len(items), horizon)
        context = {
            "subject": subject,
            "groups": [g for g in groups if g.rows],
            "overdue": overdue,
            "total": len(items),
            "horizon": horizon,
            "today": today,
            "dashboard_url": dashboard_url(),
            "site_url": site_url(),
        }
        text = render_to_string("leases/email/deadlines.txt", context)
        html = render_to_string("leases/email/deadlines.html", context)
    return DeadlinesEmail(subject, text, html, overdue, len(items), [user.email for user in recipients])


def deadlines_enqueue(*, actor: Any, today: dt.date, horizon: int) -> Job:
    """Queue the deadlines email as a job (``leases.lifecycle.jobs``): each address is recorded as it is sent,
    and a retry, or a second job for the same day and horizon, skips it."""
    title = gettext("Deadline emails of %(date)s (%(days)s days ahead)") % {"date": today.isoformat(), "days": horizon}
    return job_enqueue(
        actor=actor, kind=DEADLINE_EMAILS, title=title, params={"today": today.isoformat(), "horizon": horizon}
    )


class Command(BaseCommand):
    help = (
        "Email every active staff user the deadlines dashboard: open deadlines and monitoring items that "
        "are overdue or due within the horizon, across all leases. Sends nothing when nothing is due."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--horizon", type=int, default=90, help="days ahead to include (default %(default)s; at most 366)"
        )
        parser.add_argument("--today", metavar="YYYY-MM-DD", help="count from this date instead of today")
        parser.add_argument("--dry-run", action="store_true", help="print the email and its recipients; send nothing")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="queue the emails as a job for the workers (manage.py db_worker); a retry skips who already got it",
        )

    def handle(self, *args, **options) -> None:
        horizon = options["horizon"]
        if not 0 <= horizon <= MAX_HORIZON_DAYS:
            raise CommandError(
                gettext("--horizon %(horizon)s: expected a number of days from 0 to %(max)s")
                % {"horizon": horizon, "max": MAX_HORIZON_DAYS}
            )
        today = self._today(options["today"])
        if options["queue"]:
            job = deadlines_enqueue(actor=None, today=today, horizon=horizon)
            self.stdout.write(
                gettext("Queued as job %(id)s: its page is /jobs/%(id)s/ (a db_worker process runs it).")
                % {"id": job.pk}
            )
            return
        try:
            email = compose(today, horizon)
        except LookupError as error:
            raise CommandError(str(error)) from None
        if email is None:
            self.stdout.write(
                gettext("Nothing is overdue or due within %(days)s days of %(date)s: no email sent.")
                % {"days": horizon, "date": today.isoformat()}
            )
            return
        addresses = email.addresses
        if options["dry_run"]:
            self.stdout.write(gettext("Dry run: would send to %(addresses)s") % {"addresses": ", ".join(addresses)})
            self.stdout.write(gettext("Subject: %(subject)s") % {"subject": email.subject} + "\n")
            self.stdout.write(email.text)
            return
        sent = get_connection().send_messages([email.message(address) for address in addresses]) or 0
        self.stdout.write(
            self.style.SUCCESS(
                gettext("Sent the deadlines (%(overdue)s overdue, %(total)s in all) to %(sent)s staff: %(addresses)s")
                % {"overdue": email.overdue, "total": email.total, "sent": sent, "addresses": ", ".join(addresses)}
            )
        )

    @staticmethod
    def _today(value: str | None) -> dt.date:
        if not value:
            return clock.today()
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise CommandError(
                gettext("--today %(value)s: expected a date as YYYY-MM-DD, e.g. 2026-03-31") % {"value": repr(value)}
            ) from None
