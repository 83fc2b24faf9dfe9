"""Benchmark of concurrent ballot submissions over HTTP: gunicorn + PostgreSQL or SQLite on loopback (issue 5
§11, issue 15 §5).

Run by hand or with ``make bench``; never collected by pytest. It (re)creates the PostgreSQL database
``clt_bench_ballots`` (or, with ``--database sqlite``, an SQLite file in a temporary folder), migrates it
and, through the election services, sets up one election with one Scottish STV contest (5 candidates,
3 seats) and a roll of ``--voters`` + ``--race`` + ``PROBES`` entries with real access codes, then opens
it. Before the server starts, this process casts the ``PROBES`` voters' ballots itself (Django's test
client, real transactions, the move after the commit included) to count the queries of one cast on the
vote page and in the API, and the CPU of one cast on the page. Then it starts ``gunicorn clt.wsgi`` on a
free loopback port and votes the way a voter does, on the page ``/governance/vote/`` (no login; CSRF
cookie and token; the code, the ballot, the confirmation, then the cast), one thread and one connection
per request:

1. **Wave 1**: ``--voters`` voters, each prepared up to the confirmation, cast at the same instant
   (a barrier releases them together). Every one must get a receipt.
2. **Wave 2**: ``--resubmit`` of those voters cast again, each twice at once. Every one must be refused
   with the "already used" reason.
3. **Wave 3** (the race): ``--race`` fresh voters each send two casts at the same instant, so both can
   pass the page's own check and race in ``ballot_cast``; the unique constraint must let exactly one in.

Latency is measured per request on the client, from opening the connection to the last byte (so it
includes the wait for a free gunicorn worker). Then the database is checked: as many ballots and
participations as accepted casts, every voter exactly once, every receipt handed out stored and no
other, the stored rankings equal to the accepted ones, and the count's ballot total. Exits 1 if any
check fails. gunicorn is stopped and the database dropped at the end (``--keep`` keeps the database).

    .venv/bin/python bench/ballots_http.py [--voters 200] [--workers 4] [--resubmit 50] [--race 25] [--keep]
                                           [--database postgres|sqlite]

Its targets (``bench/table.py`` rows, issue 15 §5): wave 1's casts a second against 150/s, queries per cast
(page and API) against 10, server CPU per cast against half of the 15.5 ms measured before, no ballot lost
or doubled; p95 beside the queueing bound (casts x CPU per cast / cores) as context.

The server uses ``clt.settings_test`` with ``DEBUG`` off: the real middleware and views, but plain HTTP
(no HTTPS redirect, no secure-only cookies) and static files from the finders (nothing is collected).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings_test")

from parcels import _postgres_server  # noqa: E402
from rows import Row, measure  # noqa: E402
from table import Measure, format_table, ratio, record, seconds  # noqa: E402

DB_NAME = "clt_bench_ballots"
VOTE_URL = "/governance/vote/"
SEED = 20261128
CANDIDATES = ("Amara Okafor", "Ben Castillo", "Chloé Martin", "Dev Patel", "Elena Rossi")
RECEIPT_RE = re.compile(r'class="mono receipt" data-contest="(\d+)">([A-Z0-9-]+)<')
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ALREADY_VOTED = "has already been used to vote in this contest"
FORM = "application/x-www-form-urlencoded"
PROBES = 12  # voters cast in this process before the server starts: queries and CPU of one cast
CASTS_PER_SECOND = 150.0  # issue 15 §5: 200 casts arriving at once on 2 cores
MAX_QUERIES = 10
CPU_BEFORE_MS = 15.5  # server CPU of a cast before issue 15; the target is half of it


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=200, help="voters casting at once in wave 1")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (sync)")
    parser.add_argument("--resubmit", type=int, default=50, help="wave-1 voters who cast again, twice at once")
    parser.add_argument("--race", type=int, default=25, help="fresh voters who send two casts at the same instant")
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DB_NAME} afterwards")
    parser.add_argument(
        "--database", choices=("postgres", "sqlite"), default="postgres", help="the server's database (PostgreSQL)"
    )
    parser.add_argument(
        "--before",
        metavar="COMMIT",
        help="first run this script as it was at COMMIT (e.g. 4a63bfd, before issue 15) on this machine, and judge "
        f"the server CPU per cast against half of that code's (default: half of the issue's {CPU_BEFORE_MS} ms)",
    )
    args = parser.parse_args(argv)
    if args.voters < 1 or args.workers < 1 or args.resubmit < 0 or args.race < 0:
        parser.error("--voters and --workers must be at least 1, --resubmit and --race at least 0")
    if args.resubmit > args.voters:
        parser.error("--resubmit cannot exceed --voters")
    return args


_START = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - _START:6.1f} s] {text}", flush=True)


# --- The database -----------------------------------------------------------------------------------


def _admin(server: dict[str, Any]) -> Any:
    import psycopg

    return psycopg.connect(
        host=server["host"],
        port=server["port"],
        user=server["user"],
        password=server["password"] or None,
        dbname="postgres",
        autocommit=True,
    )


def database_create(server: dict[str, Any] | None) -> str:
    """Drop and create ``clt_bench_ballots`` (``server`` None: an SQLite file in a new folder); its URL."""
    if server is None:
        return f"sqlite:///{Path(tempfile.mkdtemp(prefix='clt-bench-ballots-')) / 'bench.sqlite3'}"
    with _admin(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    password = ":" + quote(server["password"], safe="") if server["password"] else ""
    credentials = quote(server["user"], safe="") + password
    return f"postgres://{credentials}@{server['host']}:{server['port']}/{DB_NAME}"


def database_drop(server: dict[str, Any] | None, database_url: str) -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()
    if server is None:
        shutil.rmtree(Path(database_url.removeprefix("sqlite:///")).parent, ignore_errors=True)
        return
    with _admin(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


# --- The election -----------------------------------------------------------------------------------


@dataclass
class Voter:
    entry_id: int
    code: str
    ranking: list[int]  # candidate ids, first preference first
    csrf: str = ""
    token: str = ""


@dataclass
class Setup:
    election_id: int
    contest_id: int
    candidate_ids: list[int]
    voters: list[Voter]


def election_setup(size: int) -> Setup:
    """One open election, one Scottish STV contest (5 candidates, 3 seats), ``size`` roll entries with codes."""
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from clt import roles
    from clt.models import Person
    from governance.elections import nominations
    from governance.elections import services as gs
    from governance.membership.selectors import Standing

    officer = User.objects.create_user("bench-officer")
    officer.groups.add(Group.objects.get_or_create(name=roles.ELECTION_OFFICER_GROUP)[0])
    now = timezone.now()
    election = gs.election_create(
        actor=officer, reason="bench", name="Bench election", record_date=timezone.localdate(),
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1), officer=officer,
    )  # fmt: skip
    contest = gs.contest_add(
        actor=officer, reason="bench", election=election, title="Board: leaseholder seats",
        eligible_classes=["lessee"], seats=3, method="scottish-stv",
    )  # fmt: skip
    candidate_ids = []
    for name in CANDIDATES:
        given, family = name.split(" ")
        person = Person.objects.create(given_name=given, family_name=family)
        candidate = nominations.candidate_add(
            actor=officer, reason="bench", contest=contest, person=person, consented_on=timezone.localdate()
        )
        candidate_ids.append(candidate.pk)
    people = Person.objects.bulk_create(Person(given_name=f"Voter{i:04d}", family_name="Bench") for i in range(size))
    standings = [Standing(p, "lessee", True, f"person:{p.pk}", ()) for p in people]
    if gs.roll_freeze(actor=officer, reason="bench", election=election, standings=standings) != size:
        raise SystemExit(f"the roll should hold {size} entries")
    codes = gs.access_codes_issue(actor=officer, reason="bench", election=election)
    gs.election_open(actor=officer, reason="bench", election=election)
    rng = random.Random(SEED)
    voters = []
    for entry_id, code in sorted(codes.items()):
        # Half the voters put the first candidate first (a front-runner), the rest in random order; each
        # ranks 1 to 5 of them: short and full rankings, so the count transfers surpluses and exclusions.
        order = rng.sample(candidate_ids, len(candidate_ids))
        if rng.random() < 0.5:
            order.remove(candidate_ids[0])
            order.insert(0, candidate_ids[0])
        voters.append(Voter(entry_id=entry_id, code=code, ranking=order[: rng.randint(1, len(order))]))
    return Setup(election.pk, contest.pk, candidate_ids, voters)


# --- gunicorn ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_start(database_url: str, workers: int, port: int, log: Path) -> subprocess.Popen:
    executable = Path(sys.executable).with_name("gunicorn")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "gunicorn"]
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"])
    # CONN_MAX_AGE: each worker keeps one connection for the whole run (production's 60 s would recycle it
    # mid-wave), so the CPU of its PostgreSQL backend can be measured.
    env.update(DEBUG="0", LOG_LEVEL="WARNING", CONN_MAX_AGE="900")
    # Every simulated voter comes from 127.0.0.1: the vote page's cap on POSTs per address would stop
    # the waves (docs/security.md); wrong codes, which the bench never sends, stay limited.
    env.update(VOTE_POSTS_PER_ADDRESS="0")
    command += ["clt.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "120"]
    command += ["--backlog", "2048", "--log-level", "warning"]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def gunicorn_wait(process: subprocess.Popen, port: int, log: Path, timeout: float = 90.0) -> None:
    """Until the server answers the voting page with a 200 (the first requests also warm the workers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            status, _headers, _body = request(port, "GET", VOTE_URL)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def gunicorn_stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --- The voter's HTTP path --------------------------------------------------------------------------


def request(port: int, method: str, path: str, body: str = "", cookie: str = "") -> tuple[int, Any, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
    try:
        headers = {"Host": "127.0.0.1"}
        if cookie:
            headers["Cookie"] = cookie
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body.encode() if body else None, headers=headers)
        response = conn.getresponse()
        return response.status, response.msg, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


@dataclass
class Outcome:
    step: str
    voter: int
    status: int
    seconds: float
    started: float
    ended: float
    body: str = field(repr=False, default="")
    error: str = ""


def _timed(step: str, index: int, call: Callable[[], tuple[int, Any, str]]) -> tuple[Outcome, Any]:
    started = time.perf_counter()
    try:
        status, headers, body = call()
    except OSError as exc:
        ended = time.perf_counter()
        return Outcome(step, index, 0, ended - started, started, ended, error=repr(exc)), None
    ended = time.perf_counter()
    return Outcome(step, index, status, ended - started, started, ended, body=body), headers


def _form(voter: Voter, contest_id: int, step: str) -> str:
    fields = [("csrfmiddlewaretoken", voter.token), ("code", voter.code), ("step", step)]
    fields += [(f"c{contest_id}_r{pk}", str(rank)) for rank, pk in enumerate(voter.ranking, start=1)]
    return urlencode(fields)


def prepare(port: int, setup: Setup, index: int) -> list[Outcome]:
    """What a voter does before casting: open the page (CSRF cookie), give the code, mark, review."""
    voter = setup.voters[index]
    outcomes = []
    outcome, headers = _timed("open the page", index, lambda: request(port, "GET", VOTE_URL))
    outcomes.append(outcome)
    if outcome.status != 200:
        return outcomes
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("csrftoken="):
            voter.csrf = value.split(";", 1)[0]
    found = TOKEN_RE.search(outcome.body)
    voter.token = found.group(1) if found else ""
    for step, label, expect in (("code", "give the code", "ballot-ranks"), ("confirm", "review", 'value="cast"')):
        outcome, _ = _timed(
            label, index, lambda s=step: request(port, "POST", VOTE_URL, _form(voter, setup.contest_id, s), voter.csrf)
        )
        if outcome.status == 200 and expect not in outcome.body:
            outcome.error = f"the page after {step!r} lacks {expect!r}"
        outcomes.append(outcome)
        if outcome.status != 200 or outcome.error:
            break
    return outcomes


def cast(port: int, setup: Setup, index: int, step: str) -> Outcome:
    voter = setup.voters[index]
    outcome, _ = _timed(
        step, index, lambda: request(port, "POST", VOTE_URL, _form(voter, setup.contest_id, "cast"), voter.csrf)
    )
    return outcome


def in_threads(jobs: list[Callable[[], Any]], *, together: bool) -> list[Any]:
    """Run each job in its own thread; ``together``: all released at the same instant by a barrier."""
    results: list[Any] = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs)) if together else None

    def run(i: int) -> None:
        if barrier is not None:
            barrier.wait(timeout=120)
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # a failed client thread is reported with the others, not lost
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return results


def receipt_of(outcome: Outcome) -> str | None:
    found = RECEIPT_RE.findall(outcome.body) if outcome.status == 200 else []
    return found[0][1] if len(found) == 1 else None


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation): the value at or below which ``fraction`` of them lie."""
    ordered = sorted(values)
    rank = math.ceil(round(fraction * len(ordered), 9))  # round: 0.95 * 200 is not exactly 190 in binary
    return ordered[min(len(ordered), max(rank, 1)) - 1]


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / _TICK


@dataclass
class Meter:
    """Where the CPU went during a wave: gunicorn, PostgreSQL's backends, this client, everything else."""

    server: list[int]
    database: list[int]
    start: dict[str, float] = field(default_factory=dict)
    spent: dict[str, float] = field(default_factory=dict)  # CPU seconds of the last measured stretch

    @classmethod
    def of(cls, process: subprocess.Popen, database_url: str) -> Meter:
        import psycopg

        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        server = [process.pid, *(int(p) for p in children.read_text().split())] if children.exists() else []
        if database_url.startswith("sqlite:"):
            return cls(server=server, database=[])  # SQLite runs inside the workers
        with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DB_NAME]
            ).fetchall()
        return cls(server=server, database=[r[0] for r in rows])

    def _now(self) -> dict[str, Any]:
        return {
            "wall": time.perf_counter(),
            "server": sum(_cpu_seconds(p) for p in self.server),
            "database": sum(_cpu_seconds(p) for p in self.database),
            "client": time.process_time(),
            "machine": _machine_busy(),
            "alive": all(Path(f"/proc/{p}").exists() for p in [*self.server, *self.database]),
        }

    def begin(self) -> None:
        self.start = self._now()

    def row(self) -> Row:
        end = self._now()
        if not end["alive"]:
            return Row("  CPU s: gunicorn / PostgreSQL / client / rest", "not measured: a process was replaced")
        d = {k: end[k] - self.start[k] for k in end if k != "alive"}
        self.spent = d
        others = max(0.0, d["machine"] - d["server"] - d["database"] - d["client"])
        cores = os.cpu_count() or 1
        return Row(
            "  CPU s: gunicorn / PostgreSQL / client / rest",
            f"{d['server']:.1f} / {d['database']:.1f} / {d['client']:.1f} / {others:.1f} "
            f"(of {cores} x {d['wall']:.1f} s)",
        )


def latency_rows(label: str, outcomes: list[Outcome]) -> list[Row]:
    times = [o.seconds * 1000 for o in outcomes]
    wall = max(o.ended for o in outcomes) - min(o.started for o in outcomes)
    return [
        Row(f"{label}: requests", f"{len(outcomes)}"),
        Row(
            "  latency p50 / p95 / max",
            f"{statistics.median(times):.0f} / {percentile(times, 0.95):.0f} / {max(times):.0f} ms",
        ),
        Row("  wall time, throughput", f"{wall:.2f} s, {len(outcomes) / wall:.0f} requests/s"),
    ]


# --- One cast, in this process: its queries and its CPU ----------------------------------------------


def probe_casts(setup: Setup, first: int) -> tuple[dict[str, Any], dict[int, str]]:
    """Cast the ``PROBES`` voters from ``first`` on in this process, before the server starts: all but the last
    on the vote page (code, review, cast), the last through ``POST /api/v1/ballots/`` as a signed-in voter.

    Real transactions (not a test's), so what runs after the commit (the move's check) is counted. Returns
    the figures (queries of a page cast, the median and the most, which is the cast whose ballot makes *k*
    and moves them; of the API cast; CPU of a page cast and of a review, the median, ``time.process_time``)
    and the receipts, which the database check expects too.
    """
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from governance.models import RollEntry

    web_queries: list[int] = []
    cast_cpu: list[float] = []
    review_cpu: list[float] = []
    receipts: dict[int, str] = {}
    for index in range(first, first + PROBES - 1):
        voter, client = setup.voters[index], Client()
        client.post(VOTE_URL, _form(voter, setup.contest_id, "code"), content_type=FORM)
        started = time.process_time()
        client.post(VOTE_URL, _form(voter, setup.contest_id, "confirm"), content_type=FORM)
        review_cpu.append(time.process_time() - started)
        with CaptureQueriesContext(connection) as queries:
            started = time.process_time()
            response = client.post(VOTE_URL, _form(voter, setup.contest_id, "cast"), content_type=FORM)
            cast_cpu.append(time.process_time() - started)
        found = RECEIPT_RE.findall(response.content.decode())
        if response.status_code != 200 or len(found) != 1:
            raise SystemExit(f"the probe's cast failed: {response.status_code} {response.content[:500]!r}")
        receipts[index] = found[0][1]
        web_queries.append(len(queries.captured_queries))
    index = first + PROBES - 1
    voter = setup.voters[index]
    person = RollEntry.objects.select_related("person").get(pk=voter.entry_id).person
    person.user = User.objects.create_user("bench-api-voter")
    person.save()
    api = APIClient()
    api.force_authenticate(person.user)
    body = {"code": voter.code, "contest": setup.contest_id, "choices": voter.ranking}
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/ballots/", body, format="json")
    if response.status_code != 201:
        raise SystemExit(f"the probe's API cast failed: {response.status_code} {response.content[:500]!r}")
    receipts[index] = response.json()["receipt"]
    figures = {
        # The cast that brings k sealed ballots together also moves them, after its commit: shown apart.
        "web_queries": int(statistics.median(web_queries)),
        "web_queries_max": max(web_queries),
        "api_queries": len(queries.captured_queries),
        "cast_cpu": statistics.median(cast_cpu),
        "review_cpu": statistics.median(review_cpu),
    }
    return figures, receipts


_OLD_CPU_ROW = re.compile(r"CPU s: gunicorn / PostgreSQL / client / rest\s*\|\s*([0-9.]+) /")
_OLD_ACCEPTED_ROW = re.compile(r"accepted with a receipt\s*\|\s*(\d+) of")


def before_cpu_ms(args: argparse.Namespace) -> float:
    """The server CPU per cast of the code at ``args.before``: this script as it was then, run from a git
    worktree of that commit with this checkout's virtualenv, with the same voters, workers and database."""
    folder = Path(tempfile.mkdtemp(prefix="clt-bench-before-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), args.before], cwd=ROOT, check=True)
    try:
        (folder / ".venv").symlink_to(ROOT / ".venv")
        command = [
            sys.executable,
            "bench/ballots_http.py",
            "--voters",
            str(args.voters),
            "--workers",
            str(args.workers),
        ]
        if args.database != "postgres":
            command += ["--database", args.database]
        say(f"the code at {args.before}: {' '.join(command[1:])}")
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=1800)
        cpu, accepted = _OLD_CPU_ROW.search(done.stdout), _OLD_ACCEPTED_ROW.search(done.stdout)
        if done.returncode != 0 or cpu is None or accepted is None or not int(accepted.group(1)):
            raise SystemExit(f"the run at {args.before} failed or printed no CPU row:\n{done.stdout[-2000:]}")
        return float(cpu.group(1)) / int(accepted.group(1)) * 1000
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=False)
        shutil.rmtree(folder.parent, ignore_errors=True)


def measures(
    args: argparse.Namespace, probe: dict[str, Any], wave1: dict[str, Any], tally: dict[str, int]
) -> list[Measure]:
    """The issue's targets as ``bench/table.py`` rows."""
    where = "PostgreSQL" if args.database == "postgres" else "SQLite"
    cores = os.cpu_count() or 1
    n = wave1["casts"]
    per_second = n / wave1["wall"] if wave1["wall"] else 0.0
    label = f"cast: {args.voters} at once over HTTP, {args.workers} workers, {where}: casts/s"
    rows = [Measure(label, f"{per_second:.0f}/s", f"limit: {CASTS_PER_SECOND:.0f}/s", per_second / CASTS_PER_SECOND, 1)]
    for page, key in (("vote page", "web_queries"), ("API", "api_queries")):
        label = (
            f"cast: queries per cast, {page} (median), {where}"
            if key == "web_queries"
            else f"cast: queries per cast, {page}, {where}"
        )
        rows.append(Measure(label, f"{probe[key]}", f"limit: {MAX_QUERIES}", ratio(MAX_QUERIES, probe[key]), 1))
    label = f"cast: queries of the cast whose ballot makes k (and moves them), vote page, {where}"
    rows.append(Measure(label, f"{probe['web_queries_max']}", "", None, None))
    before = args.before_ms or CPU_BEFORE_MS
    limit = before / 2 / 1000
    if wave1["server_cpu"] is not None and n:
        per_cast = wave1["server_cpu"] / n
        measured = f"{args.before} here" if args.before_ms else "issue 15's figure"
        against = f"limit: {seconds(limit)} (half of {before:.1f} ms, {measured})"
        label = f"cast: server CPU per cast (gunicorn, wave 1), {where}"
        rows.append(Measure(label, seconds(per_cast), against, ratio(limit, per_cast), 1))
        bound = f"queueing bound {seconds(n * per_cast / cores)} ({n} x {seconds(per_cast)} / {cores} cores)"
        rows.append(Measure(f"cast: p95 of wave 1, {where}", seconds(wave1["p95"]), bound, None, None))
    if wave1["database_cpu"] is not None and n and args.database == "postgres":
        per_cast = seconds(wave1["database_cpu"] / n)
        rows.append(Measure("cast: PostgreSQL CPU per cast (its backends, wave 1)", per_cast, "", None, None))
    if wave1["server_cpu"] is not None and n:
        # What the CPU per cast allows when the casts have the machine to themselves (a shared machine
        # gives the wave only part of it: see the CPU row's "rest").
        spent = (wave1["server_cpu"] + (wave1["database_cpu"] or 0.0)) / n
        label = f"cast: casts/s that CPU allows on {cores} idle cores (server + database), {where}"
        rows.append(Measure(label, f"{cores / spent:.0f}/s", f"limit: {CASTS_PER_SECOND:.0f}/s", None, None))
    label = f"cast: CPU of one cast on the vote page, in-process, {where}"
    rows.append(Measure(label, seconds(probe["cast_cpu"]), f"limit: {seconds(limit)}", None, None))
    label = f"cast: CPU of the review step, in-process, {where}"
    rows.append(Measure(label, seconds(probe["review_cpu"]), "", None, None))
    lost, doubled = tally.get("lost", 0), tally.get("doubled", 0)
    label = f"cast: ballots lost / doubled, {where}"
    rows.append(Measure(label, f"{lost} / {doubled}", "limit: 0 / 0", 1.0 if lost + doubled == 0 else 0.0, 1))
    return rows


# --- The run ----------------------------------------------------------------------------------------


def rollbacks(database_url: str, *, wait: float) -> int:
    """Transactions rolled back in the bench database so far, after ``wait`` seconds for the statistics."""
    import psycopg

    time.sleep(wait)
    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        row = conn.execute("SELECT xact_rollback FROM pg_stat_database WHERE datname = %s", [DB_NAME]).fetchone()
    return int(row[0])


def run(
    args: argparse.Namespace, port: int, setup: Setup, database_url: str, server: subprocess.Popen
) -> tuple[list[Row], dict[str, Any]]:
    """The three waves; the server is stopped when they are over."""
    n, race = args.voters, args.race
    rows: list[Row] = []
    say(f"preparing {n + race} voters (page, code, review), {n + race} at a time")
    prepared = in_threads([lambda i=i: prepare(port, setup, i) for i in range(n + race)], together=False)
    bad = [o for outcomes in prepared for o in (outcomes if isinstance(outcomes, list) else [])
           if o.status != 200 or o.error]  # fmt: skip
    crashed = [r for r in prepared if isinstance(r, Exception)]
    if bad or crashed:
        first = bad[0] if bad else None
        raise SystemExit(f"preparing failed: {len(bad)} bad answers, {len(crashed)} client errors; first: "
                         f"{first.status if first else crashed[0]!r} {first.error if first else ''} "
                         f"{(first.body if first else '')[:500]}")  # fmt: skip
    flat = [o for outcomes in prepared for o in outcomes]
    for step in ("open the page", "give the code", "review"):
        times = [o.seconds * 1000 for o in flat if o.step == step]
        rows.append(Row(f"preparing: {step}", f"p50 {statistics.median(times):.0f} ms, p95 "
                                              f"{percentile(times, 0.95):.0f} ms ({len(times)})"))  # fmt: skip

    meter = Meter.of(server, database_url)  # after preparing: every worker holds its connection by now
    rows.append(Row("load average (1 min) before wave 1", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"))
    say(f"wave 1: {n} voters cast at once")
    meter.begin()
    wave1 = in_threads([lambda i=i: cast(port, setup, i, "cast") for i in range(n)], together=True)
    cpu = meter.row()
    accepted = {o.voter: receipt_of(o) for o in wave1 if isinstance(o, Outcome) and receipt_of(o)}
    answered = [o for o in wave1 if isinstance(o, Outcome)]
    wave1_figures = {
        "casts": len(accepted),
        "wall": max(o.ended for o in answered) - min(o.started for o in answered) if answered else 0.0,
        "p95": percentile([o.seconds for o in answered], 0.95) if answered else 0.0,
        "server_cpu": meter.spent.get("server"),
        "database_cpu": meter.spent.get("database"),
    }
    rows += latency_rows(f"wave 1, {n} casts at once", [o for o in wave1 if isinstance(o, Outcome)])
    rows.append(cpu)
    rows.append(Row("  accepted with a receipt", f"{len(accepted)} of {n}", f"{n}", len(accepted) == n))
    say(f"wave 1: {len(accepted)} of {n} accepted")

    m = args.resubmit
    wave2: list[Any] = []
    if m:
        say(f"wave 2: {m} of them cast again, twice each, {2 * m} requests at once")
        again = [i for i in range(m) for _twice in range(2)]
        wave2 = in_threads([lambda i=i: cast(port, setup, i, "recast") for i in again], together=True)
        refused = [o for o in wave2 if isinstance(o, Outcome) and o.status == 400 and ALREADY_VOTED in o.body]
        rows += latency_rows(f"wave 2, {2 * m} repeat casts", [o for o in wave2 if isinstance(o, Outcome)])
        rows.append(Row("  refused: already voted", f"{len(refused)} of {2 * m}", f"{2 * m}", len(refused) == 2 * m))
        say(f"wave 2: {len(refused)} of {2 * m} refused")

    race_accepted: dict[int, str] = {}
    wave3: list[Any] = []
    if race:
        say(f"wave 3: {race} fresh voters send two casts each at the same instant")
        pairs = [i for i in range(n, n + race) for _twice in range(2)]
        postgres = not database_url.startswith("sqlite:")
        if postgres:
            say("waiting 11 s for PostgreSQL's statistics of the earlier waves (idle backends flush every 10 s)")
        before = rollbacks(database_url, wait=11) if postgres else 0
        wave3 = in_threads([lambda i=i: cast(port, setup, i, "race") for i in pairs], together=True)
        gunicorn_stop(server)  # exiting backends flush their statistics at once
        inside = rollbacks(database_url, wait=1) - before if postgres else None
        outcomes = [o for o in wave3 if isinstance(o, Outcome)]
        per_voter = Counter(o.voter for o in outcomes if receipt_of(o))
        race_accepted = {o.voter: receipt_of(o) for o in outcomes if receipt_of(o)}
        refused = [o for o in outcomes if o.status == 400 and ALREADY_VOTED in o.body]
        one_each = len(per_voter) == race and set(per_voter.values()) == {1}
        rows += latency_rows(f"wave 3, {race} voters x 2 casts at once", outcomes)
        rows.append(Row("  one accepted per voter", f"{sum(per_voter.values())} accepted, {len(refused)} refused",
                        f"{race} / {race}", one_each and len(refused) == race))  # fmt: skip
        # The page refuses a code that has voted without opening a transaction; a loser that got past that
        # check was refused inside ballot_cast (its prior check or the unique index) and rolled back.
        if inside is not None:  # PostgreSQL's statistics; SQLite keeps none
            rows.append(Row("  refused inside ballot_cast (rolled back)", f"{inside} of {len(refused)}"))
        say(f"wave 3: {sum(per_voter.values())} accepted, {len(refused)} refused, {inside} inside ballot_cast")

    everything = [*wave1, *wave2, *wave3]
    failures = [o for o in everything if not isinstance(o, Outcome) or o.status not in (200, 400)]
    rows.append(Row("client errors, 5xx or other answers", f"{len(failures)}", "0", not failures))
    if failures:
        first = failures[0]
        detail = repr(first) if not isinstance(first, Outcome) else f"{first.status} {first.error} {first.body[:300]}"
        print(f"first failure: {detail}")
    return rows, {"accepted": {**accepted, **race_accepted}, "wave1": wave1_figures}


def check_database(setup: Setup, accepted: dict[int, str], tally: dict[str, int]) -> list[Row]:
    """What the database holds against what the voters were told (nothing lost, nothing doubled).

    ``tally`` gets ``lost`` (receipts handed out and not stored) and ``doubled`` (ballots stored beyond the
    accepted casts, and participations beyond one per roll entry)."""
    from governance.elections import ballot_box
    from governance.elections import selectors as gs
    from governance.models import Ballot, Contest, Participation, RollEntry

    contest = Contest.objects.get(pk=setup.contest_id)
    expected = len(accepted)
    # What the close does: the ballots still sealed join the box, and the box is rewritten shuffled.
    ballot_box.shuffle_contest(contest)
    ballots = list(Ballot.objects.filter(contest=contest).values_list("receipt", "choices"))
    participations = list(Participation.objects.filter(contest=contest).values_list("roll_entry_id", "channel"))
    voted_entries = Counter(entry for entry, _channel in participations)
    wanted_entries = {setup.voters[i].entry_id for i in accepted}
    stored_receipts = Counter(receipt for receipt, _choices in ballots)
    stored_rankings = Counter(tuple(choices) for _receipt, choices in ballots)
    sent_rankings = Counter(tuple(setup.voters[i].ranking) for i in accepted)
    online = RollEntry.objects.filter(pk__in=wanted_entries, channel="online").count()
    lost = len(set(accepted.values()) - set(stored_receipts))
    doubled = max(0, len(ballots) - (expected - lost)) + sum(c - 1 for c in voted_entries.values() if c > 1)
    tally["lost"], tally["doubled"] = lost, doubled
    rows = [
        Row("ballots stored", f"{len(ballots)}", f"{expected}", len(ballots) == expected),
        Row("participations stored", f"{len(participations)}", f"{expected}", len(participations) == expected),
        Row(
            "roll entries voting more than once",
            f"{sum(1 for c in voted_entries.values() if c > 1)}",
            "0",
            all(c == 1 for c in voted_entries.values()),
        ),
        Row(
            "voters told 'accepted' = roll entries that voted",
            f"{set(voted_entries) == wanted_entries}",
            "True",
            set(voted_entries) == wanted_entries,
        ),
        Row(
            "receipts handed out = receipts stored",
            f"{set(stored_receipts) == set(accepted.values())}",
            "True",
            set(stored_receipts) == set(accepted.values()) and max(stored_receipts.values(), default=1) == 1,
        ),
        Row(
            "rankings stored = rankings accepted",
            f"{stored_rankings == sent_rankings}",
            "True",
            stored_rankings == sent_rankings,
        ),
        Row("roll entries marked as voted online", f"{online}", f"{expected}", online == expected),
    ]
    result = gs.contest_count(contest)
    rows.append(Row("the count: ballots cast / valid", f"{result.ballots.cast} / {result.ballots.valid}",
                    f"{expected} / {expected}", result.ballots.cast == result.ballots.valid == expected))  # fmt: skip
    rows.append(Row("  elected (3 seats)", ", ".join(result.winners)))
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.before_ms = before_cpu_ms(args) if args.before else None
    server = _postgres_server() if args.database == "postgres" else None
    where = f"database {DB_NAME} on {server['host']}:{server['port']}" if server else "an SQLite file"
    say(f"{where}: drop, create, migrate")
    database_url = database_create(server)
    os.environ["DATABASE_URL"] = database_url
    process = None
    log = Path(tempfile.gettempdir()) / f"clt-bench-gunicorn-{os.getpid()}.log"  # written once gunicorn starts
    tally: dict[str, int] = {}
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        size = args.voters + args.race + PROBES
        say(f"election: Scottish STV, {len(CANDIDATES)} candidates, 3 seats, {size} roll entries with access codes")
        setup = election_setup(size)
        say(f"{PROBES} casts in this process: queries and CPU of one cast")
        probe, probe_receipts = probe_casts(setup, args.voters + args.race)
        from django.db import connections

        connections.close_all()  # the server's workers, not this process, hold connections while voting
        port = free_port()
        say(f"gunicorn clt.wsgi: {args.workers} workers on 127.0.0.1:{port} (log {log})")
        process = gunicorn_start(database_url, args.workers, port, log)
        gunicorn_wait(process, port, log)
        rows, found = run(args, port, setup, database_url, process)
        gunicorn_stop(process)
        say("checking the database")
        rows += check_database(setup, {**found["accepted"], **probe_receipts}, tally)
    finally:
        if process is not None:
            gunicorn_stop(process)
        if args.keep:
            say(f"kept the database: DATABASE_URL={database_url}")
        else:
            database_drop(server, database_url)
    print(format_table([measure(row) for row in rows]))
    failed = [r.name.strip() for r in rows if r.ok is False]
    met = record(measures(args, probe, found["wave1"], tally))
    if failed:
        print(f"\n{len(failed)} check(s) failed: " + "; ".join(failed))
        print(f"gunicorn's log: {log}")
        return 1
    log.unlink(missing_ok=True)
    backend = "PostgreSQL" if server else "SQLite"
    print(f"\nevery check passed ({args.voters} voters, {args.workers} gunicorn workers, {backend})")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
