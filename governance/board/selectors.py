"""Reading the board: its rows as the pure core sees them (``governance.board.rules``), the roster on a
date, and the core's notices as sentences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils import formats
from django.utils.translation import gettext as _

from clt.formats import date_text
from governance.board import rules
from governance.board.models import BoardTerm, SeatClass

__all__ = ["board_roster", "notice_text", "seat_rule", "term_fact"]


# --- Rows to the pure core -------------------------------------------------------------------------


def seat_rule(seat_class: SeatClass) -> rules.SeatRule:
    return rules.SeatRule(
        key=str(seat_class.pk),
        name=seat_class.name,
        seats=seat_class.seats,
        min_seats=seat_class.min_seats,
        max_share=Fraction(seat_class.max_share) if seat_class.max_share is not None else None,
        term_years=seat_class.term_years,
        stagger_groups=seat_class.stagger_groups,
        term_limit_consecutive=seat_class.term_limit_consecutive,
        break_years=seat_class.break_years,
    )


def term_fact(term: BoardTerm) -> rules.TermFact:
    """A term as the pure core sees it (``person`` should be loaded with ``select_related`` for the name)."""
    return rules.TermFact(
        key=term.pk,
        class_key=str(term.seat_class_id),
        person_key=term.person_id,
        starts_on=term.starts_on,
        ends_on=term.ends_on,
        ended_on=term.ended_on,
        person_name=str(term.person) if "person" in term._state.fields_cache else "",
        basis=term.basis,
        stagger_group=term.stagger_group,
        replaces=term.replaces_id,
    )


def _percent(value: Fraction | None) -> str:
    if value is None:
        return "–"
    # Rounded half up before formatting: Django's number_format cuts the digits it does not show.
    exact = Decimal(value.numerator * 100) / Decimal(value.denominator)
    return formats.number_format(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), 1)


def notice_text(notice: rules.Notice, names: dict[str, str] | None = None) -> str:
    """A notice of the pure core as a translated sentence; ``names`` maps class keys to names."""
    name = (names or {}).get(notice.class_key, notice.class_key)
    f = dict(notice.figures)
    if notice.code == rules.OVER_SEATS:
        return _("%(name)s: %(holders)s holders for %(seats)s seats.") % {"name": name, **f}
    if notice.code == rules.OVER_CAP:
        return _("%(name)s: %(holders)s holders, over its cap of %(cap)s on a board of %(board_size)s.") % {
            "name": name,
            **f,
        }
    if notice.code == rules.UNDER_FLOOR:
        return _("%(name)s: %(holders)s holders, under its floor of %(floor)s.") % {"name": name, **f}
    if notice.code == rules.OFF_SHARE:
        return _(
            "%(name)s: %(holders)s of the %(sitting)s sitting members (%(share)s %%); "
            "it should hold %(seats)s of %(board_size)s seats (%(intended)s %%)."
        ) % {
            "name": name,
            "holders": f["holders"],
            "sitting": f["sitting"],
            "share": _percent(f["share"]),
            "seats": f["seats"],
            "board_size": f["board_size"],
            "intended": _percent(f["intended"]),
        }
    if notice.code in (rules.TERM_LIMIT, rules.BREAK_NEEDED):
        return _(
            "Has served %(served)s consecutive terms (the limit is %(limit)s); may stand again from %(free_from)s."
        ) % {"served": f["served"], "limit": f["limit"], "free_from": date_text(f["free_from"])}
    if notice.code == rules.OVERLAP:
        return _("Already holds a board term from %(start)s to %(end)s.") % {
            "start": date_text(f["starts_on"]),
            "end": date_text(f["end"]),
        }
    return notice.code


# --- Reading ---------------------------------------------------------------------------------------


def board_roster(
    on: dt.date, *, classes: Iterable[SeatClass] | None = None, board_size: int | None = None
) -> tuple[rules.Roster, dict[str, SeatClass], dict[int, BoardTerm]]:
    """The roster on ``on`` with the rows behind it: two queries whatever the size of the board.

    Returns the pure roster, the seat classes by key and the terms by key (for names, references, links).
    """
    seat_classes = list(classes) if classes is not None else list(SeatClass.objects.order_by("order", "name"))
    terms = list(
        BoardTerm.objects.filter(seat_class__in=[c.pk for c in seat_classes])
        .select_related("person")
        .order_by("starts_on", "pk")
    )
    roster = rules.roster_on(
        [seat_rule(c) for c in seat_classes], [term_fact(t) for t in terms], on, board_size=board_size
    )
    return roster, {str(c.pk): c for c in seat_classes}, {t.pk: t for t in terms}
