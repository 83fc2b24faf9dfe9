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
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from clt import roles
from governance.elections import counting
from governance.elections.blt import BltProfile, write_blt
from governance.elections.codes import hash_code, normalise_code
from governance.elections.models import Candidate, Contest, Election, ElectionPhase, Participation, RollEntry
from governance.membership.models import GovernanceSettings, NominationMode

__all__ = [
    "MARKED",
    "PublishedBallot",
    "ballots_publish",
    "candidate_labels",
    "candidate_standing",
    "contest_blt",
    "contest_count",
    "contest_count_of",
    "contest_takes_ballot",
    "contests_for_entry",
    "counting_ballot",
    "is_officer",
    "may_run",
    "method_choices",
    "method_label",
    "nominations_close_on",
    "roll_entry_by_code",
    "standing_candidates",
    "tie_rule_label",
]

# Methods where a ballot marks candidates rather than ranking them.
MARKED = ("plurality", "block", "approval")

# The counting methods in the words a voter reads (the codes stay in the API, the .blt tools and the data).
METHOD_LABELS = {
    "plurality": gettext_lazy("Plurality (most votes wins)"),
    "block": gettext_lazy("Block vote (most votes fill the seats)"),
    "approval": gettext_lazy("Approval voting"),
    "irv": gettext_lazy("Instant runoff (ranked choice, one seat)"),
    "scottish-stv": gettext_lazy("Single transferable vote (Scottish rules)"),
    "wigm": gettext_lazy("Single transferable vote (weighted inclusive Gregory)"),
    "wigm-prf": gettext_lazy("Single transferable vote (weighted inclusive Gregory, PR Foundation rules)"),
    "meek": gettext_lazy("Single transferable vote (Meek method)"),
    "meek-prf": gettext_lazy("Single transferable vote (Meek method, PR Foundation rules)"),
}

# The tie-break rules, said as what they do.
TIE_RULE_LABELS = {
    "prior_stage_backward": pgettext_lazy("tie-break rule", "the votes at the latest earlier stage where they differed"),
    "prior_stage_forward": pgettext_lazy("tie-break rule", "the votes at the first stage where they differed"),
    "random": pgettext_lazy("tie-break rule", "a random order drawn before the count"),
    "lot": pgettext_lazy("tie-break rule", "drawing lots"),
    "manual": pgettext_lazy("tie-break rule", "an order set by the election officer"),
    "predetermined": pgettext_lazy("tie-break rule", "an order fixed before the count"),
    "index": pgettext_lazy("tie-break rule", "the order of names on the ballot"),
}


def method_label(code: str | None) -> str:
    """The counting method in words (``scottish-stv`` → "Single transferable vote (Scottish rules)");
    an unknown code is shown as it is."""
    if not code:
        return ""
    try:
        code = counting._canonical_method(code)
    except ValueError:
        return str(code)
    return str(METHOD_LABELS.get(code, code))


def method_choices() -> list[tuple[str, str]]:
    """The choices of a counting-method field: the code stored, the words shown."""
    return [(code, method_label(code)) for code in counting.METHODS]


def tie_rule_label(code: str | None) -> str:
    """A tie-break rule in words (``prior_stage_backward`` → "the votes at the latest earlier stage where
    they differed"); an unknown code is shown as it is."""
    return str(TIE_RULE_LABELS.get(code or "", code or ""))


def is_officer(user: Any, election: Election) -> bool:
    """The election's officer: the one named on it, else anyone in the election officers' group."""
    if election.officer_id is not None:
        return getattr(user, "pk", None) == election.officer_id
    return roles.is_election_officer(user)


def may_run(user: Any, election: Election) -> bool:
    """Staff and the election's officer run it (the services check again on every write)."""
    return roles.is_staff_member(user) or is_officer(user, election)


def roll_entry_by_code(code: str, election: Election | None = None) -> RollEntry | None:
    """The roll entry of an access code among the open elections (or in ``election``)."""
    if not normalise_code(code):
        return None
    elections = [election] if election is not None else list(Election.objects.filter(phase=ElectionPhase.OPEN))
    hashes = {hash_code(e, code): e for e in elections}
    for entry in RollEntry.objects.filter(code_hash__in=list(hashes)).select_related("election", "person"):
        if hashes.get(entry.code_hash) == entry.election:
            return entry
    return None


def contests_for_entry(entry: RollEntry) -> tuple[list[tuple[Contest, list[Candidate]]], list[Contest]]:
    """The contests ``entry`` still votes in, each with its running candidates in ballot order, and those it
    has already voted in. A contest settled at the freeze (R8: acclaimed, or no candidate) takes no ballot."""
    contests = [
        c
        for c in entry.election.contests.prefetch_related("candidates__person").order_by("order", "pk")
        if entry.member_class in c.eligible_classes and contest_takes_ballot(c)
    ]
    voted = set(Participation.objects.filter(roll_entry=entry).values_list("contest_id", flat=True))
    to_vote = [
        (c, sorted((x for x in c.candidates.all() if not x.withdrawn), key=lambda x: (x.ballot_order, x.pk)))
        for c in contests
        if c.pk not in voted
    ]
    return to_vote, [c for c in contests if c.pk in voted]


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
