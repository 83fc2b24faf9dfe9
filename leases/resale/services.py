"""Resale services: index values, resale policies, capital improvements, saved calculations and determinations."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from clt import clock, roles
from clt.history import actor_or_none as _actor_or_none
from clt.history import require_not_in_future, require_reason, save_stamped
from leases.lifecycle import rules as lifecycle
from leases.lifecycle.models import (
    GroundLease,
)
from leases.lifecycle.rules import EventKind, LeaseStatus, Track
from leases.resale import codec as resale_codec
from leases.resale import engine as resale
from leases.resale import quotes
from leases.resale.models import (
    CapitalImprovement,
    CreditMethod,
    ImprovementStatus,
    IndexKind,
    IndexSeries,
    IndexValue,
    PolicyStatus,
    ResaleCalculation,
    ResalePolicy,
    ResalePolicyVersion,
)
from leases.resale.reasons import reason_text

ZERO = Decimal("0")


# --- Resale: index series and policies -------------------------------------------------------------


@dataclass(frozen=True)
class IndexRow:
    period: str
    value: Decimal | None  # None: the publisher published no value for the period (BLS writes “-”)
    household_size: int | None = None
    effective_from: dt.date | None = None


def _period_start(period: str) -> dt.date:
    if len(period) == 4 and period.isdigit():
        return dt.date(int(period), 1, 1)
    return dt.date.fromisoformat(period + "-01")


def _period_number(period: str) -> int:
    """Consecutive periods have consecutive numbers: years as they are, months counted from year 0."""
    if len(period) == 4:
        return int(period)
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def _period_text(number: int, monthly: bool) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}" if monthly else f"{number:04d}"


def _missing(numbers: set[int]) -> set[int]:
    return set(range(min(numbers), max(numbers) + 1)) - numbers if numbers else set()


def _new_gaps(rows: Sequence[IndexRow], existing: dict[tuple[str, int | None], Any]) -> list[str]:
    """The periods this import would leave without a value between the series' first and last.

    Monthly and yearly periods, and each household size, are series of their own here.
    """
    stored: dict[tuple[bool, int | None], set[int]] = defaultdict(set)
    after: dict[tuple[bool, int | None], set[int]] = defaultdict(set)
    for period, size in existing:
        group = (len(period) == 7, size)
        stored[group].add(_period_number(period))
        after[group].add(_period_number(period))
    for row in rows:
        after[(len(row.period) == 7, row.household_size)].add(_period_number(row.period))
    problems = []
    for (monthly, size), numbers in sorted(after.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
        gaps = sorted(_missing(numbers) - _missing(stored[(monthly, size)]))
        if not gaps:
            continue
        runs: list[list[int]] = []
        for number in gaps:
            if runs and number == runs[-1][1] + 1:
                runs[-1][1] = number
            else:
                runs.append([number, number])
        texts = [
            _period_text(first, monthly)
            if first == last
            else _("%(first)s to %(last)s")
            % {"first": _period_text(first, monthly), "last": _period_text(last, monthly)}
            for first, last in runs
        ]
        shown = ", ".join(texts[:10]) + (_(" and %(n)s more") % {"n": len(texts) - 10} if len(texts) > 10 else "")
        where = _(" (household size %(size)s)") % {"size": size} if size is not None else ""
        problems.append(
            _(
                "the series would have a gap%(where)s: no value for %(periods)s. A period the publisher did not "
                "publish is written with the value “-”."
            )
            % {"where": where, "periods": shown}
        )
    return problems


@transaction.atomic
def index_values_import(
    *, series: IndexSeries, rows: Sequence[IndexRow], actor: Any, reason: str
) -> tuple[int, int, int]:
    """Add or correct a series' values, all or nothing; returns (created, updated, unchanged).

    Each row's period is ``YYYY`` or ``YYYY-MM``; it is in effect from the period's first day unless
    the row says otherwise (HUD income limits apply from their release's effective date).

    No gap: between its first and last period the series has a value for every month (or year), or
    the file says the publisher published none (a row whose value is None). A gap the series had
    before is not this import's to fix.
    """
    reason = require_reason(reason)
    problems = []
    for number, row in enumerate(rows, start=1):
        try:
            _period_start(row.period)
        except ValueError:
            problems.append(_("row %(n)s: period “%(p)s” is not YYYY or YYYY-MM") % {"n": number, "p": row.period})
        if row.value is None:
            continue
        if not isinstance(row.value, Decimal) or not row.value.is_finite() or row.value <= 0:
            problems.append(_("row %(n)s: the value must be a positive number") % {"n": number})
    keys = [(row.period, row.household_size) for row in rows]
    if len(set(keys)) != len(keys):
        problems.append(_("the file repeats a period (and household size)"))
    if problems:
        raise ValidationError({"rows": problems})
    existing = {(v.period, v.household_size): v for v in series.values.all()}
    gaps = _new_gaps(rows, existing)
    if gaps:
        raise ValidationError({"rows": gaps})
    # An unpublished period is not stored: the value in effect on a date already refuses a stale one.
    rows = [row for row in rows if row.value is not None]
    new, changed = [], []
    for row in rows:
        effective = row.effective_from or _period_start(row.period)
        current = existing.get((row.period, row.household_size))
        if current is None:
            new.append(
                IndexValue(
                    series=series, period=row.period, household_size=row.household_size, value=row.value,
                    effective_from=effective,
                )
            )  # fmt: skip
        elif (current.value, current.effective_from) != (row.value, effective):
            current.value, current.effective_from = row.value, effective
            changed.append(current)
    # A series is hundreds of rows: saved in bulk, each with its history row (who and why), instead
    # of a query per row. Uniqueness needs no query per row either: the file's keys were checked
    # against each other above, and a key already stored is an update.
    # Nor does the series need a query per row to prove it exists: it is the row passed in.
    for value in (*new, *changed):
        value.full_clean(exclude={"series"}, validate_unique=False, validate_constraints=False)
    user = _actor_or_none(actor)
    if new:
        bulk_create_with_history(new, IndexValue, batch_size=500, default_user=user, default_change_reason=reason)
    if changed:
        bulk_update_with_history(
            changed, IndexValue, ["value", "effective_from"], batch_size=500, default_user=user,
            default_change_reason=reason,
        )  # fmt: skip
    return len(new), len(changed), len(rows) - len(new) - len(changed)


def _check_policy_parameters(parameters: Any) -> dict[str, Any]:
    try:
        policy = resale.check_policy(resale_codec.policy_from_dict(parameters))
    except resale.ResaleInputError as error:
        raise ValidationError({f"parameters.{error.field}": [reason_text(error)]}) from None
    return resale_codec.policy_to_dict(policy)


# Which kinds of series may stand for the CPI and the AMI a formula reads (an income limit by household
# size is not a median: the affordability solver applies the size factor itself).
SERIES_KINDS = {
    "cpi_series": frozenset({IndexKind.CPI, IndexKind.OTHER}),
    "ami_series": frozenset({IndexKind.MEDIAN_INCOME, IndexKind.OTHER}),
}


def _check_series(version: ResalePolicyVersion) -> None:
    for field, kinds in SERIES_KINDS.items():
        series = getattr(version, field)
        if series is not None and series.kind not in kinds:
            raise ValidationError(
                {
                    field: [
                        _("“%(code)s” is a series of %(what)s, which cannot stand for this index.")
                        % {"code": series.code, "what": series.get_kind_display().lower()}
                    ]
                }
            )


@transaction.atomic
def resale_policy_create(
    *,
    actor: Any,
    reason: str,
    name: str,
    parameters: dict[str, Any],
    description: str = "",
    cpi_series: IndexSeries | None = None,
    ami_series: IndexSeries | None = None,
) -> ResalePolicyVersion:
    """A resale policy with its first version, a draft until approved."""
    reason = require_reason(reason)
    policy = save_stamped(ResalePolicy(name=name, description=description), actor=actor, reason=reason)
    return resale_policy_version_create(
        policy=policy, parameters=parameters, actor=actor, reason=reason, cpi_series=cpi_series, ami_series=ami_series
    )


@transaction.atomic
def resale_policy_version_create(
    *,
    policy: ResalePolicy,
    parameters: dict[str, Any],
    actor: Any,
    reason: str,
    cpi_series: IndexSeries | None = None,
    ami_series: IndexSeries | None = None,
) -> ResalePolicyVersion:
    """A new draft version of a policy, with parameters checked by the engine and the series it reads."""
    reason = require_reason(reason)
    latest = policy.versions.order_by("-version").first()
    version = ResalePolicyVersion(
        policy=policy,
        version=(latest.version + 1) if latest else 1,
        parameters=_check_policy_parameters(parameters),
        cpi_series=cpi_series,
        ami_series=ami_series,
    )
    _check_series(version)
    return save_stamped(version, actor=actor, reason=reason)


_UNSET: Any = object()


@transaction.atomic
def resale_policy_version_update(
    *,
    version: ResalePolicyVersion,
    actor: Any,
    reason: str,
    parameters: dict[str, Any] | None = None,
    cpi_series: IndexSeries | None = _UNSET,
    ami_series: IndexSeries | None = _UNSET,
) -> ResalePolicyVersion:
    """Correct a draft (what is given changes). An approved version never changes: make a new version."""
    reason = require_reason(reason)
    version = ResalePolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PolicyStatus.DRAFT:
        raise ValidationError(
            {"status": [_("Version %(v)s is %(status)s and cannot change; create a new version.")
                        % {"v": version.version, "status": version.get_status_display().lower()}]}
        )  # fmt: skip
    if parameters is not None:
        version.parameters = _check_policy_parameters(parameters)
    if cpi_series is not _UNSET:
        version.cpi_series = cpi_series
    if ami_series is not _UNSET:
        version.ami_series = ami_series
    _check_series(version)
    return save_stamped(version, actor=actor, reason=reason)


@transaction.atomic
def resale_policy_version_approve(
    *, version: ResalePolicyVersion, approved_on: dt.date, effective_from: dt.date, approval_reference: str,
    actor: Any, reason: str,
) -> ResalePolicyVersion:  # fmt: skip
    """Approve a draft (citing the resolution); from then on it is immutable."""
    reason = require_reason(reason)
    version = ResalePolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PolicyStatus.DRAFT:
        raise ValidationError({"status": [_("Only a draft can be approved.")]})
    if not approval_reference.strip():
        raise ValidationError({"approval_reference": [_("Cite the resolution or decision that approved it.")]})
    require_not_in_future(approved_on, "approved_on")
    version.status = PolicyStatus.APPROVED
    version.approved_on = approved_on
    version.effective_from = effective_from
    version.approval_reference = approval_reference.strip()
    version.approved_by = _actor_or_none(actor)
    return save_stamped(version, actor=actor, reason=reason)


# --- Resale: capital improvements and saved calculations ----------------------------------------------


@transaction.atomic
def improvement_request(
    *,
    lease: GroundLease,
    description: str,
    requested_on: dt.date,
    actor: Any,
    reason: str,
    estimated_cost: Decimal | None = None,
    maintenance: bool = False,
) -> CapitalImprovement:
    """The owner asks to improve the home (or records maintenance, which earns no credit)."""
    reason = require_reason(reason)
    require_not_in_future(requested_on, "requested_on")
    item = CapitalImprovement(
        lease=lease, description=description, requested_on=requested_on, estimated_cost=estimated_cost,
        maintenance=maintenance,
    )  # fmt: skip
    return save_stamped(item, actor=actor, reason=reason)


CREDIT_TERMS = ("method", "credit_pct", "useful_life_years", "fixed_value")


@transaction.atomic
def improvement_approve(
    *,
    improvement: CapitalImprovement,
    approved_on: dt.date,
    approval_reference: str,
    actor: Any,
    reason: str,
    **credit_terms: Any,
) -> CapitalImprovement:
    """Approve a requested improvement before the work, with how it will be valued for the credit."""
    reason = require_reason(reason)
    item = CapitalImprovement.objects.select_for_update().get(pk=improvement.pk)
    if item.status != ImprovementStatus.REQUESTED:
        raise ValidationError({"status": [_("Only a requested improvement can be approved.")]})
    if approved_on < item.requested_on:
        raise ValidationError({"approved_on": [_("An approval cannot come before the request.")]})
    if item.started_on and item.started_on < approved_on:
        raise ValidationError({"approved_on": [_("The work started before the approval.")]})
    if not approval_reference.strip():
        raise ValidationError({"approval_reference": [_("Cite the approval (letter, decision or reference).")]})
    require_not_in_future(approved_on, "approved_on")
    for name, value in credit_terms.items():
        if name not in CREDIT_TERMS:
            raise ValidationError({name: [_("Not a credit term.")]})
        setattr(item, name, value)
    item.status = ImprovementStatus.APPROVED
    item.approved_on = approved_on
    item.approval_reference = approval_reference.strip()
    if item.method == CreditMethod.DEPRECIATED_COST and not item.useful_life_years:
        raise ValidationError({"useful_life_years": [_("Depreciated cost needs a useful life.")]})
    if item.method == CreditMethod.FIXED_VALUE and item.fixed_value is None:
        raise ValidationError({"fixed_value": [_("Give the value from the trust's list.")]})
    return save_stamped(item, actor=actor, reason=reason)


@transaction.atomic
def improvement_deny(*, improvement: CapitalImprovement, actor: Any, reason: str) -> CapitalImprovement:
    reason = require_reason(reason)
    item = CapitalImprovement.objects.select_for_update().get(pk=improvement.pk)
    if item.status != ImprovementStatus.REQUESTED:
        raise ValidationError({"status": [_("Only a requested improvement can be denied.")]})
    item.status = ImprovementStatus.DENIED
    return save_stamped(item, actor=actor, reason=reason)


@transaction.atomic
def improvement_complete(
    *,
    improvement: CapitalImprovement,
    completed_on: dt.date,
    cost: Decimal,
    actor: Any,
    reason: str,
    started_on: dt.date | None = None,
    documents: str = "",
    appraised_value: Decimal | None = None,
) -> CapitalImprovement:
    """The work is done: its final cost and documents. Only approved work (or maintenance) is completed."""
    reason = require_reason(reason)
    item = CapitalImprovement.objects.select_for_update().get(pk=improvement.pk)
    allowed = (ImprovementStatus.APPROVED,) + ((ImprovementStatus.REQUESTED,) if item.maintenance else ())
    if item.status not in allowed:
        raise ValidationError({"status": [_("Only approved work can be completed; approval comes before the work.")]})
    if started_on and item.approved_on and started_on < item.approved_on:
        raise ValidationError({"started_on": [_("The work started before the approval.")]})
    if completed_on < (started_on or item.approved_on or item.requested_on):
        raise ValidationError({"completed_on": [_("The work cannot be completed before it started.")]})
    require_not_in_future(completed_on, "completed_on")
    item.status = ImprovementStatus.COMPLETED
    item.completed_on, item.cost, item.started_on = completed_on, cost, started_on
    item.documents = documents
    if appraised_value is not None:
        item.appraised_value = appraised_value
    if not item.maintenance and item.method == CreditMethod.APPRAISED_VALUE and item.appraised_value is None:
        # The credit is the value the appraiser isolates: without that figure there is nothing to credit.
        raise ValidationError({"appraised_value": [_("Give the value the appraiser attributes to the work.")]})
    return save_stamped(item, actor=actor, reason=reason)


def _compute(policy: dict[str, Any], inputs: dict[str, Any]) -> Any:
    try:
        # Field names as the engine gives them ("purchase_price", "formula.rate"): the same whether
        # the codec or the engine's range checks find the problem.
        return resale.compute_resale(resale_codec.policy_from_dict(policy), resale_codec.inputs_from_dict(inputs))
    except resale.ResaleInputError as error:
        raise ValidationError({error.field: [reason_text(error)]}) from None


@transaction.atomic
def resale_calculation_save(
    *,
    lease: GroundLease,
    inputs: dict[str, Any],
    actor: Any,
    reason: str,
    policy_version: ResalePolicyVersion | None = None,
    policy: dict[str, Any] | None = None,
) -> ResaleCalculation:
    """Compute a lease's resale price and keep every input and output (a stored version, or parameters)."""
    reason = require_reason(reason)
    if (policy_version is None) == (policy is None):
        raise ValidationError({"policy": [_("Give either a stored policy version or the parameters.")]})
    parameters = policy_version.parameters if policy_version is not None else policy
    result = _compute(parameters, inputs)
    determination = inputs.get("determination_date")
    calculation = ResaleCalculation(
        lease=lease,
        determination_date=dt.date.fromisoformat(str(determination)),
        policy_version=policy_version,
        policy=parameters,
        inputs=inputs,
        result=resale_codec.result_to_dict(result),
        # Summary columns, rounded half up to the cent; the exact figures are in ``result``.
        formula_price=result.formula_price.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        price=result.price.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        reason=reason,
        actor=_actor_or_none(actor),
    )
    calculation.save()
    return calculation


def resale_calculation_recompute(calculation: ResaleCalculation) -> dict[str, Any]:
    """The result the stored policy and inputs give today (equal to the stored one, or the engine changed)."""
    return resale_codec.result_to_dict(_compute(calculation.policy, calculation.inputs))


# --- Resale: price determination (a quote of the lease, saved) --------------------------------------------


class _TrustItself:
    """Who a determination is made as when no user acts (a command, a migration of old files): staff's rights.

    ``clt.roles`` reads the cached roles first, so this stands in for a staff login in the quote machinery.
    """

    is_authenticated = True
    is_active = True
    _clt_roles = frozenset({roles.ROLE_STAFF})


@dataclass(frozen=True)
class Determination:
    """A lease's price as it would be saved: the policy version, the exact engine inputs (codec JSON) and the
    result (``resale.ResaleResult``), with the index values the formula read."""

    version: ResalePolicyVersion
    inputs: dict[str, Any]
    result: Any
    index_values_used: tuple[Any, ...]


def resale_determination_default_date(lease: GroundLease) -> dt.date:
    """The date a price is determined on by default: the receipt of the open notice of intent to sell while the
    lease is in price determination (San Leandro's trigger, §3.8), else today."""
    if lease.transfer_state == lifecycle.TransferState.PRICE_DETERMINATION:
        opened = (
            lease.events.filter(track=Track.TRANSFER, to_state=lifecycle.TransferState.PRICE_DETERMINATION)
            .exclude(from_state=lifecycle.TransferState.PRICE_DETERMINATION)
            .order_by("-pk")
            .first()
        )
        # An estate sale also opens the price determination, with no notice to count from.
        if opened is not None and opened.kind == EventKind.INTENT_TO_SELL_RECEIVED:
            return opened.received_on or opened.effective_on
    return clock.today()


def _determination_error(error: ValidationError) -> ValidationError:
    """The quote's errors named for a determination: its one policy is ``policy_version``, not ``policies[0]``."""
    if not hasattr(error, "error_dict"):
        return error
    fields: dict[str, list[str]] = {}
    for field, messages in error.message_dict.items():
        name = "policy_version" if field.startswith("policies") else field
        fields.setdefault(name, []).extend(messages)
    return ValidationError(fields)


def resale_determination_preview(
    *,
    lease: GroundLease,
    actor: Any,
    determination_date: dt.date,
    inputs: dict[str, Any] | None = None,
    policy_version: ResalePolicyVersion | None = None,
    index_series: dict[str, str] | None = None,
) -> Determination:
    """What ``resale_calculation_determine`` would save, without saving it (the page's "Preview").

    The lease's pinned version unless ``policy_version`` names another; never a draft. The inputs are the
    lease's (``quotes.lease_inputs``, its completed improvements) and the index values in effect, overridden
    by ``inputs`` field by field. Bad input is a ``ValidationError`` on the dotted field (``inputs.<field>``,
    ``index_series.<kind>``, ``determination_date``, ``policy_version``).
    """
    user = _actor_or_none(actor)
    if user is not None and not roles.is_staff_member(user):
        raise PermissionDenied(_("Only the trust's staff determine resale prices."))
    if lease.status == LeaseStatus.DRAFT:
        raise ValidationError({"lease": [_("A draft lease has no resale price to determine; execute it first.")]})
    require_not_in_future(determination_date, "determination_date")
    as_user = user or _TrustItself()
    lease = quotes.quotable_leases(as_user).get(pk=lease.pk)
    version = policy_version or lease.template_version.resale_policy_version
    if version is None:
        raise ValidationError(
            {"policy_version": [_("The lease's terms name no resale policy: choose the policy version to apply.")]}
        )
    if version.status == PolicyStatus.DRAFT:
        raise ValidationError(
            {"policy_version": [_("%(version)s is a draft: approve it before it sets a price.") % {"version": version}]}
        )
    try:
        found = quotes.quote(
            user=as_user,
            lease=lease,
            policies=[quotes.PolicyRequest(version=version.pk)],
            inputs=inputs,
            determination_date=determination_date,
            index_series=index_series,
        )
    except ValidationError as error:
        raise _determination_error(error) from None
    (chosen,) = found.quotes
    return Determination(
        version=chosen.version,
        inputs=resale_codec.inputs_to_dict(found.inputs),
        result=chosen.result,
        index_values_used=chosen.index_values_used,
    )


@transaction.atomic
def resale_calculation_determine(
    *,
    lease: GroundLease,
    actor: Any,
    reason: str,
    determination_date: dt.date,
    inputs: dict[str, Any] | None = None,
    policy_version: ResalePolicyVersion | None = None,
    index_series: dict[str, str] | None = None,
) -> ResaleCalculation:
    """Determine a lease's resale price on a date and keep it: the quote of the lease under its policy, saved
    with exactly the inputs the engine used (index values with their effective dates, appraisals, credit
    items, liens, arrears), so that ``resale_calculation_recompute`` gives the same result years later."""
    reason = require_reason(reason)
    found = resale_determination_preview(
        lease=lease,
        actor=actor,
        determination_date=determination_date,
        inputs=inputs,
        policy_version=policy_version,
        index_series=index_series,
    )
    return resale_calculation_save(
        lease=lease, inputs=found.inputs, actor=actor, reason=reason, policy_version=found.version
    )


def require_appraised_value(item: CapitalImprovement, appraised_value: Decimal | None) -> None:
    """An improvement valued by an appraiser cannot be completed without the appraiser's figure: the engine
    would have nothing to credit. (Maintenance is valued by no method.)"""
    if (
        not item.maintenance
        and item.method == CreditMethod.APPRAISED_VALUE
        and appraised_value is None
        and item.appraised_value is None
    ):
        raise ValidationError(
            {"appraised_value": [_("Give the value the appraiser attributes to this work: it is credited by it.")]}
        )
