"""Reading the ledger: balances, ageing and statement lines of a lease, and ledger figures for lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from leases.ledger.models import Charge, ChargeWaiver, FeeRate, FeeSuspension, Payment

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
