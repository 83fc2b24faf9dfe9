from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from clt.models import Organization, Person


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "email", "phone", "preferred_language", "user"]
    search_fields = ["given_name", "family_name", "email"]
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "email"]
    search_fields = ["name"]
