"""A reader for GNU gettext ``.po`` files: enough to check the catalogue, with no dependency."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def where(self) -> str:
        return self.references[0] if self.references else "?"


_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def read(path: Path) -> list[Entry]:
    """Every live entry (obsolete ``#~`` ones are left out), the header included (``msgid == ""``)."""
    entries: list[Entry] = []
    current = Entry()
    last: tuple[str, int | None] | None = None
    started = False

    def finish() -> None:
        nonlocal current, started, last
        if started:
            entries.append(current)
        current, started, last = Entry(), False, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if started and last and last[0] == "msgstr":
                finish()
            current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#:"):
            if started and last and last[0] == "msgstr":
                finish()
            current.references.extend(line[2:].split())
            continue
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, text = match.groups()
            if keyword in ("msgctxt", "msgid") and started and last and last[0] == "msgstr":
                finish()
            started = True
            value = ast.literal_eval(text)
            if keyword == "msgctxt":
                current.msgctxt, last = value, ("msgctxt", None)
            elif keyword == "msgid":
                current.msgid, last = value, ("msgid", None)
            elif keyword == "msgid_plural":
                current.msgid_plural, last = value, ("msgid_plural", None)
            else:
                slot = int(index) if index is not None else 0
                current.msgstr[slot], last = value, ("msgstr", slot)
            continue
        if line.startswith('"') and last is not None:
            value = ast.literal_eval(line)
            kind, slot = last
            if kind == "msgctxt":
                current.msgctxt = (current.msgctxt or "") + value
            elif kind == "msgid":
                current.msgid += value
            elif kind == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + value
            else:
                current.msgstr[slot] += value
            continue
        raise ValueError(f"{path}: cannot read line {raw!r}")
    finish()
    return entries
