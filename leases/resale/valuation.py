"""What a lease's home may sell for on a date under its own resale policy, without a new appraisal.

The portfolio (every active lease today) and the homeowner's page (today, and each month since purchase)
ask the same question many times, so a ``Valuer`` decodes each policy version once and loads each index
series once (``resale_selectors.IndexLookup``); valuing a lease then runs no query, given leases from
``valuable_leases`` (a queryset) or ``load_valuable_leases`` (a list, for thousands at once).

A saved determination (``ResaleCalculation``) has an appraisal at resale; an estimate today does not. So:

- a cap at the current appraisal is left out and said so in ``notes`` (at a sale, the price will also be
  limited by the appraisal then);
- a formula that grows on the resale appraisal itself (shared appreciation, the itemized formula's
  net-proceeds limit) cannot be estimated: ``problem`` says why, and there is no price;
- index values are the values in effect on the date (the series the policy version names); past the last
  value on file the latest release is used and ``notes`` warns that newer ones may exist.

Inputs come from the lease as in a quote (``quotes.lease_inputs``), with the improvements completed by
the date credited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from leases.lifecycle.models import GroundLease, LeaseSubsidy, LeaseTemplateVersion
from leases.resale import codec as resale_codec
from leases.resale import engine as resale
from leases.resale import selectors as resale_selectors
from leases.resale.models import CapitalImprovement, ImprovementStatus, ResalePolicyVersion
from leases.resale.quotes import index_fields, lease_input_values

__all__ = [
    "LeaseFacts",
    "Valuation",
    "Valuer",
    "lease_subsidies",
    "load_lease_facts",
    "load_valuable_leases",
    "valuable_leases",
]

_SERIES_FOR = {"cpi": "cpi_series", "ami": "ami_series"}
_POLICY_CHAIN = (
    "resale_policy_version__policy",
    "resale_policy_version__cpi_series",
    "resale_policy_version__ami_series",
)


def _prefetches() -> tuple[Prefetch, ...]:
    return (
        Prefetch("subsidies", queryset=LeaseSubsidy.objects.order_by("pk")),
        Prefetch(
            "improvements",
            queryset=CapitalImprovement.objects.filter(status=ImprovementStatus.COMPLETED).order_by(
                "completed_on", "pk"
            ),
            to_attr="completed_improvements",
        ),
    )


def valuable_leases(queryset: QuerySet | None = None) -> QuerySet:
    """``queryset`` (default: every lease) with what a valuation reads, in a fixed number of queries."""
    queryset = GroundLease.objects.all() if queryset is None else queryset
    return queryset.select_related("unit", *(f"template_version__{path}" for path in _POLICY_CHAIN)).prefetch_related(
        *_prefetches()
    )


def load_valuable_leases(queryset: QuerySet | None = None) -> list[GroundLease]:
    """The leases of ``queryset`` (default: all; not sliced) with what a valuation reads, thousands at once.

    The same as ``list(valuable_leases(queryset))`` for a valuation, in four queries, several times faster:
    a portfolio has a handful of lease terms, so they are read once (with their policy versions and series)
    and shared, where a join would build them again for every lease; subsidies and improvements are read
    for the leases of ``queryset`` as a subquery (no list of thousands of ids in the SQL) and kept on
    each lease as plain lists (``lease_subsidies``), without a related manager's queryset for each.
    """
    queryset = GroundLease.objects.all() if queryset is None else queryset
    leases = list(queryset.select_related("unit"))
    chosen = queryset.order_by().values("pk")
    terms = LeaseTemplateVersion.objects.select_related(*_POLICY_CHAIN).in_bulk(
        {lease.template_version_id for lease in leases}
    )
    subsidies: dict[int, list[LeaseSubsidy]] = defaultdict(list)
    for subsidy in LeaseSubsidy.objects.filter(lease_id__in=chosen).order_by("pk"):
        subsidies[subsidy.lease_id].append(subsidy)
    improvements: dict[int, list[CapitalImprovement]] = defaultdict(list)
    completed = CapitalImprovement.objects.filter(lease_id__in=chosen, status=ImprovementStatus.COMPLETED)
    for item in completed.order_by("completed_on", "pk"):
        improvements[item.lease_id].append(item)
    for lease in leases:
        lease.template_version = terms[lease.template_version_id]
        lease.valued_subsidies = subsidies.get(lease.pk, [])
        lease.completed_improvements = improvements.get(lease.pk, [])
    return leases


class HomeFacts:
    """What a valuation and a portfolio row read of a lease's home (``Unit``'s fields of the same names)."""

    __slots__ = ("address", "bedrooms", "unit_number")

    def __init__(self, address: str, unit_number: str, bedrooms: int | None) -> None:
        self.address, self.unit_number, self.bedrooms = address, unit_number, bedrooms

    def __str__(self) -> str:  # as ``Unit.__str__`` says it
        return f"{self.address} #{self.unit_number}" if self.unit_number else self.address


class SubsidyFacts(NamedTuple):
    """What a valuation reads of a ``LeaseSubsidy``."""

    amount: Decimal
    stays_with_home: bool


class LeaseFacts:
    """What a valuation and a portfolio row read of a ``GroundLease``, under the model's own attribute names.

    ``Valuer.value`` takes one wherever it takes a lease loaded by ``load_valuable_leases``: it reads only
    these attributes. Tens of thousands of model instances (and their homes and subsidies) cost more to
    build than the valuation itself; plain rows do not.
    """

    __slots__ = (
        "appraisal_date",
        "appraised_improvements_value",
        "appraised_land_value",
        "appraised_value",
        "commencement",
        "completed_improvements",
        "organization_id",
        "organization_name",
        "pk",
        "purchase_price",
        "template_version",
        "template_version_id",
        "unit",
        "valued_subsidies",
    )

    def __init__(self, values: Iterable[tuple[str, Any]]) -> None:
        for name, value in values:
            setattr(self, name, value)


# ``LeaseFacts`` attributes from the lease's own row and its home's, in the order of the query's columns.
_FACT_COLUMNS = (
    ("pk", "pk"),
    ("template_version_id", "template_version_id"),
    ("organization_id", "organization_id"),
    ("organization_name", "organization__name"),
    ("commencement", "commencement"),
    ("purchase_price", "purchase_price"),
    ("appraisal_date", "appraisal_date"),
    ("appraised_value", "appraised_value"),
    ("appraised_land_value", "appraised_land_value"),
    ("appraised_improvements_value", "appraised_improvements_value"),
)
_HOME_COLUMNS = ("unit__address", "unit__unit_number", "unit__bedrooms")


def load_lease_facts(queryset: QuerySet) -> list[LeaseFacts]:
    """The leases of ``queryset`` (in its order; not sliced) as ``LeaseFacts``, in four queries.

    Values as ``load_valuable_leases`` gives them (tests/leases/resale/test_portfolio.py compares the
    two), read as plain rows: the lease and its home in one query, its subsidies and completed
    improvements in one each (the leases as a subquery), the lease terms with their policies once.
    """
    columns = [column for _name, column in _FACT_COLUMNS]
    rows = queryset.values_list(*columns, *_HOME_COLUMNS)
    chosen = queryset.order_by().values("pk")
    subsidies: dict[int, list[SubsidyFacts]] = defaultdict(list)
    rows_of_subsidies = LeaseSubsidy.objects.filter(lease_id__in=chosen).order_by("pk")
    for lease_id, amount, stays in rows_of_subsidies.values_list("lease_id", "amount", "stays_with_home"):
        subsidies[lease_id].append(SubsidyFacts(amount, stays))
    improvements: dict[int, list[CapitalImprovement]] = defaultdict(list)
    completed = CapitalImprovement.objects.filter(lease_id__in=chosen, status=ImprovementStatus.COMPLETED)
    for item in completed.order_by("completed_on", "pk"):
        improvements[item.lease_id].append(item)
    names = [name for name, _column in _FACT_COLUMNS]
    width = len(names)
    no_subsidies: list[SubsidyFacts] = []
    no_improvements: list[CapitalImprovement] = []
    facts = []
    for row in rows:
        lease = LeaseFacts(zip(names, row[:width], strict=True))
        lease.unit = HomeFacts(*row[width:])
        lease.valued_subsidies = subsidies.get(lease.pk, no_subsidies)
        lease.completed_improvements = improvements.get(lease.pk, no_improvements)
        facts.append(lease)
    terms = LeaseTemplateVersion.objects.select_related(*_POLICY_CHAIN).in_bulk(
        {lease.template_version_id for lease in facts}
    )
    for lease in facts:
        lease.template_version = terms[lease.template_version_id]
    return facts


def lease_subsidies(lease: GroundLease) -> list[LeaseSubsidy]:
    """The lease's subsidies, in the order recorded: as loaded by ``load_valuable_leases``, else its own."""
    found = getattr(lease, "valued_subsidies", None)
    return list(lease.subsidies.all()) if found is None else found


@dataclasses.dataclass(frozen=True)
class Valuation:
    """A lease's estimated resale price on ``on``: the engine's explanation, or why there is none."""

    lease: GroundLease
    on: dt.date
    version: ResalePolicyVersion | None
    result: resale.ResaleResult | None
    problem: str = ""
    notes: tuple[str, ...] = ()
    inputs: resale.ResaleInputs | None = None

    @property
    def price(self) -> Any:
        return self.result.price if self.result is not None else None


@dataclasses.dataclass(frozen=True)
class _Policy:
    policy: resale.ResalePolicy | None
    problem: str
    notes: tuple[str, ...]
    fields: frozenset[str]


class Valuer:
    """Values leases on dates under their pinned policy versions; caches policies and index series."""

    def __init__(self) -> None:
        self._policies: dict[int, _Policy] = {}
        self._lookups: dict[int, resale_selectors.IndexLookup | ValidationError] = {}
        self._inputs: dict[int, dict[str, Any] | str] = {}
        # By (series, day): the value in effect or why there is none, and the staleness warning. A portfolio
        # asks for the same day thousands of times (every lease on the valuation date).
        self._values: dict[tuple[int, dt.date], tuple[resale.IndexValue | None, str, str | None]] = {}

    def _policy(self, version: ResalePolicyVersion) -> _Policy:
        found = self._policies.get(version.pk)
        if found is None:
            found = self._policies[version.pk] = self._decode(version)
        return found

    @staticmethod
    def _decode(version: ResalePolicyVersion) -> _Policy:
        try:
            policy = resale.check_policy(resale_codec.policy_from_dict(version.parameters))
        except resale.ResaleInputError as error:
            return _Policy(
                None, _("The policy's stored parameters no longer read: %(e)s") % {"e": error}, (), frozenset()
            )
        notes = ()
        caps = tuple(cap for cap in policy.caps if not isinstance(cap, resale.AppraisalCap))
        if len(caps) != len(policy.caps):
            notes = (_("At a sale, the price is also limited to the home's appraised value then."),)
            # Checked again as it now is: ``value`` tells the engine it need not check it for every lease.
            policy = resale.check_policy(dataclasses.replace(policy, caps=caps))
        return _Policy(policy, "", notes, index_fields(policy))

    def _lookup(self, version: ResalePolicyVersion, kind: str) -> resale_selectors.IndexLookup | ValidationError | None:
        series = getattr(version, _SERIES_FOR[kind])
        if series is None:
            return None
        found = self._lookups.get(series.pk)
        if found is None:
            try:
                found = resale_selectors.IndexLookup(series)
            except ValidationError as error:
                found = error
            self._lookups[series.pk] = found
        return found

    def _base_inputs(self, lease: GroundLease) -> dict[str, Any] | str:
        """The engine's inputs from the lease's rows (``ResaleInputs`` fields), or why there are none."""
        found = self._inputs.get(lease.pk)
        if found is None:
            # Typed values from the rows, given to ``ResaleInputs`` directly: no JSON round trip through the
            # codec, which would only check types that cannot be wrong (a tenth of the time).
            found = lease_input_values(lease, lease_subsidies(lease))
            if "purchase_price" not in found or "purchase_date" not in found:
                found = _("The lease records no purchase price or commencement date.")
            self._inputs[lease.pk] = found
        return found

    def _value_on(
        self, lookup: resale_selectors.IndexLookup, day: dt.date
    ) -> tuple[resale.IndexValue | None, str, str | None]:
        key = (lookup.series.pk, day)
        found = self._values.get(key)
        if found is None:
            try:
                found = (lookup.on(day), "", lookup.stale(day))
            except ValidationError as error:
                found = (None, " ".join(error.messages), None)
            self._values[key] = found
        return found

    @staticmethod
    def _improvements(lease: GroundLease, on: dt.date) -> tuple[resale.CapitalImprovement, ...]:
        rows = getattr(lease, "completed_improvements", None)
        if rows is None:  # not prefetched: one query
            return tuple(resale_selectors.improvement_credit_items(lease, on=on))
        return tuple(
            resale_selectors.improvement_credit_item(i) for i in rows if i.completed_on and i.completed_on <= on
        )

    def value(self, lease: GroundLease, on: dt.date) -> Valuation:
        """The price of ``lease``'s home on ``on`` (see the module doc for what is left out and why)."""
        version = lease.template_version.resale_policy_version
        if version is None:
            return Valuation(lease, on, None, None, _("The lease's terms name no resale policy."))
        chosen = self._policy(version)
        if chosen.policy is None:
            return Valuation(lease, on, version, None, chosen.problem)
        base = self._base_inputs(lease)
        if isinstance(base, str):
            return Valuation(lease, on, version, None, base)
        if on < base["purchase_date"]:
            return Valuation(lease, on, version, None, _("The date is before the purchase."))

        notes = list(chosen.notes)
        values: dict[str, resale.IndexValue] = {}
        for field in sorted(chosen.fields):
            kind = field.split("_", 1)[0]
            lookup = self._lookup(version, kind)
            if lookup is None:
                problem = _("The policy reads the %(kind)s but names no series for it.") % {"kind": kind.upper()}
                return Valuation(lease, on, version, None, problem, tuple(notes))
            if isinstance(lookup, ValidationError):
                return Valuation(lease, on, version, None, " ".join(lookup.messages), tuple(notes))
            day = base["purchase_date"] if field.endswith("_purchase") else on
            value, problem, warning = self._value_on(lookup, day)
            if value is None:
                return Valuation(lease, on, version, None, problem, tuple(notes))
            values[field] = value
            if warning and warning not in notes:
                notes.append(warning)

        inputs = resale.ResaleInputs(
            **base, determination_date=on, capital_improvements=self._improvements(lease, on), **values
        )
        try:
            result = resale.compute_resale(chosen.policy, inputs, policy_checked=True)
        except resale.ResaleInputError as error:
            if error.field.startswith("resale_appraisal"):
                problem = _("This formula needs an appraisal at the time of sale; it cannot be estimated without one.")
            else:
                problem = str(error)
            return Valuation(lease, on, version, None, problem, tuple(notes), inputs)
        return Valuation(lease, on, version, result, "", tuple(notes), inputs)

    def value_many(self, leases: Iterable[GroundLease], on: dt.date) -> list[Valuation]:
        return [self.value(lease, on) for lease in leases]
