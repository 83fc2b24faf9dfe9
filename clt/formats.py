"""Figures as a message shows them to people, in the active language's format."""

from __future__ import annotations

import datetime as dt

from django.utils import formats


def date_text(value: dt.date) -> str:
    """A date inside a sentence (a refusal, a notice): the locale's ``DATE_FORMAT``, e.g. "Dec. 7, 2026"."""
    return formats.date_format(value, "DATE_FORMAT")
