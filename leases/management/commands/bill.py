"""manage.py bill --month YYYY-MM [--dry-run] [--user NAME] [--reason TEXT]: the month's lease fees and late fees.

Each charge's history row names ``--user`` (none for the scheduled run) and ``--reason`` (default:
"Monthly billing, YYYY-MM"). A progress bar goes to stderr.

Idempotent: a fee is unique per lease and month and a late fee per charge and assessment, so a
second run creates nothing and says so. A dry run bills inside a transaction and rolls it back,
so what it reports is exactly what a real run would create.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from clt.progress import ProgressBar
from leases.ledger.services import BillingReport, bill_month

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
CENT = Decimal("0.01")


def parse_month(value: str) -> tuple[int, int]:
    """``"2026-03"`` → ``(2026, 3)``; anything else raises ``CommandError`` naming the value and the form."""
    match = MONTH.match(value.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise CommandError(_("--month %(value)r: expected a month as YYYY-MM, e.g. 2026-03") % {"value": value})
    return int(match.group(1)), int(match.group(2))


class Command(BaseCommand):
    help = (
        "Bill one month: the lease fee of every active lease and the late fees due by the month's end "
        "(or today, for the current month). Running it again creates nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, metavar="YYYY-MM", help="the month to bill, e.g. 2026-03")
        parser.add_argument(
            "--dry-run", action="store_true", help="compute and report what would be created; save nothing"
        )
        parser.add_argument(
            "--user", help="username recorded as the actor in each charge's history (default: none, the scheduled run)"
        )
        parser.add_argument(
            "--reason", default="", help="the change reason kept in each charge's history (default: the month's run)"
        )

    def handle(self, *args, **options) -> None:
        year, month = parse_month(options["month"])
        dry_run = options["dry_run"]
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(_("--user %(user)s: no such user") % {"user": options["user"]})
        bar = ProgressBar(self.stderr._out)
        stage = _("billing")
        with transaction.atomic():
            report = bill_month(
                year=year,
                month=month,
                actor=actor,
                reason=options["reason"],
                progress=lambda done, total: bar(stage, done, total),
            )
            if dry_run:
                transaction.set_rollback(True)
        self._summary(report, dry_run=dry_run)

    def _summary(self, report: BillingReport, *, dry_run: bool) -> None:
        total = report.total_billed.quantize(CENT, rounding=ROUND_HALF_UP)
        month = f"{report.month:%Y-%m}"
        if dry_run:
            texts = [
                _("Month: %(month)s (dry run: nothing saved)"),
                _("Active leases: %(leases)s"),
                _("Would create lease fees: %(fees)s"),
                _("Would create late fees: %(late_fees)s"),
                _("Total to bill: %(total)s"),
            ]
        else:
            texts = [
                _("Month: %(month)s"),
                _("Active leases: %(leases)s"),
                _("Created lease fees: %(fees)s"),
                _("Created late fees: %(late_fees)s"),
                _("Total billed: %(total)s"),
            ]
        values = {
            "month": month,
            "leases": f"{report.leases:,}",
            "fees": f"{report.fees_created:,}",
            "late_fees": f"{report.late_fees_created:,}",
            "total": f"{total:,}",
        }
        for text in texts:
            self.stdout.write(text % values)
        if report.fees_created == report.late_fees_created == 0:
            self.stdout.write(
                _("Nothing new to bill for %(month)s: every charge is already in place.") % {"month": month}
            )
        else:
            self.stdout.write(self.style.SUCCESS(_("Dry run: rolled back.") if dry_run else _("Billing done.")))
