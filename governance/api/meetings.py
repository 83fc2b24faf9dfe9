"""API of member meetings: meetings, agenda items, attendance, proxies, resolutions. Writes call the services.

Who may do what:

* ``meetings/``: members and staff read (members see a meeting once its notice is sent); staff create,
  change (PATCH) and run it: ``notice``, ``open``, ``adjourn``, ``cancel``, ``check-in``, ``check-out``
  (POST). ``meetings/{id}/quorum/`` (GET): the live quorum, for whoever reads the meeting.
* ``agenda-items/``: read with the meeting; staff add items.
* ``meeting-attendance/``: staff only (who was in the room).
* ``proxies/``: staff see all, record and revoke them; a member sees the proxies they gave or hold.
* ``resolutions/``: read with the meeting; staff propose, record the vote (``vote``) and withdraw.

Anonymous requests and logins without a role get nothing. A refusal of a service is HTTP 400 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from clt import roles
from clt.api.viewsets import HistoryMixin, change_reason_from
from clt.models import Person
from clt.permissions import IsCltStaff
from governance import services
from governance.elections.models import Election
from governance.meetings.models import AgendaItem, Attendance, Meeting, MeetingKind, Proxy, Resolution
from governance.membership.models import MemberClass, ResolutionKind, Threshold
from leases.api.serializers import change_reason_field as _reason_field

__all__ = [
    "AgendaItemViewSet",
    "MeetingAttendanceViewSet",
    "MeetingViewSet",
    "MembersReadStaffWrite",
    "ProxyViewSet",
    "ResolutionViewSet",
]


class MembersReadStaffWrite(BasePermission):
    """Members (and board members) read; staff read and write."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if roles.is_staff_member(user):
            return True
        if request.method not in SAFE_METHODS:
            return False
        return roles.is_member(user) or roles.is_board_member(user)


class SignedInReadStaffWrite(BasePermission):
    """Anyone with a role reads (the queryset narrows what); staff write."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not roles.user_roles(request.user):
            return False
        return request.method in SAFE_METHODS or roles.is_staff_member(request.user)


def _reason(request: Request, data: dict[str, Any], default: str) -> str:
    return (data.pop("change_reason", "") or "").strip() or change_reason_from(request, default)


def _body(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def _person(pk: int | None, field: str) -> Person:
    person = Person.objects.filter(pk=pk).first() if pk is not None else None
    if person is None:
        raise ApiValidationError({field: [_("No such person.")]})
    return person


# Choice sets named inline (a string with the values listed): one enum component per field name would
# collide with the API's other ``kind`` and ``status`` enums.
def _choices_text(choices: Any) -> str:
    return " | ".join(str(value) for value in choices)


@extend_schema_field({"type": "string", "description": _choices_text(MeetingKind.values)})
class MeetingKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=MeetingKind.choices, **kwargs)


@extend_schema_field({"type": "string", "description": _choices_text(ResolutionKind.values)})
class ResolutionKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ResolutionKind.choices, **kwargs)


@extend_schema_field({"type": "string", "description": _choices_text(Threshold.values)})
class ThresholdField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Threshold.choices, **kwargs)


# --- Serializers -----------------------------------------------------------------------------------


class AgendaItemSerializer(serializers.ModelSerializer):
    change_reason = _reason_field()

    class Meta:
        model = AgendaItem
        fields = ["id", "meeting", "order", "title", "description", "change_reason"]
        extra_kwargs = {"order": {"required": False, "help_text": "Empty: after the last item."}}


class MeetingAgendaSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "order", "title", "description"]


class MeetingSerializer(serializers.ModelSerializer):
    kind = MeetingKindField()
    status = serializers.CharField(read_only=True, help_text="scheduled | noticed | in_session | adjourned | cancelled")
    agenda = MeetingAgendaSerializer(many=True, read_only=True)
    change_reason = _reason_field()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "title",
            "starts_at",
            "location",
            "record_date",
            "purpose",
            "status",
            "notice_sent_on",
            "opened_at",
            "adjourned_at",
            "minutes",
            "agenda",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = ["notice_sent_on", "opened_at", "adjourned_at", "created", "last_updated"]
        extra_kwargs = {"minutes": {"required": False}}


class MeetingNoticeSerializer(serializers.Serializer):
    sent_on = serializers.DateField()
    change_reason = _reason_field()


class MeetingOpenSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, allow_null=True, help_text="Empty: now.")
    change_reason = _reason_field()


class MeetingAdjournSerializer(MeetingOpenSerializer):
    minutes = serializers.CharField(required=False, allow_blank=True)


class MeetingReasonSerializer(serializers.Serializer):
    change_reason = _reason_field()


class MeetingPersonSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    at = serializers.DateTimeField(required=False, allow_null=True, help_text="Empty: now.")
    change_reason = _reason_field()


class AttendanceCorrectSerializer(serializers.Serializer):
    arrived_at = serializers.DateTimeField(required=False, help_text="Left out: unchanged.")
    left_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Left out: unchanged; null: back in the room (while in session)."
    )
    change_reason = _reason_field()


class MeetingAttendanceSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.__str__", read_only=True)
    member_class = serializers.CharField(read_only=True, help_text="lessee | general | supporting; empty: no vote.")

    class Meta:
        model = Attendance
        fields = ["id", "meeting", "person", "person_name", "member_class", "arrived_at", "left_at"]
        read_only_fields = fields


class QuorumClassSerializer(serializers.Serializer):
    member_class = serializers.CharField()
    minimum = serializers.IntegerField()
    counted = serializers.IntegerField()
    met = serializers.BooleanField()
    eligible = serializers.IntegerField()
    present = serializers.IntegerField()
    proxies = serializers.IntegerField()


class QuorumSerializer(serializers.Serializer):
    basis = serializers.CharField(help_text="percent | number")
    percent = serializers.CharField()
    number = serializers.IntegerField()
    counts_proxies = serializers.BooleanField()
    eligible = serializers.IntegerField(help_text="Voting members on the record date.")
    required = serializers.IntegerField()
    present = serializers.IntegerField(help_text="Voting members in the room.")
    proxies = serializers.IntegerField(help_text="Proxies carried by holders in the room.")
    counted = serializers.IntegerField()
    met = serializers.BooleanField()
    classes = QuorumClassSerializer(many=True, help_text="Each class with a minimum.")
    eligible_by_class = serializers.DictField(child=serializers.IntegerField())
    present_by_class = serializers.DictField(child=serializers.IntegerField())
    proxies_by_class = serializers.DictField(child=serializers.IntegerField())
    message = serializers.CharField(help_text="Why there is no quorum; empty when there is one.")


class ProxySerializer(serializers.ModelSerializer):
    grantor_name = serializers.CharField(source="grantor.__str__", read_only=True)
    holder_name = serializers.CharField(source="holder.__str__", read_only=True)
    change_reason = _reason_field()

    class Meta:
        model = Proxy
        fields = [
            "id",
            "grantor",
            "grantor_name",
            "holder",
            "holder_name",
            "meeting",
            "election",
            "received_on",
            "directed",
            "instructions",
            "revoked_on",
            "created",
            "change_reason",
        ]
        read_only_fields = ["revoked_on", "created"]
        extra_kwargs = {
            "grantor": {"queryset": Person.objects.all()},
            "holder": {"queryset": Person.objects.all()},
            "meeting": {"queryset": Meeting.objects.all()},
            "election": {"queryset": Election.objects.all()},
        }


class ProxyRevokeSerializer(serializers.Serializer):
    revoked_on = serializers.DateField()
    change_reason = _reason_field()


class ResolutionSerializer(serializers.ModelSerializer):
    kind = ResolutionKindField()
    threshold = ThresholdField(required=False, help_text="Empty: the bylaws' threshold for the kind.")
    status = serializers.CharField(read_only=True, help_text="proposed | carried | failed | withdrawn")
    voting_classes = serializers.ListField(
        child=serializers.CharField(max_length=16),
        required=False,
        help_text="Member classes that vote (lessee, general, supporting); empty: every voting member.",
    )
    quorum = serializers.JSONField(read_only=True, help_text="The quorum at the moment of the vote.")
    change_reason = _reason_field()

    class Meta:
        model = Resolution
        fields = [
            "id",
            "meeting",
            "order",
            "title",
            "text",
            "kind",
            "threshold",
            "voting_classes",
            "policy_version",
            "status",
            "votes_yes",
            "votes_no",
            "votes_abstain",
            "voted_at",
            "quorum",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = ["votes_yes", "votes_no", "votes_abstain", "voted_at", "created", "last_updated"]
        extra_kwargs = {"order": {"required": False}}

    def validate_voting_classes(self, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in MemberClass.values]
        if unknown:
            raise serializers.ValidationError(_("A list of member classes: lessee, general, supporting."))
        return value


class ResolutionVoteSerializer(serializers.Serializer):
    yes = serializers.IntegerField(min_value=0)
    no = serializers.IntegerField(min_value=0)
    abstain = serializers.IntegerField(min_value=0, default=0)
    at = serializers.DateTimeField(required=False, allow_null=True, help_text="Empty: now.")
    effective_from = serializers.DateField(
        required=False, allow_null=True, help_text="For a policy version: from when; empty: the day of the vote."
    )
    change_reason = _reason_field()


# --- Viewsets --------------------------------------------------------------------------------------


class MeetingViewSet(HistoryMixin, viewsets.ModelViewSet):
    """Member meetings. Members read them once noticed; staff create, change and run them."""

    serializer_class = MeetingSerializer
    permission_classes = [MembersReadStaffWrite]
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["kind", "status"]
    ordering_fields = ["starts_at", "record_date"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        return services.meetings_visible_to(self.request.user).prefetch_related("agenda").order_by("-starts_at", "pk")

    def perform_create(self, serializer: MeetingSerializer) -> None:
        data = dict(serializer.validated_data)
        reason = _reason(self.request, data, "Meeting called through the API")
        data.pop("minutes", None)
        serializer.instance = services.meeting_create(actor=self.request.user, reason=reason, **data)

    def perform_update(self, serializer: MeetingSerializer) -> None:
        data = dict(serializer.validated_data)
        reason = _reason(self.request, data, "Meeting changed through the API")
        serializer.instance = services.meeting_update(
            actor=self.request.user, reason=reason, meeting=serializer.instance, **data
        )

    def _fresh(self, meeting: Meeting) -> Response:
        return Response(MeetingSerializer(self.get_queryset().get(pk=meeting.pk)).data)

    @extend_schema(request=MeetingNoticeSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def notice(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        data = _body(MeetingNoticeSerializer, request)
        reason = _reason(request, data, "Notice of the meeting sent")
        return self._fresh(services.meeting_notice_send(actor=request.user, reason=reason, meeting=meeting, **data))

    @extend_schema(request=MeetingOpenSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="open")
    def open_meeting(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        data = _body(MeetingOpenSerializer, request)
        reason = _reason(request, data, "Meeting called to order")
        return self._fresh(services.meeting_open(actor=request.user, reason=reason, meeting=meeting, **data))

    @extend_schema(request=MeetingAdjournSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def adjourn(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        data = _body(MeetingAdjournSerializer, request)
        reason = _reason(request, data, "Meeting adjourned")
        return self._fresh(services.meeting_adjourn(actor=request.user, reason=reason, meeting=meeting, **data))

    @extend_schema(request=MeetingReasonSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        data = _body(MeetingReasonSerializer, request)
        reason = _reason(request, data, "")
        return self._fresh(services.meeting_cancel(actor=request.user, reason=reason, meeting=meeting))

    @extend_schema(responses=QuorumSerializer, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def quorum(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        current = services.quorum_now(meeting)
        body = current.as_dict()
        body["message"] = "" if current.met else services.quorum_shortfall_text(current)
        return Response(QuorumSerializer(body).data)

    def _attendance(self, request: Request, service: Any) -> Response:
        meeting = self.get_object()
        data = _body(MeetingPersonSerializer, request)
        person = _person(data["person"], "person")
        reason = _reason(request, data, "")
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
    filterset_fields = ["meeting"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return AgendaItem.objects.none()
        return AgendaItem.objects.filter(meeting__in=services.meetings_visible_to(self.request.user)).order_by(
            "meeting_id", "order", "pk"
        )

    def perform_create(self, serializer: AgendaItemSerializer) -> None:
        data = dict(serializer.validated_data)
        reason = _reason(self.request, data, "Agenda item added through the API")
        serializer.instance = services.agenda_item_add(actor=self.request.user, reason=reason, **data)


class MeetingAttendanceViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Staff: who came to which meeting, when, and in which class they vote (check in through the meeting).

    ``…/{id}/history/``: who checked the person in and out, corrected or removed the row, when and why.
    """

    serializer_class = MeetingAttendanceSerializer
    permission_classes = [IsCltStaff]
    filterset_fields = ["meeting", "person"]
    queryset = Attendance.objects.select_related("person").order_by("meeting_id", "arrived_at", "pk")

    @extend_schema(request=AttendanceCorrectSerializer, responses=MeetingAttendanceSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str | None = None) -> Response:
        """Correct a mistaken arrival or departure time; ``change_reason`` is required."""
        row = self.get_object()
        data = _body(AttendanceCorrectSerializer, request)
        reason = _reason(request, data, "")
        row = services.attendance_correct(actor=request.user, reason=reason, attendance=row, **data)
        return Response(MeetingAttendanceSerializer(self.get_queryset().get(pk=row.pk)).data)

    @extend_schema(request=MeetingReasonSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: str | None = None) -> Response:
        """Remove an attendance recorded by mistake; ``change_reason`` is required and kept in its history."""
        row = self.get_object()
        data = _body(MeetingReasonSerializer, request)
        services.attendance_remove(actor=request.user, reason=_reason(request, data, ""), attendance=row)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProxyViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Proxies: staff see and record all; a member sees those they gave or hold."""

    serializer_class = ProxySerializer
    permission_classes = [SignedInReadStaffWrite]
    filterset_fields = ["meeting", "election", "grantor", "holder"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Proxy.objects.none()
        proxies = Proxy.objects.select_related("grantor", "holder").order_by("pk")
        user = self.request.user
        if roles.is_staff_member(user):
            return proxies
        return proxies.filter(Q(grantor__user=user) | Q(holder__user=user))

    def perform_create(self, serializer: ProxySerializer) -> None:
        data = dict(serializer.validated_data)
        reason = _reason(self.request, data, "Proxy recorded through the API")
        serializer.instance = services.proxy_record(actor=self.request.user, reason=reason, **data)

    @extend_schema(request=ProxyRevokeSerializer, responses=ProxySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        proxy = self.get_object()
        data = _body(ProxyRevokeSerializer, request)
        reason = _reason(request, data, "Proxy revoked")
        proxy = services.proxy_revoke(actor=request.user, reason=reason, proxy=proxy, **data)
        return Response(ProxySerializer(self.get_queryset().get(pk=proxy.pk)).data)


class ResolutionViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Resolutions of the meetings the user may read; staff propose them, record the vote, withdraw them."""

    serializer_class = ResolutionSerializer
    permission_classes = [MembersReadStaffWrite]
    filterset_fields = ["meeting", "status", "kind"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Resolution.objects.none()
        return Resolution.objects.filter(meeting__in=services.meetings_visible_to(self.request.user)).order_by(
            "meeting_id", "order", "pk"
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = _reason(request, data, "Resolution proposed through the API")
        resolution = services.resolution_propose(actor=request.user, reason=reason, **data)
        return Response(self.get_serializer(resolution).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ResolutionVoteSerializer, responses=ResolutionSerializer)
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: str | None = None) -> Response:
        resolution = self.get_object()
        data = _body(ResolutionVoteSerializer, request)
        reason = _reason(request, data, "Vote recorded")
        resolution = services.resolution_vote(actor=request.user, reason=reason, resolution=resolution, **data)
        return Response(self.get_serializer(resolution).data)

    @extend_schema(request=MeetingReasonSerializer, responses=ResolutionSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        resolution = self.get_object()
        data = _body(MeetingReasonSerializer, request)
        reason = _reason(request, data, "")
        resolution = services.resolution_withdraw(actor=request.user, reason=reason, resolution=resolution)
        return Response(self.get_serializer(resolution).data)
