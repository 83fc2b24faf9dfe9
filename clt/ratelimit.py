"""Rate limits for the pages anyone may use without logging in: the vote page and the receipt check.

An access code (79 bits) or a receipt cannot be guessed, but unlimited tries would still let one
address flood the page or probe it. Two counters per client address and page ("scope"), in fixed
windows of ``RATE_LIMITS[scope]["window"]`` seconds, kept in Django's cache:

* ``failures``: wrong codes (or receipts not found). Counting failures, not visits, is what lets a
  family, or a meeting hall, share one address: voters who type their code right never use it up.
* ``requests``: every POST, a generous cap against a flood.

A failure's slot is reserved before the view runs (increment, then compare) and given back when the
attempt turns out not to be one, so parallel wrong codes cannot all pass a check made before any of them
is counted. Over either limit the page answers 429 (``templates/429.html``) with ``Retry-After``, until
the window ends. A limit of 0 turns that counter off. The cache must be shared by every worker for the
numbers to hold across them (``CACHE_BACKEND=database``, docs/security.md); with a cache per process
each worker counts on its own. Django's database cache increments by reading then writing, not
atomically: simultaneous requests can lose an increment there (docs/security.md).

An address is grouped for counting: IPv6 by its /64 (one subscriber's usual allocation, so rotating
addresses inside it does not reset the count), IPv4 as itself.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt import clock

__all__ = ["client_address", "count_failure", "rate_limited", "retry_later_response"]


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


def address_group(address: str) -> str:
    """What one client is counted as: an IPv6 address's /64 network, an IPv4 address (or anything else) as is."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def _key(request: HttpRequest, scope: str, counter: str, start: int) -> str:
    # The cache (a database table, possibly) holds no address in the clear, and a plain hash would not
    # hide one (2^32 IPv4 addresses are quickly tried): it holds an HMAC under a key derived from
    # SECRET_KEY, which whoever also has SECRET_KEY can still match against candidate addresses.
    address = salted_hmac("clt.ratelimit.address", address_group(client_address(request)), algorithm="sha256")
    return f"clt-rl:{scope}:{counter}:{address.hexdigest()[:32]}:{start}"


def _increment(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout)
    try:
        value = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1
    # Backends without an incr of their own (the database cache) rewrite the value with the default
    # timeout (300 s): the counter must outlive the window it counts.
    cache.touch(key, timeout)
    return value


def _give_back(key: str, timeout: int) -> None:
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
        cache.decr(key)
        cache.touch(key, timeout)  # as in _increment


# Set on the request by ``rate_limited``: scope -> [key of the reserved failure slot, whether it was used].
_RESERVED = "_clt_ratelimit_reserved"


def count_failure(request: HttpRequest, scope: str) -> None:
    """Count one failed attempt (a wrong code, a receipt not found) from this client on ``scope``.

    Inside a ``rate_limited`` view this keeps the slot reserved before the view ran; elsewhere it counts.
    """
    reserved = getattr(request, _RESERVED, {}).get(scope)
    if reserved is not None and not reserved[1]:
        reserved[1] = True
        return
    seconds, start = _window(scope)
    _increment(_key(request, scope, "failures", start), seconds)


def _reserve(request: HttpRequest, scope: str) -> tuple[str | None, int | None]:
    """Reserve a failure slot and count the POST.

    Returns the reserved slot's key (None with no failure limit) and, if the client is over a limit, the
    seconds until the window ends (then nothing stays reserved).
    """
    limits = settings.RATE_LIMITS[scope]
    seconds, start = _window(scope)
    retry_after = max(start + seconds - int(clock.now().timestamp()), 1)
    reserved = None
    failure_limit = int(limits["failures"])
    if failure_limit > 0:
        reserved = _key(request, scope, "failures", start)
        if _increment(reserved, seconds) > failure_limit:
            _give_back(reserved, seconds)
            return None, retry_after
    request_limit = int(limits["requests"])
    if request_limit > 0 and _increment(_key(request, scope, "requests", start), seconds) > request_limit:
        if reserved is not None:
            _give_back(reserved, seconds)
        return None, retry_after
    return reserved, None


def retry_later_response(
    request: HttpRequest,
    retry_after: int,
    template: str,
    context: dict[str, Any] | None = None,
    status: int = 429,
) -> HttpResponse:
    """A refusal for now (rate limit, login lockout): ``template`` with how long to wait, ``Retry-After``, no-store."""
    minutes = max(math.ceil(retry_after / 60), 1)
    full_context = {
        "wait": ngettext("Try again in %(n)s minute.", "Try again in %(n)s minutes.", minutes) % {"n": minutes},
        "minutes": minutes,
        **(context or {}),
    }
    response = render(request, template, full_context, status=status)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    reason = _(
        "Too many attempts from your network in a short time. This protects the election: nobody can "
        "try code after code."
    )
    return retry_later_response(request, retry_after, "429.html", {"reason": reason})


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
            if request.method != "POST":
                return view(request, *args, **kwargs)
            reserved, retry_after = _reserve(request, scope)
            if retry_after is not None:
                return too_many_requests(request, retry_after)
            if reserved is None:
                return view(request, *args, **kwargs)
            seconds = _window(scope)[0]
            slot = [reserved, False]
            if not hasattr(request, _RESERVED):
                setattr(request, _RESERVED, {})
            getattr(request, _RESERVED)[scope] = slot
            try:
                return view(request, *args, **kwargs)
            finally:
                if not slot[1]:  # not a failure after all (or the view failed): the slot is given back
                    _give_back(reserved, seconds)

        return wrapped

    return decorator
