"""The ballot box: how a cast ballot reaches the ``Ballot`` table without leaving a trail to its voter.

Whatever one transaction writes carries the same traces: PostgreSQL's ``xmin`` (the transaction id) and
the place in the table's physical order (``ctid``, and what ``pg_dump`` writes first), SQLite's hidden
``rowid``. A cast must write the voter's ``Participation`` (one vote per unit) and their ballot in one
transaction, or a crash between the two could lose a vote or let a code vote twice. So:

1. ``ballot_cast`` writes the ballot as a :class:`~governance.models.SealedBallot`: its receipt and
   choices encrypted with a key derived from ``SECRET_KEY`` (AES-256-GCM, the contest's id as associated
   data). The sealed row shares the voter's traces but says nothing without the key, which lives in the
   server's environment, not in the database or its backups.
2. When at least ``CLT["BALLOT_ANONYMITY_SET"]`` (*k*) sealed ballots of a contest wait, :func:`unseal`
   moves them all into ``Ballot`` in one transaction that touches no participation: the sealed rows are
   deleted and the ballots inserted in a random order, with fresh random ids. They share that
   transaction's id and their physical order is a shuffle, so a copy of the database tells an attacker
   at most which batch of *k* or more voters a ballot came from.
3. At the close, :func:`shuffle_contest` rewrites the contest's whole ballot box in one random order, the
   last sealed ballots included: from then on every ballot of the contest has the same traces, and the
   anonymity set is every voter of the contest.

A server stopped at any moment loses nothing: a sealed ballot stays sealed until the transaction that
moves it commits, and the next cast or the close moves it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Subquery
from django.utils.translation import gettext as _

from governance.elections.models import Ballot, Contest, SealedBallot

__all__ = [
    "OpenedBallot",
    "anonymity_set",
    "open_sealed",
    "seal",
    "shuffle_contest",
    "unseal",
    "unseal_later",
    "waiting",
]

_NONCE_BYTES = 12
_PAD = 256
_KEY_PURPOSE = b"clt.governance.ballot-seal.v1"


@dataclass(frozen=True)
class OpenedBallot:
    receipt: str
    choices: list[int]


def anonymity_set() -> int:
    """*k*: how many sealed ballots of a contest wait before they are moved into the ballot box together."""
    return int(settings.CLT["BALLOT_ANONYMITY_SET"])


def _key(secret: str) -> bytes:
    # A key of its own, derived from SECRET_KEY, so that a seal never reuses a key Django signs with.
    return hmac.new(secret.encode(), _KEY_PURPOSE, hashlib.sha256).digest()


def _keys() -> list[bytes]:
    # The fallbacks open ballots sealed before a SECRET_KEY rotation (Django's own rotation setting).
    return [_key(settings.SECRET_KEY), *(_key(old) for old in getattr(settings, "SECRET_KEY_FALLBACKS", []))]


def _associated(contest_id: int) -> bytes:
    return f"contest:{contest_id}".encode()


def _plain(receipt: str, choices: Iterable[int]) -> bytes:
    return json.dumps({"r": receipt, "c": list(choices)}, separators=(",", ":")).encode()


def seal(contest: Contest, receipt: str, choices: Iterable[int], *, candidates: Iterable[int] = ()) -> bytes:
    """The sealed form of a ballot: a random nonce and the AES-GCM ciphertext of its receipt and choices.

    The plain text is padded to the length of a ballot that ranks every one of ``candidates`` (rounded up
    to 256 bytes): a ciphertext's length is visible, and would otherwise tell how many candidates the
    voter marked, which the ballot in the box tells too.
    """
    plain = _plain(receipt, choices)
    width = max(len(plain), len(_plain(receipt, candidates)))
    plain = plain.ljust(-(-width // _PAD) * _PAD)  # JSON ignores the trailing spaces
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + AESGCM(_keys()[0]).encrypt(nonce, plain, _associated(contest.pk))


def open_sealed(contest_id: int, blob: bytes) -> OpenedBallot:
    """Open a sealed ballot, trying the current key then the fallbacks; refuse (ValidationError) if none can.

    A ballot that cannot be opened is never dropped: the move or the close stops, and says why.
    """
    blob = bytes(blob)
    nonce, sealed = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
    for key in _keys():
        try:
            plain = AESGCM(key).decrypt(nonce, sealed, _associated(contest_id))
        except InvalidTag:
            continue
        data = json.loads(plain)
        return OpenedBallot(receipt=data["r"], choices=list(data["c"]))
    raise ValidationError(
        {
            "phase": _(
                "A sealed ballot cannot be opened with the server's SECRET_KEY: was it changed during the "
                "election? Put the old key in SECRET_KEY_FALLBACKS and try again (docs/ballot-secrecy.md). "
                "Nothing was changed."
            )
        }
    )


def _insert_shuffled(contest_id: int, ballots: list[OpenedBallot]) -> None:
    secrets.SystemRandom().shuffle(ballots)
    # Inserted one list, in the shuffled order: the physical order and the row ids are this shuffle's.
    Ballot.objects.bulk_create(
        [Ballot(id=uuid.uuid4(), contest_id=contest_id, receipt=b.receipt, choices=b.choices) for b in ballots]
    )


@transaction.atomic
def _unseal(contest_id: int) -> int:
    wanted = anonymity_set()
    waiting = list(SealedBallot.objects.select_for_update().filter(contest_id=contest_id).values_list("pk", "sealed"))
    if not waiting or len(waiting) < wanted:
        return 0
    opened = [open_sealed(contest_id, blob) for _, blob in waiting]
    SealedBallot.objects.filter(pk__in=[pk for pk, _ in waiting]).delete()
    _insert_shuffled(contest_id, opened)
    return len(opened)


def unseal(contest: Contest) -> int:
    """Move the contest's sealed ballots into the ballot box, shuffled, if at least *k* wait.

    Returns how many were moved (0 when fewer wait). Two moves at once cannot take the same sealed
    ballot: the rows are locked, and a second mover finds them gone.
    """
    return _unseal(contest.pk)


def waiting(contest: Any) -> Subquery:
    """How many sealed ballots of ``contest`` (a contest or an ``OuterRef`` to one) wait: a subquery, read
    with the rows a cast reads anyway (``selectors.vote_context``)."""
    sealed = SealedBallot.objects.filter(contest=contest).order_by().values("contest")
    return Subquery(sealed.annotate(n=Count("pk")).values("n")[:1])


def unseal_later(contests: Iterable[Contest]) -> None:
    """After the cast's transaction commits (never inside it), move the waiting ballots of each of ``contests``
    if *k* wait.

    The cast names only the contests its ballot may have brought to *k* (by the count it read with the roll
    entry), so that most casts schedule no move at all: on SQLite a move is a write transaction that would
    queue behind, and hold up, the other casts. Casts committed at the same moment may each read fewer than
    *k* - 1: their ballots wait for the next cast's move, in a larger batch, or the close.
    """
    contest_ids = [contest.pk for contest in contests]
    if not contest_ids:
        return

    def move() -> None:
        for contest_id in contest_ids:
            _unseal(contest_id)  # reads again under its lock, and moves only if k wait

    # robust: the vote is already stored (sealed); a failed move is logged and retried by the next cast
    # or the close, and never turns the voter's confirmation into an error page.
    transaction.on_commit(move, robust=True)


@transaction.atomic
def shuffle_contest(contest: Contest) -> int:
    """At the close: the contest's whole ballot box, sealed ballots included, rewritten in one random order.

    Receipts and choices are kept; ids are new. Returns the number of ballots in the box.
    """
    waiting = list(SealedBallot.objects.select_for_update().filter(contest=contest).values_list("pk", "sealed"))
    boxed = list(Ballot.objects.select_for_update().filter(contest=contest).values_list("pk", "receipt", "choices"))
    ballots = [open_sealed(contest.pk, blob) for _, blob in waiting]
    ballots += [OpenedBallot(receipt=receipt, choices=list(choices)) for _, receipt, choices in boxed]
    # Only the rows read above: a row committed since (which the election's lock should prevent) is
    # left for a later move, never deleted unread.
    SealedBallot.objects.filter(pk__in=[pk for pk, _ in waiting]).delete()
    Ballot.objects.filter(pk__in=[pk for pk, _, _ in boxed]).delete()
    _insert_shuffled(contest.pk, ballots)
    return len(ballots)
