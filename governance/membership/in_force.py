"""Which ground leases are in force on a date: read by the membership selectors and the co-ops' votes."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

__all__ = ["in_force_q"]


def in_force_q(on: dt.date, prefix: str = "") -> Q:
    """Leases in force on ``on``: executed (not a draft), commenced on or before it, not ended on or before it.

    A buyer's lease held by assignment keeps the original commencement, so a successor is in force only from
    the day its predecessor ended (the closing): the seller stops being a lessee the day the buyer starts.
    """
    return (
        ~Q(**{f"{prefix}status": "draft"})
        & Q(**{f"{prefix}commencement__isnull": False, f"{prefix}commencement__lte": on})
        & (Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": on}))
        & (Q(**{f"{prefix}predecessor__isnull": True}) | Q(**{f"{prefix}predecessor__ended_on__lte": on}))
    )
