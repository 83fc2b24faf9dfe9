"""``GET /api/v1/resale/portfolio/?as_of=DATE``: the resale portfolio (``resale.portfolio``) over HTTP, staff only.

JSON: the rows 50 a page (``page``, ``page_size`` up to 500), with the summary of every program over the
whole portfolio (not only the page) and the total. ``?format=csv`` (or ``Accept: text/csv``): every row as
the command writes it, streamed. ``as_of`` defaults to today; ``program`` keeps one program's leases. A bad
``as_of`` or an unknown ``program`` answers 400 naming the field, as JSON whatever the format asked for.

``ResaleViewSet.portfolio`` (``leases/api/views.py``) delegates here.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from clt import clock
from clt.csvresponse import csv_response
from clt.pagination import StandardPagination
from leases.lifecycle.models import GroundLease
from leases.resale import portfolio

__all__ = ["RENDERERS", "SCHEMA", "PortfolioCSVRenderer", "respond"]


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **kwargs)


class PortfolioQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text=_("The valuation date (YYYY-MM-DD); default today."))
    program = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Only the leases of this resale policy (its name, any case).")
    )


class PortfolioRowSerializer(serializers.Serializer):
    lease_id = serializers.IntegerField(read_only=True)
    address = serializers.CharField(read_only=True)
    program = serializers.CharField(read_only=True, help_text=_("The resale policy's name; empty when none."))
    program_version = serializers.IntegerField(read_only=True, allow_null=True)
    holders = serializers.CharField(read_only=True)
    purchase_date = serializers.DateField(read_only=True, allow_null=True)
    purchase_price = _money(allow_null=True)
    market_value_at_purchase = _money(allow_null=True, help_text=_("The appraisal at purchase."))
    initial_subsidy = _money(allow_null=True, help_text=_("Market value at purchase less the price paid."))
    recorded_subsidies = _money()
    subsidies_staying = _money(help_text=_("The recorded subsidies that stay with the home."))
    formula_price = _money(allow_null=True, help_text=_("The price the resale formula gives on the date."))
    improvement_credits = _money(allow_null=True)
    market_value = _money(allow_null=True, help_text=_("The latest market value on record by the date."))
    market_value_date = serializers.DateField(read_only=True, allow_null=True)
    market_value_source = serializers.ChoiceField(
        choices=["purchase", "resale", ""], read_only=True, help_text=_("The appraisal at purchase or at resale.")
    )
    subsidy_retained = _money(
        allow_null=True, help_text=_("Market value less formula price: only as current as the market value's date.")
    )
    problem = serializers.CharField(read_only=True, help_text=_("Why there is no price; empty when there is one."))
    notes = serializers.ListField(child=serializers.CharField(), read_only=True)


class ProgramSummarySerializer(serializers.Serializer):
    program = serializers.CharField(read_only=True, help_text=_("The policy's name; empty for the group without."))
    label = serializers.CharField(read_only=True)
    leases = serializers.IntegerField(read_only=True)
    priced = serializers.IntegerField(read_only=True)
    not_priced = serializers.IntegerField(read_only=True)
    purchase_price = _money()
    initial_subsidy = _money()
    recorded_subsidies = _money()
    subsidies_staying = _money()
    formula_price = _money()
    improvement_credits = _money()
    subsidy_retained = _money()
    compared = serializers.IntegerField(read_only=True, help_text=_("Leases with both an initial and a retained."))
    initial_compared = _money()
    retained_compared = _money()
    retention_ratio = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text=_("Retained ÷ initial over the compared leases, nominal, 4 places half up."),
    )


class PortfolioResponseSerializer(serializers.Serializer):
    as_of = serializers.DateField(read_only=True)
    count = serializers.IntegerField(read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True)
    previous = serializers.URLField(read_only=True, allow_null=True)
    programs = ProgramSummarySerializer(many=True, read_only=True)
    total = ProgramSummarySerializer(read_only=True)
    results = PortfolioRowSerializer(many=True, read_only=True)


class PortfolioCSVRenderer(BaseRenderer):
    """``?format=csv``: the view answers the CSV itself; this renders only errors, as JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None:
            # An error (400, 403) is a field and a reason, which CSV cannot carry: say it in JSON.
            response["Content-Type"] = "application/json"
        return json.dumps(data, ensure_ascii=False).encode(self.charset)


RENDERERS = [*api_settings.DEFAULT_RENDERER_CLASSES, PortfolioCSVRenderer]

SCHEMA: dict[str, Any] = {
    "summary": "The resale portfolio: every lease in force on a date with its formula price (staff only)",
    "description": (
        "Every lease in force on `as_of` (executed, commenced by then, not ended by then) valued under its own "
        "resale policy version, without a new appraisal: formula price, improvement credits, initial subsidy "
        "(market value at purchase less the price paid), subsidies recorded and staying with the home, the "
        "latest market value on record and the subsidy retained (that market value less the formula price, only "
        "as current as the market value's date), or why there is no price. `programs` sums the whole portfolio "
        "per resale policy with the retention ratio (retained ÷ initial where both are known). `format=csv` "
        "answers every row as CSV. A bad `as_of` or an unknown `program` answers 400 naming the field."
    ),
    "parameters": [
        PortfolioQuerySerializer,
        OpenApiParameter("page", OpenApiTypes.INT, description="Page number (JSON)."),
        OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows a page, up to 500 (JSON)."),
        OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="`csv`: every row, as CSV."),
    ],
    "responses": {
        (200, "application/json"): PortfolioResponseSerializer,
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Every row (resale.portfolio.CSV_COLUMNS)"),
        400: OpenApiResponse(description="`as_of` or `program` and the reason"),
        403: OpenApiResponse(description="Not staff"),
    },
    "filters": False,
}


def _summary(summary: portfolio.ProgramSummary) -> dict[str, Any]:
    return ProgramSummarySerializer(summary).data


def respond(view: Any, request: Request) -> Response | StreamingHttpResponse:
    """The portfolio for ``ResaleViewSet.portfolio``: a JSON page, or the whole CSV."""
    query = PortfolioQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    as_of = query.validated_data.get("as_of") or clock.today()
    visible = GroundLease.objects.visible_to(request.user)
    program = query.validated_data.get("program")
    if getattr(request.accepted_renderer, "format", None) == "csv":
        # A ValidationError on ``program`` becomes a 400 through the project's exception handler.
        found = portfolio.resale_portfolio(as_of=as_of, leases=visible, program=program)
        return csv_response(
            portfolio.csv_records(found),
            header=portfolio.CSV_COLUMNS,
            guard_formulas=False,  # csv_record guards the text cells itself
            filename=f"resale-portfolio-{as_of.isoformat()}.csv",
        )

    # Only the page is valued; the sums and the order of every lease are kept for the date.
    found = portfolio.portfolio_index(as_of=as_of, leases=visible, program=program)
    paginator = StandardPagination()
    page = found.rows(paginator.paginate_queryset(found.leases, request, view=view))
    rows = PortfolioRowSerializer(page, many=True).data
    return Response(
        {
            "as_of": as_of.isoformat(),
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "programs": [_summary(s) for s in found.programs],
            "total": _summary(found.total),
            "results": rows,
        }
    )
