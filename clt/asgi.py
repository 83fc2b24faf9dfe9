"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings")
application = get_asgi_application()

from clt.checks import refuse_to_serve_insecurely  # noqa: E402 - needs the settings loaded above

refuse_to_serve_insecurely()
