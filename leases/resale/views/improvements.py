"""Capital improvements (issue 4 §5; domain notes §3.5): the staff forms on the lease page, the homeowner's
request in the portal, and the credit each item earns as the resale engine values it.

Every change goes through ``leases.resale.services`` (``improvement_request``, ``_approve``, ``_deny``,
``_complete``); a service's ``ValidationError`` comes back on the form field it names. The credit is never
computed here: ``credit_on`` hands one item to ``resale.compute_resale`` under the credit rules of the
lease's resale policy and reads back the engine's line for it, so a page, the API and a price
determination can never disagree about what an improvement is worth.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from clt import clock
from clt.decorators import staff_required
from leases.lifecycle import views as pages
from leases.lifecycle.models import GroundLease
from leases.lifecycle.rules import LeaseStatus
from leases.resale import engine as resale
from leases.resale import services
from leases.resale.forms import (
    ImprovementApproveForm,
    ImprovementAskForm,
    ImprovementCompleteForm,
    ImprovementDenyForm,
    ImprovementRequestForm,
)
from leases.resale.models import CapitalImprovement, CreditMethod, ImprovementStatus
from leases.resale.selectors import CENT, ZERO, credit_on, credit_rules_for

__all__ = [
    "improvement_approve",
    "improvement_complete",
    "improvement_create",
    "improvement_deny",
    "lease_section",
    "portal_improvement_request",
    "portal_section",
]


# --- The credit, as the engine values it ----------------------------------------------------------------


# --- Sections of the lease page and the portal ----------------------------------------------------------


def method_text(item: CapitalImprovement) -> str:
    """How an approved improvement will be valued, with its parameters, in words."""
    # Whole phrases, with and without a share, so that a translation never joins pieces.
    whole = item.credit_pct == 100
    values = {
        "pct": f"{item.credit_pct.normalize():f}",
        "years": item.useful_life_years,
        "value": f"{item.fixed_value:,.2f}" if item.fixed_value is not None else "",
    }
    match item.method:
        case CreditMethod.APPRAISED_VALUE:
            text = (
                _("the value an appraiser attributes to it")
                if whole
                else _("%(pct)s%% of the value an appraiser attributes to it")
            )
        case CreditMethod.DEPRECIATED_COST:
            text = (
                _("its cost, depreciated over %(years)s years")
                if whole
                else _("%(pct)s%% of its cost, depreciated over %(years)s years")
            )
        case CreditMethod.PERCENT_OF_COST:
            text = _("its cost") if whole else _("%(pct)s%% of its cost")
        case _:
            text = (
                _("the trust's listed value of $%(value)s")
                if whole
                else _("%(pct)s%% of the trust's listed value of $%(value)s")
            )
    return text % values


def _rows(items: list[CapitalImprovement], today: dt.date, rules: resale.CreditRules) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        valued = item.status in (ImprovementStatus.APPROVED, ImprovementStatus.COMPLETED) and not item.maintenance
        rows.append(
            {
                "item": item,
                "credit": credit_on(item, on=today, rules=rules),
                "method": method_text(item) if valued else "",
                "can_decide": item.status == ImprovementStatus.REQUESTED,
                "can_complete": item.status == ImprovementStatus.APPROVED
                or (item.status == ImprovementStatus.REQUESTED and item.maintenance),
            }
        )
    return rows


def _section(lease: GroundLease, today: dt.date) -> dict[str, Any]:
    items = list(lease.improvements.order_by("-requested_on", "-pk"))
    rules = credit_rules_for(lease) if items else resale.CreditRules()
    rows = _rows(items, today, rules)
    total = sum((row["credit"].amount for row in rows if row["credit"].credited), ZERO)
    return {"rows": rows, "total": total.quantize(CENT, rounding=ROUND_HALF_UP), "today": today}


def lease_section(lease: GroundLease, today: dt.date) -> dict[str, Any]:
    """The staff lease page's improvements: every item with its status, dates, costs, method and the credit
    it would earn today as the engine values it, and which forms apply to it."""
    return _section(lease, today)


def portal_section(lease: GroundLease, today: dt.date) -> dict[str, Any]:
    """The homeowner's improvements with their status and credit, and the form to ask for a new one (on
    an active lease)."""
    section = _section(lease, today)
    section["form"] = ImprovementAskForm() if lease.status == LeaseStatus.ACTIVE else None
    return section


# --- Staff pages -------------------------------------------------------------------------------------------


def _staff_item(request: HttpRequest, lease: GroundLease, item_pk: int) -> CapitalImprovement:
    return get_object_or_404(CapitalImprovement.objects.visible_to(request.user), pk=item_pk, lease=lease)


def _item_page(
    request: HttpRequest,
    form: Any,
    save: Any,
    *,
    lease: GroundLease,
    item: CapitalImprovement | None,
    title: str,
    success: str,
) -> HttpResponse:
    return pages.lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=title,
        success=success,
        next_url=pages.lease_url(lease, "improvements"),
        template="leases/resale/improvement_form.html",
        context={"item": item},
    )


@staff_required
def improvement_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a request for an improvement (or maintenance) on the owner's behalf."""
    lease = pages.staff_lease(request, pk)
    form = ImprovementRequestForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> CapitalImprovement:
        return services.improvement_request(
            lease=lease,
            description=cleaned["description"],
            requested_on=cleaned["requested_on"],
            estimated_cost=cleaned["estimated_cost"],
            maintenance=cleaned["maintenance"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    return _item_page(
        request,
        form,
        save,
        lease=lease,
        item=None,
        title=_("Record an improvement request"),
        success=_("Improvement request recorded."),
    )


@staff_required
def improvement_approve(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Approve a request before the work, with its reference and how it will be valued for the credit."""
    lease = pages.staff_lease(request, pk)
    item = _staff_item(request, lease, item_pk)
    form = ImprovementApproveForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> CapitalImprovement:
        terms = {name: cleaned[name] for name in services.CREDIT_TERMS if cleaned.get(name) is not None}
        return services.improvement_approve(
            improvement=item,
            approved_on=cleaned["approved_on"],
            approval_reference=cleaned["approval_reference"],
            actor=request.user,
            reason=cleaned["change_reason"],
            **terms,
        )

    return _item_page(
        request,
        form,
        save,
        lease=lease,
        item=item,
        title=_("Approve an improvement"),
        success=_("Improvement approved."),
    )


@staff_required
def improvement_deny(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    lease = pages.staff_lease(request, pk)
    item = _staff_item(request, lease, item_pk)
    form = ImprovementDenyForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> CapitalImprovement:
        return services.improvement_deny(improvement=item, actor=request.user, reason=cleaned["change_reason"])

    return _item_page(
        request,
        form,
        save,
        lease=lease,
        item=item,
        title=_("Deny an improvement request"),
        success=_("Improvement request denied."),
    )


@staff_required
def improvement_complete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The work is done: the date, the final cost and the documents on file (and an appraiser's figure)."""
    lease = pages.staff_lease(request, pk)
    item = _staff_item(request, lease, item_pk)
    form = ImprovementCompleteForm(request.POST or None, initial={"appraised_value": item.appraised_value})

    def save(cleaned: dict[str, Any]) -> CapitalImprovement:
        services.require_appraised_value(item, cleaned["appraised_value"])
        return services.improvement_complete(
            improvement=item,
            completed_on=cleaned["completed_on"],
            started_on=cleaned["started_on"],
            cost=cleaned["cost"],
            documents=cleaned["documents"],
            appraised_value=cleaned["appraised_value"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    return _item_page(
        request,
        form,
        save,
        lease=lease,
        item=item,
        title=_("Record the completed work"),
        success=_("Completed work recorded."),
    )


# --- The homeowner portal -----------------------------------------------------------------------------------


def portal_improvement_request(request: HttpRequest, pk: int) -> HttpResponse:
    """“Ask to improve your home”: ``improvement_request`` on the homeowner's own active lease (404 otherwise)."""
    lease = pages.submittable_lease(request, pk)
    if lease.status != LeaseStatus.ACTIVE:
        raise Http404
    form = ImprovementAskForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> CapitalImprovement:
        return services.improvement_request(
            lease=lease,
            description=cleaned["description"],
            requested_on=clock.today(),
            estimated_cost=cleaned["estimated_cost"],
            maintenance=cleaned["kind"] == ImprovementAskForm.MAINTENANCE,
            actor=request.user,
            reason=_("Asked by the homeowner through the portal."),
        )

    return pages.lease_form_page(
        request,
        form,
        save,
        lease=lease,
        title=_("Ask to improve your home"),
        success=_("The trust has your request and will answer before you start the work."),
        next_url=lambda _item: pages.portal_url(request, lease) + "#improvements",
        template="portal/form_page.html",
    )
