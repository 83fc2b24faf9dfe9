"""``GET /api/v1/reports/impact/?start=&end=``: the funder impact report (``resale.reports``) as JSON, staff only.

The query takes the same parameters as the page (``reports.ImpactParametersForm``): the period of the sales'
closing and the stated assumptions, each defaulting as the page does. A bad date, an end before the start or
an assumption out of range answers 400 naming the field. Decimals are strings, dates ISO.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from clt.permissions import IsCltStaff
from leases.resale import reports

__all__ = ["ImpactReportViewSet"]


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True, **kwargs)


def _pct(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True, allow_null=True, **kwargs)


class ImpactQuerySerializer(serializers.Serializer):
    """The query parameters (for the schema; ``ImpactParametersForm`` reads them)."""

    start = serializers.DateField(required=False, help_text=_("First closing date; default 1 January ten years ago."))
    end = serializers.DateField(required=False, help_text=_("Last closing date, inclusive; default today."))
    income_share = serializers.DecimalField(
        # xgettext:no-python-format (a percent sign, not a placeholder)
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text=_("% of income for housing costs; default 30."),
    )
    rate = serializers.DecimalField(
        max_digits=6, decimal_places=3, required=False, help_text=_("Mortgage rate, % a year; default 6.25.")
    )
    term_years = serializers.IntegerField(required=False, help_text=_("Loan term in years; default 30."))
    down_payment = serializers.DecimalField(
        # xgettext:no-python-format (a percent sign, not a placeholder)
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text=_("Down payment, % of the price; default 3.5."),
    )
    tax_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=3,
        required=False,
        # xgettext:no-python-format (a percent sign, not a placeholder)
        help_text=_("Property tax, % of price a year; default 1.25."),
    )
    insurance = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, help_text=_("Home insurance, $ a month; default 100.")
    )
    persons_per_bedroom = serializers.DecimalField(
        max_digits=3, decimal_places=2, required=False, help_text=_("Household size per bedroom; default 1.5.")
    )


class ImpactLeftOutSerializer(serializers.Serializer):
    metric = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True, help_text=_("missing, no_initial_subsidy, outside_size_table, …"))
    needs = serializers.ListField(child=serializers.CharField(), read_only=True, help_text=_("Facts not on file."))
    reason = serializers.CharField(read_only=True)


class ImpactResaleSerializer(serializers.Serializer):
    seller_lease = serializers.IntegerField(read_only=True)
    buyer_lease = serializers.IntegerField(read_only=True, allow_null=True)
    home = serializers.CharField(read_only=True)
    purchase_date = serializers.DateField(read_only=True)
    resale_date = serializers.DateField(read_only=True)
    tenure_years = _pct(help_text=_("Whole months owned ÷ 12."))
    purchase_price = _money()
    market_value_at_purchase = _money()
    initial_subsidy = _money(help_text=_("Market value at purchase - price paid."))
    resale_price = _money()
    market_value_at_resale = _money()
    retained_subsidy = _money(help_text=_("Market value at resale - resale price."))
    retention_ratio = serializers.DecimalField(
        max_digits=12, decimal_places=4, read_only=True, allow_null=True, help_text=_("Retained ÷ initial, nominal.")
    )
    bedrooms = serializers.IntegerField(read_only=True, allow_null=True)
    household_size = serializers.DecimalField(max_digits=4, decimal_places=1, read_only=True, allow_null=True)
    ami_for_home_at_purchase = _money()
    income_needed_at_purchase = _money()
    pct_ami_needed_at_purchase = _pct()
    ami_for_home_at_resale = _money()
    income_needed_at_resale = _money()
    pct_ami_needed_at_resale = _pct()
    buyer_income = _money()
    buyer_ami = _money()
    buyer_pct_ami = _pct()
    down_payment = _money(help_text=_("On the assumed loan."))
    loan_balance_at_resale = _money()
    seller_equity = _money(help_text=_("Resale price - loan balance."))
    seller_equity_gained = _money(help_text=_("Equity - down payment."))
    seller_annual_return = _pct(help_text=_("Annualised internal rate of return, %."))
    explanations = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text=_("Each figure's computation, by metric.")
    )
    left_out = ImpactLeftOutSerializer(many=True, read_only=True)


class ImpactSubsidySerializer(serializers.Serializer):
    counted = serializers.IntegerField(read_only=True, help_text=_("Resales with both market values."))
    left_out = serializers.IntegerField(read_only=True)
    total_initial = _money()
    total_retained = _money()
    retention_ratio = serializers.DecimalField(
        max_digits=12, decimal_places=4, read_only=True, allow_null=True, help_text=_("Σ retained ÷ Σ initial.")
    )


class ImpactMedianSerializer(serializers.Serializer):
    median = serializers.DecimalField(max_digits=16, decimal_places=4, read_only=True, allow_null=True)
    counted = serializers.IntegerField(read_only=True)
    left_out = serializers.IntegerField(read_only=True)


class ImpactProgramSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True, help_text=_("The resale policy's id; empty for no policy."))
    name = serializers.CharField(read_only=True)
    resale_count = serializers.IntegerField(read_only=True)
    subsidy = ImpactSubsidySerializer(read_only=True)
    medians = serializers.DictField(child=ImpactMedianSerializer(), read_only=True, help_text=_("By metric."))
    resales = ImpactResaleSerializer(many=True, read_only=True)


class ImpactAssumptionsSerializer(serializers.Serializer):
    income_share = serializers.DecimalField(max_digits=8, decimal_places=6, read_only=True)
    annual_rate = serializers.DecimalField(max_digits=8, decimal_places=6, read_only=True)
    term_months = serializers.IntegerField(read_only=True)
    down_payment_pct = serializers.DecimalField(max_digits=8, decimal_places=6, read_only=True)
    property_tax_rate = serializers.DecimalField(max_digits=8, decimal_places=6, read_only=True)
    insurance_monthly = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True)
    persons_per_bedroom = serializers.DecimalField(max_digits=4, decimal_places=2, read_only=True)


@extend_schema_serializer(many=False)  # one report, though the route is the viewset's ``list``
class ImpactReportSerializer(serializers.Serializer):
    start = serializers.DateField(read_only=True)
    end = serializers.DateField(read_only=True)
    assumptions = ImpactAssumptionsSerializer(read_only=True, help_text=_("As fractions: 0.30 is 30 %."))
    resale_count = serializers.IntegerField(read_only=True)
    programs = ImpactProgramSerializer(many=True, read_only=True)
    notes = serializers.ListField(child=serializers.CharField(), read_only=True)


class ImpactReportViewSet(viewsets.ViewSet):
    """The funder impact report (staff only)."""

    permission_classes = [IsCltStaff]

    @extend_schema(
        summary="The funder impact report: resales by program, with subsidy, affordability and seller figures",
        description=(
            "The resales (sales closed from `start` to `end`, inclusive) grouped by program (the resale policy "
            "of the seller's lease): per resale the initial subsidy, the subsidy retained and their ratio, the % of "
            "area median income needed to afford the price at purchase and at resale, the buyer's income as % of "
            "AMI, the seller's equity and annualised return on an assumed loan, and the tenure, each with its "
            "computation (`explanations`) or why it is missing (`left_out`); per program the totals, the retention "
            "ratio and the medians. The assumptions default as on the page. A bad date, an end before the start or "
            "an assumption out of range answers 400 naming the field."
        ),
        parameters=[ImpactQuerySerializer],
        responses={
            200: ImpactReportSerializer,
            400: OpenApiResponse(description="A parameter and the reason"),
            403: OpenApiResponse(description="Not staff"),
        },
        filters=False,
    )
    def list(self, request: Request) -> Response:
        form = reports.ImpactParametersForm(data=reports.parameters_from(request.query_params))
        if not form.is_valid():
            raise ApiValidationError({name: [str(m) for m in messages] for name, messages in form.errors.items()})
        data = form.cleaned_data
        found = reports.build_impact_report(
            user=request.user, start=data["start"], end=data["end"], assumptions=form.assumptions()
        )
        return Response(reports.report_to_dict(found))
