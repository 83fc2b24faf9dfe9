"""Ledger pages: the ledger section of the lease page and the forms that change the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import formats
from django.utils.translation import gettext as _

from clt import charts, clock
from clt.dates import month_end, month_start
from clt.decorators import staff_required
from clt.formats import date_text
from leases.ledger import fees, services, wording
from leases.ledger import selectors as ledger_selectors
from leases.ledger.forms import ChargeForm, FeeRateForm, FeeSuspendForm, PaymentForm, PaymentReverseForm, WaiverForm
from leases.ledger.models import Charge, ChargeWaiver, LocalCurrency, LocalCurrencyRate, Payment
from leases.lifecycle.models import (
    GroundLease,
)
from leases.lifecycle.rules import LeaseStatus
from leases.lifecycle.views import LEDGER_MESSAGE, lease_form_page, lease_url, staff_lease
from leases.resale.wording import money

LEDGER_MONTHS = 12


# --- The lease page: sections shared by staff and the portal --------------------------------------------


@dataclass
class LedgerRow:
    date: dt.date
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal
    kind: str
    charge: Charge | None = None
    payment: Payment | None = None
    open_amount: Decimal = Decimal("0.00")


def _line_description(kind: str, charge: Charge | None, payment: Payment | None) -> str:
    if charge is not None:
        return wording.charge_text(charge)
    if payment is not None:
        if kind == "reversal":
            return _("Payment of %(date)s reversed") % {"date": date_text(payment.received_on)} + (
                f": {payment.reversal_reason}" if payment.reversal_reason else ""
            )
        return wording.payment_text(payment)
    return kind


OWED_COLOUR = "#c2410c"  # as the site's stylesheet draws them; a PDF has only these
CREDIT_COLOUR = "#1b6e3a"


def _dollars(amount: Decimal, places: int) -> str:
    text = _("$%(amount)s") % {
        "amount": formats.number_format(
            abs(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP),
            places,
            use_l10n=True,
            force_grouping=True,
        )
    }
    return "\u2212" + text if amount < 0 else text


def _balance_words(balance: Decimal) -> str:
    if balance > 0:
        return _("%(amount)s owed") % {"amount": _dollars(balance, 2)}
    if balance < 0:
        return _("%(amount)s in credit") % {"amount": _dollars(-balance, 2)}
    return _("nothing owed")


def balance_chart(statement: fees.Statement, first_month: dt.date, today: dt.date) -> charts.BarChart:
    """A column a month: the balance at its end (today for the current one); credit hangs below the axis."""
    months = []
    month = first_month
    while month <= today:
        months.append(month)
        month = month_start(month, 1)
    values = []
    for month in months:
        end = min(month_end(month), today)
        balance = statement.opening
        for line in statement.lines:
            if line.date <= end:
                balance = line.balance
        values.append((month, balance))
    slot, bar_width, top, plot_height = 56, 36, 22, 140
    most_owed = max([v for _m, v in values if v > 0], default=Decimal("0"))
    most_credit = max([-v for _m, v in values if v < 0], default=Decimal("0"))
    scale = charts.Scale(-most_credit, most_owed, top + plot_height, top)
    bars = tuple(
        charts.column(
            scale,
            balance,
            x=index * slot + (slot - bar_width) / 2,
            width=bar_width,
            text=_dollars(balance, 0),
            label=formats.date_format(month, "M"),
            css="bar-owed" if balance > 0 else "bar-credit",
            colour=OWED_COLOUR if balance > 0 else CREDIT_COLOUR,
        )
        for index, (month, balance) in enumerate(values)
    )
    return charts.BarChart(
        width=slot * len(values),
        height=top + plot_height + 44,
        zero=scale.zero,
        bars=bars,
        label_y=top + plot_height + 36,
        description=charts.describe((formats.date_format(m, "F Y"), _balance_words(b)) for m, b in values),
    )


def ledger_section(lease: GroundLease, today: dt.date, *, months: int = LEDGER_MONTHS) -> dict[str, Any]:
    """Balance, ageing, the last ``months`` months of charges and payments with a running balance, and a chart."""
    state = ledger_selectors.ledger_state(lease, as_of=today)
    ageing = ledger_selectors.ledger_ageing(lease, as_of=today)
    start = month_start(today, -(months - 1))
    if lease.commencement and lease.commencement <= today:
        start = max(start, month_start(lease.commencement))  # no empty months before the lease began
    statement = ledger_selectors.ledger_lines(lease, start=start, end=today)
    charge_keys = {line.key for line in statement.lines if line.kind not in ("payment", "reversal")}
    payment_keys = {line.key for line in statement.lines if line.kind in ("payment", "reversal")}
    charges = {
        str(c.pk): c for c in lease.charges.filter(pk__in=[int(k) for k in charge_keys]).select_related("source")
    }
    payments = {
        str(p.pk): p for p in lease.payments.filter(pk__in=[int(k) for k in payment_keys]).select_related("currency")
    }
    rows = []
    for line in statement.lines:
        charge = charges.get(line.key) if line.kind not in ("payment", "reversal") else None
        payment = payments.get(line.key) if line.kind in ("payment", "reversal") else None
        rows.append(
            LedgerRow(
                date=line.date,
                description=_line_description(line.kind, charge, payment),
                debit=line.debit,
                credit=line.credit,
                balance=line.balance,
                kind=line.kind,
                charge=charge,
                payment=payment if line.kind == "payment" else None,
                open_amount=state.open_by_charge.get(line.key, Decimal("0.00")) if charge else Decimal("0.00"),
            )
        )
    rows.reverse()  # newest first, as people read an account
    return {
        "state": state,
        "ageing": ageing,
        "statement": statement,
        "rows": rows,
        "start": start,
        "today": today,
        "chart": balance_chart(statement, start, today),
    }


@dataclass(frozen=True)
class NextFee:
    due: dt.date
    amount: Decimal


def next_fee(lease: GroundLease, today: dt.date) -> NextFee | None:
    """The next monthly fee falling due on or after ``today``: its date and amount (none while suspended)."""
    if lease.status != LeaseStatus.ACTIVE:
        return None
    schedule = getattr(lease, "fee_schedule", None)
    if schedule is None:
        return None
    rates = [fees.Rate(effective=r.effective, amount=r.amount) for r in schedule.rates.all()]
    suspensions = [fees.Period(start=s.start, end=s.end) for s in schedule.suspensions.all()]
    for offset in range(0, 25):
        month = month_start(today, offset)
        due = fees.due_date(month.year, month.month, schedule.due_day)
        if due < today or (lease.commencement and due < lease.commencement):
            continue
        amount = fees.monthly_amount(rates, suspensions, month.year, month.month, schedule.due_day)
        if amount:
            return NextFee(due=due, amount=amount)
    return None


OLDEST_UNPAID = 5


@dataclass(frozen=True)
class UnpaidCharge:
    due: dt.date
    description: str
    unpaid: Decimal


@dataclass(frozen=True)
class Owed:
    """What a lease owes today, for the payment form: the balance and the oldest charges still unpaid."""

    today: dt.date
    balance: Decimal
    past_due: Decimal
    oldest: tuple[UnpaidCharge, ...]
    unpaid_count: int


def owed_now(lease: GroundLease, today: dt.date, *, limit: int = OLDEST_UNPAID) -> Owed:
    """The balance owed today and the ``limit`` oldest charges due by today with an unpaid amount (a payment is
    applied to them first, oldest first)."""
    state = ledger_selectors.ledger_state(lease, as_of=today)
    open_keys = {int(key): amount for key, amount in state.open_by_charge.items() if amount > 0 and key.isdigit()}
    unpaid = list(
        lease.charges.filter(pk__in=list(open_keys), due__lte=today).select_related("source").order_by("due", "pk")
    )
    return Owed(
        today=today,
        balance=state.balance,
        past_due=sum((open_keys[c.pk] for c in unpaid), Decimal("0.00")),
        oldest=tuple(UnpaidCharge(c.due, wording.charge_text(c), open_keys[c.pk]) for c in unpaid[:limit]),
        unpaid_count=len(unpaid),
    )


@staff_required
def payment_record(request: HttpRequest, pk: int) -> HttpResponse:
    lease = staff_lease(request, pk)
    form = PaymentForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> Payment:
        return services.payment_record(
            lease=lease,
            amount=cleaned["amount"],
            received_on=cleaned["received_on"],
            method=cleaned["method"],
            reference=cleaned["reference"],
            currency=cleaned.get("currency"),
            currency_amount=cleaned.get("currency_amount"),
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    def saved(payment: Payment) -> str:
        text = _("Payment of %(amount)s recorded.") % {"amount": money(payment.amount)}
        local = wording.local_text(payment)
        return f"{text} ({local})" if local else text

    today = clock.today()
    return lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Record a payment"),
        success=saved,
        next_url=lease_url(lease, "ledger"),
        message_tags=LEDGER_MESSAGE,
        context={"owed": owed_now(lease, today), "local_rates": local_rates_today(today)},
    )


@dataclass(frozen=True)
class LocalRateNow:
    currency: LocalCurrency
    rate: LocalCurrencyRate | None
    rate_text: str


def local_rates_today(today: dt.date) -> list[LocalRateNow]:
    """Each accepted currency and the board's rate and share in force today (None: no payment can be taken)."""
    rows = []
    for currency in LocalCurrency.objects.filter(active=True).order_by("name"):
        rate = ledger_selectors.local_rate_on(currency, today)
        rows.append(LocalRateNow(currency, rate, wording.rate_text(rate.dollars_per_unit) if rate else ""))
    return rows


@staff_required
def payment_reverse(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    lease = staff_lease(request, pk)
    payment = get_object_or_404(Payment.objects.visible_to(request.user), pk=payment_pk, lease=lease)
    form = PaymentReverseForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> Payment:
        return services.payment_reverse(
            payment=payment, reversed_on=cleaned["reversed_on"], actor=request.user, reason=cleaned["change_reason"]
        )

    return lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Reverse a payment"),
        success=_("Payment reversed; the amounts it paid are owed again."),
        next_url=lease_url(lease, "ledger"),
        message_tags=LEDGER_MESSAGE,
        context={"payment": payment, "payment_detail": wording.payment_detail(payment)},
    )


@staff_required
def charge_add(request: HttpRequest, pk: int) -> HttpResponse:
    lease = staff_lease(request, pk)
    form = ChargeForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> Charge:
        return services.charge_add(
            lease=lease,
            amount=cleaned["amount"],
            due=cleaned["due"],
            description=cleaned["description"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    return lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Add a charge"),
        success=_("Charge added."),
        next_url=lease_url(lease, "ledger"),
        message_tags=LEDGER_MESSAGE,
    )


@staff_required
def charge_waive(request: HttpRequest, pk: int, charge_pk: int) -> HttpResponse:
    lease = staff_lease(request, pk)
    charge = get_object_or_404(Charge.objects.visible_to(request.user), pk=charge_pk, lease=lease)
    today = clock.today()
    open_amount = ledger_selectors.ledger_state(lease, as_of=max(today, charge.due)).open_by_charge.get(str(charge.pk))
    form = WaiverForm(request.POST or None, initial={"amount": open_amount})

    def save(cleaned: dict[str, Any]) -> ChargeWaiver:
        return services.charge_waive(
            charge=charge,
            amount=cleaned["amount"],
            granted_on=cleaned["granted_on"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    return lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Waive a charge"),
        success=lambda w: _("%(amount)s waived.") % {"amount": money(w.amount)},
        next_url=lease_url(lease, "ledger"),
        message_tags=LEDGER_MESSAGE,
        context={"charge": charge, "charge_text": wording.charge_text(charge), "open_amount": open_amount},
    )


@staff_required
def fee_change(request: HttpRequest, pk: int) -> HttpResponse:
    """A new monthly fee from a date on; an increase is checked against the lease's cap."""
    lease = staff_lease(request, pk)
    form = FeeRateForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> Any:
        return services.fee_rate_change(
            lease=lease,
            effective=cleaned["effective"],
            amount=cleaned["amount"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    schedule = lease.fee_schedule
    return lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Change the lease fee"),
        success=lambda rate: (
            _("From %(date)s the fee is %(amount)s a month.")
            % {"date": date_text(rate.effective), "amount": money(rate.amount)}
        ),
        next_url=lease_url(lease, "ledger"),
        message_tags=LEDGER_MESSAGE,
        context={"schedule": schedule, "rates": schedule.rates.order_by("-effective")},
    )


@staff_required
def fee_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    lease = staff_lease(request, pk)
    form = FeeSuspendForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> Any:
        return services.fee_suspend(
            lease=lease, start=cleaned["start"], end=cleaned["end"], actor=request.user, reason=cleaned["change_reason"]
        )

    return lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Suspend the lease fee"),
        success=_("Fee suspension recorded."),
        next_url=lease_url(lease, "ledger"),
        message_tags=LEDGER_MESSAGE,
    )
