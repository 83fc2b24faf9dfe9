"""The funder impact report page (staff): a form for the period and the assumptions, each program's figures and
charts, the definitions; the same report as CSV (``?format=csv``, ``&level=program``) and PDF (``?format=pdf``).

The figures come from ``resale.reports`` (rows → facts) and ``resale.impact`` (facts → figures). The charts
are inline SVG laid out with ``clt.charts`` (server-side, no script; the subsidy chart is the portfolio
page's), each with a title and a description, and their figures are also in the tables beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt import charts, clock, pdf
from clt.csvresponse import csv_response
from clt.decorators import staff_required
from leases.resale import impact, reports
from leases.resale.views.charts import SubsidyRow, subsidy_chart

__all__ = ["impact_report", "income_chart", "opal_chart"]

HUNDRED = Decimal(100)
PURCHASE_COLOUR = "#1f5fa8"  # 6.4:1 on white
RESALE_COLOUR = "#c2410c"  # 5.2:1 on white
# Buyer income bands (% of AMI): HUD's very low (50), low (80) and moderate (120) limits, and 60 and 100.
INCOME_BANDS: tuple[tuple[Decimal | None, Decimal | None], ...] = (
    (None, Decimal(50)),
    (Decimal(50), Decimal(60)),
    (Decimal(60), Decimal(80)),
    (Decimal(80), Decimal(100)),
    (Decimal(100), Decimal(120)),
    (Decimal(120), None),
)


def _number(value: Decimal, places: int = 0) -> str:
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def _pct(value: Decimal) -> str:
    return _("%(value)s %%") % {"value": _number(value, 1)}


# ---------------------------------------------------------------------------------------------
# Chart 1: subsidy at purchase and retained at resale, per program: the portfolio page's chart
# (``leases.resale.views.charts``) over the report's resales
# ---------------------------------------------------------------------------------------------


def _subsidy_rows(programs: Sequence[impact.ProgramImpact]) -> list[SubsidyRow]:
    """The total initial subsidy and the total retained at resale, over the same resales."""
    rows = []
    for program in programs:
        if not program.subsidy_counted:
            continue
        n = program.subsidy_counted
        if program.retention_ratio is None:
            note = ngettext("(over %(n)s resale)", "(over %(n)s resales)", n) % {"n": n}
        else:
            note = ngettext(
                "(%(ratio)s retained, over %(n)s resale)", "(%(ratio)s retained, over %(n)s resales)", n
            ) % {"ratio": _pct(program.retention_ratio * HUNDRED), "n": n}
        rows.append(
            SubsidyRow(program.program.name, program.total_initial_subsidy, program.total_retained_subsidy, note)
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Chart 2: the OPAL chart, % of AMI needed at purchase and at resale (a slope chart)
# ---------------------------------------------------------------------------------------------


def _on_axis(value: Decimal | None) -> Decimal | None:
    # The axis starts at 0 %: a figure below it is drawn on it.
    return None if value is None else max(value, Decimal(0))


def opal_chart(program: impact.ProgramImpact) -> charts.SlopeChart | None:
    """The OPAL chart: one line per resale from the % of AMI needed at purchase (left) to that at resale
    (right); the program's medians as a thick line; 80 % of AMI (HUD's low-income limit) dashed for reference."""
    pairs = [(_on_axis(r.pct_ami_needed_at_purchase), _on_axis(r.pct_ami_needed_at_resale)) for r in program.resales]
    values = [v for pair in pairs for v in pair if v is not None]
    if not values:
        return None
    step = Decimal(20)
    ceiling = max(Decimal(100), charts.nice_ceiling(max(values), step))
    scale = charts.Scale(Decimal(0), ceiling, 256.0, 16.0)
    at_purchase = program.summary("pct_ami_needed_at_purchase").median
    at_resale = program.summary("pct_ami_needed_at_resale").median
    rising = sum(1 for a, b in pairs if a is not None and b is not None and b > a)
    both = sum(1 for a, b in pairs if a is not None and b is not None)
    description = _(
        "%(n)s resales. Median income needed to afford the price: %(before)s of AMI at purchase, %(after)s at "
        "resale. It rose for %(rising)s of the %(both)s resales with both figures."
    ) % {
        "n": program.count,
        "before": _pct(at_purchase) if at_purchase is not None else "—",
        "after": _pct(at_resale) if at_resale is not None else "—",
        "rising": rising,
        "both": both,
    }
    return charts.SlopeChart(
        width=480,
        height=310,
        x1=126.0,
        x2=346.0,
        top=scale.end,
        bottom=scale.start,
        y_ticks=tuple(
            charts.ticks(scale, charts.tick_values(ceiling, step), lambda v: _("%(value)s %%") % {"value": v})
        ),
        slopes=tuple(charts.slopes(pairs, scale, rising=RESALE_COLOUR, other=PURCHASE_COLOUR)),
        description=description,
        summary=charts.Slope(*(None if m is None else scale(_on_axis(m)) for m in (at_purchase, at_resale))),
        summary_texts=tuple(
            _("median %(v)s") % {"v": _pct(m)} if m is not None else "" for m in (at_purchase, at_resale)
        ),
        reference=charts.Tick(scale(Decimal(80)), ""),
    )


# ---------------------------------------------------------------------------------------------
# Chart 3: buyers' incomes as % of AMI, in bands
# ---------------------------------------------------------------------------------------------


def _band_label(low: Decimal | None, high: Decimal | None) -> str:
    if low is None:
        return _("< %(v)s %%") % {"v": high}
    if high is None:
        return _("≥ %(v)s %%") % {"v": low}
    return _("%(low)s–%(high)s %%") % {"low": low, "high": high}


def income_chart(program: impact.ProgramImpact) -> charts.BarChart | None:
    """How many resale buyers' household incomes fell in each band of % of AMI: a column a band."""
    values = [r.buyer_pct_ami for r in program.resales if r.buyer_pct_ami is not None]
    if not values:
        return None
    counts = [
        sum(1 for v in values if (low is None or v >= low) and (high is None or v < high)) for low, high in INCOME_BANDS
    ]
    width, top, baseline = 480, 22.0, 170.0
    slot = width / len(INCOME_BANDS)
    scale = charts.Scale(0, max(counts), baseline, top)
    columns = tuple(
        charts.column(
            scale,
            count,
            x=index * slot + slot * 0.2,
            width=round(slot * 0.6, 1),
            text=str(count),
            label=_band_label(low, high),
            colour=PURCHASE_COLOUR,
        )
        for index, ((low, high), count) in enumerate(zip(INCOME_BANDS, counts, strict=True))
    )
    description = charts.describe(
        ((c.label, ngettext("%(n)s buyer", "%(n)s buyers", c.value) % {"n": c.value}) for c in columns),
        before=_("Buyers by household income as a share of AMI:"),
    )
    return charts.BarChart(
        width=width, height=int(baseline + 30), zero=scale.zero, bars=columns, label_y=baseline + 18,
        description=description,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The page, the CSV and the PDF
# ---------------------------------------------------------------------------------------------


def _ratio_pct(ratio: Decimal | None) -> Decimal | None:
    return None if ratio is None else (ratio * HUNDRED).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class ProgramView:
    impact: impact.ProgramImpact
    anchor: str
    ratio_pct: Decimal | None
    medians: dict[str, Decimal | None]
    opal: charts.SlopeChart | None
    income: charts.BarChart | None
    rows: list[dict[str, Any]]
    left_out: list[tuple[str, int]]


def _metric_labels() -> dict[str, str]:
    # Built per request: the labels follow the active language.
    return {
        "initial_subsidy": _("initial subsidy"),
        "retained_subsidy": _("subsidy retained"),
        "retention_ratio": _("retention ratio"),
        # xgettext:no-python-format
        "pct_ami_needed_at_purchase": _("% of AMI needed at purchase"),
        # xgettext:no-python-format
        "pct_ami_needed_at_resale": _("% of AMI needed at resale"),
        # xgettext:no-python-format
        "buyer_pct_ami": _("buyer income % of AMI"),
        "seller_equity": _("seller's equity at resale"),
        "seller_equity_gained": _("seller's equity gained"),
        "seller_annual_return": _("seller's annualised return"),
        "tenure_years": _("tenure"),
    }


class _Cells:
    """Figures as table cells, formatted once per request with the active language's separators.

    A report lists thousands of resales: ``floatformat`` in the template cost more than the report itself.
    Amounts are rounded half up to the dollar first (``format`` alone would round halves to even).
    """

    def __init__(self) -> None:
        self.thousand = str(formats.get_format("THOUSAND_SEPARATOR"))
        self.decimal = str(formats.get_format("DECIMAL_SEPARATOR"))
        self.percent = _("%(value)s %%")

    def number(self, value: Decimal, places: int) -> str:
        text = f"{value:,.{places}f}"
        return text.replace(",", "\x00").replace(".", self.decimal).replace("\x00", self.thousand)

    def money(self, value: Decimal | None) -> str:
        return "—" if value is None else "$" + self.number(value.quantize(Decimal(1), rounding=ROUND_HALF_UP), 0)

    def pct(self, value: Decimal | None, places: int = 1) -> str:
        return "—" if value is None else self.percent % {"value": self.number(value, places)}

    def resale(self, r: impact.ResaleImpact) -> list[str]:
        """The numeric cells of a resale, in the order of ``impact_resale_table.html``'s columns."""
        f = r.facts
        return [
            self.number(r.tenure_years, 2),
            self.money(f.purchase_price),
            self.money(f.resale_price),
            self.money(r.initial_subsidy),
            self.money(r.retained_subsidy),
            self.pct(_ratio_pct(r.retention_ratio)),
            self.pct(r.pct_ami_needed_at_purchase),
            self.pct(r.pct_ami_needed_at_resale),
            self.pct(r.buyer_pct_ami),
            self.money(r.seller_equity_gained),
            self.pct(r.seller_annual_return, 2),
        ]


def program_views(report: reports.ImpactReport) -> list[ProgramView]:
    """Each program with its charts, its table rows and the count of resales left out of each figure."""
    labels = _metric_labels()
    cells = _Cells()
    # One reverse(), then the id put in: a {% url %} per row cost as much as the rest of the row.
    placeholder = "987654321"
    lease_url = reverse("leases:lease_detail", args=[int(placeholder)])

    def url(pk: int | None) -> str | None:
        return None if pk is None else lease_url.replace(placeholder, str(pk))

    views = []
    for index, program in enumerate(report.programs, start=1):
        rows = []
        for r in program.resales:
            seller, buyer = report.leases.get(r.facts.ref, (None, None))
            rows.append(
                {
                    "impact": r,
                    "seller": seller,
                    "seller_url": url(seller),
                    "buyer_url": url(buyer),
                    "bought": formats.date_format(r.facts.purchase_date, "SHORT_DATE_FORMAT"),
                    "sold": formats.date_format(r.facts.resale_date, "SHORT_DATE_FORMAT"),
                    "cells": cells.resale(r),
                    "left_out": [(labels.get(m.metric, m.metric), reports.left_out_text(m)) for m in r.left_out],
                }
            )
        views.append(
            ProgramView(
                impact=program,
                anchor=f"program-{index}",
                ratio_pct=_ratio_pct(program.retention_ratio),
                medians={s.metric: s.median for s in program.summaries},
                opal=opal_chart(program),
                income=income_chart(program),
                rows=rows,
                left_out=[(labels[s.metric], s.left_out) for s in program.summaries if s.left_out],
            )
        )
    return views


def report_context(report: reports.ImpactReport, form: reports.ImpactParametersForm) -> dict[str, Any]:
    """What the page and the PDF show: the programs, the subsidy chart, the assumptions in words."""
    data = form.cleaned_data
    assumptions = [
        (form.fields[name].label, formats.localize(data[name]) if name != "term_years" else data[name])
        for name in reports.ASSUMPTION_FIELDS
    ]
    return {
        "report": report,
        "programs": program_views(report),
        "subsidy": subsidy_chart(_subsidy_rows(report.programs)),
        "assumptions": assumptions,
        "prepared_on": clock.today(),
        "title": _("Funder impact report"),
    }


def _bad_request(errors: dict[str, list[str]]) -> HttpResponse:
    text = "\n".join(f"{name}: {' '.join(str(m) for m in messages)}" for name, messages in errors.items())
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


@staff_required
def impact_report(request: HttpRequest) -> HttpResponse:
    """The report over the period and assumptions the query gives (defaults for the rest)."""
    output = request.GET.get("format", "html")
    level = request.GET.get("level", "resale")
    if output not in ("html", "csv", "pdf"):
        return _bad_request({"format": [_("Choose html, csv or pdf.")]})
    if level not in ("resale", "program"):
        return _bad_request({"level": [_("Choose resale or program.")]})
    form = reports.ImpactParametersForm(data=reports.parameters_from(request.GET))
    if not form.is_valid():
        if output != "html":
            return _bad_request(form.errors)
        return render(
            request, "leases/resale/impact_report.html", {"form": form, "title": _("Funder impact report")}, status=400
        )
    data = form.cleaned_data
    report = reports.build_impact_report(
        user=request.user, start=data["start"], end=data["end"], assumptions=form.assumptions()
    )
    stem = f"impact-{data['start'].isoformat()}-{data['end'].isoformat()}"
    if output == "csv":
        rows = reports.program_rows(report) if level == "program" else reports.resale_rows(report)
        suffix = "-programs" if level == "program" else ""
        return csv_response(rows, filename=f"{stem}{suffix}.csv")
    context = report_context(report, form)
    if output == "pdf":
        response = HttpResponse(
            pdf.render_pdf("pdf/impact_report.html", context, request), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
        return response
    query = request.GET.copy()
    query.pop("level", None)
    links = []
    for label, extra in (
        (_("CSV, one row per resale"), {"format": "csv"}),
        (_("CSV, one row per program"), {"format": "csv", "level": "program"}),
        (_("PDF"), {"format": "pdf"}),
    ):
        link = query.copy()
        for key, value in extra.items():
            link[key] = value  # replaces: QueryDict.update would add a second value
        links.append((label, reverse("leases:impact_export") + "?" + link.urlencode()))
    context.update({"form": form, "downloads": links})
    return render(request, "leases/resale/impact_report.html", context)
