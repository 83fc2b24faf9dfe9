"""Pages every user meets (the home page for each role, the public about page) and the one form-to-service step."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clt.dashboard import panels_for
from clt.forms import add_service_errors


def home(request: HttpRequest) -> HttpResponse:
    """A start page: each app contributes the panels the user's roles call for."""
    return render(request, "home.html", {"panels": panels_for(request)})


@login_not_required
def about(request: HttpRequest) -> HttpResponse:
    """Public page: what a community land trust is and what this office does."""
    return render(request, "about.html")


def _saved(
    request: HttpRequest,
    form: Any,
    save: Callable[[dict[str, Any]], Any],
    success: str | Callable[[Any], str] | None,
    renames: Mapping[str, str] | None,
) -> tuple[bool, Any]:
    if not form.is_valid():
        return False, None
    try:
        result = save(dict(form.cleaned_data))
    except (ValidationError, PermissionDenied) as error:
        add_service_errors(form, error, renames=renames)
        return False, None
    if success:
        messages.success(request, success(result) if callable(success) else success)
    return True, result


def form_saved(
    request: HttpRequest,
    form: Any,
    save: Callable[[dict[str, Any]], Any],
    *,
    success: str | Callable[[Any], str] | None = None,
    renames: Mapping[str, str] | None = None,
) -> bool:
    """The one step every page form takes: if ``form`` is valid, call the service ``save`` with its cleaned data.

    A service's refusal (``ValidationError`` or ``PermissionDenied``) comes back on the form field it names
    (``renames`` maps a service's argument to the form's field where they differ), with nothing saved: the
    service runs in one transaction. ``True`` once saved (``success`` shown); ``False`` when the form must be
    shown again with its errors.
    """
    return _saved(request, form, save, success, renames)[0]


def form_page(
    request: HttpRequest,
    form: Any,
    save: Callable[[dict[str, Any]], Any],
    *,
    template: str,
    success: str | Callable[[Any], str],
    next_url: str | Callable[[Any], str],
    context: dict[str, Any] | None = None,
    renames: Mapping[str, str] | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST calls the service (``form_saved``) and redirects, an invalid one shows why."""
    if request.method == "POST":
        saved, result = _saved(request, form, save, success, renames)
        if saved:
            return redirect(next_url(result) if callable(next_url) else next_url)
    return render(request, template, {"form": form, **(context or {})})
