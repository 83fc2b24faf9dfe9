"""Access codes and receipt codes: their letters, how they are drawn, typed and hashed. Pure: no Django.

A voter's access code is shown once, when issued, and stored only as a salted hash (the salt is the
election's own, so one election's hashes say nothing of another's). A receipt code lets a voter find
their ballot among the published ones.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Protocol

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "RECEIPT_LENGTH",
    "grouped",
    "hash_code",
    "new_code",
    "new_receipt",
    "normalise_code",
]

# The letters of access codes and receipts: no 0/O, 1/I/L, so a code read aloud or off paper survives.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16  # 16 letters of 31: about 79 bits, beyond guessing even with the salt known
RECEIPT_LENGTH = 12


class Salted(Protocol):
    """What hashing needs of an election: its salt."""

    code_salt: str


def _random_text(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def grouped(letters: str) -> str:
    """Letters in groups of four joined by dashes, as codes are printed: ``ABCD-EFGH-JKMN``."""
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def new_code() -> str:
    """A fresh access code, ungrouped (``grouped`` prints it)."""
    return _random_text(CODE_LENGTH)


def new_receipt() -> str:
    """A fresh receipt code, grouped."""
    return grouped(_random_text(RECEIPT_LENGTH))


def normalise_code(code: str) -> str:
    """An access code as typed: case, spaces and dashes do not matter."""
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


def hash_code(election: Salted, code: str) -> str:
    """Salted SHA-256 of a normalised access code (the salt is the election's own)."""
    return hashlib.sha256(f"{election.code_salt}:{normalise_code(code)}".encode()).hexdigest()
