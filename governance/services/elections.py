"""Services of elections: contests, candidates, the frozen roll, ballots, counts, certification.

The phases of §6.8 (draft → frozen → open → closed → counted → certified) are enforced here and only
here: each service states the phase it needs and refuses otherwise, naming the phase.

Secrecy and one vote per unit (issue 5 §5): :func:`ballot_cast` inserts the ``Participation`` (who
voted, unique per contest and roll entry) and the anonymous ``Ballot`` (how) in one transaction. The
unique constraint, not a prior check, is what stops a second ballot: two concurrent casts for the same
unit race on the index, one commits, the other rolls back whole and is told why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clt import roles
from clt.history import save_stamped, stamp
from clt.models import Person
from governance import counting
from governance.blt import BltProfile, write_blt
from governance.models import (
    Ballot,
    Candidate,
    Channel,
    Contest,
    Election,
    ElectionPhase,
    MemberClass,
    Participation,
    RollEntry,
    SeatClass,
)

__all__ = [
    "PublishedBallot",
    "access_codes_issue",
    "already_voted_message",
    "ballot_cast",
    "ballots_publish",
    "candidate_add",
    "candidate_labels",
    "candidate_withdraw",
    "contest_add",
    "contest_blt",
    "contest_count",
    "contest_count_of",
    "election_certify",
    "election_close",
    "election_count",
    "election_create",
    "election_open",
    "hash_code",
    "normalise_code",
    "roll_freeze",
]

# The letters of access codes and receipts: no 0/O, 1/I/L, so a code read aloud or off paper survives.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 16  # 16 letters of 31: about 79 bits, beyond guessing even with the salt known
_RECEIPT_LENGTH = 12
_MARKED = ("plurality", "block", "approval")
_PRECEDENCE = {value: i for i, value in enumerate(MemberClass.values)}  # R5: lessee, general, supporting


def already_voted_message() -> str:
    """The refusal of a second ballot (computed per call, in the active language)."""
    return _("This access code has already been used to vote in this contest; a second ballot is not accepted.")


_save = save_stamped


def _require_phase(election: Election, *phases: str) -> None:
    if election.phase not in phases:
        allowed = ", ".join(str(ElectionPhase(p).label) for p in phases)
        raise ValidationError(
            {
                "phase": _("The election is %(phase)s; this needs it to be: %(allowed)s.")
                % {"phase": election.get_phase_display(), "allowed": allowed}
            }
        )


def _locked(election: Election) -> Election:
    """The election row, locked until the transaction ends: phase changes serialise on it."""
    return Election.objects.select_for_update().get(pk=election.pk)


def _is_officer(user: Any, election: Election) -> bool:
    if election.officer_id is not None:
        return getattr(user, "pk", None) == election.officer_id
    return roles.is_election_officer(user)


def _random_text(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def normalise_code(code: str) -> str:
    """An access code as typed: case, spaces and dashes do not matter."""
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


def hash_code(election: Election, code: str) -> str:
    """Salted SHA-256 of a normalised access code (the salt is the election's own)."""
    return hashlib.sha256(f"{election.code_salt}:{normalise_code(code)}".encode()).hexdigest()


# --- Setting up -------------------------------------------------------------------------------


@transaction.atomic
def election_create(
    *,
    actor: Any,
    reason: str,
    name: str,
    record_date: dt.date,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    officer: Any = None,
    notes: str = "",
) -> Election:
    election = Election(
        name=name,
        record_date=record_date,
        opens_at=opens_at,
        closes_at=closes_at,
        officer=officer,
        notes=notes,
        code_salt=secrets.token_hex(16),
    )
    return _save(election, actor=actor, reason=reason)


@transaction.atomic
def contest_add(
    *,
    actor: Any,
    reason: str,
    election: Election,
    title: str,
    eligible_classes: Sequence[str],
    seats: int = 1,
    method: str = "scottish-stv",
    seat_class: SeatClass | None = None,
    tie_break_rules: Sequence[str] | None = None,
    max_marks: int | None = None,
    options: dict[str, Any] | None = None,
    order: int | None = None,
) -> Contest:
    election = _locked(election)
    _require_phase(election, ElectionPhase.DRAFT)
    if method not in counting.METHODS:
        raise ValidationError({"method": _("Choose one of: %(m)s.") % {"m": ", ".join(counting.METHODS)}})
    contest = Contest(
        election=election,
        title=title,
        eligible_classes=list(eligible_classes),
        seats=seats,
        method=method,
        seat_class=seat_class,
        tie_break_rules=list(tie_break_rules or counting.default_tie_break(method).rules),
        max_marks=max_marks,
        options=dict(options or {}),
        order=order if order is not None else election.contests.count(),
    )
    return _save(contest, actor=actor, reason=reason)


def _consent_required() -> bool:
    # R7: a setting of the trust, not a constant.
    from governance.models import GovernanceSettings

    return GovernanceSettings.current().candidate_consent_required


@transaction.atomic
def candidate_add(
    *,
    actor: Any,
    reason: str,
    contest: Contest,
    person: Person,
    consented_on: dt.date | None = None,
    ballot_order: int | None = None,
) -> Candidate:
    _require_phase(_locked(contest.election), ElectionPhase.DRAFT)
    if consented_on is None and _consent_required():
        raise ValidationError({"consented_on": _("The candidate's consent to stand is required: give its date.")})
    if Candidate.objects.filter(contest=contest, person=person).exists():
        raise ValidationError({"person": _("%(person)s is already a candidate in this contest.") % {"person": person}})
    candidate = Candidate(
        contest=contest,
        person=person,
        consented_on=consented_on,
        ballot_order=ballot_order if ballot_order is not None else contest.candidates.count() + 1,
    )
    return _save(candidate, actor=actor, reason=reason)


@transaction.atomic
def candidate_withdraw(*, actor: Any, reason: str, candidate: Candidate) -> Candidate:
    """A candidate withdraws before the close; ballots naming them skip to the next preference."""
    _require_phase(_locked(candidate.contest.election), ElectionPhase.DRAFT, ElectionPhase.FROZEN, ElectionPhase.OPEN)
    candidate.withdrawn = True
    return _save(candidate, actor=actor, reason=reason)


def _standings(on: dt.date) -> list[Any]:
    from governance.membership import standings_on

    return standings_on(on)


@transaction.atomic
def roll_freeze(*, actor: Any, reason: str, election: Election, standings: Iterable[Any] | None = None) -> int:
    """Freeze the roll at the record date: one entry per vote unit of the voting members. Returns its size.

    ``standings`` (``governance.membership.Standing`` values) defaults to the members on the record date;
    passing them lets a roll be imported. From here on contests, candidates and the roll cannot change.
    Each contest's random tie-break seed is drawn now, before any ballot exists, and kept (§2.7).
    """
    election = _locked(election)
    _require_phase(election, ElectionPhase.DRAFT)
    contests = list(election.contests.prefetch_related("candidates"))
    if not contests:
        raise ValidationError({"contests": _("Add at least one contest before freezing the roll.")})
    for contest in contests:
        if not [c for c in contest.candidates.all() if not c.withdrawn]:
            raise ValidationError({"candidates": _("%(contest)s has no candidate.") % {"contest": contest.title}})
    voting_classes = {value for contest in contests for value in contest.eligible_classes}
    by_unit: dict[str, Any] = {}
    for standing in standings if standings is not None else _standings(election.record_date):
        if not standing.votes or standing.member_class not in voting_classes:
            continue
        held = by_unit.get(standing.vote_unit_key)
        # R4: one vote per unit; the holder is the member of the highest class, then the longest known.
        rank = (_PRECEDENCE.get(standing.member_class, 99), standing.person.pk)
        if held is None or rank < (_PRECEDENCE.get(held.member_class, 99), held.person.pk):
            by_unit[standing.vote_unit_key] = standing
    if not by_unit:
        raise ValidationError({"roll": _("No member may vote on %(date)s.") % {"date": election.record_date}})
    RollEntry.objects.bulk_create(
        RollEntry(election=election, person=s.person, member_class=s.member_class, vote_unit_key=key)
        for key, s in sorted(by_unit.items())
    )
    for contest in contests:
        if contest.tie_break_seed is None and {"random", "lot"} & set(contest.tie_break_rules):
            contest.tie_break_seed = secrets.randbits(62)
            _save(contest, actor=actor, reason=reason)
    election.phase = ElectionPhase.FROZEN
    _save(election, actor=actor, reason=reason)
    return len(by_unit)


@transaction.atomic
def access_codes_issue(
    *, actor: Any, reason: str, election: Election, entries: Iterable[RollEntry] | None = None
) -> dict[int, str]:
    """Issue access codes: ``{roll entry id: code}``, returned this once and stored only as salted hashes.

    Without ``entries``, every entry that has no code yet gets one. Re-issuing a lost code replaces the
    old one (the old code stops working); the votes already cast with it stand.
    """
    election = _locked(election)
    _require_phase(election, ElectionPhase.FROZEN, ElectionPhase.OPEN)
    if not (roles.is_staff_member(actor) or _is_officer(actor, election)):
        raise PermissionDenied(_("Only staff or the election officer issue access codes."))
    chosen = (
        RollEntry.objects.filter(election=election, pk__in=[e.pk for e in entries])
        if entries is not None
        else RollEntry.objects.filter(election=election, code_hash="")
    )
    codes: dict[int, str] = {}
    changed = []
    for entry in chosen:
        code = _random_text(_CODE_LENGTH)
        entry.code_hash = hash_code(election, code)
        codes[entry.pk] = "-".join(code[i : i + 4] for i in range(0, _CODE_LENGTH, 4))
        changed.append(entry)
    RollEntry.objects.bulk_update(changed, ["code_hash"])
    stamp(election, actor=actor, reason=reason)
    return codes


@transaction.atomic
def election_open(*, actor: Any, reason: str, election: Election) -> Election:
    election = _locked(election)
    _require_phase(election, ElectionPhase.FROZEN)
    election.phase = ElectionPhase.OPEN
    return _save(election, actor=actor, reason=reason)


# --- Voting -----------------------------------------------------------------------------------


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


def _counting_ballot(contest: Contest, labels: dict[int, str], choices: Sequence[int], count: int = 1) -> Any:
    names = tuple(labels[c] for c in choices)
    if contest.method in _MARKED:
        return counting.MarkBallot(marks=names, count=count)
    return counting.Ballot(ranking=names, count=count)


def _mark_limit(contest: Contest) -> int | None:
    if contest.method == "approval":
        return None
    return contest.max_marks or contest.seats


def _check_choices(contest: Contest, candidates: list[Candidate], choices: Any) -> list[int]:
    """The ballot's candidate ids, or a ValidationError on ``choices`` saying why it is not valid (§2.1)."""
    if not isinstance(choices, list | tuple) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in choices
    ):
        raise ValidationError({"choices": _("A list of candidate numbers.")})
    running = {c.pk for c in candidates if not c.withdrawn}
    unknown = [c for c in choices if c not in running]
    if unknown:
        raise ValidationError({"choices": _("%(id)s is not a candidate in this contest.") % {"id": unknown[0]}})
    if len(set(choices)) != len(choices):
        raise ValidationError({"choices": _("Each candidate may be marked or ranked once.")})
    limit = _mark_limit(contest)
    if contest.method in _MARKED and limit is not None and len(choices) > limit:
        raise ValidationError(
            {"choices": _("Mark at most %(n)s candidates: more makes the ballot invalid.") % {"n": limit}}
        )
    # The counter's own validity rules have the last word (a blank ranked ballot is allowed: it is a
    # spoilt paper, counted in turnout and in no one's total).
    labels = candidate_labels(candidates)
    if choices:
        result = contest_count_of(contest, candidates, [_counting_ballot(contest, labels, choices)], seed=0)
        if result.ballots.invalid:
            reason = ", ".join(result.ballots.reasons)
            raise ValidationError({"choices": _("The ballot is not valid: %(reason)s.") % {"reason": reason}})
    return list(choices)


def _receipt() -> str:
    code = _random_text(_RECEIPT_LENGTH)
    return "-".join(code[i : i + 4] for i in range(0, _RECEIPT_LENGTH, 4))


def ballot_cast(
    *,
    code: str,
    contest: Contest,
    choices: Sequence[int],
    channel: str = Channel.ONLINE,
    actor: Any = None,
    reason: str = "",
) -> str:
    """Cast one ballot with an access code and return its receipt code.

    In one transaction: find the roll entry of the code, check the contest is open to its class,
    validate the ballot, insert the ``Participation`` (unique per contest and entry) and the anonymous
    ``Ballot``. A second ballot for the same contest is refused (``already_voted_message``) and nothing is written.
    Online ballots stop at ``closes_at``; paper and proxy ballots are entered by staff (``actor``) and
    may be entered after it, as papers received by the deadline are.
    """
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose one of: %(c)s.") % {"c": ", ".join(Channel.values)}})
    if channel != Channel.ONLINE and not roles.is_staff_member(actor):
        raise PermissionDenied(_("Only staff enter paper and proxy ballots."))
    with transaction.atomic():
        election = Election.objects.get(pk=contest.election_id)
        _require_phase(election, ElectionPhase.OPEN)
        now = timezone.now()
        if now < election.opens_at:
            raise ValidationError({"phase": _("Voting has not opened yet.")})
        if channel == Channel.ONLINE and now >= election.closes_at:
            raise ValidationError({"phase": _("Voting closed at %(t)s.") % {"t": election.closes_at}})
        entry = RollEntry.objects.filter(election=election, code_hash=hash_code(election, code)).first()
        if entry is None or not normalise_code(code):
            raise ValidationError({"code": _("This access code is not valid for this election.")})
        if entry.member_class not in contest.eligible_classes:
            raise ValidationError({"contest": _("Your access code does not give a vote in this contest.")})
        if Participation.objects.filter(contest=contest, roll_entry=entry).exists():
            raise ValidationError({"code": already_voted_message()})
        candidates = list(contest.candidates.order_by("ballot_order", "pk"))
        chosen = _check_choices(contest, candidates, list(choices))
        try:
            # The savepoint keeps the outer transaction usable to raise a clean refusal.
            with transaction.atomic():
                Participation.objects.create(contest=contest, roll_entry=entry, channel=channel)
        except IntegrityError:
            raise ValidationError({"code": already_voted_message()}) from None
        receipt = _receipt()
        Ballot.objects.create(contest=contest, receipt=receipt, choices=chosen)
        if not entry.channel:
            RollEntry.objects.filter(pk=entry.pk, channel="").update(channel=channel)
    return receipt


# --- Closing, counting, certifying ------------------------------------------------------------


@transaction.atomic
def election_close(*, actor: Any, reason: str, election: Election) -> Election:
    election = _locked(election)
    _require_phase(election, ElectionPhase.OPEN)
    if not (roles.is_staff_member(actor) or _is_officer(actor, election)):
        raise PermissionDenied(_("Only staff or the election officer close an election."))
    election.phase = ElectionPhase.CLOSED
    return _save(election, actor=actor, reason=reason)


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
    ballots = [_counting_ballot(contest, labels, list(key), n) for key, n in sorted(grouped.items())]
    return contest_count_of(contest, candidates, ballots)


@transaction.atomic
def election_count(*, actor: Any, reason: str, election: Election) -> Election:
    """Count every contest and store each result (the full round table); a recount before certification
    gives the same result, the tie-break seed being fixed."""
    election = _locked(election)
    _require_phase(election, ElectionPhase.CLOSED, ElectionPhase.COUNTED)
    if not (roles.is_staff_member(actor) or _is_officer(actor, election)):
        raise PermissionDenied(_("Only staff or the election officer count an election."))
    for contest in election.contests.all():
        try:
            result = contest_count(contest)
        except counting.TieUnresolved as exc:
            raise ValidationError({"tie_break_rules": str(exc)}) from exc
        labels = candidate_labels(contest.candidates.select_related("person").order_by("ballot_order", "pk"))
        by_label = {label: pk for pk, label in labels.items()}
        data = result.as_dict()
        data["candidate_ids"] = by_label
        data["winner_ids"] = [by_label[name] for name in result.winners]
        contest.result = data
        _save(contest, actor=actor, reason=reason)
    election.phase = ElectionPhase.COUNTED
    return _save(election, actor=actor, reason=reason)


def _start_terms(*, actor: Any, reason: str, election: Election, on: dt.date) -> int:
    """Seat the winners through G's board services when they exist (``board_terms_from_result``, which
    keeps the stagger groups, else ``board_term_start`` per winner); returns how many terms started."""
    from governance.services import board

    by_result = getattr(board, "board_terms_from_result", None)
    start = getattr(board, "board_term_start", None)
    if by_result is None and start is None:
        return 0
    started = 0
    for contest in election.contests.exclude(seat_class=None).select_related("seat_class"):
        winner_ids = (contest.result or {}).get("winner_ids", [])
        people_by_candidate = {
            c.pk: c.person for c in Candidate.objects.filter(pk__in=winner_ids).select_related("person")
        }
        people = [people_by_candidate[pk] for pk in winner_ids]  # in order of election
        common = {"actor": actor, "reason": reason, "seat_class": contest.seat_class, "starts_on": on}
        common.update(basis="elected", reference=f"{election.name}: {contest.title}")
        if by_result is not None:
            by_result(people=people, **common)
        else:
            accepted = set(inspect.signature(start).parameters)
            for person in people:
                start(**{k: v for k, v in {**common, "person": person}.items() if k in accepted})
        started += len(people)
    return started


@transaction.atomic
def election_certify(*, actor: Any, reason: str, election: Election, terms_start_on: dt.date | None = None) -> Election:
    """The election officer signs the counted result off; the winners' board terms then start."""
    election = _locked(election)
    _require_phase(election, ElectionPhase.COUNTED)
    if not _is_officer(actor, election):
        raise PermissionDenied(_("Only the election officer certifies the result."))
    election.phase = ElectionPhase.CERTIFIED
    election.certified_by = actor
    election.certified_at = timezone.now()
    _save(election, actor=actor, reason=reason)
    _start_terms(actor=actor, reason=reason, election=election, on=terms_start_on or timezone.localdate())
    return election


# --- Publishing and recounting ----------------------------------------------------------------


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
