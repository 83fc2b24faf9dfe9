"""A charge and a payment as a person reads them on the ledger, the statement and the forms.

The stored ``description`` of a billed fee or late fee is written once, in one language, when billing
runs ("Lease fee, 2026-03", "Late fee 2"): the API keeps it. People read it worded here, in their language,
with the month in the locale's format ("Lease fee for March 2026", "Late fee on the March 2026 lease fee").
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from leases.ledger.models import Charge, ChargeKind, Payment, PaymentMethod

__all__ = ["charge_text", "local_text", "month_text", "payment_detail", "payment_text", "rate_text", "units_text"]

# Words a reference often repeats from its method ("Cheque 1536" for a check, "ACH" for a bank transfer).
_METHOD_WORDS = {
    PaymentMethod.CHECK: ("cheque", "check", "chk", "ck"),
    PaymentMethod.ACH: ("ach", "bank transfer", "transfer", "eft"),
    PaymentMethod.CASH: ("cash",),
    PaymentMethod.CARD: ("card", "credit card", "debit card"),
}
_NUMBER_WORDS = re.compile(r"^(?:no\.?|number|num\.?|#)\s*", re.IGNORECASE)


def month_text(day: dt.date) -> str:
    """The month as "March 2026": the locale's ``YEAR_MONTH_FORMAT``."""
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def _fee_month(charge: Charge) -> dt.date:
    return charge.period or charge.due


def charge_text(charge: Charge) -> str:
    """A billed lease fee by its month, a late fee by the fee it is on; a charge staff added by its description.

    ``charge.source`` is read for a late fee: select it with the charges (``select_related("source")``).
    """
    if charge.kind == ChargeKind.FEE and (charge.period or not charge.description):
        return _("Lease fee for %(month)s") % {"month": month_text(_fee_month(charge))}
    if charge.kind == ChargeKind.LATE_FEE and charge.source_id:
        month = month_text(_fee_month(charge.source))
        if (charge.sequence or 1) > 1:
            return _("Late fee on the %(month)s lease fee, still unpaid") % {"month": month}
        return _("Late fee on the %(month)s lease fee") % {"month": month}
    return charge.description or str(charge.get_kind_display())


def _reference(payment: Payment) -> str:
    """The reference without the method's own word in front of it ("Cheque 1536" → "1536" for a check)."""
    reference = (payment.reference or "").strip()
    words = (*_METHOD_WORDS.get(payment.method, ()), str(payment.get_method_display()).lower(), payment.method)
    lowered = reference.lower()
    for word in sorted(words, key=len, reverse=True):
        if lowered == word:
            return ""
        if lowered.startswith(word + " "):
            reference = reference[len(word) :].strip()
            break
    return _NUMBER_WORDS.sub("", reference).strip()


def _plain(value: Decimal, places: int) -> str:
    # At least ``places`` decimals, more only when the value has them: 120.00 → "120", 0.9500 → "0.95".
    exponent = value.normalize().as_tuple().exponent
    shown = max(places, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return formats.number_format(value, shown, use_l10n=True, force_grouping=True)


def units_text(units: Decimal) -> str:
    """An amount in a local currency without needless zeros: "120", "2.5"."""
    return _plain(units, 0)


def rate_text(rate: Decimal) -> str:
    """Dollars per unit with cents and any further digits the board set: "0.95", "15.3333"."""
    return _plain(rate, 2)


def local_text(payment: Payment) -> str:
    """How a local-currency payment was made: "paid as 120 BerkShares at $0.95 per B$" ("" in dollars).

    ``payment.currency`` is read: select it with the payments (``select_related("currency")``).
    """
    if payment.currency_id is None:
        return ""
    return _("paid as %(units)s %(currency)s at $%(rate)s per %(symbol)s") % {
        "units": units_text(payment.currency_amount),
        "currency": payment.currency.name,
        "rate": rate_text(payment.currency_rate),
        "symbol": payment.currency.symbol,
    }


def payment_detail(payment: Payment) -> str:
    """How it was paid: "check no. 1536", "bank transfer", "cash, receipt 22" (the method said once), and for a
    local currency what was handed over: "cash; paid as 120 BerkShares at $0.95 per B$"."""
    method = str(payment.get_method_display()).lower()
    reference = _reference(payment)
    if not reference:
        detail = method
    elif reference.isdigit():
        detail = _("%(method)s no. %(number)s") % {"method": method, "number": reference}
    else:
        detail = _("%(method)s, reference %(reference)s") % {"method": method, "reference": reference}
    local = local_text(payment)
    return _("%(detail)s; %(local)s") % {"detail": detail, "local": local} if local else detail


def payment_text(payment: Payment) -> str:
    """A ledger line's words for a payment: "Payment, check no. 1536"."""
    return _("Payment, %(detail)s") % {"detail": payment_detail(payment)}
