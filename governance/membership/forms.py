"""Forms of membership, and the form pieces every governance page shares.

The shared pieces (date widgets, the reason for a change, the people to choose from) live here because
membership is the part the board, elections and meetings build on.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from clt.models import Person
from governance.membership.models import (
    CoopResidents,
    DuesPeriod,
    GovernanceSettings,
    LesseeScope,
    MemberClass,
    MembershipKind,
    MembershipStatus,
    NominationMode,
    QuorumBasis,
    ResolutionKind,
    Threshold,
    VoteUnit,
)

__all__ = [
    "DATE",
    "DATETIME",
    "ApplicationForm",
    "ApproveForm",
    "DuesForm",
    "EndForm",
    "MemberFilterForm",
    "RefuseForm",
    "SettingsForm",
    "WaiveForm",
    "people",
    "reason_field",
]

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def reason_field() -> forms.CharField:
    """The reason every change asks for; it goes into the record's history with the user's name."""
    return forms.CharField(
        label=gettext_lazy("Reason for this change"),
        max_length=1000,
        help_text=gettext_lazy("Kept in the record's history with your name."),
    )


def people() -> QuerySet:
    return Person.objects.order_by("family_name", "given_name", "pk")


# --- Membership -----------------------------------------------------------------------------------

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class ReasonField(forms.CharField):
    def __init__(self, required: bool = True, **kwargs: Any) -> None:
        super().__init__(label=gettext_lazy("Reason for the change"), required=required, max_length=200, **kwargs)


class MemberFilterForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("On"), required=False, widget=DATE_INPUT)
    member_class = forms.ChoiceField(
        label=gettext_lazy("Class"), required=False, choices=[("", gettext_lazy("Any")), *MemberClass.choices]
    )
    votes = forms.ChoiceField(
        label=pgettext_lazy("whether a member votes", "Votes"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("yes", pgettext_lazy("whether a member votes", "Votes")),
            ("no", gettext_lazy("Does not vote")),
        ],
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
            (MembershipStatus.RESIGNED, pgettext_lazy("membership status", "Resigned")),
            (MembershipStatus.ENDED, pgettext_lazy("membership status", "Ended")),
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
    coop_residents = forms.ChoiceField(
        label=gettext_lazy("Members through a co-op's lease"),
        choices=CoopResidents.choices,
        help_text=gettext_lazy("A ground lease held by a housing co-op: who of its residents are leaseholder members."),
    )
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
        "coop_residents",
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
                "coop_residents",
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
