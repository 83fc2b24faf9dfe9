"""Calendar arithmetic shared by every app (pure: no Django).

One rule for a day the target month lacks: it becomes that month's last day. So 31 January plus one
month is 28 or 29 February, and 29 February plus a year is 28 February.
"""

from __future__ import annotations

import calendar
import datetime as dt

__all__ = ["add_months", "add_years", "month_bounds", "month_end", "month_start"]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months (negative: backwards), clamped to the target month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def month_start(day: dt.date, offset: int = 0) -> dt.date:
    """The first day of ``day``'s month, moved by ``offset`` months."""
    year, month = divmod(day.year * 12 + day.month - 1 + offset, 12)
    return dt.date(year, month + 1, 1)


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and last days of a month."""
    first = dt.date(year, month, 1)
    return first, month_end(first)
