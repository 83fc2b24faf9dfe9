"""Reading the ledger: balances, ageing and statement lines of a lease, ledger figures for lists, and local
currencies (the rate in force on a day, what a local-currency payment may settle, what each currency brought)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from clt import clock
from leases.ledger import fees
from leases.ledger.models import (
    Charge,
    ChargeWaiver,
    FeeRate,
    FeeSuspension,
    LocalCurrency,
    LocalCurrencyRate,
    Payment,
)
from leases.lifecycle.models import (
    GroundLease,
)

ZERO = Decimal("0")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def _total(queryset: QuerySet, group: str, field: str) -> Coalesce:
    """The sum of ``field`` over ``queryset`` (correlated to the outer lease), 0.00 when there are no rows."""
    summed = queryset.order_by().values(group).annotate(total=Sum(field)).values("total")[:1]
    return Coalesce(Subquery(summed, output_field=MONEY), Value(Decimal("0.00")), output_field=MONEY)


def with_ledger_figures(queryset: QuerySet, today: dt.date) -> QuerySet:
    """Leases annotated with ``balance``, ``monthly_fee`` and ``fee_suspended`` as of ``today``, in one query.

    The balance is the ledger's (``fees.ledger_at``): net charges due on or before ``today`` less the
    payments counted on ``today`` (received by then and not reversed by then). It needs no allocation,
    so a subquery per figure replaces loading every charge of every lease on the page.
    """
    lease = OuterRef("pk")
    charged = _total(Charge.objects.filter(lease=lease, due__lte=today), "lease", "amount")
    waived = _total(ChargeWaiver.objects.filter(charge__lease=lease, charge__due__lte=today), "charge__lease", "amount")
    paid = _total(
        Payment.objects.filter(lease=lease, received_on__lte=today).filter(
            Q(reversed_on__isnull=True) | Q(reversed_on__gt=today)
        ),
        "lease",
        "amount",
    )
    rates = FeeRate.objects.filter(schedule__lease=lease)
    in_effect = rates.filter(effective__lte=today).order_by("-effective").values("amount")[:1]
    # Before the first rate takes effect (a draft lease), show the rate it will start with.
    first = rates.order_by("effective").values("amount")[:1]
    suspended = FeeSuspension.objects.filter(schedule__lease=lease, start__lte=today).filter(
        Q(end__isnull=True) | Q(end__gte=today)
    )
    return queryset.annotate(
        balance=charged - waived - paid,
        monthly_fee=Coalesce(Subquery(in_effect, output_field=MONEY), Subquery(first, output_field=MONEY)),
        fee_suspended=Exists(suspended),
    )


def _ledger_call(function: Callable[..., Any], lease: GroundLease, *args: Any) -> Any:
    charges, payments = ledger_lines_for([lease.pk])
    try:
        return function(charges.get(lease.pk, []), payments.get(lease.pk, []), *args)
    except fees.FeeInputError as error:
        raise ValidationError({error.field: [error.reason]}) from None


def ledger_state(lease: GroundLease, *, as_of: dt.date | None = None) -> fees.LedgerState:
    """Charges, payments, balance and open amounts of one lease at a date (default today)."""
    return _ledger_call(fees.ledger_at, lease, as_of or clock.today())


def ledger_ageing(lease: GroundLease, *, as_of: dt.date | None = None) -> fees.Ageing:
    """Arrears by days past due (0–30, 31–60, 61–90, over 90) at a date (default today)."""
    return _ledger_call(fees.ageing, lease, as_of or clock.today())


def ledger_lines(lease: GroundLease, *, start: dt.date, end: dt.date) -> fees.Statement:
    """The statement between two dates: opening balance, each charge and payment, closing balance."""
    if end < start:
        raise ValidationError({"end": [_("The end comes before the start.")]})
    return _ledger_call(fees.statement_lines, lease, start, end)


def ledger_lines_for(lease_ids: Any) -> tuple[dict[int, list[fees.ChargeLine]], dict[int, list[fees.PaymentLine]]]:
    """Every charge (net of waivers) and payment of many leases in three queries, as the pure ledger wants them.

    ``lease_ids`` may be a list or a queryset of ids (used as a subquery).
    """
    waived: dict[int, Decimal] = defaultdict(Decimal)
    for charge_id, amount in ChargeWaiver.objects.filter(charge__lease_id__in=lease_ids).values_list(
        "charge_id", "amount"
    ):
        waived[charge_id] += amount
    charges: dict[int, list[fees.ChargeLine]] = defaultdict(list)
    rows = Charge.objects.filter(lease_id__in=lease_ids).order_by("due", "pk")
    for pk, lease_id, kind, due, amount in rows.values_list("pk", "lease_id", "kind", "due", "amount"):
        charges[lease_id].append(fees.ChargeLine(str(pk), due, amount, waived.get(pk, ZERO), kind))
    payments: dict[int, list[fees.PaymentLine]] = defaultdict(list)
    rows = Payment.objects.filter(lease_id__in=lease_ids).order_by("received_on", "pk")
    for pk, lease_id, received, amount, reversed_on in rows.values_list(
        "pk", "lease_id", "received_on", "amount", "reversed_on"
    ):
        payments[lease_id].append(fees.PaymentLine(str(pk), received, amount, reversed_on))
    return charges, payments


def balances_for(lease_ids: Any, *, as_of: dt.date) -> dict[int, Decimal]:
    """The balance of each lease at ``as_of``, in three queries whatever the number of leases."""
    ids = list(lease_ids)
    charges, payments = ledger_lines_for(ids)
    return {pk: fees.ledger_at(charges.get(pk, []), payments.get(pk, []), as_of).balance for pk in ids}


# --- Local currencies -----------------------------------------------------------------------------


def local_rate_on(currency: LocalCurrency, day: dt.date) -> LocalCurrencyRate | None:
    """The board's rate and share for ``currency`` in force on ``day`` (the latest taking effect by then)."""
    return currency.rates.filter(effective__lte=day).order_by("-effective").first()


def local_allowance(lease: GroundLease, currency: LocalCurrency, *, on: dt.date, share_pct: Decimal) -> Decimal:
    """The most dollars a payment in ``currency`` received ``on`` that day may be credited on ``lease``
    (``fees.local_allowance``: ``share_pct`` of each open lease fee, less what this currency already paid)."""
    charges, payments = ledger_lines_for([lease.pk])
    local = {str(pk) for pk in lease.payments.filter(currency=currency).values_list("pk", flat=True)}
    try:
        return fees.local_allowance(
            charges.get(lease.pk, []), payments.get(lease.pk, []), on, share=share_pct / 100, local=local
        )
    except fees.FeeInputError as error:
        raise ValidationError({error.field: [error.reason]}) from None


@dataclass(frozen=True)
class CurrencyTotal:
    """What one local currency brought between two dates: payments, units received, dollars credited."""

    currency: LocalCurrency
    payments: int
    units: Decimal
    dollars: Decimal


def local_currency_totals(*, start: dt.date, end: dt.date) -> list[CurrencyTotal]:
    """Per currency (every one, with zeros for none received), the payments received from ``start`` to ``end``
    (both included) that were not reversed by ``end``: their count, the units and the dollars. Two queries."""
    rows = (
        Payment.objects.filter(currency__isnull=False, received_on__gte=start, received_on__lte=end)
        .filter(Q(reversed_on__isnull=True) | Q(reversed_on__gt=end))
        .order_by()
        .values("currency")
        .annotate(count=Count("pk"), units=Sum("currency_amount"), dollars=Sum("amount"))
    )
    by_currency = {row["currency"]: row for row in rows}
    totals = []
    for currency in LocalCurrency.objects.order_by("name"):
        row = by_currency.get(currency.pk, {})
        totals.append(
            CurrencyTotal(
                currency=currency,
                payments=row.get("count", 0),
                # Quantised: a database's SUM may drop trailing zeros (SQLite's 47.5).
                units=fees.money(row.get("units") or ZERO),
                dollars=fees.money(row.get("dollars") or ZERO),
            )
        )
    return totals
