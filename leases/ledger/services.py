"""Ledger services: fee rates and suspensions, charges, waivers, payments (in dollars or a local currency), local
currencies and their rates, and the monthly billing run."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history

from clt import clock
from clt.dates import month_bounds
from clt.formats import date_text
from clt.history import actor_or_none as _actor_or_none
from clt.history import require_not_in_future, require_reason, save_stamped
from leases.ledger import fees, wording
from leases.ledger.models import (
    Charge,
    ChargeKind,
    ChargeWaiver,
    FeeRate,
    FeeSchedule,
    FeeSuspension,
    LocalCurrency,
    LocalCurrencyRate,
    Payment,
)
from leases.ledger.selectors import ledger_lines_for, ledger_state, local_allowance, local_rate_on
from leases.lifecycle.models import (
    GroundLease,
)
from leases.lifecycle.rules import LeaseStatus

ZERO = Decimal("0")


# --- The fee ledger -----------------------------------------------------------------------------


def _rates(schedule: FeeSchedule) -> list[fees.Rate]:
    return [fees.Rate(effective=r.effective, amount=r.amount) for r in schedule.rates.all()]


def _increase_problem_text(problem: fees.IncreaseProblem) -> str:
    limit = int(problem.params.get("limit") or 0)
    texts = {
        "same_date": _("A rate already takes effect on %(latest)s."),
        "out_of_order": _("%(date)s is before the latest rate in the schedule, effective %(latest)s."),
        "from_zero": _("An increase from 0.00 to %(new)s exceeds the cap of %(cap)s a year."),
        "over_cap": _("An increase of %(increase)s (from %(old)s to %(new)s) exceeds the cap of %(cap)s a year."),
        "too_many": ngettext(
            "The fee was already raised on %(earlier)s; at most %(limit)s increase in 12 months.",
            "The fee was already raised on %(earlier)s; at most %(limit)s increases in 12 months.",
            limit,
        ),
    }
    text = texts.get(problem.code)
    if problem.code == "too_many" and not problem.params.get("earlier"):
        text = ngettext(
            "At most %(limit)s increase in 12 months: the fee may not be raised.",
            "At most %(limit)s increases in 12 months: the fee may not be raised.",
            limit,
        )
    return text % dict(problem.params) if text else problem.reason


@transaction.atomic
def fee_rate_change(*, lease: GroundLease, effective: dt.date, amount: Decimal, actor: Any, reason: str) -> FeeRate:
    """A new monthly fee from ``effective`` on; increases are checked against the lease's cap."""
    reason = require_reason(reason)
    schedule = FeeSchedule.objects.select_for_update().get(lease=lease)
    history = _rates(schedule)
    problems = fees.check_increase(
        history,
        fees.Rate(effective=effective, amount=amount),
        max_increase_pct=schedule.max_increase_pct / 100 if schedule.max_increase_pct is not None else None,
        max_increases_per_year=schedule.max_increases_per_year,
    )
    if problems:
        raise ValidationError({p.field: [_increase_problem_text(p)] for p in problems})
    if schedule.rates.filter(effective=effective).exists():
        raise ValidationError({"effective": [_("A rate already starts on %(date)s.") % {"date": effective}]})
    billed = lease.charges.filter(kind=ChargeKind.FEE, due__gte=effective).order_by("due").first()
    if billed is not None:
        raise ValidationError(
            {
                "effective": [
                    _("The month due %(due)s is already billed; a change can start after it.") % {"due": billed.due}
                ]
            }
        )
    return save_stamped(
        FeeRate(schedule=schedule, effective=effective, amount=amount, reason=reason), actor=actor, reason=reason
    )


@transaction.atomic
def fee_suspend(*, lease: GroundLease, start: dt.date, end: dt.date | None, actor: Any, reason: str) -> FeeSuspension:
    """Suspend the fee, in writing, from ``start`` to ``end`` (inclusive; open-ended if None)."""
    reason = require_reason(reason)
    if end is not None and end < start:
        raise ValidationError({"end": [_("The end comes before the start.")]})
    return save_stamped(
        FeeSuspension(schedule=lease.fee_schedule, start=start, end=end, reason=reason), actor=actor, reason=reason
    )


@transaction.atomic
def fee_schedule_update(*, lease: GroundLease, actor: Any, reason: str, **fields: Any) -> FeeSchedule:
    """Change how the fee is billed (due day, grace, late-fee rule, increase cap)."""
    reason = require_reason(reason)
    schedule = lease.fee_schedule
    for name, value in fields.items():
        if name not in FeeSchedule.LATE_FEE_FIELDS:
            raise ValidationError({name: [_("Not a setting of the fee schedule.")]})
        setattr(schedule, name, value)
    return save_stamped(schedule, actor=actor, reason=reason)


@transaction.atomic
def charge_add(
    *, lease: GroundLease, amount: Decimal, due: dt.date, description: str, actor: Any, reason: str
) -> Charge:
    """A one-off charge (a repair the trust paid for, a returned-cheque fee), its history row saying who and why.

    The reason is kept in the history whatever the description; a blank description shows the reason.
    """
    reason = require_reason(reason)
    charge = Charge(lease=lease, kind=ChargeKind.OTHER, due=due, amount=amount, description=description or reason)
    return save_stamped(charge, actor=actor, reason=reason)


@transaction.atomic
def charge_waive(*, charge: Charge, amount: Decimal, granted_on: dt.date, actor: Any, reason: str) -> ChargeWaiver:
    """Forgive part or all of a charge in writing; never more than is still unpaid."""
    reason = require_reason(reason)
    charge = Charge.objects.select_for_update().get(pk=charge.pk)
    state = ledger_state(charge.lease, as_of=max(granted_on, charge.due))
    still_open = state.open_by_charge.get(str(charge.pk), Decimal("0"))
    if amount > still_open:
        raise ValidationError(
            {"amount": [_("Only %(open)s of this charge is unpaid; a waiver cannot exceed it.") % {"open": still_open}]}
        )
    require_not_in_future(granted_on, "granted_on")
    waiver = ChargeWaiver(
        charge=charge, amount=amount, granted_on=granted_on, reason=reason, actor=_actor_or_none(actor)
    )
    waiver.full_clean()
    waiver.save()
    return waiver


@transaction.atomic
def payment_record(
    *,
    lease: GroundLease,
    amount: Decimal | None,
    received_on: dt.date,
    actor: Any,
    reason: str,
    method: str = "check",
    reference: str = "",
    currency: LocalCurrency | None = None,
    currency_amount: Decimal | None = None,
) -> Payment:
    """Money received. It is applied oldest charge first (the allocation is computed, never stored).

    In a local currency, ``currency_amount`` units are credited at the rate in force on ``received_on``
    (``amount``, if given, must be that many dollars), and only as much as the board's share of the open lease
    fees still allows (``fees.local_allowance``); otherwise nothing is written and the reason is given.
    """
    reason = require_reason(reason)
    require_not_in_future(received_on, "received_on")
    currency_rate = None
    if currency is not None or currency_amount is not None:
        amount, currency_rate = _local_dollars(lease, currency, currency_amount, received_on, amount)
    elif amount is None:
        raise ValidationError({"amount": [_("Give the amount received.")]})
    return save_stamped(
        Payment(
            lease=lease,
            amount=amount,
            received_on=received_on,
            method=method,
            reference=reference,
            currency=currency,
            currency_amount=currency_amount,
            currency_rate=currency_rate,
        ),
        actor=actor,
        reason=reason,
    )


def _local_dollars(
    lease: GroundLease,
    currency: LocalCurrency | None,
    units: Decimal | None,
    received_on: dt.date,
    amount: Decimal | None,
) -> tuple[Decimal, Decimal]:
    """The dollars credited for ``units`` of ``currency`` and the rate used, or the reason it is refused."""
    if currency is None:
        raise ValidationError({"currency": [_("Choose the currency the amount was paid in.")]})
    if units is None:
        raise ValidationError(
            {"currency_amount": [_("Give the amount paid in %(currency)s.") % {"currency": currency}]}
        )
    if not currency.active:
        raise ValidationError({"currency": [_("%(currency)s is no longer accepted.") % {"currency": currency}]})
    # The lease row is locked so that two payments recorded at once cannot both use the same room.
    GroundLease.objects.select_for_update().filter(pk=lease.pk).first()
    rate = local_rate_on(currency, received_on)
    if rate is None:
        raise ValidationError(
            {
                "currency": [
                    _("No rate for %(currency)s is in force on %(date)s; the board sets one first.")
                    % {"currency": currency, "date": date_text(received_on)}
                ]
            }
        )
    try:
        dollars = fees.local_dollars(units, rate.dollars_per_unit)
    except fees.FeeInputError as error:
        raise ValidationError({error.field: [error.reason]}) from None
    if amount is not None and amount != dollars:
        raise ValidationError(
            {
                "amount": [
                    _("%(units)s %(currency)s at %(rate)s are $%(dollars)s, not $%(amount)s.")
                    % {
                        "units": wording.units_text(units),
                        "currency": currency,
                        "rate": wording.rate_text(rate.dollars_per_unit),
                        "dollars": dollars,
                        "amount": amount,
                    }
                ]
            }
        )
    allowed = local_allowance(lease, currency, on=received_on, share_pct=rate.max_share_pct)
    if dollars > allowed:
        raise ValidationError(
            {
                "currency_amount": [
                    _(
                        "%(units)s %(currency)s are $%(dollars)s; at most $%(allowed)s may be paid in %(currency)s "
                        "now (%(share)s%% of each open lease fee, less what was already paid in it)."
                    )
                    % {
                        "units": wording.units_text(units),
                        "currency": currency,
                        "dollars": dollars,
                        "allowed": allowed,
                        "share": wording.units_text(rate.max_share_pct),
                    }
                ]
            }
        )
    return dollars, rate.dollars_per_unit


@transaction.atomic
def local_currency_create(*, code: str, name: str, symbol: str, actor: Any, reason: str) -> LocalCurrency:
    """A currency the trust accepts for part of its fees; payments need a rate (``local_rate_set``) first."""
    reason = require_reason(reason)
    return save_stamped(LocalCurrency(code=code, name=name, symbol=symbol), actor=actor, reason=reason)


@transaction.atomic
def local_currency_update(*, currency: LocalCurrency, actor: Any, reason: str, **fields: Any) -> LocalCurrency:
    """Rename a currency or stop (or resume) accepting it; its rates and payments stay."""
    reason = require_reason(reason)
    currency = LocalCurrency.objects.select_for_update().get(pk=currency.pk)
    for name, value in fields.items():
        if name not in ("code", "name", "symbol", "active"):
            raise ValidationError({name: [_("Not a setting of the currency.")]})
        setattr(currency, name, value)
    return save_stamped(currency, actor=actor, reason=reason)


@transaction.atomic
def local_rate_set(
    *,
    currency: LocalCurrency,
    effective: dt.date,
    dollars_per_unit: Decimal,
    max_share_pct: Decimal,
    actor: Any,
    reason: str,
) -> LocalCurrencyRate:
    """The board's rate and share for ``currency`` from ``effective`` on, with the reason (its resolution).

    Never rewrites what was paid: a date on or before a payment already recorded in the currency is refused.
    """
    reason = require_reason(reason, _("Give the board's decision this rate rests on."))
    currency = LocalCurrency.objects.select_for_update().get(pk=currency.pk)
    if currency.rates.filter(effective=effective).exists():
        raise ValidationError({"effective": [_("A rate already starts on %(date)s.") % {"date": effective}]})
    paid = currency.payments.filter(received_on__gte=effective).order_by("-received_on").first()
    if paid is not None:
        raise ValidationError(
            {
                "effective": [
                    _(
                        "A payment in %(currency)s was recorded on %(date)s at the earlier rate; "
                        "a new rate can start after it."
                    )
                    % {"currency": currency, "date": date_text(paid.received_on)}
                ]
            }
        )
    return save_stamped(
        LocalCurrencyRate(
            currency=currency,
            effective=effective,
            dollars_per_unit=dollars_per_unit,
            max_share_pct=max_share_pct,
            reason=reason,
        ),
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def payment_reverse(*, payment: Payment, reversed_on: dt.date, actor: Any, reason: str) -> Payment:
    """A bounced cheque or a refund: the payment stays on record and stops counting from ``reversed_on``."""
    reason = require_reason(reason)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.reversed_on is not None:
        raise ValidationError(
            {"reversed_on": [_("This payment was already reversed on %(date)s.") % {"date": payment.reversed_on}]}
        )
    if reversed_on < payment.received_on:
        raise ValidationError({"reversed_on": [_("A payment cannot be reversed before it was received.")]})
    require_not_in_future(reversed_on, "reversed_on")
    payment.reversed_on = reversed_on
    payment.reversal_reason = reason
    return save_stamped(payment, actor=actor, reason=reason)


@dataclass(frozen=True)
class BillingReport:
    month: dt.date
    leases: int
    fees_created: int
    late_fees_created: int
    total_billed: Decimal


def _bulk_create_charges(charges: list[Charge], *, user: Any, reason: str) -> None:
    # One insert per 2,000 charges and one more for their history rows: a row each, with who and why.
    if charges:
        bulk_create_with_history(charges, Charge, batch_size=2000, default_user=user, default_change_reason=reason)


@transaction.atomic
def bill_month(
    *,
    year: int,
    month: int,
    actor: Any = None,
    reason: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> BillingReport:
    """Bill the month's lease fee of every active lease and assess the late fees due by the month's end.

    Idempotent: a fee is unique per lease and month and a late fee per charge and assessment, so a
    second run finds everything in place and creates nothing. Works in sets: a fixed handful of
    queries for the whole portfolio, reading plain values rather than model objects (building
    tens of thousands of model instances was most of the cost). Every charge gets its history row
    with ``actor`` (None: the scheduled run, no one in particular) and ``reason`` (default: the run).
    """
    first, last = month_bounds(year, month)
    reason = (reason or "").strip() or _("Monthly billing, %(month)s") % {
        "month": formats.date_format(first, "YEAR_MONTH_FORMAT")
    }
    user = _actor_or_none(actor)
    as_of = min(last, max(clock.today(), first))
    active = GroundLease.objects.filter(status=LeaseStatus.ACTIVE, commencement__lte=last).values("pk")
    schedules = {
        lease_id: (schedule_id, commencement, dict(zip(FeeSchedule.LATE_FEE_FIELDS, row, strict=True)))
        for schedule_id, lease_id, commencement, *row in FeeSchedule.objects.filter(lease__in=active)
        .order_by("lease_id")
        .values_list("pk", "lease_id", "lease__commencement", *FeeSchedule.LATE_FEE_FIELDS)
    }
    rates: dict[int, list[fees.Rate]] = defaultdict(list)
    for schedule_id, effective, amount in (
        FeeRate.objects.filter(schedule__lease__in=active)
        .order_by("effective")
        .values_list("schedule_id", "effective", "amount")
    ):
        rates[schedule_id].append(fees.Rate(effective, amount))
    suspensions: dict[int, list[fees.Period]] = defaultdict(list)
    for schedule_id, start, end in FeeSuspension.objects.filter(schedule__lease__in=active).values_list(
        "schedule_id", "start", "end"
    ):
        suspensions[schedule_id].append(fees.Period(start, end))
    existing_fees = set(
        Charge.objects.filter(kind=ChargeKind.FEE, period=first, lease__in=active).values_list("lease_id", flat=True)
    )
    description = _("Lease fee, %(month)s") % {"month": first.strftime("%Y-%m")}
    new_fees = []
    for lease_id, (schedule_id, commencement, terms) in schedules.items():
        if lease_id in existing_fees:
            continue
        due_day = terms["due_day"]
        due = fees.due_date(year, month, due_day)
        if due < commencement:
            continue
        amount = fees.monthly_amount(rates[schedule_id], suspensions[schedule_id], year, month, due_day)
        if amount is None or amount <= 0:
            continue
        new_fees.append(
            Charge(
                lease_id=lease_id, kind=ChargeKind.FEE, period=first, due=due, amount=amount, description=description
            )
        )
    _bulk_create_charges(new_fees, user=user, reason=reason)

    # Late fees: the whole ledger of every active lease with a late-fee rule, then pure arithmetic.
    charged, paid = ledger_lines_for(active.filter(fee_schedule__late_fee_kind__in=["flat", "percent", "escalating"]))
    assessed = set(
        Charge.objects.filter(kind=ChargeKind.LATE_FEE, lease__in=active).values_list("source_id", "sequence")
    )
    new_late = []
    template = FeeSchedule()
    for index, (lease_id, (_schedule, _start, terms)) in enumerate(schedules.items(), start=1):
        if terms["late_fee_kind"] != "none" and charged.get(lease_id):
            for name, value in terms.items():
                setattr(template, name, value)
            rule = template.late_fee_rule()
            for late in fees.late_fees_due(charged[lease_id], paid.get(lease_id, []), rule, as_of):
                key = (int(late.charge), late.sequence)
                if key in assessed or late.amount <= 0:
                    continue
                new_late.append(
                    Charge(
                        lease_id=lease_id,
                        kind=ChargeKind.LATE_FEE,
                        due=late.assessed,
                        amount=late.amount,
                        source_id=int(late.charge),
                        sequence=late.sequence,
                        description=_("Late fee %(n)s") % {"n": late.sequence},
                    )
                )
        if progress is not None and (index % 500 == 0 or index == len(schedules)):
            progress(index, len(schedules))
    _bulk_create_charges(new_late, user=user, reason=reason)
    return BillingReport(
        month=first,
        leases=len(schedules),
        fees_created=len(new_fees),
        late_fees_created=len(new_late),
        total_billed=sum((c.amount for c in new_fees + new_late), ZERO),
    )
