"""Figures in words for the resale explanations: money, percentages, dates, spans of time, household sizes.

The explanations (``explain``) and the pages that quote them write every figure through these, so a
price reads the same in a sentence, a table and a certificate.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt.formats import date_text

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def money(amount: Decimal, *, signed: bool = False, cents: bool = True) -> str:
    """``$150,000.00`` in the current locale, rounded half up to the cent (the engine's display rule).

    ``signed``: ``+$13,500.00`` / ``−$312.00``. Without it a negative amount still shows its minus sign.
    ``cents=False`` leaves the cents out of a whole amount ("a multiple of $500").
    """
    cents_value = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    places = 2 if cents or cents_value % 1 else 0
    number = formats.number_format(abs(cents_value), places, use_l10n=True, force_grouping=True)
    text = _("$%(amount)s") % {"amount": number}
    if cents_value < 0:
        return "\u2212" + text
    return "+" + text if signed and cents_value > 0 else text


def percent(fraction: Decimal) -> str:
    """``Decimal("0.015")`` → ``1.5 %``: as many decimals as the rate has, none invented."""
    value = (fraction * HUNDRED).normalize()
    places = max(0, -value.as_tuple().exponent)
    return _("%(value)s %%") % {"value": formats.number_format(value, places, use_l10n=True)}


def number(value: Decimal) -> str:
    value = value.normalize()
    places = max(0, -value.as_tuple().exponent)
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


def date(day: dt.date) -> str:
    # The site's one date format ("Dec. 7, 2026"), in a sentence as in a table.
    return date_text(day)


def years(count: int) -> str:
    return ngettext("%(count)s year", "%(count)s years", count) % {"count": count}


def months(count: int) -> str:
    return ngettext("%(count)s whole month", "%(count)s whole months", count) % {"count": count}


def days(count: int) -> str:
    return ngettext("%(count)s day", "%(count)s days", count) % {"count": count}


def people(size: Decimal) -> str:
    whole = int(size) if size == size.to_integral_value() else 2  # a fraction of a person reads as plural
    return ngettext("%(count)s person", "%(count)s people", whole) % {"count": number(size)}


def after_colon(label: str) -> str:
    # The engine writes "Credit for an improvement you made: {description}"; the description is the
    # owner's own words, so it is shown as written.
    return label.split(": ", 1)[1] if ": " in label else label


MONEY_AT_END = re.compile(r"(-?[0-9][0-9,]*\.[0-9]{2})$")


def money_at_end(label: str) -> Decimal | None:
    found = MONEY_AT_END.search(label)
    return Decimal(found.group(1).replace(",", "")) if found else None
