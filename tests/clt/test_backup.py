"""manage.py backup and restore: a backup restored into a fresh database holds every row of every table,
and every way of failing refuses clearly without leaving a half-written file or touching the database.

Runs on whichever database the suite runs on (SQLite in memory, or PostgreSQL with DATABASE_URL); the
checks that only make sense on one of them skip on the other.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from rest_framework.authtoken.models import Token

from clt import backups, roles
from clt.models import Person
from governance.membership import services as governance_services
from governance.membership.models import Membership
from leases.lifecycle.models import GroundLease
from properties.models import Parcel, Unit
from tests.conftest import make_user
from tests.factories import make_lease

SQLITE_ONLY = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's backup path")
POSTGRES_ONLY = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_dump's path")


# --- helpers ---------------------------------------------------------------------------------------


def make_trust() -> None:
    """A little of everything: logins and groups, people, parcels and homes, leases, a membership (each
    with its history rows), an API token."""
    staff = make_user("backup-staff", groups=(roles.STAFF_GROUP,))
    make_user("backup-member", groups=(roles.MEMBER_GROUP,), person=True)
    Token.objects.create(user=staff)
    holder = make_user("backup-owner", person=True).person
    make_lease(people=[holder])
    make_lease()
    make_lease(execute=False)
    membership = governance_services.membership_apply(
        person=holder, actor=None, applied_on=dt.date(2025, 1, 5), kind="general", birth_date=dt.date(1980, 1, 1)
    )
    governance_services.membership_approve(membership=membership, actor=None, approved_on=dt.date(2025, 1, 20))


def tables() -> list[tuple[str, str]]:
    """(table, primary key column) for every model, auto-created many-to-many tables and history included;
    plus Django's migration record, which says what schema the rows belong to."""
    found: dict[str, str] = {"django_migrations": "id"}
    for model in apps.get_models(include_auto_created=True):
        found.setdefault(model._meta.db_table, model._meta.pk.column)  # a proxy shares its parent's table
    return sorted(found.items())


def table_contents(db: BaseDatabaseWrapper) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every row of every table, in primary-key order, with the column names."""
    contents = {}
    quote_name = db.ops.quote_name
    with db.cursor() as cursor:
        for table, pk in tables():
            cursor.execute(f"SELECT * FROM {quote_name(table)} ORDER BY {quote_name(pk)}")
            contents[table] = ([column[0] for column in cursor.description], list(cursor.fetchall()))
    return contents


def open_database(name: str) -> BaseDatabaseWrapper:
    """A second Django connection, like the test database's but to ``name``: read through the same backend,
    its rows come back as the same Python values (JSON, dates, decimals) and compare equal."""
    wrapper_class = type(connections[DEFAULT_DB_ALIAS])  # `connection` is only a proxy to it
    return wrapper_class({**connection.settings_dict, "NAME": name}, alias=f"backup-check-{name}")


def database_url(name: str) -> str:
    data = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    auth = quote(data.get("USER") or "", safe="")
    if data.get("PASSWORD"):
        auth += ":" + quote(str(data["PASSWORD"]), safe="")
    port = f":{data['PORT']}" if data.get("PORT") else ""
    return f"postgres://{auth}@{data.get('HOST') or ''}{port}/{quote(name, safe='')}"


def manage(*args: str, database: str) -> subprocess.CompletedProcess[str]:
    """The command as an operator runs it: its own process, its database from DATABASE_URL."""
    env = {**os.environ, "DATABASE_URL": database_url(database), "DJANGO_SETTINGS_MODULE": "clt.settings_test"}
    return subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def postgres_client(tool: str, *args: str) -> None:
    # The backup command's own connection arguments; createdb and dropdb call the database they
    # connect through the maintenance database.
    options, env = backups.postgres_connection_args(connection.settings_dict)
    options = [option.replace("--dbname=", "--maintenance-db=", 1) for option in options]
    subprocess.run([tool, *options, *args], env=env, check=True, capture_output=True, timeout=120)


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """The name of an empty database of the test database's kind, gone afterwards.

    On PostgreSQL its name derives from the test database's, which pytest-django suffixes per xdist
    worker, so parallel runs never share it.
    """
    if connection.vendor == "sqlite":
        yield str(tmp_path / "restored.sqlite3")
        return
    name = f"{connection.settings_dict['NAME']}_restored"
    postgres_client("dropdb", "--if-exists", "--force", name)  # a crashed earlier run's
    postgres_client("createdb", name)
    try:
        yield name
    finally:
        postgres_client("dropdb", "--if-exists", "--force", name)


def backup_like_file(directory: Path) -> Path:
    """A file that passes restore's format check for this database (restore must refuse before using it)."""
    if connection.vendor == "sqlite":
        path = directory / "clt.sqlite3"
        with closing(sqlite3.connect(path)) as db:
            db.execute("CREATE TABLE auth_user (id integer PRIMARY KEY)")
        return path
    path = directory / "clt.dump"
    path.write_bytes(b"PGDMP\x01\x0e")
    return path


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


# --- the round trip ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # committed, so that pg_dump's own connection sees the rows
def test_a_backup_restored_into_a_fresh_database_holds_every_row_of_every_table(tmp_path, fresh_database):
    make_trust()
    source = table_contents(connection)
    for model in (User, Group, User.groups.through, Token, Person, Parcel, Unit, GroundLease, Membership):
        assert source[model._meta.db_table][1], f"no rows in {model._meta.db_table}: the test would prove little"
    assert sum(1 for table, (_, rows) in source.items() if "historical" in table and rows) >= 5

    out = StringIO()
    call_command("backup", output=str(tmp_path / "backups") + os.sep, stdout=out)
    (backup_file,) = (tmp_path / "backups").iterdir()
    assert backup_file.name.startswith("clt-")
    assert backup_file.suffix == (".sqlite3" if connection.vendor == "sqlite" else ".dump")
    assert str(backup_file) in out.getvalue()
    assert f"{backup_file.stat().st_size} bytes" in out.getvalue()
    assert backup_file.stat().st_mode & 0o077 == 0  # personal data: the owner's only

    result = manage("restore", str(backup_file), "--yes", database=fresh_database)
    assert result.returncode == 0, result.stderr
    assert str(backup_file) in result.stdout

    restored_db = open_database(fresh_database)
    try:
        restored = table_contents(restored_db)
        assert restored.keys() == source.keys()
        differing = {
            table: f"{len(source[table][1])} rows in the source, {len(restored[table][1])} restored"
            for table in source
            if restored[table] != source[table]
        }
        assert not differing
        # The restored database takes new rows: its sequences came along with the rows.
        with restored_db.cursor() as cursor:
            cursor.execute("INSERT INTO auth_group (name) VALUES (%s)", ["after the restore"])
            cursor.execute("SELECT id FROM auth_group WHERE name = %s", ["after the restore"])
            (new_id,) = cursor.fetchone()
        assert new_id > max(Group.objects.values_list("pk", flat=True))
    finally:
        restored_db.close()

    # The command as cron runs it, on a database in a file this time (SQLite) or the fresh one (PostgreSQL).
    again = tmp_path / "again"
    result = manage("backup", "--output", f"{again}{os.sep}", database=fresh_database)
    assert result.returncode == 0, result.stderr
    (second,) = again.iterdir()
    assert str(second) in result.stdout
    if connection.vendor == "sqlite":
        second_db = open_database(str(second))
        try:
            second_contents = table_contents(second_db)
        finally:
            second_db.close()
        assert second_contents["auth_group"][1][:-1] == source["auth_group"][1]
        assert {t: c for t, c in second_contents.items() if t != "auth_group"} == {
            t: c for t, c in source.items() if t != "auth_group"
        }


# --- refusals -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_restore_without_yes_refuses_and_changes_nothing(tmp_path, monkeypatch):
    make_user("still-here")
    backup_file = backup_like_file(tmp_path)

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(backup_file), interactive=False)

    # At a terminal it asks; anything but "yes" cancels.
    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(backup_file))
    assert "replaces everything" in asked[0]
    assert User.objects.filter(username="still-here").exists()


@pytest.mark.django_db
def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "clt-missing.dump"), yes=True)


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup_of_this_kind(tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    with pytest.raises(CommandError, match="neither"):
        call_command("restore", str(junk), yes=True)

    other = tmp_path / "other"
    other.write_bytes(b"PGDMP\x01\x0e" if connection.vendor == "sqlite" else b"SQLite format 3\x00" + bytes(100))
    with pytest.raises(CommandError, match="backup but the database is"):
        call_command("restore", str(other), yes=True)


@SQLITE_ONLY
@pytest.mark.django_db
def test_restore_refuses_a_damaged_sqlite_file_before_touching_the_database(tmp_path):
    make_user("still-here")
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("restore", str(damaged), yes=True)
    assert User.objects.filter(username="still-here").exists()


@pytest.mark.django_db
def test_backup_to_an_unwritable_place_refuses_without_leaving_a_file(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    for output in (f"{blocker}{os.sep}", str(blocker / "clt.sqlite3"), f"{blocker / 'sub'}{os.sep}"):
        with pytest.raises(CommandError, match="Cannot write a backup"):
            call_command("backup", output=output)
    assert files_under(tmp_path) == [blocker]


@SQLITE_ONLY
@pytest.mark.django_db
def test_sqlite_backup_and_restore_refuse_inside_a_transaction(tmp_path):
    # The test runs inside one (django_db without transaction=True): SQLite's backup would wait for ever.
    with pytest.raises(CommandError, match="inside a transaction"):
        call_command("backup", output=f"{tmp_path / 'out'}{os.sep}")
    with pytest.raises(CommandError, match="inside a transaction"):
        call_command("restore", str(backup_like_file(tmp_path)), yes=True)
    assert files_under(tmp_path / "out") == []


def test_an_sqlite_copy_gives_up_on_a_database_locked_too_long(tmp_path):
    path = tmp_path / "busy.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as writer:
        writer.execute("CREATE TABLE t (x)")
        writer.execute("BEGIN EXCLUSIVE")  # another process in the middle of a long write
        source, copy = sqlite3.connect(path, timeout=0), sqlite3.connect(":memory:")
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                backups.sqlite_copy(source, copy, timeout=0.3)
        finally:
            source.close()
            copy.close()
        writer.execute("ROLLBACK")


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_failed_sqlite_backup_leaves_no_partial_file(tmp_path, monkeypatch):
    monkeypatch.setattr(backups, "sqlite_integrity_errors", lambda db: ["*** in database main ***"])
    with pytest.raises(CommandError, match="integrity check"):
        call_command("backup", output=f"{tmp_path}{os.sep}")
    assert files_under(tmp_path) == []


@POSTGRES_ONLY
@pytest.mark.django_db
def test_a_failing_pg_dump_leaves_no_partial_file(tmp_path, monkeypatch):
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "pg_dump"
    # Writes half an archive, then fails, as pg_dump does when the disk fills up mid-dump.
    fake.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do case "$a" in --file=*) printf "PGDMP half" > "${a#--file=}";; esac; done\n'
        'echo "pg_dump: error: could not write to output file: No space left on device" >&2\n'
        "exit 1\n"
    )
    fake.chmod(0o755)
    out = tmp_path / "out"
    monkeypatch.setenv("PATH", str(tools))
    with pytest.raises(CommandError, match=r"pg_dump failed \(exit status 1\).*No space left"):
        call_command("backup", output=f"{out}{os.sep}")
    assert files_under(out) == []


@POSTGRES_ONLY
@pytest.mark.django_db
def test_backup_and_restore_refuse_when_the_postgres_tools_are_missing(tmp_path, monkeypatch):
    dump = tmp_path / "clt.dump"
    dump.write_bytes(b"PGDMP\x01\x0e")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    with pytest.raises(CommandError, match="pg_dump was not found"):
        call_command("backup", output=f"{tmp_path / 'out'}{os.sep}")
    with pytest.raises(CommandError, match="pg_restore was not found"):
        call_command("restore", str(dump), yes=True)
    assert files_under(tmp_path) == [dump]
