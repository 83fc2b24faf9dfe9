"""API of elections: viewsets. Every write calls ``governance.elections.services`` or ``…nominations``.

* ``elections/``, ``election-contests/``, ``election-candidates/``: staff write, signed-in users read
  (drafts are staff-only). Phase changes are actions (``freeze``, ``codes``, ``open``, ``close``,
  ``count``, ``certify``); closing, counting and certifying are the election officer's too.
* ``ballots/`` (POST only): cast with an access code. Any signed-in user holding a code may cast it,
  in the contests its roll entry votes in; the answer is the receipt code, nothing else.
* ``election-contests/{id}/results/``, ``…/ballots/`` and ``…/blt/``: after the count only.
* Nominations (R7, R8): a candidate created with a ``nomination_mode`` is nominated (``candidate_nominate``);
  ``election-candidates/{id}/consent/`` and ``…/withdraw/``; ``election-contests/{id}/open-to-classes/``;
  ``petition-signatures/`` (staff only: who signed whose petition is not published). A contest shows its R8
  outcome (``acclaimed``, ``vacant_seats``, ``shortfall_action``) read-only; a candidate whether it stands.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from clt import roles
from clt.api.viewsets import HistoryMixin, change_reason_from
from clt.jobs.serializers import QueuedJobSerializer
from clt.permissions import IsCltStaff
from governance.elections import jobs as election_jobs
from governance.elections import nominations, selectors, services
from governance.elections.api.serializers import (
    BallotCastSerializer,
    CandidateConsentSerializer,
    ContestOpenSerializer,
    ElectionCandidateSerializer,
    ElectionCodeSerializer,
    ElectionContestSerializer,
    ElectionSerializer,
    PetitionSignatureSerializer,
    PublishedBallotSerializer,
)
from governance.elections.filters import (
    CandidateFilterSet,
    ContestFilterSet,
    ElectionFilterSet,
    PetitionSignatureFilterSet,
)
from governance.elections.models import Candidate, Contest, Election, ElectionPhase, PetitionSignature, RollEntry
from governance.membership.models import GovernanceSettings

__all__ = ["BallotCastViewSet", "CandidateViewSet", "ContestViewSet", "ElectionViewSet", "PetitionSignatureViewSet"]


def _service(call: Any) -> Any:
    try:
        return call()
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc


class ElectionViewSet(HistoryMixin, viewsets.ModelViewSet):
    serializer_class = ElectionSerializer
    http_method_names = ["get", "post", "head", "options"]
    non_staff_write_actions = ("codes", "close", "count", "certify")
    filterset_class = ElectionFilterSet

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Election.objects.none()
        return Election.objects.visible_to(self.request.user).select_related("officer")

    def perform_create(self, serializer: ElectionSerializer) -> None:
        serializer.instance = services.election_create(
            actor=self.request.user,
            reason=change_reason_from(self.request, "election created"),
            **serializer.validated_data,
        )

    def _phase(self, request: Request, function: Any, default_reason: str) -> Response:
        election = self.get_object()
        reason = change_reason_from(request, default_reason)
        _service(lambda: function(actor=request.user, reason=reason, election=election))
        election.refresh_from_db()
        return Response(ElectionSerializer(election).data)

    @extend_schema(request=None, responses=ElectionSerializer)
    @action(detail=True, methods=["post"])
    def freeze(self, request: Request, pk: str | None = None) -> Response:
        return self._phase(request, services.roll_freeze, "roll frozen")

    @extend_schema(request=None, responses=ElectionSerializer)
    @action(detail=True, methods=["post"], url_path="open")
    def open_voting(self, request: Request, pk: str | None = None) -> Response:
        return self._phase(request, services.election_open, "voting opened")

    @extend_schema(request=None, responses=ElectionSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._phase(request, services.election_close, "voting closed")

    @extend_schema(request=None, responses={202: QueuedJobSerializer})
    @action(detail=True, methods=["post"])
    def count(self, request: Request, pk: str | None = None) -> Response:
        """Queue the count (a large one outlives a request, docs/jobs.md); the job's page links the results."""
        election = self.get_object()
        reason = change_reason_from(request, "counted")
        job = _service(lambda: election_jobs.count_enqueue(actor=request.user, reason=reason, election=election))
        return Response(QueuedJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=ElectionSerializer)
    @action(detail=True, methods=["post"])
    def certify(self, request: Request, pk: str | None = None) -> Response:
        return self._phase(request, services.election_certify, "certified")

    @extend_schema(request=None, responses=ElectionCodeSerializer(many=True))
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def codes(self, request: Request, pk: str | None = None) -> Response:
        """Issue the access codes not yet issued; they are shown in this answer only."""
        election = self.get_object()
        reason = change_reason_from(request, "access codes issued")
        codes = _service(lambda: services.access_codes_issue(actor=request.user, reason=reason, election=election))
        entries = RollEntry.objects.visible_to(request.user).filter(election=election, pk__in=list(codes))
        entries = entries.select_related("person")
        rows = [{"roll_entry": e.pk, "person": str(e.person), "code": codes[e.pk]} for e in entries]
        return Response(ElectionCodeSerializer(rows, many=True).data)


class ContestViewSet(HistoryMixin, viewsets.ModelViewSet):
    serializer_class = ElectionContestSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = ContestFilterSet

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Contest.objects.none()
        return Contest.objects.visible_to(self.request.user).select_related("election")

    def perform_create(self, serializer: ElectionContestSerializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.contest_add(
            actor=self.request.user, reason=change_reason_from(self.request, "contest added"), **data
        )

    @extend_schema(request=ContestOpenSerializer, responses=ElectionContestSerializer)
    @action(detail=True, methods=["post"], url_path="open-to-classes")
    def open_to_classes(self, request: Request, pk: str | None = None) -> Response:
        """R8: let members of other classes stand for this contest's seats (draft; short of candidates)."""
        contest = self.get_object()
        body = ContestOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = change_reason_from(request, "contest opened to another class")
        contest = _service(
            lambda: nominations.contest_open_to_class(
                actor=request.user, reason=reason, contest=contest, classes=body.validated_data["classes"]
            )
        )
        return Response(ElectionContestSerializer(contest).data)

    def _counted(self) -> Contest:
        contest = self.get_object()
        if not contest.election.results_public or contest.result is None:
            raise ValidationError({"phase": _("Results are shown once the election is closed and counted.")})
        return contest

    @extend_schema(responses=OpenApiResponse(description="The count: winners and the full round table."))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def results(self, request: Request, pk: str | None = None) -> Response:
        return Response(self._counted().result)

    @extend_schema(responses=PublishedBallotSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[], url_path="ballots")
    def published_ballots(self, request: Request, pk: str | None = None) -> Response:
        contest = self._counted()
        return Response(PublishedBallotSerializer(selectors.ballots_publish(contest), many=True).data)

    @extend_schema(responses={(200, "text/plain"): OpenApiResponse(description="The ballots as a .blt file.")})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def blt(self, request: Request, pk: str | None = None) -> HttpResponse:
        contest = self._counted()
        response = HttpResponse(selectors.contest_blt(contest), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="contest-{contest.pk}.blt"'
        return response


class CandidateViewSet(HistoryMixin, viewsets.ModelViewSet):
    serializer_class = ElectionCandidateSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = CandidateFilterSet

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Candidate.objects.none()
        return (
            Candidate.objects.visible_to(self.request.user)
            .select_related("person")
            .annotate(signature_count=Count("signatures"))
            .order_by("contest_id", "ballot_order", "pk")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["governance_settings"] = GovernanceSettings.current()
        return context

    def perform_create(self, serializer: ElectionCandidateSerializer) -> None:
        data = dict(serializer.validated_data)
        if data.get("nomination_mode"):
            serializer.instance = nominations.candidate_nominate(
                actor=self.request.user,
                reason=change_reason_from(self.request, "candidate nominated"),
                contest=data["contest"],
                person=data["person"],
                mode=data["nomination_mode"],
                nominated_on=data.get("nominated_on"),
                nominated_by=data.get("nominated_by", ""),
                statement=data.get("statement", ""),
                consented_on=data.get("consented_on"),
                ballot_order=data.get("ballot_order"),
            )
            return
        serializer.instance = nominations.candidate_add(
            actor=self.request.user,
            reason=change_reason_from(self.request, "candidate nominated"),
            contest=data["contest"],
            person=data["person"],
            consented_on=data.get("consented_on"),
            ballot_order=data.get("ballot_order"),
        )

    def _after(self, candidate: Candidate) -> Response:
        fresh = self.get_queryset().get(pk=candidate.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(request=CandidateConsentSerializer, responses=ElectionCandidateSerializer)
    @action(detail=True, methods=["post"])
    def consent(self, request: Request, pk: str | None = None) -> Response:
        """Record the candidate's consent to stand (draft)."""
        candidate = self.get_object()
        body = CandidateConsentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = change_reason_from(request, "consent to stand received")
        _service(
            lambda: nominations.candidate_consent(
                actor=request.user, reason=reason, candidate=candidate, consented_on=body.validated_data["consented_on"]
            )
        )
        return self._after(candidate)

    @extend_schema(request=None, responses=ElectionCandidateSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        candidate = self.get_object()
        reason = change_reason_from(request, "candidate withdrew")
        _service(lambda: nominations.candidate_withdraw(actor=request.user, reason=reason, candidate=candidate))
        return self._after(candidate)


class PetitionSignatureViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Signatures on nominating petitions (R7): staff only, read and record."""

    serializer_class = PetitionSignatureSerializer
    permission_classes = [IsCltStaff]
    filterset_class = PetitionSignatureFilterSet

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return PetitionSignature.objects.none()
        return (
            PetitionSignature.objects.visible_to(self.request.user)
            .select_related("person")
            .order_by("candidate_id", "signed_on", "pk")
        )

    def perform_create(self, serializer: PetitionSignatureSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = nominations.petition_sign(
            actor=self.request.user,
            reason=change_reason_from(self.request, "petition signed"),
            candidate=data["candidate"],
            person=data["person"],
            signed_on=data["signed_on"],
        )


def _caller_person(user: Any) -> Any:
    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    if person is None:
        raise ValidationError({"code": _("Your login is not linked to a person on the roll.")})
    return person


class BallotCastViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Cast a ballot with an access code; the answer is the receipt code.

    Voter only: any signed-in person may call it (a voter who resigned after the record date still holds their
    vote), but a non-staff caller casts only the ballot of the code issued to them. Staff enter paper and proxy
    ballots with the voter's code.
    """

    serializer_class = BallotCastSerializer
    permission_classes = [IsAuthenticated]
    # BALLOTS_API_PER_MINUTE per login (docs/security.md): 429 with Retry-After beyond it.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "ballots"

    def get_queryset(self) -> QuerySet:
        return Contest.objects.none()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contest = (
            Contest.objects.visible_to(request.user)
            .filter(pk=data["contest"], election__phase=ElectionPhase.OPEN)
            .select_related("election")
            .first()
        )
        if contest is None:
            raise ValidationError({"contest": _("No open contest has this number.")})
        voter = None if roles.is_staff_member(request.user) else _caller_person(request.user)
        ((_contest, receipt),) = _service(
            lambda: services.ballots_cast(
                election=contest.election,
                code=data["code"],
                choices=[(contest, data["choices"])],
                channel=data["channel"],
                actor=request.user,
                reason="ballot entered",
                voter=voter,
            )
        )
        return Response({"receipt": receipt}, status=status.HTTP_201_CREATED)
