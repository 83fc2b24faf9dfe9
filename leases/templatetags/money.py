"""``{{ amount|money }}``: "$168,000.00", a negative amount "−$50.00" (the helper every money sentence uses)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from leases.resale import wording

register = template.Library()


@register.filter(name="money")
def money(value: Any) -> str:
    """Dollars with cents and grouping in the current locale; "" for no amount (so ``|default:"—"`` works)."""
    if value is None or value == "":
        return ""
    try:
        return wording.money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)
