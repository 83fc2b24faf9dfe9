"""The database backups' shared steps: what ``manage.py backup`` writes and ``manage.py restore`` reads.

PostgreSQL goes through ``pg_dump --format=custom`` and ``pg_restore``; SQLite through SQLite's online
backup API on Django's own connection, which gives a consistent snapshot even while the site writes,
and works for an in-memory database too (the tests). Nothing here knows any app: a backup is the
database's tables and rows as they were stored.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.client import DatabaseClient as PostgresClient
from django.utils import timezone
from django.utils.translation import gettext as _

# The first bytes of each kind of file, so that restore can refuse the wrong one before touching anything.
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
EXTENSIONS = {"sqlite": ".sqlite3", "postgresql": ".dump"}


def default_backup_dir() -> Path:
    return Path(settings.BASE_DIR) / "backups"


def check_vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in EXTENSIONS:
        raise CommandError(
            _("Backups are supported on SQLite and PostgreSQL only; this database is %(vendor)s.")
            % {"vendor": connection.vendor}
        )
    return connection.vendor


def describe_database(connection: BaseDatabaseWrapper) -> str:
    """The database as a person would recognise it in a message (never with its password)."""
    data = connection.settings_dict
    if connection.vendor == "postgresql":
        host = data.get("HOST") or "localhost"
        port = f":{data['PORT']}" if data.get("PORT") else ""
        return f"PostgreSQL {data.get('NAME')} @ {host}{port}"
    return f"SQLite {data.get('NAME')}"


def postgres_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(
            _(
                "%(tool)s was not found on PATH. Install the PostgreSQL client tools of the server's major "
                "version (Debian: apt install postgresql-client)."
            )
            % {"tool": name}
        )
    return path


def postgres_connection_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """``--host/--port/--username/--dbname`` for pg_dump or pg_restore, and the environment to run them in.

    Django's own psql client decides the environment (PGPASSWORD, PGSERVICE, PGSSLMODE, PGPASSFILE…), so
    the password reaches the tool the way it reaches ``manage.py dbshell``: in the environment, never in
    the arguments, where any user of the machine could read it in the process list.
    """
    _args, extra_env = PostgresClient.settings_to_cmd_args_env(settings_dict, [])
    args: list[str] = []
    if settings_dict.get("HOST"):
        args.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        args.append(f"--port={settings_dict['PORT']}")
    if settings_dict.get("USER"):
        args.append(f"--username={settings_dict['USER']}")
    name = settings_dict.get("NAME") or ("" if settings_dict["OPTIONS"].get("service") else "postgres")
    if name:
        args.append(f"--dbname={name}")
    # A tool that would otherwise stop and ask for a password at 3 a.m. should fail at once instead.
    args.append("--no-password")
    return args, {**os.environ, **(extra_env or {})}


def run_tool(path: str, args: list[str], env: dict[str, str]) -> None:
    """Run pg_dump or pg_restore; a CommandError with the tool's own words when it cannot start or fails."""
    tool = Path(path).name
    try:
        result = subprocess.run([path, *args], env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise CommandError(_("Could not run %(tool)s: %(error)s") % {"tool": path, "error": exc}) from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout or "").strip() or _("(no output)")
        raise CommandError(
            _("%(tool)s failed (exit status %(code)s): %(detail)s")
            % {"tool": tool, "code": result.returncode, "detail": detail}
        )


def human_size(size: int) -> str:
    if size < 1024:
        return _("%(bytes)d bytes") % {"bytes": size}
    value = size / 1024
    for unit in ("KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    return _("%(value).1f %(unit)s, %(bytes)d bytes") % {"value": value, "unit": unit, "bytes": size}


def sqlite_integrity_errors(db: sqlite3.Connection) -> list[str]:
    rows = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else [str(row) for row in rows]


def sqlite_lock_timeout(connection: BaseDatabaseWrapper) -> float:
    """How long to wait for another writer: the ``timeout`` the site itself waits (settings), else SQLite's 5 s."""
    return float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5))


def sqlite_copy(source: sqlite3.Connection, destination: sqlite3.Connection, *, timeout: float) -> None:
    """``source.backup(destination)`` in one step (one consistent snapshot), giving up after ``timeout``
    seconds of finding the database locked: sqlite3 would otherwise retry for ever, and a nightly job
    that hangs is worse than one that fails and says why."""
    deadline = time.monotonic() + timeout

    def progress(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise sqlite3.OperationalError(
                _("the database stayed locked by another connection for %(seconds)d seconds") % {"seconds": timeout}
            )

    source.backup(destination, progress=progress)


def refuse_inside_transaction(connection: BaseDatabaseWrapper) -> None:
    # The backup API waits for this very connection's open transaction to end, which never happens.
    if connection.in_atomic_block:
        raise CommandError(_("Cannot copy an SQLite database from inside a transaction; run the command on its own."))


def resolve_output(output: str | None, vendor: str) -> tuple[Path, bool]:
    """Where the backup goes, and whether that is a dated name we chose: a dated name in a directory (the
    default ``backups/``, or ``--output DIR``) or exactly ``--output FILE`` (replaced if it exists)."""
    stamp = timezone.localtime().strftime("%Y-%m-%dT%H%M%S")
    dated = f"clt-{stamp}{EXTENSIONS[vendor]}"
    if output is None:
        return default_backup_dir() / dated, True
    path = Path(output).expanduser()
    if path.is_dir() or output.endswith(("/", os.sep)):
        return path / dated, True
    return path, False
