"""Services of elections: contests, candidates, the frozen roll, ballots, counts, certification.

The phases of §6.8 (draft → frozen → open → closed → counted → certified) are enforced here and only
here: each service states the phase it needs and refuses otherwise, naming the phase.

Secrecy and one vote per unit: :func:`ballot_cast` inserts the ``Participation`` (who voted, unique per
contest and roll entry) and the ballot (how), sealed, in one transaction. The unique constraint, not a
prior check, is what stops a second ballot: two concurrent casts for the same unit race on the index, one
commits, the other rolls back whole and is told why. Sealed ballots reach the ``Ballot`` table in shuffled
batches of at least *k*, and the close rewrites each contest's box in one random order
(:mod:`governance.services.ballot_box`), so that nothing stored links a voter to a ballot.

Nominations and too few candidates (R7, R8): ``candidate_nominate`` takes a nomination by one of the
trust's modes while the election is a draft; ``candidate_standing`` says whether a candidate stands (not
withdrawn, consented when required, a petition with enough signatures). At ``roll_freeze`` a candidate who
does not stand is marked withdrawn (the row stays, for the record; its history says why), and each contest
with a seat class is settled: no more standing candidates than seats under ``acclaim`` → acclaimed, no
ballot (the count records them elected unopposed, certification starts ``acclaimed`` terms); fewer than
seats → the rest are vacant and the class's shortfall rule is recorded (``open_to_other_class`` is used
before the freeze, so a class still short at the freeze leaves its seats vacant). ``still_ballot`` puts an
uncontested class to an ordinary vote: a yes/no or approval threshold for it is not implemented.
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
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clt import clock, roles
from clt.history import actor_or_none, require_reason, save_stamped, stamp
from clt.models import Person
from governance.board.models import SeatClass, Shortfall, TermBasis, Uncontested
from governance.elections import ballot_box, counting
from governance.elections.blt import BltProfile, write_blt
from governance.elections.models import (
    AccessCodeIssue,
    Candidate,
    Channel,
    Contest,
    Election,
    ElectionPhase,
    Participation,
    PetitionSignature,
    RollEntry,
    SealedBallot,
)
from governance.meetings.models import Proxy
from governance.membership.models import GovernanceSettings, MemberClass, NominationMode

__all__ = [
    "PublishedBallot",
    "access_codes_issue",
    "already_voted_message",
    "ballot_cast",
    "ballots_publish",
    "candidate_add",
    "candidate_consent",
    "candidate_labels",
    "candidate_nominate",
    "candidate_standing",
    "candidate_withdraw",
    "contest_add",
    "contest_blt",
    "contest_count",
    "contest_count_of",
    "contest_open_to_class",
    "contest_takes_ballot",
    "election_certify",
    "election_close",
    "election_count",
    "election_create",
    "election_open",
    "hash_code",
    "nominations_close_on",
    "normalise_code",
    "petition_sign",
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


def _shared(election_id: int) -> Election:
    """The election, read under a shared lock until the cast commits.

    Casts share it with each other; ``election_close`` (``FOR UPDATE``) waits for casts in flight and
    the casts after it wait and then see the election closed. Without it, a ballot sealed while the close
    moves the box would miss the box. SQLite runs one write transaction at a time (IMMEDIATE) anyway.
    """
    if connection.vendor == "postgresql":
        found = list(Election.objects.raw("SELECT * FROM governance_election WHERE id = %s FOR SHARE", [election_id]))
        if found:
            return found[0]
    return Election.objects.get(pk=election_id)


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

# A plausible voting window: none of the trust's elections is older than this, none is set up more
# than this many years ahead, and no vote stays open longer than a year (a typo such as year 57 or
# 2206 is refused instead of stored).
ELECTIONS_FROM = dt.date(2000, 1, 1)
YEARS_AHEAD = 5
LONGEST_VOTE = dt.timedelta(days=366)


def _check_election_dates(record_date: dt.date, opens_at: dt.datetime, closes_at: dt.datetime) -> None:
    latest = clock.today().replace(month=1, day=1)
    latest = latest.replace(year=latest.year + YEARS_AHEAD + 1) - dt.timedelta(days=1)
    span = _("Give a date from %(first)s to %(last)s.") % {"first": ELECTIONS_FROM, "last": latest}
    errors: dict[str, list[str]] = {}
    # The date as given, not converted: year 1 has no local time west of Greenwich.
    for field, day in (("record_date", record_date), ("opens_at", opens_at.date())):
        if not ELECTIONS_FROM <= day <= latest:
            errors[field] = [span]
    if closes_at <= opens_at:
        errors["closes_at"] = [_("Voting closes after it opens.")]
    elif closes_at - opens_at > LONGEST_VOTE:
        errors["closes_at"] = [
            _("Voting stays open at most a year: close it by %(last)s.")
            % {"last": timezone.localtime(opens_at + LONGEST_VOTE).date()}
        ]
    if not errors and record_date > timezone.localtime(opens_at).date():
        errors["record_date"] = [_("The record date (who may vote) is on or before the day voting opens.")]
    if errors:
        raise ValidationError(errors)


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
    nominations_close: dt.date | None = None,
) -> Election:
    """A draft election. ``nominations_close`` empty: the settings' days before voting opens (R7)."""
    _check_election_dates(record_date, opens_at, closes_at)
    if nominations_close is not None and nominations_close > timezone.localtime(opens_at).date():
        raise ValidationError({"nominations_close": _("Nominations close on or before the day voting opens.")})
    election = Election(
        name=name,
        record_date=record_date,
        opens_at=opens_at,
        closes_at=closes_at,
        officer=officer,
        notes=notes,
        nominations_close=nominations_close,
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
    if not 1 <= seats <= counting.MAX_SEATS:
        raise ValidationError({"seats": _("Give from 1 to %(max)s seats.") % {"max": counting.MAX_SEATS}})
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
    from governance.membership.models import GovernanceSettings

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
    candidate = _new_candidate(contest, person, ballot_order, consented_on=consented_on)
    return _save(candidate, actor=actor, reason=reason)


def _new_candidate(contest: Contest, person: Person, ballot_order: int | None, **fields: Any) -> Candidate:
    """A candidate not yet in the contest, last on the ballot unless placed."""
    if Candidate.objects.filter(contest=contest, person=person).exists():
        raise ValidationError({"person": _("%(person)s is already a candidate in this contest.") % {"person": person}})
    standing = contest.candidates.count()
    if standing >= counting.MAX_CANDIDATES:
        raise ValidationError(
            {
                "person": _("A contest has at most %(max)s candidates: the count takes no more.")
                % {"max": counting.MAX_CANDIDATES}
            }
        )
    order = ballot_order if ballot_order is not None else standing + 1
    return Candidate(contest=contest, person=person, ballot_order=order, **fields)


@transaction.atomic
def candidate_withdraw(*, actor: Any, reason: str, candidate: Candidate) -> Candidate:
    """A candidate withdraws before the close; ballots naming them skip to the next preference."""
    _require_phase(_locked(candidate.contest.election), ElectionPhase.DRAFT, ElectionPhase.FROZEN, ElectionPhase.OPEN)
    candidate.withdrawn = True
    return _save(candidate, actor=actor, reason=reason)


# --- Nominations (R7) -------------------------------------------------------------------------


def nominations_close_on(election: Election, settings: GovernanceSettings | None = None) -> dt.date:
    """The last day of nominations: the election's own date, else the settings' days before voting opens."""
    if election.nominations_close is not None:
        return election.nominations_close
    settings = settings or GovernanceSettings.current()
    return timezone.localtime(election.opens_at).date() - dt.timedelta(days=settings.nomination_deadline_days)


def _date_text(value: dt.date) -> str:
    from django.utils import formats

    return formats.date_format(value, "DATE_FORMAT")


def _class_labels(values: Iterable[str]) -> str:
    return ", ".join(str(MemberClass(v).label) for v in values if v in MemberClass.values)


def _check_candidate_pool(contest: Contest, person: Person) -> None:
    """R1/R8: on the record date the person is in the seat class's pool, or in a class the contest was opened to.

    A contest without a seat class, or a class with an empty pool (public seats), takes anyone.
    """
    seat_class = contest.seat_class
    pool = list(seat_class.candidate_pool or []) if seat_class is not None else []
    if not pool:
        return
    allowed = pool + [c for c in contest.open_to_classes or [] if c not in pool]
    from governance.membership.selectors import standing_of

    on = contest.election.record_date
    standing = standing_of(person, on)
    if standing.member_class in allowed:
        return
    message = _("%(person)s may not stand for %(contest)s: on %(date)s they are not in %(pool)s.") % {
        "person": person,
        "contest": contest.title,
        "date": _date_text(on),
        "pool": _class_labels(allowed),
    }
    raise ValidationError({"person": f"{message} {'; '.join(standing.reasons)}".strip()})


@transaction.atomic
def candidate_nominate(
    *,
    actor: Any,
    reason: str,
    contest: Contest,
    person: Person,
    mode: str,
    nominated_on: dt.date,
    nominated_by: str = "",
    statement: str = "",
    consented_on: dt.date | None = None,
    ballot_order: int | None = None,
) -> Candidate:
    """Nominate ``person`` in ``contest`` by one of the trust's nomination modes (R7), while the election is a draft.

    Nominations close on ``nominations_close_on``; a floor nomination is made at the meeting itself, so it is
    taken up to the freeze. Consent may come later (``candidate_consent``); a petition nomination stands once it
    has the signatures (``petition_sign``). Whether a candidate stands is ``candidate_standing``.
    """
    reason = require_reason(reason)
    election = _locked(contest.election)
    _require_phase(election, ElectionPhase.DRAFT)
    contest = Contest.objects.select_related("seat_class").get(pk=contest.pk)
    contest.election = election
    settings = GovernanceSettings.current()
    modes = list(settings.nomination_modes or [])
    if mode not in NominationMode.values or mode not in modes:
        raise ValidationError(
            {
                "nomination_mode": _("The bylaws allow these ways of nomination: %(modes)s.")
                % {"modes": ", ".join(str(NominationMode(m).label) for m in modes if m in NominationMode.values)}
            }
        )
    if nominated_on is None:
        raise ValidationError({"nominated_on": _("Give the date of the nomination.")})
    close = nominations_close_on(election, settings)
    if mode != NominationMode.FLOOR and nominated_on > close:
        raise ValidationError({"nominated_on": _("Nominations closed on %(date)s.") % {"date": _date_text(close)}})
    candidate = _new_candidate(
        contest,
        person,
        ballot_order,
        nomination_mode=mode,
        nominated_on=nominated_on,
        nominated_by=(nominated_by or "").strip(),
        statement=(statement or "").strip(),
        consented_on=consented_on,
    )
    _check_candidate_pool(contest, person)
    return _save(candidate, actor=actor, reason=reason)


@transaction.atomic
def candidate_consent(*, actor: Any, reason: str, candidate: Candidate, consented_on: dt.date) -> Candidate:
    """Record the candidate's written consent to stand (R7), while the election is a draft."""
    reason = require_reason(reason)
    _require_phase(_locked(candidate.contest.election), ElectionPhase.DRAFT)
    if consented_on is None:
        raise ValidationError({"consented_on": _("Give the date of the consent.")})
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.withdrawn:
        raise ValidationError({"candidate": _("%(person)s has withdrawn.") % {"person": candidate.person}})
    candidate.consented_on = consented_on
    return _save(candidate, actor=actor, reason=reason)


@transaction.atomic
def petition_sign(
    *, actor: Any, reason: str, candidate: Candidate, person: Person, signed_on: dt.date
) -> PetitionSignature:
    """A member signs a candidate's nominating petition (R7).

    The signer has a vote on the record date (and, when ``petition_same_class``, is of the class that elects
    the seat), is not the candidate, signs once and by the close of nominations.
    """
    reason = require_reason(reason)
    candidate = Candidate.objects.select_related("contest__seat_class", "person").get(pk=candidate.pk)
    contest = candidate.contest
    election = _locked(contest.election)
    _require_phase(election, ElectionPhase.DRAFT)
    if candidate.nomination_mode != NominationMode.PETITION:
        message = _("%(person)s was not nominated by petition.") % {"person": candidate.person}
        raise ValidationError({"candidate": message})
    if candidate.withdrawn:
        raise ValidationError({"candidate": _("%(person)s has withdrawn.") % {"person": candidate.person}})
    if person.pk == candidate.person_id:
        raise ValidationError({"person": _("A candidate cannot sign their own petition.")})
    if signed_on is None:
        raise ValidationError({"signed_on": _("Give the date of the signature.")})
    settings = GovernanceSettings.current()
    close = nominations_close_on(election, settings)
    if signed_on > close:
        raise ValidationError({"signed_on": _("Nominations closed on %(date)s.") % {"date": _date_text(close)}})
    from governance.membership.selectors import standing_of

    standing = standing_of(person, election.record_date, settings=settings)
    if not standing.votes:
        why = "; ".join(standing.reasons)
        message = _("%(person)s has no vote on the record date (%(date)s).") % {
            "person": person,
            "date": _date_text(election.record_date),
        }
        raise ValidationError({"person": f"{message} {why}".strip()})
    electorate = list((contest.seat_class.electorate if contest.seat_class else None) or contest.eligible_classes)
    if settings.petition_same_class and standing.member_class not in electorate:
        raise ValidationError(
            {
                "person": _("Only members who elect this seat (%(classes)s) may sign; %(person)s is a %(cls)s.")
                % {
                    "classes": _class_labels(electorate),
                    "person": person,
                    "cls": MemberClass(standing.member_class).label,
                }
            }
        )
    if PetitionSignature.objects.filter(candidate=candidate, person=person).exists():
        raise ValidationError({"person": _("%(person)s has already signed this petition.") % {"person": person}})
    signature = PetitionSignature(candidate=candidate, person=person, signed_on=signed_on)
    _save(signature, actor=actor, reason=reason)
    # The signature has no history of its own: the candidate's history says who recorded it and why.
    stamp(candidate, actor=actor, reason=f"{reason} (petition signed by {person})")
    candidate.save(update_fields=["last_updated"])
    return signature


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
            reasons.append(
                _("The petition has %(n)s of the %(needed)s signatures it needs.")
                % {"n": count, "needed": settings.petition_min_signers}
            )
    return (not reasons, reasons)


def _standing_candidates(
    contest: Contest, settings: GovernanceSettings
) -> tuple[list[Candidate], list[tuple[Candidate, list[str]]]]:
    """The contest's candidates who stand, and ``(candidate, reasons)`` of those who do not."""
    from django.db.models import Count

    standing: list[Candidate] = []
    dropped: list[tuple[Candidate, list[str]]] = []
    for candidate in contest.candidates.annotate(signature_count=Count("signatures")).order_by("ballot_order", "pk"):
        stands, reasons = candidate_standing(candidate, settings=settings, signatures=candidate.signature_count)
        if stands:
            standing.append(candidate)
        else:
            dropped.append((candidate, reasons))
    return standing, dropped


@transaction.atomic
def contest_open_to_class(*, actor: Any, reason: str, contest: Contest, classes: Sequence[str]) -> Contest:
    """R8: invite members of other classes to stand for a class short of candidates, before the freeze.

    Only where the seat class's shortfall rule is ``open_to_other_class`` and the contest has fewer standing
    candidates than seats.
    """
    reason = require_reason(reason)
    _require_phase(_locked(contest.election), ElectionPhase.DRAFT)
    contest = Contest.objects.select_related("seat_class", "election").get(pk=contest.pk)
    seat_class = contest.seat_class
    if seat_class is None or seat_class.shortfall != Shortfall.OPEN_TO_OTHER_CLASS:
        raise ValidationError(
            {"contest": _("The bylaws do not open this contest's seats to another class when candidates are short.")}
        )
    if not isinstance(classes, list | tuple) or not classes or not set(classes) <= set(MemberClass.values):
        raise ValidationError({"classes": _("A non-empty list of member classes: lessee, general, supporting.")})
    standing, _dropped = _standing_candidates(contest, GovernanceSettings.current())
    if len(standing) >= contest.seats:
        raise ValidationError(
            {
                "contest": _("%(contest)s has %(n)s standing candidates for %(seats)s seats: it is not short.")
                % {"contest": contest.title, "n": len(standing), "seats": contest.seats}
            }
        )
    contest.open_to_classes = sorted(set(classes), key=MemberClass.values.index)
    return _save(contest, actor=actor, reason=reason)


def contest_takes_ballot(contest: Contest) -> bool:
    """Whether members vote in the contest: not when it was acclaimed or left with no candidate at the freeze."""
    return not contest.acclaimed and contest.vacant_seats < contest.seats


def _settle_contest(contest: Contest, settings: GovernanceSettings, *, actor: Any, reason: str) -> None:
    """At the freeze: drop the candidates who do not stand, then apply R8 to a contest with a seat class.

    A candidate who does not stand is marked withdrawn (kept for the record, off the ballot), the history
    saying why. No more standing candidates than seats and ``uncontested == acclaim``: acclaimed, no ballot.
    Fewer than seats: the missing seats are vacant and the class's shortfall rule says what follows; opening
    to another class is done before the freeze, so a class still short at the freeze leaves them vacant.
    ``still_ballot`` puts an uncontested class to the vote as usual (a yes/no or approval threshold is not
    implemented). A contest with no standing candidate is not voted.
    """
    standing, dropped = _standing_candidates(contest, settings)
    for candidate, reasons in dropped:
        if not candidate.withdrawn:
            candidate.withdrawn = True
            _save(candidate, actor=actor, reason=f"{reason}: not on the ballot ({' '.join(reasons)})")
    seat_class = contest.seat_class
    if seat_class is None:
        if not standing:
            raise ValidationError({"candidates": _("%(contest)s has no candidate.") % {"contest": contest.title}})
        return
    n, seats = len(standing), contest.seats
    contest.acclaimed = 0 < n <= seats and seat_class.uncontested == Uncontested.ACCLAIM
    contest.vacant_seats = max(seats - n, 0)
    if contest.vacant_seats:
        action = seat_class.shortfall
        note = ""
        if action == Shortfall.OPEN_TO_OTHER_CLASS:
            action = Shortfall.LEAVE_VACANT
            note = " (still short after being opened to another class: left vacant)"
        contest.shortfall_action = action
        _save(
            contest,
            actor=actor,
            reason=f"{reason}: {n} standing candidate(s) for {seats} seat(s), {contest.vacant_seats} vacant{note}",
        )
    elif contest.acclaimed:
        _save(contest, actor=actor, reason=f"{reason}: {n} standing candidate(s) for {seats} seat(s), acclaimed")


def _standings(on: dt.date) -> list[Any]:
    from governance.membership.selectors import standings_on

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
    contests = list(election.contests.select_related("seat_class"))
    if not contests:
        raise ValidationError({"contests": _("Add at least one contest before freezing the roll.")})
    settings = GovernanceSettings.current()
    for contest in contests:
        _settle_contest(contest, settings, actor=actor, reason=reason)
    balloted = [c for c in contests if contest_takes_ballot(c)]
    voting_classes = {value for contest in balloted for value in contest.eligible_classes}
    by_unit: dict[str, Any] = {}
    for standing in standings if standings is not None else _standings(election.record_date):
        if not standing.votes or standing.member_class not in voting_classes:
            continue
        held = by_unit.get(standing.vote_unit_key)
        # R4: one vote per unit; the holder is the member of the highest class, then the longest known.
        rank = (_PRECEDENCE.get(standing.member_class, 99), standing.person.pk)
        if held is None or rank < (_PRECEDENCE.get(held.member_class, 99), held.person.pk):
            by_unit[standing.vote_unit_key] = standing
    if not by_unit and balloted:
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
    old one (the old code stops working); the votes already cast with it stand. Each issue is logged
    (``AccessCodeIssue``: which entry, who, when, why; never the code) and the election's history says so.
    """
    reason = require_reason(reason)
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
    log = []
    issued_at, issued_by = clock.now(), actor_or_none(actor)
    for entry in chosen:
        log.append(
            AccessCodeIssue(
                roll_entry=entry,
                issued_at=issued_at,
                issued_by=issued_by,
                reason=reason,
                replaces_earlier=bool(entry.code_hash),
            )
        )
        code = _random_text(_CODE_LENGTH)
        entry.code_hash = hash_code(election, code)
        codes[entry.pk] = "-".join(code[i : i + 4] for i in range(0, _CODE_LENGTH, 4))
        changed.append(entry)
    RollEntry.objects.bulk_update(changed, ["code_hash"])
    if changed:
        AccessCodeIssue.objects.bulk_create(log)
        summary = _("%(reason)s (access codes issued: %(n)s)") % {"reason": reason, "n": len(changed)}
        stamp(election, actor=actor, reason=summary)
        election.save(update_fields=["last_updated"])
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


def _check_proxy(election: Election, entry: RollEntry) -> None:
    """R10: a proxy ballot needs the bylaws to allow proxies and an unrevoked proxy from the roll entry's member.

    Who held the proxy is not written anywhere near the ballot: the participation says only "by proxy".
    """
    if not GovernanceSettings.current().proxies_allowed:
        raise ValidationError({"channel": _("The bylaws do not allow voting by proxy.")})
    if not Proxy.objects.filter(election=election, grantor_id=entry.person_id, revoked_on__isnull=True).exists():
        message = _("%(person)s has given no proxy for this election (or revoked it).") % {"person": entry.person}
        raise ValidationError({"channel": message})


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
    voter: Any = None,
) -> str:
    """Cast one ballot with an access code and return its receipt code.

    ``voter``: the person a signed-in caller is; when given, the code must be the one issued to them (the API
    casts only the caller's own ballot; the vote page, like a mailed ballot, takes the code alone).

    In one transaction: find the roll entry of the code, check the contest is open to its class,
    validate the ballot, insert the ``Participation`` (unique per contest and entry) and the ballot, sealed
    (it joins the ``Ballot`` table later, shuffled with others: see ``ballot_box``). A second ballot for the
    same contest is refused (``already_voted_message``) and nothing is written.
    Online ballots stop at ``closes_at``; paper and proxy ballots are entered by staff (``actor``) and
    may be entered after it, as papers received by the deadline are.
    """
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose one of: %(c)s.") % {"c": ", ".join(Channel.values)}})
    if channel != Channel.ONLINE and not roles.is_staff_member(actor):
        raise PermissionDenied(_("Only staff enter paper and proxy ballots."))
    with transaction.atomic():
        election = _shared(contest.election_id)
        _require_phase(election, ElectionPhase.OPEN)
        now = clock.now()
        if now < election.opens_at:
            raise ValidationError({"phase": _("Voting has not opened yet.")})
        if channel == Channel.ONLINE and now >= election.closes_at:
            raise ValidationError({"phase": _("Voting closed at %(t)s.") % {"t": election.closes_at}})
        entry = RollEntry.objects.filter(election=election, code_hash=hash_code(election, code)).first()
        if entry is None or not normalise_code(code):
            raise ValidationError({"code": _("This access code is not valid for this election.")})
        if voter is not None and entry.person_id != voter.pk:
            # The same answer as for a code that does not exist: anything else would confirm a guessed code.
            raise ValidationError({"code": _("This access code is not valid for this election.")})
        if not contest_takes_ballot(contest):
            message = _("No ballot is taken in %(title)s: it was settled without a vote.") % {"title": contest.title}
            raise ValidationError({"contest": message})
        if entry.member_class not in contest.eligible_classes:
            raise ValidationError({"contest": _("Your access code does not give a vote in this contest.")})
        if channel == Channel.PROXY:
            _check_proxy(election, entry)
        if Participation.objects.filter(contest=contest, roll_entry=entry).exists():
            raise ValidationError({"code": already_voted_message()})
        candidates = list(contest.candidates.select_related("person").order_by("ballot_order", "pk"))
        chosen = _check_choices(contest, candidates, list(choices))
        try:
            # The savepoint keeps the outer transaction usable to raise a clean refusal.
            with transaction.atomic():
                Participation.objects.create(contest=contest, roll_entry=entry, channel=channel)
        except IntegrityError:
            raise ValidationError({"code": already_voted_message()}) from None
        receipt = _receipt()
        # Sealed, not yet in the ballot box: this transaction's traces are also the participation's.
        sealed = ballot_box.seal(contest, receipt, chosen, candidates=[c.pk for c in candidates])
        SealedBallot.objects.create(contest=contest, sealed=sealed)
        if not entry.channel:
            RollEntry.objects.filter(pk=entry.pk, channel="").update(channel=channel)
        ballot_box.unseal_later(contest)
    return receipt


# --- Closing, counting, certifying ------------------------------------------------------------


@transaction.atomic
def election_close(*, actor: Any, reason: str, election: Election) -> Election:
    election = _locked(election)
    _require_phase(election, ElectionPhase.OPEN)
    if not (roles.is_staff_member(actor) or _is_officer(actor, election)):
        raise PermissionDenied(_("Only staff or the election officer close an election."))
    election.phase = ElectionPhase.CLOSED
    for contest in election.contests.all():
        # The last sealed ballots join the box, and the whole box is stored in one random order.
        ballot_box.shuffle_contest(contest)
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
        if contest.sealed_ballots.exists():  # never expected after the close; never left out of a count
            ballot_box.shuffle_contest(contest)
        if not contest_takes_ballot(contest):
            contest.result = _unballoted_result(contest)
            _save(contest, actor=actor, reason=reason)
            continue
        try:
            result = contest_count(contest)
        except counting.TieUnresolved as exc:
            raise ValidationError({"tie_break_rules": str(exc)}) from exc
        labels = candidate_labels(contest.candidates.select_related("person").order_by("ballot_order", "pk"))
        by_label = {label: pk for pk, label in labels.items()}
        data = result.as_dict()
        data["candidate_ids"] = by_label
        data["winner_ids"] = [by_label[name] for name in result.winners]
        data["acclaimed"] = False
        data["vacant_seats"] = contest.vacant_seats
        contest.result = data
        _save(contest, actor=actor, reason=reason)
    election.phase = ElectionPhase.COUNTED
    return _save(election, actor=actor, reason=reason)


def _unballoted_result(contest: Contest) -> dict[str, Any]:
    """The result of a contest settled at the freeze (R8), shaped like a count's: one stage, no ballot.

    Acclaimed: the standing candidates are elected unopposed. No standing candidate: nobody is elected and
    the seats are vacant.
    """
    candidates = list(contest.candidates.select_related("person").order_by("ballot_order", "pk"))
    labels = candidate_labels(candidates)
    winners = [labels[c.pk] for c in candidates if not c.withdrawn] if contest.acclaimed else []
    if contest.acclaimed:
        action, description = "acclaimed", _("Elected unopposed: no more candidates than seats, so no vote was taken.")
    else:
        action, description = "no_candidate", _("No candidate stood: no vote was taken.")
    stage = {
        "stage": 1,
        "action": action,
        "description": description,
        "subjects": winners,
        "quota": None,
        "votes": dict.fromkeys(winners, ""),
        "transfers": {},
        "exhausted": "",
        "exhausted_change": "",
        "residual": "",
        "residual_change": "",
        "elected": winners,
        "excluded": [],
        "status": dict.fromkeys(winners, "elected"),
        "ties": [],
    }
    return {
        "method": contest.method,
        "seats": contest.seats,
        "candidates": [labels[c.pk] for c in candidates],
        "withdrawn": [labels[c.pk] for c in candidates if c.withdrawn],
        "winners": winners,
        "quota": None,
        "places": None,
        "rounded_for_display": False,
        "ballots": {"cast": 0, "valid": 0, "invalid": 0, "blank": 0, "reasons": {}},
        "tie_break": {"rules": [], "seed": None, "order": [], "random_order": None},
        "options": {},
        "final_votes": {},
        "stages": [stage],
        "candidate_ids": {label: pk for pk, label in labels.items()},
        "winner_ids": [c.pk for c in candidates if labels[c.pk] in winners],
        "acclaimed": contest.acclaimed,
        "vacant_seats": contest.vacant_seats,
    }


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
        if not people:
            continue
        common = {"actor": actor, "reason": reason, "seat_class": contest.seat_class, "starts_on": on}
        basis = TermBasis.ACCLAIMED if (contest.result or {}).get("acclaimed") else TermBasis.ELECTED
        common.update(basis=basis, reference=f"{election.name}: {contest.title}")
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
    election.certified_at = clock.now()
    _save(election, actor=actor, reason=reason)
    _start_terms(actor=actor, reason=reason, election=election, on=terms_start_on or clock.today())
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
