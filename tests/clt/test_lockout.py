"""Login lockout (django-axes, clt/lockout.py) on every login form: per account, per address, the cool-off, unlocking.

The defaults are the production ones: 5 failures lock an account (from anywhere), 20 lock an address (across
usernames), for 15 minutes after the last failure.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import runpy
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client

from clt import settings as settings_module
from tests.conftest import make_user

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
START = dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def attempt(path: str, username: str, password: str, address: str = "10.0.0.1") -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address)
    return client, client.post(path, {"username": username, "password": password})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staffer(db) -> User:
    """A member of staff who may also use the admin (``is_staff``); password ``pw-staffer``."""
    user = make_user("staffer")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def assert_locked_page(response, minutes: int = 15) -> None:
    assert response.status_code == 429
    body = text(response)
    assert "Log-in locked for a while" in body
    assert f"Try again in {minutes} minutes." in body
    assert "staff can unlock the account" in body
    assert 0 < int(response["Retry-After"]) <= minutes * 60


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_wrong_passwords_lock_the_account_then_even_the_right_one_is_refused(path, staffer, clock):
    for _ in range(ACCOUNT_LIMIT - 1):
        _client, response = attempt(path, "staffer", "wrong")
        assert response.status_code == 200  # the form again, with its error
    _client, fifth = attempt(path, "staffer", "wrong")
    assert_locked_page(fifth)
    assert fifth["Retry-After"] == "900"

    client, right = attempt(path, "staffer", "pw-staffer")
    assert_locked_page(right)
    assert not logged_in(client)


def test_the_account_is_locked_whichever_address_the_guesses_come_from(staffer, clock):
    for n in range(ACCOUNT_LIMIT):
        attempt("/login/", "staffer", f"guess-{n}", address=f"192.0.2.{n + 1}")
    client, response = attempt("/login/", "staffer", "pw-staffer", address="198.51.100.7")
    assert_locked_page(response)
    assert not logged_in(client)
    # Another account is not affected by the lock on this one.
    make_user("colleague")
    client, response = attempt("/login/", "colleague", "pw-colleague", address="198.51.100.7")
    assert response.status_code == 302 and logged_in(client)


def test_an_address_trying_many_accounts_is_locked_for_every_account(staffer, clock):
    make_user("colleague")
    # Fewer than the account limit per username, so only the address's total can lock.
    for n in range(ADDRESS_LIMIT):
        _client, response = attempt("/login/", f"user{n // 4}", "wrong", address="203.0.113.5")
    assert response.status_code == 429
    client, response = attempt("/login/", "colleague", "pw-colleague", address="203.0.113.5")
    assert_locked_page(response)
    assert not logged_in(client)
    # The same account from another address is let in: the lock is on the address.
    client, response = attempt("/login/", "colleague", "pw-colleague", address="203.0.113.6")
    assert response.status_code == 302 and logged_in(client)


def test_below_the_address_limit_an_office_sharing_one_address_is_not_locked(staffer, clock):
    make_user("colleague")
    for n in range(ADDRESS_LIMIT - 1):
        attempt("/login/", f"typo{n}", "wrong", address="203.0.113.9")
    client, response = attempt("/login/", "colleague", "pw-colleague", address="203.0.113.9")
    assert response.status_code == 302 and logged_in(client)


def test_the_lockout_ends_after_the_cool_off_and_tries_meanwhile_do_not_extend_it(staffer, clock):
    for _ in range(ACCOUNT_LIMIT):
        attempt("/login/", "staffer", "wrong")
    clock.shift(dt.timedelta(minutes=10))
    _client, response = attempt("/login/", "staffer", "wrong-again")
    assert_locked_page(response, minutes=5)  # still the end of the first lockout
    clock.shift(dt.timedelta(minutes=4, seconds=59))
    _client, response = attempt("/login/", "staffer", "pw-staffer")
    assert response.status_code == 429
    clock.shift(dt.timedelta(seconds=2))
    client, response = attempt("/login/", "staffer", "pw-staffer")
    assert response.status_code == 302 and logged_in(client)


def test_a_successful_login_clears_the_account_s_failures(staffer, clock):
    for _ in range(ACCOUNT_LIMIT - 1):
        attempt("/login/", "staffer", "wrong")
    client, response = attempt("/login/", "staffer", "pw-staffer")
    assert response.status_code == 302 and logged_in(client)
    assert not AccessAttempt.objects.filter(username="staffer").exists()
    for _ in range(ACCOUNT_LIMIT - 1):
        _client, response = attempt("/login/", "staffer", "wrong")
    assert response.status_code == 200  # counting starts again from none


def test_a_successful_login_does_not_clear_the_address_s_guesses_at_other_accounts(staffer, clock):
    for n in range(ADDRESS_LIMIT - 1):
        attempt("/login/", f"victim{n % 5}", "wrong", address="203.0.113.5")  # 3 or 4 each: no account locked
    client, response = attempt("/login/", "staffer", "pw-staffer", address="203.0.113.5")
    assert response.status_code == 302 and logged_in(client)
    _client, response = attempt("/login/", "victim4", "wrong", address="203.0.113.5")  # its 4th
    assert response.status_code == 429  # the 20th failure from this address


def test_the_owner_logging_in_elsewhere_does_not_clear_an_attacker_s_failures_on_the_account(staffer, clock):
    for n in range(ACCOUNT_LIMIT - 1):
        _client, response = attempt("/login/", "staffer", f"guess-{n}", address="203.0.113.66")
        assert response.status_code == 200
    client, response = attempt("/login/", "staffer", "pw-staffer", address="198.51.100.7")
    assert response.status_code == 302 and logged_in(client)
    _client, response = attempt("/login/", "staffer", "guess-4", address="203.0.113.66")
    assert_locked_page(response)  # the attacker's 5th failure still locks the account
    client, response = attempt("/login/", "staffer", "pw-staffer", address="198.51.100.7")
    assert_locked_page(response)
    assert not logged_in(client)


def test_staff_unlock_an_account_with_the_command(staffer, clock):
    for _ in range(ACCOUNT_LIMIT):
        attempt("/login/", "staffer", "wrong")
    assert attempt("/login/", "staffer", "pw-staffer")[1].status_code == 429
    out = StringIO()
    call_command("axes_reset_username", "staffer", stdout=out)
    assert "attempts removed" in out.getvalue()
    client, response = attempt("/login/", "staffer", "pw-staffer")
    assert response.status_code == 302 and logged_in(client)


def test_staff_unlock_an_address_with_the_command(staffer, clock):
    for n in range(ADDRESS_LIMIT):
        attempt("/login/", f"user{n // 4}", "wrong", address="203.0.113.5")
    assert attempt("/login/", "staffer", "pw-staffer", address="203.0.113.5")[1].status_code == 429
    call_command("axes_reset_ip", "203.0.113.5", stdout=StringIO())
    client, response = attempt("/login/", "staffer", "pw-staffer", address="203.0.113.5")
    assert response.status_code == 302 and logged_in(client)


def test_staff_unlock_an_account_in_the_admin(staffer, clock):
    locked = make_user("locked")
    for _ in range(ACCOUNT_LIMIT):
        attempt("/login/", "locked", "wrong", address="192.0.2.1")
    admin = Client()
    admin.force_login(staffer)
    listing = admin.get("/admin/axes/accessattempt/?q=locked")
    assert listing.status_code == 200 and "locked" in text(listing)
    row = AccessAttempt.objects.get(username="locked")
    deleted = admin.post(f"/admin/axes/accessattempt/{row.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    client, response = attempt("/login/", locked.username, "pw-locked", address="192.0.2.1")
    assert response.status_code == 302 and logged_in(client)


def test_a_forged_forwarded_for_header_does_not_escape_the_address_lock(staffer, clock):
    """Without TRUSTED_PROXY_COUNT the header is ignored: a new value per try is still the same address."""
    for n in range(ADDRESS_LIMIT):
        client = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        response = client.post("/login/", {"username": f"user{n // 4}", "password": "wrong"})
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


def test_the_api_takes_no_password_so_it_is_no_way_around_the_lockout(staffer):
    """Every login path is a form above: the API accepts a session or a token, never a username and password."""
    basic = base64.b64encode(b"staffer:pw-staffer").decode()
    response = Client().get("/api/v1/elections/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code in (401, 403)
    assert Client().post("/api/v1/auth/token/", {"username": "staffer", "password": "pw-staffer"}).status_code == 404


def test_the_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LOGIN_FAILURES_PER_ACCOUNT", "3")  # and the two others: none of the developer's own
    monkeypatch.setenv("LOGIN_FAILURES_PER_ADDRESS", "50")
    monkeypatch.setenv("LOGIN_LOCKOUT_MINUTES", "60")
    values = runpy.run_path(str(Path(settings_module.__file__)))
    assert values["AXES_FAILURE_LIMIT"] == 3
    assert values["LOGIN_FAILURES_PER_ADDRESS"] == 50
    assert values["AXES_COOLOFF_TIME"] == dt.timedelta(hours=1)
    monkeypatch.setenv("LOGIN_LOCKOUT_MINUTES", "a quarter of an hour")
    with pytest.raises(ImproperlyConfigured, match="LOGIN_LOCKOUT_MINUTES must be a whole number"):
        runpy.run_path(str(Path(settings_module.__file__)))


def test_a_smaller_account_limit_in_the_settings_is_obeyed(settings, staffer, clock):
    settings.AXES_FAILURE_LIMIT = 2
    attempt("/login/", "staffer", "wrong")
    assert attempt("/login/", "staffer", "wrong")[1].status_code == 429
