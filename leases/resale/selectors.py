"""Reading resale figures: index values in effect, and what each capital improvement is credited, as the engine says.

A page, the API, a quote and a price determination all read these, so they can never disagree about an
index value or what an improvement is worth. The credit is never computed here: ``credit_on`` hands one
item to ``resale.compute_resale`` under the credit rules of the lease's resale policy and reads back the
engine's line for it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from clt.formats import date_text
from leases.lifecycle.models import GroundLease
from leases.resale import codec as resale_codec
from leases.resale import engine as resale
from leases.resale import explain
from leases.resale.models import (
    CapitalImprovement,
    ImprovementStatus,
    IndexSeries,
    IndexValue,
    ResalePolicyVersion,
)
from leases.resale.reasons import reason_text

CENT = Decimal("0.01")
ZERO = Decimal("0")
# A formula that adds nothing: the engine then lists the one improvement's credit (or why it earns none)
# and nothing else that could depend on the home's price or dates.
_CREDIT_ONLY = resale.FixedRateSimple(rate=ZERO)


class IndexLookup:
    """One series' values loaded once, for looking up many dates (portfolio, price charts, reports).

    ``on(day)`` answers exactly as ``index_value_in_effect`` does (the same ``resale.value_in_effect``
    rule, the same gap check), in O(log n) per date and without a query.
    """

    def __init__(self, series: IndexSeries | str, *, household_size: int | None = None) -> None:
        if isinstance(series, str):
            try:
                series = IndexSeries.objects.get(code=series)
            except IndexSeries.DoesNotExist:
                raise ValidationError({"series": [_("No index series “%(code)s”.") % {"code": series}]}) from None
        self.series = series
        self.household_size = household_size
        rows = list(
            series.values.filter(household_size=household_size)
            .order_by("effective_from")
            .values_list("effective_from", "value", "period")
        )
        self._rows = [(effective, value) for effective, value, _period in rows]
        self._dates = [effective for effective, _value in self._rows]
        # A value is in effect until the next period's: at most a month for a monthly series, a year
        # (and a day, for leap years) otherwise. Older than that is a gap, not a value.
        monthly = any("-" in period for _effective, _value, period in rows)
        self.max_age = dt.timedelta(days=31 if monthly else 366)

    def on(self, day: dt.date) -> Any:
        """The ``resale.IndexValue`` in effect on ``day``, or a ValidationError on ``series`` naming the gap.

        A missing period *inside* the series (CPI-U's October 2025) is a gap and an error. After the last
        value on file, that value stays in effect: a release is in force until the next one is published,
        and the next may simply not be imported yet (``stale`` says so, for the page to warn).
        """
        i = bisect.bisect_right(self._dates, day)
        # The engine's own rule decides (and words the error), over at most the one candidate row, so a
        # batch lookup can never disagree with a single one.
        candidates = self._rows[i - 1 : i] if i else self._rows[:1]
        max_age = None if i == len(self._rows) else self.max_age
        try:
            return resale.value_in_effect(candidates, day, name=self.series.code, max_age=max_age)
        except resale.ResaleInputError as error:
            raise ValidationError({"series": [f"{self.series.name}: {reason_text(error)}"]}) from None

    def stale(self, day: dt.date) -> str | None:
        """A warning when ``day`` is past the period of the last value on file (import the newer releases)."""
        if not self._rows or day < self._dates[-1] or day - self._dates[-1] <= self.max_age:
            return None
        return _("%(series)s: the latest value on file is in effect from %(date)s; newer releases may exist.") % {
            "series": self.series.name,
            "date": date_text(self._dates[-1]),
        }


def index_value_in_effect(series: IndexSeries | str, on: dt.date, *, household_size: int | None = None) -> Any:
    """The value of ``series`` in effect on ``on`` (a ``resale.IndexValue``), or a ValidationError naming it.

    Effective dates, not periods, decide: a HUD release applies from its effective date, and a month
    missing from CPI-U (October 2025) is an error rather than a stale value passed off as current.
    """
    return IndexLookup(series, household_size=household_size).on(on)


# HUD publishes income figures per household size from the four-person base: a series by size is summed up
# (its latest value, its chart) by its four-person figures.
HEADLINE_SIZE = 4


def headline_values(series: IndexSeries) -> QuerySet[IndexValue]:
    """The values a series is summed up by: all of them, or the four-person ones of a series by household size."""
    return series.values.filter(Q(household_size__isnull=True) | Q(household_size=HEADLINE_SIZE))


def index_series_overview() -> QuerySet[IndexSeries]:
    """Every series with what the staff list shows, in one query whatever their number: how many values,
    the latest value (four-person for a series by size) and the date it is in effect from, the last import."""
    headline = (
        IndexValue.objects.filter(series=OuterRef("pk"))
        .filter(Q(household_size__isnull=True) | Q(household_size=HEADLINE_SIZE))
        .order_by("-effective_from", F("household_size").asc(nulls_first=True))
    )
    imported = (
        IndexValue.history.model.objects.filter(series_id=OuterRef("pk"))
        .order_by("-history_date")
        .values("history_date")[:1]
    )
    return IndexSeries.objects.annotate(
        values_count=Count("values"),
        sizes=Count("values__household_size", distinct=True),
        latest_value=Subquery(headline.values("value")[:1]),
        latest_effective=Subquery(headline.values("effective_from")[:1]),
        latest_size=Subquery(headline.values("household_size")[:1]),
        last_imported=Subquery(imported),
    ).order_by("name", "code")


def policies_reading(series_ids: list[int]) -> dict[int, list[ResalePolicyVersion]]:
    """The resale policy versions that read each series (as their CPI or AMI series), in one query."""
    found: dict[int, list[ResalePolicyVersion]] = {pk: [] for pk in series_ids}
    versions = (
        ResalePolicyVersion.objects.filter(Q(cpi_series_id__in=series_ids) | Q(ami_series_id__in=series_ids))
        .select_related("policy")
        .order_by("policy__name", "-version")
    )
    for version in versions:
        for pk in {version.cpi_series_id, version.ami_series_id}:
            if pk in found:
                found[pk].append(version)
    return found


def improvement_credit_item(item: CapitalImprovement) -> Any:
    """One completed improvement (or maintenance) as the engine values it: a ``resale.CapitalImprovement``."""
    return resale.CapitalImprovement(
        description=item.description,
        cost=item.cost,
        completed_on=item.completed_on,
        method=resale.CreditMethod(item.method),
        credit_pct=(item.credit_pct / 100).normalize(),
        approved_on=item.approved_on,
        started_on=item.started_on,
        appraised_value=item.appraised_value,
        useful_life_years=item.useful_life_years,
        fixed_value=item.fixed_value,
        maintenance=item.maintenance,
        documented=bool(item.documents.strip()),
    )


def improvement_credit_items(lease: GroundLease, *, on: dt.date) -> list[Any]:
    """The lease's completed improvements as the engine values them (maintenance included: it says why none)."""
    rows = lease.improvements.filter(status=ImprovementStatus.COMPLETED, completed_on__lte=on)
    return [improvement_credit_item(item) for item in rows.order_by("completed_on", "pk")]


@dataclass(frozen=True)
class Credit:
    """What one improvement earns on a date, in the engine's words.

    ``amount`` is the engine's figure, unrounded (it enters the price unrounded; the policy rounds the
    price); ``rounded`` is it half up to the cent, for display. ``code`` is the engine's line code
    (``credit.capital_improvement`` or ``credit.refused``), or ``not_completed`` for an item the engine
    does not value yet; ``detail`` is the arithmetic, or the reason there is no credit, as the engine words it
    (the API); ``words`` is the same in the reader's language with money as "$12,000.00" (the pages: ``shown``).
    """

    on: dt.date
    credited: bool
    amount: Decimal
    code: str
    label: str
    detail: str
    words: str = ""

    @property
    def shown(self) -> str:
        return self.words or self.detail

    @property
    def rounded(self) -> Decimal:
        return self.amount.quantize(CENT, rounding=ROUND_HALF_UP)


def credit_rules_for(lease: GroundLease) -> resale.CreditRules:
    """The credit rules of the resale policy the lease's terms name; the engine's defaults (approval before
    the work and documented cost required: the strictest) when the terms name none."""
    version = lease.template_version.resale_policy_version
    if version is None:
        return resale.CreditRules()
    try:
        return resale_codec.policy_from_dict(version.parameters).credit_rules
    except resale.ResaleInputError:
        # Parameters are checked when stored; only an engine change can make them unreadable.
        return resale.CreditRules()


def _waiting(item: CapitalImprovement) -> str:
    if item.status == ImprovementStatus.DENIED:
        return _("The request was denied: no credit.")
    if item.status == ImprovementStatus.WITHDRAWN:
        return _("The request was withdrawn: no credit.")
    if item.maintenance:
        return _("Ordinary maintenance earns no credit.")
    if item.status == ImprovementStatus.APPROVED:
        return _("Approved: the credit counts once the work is completed, with its cost.")
    return _("Waiting for the trust's approval, which must come before the work.")


def credit_on(item: CapitalImprovement, *, on: dt.date, rules: resale.CreditRules | None = None) -> Credit:
    """The credit ``item`` earns on ``on``: the engine's valuation of a completed item under ``rules``
    (``credit_rules_for(item.lease)`` by default), or why an item not completed earns none yet."""
    if item.status != ImprovementStatus.COMPLETED:
        return Credit(on, False, ZERO, "not_completed", _("No credit yet"), _waiting(item))
    if rules is None:
        rules = credit_rules_for(item.lease)
    inputs = resale.ResaleInputs(
        purchase_price=Decimal("1"),
        purchase_date=on,
        determination_date=on,
        capital_improvements=(improvement_credit_item(item),),
    )
    try:
        result = resale.compute_resale(resale.ResalePolicy(_CREDIT_ONLY, credit_rules=rules), inputs)
    except resale.ResaleInputError as error:
        # A completed item missing what its method needs (an appraiser's figure): say which.
        field = error.field.split(".", 1)[-1]
        words = _CREDIT_FIELDS.get(field)
        what = words() if words is not None else field
        return Credit(
            on,
            False,
            ZERO,
            "credit.incomplete",
            _("No credit"),
            f"{field}: {error.reason}",
            f"{what}: {reason_text(error)}",
        )
    line = next(line for line in result.line_items if line.code.startswith("credit."))
    credited = line.code == "credit.capital_improvement"
    # The engine's English detail ("50% of its cost of 12,000.00") in the reader's words, money with "$".
    words = explain.credit_how(inputs.capital_improvements[0], on) if credited else explain.refusal_reason(line.detail)
    return Credit(on, credited, result.credits_total, line.code, line.label, line.detail, words)


# What a completed improvement may lack for its credit method, in words.
_CREDIT_FIELDS = {
    "appraised_value": lambda: _("The appraised value"),
    "useful_life_years": lambda: _("The useful life in years"),
    "fixed_value": lambda: _("The standard value"),
}
