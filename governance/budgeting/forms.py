"""Forms of participatory budgeting: a budget, a proposal, a review, a paper ballot, a .pb file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from governance.budgeting.models import BallotType, BudgetRule, Fund, ReviewStatus

__all__ = ["BallotForm", "BudgetForm", "ImportForm", "ProposeForm", "ReviewForm"]

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class BudgetForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    fund = forms.ChoiceField(label=gettext_lazy("Fund"), choices=Fund.choices)
    fund_other = forms.CharField(label=gettext_lazy("Other fund"), max_length=200, required=False)
    amount = forms.DecimalField(label=gettext_lazy("Budget"), **MONEY)
    currency = forms.CharField(label=gettext_lazy("Currency"), max_length=8, initial="USD")
    ballot_type = forms.ChoiceField(label=gettext_lazy("Ballot type"), choices=BallotType.choices)
    min_projects = forms.IntegerField(label=gettext_lazy("Fewest projects on a ballot"), required=False, min_value=0)
    max_projects = forms.IntegerField(label=gettext_lazy("Most projects on a ballot"), required=False, min_value=1)
    max_total_cost = forms.DecimalField(label=gettext_lazy("Most total cost on a ballot"), required=False, **MONEY)
    points_total = forms.IntegerField(
        label=gettext_lazy("Points each voter shares out"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("Cumulative ballots only."),
    )
    rule = forms.ChoiceField(label=gettext_lazy("Rule"), choices=BudgetRule.choices, initial=BudgetRule.EQUAL_SHARES)


class ProposeForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    cost = forms.DecimalField(label=gettext_lazy("Cost"), **MONEY)


class ReviewForm(forms.Form):
    project = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (ReviewStatus.ACCEPTED, ReviewStatus.ACCEPTED.label),
            (ReviewStatus.REFUSED, ReviewStatus.REFUSED.label),
        ],
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (required to refuse)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, prefix_id: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class BallotForm(forms.Form):
    projects = forms.MultipleChoiceField(
        label=gettext_lazy("Projects marked on the paper ballot"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    points = forms.CharField(
        label=gettext_lazy("Points, in the same order, comma-separated"),
        required=False,
        help_text=gettext_lazy("Cumulative ballots only; for a ranking, tick the projects and give their order here."),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["projects"].choices = choices

    def clean_points(self) -> list[int]:
        text = self.cleaned_data.get("points") or ""
        try:
            return [int(part) for part in text.replace(" ", "").split(",") if part]
        except ValueError as error:
            raise forms.ValidationError(gettext_lazy("Whole numbers separated by commas.")) from error


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Pabulib .pb file"))
