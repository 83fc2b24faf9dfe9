"""Forms of the board's staff pages: seat classes, starting and ending terms, filling vacancies."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from governance.board.models import SeatClass, TermBasis
from governance.board.services import EARLY_ENDS, SEAT_CLASS_FIELDS
from governance.membership.forms import DATE, people, reason_field
from governance.membership.models import MemberClass

__all__ = ["SeatClassForm", "TermEndForm", "TermStartForm", "VacancyFillForm"]


class SeatClassForm(forms.ModelForm):
    electorate = forms.MultipleChoiceField(
        label=gettext_lazy("Who elects"),
        choices=MemberClass.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    candidate_pool = forms.MultipleChoiceField(
        label=gettext_lazy("Who may stand"),
        choices=MemberClass.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: anyone may stand (public seats)."),
    )
    change_reason = reason_field()

    class Meta:
        model = SeatClass
        fields = list(SEAT_CLASS_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class TermStartForm(forms.Form):
    seat_class = forms.ModelChoiceField(label=gettext_lazy("Seat class"), queryset=SeatClass.objects.all())
    person = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=people())
    basis = forms.ChoiceField(label=gettext_lazy("How"), choices=[c for c in TermBasis.choices if c[0] != "vacancy"])
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DATE)
    ends_on = forms.DateField(
        label=gettext_lazy("Term ends on"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("Leave empty for the class's full term; at founding give the staggered end."),
    )
    stagger_group = forms.IntegerField(label=gettext_lazy("Stagger group"), required=False, min_value=1)
    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("The election, resolution or board minute."),
    )
    change_reason = reason_field()


class TermEndForm(forms.Form):
    ended_on = forms.DateField(label=gettext_lazy("Ended on"), widget=DATE)
    end_reason = forms.ChoiceField(label=gettext_lazy("Why"), choices=[(c.value, c.label) for c in EARLY_ENDS])
    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("For a removal, the electing class's vote (meeting and resolution)."),
    )
    change_reason = reason_field()


class VacancyFillForm(forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=people())
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DATE)
    next_annual_meeting = forms.DateField(
        label=gettext_lazy("Next annual meeting"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("Needed when the filler serves until the next annual meeting."),
    )
    reference = forms.CharField(label=gettext_lazy("Reference"), max_length=200, required=False)
    change_reason = reason_field()
