"""The admin is a staff escape hatch; the pages and the API are the product."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from properties.models import LineageEvent, Parcel, ParcelFunding, ParcelLineage, ParcelOverlap, Unit


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0
    fields = ["kind", "address", "unit_number", "bedrooms", "bathrooms"]
    show_change_link = True


@admin.register(Parcel)
class ParcelAdmin(SimpleHistoryAdmin):
    list_display = ["apn", "address", "status", "area_acres", "acquisition_date", "area_mismatch"]
    list_filter = ["status", "area_mismatch"]
    search_fields = ["apn", "address"]
    readonly_fields = [
        "area_m2",
        "area_acres",
        "centroid_lon",
        "centroid_lat",
        "bbox_min_lon",
        "bbox_min_lat",
        "bbox_max_lon",
        "bbox_max_lat",
        "geometry",
    ]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "parcel", "kind", "bedrooms"]
    list_filter = ["kind"]
    search_fields = ["address", "parcel__apn"]
    raw_id_fields = ["parcel"]


@admin.register(ParcelFunding)
class ParcelFundingAdmin(SimpleHistoryAdmin):
    list_display = ["parcel", "source", "kind", "amount", "date"]
    raw_id_fields = ["parcel"]


@admin.register(ParcelOverlap)
class ParcelOverlapAdmin(SimpleHistoryAdmin):
    list_display = ["parcel", "other", "area_m2", "accepted_at"]
    raw_id_fields = ["parcel", "other"]


@admin.register(LineageEvent)
class LineageEventAdmin(admin.ModelAdmin):
    list_display = ["kind", "effective_date", "reason"]


admin.site.register(ParcelLineage)
