"""Services of the board: seat classes, terms, vacancies, removals.

Each service takes keyword-only arguments with the acting user and a reason, runs in one transaction, checks
the pure rules of ``governance.board.rules`` (term limits, breaks, overlaps, seats) and the candidate pool through
``governance.membership.selectors.standing_of``, validates with ``full_clean()`` and stamps the history. A refusal is a
``ValidationError`` naming the field and the reason, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clt import clock
from clt.formats import date_text
from clt.history import actor_or_none as _actor_or_none
from clt.history import require_reason, save_stamped
from clt.models import Person
from governance.board import rules
from governance.board.models import BoardTerm, SeatClass, Selection, TermBasis, TermEnd, VacancyFill
from governance.board.selectors import notice_text, seat_rule, term_fact
from governance.membership.models import MemberClass
from governance.membership.selectors import standing_of

__all__ = [
    "EARLY_ENDS",
    "board_term_end",
    "board_term_start",
    "board_terms_from_result",
    "seat_class_create",
    "seat_class_update",
    "vacancy_fill",
]

# The reasons a term ends before its scheduled end through ``board_term_end``.
EARLY_ENDS = (TermEnd.RESIGNED, TermEnd.REMOVED, TermEnd.DIED, TermEnd.DISQUALIFIED)
SEAT_CLASS_FIELDS = tuple(
    f.name for f in SeatClass._meta.concrete_fields if f.name not in ("id", "created", "last_updated")
)


_require_reason = require_reason


_save = save_stamped


# --- Seat classes ----------------------------------------------------------------------------------


def _holders_ahead(seat_class: SeatClass, today: dt.date) -> int:
    """The most terms of the class in force together on any day from today on (current and future terms)."""
    terms = [term_fact(t) for t in seat_class.terms.all()]
    ends = [t.end for t in terms if t.end > today]
    if not ends:
        return 0
    return rules.max_concurrent(terms, today, max(ends))


def _apply_fields(seat_class: SeatClass, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name not in SEAT_CLASS_FIELDS:
            raise ValidationError({name: [_("Not a field of a seat class.")]})
        if name in ("electorate", "candidate_pool") and isinstance(value, list | tuple):
            value = [str(v) for v in value]
        setattr(seat_class, name, value)


@transaction.atomic
def seat_class_create(*, actor: Any, reason: str, code: str, name: str, **fields: Any) -> SeatClass:
    """A class of board seats (R1): a fixed number of seats, or a floor and a cap."""
    reason = _require_reason(reason)
    seat_class = SeatClass(code=code, name=name)
    _apply_fields(seat_class, fields)
    return _save(seat_class, actor=actor, reason=reason)


@transaction.atomic
def seat_class_update(*, seat_class: SeatClass, actor: Any, reason: str, **fields: Any) -> SeatClass:
    """Change a seat class. It cannot lose seats below the terms it holds now or later: end those terms first."""
    reason = _require_reason(reason)
    seat_class = SeatClass.objects.select_for_update().get(pk=seat_class.pk)
    _apply_fields(seat_class, fields)
    if seat_class.seats is not None:
        held = _holders_ahead(seat_class, clock.today())
        if seat_class.seats < held:
            raise ValidationError(
                {
                    "seats": [
                        _("%(held)s terms are held in this class now or later: end some before cutting to %(seats)s.")
                        % {"held": held, "seats": seat_class.seats}
                    ]
                }
            )
    return _save(seat_class, actor=actor, reason=reason)


# --- Terms -----------------------------------------------------------------------------------------


def _check_pool(seat_class: SeatClass, person: Person, on: dt.date) -> None:
    """R1: the person must be in the class's candidate pool on the start date (an empty pool: anyone)."""
    pool = list(seat_class.candidate_pool or [])
    if not pool:
        return
    standing = standing_of(person, on)
    if standing.member_class not in pool:
        labels = ", ".join(str(MemberClass(value).label) for value in pool)
        why = "; ".join(standing.reasons)
        message = _("%(person)s is not in this class's candidate pool (%(pool)s) on %(date)s.") % {
            "person": person,
            "pool": labels,
            "date": date_text(on),
        }
        raise ValidationError({"person": [f"{message} {why}".strip()]})


def _check_term(seat_class: SeatClass, person: Person, starts_on: dt.date, ends_on: dt.date) -> None:
    if ends_on <= starts_on:
        raise ValidationError({"ends_on": [_("A term ends after it starts.")]})
    rule = seat_rule(seat_class)
    past = [term_fact(t) for t in BoardTerm.objects.filter(person=person)]
    notices = rules.standing_check(rule, past, starts_on, ends_on)
    for notice in notices:
        field = "starts_on" if notice.code == rules.OVERLAP else "person"
        raise ValidationError({field: [notice_text(notice)]})
    if seat_class.seats is not None:
        # Locks the class's terms so two starts at once cannot both take the last seat.
        others = [term_fact(t) for t in BoardTerm.objects.select_for_update().filter(seat_class=seat_class)]
        taken = rules.max_concurrent(others, starts_on, ends_on)
        if taken >= seat_class.seats:
            raise ValidationError(
                {
                    "seat_class": [
                        _("All %(seats)s seats of %(name)s are held during this term: end a term first.")
                        % {"seats": seat_class.seats, "name": seat_class.name}
                    ]
                }
            )


@transaction.atomic
def board_term_start(
    *,
    seat_class: SeatClass,
    person: Person,
    starts_on: dt.date,
    basis: str,
    reference: str = "",
    actor: Any,
    reason: str,
    ends_on: dt.date | None = None,
    stagger_group: int | None = None,
    replaces: BoardTerm | None = None,
) -> BoardTerm:
    """Seat ``person`` in ``seat_class`` from ``starts_on`` (R1, R6).

    Elections call this with ``basis`` elected or acclaimed (see ``board_terms_from_result``). ``ends_on``
    defaults to ``term_years`` later; at founding pass the staggered end (``governance.board.rules.founding_terms``).
    Refuses a person outside the candidate pool, past their term limit or break, already holding a term in the
    period, or a class whose seats are all held.
    """
    reason = _require_reason(reason)
    seat_class = SeatClass.objects.select_for_update().get(pk=seat_class.pk)
    if basis not in TermBasis.values:
        raise ValidationError({"basis": [_("Not a way of taking a seat.")]})
    if ends_on is None:
        ends_on = rules.add_years(starts_on, seat_class.term_years)
    _check_pool(seat_class, person, starts_on)
    _check_term(seat_class, person, starts_on, ends_on)
    term = BoardTerm(
        seat_class=seat_class,
        person=person,
        basis=basis,
        stagger_group=stagger_group,
        starts_on=starts_on,
        ends_on=ends_on,
        reference=reference or "",
        replaces=replaces,
        actor=_actor_or_none(actor),
    )
    return _save(term, actor=actor, reason=reason)


@transaction.atomic
def board_terms_from_result(
    *,
    seat_class: SeatClass,
    people: Sequence[Person],
    starts_on: dt.date,
    basis: str = TermBasis.ELECTED,
    reference: str = "",
    actor: Any,
    reason: str,
) -> list[BoardTerm]:
    """The terms of the winners of a certified election (elections call this, or ``board_term_start`` each).

    One transaction: every winner is seated or none is. Each term gets the class's full ``term_years``; the
    stagger group is taken from the term of the class ending on ``starts_on`` that each winner succeeds, in order.
    """
    ending = list(
        BoardTerm.objects.filter(seat_class=seat_class, ends_on=starts_on, ended_on__isnull=True)
        .order_by("stagger_group", "pk")
        .values_list("stagger_group", flat=True)
    )
    terms = []
    for index, person in enumerate(people):
        terms.append(
            board_term_start(
                seat_class=seat_class,
                person=person,
                starts_on=starts_on,
                basis=basis,
                reference=reference,
                actor=actor,
                reason=reason,
                stagger_group=ending[index] if index < len(ending) else None,
            )
        )
    return terms


@transaction.atomic
def board_term_end(
    *,
    term: BoardTerm,
    ended_on: dt.date,
    end_reason: str,
    reference: str = "",
    actor: Any,
    reason: str,
) -> BoardTerm:
    """End a term early (R11, R12): resigned, removed (by the electing class: give the vote's reference), died,
    or disqualified. The seat becomes a vacancy from ``ended_on``."""
    reason = _require_reason(reason)
    term = BoardTerm.objects.select_for_update().select_related("seat_class", "person").get(pk=term.pk)
    if term.ended_on is not None:
        raise ValidationError(
            {"ended_on": [_("This term already ended on %(date)s.") % {"date": date_text(term.ended_on)}]}
        )
    if end_reason not in EARLY_ENDS:
        raise ValidationError({"end_reason": [_("Resigned, removed, died or disqualified.")]})
    if not term.starts_on <= ended_on < term.ends_on:
        raise ValidationError(
            {
                "ended_on": [
                    _("A term ends early between its start (%(start)s) and the day before its end (%(end)s).")
                    % {"start": date_text(term.starts_on), "end": date_text(term.ends_on)}
                ]
            }
        )
    reference = (reference or "").strip()
    if end_reason == TermEnd.REMOVED and not reference:
        raise ValidationError({"reference": [_("A removal needs the reference of the electing class's vote.")]})
    term.ended_on = ended_on
    term.end_reason = end_reason
    if reference:
        term.reference = f"{term.reference}; {reference}" if term.reference else reference
    return _save(term, actor=actor, reason=reason)


@transaction.atomic
def vacancy_fill(
    *,
    vacated: BoardTerm,
    person: Person,
    starts_on: dt.date,
    next_annual_meeting: dt.date | None = None,
    reference: str = "",
    actor: Any,
    reason: str,
) -> BoardTerm:
    """Fill the seat left by ``vacated`` (R11) per its class's rules.

    The board or the class's members fill it (``vacancy_fill``); when the class leaves it to the next annual
    meeting, that meeting's election seats someone instead. The filler serves the rest of the term, or until
    the next annual meeting (whose date is then needed), never past the vacated term's end.
    """
    reason = _require_reason(reason)
    vacated = BoardTerm.objects.select_for_update().select_related("seat_class").get(pk=vacated.pk)
    seat_class = vacated.seat_class
    if vacated.ended_on is None or vacated.ended_on >= vacated.ends_on:
        raise ValidationError({"vacated": [_("This term has not ended early: there is no vacancy to fill.")]})
    if seat_class.vacancy_fill == VacancyFill.NEXT_ANNUAL_MEETING:
        raise ValidationError(
            {"vacated": [_("%(name)s leaves vacancies to the next annual meeting's election.") % {"name": seat_class}]}
        )
    if vacated.replaced_by.filter(ended_on__isnull=True).exists():
        raise ValidationError({"vacated": [_("This vacancy is already filled.")]})
    if starts_on < vacated.ended_on:
        raise ValidationError(
            {"starts_on": [_("The seat is vacant from %(date)s.") % {"date": date_text(vacated.ended_on)}]}
        )
    try:
        ends_on = rules.vacancy_end(
            seat_class.vacancy_serves,
            vacated_ends_on=vacated.ends_on,
            starts_on=starts_on,
            next_annual_meeting=next_annual_meeting,
        )
    except ValueError as error:
        field = str(error)
        if field == "next_annual_meeting":
            raise ValidationError(
                {field: [_("Give the date of the next annual meeting, after the start: the filler serves until then.")]}
            ) from None
        raise ValidationError(
            {"starts_on": [_("The vacated term ends on %(date)s.") % {"date": date_text(vacated.ends_on)}]}
        ) from None
    return board_term_start(
        seat_class=seat_class,
        person=person,
        starts_on=starts_on,
        ends_on=ends_on,
        basis=TermBasis.VACANCY,
        reference=reference,
        actor=actor,
        reason=reason,
        stagger_group=vacated.stagger_group,
        replaces=vacated,
    )


# Selections whose terms are not elected: used by pages to offer the matching basis.
SELECTION_BASIS = {
    Selection.ELECTED: TermBasis.ELECTED,
    Selection.APPOINTED: TermBasis.APPOINTED,
    Selection.BOARD_SLATE_RATIFIED: TermBasis.RATIFIED,
    Selection.EX_OFFICIO: TermBasis.EX_OFFICIO,
}
