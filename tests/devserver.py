"""The product served for a script that drives it from outside: the README's screenshots
(``docs/screenshots/take.py``) and CI's API fuzzing (``.ci/fuzz.py``).

``runserver`` on a free loopback port, in a child process whose clocks time-machine sets to the demo's
day at noon (ticking from there), against the database the environment names; always stopped.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Without time-machine (not installed) the server runs on the real today.
SERVE = """
import datetime as dt, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings")
import django
django.setup()
try:
    import time_machine
except ImportError:
    print("devserver: time-machine is not installed; the server runs on the real today", file=sys.stderr)
else:
    from clt import clock
    time_machine.travel(clock.moment_on(dt.date.fromisoformat(sys.argv[1])), tick=True).start()
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "runserver", sys.argv[2], "--noreload"])
"""


class Failure(Exception):
    """The run could not be made (not a finding of the script): the message says why."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> None:
    """``manage.py`` with ``args`` in the project's root; a failure raises with what it printed."""
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise Failure(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


class serving:
    """The server for the ``with`` block, which gets its base URL once ``ready`` answers 200."""

    def __init__(self, env: dict[str, str], log_path: Path, as_of: str, *, ready: str = "/login/") -> None:
        self.env = env
        self.log_path = log_path
        self.as_of = as_of
        self.ready = ready
        self.process: subprocess.Popen | None = None
        self.up = False

    def __enter__(self) -> str:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE, self.as_of, f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            self.wait_until_up(base)
            self.up = True
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return base

    def wait_until_up(self, base: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Failure(f"the server stopped (exit {self.process.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{base}{self.ready}", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise Failure(f"the server did not answer within {seconds:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        if not self.log.closed:
            self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
