"""Pages of elections.

* ``/governance/vote/`` (no login: the access code is the credential, as ``ballot_cast`` requires): the
  code, then one ballot per contest the code votes in, a confirmation step, then the receipt codes.
  The code and the marks travel in the form, never in the session: nothing ties a browser session to a
  ballot. All the contests of one code are cast in one transaction (``ballots_cast``): one refusal and
  nothing is stored.
* ``/governance/elections/<id>/receipt/``: a voter finds their ballot among the published ballots.
* ``/governance/elections/<id>/``: public results after the count (round table, SVG chart, ballots, .blt),
  ``…/results.pdf`` once certified.
* ``/governance/elections/`` and ``…/<id>/manage/``: staff and the election officer run the phases, see
  the roll and who voted (never how), issue codes (shown once) and enter paper ballots.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clt import clock, pdf, ratelimit, roles
from clt.csvexport import csv_lines
from clt.decorators import staff_required
from clt.formats import date_text
from clt.views import form_saved
from governance.board.models import Shortfall
from governance.elections import jobs as election_jobs
from governance.elections import nominations as nomination_services
from governance.elections import selectors, services
from governance.elections.chart import decimal_of, round_chart
from governance.elections.codes import grouped, normalise_code
from governance.elections.forms import (
    CodeForm,
    ConsentForm,
    ContestBallot,
    ContestForm,
    ElectionForm,
    NominateForm,
    OpenToClassForm,
    SignForm,
    WithdrawForm,
    read_choices,
)
from governance.elections.models import (
    Ballot,
    Candidate,
    Channel,
    Contest,
    Election,
    ElectionPhase,
    Participation,
    RollEntry,
)
from governance.membership.models import GovernanceSettings, MemberClass, NominationMode
from governance.membership.selectors import addresses_of

# --- Who may do what --------------------------------------------------------------------------------


def _election_for(user: Any, pk: int) -> Election:
    return get_object_or_404(Election.objects.visible_to(user), pk=pk)


def _messages_of(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, PermissionDenied):
        return [str(error) or _("You may not do this.")]
    return list(error.messages)


def _cast_all(
    code: str,
    ballots: list[ContestBallot],
    *,
    channel: str,
    actor: Any,
    reason: str,
    dry_run: bool,
    election: Election | None = None,
    context: selectors.VoteContext | None = None,
) -> list[tuple[Contest, str]]:
    """The voter's ballots to ``ballots_cast`` (one transaction, all or none); a contest's refusal is shown
    on that contest's ballot. ``dry_run``: the confirmation step, judged by the cast's own rules, writing
    nothing. ``context``: what the page read for this code, handed on rather than read again."""
    by_contest = {ballot.contest.pk: ballot for ballot in ballots}
    try:
        return services.ballots_cast(
            election=election or ballots[0].contest.election,
            code=code,
            choices=[(ballot.contest, ballot.choices) for ballot in ballots],
            channel=channel,
            actor=actor,
            reason=reason,
            dry_run=dry_run,
            context=context,
        )
    except services.BallotRefused as refused:
        by_contest[refused.contest.pk].errors.extend(refused.messages)
        raise


def _window_error(election: Election, channel: str) -> str | None:
    if election.phase != ElectionPhase.OPEN:
        return _("%(name)s is not open for voting (it is %(phase)s).") % {
            "name": election.name,
            "phase": election.get_phase_display(),
        }
    now = clock.now()
    if now < election.opens_at:
        return _("Voting in %(name)s has not opened yet.") % {"name": election.name}
    if channel == Channel.ONLINE and now >= election.closes_at:
        closed = timezone.localtime(election.closes_at)
        return _("Voting in %(name)s closed at %(time)s on %(date)s.") % {
            "name": election.name,
            "time": formats.time_format(closed, "TIME_FORMAT"),
            "date": date_text(closed.date()),
        }
    return None


def _ballot_flow(request: HttpRequest, *, election: Election | None, staff: bool) -> HttpResponse:
    """The code → ballot → confirm → receipts flow, for voters online and for staff entering paper."""
    template = "governance/elections/election_paper.html" if staff else "governance/elections/election_vote.html"

    channels = Channel.choices[1:]
    if staff and not GovernanceSettings.current().proxies_allowed:
        channels = [c for c in channels if c[0] != Channel.PROXY]  # R10: offered only where the bylaws allow it
    context: dict[str, Any] = {"election": election, "staff": staff, "channels": channels}
    if request.method != "POST":
        context["form"] = CodeForm()
        return render(request, template, context)
    form = CodeForm(request.POST)
    context["form"] = form
    step = request.POST.get("step", "code")
    if not form.is_valid():
        return render(request, template, context, status=400)
    code = form.cleaned_data["code"]
    channel = request.POST.get("channel", Channel.PAPER) if staff else Channel.ONLINE
    if staff and channel not in (Channel.PAPER, Channel.PROXY):
        channel = Channel.PAPER
    reason = (request.POST.get("reason") or "").strip() if staff else ""
    context.update(channel=channel, reason=reason)
    # Read once: the page, the review and the cast all use it (services.ballots_cast(context=...)).
    vote = selectors.vote_context(code, election)
    entry = vote.entry if vote is not None else None
    if entry is None:
        if not staff:  # staff entering paper ballots are logged in and not limited
            ratelimit.count_failure(request, "vote")
        form.add_error("code", _("This access code is not valid for an election open for voting."))
        return render(request, template, context, status=400)
    problem = _window_error(entry.election, channel)
    if problem:
        form.add_error("code", problem)
        return render(request, template, context, status=400)
    to_vote, voted = vote.ballots()
    ballots = [ContestBallot(contest=contest, candidates=candidates) for contest, candidates in to_vote]
    context.update(entry_election=entry.election, ballots=ballots, voted=voted)
    if not ballots:
        form.add_error("code", services.already_voted_message())
        return render(request, template, context, status=400)
    if step == "code":
        context["step"] = "ballot"
        return render(request, template, context)
    for ballot in ballots:
        read_choices(request.POST, ballot)
    if staff and not reason:
        context["reason_error"] = _("Give a reason, e.g. the batch of paper ballots.")
    if any(b.errors for b in ballots) or context.get("reason_error"):
        context["step"] = "ballot"
        return render(request, template, context, status=400)
    actor = request.user if staff else None
    if step == "ballot":  # "change my choices" from the confirmation: the ballot again, as marked
        context["step"] = "ballot"
        return render(request, template, context)
    try:
        receipts = _cast_all(
            code,
            ballots,
            channel=channel,
            actor=actor,
            reason=reason or "online ballot",
            dry_run=step != "cast",
            election=entry.election,
            context=vote,
        )
    except (ValidationError, PermissionDenied) as exc:
        if not any(b.errors for b in ballots):
            form.add_error(None, "; ".join(_messages_of(exc)))
        context["step"] = "ballot"
        return render(request, template, context, status=400)
    if step != "cast":
        context["step"] = "confirm"
        return render(request, template, context)
    context.update(step="done", receipts=receipts)
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


@login_not_required
@never_cache
@ratelimit.rate_limited("vote")
def vote(request: HttpRequest) -> HttpResponse:
    return _ballot_flow(request, election=None, staff=False)


@staff_required
@never_cache
def paper_entry(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election_for(request.user, pk)
    return _ballot_flow(request, election=election, staff=True)


# --- Receipt check -----------------------------------------------------------------------------------


def _normal_receipt(text: str) -> str:
    return grouped(normalise_code(text))


@login_not_required
@never_cache
@ratelimit.rate_limited("receipt")
def receipt_check(request: HttpRequest, pk: int) -> HttpResponse:
    """POST, not GET: a receipt in a URL would sit in access logs next to the voter's address."""
    election = _election_for(request.user, pk)
    context: dict[str, Any] = {"election": election, "published": election.results_public}
    if request.method == "POST" and election.results_public:
        receipt = _normal_receipt(request.POST.get("receipt", ""))
        context["receipt"] = receipt
        found = (
            Ballot.objects.visible_to(request.user)
            .filter(contest__election=election, receipt=receipt)
            .select_related("contest")
            .first()
            if receipt
            else None
        )
        if found is None:
            ratelimit.count_failure(request, "receipt")
            context["not_found"] = True
            return render(request, "governance/elections/election_receipt.html", context, status=404)
        labels = selectors.candidate_labels(
            found.contest.candidates.select_related("person").order_by("ballot_order", "pk")
        )
        context.update(ballot=found, names=[labels.get(pk, f"#{pk}") for pk in found.choices])
    return render(request, "governance/elections/election_receipt.html", context)


# --- Public results ----------------------------------------------------------------------------------


def contest_view(contest: Contest) -> dict[str, Any]:
    """A counted contest for the results page and the PDF: winners, stages with every figure, the chart."""
    result = contest.result or {}
    names = [n for n in result.get("candidates", []) if n not in result.get("withdrawn", [])]
    stages = []
    for stage in result.get("stages", []):
        stages.append(
            {
                **stage,
                "text": selectors.stage_text(stage),
                "ties": [{**tie, "text": selectors.tie_text(tie)} for tie in stage.get("ties") or ()],
                "cells": [
                    {
                        "name": name,
                        "votes": stage["votes"].get(name, ""),
                        "transfer": stage["transfers"].get(name, ""),
                        "moved": decimal_of(stage["transfers"].get(name, 0)) != 0,
                        "elected": name in stage.get("elected", []),
                        "excluded": name in stage.get("excluded", []),
                    }
                    for name in names
                ],
            }
        )
    tie_break = result.get("tie_break") or {}
    return {
        "contest": contest,
        "result": result,
        "names": names,
        "stages": stages,
        "winners": result.get("winners", []),
        "ballots": result.get("ballots", {}),
        "seed": contest.tie_break_seed,
        "method_label": selectors.method_label(result.get("method")),
        "reasons_text": selectors.reasons_text(
            (result.get("ballots") or {}).get("reasons") or {}, result.get("method", "")
        ),
        "tie_rules": tie_break.get("rules", []),
        "tie_rules_text": _(", then ").join(selectors.tie_rule_label(rule) for rule in tie_break.get("rules", [])),
        "random_order": tie_break.get("random_order"),
        "chart": round_chart(result),
        # R8: settled at the freeze without a ballot (elected unopposed, or nobody stood).
        "unballoted": (result.get("stages") or [{}])[0].get("action") in ("acclaimed", "no_candidate"),
        "acclaimed": bool(result.get("acclaimed")),
        "vacant_seats": contest.vacant_seats,
        "shortfall_text": _shortfall_text(contest),
    }


@login_not_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election_for(request.user, pk)
    contests = list(election.contests.select_related("seat_class").order_by("order", "pk"))
    context = {
        "election": election,
        "published": election.results_public,
        "contests": [contest_view(c) for c in contests if c.result] if election.results_public else [],
        "certified": election.phase == ElectionPhase.CERTIFIED,
        "may_run": selectors.may_run(request.user, election),
    }
    return render(request, "governance/elections/election_results.html", context)


def _public_contest(request: HttpRequest, pk: int) -> Contest:
    contest = get_object_or_404(Contest.objects.visible_to(request.user).select_related("election"), pk=pk)
    if not contest.election.results_public:
        raise Http404(_("Ballots are published once the election has been counted."))
    return contest


@login_not_required
def contest_ballots(request: HttpRequest, pk: int) -> HttpResponse:
    contest = _public_contest(request, pk)
    return render(
        request,
        "governance/elections/election_ballots.html",
        {"contest": contest, "election": contest.election, "ballots": selectors.ballots_publish(contest)},
    )


@login_not_required
def contest_blt_download(request: HttpRequest, pk: int) -> HttpResponse:
    contest = _public_contest(request, pk)
    response = HttpResponse(selectors.contest_blt(contest), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="election-{contest.election_id}-contest-{contest.pk}.blt"'
    return response


# Stages per round table in the PDF: candidates are its rows (as many as there are, over as many pages as
# they take) and stages its columns, a new table every PDF_STAGES_PER_TABLE stages, so that any count fits
# the width of a landscape page.
PDF_STAGES_PER_TABLE = 8


def _pdf_stage_tables(cv: dict[str, Any]) -> list[dict[str, Any]]:
    """The round table of ``contest_view`` turned for paper: one row per candidate, then Exhausted, Residual
    and Ties; one column per stage, split into tables of ``PDF_STAGES_PER_TABLE`` stages."""
    stages = cv["stages"]
    tables = []
    for start in range(0, len(stages), PDF_STAGES_PER_TABLE):
        part = stages[start : start + PDF_STAGES_PER_TABLE]
        tables.append(
            {
                "stages": part,
                "rows": [{"name": name, "cells": [s["cells"][i] for s in part]} for i, name in enumerate(cv["names"])],
                "first": part[0]["stage"],
                "last": part[-1]["stage"],
                "split": len(stages) > PDF_STAGES_PER_TABLE,
            }
        )
    return tables


def _pdf_contest_view(contest: Contest) -> dict[str, Any]:
    cv = contest_view(contest)
    cv["method_text"] = str(selectors.method_label(cv["result"].get("method") or contest.method))
    cv["stage_tables"] = _pdf_stage_tables(cv)
    return cv


def _pdf_context(election: Election) -> dict[str, Any]:
    return {
        "title": _("Certified election results"),
        "election": election,
        "contests": [
            _pdf_contest_view(c)
            for c in election.contests.select_related("seat_class").order_by("order", "pk")
            if c.result
        ],
        "certified_by": election.certified_by,
        "certified_at": election.certified_at,
        "prepared_on": clock.today(),
    }


@login_not_required
def results_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    election = get_object_or_404(Election.objects.visible_to(request.user).select_related("certified_by"), pk=pk)
    if election.phase != ElectionPhase.CERTIFIED:
        raise Http404(_("The results document exists once the election officer has certified the count."))
    context = _pdf_context(election)
    if request.GET.get("format") == "html":
        return HttpResponse(pdf.render_html("pdf/election_results.html", context, request))
    response = HttpResponse(
        pdf.render_pdf("pdf/election_results.html", context, request), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="election-{election.pk}-results.pdf"'
    return response


# --- Staff and the election officer -----------------------------------------------------------------


@login_not_required
def election_list(request: HttpRequest) -> HttpResponse:
    elections = list(Election.objects.visible_to(request.user).order_by("-opens_at", "pk"))
    for election in elections:
        election.may_run = selectors.may_run(request.user, election)
    return render(
        request,
        "governance/elections/election_list.html",
        {"elections": elections, "is_staff": roles.is_staff_member(request.user)},
    )


_ACTIONS = {
    # action -> (service name, phases it is offered in)
    "freeze": ("roll_freeze", (ElectionPhase.DRAFT,)),
    "codes": ("access_codes_issue", (ElectionPhase.FROZEN, ElectionPhase.OPEN)),
    "open": ("election_open", (ElectionPhase.FROZEN,)),
    "close": ("election_close", (ElectionPhase.OPEN,)),
    "count": ("election_count", (ElectionPhase.CLOSED, ElectionPhase.COUNTED)),
    "certify": ("election_certify", (ElectionPhase.COUNTED,)),
}


def _action_labels() -> dict[str, str]:
    return {
        "freeze": _("Freeze the roll"),
        "codes": _("Issue access codes"),
        "open": _("Open voting"),
        "close": _("Close voting"),
        "count": pgettext("count the ballots (a button)", "Count"),
        "certify": _("Certify the result"),
    }


def _manage_context(request: HttpRequest, election: Election) -> dict[str, Any]:
    user = request.user
    officer = selectors.is_officer(user, election)
    staff = roles.is_staff_member(user)
    labels = _action_labels()
    roll = list(RollEntry.objects.visible_to(user).filter(election=election).select_related("person"))
    codes_missing = sum(1 for e in roll if not e.code_hash)
    actions = []
    for name, (_service, phases) in _ACTIONS.items():
        if election.phase not in phases:
            continue
        if name == "certify" and not officer:
            continue
        if name in ("freeze", "open") and not staff:
            continue
        if name == "codes" and roll and not codes_missing:
            # Every voter has a code: the button would issue none, so the next real step leads.
            continue
        actions.append({"name": name, "label": labels[name]})
    contests = list(election.contests.prefetch_related("candidates__person").order_by("order", "pk"))
    participations = Participation.objects.visible_to(user)
    voted_ids = set(participations.filter(roll_entry__election=election).values_list("roll_entry_id", flat=True))
    per_contest = dict.fromkeys((c.pk for c in contests), 0)
    for contest_id in participations.filter(contest__election=election).values_list("contest_id", flat=True):
        per_contest[contest_id] = per_contest.get(contest_id, 0) + 1
    return {
        "election": election,
        "contests": [
            {
                "contest": c,
                "participations": per_contest.get(c.pk, 0),
                "method_label": selectors.method_label(c.method),
                "classes": ", ".join(_class_labels(c.eligible_classes)),
            }
            for c in contests
        ],
        "roll_size": len(roll),
        "codes_missing": codes_missing,
        "voters": _told_apart([e for e in roll if e.pk in voted_ids], election),
        "actions": actions,
        "is_staff": staff,
        "is_officer": officer,
    }


@never_cache
def election_manage(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election_for(request.user, pk)
    if not selectors.may_run(request.user, election):
        raise PermissionDenied
    return render(request, "governance/elections/election_manage.html", _manage_context(request, election))


def _codes_csv(election: Election, rows: list[dict[str, Any]]) -> str:
    records = (
        [row["entry"].pk, str(row["entry"].person), row["entry"].get_member_class_display(), row["code"]]
        for row in rows
    )
    return "".join(csv_lines(records, header=[_("Roll entry"), _("Name"), _("Member class"), _("Access code")]))


@require_POST
@never_cache
def election_action(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election_for(request.user, pk)
    if not selectors.may_run(request.user, election):
        raise PermissionDenied
    action = request.POST.get("action", "")
    reason = (request.POST.get("reason") or "").strip()
    if action not in _ACTIONS:
        messages.error(request, _("Unknown action."))
        return redirect("governance:election_manage", pk=election.pk)
    if action in ("freeze", "open") and not roles.is_staff_member(request.user):
        raise PermissionDenied  # setting up is staff work; the officer runs the vote from the close on
    if not reason:
        context = _manage_context(request, election)
        context["reason_error"] = _("Give a reason for this step; it is kept in the election's history.")
        return render(request, "governance/elections/election_manage.html", context, status=400)
    if action == "count":
        # A large count outlives a web request: it runs as a job, and its page links to the results.
        try:
            job = election_jobs.count_enqueue(actor=request.user, reason=reason, election=election)
        except (ValidationError, PermissionDenied) as exc:
            context = _manage_context(request, election)
            context["action_errors"] = _messages_of(exc)
            return render(request, "governance/elections/election_manage.html", context, status=400)
        messages.success(request, _("The count is queued; this page shows its progress and then the results."))
        return redirect("jobs:job_detail", pk=job.pk)
    service = getattr(services, _ACTIONS[action][0])
    try:
        outcome = service(actor=request.user, reason=reason, election=election)
    except (ValidationError, PermissionDenied) as exc:
        context = _manage_context(request, election)
        context["action_errors"] = _messages_of(exc)
        return render(request, "governance/elections/election_manage.html", context, status=400)
    if action == "codes":
        # Shown this once: only the hashes are kept, so this page (and its CSV) cannot be had again.
        entries = {
            e.pk: e
            for e in RollEntry.objects.visible_to(request.user).filter(pk__in=list(outcome)).select_related("person")
        }
        rows = sorted(
            ({"entry": entries[pk], "code": code} for pk, code in outcome.items()),
            key=lambda row: (row["entry"].person.family_name, row["entry"].person.given_name, row["entry"].pk),
        )
        for row, told in zip(rows, _told_apart([row["entry"] for row in rows], election), strict=True):
            row["same_name"] = told["same_name"]
        election.refresh_from_db()
        context = _manage_context(request, election)
        context.update(codes=rows, codes_csv=quote(_codes_csv(election, rows)))
        response = render(request, "governance/elections/election_manage.html", context)
        response["Cache-Control"] = "no-store"
        return response
    labels = _action_labels()
    messages.success(request, _("Done: %(action)s.") % {"action": labels[action]})
    return redirect("governance:election_manage", pk=election.pk)


# --- Setting up: a new election, its contests, nominations (R7, R8) ---------------------------------------


# A refusal on the field it names (nomination_mode is the form's mode), else on the form.
RENAMES = {"nomination_mode": "mode"}


@staff_required
def election_create(request: HttpRequest) -> HttpResponse:
    form = ElectionForm(request.POST or None)
    created: list[Election] = []

    def save(data: dict[str, Any]) -> None:
        reason = data.pop("change_reason")
        created.append(services.election_create(actor=request.user, reason=reason, **data))

    success = _("Election created: add its contests, then the nominations.")
    if request.method == "POST" and form_saved(request, form, save, success=success, renames=RENAMES):
        return redirect("governance:election_nominations", pk=created[0].pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": _("New election"), "election": None}
    return render(request, "governance/elections/election_form.html", context, status=status)


@staff_required
def contest_create(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election_for(request.user, pk)
    form = ContestForm(request.POST or None)

    def save(data: dict[str, Any]) -> None:
        reason = data.pop("change_reason")
        services.contest_add(actor=request.user, reason=reason, election=election, **data)

    if request.method == "POST" and form_saved(request, form, save, success=_("Contest added."), renames=RENAMES):
        return redirect("governance:election_nominations", pk=election.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "title": _("Add a contest to %(name)s") % {"name": election.name},
        "election": election,
    }
    return render(request, "governance/elections/election_form.html", context, status=status)


def _shortfall_text(contest: Contest) -> str:
    """What follows from the R8 outcome of a frozen contest, in words."""

    if not contest.vacant_seats:
        return ""
    texts = {
        Shortfall.LEAVE_VACANT: _("They stay vacant until the next election."),
        Shortfall.BOARD_APPOINTS: _("The board fills them by appointment (the board page lists them as vacant)."),
    }
    text = str(texts.get(contest.shortfall_action, ""))
    seat_class = contest.seat_class
    if seat_class is not None and seat_class.shortfall == Shortfall.OPEN_TO_OTHER_CLASS:
        text = _("The seats could be opened to another class before the freeze; still short, they stay vacant.")
    return text


def _told_apart(entries: list[RollEntry], election: Election) -> list[dict[str, Any]]:
    """Roll entries for a page: a name on the list more than once comes with where the person lives (on the
    record date), else the member class, so that people of the same name can be told apart."""
    names = Counter(e.person.full_name for e in entries)
    twins = [e.person_id for e in entries if names[e.person.full_name] > 1]
    addresses = addresses_of(twins, election.record_date) if twins else {}
    return [
        {
            "entry": e,
            "same_name": (addresses.get(e.person_id) or e.get_member_class_display())
            if names[e.person.full_name] > 1
            else "",
        }
        for e in entries
    ]


def _class_labels(values: Any) -> list[str]:

    return [str(MemberClass(v).label) for v in values or [] if v in MemberClass.values]


def _nomination_rows(election: Election, settings: Any) -> list[dict[str, Any]]:
    """Each contest with its candidates, their standing and why not; a fixed number of queries."""

    contests = list(election.contests.select_related("seat_class").order_by("order", "pk"))
    candidates = (
        Candidate.objects.filter(contest__election=election)
        .select_related("person")
        .annotate(signature_count=Count("signatures"))
        .order_by("ballot_order", "pk")
    )
    by_contest: dict[int, list[dict[str, Any]]] = {c.pk: [] for c in contests}
    for candidate in candidates:
        stands, reasons = selectors.candidate_standing(
            candidate, settings=settings, signatures=candidate.signature_count
        )
        by_contest[candidate.contest_id].append(
            {
                "candidate": candidate,
                "stands": stands,
                "reasons": reasons,
                "petition": candidate.nomination_mode == "petition",
                "signatures": candidate.signature_count,
            }
        )
    rows = []
    for contest in contests:
        listed = by_contest[contest.pk]
        standing = sum(1 for row in listed if row["stands"])
        seat_class = contest.seat_class
        pool = _class_labels(seat_class.candidate_pool if seat_class else [])
        rows.append(
            {
                "contest": contest,
                "candidates": listed,
                "standing": standing,
                "short": standing < contest.seats,
                "pool": pool,
                "open_to": _class_labels(contest.open_to_classes),
                "may_open": bool(
                    seat_class
                    and seat_class.shortfall == "open_to_other_class"
                    and standing < contest.seats
                    and election.phase == ElectionPhase.DRAFT
                ),
                "takes_ballot": selectors.contest_takes_ballot(contest),
                "shortfall_text": _shortfall_text(contest),
            }
        )
    return rows


_NOMINATION_FORMS = {
    "nominate": NominateForm,
    "consent": ConsentForm,
    "sign": SignForm,
    "withdraw": WithdrawForm,
    "open": OpenToClassForm,
}


def _nomination_forms(election: Election, modes: list[str], data: Any = None, op: str = "") -> dict[str, forms.Form]:
    built = {}
    for name, form_class in _NOMINATION_FORMS.items():
        kwargs: dict[str, Any] = {"election": election}
        if name == "nominate":
            kwargs["modes"] = modes
        built[name] = form_class(data if name == op else None, **kwargs)
    return built


def _nominate_call(request: HttpRequest, op: str, data: dict[str, Any]) -> None:
    actor, reason = request.user, data.pop("change_reason")
    if op == "nominate":
        nomination_services.candidate_nominate(actor=actor, reason=reason, **data)
    elif op == "consent":
        nomination_services.candidate_consent(actor=actor, reason=reason, **data)
    elif op == "sign":
        nomination_services.petition_sign(actor=actor, reason=reason, **data)
    elif op == "withdraw":
        nomination_services.candidate_withdraw(actor=actor, reason=reason, candidate=data["candidate"])
    elif op == "open":
        nomination_services.contest_open_to_class(
            actor=actor, reason=reason, contest=data["contest"], classes=data["classes"]
        )


@staff_required
@never_cache
def nominations(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: the candidates of each contest, how they were nominated, whether they stand and why not (R7),
    the forms to nominate, record consent and petition signatures, withdraw and open a contest to another
    class (R8); after the freeze, each contest's R8 outcome."""

    election = _election_for(request.user, pk)
    settings = GovernanceSettings.current()
    modes = [m for m in settings.nomination_modes or [] if m in NominationMode.values]
    op = request.POST.get("op", "") if request.method == "POST" else ""
    if request.method == "POST" and op not in _NOMINATION_FORMS:
        messages.error(request, _("Unknown action."))
        return redirect("governance:election_nominations", pk=election.pk)
    forms_by_name = _nomination_forms(election, modes, request.POST, op)
    status = 200
    if op:
        form = forms_by_name[op]

        def save(data: dict[str, Any]) -> None:
            _nominate_call(request, op, data)

        if form_saved(request, form, save, success=_("Saved."), renames=RENAMES):
            return redirect("governance:election_nominations", pk=election.pk)
        status = 400
    context = {
        "election": election,
        "draft": election.phase == ElectionPhase.DRAFT,
        "rows": _nomination_rows(election, settings),
        "settings": settings,
        "modes": [NominationMode(m).label for m in modes],
        "close_on": selectors.nominations_close_on(election, settings),
        "forms": forms_by_name,
        "op": op,
    }
    return render(request, "governance/elections/election_nominations.html", context, status=status)
