"""Login lockout (django-axes): per account AND per address, each with its own limit.

Axes counts failed logins in its ``AccessAttempt`` table, one row per (username, address, browser). Its
own handler compares one limit with the largest count; here an account is locked after
``AXES_FAILURE_LIMIT`` failures from anywhere (a password guessed from many addresses) and an address
after ``LOGIN_FAILURES_PER_ADDRESS`` failures across all usernames (one address trying many accounts).
The address limit is the larger one, so that an office or a meeting hall behind one address does not
lock everyone out over a few typing mistakes. Both last ``AXES_COOLOFF_TIME`` after the last failure.

Staff unlock with ``manage.py axes_reset_username NAME``, ``axes_reset_ip ADDRESS`` or ``axes_reset``,
or by deleting the rows under "Access attempts" in the admin (docs/security.md).
"""

from __future__ import annotations

import datetime as dt

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse

from clt import clock
from clt.ratelimit import retry_later_response

__all__ = ["AccountOrAddressHandler", "lockout_response"]


def _recent(request: HttpRequest) -> QuerySet:
    """Attempts inside the cool-off period (older ones no longer count)."""
    attempts = AccessAttempt.objects.all()
    cool_off = get_cool_off(request)
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=_attempt_time(request) - cool_off)
    return attempts


def _attempt_time(request: HttpRequest) -> dt.datetime:
    return getattr(request, "axes_attempt_time", None) or clock.now()


def _who(request: HttpRequest, credentials: dict | None) -> tuple[str | None, str | None]:
    return get_client_username(request, credentials) or None, getattr(request, "axes_ip_address", None) or None


def failure_counts(request: HttpRequest, credentials: dict | None = None) -> tuple[int, int]:
    """(recent failures of this username from anywhere, recent failures from this address for any username)."""
    username, address = _who(request, credentials)
    recent = _recent(request)

    def total(rows: QuerySet) -> int:
        return rows.aggregate(n=Sum("failures_since_start"))["n"] or 0

    return (
        total(recent.filter(username=username)) if username else 0,
        total(recent.filter(ip_address=address)) if address else 0,
    )


class AccountOrAddressHandler(AxesDatabaseHandler):
    """Axes's database handler with a limit per account and a separate, larger one per address."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # Axes locks when this number reaches AXES_FAILURE_LIMIT (the account limit); an address over
        # its own limit is reported as at least that, so that it locks too.
        by_account, by_address = failure_counts(request, credentials)
        address_limit = settings.LOGIN_FAILURES_PER_ADDRESS
        if address_limit > 0 and by_address >= address_limit:
            return max(by_account, get_failure_limit(request, credentials))
        return by_account

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # A successful login clears that account's failures from this address only: not the address's
        # guesses at other accounts (someone who knows one password could clear them by logging in), and
        # not the account's failures from other addresses (the owner logging in would clear an attacker's
        # tally against the account).
        username, address = _who(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=address).delete()
        return count


def lockout_ends(request: HttpRequest, credentials: dict | None = None) -> dt.datetime:
    """When the lockout lifts at the latest: the cool-off after the last failure that counts against it."""
    username, address = _who(request, credentials)
    matching = Q(pk__in=[])
    if username:
        matching |= Q(username=username)
    if address:
        matching |= Q(ip_address=address)
    last = _recent(request).filter(matching).aggregate(last=Max("attempt_time"))["last"] or _attempt_time(request)
    return last + (get_cool_off(request) or dt.timedelta(0))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The page a locked-out login gets (every login form: the site's and the admin's): 429 and when to retry."""
    seconds = max(int((lockout_ends(request, credentials) - clock.now()).total_seconds()), 1)
    return retry_later_response(
        request, seconds, "registration/locked_out.html", status=settings.AXES_HTTP_RESPONSE_CODE
    )
