"""Fuzz the API from its OpenAPI schema (schemathesis) as staff, a homeowner and a member; fail on any 5xx.

Run by ``.ci/run``, or by hand: ``.venv/bin/python .ci/fuzz.py`` (``--help`` for the options). It builds
a throwaway trust (SQLite in a temporary directory, ``load_demo --as-of 2026-12-07``), gives each demo
login an API token, and for each role serves a fresh copy of that database with ``runserver`` (the
server's clock on the demo's day, as ``make screenshots`` does) and runs ``schemathesis run`` against
``/api/schema/`` with the role's token. Each role starts from the same data: what staff deleted is
there again for the homeowner. The roles run at the same time, each on its own server and copy: one
role's run leaves a core mostly idle (the server answers one request at a time), so together they take
little longer than one. Each role's output is printed whole when it ends.

Checks: ``not_a_server_error`` (no 5xx, whatever was sent) and ``response_schema_conformance`` (every
answer the schema describes matches it). The run is bounded and reproducible: a fixed seed and at most
``--max-examples`` cases per operation (5: about 1,000 requests and 37 s a role on 2 cores). Only the
``fuzzing`` phase runs: schemathesis's ``coverage`` phase (every boundary value of every parameter)
takes about 8 minutes a role, too long for CI; ``--phases coverage`` runs it by hand. Exit 1 when any
role found a failure, with the server's log (its tracebacks) for that role; exit 2 when the run could
not be made.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the project's own modules are importable from its root

from tests.devserver import Failure, manage, serving  # noqa: E402  (the server, as the screenshots run it)

AS_OF = "2026-12-07"
ROLES = ("staff", "homeowner", "member")
SEED = 20261207
CHECKS = "not_a_server_error,response_schema_conformance"
PHASES = "fuzzing"
ACCESS_LOG = re.compile(r'^\[[^\]]+\] "[A-Z]+ ')
PRINTING = threading.Lock()

TOKENS = """
import json, sys
import django
django.setup()
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
tokens = {name: Token.objects.get_or_create(user=User.objects.get(username=name))[0] for name in sys.argv[1:]}
print(json.dumps({name: token.key for name, token in tokens.items()}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated demo logins (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=SEED, help="schemathesis's seed (default: %(default)s)")
    parser.add_argument("--max-examples", type=int, default=5, help="cases per operation (default: %(default)s)")
    parser.add_argument(
        "--max-time", type=int, default=0, help="seconds per role, fuzzing again until spent (default: none)"
    )
    parser.add_argument("--workers", type=int, default=2, help="schemathesis workers (default: %(default)s)")
    parser.add_argument("--include-path-regex", default="", help="only the operations whose path matches")
    parser.add_argument("--phases", default=PHASES, help="schemathesis's phases (default: %(default)s)")
    parser.add_argument(
        "--demo", type=Path, help="a demo database already built (load_demo --as-of 2026-12-07) to start from"
    )
    args = parser.parse_args()
    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    started = time.monotonic()
    try:
        for module in ("schemathesis", "time_machine"):
            if importlib.util.find_spec(module) is None:
                raise Failure(f"{module} is not installed: install the test extras (make install-test)")
        with tempfile.TemporaryDirectory(prefix="clt-fuzz-") as tmp_name:
            tmp = Path(tmp_name)
            template = tmp / "demo.sqlite3"
            env = environment(template)
            if args.demo:
                shutil.copyfile(args.demo, template)
            else:
                print(f"fuzz: migrating and loading the demo as of {AS_OF}…", flush=True)
                manage(env, "migrate", "--noinput")
                manage(env, "load_demo", "--as-of", AS_OF)
            tokens = json.loads(python(env, TOKENS, *roles).strip().splitlines()[-1])
            print(f"fuzz: demo ready in {time.monotonic() - started:.0f} s", flush=True)
            with ThreadPoolExecutor(max_workers=len(roles)) as pool:
                passed = list(pool.map(lambda role: fuzz_role(role, tokens[role], template, tmp, args), roles))
            failed = [role for role, ok in zip(roles, passed, strict=True) if not ok]
    except Failure as exc:
        print(f"fuzz: error: {exc}", file=sys.stderr)
        return 2
    total = time.monotonic() - started
    if failed:
        print(f"fuzz: FAILED as {', '.join(failed)} ({total:.0f} s)", flush=True)
        return 1
    print(f"fuzz: no server error and no schema mismatch as {', '.join(roles)} ({total:.0f} s)", flush=True)
    return 0


def environment(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(DJANGO_SETTINGS_MODULE="clt.settings_test", DATABASE_URL=f"sqlite:///{database}", DEBUG="0")
    return env


def python(env: dict[str, str], script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise Failure(f"a setup script failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def fuzz_role(role: str, token: str, template: Path, tmp: Path, args: argparse.Namespace) -> bool:
    """One role's run on its own copy of the demo; True when schemathesis found nothing."""
    database = tmp / f"{role}.sqlite3"
    shutil.copyfile(template, database)
    log_path = tmp / f"{role}-server.log"
    role_started = time.monotonic()
    output_path = tmp / f"{role}-fuzz.log"
    with serving(environment(database), log_path, AS_OF, ready="/api/schema/") as base, output_path.open("w") as output:
        output.write(f"\n== fuzz as {role} ({base})\n")
        output.flush()
        command = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{base}/api/schema/",
            "--header",
            f"Authorization: Token {token}",
            "--checks",
            CHECKS,
            "--phases",
            args.phases,
            "--seed",
            str(args.seed),
            "--max-examples",
            str(args.max_examples),
            "--workers",
            str(args.workers),
            "--generation-database",
            "none",
            "--request-timeout",
            "30",
            "--no-color",
            "--suppress-health-check",
            "all",
        ]
        if args.max_time:
            command += ["--max-time", str(args.max_time)]
        if args.include_path_regex:
            command += ["--include-path-regex", args.include_path_regex]
        # In a directory of the role's own: schemathesis keeps a cache (.schemathesis/) in its working directory.
        workdir = tmp / role
        workdir.mkdir()
        done = subprocess.run(command, cwd=workdir, check=False, stdout=output, stderr=subprocess.STDOUT)
    # One role's output at a time, whole, however the runs interleaved.
    with PRINTING:
        print(output_path.read_text(errors="replace"), end="", flush=True)
        print(f"== {role}: exit {done.returncode} in {time.monotonic() - role_started:.0f} s", flush=True)
        if done.returncode != 0:
            # What the server said besides its access log: the tracebacks of the server errors.
            said = [line for line in log_path.read_text(errors="replace").splitlines() if not ACCESS_LOG.match(line)]
            print(f"== {role}: the server's log, without its access lines:\n" + "\n".join(said), flush=True)
    return done.returncode == 0


if __name__ == "__main__":
    sys.exit(main())
