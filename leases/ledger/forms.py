"""Forms of the ledger: payments, reversals, charges, waivers, fee rates and suspensions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clt import clock
from clt.forms import date_field, money_input, reason_field
from leases.ledger.models import PaymentMethod

# A track "at rest" needs no one's attention; any other state shows as a badge on the list.
# --- Ledger -----------------------------------------------------------------------------------------


class PaymentForm(forms.Form):
    amount = money_input(_("Amount"))
    received_on = date_field(_("Received on"), initial=clock.today)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.CHECK)
    reference = forms.CharField(
        label=_("Reference"), required=False, max_length=100, help_text=_("Check number or transfer reference.")
    )
    change_reason = reason_field(_("Note"))


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
