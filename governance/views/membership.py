"""Pages of membership: the staff members list (standings on a date, counts, CSV), a membership with its
forms and history, the application form, the trust's settings, and "My membership".

Views are thin: they read through ``visible_to`` (another person's membership is a 404) and write through
``governance.services``; a service's ``ValidationError`` comes back on the form field it names.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clt import clock, roles
from clt.decorators import staff_required
from clt.forms import add_service_errors
from clt.history import history_entries
from clt.models import Person
from governance import services
from governance.membership.models import (
    DuesPeriod,
    GovernanceSettings,
    LesseeScope,
    MemberClass,
    Membership,
    MembershipKind,
    MembershipStatus,
    NominationMode,
    QuorumBasis,
    ResolutionKind,
    Threshold,
    VoteUnit,
)
from governance.membership.selectors import class_counts, standing_of, standings_on
from governance.services.membership import CLOSED

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
CLASS_LABELS = dict(MemberClass.choices)


# --- Forms ------------------------------------------------------------------------------------------


class ReasonField(forms.CharField):
    def __init__(self, required: bool = True, **kwargs: Any) -> None:
        super().__init__(label=gettext_lazy("Reason for the change"), required=required, max_length=200, **kwargs)


class MemberFilterForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("On"), required=False, widget=DATE_INPUT)
    member_class = forms.ChoiceField(
        label=gettext_lazy("Class"), required=False, choices=[("", gettext_lazy("Any")), *MemberClass.choices]
    )
    votes = forms.ChoiceField(
        label=gettext_lazy("Votes"),
        required=False,
        choices=[("", gettext_lazy("Any")), ("yes", gettext_lazy("Votes")), ("no", gettext_lazy("Does not vote"))],
    )


class ApplicationForm(forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=Person.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("Kind of membership"), choices=MembershipKind.choices)
    birth_date = forms.DateField(label=gettext_lazy("Date of birth"), required=False, widget=DATE_INPUT)
    residence_address = forms.CharField(
        label=gettext_lazy("Residence address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    longitude = forms.DecimalField(label=gettext_lazy("Longitude"), required=False, max_digits=9, decimal_places=6)
    latitude = forms.DecimalField(label=gettext_lazy("Latitude"), required=False, max_digits=8, decimal_places=6)
    resident_since = forms.DateField(
        label=gettext_lazy("Living in the service area since"), required=False, widget=DATE_INPUT
    )
    statement_of_support = forms.BooleanField(label=gettext_lazy("I support the trust's mission"), required=False)

    def __init__(self, *args: Any, staff: bool, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if staff:
            self.fields["person"].queryset = people
        else:
            del self.fields["person"]


class ApproveForm(forms.Form):
    approved_on = forms.DateField(label=gettext_lazy("Approved on"), required=False, widget=DATE_INPUT)
    change_reason = ReasonField(required=False)


class RefuseForm(forms.Form):
    change_reason = ReasonField()


class EndForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("How it ends"),
        choices=[
            (MembershipStatus.RESIGNED, gettext_lazy("Resigned")),
            (MembershipStatus.ENDED, gettext_lazy("Ended")),
        ],
    )
    ended_on = forms.DateField(label=gettext_lazy("Ends on"), required=False, widget=DATE_INPUT)
    change_reason = ReasonField()


class DuesForm(forms.Form):
    amount = forms.DecimalField(label=gettext_lazy("Amount"), max_digits=10, decimal_places=2, min_value=0)
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), required=False, widget=DATE_INPUT)
    period_start = forms.DateField(
        label=gettext_lazy("For the period starting"),
        required=False,
        widget=DATE_INPUT,
        help_text=gettext_lazy("Leave empty for the period of the payment date."),
    )
    method = forms.CharField(label=gettext_lazy("Method"), required=False, max_length=40)
    reference = forms.CharField(label=gettext_lazy("Reference"), required=False, max_length=100)


class WaiveForm(forms.Form):
    waived = forms.BooleanField(label=gettext_lazy("Dues waived"), required=False)
    waiver_reason = forms.CharField(label=gettext_lazy("Why the dues are waived"), required=False, max_length=200)
    change_reason = ReasonField()


class SettingsForm(forms.Form):
    lessee_scope = forms.ChoiceField(
        label=gettext_lazy("Who of a leasehold is a lessee member"), choices=LesseeScope.choices
    )
    vote_unit = forms.ChoiceField(label=gettext_lazy("Vote unit"), choices=VoteUnit.choices)
    adult_age = forms.IntegerField(label=gettext_lazy("Adult age"), min_value=0, max_value=120)
    general_min_age = forms.IntegerField(
        label=gettext_lazy("Minimum age of a general member"), min_value=0, max_value=120
    )
    dues_amount = forms.DecimalField(label=gettext_lazy("Yearly dues"), max_digits=10, decimal_places=2, min_value=0)
    dues_period = forms.ChoiceField(label=gettext_lazy("Dues period"), choices=DuesPeriod.choices)
    residency_min_months = forms.IntegerField(
        label=gettext_lazy("Months of residence before a general member may vote"), min_value=0, max_value=600
    )
    requires_application = forms.BooleanField(
        label=gettext_lazy("General membership needs an approved application"), required=False
    )
    out_of_area_may_vote = forms.BooleanField(
        label=gettext_lazy("Members living outside the service area may vote"), required=False
    )
    service_area_name = forms.CharField(label=gettext_lazy("Service area"), required=False, max_length=200)
    service_area = forms.CharField(
        label=gettext_lazy("Service area boundary (GeoJSON, longitude/latitude)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=gettext_lazy("A Polygon or MultiPolygon (or a Feature holding one). Leave empty for no area check."),
    )
    # R9: quorum at member meetings. The per-class minimums and the thresholds are edited one number or
    # select per class / kind, and put back together as the settings' dicts in ``clean``.
    quorum_basis = forms.ChoiceField(label=gettext_lazy("Quorum is"), choices=QuorumBasis.choices)
    quorum_percent = forms.DecimalField(
        label=gettext_lazy("Quorum, percent of voting members"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        help_text=gettext_lazy("Used when the quorum is a percentage; rounded up to whole members."),
    )
    quorum_number = forms.IntegerField(
        label=gettext_lazy("Quorum, number of voting members"),
        min_value=0,
        help_text=gettext_lazy("Used when the quorum is a number."),
    )
    quorum_counts_proxies = forms.BooleanField(label=gettext_lazy("Proxies count toward the quorum"), required=False)
    # R10: proxies.
    proxies_allowed = forms.BooleanField(label=gettext_lazy("Members may vote by proxy"), required=False)
    proxy_holder_must_be_member = forms.BooleanField(
        label=gettext_lazy("A proxy holder must be a voting member"), required=False
    )
    proxy_holder_same_class = forms.BooleanField(
        label=gettext_lazy("A proxy holder must be of the grantor's class"), required=False
    )
    proxy_max_per_holder = forms.IntegerField(
        label=gettext_lazy("Proxies one holder may carry"),
        required=False,
        min_value=0,
        max_value=32767,
        help_text=gettext_lazy("Empty: no limit."),
    )
    # Notice of meetings.
    notice_min_days = forms.IntegerField(
        label=gettext_lazy("Meeting notice at least (days)"), min_value=0, max_value=32767
    )
    notice_max_days = forms.IntegerField(
        label=gettext_lazy("Meeting notice at most (days)"), min_value=0, max_value=32767
    )
    # R7: nominations.
    nomination_modes = forms.MultipleChoiceField(
        label=gettext_lazy("Ways a candidate may be nominated"),
        choices=NominationMode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    petition_min_signers = forms.IntegerField(
        label=gettext_lazy("Signatures a nominating petition needs"), min_value=0, max_value=32767
    )
    petition_same_class = forms.BooleanField(
        label=gettext_lazy("Petition signers must belong to the class that elects the seat"), required=False
    )
    nomination_deadline_days = forms.IntegerField(
        label=gettext_lazy("Nominations close this many days before voting opens"), min_value=0, max_value=32767
    )
    change_reason = ReasonField()

    KEEP_IF_ABSENT = (
        "quorum_basis",
        "quorum_percent",
        "quorum_number",
        "notice_min_days",
        "notice_max_days",
        "petition_min_signers",
        "nomination_deadline_days",
    )
    GROUPS = (
        (
            gettext_lazy("Membership"),
            (
                "lessee_scope",
                "vote_unit",
                "adult_age",
                "general_min_age",
                "dues_amount",
                "dues_period",
                "residency_min_months",
                "requires_application",
                "out_of_area_may_vote",
                "service_area_name",
                "service_area",
            ),
        ),
        (
            gettext_lazy("Quorum at member meetings"),
            ("quorum_basis", "quorum_percent", "quorum_number", "*minimums", "quorum_counts_proxies"),
        ),
        (
            gettext_lazy("Proxies"),
            ("proxies_allowed", "proxy_holder_must_be_member", "proxy_holder_same_class", "proxy_max_per_holder"),
        ),
        (gettext_lazy("Resolutions and notice"), ("*thresholds", "notice_min_days", "notice_max_days")),
        (
            gettext_lazy("Nominations"),
            ("nomination_modes", "petition_min_signers", "petition_same_class", "nomination_deadline_days"),
        ),
        (None, ("change_reason",)),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in MemberClass.choices:
            self.fields[f"quorum_min_{value}"] = forms.IntegerField(
                label=_("At least this many %(members)s") % {"members": str(label).lower()},
                required=False,
                min_value=0,
                help_text=_("Empty or 0: no minimum for this class."),
            )
        for value, label in ResolutionKind.choices:
            self.fields[f"threshold_{value}"] = forms.ChoiceField(
                label=_("%(kind)s needs") % {"kind": label}, choices=Threshold.choices
            )
        # A post that leaves out a meeting setting altogether (an older form, a script) keeps its current value;
        # the page itself always sends every one of them.
        self._absent = set()
        if self.is_bound:
            for name in self.KEEP_IF_ABSENT + tuple(f"threshold_{k}" for k in ResolutionKind.values):
                if self.add_prefix(name) not in self.data:
                    self.fields[name].required = False
                    self._absent.add(name)

    @staticmethod
    def initial_from(current: GovernanceSettings) -> dict[str, Any]:
        """The per-class and per-kind fields' values from the settings' dicts."""
        minimums = current.quorum_class_minimums or {}
        thresholds = current.resolution_thresholds or {}
        initial: dict[str, Any] = {f"quorum_min_{c}": minimums.get(c) or None for c in MemberClass.values}
        initial.update({f"threshold_{k}": thresholds.get(k, Threshold.MAJORITY) for k in ResolutionKind.values})
        return initial

    def groups(self) -> list[dict[str, Any]]:
        """The fields in fieldsets, for the template."""
        found = []
        for legend, names in self.GROUPS:
            fields = []
            for name in names:
                if name == "*minimums":
                    fields += [self[f"quorum_min_{c}"] for c in MemberClass.values]
                elif name == "*thresholds":
                    fields += [self[f"threshold_{k}"] for k in ResolutionKind.values]
                else:
                    fields.append(self[name])
            found.append({"legend": legend, "fields": fields})
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in self._absent:
            data.pop(name, None)
        minimums = {}
        for value in MemberClass.values:
            number = data.pop(f"quorum_min_{value}", None)
            if number:
                minimums[value] = number
        if not self.is_bound or any(self.add_prefix(f"quorum_min_{c}") in self.data for c in MemberClass.values):
            data["quorum_class_minimums"] = minimums
        thresholds = {
            value: data.pop(f"threshold_{value}") for value in ResolutionKind.values if f"threshold_{value}" in data
        }
        if thresholds:
            data["resolution_thresholds"] = {**(GovernanceSettings.current().resolution_thresholds or {}), **thresholds}
        low, high = data.get("notice_min_days"), data.get("notice_max_days")
        if low is not None and high is not None and low > high:
            self.add_error(
                "notice_max_days", _("At most must not be less than at least (%(days)s days).") % {"days": low}
            )
        return data

    def clean_service_area(self) -> Any:
        text = self.cleaned_data["service_area"].strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ValidationError(_("This is not JSON: %(error)s") % {"error": exc}) from exc


# --- Helpers ----------------------------------------------------------------------------------------


def _save_form(request: HttpRequest, form: forms.Form, save: Callable[[dict[str, Any]], Any], success: str) -> bool:
    if not form.is_valid():
        return False
    try:
        save(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    messages.success(request, success)
    return True


def area_preview(area: dict[str, Any] | None, *, width: int = 320, height: int = 220) -> dict[str, Any] | None:
    """The service area as SVG path data, scaled to the box (longitude compressed by the latitude's cosine)."""
    import math

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
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="members-{on.isoformat()}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            ["person_id", "name", "class", "votes", "vote_unit", "lease", "membership", "dues_current", "reasons"]
        )
        for s in rows:
            writer.writerow(
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
            )
        return response
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
        "governance/membership_list.html",
        {
            "form": form,
            "on": on,
            "page": page,
            "rows": [{"s": s, "class_label": CLASS_LABELS.get(s.member_class, "")} for s in page],
            "summary": summary,
            "total": {"members": len(standings), "voting": sum(s.votes for s in standings)},
            "applications": applications.select_related("person"),
            "csv_query": csv_query.urlencode(),
            "query": query.urlencode(),
        },
    )


@login_required
def membership_apply(request: HttpRequest) -> HttpResponse:
    staff = roles.is_staff_member(request.user)
    own = Person.objects.filter(user=request.user).first()
    if not staff:
        if own is None:
            raise Http404(_("Your login has no person record."))
        existing = Membership.objects.filter(person=own).first()
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

    if request.method == "POST" and _save_form(request, form, save, _("The application is recorded.")):
        if staff:
            membership = Membership.objects.get(person=form.cleaned_data["person"])
            return redirect("governance:membership_detail", membership.pk)
        return redirect("governance:my_membership")
    title = _("New membership application") if staff else _("Apply for membership")
    return render(request, "governance/membership_form.html", {"form": form, "title": title})


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
        if _save_form(request, forms_[action], save, success):
            return redirect("governance:membership_detail", membership.pk)
    standing = standing_of(membership.person, today)
    return render(
        request,
        "governance/membership_detail.html",
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

    if request.method == "POST" and _save_form(request, form, save, _("The governance rules are saved.")):
        return redirect("governance:settings")
    history = history_entries(current.history.select_related("history_user"))
    return render(
        request,
        "governance/membership_settings.html",
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
            from leases.models import GroundLease

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
    return render(request, "governance/membership_my.html", context)
