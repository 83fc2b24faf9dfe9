"""Serializers of households, lease terms, ground leases, events and deadlines. Writes go through services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ForeignKey
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from clt.api.serializers import ReasonedWriteMixin, change_reason_field, money, reason_field
from clt.models import Organization, Person
from leases.lifecycle import services
from leases.lifecycle.models import (
    Deadline,
    GroundLease,
    Household,
    HouseholdMember,
    LeaseEvent,
    Leaseholder,
    LeaseSubsidy,
    LeaseTemplate,
    LeaseTemplateVersion,
)
from properties.models import Unit

# Choice sets named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]: several models have a "kind" or a
# "status", and the schema needs one well-named enum for each set.
LEASE_STATUS_CHOICES = GroundLease._meta.get_field("status").choices
EVENT_KIND_CHOICES = LeaseEvent._meta.get_field("kind").choices
DEADLINE_KIND_CHOICES = Deadline._meta.get_field("kind").choices

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


class PrefetchedList(serializers.ListSerializer):
    """A nested list read from ``<source>_list`` when the viewset prefetched it there (``to_attr``): a plain
    list, where the related manager would build a filtered queryset per row. Anything else reads as before."""

    def get_attribute(self, instance: Any) -> Any:
        prefetched = getattr(instance, f"{self.source}_list", None)
        return prefetched if prefetched is not None else super().get_attribute(instance)


def _fk_column(field: serializers.Field) -> str | None:
    """The column holding the id a primary-key field writes for a foreign key, when it writes it as is."""
    if type(field) is not serializers.PrimaryKeyRelatedField or field.pk_field is not None:
        return None
    if len(field.source_attrs) != 1:
        return None
    try:
        model_field = GroundLease._meta.get_field(field.source_attrs[0])
    except FieldDoesNotExist:
        return None
    return model_field.attname if isinstance(model_field, ForeignKey) else None


class GroundLeaseSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    unit_address = serializers.CharField(source="unit.address", read_only=True)
    parcel_apn = serializers.CharField(source="parcel.apn", read_only=True)
    template_version = serializers.PrimaryKeyRelatedField(queryset=LeaseTemplateVersion.objects.all())
    # str() of the version, as CharField writes any value: calling ``__str__`` as the source made DRF inspect the
    # method's signature on every row.
    template_version_name = serializers.CharField(source="template_version", read_only=True)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        help_text="A housing cooperative holding the lease; leave empty when people hold it.",
    )
    organization_name = serializers.CharField(source="organization.name", read_only=True, allow_null=True)
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.all(), required=False, allow_null=True)
    leaseholders = PrefetchedList(child=LeaseholderSerializer(), read_only=True)
    leaseholder_ids = serializers.PrimaryKeyRelatedField(
        many=True,
        write_only=True,
        required=False,
        queryset=Person.objects.all(),
        help_text="On creation: the ids of the people who hold the lease (co-lessees), unless an organization does.",
    )
    subsidies = PrefetchedList(child=SubsidySerializer(), required=False)
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

    def to_representation(self, instance: GroundLease) -> dict[str, Any]:
        """DRF's loop over the readable fields, listed once per serializer (a list serializer's child serves every
        row), with a foreign key's id read from its column as the primary-key field would write it."""
        plan = self.__dict__.get("_read_plan")
        if plan is None:
            plan = self._read_plan = [(field, _fk_column(field)) for field in self._readable_fields]
        row: dict[str, Any] = {}
        for field, column in plan:
            if column is not None:
                row[field.field_name] = getattr(instance, column)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            row[field.field_name] = None if check is None else field.to_representation(attribute)
        return row

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
