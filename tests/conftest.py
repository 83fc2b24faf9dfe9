"""Shared fixtures: one user per role and API clients logged in as each; ``--today`` for the calendar."""

from __future__ import annotations

import datetime as dt
import gc

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage
from django.utils import translation
from rest_framework.test import APIClient

from clt import roles
from clt.jobs.models import Job
from clt.models import Person

ROLES = ("anonymous", "member", "homeowner", "staff")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--today",
        metavar="YYYY-MM-DD",
        help="run the suite as if today were this day (time-machine moves the clock; it keeps ticking)",
    )


def _midday(raw: str, what: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise pytest.UsageError(f"{what}: “{raw}” is not a date (YYYY-MM-DD)") from None
    # 17:00 UTC is midday on that day in every US time zone, far from either midnight.
    return dt.datetime.combine(day, dt.time(17), tzinfo=dt.UTC)


# ``--dist loadscope`` (the Makefile's) hands each worker whole modules, the modules with the most tests first.
# These few take the longest of all, with few tests each (the demo loaded on five days, every page in a
# browser): handed out last, one of them ran alone for the run's last minute while the other core sat idle.
# They are handed out first, the longest first; the rest follow as before.
SLOWEST_MODULES = (
    "tests/test_demo.py",
    "tests/browser/test_every_page.py",
    "tests/browser/test_map.py",
    "tests/clt/test_settings.py",
    "tests/browser/test_election_vote.py",
    "tests/browser/test_meeting_quorum.py",
    "tests/browser/test_board_and_meetings_phone.py",
    "tests/browser/test_portal.py",
    "tests/browser/test_resale_page.py",
    "tests/clt/test_sqlite_concurrency.py",
)


class _SlowestFirst:
    """A ``pytest_xdist_make_scheduler`` for ``--dist loadscope`` that hands out SLOWEST_MODULES first."""

    @pytest.hookimpl
    def pytest_xdist_make_scheduler(self, config, log):
        if config.getvalue("dist") != "loadscope":
            return None
        from xdist.scheduler import LoadScopeScheduling

        class SlowestFirst(LoadScopeScheduling):
            def _assign_work_unit(self, node) -> None:
                # The queue is complete before the first unit is handed out: move the slowest to its front once.
                if not getattr(self, "_slowest_moved", False):
                    for scope in reversed(SLOWEST_MODULES):
                        if scope in self.workqueue:
                            self.workqueue.move_to_end(scope, last=False)
                    self._slowest_moved = True
                super()._assign_work_unit(node)

        return SlowestFirst(config, log)


def pytest_sessionstart(session: pytest.Session) -> None:
    # The cycle collector walks every object it tracks each time it runs its oldest generation, and a test
    # process holds Django, the apps and their modules: hundreds of thousands of objects that live as long as
    # the process. Frozen after start-up, they are no longer walked; collecting less often (every 20,000 new
    # containers instead of 700) keeps the passes the tests' own objects cause few. Garbage in cycles is
    # still collected, only later.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_SlowestFirst(), "slowest-modules-first")
    raw = config.getoption("--today")
    if not raw:
        return
    traveller = time_machine.travel(_midday(raw, "--today"), tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


@pytest.fixture(autouse=True)
def _today_marker(request: pytest.FixtureRequest):
    """``@pytest.mark.today("2026-12-07")``: the test (or module) runs on that day, whatever the calendar says.

    For tests whose story is told in fixed dates (a board term from 2024 to 2027, a lease billed
    from 2025): on a later real day the same story would read differently.
    """
    marker = request.node.get_closest_marker("today")
    if marker is None:
        yield
        return
    with time_machine.travel(_midday(marker.args[0], "@pytest.mark.today"), tick=True):
        yield


@pytest.fixture(autouse=True)
def _english_to_begin_with():
    """Each test starts in English, whatever language a page request of an earlier test activated.

    A request's language stays active in its thread after the response (Django leaves it so, and the test
    client runs requests in the test's own thread): without this, a command called after a Spanish page
    would speak Spanish.
    """
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache (clt/ratelimit.py): each test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


def make_user(username: str, *, groups: tuple[str, ...] = (), person: bool = False) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username, email=f"{username}@example.org")
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    if person:
        Person.objects.create(given_name=username.title(), user=user)
    return user


@pytest.fixture
def staff_user(db) -> User:
    return make_user("staffer", groups=(roles.STAFF_GROUP,))


@pytest.fixture
def member_user(db) -> User:
    return make_user("memb", groups=(roles.MEMBER_GROUP,))


@pytest.fixture
def board_user(db) -> User:
    return make_user("boardie", groups=(roles.MEMBER_GROUP, roles.BOARD_GROUP))


@pytest.fixture
def homeowner_user(db) -> User:
    """A homeowner: a login whose Person holds an active ground lease (``homeowner_user.person.leaseholdings``)."""
    from tests.factories import make_lease

    user = make_user("owner", person=True)
    make_lease(people=[user.person])
    return user


@pytest.fixture
def other_homeowner_user(db) -> User:
    """Another homeowner, whose lease the first must never see."""
    from tests.factories import make_lease

    user = make_user("neighbour", person=True)
    make_lease(people=[user.person])
    return user


@pytest.fixture
def users(staff_user, member_user, homeowner_user, board_user) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "member": member_user,
        "homeowner": homeowner_user,
        "board": board_user,
        "staff": staff_user,
    }


ROLE_FIXTURES = {
    "member": "member_user",
    "homeowner": "homeowner_user",
    "other_homeowner": "other_homeowner_user",
    "board": "board_user",
    "staff": "staff_user",
}


@pytest.fixture
def api_for(request, db):
    """``api_for("staff")`` → an APIClient authenticated as that role (anonymous: not at all).

    Each role's user is made on first use, so a test that needs only staff gets no homeowner's
    lease (and its parcel) in its counts.
    """

    def make(role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(request.getfixturevalue(ROLE_FIXTURES[role]))
        return client

    return make


@pytest.fixture
def staff_api(api_for) -> APIClient:
    return api_for("staff")


@pytest.fixture(autouse=True)
def _job_files(settings, tmp_path_factory, monkeypatch):
    """Files that jobs store (exports, statements) go to a folder of the test's own, never the checkout's.

    ``Job.result_file`` resolved its storage once, when the model loaded: it is pointed at the folder too.
    """
    location = tmp_path_factory.mktemp("job-files")
    storages = dict(settings.STORAGES)
    storages["jobs"] = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}}
    settings.STORAGES = storages
    monkeypatch.setattr(Job._meta.get_field("result_file"), "storage", FileSystemStorage(location=location))


def run_queued_jobs() -> None:
    """The production worker, once over the queue: ``manage.py db_worker --batch`` on the test's database.

    The worker closes a connection it finds inside a transaction before and after each task (as Django
    does between requests); inside a test's transaction that would close the test's own connection on
    PostgreSQL, so that one call is skipped here, as the test client skips it between requests. The
    worker's real loop (the locked claim, the run, the result) is what runs; tests/clt/test_jobs.py also
    runs it untouched on committed data.
    """
    from unittest import mock

    from django.core.management import call_command
    from django.db import connection

    if not connection.in_atomic_block:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name=*", verbosity=0)
        return
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name=*", verbosity=0)
