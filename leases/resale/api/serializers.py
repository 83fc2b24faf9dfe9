"""Serializers of index series, resale policies and quotes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clt.api.serializers import ReasonedWriteMixin, StrictKeysMixin, change_reason_field, reason_field
from leases.resale import services
from leases.resale.models import IndexSeries, PolicyStatus, ResalePolicy, ResalePolicyVersion

# --- Resale: index series, policies, quotes -------------------------------------------------------


class IndexSeriesSerializer(serializers.ModelSerializer):
    values_count = serializers.IntegerField(read_only=True, help_text="How many published values are stored.")
    first_effective = serializers.DateField(read_only=True, allow_null=True, help_text="The earliest value's date.")
    last_effective = serializers.DateField(read_only=True, allow_null=True, help_text="The latest value's date.")

    class Meta:
        model = IndexSeries
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "area",
            "source",
            "values_count",
            "first_effective",
            "last_effective",
            "created",
            "last_updated",
        ]
        read_only_fields = fields


class IndexValueQuerySerializer(serializers.Serializer):
    on = serializers.DateField(help_text="The date the value must be in effect on (YYYY-MM-DD).")
    household_size = serializers.IntegerField(
        min_value=1, max_value=8, required=False, help_text="For income limits by household size (1-8)."
    )


class IndexValueInEffectSerializer(serializers.Serializer):
    series = serializers.CharField(read_only=True, help_text="The series' code.")
    on = serializers.DateField(read_only=True)
    household_size = serializers.IntegerField(read_only=True, allow_null=True)
    value = serializers.DecimalField(max_digits=16, decimal_places=4, read_only=True)
    effective_from = serializers.DateField(read_only=True, help_text="The date the value took effect.")


PARAMETERS_HELP = (
    'The policy as `leases/resale_codec.py` writes a `resale.ResalePolicy`: decimals as strings ("0.015"), '
    "the formula tagged by `family`. A float or an unknown key answers 400 naming the dotted field "
    "(`parameters.formula.rate`)."
)


@extend_schema_field(
    {"type": "string", "enum": [choice.value for choice in PolicyStatus], "readOnly": True},
    component_name="ResalePolicyStatusEnum",
)
class PolicyStatusField(serializers.ChoiceField):
    """A version's status (draft, approved, retired): one named enum wherever it appears in the schema."""

    def __init__(self, **kwargs: Any):
        super().__init__(choices=PolicyStatus.choices, read_only=True, **kwargs)


def series_field(kind: str) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="code",
        queryset=IndexSeries.objects.all(),
        required=False,
        allow_null=True,
        help_text=f"The code of the index series the program reads for the {kind} (see index-series/).",
    )


class ResalePolicyVersionBriefSerializer(serializers.ModelSerializer):
    status = PolicyStatusField()
    cpi_series = serializers.SlugRelatedField(slug_field="code", read_only=True)
    ami_series = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ResalePolicyVersion
        fields = [
            "id",
            "version",
            "status",
            "effective_from",
            "approved_on",
            "approval_reference",
            "parameters",
            "cpi_series",
            "ami_series",
        ]
        read_only_fields = fields


class ResalePolicySerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    """A resale policy with its versions; made with its first version (a draft) from ``parameters``."""

    versions = ResalePolicyVersionBriefSerializer(many=True, read_only=True)
    parameters = serializers.DictField(write_only=True, help_text="On creation: version 1. " + PARAMETERS_HELP)
    cpi_series = series_field("CPI")
    ami_series = series_field("area median income")
    change_reason = change_reason_field()

    class Meta:
        model = ResalePolicy
        fields = [
            "id",
            "name",
            "description",
            "versions",
            "parameters",
            "cpi_series",
            "ami_series",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = ["created", "last_updated"]
        # The service's full_clean checks that the name is free: one message for every caller.
        extra_kwargs = {"name": {"validators": []}}

    def create(self, validated_data: dict[str, Any]) -> ResalePolicy:
        actor, reason = self._actor_and_reason("Created through the API")
        values = self._without_reason(validated_data)
        version = services.resale_policy_create(
            actor=actor,
            reason=reason,
            name=values["name"],
            description=values.get("description", ""),
            parameters=values["parameters"],
            cpi_series=values.get("cpi_series"),
            ami_series=values.get("ami_series"),
        )
        return version.policy


class ResalePolicyVersionSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    """A version's parameters. Made and corrected as a draft; approved through ``approve``, then immutable."""

    policy = serializers.PrimaryKeyRelatedField(queryset=ResalePolicy.objects.all())
    policy_name = serializers.CharField(source="policy.name", read_only=True)
    parameters = serializers.DictField(help_text=PARAMETERS_HELP)
    cpi_series = series_field("CPI")
    ami_series = series_field("area median income")
    status = PolicyStatusField()
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    change_reason = change_reason_field()

    class Meta:
        model = ResalePolicyVersion
        fields = [
            "id",
            "policy",
            "policy_name",
            "version",
            "parameters",
            "cpi_series",
            "ami_series",
            "status",
            "effective_from",
            "approved_on",
            "approved_by",
            "approval_reference",
            "notes",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = [
            "version",
            "status",
            "effective_from",
            "approved_on",
            "approval_reference",
            "notes",
            "created",
            "last_updated",
        ]
        # The version number is the service's to give; (policy, version) cannot clash.
        validators: list = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "policy" in attrs and attrs["policy"] != self.instance.policy:
            raise serializers.ValidationError({"policy": [_("A version stays with its policy.")]})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> ResalePolicyVersion:
        actor, reason = self._actor_and_reason("Created through the API")
        return services.resale_policy_version_create(
            policy=validated_data["policy"],
            parameters=validated_data["parameters"],
            actor=actor,
            reason=reason,
            cpi_series=validated_data.get("cpi_series"),
            ami_series=validated_data.get("ami_series"),
        )

    def update(self, instance: ResalePolicyVersion, validated_data: dict[str, Any]) -> ResalePolicyVersion:
        changes = {k: validated_data[k] for k in ("parameters", "cpi_series", "ami_series") if k in validated_data}
        if not changes:
            return instance
        actor, reason = self._actor_and_reason("Corrected through the API")
        return services.resale_policy_version_update(version=instance, actor=actor, reason=reason, **changes)


class ResalePolicyApproveSerializer(serializers.Serializer):
    approved_on = serializers.DateField(required=False, help_text="The date of the decision. Default: today.")
    effective_from = serializers.DateField(required=False, help_text="In use from. Default: the approval date.")
    approval_reference = serializers.CharField(
        max_length=200, help_text="The board or member resolution that approved it, with its date."
    )
    reason = reason_field("Why it is approved now; kept in the version's history.")


class QuotePolicyRequestSerializer(StrictKeysMixin, serializers.Serializer):
    """One policy to quote: a stored version or (staff) inline parameters, with a label."""

    version = serializers.IntegerField(
        min_value=1, required=False, help_text="A stored policy version's id (a homeowner: the one their lease names)."
    )
    parameters = serializers.DictField(required=False, help_text="Staff only: inline parameters. " + PARAMETERS_HELP)
    label = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="How the quote is named in the answer."
    )


class QuoteIndexSeriesSerializer(StrictKeysMixin, serializers.Serializer):
    """Stored series to read index values from, by the kind of input they fill."""

    ami = serializers.CharField(
        required=False, max_length=80, help_text="Code of an area median income series (hud-mfi-…)."
    )
    cpi = serializers.CharField(required=False, max_length=80, help_text="Code of a consumer price series (cpi-u).")


class QuoteRequestSerializer(StrictKeysMixin, serializers.Serializer):
    """A quote request: the home (a lease and/or inputs), the policies, the date and the series."""

    lease = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=(
            "Fill the inputs from this lease (price, commencement as purchase date, initial appraisal, bedrooms, "
            "subsidies). A homeowner must name their own lease; staff any, or none."
        ),
    )
    policies = serializers.ListField(
        child=QuotePolicyRequestSerializer(),
        required=False,
        allow_empty=False,
        max_length=10,
        help_text="One or several policies, quoted side by side. Default: the version the lease's terms name.",
    )
    inputs = serializers.DictField(
        required=False,
        help_text=(
            "Fields of `resale.ResaleInputs` in the codec's JSON (decimals as strings, dates YYYY-MM-DD); each "
            "replaces what the lease supplied."
        ),
    )
    determination_date = serializers.DateField(required=False, help_text="Default: today.")
    index_series = QuoteIndexSeriesSerializer(
        required=False,
        help_text="Stored series whose values in effect on the purchase and determination dates fill the index "
        "inputs a policy reads, unless `inputs` gives them.",
    )


class LineItemSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text="The rule that produced the line (growth.cpi, cap.…).")
    label = serializers.CharField(read_only=True)
    amount = serializers.CharField(read_only=True, help_text="Exact decimal as text: the change this line makes.")
    total = serializers.CharField(read_only=True, help_text="Exact decimal as text: the running figure after it.")
    detail = serializers.CharField(read_only=True, help_text="The arithmetic, in words.")


class ResaleResultSerializer(serializers.Serializer):
    line_items = LineItemSerializer(many=True, read_only=True)
    formula_price = serializers.CharField(read_only=True, help_text="After the formula, unrounded.")
    capped_price = serializers.CharField(read_only=True, help_text="After the caps.")
    price = serializers.CharField(read_only=True, help_text="The maximum resale price, rounded by the policy.")
    credits_total = serializers.CharField(read_only=True)
    proceeds_items = LineItemSerializer(many=True, read_only=True)
    seller_proceeds = serializers.CharField(read_only=True, help_text="Negative: the seller brings money to closing.")


class QuotedPolicySerializer(serializers.Serializer):
    version = serializers.IntegerField(read_only=True, allow_null=True, help_text="Null for inline parameters.")
    name = serializers.CharField(read_only=True, allow_null=True)
    number = serializers.IntegerField(read_only=True, allow_null=True, help_text="The version's number.")
    status = serializers.CharField(read_only=True, allow_null=True, help_text="draft, approved or retired.")


class IndexUseSerializer(serializers.Serializer):
    field = serializers.CharField(read_only=True, help_text="The input it filled: cpi_at_purchase, …")
    series = serializers.CharField(read_only=True)
    on = serializers.DateField(read_only=True, help_text="The purchase or determination date.")
    effective_from = serializers.DateField(read_only=True, allow_null=True)
    value = serializers.CharField(read_only=True)
    source = serializers.CharField(
        read_only=True, help_text="index_series: looked up from the stored series; inputs: given in the request."
    )


class QuoteSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True)
    policy = QuotedPolicySerializer(read_only=True)
    result = ResaleResultSerializer(read_only=True)
    index_values_used = IndexUseSerializer(many=True, read_only=True)


class QuoteResponseSerializer(serializers.Serializer):
    quotes = QuoteSerializer(many=True, read_only=True)
    inputs = serializers.DictField(
        read_only=True, help_text="Every input used, in the codec's JSON: send it back to reproduce the quotes."
    )
