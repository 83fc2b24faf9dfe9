"""Forms of the ledger: payments, reversals, charges, waivers, fee rates and suspensions, local currencies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clt import clock
from clt.forms import date_field, money_input, reason_field
from leases.ledger.models import LocalCurrency, PaymentMethod

# A track "at rest" needs no one's attention; any other state shows as a badge on the list.
# --- Ledger -----------------------------------------------------------------------------------------


class PaymentForm(forms.Form):
    """A payment in dollars, or (when the trust accepts one) in a local currency converted at the board's rate."""

    amount = money_input(_("Amount"), required=False)
    received_on = date_field(_("Received on"), initial=clock.today)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.CHECK)
    reference = forms.CharField(
        label=_("Reference"), required=False, max_length=100, help_text=_("Check number or transfer reference.")
    )
    currency = forms.ModelChoiceField(
        label=_("Paid in"),
        queryset=LocalCurrency.objects.none(),
        required=False,
        empty_label=_("US dollars"),
        help_text=_("A local currency is credited in dollars at the board's rate on the day received."),
    )
    currency_amount = forms.DecimalField(
        label=_("Amount in the local currency"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("Leave the dollar amount empty: it is worked out from the rate."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    change_reason = reason_field(_("Note"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accepted = LocalCurrency.objects.filter(active=True).order_by("name")
        if accepted.exists():
            self.fields["currency"].queryset = accepted
        else:
            # A trust that accepts no local currency sees the dollar form it always had.
            del self.fields["currency"]
            del self.fields["currency_amount"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        local = cleaned.get("currency") is not None or cleaned.get("currency_amount") is not None
        if not local and cleaned.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", forms.Field.default_error_messages["required"])
        if cleaned.get("currency") is not None and cleaned.get("currency_amount") is None:
            self.add_error("currency_amount", _("Give the amount paid in the local currency."))
        return cleaned


class PaymentReverseForm(forms.Form):
    reversed_on = date_field(_("Reversed on"), initial=clock.today, help_text=_("The day the bank returned it."))
    change_reason = reason_field(_("Reason for the reversal"))


class ChargeForm(forms.Form):
    amount = money_input(_("Amount"))
    due = date_field(_("Due"), initial=clock.today)
    description = forms.CharField(label=_("Description"), max_length=200)
    change_reason = reason_field()


class WaiverForm(forms.Form):
    amount = money_input(_("Amount waived"), help_text=_("At most what is still unpaid on this charge."))
    granted_on = date_field(_("Granted on"), initial=clock.today)
    change_reason = reason_field(_("Reason for the waiver"))


class FeeRateForm(forms.Form):
    effective = date_field(_("Effective from"), help_text=_("The first month billed at the new amount."))
    amount = money_input(_("New monthly fee"), minimum="0.00")
    change_reason = reason_field()


class FeeSuspendForm(forms.Form):
    start = date_field(_("From"))
    end = date_field(_("Until"), required=False, help_text=_("Leave empty until further notice."))
    change_reason = reason_field(_("Reason (as agreed in writing)"))


class LocalCurrencyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60, help_text=_("As people say it: BerkShares."))
    code = forms.SlugField(label=_("Code"), max_length=20, help_text=_("A short code, such as BSH."))
    symbol = forms.CharField(
        label=_("Symbol"), max_length=10, help_text=_("The unit after a rate: B$ in $0.95 per B$.")
    )
    change_reason = reason_field(_("Reason (the board's decision)"))


class LocalCurrencyRateForm(forms.Form):
    effective = date_field(_("Effective from"), help_text=_("The first day payments are credited at this rate."))
    dollars_per_unit = forms.DecimalField(
        label=_("Dollars per unit"),
        max_digits=12,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        widget=forms.NumberInput(attrs={"step": "0.0001", "inputmode": "decimal"}),
    )
    max_share_pct = forms.DecimalField(
        label=_("Share of each lease fee (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        help_text=_("At most this part of each lease fee may be paid in the currency."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    change_reason = reason_field(_("Reason (the board's resolution)"))


class LocalCurrencyReportForm(forms.Form):
    start = date_field(_("From"))
    end = date_field(_("Until"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", _("The end comes before the start."))
        return cleaned
