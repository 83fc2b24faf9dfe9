"""Pages of membership: the staff members list (standings on a date, counts, CSV), a membership with its
forms and history, the application form, the trust's settings, and "My membership".

Views are thin: they read through ``visible_to`` (another person's membership is a 404) and write through
``governance.membership.services``; a service's ``ValidationError`` comes back on the form field it names.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from clt import clock, roles
from clt.csvresponse import csv_response
from clt.decorators import staff_required
from clt.history import history_entries
from clt.models import Person
from clt.views import form_saved
from governance.membership import services
from governance.membership.forms import (
    ApplicationForm,
    ApproveForm,
    DuesForm,
    EndForm,
    MemberFilterForm,
    RefuseForm,
    SettingsForm,
    WaiveForm,
)
from governance.membership.models import GovernanceSettings, MemberClass, Membership, MembershipStatus
from governance.membership.selectors import addresses_of, class_counts, standing_of, standings_on, vote_unit_labels
from governance.membership.services import CLOSED
from leases.models import GroundLease

CLASS_LABELS = dict(MemberClass.choices)


# --- Helpers ----------------------------------------------------------------------------------------


def area_preview(area: dict[str, Any] | None, *, width: int = 320, height: int = 220) -> dict[str, Any] | None:
    """The service area as SVG path data, scaled to the box (longitude compressed by the latitude's cosine)."""
    if not area:
        return None
    polygons = [area["coordinates"]] if area["type"] == "Polygon" else area["coordinates"]
    points = [pt for poly in polygons for ring in poly for pt in ring]
    min_x, max_x = min(p[0] for p in points), max(p[0] for p in points)
    min_y, max_y = min(p[1] for p in points), max(p[1] for p in points)
    squash = math.cos(math.radians((min_y + max_y) / 2))
    span_x, span_y = max((max_x - min_x) * squash, 1e-9), max(max_y - min_y, 1e-9)
    scale = min((width - 20) / span_x, (height - 20) / span_y)

    def xy(p: list[float]) -> str:
        return f"{10 + (p[0] - min_x) * squash * scale:.1f},{height - 10 - (p[1] - min_y) * scale:.1f}"

    path = " ".join("M" + " L".join(xy(p) for p in ring) + " Z" for poly in polygons for ring in poly)
    return {
        "path": path,
        "width": width,
        "height": height,
        "bounds": (round(min_x, 5), round(min_y, 5), round(max_x, 5), round(max_y, 5)),
    }


# --- Staff: the members -------------------------------------------------------------------------------


@staff_required
def member_list(request: HttpRequest) -> HttpResponse:
    form = MemberFilterForm(request.GET or None)
    values = form.cleaned_data if form.is_bound and form.is_valid() else {}
    on = values.get("on") or clock.today()
    standings = standings_on(on)
    counts = class_counts(standings)
    rows = standings
    if values.get("member_class"):
        rows = [s for s in rows if s.member_class == values["member_class"]]
    if values.get("votes"):
        rows = [s for s in rows if s.votes == (values["votes"] == "yes")]
    if request.GET.get("format") == "csv":
        # Not streamed: the standings are in memory already.
        return csv_response(
            (
                [
                    s.person.pk,
                    s.person.full_name,
                    s.member_class,
                    "yes" if s.votes else "no",
                    s.vote_unit_key,
                    s.lease_id or "",
                    s.membership_id or "",
                    "" if s.dues_current is None else ("yes" if s.dues_current else "no"),
                    " ".join(s.reasons),
                ]
                for s in rows
            ),
            header=[
                "person_id",
                "name",
                "class",
                "votes",
                "vote_unit",
                "lease",
                "membership",
                "dues_current",
                "reasons",
            ],
            filename=f"members-{on.isoformat()}.csv",
            streaming=False,
        )
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    applications = Membership.objects.visible_to(request.user).filter(status=MembershipStatus.APPLIED)
    summary = [
        {"label": CLASS_LABELS[c], "members": counts[c]["members"], "voting": counts[c]["voting"]} for c in counts
    ]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    csv_query = query.copy()
    csv_query["format"] = "csv"
    return render(
        request,
        "governance/membership/membership_list.html",
        {
            "form": form,
            "on": on,
            "page": page,
            "rows": _member_rows(page, on),
            "summary": summary,
            "total": {"members": len(standings), "voting": sum(s.votes for s in standings)},
            "applications": applications.select_related("person"),
            "csv_query": csv_query.urlencode(),
            "query": query.urlencode(),
        },
    )


def _member_rows(page: Any, on: Any) -> list[dict[str, Any]]:
    """The page's standings with words for people: the class, the vote unit (never its key) and, for a name
    shown more than once, where the person lives, so that people of the same name can be told apart."""
    standings = list(page)
    units = vote_unit_labels((s.vote_unit_key for s in standings), on)
    names = Counter(s.person.full_name for s in standings)
    twins = [s.person.pk for s in standings if names[s.person.full_name] > 1]
    addresses = addresses_of(twins, on) if twins else {}
    return [
        {
            "s": s,
            "class_label": CLASS_LABELS.get(s.member_class, ""),
            "unit_label": units.get(s.vote_unit_key, s.vote_unit_key),
            "twin": names[s.person.full_name] > 1,
            "address": addresses.get(s.person.pk, ""),
        }
        for s in standings
    ]


@login_required
def membership_apply(request: HttpRequest) -> HttpResponse:
    staff = roles.is_staff_member(request.user)
    own = Person.objects.filter(user=request.user).first()
    if not staff:
        if own is None:
            raise Http404(_("Your login has no person record."))
        existing = Membership.objects.visible_to(request.user).filter(person=own).first()
        if existing is not None and existing.status not in CLOSED:
            return redirect("governance:my_membership")
    people = Person.objects.visible_to(request.user) if staff else None
    form = ApplicationForm(request.POST or None, staff=staff, people=people)

    def save(values: dict[str, Any]) -> Membership:
        person = values.pop("person", None) if staff else own
        fields = {k: v for k, v in values.items() if v not in (None, "")}
        return services.membership_apply(
            person=person, actor=request.user, reason=_("Membership application"), **fields
        )

    if request.method == "POST" and form_saved(request, form, save, success=_("The application is recorded.")):
        if staff:
            membership = Membership.objects.get(person=form.cleaned_data["person"])
            return redirect("governance:membership_detail", membership.pk)
        return redirect("governance:my_membership")
    title = _("New membership application") if staff else _("Apply for membership")
    return render(request, "governance/membership/membership_form.html", {"form": form, "title": title})


def _membership_for(request: HttpRequest, pk: int) -> Membership:
    return get_object_or_404(Membership.objects.visible_to(request.user).select_related("person"), pk=pk)


@login_required
def membership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership_for(request, pk)
    staff = roles.is_staff_member(request.user)
    today = clock.today()
    action = request.POST.get("action") if request.method == "POST" else None
    if action and not staff:
        raise PermissionDenied
    forms_ = {
        "approve": ApproveForm(request.POST if action == "approve" else None, initial={"approved_on": today}),
        "refuse": RefuseForm(request.POST if action == "refuse" else None),
        "end": EndForm(request.POST if action == "end" else None, initial={"ended_on": today}),
        "dues": DuesForm(
            request.POST if action == "dues" else None,
            initial={"amount": GovernanceSettings.current().dues_amount, "paid_on": today},
        ),
        "waive": WaiveForm(
            request.POST if action == "waive" else None,
            initial={"waived": membership.dues_waived, "waiver_reason": membership.waiver_reason},
        ),
    }
    saves: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
        "approve": (
            lambda v: services.membership_approve(
                membership=membership, actor=request.user, reason=v["change_reason"], approved_on=v["approved_on"]
            ),
            _("The membership is approved."),
        ),
        "refuse": (
            lambda v: services.membership_refuse(membership=membership, actor=request.user, reason=v["change_reason"]),
            _("The application is refused."),
        ),
        "end": (
            lambda v: services.membership_end(
                membership=membership,
                actor=request.user,
                reason=v["change_reason"],
                ended_on=v["ended_on"],
                status=v["status"],
            ),
            _("The membership is ended."),
        ),
        "dues": (
            lambda v: services.dues_record(membership=membership, actor=request.user, **v),
            _("The dues are recorded."),
        ),
        "waive": (
            lambda v: services.dues_waive(
                membership=membership,
                actor=request.user,
                reason=v["change_reason"],
                waived=v["waived"],
                waiver_reason=v["waiver_reason"],
            ),
            _("The dues waiver is saved."),
        ),
    }
    if action in saves:
        save, success = saves[action]
        if form_saved(request, forms_[action], save, success=success):
            return redirect("governance:membership_detail", membership.pk)
    standing = standing_of(membership.person, today)
    return render(
        request,
        "governance/membership/membership_detail.html",
        {
            "membership": membership,
            "standing": standing,
            "class_label": CLASS_LABELS.get(standing.member_class, ""),
            "dues": membership.dues.all(),
            "forms": forms_ if staff else {},
            "history": history_entries(membership.history.select_related("history_user")) if staff else [],
            "is_open": membership.status in (MembershipStatus.APPLIED, MembershipStatus.ACTIVE),
        },
    )


@staff_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    current = GovernanceSettings.current()
    initial = {name: getattr(current, name) for name in services.SETTINGS_FIELDS}
    initial["service_area"] = json.dumps(current.service_area, indent=1) if current.service_area else ""
    initial.update(SettingsForm.initial_from(current))
    form = SettingsForm(request.POST or None, initial=initial)

    def save(values: dict[str, Any]) -> GovernanceSettings:
        reason = values.pop("change_reason")
        return services.governance_settings_update(actor=request.user, reason=reason, **values)

    if request.method == "POST" and form_saved(request, form, save, success=_("The governance rules are saved.")):
        return redirect("governance:settings")
    history = history_entries(current.history.select_related("history_user"))
    return render(
        request,
        "governance/membership/membership_settings.html",
        {"form": form, "settings": current, "preview": area_preview(current.service_area), "history": history},
    )


@login_required
def my_membership(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    person = Person.objects.filter(user=request.user).first()
    context: dict[str, Any] = {"person": person, "today": today}
    if person is not None:
        standing = standing_of(person, today)
        membership = Membership.objects.visible_to(request.user).filter(person=person).first()
        lease = None
        if standing.lease_id:
            lease = (
                GroundLease.objects.visible_to(request.user).select_related("unit").filter(pk=standing.lease_id).first()
            )
        context.update(
            standing=standing,
            class_label=CLASS_LABELS.get(standing.member_class, ""),
            membership=membership,
            dues=membership.dues.all() if membership else [],
            lease=lease,
            may_apply=membership is None or membership.status in CLOSED,
            apply_url=reverse("governance:membership_apply"),
        )
    return render(request, "governance/membership/membership_my.html", context)
