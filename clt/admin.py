from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from clt.models import Job, Organization, Person


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "email", "phone", "preferred_language", "user"]
    search_fields = ["given_name", "family_name", "email"]
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "email"]
    search_fields = ["name"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Jobs are written by the worker: the admin reads them (retry from the job's page)."""

    list_display = ["title", "kind", "status", "requested_by", "created", "finished", "attempts"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    raw_id_fields = ["requested_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
