"""Registry pages: the parcel list, the map, a parcel's page, and the forms that change them.

Views are thin: they read through ``visible_to`` (a parcel the user may not see is a 404) and
write through ``properties.services``.
"""

from __future__ import annotations

from functools import partial
from operator import methodcaller
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clt.decorators import staff_required
from clt.history import history_entries
from clt.views import form_page
from properties import services
from properties.exports import export_response
from properties.filters import ParcelFilterSet, current_unless_asked
from properties.forms import AcceptForm, FundingForm, MergeForm, ParcelForm, SplitForm, UnitForm
from properties.models import Parcel, ParcelLineage, ParcelOverlap, ParcelStatus, Unit
from properties.selectors import attach_earlier_acceptances, current_lease, registry_extent

PAGE_SIZE = 50


@staff_required
def parcel_list(request: HttpRequest) -> HttpResponse:
    """Every parcel, filterable, 50 a page, with export links that keep the filters."""
    # A correlated count, not Count("units"): a GROUP BY would aggregate every parcel before the
    # page picks 50 (17-29 ms at 10,000 parcels, against about 2 ms this way; bench/parcels.py).
    homes = Unit.objects.filter(parcel=OuterRef("pk")).order_by().values("parcel").annotate(n=Count("pk")).values("n")
    queryset = Parcel.objects.visible_to(request.user).annotate(home_count=Coalesce(Subquery(homes), 0))
    filterset = ParcelFilterSet(request.GET, queryset=current_unless_asked(queryset, request.GET))
    page = Paginator(filterset.qs.order_by("apn"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "properties/parcel_list.html",
        {"filterset": filterset, "page": page, "query": query.urlencode()},
    )


@staff_required
def parcel_map(request: HttpRequest) -> HttpResponse:
    """All parcels on a map; the browser asks for the viewport only."""
    extent = registry_extent(Parcel.objects.visible_to(request.user).exclude(status=ParcelStatus.RETIRED))
    config = {
        "url": reverse("parcel-geojson"),
        "detailUrl": reverse("properties:parcel_detail", args=[0]),
        "polygonMinZoom": settings.CLT["MAP_POLYGON_MIN_ZOOM"],
        "tiles": settings.MAP["TILES_URL"],
        "attribution": settings.MAP["TILES_ATTRIBUTION"],
        "center": list(settings.MAP["DEFAULT_CENTER"]),
        "zoom": settings.MAP["DEFAULT_ZOOM"],
        "bounds": [[extent[1], extent[0]], [extent[3], extent[2]]] if extent else None,
        "statusLabels": {value: str(label) for value, label in ParcelStatus.choices},
        "text": {
            "count": _("%(n)s parcels in view"),
            "listed": _("the first %(n)s are listed below"),
            "zoomIn": _("Zoom in to see boundaries."),
            "grouped": _("too many to show one by one, so they are drawn as %(n)s groups with their counts"),
            "cluster": _("%(n)s parcels here: zoom in to see them"),
            "failed": _("The parcels could not be loaded."),
            "open": _("Open parcel"),
        },
    }
    return render(request, "properties/parcel_map.html", {"map_config": config})


def parcel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One parcel: its shape on a small map, homes, funding, lineage, overlaps and history."""
    parcel = get_object_or_404(
        Parcel.objects.visible_to(request.user).prefetch_related(
            Prefetch("units", queryset=Unit.objects.order_by("address", "unit_number").prefetch_related("leases")),
            "funding",
            Prefetch("parent_edges", queryset=ParcelLineage.objects.select_related("parent", "event")),
            Prefetch("child_edges", queryset=ParcelLineage.objects.select_related("child", "event")),
        ),
        pk=pk,
    )
    overlaps = list(
        ParcelOverlap.objects.filter(Q(parcel=parcel) | Q(other=parcel)).select_related(
            "parcel", "other", "accepted_by"
        )
    )
    attach_earlier_acceptances(overlaps)
    for unit in parcel.units.all():
        unit.current_lease = current_lease(unit.leases.all())
    history = history_entries(parcel.history.select_related("history_user").all(), excluded=_DERIVED_FIELDS)
    return render(
        request,
        "properties/parcel_detail.html",
        {
            "parcel": parcel,
            "overlaps": overlaps,
            "history": history,
            "map_config": {
                "geometry": parcel.geometry,
                "tiles": settings.MAP["TILES_URL"],
                "attribution": settings.MAP["TILES_ATTRIBUTION"],
            },
            "accept_form": AcceptForm(),
        },
    )


# The geometry's measures change with it; history shows the geometry change once, not nine times.
_DERIVED_FIELDS = tuple(name for name in Parcel.SHAPE_FIELDS if name not in ("geometry", "area_m2"))


# Every parcel form ends on the record it saved.
_service_form = partial(form_page, next_url=methodcaller("get_absolute_url"))


_REASONS = ("change_reason", "overlap_reason", "location_reason")


def _fields(cleaned: dict[str, Any], exclude: tuple[str, ...] = _REASONS) -> dict[str, Any]:
    return {k: v for k, v in cleaned.items() if k not in exclude}


@staff_required
def parcel_create(request: HttpRequest) -> HttpResponse:
    form = ParcelForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> Parcel:
        return services.parcel_create(
            actor=request.user,
            reason=cleaned["change_reason"],
            overlap_reason=cleaned.get("overlap_reason"),
            location_reason=cleaned.get("location_reason"),
            **_fields(cleaned),
        )

    return _service_form(
        request,
        form,
        save,
        template="properties/form_page.html",
        context={"title": _("New parcel")},
        success=_("Parcel recorded."),
    )


@staff_required
def parcel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    parcel = get_object_or_404(Parcel.objects.visible_to(request.user), pk=pk)
    form = ParcelForm(request.POST or None, instance=parcel)

    def save(cleaned: dict[str, Any]) -> Parcel:
        return services.parcel_update(
            parcel=parcel,
            actor=request.user,
            reason=cleaned["change_reason"],
            overlap_reason=cleaned.get("overlap_reason"),
            location_reason=cleaned.get("location_reason"),
            **_fields(cleaned),
        )

    return _service_form(
        request,
        form,
        save,
        template="properties/form_page.html",
        context={"title": _("Edit parcel %(apn)s") % {"apn": parcel.apn}, "parcel": parcel},
        success=_("Parcel updated."),
    )


@staff_required
def unit_create(request: HttpRequest, pk: int) -> HttpResponse:
    parcel = get_object_or_404(Parcel.objects.visible_to(request.user), pk=pk)
    form = UnitForm(request.POST or None, initial={"address": parcel.address})

    def save(cleaned: dict[str, Any]) -> Unit:
        return services.unit_create(
            actor=request.user, reason=cleaned["change_reason"], parcel=parcel, **_fields(cleaned)
        )

    return _service_form(
        request,
        form,
        save,
        template="properties/form_page.html",
        context={"title": _("New home on parcel %(apn)s") % {"apn": parcel.apn}, "parcel": parcel},
        success=_("Home recorded."),
    )


@staff_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.visible_to(request.user).select_related("parcel"), pk=pk)
    form = UnitForm(request.POST or None, instance=unit)

    def save(cleaned: dict[str, Any]) -> Unit:
        return services.unit_update(unit=unit, actor=request.user, reason=cleaned["change_reason"], **_fields(cleaned))

    return _service_form(
        request,
        form,
        save,
        template="properties/form_page.html",
        context={"title": _("Edit home %(home)s") % {"home": unit}, "parcel": unit.parcel},
        success=_("Home updated."),
    )


@staff_required
def funding_create(request: HttpRequest, pk: int) -> HttpResponse:
    parcel = get_object_or_404(Parcel.objects.visible_to(request.user), pk=pk)
    form = FundingForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> Parcel:
        services.funding_create(actor=request.user, reason=cleaned["change_reason"], parcel=parcel, **_fields(cleaned))
        return parcel

    return _service_form(
        request,
        form,
        save,
        template="properties/form_page.html",
        context={"title": _("New funding source for parcel %(apn)s") % {"apn": parcel.apn}, "parcel": parcel},
        success=_("Funding source recorded."),
    )


@staff_required
def parcel_split(request: HttpRequest, pk: int) -> HttpResponse:
    """Split a parcel into parts drawn in a GIS; the original is retired and lineage kept."""
    parcel = get_object_or_404(Parcel.objects.visible_to(request.user), pk=pk)
    form = SplitForm(request.POST or None)

    def save(values: dict[str, Any]) -> list[Parcel]:
        return services.parcel_split(
            parcel=parcel,
            parts=values["parts"],
            effective_date=values["effective_date"],
            actor=request.user,
            reason=values["change_reason"],
        )

    return form_page(
        request,
        form,
        save,
        template="properties/form_page.html",
        context={"parcel": parcel, "title": _("Split parcel %(apn)s") % {"apn": parcel.apn}},
        success=lambda children: (
            _("Parcel %(apn)s split into %(parts)s.") % {"apn": parcel.apn, "parts": ", ".join(c.apn for c in children)}
        ),
        next_url=parcel.get_absolute_url(),
    )


@staff_required
def parcel_merge(request: HttpRequest) -> HttpResponse:
    """Merge neighbouring parcels into one; the originals are retired and lineage kept."""
    initial = {"parcels": request.GET.get("apn", "")}
    form = MergeForm(request.POST or None, initial=initial, queryset=Parcel.objects.visible_to(request.user))

    def save(cleaned: dict[str, Any]) -> Parcel:
        return services.parcel_merge(
            parcels=cleaned["parcels"],
            apn=cleaned["apn"],
            address=cleaned["address"],
            effective_date=cleaned["effective_date"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    return _service_form(
        request,
        form,
        save,
        template="properties/form_page.html",
        context={"title": _("Merge parcels")},
        success=_("Parcels merged."),
    )


@staff_required
@require_POST
def parcel_accept_area(request: HttpRequest, pk: int) -> HttpResponse:
    parcel = get_object_or_404(Parcel.objects.visible_to(request.user), pk=pk)
    form = AcceptForm(request.POST)
    if form.is_valid():
        services.parcel_accept_area_mismatch(parcel=parcel, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Area difference accepted."))
    else:
        messages.error(request, _("Give a reason for accepting the area difference."))
    return redirect(parcel.get_absolute_url())


@staff_required
@require_POST
def overlap_accept(request: HttpRequest, pk: int) -> HttpResponse:
    overlap = get_object_or_404(ParcelOverlap.objects.visible_to(request.user), pk=pk)
    form = AcceptForm(request.POST)
    if form.is_valid():
        services.overlap_accept(overlap=overlap, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Overlap accepted."))
    else:
        messages.error(request, _("Give a reason for accepting the overlap."))
    back = request.POST.get("next")
    return redirect(back if back and back.startswith("/parcels/") else overlap.parcel.get_absolute_url())


@staff_required
def parcel_export(request: HttpRequest, file_format: str) -> HttpResponse:
    """The list's export buttons: the same files as the API, with the list's filters."""
    if file_format not in ("geojson", "csv"):
        raise Http404
    queryset = current_unless_asked(Parcel.objects.visible_to(request.user), request.GET)
    return export_response(ParcelFilterSet(request.GET, queryset=queryset).qs, file_format)
