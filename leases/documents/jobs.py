"""The month's statement batch as a job (docs/jobs.md): every statement stored in the job files, then one ZIP.

Idempotent: a statement already produced for the month (its file is there, from this job's first attempt or
an earlier batch of the same month) is not rendered again; a batch with nothing left to render ends "already
done", with the ZIP of what is there.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt.jobs.models import Job, job_storage
from clt.jobs.registry import JobKind, Outcome, Progress
from clt.jobs.services import job_enqueue
from leases.documents.selectors import letter_languages, parse_month
from leases.documents.services import KINDS, document_filename, statement_pdfs
from leases.management.commands.statements import DEFAULT_BATCH, statement_lease_ids

__all__ = ["STATEMENTS", "statements_enqueue", "statements_folder"]

STATEMENTS = "statements"


def statements_folder(month: str) -> str:
    return f"statements/{month}"


def statements_enqueue(*, actor: Any, month: str, leases: list[int] | None = None) -> Job:
    start, _end = parse_month(month)  # a bad month is refused before anything is queued
    title = _("Statements for %(month)s") % {"month": f"{start:%Y-%m}"}
    return job_enqueue(actor=actor, kind=STATEMENTS, title=title, params={"month": f"{start:%Y-%m}", "leases": leases})


def _run(job: Job, progress: Progress) -> Outcome:
    start, end = parse_month(job.params["month"])
    ids = sorted(job.params.get("leases") or statement_lease_ids(start, end))
    storage = job_storage()
    folder = statements_folder(f"{start:%Y-%m}")
    slug = KINDS["statement"].slug
    paths = {i: f"{folder}/{document_filename(i, slug, start, end, month=True)}" for i in ids}
    todo = [i for i in ids if not storage.exists(paths[i])]
    stage = _("statements")
    done = len(ids) - len(todo)
    progress(stage, done, len(ids))
    languages = letter_languages(todo, default=job.language or settings.LANGUAGE_CODE)
    by_language: dict[str, list[int]] = {}
    for lease_id in todo:
        by_language.setdefault(languages[lease_id], []).append(lease_id)
    for language, group in sorted(by_language.items()):
        for i in range(0, len(group), DEFAULT_BATCH):
            with translation.override(language):
                rendered = statement_pdfs(group[i : i + DEFAULT_BATCH], start=start, end=end)
            for statement in rendered:
                storage.save(paths[statement.lease_id], ContentFile(statement.pdf))
            done += len(rendered)
            progress(stage, done, len(ids))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for lease_id in ids:
            with storage.open(paths[lease_id], "rb") as handle:
                bundle.writestr(paths[lease_id].rsplit("/", 1)[-1], handle.read())
    made = len(todo)
    summary = ngettext(
        "%(count)s statement for %(month)s in all; %(made)s rendered now.",
        "%(count)s statements for %(month)s in all; %(made)s rendered now.",
        len(ids),
    ) % {"count": len(ids), "month": f"{start:%Y-%m}", "made": made}
    if not ids:
        summary = _("No lease had activity or an open balance in %(month)s: nothing to render.") % {
            "month": f"{start:%Y-%m}"
        }
    return Outcome(
        summary=summary,
        file=ContentFile(archive.getvalue()),
        file_name=f"statements-{start:%Y-%m}.zip",
        already_done=bool(ids) and not todo,
    )


KIND = JobKind(STATEMENTS, _run)
