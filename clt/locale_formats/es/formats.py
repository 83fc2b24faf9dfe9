"""Spanish for a US trust: the same dates and numbers as English (see ``../en/formats.py`` for why)."""

from clt.locale_formats.en.formats import *  # noqa: F403
