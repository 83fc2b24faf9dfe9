"""A big parcel import as a job (``manage.py import_parcels FILE --queue``; docs/jobs.md).

The file is kept in the job files, so a worker on another machine reads it. The import is all or nothing
(one transaction) and updates a parcel number already in the registry rather than adding it twice, so a
retry after a failure imports the file once; after a success, it finds every parcel unchanged.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt.jobs.models import Job, job_storage
from clt.jobs.registry import JobKind, Outcome, Progress
from clt.jobs.services import job_enqueue
from properties import exchange, geometry, messages
from properties.imports import ImportFailed, parcels_import

__all__ = ["KIND", "PARCELS_IMPORT", "QUEUED_OPTIONS", "parcels_import_enqueue", "read_records"]

PARCELS_IMPORT = "parcels_import"
# What a queued import keeps of the command's options.
QUEUED_OPTIONS = ("map", "crs", "area_unit", "wkt_column", "dry_run", "accept_overlaps", "accept_location", "reason")
# The bad features listed in the job's error: the rest are counted (the command lists them all).
LISTED_ERRORS = 50


def read_records(
    data: bytes, fmt: str, options: dict[str, Any], option_crs: str | None
) -> tuple[exchange.ReadResult, str | None]:
    """The file's records and its source CRS (``None`` for WGS84). Raises ``ExchangeError`` or ``ValueError``."""
    field_map = exchange.parse_field_map(options["map"])
    if fmt == "csv":
        result = exchange.read_csv(
            data, field_map=field_map, area_unit=options["area_unit"], wkt_column=options["wkt_column"]
        )
    else:
        result = exchange.read_geojson(data, field_map=field_map, area_unit=options["area_unit"])
    source_crs = option_crs or result.source_crs
    return result, (None if source_crs in (None, geometry.WGS84) else source_crs)


def parcels_import_enqueue(*, actor: Any, name: str, data: bytes, fmt: str, options: dict[str, Any]) -> Job:
    stored = job_storage().save(f"imports/{name}", ContentFile(data))
    title = _("Parcel import from %(file)s") % {"file": name}
    params = {"file": stored, "name": name, "format": fmt, "options": options}
    return job_enqueue(actor=actor, kind=PARCELS_IMPORT, title=title, params=params)


def _run(job: Job, progress: Progress) -> Outcome:
    options, name = job.params["options"], job.params["name"]
    with job_storage().open(job.params["file"], "rb") as handle:
        data = handle.read()
    try:
        option_crs = geometry.normalise_crs(options["crs"]) if options.get("crs") else None
        result, source_crs = read_records(data, job.params["format"], options, option_crs)
    except exchange.ExchangeError as exc:
        raise ValidationError(f"{name}: {messages.exchange_message(exc)}") from exc
    except ValueError as exc:
        raise ValidationError(f"{name}: {exc}") from exc
    try:
        report = parcels_import(
            result.records,
            actor=job.requested_by,
            reason=options.get("reason") or _("Imported from %(file)s") % {"file": name},
            source_crs=source_crs,
            dry_run=bool(options.get("dry_run")),
            accept_overlaps=options.get("accept_overlaps") or "",
            accept_location=options.get("accept_location") or "",
            progress=progress,
        )
    except ImportFailed as failed:
        bad = len(failed.errors)
        head = ngettext(
            "%(count)s bad feature in %(file)s; nothing was imported.",
            "%(count)s bad features in %(file)s; nothing was imported.",
            bad,
        ) % {"count": f"{bad:,}", "file": name}
        listed = [str(error) for error in failed.errors[:LISTED_ERRORS]]
        if bad > LISTED_ERRORS:
            listed.append(_("… and %(count)s more") % {"count": f"{bad - LISTED_ERRORS:,}"})
        raise ValidationError(" ".join([head, *listed])) from failed
    counts = {
        "total": f"{report.total:,}",
        "created": f"{report.created:,}",
        "updated": f"{report.updated:,}",
        "unchanged": f"{report.unchanged:,}",
    }
    done = ngettext(
        "Imported %(total)s parcel: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
        "Imported %(total)s parcels: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
        report.total,
    )
    if report.dry_run:
        done = ngettext(
            "Would import %(total)s parcel: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
            "Would import %(total)s parcels: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
            report.total,
        )
    nothing_new = report.total > 0 and report.unchanged == report.total
    return Outcome(summary=done % counts, url="/parcels/", already_done=nothing_new and not report.dry_run)


KIND = JobKind(PARCELS_IMPORT, _run)
