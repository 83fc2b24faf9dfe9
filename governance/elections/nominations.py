"""Services of candidates and nominations (R7, R8): how a candidate reaches the ballot, and leaves it.

``candidate_nominate`` takes a nomination by one of the trust's modes while the election is a draft;
``candidate_standing`` (``governance.elections.selectors``) says whether a candidate stands (not withdrawn,
consented when required, a petition with enough signatures). A class short of candidates may be opened to
another class before the freeze (``contest_open_to_class``); what the freeze does with the candidates who
do not stand, and with contests short of them, is ``roll_freeze``'s (``governance.elections.services``).

Like every service: keyword-only arguments with the acting user and a reason, one transaction, a refusal
is a ``ValidationError`` naming the field and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clt.formats import date_text
from clt.history import require_reason, save_stamped, stamp
from clt.models import Person
from governance.board.models import Shortfall
from governance.elections import counting
from governance.elections.models import Candidate, Contest, ElectionPhase, PetitionSignature
from governance.elections.selectors import nominations_close_on, standing_candidates
from governance.elections.services import locked_election, require_phase
from governance.membership.models import GovernanceSettings, MemberClass, NominationMode
from governance.membership.selectors import standing_of

__all__ = [
    "candidate_add",
    "candidate_consent",
    "candidate_nominate",
    "candidate_withdraw",
    "contest_open_to_class",
    "petition_sign",
]


def _consent_required() -> bool:
    # R7: a setting of the trust, not a constant.
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
    require_phase(locked_election(contest.election), ElectionPhase.DRAFT)
    if consented_on is None and _consent_required():
        raise ValidationError({"consented_on": _("The candidate's consent to stand is required: give its date.")})
    candidate = _new_candidate(contest, person, ballot_order, consented_on=consented_on)
    return save_stamped(candidate, actor=actor, reason=reason)


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
    require_phase(
        locked_election(candidate.contest.election), ElectionPhase.DRAFT, ElectionPhase.FROZEN, ElectionPhase.OPEN
    )
    candidate.withdrawn = True
    return save_stamped(candidate, actor=actor, reason=reason)


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
    on = contest.election.record_date
    standing = standing_of(person, on)
    if standing.member_class in allowed:
        return
    message = _("%(person)s may not stand for %(contest)s: on %(date)s they are not in %(pool)s.") % {
        "person": person,
        "contest": contest.title,
        "date": date_text(on),
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
    election = locked_election(contest.election)
    require_phase(election, ElectionPhase.DRAFT)
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
        raise ValidationError({"nominated_on": _("Nominations closed on %(date)s.") % {"date": date_text(close)}})
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
    return save_stamped(candidate, actor=actor, reason=reason)


@transaction.atomic
def candidate_consent(*, actor: Any, reason: str, candidate: Candidate, consented_on: dt.date) -> Candidate:
    """Record the candidate's written consent to stand (R7), while the election is a draft."""
    reason = require_reason(reason)
    require_phase(locked_election(candidate.contest.election), ElectionPhase.DRAFT)
    if consented_on is None:
        raise ValidationError({"consented_on": _("Give the date of the consent.")})
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.withdrawn:
        raise ValidationError({"candidate": _("%(person)s has withdrawn.") % {"person": candidate.person}})
    candidate.consented_on = consented_on
    return save_stamped(candidate, actor=actor, reason=reason)


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
    election = locked_election(contest.election)
    require_phase(election, ElectionPhase.DRAFT)
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
        raise ValidationError({"signed_on": _("Nominations closed on %(date)s.") % {"date": date_text(close)}})
    standing = standing_of(person, election.record_date, settings=settings)
    if not standing.votes:
        why = "; ".join(standing.reasons)
        message = _("%(person)s has no vote on the record date (%(date)s).") % {
            "person": person,
            "date": date_text(election.record_date),
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
    save_stamped(signature, actor=actor, reason=reason)
    # The signature has no history of its own: the candidate's history says who recorded it and why.
    note = _("%(reason)s (petition signed by %(person)s)") % {"reason": reason, "person": person}
    stamp(candidate, actor=actor, reason=note)
    candidate.save(update_fields=["last_updated"])
    return signature


@transaction.atomic
def contest_open_to_class(*, actor: Any, reason: str, contest: Contest, classes: Sequence[str]) -> Contest:
    """R8: invite members of other classes to stand for a class short of candidates, before the freeze.

    Only where the seat class's shortfall rule is ``open_to_other_class`` and the contest has fewer standing
    candidates than seats.
    """
    reason = require_reason(reason)
    require_phase(locked_election(contest.election), ElectionPhase.DRAFT)
    contest = Contest.objects.select_related("seat_class", "election").get(pk=contest.pk)
    seat_class = contest.seat_class
    if seat_class is None or seat_class.shortfall != Shortfall.OPEN_TO_OTHER_CLASS:
        raise ValidationError(
            {"contest": _("The bylaws do not open this contest's seats to another class when candidates are short.")}
        )
    if not isinstance(classes, list | tuple) or not classes or not set(classes) <= set(MemberClass.values):
        raise ValidationError(
            {
                "classes": _("Choose at least one member class: %(classes)s.")
                % {"classes": "; ".join(map(str, MemberClass.labels))}
            }
        )
    standing, _dropped = standing_candidates(contest, GovernanceSettings.current())
    if len(standing) >= contest.seats:
        raise ValidationError(
            {
                "contest": _("%(contest)s has %(n)s standing candidates for %(seats)s seats: it is not short.")
                % {"contest": contest.title, "n": len(standing), "seats": contest.seats}
            }
        )
    contest.open_to_classes = sorted(set(classes), key=MemberClass.values.index)
    return save_stamped(contest, actor=actor, reason=reason)
