"""Settings come from the environment, and production defaults are the safe ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Only what a production host would have: the browser tests lift the async guard in this process.
    unwanted = ("DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
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
        DATABASE_URL="sqlite:////tmp/clt-deploy-check.sqlite3",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


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
