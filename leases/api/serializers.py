"""Serializers of the leases API. Writes go through ``leases.services``; nothing here saves a row.

Money is a ``DecimalField`` with 2 places: it is rendered as a string (``"40.00"``) and a value
with more than 2 decimal places is refused with a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clt.api.viewsets import change_reason_from
from clt.models import Organization, Person
from leases import services
from leases.models import (
    Charge,
    ChargeWaiver,
    Deadline,
    FeeRate,
    FeeSchedule,
    FeeSuspension,
    GroundLease,
    Household,
    HouseholdMember,
    IndexSeries,
    LeaseEvent,
    Leaseholder,
    LeaseSubsidy,
    LeaseTemplate,
    LeaseTemplateVersion,
    MonitoringRecord,
    MonitoringStatus,
    Payment,
    PolicyStatus,
    ResalePolicy,
    ResalePolicyVersion,
)
from properties.models import Unit

__all__ = [
    "ChargeSerializer",
    "ChargeWaiveSerializer",
    "DeadlineExtendSerializer",
    "DeadlineSerializer",
    "DueSerializer",
    "FeeRateSerializer",
    "FeeScheduleSerializer",
    "FeeSuspensionSerializer",
    "GroundLeaseSerializer",
    "HouseholdSerializer",
    "IndexSeriesSerializer",
    "IndexValueInEffectSerializer",
    "IndexValueQuerySerializer",
    "LeaseDeadlinesSerializer",
    "LeaseEventCreateSerializer",
    "LeaseEventSerializer",
    "LeaseTemplateSerializer",
    "LeaseTemplateTermsSerializer",
    "LeaseTemplateVersionSerializer",
    "LedgerQuerySerializer",
    "LedgerSerializer",
    "MonitoringRecordSerializer",
    "MonitoringReviewSerializer",
    "OccupancyCertifySerializer",
    "PaymentReverseSerializer",
    "PaymentSerializer",
    "QuoteRequestSerializer",
    "QuoteResponseSerializer",
    "ResalePolicyApproveSerializer",
    "ResalePolicySerializer",
    "ResalePolicyVersionSerializer",
    "StatementQuerySerializer",
    "StatementSerializer",
]


# Choice sets named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]: several models have a "kind" or a
# "status", and the schema needs one well-named enum for each set.
LEASE_STATUS_CHOICES = GroundLease._meta.get_field("status").choices
EVENT_KIND_CHOICES = LeaseEvent._meta.get_field("kind").choices
DEADLINE_KIND_CHOICES = Deadline._meta.get_field("kind").choices
REVIEW_STATUS_CHOICES = [
    (status.value, status.label)
    for status in (MonitoringStatus.ACCEPTED, MonitoringStatus.REJECTED, MonitoringStatus.WAIVED)
]
STATEMENT_LINE_KINDS = ["fee", "late_fee", "other", "payment", "reversal"]


def money(**options: Any) -> serializers.DecimalField:
    """A read-only amount of money as a string with 2 decimals (balances may be negative: in credit)."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **options)


def reason_field(help_text: str) -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=help_text + " Or send `change_reason`."
    )


def change_reason_field() -> serializers.CharField:
    return serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="Why this change is made; kept in the record's history with the acting user.",
    )


class ReasonedWriteMixin:
    """The acting user and the reason for a change (``change_reason`` in the body or the header)."""

    def _actor_and_reason(self, default: str) -> tuple[Any, str]:
        request = self.context["request"]
        return request.user, change_reason_from(request, default)

    @staticmethod
    def _without_reason(validated: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in validated.items() if k != "change_reason"}


# --- Households -------------------------------------------------------------------------------


class HouseholdMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.full_name", read_only=True)

    class Meta:
        model = HouseholdMember
        fields = ["person", "name", "relationship"]
        read_only_fields = fields


class HouseholdSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    people = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Person.objects.all(),
        required=False,
        write_only=True,
        help_text="Ids of the people who live in the home.",
    )
    members = HouseholdMemberSerializer(many=True, read_only=True)
    ami_percent = serializers.DecimalField(
        max_digits=7,
        decimal_places=1,
        read_only=True,
        allow_null=True,
        help_text="Income at purchase as a percentage of area median income, rounded half up to 0.1.",
    )
    change_reason = change_reason_field()

    class Meta:
        model = Household
        fields = [
            "id",
            "name",
            "size",
            "income_at_purchase",
            "area_median_income",
            "ami_year",
            "ami_percent",
            "people",
            "members",
            "notes",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = ["created", "last_updated"]

    def create(self, validated_data: dict[str, Any]) -> Household:
        actor, reason = self._actor_and_reason("Created through the API")
        return services.household_create(actor=actor, reason=reason, **self._without_reason(validated_data))


# --- Lease templates ----------------------------------------------------------------------------


class TemplateVersionBriefSerializer(serializers.ModelSerializer):
    in_use = serializers.SerializerMethodField()

    class Meta:
        model = LeaseTemplateVersion
        fields = ["id", "version", "effective_from", "in_use"]
        read_only_fields = fields

    def get_in_use(self, obj: LeaseTemplateVersion) -> bool:
        return bool(getattr(obj, "lease_count", 0))


class LeaseTemplateTermsSerializer(serializers.ModelSerializer):
    """The terms of a new template's version 1; each one left out takes the domain notes' published figure."""

    class Meta:
        model = LeaseTemplateVersion
        fields = list(services.TEMPLATE_VERSION_FIELDS)
        extra_kwargs = {"effective_from": {"required": False, "help_text": "Defaults to today."}}
        validators: list = []


class LeaseTemplateSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    """A lease template with its versions; made with its version 1 (``terms``), then never edited here."""

    versions = TemplateVersionBriefSerializer(many=True, read_only=True)
    terms = LeaseTemplateTermsSerializer(
        write_only=True,
        required=False,
        help_text="The terms of version 1 (made with the template); a term left out takes the default.",
    )
    change_reason = change_reason_field()

    class Meta:
        model = LeaseTemplate
        fields = ["id", "name", "description", "versions", "terms", "created", "last_updated", "change_reason"]
        read_only_fields = ["created", "last_updated"]
        # The service checks that the name is free (``full_clean``): one message for pages and the API.
        extra_kwargs = {"name": {"validators": []}}

    def create(self, validated_data: dict[str, Any]) -> LeaseTemplate:
        actor, reason = self._actor_and_reason("Created through the API")
        values = self._without_reason(validated_data)
        terms = dict(values.pop("terms", None) or {})
        try:
            return services.template_create(actor=actor, reason=reason, **values, **terms)
        except DjangoValidationError as error:
            # A term's error is reported where the term was sent: under ``terms``.
            if not hasattr(error, "error_dict"):
                raise
            detail: dict[str, Any] = {}
            for field, messages in error.message_dict.items():
                if field in services.TEMPLATE_VERSION_FIELDS:
                    detail.setdefault("terms", {})[field] = messages
                else:
                    detail["non_field_errors" if field == NON_FIELD_ERRORS else field] = messages
            raise serializers.ValidationError(detail) from None


class LeaseTemplateVersionSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    template_name = serializers.CharField(source="template.name", read_only=True)
    in_use = serializers.SerializerMethodField(help_text="A version some lease uses is never edited.")
    change_reason = change_reason_field()

    class Meta:
        model = LeaseTemplateVersion
        fields = [
            "id",
            "template",
            "template_name",
            "version",
            "in_use",
            *services.TEMPLATE_VERSION_FIELDS,
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = ["version", "created", "last_updated"]
        # The version number is the service's to give; (template, version) cannot clash.
        validators: list = []

    def get_in_use(self, obj: LeaseTemplateVersion) -> bool:
        return bool(getattr(obj, "lease_count", 0))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "template" in attrs and attrs["template"] != self.instance.template:
            raise serializers.ValidationError({"template": [_("A version stays with its template.")]})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> LeaseTemplateVersion:
        actor, reason = self._actor_and_reason("Created through the API")
        terms = self._without_reason(validated_data)
        template = terms.pop("template")
        return services.template_version_create(template=template, actor=actor, reason=reason, **terms)

    def update(self, instance: LeaseTemplateVersion, validated_data: dict[str, Any]) -> LeaseTemplateVersion:
        actor, reason = self._actor_and_reason("Changed through the API")
        terms = self._without_reason(validated_data)
        terms.pop("template", None)
        return services.template_version_update(version=instance, actor=actor, reason=reason, **terms)


# --- Ground leases ------------------------------------------------------------------------------


class LeaseholderSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.full_name", read_only=True)

    class Meta:
        model = Leaseholder
        fields = ["person", "name"]
        read_only_fields = fields


class SubsidySerializer(serializers.ModelSerializer):
    class Meta:
        model = LeaseSubsidy
        fields = ["id", "source", "amount", "stays_with_home"]
        read_only_fields = ["id", "stays_with_home"]


# What the lease is made with; afterwards each changes through its own route.
CREATE_ONLY_FIELDS = {
    "monthly_fee": _("Change the fee with a new fee rate (POST /api/v1/fee-rates/)."),
    "subsidies": _("Subsidies are recorded when the lease is made."),
}


class GroundLeaseSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    unit_address = serializers.CharField(source="unit.address", read_only=True)
    parcel_apn = serializers.CharField(source="parcel.apn", read_only=True)
    template_version = serializers.PrimaryKeyRelatedField(queryset=LeaseTemplateVersion.objects.all())
    template_version_name = serializers.CharField(source="template_version.__str__", read_only=True)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        help_text="A housing cooperative holding the lease; leave empty when people hold it.",
    )
    organization_name = serializers.CharField(source="organization.name", read_only=True, allow_null=True)
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.all(), required=False, allow_null=True)
    leaseholders = LeaseholderSerializer(many=True, read_only=True)
    leaseholder_ids = serializers.PrimaryKeyRelatedField(
        many=True,
        write_only=True,
        required=False,
        queryset=Person.objects.all(),
        help_text="On creation: the ids of the people who hold the lease (co-lessees), unless an organisation does.",
    )
    subsidies = SubsidySerializer(many=True, required=False)
    monthly_fee = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        allow_null=True,
        help_text="Read: the monthly fee in effect today. On creation: the first rate (default: the terms' default).",
    )
    balance = money(help_text="Charges due up to today less payments counted today; negative means in credit.")
    fee_suspended = serializers.BooleanField(
        read_only=True, help_text="A suspension agreed in writing is in force today: no fee is billed."
    )
    change_reason = change_reason_field()

    class Meta:
        model = GroundLease
        fields = [
            "id",
            "unit",
            "unit_address",
            "parcel",
            "parcel_apn",
            "template_version",
            "template_version_name",
            "organization",
            "organization_name",
            "household",
            "leaseholders",
            "leaseholder_ids",
            "status",
            "compliance_state",
            "financing_state",
            "transfer_state",
            "commencement",
            "term_end",
            "renewals_used",
            "ended_on",
            "recording_instrument",
            "recording_book",
            "recording_page",
            "recorded_on",
            "purchase_price",
            "appraisal_date",
            "appraised_value",
            "appraised_land_value",
            "appraised_improvements_value",
            "subsidies",
            "monthly_fee",
            "fee_suspended",
            "balance",
            "predecessor",
            "notes",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = [
            "parcel",
            "status",
            "compliance_state",
            "financing_state",
            "transfer_state",
            "term_end",
            "renewals_used",
            "ended_on",
            "predecessor",
            "created",
            "last_updated",
        ]
        # "One active lease per home" and the other constraints are checked by the service's full_clean.
        validators: list = []

    def create(self, validated_data: dict[str, Any]) -> GroundLease:
        actor, reason = self._actor_and_reason("Created through the API")
        fields = self._without_reason(validated_data)
        subsidies = [(s["source"], s["amount"]) for s in fields.pop("subsidies", [])]
        return services.lease_create(
            actor=actor,
            reason=reason,
            leaseholders=fields.pop("leaseholder_ids", []),
            subsidies=subsidies,
            **fields,
        )

    def update(self, instance: GroundLease, validated_data: dict[str, Any]) -> GroundLease:
        actor, reason = self._actor_and_reason("Changed through the API")
        fields = self._without_reason(validated_data)
        for name, message in CREATE_ONLY_FIELDS.items():
            if name in fields:
                raise serializers.ValidationError({name: [message]})
        # The service refuses everything else that only an event may change (unit, terms, leaseholders).
        return services.lease_update(lease=instance, actor=actor, reason=reason, **fields)


# --- Events and deadlines -------------------------------------------------------------------------


class DeadlineBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Deadline
        fields = ["id", "kind", "counted_from", "days", "original_due", "due", "status"]
        read_only_fields = fields


class LeaseEventSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    recorded_by = serializers.SlugRelatedField(source="actor", slug_field="username", read_only=True)
    deadlines_opened = DeadlineBriefSerializer(many=True, read_only=True)

    class Meta:
        model = LeaseEvent
        fields = [
            "id",
            "lease",
            "track",
            "kind",
            "kind_label",
            "from_state",
            "to_state",
            "effective_on",
            "sent_on",
            "received_on",
            "delivery_method",
            "data",
            "reason",
            "recorded_by",
            "recorded_at",
            "deadlines_opened",
        ]
        read_only_fields = fields


class LeaseEventCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EVENT_KIND_CHOICES)
    effective_on = serializers.DateField(
        required=False, allow_null=True, help_text="Default: the date received, else today."
    )
    sent_on = serializers.DateField(required=False, allow_null=True)
    received_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="When the addressee received the notice: deadlines count from it.",
    )
    delivery_method = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    data = serializers.DictField(
        required=False, default=dict, help_text="The details the kind of event needs (e.g. `breach`)."
    )
    reason = reason_field("Why the event is recorded; kept with the event.")


class DeadlineSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    lease_address = serializers.CharField(source="lease.unit.address", read_only=True)
    extended = serializers.BooleanField(read_only=True)

    class Meta:
        model = Deadline
        fields = [
            "id",
            "lease",
            "lease_address",
            "kind",
            "kind_label",
            "counted_from",
            "days",
            "original_due",
            "due",
            "extended",
            "status",
            "opened_by",
            "settled_by",
            "settled_on",
            "created",
            "last_updated",
        ]
        read_only_fields = fields


class LeaseDeadlinesSerializer(serializers.Serializer):
    open = DeadlineSerializer(many=True, read_only=True)
    settled = DeadlineSerializer(many=True, read_only=True)


class DeadlineExtendSerializer(serializers.Serializer):
    new_due = serializers.DateField()
    agreed_on = serializers.DateField(help_text="When the extension was agreed in writing.")
    reason = reason_field("Why the deadline moves; kept with the extension event.")


class DueItemSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=["deadline", "monitoring"], read_only=True)
    id = serializers.IntegerField(source="pk", read_only=True)
    lease = serializers.IntegerField(source="lease_id", read_only=True)
    address = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    due = serializers.DateField(read_only=True)
    original_due = serializers.DateField(read_only=True)
    days_left = serializers.IntegerField(read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    extended = serializers.BooleanField(read_only=True)


class DueBucketSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=["overdue", "due_30", "due_60", "due_90"], read_only=True)
    label = serializers.CharField(read_only=True)
    items = DueItemSerializer(many=True, read_only=True)


class DueQuerySerializer(serializers.Serializer):
    horizon = serializers.IntegerField(
        min_value=0, max_value=90, default=90, help_text="Days ahead to look (the last bucket ends at 90)."
    )


class DueSerializer(serializers.Serializer):
    as_of = serializers.DateField(read_only=True)
    horizon = serializers.IntegerField(read_only=True)
    buckets = DueBucketSerializer(many=True, read_only=True)


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
    change_reason = change_reason_field()

    class Meta:
        model = Payment
        fields = [
            "id",
            "lease",
            "received_on",
            "amount",
            "method",
            "reference",
            "reversed_on",
            "reversal_reason",
            "created",
            "change_reason",
        ]
        read_only_fields = ["reversed_on", "reversal_reason", "created"]

    def create(self, validated_data: dict[str, Any]) -> Payment:
        actor, reason = self._actor_and_reason("Recorded through the API")
        return services.payment_record(actor=actor, reason=reason, **self._without_reason(validated_data))


class PaymentReverseSerializer(serializers.Serializer):
    reversed_on = serializers.DateField(required=False, help_text="Default: today.")
    reason = reason_field("Why the payment is reversed (e.g. returned cheque).")


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


# --- Monitoring -----------------------------------------------------------------------------------


class MonitoringRecordSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    lease = serializers.PrimaryKeyRelatedField(queryset=GroundLease.objects.all())
    # Null for a record nobody has submitted yet (a certification still requested).
    submitted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="The login that submitted it."
    )
    change_reason = change_reason_field()

    class Meta:
        model = MonitoringRecord
        fields = [
            "id",
            "lease",
            "kind",
            "year",
            "due",
            "status",
            "notice_sent_at",
            "scheduled_for",
            "submitted_on",
            "completed_on",
            "months_occupied",
            "details",
            "estimated_cost",
            "submitted_by",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = [
            "status",
            "submitted_on",
            "completed_on",
            "months_occupied",
            "submitted_by",
            "created",
            "last_updated",
        ]
        # One certification a year is the service's (full_clean's) to check.
        validators: list = []

    def create(self, validated_data: dict[str, Any]) -> MonitoringRecord:
        actor, reason = self._actor_and_reason("Created through the API")
        return services.monitoring_create(actor=actor, reason=reason, **self._without_reason(validated_data))


class MonitoringReviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=REVIEW_STATUS_CHOICES)
    reason = reason_field("What staff found; kept in the record's history.")


class OccupancyCertifySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1900, max_value=2200)
    months_occupied = serializers.IntegerField(min_value=0, max_value=12)
    details = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    change_reason = change_reason_field()


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


class StrictKeysMixin:
    """Refuse keys the serializer does not know: a typo must not fall back silently to a default."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {unknown[0]: [_("Not a field here; use: %(fields)s.") % {"fields": ", ".join(self.fields)}]}
                )
        return super().to_internal_value(data)


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
