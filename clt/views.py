"""Pages every user meets: the home page for each role, and the public about page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clt.dashboard import panels_for


def home(request: HttpRequest) -> HttpResponse:
    """A start page: each app contributes the panels the user's roles call for."""
    return render(request, "home.html", {"panels": panels_for(request)})


@login_not_required
def about(request: HttpRequest) -> HttpResponse:
    """Public page: what a community land trust is and what this office does."""
    return render(request, "about.html")
