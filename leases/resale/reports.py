"""The funder impact report from the rows: the resales closed in a date range and the facts ``impact`` needs.

A resale is a ``sale_closed`` event (``lifecycle.services._on_sale_closed``): it ends the seller's lease and makes the
buyer's, whose ``predecessor`` is the seller's. Where each fact comes from::

    program                 ← the seller's lease terms' resale policy (the formula that set the resale
                              price); terms that name none form "No resale policy"
    purchase date, price    ← the seller's lease: commencement, purchase_price
    market value at purchase← the seller's lease: appraised_value (the whole property, as CHT counts it)
    resale date             ← the event's effective date (the closing)
    resale price            ← the buyer's lease purchase_price (else the price the event records)
    market value at resale  ← the buyer's lease appraised_value, when an appraisal was recorded
    bedrooms                ← the home (Unit.bedrooms)
    AMI at purchase, resale ← the program's AMI series (ResalePolicyVersion.ami_series: the four-person
                              median), in effect on each date; ``impact`` adjusts it for the home's size
    buyer income, AMI       ← the buyer's household: income_at_purchase, and the area_median_income it
                              was certified against (already for its size); if none was recorded, the
                              program's series on the closing date × HUD's factor for the household's size

Queries: one for the events with the leases, homes, terms, policies, series and buyers' households
(joined), then one per distinct AMI series (``resale_selectors.IndexLookup``, loaded once). The count does not
grow with the number of resales.

``ImpactParametersForm`` reads the date range and the stated assumptions (percentages as people write them:
30 for 30 %) for the page, its CSV and PDF, and the API alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clt import clock
from clt.csvexport import cell_text
from leases.lifecycle.models import GroundLease, LeaseEvent
from leases.lifecycle.rules import EventKind
from leases.resale import engine as resale
from leases.resale import impact
from leases.resale import selectors as resale_selectors
from leases.resale.models import IndexSeries

__all__ = [
    "ASSUMPTION_FIELDS",
    "FACT_LABELS",
    "PROGRAM_COLUMNS",
    "RESALE_COLUMNS",
    "ImpactParametersForm",
    "ImpactReport",
    "build_impact_report",
    "default_parameters",
    "left_out_text",
    "parameters_from",
    "program_rows",
    "report_to_dict",
    "resale_events",
    "resale_rows",
]

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------


def _pct_text(fraction: Decimal) -> str:
    return f"{(fraction * HUNDRED).normalize():f}"


def default_parameters(today: dt.date | None = None) -> dict[str, str]:
    """The form's values when the request gives none: the last ten calendar years to today, and the
    default assumptions (``impact.DEFAULT_ASSUMPTIONS``) as people write them."""
    today = today or clock.today()
    a = impact.DEFAULT_ASSUMPTIONS
    return {
        "start": dt.date(today.year - 10, 1, 1).isoformat(),
        "end": today.isoformat(),
        "income_share": _pct_text(a.income_share),
        "rate": _pct_text(a.annual_rate),
        "term_years": str(a.term_months // 12),
        "down_payment": _pct_text(a.down_payment_pct),
        "tax_rate": _pct_text(a.property_tax_rate),
        "insurance": f"{a.insurance_monthly.normalize():f}",
        "persons_per_bedroom": f"{a.persons_per_bedroom.normalize():f}",
    }


def parameters_from(query: Mapping[str, Any], today: dt.date | None = None) -> dict[str, str]:
    """The defaults, overridden by each parameter the request gives (a blank one keeps the default)."""
    values = default_parameters(today)
    for name in values:
        given = query.get(name)
        if given not in (None, ""):
            values[name] = given
    return values


class ImpactParametersForm(forms.Form):
    """The report's date range and stated assumptions. Bad values are errors on their fields."""

    start = forms.DateField(label=gettext_lazy("Sales closed from"), widget=_DATE)
    end = forms.DateField(label=gettext_lazy("to"), widget=_DATE)
    income_share = forms.DecimalField(
        label=gettext_lazy("Share of income for housing (%)"),
        min_value=Decimal("1"),
        max_value=HUNDRED,
        max_digits=5,
        decimal_places=2,
        help_text=gettext_lazy("Loan payment, property tax and insurance, as a share of gross income."),
    )
    rate = forms.DecimalField(
        label=gettext_lazy("Mortgage interest rate (% a year)"),
        min_value=Decimal("0"),
        max_value=Decimal("30"),
        max_digits=6,
        decimal_places=3,
    )
    term_years = forms.IntegerField(label=gettext_lazy("Loan term (years)"), min_value=1, max_value=40)
    down_payment = forms.DecimalField(
        # xgettext:no-python-format (a percent sign, not a placeholder)
        label=gettext_lazy("Down payment (% of the price)"),
        min_value=Decimal("0"),
        max_value=Decimal("99"),
        max_digits=5,
        decimal_places=2,
    )
    tax_rate = forms.DecimalField(
        # xgettext:no-python-format (a percent sign, not a placeholder)
        label=gettext_lazy("Property tax (% of the price a year)"),
        min_value=Decimal("0"),
        max_value=Decimal("10"),
        max_digits=5,
        decimal_places=3,
    )
    insurance = forms.DecimalField(
        label=gettext_lazy("Home insurance ($ a month)"),
        min_value=Decimal("0"),
        max_value=Decimal("10000"),
        max_digits=7,
        decimal_places=2,
    )
    persons_per_bedroom = forms.DecimalField(
        label=gettext_lazy("Persons per bedroom"),
        min_value=Decimal("0.5"),
        max_value=Decimal("4"),
        max_digits=3,
        decimal_places=2,
        help_text=gettext_lazy("Sizes the household a home is priced for (a studio counts as one person)."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the range is before its start (%(start)s).") % {"start": start})
        return data

    def assumptions(self) -> impact.Assumptions:
        data = self.cleaned_data
        return impact.Assumptions(
            income_share=data["income_share"] / HUNDRED,
            annual_rate=data["rate"] / HUNDRED,
            term_months=data["term_years"] * 12,
            down_payment_pct=data["down_payment"] / HUNDRED,
            property_tax_rate=data["tax_rate"] / HUNDRED,
            insurance_monthly=data["insurance"],
            persons_per_bedroom=data["persons_per_bedroom"],
        ).check()


# The form's fields that are assumptions (not the dates), in the order the report states them.
ASSUMPTION_FIELDS = (
    "income_share",
    "rate",
    "term_years",
    "down_payment",
    "tax_rate",
    "insurance",
    "persons_per_bedroom",
)


# ---------------------------------------------------------------------------------------------
# Gathering
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImpactReport:
    """The report over ``start``–``end``: each program's resales and aggregates, and what to know about them.

    ``leases`` maps each resale's ``ref`` (the seller's lease id) to (seller's lease id, buyer's lease id).
    ``notes`` are warnings about the data (a series whose latest release is old, a lease left out).
    """

    start: dt.date
    end: dt.date
    assumptions: impact.Assumptions
    programs: tuple[impact.ProgramImpact, ...]
    notes: tuple[str, ...] = ()
    leases: dict[str, tuple[int, int | None]] = field(default_factory=dict)

    @property
    def resale_count(self) -> int:
        return sum(p.count for p in self.programs)


def resale_events(user: Any, start: dt.date, end: dt.date) -> QuerySet:
    """The ``sale_closed`` events ``user`` may see, closing in [start, end], with everything a fact reads."""
    return (
        LeaseEvent.objects.visible_to(user)
        .filter(kind=EventKind.SALE_CLOSED, effective_on__gte=start, effective_on__lte=end)
        .select_related(
            "lease__unit",
            "lease__template_version__resale_policy_version__policy",
            "lease__template_version__resale_policy_version__ami_series",
            "lease__successor__household",
        )
        # Only the columns a fact reads: the joined rows are wide (lease terms, policy parameters), and
        # building every field of nine models per resale was most of the report's time.
        .only(
            "effective_on",
            "data",
            "lease__commencement",
            "lease__purchase_price",
            "lease__appraised_value",
            "lease__unit__address",
            "lease__unit__bedrooms",
            "lease__template_version__resale_policy_version__policy__name",
            "lease__template_version__resale_policy_version__ami_series__code",
            "lease__successor__purchase_price",
            "lease__successor__appraised_value",
            "lease__successor__household__size",
            "lease__successor__household__income_at_purchase",
            "lease__successor__household__area_median_income",
        )
        .order_by("effective_on", "pk")
    )


class _Series:
    """Each AMI series loaded once (``resale_selectors.IndexLookup``), and its staleness warnings collected."""

    def __init__(self) -> None:
        self.lookups: dict[int, resale_selectors.IndexLookup] = {}
        self.notes: list[str] = []

    def on(self, series: IndexSeries, day: dt.date) -> tuple[Decimal | None, str]:
        lookup = self.lookups.get(series.pk)
        if lookup is None:
            lookup = self.lookups[series.pk] = resale_selectors.IndexLookup(series)
        try:
            value = lookup.on(day).value
        except ValidationError as error:
            return None, " ".join(error.messages)
        warning = lookup.stale(day)
        if warning and warning not in self.notes:
            self.notes.append(warning)
        return value, ""


def _buyer_ami(household: Any, version: Any, day: dt.date, series: _Series) -> tuple[Decimal | None, str]:
    if household.area_median_income:
        return household.area_median_income, ""
    ami_series = version.ami_series if version is not None else None
    if ami_series is None:
        return None, _("the buyer's household has no AMI on file and the program names no AMI series")
    median, problem = series.on(ami_series, day)
    if median is None:
        return None, problem
    try:
        factor = resale.size_factor(Decimal(household.size))
    except resale.ResaleInputError as error:
        return None, error.reason
    return (median * factor).quantize(CENT, rounding=ROUND_HALF_UP), ""


def _facts(event: LeaseEvent, series: _Series) -> tuple[impact.ResaleFacts, int | None]:
    lease: GroundLease = event.lease
    version = lease.template_version.resale_policy_version
    if version is None:
        program = impact.Program("", _("No resale policy"))
    else:
        program = impact.Program(str(version.policy_id), version.policy.name)
    try:
        buyer = lease.successor
    except ObjectDoesNotExist:
        buyer = None
    unknown: dict[str, str] = {}
    values: dict[str, Any] = {}

    if lease.appraised_value is None:
        unknown["market_value_at_purchase"] = _("no appraisal at purchase recorded on lease %(id)s") % {"id": lease.pk}
    values["market_value_at_purchase"] = lease.appraised_value

    price = buyer.purchase_price if buyer is not None else None
    if price is None and event.data.get("price"):
        price = Decimal(str(event.data["price"]))
    values["resale_price"] = price
    if buyer is None:
        unknown["market_value_at_resale"] = _("the sale made no buyer's lease")
        values["market_value_at_resale"] = None
    else:
        values["market_value_at_resale"] = buyer.appraised_value
        if buyer.appraised_value is None:
            unknown["market_value_at_resale"] = _("no appraisal recorded on the buyer's lease %(id)s") % {
                "id": buyer.pk
            }

    if lease.unit.bedrooms is None:
        unknown["bedrooms"] = _("the home's bedrooms are not recorded")

    ami_series = version.ami_series if version is not None else None
    for name, day in (("ami_at_purchase", lease.commencement), ("ami_at_resale", event.effective_on)):
        if ami_series is None:
            values[name] = None
            unknown[name] = _("the program names no AMI series") if version else _("the lease follows no resale policy")
        else:
            values[name], problem = series.on(ami_series, day)
            if problem:
                unknown[name] = problem

    household = buyer.household if buyer is not None else None
    if household is None:
        values["buyer_income"] = values["buyer_ami"] = None
        unknown["buyer_income"] = unknown["buyer_ami"] = _("no household recorded on the buyer's lease")
    else:
        values["buyer_income"] = household.income_at_purchase
        if household.income_at_purchase is None:
            unknown["buyer_income"] = _("the buyer's household income is not recorded")
        values["buyer_ami"], problem = _buyer_ami(household, version, event.effective_on, series)
        if problem:
            unknown["buyer_ami"] = problem

    facts = impact.ResaleFacts(
        ref=str(lease.pk),
        program=program,
        purchase_date=lease.commencement,
        resale_date=event.effective_on,
        purchase_price=lease.purchase_price,
        bedrooms=lease.unit.bedrooms,
        label=lease.unit.address,
        unknown=tuple(sorted(unknown.items())),
        **values,
    )
    return facts, buyer.pk if buyer is not None else None


def build_impact_report(
    *, user: Any, start: dt.date, end: dt.date, assumptions: impact.Assumptions = impact.DEFAULT_ASSUMPTIONS
) -> ImpactReport:
    """The impact report of the resales ``user`` may see that closed from ``start`` to ``end`` (inclusive)."""
    if end < start:
        raise ValidationError({"end": [_("The end of the range is before its start (%(start)s).") % {"start": start}]})
    try:
        assumptions.check()
    except resale.ResaleInputError as error:
        raise ValidationError({error.field: [error.reason]}) from None
    series = _Series()
    facts, leases, notes = [], {}, []
    for event in resale_events(user, start, end):
        if event.lease.commencement is None or event.lease.commencement > event.effective_on:
            notes.append(
                _("Lease %(id)s is left out: its commencement is missing or after its sale.") % {"id": event.lease_id}
            )
            continue
        fact, buyer_id = _facts(event, series)
        facts.append(fact)
        leases[fact.ref] = (event.lease_id, buyer_id)
    programs = impact.report(facts, assumptions)
    return ImpactReport(
        start=start,
        end=end,
        assumptions=assumptions,
        programs=programs,
        notes=tuple(series.notes + notes),
        leases=leases,
    )


# ---------------------------------------------------------------------------------------------
# Output: rows for the CSV, data for the API
# ---------------------------------------------------------------------------------------------


RESALE_COLUMNS = (
    "program",
    "seller_lease",
    "buyer_lease",
    "home",
    "purchase_date",
    "resale_date",
    "tenure_years",
    "purchase_price",
    "market_value_at_purchase",
    "initial_subsidy",
    "resale_price",
    "market_value_at_resale",
    "retained_subsidy",
    "retention_ratio",
    "bedrooms",
    "household_size",
    "ami_for_home_at_purchase",
    "income_needed_at_purchase",
    "pct_ami_needed_at_purchase",
    "ami_for_home_at_resale",
    "income_needed_at_resale",
    "pct_ami_needed_at_resale",
    "buyer_income",
    "buyer_ami",
    "buyer_pct_ami",
    "down_payment",
    "loan_balance_at_resale",
    "seller_equity",
    "seller_equity_gained",
    "seller_annual_return",
    "left_out",
)

PROGRAM_COLUMNS = (
    "program",
    "resales",
    "subsidy_counted",
    "subsidy_left_out",
    "total_initial_subsidy",
    "total_retained_subsidy",
    "retention_ratio",
    *(f"median_{m}" for m in impact.METRICS if m != "retention_ratio"),
    "median_retention_ratio_per_resale",
    *(f"left_out_{m}" for m in impact.METRICS),
)


def left_out_text(item: impact.LeftOut) -> str:
    """Why a figure is missing, in words (the facts it lacked and why, or the rule that stops it)."""
    reasons = {
        "no_initial_subsidy": _("there was no initial subsidy to compare with"),
        "outside_size_table": _("the household size is outside HUD's size table"),
        "too_short": _("sold within a month of purchase"),
        "no_proceeds": _("the seller received nothing back on the assumed loan"),
        "no_solution": _("no rate of return within the range searched"),
    }
    if item.code == "missing":
        text = _("not on file: %(facts)s") % {"facts": ", ".join(str(FACT_LABELS.get(n, n)) for n in item.needs)}
    else:
        text = str(reasons.get(item.code, item.code))
    return f"{text} ({item.detail})" if item.detail else text


FACT_LABELS = {
    "market_value_at_purchase": gettext_lazy("market value at purchase"),
    "market_value_at_resale": gettext_lazy("market value at resale"),
    "purchase_price": gettext_lazy("price paid"),
    "resale_price": gettext_lazy("resale price"),
    "bedrooms": gettext_lazy("bedrooms"),
    "ami_at_purchase": gettext_lazy("AMI at purchase"),
    "ami_at_resale": gettext_lazy("AMI at resale"),
    "buyer_income": gettext_lazy("buyer's income"),
    "buyer_ami": gettext_lazy("buyer's AMI"),
}


def _resale_values(report: ImpactReport, program: impact.ProgramImpact, r: impact.ResaleImpact) -> dict[str, Any]:
    f = r.facts
    seller, buyer = report.leases.get(f.ref, (None, None))
    return {
        "program": program.program.name,
        "seller_lease": seller,
        "buyer_lease": buyer,
        "home": f.label,
        "purchase_date": f.purchase_date,
        "resale_date": f.resale_date,
        "tenure_years": r.tenure_years,
        "purchase_price": f.purchase_price,
        "market_value_at_purchase": f.market_value_at_purchase,
        "initial_subsidy": r.initial_subsidy,
        "resale_price": f.resale_price,
        "market_value_at_resale": f.market_value_at_resale,
        "retained_subsidy": r.retained_subsidy,
        "retention_ratio": r.retention_ratio,
        "bedrooms": f.bedrooms,
        "household_size": None if r.household_size is None else r.household_size.normalize(),
        "ami_for_home_at_purchase": r.ami_for_home_at_purchase,
        "income_needed_at_purchase": r.income_needed_at_purchase,
        "pct_ami_needed_at_purchase": r.pct_ami_needed_at_purchase,
        "ami_for_home_at_resale": r.ami_for_home_at_resale,
        "income_needed_at_resale": r.income_needed_at_resale,
        "pct_ami_needed_at_resale": r.pct_ami_needed_at_resale,
        "buyer_income": f.buyer_income,
        "buyer_ami": f.buyer_ami,
        "buyer_pct_ami": r.buyer_pct_ami,
        "down_payment": r.down_payment,
        "loan_balance_at_resale": r.loan_balance_at_resale,
        "seller_equity": r.seller_equity,
        "seller_equity_gained": r.seller_equity_gained,
        "seller_annual_return": r.seller_annual_return,
    }


def resale_rows(report: ImpactReport) -> Iterator[list[str]]:
    """The CSV of resales: a header of ``RESALE_COLUMNS``, then one row per resale with its program.

    Decimals as written (a point, no thousands separator), dates ISO, a figure not computed empty;
    ``left_out`` names each missing figure and why ("metric: reason; …").
    """
    yield list(RESALE_COLUMNS)
    for program in report.programs:
        for r in program.resales:
            values = _resale_values(report, program, r)
            values["left_out"] = "; ".join(f"{m.metric}: {left_out_text(m)}" for m in r.left_out)
            yield [cell_text(values[c]) for c in RESALE_COLUMNS]


def _program_values(program: impact.ProgramImpact) -> dict[str, Any]:
    values: dict[str, Any] = {
        "program": program.program.name,
        "resales": program.count,
        "subsidy_counted": program.subsidy_counted,
        "subsidy_left_out": program.subsidy_left_out,
        "total_initial_subsidy": program.total_initial_subsidy,
        "total_retained_subsidy": program.total_retained_subsidy,
        "retention_ratio": program.retention_ratio,
    }
    for summary in program.summaries:
        key = "retention_ratio_per_resale" if summary.metric == "retention_ratio" else summary.metric
        values[f"median_{key}"] = summary.median
        values[f"left_out_{summary.metric}"] = summary.left_out
    return values


def program_rows(report: ImpactReport) -> Iterator[list[str]]:
    """The CSV of programs (``level=program``): the totals, the retention ratio Σ retained ÷ Σ initial, and
    each figure's median with how many resales were left out of it."""
    yield list(PROGRAM_COLUMNS)
    for program in report.programs:
        values = _program_values(program)
        yield [cell_text(values[c]) for c in PROGRAM_COLUMNS]


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def report_to_dict(report: ImpactReport) -> dict[str, Any]:
    """The report as JSON-compatible data (Decimals as strings, dates ISO), for the API."""
    a = report.assumptions
    programs = []
    for program in report.programs:
        resales = []
        for r in program.resales:
            values = {k: _json(v) for k, v in _resale_values(report, program, r).items() if k != "program"}
            values["explanations"] = {e.metric: e.text for e in r.explanations}
            values["left_out"] = [
                {"metric": m.metric, "code": m.code, "needs": list(m.needs), "reason": left_out_text(m)}
                for m in r.left_out
            ]
            resales.append(values)
        programs.append(
            {
                "key": program.program.key,
                "name": program.program.name,
                "resale_count": program.count,
                "subsidy": {
                    "counted": program.subsidy_counted,
                    "left_out": program.subsidy_left_out,
                    "total_initial": _json(program.total_initial_subsidy),
                    "total_retained": _json(program.total_retained_subsidy),
                    "retention_ratio": _json(program.retention_ratio),
                },
                "medians": {
                    s.metric: {"median": _json(s.median), "counted": s.counted, "left_out": s.left_out}
                    for s in program.summaries
                },
                "resales": resales,
            }
        )
    return {
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "assumptions": {
            "income_share": str(a.income_share),
            "annual_rate": str(a.annual_rate),
            "term_months": a.term_months,
            "down_payment_pct": str(a.down_payment_pct),
            "property_tax_rate": str(a.property_tax_rate),
            "insurance_monthly": str(a.insurance_monthly),
            "persons_per_bedroom": str(a.persons_per_bedroom),
        },
        "resale_count": report.resale_count,
        "programs": programs,
        "notes": list(report.notes),
    }
