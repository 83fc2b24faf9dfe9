"""Today and now, from one place.

Every part of the product that asks "what day is it?" asks here, so that one switch moves the
whole trust to another day: ``load_demo --as-of 2024-02-29`` builds the demo as it would have
stood on that day, and a test fixes the date with time-machine (which moves
``django.utils.timezone.now`` and so this module too).

``today()`` is the trust's local date (``TIME_ZONE``), not UTC's: a fee due on the 1st is due
on the 1st in Burlington, even at 9 p.m. on the 31st when UTC has already turned the month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_fixed: ContextVar[dt.datetime | None] = ContextVar("clt_clock_fixed", default=None)


def now() -> dt.datetime:
    """The current moment, timezone-aware (the fixed moment inside ``fixed_at``)."""
    fixed = _fixed.get()
    return fixed if fixed is not None else timezone.now()


def today() -> dt.date:
    """The trust's current local date."""
    return timezone.localdate(now())


def moment_on(day: dt.date, hour: int = 12) -> dt.datetime:
    """``day`` at ``hour`` o'clock in the trust's time zone (noon: far from either midnight)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)), timezone.get_current_timezone())


@contextmanager
def fixed_at(when: dt.date | dt.datetime) -> Iterator[dt.datetime]:
    """Within the block, ``now()`` is ``when`` (a date means noon of that day, local time).

    The moment does not advance: a batch built inside (the demo) sees one consistent day. History
    rows keep their real timestamps, since they record when the change was actually made.
    """
    if isinstance(when, dt.datetime):
        moment = when if timezone.is_aware(when) else timezone.make_aware(when)
    else:
        moment = moment_on(when)
    token = _fixed.set(moment)
    try:
        yield moment
    finally:
        _fixed.reset(token)
