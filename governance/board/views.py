"""Pages of the board.

``/governance/board/`` is public (a trust publishes its board): each class's seats, holders and term ends,
vacancies, and a chart of the board's composition by class against the intended shares. Staff also see the
warnings and links to edit seat classes, start and end terms and fill vacancies; those pages write through
``governance.board.services`` and show a service's refusal on the field it names, with nothing saved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from clt import charts, clock, roles
from clt.decorators import staff_required
from clt.views import form_page
from governance.board import rules, selectors, services
from governance.board.forms import SeatClassForm, TermEndForm, TermStartForm, VacancyFillForm
from governance.board.models import BoardTerm, SeatClass

# --- The roster page -------------------------------------------------------------------------------


BAR_COLOUR = "#1f4f8a"


@dataclass
class ChartRow:
    name: str
    holders: int
    seats: int
    y: int
    bars: tuple[charts.Bar, charts.Bar]  # the class's seats (a dashed outline) under the seats held (filled)
    share: str
    intended: str


@dataclass
class Chart:
    width: int
    height: int
    label_width: int
    rows: list[ChartRow] = field(default_factory=list)
    description: str = ""


def _percents(values: list[Fraction | None]) -> list[str]:
    """The shares of one whole as percentages that add up to 100 (``clt.charts.shares``); "–" where none."""
    rounded = iter(charts.shares([value for value in values if value is not None]))
    return ["–" if value is None else formats.number_format(next(rounded), 1) for value in values]


def composition_chart(roster: rules.Roster) -> Chart:
    """One row per class: its name above, then its seats (outline) and the seats held (filled), on one scale.

    The name has a line of its own so that a long one ("Leaseholder representatives", or longer in Spanish)
    is never cut; the seats held out of the seats stand at the right of the bar.
    """
    label_width, bar_space, row_height = 0, 400, 52
    top = max([max(c.seats or c.floor or 0, c.holder_count, c.cap or 0) for c in roster.classes] + [1])
    scale = charts.Scale(0, top, label_width, label_width + bar_space)
    chart = Chart(
        width=label_width + bar_space + 60, height=row_height * len(roster.classes) + 4, label_width=label_width
    )
    shares = _percents([entry.share for entry in roster.classes])
    intended = _percents([entry.intended_share for entry in roster.classes])
    for index, entry in enumerate(roster.classes):
        seats = entry.seats if entry.seats is not None else (entry.floor or 0)
        y = index * row_height + 22
        chart.rows.append(
            ChartRow(
                name=entry.rule.name,
                holders=entry.holder_count,
                seats=seats,
                y=y,
                bars=(
                    charts.row_bar(scale, seats, y=y, height=22, min_length=0, colour=BAR_COLOUR, outline=True),
                    charts.row_bar(scale, entry.holder_count, y=y, height=22, min_length=0, colour=BAR_COLOUR),
                ),
                share=shares[index],
                intended=intended[index],
            )
        )
    chart.description = charts.describe(
        (row.name, _("%(held)s of %(seats)s seats held") % {"held": row.holders, "seats": row.seats})
        for row in chart.rows
    )
    return chart


@dataclass
class ClassView:
    seat_class: SeatClass
    entry: rules.ClassRoster
    holders: list[BoardTerm]
    vacated: list[BoardTerm]
    empty_seats: range


def _parse_on(request: HttpRequest) -> tuple[dt.date, str]:
    raw = request.GET.get("on", "")
    if not raw:
        return clock.today(), ""
    try:
        return dt.date.fromisoformat(raw), ""
    except ValueError:
        return clock.today(), _("“%(value)s” is not a date (YYYY-MM-DD); showing today.") % {"value": raw}


@login_not_required
def board_roster(request: HttpRequest) -> HttpResponse:
    on, date_error = _parse_on(request)
    roster, classes, terms = selectors.board_roster(on)
    names = {key: c.name for key, c in classes.items()}
    views = [
        ClassView(
            seat_class=classes[entry.rule.key],
            entry=entry,
            holders=[terms[t.key] for t in entry.holders],
            vacated=[terms[t.key] for t in entry.vacated],
            empty_seats=range(max(entry.vacancies - len(entry.vacated), 0)),
        )
        for entry in roster.classes
    ]
    is_staff = roles.is_staff_member(request.user)
    return render(
        request,
        "governance/board/board_roster.html",
        {
            "on": on,
            "date_error": date_error,
            "roster": roster,
            "classes": views,
            "chart": composition_chart(roster),
            "warnings": [selectors.notice_text(n, names) for n in roster.warnings] if is_staff else [],
            "is_staff": is_staff,
        },
    )


# --- Staff pages -----------------------------------------------------------------------------------


def _board_form(
    request: HttpRequest, form: forms.Form, save: Any, *, title: str, success: str, **context: Any
) -> HttpResponse:
    """``clt.views.form_page`` for the board's forms: each ends on the roster."""
    return form_page(
        request,
        form,
        save,
        template="governance/board/board_form.html",
        success=success,
        next_url=reverse("governance:board_roster"),
        context={"title": title, **context},
    )


def _stated(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != "change_reason"}


@staff_required
def seat_class_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    seat_class = get_object_or_404(SeatClass.objects.visible_to(request.user), pk=pk) if pk is not None else None
    title = _("Edit %(name)s") % {"name": seat_class.name} if seat_class else _("New seat class")
    form = SeatClassForm(request.POST or None, instance=seat_class)

    def save(values: dict[str, Any]) -> Any:
        reason = values["change_reason"]
        if seat_class is None:
            return services.seat_class_create(actor=request.user, reason=reason, **_stated(values))
        return services.seat_class_update(
            seat_class=SeatClass.objects.get(pk=seat_class.pk), actor=request.user, reason=reason, **_stated(values)
        )

    return _board_form(request, form, save, title=title, success=_("Seat class saved."))


@staff_required
def term_start(request: HttpRequest) -> HttpResponse:
    initial = {"seat_class": request.GET.get("seat_class"), "starts_on": clock.today()}
    form = TermStartForm(request.POST or None, initial=initial)

    def save(data: dict[str, Any]) -> Any:
        return services.board_term_start(
            seat_class=data["seat_class"],
            person=data["person"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            basis=data["basis"],
            stagger_group=data["stagger_group"],
            reference=data["reference"],
            actor=request.user,
            reason=data["change_reason"],
        )

    return _board_form(request, form, save, title=_("Start a board term"), success=_("Term started."))


@staff_required
def term_end(request: HttpRequest, pk: int) -> HttpResponse:
    term = get_object_or_404(BoardTerm.objects.visible_to(request.user).select_related("person", "seat_class"), pk=pk)
    form = TermEndForm(request.POST or None, initial={"ended_on": clock.today()})

    def save(data: dict[str, Any]) -> Any:
        return services.board_term_end(
            term=term,
            ended_on=data["ended_on"],
            end_reason=data["end_reason"],
            reference=data["reference"],
            actor=request.user,
            reason=data["change_reason"],
        )

    title = _("End the term of %(person)s") % {"person": term.person}
    return _board_form(request, form, save, title=title, success=_("Term ended; the seat is vacant."), term=term)


@staff_required
def vacancy_fill(request: HttpRequest, pk: int) -> HttpResponse:
    vacated = get_object_or_404(
        BoardTerm.objects.visible_to(request.user).select_related("person", "seat_class"), pk=pk
    )
    form = VacancyFillForm(request.POST or None, initial={"starts_on": clock.today()})

    def save(data: dict[str, Any]) -> Any:
        return services.vacancy_fill(
            vacated=vacated,
            person=data["person"],
            starts_on=data["starts_on"],
            next_annual_meeting=data["next_annual_meeting"],
            reference=data["reference"],
            actor=request.user,
            reason=data["change_reason"],
        )

    title = _("Fill the seat left by %(person)s") % {"person": vacated.person}
    return _board_form(request, form, save, title=title, success=_("Vacancy filled."), term=vacated)
