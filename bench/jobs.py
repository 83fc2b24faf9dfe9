"""Benchmark of the job queue (docs/jobs.md): what a job costs beside the work it does.

Run by hand or with ``make bench``; never collected by pytest. A throwaway database (an SQLite file, or
``clt_bench_<pid>`` on PostgreSQL, as ``parcels.py`` makes it), migrated; then, in one process:

- **enqueue**: ``job_enqueue`` (the Job row and the engine's task row, one transaction), the whole cost a
  page pays before it redirects to the job's page; limit 50 ms.
- **overhead per job**: ``--jobs`` jobs of a kind that does nothing, queued, then run by the real worker
  (``manage.py db_worker --batch``): claim (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL), mark
  running, run, store the outcome, mark the engine's row; per job; limit 250 ms.
- **progress of ``--rows`` rows**: the throttled ``ProgressWriter`` (a write a second and at the end)
  against a write per row, interleaved, median of ``--repeat``; target: at least 10× cheaper.
- **the page's poll**: ``GET /jobs/<id>/status.json`` as the job's owner, median of ``--repeat`` × 10; limit
  50 ms.

    .venv/bin/python bench/jobs.py [--jobs 50] [--rows 20000] [--repeat 5] [--database sqlite|postgres]

Wall time and CPU time (``time.process_time``) are both printed; ratios use wall time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings_test")

from parcels import _is_postgres_url, setup_django, throwaway_database  # noqa: E402
from table import Measure, ratio, record, seconds  # noqa: E402

LIMIT_ENQUEUE_S = 0.050
LIMIT_OVERHEAD_S = 0.250
LIMIT_POLL_S = 0.050
TARGET_PROGRESS = 10.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=50, help="jobs run by the worker (default 50)")
    parser.add_argument("--rows", type=int, default=20_000, help="progress calls of one job (default 20,000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions, median reported (default 5)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default=None)
    args = parser.parse_args(argv)
    if min(args.jobs, args.rows, args.repeat) < 1:
        parser.error("--jobs, --rows and --repeat must be at least 1")
    return args


def timed(function) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def run(args: argparse.Namespace, backend: str) -> list[Measure]:
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.test import Client

    from clt import roles
    from clt.jobs import registry
    from clt.jobs.models import Job, JobStatus
    from clt.jobs.runner import ProgressWriter
    from clt.jobs.services import job_enqueue

    registry.register(registry.JobKind("bench_noop", lambda job, progress: registry.Outcome(summary="nothing")))
    staff = User.objects.create_user("bench-staff", "bench@example.org", "x")
    staff.groups.add(Group.objects.get_or_create(name=roles.STAFF_GROUP)[0])

    enqueue = [timed(lambda: job_enqueue(actor=staff, kind="bench_noop", title="bench", params={})) for _ in range(20)]
    Job.objects.all().delete()

    for _ in range(args.jobs):
        job_enqueue(actor=staff, kind="bench_noop", title="bench", params={})
    worker = ("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name=*")
    run_all = timed(lambda: call_command(*worker, verbosity=0))
    done = Job.objects.filter(status=JobStatus.SUCCEEDED).count()
    assert done == args.jobs, f"{done} of {args.jobs} jobs succeeded"

    job = Job.objects.first()

    def throttled() -> None:
        writer = ProgressWriter(job.pk)
        for row in range(1, args.rows + 1):
            writer("rows", row, args.rows)

    def per_row() -> None:
        writer = ProgressWriter(job.pk, interval=0)
        for row in range(1, args.rows + 1):
            writer(f"row {row}", row, args.rows)  # a new message each row: no throttle

    ours_progress, peer_progress = [], []
    for _ in range(args.repeat):  # interleaved, so the machine's load falls on both alike
        ours_progress.append(timed(throttled))
        peer_progress.append(timed(per_row))

    client = Client()
    client.force_login(staff)
    url = f"/jobs/{job.pk}/status.json"
    assert client.get(url).status_code == 200
    polls = [timed(lambda: client.get(url)) for _ in range(args.repeat * 10)]

    def median(values: list[tuple[float, float]], part: int = 0) -> float:
        return statistics.median(v[part] for v in values)

    enqueue_s, overhead_s = median(enqueue), run_all[0] / args.jobs
    progress_s, per_row_s, poll_s = median(ours_progress), median(peer_progress), median(polls)
    where = f"{backend}"
    return [
        Measure(
            f"enqueue a job (Job + task row), {where}",
            f"{seconds(enqueue_s)} (CPU {seconds(median(enqueue, 1))})",
            f"limit: {seconds(LIMIT_ENQUEUE_S)}",
            ratio(LIMIT_ENQUEUE_S, enqueue_s),
            1.0,
        ),
        Measure(
            f"job overhead, no-op kind, db_worker --batch, {args.jobs} jobs, {where}",
            f"{seconds(overhead_s)}/job (CPU {seconds(run_all[1] / args.jobs)})",
            f"limit: {seconds(LIMIT_OVERHEAD_S)}",
            ratio(LIMIT_OVERHEAD_S, overhead_s),
            1.0,
        ),
        Measure(
            f"progress of {args.rows:,} rows, throttled, {where}",
            f"{seconds(progress_s)} (CPU {seconds(median(ours_progress, 1))})",
            f"peer: a write per row {seconds(per_row_s)}",
            ratio(per_row_s, progress_s),
            TARGET_PROGRESS,
        ),
        Measure(
            f"job page poll, GET status.json, {where}",
            f"{seconds(poll_s)} (CPU {seconds(median(polls, 1))})",
            f"limit: {seconds(LIMIT_POLL_S)}",
            ratio(LIMIT_POLL_S, poll_s),
            1.0,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backend = args.database or ("postgres" if _is_postgres_url(os.environ.get("DATABASE_URL", "")) else "sqlite")
    with throwaway_database(backend):
        setup_django()
        rows = run(args, backend)
    return 0 if record(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
