"""Rate limits of the pages used without logging in (clt/ratelimit.py) and of ``POST /api/v1/ballots/``.

Defaults: per address and 10-minute window, 10 wrong access codes on the vote page, 10 receipts not found
on the receipt check, and 300 / 100 POSTs in all; 60 ballots a minute per login on the API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import runpy
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from rest_framework.throttling import ScopedRateThrottle

from clt import ratelimit
from clt import settings as settings_module
from clt.ratelimit import address_group, client_address
from governance.elections import services as gs
from governance.elections.models import Participation
from tests.governance.elections.test_elections_core import build_election, cast_worked_example, ids, make_officer

VOTE = "/governance/vote/"
FAILED_CODES = 10
# 17:03 UTC: three minutes into a 10-minute window, so that seven minutes are left of it.
START = dt.datetime(2026, 12, 7, 17, 3, tzinfo=dt.UTC)
WRONG = "AAAA-BBBB-CCCC-DDDD"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def officer(db):
    return make_officer()


@pytest.fixture
def built(officer, clock):
    return build_election(officer=officer)


def assert_too_many(response, seconds_left: int) -> None:
    assert response.status_code == 429
    body = text(response)
    assert "Too many attempts" in body and "nobody can try code after code" in body
    minutes = -(-seconds_left // 60)
    assert (f"Try again in {minutes} minutes." if minutes > 1 else "Try again in 1 minute.") in body
    assert response["Retry-After"] == str(seconds_left)


# --- The vote page ------------------------------------------------------------------------------------


def test_ten_wrong_codes_from_one_address_then_even_a_right_code_waits(built):
    _election, _stv, _plurality, codes = built
    guesser = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(FAILED_CODES):
        response = guesser.post(VOTE, {"code": WRONG, "step": "code"})
        assert response.status_code == 400 and "not valid for an election open for voting" in text(response)
    right = guesser.post(VOTE, {"code": codes[0][1], "step": "code"})
    assert_too_many(right, seconds_left=7 * 60)
    assert guesser.get(VOTE).status_code == 200  # reading the page is not limited

    # Another address is not affected.
    neighbour = Client(REMOTE_ADDR="203.0.113.6")
    assert neighbour.post(VOTE, {"code": codes[1][1], "step": "code"}).status_code == 200


def test_the_limit_lifts_when_the_window_ends(built, clock):
    _election, _stv, _plurality, codes = built
    guesser = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(FAILED_CODES):
        guesser.post(VOTE, {"code": WRONG, "step": "code"})
    clock.shift(dt.timedelta(minutes=6, seconds=59))
    assert_too_many(guesser.post(VOTE, {"code": codes[0][1], "step": "code"}), seconds_left=1)
    clock.shift(dt.timedelta(seconds=1))
    assert guesser.post(VOTE, {"code": codes[0][1], "step": "code"}).status_code == 200


def test_voters_sharing_one_address_who_type_their_codes_right_are_not_limited(built):
    """A meeting hall: nine voters, one address, each through code, confirmation and cast; one typo each."""
    _election, stv, plurality, codes = built
    c, p = ids(stv), ids(plurality)
    hall = Client(REMOTE_ADDR="198.51.100.20")
    for entry, code in codes[:9]:
        assert hall.post(VOTE, {"code": code[:-1] + "X", "step": "code"}).status_code in (200, 400)
        marks = {"code": code, f"c{stv.pk}_r{c['A']}": "1", f"c{plurality.pk}": str(p["X"])}
        for step in ("code", "confirm", "cast"):
            response = hall.post(VOTE, {**marks, "step": step})
            assert response.status_code == 200, (entry, step, text(response)[:300])
    assert Participation.objects.filter(contest=stv).count() == 9  # all nine voted


@override_settings(RATE_LIMITS={"vote": {"failures": 10, "requests": 3, "window": 600}, "receipt": {}})
def test_the_cap_on_posts_in_all(built):
    _election, _stv, _plurality, codes = built
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert client.post(VOTE, {"code": codes[0][1], "step": "code"}).status_code == 200
    assert_too_many(client.post(VOTE, {"code": codes[0][1], "step": "code"}), seconds_left=7 * 60)


def test_staff_entering_paper_ballots_are_not_limited(staff_user, built):
    election, _stv, _plurality, _codes = built
    staff = Client(REMOTE_ADDR="203.0.113.5")
    staff.force_login(staff_user)
    for _ in range(FAILED_CODES + 2):
        response = staff.post(f"/governance/elections/{election.pk}/paper/", {"code": WRONG, "step": "code"})
        assert response.status_code == 400
    # Their office's address has not used up the voters' allowance either.
    assert Client(REMOTE_ADDR="203.0.113.5").post(VOTE, {"code": WRONG, "step": "code"}).status_code == 400


def failures_counted(address: str, scope: str = "vote") -> int:
    request = RequestFactory().post("/", REMOTE_ADDR=address)
    _seconds, start = ratelimit._window(scope)
    return cache.get(ratelimit._key(request, scope, "failures", start)) or 0


def test_simultaneous_wrong_codes_with_one_failure_left_let_only_one_through(clock):
    """A failure is counted before the view runs: a second wrong code sent while the first is being checked
    (as by parallel POSTs) is refused, where a check made before counting would have let both through."""
    reached: list[str] = []

    @ratelimit.rate_limited("vote")
    def guess(request, inner: bool = False):
        reached.append("inner" if inner else "outer")
        if not inner:  # the second guess arrives while the first is still in the view
            second = guess(RequestFactory().post("/", REMOTE_ADDR="203.0.113.5"), inner=True)
            assert_too_many(second, seconds_left=7 * 60)
        ratelimit.count_failure(request, "vote")
        return HttpResponse(status=400)

    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.5")
    seconds, start = ratelimit._window("vote")
    cache.set(ratelimit._key(request, "vote", "failures", start), FAILED_CODES - 1, seconds)
    assert guess(request).status_code == 400
    assert reached == ["outer"]  # the second never reached the view
    assert failures_counted("203.0.113.5") == FAILED_CODES


def test_a_right_code_gives_its_reserved_slot_back(built):
    _election, _stv, _plurality, codes = built
    client = Client(REMOTE_ADDR="203.0.113.5")
    client.post(VOTE, {"code": WRONG, "step": "code"})
    for entry, code in codes[:3]:
        assert client.post(VOTE, {"code": code, "step": "code"}).status_code == 200, entry
    assert failures_counted("203.0.113.5") == 1


def test_addresses_in_one_ipv6_64_share_a_limit(built):
    _election, _stv, _plurality, codes = built
    for n in range(FAILED_CODES):  # a new address of the same /64 for every guess
        assert Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}").post(VOTE, {"code": WRONG}).status_code == 400
    assert Client(REMOTE_ADDR="2001:db8:1:2:ffff:ffff:ffff:ffff").post(VOTE, {"code": WRONG}).status_code == 429
    assert Client(REMOTE_ADDR="2001:db8:1:3::1").post(VOTE, {"code": codes[0][1], "step": "code"}).status_code == 200


@pytest.mark.parametrize(
    ("address", "group"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.5", "203.0.113.5"),  # an IPv4 client seen through an IPv6 socket
        ("", ""),
    ],
)
def test_the_address_group(address, group):
    assert address_group(address) == group


def test_the_cache_key_is_an_hmac_under_the_secret_key_not_a_plain_hash(settings):
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.5")
    key = ratelimit._key(request, "vote", "failures", 0)
    assert "203.0.113.5" not in key
    assert hashlib.sha256(b"203.0.113.5").hexdigest()[:32] not in key  # not found by trying every IPv4 address
    settings.SECRET_KEY = "another secret key, another deployment"
    assert ratelimit._key(request, "vote", "failures", 0) != key


# --- The receipt check ----------------------------------------------------------------------------------


def test_ten_receipts_not_found_then_the_receipt_check_waits(officer, built):
    election, stv, _plurality, codes = built
    receipts = cast_worked_example(stv, codes)
    gs.election_close(actor=officer, reason="closed", election=election)
    gs.election_count(actor=officer, reason="count", election=election)
    url = f"/governance/elections/{election.pk}/receipt/"
    prober = Client(REMOTE_ADDR="203.0.113.5")
    for n in range(10):
        assert prober.post(url, {"receipt": f"ZZZZ-ZZZZ-ZZZ{n}"}).status_code == 404
    assert_too_many(prober.post(url, {"receipt": receipts[0]}), seconds_left=7 * 60)
    voter = Client(REMOTE_ADDR="198.51.100.1")
    assert voter.post(url, {"receipt": receipts[0]}).status_code == 200


# --- The API -------------------------------------------------------------------------------------------


def test_the_ballots_api_is_throttled_per_login(monkeypatch, built, api_for, clock):
    _election, stv, _plurality, _codes = built
    assert ScopedRateThrottle.THROTTLE_RATES["ballots"] == "60/minute"  # the default
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"ballots": "3/minute"})
    staff = api_for("staff")
    body = {"code": WRONG, "contest": stv.pk, "choices": [], "channel": "paper"}
    for _ in range(3):
        assert staff.post("/api/v1/ballots/", body).status_code == 400
    throttled = staff.post("/api/v1/ballots/", body)
    assert throttled.status_code == 429
    assert throttled["Retry-After"] == "60"
    assert "throttled" in throttled.json()["detail"]
    assert api_for("member").post("/api/v1/ballots/", body).status_code == 400  # another login: not throttled
    clock.shift(dt.timedelta(seconds=61))
    assert staff.post("/api/v1/ballots/", body).status_code == 400


# --- The client's address --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.9"),  # no proxy of ours: the header is anyone's to write
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the forged left part is ignored
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "198.51.100.1", "10.0.0.9"),  # fewer hops than proxies: not through them all
        (1, "not-an-address", "10.0.0.9"),
    ],
)
def test_the_client_address_believes_forwarded_for_only_as_far_as_our_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_a_forged_forwarded_for_does_not_escape_the_vote_limit(built):
    for n in range(FAILED_CODES):
        Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").post(VOTE, {"code": WRONG})
    assert Client(REMOTE_ADDR="203.0.113.5").post(VOTE, {"code": WRONG}).status_code == 429


# --- A cache shared by every worker ------------------------------------------------------------------------


def test_with_the_database_cache_the_counts_are_in_the_database_for_every_worker(built):
    database_cache = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "clt_cache"}}
    with override_settings(CACHES=database_cache):
        call_command("createcachetable", verbosity=0)
        for _ in range(FAILED_CODES):
            Client(REMOTE_ADDR="203.0.113.5").post(VOTE, {"code": WRONG})
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM clt_cache WHERE cache_key LIKE %s", ["%clt-rl:vote:failures:%"])
            assert cursor.fetchone()[0] == 1
        assert Client(REMOTE_ADDR="203.0.113.5").post(VOTE, {"code": WRONG}).status_code == 429


def test_with_the_database_cache_the_counters_last_the_whole_window(built, clock):
    """Django's database cache rewrites a value on incr with the default timeout of 300 s: the counters are
    kept for the window (600 s), so six minutes into it the address is still refused."""
    database_cache = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "clt_cache"}}
    with override_settings(CACHES=database_cache):
        call_command("createcachetable", verbosity=0)
        for _ in range(FAILED_CODES):
            Client(REMOTE_ADDR="203.0.113.5").post(VOTE, {"code": WRONG})
        with connection.cursor() as cursor:
            cursor.execute("SELECT expires FROM clt_cache WHERE cache_key LIKE %s", ["%clt-rl:vote:%"])
            expiries = [row[0] for row in cursor.fetchall()]
        assert len(expiries) == 2  # failures and POSTs
        for expires in expiries:
            expires = expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)
            assert expires == START + dt.timedelta(seconds=600)
        clock.shift(dt.timedelta(minutes=6))
        assert_too_many(Client(REMOTE_ADDR="203.0.113.5").post(VOTE, {"code": WRONG}), seconds_left=60)


# --- Settings -------------------------------------------------------------------------------------------------


LIMIT_VARIABLES = (
    "RATE_LIMIT_WINDOW_MINUTES",
    "VOTE_FAILED_CODES_PER_ADDRESS",
    "VOTE_POSTS_PER_ADDRESS",
    "RECEIPT_FAILED_CHECKS_PER_ADDRESS",
    "RECEIPT_POSTS_PER_ADDRESS",
    "BALLOTS_API_PER_MINUTE",
    "TRUSTED_PROXY_COUNT",
    "CACHE_BACKEND",
)


def run_settings(monkeypatch, **env: str) -> dict:
    """clt/settings.py run afresh with ``env`` (and none of the developer's own limits)."""
    for name in LIMIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(settings_module.__file__)))


def test_the_limits_come_from_the_environment(monkeypatch):
    values = run_settings(
        monkeypatch,
        RATE_LIMIT_WINDOW_MINUTES="5",
        VOTE_FAILED_CODES_PER_ADDRESS="30",
        RECEIPT_POSTS_PER_ADDRESS="0",
        BALLOTS_API_PER_MINUTE="10",
        TRUSTED_PROXY_COUNT="1",
        CACHE_BACKEND="database",
    )
    assert values["RATE_LIMITS"]["vote"] == {"failures": 30, "requests": 300, "window": 300}
    assert values["RATE_LIMITS"]["receipt"] == {"failures": 10, "requests": 0, "window": 300}
    assert values["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"] == {"ballots": "10/minute"}
    assert values["REST_FRAMEWORK"]["NUM_PROXIES"] == 1 and values["TRUSTED_PROXY_COUNT"] == 1
    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert run_settings(monkeypatch, BALLOTS_API_PER_MINUTE="0")["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"] == {
        "ballots": None
    }


def test_an_unknown_cache_backend_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="CACHE_BACKEND must be local or database; got 'redis'"):
        run_settings(monkeypatch, CACHE_BACKEND="redis")
