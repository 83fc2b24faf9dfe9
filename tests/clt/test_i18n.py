"""The language of the pages and of the commands (clt/i18n.py): switcher, remembered choice, the shell's locale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from clt.language import command_language, supported
from clt.models import AccountPreference, Person, PreferredLanguage
from tests.conftest import make_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "en"),
        ({"LANG": "es_US.UTF-8"}, "es"),
        ({"LANG": "es_MX.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL decides, as in POSIX
        ({"LANG": "vi_VN.UTF-8"}, "en"),  # not a language of the pages
        ({"LANG": "en_US.UTF-8", "CLT_LANGUAGE": "es"}, "es"),
        ({"LC_MESSAGES": "es_ES.UTF-8", "LANG": "en_US.UTF-8"}, "es"),
    ],
)
def test_a_command_speaks_the_shells_language(monkeypatch, environment, expected):
    for name in ("CLT_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert command_language() == expected


def test_supported_keeps_only_the_languages_of_the_pages():
    assert supported("es-US") == "es" and supported("EN_us.UTF-8") == "en"
    assert supported("fr") is None and supported("") is None and supported(None) is None


def test_manage_py_prints_a_commands_error_in_spanish():
    result = subprocess.run(
        [sys.executable, "manage.py", "import_parcels", "/no/such/file.geojson"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "clt.settings_test", "LANG": "es_US.UTF-8"},
        timeout=120,
    )
    assert result.returncode != 0
    assert "/no/such/file.geojson: el archivo no existe" in result.stderr, result.stderr


@pytest.mark.django_db
def test_the_switcher_remembers_the_choice_of_a_signed_in_person():
    user = make_user("ana", person=True)
    client = Client()
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/about/"})
    assert response.status_code == 302 and response["Location"] == "/about/"
    assert AccountPreference.objects.get(user=user).language == "es"
    assert 'lang="es"' in client.get("/about/").content.decode()

    elsewhere = Client()  # another browser: no cookie, the session starts at sign-in
    elsewhere.post("/login/", {"username": "ana", "password": "pw-ana"})
    page = elsewhere.get("/").content.decode()
    assert 'lang="es"' in page and "Le damos la bienvenida" in page


@pytest.mark.django_db
def test_before_any_choice_a_person_sees_the_language_of_their_letters():
    user = make_user("luis", person=True)
    Person.objects.filter(user=user).update(preferred_language=PreferredLanguage.SPANISH)
    client = Client()
    client.post("/login/", {"username": "luis", "password": "pw-luis"})
    assert 'lang="es"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_an_anonymous_visitor_switches_with_a_cookie_and_a_bad_language_changes_nothing():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/governance/vote/"})
    assert response.status_code == 302 and client.cookies["django_language"].value == "es"
    assert 'lang="es"' in client.get("/governance/vote/").content.decode()
    assert AccountPreference.objects.count() == 0
    client.post("/i18n/setlang/", {"language": "xx", "next": "/governance/vote/"})
    assert 'lang="es"' in client.get("/governance/vote/").content.decode()
    unsafe = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert unsafe.status_code == 302 and unsafe["Location"] == "/"


def test_money_and_dates_read_the_same_in_both_languages():
    import datetime as dt
    from decimal import Decimal

    from django.utils import formats, translation

    for language in ("en", "es"):
        with translation.override(language):
            assert formats.number_format(Decimal("157000.00"), 2, use_l10n=True, force_grouping=True) == "157,000.00"
    with translation.override("en"):
        assert formats.date_format(dt.date(2026, 12, 7), "DATE_FORMAT") == "Dec. 7, 2026"
    with translation.override("es"):
        assert formats.date_format(dt.date(2026, 12, 7), "DATE_FORMAT") == "dic. 7, 2026"
        # Every month in lower case, as Spanish writes them (Django's own Spanish has "Ene." but "dic.").
        assert formats.date_format(dt.date(2027, 1, 4), "DATE_FORMAT") == "ene. 4, 2027"
