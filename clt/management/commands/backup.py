"""manage.py backup: one dated, self-contained copy of the configured database.

The file is written under a temporary name in the destination directory and renamed only once it is
complete and checked, so a failed run never leaves something that looks like a backup. The steps it
shares with ``manage.py restore`` are in ``clt/backups.py``.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext as _

from clt import backups


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
        vendor = backups.check_vendor(connection)
        # Before anything is created: a missing tool should not cost an empty directory.
        pg_dump = backups.postgres_tool("pg_dump") if vendor == "postgresql" else ""
        target, dated = backups.resolve_output(options["output"], vendor)
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
                % {"database": backups.describe_database(connection), "path": target, "size": backups.human_size(size)}
            )
        )

    def dump_postgres(self, connection: BaseDatabaseWrapper, pg_dump: str, temp: Path) -> None:
        args, env = backups.postgres_connection_args(connection.settings_dict)
        backups.run_tool(pg_dump, ["--format=custom", f"--file={temp}", *args], env)
        with temp.open("rb") as dump:
            if dump.read(len(backups.PGDUMP_MAGIC)) != backups.PGDUMP_MAGIC:
                raise CommandError(_("pg_dump exited normally but wrote no custom-format archive."))

    def copy_sqlite(self, connection: BaseDatabaseWrapper, temp: Path) -> None:
        # Through Django's connection, not the file: the database may be in memory (the tests), and the
        # backup API reads a consistent snapshot where copying a live file could catch half a write.
        backups.refuse_inside_transaction(connection)
        connection.ensure_connection()
        destination = sqlite3.connect(temp)
        try:
            try:
                backups.sqlite_copy(connection.connection, destination, timeout=backups.sqlite_lock_timeout(connection))
            except sqlite3.Error as exc:
                raise CommandError(_("The SQLite backup failed: %(error)s") % {"error": exc}) from exc
            errors = backups.sqlite_integrity_errors(destination)
            if errors:
                raise CommandError(
                    _("The copy failed its integrity check: %(errors)s") % {"errors": "; ".join(errors[:5])}
                )
        finally:
            destination.close()
