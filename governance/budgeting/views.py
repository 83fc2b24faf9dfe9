"""Pages of participatory budgeting (``/governance/budgets/``).

* ``budgets/``: the budgets, for members, board members and staff; staff create one (``budgets/new/``).
* ``budgets/<id>/``: a budget at its phase: its projects with their review; members propose while proposals
  are open; staff review each project, enter paper ballots during the vote, import a .pb file into an empty
  budget and move the budget on (``…/action/``).
* ``budgets/<id>/result/``: each funded project and why, the projects not funded and why, the left-over and a
  chart; ``…/result.pdf`` once certified; ``…/budget.pb`` the budget as a Pabulib file.

Every write goes through ``governance.budgeting.services``; a refusal comes back on the form (400), nothing saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clt import clock, pdf, roles
from clt.decorators import staff_required
from clt.views import form_page, form_saved
from governance.budgeting import selectors, services
from governance.budgeting.forms import BallotForm, BudgetForm, ImportForm, ProposeForm, ReviewForm
from governance.budgeting.models import BudgetPhase, BudgetProject, ParticipatoryBudget, ReviewStatus

__all__ = [
    "budget_action",
    "budget_create",
    "budget_detail",
    "budget_list",
    "budget_pb",
    "budget_result",
    "budget_result_pdf",
]


def _visible(user: Any) -> QuerySet:
    if not (roles.is_staff_member(user) or roles.is_member(user) or roles.is_board_member(user)):
        raise PermissionDenied
    return ParticipatoryBudget.objects.visible_to(user)


def _budget(request: HttpRequest, pk: int) -> ParticipatoryBudget:
    return get_object_or_404(_visible(request.user), pk=pk)


def budget_list(request: HttpRequest) -> HttpResponse:
    budgets = list(_visible(request.user).order_by("-created", "pk"))
    return render(
        request,
        "governance/budgeting/budget_list.html",
        {"budgets": budgets, "is_staff": roles.is_staff_member(request.user)},
    )


@staff_required
def budget_create(request: HttpRequest) -> HttpResponse:
    form = BudgetForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda data: services.budget_create(actor=request.user, **data),
        template="governance/budgeting/budget_form.html",
        success=_("Budget created: proposals are open."),
        next_url=lambda budget: reverse("governance:budget_detail", args=[budget.pk]),
    )


def _ballot_choices(budget: ParticipatoryBudget) -> list[tuple[str, str]]:
    return [
        (p.code, f"{p.title} ({p.cost:.2f})")
        for p in budget.projects.filter(status=ReviewStatus.ACCEPTED).order_by("code")
    ]


def _detail_context(request: HttpRequest, budget: ParticipatoryBudget, **forms: Any) -> dict[str, Any]:
    is_staff = roles.is_staff_member(request.user)
    projects = list(budget.projects.select_related("proposer", "reviewed_by").order_by("code"))
    if not is_staff and budget.phase in (BudgetPhase.PROPOSALS, BudgetPhase.REVIEW):
        # Members see the accepted projects, and their own whatever their review.
        projects = [
            p
            for p in projects
            if p.status == ReviewStatus.ACCEPTED or (p.proposer and p.proposer.user_id == request.user.pk)
        ]
    context = {
        "budget": budget,
        "projects": projects,
        "is_staff": is_staff,
        "may_propose": budget.phase == BudgetPhase.PROPOSALS and (is_staff or roles.is_member(request.user)),
        "ballots": budget.ballots.count() if is_staff else None,
        "has_result": hasattr(budget, "result") and budget.phase == BudgetPhase.RESULT,
    }
    context["propose_form"] = forms.get("propose_form") or ProposeForm()
    if is_staff:
        context["review_form"] = forms.get("review_form")
        context["review_project"] = forms.get("review_project")
        context["ballot_form"] = forms.get("ballot_form") or BallotForm(choices=_ballot_choices(budget))
        context["import_form"] = forms.get("import_form") or ImportForm()
        context["action_error"] = forms.get("action_error")
    return context


def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    budget = _budget(request, pk)
    return render(request, "governance/budgeting/budget_detail.html", _detail_context(request, budget))


def _again(request: HttpRequest, budget: ParticipatoryBudget, **forms: Any) -> HttpResponse:
    return render(
        request, "governance/budgeting/budget_detail.html", _detail_context(request, budget, **forms), status=400
    )


@require_POST
def budget_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Every write of the budget page: propose, review, a paper ballot, an import, the next phase, certify."""
    budget = _budget(request, pk)
    action = request.POST.get("action", "")
    user = request.user
    if action == "propose":
        form = ProposeForm(request.POST)
        if form_saved(
            request,
            form,
            lambda data: services.project_propose(actor=user, budget=budget, **data),
            success=_("Project proposed: staff will review it."),
        ):
            return redirect("governance:budget_detail", pk=budget.pk)
        return _again(request, budget, propose_form=form)
    if not roles.is_staff_member(user):
        raise PermissionDenied
    if action == "review":
        form = ReviewForm(request.POST)
        project = None
        if form.is_valid():
            project = BudgetProject.objects.filter(budget=budget, pk=form.cleaned_data["project"]).first()
            if project is None:
                raise Http404
        if form_saved(
            request,
            form,
            lambda data: services.project_review(
                actor=user, project=project, status=data["status"], reason=data["reason"]
            ),
            success=_("Review recorded."),
        ):
            return redirect("governance:budget_detail", pk=budget.pk)
        return _again(request, budget, review_form=form, review_project=project)
    if action == "ballot":
        form = BallotForm(request.POST, choices=_ballot_choices(budget))
        if form_saved(
            request,
            form,
            lambda data: services.ballot_record(
                actor=user, budget=budget, projects=data["projects"], points=data["points"]
            ),
            success=_("Paper ballot recorded."),
        ):
            return redirect("governance:budget_detail", pk=budget.pk)
        return _again(request, budget, ballot_form=form)
    if action == "import":
        form = ImportForm(request.POST, request.FILES)
        if form_saved(
            request,
            form,
            lambda data: services.budget_import(actor=user, budget=budget, data=data["file"].read()),
            success=_("File imported: the projects and ballots are in. Move on to the result to count them."),
        ):
            return redirect("governance:budget_detail", pk=budget.pk)
        return _again(request, budget, import_form=form)
    steps = {
        "advance": (lambda: services.budget_advance(actor=user, budget=budget), _("The budget has moved on.")),
        "certify": (lambda: services.result_certify(actor=user, budget=budget), _("The result is certified.")),
    }
    if action not in steps:
        return _again(request, budget, action_error=_("Unknown action."))
    run, done = steps[action]
    try:
        run()
    except ValidationError as error:
        return _again(request, budget, action_error=" ".join(error.messages))
    messages.success(request, done)
    if action == "advance" and budget.phase != BudgetPhase.RESULT:
        budget.refresh_from_db()
    return redirect("governance:budget_detail", pk=budget.pk)


def _result_context(request: HttpRequest, budget: ParticipatoryBudget) -> dict[str, Any]:
    view = selectors.result_view(budget) if budget.phase == BudgetPhase.RESULT else None
    if view is None:
        raise Http404(_("The result exists once the vote is over and counted."))
    return {"budget": budget, "is_staff": roles.is_staff_member(request.user), **view}


def budget_result(request: HttpRequest, pk: int) -> HttpResponse:
    budget = _budget(request, pk)
    return render(request, "governance/budgeting/budget_result.html", _result_context(request, budget))


def budget_result_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    budget = _budget(request, pk)
    context = {**_result_context(request, budget), "prepared_on": clock.today()}
    if context["result"].certified_at is None:
        raise Http404(_("The result document exists once the result is certified."))
    if request.GET.get("format") == "html":
        return HttpResponse(pdf.render_html("pdf/budget_result.html", context, request))
    response = HttpResponse(pdf.render_pdf("pdf/budget_result.html", context, request), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="budget-{budget.pk}-result.pdf"'
    return response


def budget_pb(request: HttpRequest, pk: int) -> HttpResponse:
    """The budget as a Pabulib file (the ballots only once the result is in: before, the box is sealed)."""
    budget = _budget(request, pk)
    if budget.phase != BudgetPhase.RESULT and not roles.is_staff_member(request.user):
        raise PermissionDenied
    response = HttpResponse(services.budget_export(budget), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="budget-{budget.pk}.pb"'
    return response
