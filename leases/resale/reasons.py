"""The resale engine's reasons for refusing an input, in the reader's language.

The engine (``leases/resale/engine.py``) is pure: its ``ResaleInputError`` carries an English ``reason`` (kept
for the API and the logs) and, for the reasons a person meets on a form, a stable ``code`` with its
``params``. ``reason_text`` words that code with gettext (in English as the engine words it, dates in the
site's format, so the API's English stays the same), figures and dates in the site's formats; a reason
without a code (a programming error: a float where a Decimal belongs) is shown as the engine wrote it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt.formats import date_text
from leases.resale import engine as resale
from leases.resale import wording

__all__ = ["reason_text"]


def _index_stale(params: dict[str, Any]) -> str:
    days = params["days"]
    return ngettext(
        "has no value in effect on %(on)s: the latest, from %(latest)s, is more than %(days)s day old",
        "has no value in effect on %(on)s: the latest, from %(latest)s, is more than %(days)s days old",
        days,
    ) % {"on": date_text(params["on"]), "latest": date_text(params["latest"]), "days": days}


_REASONS: dict[str, Callable[[dict[str, Any]], str]] = {
    "positive": lambda p: _("must be greater than zero"),
    "negative": lambda p: _("cannot be negative"),
    "minimum": lambda p: _("must be at least %(minimum)s") % {"minimum": wording.number(Decimal(str(p["minimum"])))},
    "fraction": lambda p: _("is a fraction (0.25 for 25 %%) and must be at most 1"),
    "fraction_below_one": lambda p: _("is a fraction (0.25 for 25 %%) and must be below 1"),
    "land_over_total": lambda p: _("the land cannot be worth more than the whole property"),
    "parts_total": lambda p: _("land and improvements must add up to the total"),
    "before_purchase": lambda p: _("is before the purchase date"),
    "index_after": lambda p: (
        _("is in effect from %(from)s, after the date it is read for, %(on)s")
        % {"from": date_text(p["effective_from"]), "on": date_text(p["on"])}
    ),
    "index_empty": lambda p: _("is empty: the series has no values yet"),
    "index_before_first": lambda p: (
        _("has no value in effect on %(on)s: its first value is from %(first)s")
        % {"on": date_text(p["on"]), "first": date_text(p["first"])}
    ),
    "index_stale": _index_stale,
    "required": lambda p: _("is required by the resale formula"),
    "required_improvements": lambda p: _(
        "the value of the home without the land (or the total and the land value) is required by the resale formula"
    ),
    "unbounded": lambda p: _("the price grows beyond any amount a record holds by this date"),
}


def reason_text(error: resale.ResaleInputError) -> str:
    """``error``'s reason in the active language (the engine's English when it has no code)."""
    words = _REASONS.get(getattr(error, "code", ""))
    return words(error.params) if words is not None else error.reason
