"""The names people read for the lease's event kinds, tracks, states and deadlines (translated).

The values are ``leases.lifecycle.rules``' (pure, untranslated); models, forms, the API, documents and
emails all show these labels, so a kind is called the same everywhere.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from leases.lifecycle.rules import ComplianceState as C
from leases.lifecycle.rules import DeadlineKind as DK
from leases.lifecycle.rules import EventKind as E
from leases.lifecycle.rules import FinancingState as F
from leases.lifecycle.rules import LeaseStatus as S
from leases.lifecycle.rules import Track
from leases.lifecycle.rules import TransferState as T

__all__ = ["DEADLINE_LABELS", "EVENT_LABELS", "STATE_LABELS", "TRACK_LABELS", "choices"]

EVENT_LABELS = {
    E.EXECUTED: _("Lease executed"),
    E.RENEWED: _("Lease renewed"),
    E.EXPIRED: _("Lease expired"),
    E.TERMINATED: _("Lease terminated"),
    E.DEFAULT_NOTICE_SENT: _("Notice of default sent"),
    E.DEFAULT_CURED: _("Default cured"),
    E.DEFAULT_UNCURED: _("Default not cured in time"),
    E.TERMINATION_NOTICE_TO_MORTGAGEE: _("Notice of termination sent to the mortgagee"),
    E.MORTGAGEE_CONSENTED: _("Mortgagee consented to termination"),
    E.MORTGAGEE_OBJECTED: _("Mortgagee objected to termination"),
    E.MORTGAGE_CONSENT_REQUESTED: _("Consent to a mortgage requested"),
    E.MORTGAGE_CONSENT_APPROVED: _("Consent to a mortgage given"),
    E.MORTGAGE_CONSENT_DENIED: _("Consent to a mortgage refused"),
    E.MORTGAGE_RELEASED: _("Mortgage released"),
    E.LENDER_DEFAULT_NOTICE_RECEIVED: _("Lender's notice of default received"),
    E.LENDER_DEFAULT_CURED: _("Lender's default cured"),
    E.FORECLOSURE_COMMENCED: _("Foreclosure started"),
    E.CLT_PURCHASED_LEASEHOLD: _("Trust bought the leasehold"),
    E.FORECLOSURE_SALE: _("Foreclosure sale"),
    E.INTENT_TO_SELL_RECEIVED: _("Notice of intent to sell received"),
    E.APPRAISAL_ACCEPTED: _("Appraisal accepted"),
    E.SECOND_APPRAISAL_ORDERED: _("Second appraisal ordered"),
    E.SECOND_APPRAISAL_RECEIVED: _("Second appraisal received"),
    E.INTENT_WITHDRAWN: _("Intent to sell withdrawn"),
    E.RESALE_AGREEMENT_SIGNED: _("Resale agreement signed"),
    E.OPTION_EXERCISED: _("Purchase option exercised"),
    E.OPTION_WAIVED: _("Purchase option waived"),
    E.OPTION_LAPSED: _("Purchase option lapsed"),
    E.OPTION_CLOSING_LAPSED: _("Option closing window lapsed"),
    E.BUYER_UNDER_CONTRACT: _("Buyer under contract"),
    E.CONTRACT_FELL_THROUGH: _("Contract fell through"),
    E.SALE_CLOSED: _("Sale closed"),
    E.OWNER_DIED: _("Death of an owner"),
    E.HEIR_ASSUMED: _("Heir took over the lease"),
    E.ESTATE_SALE: _("Estate put up for sale"),
    E.DEADLINE_EXTENDED: _("Deadline extended"),
}

TRACK_LABELS = {
    Track.LEASE: _("Lease"),
    Track.COMPLIANCE: _("Compliance"),
    Track.FINANCING: _("Financing"),
    Track.TRANSFER: pgettext_lazy("of the leasehold", "Transfer"),
}

STATE_LABELS = {
    Track.LEASE: {
        S.DRAFT: _("Draft"),
        S.ACTIVE: pgettext_lazy("a lease", "Active"),
        S.ASSIGNED: _("Assigned"),
        S.SUPERSEDED: _("Superseded"),
        S.EXPIRED: _("Expired"),
        S.TERMINATED: _("Terminated"),
    },
    Track.COMPLIANCE: {
        C.OK: _("In compliance"),
        C.DEFAULT_NOTICED: _("Notice of default given"),
        C.DEFAULT_UNCURED: _("Default not cured"),
        C.TERMINATION_PENDING: _("Termination pending"),
    },
    Track.FINANCING: {
        F.NO_MORTGAGE: _("No mortgage"),
        F.CONSENT_PENDING: _("Mortgage consent pending"),
        F.PERMITTED_MORTGAGE: _("Permitted mortgage"),
        F.LENDER_DEFAULT: _("Lender default"),
        F.FORECLOSURE: _("Foreclosure"),
    },
    Track.TRANSFER: {
        T.NONE: _("No transfer"),
        T.PRICE_DETERMINATION: _("Price being determined"),
        T.OPTION_PERIOD: _("Trust's purchase option open"),
        T.OPTION_CLOSING: _("Option closing"),
        T.MARKETING: _("On the market"),
        T.UNDER_CONTRACT: _("Under contract"),
        T.SOLD: pgettext_lazy("a home", "Sold"),
        T.ESTATE: _("Estate"),
        T.HEIR_ASSUMED: _("Heir took over"),
    },
}


DEADLINE_LABELS = {
    DK.CURE: _("Cure period ends"),
    DK.MORTGAGEE_OBJECTION: _("Mortgagee's objection window ends"),
    DK.LENDER_DEFAULT_CURE: _("Trust's cure of the lender default"),
    DK.SECOND_APPRAISAL_DECISION: _("Decision on a second appraisal"),
    DK.SECOND_APPRAISAL_DELIVERY: _("Second appraisal due"),
    DK.OPTION_EXERCISE: _("Purchase option must be exercised"),
    DK.OPTION_CLOSING: _("Option purchase must close"),
    DK.RENEWAL_NOTICE: _("Renewal notice due"),
    DK.TERM_END: pgettext_lazy("a lease", "Term ends"),
}


def choices(labels: dict) -> list[tuple[str, object]]:
    """Model/form choices from a label mapping, in the order of the mapping."""
    return [(str(key.value if hasattr(key, "value") else key), label) for key, label in labels.items()]
