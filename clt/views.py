"""Pages every user meets (the home page for each role, the public about page) and the one form-to-service step."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
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
    """GET shows the form; a valid POST calls the service and redirects, an invalid one shows why.

    The service's ``ValidationError`` comes back on the form field it names (``renames`` maps a service's
    argument to the form's field where they differ), with nothing saved: the service runs in one transaction.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, renames=renames)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(next_url(result) if callable(next_url) else next_url)
    return render(request, template, {"form": form, **(context or {})})
