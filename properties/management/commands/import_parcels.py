"""manage.py import_parcels FILE: GeoJSON or CSV+WKT, all-or-nothing, with a progress bar."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clt.progress import ProgressBar
from properties import exchange, geometry
from properties.services import ImportFailed, parcels_import


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
        parser.add_argument("--reason", default="", help="the change reason kept in each parcel's history")
        parser.add_argument("--user", help="username recorded as the actor in history")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        fmt = options["format"] or ("csv" if path.suffix.lower() == ".csv" else "geojson")
        try:
            # Apart from reading the file: normalise_crs raises ValueError for an unknown code, which
            # the file's handler below would report as a fault of the file, not of --crs.
            option_crs = geometry.normalise_crs(options["crs"]) if options["crs"] else None
        except Exception as exc:  # ValueError, or pyproj's CRSError (a RuntimeError)
            raise CommandError(f"--crs {options['crs']}: {exc}") from exc
        try:
            field_map = exchange.parse_field_map(options["map"])
            data = path.read_bytes()
            if fmt == "csv":
                result = exchange.read_csv(
                    data, field_map=field_map, area_unit=options["area_unit"], wkt_column=options["wkt_column"]
                )
            else:
                result = exchange.read_geojson(data, field_map=field_map, area_unit=options["area_unit"])
            source_crs = option_crs or result.source_crs
        except ValueError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if source_crs in (None, geometry.WGS84):
            source_crs = None

        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"--user {options['user']}: no such user")
        reason = options["reason"] or f"Imported from {path.name}"
        self.stdout.write(
            f"{path.name}: {len(result.records):,} features, {fmt}, CRS {source_crs or 'WGS84 (RFC 7946)'}"
            + (" — dry run" if options["dry_run"] else "")
        )
        try:
            report = parcels_import(
                result.records,
                actor=actor,
                reason=reason,
                source_crs=source_crs,
                dry_run=options["dry_run"],
                accept_overlaps=options["accept_overlaps"],
                progress=ProgressBar(self.stderr._out),
            )
        except ImportFailed as failed:
            for error in failed.errors:
                self.stderr.write(f"  {error}")
            raise CommandError(f"{len(failed.errors)} bad feature(s) in {path.name}; nothing was imported.") from failed

        verb = "Would import" if report.dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {report.total:,} parcels: {report.created:,} new, {report.updated:,} updated, "
                f"{report.unchanged:,} unchanged."
            )
        )
        if report.area_mismatches:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.area_mismatches):,} parcel(s) flagged 'area mismatch' "
                    "(official area differs from the geodesic area beyond the tolerance):"
                )
            )
            for apn, measured, official in report.area_mismatches[:20]:
                self.stdout.write(f"  {apn}: geodesic {measured:,} m², official {official:,} m²")
            if len(report.area_mismatches) > 20:
                self.stdout.write(
                    f"  … and {len(report.area_mismatches) - 20:,} more (filter parcels by area mismatch)"
                )
        if report.overlaps:
            state = "accepted" if options["accept_overlaps"] else "recorded for review"
            self.stdout.write(self.style.WARNING(f"{len(report.overlaps):,} overlap(s) {state}:"))
            for first, second, area in report.overlaps[:20]:
                self.stdout.write(f"  {first} × {second}: {area:,.2f} m²")
            if len(report.overlaps) > 20:
                self.stdout.write(f"  … and {len(report.overlaps) - 20:,} more")
