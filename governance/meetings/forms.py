"""Forms of member meetings: preparing one, its notice, running it (attendance, proxies, votes)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from governance.meetings.models import MeetingKind, Resolution
from governance.membership.forms import DATE, DATETIME, people, reason_field
from governance.membership.models import MemberClass, ResolutionKind, Threshold
from leases.models import ResalePolicyVersion

__all__ = [
    "AdjournForm",
    "AgendaItemForm",
    "CheckInForm",
    "MeetingForm",
    "NoticeForm",
    "ProxyForm",
    "ReasonOnlyForm",
    "ResolutionForm",
    "RevokeForm",
    "VoteForm",
]


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts at"), widget=DATETIME)
    record_date = forms.DateField(
        label=gettext_lazy("Record date"),
        widget=DATE,
        help_text=gettext_lazy("Who may vote is decided on this date; not after the meeting."),
    )
    location = forms.CharField(label=gettext_lazy("Where"), max_length=300, required=False)
    purpose = forms.CharField(
        label=gettext_lazy("Purpose stated in the notice"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required for a special meeting."),
    )
    change_reason = reason_field()

    def __init__(self, *args: Any, locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if locked:
            # Once the notice is out, what it announced stays as announced (the service refuses it too).
            for name in ("kind", "starts_at", "record_date", "purpose"):
                del self.fields[name]


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    order = forms.IntegerField(
        label=gettext_lazy("Position"), required=False, min_value=0, help_text=gettext_lazy("Empty: at the end.")
    )
    change_reason = reason_field()


class ResolutionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    text = forms.CharField(label=gettext_lazy("Text of the resolution"), widget=forms.Textarea(attrs={"rows": 5}))
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=ResolutionKind.choices,
        help_text=gettext_lazy(
            "Bylaws, the resale formula, land sales and removals must be on the notice: propose them before "
            "the notice is sent."
        ),
    )
    threshold = forms.ChoiceField(
        label=gettext_lazy("Needs"),
        required=False,
        choices=[("", gettext_lazy("The settings' threshold for this kind")), *Threshold.choices],
    )
    voting_classes = forms.MultipleChoiceField(
        label=gettext_lazy("Member classes that vote"),
        required=False,
        choices=MemberClass.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every voting member. A removal is voted by the electing class."),
    )
    policy_version = forms.ModelChoiceField(
        label=gettext_lazy("Approves the resale policy version"),
        required=False,
        queryset=None,
        help_text=gettext_lazy("Only for a resale formula resolution: a draft version."),
    )
    order = forms.IntegerField(label=gettext_lazy("Position"), required=False, min_value=0)
    change_reason = reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy_version"].queryset = ResalePolicyVersion.objects.filter(status="draft").select_related(
            "policy"
        )


class NoticeForm(forms.Form):
    sent_on = forms.DateField(label=gettext_lazy("Notice sent on"), widget=DATE)
    change_reason = reason_field()


class ReasonOnlyForm(forms.Form):
    change_reason = reason_field()


class AdjournForm(forms.Form):
    minutes = forms.CharField(label=gettext_lazy("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    change_reason = reason_field()


class CheckInForm(forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=people())


class ProxyForm(forms.Form):
    grantor = forms.ModelChoiceField(label=gettext_lazy("Member giving the proxy"), queryset=people())
    holder = forms.ModelChoiceField(label=gettext_lazy("Proxy holder"), queryset=people())
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=DATE)
    directed = forms.BooleanField(label=gettext_lazy("Directed (the member says how to vote)"), required=False)
    instructions = forms.CharField(
        label=gettext_lazy("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    change_reason = reason_field()


class RevokeForm(forms.Form):
    revoked_on = forms.DateField(label=gettext_lazy("Revoked on"), widget=DATE)
    change_reason = reason_field()


class VoteForm(forms.Form):
    yes = forms.IntegerField(label=gettext_lazy("Yes"), min_value=0)
    no = forms.IntegerField(label=gettext_lazy("No"), min_value=0)
    abstain = forms.IntegerField(label=gettext_lazy("Abstentions"), min_value=0, initial=0, required=False)
    effective_from = forms.DateField(
        label=gettext_lazy("The approved formula is used from"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("Empty: from the day of the vote."),
    )
    change_reason = reason_field()

    def __init__(self, *args: Any, resolution: Resolution, **kwargs: Any) -> None:
        # One form per resolution on the run page: the prefix keeps each one's ids and errors apart.
        super().__init__(*args, prefix=f"r{resolution.pk}", **kwargs)
        if resolution.policy_version_id is None:
            del self.fields["effective_from"]
