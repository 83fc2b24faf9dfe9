"""Services of elections: the election and its contests, the frozen roll, access codes, ballots, the count
and certification. Candidates and nominations are ``governance.elections.nominations``.

The phases of §6.8 (draft → frozen → open → closed → counted → certified) are enforced here and only
here: each service states the phase it needs and refuses otherwise, naming the phase.

Secrecy and one vote per unit: :func:`ballot_cast` inserts the ``Participation`` (who voted, unique per
contest and roll entry) and the ballot (how), sealed, in one transaction. The unique constraint, not a
prior check, is what stops a second ballot: two concurrent casts for the same unit race on the index, one
commits, the other rolls back whole and is told why. Sealed ballots reach the ``Ballot`` table in shuffled
batches of at least *k*, and the close rewrites each contest's box in one random order
(:mod:`governance.elections.ballot_box`), so that nothing stored links a voter to a ballot.
:func:`ballots_cast` casts a voter's ballots in several contests in one transaction: all or none.

Too few candidates (R8): at ``roll_freeze`` a candidate who does not stand (``candidate_standing``) is
marked withdrawn (the row stays, for the record; its history says why), and each contest with a seat class
is settled: no more standing candidates than seats under ``acclaim`` → acclaimed, no ballot (the count
records them elected unopposed, certification starts ``acclaimed`` terms); fewer than seats → the rest are
vacant and the class's shortfall rule is recorded (``open_to_other_class`` is used before the freeze, so a
class still short at the freeze leaves its seats vacant). ``still_ballot`` puts an uncontested class to an
ordinary vote: a yes/no or approval threshold for it is not implemented.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt import clock, roles
from clt.formats import date_text
from clt.history import actor_or_none, require_reason, save_stamped, stamp
from governance.board import services as board_services
from governance.board.models import SeatClass, Shortfall, TermBasis, Uncontested
from governance.elections import ballot_box, counting
from governance.elections.codes import grouped, hash_code, new_code, new_receipt
from governance.elections.models import (
    AccessCodeIssue,
    Candidate,
    Channel,
    Contest,
    Election,
    ElectionPhase,
    Participation,
    RollEntry,
    SealedBallot,
)
from governance.elections.selectors import (
    MARKED,
    VoteContext,
    candidate_labels,
    candidates_by_contest,
    contest_count,
    contest_count_of,
    contest_takes_ballot,
    counting_ballot,
    is_officer,
    method_choice_labels,
    standing_candidates,
    tie_unresolved_text,
    vote_context,
)
from governance.meetings.models import Proxy
from governance.membership.models import GovernanceSettings, MemberClass
from governance.membership.selectors import standings_on

__all__ = [
    "BallotRefused",
    "access_codes_issue",
    "already_voted_message",
    "ballot_cast",
    "ballots_cast",
    "contest_add",
    "election_certify",
    "election_close",
    "election_count",
    "election_create",
    "election_open",
    "locked_election",
    "require_phase",
    "roll_freeze",
]

_PRECEDENCE = {value: i for i, value in enumerate(MemberClass.values)}  # R5: lessee, general, supporting


def already_voted_message() -> str:
    """The refusal of a second ballot (computed per call, in the active language)."""
    return _("This access code has already been used to vote in this contest; a second ballot is not accepted.")


_save = save_stamped


def require_phase(election: Election, *phases: str) -> None:
    """Refuse, naming the phase, unless the election is in one of ``phases``."""
    if election.phase not in phases:
        allowed = ", ".join(str(ElectionPhase(p).label) for p in phases)
        raise ValidationError(
            {
                "phase": _("The election is %(phase)s; this needs it to be: %(allowed)s.")
                % {"phase": election.get_phase_display(), "allowed": allowed}
            }
        )


def locked_election(election: Election) -> Election:
    """The election row, locked until the transaction ends: phase changes serialise on it."""
    return Election.objects.select_for_update().get(pk=election.pk)


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
    span = _("Give a date from %(first)s to %(last)s.") % {
        "first": date_text(ELECTIONS_FROM),
        "last": date_text(latest),
    }
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
            % {"last": date_text(timezone.localtime(opens_at + LONGEST_VOTE).date())}
        ]
    if not errors.keys() & {"record_date", "opens_at"} and record_date > timezone.localtime(closes_at).date():
        # Who may vote is settled before the vote: a record date after the close is always refused.
        errors["record_date"] = [
            _("The record date (%(record)s) falls after voting closes (%(closes)s): it must come before voting opens.")
            % {"record": date_text(record_date), "closes": date_text(timezone.localtime(closes_at).date())}
        ]
    elif not errors and record_date > timezone.localtime(opens_at).date():
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
    election = locked_election(election)
    require_phase(election, ElectionPhase.DRAFT)
    if method not in counting.METHODS:
        raise ValidationError({"method": _("Choose one of: %(m)s.") % {"m": "; ".join(method_choice_labels())}})
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


def _settle_contest(contest: Contest, settings: GovernanceSettings, *, actor: Any, reason: str) -> None:
    """At the freeze: drop the candidates who do not stand, then apply R8 to a contest with a seat class.

    A candidate who does not stand is marked withdrawn (kept for the record, off the ballot), the history
    saying why. No more standing candidates than seats and ``uncontested == acclaim``: acclaimed, no ballot.
    Fewer than seats: the missing seats are vacant and the class's shortfall rule says what follows; opening
    to another class is done before the freeze, so a class still short at the freeze leaves them vacant.
    ``still_ballot`` puts an uncontested class to the vote as usual (a yes/no or approval threshold is not
    implemented). A contest with no standing candidate is not voted.
    """
    standing, dropped = standing_candidates(contest, settings)
    for candidate, reasons in dropped:
        if not candidate.withdrawn:
            candidate.withdrawn = True
            note = _("%(reason)s: not on the ballot (%(why)s)") % {"reason": reason, "why": " ".join(reasons)}
            _save(candidate, actor=actor, reason=note)
    seat_class = contest.seat_class
    if seat_class is None:
        if not standing:
            raise ValidationError({"candidates": _("%(contest)s has no candidate.") % {"contest": contest.title}})
        return
    n, seats = len(standing), contest.seats
    contest.acclaimed = 0 < n <= seats and seat_class.uncontested == Uncontested.ACCLAIM
    contest.vacant_seats = max(seats - n, 0)
    seats_text = ngettext("%(n)s seat", "%(n)s seats", seats) % {"n": seats}
    standing_text = ngettext("%(n)s standing candidate for %(seats)s", "%(n)s standing candidates for %(seats)s", n)
    standing_text %= {"n": n, "seats": seats_text}
    if contest.vacant_seats:
        action = seat_class.shortfall
        if action == Shortfall.OPEN_TO_OTHER_CLASS:
            action = Shortfall.LEAVE_VACANT
            message = _(
                "%(reason)s: %(standing)s, %(vacant)s vacant (still short after being opened to another class: "
                "left vacant)"
            )
        else:
            message = _("%(reason)s: %(standing)s, %(vacant)s vacant")
        contest.shortfall_action = action
        note = message % {"reason": reason, "standing": standing_text, "vacant": contest.vacant_seats}
        _save(contest, actor=actor, reason=note)
    elif contest.acclaimed:
        note = _("%(reason)s: %(standing)s, acclaimed") % {"reason": reason, "standing": standing_text}
        _save(contest, actor=actor, reason=note)


@transaction.atomic
def roll_freeze(*, actor: Any, reason: str, election: Election, standings: Iterable[Any] | None = None) -> int:
    """Freeze the roll at the record date: one entry per vote unit of the voting members. Returns its size.

    ``standings`` (``governance.membership.selectors.Standing`` values) defaults to the members on the record date;
    passing them lets a roll be imported. From here on contests, candidates and the roll cannot change.
    Each contest's random tie-break seed is drawn now, before any ballot exists, and kept (§2.7).
    """
    election = locked_election(election)
    require_phase(election, ElectionPhase.DRAFT)
    contests = list(election.contests.select_related("seat_class"))
    if not contests:
        raise ValidationError({"contests": _("Add at least one contest before freezing the roll.")})
    settings = GovernanceSettings.current()
    for contest in contests:
        _settle_contest(contest, settings, actor=actor, reason=reason)
    balloted = [c for c in contests if contest_takes_ballot(c)]
    voting_classes = {value for contest in balloted for value in contest.eligible_classes}
    by_unit: dict[str, Any] = {}
    for standing in standings if standings is not None else standings_on(election.record_date):
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
    election = locked_election(election)
    require_phase(election, ElectionPhase.FROZEN, ElectionPhase.OPEN)
    if not (roles.is_staff_member(actor) or is_officer(actor, election)):
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
        code = new_code()
        entry.code_hash = hash_code(election, code)
        codes[entry.pk] = grouped(code)
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
    election = locked_election(election)
    require_phase(election, ElectionPhase.FROZEN)
    election.phase = ElectionPhase.OPEN
    return _save(election, actor=actor, reason=reason)


# --- Voting -----------------------------------------------------------------------------------


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
    if contest.method in MARKED and limit is not None and len(choices) > limit:
        message = ngettext(
            "Mark at most %(n)s candidate: more makes the ballot invalid.",
            "Mark at most %(n)s candidates: more makes the ballot invalid.",
            limit,
        )
        raise ValidationError({"choices": message % {"n": limit}})
    # The counter's own validity rules have the last word (a blank ranked ballot is allowed: it is a
    # spoilt paper, counted in turnout and in no one's total).
    labels = candidate_labels(candidates)
    if choices:
        result = contest_count_of(contest, candidates, [counting_ballot(contest, labels, choices)], seed=0)
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


def _judge(
    context: VoteContext,
    contest: Contest,
    choices: Sequence[int],
    *,
    channel: str,
    actor: Any,
    voter: Any,
    now: dt.datetime,
) -> list[int]:
    """Every rule of a cast, judged on what ``context`` read: the ballot's candidate ids, or the refusal.

    The review step is judged by this and nothing else, writing nothing; the cast judges the same way, then
    the statement that records the participation decides again, inside the transaction, what may have changed
    since the read (``_participations_insert``).
    """
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose one of: %(c)s.") % {"c": "; ".join(map(str, Channel.labels))}})
    if channel != Channel.ONLINE and not roles.is_staff_member(actor):
        raise PermissionDenied(_("Only staff enter paper and proxy ballots."))
    election, entry = context.election, context.entry
    require_phase(election, ElectionPhase.OPEN)
    if now < election.opens_at:
        raise ValidationError({"phase": _("Voting has not opened yet.")})
    if channel == Channel.ONLINE and now >= election.closes_at:
        raise ValidationError({"phase": _("Voting closed at %(t)s.") % {"t": election.closes_at}})
    if entry is None or (voter is not None and entry.person_id != voter.pk):
        # The same answer for another person's code as for a code that does not exist: anything else would
        # confirm a guessed code.
        raise ValidationError({"code": _("This access code is not valid for this election.")})
    if not contest_takes_ballot(contest):
        message = _("No ballot is taken in %(title)s: it was settled without a vote.") % {"title": contest.title}
        raise ValidationError({"contest": message})
    if entry.member_class not in contest.eligible_classes:
        raise ValidationError({"contest": _("Your access code does not give a vote in this contest.")})
    if channel == Channel.PROXY:
        _check_proxy(election, entry)
    if contest.pk in context.voted:
        raise ValidationError({"code": already_voted_message()})
    return _check_choices(contest, context.candidates[contest.pk], list(choices))


def _participations_insert(context: VoteContext, contest_ids: list[int], channel: str, now: dt.datetime) -> set[int]:
    """Record that the entry voted in each contest, in one statement; the contests it was recorded in.

    The statement is the cast's race-safe check: the unique (contest, roll entry) index with ``ON CONFLICT DO
    NOTHING`` leaves out a contest already voted in (PostgreSQL waits for a concurrent cast of the same code
    to commit or roll back first), and the election's phase and window are part of its ``WHERE``, read on
    PostgreSQL under a shared lock (``FOR SHARE``) held until the cast commits: ``election_close`` (``FOR
    UPDATE``) waits for casts in flight, and a cast queued behind the close finds the election closed. SQLite
    runs one write transaction at a time (``IMMEDIATE``), so its ``WHERE`` is read with no writer between.
    """
    quote, ops = connection.ops.quote_name, connection.ops
    models = (("p", Participation), ("c", Contest), ("e", Election))
    tables = {name: quote(model._meta.db_table) for name, model in models}
    params: list[Any] = [context.entry.pk, channel, *contest_ids, context.election.pk, ElectionPhase.OPEN]
    params.append(ops.adapt_datetimefield_value(now))
    window = ""
    if channel == Channel.ONLINE:
        window = " AND e.closes_at > %s"
        params.append(ops.adapt_datetimefield_value(now))
    lock = " FOR SHARE OF e" if connection.vendor == "postgresql" else ""
    sql = (
        f"INSERT INTO {tables['p']} (contest_id, roll_entry_id, channel) "
        f"SELECT c.id, %s, %s FROM {tables['c']} c INNER JOIN {tables['e']} e ON e.id = c.election_id "
        f"WHERE c.id IN ({', '.join(['%s'] * len(contest_ids))}) AND e.id = %s AND e.phase = %s "
        f"AND e.opens_at <= %s{window}{lock} "
        "ON CONFLICT (contest_id, roll_entry_id) DO NOTHING RETURNING contest_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _record(
    context: VoteContext,
    ballots: list[tuple[Contest, list[int], list[int]]],
    *,
    channel: str,
    actor: Any,
    now: dt.datetime,
) -> list[tuple[Contest, str]]:
    """Inside the cast's transaction: the participations, then the ballots, sealed; ``(contest, receipt)`` each.

    ``ballots``: ``(contest, chosen ids, every candidate id)``. Three statements whatever the number of
    contests, and a fourth the first time the entry votes (its channel on the roll).
    """
    recorded = _participations_insert(context, [contest.pk for contest, _, _ in ballots], channel, now)
    refused = [contest for contest, _, _ in ballots if contest.pk not in recorded]
    if refused:
        # Left out by the statement: the election closed meanwhile, or a ballot was cast since the read.
        context.election = Election.objects.get(pk=context.election.pk)
        context.voted |= {contest.pk for contest in refused}
        try:
            _judge(context, refused[0], [], channel=channel, actor=actor, voter=None, now=now)
        except ValidationError as refusal:
            raise BallotRefused(refusal, refused[0]) from None
        raise BallotRefused(ValidationError({"code": already_voted_message()}), refused[0])
    receipts = [(contest, new_receipt()) for contest, _, _ in ballots]
    # Sealed, not yet in the ballot box: this transaction's traces are also the participations'.
    SealedBallot.objects.bulk_create(
        SealedBallot(contest=contest, sealed=ballot_box.seal(contest, receipt, chosen, candidates=everyone))
        for (contest, chosen, everyone), (_contest, receipt) in zip(ballots, receipts, strict=True)
    )
    entry = context.entry
    if not entry.channel:
        RollEntry.objects.filter(pk=entry.pk, channel="").update(channel=channel)
        entry.channel = channel
    k = ballot_box.anonymity_set()
    ballot_box.unseal_later(contest for contest, _, _ in ballots if context.waiting.get(contest.pk, k) + 1 >= k)
    return receipts


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
    """Cast one ballot with an access code and return its receipt code (``ballots_cast`` for one contest).

    ``voter``: the person a signed-in caller is; when given, the code must be the one issued to them (the API
    casts only the caller's own ballot; the vote page, like a mailed ballot, takes the code alone).

    In one transaction: the ``Participation`` (unique per contest and entry) and the ballot, sealed (it joins
    the ``Ballot`` table later, shuffled with others: see ``ballot_box``). A second ballot for the same
    contest is refused (``already_voted_message``) and nothing is written. Online ballots stop at
    ``closes_at``; paper and proxy ballots are entered by staff (``actor``) and may be entered after it, as
    papers received by the deadline are.
    """
    election = Election.objects.get(pk=contest.election_id)  # as it is now, not as the caller last saw it
    try:
        ((_contest, receipt),) = ballots_cast(
            election=election,
            code=code,
            choices=[(contest, choices)],
            channel=channel,
            actor=actor,
            reason=reason,
            voter=voter,
        )
    except BallotRefused as refused:
        raise ValidationError(refused) from None
    return receipt


class BallotRefused(ValidationError):
    """A contest's ballot refused within ``ballots_cast``: the refusal as ``ballot_cast`` gave it, and its contest."""

    def __init__(self, error: ValidationError, contest: Contest) -> None:
        super().__init__(error)
        self.contest = contest


def ballots_cast(
    *,
    election: Election,
    code: str,
    choices: Sequence[tuple[Contest, Sequence[int]]],
    channel: str = Channel.ONLINE,
    actor: Any = None,
    reason: str = "",
    voter: Any = None,
    dry_run: bool = False,
    context: VoteContext | None = None,
) -> list[tuple[Contest, str]]:
    """Cast one access code's ballots, ``(contest, choices)`` each, in ONE transaction: all are stored or none.

    Each ballot is judged by every rule of a cast (phase, window, code, the caller's own code, eligibility,
    channel, proxy, second ballot, validity); the first refusal stores nothing and is raised as
    :class:`BallotRefused`, naming its contest. Returns ``(contest, receipt)`` in the order given.
    ``dry_run`` judges and writes nothing (no receipt): the confirmation step is judged by the very rules of
    the cast, not by a copy of them. ``context``: what the caller already read for this code
    (``selectors.vote_context``), so that nothing is read twice; without it, it is read here. The vote page
    casts every contest of a code; the API one.
    """
    seen: set[int] = set()
    for contest, _marks in choices:
        if contest.election_id != election.pk:
            message = _("%(title)s is not a contest of %(name)s.") % {"title": contest.title, "name": election.name}
            raise BallotRefused(ValidationError({"contest": message}), contest)
        if contest.pk in seen:  # one participation could not stand for two ballots
            raise BallotRefused(ValidationError({"code": already_voted_message()}), contest)
        seen.add(contest.pk)
    if context is None or context.election.pk != election.pk:
        context = vote_context(code, election, [contest for contest, _marks in choices])
    missing = [contest.pk for contest, _marks in choices if contest.pk not in context.candidates]
    if missing:
        context.candidates.update(candidates_by_contest(missing))
    now = clock.now()
    judged = []
    for contest, marks in choices:
        try:
            chosen = _judge(context, contest, marks, channel=channel, actor=actor, voter=voter, now=now)
        except ValidationError as refusal:
            raise BallotRefused(refusal, contest) from refusal
        judged.append((contest, chosen, [c.pk for c in context.candidates[contest.pk]]))
    if dry_run or not judged:
        return []
    with transaction.atomic():
        return _record(context, judged, channel=channel, actor=actor, now=now)


# --- Closing, counting, certifying ------------------------------------------------------------


@transaction.atomic
def election_close(*, actor: Any, reason: str, election: Election) -> Election:
    election = locked_election(election)
    require_phase(election, ElectionPhase.OPEN)
    if not (roles.is_staff_member(actor) or is_officer(actor, election)):
        raise PermissionDenied(_("Only staff or the election officer close an election."))
    election.phase = ElectionPhase.CLOSED
    for contest in election.contests.all():
        # The last sealed ballots join the box, and the whole box is stored in one random order.
        ballot_box.shuffle_contest(contest)
    return _save(election, actor=actor, reason=reason)


@transaction.atomic
def election_count(*, actor: Any, reason: str, election: Election) -> Election:
    """Count every contest and store each result (the full round table); a recount before certification
    gives the same result, the tie-break seed being fixed."""
    election = locked_election(election)
    require_phase(election, ElectionPhase.CLOSED, ElectionPhase.COUNTED)
    if not (roles.is_staff_member(actor) or is_officer(actor, election)):
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
            raise ValidationError({"tie_break_rules": tie_unresolved_text(exc)}) from exc
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
    """Seat the winners through the board's services (``board_terms_from_result``, which keeps the stagger
    groups); returns how many terms started."""
    started = 0
    for contest in election.contests.exclude(seat_class=None).select_related("seat_class"):
        winner_ids = (contest.result or {}).get("winner_ids", [])
        people_by_candidate = {
            c.pk: c.person for c in Candidate.objects.filter(pk__in=winner_ids).select_related("person")
        }
        people = [people_by_candidate[pk] for pk in winner_ids]  # in order of election
        if not people:
            continue
        basis = TermBasis.ACCLAIMED if (contest.result or {}).get("acclaimed") else TermBasis.ELECTED
        board_services.board_terms_from_result(
            actor=actor,
            reason=reason,
            seat_class=contest.seat_class,
            people=people,
            starts_on=on,
            basis=basis,
            reference=f"{election.name}: {contest.title}",
        )
        started += len(people)
    return started


@transaction.atomic
def election_certify(*, actor: Any, reason: str, election: Election, terms_start_on: dt.date | None = None) -> Election:
    """The election officer signs the counted result off; the winners' board terms then start."""
    election = locked_election(election)
    require_phase(election, ElectionPhase.COUNTED)
    if not is_officer(actor, election):
        raise PermissionDenied(_("Only the election officer certifies the result."))
    election.phase = ElectionPhase.CERTIFIED
    election.certified_by = actor
    election.certified_at = clock.now()
    _save(election, actor=actor, reason=reason)
    _start_terms(actor=actor, reason=reason, election=election, on=terms_start_on or clock.today())
    return election
