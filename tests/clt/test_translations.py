"""The Spanish catalogue is complete, current with the code, and compiled (docs/i18n.md).

No database. The extraction test runs Django's ``makemessages`` (GNU gettext's ``xgettext``) on a
copy of the sources, so a string marked in a template or a module but missing from
``locale/es/LC_MESSAGES/django.po`` fails here with the file and line where it is marked.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clt import pofile

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCES = ("clt", "properties", "leases", "governance", "templates")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%%|\{\w+\}")


@pytest.fixture(scope="module")
def entries() -> list[pofile.Entry]:
    return [entry for entry in pofile.read(PO) if entry.msgid]


def _plural_count() -> int:
    header = next(entry for entry in pofile.read(PO) if not entry.msgid)
    return int(re.search(r"nplurals=(\d+)", header.msgstr[0]).group(1))


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    forms = _plural_count()
    untranslated = [
        f"{entry.where}: {entry.msgid!r}"
        for entry in entries
        if "fuzzy" in entry.flags
        or not all(entry.msgstr.get(slot) for slot in (range(forms) if entry.msgid_plural else (0,)))
    ]
    assert len(entries) > 2500
    assert untranslated == []


def test_translations_keep_every_placeholder(entries):
    wrong = []
    for entry in entries:
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for slot, text in entry.msgstr.items():
            found = sorted(PLACEHOLDER.findall(text))
            # A singular may say "one" instead of its count ("Un hogar" for "%(count)s household").
            if entry.msgid_plural and slot == 0:
                if not set(found) <= set(expected):
                    wrong.append(f"{entry.where}: {entry.msgid!r} → {text!r}")
            elif found != expected:
                wrong.append(f"{entry.where}: {entry.msgid!r} → {text!r}")
    assert wrong == []


def test_the_compiled_catalogue_is_the_po_file(entries):
    """The ``.mo`` ships in the repository (a fresh clone shows Spanish with no build step): it must be current."""
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = []
    for entry in entries:
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural:
            got = [catalogue._catalog.get((key, slot)) for slot in sorted(entry.msgstr)]
            if got != [entry.msgstr[slot] for slot in sorted(entry.msgstr)]:
                stale.append(entry.msgid)
        elif catalogue._catalog.get(key) != entry.msgstr[0]:
            stale.append(entry.msgid)
    assert stale == [], "run `make messages` to compile locale/es/LC_MESSAGES/django.mo"


def test_every_marked_string_is_in_the_catalogue(tmp_path, entries):
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is missing: apt-get install gettext (the README's set-up lists it)")
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / "locale" / "es" / "LC_MESSAGES").mkdir(parents=True)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-obsolete", "--no-location"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "clt.settings_test", "CLT_LANGUAGE": "en"},
    )
    extracted = {entry.key: entry for entry in pofile.read(tmp_path / "locale/es/LC_MESSAGES/django.po") if entry.msgid}
    known = {entry.key for entry in entries}
    missing = sorted(f"{key[1]!r}" + (f" (context {key[0]!r})" if key[0] else "") for key in extracted.keys() - known)
    stale = sorted(repr(key[1]) for key in known - extracted.keys())
    assert missing == [], "marked in the code, not in locale/es (run `make messages`, then translate)"
    assert stale == [], "in locale/es, no longer in the code (run `make messages`)"
