"""Rate limits for the pages anyone may use without logging in: the vote page and the receipt check.

An access code (79 bits) or a receipt cannot be guessed, but unlimited tries would still let one
address flood the page or probe it. Two counters per client address and page ("scope"), in fixed
windows of ``RATE_LIMITS[scope]["window"]`` seconds, kept in Django's cache:

* ``failures``: wrong codes (or receipts not found). Counting failures, not visits, is what lets a
  family, or a meeting hall, share one address: voters who type their code right never use it up.
* ``requests``: every POST, a generous cap against a flood.

Over either limit the page answers 429 (``templates/429.html``) with ``Retry-After``, until the window
ends. A limit of 0 turns that counter off. The cache must be shared by every worker for the numbers to
hold across them (``CACHE_BACKEND=database``, docs/security.md); with a cache per process each worker
counts on its own.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt import clock

__all__ = ["client_address", "count_failure", "rate_limited"]


def client_address(request: HttpRequest) -> str:
    """The client's IP address: ``REMOTE_ADDR``, or from ``X-Forwarded-For`` behind trusted proxies.

    ``X-Forwarded-For`` is written by whoever sends the request, so it is believed only as far as
    ``TRUSTED_PROXY_COUNT`` proxies of our own have appended to it: the address the outermost of them
    saw is the client's. Anything to its left could be forged. Login lockouts (django-axes) use the
    same function, so both count the same address.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(hops) < proxies:
        # Fewer entries than proxies: the request did not come through all of them; trust only the socket.
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # not an address: a proxy misconfigured, or a forged header that reached us
        return remote


def _window(scope: str) -> tuple[int, int]:
    """(seconds per window, start of the current window as a Unix time)."""
    seconds = max(int(settings.RATE_LIMITS[scope]["window"]), 1)
    now = int(clock.now().timestamp())
    return seconds, now - now % seconds


def _key(request: HttpRequest, scope: str, counter: str, start: int) -> str:
    # The address is hashed so that the cache (a database table, possibly) holds no voter's address.
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    return f"clt-rl:{scope}:{counter}:{address}:{start}"


def _increment(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1


def count_failure(request: HttpRequest, scope: str) -> None:
    """Count one failed attempt (a wrong code, a receipt not found) from this client on ``scope``."""
    seconds, start = _window(scope)
    _increment(_key(request, scope, "failures", start), seconds)


def _over_limit(request: HttpRequest, scope: str) -> int | None:
    """Seconds until the window ends if the client is over a limit (counting this request), else None."""
    limits = settings.RATE_LIMITS[scope]
    seconds, start = _window(scope)
    retry_after = max(start + seconds - int(clock.now().timestamp()), 1)
    failure_limit = int(limits["failures"])
    if failure_limit > 0 and (cache.get(_key(request, scope, "failures", start)) or 0) >= failure_limit:
        return retry_after
    request_limit = int(limits["requests"])
    if request_limit > 0 and _increment(_key(request, scope, "requests", start), seconds) > request_limit:
        return retry_after
    return None


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    minutes = max(math.ceil(retry_after / 60), 1)
    context = {
        "wait": ngettext("Try again in %(n)s minute.", "Try again in %(n)s minutes.", minutes) % {"n": minutes},
        "reason": _(
            "Too many attempts from your network in a short time. This protects the election: nobody can "
            "try code after code."
        ),
    }
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def rate_limited(scope: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view: its POSTs are counted on ``scope``, and refused with 429 over the limits.

    GETs pass (reading the page costs nothing and guesses nothing). The view calls ``count_failure``
    for each wrong code it is sent.
    """
    if scope not in settings.RATE_LIMITS:
        raise KeyError(f"RATE_LIMITS has no scope {scope!r}")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                retry_after = _over_limit(request, scope)
                if retry_after is not None:
                    return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
