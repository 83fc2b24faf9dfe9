"""manage.py backup: one dated, self-contained copy of the configured database.

PostgreSQL goes through ``pg_dump --format=custom`` (restorable with ``pg_restore``, table by table if
need be); SQLite goes through SQLite's online backup API on Django's own connection, which gives a
consistent snapshot even while the site writes, and works for an in-memory database too (the tests).
The file is written under a temporary name in the destination directory and renamed only once it is
complete and checked, so a failed run never leaves something that looks like a backup.

``manage.py restore`` (restore.py) reads what this writes; the helpers both need live here.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
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


def tool_failure(tool: str, result: subprocess.CompletedProcess[str]) -> CommandError:
    detail = (result.stderr or result.stdout or "").strip() or _("(no output)")
    return CommandError(
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


class Command(BaseCommand):
    help = (
        "Write a backup of the database: pg_dump's custom format on PostgreSQL, an SQLite file on SQLite. "
        "Default: a dated file in backups/ under the project directory."
    )
    # A backup must still be possible when something else is misconfigured: that is when it is needed.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            metavar="DIR_OR_FILE",
            help="a directory (existing, or ending in /) for a dated file, or the file to write",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="the database alias to back up (default %(default)s)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        vendor = check_vendor(connection)
        # Before anything is created: a missing tool should not cost an empty directory.
        pg_dump = postgres_tool("pg_dump") if vendor == "postgresql" else ""
        target, dated = resolve_output(options["output"], vendor)
        if dated and target.exists():
            # Two runs in the same second: keep the first rather than replace it silently.
            raise CommandError(_("%(path)s already exists; try again in a second.") % {"path": target})
        if target.parent.exists() and not target.parent.is_dir():
            raise CommandError(_("Cannot write a backup in %(dir)s: it is not a directory.") % {"dir": target.parent})
        try:
            # Backups hold personal data: readable by their owner only, from the directory down.
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        except OSError as exc:
            raise CommandError(
                _("Cannot write a backup in %(dir)s: %(error)s") % {"dir": target.parent, "error": exc.strerror or exc}
            ) from exc
        os.close(fd)
        temp = Path(temp_name)
        try:
            if vendor == "postgresql":
                self.dump_postgres(connection, pg_dump, temp)
            else:
                self.copy_sqlite(connection, temp)
            with temp.open("rb") as written:
                os.fsync(written.fileno())
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        size = target.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                _("Backup of %(database)s written to %(path)s (%(size)s).")
                % {"database": describe_database(connection), "path": target, "size": human_size(size)}
            )
        )

    def dump_postgres(self, connection: BaseDatabaseWrapper, pg_dump: str, temp: Path) -> None:
        args, env = postgres_connection_args(connection.settings_dict)
        command = [pg_dump, "--format=custom", f"--file={temp}", *args]
        try:
            result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise CommandError(_("Could not run %(tool)s: %(error)s") % {"tool": pg_dump, "error": exc}) from exc
        if result.returncode != 0:
            raise tool_failure("pg_dump", result)
        with temp.open("rb") as dump:
            if dump.read(len(PGDUMP_MAGIC)) != PGDUMP_MAGIC:
                raise CommandError(_("pg_dump exited normally but wrote no custom-format archive."))

    def copy_sqlite(self, connection: BaseDatabaseWrapper, temp: Path) -> None:
        # Through Django's connection, not the file: the database may be in memory (the tests), and the
        # backup API reads a consistent snapshot where copying a live file could catch half a write.
        refuse_inside_transaction(connection)
        connection.ensure_connection()
        destination = sqlite3.connect(temp)
        try:
            try:
                sqlite_copy(connection.connection, destination, timeout=sqlite_lock_timeout(connection))
            except sqlite3.Error as exc:
                raise CommandError(_("The SQLite backup failed: %(error)s") % {"error": exc}) from exc
            errors = sqlite_integrity_errors(destination)
            if errors:
                raise CommandError(
                    _("The copy failed its integrity check: %(errors)s") % {"errors": "; ".join(errors[:5])}
                )
        finally:
            destination.close()
