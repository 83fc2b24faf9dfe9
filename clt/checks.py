"""Refuse to serve with the development secret key once DEBUG is off."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

MESSAGE = "SECRET_KEY must be set when DEBUG is off (see README, 'Settings')."


def insecure_key_in_production() -> bool:
    return not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs) -> list[Error]:
    if insecure_key_in_production():
        return [Error(MESSAGE, id="clt.E001")]
    return []


def refuse_to_serve_insecurely() -> None:
    """Called by the WSGI/ASGI entry points: a production process never starts with the dev key."""
    if insecure_key_in_production():
        raise ImproperlyConfigured(MESSAGE)
