"""Pages of the housing co-ops on the trust's land (staff): the votes each carries and its certified lists."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from clt import clock
from clt.decorators import staff_required
from clt.history import history_entries
from clt.models import Organization, OrganizationKind
from governance.membership.coop import coop_rows, coop_votes_of
from governance.membership.models import CoopResident, CoopResidentList


@staff_required
def coop_list(request: HttpRequest) -> HttpResponse:
    return render(request, "governance/membership/coop_list.html", {"rows": coop_rows(), "on": clock.today()})


@staff_required
def coop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The co-op's page: who it is, the votes its lease carries today under the setting in force, its lists."""
    organization = get_object_or_404(
        Organization.objects.select_related("contact"), pk=pk, kind=OrganizationKind.HOUSING_COOPERATIVE
    )
    today = clock.today()
    votes = coop_votes_of(organization, today)
    lists = (
        CoopResidentList.objects.filter(organization=organization)
        .select_related("recorded_by")
        .annotate(residents=Count("entries"), delegates=Count("entries", filter=Q(entries__delegate=True)))
        .order_by("-certified_on", "-pk")
    )
    in_force = None
    if votes.list_in_force is not None:
        in_force = (
            CoopResidentList.objects.filter(pk=votes.list_in_force.pk)
            .prefetch_related(
                Prefetch("entries", queryset=CoopResident.objects.select_related("person", "household").order_by("pk"))
            )
            .first()
        )
    history = history_entries(organization.history.select_related("history_user"))
    return render(
        request,
        "governance/membership/coop_detail.html",
        {
            "organization": organization,
            "votes": votes,
            "lists": lists,
            "in_force": in_force,
            "today": today,
            "history": history,
        },
    )
