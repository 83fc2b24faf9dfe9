"""Anonymous visitors see the login page and public pages, nothing else."""

from __future__ import annotations

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's middleware, except for the API, which answers 401/403 itself.

    A redirect to an HTML login page is the wrong answer to an API client; DRF's permission
    classes (``clt.permissions``) refuse anonymous API requests instead.
    """

    exempt_prefixes = ("/api/",)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(self.exempt_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
