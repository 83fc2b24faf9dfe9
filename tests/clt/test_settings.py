"""Settings come from the environment, and production defaults are the safe ones."""

from __future__ import annotations

import datetime as dt
import os
import runpy
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.management import call_command
from django.utils import timezone

from clt.pdf import document_settings
from leases.monitoring import services
from tests.factories import make_lease

ROOT = Path(__file__).resolve().parents[2]
SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"
EMAIL_SETTINGS = (
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
)
# Every variable the in-process tests below read; the developer's own environment must not leak in.
ENVIRONMENT = ("DEBUG", "TIME_ZONE", "SITE_URL", "TRUST_NAME", "PAPER_SIZE", *EMAIL_SETTINGS)


def load_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """clt/settings.py run afresh with ``env`` as the environment; the running process's settings stay as they are.

    Cheaper than a subprocess, and the values can then be handed to the ``settings`` fixture to see them
    reach the code that reads them."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "clt" / "settings.py"))


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Only what a production host would have: the browser tests lift the async guard in this process.
    unwanted = ("DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_URL")
    clean = {k: v for k, v in os.environ.items() if k not in unwanted}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_no_warnings_with_a_real_secret():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="r3al-s3cret-kq8Zp2Lw9Xv4Tn7Rb1Yc6Md3Hf5Js0Ga-u8Wd2Np6Qe1Vz4Bx7Ck3",
        ALLOWED_HOSTS="office.example-clt.org",
        SITE_URL="https://office.example-clt.org",
        DATABASE_URL="sqlite:////tmp/clt-deploy-check.sqlite3",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_while_site_url_points_at_this_machine():
    result = run_manage(
        "check",
        "--deploy",
        DEBUG="0",
        SECRET_KEY="r3al-s3cret-kq8Zp2Lw9Xv4Tn7Rb1Yc6Md3Hf5Js0Ga-u8Wd2Np6Qe1Vz4Bx7Ck3",
        ALLOWED_HOSTS="office.example-clt.org",
        DATABASE_URL="sqlite:////tmp/clt-deploy-check.sqlite3",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output  # a warning, not an error
    assert "clt.W001" in output and "SITE_URL points at this machine (http://127.0.0.1:8000)" in output


def test_missing_secret_key_is_refused_when_debug_is_off():
    db = "sqlite:////tmp/clt-deploy-check.sqlite3"
    # Management commands still run (a fresh checkout can migrate)…
    assert run_manage("makemigrations", "--check", "--dry-run", DEBUG="0", DATABASE_URL=db).returncode == 0
    # …but the deploy check fails, and no WSGI or ASGI process starts with the development key.
    deploy = run_manage("check", "--deploy", DEBUG="0", DATABASE_URL=db)
    assert deploy.returncode != 0
    assert "clt.E001" in deploy.stderr and "SECRET_KEY must be set when DEBUG is off" in deploy.stderr
    for entry in ("clt.wsgi", "clt.asgi"):
        env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
        served = subprocess.run(
            [sys.executable, "-c", f"import {entry}"],
            cwd=ROOT,
            env={**env, "DEBUG": "0", "DATABASE_URL": db},
            capture_output=True,
            text=True,
        )
        assert served.returncode != 0 and "SECRET_KEY must be set when DEBUG is off" in served.stderr
        with_key = subprocess.run(
            [sys.executable, "-c", f"import {entry}"],
            cwd=ROOT,
            env={**env, "DEBUG": "0", "DATABASE_URL": db, "SECRET_KEY": "k" * 20 + "-production-secret-x9"},
            capture_output=True,
            text=True,
        )
        assert with_key.returncode == 0, with_key.stderr


def test_ambiguous_debug_value_is_refused():
    result = run_manage("check", DEBUG="maybe", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_database_url_selects_the_database():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'])"  # noqa: E501
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    for url, expected in [
        (None, "django.db.backends.sqlite3 " + str(ROOT / "db.sqlite3")),
        ("postgres://postgres@127.0.0.1:5432/clt_x", "django.db.backends.postgresql clt_x"),
    ]:
        env = {**clean, "DJANGO_SETTINGS_MODULE": "clt.settings", "DEBUG": "1"}
        if url:
            env["DATABASE_URL"] = url
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
        assert out.stdout.strip() == expected, out.stderr


# ---------------------------------------------------------------------------------------------
# SITE_URL, the mail server, the trust's name and paper (read in-process with load_settings)
# ---------------------------------------------------------------------------------------------


def test_site_url_reaches_the_links_in_the_deadlines_email(monkeypatch, settings, staff_user, mailoutbox):
    assert load_settings(monkeypatch)["CLT"]["SITE_URL"] == "http://127.0.0.1:8000"
    loaded = load_settings(monkeypatch, SITE_URL="https://office.example-clt.org/")
    assert loaded["CLT"]["SITE_URL"] == "https://office.example-clt.org"  # the trailing slash is dropped
    settings.CLT = loaded["CLT"]
    lease = make_lease()
    services.monitoring_create(
        lease=lease, kind="insurance", actor=None, reason="renewal", due=timezone.localdate() + dt.timedelta(days=10)
    )

    call_command("deadlines", stdout=StringIO())

    assert [m.to for m in mailoutbox] == [[staff_user.email]]
    assert f"https://office.example-clt.org/leases/{lease.pk}/" in mailoutbox[0].body
    assert "https://office.example-clt.org/leases/deadlines/" in mailoutbox[0].body
    assert "127.0.0.1" not in mailoutbox[0].body


@pytest.mark.parametrize("value", ["office.example-clt.org", "ftp://office.example-clt.org", "https://"])
def test_a_site_url_that_is_not_a_web_address_is_refused(monkeypatch, value):
    with pytest.raises(ImproperlyConfigured, match="SITE_URL must be an address"):
        load_settings(monkeypatch, SITE_URL=value)


def test_the_mail_server_comes_from_the_environment(monkeypatch, settings):
    loaded = load_settings(
        monkeypatch,
        EMAIL_HOST="smtp.example-clt.org",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="office",
        EMAIL_HOST_PASSWORD="s3cret",
        EMAIL_USE_TLS="yes",
        EMAIL_TIMEOUT="12",
        DEFAULT_FROM_EMAIL="Land Trust <office@example-clt.org>",
    )
    # Naming a server is enough: the backend becomes SMTP without EMAIL_BACKEND.
    assert loaded["EMAIL_BACKEND"] == SMTP
    assert loaded["DEFAULT_FROM_EMAIL"] == "Land Trust <office@example-clt.org>"
    for name in EMAIL_SETTINGS:
        setattr(settings, name, loaded[name])

    connection = get_connection()  # built as the deadlines command builds it; nothing is sent

    assert isinstance(connection, SmtpBackend)
    assert (connection.host, connection.port, connection.username, connection.password) == (
        "smtp.example-clt.org",
        587,
        "office",
        "s3cret",
    )
    assert (connection.use_tls, connection.use_ssl, connection.timeout) == (True, False, 12)


def test_without_a_mail_server_mail_goes_to_the_console(monkeypatch):
    loaded = load_settings(monkeypatch)
    assert loaded["EMAIL_BACKEND"] == CONSOLE
    assert (loaded["EMAIL_HOST"], loaded["EMAIL_PORT"], loaded["EMAIL_TIMEOUT"]) == ("localhost", 25, 30)
    assert (loaded["EMAIL_USE_TLS"], loaded["EMAIL_USE_SSL"]) == (False, False)
    # An explicit backend wins over the guess from EMAIL_HOST.
    chosen = load_settings(monkeypatch, EMAIL_HOST="smtp.example-clt.org", EMAIL_BACKEND=CONSOLE)
    assert chosen["EMAIL_BACKEND"] == CONSOLE


def test_tls_and_ssl_together_are_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on"):
        load_settings(monkeypatch, EMAIL_HOST="smtp.example-clt.org", EMAIL_USE_TLS="1", EMAIL_USE_SSL="1")
    assert load_settings(monkeypatch, EMAIL_USE_SSL="1", EMAIL_PORT="465")["EMAIL_USE_SSL"] is True


@pytest.mark.parametrize("name", ["EMAIL_PORT", "EMAIL_TIMEOUT"])
def test_a_number_that_is_not_one_is_refused_with_its_name(monkeypatch, name):
    with pytest.raises(ImproperlyConfigured, match=f"{name} must be a whole number; got '58 7'"):
        load_settings(monkeypatch, **{name: "58 7"})


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, {"trust_name": "Community Land Trust", "paper_size": "letter"}),  # America/New_York
        ({"TIME_ZONE": "Europe/Brussels"}, {"trust_name": "Community Land Trust", "paper_size": "A4"}),
        (
            {"TRUST_NAME": "Champlain Housing Trust", "PAPER_SIZE": "a4"},
            {"trust_name": "Champlain Housing Trust", "paper_size": "A4"},
        ),
        (
            {"TRUST_NAME": "Kilimani CLT", "PAPER_SIZE": "Letter", "TIME_ZONE": "Africa/Nairobi"},
            {"trust_name": "Kilimani CLT", "paper_size": "letter"},
        ),
    ],
)
def test_trust_name_and_paper_size_reach_the_documents(monkeypatch, settings, env, expected):
    loaded = load_settings(monkeypatch, **env)
    settings.CLT = loaded["CLT"]
    settings.TIME_ZONE = loaded["TIME_ZONE"]

    assert document_settings() == expected


@pytest.mark.parametrize("value", ["legal", "A5", "US Letter"])
def test_a_paper_size_other_than_letter_or_a4_is_refused(monkeypatch, value):
    with pytest.raises(ImproperlyConfigured, match=f"PAPER_SIZE must be letter or A4.*got '{value}'"):
        load_settings(monkeypatch, PAPER_SIZE=value)
