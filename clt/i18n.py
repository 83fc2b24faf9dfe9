"""The language of the pages: chosen with the switcher, remembered for a signed-in person.

Anonymous visitors (the vote page, the login page) keep their choice in Django's language cookie;
a signed-in person's choice is also stored (``AccountPreference``) and copied into the session at
sign-in, so it follows them to another browser without a query on every request.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from clt.language import supported
from clt.models import AccountPreference, Person

SESSION_KEY = "clt_language"


def language_for(user) -> str | None:
    """The language a login chose, or, before it ever chose, the one its person's letters are written in."""
    preference = AccountPreference.objects.filter(user=user).values_list("language", flat=True).first()
    if preference:
        return supported(preference)
    letters = Person.objects.filter(user=user).values_list("preferred_language", flat=True).first()
    return supported(letters)


@receiver(user_logged_in, dispatch_uid="clt.i18n.remember_language")
def _remember_language(sender, request: HttpRequest | None, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    language = language_for(user)
    if language:
        request.session[SESSION_KEY] = language


class UserLanguageMiddleware:
    """After ``LocaleMiddleware``: a signed-in person's chosen language wins over the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        language = session.get(SESSION_KEY) if session is not None and request.user.is_authenticated else None
        if language and supported(language) and language != translation.get_language():
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's switcher (cookie, safe ``next``), and for a signed-in person the choice remembered."""
    response = django_set_language(request)
    language = supported(request.POST.get("language"))
    if language and request.POST.get("language") == language:
        request.session[SESSION_KEY] = language
        if request.user.is_authenticated:
            AccountPreference.objects.update_or_create(user=request.user, defaults={"language": language})
    return response
