"""API of the board: serializers and viewsets.

Who may do what: the board is public to the trust, so every signed-in user (member, homeowner, board member,
staff, or a login with no role at all) reads the seat classes, the terms and the roster; only staff write,
through ``governance.board.services``. Anonymous requests are refused (401/403): the public reads the roster page.

- ``seat-classes/``: list, read; staff create and change (PATCH).
- ``board-terms/``: list (filters ``seat_class``, ``person``, ``on``: in force that day), read, history;
  staff start a term (POST), end one early (``POST board-terms/{id}/end/``) and fill the vacancy a term left
  (``POST board-terms/{id}/fill/``).
- ``board/roster/?on=DATE``: each class's seats, holders, vacancies and the warnings.

Seat classes and terms are public records: their ``visible_to`` is everything, for everyone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from clt import clock, roles
from clt.api.viewsets import HistoryMixin, reason_taken
from clt.models import Person
from governance.board import selectors, services
from governance.board.api.serializers import (
    BoardRosterQuerySerializer,
    BoardRosterSerializer,
    BoardSeatClassSerializer,
    BoardTermEndSerializer,
    BoardTermSerializer,
    BoardVacancyFillSerializer,
)
from governance.board.filters import BoardTermFilterSet, SeatClassFilterSet
from governance.board.models import BoardTerm, SeatClass

__all__ = ["BoardSeatClassViewSet", "BoardTermViewSet", "BoardViewSet", "SignedInReadStaffWrite"]


class SignedInReadStaffWrite(BasePermission):
    """Any signed-in user reads; staff write."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return request.method in SAFE_METHODS or roles.is_staff_member(user)


def roster_data(on: dt.date) -> dict[str, Any]:
    """The roster as plain data (the API and tests read it)."""
    roster, classes, _terms = selectors.board_roster(on)
    names = {key: c.name for key, c in classes.items()}
    return {
        "on": on,
        "board_size": roster.board_size,
        "sitting": roster.sitting,
        "classes": [
            {
                "seat_class": classes[entry.rule.key].pk,
                "code": classes[entry.rule.key].code,
                "name": entry.rule.name,
                "seats": entry.seats,
                "min_seats": entry.floor,
                "cap": entry.cap,
                "vacancies": entry.vacancies,
                "intended_share": str(entry.intended_share) if entry.intended_share is not None else None,
                "share": str(entry.share) if entry.share is not None else None,
                "holders": [
                    {
                        "term": t.key,
                        "person": t.person_key,
                        "person_name": t.person_name,
                        "basis": t.basis,
                        "stagger_group": t.stagger_group,
                        "starts_on": t.starts_on,
                        "ends_on": t.ends_on,
                    }
                    for t in entry.holders
                ],
                "vacated": [
                    {"term": t.key, "person_name": t.person_name, "ended_on": t.ended_on, "ends_on": t.ends_on}
                    for t in entry.vacated
                ],
            }
            for entry in roster.classes
        ],
        "warnings": [
            {
                "code": n.code,
                "seat_class": classes[n.class_key].pk if n.class_key in classes else None,
                "message": selectors.notice_text(n, names),
            }
            for n in roster.warnings
        ],
    }


# --- Viewsets --------------------------------------------------------------------------------------


class BoardSeatClassViewSet(
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The board's seat classes (R1). Signed-in users read; staff create and change them (PATCH)."""

    serializer_class = BoardSeatClassSerializer
    permission_classes = [SignedInReadStaffWrite]
    filterset_class = SeatClassFilterSet
    ordering_fields = ["order", "name", "code"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return SeatClass.objects.visible_to(self.request.user).order_by("order", "name", "pk")


class BoardTermViewSet(
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Board terms. Signed-in users read; staff start terms, end them early and fill vacancies."""

    serializer_class = BoardTermSerializer
    permission_classes = [SignedInReadStaffWrite]
    filterset_class = BoardTermFilterSet
    ordering_fields = ["starts_on", "ends_on"]

    def get_queryset(self) -> QuerySet:
        return (
            BoardTerm.objects.visible_to(self.request.user)
            .select_related("seat_class", "person")
            .order_by("seat_class__order", "-starts_on", "pk")
        )

    @extend_schema(
        summary="End a term early: resigned, removed (give the vote's reference), died or disqualified",
        request=BoardTermEndSerializer,
        responses=BoardTermSerializer,
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        term = self.get_object()
        body = BoardTermEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        reason = reason_taken(request, data, _("Board term ended through the API"))
        term = services.board_term_end(term=term, actor=request.user, reason=reason, **data)
        return Response(BoardTermSerializer(self.get_queryset().get(pk=term.pk)).data)

    @extend_schema(
        summary="Fill the vacancy this term left, per its class's vacancy rules",
        request=BoardVacancyFillSerializer,
        responses={201: BoardTermSerializer},
    )
    @action(detail=True, methods=["post"])
    def fill(self, request: Request, pk: str | None = None) -> Response:
        vacated = self.get_object()
        body = BoardVacancyFillSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        person = Person.objects.filter(pk=data.pop("person")).first()
        if person is None:
            raise serializers.ValidationError({"person": [_("No such person.")]})
        reason = reason_taken(request, data, _("Vacancy filled through the API"))
        term = services.vacancy_fill(vacated=vacated, person=person, actor=request.user, reason=reason, **data)
        return Response(BoardTermSerializer(self.get_queryset().get(pk=term.pk)).data, status=status.HTTP_201_CREATED)


class BoardViewSet(viewsets.GenericViewSet):
    """The board as a whole."""

    permission_classes = [SignedInReadStaffWrite]
    serializer_class = BoardRosterSerializer
    pagination_class = None

    @extend_schema(
        summary="The roster on a date: each class's seats, holders, vacancies, and warnings",
        parameters=[OpenApiParameter("on", OpenApiTypes.DATE, description="Defaults to today.")],
        responses=BoardRosterSerializer,
        filters=False,
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def roster(self, request: Request) -> Response:
        query = BoardRosterQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or clock.today()
        return Response(BoardRosterSerializer(roster_data(on)).data)
