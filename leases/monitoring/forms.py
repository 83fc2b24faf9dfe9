"""Forms of monitoring: recording and reviewing a record, the homeowner's certification."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from clt.forms import reason_field
from leases.monitoring.models import MonitoringKind, MonitoringRecord, MonitoringStatus

# A track "at rest" needs no one's attention; any other state shows as a badge on the list.
# --- Monitoring -------------------------------------------------------------------------------------


class MonitoringForm(forms.ModelForm):
    scheduled_for = forms.DateTimeField(
        label=_("Scheduled for"),
        required=False,
        help_text=_("Inspections: the date and time of the visit."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    notice_sent_at = forms.DateTimeField(
        label=_("Notice given at"),
        required=False,
        help_text=_("Inspections: when the homeowner was told."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    change_reason = reason_field()

    class Meta:
        model = MonitoringRecord
        fields = ["kind", "year", "due", "details", "estimated_cost", "scheduled_for", "notice_sent_at"]
        widgets = {
            "due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "details": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Improvements have their own records (CapitalImprovement): request, approval, completion, credit.
        self.fields["kind"].choices = [
            (value, label)
            for value, label in self.fields["kind"].choices
            if value != MonitoringKind.IMPROVEMENT_REQUEST
        ]

    def _post_clean(self) -> None:
        # The service validates the record (inspection notice and frequency) with the lease attached.
        pass


REVIEW_CHOICES = [
    (MonitoringStatus.ACCEPTED.value, MonitoringStatus.ACCEPTED.label),
    (MonitoringStatus.REJECTED.value, MonitoringStatus.REJECTED.label),
    (MonitoringStatus.WAIVED.value, MonitoringStatus.WAIVED.label),
]


class MonitoringReviewForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), choices=[("", _("Choose…")), *REVIEW_CHOICES])
    change_reason = reason_field(_("Note"))


# --- The homeowner portal -----------------------------------------------------------------------------


class CertificationForm(forms.Form):
    """The annual owner-occupancy certification, in the homeowner's words."""

    prefix = "cert"  # the portal page shows this form and the notice of intent to sell together

    year = forms.IntegerField(
        label=_("Year"), validators=[MinValueValidator(1900), MaxValueValidator(2999)], widget=forms.NumberInput()
    )
    months_occupied = forms.IntegerField(
        label=_("Months you lived in the home as your main residence"),
        min_value=0,
        max_value=12,
        help_text=_("A whole number from 0 to 12."),
    )
    details = forms.CharField(
        label=_("Anything the trust should know"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("I certify that this is true."),
        help_text=_("The trust keeps this certification with your lease."),
    )
