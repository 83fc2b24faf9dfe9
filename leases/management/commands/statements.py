"""manage.py statements --month YYYY-MM [--out DIR] [--lease ID ...] [--workers N]: the month's statements as PDFs.

``--queue`` hands the batch to the job queue instead (docs/jobs.md): a ``db_worker`` renders it into the job
files, skipping the statements already produced for the month, and the job's page links the ZIP; ``--wait``
then follows the job's progress here until it ends.

One PDF per lease that had activity in the month or an open balance at its end: every active lease
(commenced by then), plus any lease with a charge, payment or reversal in the month or a balance
other than zero (an ended lease with arrears keeps getting statements until they are collected).
``--lease`` names the leases instead.

Statements are laid out in batches (``clt.pdf.render_pdf_batch``: about three times faster per
statement than one at a time) over ``--workers`` processes. With more than one worker the
database connections are closed before the pool forks, so every worker opens its own; where fork
is not the platform's default (macOS, Windows) workers are spawned and set Django up themselves.
"""

from __future__ import annotations

import datetime as dt
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.models import Q, Sum
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt.progress import ProgressBar

# Nothing here imports the models at module level: a spawned worker imports this module to find
# ``_init_worker`` and ``_render_batch`` before Django is set up.

DEFAULT_BATCH = 25
ZERO = Decimal("0")


def statement_lease_ids(start: dt.date, end: dt.date) -> list[int]:
    """The leases that get a statement for ``start``–``end``, in id order (a handful of queries in sets)."""
    from leases.ledger.models import Charge, ChargeWaiver, Payment
    from leases.lifecycle.models import GroundLease
    from leases.lifecycle.rules import LeaseStatus

    leases = GroundLease.objects.exclude(status=LeaseStatus.DRAFT)
    ids = set(leases.filter(status=LeaseStatus.ACTIVE, commencement__lte=end).values_list("pk", flat=True))
    ids.update(Charge.objects.filter(due__range=(start, end)).values_list("lease_id", flat=True))
    ids.update(
        Payment.objects.filter(Q(received_on__range=(start, end)) | Q(reversed_on__range=(start, end))).values_list(
            "lease_id", flat=True
        )
    )
    # The balance at the end, as the ledger counts it: net charges due by then, less the payments
    # received by then and not reversed by then.
    balance: dict[int, Decimal] = {}
    for lease_id, amount in (
        Charge.objects.filter(due__lte=end).values_list("lease_id").annotate(total=Sum("amount")).order_by()
    ):
        balance[lease_id] = balance.get(lease_id, ZERO) + amount
    for lease_id, amount in (
        ChargeWaiver.objects.filter(charge__due__lte=end)
        .values_list("charge__lease_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        balance[lease_id] = balance.get(lease_id, ZERO) - amount
    for lease_id, amount in (
        Payment.objects.filter(received_on__lte=end)
        .filter(Q(reversed_on__isnull=True) | Q(reversed_on__gt=end))
        .values_list("lease_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        balance[lease_id] = balance.get(lease_id, ZERO) - amount
    ids.update(lease_id for lease_id, amount in balance.items() if amount != 0)
    return sorted(set(leases.filter(pk__in=ids).values_list("pk", flat=True)))


# ---------------------------------------------------------------------------------------------
# The work of one batch (module level: a worker process runs it)
# ---------------------------------------------------------------------------------------------


def _init_worker() -> None:
    # A spawned worker starts from nothing; a forked one already has Django (and no open
    # connection: the parent closed them before forking) but must not share the parent's open
    # font files, so it drops the inherited font configuration and makes its own.
    from django.apps import apps

    if not apps.ready:
        import django

        django.setup()
    from django.db import connections

    from clt import pdf

    # A forked worker must never use (or close) a database connection it inherited: the socket
    # belongs to the parent, and two processes on one socket read each other's results. Forget it
    # (kept referenced so it is not closed on collection) and let Django open this worker's own.
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            _INHERITED.append(connection.connection)
            connection.connection = None
        connection.in_atomic_block = False
        connection.closed_in_transaction = False
        connection.needs_rollback = False
        connection.savepoint_ids = []
    pdf.reset_caches()


_INHERITED: list[object] = []


def _render_batch(job: tuple[list[int], str, str, str, str]) -> list[tuple[int, str, str]]:
    """Render one batch and write its files: ``(lease id, file name, closing balance)`` for each."""
    from leases.documents.services import statement_pdfs

    ids, start, end, out, language = job
    with translation.override(language):
        rendered = statement_pdfs(ids, start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end))
    folder = Path(out)
    results = []
    for statement in rendered:
        target = folder / statement.filename
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(statement.pdf)
        partial.replace(target)  # a reader never sees half a PDF
        results.append((statement.lease_id, statement.filename, str(statement.closing)))
    return results


def _default_start_method() -> str:
    # fork is cheap (no re-import of Django and weasyprint) and safe on Linux; elsewhere spawn.
    return "fork" if sys.platform.startswith("linux") else "spawn"


class Command(BaseCommand):
    help = (
        "Render the month's account statement of every lease with activity or an open balance, one PDF "
        "per lease, in batches over several processes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, metavar="YYYY-MM", help="the month, e.g. 2026-03")
        parser.add_argument("--out", metavar="DIR", help="folder for the PDFs (default: statements-YYYY-MM)")
        parser.add_argument(
            "--lease", dest="leases", type=int, nargs="+", metavar="ID", help="only these leases (by id)"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="worker processes (default: the number of CPUs, %(default)s here)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH,
            help="statements laid out together (default %(default)s)",
        )
        parser.add_argument(
            "--start-method",
            choices=("fork", "spawn"),
            default=_default_start_method(),
            help="how worker processes start (default here: %(default)s)",
        )

        parser.add_argument(
            "--queue",
            action="store_true",
            help="queue the batch as a job for the workers (manage.py db_worker) instead of rendering it here",
        )
        parser.add_argument("--wait", action="store_true", help="with --queue: follow the job's progress until it ends")

    def handle(self, *args, **options) -> None:
        from leases.documents.selectors import DocumentParameterError, letter_languages, parse_month
        from leases.lifecycle.models import GroundLease
        from leases.lifecycle.rules import LeaseStatus

        try:
            start, end = parse_month(options["month"])
        except DocumentParameterError as error:
            raise CommandError(
                _("--month %(value)r: expected a month as YYYY-MM, e.g. 2026-03") % {"value": options["month"]}
            ) from error
        if options["wait"] and not options["queue"]:
            raise CommandError(_("--wait follows a queued job: give --queue too"))
        if options["queue"]:
            self._queue(f"{start:%Y-%m}", sorted(set(options["leases"] or [])) or None, wait=options["wait"])
            return
        workers, batch_size = options["workers"], options["batch_size"]
        if workers < 1:
            raise CommandError(_("--workers %(value)s: give at least 1") % {"value": workers})
        if batch_size < 1:
            raise CommandError(_("--batch-size %(value)s: give at least 1") % {"value": batch_size})

        if options["leases"]:
            ids = sorted(set(options["leases"]))
            found = set(
                GroundLease.objects.filter(pk__in=ids).exclude(status=LeaseStatus.DRAFT).values_list("pk", flat=True)
            )
            unknown = [i for i in ids if i not in found]
            if unknown:
                raise CommandError(
                    _("--lease: no executed lease with id %(ids)s") % {"ids": ", ".join(map(str, unknown))}
                )
        else:
            ids = statement_lease_ids(start, end)
        out = Path(options["out"] or f"statements-{start:%Y-%m}")
        out.mkdir(parents=True, exist_ok=True)
        if not ids:
            text = _("No lease had activity or an open balance in %(month)s: nothing to render.")
            self.stdout.write(text % {"month": f"{start:%Y-%m}"})
            return

        # Each statement in its household's language (the first leaseholder's, when the documents are
        # written in it), else the command's; a batch is rendered in one language.
        languages = letter_languages(ids, default=translation.get_language() or settings.LANGUAGE_CODE)
        by_language: dict[str, list[int]] = {}
        for lease_id in ids:
            by_language.setdefault(languages[lease_id], []).append(lease_id)
        # Several batches per worker, so one slow batch does not leave the other workers idle at the end.
        size = max(1, min(batch_size, math.ceil(len(ids) / (workers * 2))))
        jobs = [
            (group[i : i + size], start.isoformat(), end.isoformat(), str(out), language)
            for language, group in sorted(by_language.items())
            for i in range(0, len(group), size)
        ]
        bar = ProgressBar(getattr(self.stderr, "_out", self.stderr))
        started = time.monotonic()
        done = 0
        stage = _("statements")
        bar(stage, 0, len(ids))
        for results in self._run(jobs, workers, options["start_method"]):
            done += len(results)
            bar(stage, done, len(ids))
        elapsed = time.monotonic() - started
        used = min(workers, len(jobs))
        self.stdout.write(
            ngettext(
                "%(count)s statement for %(month)s in %(time)s s (%(each)s s per statement, %(workers)s) in %(out)s",
                "%(count)s statements for %(month)s in %(time)s s (%(each)s s per statement, %(workers)s) in %(out)s",
                done,
            )
            % {
                "count": f"{done:,}",
                "month": f"{start:%Y-%m}",
                "time": f"{elapsed:.1f}",
                "each": f"{elapsed / done:.3f}",
                "workers": ngettext("%(count)s worker", "%(count)s workers", used) % {"count": used},
                "out": out,
            }
        )

    def _queue(self, month: str, leases: list[int] | None, *, wait: bool) -> None:
        from clt.jobs.models import Job, JobStatus
        from leases.documents.jobs import statements_enqueue

        job = statements_enqueue(actor=None, month=month, leases=leases)
        self.stdout.write(
            _("Queued as job %(id)s: its page is /jobs/%(id)s/ (a db_worker process runs it).") % {"id": job.pk}
        )
        if not wait:
            return
        bar = ProgressBar(getattr(self.stderr, "_out", self.stderr))
        while True:
            job = Job.objects.get(pk=job.pk)
            if job.progress_total:
                bar(job.progress_message or _("statements"), job.progress_done, job.progress_total)
            if not job.is_active:
                break
            time.sleep(1)
        if job.status == JobStatus.FAILED:
            raise CommandError(job.error)
        self.stdout.write(job.result_summary)

    def _run(self, jobs: list[Any], workers: int, start_method: str) -> Iterator[list[tuple[int, str, str]]]:
        if workers == 1 or len(jobs) == 1:
            for job in jobs:
                yield _render_batch(job)
            return
        # Connections must not cross a fork: each worker opens its own on first use.
        connections.close_all()
        if start_method == "fork":
            import weasyprint  # noqa: F401  (imported once here rather than once per worker: about a second each)
        context = multiprocessing.get_context(start_method)
        with context.Pool(processes=min(workers, len(jobs)), initializer=_init_worker) as pool:
            yield from pool.imap_unordered(_render_batch, jobs)
