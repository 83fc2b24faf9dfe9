"""What each lease document says: the summary, the statement, the notices and the resale explanation."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Prefetch, Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from clt import clock
from clt.dates import month_bounds
from clt.formats import date_text
from clt.i18n import supported
from leases.ledger import fees, wording
from leases.ledger import selectors as ledger_selectors
from leases.ledger.models import Charge, ChargeKind, FeeRate, Payment
from leases.lifecycle.models import (
    Deadline,
    DeadlineStatus,
    GroundLease,
    LateFeeKind,
    LeaseEvent,
    Leaseholder,
    PermittedMortgage,
)
from leases.lifecycle.rules import DeadlineKind, EventKind, LeaseStatus
from leases.resale import codec as resale_codec
from leases.resale import engine as resale
from leases.resale import explain
from leases.resale.models import CreditMethod, IndexSeries, ResaleCalculation
from leases.resale.wording import money as dollars

CENT = Decimal("0.01")
ZERO = Decimal("0")


class DocumentError(ValueError):
    """A document cannot be made; the message says why, for the person who asked."""


class DocumentUnavailable(DocumentError):
    """The lease has nothing to put in this document (a notice with no such event): 404 in a view."""


class DocumentParameterError(DocumentError):
    """A bad request parameter (a month that is not YYYY-MM, an end before the start): 400 in a view."""


# ---------------------------------------------------------------------------------------------
# Formatting helpers (money in text the templates do not format themselves)
# ---------------------------------------------------------------------------------------------


def money(value: Decimal) -> str:
    """``value`` rounded half up to the cent, with the active locale's separators (1,234.50)."""
    return number_format(value.quantize(CENT, rounding=ROUND_HALF_UP), 2, force_grouping=True)


def _percent(value: Decimal) -> str:
    # Stored with 3 places (10.000): show what was agreed, 10 or 2.5.
    return f"{value.normalize():f}"


def late_fee_text(rule: Any) -> str:
    """A fee schedule's (or template version's) late-fee rule in a sentence."""
    kind = rule.late_fee_kind
    if kind == LateFeeKind.NONE:
        return _("No late fee.")
    # The English says "days" and "times" whatever the number (as it always has); the plural forms let a
    # translation say "1 día" and "1 vez".
    grace = rule.grace_days
    repeat = rule.late_fee_repeat_days or 0
    unpaid = ngettext(
        "%(amount)s when a fee is still unpaid %(days)s days after its due date",
        "%(amount)s when a fee is still unpaid %(days)s days after its due date",
        grace,
    )
    if kind == LateFeeKind.FLAT:
        text = unpaid % {"amount": dollars(rule.late_fee_amount), "days": grace}
        again = ngettext(
            "; %(amount)s again every further %(repeat)s days",
            "; %(amount)s again every further %(repeat)s days",
            repeat,
        )
    elif kind == LateFeeKind.PERCENT:
        text = ngettext(
            "%(percent)s%% of the amount past due when a fee is still unpaid %(days)s days after its due date",
            "%(percent)s%% of the amount past due when a fee is still unpaid %(days)s days after its due date",
            grace,
        ) % {"percent": _percent(rule.late_fee_percent), "days": grace}
        again = ngettext(
            "; %(percent)s%% of the original fee again every further %(repeat)s days",
            "; %(percent)s%% of the original fee again every further %(repeat)s days",
            repeat,
        )
    else:
        text = unpaid % {"amount": dollars(rule.late_fee_amount), "days": grace}
        again = ngettext(
            "; %(step)s more at each further assessment, every %(repeat)s days",
            "; %(step)s more at each further assessment, every %(repeat)s days",
            repeat,
        )
    if rule.late_fee_repeat_days:
        text += again % {
            "amount": dollars(rule.late_fee_amount),
            "percent": _percent(rule.late_fee_repeat_percent),
            "step": dollars(rule.late_fee_step),
            "repeat": rule.late_fee_repeat_days,
        }
        if rule.late_fee_max_assessments:
            text += ngettext(
                ", at most %(n)s times per fee", ", at most %(n)s times per fee", rule.late_fee_max_assessments
            ) % {"n": rule.late_fee_max_assessments}
    return text + "."


def _due_day_text(due_day: int) -> str:
    if due_day >= 31:
        return _("the last day of each month")
    return _("day %(day)s of each month") % {"day": due_day}


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str) -> tuple[dt.date, dt.date]:
    """``"2025-03"`` → (1 March 2025, 31 March 2025); anything else raises ``DocumentParameterError``."""
    match = _MONTH.match((value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise DocumentParameterError(
            _("month: %(value)r is not a month; write it as YYYY-MM, e.g. 2025-03.") % {"value": value}
        )
    return month_bounds(int(match.group(1)), int(match.group(2)))


def _parse_date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise DocumentParameterError(
            _("%(name)s: %(value)r is not a date; write it as YYYY-MM-DD.") % {"name": name, "value": value}
        ) from None


def last_full_month(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or clock.today()
    last = today.replace(day=1) - dt.timedelta(days=1)
    return month_bounds(last.year, last.month)


def statement_period(params: Mapping[str, str], *, today: dt.date | None = None) -> tuple[dt.date, dt.date, bool]:
    """The statement's (start, end, is_a_month) from ``?month=YYYY-MM`` or ``?start=&end=``.

    No parameter: the last full month. Both forms at once, one end of a range without the
    other, or an end before the start raise ``DocumentParameterError``.
    """
    month = params.get("month")
    start, end = params.get("start"), params.get("end")
    if month and (start or end):
        raise DocumentParameterError(_("month: give either a month or a start and an end, not both."))
    if month:
        return (*parse_month(month), True)
    if start or end:
        if not (start and end):
            missing = "end" if start else "start"
            raise DocumentParameterError(_("%(name)s: a date range needs both a start and an end.") % {"name": missing})
        first, last = _parse_date(start, "start"), _parse_date(end, "end")
        if last < first:
            raise DocumentParameterError(
                _("end: %(end)s is before the start, %(start)s.") % {"end": date_text(last), "start": date_text(first)}
            )
        whole_month = first.day == 1 and (first.year, first.month) == (last.year, last.month)
        return first, last, whole_month and last == month_bounds(first.year, first.month)[1]
    return (*last_full_month(today), True)


# ---------------------------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------------------------


def letter_languages(lease_ids: Iterable[int], *, default: str) -> dict[int, str]:
    """The language each lease's letters are written in: its first leaseholder's preferred language when the
    documents are written in it (``clt.i18n.supported``), else ``default`` (the command's or the page's)."""
    languages = dict.fromkeys(lease_ids, default)
    first_holders = Leaseholder.objects.filter(lease_id__in=list(languages)).order_by("lease_id", "pk")
    seen: set[int] = set()
    for lease_id, preferred in first_holders.values_list("lease_id", "person__preferred_language"):
        if lease_id not in seen:
            seen.add(lease_id)
            languages[lease_id] = supported(preferred) or default
    return languages


def document_leases() -> Any:
    return GroundLease.objects.select_related(
        "unit", "parcel", "template_version__template", "organization", "fee_schedule"
    ).prefetch_related(
        Prefetch("leaseholders", queryset=Leaseholder.objects.select_related("person").order_by("pk")),
        Prefetch("fee_schedule__rates", queryset=FeeRate.objects.order_by("effective")),
        "fee_schedule__suspensions",
    )


def _parties(lease: GroundLease) -> dict[str, Any]:
    """Who the lease is held by, with a mailing address for a letter."""
    if lease.organization_id:
        org = lease.organization
        return {
            "leaseholders": [org.name],
            "leaseholder_names": org.name,
            "mailing_address": org.mailing_address or lease.unit.address,
        }
    people = [holder.person for holder in lease.leaseholders.all()]
    names = [person.full_name for person in people]
    address = next((p.mailing_address for p in people if p.mailing_address), "") or lease.unit.address
    return {"leaseholders": names, "leaseholder_names": ", ".join(names), "mailing_address": address}


def document_base(lease: GroundLease, title: str, today: dt.date | None) -> dict[str, Any]:
    return {"lease": lease, "title": title, "prepared_on": today or clock.today(), **_parties(lease)}


def _rate_on(lease: GroundLease, day: dt.date) -> Decimal | None:
    rate = None
    for candidate in lease.fee_schedule.rates.all():
        if candidate.effective <= day:
            rate = candidate.amount
    return rate


def _active_mortgages(lease: GroundLease, on: dt.date) -> list[PermittedMortgage]:
    return list(
        lease.mortgages.filter(approved_on__lte=on)
        .filter(Q(released_on__isnull=True) | Q(released_on__gt=on))
        .select_related("lender")
        .order_by("lien_position", "pk")
    )


def _latest_event(lease: GroundLease, kind: EventKind) -> LeaseEvent | None:
    return lease.events.filter(kind=kind).order_by("-effective_on", "-pk").first()


def _date_or_none(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Lease summary
# ---------------------------------------------------------------------------------------------


def summary_context(lease: GroundLease, *, today: dt.date | None = None) -> dict[str, Any]:
    """The lease at a glance: home, parties, terms, dates, recording, prices, subsidies, mortgages, fee."""
    today = today or clock.today()
    version = lease.template_version
    schedule = lease.fee_schedule
    suspended = [s for s in schedule.suspensions.all() if s.start <= today and (s.end is None or today <= s.end)]
    subsidies = list(lease.subsidies.filter(stays_with_home=True).order_by("pk"))
    return {
        **document_base(lease, _("Lease summary"), today),
        "version": version,
        "renewals_left": max(version.renewal_terms - lease.renewals_used, 0),
        "schedule": schedule,
        "due_day_text": _due_day_text(schedule.due_day),
        "late_fee_text": late_fee_text(schedule),
        "current_fee": _rate_on(lease, today),
        "fee_suspended": suspended[0] if suspended else None,
        "subsidies": subsidies,
        "subsidies_total": sum((subsidy.amount for subsidy in subsidies), ZERO),
        "mortgages": _active_mortgages(lease, today),
        "status_label": lease.get_status_display(),
    }


# ---------------------------------------------------------------------------------------------
# Account statement
# ---------------------------------------------------------------------------------------------

_KIND_LABELS = {
    ChargeKind.FEE: gettext_lazy("Lease fee"),
    ChargeKind.LATE_FEE: gettext_lazy("Late fee"),
    ChargeKind.OTHER: gettext_lazy("Charge"),
}


def _charge_text(charge: Charge | None, kind: str) -> str:
    if charge is None:
        return str(_KIND_LABELS.get(kind, kind))
    return wording.charge_text(charge)


def _payment_text(payment: Payment | None, reversal: bool) -> str:
    if payment is None:
        return _("Payment reversed") if reversal else _("Payment received")
    detail = wording.payment_detail(payment)
    if reversal:
        return _("Payment of %(date)s reversed (%(detail)s)") % {
            "date": date_text(payment.received_on),
            "detail": payment.reversal_reason or detail,
        }
    return _("Payment received (%(detail)s)") % {"detail": detail}


def _next_fee(lease: GroundLease, end: dt.date) -> tuple[dt.date | None, Decimal]:
    """The first lease fee due after ``end`` and its amount, per the fee schedule (None for a lease
    that is no longer active: nothing more will be billed)."""
    if lease.status != LeaseStatus.ACTIVE:
        return None, ZERO
    schedule = lease.fee_schedule
    year, month = end.year, end.month
    due = fees.due_date(year, month, schedule.due_day)
    if due <= end:  # this month's fee is on the statement: the next one is next month's
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        due = fees.due_date(year, month, schedule.due_day)
    amount = fees.monthly_amount(
        [fees.Rate(r.effective, r.amount) for r in schedule.rates.all()],
        [fees.Period(s.start, s.end) for s in schedule.suspensions.all()],
        year,
        month,
        schedule.due_day,
    )
    return due, amount or ZERO


def statement_context(
    lease: GroundLease, *, start: dt.date, end: dt.date, month: bool = True, today: dt.date | None = None
) -> dict[str, Any]:
    """The account from ``start`` to ``end``: opening balance, each charge and payment with the running
    balance, closing balance, arrears by age at ``end``, and what to pay by when."""
    if end < start:
        raise DocumentParameterError(
            _("end: %(end)s is before the start, %(start)s.") % {"end": date_text(end), "start": date_text(start)}
        )
    statement = ledger_selectors.ledger_lines(lease, start=start, end=end)
    ageing = ledger_selectors.ledger_ageing(lease, as_of=end)
    charge_keys = [int(line.key) for line in statement.lines if line.kind in fees.CHARGE_KINDS]
    payment_keys = [int(line.key) for line in statement.lines if line.kind in ("payment", "reversal")]
    charges = (
        {str(c.pk): c for c in Charge.objects.filter(pk__in=charge_keys).select_related("source")}
        if charge_keys
        else {}
    )
    payments = (
        {str(p.pk): p for p in Payment.objects.filter(pk__in=payment_keys).select_related("currency")}
        if payment_keys
        else {}
    )
    rows = []
    for line in statement.lines:
        if line.kind in ("payment", "reversal"):
            text = _payment_text(payments.get(line.key), line.kind == "reversal")
        else:
            text = _charge_text(charges.get(line.key), line.kind)
        rows.append(
            {
                "date": line.date,
                "description": text,
                "debit": line.debit,
                "credit": line.credit,
                "balance": line.balance,
            }
        )
    next_due, next_fee = _next_fee(lease, end)
    closing = statement.closing
    title = _("Account statement")
    return {
        **document_base(lease, title, today),
        "start": start,
        "end": end,
        "is_month": month,
        "opening": statement.opening,
        "rows": rows,
        # Column totals (a reversed payment is debited in the charges column): opening + charged - paid = closing.
        "charged": sum((line.debit for line in statement.lines), ZERO),
        "paid": sum((line.credit for line in statement.lines), ZERO),
        "reversed": sum((line.debit for line in statement.lines if line.kind == "reversal"), ZERO),
        "closing": closing,
        "credit": -closing if closing < 0 else ZERO,
        "ageing": ageing,
        "ageing_rows": [
            (_("0–30 days"), ageing.days_0_30),
            (_("31–60 days"), ageing.days_31_60),
            (_("61–90 days"), ageing.days_61_90),
            (_("Over 90 days"), ageing.over_90),
        ],
        "past_due": ageing.total,
        "next_due": next_due,
        "next_fee": next_fee,
        "amount_to_pay": max(closing + next_fee, ZERO),
        "lease_ended": lease.status != LeaseStatus.ACTIVE,
    }


# ---------------------------------------------------------------------------------------------
# Notices
# ---------------------------------------------------------------------------------------------


def _deadline(lease: GroundLease, kind: DeadlineKind, event: LeaseEvent | None) -> Deadline | None:
    if event is None:
        return None
    return lease.deadlines.filter(kind=kind, opened_by=event).order_by("-pk").first()


def default_notice_context(lease: GroundLease, *, today: dt.date | None = None) -> dict[str, Any]:
    """The latest notice of default: the breach, its receipt, the cure deadline, the mortgagee's copy."""
    event = _latest_event(lease, EventKind.DEFAULT_NOTICE_SENT)
    if event is None:
        raise DocumentUnavailable(_("Lease %(id)s has no notice of default on record.") % {"id": lease.pk})
    cure = _deadline(lease, DeadlineKind.CURE, event)
    notice_date = event.sent_on or event.effective_on
    state = ledger_selectors.ledger_state(lease, as_of=notice_date)
    cured = lease.events.filter(kind=EventKind.DEFAULT_CURED, pk__gt=event.pk).order_by("pk").first()
    return {
        **document_base(lease, _("Notice of default"), today),
        "event": event,
        "notice_date": notice_date,
        "breach": str(event.data.get("breach", "")),
        "cure": cure,
        "cure_days": cure.days if cure and cure.days is not None else lease.template_version.cure_days,
        "mortgages": _active_mortgages(lease, notice_date),
        "mortgagee_received_on": _date_or_none(event.data.get("mortgagee_received_on")),
        "arrears": state.arrears,
        "cured": cured,
    }


def option_notice_context(lease: GroundLease, *, today: dt.date | None = None) -> dict[str, Any]:
    """The trust's purchase option on the latest resale agreement: its exercise deadline, the closing
    window, and any second-appraisal deadline of the same sale still open."""
    event = _latest_event(lease, EventKind.RESALE_AGREEMENT_SIGNED)
    if event is None:
        raise DocumentUnavailable(
            _("Lease %(id)s has no signed resale agreement on record, so no purchase option is open.")
            % {"id": lease.pk}
        )
    exercise = _deadline(lease, DeadlineKind.OPTION_EXERCISE, event)
    later = lease.events.filter(pk__gt=event.pk)
    outcome = (
        later.filter(kind__in=(EventKind.OPTION_EXERCISED, EventKind.OPTION_WAIVED, EventKind.OPTION_LAPSED))
        .order_by("pk")
        .first()
    )
    closing = (
        _deadline(lease, DeadlineKind.OPTION_CLOSING, outcome)
        if outcome is not None and outcome.kind == EventKind.OPTION_EXERCISED
        else None
    )
    intent = lease.events.filter(kind=EventKind.INTENT_TO_SELL_RECEIVED, pk__lt=event.pk).order_by("-pk").first()
    # The resale agreement settles the second-appraisal deadlines; one still open means the price is
    # not settled yet, which the owner must know.
    appraisal = (
        list(
            lease.deadlines.filter(
                opened_by=intent,
                kind__in=(DeadlineKind.SECOND_APPRAISAL_DECISION, DeadlineKind.SECOND_APPRAISAL_DELIVERY),
                status=DeadlineStatus.OPEN,
            ).order_by("due")
        )
        if intent is not None
        else []
    )
    version = lease.template_version
    return {
        **document_base(lease, _("Notice of the trust's purchase option"), today),
        "event": event,
        "received_on": event.received_on or event.effective_on,
        "exercise": exercise,
        "exercise_days": exercise.days if exercise and exercise.days is not None else version.option_exercise_days,
        "closing_days": version.option_closing_days,
        "closing": closing,
        "outcome": outcome,
        "intent": intent,
        "appraisal_deadlines": appraisal,
    }


# ---------------------------------------------------------------------------------------------
# Resale-price certificate (a saved calculation, explained)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExplainedLine:
    """One line of a saved calculation for people: what it is, by how much, the figure after it, and why.

    Amounts are rounded half up to the cent for reading; the stored result keeps them exact.
    """

    code: str
    label: str
    amount: Decimal
    total: Decimal
    detail: str


# The index inputs a formula reads, in reading order: (field, label, the date it is looked up on).
INDEX_INPUTS = (
    ("cpi_at_purchase", gettext_lazy("Consumer price index at purchase"), "purchase_date"),
    ("cpi_at_determination", gettext_lazy("Consumer price index at determination"), "determination_date"),
    ("ami_at_purchase", gettext_lazy("Area median income at purchase"), "purchase_date"),
    ("ami_at_determination", gettext_lazy("Area median income at determination"), "determination_date"),
)
# Amounts paid out of the price or the proceeds, as the inputs list them.
CHARGE_INPUTS = (
    ("price_deductions", gettext_lazy("Deductions from the price")),
    ("liens", gettext_lazy("Seller's loan payoff")),
    ("sale_closing_costs", gettext_lazy("Seller's closing costs")),
    ("arrears", gettext_lazy("Unpaid lease fees and charges")),
    ("fees", gettext_lazy("Fees")),
    ("proceeds_deductions", gettext_lazy("Other deductions from the seller's proceeds")),
)
OTHER_INPUTS = (
    ("bedrooms", gettext_lazy("Bedrooms")),
    ("investment_basis", gettext_lazy("Investment basis")),
    ("retained_subsidy", gettext_lazy("Subsidy that stays with the home")),
    ("principal_paid", gettext_lazy("Loan principal paid")),
    ("down_payment", gettext_lazy("Down payment")),
    ("purchase_closing_costs", gettext_lazy("Closing costs at purchase")),
)


def _cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _explained(lines: Iterable[Any]) -> list[ExplainedLine]:
    """``leases.resale.explain``'s translated sentences, with the figures rounded for reading."""
    return [ExplainedLine(line.code, line.text, _cent(line.amount), _cent(line.total), "") for line in lines]


def _appraisal(appraisal: Any) -> dict[str, Any] | None:
    if appraisal is None:
        return None
    return {
        "total": None if appraisal.total is None else _cent(appraisal.total),
        "land": None if appraisal.land is None else _cent(appraisal.land),
        "improvements": None if appraisal.improvements is None else _cent(appraisal.improvements),
        "effective_date": appraisal.effective_date,
    }


def resale_explanation(calculation: ResaleCalculation) -> dict[str, Any]:
    """A saved calculation in words and figures, for its page and its certificate: the line items, the prices,
    the seller's proceeds, and every input the engine used (read back from the stored JSON, never recomputed).
    """
    inputs = resale_codec.inputs_from_dict(calculation.inputs)
    result = resale_codec.result_from_dict(calculation.result)
    try:
        policy = resale_codec.policy_from_dict(calculation.policy)
    except resale.ResaleInputError:
        policy = None  # an engine change made the stored parameters unreadable: sentences without the rates
    indexes = []
    # A series by its name, not its code (the slug is for the API).
    codes = {getattr(inputs, field).series for field, _l, _d in INDEX_INPUTS if getattr(inputs, field) is not None}
    names = dict(IndexSeries.objects.filter(code__in=codes).values_list("code", "name"))
    for field, label, date_field in INDEX_INPUTS:
        value = getattr(inputs, field)
        if value is not None:
            indexes.append(
                {
                    "field": field,
                    "label": label,
                    "series": names.get(value.series, value.series),
                    "code": value.series if value.series in names else "",  # the staff pages link to a stored series
                    "on": getattr(inputs, date_field),
                    "effective_from": value.effective_from,
                    "value": value.value,
                }
            )
    charges = []
    for field, label in CHARGE_INPUTS:
        for charge in getattr(inputs, field):
            charges.append({"group": label, "label": charge.label, "amount": _cent(charge.amount)})
    improvements = [
        {
            "description": item.description,
            "maintenance": item.maintenance,
            "completed_on": item.completed_on,
            "approved_on": item.approved_on,
            "cost": _cent(item.cost),
            "method": CreditMethod(item.method.value).label,
            "credit_pct": (item.credit_pct * 100).normalize(),
            "documented": item.documented,
        }
        for item in inputs.capital_improvements
    ]
    others = []
    for field, label in OTHER_INPUTS:
        value = getattr(inputs, field)
        if value is None or (field == "retained_subsidy" and not value):
            continue
        money = not isinstance(value, int)
        others.append({"label": label, "value": _cent(value) if money else value, "money": money})
    # Staff pages and the certificate speak about the homeowner, not to them.
    voice = explain.Voice.THIRD_PERSON
    lines = _explained(explain.explain(result, policy=policy, inputs=inputs, total=False, voice=voice))
    return {
        "lines": lines,
        "caps": [line for line in lines if line.code.startswith("cap.")],
        "proceeds": _explained(explain.explain_proceeds(result, voice=voice)[:-1]),  # the last line repeats the total
        "formula_price": _cent(result.formula_price),
        "capped_price": _cent(result.capped_price),
        "price": _cent(result.price),
        "credits_total": _cent(result.credits_total),
        "seller_proceeds": _cent(result.seller_proceeds),
        "purchase_price": _cent(inputs.purchase_price),
        "purchase_date": inputs.purchase_date,
        "determination_date": inputs.determination_date,
        "initial_appraisal": _appraisal(inputs.initial_appraisal),
        "resale_appraisal": _appraisal(inputs.resale_appraisal),
        "index_values": indexes,
        "improvements": improvements,
        "charges": charges,
        "other_inputs": others,
    }
