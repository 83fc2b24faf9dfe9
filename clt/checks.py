"""Deployment checks: refuse to serve with the development secret key once DEBUG is off, and warn
while emails would still link to this machine instead of the site's public address."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

MESSAGE = "SECRET_KEY must be set when DEBUG is off (see docs/deployment.md, 'Settings')."
SITE_URL_MESSAGE = "SITE_URL points at this machine ({url}): links in emails would not reach anyone."
SITE_URL_HINT = "Set SITE_URL to the site's public address, e.g. https://office.example-clt.org (docs/deployment.md)."
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


def insecure_key_in_production() -> bool:
    return not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs) -> list[Error]:
    if insecure_key_in_production():
        return [Error(MESSAGE, id="clt.E001")]
    return []


@register(deploy=True)
def check_site_url(app_configs, **kwargs) -> list[Warning]:
    """The default SITE_URL (http://127.0.0.1:8000) is right on a laptop and wrong in production."""
    url = str(getattr(settings, "CLT", {}).get("SITE_URL", ""))
    if settings.DEBUG or not url:
        return []
    if (urlsplit(url).hostname or "").lower() in LOOPBACK_HOSTS:
        return [Warning(SITE_URL_MESSAGE.format(url=url), hint=SITE_URL_HINT, id="clt.W001")]
    return []


def refuse_to_serve_insecurely() -> None:
    """Called by the WSGI/ASGI entry points: a production process never starts with the dev key."""
    if insecure_key_in_production():
        raise ImproperlyConfigured(MESSAGE)
