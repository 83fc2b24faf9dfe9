#!/usr/bin/env python
"""Django's command-line utility for the CLT back office."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings")
    from governance.elections import recount

    if recount.quick_start(sys.argv):
        # A recount needs no app: see governance/elections/recount.py (0.6 s of every start saved).
        sys.exit(recount.main(sys.argv[2:]))
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Django's command runner swallows settings errors (so that `help` works) and would then run
    # `check` or `migrate` without our settings; a misconfigured environment must stop here instead.
    try:
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)

    # A command's messages to people speak the shell's language (LANG=es_US.UTF-8, or CLT_LANGUAGE=es).
    import django
    from django.utils import translation

    django.setup()
    from clt.language import command_language

    translation.activate(command_language())
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
