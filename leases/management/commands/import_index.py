"""manage.py import_index: load a published index series (CPI-U, HUD income limits) from CSV."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext

from leases.resale import indexes, services
from leases.resale.models import IndexKind, IndexSeries

CPI_U = ("cpi-u", "CPI-U, U.S. city average, all items (1982-84=100)")


class Command(BaseCommand):
    help = (
        "Import an index series from CSV, all or nothing. `period,value` files (BLS CPI-U) go into --series; "
        "HUD income-limit files (--hud) make two series per area: median family income and 80% limits by size."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--hud", action="store_true", help="the file is HUD's area,year,median_family_income,...")
        parser.add_argument("--series", default=CPI_U[0], help=f"series code for a period,value file ({CPI_U[0]})")
        parser.add_argument("--name", default="", help="series name when it is new")
        parser.add_argument("--kind", choices=[k.value for k in IndexKind], default=IndexKind.CPI)
        parser.add_argument("--source", default="", help="where the figures come from (kept with the series)")
        parser.add_argument("--reason", default="", help="the change reason kept in each value's history")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(gettext("%(file)s: no such file") % {"file": path})
        reason = options["reason"] or f"imported from {path.name}"
        try:
            with transaction.atomic():
                text = indexes.decode(path.read_bytes())
                if options["hud"]:
                    self._hud(text, reason, options["source"])
                else:
                    self._periods(text, reason, options)
        except ValidationError as error:
            messages = [f"{field}: {m}" for field, items in error.message_dict.items() for m in items]
            raise CommandError(
                gettext("%(file)s: nothing imported.") % {"file": path} + "\n  " + "\n  ".join(messages)
            ) from None

    def _series(self, code: str, name: str, kind: str, area: str, source: str) -> IndexSeries:
        series, _ = IndexSeries.objects.get_or_create(
            code=code, defaults={"name": name or code, "kind": kind, "area": area, "source": source}
        )
        return series

    def _report(self, series: IndexSeries, counts: tuple[int, int, int]) -> None:
        created, updated, unchanged = counts
        self.stdout.write(
            gettext("%(series)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged")
            % {"series": series.code, "created": created, "updated": updated, "unchanged": unchanged}
        )

    def _periods(self, text: str, reason: str, options: dict) -> None:
        rows = indexes.read_periods(text)
        default_name = CPI_U[1] if options["series"] == CPI_U[0] else ""
        name = options["name"] or default_name or options["series"]
        # Monthly values and annual averages are different series: both would otherwise claim
        # 1 January, and a formula names which one it uses.
        monthly = [row for row in rows if len(row.period) != 4]
        annual = [row for row in rows if len(row.period) == 4]
        for code, label, part in (
            (options["series"], name, monthly if monthly else annual),
            (options["series"] + "-annual", f"{name} (annual averages)", annual if monthly else []),
        ):
            if part:
                series = self._series(code, label, options["kind"], "", options["source"])
                counts = services.index_values_import(series=series, rows=part, actor=None, reason=reason)
                self._report(series, counts)

    def _hud(self, text: str, reason: str, source: str) -> None:
        source = source or "HUD Section 8 Income Limits (huduser.gov)"
        for area in indexes.read_hud(text):
            code = indexes.slug(area.area)
            median = self._series(
                f"hud-mfi-{code}", f"HUD median family income, {area.area}", IndexKind.MEDIAN_INCOME, area.area, source
            )
            self._report(
                median, services.index_values_import(series=median, rows=area.median, actor=None, reason=reason)
            )
            limits = self._series(
                f"hud-li80-{code}", f"HUD 80% income limits, {area.area}", IndexKind.INCOME_LIMIT, area.area, source
            )
            self._report(
                limits, services.index_values_import(series=limits, rows=area.limits, actor=None, reason=reason)
            )
