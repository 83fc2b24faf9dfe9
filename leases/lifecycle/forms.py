"""Forms of the lease's pages: the list's filter, events, the lease itself, deadlines, intent to sell, terms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clt import clock
from clt.forms import date_field, money_input, reason_field
from clt.models import Organization, Person
from leases.lifecycle import rules as lifecycle
from leases.lifecycle import services
from leases.lifecycle.choices import EVENT_LABELS, STATE_LABELS
from leases.lifecycle.models import GroundLease, LateFeeRuleFields, LeaseTemplateVersion
from leases.lifecycle.rules import ComplianceState as C
from leases.lifecycle.rules import EventKind as E
from leases.lifecycle.rules import FinancingState as F
from leases.lifecycle.rules import Track
from leases.lifecycle.rules import TransferState as T
from leases.resale.forms import resale_calculation_choices
from leases.resale.models import PolicyStatus, ResalePolicyVersion

# A track "at rest" needs no one's attention; any other state shows as a badge on the list.
RESTING_STATES = {
    Track.COMPLIANCE: {C.OK},
    Track.FINANCING: {F.NO_MORTGAGE, F.PERMITTED_MORTGAGE},
    Track.TRANSFER: {T.NONE},
}


DETAIL_LABELS = {
    "breach": _("Breach"),
    "mortgagee_received_on": _("Mortgagee received the notice on"),
    "lender": _("Lender"),
    "amount": _("Amount"),
    "intended_closing": _("Intended closing"),
    "exercised_by": _("Exercised by"),
    "buyers": _("Buyers"),
    "buyer": _("Buyer"),
    "price": _("Price"),
    "buyer_income_certified": _("Buyer income-certified"),
    "arrears_collected": _("Arrears collected at closing"),
    "person": _("Owner who died"),
    "heirs": _("Heirs"),
    "planned_transfer": _("Planned transfer"),
    "earliest_transfer": _("Earliest transfer the notice allows"),
    "planned_transfer_too_soon": _("Planned sooner than the notice allows"),
    "message": _("Message from the homeowner"),
    "from": _("Was due"),
    "to": _("Now due"),
    "kind": _("Deadline"),
    "predecessor": _("Previous lease"),
    "mode": pgettext_lazy("of the leasehold", "Transfer"),
    "mortgage": _("Mortgage"),
    "lien_position": _("Lien position"),
    "calculation": _("Saved resale calculation"),
    "determined_on": _("Price determined on"),
}


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.full_name


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.full_name


# --- The lease list ---------------------------------------------------------------------------------


def _state_choices(track: Track) -> list[tuple[str, Any]]:
    return [("", _("Any"))] + [(value.value, label) for value, label in STATE_LABELS[track].items()]


class LeaseFilterForm(forms.Form):
    """The filters of the lease list (GET)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Part of the address or of a leaseholder's name."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    # Named as the API's filters (leases/filters.py), which do the filtering for both.
    status = forms.ChoiceField(label=_("Status"), required=False, choices=())
    compliance_state = forms.ChoiceField(label=_("Compliance"), required=False, choices=())
    financing_state = forms.ChoiceField(label=_("Financing"), required=False, choices=())
    transfer_state = forms.ChoiceField(label=pgettext_lazy("of the leasehold", "Transfer"), required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = _state_choices(Track.LEASE)
        self.fields["compliance_state"].choices = _state_choices(Track.COMPLIANCE)
        self.fields["financing_state"].choices = _state_choices(Track.FINANCING)
        self.fields["transfer_state"].choices = _state_choices(Track.TRANSFER)


# --- Lease events -----------------------------------------------------------------------------------


def allowed_event_kinds(lease: GroundLease) -> list[E]:
    """The event kinds the lease's states allow now (the service still checks dates and details)."""
    allowed = []
    for kind in lifecycle.EVENTS:
        try:
            lifecycle.check_transition(lease.snapshot(), kind)
        except lifecycle.TransitionError:
            continue
        allowed.append(kind)
    return allowed


# Which optional details each event kind takes; the service says which of them are required.
EVENT_DETAILS: dict[E, tuple[str, ...]] = {
    E.DEFAULT_NOTICE_SENT: ("breach", "mortgagee_received_on"),
    E.MORTGAGE_CONSENT_REQUESTED: ("lender", "amount", "intended_closing"),
    E.CLT_PURCHASED_LEASEHOLD: ("price",),
    E.FORECLOSURE_SALE: ("buyer", "price"),
    E.INTENT_TO_SELL_RECEIVED: ("planned_transfer",),
    E.OPTION_EXERCISED: ("exercised_by",),
    E.BUYER_UNDER_CONTRACT: ("buyer", "price", "buyer_income_certified"),
    E.SALE_CLOSED: ("buyers", "price", "arrears_collected"),
    E.OWNER_DIED: ("person",),
    E.HEIR_ASSUMED: ("heirs",),
    E.RESALE_AGREEMENT_SIGNED: ("calculation",),
}
DETAIL_FIELDS = (
    "breach",
    "mortgagee_received_on",
    "lender",
    "amount",
    "intended_closing",
    "planned_transfer",
    "exercised_by",
    "buyers",
    "price",
    "buyer_income_certified",
    "arrears_collected",
    "person",
    "heirs",
    "calculation",
)


class EventForm(forms.Form):
    """Record one lease event: its kind, its dates, and the details that kind needs (mapped into ``data``)."""

    kind = forms.ChoiceField(label=_("What happened"), choices=())
    effective_on = date_field(_("Effective date"), required=False, help_text=_("Defaults to the date received."))
    sent_on = date_field(_("Sent on"), required=False)
    received_on = date_field(
        _("Received on"),
        required=False,
        help_text=_("For a notice: the day the addressee received it. Deadlines count from this date."),
    )
    delivery_method = forms.CharField(
        label=_("Delivery method"),
        required=False,
        max_length=40,
        help_text=_("For example: certified mail, hand delivery, email."),
    )
    change_reason = reason_field(_("Reason or note"))

    breach = forms.CharField(
        label=DETAIL_LABELS["breach"],
        required=False,
        max_length=500,
        help_text=_("Notice of default: what the leaseholder has not done."),
    )
    mortgagee_received_on = date_field(
        DETAIL_LABELS["mortgagee_received_on"],
        required=False,
        help_text=_("Notice of default on a mortgaged home: the cure period runs from the later receipt."),
    )
    lender = forms.ModelChoiceField(
        label=DETAIL_LABELS["lender"],
        required=False,
        queryset=Organization.objects.none(),
        help_text=_("Mortgage consent request."),
    )
    amount = money_input(DETAIL_LABELS["amount"], required=False, help_text=_("Mortgage consent request: the loan."))
    intended_closing = date_field(
        DETAIL_LABELS["intended_closing"], required=False, help_text=_("Mortgage consent request.")
    )
    planned_transfer = date_field(
        DETAIL_LABELS["planned_transfer"], required=False, help_text=_("Notice of intent to sell, if known.")
    )
    exercised_by = forms.CharField(
        label=DETAIL_LABELS["exercised_by"],
        required=False,
        max_length=200,
        help_text=_("Purchase option exercised: the trust or its designee."),
    )
    buyers = PeopleChoiceField(
        label=_("Buyer(s)"),
        required=False,
        queryset=Person.objects.none(),
        help_text=_("Buyer under contract, sale closed, foreclosure sale."),
    )
    price = money_input(
        DETAIL_LABELS["price"], required=False, help_text=_("Buyer under contract, sale closed, purchase by the trust.")
    )
    buyer_income_certified = forms.BooleanField(
        label=_("The buyer's income is certified"), required=False, help_text=_("Buyer under contract.")
    )
    arrears_collected = money_input(
        DETAIL_LABELS["arrears_collected"], required=False, help_text=_("Sale closed: unpaid lease fees paid from it.")
    )
    person = PersonChoiceField(
        label=DETAIL_LABELS["person"], required=False, queryset=Person.objects.none(), help_text=_("Death of an owner.")
    )
    heirs = PeopleChoiceField(
        label=DETAIL_LABELS["heirs"],
        required=False,
        queryset=Person.objects.none(),
        help_text=_("Heir took over the lease."),
    )
    calculation = forms.TypedChoiceField(
        label=DETAIL_LABELS["calculation"],
        required=False,
        coerce=int,
        empty_value=None,
        choices=(),
        help_text=_("Resale agreement signed: the price determination it accepts (its price is recorded)."),
    )

    def __init__(self, *args: Any, lease: GroundLease, people: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lease = lease
        allowed = allowed_event_kinds(lease)
        # Any known kind is accepted, so that a kind no longer allowed (someone else recorded an event
        # meanwhile) reaches the service and comes back with its reason; only the allowed ones are offered.
        self.fields["kind"].choices = [(k.value, EVENT_LABELS[k]) for k in lifecycle.EVENTS]
        self.fields["kind"].widget.choices = [("", _("Choose…"))] + [(k.value, EVENT_LABELS[k]) for k in allowed]
        self.fields["lender"].queryset = organizations
        self.fields["buyers"].queryset = people
        self.fields["heirs"].queryset = people
        self.fields["person"].queryset = people.filter(leaseholdings__lease=lease)
        self.fields["calculation"].choices = [("", _("None")), *resale_calculation_choices(lease)]

    def detail_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in DETAIL_FIELDS]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("kind", "effective_on", "sent_on", "received_on", "delivery_method")]


def event_data(kind: str, cleaned: dict[str, Any]) -> dict[str, Any]:
    """The ``data`` of an event from the form's detail fields that its kind takes."""
    data: dict[str, Any] = {}
    try:
        wanted = EVENT_DETAILS.get(E(kind), ())
    except ValueError:
        return data
    for key in wanted:
        source = "buyers" if key == "buyer" else key
        value = cleaned.get(source)
        if key == "buyer_income_certified":
            data[key] = bool(value)  # an explicit "no", so the service can say why it refuses
            continue
        if isinstance(value, QuerySet):
            value = sorted(value.values_list("pk", flat=True))
        elif isinstance(value, Organization | Person):
            value = value.pk
        if value in (None, "", []):
            continue
        data[key] = value
    return data


class DeadlineExtendForm(forms.Form):
    new_due = date_field(_("New due date"))
    agreed_on = date_field(_("Agreed in writing on"), initial=clock.today)
    change_reason = reason_field(_("Reason for the extension"))


# --- The lease itself ---------------------------------------------------------------------------------

# The fields staff edit directly are the ones the service accepts; states change only by events.
LEASE_DETAIL_FIELDS = list(services.LEASE_FIELDS)
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LEASE_WIDGETS = {
    "commencement": _DATE,
    "recorded_on": _DATE,
    "appraisal_date": _DATE,
    "notes": forms.Textarea(attrs={"rows": 3}),
}


class _LeaseFormBase(forms.ModelForm):
    def _post_clean(self) -> None:
        # The service builds and validates the lease (``full_clean``); here we only collect input,
        # so that an edit never changes the instance before the service compares old and new values.
        pass


class LeaseForm(_LeaseFormBase):
    """A new (draft) lease of a home; it becomes active when the ``executed`` event is recorded."""

    leaseholders = PeopleChoiceField(
        label=_("Leaseholders"),
        required=False,
        queryset=Person.objects.none(),
        help_text=_("The people named as lessees; leave empty when an organization holds the lease."),
    )
    monthly_fee = money_input(
        _("Monthly lease fee"), required=False, minimum="0.00", help_text=_("Empty: the default of the lease terms.")
    )
    change_reason = reason_field()

    class Meta:
        model = GroundLease
        fields = ["unit", "template_version", "organization", *LEASE_DETAIL_FIELDS]
        widgets = LEASE_WIDGETS

    def __init__(self, *args: Any, people: Any, units: Any, versions: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leaseholders"].queryset = people
        self.fields["unit"].queryset = units
        self.fields["template_version"].queryset = versions
        self.fields["organization"].queryset = organizations
        self.order_fields(["unit", "template_version", "leaseholders", "organization", "monthly_fee"])


class LeaseEditForm(_LeaseFormBase):
    change_reason = reason_field()

    class Meta:
        model = GroundLease
        fields = LEASE_DETAIL_FIELDS
        widgets = LEASE_WIDGETS


def unit_choices(queryset: Any) -> Any:
    return queryset.select_related("parcel").order_by("address", "unit_number", "pk")


def version_choices() -> Any:
    return LeaseTemplateVersion.objects.select_related("template").order_by("template__name", "-version")


class IntentToSellForm(forms.Form):
    """A homeowner's notice that they intend to sell: it starts the resale steps of the lease."""

    prefix = "sell"

    planned_transfer = date_field(
        _("When you hope to sell"), required=False, help_text=_("Optional; an approximate date is fine.")
    )
    details = forms.CharField(
        label=_("Message to the trust"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("I intend to sell my home and ask the trust to start the resale process."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["planned_transfer"].widget.attrs["min"] = clock.today().isoformat()

    def clean_planned_transfer(self) -> dt.date | None:
        value = self.cleaned_data.get("planned_transfer")
        if value is not None and value < clock.today():
            raise forms.ValidationError(_("Give a date from today on."))
        return value


# --- Lease terms (template versions) ------------------------------------------------------------------

# The terms of a version, grouped as staff read a lease: the same groups make the form's fieldsets and
# the rows of the side-by-side table. ``effective_from`` heads the form and the table's columns.
TERM_GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (_("Term and renewal"), ("term_years", "renewal_terms", "renewal_term_years", "renewal_notice_days")),
    (
        _("Occupancy and monitoring"),
        (
            "occupancy_months_per_year",
            "certification_month",
            "certification_day",
            "inspection_notice_hours",
            "inspections_per_year",
        ),
    ),
    (
        _("Fee and late fees"),
        ("default_monthly_fee", *LateFeeRuleFields.LATE_FEE_FIELDS),
    ),
    (
        _("Notice day counts"),
        ("cure_days", "mortgagee_objection_days", "lender_default_cure_days", "mortgage_consent_lead_days"),
    ),
    (
        _("Resale"),
        (
            "resale_policy_version",
            "transfer_mode",
            "intended_transfer_notice_days",
            "second_appraisal_delivery_days",
            "second_appraisal_decision_days",
            "option_exercise_days",
            "option_closing_days",
        ),
    ),
)
TERM_FIELDS: tuple[str, ...] = ("effective_from", *(name for _legend, names in TERM_GROUPS for name in names))


class TermsForm(forms.ModelForm):
    """The terms of a lease template version, in fieldsets; ``leases.lifecycle.services`` validates and saves them."""

    change_reason = reason_field()

    class Meta:
        model = LeaseTemplateVersion
        fields = list(TERM_FIELDS)
        widgets = {"effective_from": _DATE}
        help_texts = {"effective_from": _("The first day a lease may be signed under these terms.")}

    lead_names: tuple[str, ...] = ("effective_from",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Leases follow an approved formula: a draft may still change under them.
        field = self.fields["resale_policy_version"]
        field.queryset = ResalePolicyVersion.objects.filter(status=PolicyStatus.APPROVED).select_related("policy")

    def _post_clean(self) -> None:
        # The service builds the version and runs ``full_clean`` (the late-fee rule included); its errors
        # come back on these fields. The form never changes a stored version itself.
        pass

    def lead_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.lead_names]

    def fieldsets(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in TERM_GROUPS]

    def terms(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in TERM_FIELDS}

    def changed_terms(self, current: LeaseTemplateVersion | None) -> dict[str, Any]:
        """The terms that differ from ``current`` (all of them when there is none)."""
        terms = self.terms()
        if current is None:
            return terms
        return {name: value for name, value in terms.items() if value != getattr(current, name)}


class TemplateCreateForm(TermsForm):
    """A new lease template and the terms of its version 1 (the domain notes' figures to start from)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("As the trust calls the lease document, e.g. “2011 model lease as adopted 2018”."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    lead_names = ("name", "description", "effective_from")
