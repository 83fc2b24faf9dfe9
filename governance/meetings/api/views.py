"""API of member meetings: meetings, agenda items, attendance, proxies, resolutions. Writes call the services.

Who may do what:

* ``meetings/``: members and staff read (members see a meeting once its notice is sent); staff create,
  change (PATCH) and run it: ``notice``, ``open``, ``adjourn``, ``cancel``, ``check-in``, ``check-out``
  (POST). ``meetings/{id}/quorum/`` (GET): the live quorum, for whoever reads the meeting (once it
  has adjourned, the quorum as it stood at adjournment).
* ``agenda-items/``: read with the meeting; staff add items.
* ``meeting-attendance/``: staff only (who was in the room).
* ``proxies/``: staff see all, record and revoke them; a member sees the proxies they gave or hold.
* ``resolutions/``: read with the meeting; staff propose, record the vote (``vote``) and withdraw.

Anonymous requests and logins without a role get nothing. A refusal of a service is HTTP 400 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from clt import roles
from clt.api.viewsets import HistoryMixin, reason_taken, validated_body
from clt.models import Person
from clt.permissions import IsCltStaff
from governance.meetings import selectors, services
from governance.meetings.api.serializers import (
    AgendaItemSerializer,
    AttendanceCorrectSerializer,
    MeetingAdjournSerializer,
    MeetingAttendanceSerializer,
    MeetingNoticeSerializer,
    MeetingOpenSerializer,
    MeetingPersonSerializer,
    MeetingReasonSerializer,
    MeetingSerializer,
    ProxyRevokeSerializer,
    ProxySerializer,
    QuorumSerializer,
    ResolutionSerializer,
    ResolutionVoteSerializer,
)
from governance.meetings.filters import (
    AgendaItemFilterSet,
    AttendanceFilterSet,
    MeetingFilterSet,
    ProxyFilterSet,
    ResolutionFilterSet,
)
from governance.meetings.models import AgendaItem, Attendance, Meeting, Proxy, Resolution

__all__ = [
    "AgendaItemViewSet",
    "MeetingAttendanceViewSet",
    "MeetingViewSet",
    "MembersReadStaffWrite",
    "ProxyViewSet",
    "ResolutionViewSet",
]


class MembersReadStaffWrite(BasePermission):
    """Members, board members and election officers read; staff read and write."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if roles.is_staff_member(user):
            return True
        if request.method not in SAFE_METHODS:
            return False
        # The election officer reads the meetings an election runs beside (quorum, proxies), never changes them.
        return roles.is_member(user) or roles.is_board_member(user) or roles.is_election_officer(user)


class SignedInReadStaffWrite(BasePermission):
    """Anyone with a role reads (the queryset narrows what); staff write."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not roles.user_roles(request.user):
            return False
        return request.method in SAFE_METHODS or roles.is_staff_member(request.user)


def _person(pk: int | None, field: str) -> Person:
    person = Person.objects.filter(pk=pk).first() if pk is not None else None
    if person is None:
        raise ApiValidationError({field: [_("No such person.")]})
    return person


# --- Viewsets --------------------------------------------------------------------------------------


class MeetingViewSet(HistoryMixin, viewsets.ModelViewSet):
    """Member meetings. Members read them once noticed; staff create, change and run them."""

    serializer_class = MeetingSerializer
    permission_classes = [MembersReadStaffWrite]
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_class = MeetingFilterSet
    ordering_fields = ["starts_at", "record_date"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        return Meeting.objects.visible_to(self.request.user).prefetch_related("agenda").order_by("-starts_at", "pk")

    def perform_create(self, serializer: MeetingSerializer) -> None:
        data = dict(serializer.validated_data)
        reason = reason_taken(self.request, data, _("Meeting called through the API"))
        data.pop("minutes", None)
        serializer.instance = services.meeting_create(actor=self.request.user, reason=reason, **data)

    def perform_update(self, serializer: MeetingSerializer) -> None:
        data = dict(serializer.validated_data)
        reason = reason_taken(self.request, data, _("Meeting changed through the API"))
        serializer.instance = services.meeting_update(
            actor=self.request.user, reason=reason, meeting=serializer.instance, **data
        )

    def _fresh(self, meeting: Meeting) -> Response:
        return Response(MeetingSerializer(self.get_queryset().get(pk=meeting.pk)).data)

    @extend_schema(request=MeetingNoticeSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def notice(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        data = validated_body(MeetingNoticeSerializer, request)
        reason = reason_taken(request, data, _("Notice of the meeting sent"))
        return self._fresh(services.meeting_notice_send(actor=request.user, reason=reason, meeting=meeting, **data))

    @extend_schema(request=MeetingOpenSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="open")
    def open_meeting(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        data = validated_body(MeetingOpenSerializer, request)
        reason = reason_taken(request, data, _("Meeting called to order"))
        return self._fresh(services.meeting_open(actor=request.user, reason=reason, meeting=meeting, **data))

    @extend_schema(request=MeetingAdjournSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def adjourn(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        data = validated_body(MeetingAdjournSerializer, request)
        reason = reason_taken(request, data, _("Meeting adjourned"))
        return self._fresh(services.meeting_adjourn(actor=request.user, reason=reason, meeting=meeting, **data))

    @extend_schema(request=MeetingReasonSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        data = validated_body(MeetingReasonSerializer, request)
        reason = reason_taken(request, data, "")
        return self._fresh(services.meeting_cancel(actor=request.user, reason=reason, meeting=meeting))

    @extend_schema(responses=QuorumSerializer, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def quorum(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        current = selectors.meeting_quorum(meeting)
        body = current.as_dict()
        body["message"] = "" if current.met else selectors.quorum_shortfall_text(current)
        return Response(QuorumSerializer(body).data)

    def _attendance(self, request: Request, service: Any) -> Response:
        meeting = self.get_object()
        data = validated_body(MeetingPersonSerializer, request)
        person = _person(data["person"], "person")
        reason = reason_taken(request, data, "")
        row = service(actor=request.user, meeting=meeting, person=person, at=data.get("at"), reason=reason)
        row = Attendance.objects.select_related("person").get(pk=row.pk)
        return Response(MeetingAttendanceSerializer(row).data)

    @extend_schema(request=MeetingPersonSerializer, responses=MeetingAttendanceSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str | None = None) -> Response:
        return self._attendance(request, services.attendance_check_in)

    @extend_schema(request=MeetingPersonSerializer, responses=MeetingAttendanceSerializer)
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request: Request, pk: str | None = None) -> Response:
        return self._attendance(request, services.attendance_check_out)


class AgendaItemViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The agenda of the meetings the user may read; staff add items."""

    serializer_class = AgendaItemSerializer
    permission_classes = [MembersReadStaffWrite]
    filterset_class = AgendaItemFilterSet

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return AgendaItem.objects.none()
        return AgendaItem.objects.visible_to(self.request.user).order_by("meeting_id", "order", "pk")

    def perform_create(self, serializer: AgendaItemSerializer) -> None:
        data = dict(serializer.validated_data)
        reason = reason_taken(self.request, data, _("Agenda item added through the API"))
        serializer.instance = services.agenda_item_add(actor=self.request.user, reason=reason, **data)


class MeetingAttendanceViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Staff: who came to which meeting, when, and in which class they vote (check in through the meeting).

    ``…/{id}/history/``: who checked the person in and out, corrected or removed the row, when and why.
    """

    serializer_class = MeetingAttendanceSerializer
    permission_classes = [IsCltStaff]
    filterset_class = AttendanceFilterSet

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Attendance.objects.none()
        return (
            Attendance.objects.visible_to(self.request.user)
            .select_related("person")
            .order_by("meeting_id", "arrived_at", "pk")
        )

    @extend_schema(request=AttendanceCorrectSerializer, responses=MeetingAttendanceSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str | None = None) -> Response:
        """Correct a mistaken arrival or departure time; ``change_reason`` is required."""
        row = self.get_object()
        data = validated_body(AttendanceCorrectSerializer, request)
        reason = reason_taken(request, data, "")
        row = services.attendance_correct(actor=request.user, reason=reason, attendance=row, **data)
        return Response(MeetingAttendanceSerializer(self.get_queryset().get(pk=row.pk)).data)

    @extend_schema(request=MeetingReasonSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: str | None = None) -> Response:
        """Remove an attendance recorded by mistake; ``change_reason`` is required and kept in its history."""
        row = self.get_object()
        data = validated_body(MeetingReasonSerializer, request)
        services.attendance_remove(actor=request.user, reason=reason_taken(request, data, ""), attendance=row)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProxyViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Proxies: staff see and record all; a member sees those they gave or hold."""

    serializer_class = ProxySerializer
    permission_classes = [SignedInReadStaffWrite]
    filterset_class = ProxyFilterSet

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Proxy.objects.none()
        return Proxy.objects.visible_to(self.request.user).select_related("grantor", "holder").order_by("pk")

    def perform_create(self, serializer: ProxySerializer) -> None:
        data = dict(serializer.validated_data)
        reason = reason_taken(self.request, data, _("Proxy recorded through the API"))
        serializer.instance = services.proxy_record(actor=self.request.user, reason=reason, **data)

    @extend_schema(request=ProxyRevokeSerializer, responses=ProxySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        proxy = self.get_object()
        data = validated_body(ProxyRevokeSerializer, request)
        reason = reason_taken(request, data, _("Proxy revoked"))
        proxy = services.proxy_revoke(actor=request.user, reason=reason, proxy=proxy, **data)
        return Response(ProxySerializer(self.get_queryset().get(pk=proxy.pk)).data)


class ResolutionViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Resolutions of the meetings the user may read; staff propose them, record the vote, withdraw them."""

    serializer_class = ResolutionSerializer
    permission_classes = [MembersReadStaffWrite]
    filterset_class = ResolutionFilterSet

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Resolution.objects.none()
        return Resolution.objects.visible_to(self.request.user).order_by("meeting_id", "order", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = reason_taken(request, data, _("Resolution proposed through the API"))
        resolution = services.resolution_propose(actor=request.user, reason=reason, **data)
        return Response(self.get_serializer(resolution).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ResolutionVoteSerializer, responses=ResolutionSerializer)
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: str | None = None) -> Response:
        resolution = self.get_object()
        data = validated_body(ResolutionVoteSerializer, request)
        reason = reason_taken(request, data, _("Vote recorded"))
        resolution = services.resolution_vote(actor=request.user, reason=reason, resolution=resolution, **data)
        return Response(self.get_serializer(resolution).data)

    @extend_schema(request=MeetingReasonSerializer, responses=ResolutionSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        resolution = self.get_object()
        data = validated_body(MeetingReasonSerializer, request)
        reason = reason_taken(request, data, "")
        resolution = services.resolution_withdraw(actor=request.user, reason=reason, resolution=resolution)
        return Response(self.get_serializer(resolution).data)
