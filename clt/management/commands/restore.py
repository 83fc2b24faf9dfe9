"""manage.py restore FILE: put a backup written by ``manage.py backup`` back into the configured database.

Generic on purpose: it restores whatever the file holds, tables and rows as they were stored, and knows
nothing of any app. Everything in the database is replaced, so it asks first (``--yes`` to skip the
question in a script); the file is checked before anything is touched, and on PostgreSQL the restore is
one transaction, so a failure leaves the database as it was.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext as _

from clt import backups

VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def backup_kind(path: Path) -> str | None:
    """``"sqlite"``, ``"postgresql"`` or None, from the file's first bytes (names and extensions lie)."""
    with path.open("rb") as file:
        head = file.read(len(backups.SQLITE_MAGIC))
    if head.startswith(backups.SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(backups.PGDUMP_MAGIC):
        return "postgresql"
    return None


class Command(BaseCommand):
    help = (
        "Replace everything in the database with a backup written by `manage.py backup` "
        "(pg_restore on PostgreSQL, SQLite's backup API on SQLite). Asks first unless --yes is given."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the backup file (.dump on PostgreSQL, .sqlite3 on SQLite)")
        parser.add_argument("--yes", action="store_true", help="do not ask: the database is overwritten (for scripts)")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="never ask; without --yes the restore is refused",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="the database alias to restore into (default %(default)s)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        vendor = backups.check_vendor(connection)
        path = Path(options["file"]).expanduser()
        if not path.is_file():
            raise CommandError(_("No backup file at %(path)s.") % {"path": path})
        try:
            kind = backup_kind(path)
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from exc
        if kind is None:
            raise CommandError(
                _("%(path)s is neither a pg_dump custom-format archive nor an SQLite database.") % {"path": path}
            )
        if kind != vendor:
            raise CommandError(
                _("%(path)s is a %(kind)s backup but the database is %(vendor)s; restore it into a %(kind)s database.")
                % {"path": path, "kind": VENDOR_NAMES[kind], "vendor": VENDOR_NAMES[vendor]}
            )
        self.confirm(connection, path, yes=options["yes"], interactive=options["interactive"])
        if vendor == "postgresql":
            self.restore_postgres(connection, path)
        else:
            self.restore_sqlite(connection, path)
        self.stdout.write(
            self.style.SUCCESS(
                _("Restored %(path)s into %(database)s.")
                % {"path": path, "database": backups.describe_database(connection)}
            )
        )

    def confirm(self, connection: BaseDatabaseWrapper, path: Path, *, yes: bool, interactive: bool) -> None:
        if yes:
            return
        warning = _("This replaces everything in %(database)s with the contents of %(path)s.") % {
            "database": backups.describe_database(connection),
            "path": path,
        }
        # A prompt nobody can answer (cron, a pipe) would hang or read garbage: refuse instead.
        if not (interactive and sys.stdin.isatty()):
            raise CommandError(warning + " " + _("Run again with --yes to confirm."))
        answer = input(warning + " " + _("Type 'yes' to continue: "))
        if answer.strip().lower() != "yes":
            raise CommandError(_("Restore cancelled; nothing was changed."))

    def restore_postgres(self, connection: BaseDatabaseWrapper, path: Path) -> None:
        pg_restore = backups.postgres_tool("pg_restore")
        args, env = backups.postgres_connection_args(connection.settings_dict)
        # Our own idle connection would only hold up the DROPs.
        connection.close()
        # --single-transaction: all of it or none of it (it implies --exit-on-error). --no-owner: the
        # backup may come from a server whose roles this one does not have.
        backups.run_tool(
            pg_restore, ["--clean", "--if-exists", "--no-owner", "--single-transaction", *args, str(path)], env
        )

    def restore_sqlite(self, connection: BaseDatabaseWrapper, path: Path) -> None:
        # Read-only, so that checking a backup can never change it.
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            try:
                errors = backups.sqlite_integrity_errors(source)
            except sqlite3.DatabaseError as exc:
                errors = [str(exc)]
            if errors:
                raise CommandError(
                    _("%(path)s failed its integrity check; nothing was changed: %(errors)s")
                    % {"path": path, "errors": "; ".join(errors[:5])}
                )
            # Into Django's own connection (as the backup reads from it), which also works for a database
            # in memory; the backup API replaces the destination page by page under a lock.
            backups.refuse_inside_transaction(connection)
            connection.ensure_connection()
            destination = connection.connection
            try:
                backups.sqlite_copy(source, destination, timeout=backups.sqlite_lock_timeout(connection))
            except sqlite3.Error as exc:
                raise CommandError(_("The SQLite restore failed: %(error)s") % {"error": exc}) from exc
            errors = backups.sqlite_integrity_errors(destination)
            if errors:
                raise CommandError(
                    _("The restored database failed its integrity check: %(errors)s")
                    % {"errors": "; ".join(errors[:5])}
                )
        finally:
            source.close()
