"""Reading elections: who runs one, nominations' standing, the contests a code votes in, counts, published ballots.

The count of a contest is read here (``contest_count``): the pure counter (``governance.elections.counting``)
over the stored ballots, with the contest's method, seats, options and tie-break rules. The services store it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt import roles
from clt.compiled import CompiledRead, fields_of, instances
from clt.models import Person
from governance.elections import ballot_box, counting
from governance.elections.blt import BltProfile, write_blt
from governance.elections.codes import hash_code, normalise_code
from governance.elections.labels import (
    METHOD_LABELS,
    TIE_RULE_LABELS,
    method_choice_labels,
    method_choices,
    method_label,
    tie_rule_choice_labels,
    tie_rule_label,
)
from governance.elections.models import Candidate, Contest, Election, ElectionPhase, Participation, RollEntry
from governance.elections.texts import (
    MARKED,
    blt_error_text,
    count_error_text,
    reason_label,
    reasons_text,
    round_table_text,
    stage_text,
    tie_text,
    tie_unresolved_text,
)
from governance.membership.models import GovernanceSettings, NominationMode

__all__ = [
    "MARKED",
    "METHOD_LABELS",
    "TIE_RULE_LABELS",
    "PublishedBallot",
    "VoteContext",
    "ballots_publish",
    "blt_error_text",
    "candidate_labels",
    "candidate_standing",
    "candidates_by_contest",
    "contest_blt",
    "contest_count",
    "contest_count_of",
    "contest_takes_ballot",
    "count_error_text",
    "counting_ballot",
    "is_officer",
    "may_run",
    "method_choice_labels",
    "method_choices",
    "method_label",
    "nominations_close_on",
    "reason_label",
    "reasons_text",
    "round_table_text",
    "stage_text",
    "standing_candidates",
    "tie_rule_choice_labels",
    "tie_rule_label",
    "tie_text",
    "tie_unresolved_text",
    "vote_context",
]


def is_officer(user: Any, election: Election) -> bool:
    """The election's officer: the one named on it, else anyone in the election officers' group."""
    if election.officer_id is not None:
        return getattr(user, "pk", None) == election.officer_id
    return roles.is_election_officer(user)


def may_run(user: Any, election: Election) -> bool:
    """Staff and the election's officer run it (the services check again on every write)."""
    return roles.is_staff_member(user) or is_officer(user, election)


@dataclass
class VoteContext:
    """What a cast needs, read once in the request: the election, the code's roll entry (None: the code is not
    valid here), the contests with every candidate (withdrawn too) in ballot order, and the contests the
    entry had voted in when read.

    The vote page, its review step and the cast share it (``services.ballots_cast(context=…)``) instead of
    each reading it again. What can change after the read (the phase, the window, a ballot cast meanwhile)
    is decided again inside the cast's transaction, by the statement that records the participation.
    """

    election: Election
    entry: RollEntry | None
    contests: list[Contest]
    candidates: dict[int, list[Candidate]]
    voted: set[int]
    waiting: dict[int, int]  # sealed ballots of each contest waiting to join the box, when read

    def running(self, contest: Contest) -> list[Candidate]:
        return [c for c in self.candidates.get(contest.pk, []) if not c.withdrawn]

    def ballots(self) -> tuple[list[tuple[Contest, list[Candidate]]], list[Contest]]:
        """The contests the entry still votes in, with their running candidates, and those it voted in."""
        entry = self.entry
        if entry is None:
            return [], []
        contests = [c for c in self.contests if entry.member_class in c.eligible_classes and contest_takes_ballot(c)]
        to_vote = [(c, self.running(c)) for c in contests if c.pk not in self.voted]
        return to_vote, [c for c in contests if c.pk in self.voted]


def _candidates_query(contest_ids: Sequence[int]) -> Any:
    found = Candidate.objects.filter(contest_id__in=list(contest_ids)).select_related("person")
    return found.order_by("ballot_order", "pk")


# The reads of every vote, compiled once per database (clt/compiled.py): building them was half a cast's CPU.
_CANDIDATE_FIELDS = (*fields_of(Candidate), *fields_of(Person, "person__"))
_CANDIDATES = CompiledRead(lambda ids: _candidates_query(ids).values_list(*_CANDIDATE_FIELDS), [(int, 0)])
_ENTRY_FIELDS = (*fields_of(RollEntry), *fields_of(Election, "election__"))
_ENTRIES = CompiledRead(
    # No order: the roll's own (by the person's name) would join every entry's person for nothing.
    lambda hashes: RollEntry.objects.filter(code_hash__in=hashes).order_by().values_list(*_ENTRY_FIELDS),
    [(str, 0)],
)
_OPEN_SALTS = CompiledRead(
    lambda: Election.objects.filter(phase=ElectionPhase.OPEN).order_by().values_list("pk", "code_salt"), []
)
_CONTEST_FIELDS = fields_of(Contest)
_CONTESTS_VOTED = CompiledRead(
    lambda election_id, entry_id: _contests_voted(election_id, entry_id).values_list(
        *_CONTEST_FIELDS, "entry_voted", "sealed_waiting"
    ),
    [int, int],
)


def _contests_voted(election_id: int, entry_id: int) -> Any:
    """The election's contests, each with whether the roll entry has voted in it and how many sealed ballots
    wait: one query."""
    mine = Participation.objects.filter(contest=OuterRef("pk"), roll_entry_id=entry_id)
    found = Contest.objects.filter(election_id=election_id).order_by("order", "pk")
    return found.annotate(entry_voted=Exists(mine), sealed_waiting=ballot_box.waiting(OuterRef("pk")))


def candidates_by_contest(contest_ids: Iterable[int]) -> dict[int, list[Candidate]]:
    """Every candidate (withdrawn too) of each contest, in ballot order, their names read along: one query."""
    by_contest: dict[int, list[Candidate]] = {pk: [] for pk in contest_ids}
    if by_contest:
        alias = router.db_for_read(Candidate)
        rows = _CANDIDATES.rows(alias, list(by_contest))
        width = len(fields_of(Candidate))
        people = instances(Person, alias, rows, start=width)
        for candidate, person in zip(instances(Candidate, alias, rows), people, strict=True):
            candidate.person = person if candidate.person_id is not None else None
            by_contest[candidate.contest_id].append(candidate)
    return by_contest


def _vote_context_of(election: Election, entry: RollEntry | None, contests: Sequence[Contest] | None) -> VoteContext:
    voted: set[int] = set()
    waiting: dict[int, int] = {}
    if contests is None and entry is not None:
        alias = router.db_for_read(Contest)
        rows = _CONTESTS_VOTED.rows(alias, election.pk, entry.pk)
        contests = instances(Contest, alias, rows)
        width = len(_CONTEST_FIELDS)
        voted = {c.pk for c, row in zip(contests, rows, strict=True) if row[width]}
        waiting = {c.pk: row[width + 1] or 0 for c, row in zip(contests, rows, strict=True)}
    elif contests is None:
        contests = list(election.contests.order_by("order", "pk"))
    elif entry is not None:
        voted = {c.pk for c in contests if getattr(entry, f"voted_{c.pk}", False)}
        waiting = {c.pk: getattr(entry, f"waiting_{c.pk}") or 0 for c in contests}
    for contest in contests:
        contest.election = election  # the page and the cast read it; never a query per contest
    candidates = candidates_by_contest(c.pk for c in contests)
    return VoteContext(election, entry, list(contests), candidates, voted, waiting)


@dataclass(frozen=True)
class _Salt:
    pk: int
    code_salt: str


def vote_context(
    code: str, election: Election | None = None, contests: Sequence[Contest] | None = None
) -> VoteContext | None:
    """The context of a cast with ``code``: among the open elections (None when the code is valid in none),
    or in ``election`` (then always a context, its ``entry`` None when the code is not valid there).

    ``contests``: only these contests of ``election`` (the API casts one); whether the entry voted in each is
    read with the entry, in the same query, and so is how many sealed ballots wait in each (which tells the
    cast whether its ballot makes *k*: ``ballot_box.unseal_later``). Four queries at most: the open
    elections (without ``election``), the entry, the contests (without ``contests``), their candidates.
    """
    if election is not None:
        elections = [election]
    else:  # only what the hash needs: the election itself is read with its entry
        salts = _OPEN_SALTS.rows(router.db_for_read(Election))
        elections = [_Salt(pk, salt) for pk, salt in salts]
    entry = None
    if normalise_code(code) and elections:
        hashes = {hash_code(e, code): e.pk for e in elections}
        # No order: the roll's own (by the person's name) would join every entry's person for nothing.
        found = RollEntry.objects.filter(code_hash__in=list(hashes)).select_related("election").order_by()
        if election is not None:
            found = found.filter(election=election)
        for contest in contests or ():
            mine = Participation.objects.filter(contest=contest, roll_entry=OuterRef("pk"))
            annotations = {f"voted_{contest.pk}": Exists(mine), f"waiting_{contest.pk}": ballot_box.waiting(contest)}
            found = found.annotate(**annotations)
        for candidate in found:
            if hashes.get(candidate.code_hash) == candidate.election_id:
                entry = candidate
                break
    if entry is None:
        if election is None:
            return None
        # The refusal names the election's phase when it is not open: as it is now, not as the caller saw it.
        return _vote_context_of(Election.objects.get(pk=election.pk), None, contests)
    # The election as read with the entry, in the same query: never a copy the caller kept from before.
    return _vote_context_of(entry.election, entry, contests)


def nominations_close_on(election: Election, settings: GovernanceSettings | None = None) -> dt.date:
    """The last day of nominations: the election's own date, else the settings' days before voting opens."""
    if election.nominations_close is not None:
        return election.nominations_close
    settings = settings or GovernanceSettings.current()
    return timezone.localtime(election.opens_at).date() - dt.timedelta(days=settings.nomination_deadline_days)


def candidate_standing(
    candidate: Candidate, *, settings: GovernanceSettings | None = None, signatures: int | None = None
) -> tuple[bool, list[str]]:
    """Whether the candidate stands (goes on the ballot), and every reason they do not.

    Not withdrawn; consented when the settings require consent; a petition nomination with at least
    ``petition_min_signers`` signatures (every stored signature was checked when it was taken). Pages pass
    ``settings`` and an annotated ``signatures`` count so that a list costs no query per candidate.
    """
    settings = settings or GovernanceSettings.current()
    reasons: list[str] = []
    if candidate.withdrawn:
        reasons.append(_("Withdrawn, or not on the ballot."))
    if settings.candidate_consent_required and candidate.consented_on is None:
        reasons.append(_("No consent to stand recorded."))
    if candidate.nomination_mode == NominationMode.PETITION:
        count = signatures if signatures is not None else candidate.signatures.count()
        if count < settings.petition_min_signers:
            needs = ngettext(
                "The petition has %(n)s of the %(needed)s signature it needs.",
                "The petition has %(n)s of the %(needed)s signatures it needs.",
                settings.petition_min_signers,
            )
            reasons.append(needs % {"n": count, "needed": settings.petition_min_signers})
    return (not reasons, reasons)


def standing_candidates(
    contest: Contest, settings: GovernanceSettings
) -> tuple[list[Candidate], list[tuple[Candidate, list[str]]]]:
    """The contest's candidates who stand, and ``(candidate, reasons)`` of those who do not."""
    standing: list[Candidate] = []
    dropped: list[tuple[Candidate, list[str]]] = []
    for candidate in contest.candidates.annotate(signature_count=Count("signatures")).order_by("ballot_order", "pk"):
        stands, reasons = candidate_standing(candidate, settings=settings, signatures=candidate.signature_count)
        if stands:
            standing.append(candidate)
        else:
            dropped.append((candidate, reasons))
    return standing, dropped


def contest_takes_ballot(contest: Contest) -> bool:
    """Whether members vote in the contest: not when it was acclaimed or left with no candidate at the freeze."""
    return not contest.acclaimed and contest.vacant_seats < contest.seats


def candidate_labels(candidates: Iterable[Candidate]) -> dict[int, str]:
    """Each candidate's name on the ballot and in the count: unique within the contest, without quotes."""
    labels: dict[int, str] = {}
    seen: set[str] = set()
    for candidate in candidates:
        base = str(candidate.person).replace('"', "'").strip() or f"#{candidate.pk}"
        label, n = base, 1
        while label in seen:
            n += 1
            label = f"{base} ({n})"
        seen.add(label)
        labels[candidate.pk] = label
    return labels


def counting_ballot(contest: Contest, labels: dict[int, str], choices: Sequence[int], count: int = 1) -> Any:
    names = tuple(labels[c] for c in choices)
    if contest.method in MARKED:
        return counting.MarkBallot(marks=names, count=count)
    return counting.Ballot(ranking=names, count=count)


def _tie_break(contest: Contest) -> counting.TieBreak:
    rules = tuple(contest.tie_break_rules or counting.default_tie_break(contest.method).rules)
    return counting.TieBreak(rules=rules, seed=contest.tie_break_seed)


def _count_options(contest: Contest) -> dict[str, Any]:
    options = dict(contest.options or {})
    if contest.method in ("plurality", "block") and contest.max_marks:
        options.setdefault("max_marks", contest.max_marks)
    return options


def contest_count_of(
    contest: Contest, candidates: Sequence[Candidate], ballots: Iterable[Any], *, seed: int | None = None
) -> counting.CountResult:
    """Count counting-ballots for ``contest`` (pure ``counting.count`` with the contest's settings)."""
    labels = candidate_labels(candidates)
    tie_break = _tie_break(contest)
    if seed is not None and tie_break.seed is None:
        tie_break = counting.TieBreak(rules=tie_break.rules, seed=seed, order=tie_break.order)
    return counting.count(
        contest.method,
        ballots,
        contest.seats,
        [labels[c.pk] for c in candidates],
        tie_break=tie_break,
        options=_count_options(contest),
        withdrawn=[labels[c.pk] for c in candidates if c.withdrawn],
    )


def contest_count(contest: Contest) -> counting.CountResult:
    """Count the stored ballots of a contest; identical ballots are grouped (one count per distinct ballot)."""
    candidates = list(contest.candidates.select_related("person").order_by("ballot_order", "pk"))
    labels = candidate_labels(candidates)
    grouped = Counter(tuple(choices) for choices in contest.ballots.values_list("choices", flat=True))
    ballots = [counting_ballot(contest, labels, list(key), n) for key, n in sorted(grouped.items())]
    return contest_count_of(contest, candidates, ballots)


@dataclass(frozen=True)
class PublishedBallot:
    receipt: str
    choices: tuple[int, ...]
    names: tuple[str, ...]


def ballots_publish(contest: Contest) -> list[PublishedBallot]:
    """The contest's anonymous ballots with their receipts, in receipt order: only once counted."""
    if not contest.election.results_public:
        raise ValidationError({"phase": _("Ballots are published once the election has been counted.")})
    labels = candidate_labels(contest.candidates.select_related("person").order_by("ballot_order", "pk"))
    return [
        PublishedBallot(receipt=receipt, choices=tuple(choices), names=tuple(labels[c] for c in choices))
        for receipt, choices in contest.ballots.order_by("receipt").values_list("receipt", "choices")
    ]


def contest_blt(contest: Contest) -> str:
    """The contest's published ballots as a .blt file that ``manage.py tally`` recounts to the result.

    The tie order drawn before the count is written as the ``[tie]`` line, so a recount settles ties
    as the count did.
    """
    if not contest.election.results_public:
        raise ValidationError({"phase": _("Ballots are published once the election has been counted.")})
    candidates = list(contest.candidates.select_related("person").order_by("ballot_order", "pk"))
    labels = candidate_labels(candidates)
    grouped = Counter(tuple(choices) for choices in contest.ballots.values_list("choices", flat=True))
    ballots = [counting.Ballot(ranking=tuple(labels[c] for c in key), count=n) for key, n in sorted(grouped.items())]
    random_order = ((contest.result or {}).get("tie_break") or {}).get("random_order") or ()
    profile = BltProfile(
        candidates=tuple(labels[c.pk] for c in candidates),
        seats=contest.seats,
        ballots=tuple(ballots),
        title=f"{contest.election.name}: {contest.title}".replace('"', "'"),
        withdrawn=tuple(labels[c.pk] for c in candidates if c.withdrawn),
        tie_order=tuple(random_order),
    )
    return write_blt(profile)
