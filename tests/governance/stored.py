"""What the ballot box holds for a contest, sealed ballots opened with the server's key.

A cast ballot waits sealed (``SealedBallot``) until enough others join it; tests that check what was
stored look at both, as the count at the close will.
"""

from __future__ import annotations

from governance.elections.ballot_box import OpenedBallot, open_sealed
from governance.elections.models import Ballot, Contest, SealedBallot


def stored_ballots(contest: Contest | None = None) -> list[OpenedBallot]:
    sealed = SealedBallot.objects.all() if contest is None else SealedBallot.objects.filter(contest=contest)
    boxed = Ballot.objects.all() if contest is None else Ballot.objects.filter(contest=contest)
    return [open_sealed(s.contest_id, s.sealed) for s in sealed] + [
        OpenedBallot(receipt=b.receipt, choices=list(b.choices)) for b in boxed
    ]


def stored_ballot(receipt: str) -> OpenedBallot:
    (found,) = [b for b in stored_ballots() if b.receipt == receipt]
    return found
