"""API of participatory budgeting: budgets, their projects and results. Members and board members read; staff write
(create a budget, propose and review projects, move the phase on, certify). A service's refusal is HTTP 400
naming the field; anyone without a role gets nothing (403)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from clt import roles
from governance.budgeting import services
from governance.budgeting.api.serializers import (
    BudgetProjectSerializer,
    BudgetResultSerializer,
    BudgetSerializer,
    ReviewSerializer,
)
from governance.budgeting.models import BudgetProject, BudgetResult, ParticipatoryBudget

__all__ = ["BudgetProjectViewSet", "BudgetResultViewSet", "BudgetViewSet"]


class MembersReadStaffWrite(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if roles.is_staff_member(user):
            return True
        return request.method in SAFE_METHODS and (roles.is_member(user) or roles.is_board_member(user))


def _call(run: Any) -> Any:
    try:
        return run()
    except ValidationError as error:
        raise ApiValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from error
    except DjangoPermissionDenied as error:
        raise PermissionDenied(str(error)) from error


class BudgetViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Participatory budgets. Staff create them, move them on (``advance``) and certify the result."""

    serializer_class = BudgetSerializer
    permission_classes = [MembersReadStaffWrite]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return ParticipatoryBudget.objects.none()
        return ParticipatoryBudget.objects.visible_to(self.request.user).order_by("-created", "pk")

    def perform_create(self, serializer: BudgetSerializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = _call(lambda: services.budget_create(actor=self.request.user, **data))

    @extend_schema(request=None, responses=BudgetSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request: Request, pk: str | None = None) -> Response:
        budget = _call(lambda: services.budget_advance(actor=request.user, budget=self.get_object()))
        return Response(BudgetSerializer(budget).data)

    @extend_schema(request=None, responses=BudgetResultSerializer)
    @action(detail=True, methods=["post"])
    def certify(self, request: Request, pk: str | None = None) -> Response:
        result = _call(lambda: services.result_certify(actor=request.user, budget=self.get_object()))
        return Response(BudgetResultSerializer(result).data)


class BudgetProjectViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Projects of the budgets. Staff propose (``POST``) and review (``review``: accepted, or refused with a reason)."""

    serializer_class = BudgetProjectSerializer
    permission_classes = [MembersReadStaffWrite]
    filterset_fields = ["budget", "status"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return BudgetProject.objects.none()
        return BudgetProject.objects.visible_to(self.request.user).order_by("budget_id", "code", "pk")

    def perform_create(self, serializer: BudgetProjectSerializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = _call(lambda: services.project_propose(actor=self.request.user, **data))

    @extend_schema(request=ReviewSerializer, responses=BudgetProjectSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project = _call(
            lambda: services.project_review(actor=request.user, project=self.get_object(), **body.validated_data)
        )
        return Response(BudgetProjectSerializer(project).data)


class BudgetResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Counted results, by budget id: the stored outcome of the budget's rule and its certification."""

    serializer_class = BudgetResultSerializer
    permission_classes = [MembersReadStaffWrite]
    lookup_field = "budget"

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return BudgetResult.objects.none()
        return BudgetResult.objects.visible_to(self.request.user).order_by("budget_id")
