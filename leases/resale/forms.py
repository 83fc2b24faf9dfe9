"""Forms of resale prices: the price determination and capital improvements."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clt import clock
from clt.forms import date_field, money_input, reason_field
from leases.lifecycle.models import GroundLease
from leases.resale.models import CreditMethod, PolicyStatus, ResalePolicyVersion

# A track "at rest" needs no one's attention; any other state shows as a badge on the list.
# --- Resale price determination ---------------------------------------------------------------------------


def resale_calculation_choices(lease: GroundLease) -> list[tuple[int, str]]:
    """The lease's saved resale calculations, newest determination first, as form choices."""
    rows = lease.resale_calculations.select_related("policy_version__policy").order_by("-determination_date", "-pk")
    return [
        (
            calculation.pk,
            _("No. %(n)s, determined %(date)s: $%(price)s (%(policy)s)")
            % {
                "n": calculation.pk,
                "date": calculation.determination_date.isoformat(),
                "price": f"{calculation.price:,.2f}",
                "policy": calculation.policy_version or _("inline parameters"),
            },
        )
        for calculation in rows
    ]


def _approved_versions() -> QuerySet:
    return ResalePolicyVersion.objects.filter(status=PolicyStatus.APPROVED).select_related("policy")


class ResaleDeterminationForm(forms.Form):
    """The figures staff gather for a price determination; the lease and the index series supply the rest."""

    determination_date = date_field(
        _("Determination date"),
        help_text=_("The date the price is determined for: by default the receipt of the notice of intent to sell."),
    )
    policy_version = forms.ModelChoiceField(
        label=_("Resale policy"),
        required=False,
        queryset=ResalePolicyVersion.objects.none(),
        help_text=_("Leave as it is to apply the policy the lease's terms name."),
    )
    appraisal_total = money_input(
        _("Appraisal at resale: whole property"), required=False, minimum="0", help_text=_("Leave blank if none.")
    )
    appraisal_land = money_input(_("Appraisal at resale: land"), required=False, minimum="0")
    appraisal_improvements = money_input(_("Appraisal at resale: home (improvements)"), required=False, minimum="0")
    appraisal_date = date_field(_("Appraisal effective date"), required=False)
    liens_payoff = money_input(
        _("Seller's loan payoff"),
        required=False,
        minimum="0",
        help_text=_("What the seller's lenders must be paid at closing (the payoff, not the amount lent)."),
    )
    closing_costs = money_input(_("Seller's closing costs"), required=False, minimum="0")
    arrears = money_input(
        _("Unpaid lease fees and charges"),
        required=False,
        minimum="0",
        help_text=_("Leave blank to use the lease's ledger balance on the determination date."),
    )
    change_reason = reason_field()

    def __init__(self, *args: Any, lease: GroundLease, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lease = lease
        # A preview needs no reason; saving does, and the service says so on this field.
        self.fields["change_reason"].required = False
        self.fields["change_reason"].help_text = _("Needed to save. Kept with the calculation and your name.")
        field = self.fields["policy_version"]
        field.queryset = _approved_versions()
        pinned = lease.template_version.resale_policy_version
        field.empty_label = (
            _("The lease's policy: %(version)s") % {"version": pinned} if pinned else _("Choose a policy…")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        figures = [cleaned.get(name) for name in ("appraisal_total", "appraisal_land", "appraisal_improvements")]
        if cleaned.get("appraisal_date") and all(value is None for value in figures):
            self.add_error("appraisal_total", _("Give the appraised value that takes effect on that date."))
        return cleaned

    def inputs(self, *, arrears_on_date: Decimal) -> dict[str, Any]:
        """The engine's inputs (codec JSON) these fields override; ``arrears_on_date`` when arrears is blank."""
        cleaned = self.cleaned_data
        on = cleaned["determination_date"].isoformat()
        data: dict[str, Any] = {}
        figures = {
            "total": cleaned.get("appraisal_total"),
            "land": cleaned.get("appraisal_land"),
            "improvements": cleaned.get("appraisal_improvements"),
        }
        if any(value is not None for value in figures.values()):
            data["resale_appraisal"] = {
                **{key: None if value is None else str(value) for key, value in figures.items()},
                "effective_date": cleaned["appraisal_date"].isoformat() if cleaned.get("appraisal_date") else None,
            }
        if cleaned.get("liens_payoff"):
            data["liens"] = [
                {"label": str(_("payoff on %(date)s") % {"date": on}), "amount": str(cleaned["liens_payoff"])}
            ]
        if cleaned.get("closing_costs"):
            data["sale_closing_costs"] = [{"label": str(_("as estimated")), "amount": str(cleaned["closing_costs"])}]
        if cleaned.get("arrears") is not None:
            if cleaned["arrears"]:
                data["arrears"] = [{"label": str(_("as entered")), "amount": str(cleaned["arrears"])}]
        elif arrears_on_date > 0:
            label = _("ledger balance on %(date)s") % {"date": on}
            data["arrears"] = [{"label": str(label), "amount": str(arrears_on_date)}]
        return data


# --- Capital improvements ---------------------------------------------------------------------------------


class ImprovementRequestForm(forms.Form):
    """Staff record a request on the owner's behalf (or maintenance, which is kept on file but earns no credit)."""

    description = forms.CharField(label=_("What the owner wants to do"), max_length=300)
    requested_on = date_field(_("Requested on"), initial=clock.today, help_text=_("The date of the owner's request."))
    estimated_cost = money_input(_("Estimated cost"), required=False, minimum="0.00")
    maintenance = forms.BooleanField(
        label=_("Ordinary maintenance or a repair"),
        required=False,
        help_text=_("Recorded so the file is complete; maintenance earns no resale credit."),
    )
    change_reason = reason_field(_("Note"))


class ImprovementApproveForm(forms.Form):
    """Approval before the work: its date and reference, and how the work will be valued for the credit."""

    approved_on = date_field(_("Approved on"), initial=clock.today, help_text=_("The work may not start before it."))
    approval_reference = forms.CharField(
        label=_("Approval reference"), max_length=200, help_text=_("The letter, decision or reference number.")
    )
    method = forms.ChoiceField(label=_("Credit method"), choices=CreditMethod.choices)
    credit_pct = forms.DecimalField(
        label=_("Share credited (%)"),
        max_digits=6,
        decimal_places=3,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        initial=Decimal("100"),
        help_text=_("Of the appraiser's value, the depreciated cost, the cost or the listed value: 50 for half."),
        widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}),
    )
    useful_life_years = forms.IntegerField(
        label=_("Useful life (years)"),
        required=False,
        min_value=1,
        max_value=200,
        help_text=_("Depreciated cost: the cost is written off in equal parts over these years."),
    )
    fixed_value = money_input(
        _("Value from the trust's list"), required=False, minimum="0.00", help_text=_("Fixed value: the listed amount.")
    )
    change_reason = reason_field(_("Note"))


class ImprovementDenyForm(forms.Form):
    change_reason = reason_field(_("Reason for the denial"))


class ImprovementCompleteForm(forms.Form):
    """The work is done: its dates, final cost, the documents on file and, if valued so, the appraiser's figure."""

    completed_on = date_field(_("Completed on"), initial=clock.today)
    started_on = date_field(_("Work started on"), required=False, help_text=_("Not before the approval."))
    cost = money_input(_("Final cost"), minimum="0.00")
    documents = forms.CharField(
        label=_("Documents on file"),
        required=False,
        max_length=5000,
        help_text=_("Receipts, permits and photos, one per line. A credit needs the cost documented."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    appraised_value = money_input(
        _("Value an appraiser attributes to it"),
        required=False,
        minimum="0.00",
        help_text=_("Needed when the credit method is the appraiser-isolated value."),
    )
    change_reason = reason_field(_("Note"))


class ImprovementAskForm(forms.Form):
    """The homeowner asks the trust, before the work, to improve their home (or tells it of a repair)."""

    prefix = "improve"  # the portal page shows this form beside the certification and the notice to sell
    IMPROVEMENT, MAINTENANCE = "improvement", "maintenance"

    description = forms.CharField(
        label=_("What you would like to do"),
        max_length=300,
        help_text=_("For example: finish the basement as a bedroom, replace carpet with hardwood floors."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
    )
    estimated_cost = money_input(_("Estimated cost"), required=False, minimum="0.00", help_text=_("Optional."))
    kind = forms.ChoiceField(
        label=_("Is it an improvement or maintenance?"),
        choices=[
            (IMPROVEMENT, _("An improvement")),
            (MAINTENANCE, _("Maintenance or a repair")),
        ],
        initial=IMPROVEMENT,
        help_text=_(
            "Improvements approved before the work may earn a credit when you sell; maintenance is recorded "
            "but earns none."
        ),
    )
