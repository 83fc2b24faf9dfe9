"""WSGI entry point (gunicorn clt.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings")
application = get_wsgi_application()

from clt.checks import refuse_to_serve_insecurely  # noqa: E402 - needs the settings loaded above

refuse_to_serve_insecurely()
