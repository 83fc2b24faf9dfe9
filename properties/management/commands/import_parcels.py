"""manage.py import_parcels FILE: GeoJSON or CSV+WKT, all-or-nothing, with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt.progress import ProgressBar
from properties import exchange, geometry, messages
from properties.imports import ImportFailed, parcels_import
from properties.jobs import QUEUED_OPTIONS, parcels_import_enqueue, read_records


class Command(BaseCommand):
    help = (
        "Import parcels from a GeoJSON FeatureCollection or a CSV file with a WKT column. "
        "All or nothing: if any feature is bad, every bad feature is listed and nothing is written. "
        "A parcel number already in the registry is updated (with history)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .geojson/.json or .csv file")
        parser.add_argument("--format", choices=["geojson", "csv"], help="default: from the file name")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=ATTRIBUTE",
            help="take FIELD from the source's ATTRIBUTE, e.g. --map apn=PARCEL_ID_ --map address=SITUS_ADDR "
            "--map official_area=Shape_Area. Fields: " + ", ".join(sorted(exchange.IMPORTABLE)),
        )
        parser.add_argument(
            "--crs",
            help="the source's coordinate reference system (EPSG code such as 2286 or EPSG:2286). "
            "Default: the file's legacy crs member, else WGS84 as RFC 7946 says.",
        )
        parser.add_argument(
            "--area-unit",
            choices=sorted(exchange.AREA_UNITS),
            default="m2",
            help="unit of the official area attribute (default m2; state-plane files often use us-ft2)",
        )
        parser.add_argument("--wkt-column", help="CSV column holding the WKT geometry (default: wkt or geometry)")
        parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
        parser.add_argument(
            "--accept-overlaps",
            default="",
            metavar="REASON",
            help="accept every overlap found with this reason (default: record them as warnings to review)",
        )
        parser.add_argument(
            "--accept-location",
            default="",
            metavar="REASON",
            help="accept, with this reason, boundaries far from the service area (CLT_SERVICE_AREA) or from the "
            "trust's other parcels; without it such a feature fails the file, the likely cause named",
        )
        parser.add_argument("--reason", default="", help="the change reason kept in each parcel's history")
        parser.add_argument("--user", help="username recorded as the actor in history")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="for a big file: store it and queue the import as a job for the workers (manage.py db_worker)",
        )

    def _queue(self, path: Path, fmt: str, options: dict[str, Any]) -> None:
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(_("--user %(user)s: no such user") % {"user": options["user"]})
        kept = {name: options[name] for name in QUEUED_OPTIONS}
        job = parcels_import_enqueue(actor=actor, name=path.name, data=path.read_bytes(), fmt=fmt, options=kept)
        self.stdout.write(
            _("Queued as job %(id)s: its page is /jobs/%(id)s/ (a db_worker process runs it).") % {"id": job.pk}
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(_("%(path)s: no such file") % {"path": path})
        fmt = options["format"] or ("csv" if path.suffix.lower() == ".csv" else "geojson")
        try:
            # Apart from reading the file: normalise_crs raises ValueError for an unknown code, which
            # the file's handler below would report as a fault of the file, not of --crs.
            option_crs = geometry.normalise_crs(options["crs"]) if options["crs"] else None
        except Exception as exc:  # ValueError, or pyproj's CRSError (a RuntimeError)
            raise CommandError(_("--crs %(crs)s: %(error)s") % {"crs": options["crs"], "error": exc}) from exc
        if options["queue"]:
            self._queue(path, fmt, options)
            return
        try:
            result, source_crs = read_records(path.read_bytes(), fmt, options, option_crs)
        except exchange.ExchangeError as exc:
            raise CommandError(f"{path}: {messages.exchange_message(exc)}") from exc
        except ValueError as exc:
            raise CommandError(f"{path}: {exc}") from exc

        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(_("--user %(user)s: no such user") % {"user": options["user"]})
        reason = options["reason"] or _("Imported from %(file)s") % {"file": path.name}
        count = len(result.records)
        summary = ngettext(
            "%(file)s: %(count)s feature, %(format)s, CRS %(crs)s",
            "%(file)s: %(count)s features, %(format)s, CRS %(crs)s",
            count,
        ) % {"file": path.name, "count": f"{count:,}", "format": fmt, "crs": source_crs or "WGS84 (RFC 7946)"}
        if options["dry_run"]:
            summary = _("%(summary)s — dry run") % {"summary": summary}
        self.stdout.write(summary)
        try:
            report = parcels_import(
                result.records,
                actor=actor,
                reason=reason,
                source_crs=source_crs,
                dry_run=options["dry_run"],
                accept_overlaps=options["accept_overlaps"],
                accept_location=options["accept_location"],
                progress=ProgressBar(self.stderr._out),
            )
        except ImportFailed as failed:
            for error in failed.errors:
                self.stderr.write(f"  {error}")
            bad = len(failed.errors)
            raise CommandError(
                ngettext(
                    "%(count)s bad feature in %(file)s; nothing was imported.",
                    "%(count)s bad features in %(file)s; nothing was imported.",
                    bad,
                )
                % {"count": f"{bad:,}", "file": path.name}
            ) from failed

        counts = {
            "total": f"{report.total:,}",
            "created": f"{report.created:,}",
            "updated": f"{report.updated:,}",
            "unchanged": f"{report.unchanged:,}",
        }
        if report.dry_run:
            done = ngettext(
                "Would import %(total)s parcel: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
                "Would import %(total)s parcels: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
                report.total,
            )
        else:
            done = ngettext(
                "Imported %(total)s parcel: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
                "Imported %(total)s parcels: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
                report.total,
            )
        self.stdout.write(self.style.SUCCESS(done % counts))
        if report.area_mismatches:
            flagged = len(report.area_mismatches)
            self.stdout.write(
                self.style.WARNING(
                    ngettext(
                        "%(count)s parcel flagged 'area mismatch' "
                        "(official area differs from the geodesic area beyond the tolerance):",
                        "%(count)s parcels flagged 'area mismatch' "
                        "(official area differs from the geodesic area beyond the tolerance):",
                        flagged,
                    )
                    % {"count": f"{flagged:,}"}
                )
            )
            for apn, measured, official in report.area_mismatches[:20]:
                self.stdout.write(
                    "  "
                    + _("%(apn)s: geodesic %(geodesic)s m², official %(official)s m²")
                    % {"apn": apn, "geodesic": f"{measured:,}", "official": f"{official:,}"}
                )
            if flagged > 20:
                self.stdout.write(
                    "  " + _("… and %(count)s more (filter parcels by area mismatch)") % {"count": f"{flagged - 20:,}"}
                )
        if report.far:
            count = len(report.far)
            heading = ngettext(
                "%(count)s parcel far from where the trust works, accepted: %(reason)s",
                "%(count)s parcels far from where the trust works, accepted: %(reason)s",
                count,
            )
            self.stdout.write(
                self.style.WARNING(heading % {"count": f"{count:,}", "reason": options["accept_location"]})
            )
            for apn, why in report.far:
                self.stdout.write(f"  {apn}: {why}")
        if report.overlaps:
            found = len(report.overlaps)
            if options["accept_overlaps"]:
                heading = ngettext("%(count)s overlap accepted:", "%(count)s overlaps accepted:", found)
            else:
                heading = ngettext(
                    "%(count)s overlap recorded for review:", "%(count)s overlaps recorded for review:", found
                )
            self.stdout.write(self.style.WARNING(heading % {"count": f"{found:,}"}))
            for first, second, area in report.overlaps[:20]:
                self.stdout.write(f"  {first} × {second}: {area:,.2f} m²")
            if found > 20:
                self.stdout.write("  " + _("… and %(count)s more") % {"count": f"{found - 20:,}"})
