"""Which of the product's languages a code or the shell asks for: settings only, no app, no model.

``manage.py`` picks a command's language before the apps are set up (``tally`` never sets them up), so
this lives apart from ``clt.i18n`` and its models.
"""

from __future__ import annotations

import os

from django.conf import settings

__all__ = ["command_language", "supported"]


def supported(code: str | None) -> str | None:
    """``"es-US"`` → ``"es"``; ``None`` for a language the pages are not written in."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].split(".")[0].lower()
    return base if base in dict(settings.LANGUAGES) else None


def command_language() -> str:
    """The language of a management command's messages: ``CLT_LANGUAGE``, else the shell's locale, else English.

    ``LANG=es_US.UTF-8 manage.py bill …`` speaks Spanish; a language the pages lack falls back to English.
    """
    for name in ("CLT_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        language = supported(os.environ.get(name))
        if language:
            return language
        if os.environ.get(name) and name != "CLT_LANGUAGE":
            # The first locale variable set decides, as in POSIX: LC_ALL=C keeps English.
            break
    return settings.LANGUAGE_CODE
