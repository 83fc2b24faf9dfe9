"""The admin is a staff escape hatch for reading; lease states, events and the ledger change only through services.

So the models that carry a workflow are read-only here: an edit in the admin would skip the
transition rules, the deadlines and the event log.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from leases.ledger.models import Charge, Payment
from leases.lifecycle.models import (
    Deadline,
    GroundLease,
    Household,
    HouseholdMember,
    LeaseEvent,
    LeaseTemplate,
    LeaseTemplateVersion,
)
from leases.monitoring.models import MonitoringRecord
from leases.resale.models import CapitalImprovement, IndexSeries, ResaleCalculation, ResalePolicyVersion


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Read-only, with the record's history."""


class ReadOnlyFactsAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only rows that are facts, not edits (no history: they never change)."""


class HouseholdMemberInline(admin.TabularInline):
    model = HouseholdMember
    extra = 0
    raw_id_fields = ["person"]


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ["name", "size", "income_at_purchase", "area_median_income", "ami_year"]
    search_fields = ["name", "people__family_name"]
    inlines = [HouseholdMemberInline]


@admin.register(LeaseTemplate)
class LeaseTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["name"]


@admin.register(LeaseTemplateVersion)
class LeaseTemplateVersionAdmin(ReadOnlyAdmin):
    list_display = ["template", "version", "effective_from", "term_years", "cure_days", "option_exercise_days"]
    list_filter = ["template"]


@admin.register(GroundLease)
class GroundLeaseAdmin(ReadOnlyAdmin):
    list_display = ["pk", "unit", "status", "compliance_state", "financing_state", "transfer_state", "term_end"]
    list_filter = ["status", "compliance_state", "financing_state", "transfer_state"]
    search_fields = ["unit__address", "parcel__apn", "leaseholders__person__family_name"]


@admin.register(LeaseEvent)
class LeaseEventAdmin(ReadOnlyFactsAdmin):
    list_display = ["lease", "kind", "effective_on", "received_on", "actor"]
    list_filter = ["track", "kind"]


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ["lease", "kind", "due", "original_due", "status"]
    list_filter = ["kind", "status"]


@admin.register(Charge)
class ChargeAdmin(ReadOnlyFactsAdmin):
    list_display = ["lease", "kind", "due", "amount"]
    list_filter = ["kind"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["lease", "received_on", "amount", "method", "reversed_on"]


@admin.register(MonitoringRecord)
class MonitoringRecordAdmin(ReadOnlyAdmin):
    list_display = ["lease", "kind", "year", "due", "status"]
    list_filter = ["kind", "status"]


@admin.register(IndexSeries)
class IndexSeriesAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "area"]
    list_filter = ["kind"]


@admin.register(ResalePolicyVersion)
class ResalePolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ["policy", "version", "status", "effective_from", "approved_on", "approval_reference"]
    list_filter = ["status"]


@admin.register(CapitalImprovement)
class CapitalImprovementAdmin(ReadOnlyAdmin):
    list_display = ["lease", "description", "status", "maintenance", "cost", "completed_on"]
    list_filter = ["status", "maintenance", "method"]


@admin.register(ResaleCalculation)
class ResaleCalculationAdmin(ReadOnlyFactsAdmin):
    list_display = ["lease", "determination_date", "policy_version", "formula_price", "price", "actor"]
