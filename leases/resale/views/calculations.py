"""Resale price determination pages: the lease page's section, the determination form (preview, then save),
a saved calculation explained, and its certificate (PDF or HTML).

A determination is ``resale_services.resale_calculation_determine``: the lease's quote under its policy, saved with
every input the engine used. Staff determine; a homeowner opens the certificates of their own lease (404 for
anyone else's, from ``visible_to``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from clt.decorators import staff_required
from leases.documents import selectors as document_texts
from leases.documents import services as documents
from leases.ledger import selectors as ledger_selectors
from leases.lifecycle.models import GroundLease
from leases.lifecycle.rules import LeaseStatus
from leases.resale import codec as resale_codec
from leases.resale import services as resale_services
from leases.resale.forms import ResaleDeterminationForm
from leases.resale.models import ResaleCalculation

__all__ = [
    "calculation_detail",
    "certificate",
    "determine",
    "lease_resale_section",
    "portal_resale_calculations",
]

ZERO = Decimal("0")
# Where a service error on an engine input belongs on the form (longest prefix first).
INPUT_FIELDS = (
    ("inputs.resale_appraisal.total", "appraisal_total"),
    ("inputs.resale_appraisal.land", "appraisal_land"),
    ("inputs.resale_appraisal.improvements", "appraisal_improvements"),
    ("inputs.resale_appraisal.effective_date", "appraisal_date"),
    ("inputs.resale_appraisal", "appraisal_total"),
    ("inputs.liens", "liens_payoff"),
    ("inputs.sale_closing_costs", "closing_costs"),
    ("inputs.arrears", "arrears"),
    ("inputs.determination_date", "determination_date"),
    ("determination_date", "determination_date"),
    ("policy_version", "policy_version"),
    ("change_reason", "change_reason"),
)


def _calculations(lease: GroundLease) -> Any:
    return lease.resale_calculations.select_related("policy_version__policy", "actor").order_by(
        "-determination_date", "-pk"
    )


def lease_resale_section(lease: GroundLease) -> dict[str, Any]:
    """The lease page's "Resale price" section: the saved calculations, newest first, and whether one can be made."""
    return {"calculations": list(_calculations(lease)), "can_determine": lease.status != LeaseStatus.DRAFT}


def portal_resale_calculations(lease: GroundLease) -> list[ResaleCalculation]:
    """The saved calculations of a homeowner's lease (fetched through ``visible_to``), for their certificates."""
    return list(_calculations(lease))


def staff_lease(request: HttpRequest, pk: int) -> GroundLease:
    return get_object_or_404(
        GroundLease.objects.visible_to(request.user).select_related(
            "unit", "parcel", "template_version__resale_policy_version__policy"
        ),
        pk=pk,
    )


def _calculation(request: HttpRequest, lease: GroundLease, calculation_pk: int) -> ResaleCalculation:
    queryset = ResaleCalculation.objects.visible_to(request.user).select_related("policy_version__policy", "actor")
    return get_object_or_404(queryset, pk=calculation_pk, lease=lease)


def calculation_url(calculation: ResaleCalculation) -> str:
    return reverse("leases:resale_calculation", args=[calculation.lease_id, calculation.pk])


def _add_errors(form: ResaleDeterminationForm, error: ValidationError) -> None:
    """A service error on the form field it concerns, else as a form error naming the input."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, found in error.message_dict.items():
        target = next((field for prefix, field in INPUT_FIELDS if name.startswith(prefix)), None)
        for message in found:
            if target is None:
                # An input the lease or a series supplies (a missing index value, say): say which one.
                form.add_error(None, f"{name}: {message}" if name != "__all__" else message)
            else:
                form.add_error(target, message)


@staff_required
def determine(request: HttpRequest, pk: int) -> HttpResponse:
    """Determine the lease's resale price: "Preview" shows the line items without saving; "Save" keeps the
    calculation and opens it."""
    lease = staff_lease(request, pk)
    form = ResaleDeterminationForm(
        request.POST or None,
        lease=lease,
        initial={"determination_date": resale_services.resale_determination_default_date(lease)},
    )
    preview = preview_version = None
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        on = cleaned["determination_date"]
        try:
            # Arrears left blank: what the ledger says is owed on the determination date.
            owed = ledger_selectors.ledger_state(lease, as_of=on).balance if cleaned["arrears"] is None else ZERO
            arguments = {
                "lease": lease,
                "actor": request.user,
                "determination_date": on,
                "inputs": form.inputs(arrears_on_date=owed),
                "policy_version": cleaned["policy_version"],
            }
            if request.POST.get("action") == "save":
                calculation = resale_services.resale_calculation_determine(reason=cleaned["change_reason"], **arguments)
                messages.success(
                    request,
                    _("Resale price determined: $%(price)s on %(date)s (calculation %(n)s).")
                    % {
                        "price": document_texts.money(calculation.price),
                        "date": calculation.determination_date.isoformat(),
                        "n": calculation.pk,
                    },
                )
                return redirect(calculation_url(calculation))
            found = resale_services.resale_determination_preview(**arguments)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            # An unsaved calculation, only to explain the preview the way a saved one is explained.
            unsaved = ResaleCalculation(
                lease=lease,
                determination_date=on,
                policy_version=found.version,
                inputs=found.inputs,
                result=resale_codec.result_to_dict(found.result),
            )
            preview, preview_version = document_texts.resale_explanation(unsaved), found.version
    return render(
        request,
        "leases/resale/resale_determine.html",
        {
            "lease": lease,
            "form": form,
            "preview": preview,
            "preview_version": preview_version,
            "pinned": lease.template_version.resale_policy_version,
            "title": _("Determine the resale price"),
        },
    )


@staff_required
def calculation_detail(request: HttpRequest, pk: int, calculation_pk: int) -> HttpResponse:
    """A saved calculation: its line items in words, prices, the seller's proceeds, every input used, whether
    a recomputation today gives the same result, and its certificate."""
    lease = staff_lease(request, pk)
    calculation = _calculation(request, lease, calculation_pk)
    recompute_error = ""
    recomputed_price = None
    try:
        recomputed = resale_services.resale_calculation_recompute(calculation)
    except ValidationError as error:
        same = False
        recompute_error = "; ".join(error.messages)
    else:
        same = recomputed == calculation.result
        if not same:
            recomputed_price = resale_codec.result_from_dict(recomputed).price
    return render(
        request,
        "leases/resale/resale_calculation.html",
        {
            "lease": lease,
            "calculation": calculation,
            "version": calculation.policy_version,
            "same": same,
            "recompute_error": recompute_error,
            "recomputed_price": recomputed_price,
            "explanation": document_texts.resale_explanation(calculation),
        },
    )


def certificate(request: HttpRequest, pk: int, calculation_pk: int) -> HttpResponse:
    """The resale-price certificate, ``?format=pdf`` (default) or ``html``: staff, and the lease's own holders."""
    lease = get_object_or_404(GroundLease.objects.visible_to(request.user), pk=pk)
    return documents.resale_certificate_response(request, _calculation(request, lease, calculation_pk))
