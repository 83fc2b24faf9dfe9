"""Serializers of the fee ledger. Money is a ``DecimalField`` with 2 places, rendered as a string."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clt.api.serializers import ReasonedWriteMixin, change_reason_field, money, reason_field
from leases.ledger import services, wording
from leases.ledger.models import (
    Charge,
    ChargeWaiver,
    FeeRate,
    FeeSchedule,
    FeeSuspension,
    LocalCurrency,
    LocalCurrencyRate,
    Payment,
)
from leases.lifecycle.models import (
    GroundLease,
)

STATEMENT_LINE_KINDS = ["fee", "late_fee", "other", "payment", "reversal"]

# --- The fee ledger -------------------------------------------------------------------------------


class FeeRateBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeRate
        fields = ["id", "effective", "amount", "reason"]
        read_only_fields = fields


class FeeSuspensionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeSuspension
        fields = ["id", "start", "end", "reason"]
        read_only_fields = fields


class FeeScheduleSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    rates = FeeRateBriefSerializer(many=True, read_only=True)
    suspensions = FeeSuspensionBriefSerializer(many=True, read_only=True)
    change_reason = change_reason_field()

    class Meta:
        model = FeeSchedule
        fields = [
            "id",
            "lease",
            *FeeSchedule.LATE_FEE_FIELDS,
            "rates",
            "suspensions",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = ["lease", "created", "last_updated"]

    def update(self, instance: FeeSchedule, validated_data: dict[str, Any]) -> FeeSchedule:
        actor, reason = self._actor_and_reason("Changed through the API")
        return services.fee_schedule_update(
            lease=instance.lease, actor=actor, reason=reason, **self._without_reason(validated_data)
        )


class FeeRateSerializer(serializers.ModelSerializer):
    lease = serializers.PrimaryKeyRelatedField(source="schedule.lease", queryset=GroundLease.objects.all())
    reason = serializers.CharField(max_length=2000, help_text="Why the fee changes (e.g. the board's resolution).")

    class Meta:
        model = FeeRate
        fields = ["id", "lease", "schedule", "effective", "amount", "reason", "created", "last_updated"]
        read_only_fields = ["schedule", "created", "last_updated"]
        # (schedule, effective) uniqueness is the service's to check: the schedule comes from the lease.
        validators: list = []

    def create(self, validated_data: dict[str, Any]) -> FeeRate:
        return services.fee_rate_change(
            lease=validated_data["schedule"]["lease"],
            effective=validated_data["effective"],
            amount=validated_data["amount"],
            actor=self.context["request"].user,
            reason=validated_data["reason"],
        )


class FeeSuspensionSerializer(serializers.ModelSerializer):
    lease = serializers.PrimaryKeyRelatedField(source="schedule.lease", queryset=GroundLease.objects.all())
    reason = serializers.CharField(max_length=2000, help_text="The written agreement the suspension rests on.")

    class Meta:
        model = FeeSuspension
        fields = ["id", "lease", "schedule", "start", "end", "reason", "created", "last_updated"]
        read_only_fields = ["schedule", "created", "last_updated"]

    def create(self, validated_data: dict[str, Any]) -> FeeSuspension:
        return services.fee_suspend(
            lease=validated_data["schedule"]["lease"],
            start=validated_data["start"],
            end=validated_data.get("end"),
            actor=self.context["request"].user,
            reason=validated_data["reason"],
        )


class ChargeWaiverSerializer(serializers.ModelSerializer):
    granted_by = serializers.SlugRelatedField(source="actor", slug_field="username", read_only=True)

    class Meta:
        model = ChargeWaiver
        fields = ["id", "amount", "granted_on", "reason", "granted_by", "created"]
        read_only_fields = fields


class ChargeSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    lease = serializers.PrimaryKeyRelatedField(queryset=GroundLease.objects.all())
    waived = serializers.SerializerMethodField()
    waivers = ChargeWaiverSerializer(many=True, read_only=True)
    change_reason = change_reason_field()

    class Meta:
        model = Charge
        fields = [
            "id",
            "lease",
            "kind",
            "period",
            "due",
            "amount",
            "waived",
            "description",
            "source",
            "sequence",
            "waivers",
            "created",
            "change_reason",
        ]
        read_only_fields = ["kind", "period", "source", "sequence", "created"]
        validators: list = []

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2))
    def get_waived(self, obj: Charge) -> str:
        total = sum((w.amount for w in obj.waivers.all()), Decimal("0"))
        return f"{total:.2f}"

    def create(self, validated_data: dict[str, Any]) -> Charge:
        actor, reason = self._actor_and_reason("Charged through the API")
        return services.charge_add(
            lease=validated_data["lease"],
            amount=validated_data["amount"],
            due=validated_data["due"],
            description=validated_data.get("description", ""),
            actor=actor,
            reason=reason,
        )


class ChargeWaiveSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    granted_on = serializers.DateField(required=False, help_text="Default: today.")
    reason = reason_field("Why the charge is forgiven; kept with the waiver.")


class PaymentSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    lease = serializers.PrimaryKeyRelatedField(queryset=GroundLease.objects.all())
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text="Dollars credited. In a local currency it comes from the rate: leave it out, or it must match.",
    )
    currency = serializers.SlugRelatedField(
        slug_field="code",
        queryset=LocalCurrency.objects.all(),
        required=False,
        allow_null=True,
        help_text="Code of the local currency it was paid in (`/local-currencies/`); null or absent for dollars.",
    )
    currency_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        help_text="The amount handed over, in the local currency.",
    )
    currency_rate = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text="Dollars per unit: the board's rate in force on `received_on`.",
    )
    local_text = serializers.SerializerMethodField(help_text="How it was paid in a local currency, in words.")
    change_reason = change_reason_field()

    def get_local_text(self, obj: Payment) -> str:
        return wording.local_text(obj)

    class Meta:
        model = Payment
        fields = [
            "id",
            "lease",
            "received_on",
            "amount",
            "method",
            "reference",
            "currency",
            "currency_amount",
            "currency_rate",
            "local_text",
            "reversed_on",
            "reversal_reason",
            "created",
            "change_reason",
        ]
        read_only_fields = ["reversed_on", "reversal_reason", "created"]

    def create(self, validated_data: dict[str, Any]) -> Payment:
        actor, reason = self._actor_and_reason("Recorded through the API")
        data = self._without_reason(validated_data)
        data.setdefault("amount", None)
        return services.payment_record(actor=actor, reason=reason, **data)


class LocalCurrencyRateSerializer(serializers.ModelSerializer):
    currency = serializers.SlugRelatedField(slug_field="code", queryset=LocalCurrency.objects.all())
    reason = serializers.CharField(max_length=2000, help_text="The board's decision the rate rests on.")

    class Meta:
        model = LocalCurrencyRate
        fields = ["id", "currency", "effective", "dollars_per_unit", "max_share_pct", "reason", "created"]
        read_only_fields = ["created"]
        # (currency, effective) uniqueness is the service's to check, with its own words.
        validators: list = []

    def create(self, validated_data: dict[str, Any]) -> LocalCurrencyRate:
        return services.local_rate_set(actor=self.context["request"].user, **validated_data)


class LocalCurrencySerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    rates = serializers.SerializerMethodField()
    change_reason = change_reason_field()

    class Meta:
        model = LocalCurrency
        fields = ["id", "code", "name", "symbol", "active", "rates", "created", "last_updated", "change_reason"]
        read_only_fields = ["created", "last_updated"]

    @extend_schema_field(LocalCurrencyRateSerializer(many=True))
    def get_rates(self, obj: LocalCurrency) -> list[dict[str, Any]]:
        return LocalCurrencyRateSerializer(obj.rates.all(), many=True, context=self.context).data

    def create(self, validated_data: dict[str, Any]) -> LocalCurrency:
        actor, reason = self._actor_and_reason("")
        data = self._without_reason(validated_data)
        data.pop("active", None)
        return services.local_currency_create(actor=actor, reason=reason, **data)

    def update(self, instance: LocalCurrency, validated_data: dict[str, Any]) -> LocalCurrency:
        actor, reason = self._actor_and_reason("")
        return services.local_currency_update(
            currency=instance, actor=actor, reason=reason, **self._without_reason(validated_data)
        )


class PaymentReverseSerializer(serializers.Serializer):
    reversed_on = serializers.DateField(required=False, help_text="Default: today.")
    reason = reason_field("Why the payment is reversed (e.g. returned check).")


class LedgerQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text="Default: today.")


class StatementQuerySerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end comes before the start.")]})
        return attrs


class AgeingSerializer(serializers.Serializer):
    current = money(help_text="Billed ahead, not yet due (not arrears).")
    days_0_30 = money()
    days_31_60 = money()
    days_61_90 = money()
    over_90 = money()
    total = money(help_text="The arrears: the four buckets together.")


class OpenChargeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    due = serializers.DateField(read_only=True)
    description = serializers.CharField(read_only=True)
    amount = money()
    waived = money()
    open = money()


class LedgerSerializer(serializers.Serializer):
    lease = serializers.IntegerField(read_only=True)
    as_of = serializers.DateField(read_only=True)
    balance = money(help_text="Charged less paid; negative means in credit.")
    charged = money()
    paid = money()
    credit = money()
    arrears = money()
    ageing = AgeingSerializer(read_only=True)
    open_charges = OpenChargeSerializer(many=True, read_only=True)


class StatementLineSerializer(serializers.Serializer):
    date = serializers.DateField(read_only=True)
    kind = serializers.ChoiceField(choices=STATEMENT_LINE_KINDS, read_only=True)
    key = serializers.CharField(read_only=True, help_text="The charge's or payment's id.")
    description = serializers.CharField(read_only=True)
    debit = money()
    credit = money()
    balance = money()


class StatementSerializer(serializers.Serializer):
    lease = serializers.IntegerField(read_only=True)
    start = serializers.DateField(read_only=True)
    end = serializers.DateField(read_only=True)
    opening = money()
    lines = StatementLineSerializer(many=True, read_only=True)
    closing = money()
