"""Pages of elections.

* ``/governance/vote/`` (no login: the access code is the credential, as ``ballot_cast`` requires): the
  code, then one ballot per contest the code votes in, a confirmation step, then the receipt codes.
  The code and the marks travel in the form, never in the session: nothing ties a browser session to a
  ballot. All the contests of one code are cast in one transaction: one refusal and nothing is stored.
* ``/governance/elections/<id>/receipt/``: a voter finds their ballot among the published ballots.
* ``/governance/elections/<id>/``: public results after the count (round table, SVG chart, ballots, .blt),
  ``…/results.pdf`` once certified.
* ``/governance/elections/`` and ``…/<id>/manage/``: staff and the election officer run the phases, see
  the roll and who voted (never how), issue codes (shown once) and enter paper ballots.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clt import clock, pdf, ratelimit, roles
from clt.decorators import staff_required
from clt.forms import add_service_errors
from governance import services as gs
from governance.elections.models import Ballot, Channel, Contest, Election, ElectionPhase, Participation, RollEntry
from governance.views.common import DATE, DATETIME
from governance.views.common import people as _people
from governance.views.common import reason_field as _reason_field

_MARKED = ("plurality", "block", "approval")


# --- Who may do what --------------------------------------------------------------------------------


def _is_officer(user: Any, election: Election) -> bool:
    if election.officer_id is not None:
        return getattr(user, "pk", None) == election.officer_id
    return roles.is_election_officer(user)


def _may_run(user: Any, election: Election) -> bool:
    """Staff and the election's officer run it (the services check again on every write)."""
    return roles.is_staff_member(user) or _is_officer(user, election)


def _election_for(user: Any, pk: int) -> Election:
    return get_object_or_404(Election.objects.visible_to(user), pk=pk)


def _messages_of(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, PermissionDenied):
        return [str(error) or _("You may not do this.")]
    return list(error.messages)


# --- The ballot form ----------------------------------------------------------------------------------


@dataclass
class ContestBallot:
    """One contest on a voter's ballot: its candidates, what the voter chose and what is wrong with it."""

    contest: Contest
    candidates: list[Any]
    choices: list[int] = field(default_factory=list)
    ranks: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ranked(self) -> bool:
        return self.contest.ranked

    @property
    def limit(self) -> int | None:
        if self.contest.method == "approval":
            return None
        return self.contest.max_marks or self.contest.seats

    @property
    def rank_range(self) -> range:
        return range(1, len(self.candidates) + 1)

    @property
    def chosen_names(self) -> list[str]:
        by_pk = {c.pk: str(c.person) for c in self.candidates}
        return [by_pk[pk] for pk in self.choices if pk in by_pk]

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"candidate": c, "checked": c.pk in self.choices, "rank": self.ranks.get(c.pk)} for c in self.candidates
        ]


def _contest_ballots(entry: RollEntry) -> tuple[list[ContestBallot], list[Contest]]:
    """The contests ``entry`` still votes in (with their running candidates), and those already voted in."""
    contests = [
        c
        for c in entry.election.contests.prefetch_related("candidates__person").order_by("order", "pk")
        if entry.member_class in c.eligible_classes and gs.contest_takes_ballot(c)  # R8: acclaimed, no ballot
    ]
    voted = set(Participation.objects.filter(roll_entry=entry).values_list("contest_id", flat=True))
    ballots = [
        ContestBallot(
            contest=c,
            candidates=sorted((x for x in c.candidates.all() if not x.withdrawn), key=lambda x: (x.ballot_order, x.pk)),
        )
        for c in contests
        if c.pk not in voted
    ]
    return ballots, [c for c in contests if c.pk in voted]


def _read_choices(data: Any, ballot: ContestBallot) -> None:
    """Fill ``ballot.choices`` from the posted form: ticked boxes, or rank numbers turned into a ranking.

    A ranking must run 1, 2, 3… with each number once: a repeated or skipped rank is refused here, with
    the reason, rather than silently cut short by the count's rules.
    """
    prefix = f"c{ballot.contest.pk}"
    running = {c.pk for c in ballot.candidates}
    if not ballot.ranked:
        picked = []
        for raw in data.getlist(prefix):
            try:
                pk = int(raw)
            except (TypeError, ValueError):
                continue
            if pk in running and pk not in picked:
                picked.append(pk)
        ballot.choices = [c.pk for c in ballot.candidates if c.pk in picked]  # ballot order, whatever was posted
        if ballot.limit is not None and len(ballot.choices) > ballot.limit:
            ballot.errors.append(
                _("You marked %(n)s candidates; mark at most %(limit)s, or the ballot is not valid.")
                % {"n": len(ballot.choices), "limit": ballot.limit}
            )
        return
    ranks: dict[int, int] = {}
    for candidate in ballot.candidates:
        raw = (data.get(f"{prefix}_r{candidate.pk}") or "").strip()
        if not raw:
            continue
        try:
            rank = int(raw)
        except ValueError:
            ballot.errors.append(_("A rank is a number from 1 to %(n)s.") % {"n": len(ballot.candidates)})
            continue
        if not 1 <= rank <= len(ballot.candidates):
            ballot.errors.append(_("A rank is a number from 1 to %(n)s.") % {"n": len(ballot.candidates)})
            continue
        ranks[candidate.pk] = rank
    ballot.ranks = ranks
    used = sorted(ranks.values())
    repeated = sorted({r for r in used if used.count(r) > 1})
    if repeated:
        ballot.errors.append(
            _("Rank %(rank)s is given to more than one candidate: give each rank once.") % {"rank": repeated[0]}
        )
    elif used != list(range(1, len(used) + 1)):
        missing = next(n for n in range(1, len(used) + 1) if n not in used)
        ballot.errors.append(
            _("Rank %(rank)s is missing: number your choices 1, 2, 3… without a gap.") % {"rank": missing}
        )
    ballot.choices = [pk for pk, _rank in sorted(ranks.items(), key=lambda item: item[1])]


class _DryRun(Exception):
    """Raised to roll back a trial cast."""


def _cast_all(
    code: str, ballots: list[ContestBallot], *, channel: str, actor: Any, reason: str, dry_run: bool
) -> list[tuple[Contest, str]]:
    """Cast every contest's ballot in ONE transaction: a refusal in any contest stores nothing.

    ``dry_run`` casts and rolls back: the confirmation step is judged by the very rules of the cast
    (phase, window, code, eligibility, second ballot, validity), not by a copy of them.
    """
    receipts: list[tuple[Contest, str]] = []
    try:
        with transaction.atomic():
            for ballot in ballots:
                try:
                    receipt = gs.ballot_cast(
                        code=code,
                        contest=ballot.contest,
                        choices=ballot.choices,
                        channel=channel,
                        actor=actor,
                        reason=reason,
                    )
                except ValidationError as exc:
                    ballot.errors.extend(exc.messages)
                    raise
                receipts.append((ballot.contest, receipt))
            if dry_run:
                raise _DryRun
    except _DryRun:
        return []
    return receipts


def _find_entry(code: str, election: Election | None = None) -> RollEntry | None:
    """The roll entry of an access code among the open elections (or in ``election``)."""
    if not gs.normalise_code(code):
        return None
    elections = [election] if election is not None else list(Election.objects.filter(phase=ElectionPhase.OPEN))
    hashes = {gs.hash_code(e, code): e for e in elections}
    for entry in RollEntry.objects.filter(code_hash__in=list(hashes)).select_related("election", "person"):
        if hashes.get(entry.code_hash) == entry.election:
            return entry
    return None


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
        return _("Voting in %(name)s closed at %(time)s.") % {
            "name": election.name,
            "time": timezone.localtime(election.closes_at).strftime("%Y-%m-%d %H:%M"),
        }
    return None


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Access code"),
        max_length=40,
        help_text=gettext_lazy(
            "As printed on your voting letter, e.g. ABCD-EFGH-JKMN-PQRS. Case and dashes do not matter."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


def _ballot_flow(request: HttpRequest, *, election: Election | None, staff: bool) -> HttpResponse:
    """The code → ballot → confirm → receipts flow, for voters online and for staff entering paper."""
    template = "governance/election_paper.html" if staff else "governance/election_vote.html"
    from governance.membership.models import GovernanceSettings

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
    entry = _find_entry(code, election)
    if entry is None:
        if not staff:  # staff entering paper ballots are logged in and not limited
            ratelimit.count_failure(request, "vote")
        form.add_error("code", _("This access code is not valid for an election open for voting."))
        return render(request, template, context, status=400)
    problem = _window_error(entry.election, channel)
    if problem:
        form.add_error("code", problem)
        return render(request, template, context, status=400)
    ballots, voted = _contest_ballots(entry)
    context.update(entry_election=entry.election, ballots=ballots, voted=voted)
    if not ballots:
        form.add_error("code", gs.already_voted_message())
        return render(request, template, context, status=400)
    if step == "code":
        context["step"] = "ballot"
        return render(request, template, context)
    for ballot in ballots:
        _read_choices(request.POST, ballot)
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
            code, ballots, channel=channel, actor=actor, reason=reason or "online ballot", dry_run=step != "cast"
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
    letters = gs.normalise_code(text)
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


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
            Ballot.objects.filter(contest__election=election, receipt=receipt).select_related("contest").first()
            if receipt
            else None
        )
        if found is None:
            ratelimit.count_failure(request, "receipt")
            context["not_found"] = True
            return render(request, "governance/election_receipt.html", context, status=404)
        labels = gs.candidate_labels(found.contest.candidates.select_related("person").order_by("ballot_order", "pk"))
        context.update(ballot=found, names=[labels.get(pk, f"#{pk}") for pk in found.choices])
    return render(request, "governance/election_receipt.html", context)


# --- Public results ----------------------------------------------------------------------------------


@dataclass
class ChartBar:
    x: float
    y: float
    height: float
    value: str
    stage: int
    label_y: float = 0.0
    width: float = 30.0

    @property
    def cx(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass
class ChartRow:
    name: str
    y: int
    bars: list[ChartBar]
    elected: bool
    base_y: float = 0.0
    quota_y: float | None = None


def _decimal(text: Any) -> Decimal:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def round_chart(result: dict[str, Any]) -> dict[str, Any]:
    """Each candidate's votes at the end of each stage: one row of bars per candidate, one bar per stage.

    Rows rather than coloured lines, so that nothing depends on telling colours apart; the quota is a
    dashed line in each row. Geometry only (pixels), so floats are fine here.
    """
    stages = result.get("stages") or []
    names = [n for n in result.get("candidates", []) if n not in result.get("withdrawn", [])]
    label_width, slot, bar_width, row_height, plot = 170, 46, 30, 74, 46
    values = [_decimal(s["votes"].get(n, 0)) for s in stages for n in names]
    quota = _decimal(result.get("quota")) if result.get("quota") not in (None, "", "None") else None
    top = max([*values, quota or Decimal(0), Decimal(1)])
    rows = []
    for index, name in enumerate(names):
        y0 = 8 + index * row_height
        base = y0 + plot + 14
        bars = []
        for number, stage in enumerate(stages):
            votes = _decimal(stage["votes"].get(name, 0))
            height = round(plot * float(votes / top), 1)
            bars.append(
                ChartBar(
                    x=label_width + number * slot + (slot - bar_width) / 2,
                    y=round(base - height, 1),
                    height=max(height, 0.5 if votes else 0.0),
                    value=_short(stage["votes"].get(name, "0")),
                    stage=stage["stage"],
                    label_y=round(base - height - 3, 1),
                    width=bar_width,
                )
            )
        rows.append(
            ChartRow(
                name=name,
                y=y0,
                bars=bars,
                elected=name in result.get("winners", []),
                base_y=base,
                quota_y=round(base - plot * float(quota / top), 1) if quota else None,
            )
        )
    width = label_width + slot * max(len(stages), 1)
    return {
        "width": width,
        "height": 8 + row_height * len(names) + 18,
        "rows": rows,
        "label_width": label_width,
        "bar_width": bar_width,
        "stage_label_y": 8 + row_height * len(names) + 12,
        "stage_labels": [{"x": label_width + i * slot + slot / 2, "n": s["stage"]} for i, s in enumerate(stages)],
        "quota": result.get("quota") if quota else None,
    }


def _short(value: Any) -> str:
    """A vote figure for a bar label: whole numbers without decimals, others to two places."""
    number = _decimal(value)
    if number == number.to_integral_value():
        return str(int(number))
    return f"{number.quantize(Decimal('0.01'))}"


def contest_view(contest: Contest) -> dict[str, Any]:
    """A counted contest for the results page and the PDF: winners, stages with every figure, the chart."""
    result = contest.result or {}
    names = [n for n in result.get("candidates", []) if n not in result.get("withdrawn", [])]
    stages = []
    for stage in result.get("stages", []):
        stages.append(
            {
                **stage,
                "cells": [
                    {
                        "name": name,
                        "votes": stage["votes"].get(name, ""),
                        "transfer": stage["transfers"].get(name, ""),
                        "moved": _decimal(stage["transfers"].get(name, 0)) != 0,
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
        "tie_rules": tie_break.get("rules", []),
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
        "may_run": _may_run(request.user, election),
    }
    return render(request, "governance/election_results.html", context)


def _public_contest(request: HttpRequest, pk: int) -> Contest:
    contest = get_object_or_404(Contest.objects.select_related("election"), pk=pk)
    if not Election.objects.visible_to(request.user).filter(pk=contest.election_id).exists():
        raise Http404
    if not contest.election.results_public:
        raise Http404(_("Ballots are published once the election has been counted."))
    return contest


@login_not_required
def contest_ballots(request: HttpRequest, pk: int) -> HttpResponse:
    contest = _public_contest(request, pk)
    return render(
        request,
        "governance/election_ballots.html",
        {"contest": contest, "election": contest.election, "ballots": gs.ballots_publish(contest)},
    )


@login_not_required
def contest_blt_download(request: HttpRequest, pk: int) -> HttpResponse:
    contest = _public_contest(request, pk)
    response = HttpResponse(gs.contest_blt(contest), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="election-{contest.election_id}-contest-{contest.pk}.blt"'
    return response


def _pdf_context(election: Election) -> dict[str, Any]:
    return {
        "title": _("Certified election results"),
        "election": election,
        "contests": [
            contest_view(c) for c in election.contests.select_related("seat_class").order_by("order", "pk") if c.result
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
        election.may_run = _may_run(request.user, election)
    return render(
        request,
        "governance/election_list.html",
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
        "count": _("Count"),
        "certify": _("Certify the result"),
    }


def _manage_context(request: HttpRequest, election: Election) -> dict[str, Any]:
    user = request.user
    officer = _is_officer(user, election)
    staff = roles.is_staff_member(user)
    labels = _action_labels()
    actions = []
    for name, (_service, phases) in _ACTIONS.items():
        if election.phase not in phases:
            continue
        if name == "certify" and not officer:
            continue
        if name in ("freeze", "open") and not staff:
            continue
        actions.append({"name": name, "label": labels[name]})
    contests = list(election.contests.prefetch_related("candidates__person").order_by("order", "pk"))
    roll = list(election.roll.select_related("person"))
    voted_ids = set(Participation.objects.filter(roll_entry__election=election).values_list("roll_entry_id", flat=True))
    per_contest = dict.fromkeys((c.pk for c in contests), 0)
    for contest_id in Participation.objects.filter(contest__election=election).values_list("contest_id", flat=True):
        per_contest[contest_id] = per_contest.get(contest_id, 0) + 1
    return {
        "election": election,
        "contests": [{"contest": c, "participations": per_contest.get(c.pk, 0)} for c in contests],
        "roll_size": len(roll),
        "codes_missing": sum(1 for e in roll if not e.code_hash),
        "voters": [e for e in roll if e.pk in voted_ids],
        "actions": actions,
        "is_staff": staff,
        "is_officer": officer,
    }


@never_cache
def election_manage(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election_for(request.user, pk)
    if not _may_run(request.user, election):
        raise PermissionDenied
    return render(request, "governance/election_manage.html", _manage_context(request, election))


def _codes_csv(election: Election, rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Roll entry"), _("Name"), _("Member class"), _("Access code")])
    for row in rows:
        writer.writerow(
            [row["entry"].pk, str(row["entry"].person), row["entry"].get_member_class_display(), row["code"]]
        )
    return buffer.getvalue()


@require_POST
@never_cache
def election_action(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election_for(request.user, pk)
    if not _may_run(request.user, election):
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
        return render(request, "governance/election_manage.html", context, status=400)
    service = getattr(gs, _ACTIONS[action][0])
    try:
        outcome = service(actor=request.user, reason=reason, election=election)
    except (ValidationError, PermissionDenied) as exc:
        context = _manage_context(request, election)
        context["action_errors"] = _messages_of(exc)
        return render(request, "governance/election_manage.html", context, status=400)
    if action == "codes":
        # Shown this once: only the hashes are kept, so this page (and its CSV) cannot be had again.
        entries = {e.pk: e for e in RollEntry.objects.filter(pk__in=list(outcome)).select_related("person")}
        rows = sorted(
            ({"entry": entries[pk], "code": code} for pk, code in outcome.items()),
            key=lambda row: (row["entry"].person.family_name, row["entry"].person.given_name, row["entry"].pk),
        )
        election.refresh_from_db()
        context = _manage_context(request, election)
        context.update(codes=rows, codes_csv=quote(_codes_csv(election, rows)))
        response = render(request, "governance/election_manage.html", context)
        response["Cache-Control"] = "no-store"
        return response
    labels = _action_labels()
    messages.success(request, _("Done: %(action)s.") % {"action": labels[action]})
    return redirect("governance:election_manage", pk=election.pk)


# --- Setting up: a new election, its contests, nominations (R7, R8) ---------------------------------------


# A refusal on the field it names (nomination_mode is the form's mode), else on the form.
_apply_errors = partial(add_service_errors, renames={"nomination_mode": "mode"})


class ElectionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    record_date = forms.DateField(
        label=gettext_lazy("Record date"),
        widget=DATE,
        help_text=gettext_lazy("Who may vote, stand and sign petitions is decided on this date."),
    )
    opens_at = forms.DateTimeField(label=gettext_lazy("Voting opens"), widget=DATETIME)
    closes_at = forms.DateTimeField(label=gettext_lazy("Voting closes"), widget=DATETIME)
    nominations_close = forms.DateField(
        label=gettext_lazy("Nominations close"),
        widget=DATE,
        required=False,
        help_text=gettext_lazy("Empty: the number of days before voting opens set in the governance settings."),
    )
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    change_reason = _reason_field()


class ContestForm(forms.Form):
    seat_class = forms.ModelChoiceField(
        label=gettext_lazy("Seat class"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("Empty for a question that fills no board seat (e.g. the meeting's chair)."),
    )
    title = forms.CharField(
        label=gettext_lazy("Title"), max_length=200, required=False, help_text=gettext_lazy("Empty: the seat class.")
    )
    seats = forms.IntegerField(
        label=gettext_lazy("Seats"), min_value=1, required=False, help_text=gettext_lazy("Empty: the seat class's.")
    )
    method = forms.ChoiceField(label=gettext_lazy("Counting method"), choices=())
    eligible_classes = forms.MultipleChoiceField(
        label=gettext_lazy("Member classes that vote"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: the seat class's electorate."),
    )
    max_marks = forms.IntegerField(
        label=gettext_lazy("Marks allowed"),
        min_value=1,
        required=False,
        help_text=gettext_lazy("Block vote: how many candidates a voter may mark (empty: as many as seats)."),
    )
    tie_break_rules = forms.CharField(
        label=gettext_lazy("Tie-break rules, in order"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Comma-separated; empty: the method's usual rules."),
    )
    change_reason = _reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from governance.board.models import SeatClass
        from governance.elections import counting
        from governance.membership.models import MemberClass

        super().__init__(*args, **kwargs)
        self.fields["seat_class"].queryset = SeatClass.objects.order_by("order", "name")
        self.fields["method"].choices = [(m, m) for m in counting.METHODS]
        self.fields["eligible_classes"].choices = MemberClass.choices
        help_text = _("Comma-separated, among: %(rules)s; empty: the method's usual.")
        self.fields["tie_break_rules"].help_text = help_text % {"rules": ", ".join(counting.TIE_RULES)}

    def clean_tie_break_rules(self) -> list[str] | None:
        from governance.elections import counting

        raw = [r.strip() for r in (self.cleaned_data.get("tie_break_rules") or "").split(",") if r.strip()]
        unknown = [r for r in raw if r not in counting.TIE_RULES]
        if unknown:
            raise forms.ValidationError(_("Unknown rule: %(rule)s.") % {"rule": unknown[0]})
        return raw or None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        seat_class = data.get("seat_class")
        if not data.get("title"):
            if seat_class is None:
                self.add_error("title", _("Give a title, or choose a seat class."))
            else:
                data["title"] = seat_class.name
        if not data.get("seats"):
            data["seats"] = (seat_class.seats if seat_class is not None else None) or 1
        if not data.get("eligible_classes"):
            if seat_class is not None and seat_class.electorate:
                data["eligible_classes"] = list(seat_class.electorate)
            else:
                self.add_error("eligible_classes", _("Tick the member classes that vote."))
        return data


def _candidates_of(election: Election) -> Any:
    from governance.elections.models import Candidate

    return Candidate.objects.filter(contest__election=election).select_related("person", "contest")


class NominateForm(forms.Form):
    contest = forms.ModelChoiceField(label=gettext_lazy("Contest"), queryset=None)
    person = forms.ModelChoiceField(label=gettext_lazy("Candidate"), queryset=None)
    mode = forms.ChoiceField(label=gettext_lazy("Nominated by way of"), choices=())
    nominated_on = forms.DateField(label=gettext_lazy("Nominated on"), widget=DATE)
    nominated_by = forms.CharField(
        label=gettext_lazy("Nominated by"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("The committee, the board minute or the member who nominated."),
    )
    statement = forms.CharField(
        label=gettext_lazy("Candidate's statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown on the ballot."),
    )
    consented_on = forms.DateField(
        label=gettext_lazy("Consented on"),
        widget=DATE,
        required=False,
        help_text=gettext_lazy("Empty if the written consent has not come in yet."),
    )
    change_reason = _reason_field()

    def __init__(self, *args: Any, election: Election, modes: list[str], **kwargs: Any) -> None:
        from governance.membership.models import NominationMode

        super().__init__(*args, prefix="nominate", **kwargs)
        self.fields["contest"].queryset = election.contests.order_by("order", "pk")
        self.fields["person"].queryset = _people()
        self.fields["mode"].choices = [(m, NominationMode(m).label) for m in modes if m in NominationMode.values]


class ConsentForm(forms.Form):
    candidate = forms.ModelChoiceField(label=gettext_lazy("Candidate"), queryset=None)
    consented_on = forms.DateField(label=gettext_lazy("Consented on"), widget=DATE)
    change_reason = _reason_field()

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, prefix="consent", **kwargs)
        self.fields["candidate"].queryset = _candidates_of(election).filter(withdrawn=False, consented_on=None)


class SignForm(forms.Form):
    candidate = forms.ModelChoiceField(label=gettext_lazy("Petition of"), queryset=None)
    person = forms.ModelChoiceField(label=gettext_lazy("Signed by"), queryset=None)
    signed_on = forms.DateField(label=gettext_lazy("Signed on"), widget=DATE)
    change_reason = _reason_field()

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, prefix="sign", **kwargs)
        self.fields["candidate"].queryset = _candidates_of(election).filter(withdrawn=False, nomination_mode="petition")
        self.fields["person"].queryset = _people()


class WithdrawForm(forms.Form):
    candidate = forms.ModelChoiceField(label=gettext_lazy("Candidate"), queryset=None)
    change_reason = _reason_field()

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, prefix="withdraw", **kwargs)
        self.fields["candidate"].queryset = _candidates_of(election).filter(withdrawn=False)


class OpenToClassForm(forms.Form):
    contest = forms.ModelChoiceField(label=gettext_lazy("Contest"), queryset=None)
    classes = forms.MultipleChoiceField(
        label=gettext_lazy("Also open to candidates of"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    change_reason = _reason_field()

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        from governance.board.models import Shortfall
        from governance.membership.models import MemberClass

        super().__init__(*args, prefix="open", **kwargs)
        self.fields["contest"].queryset = election.contests.filter(
            seat_class__shortfall=Shortfall.OPEN_TO_OTHER_CLASS
        ).order_by("order", "pk")
        self.fields["classes"].choices = MemberClass.choices


@staff_required
def election_create(request: HttpRequest) -> HttpResponse:
    form = ElectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("change_reason")
        try:
            election = gs.election_create(actor=request.user, reason=reason, **data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Election created: add its contests, then the nominations."))
            return redirect("governance:election_nominations", pk=election.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": _("New election"), "election": None}
    return render(request, "governance/election_form.html", context, status=status)


@staff_required
def contest_create(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election_for(request.user, pk)
    form = ContestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("change_reason")
        try:
            gs.contest_add(actor=request.user, reason=reason, election=election, **data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Contest added."))
            return redirect("governance:election_nominations", pk=election.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "title": _("Add a contest to %(name)s") % {"name": election.name},
        "election": election,
    }
    return render(request, "governance/election_form.html", context, status=status)


def _shortfall_text(contest: Contest) -> str:
    """What follows from the R8 outcome of a frozen contest, in words."""
    from governance.board.models import Shortfall

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


def _class_labels(values: Any) -> list[str]:
    from governance.membership.models import MemberClass

    return [str(MemberClass(v).label) for v in values or [] if v in MemberClass.values]


def _nomination_rows(election: Election, settings: Any) -> list[dict[str, Any]]:
    """Each contest with its candidates, their standing and why not; a fixed number of queries."""
    from django.db.models import Count

    from governance.elections.models import Candidate

    contests = list(election.contests.select_related("seat_class").order_by("order", "pk"))
    candidates = (
        Candidate.objects.filter(contest__election=election)
        .select_related("person")
        .annotate(signature_count=Count("signatures"))
        .order_by("ballot_order", "pk")
    )
    by_contest: dict[int, list[dict[str, Any]]] = {c.pk: [] for c in contests}
    for candidate in candidates:
        stands, reasons = gs.candidate_standing(candidate, settings=settings, signatures=candidate.signature_count)
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
                "takes_ballot": gs.contest_takes_ballot(contest),
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
        gs.candidate_nominate(actor=actor, reason=reason, **data)
    elif op == "consent":
        gs.candidate_consent(actor=actor, reason=reason, **data)
    elif op == "sign":
        gs.petition_sign(actor=actor, reason=reason, **data)
    elif op == "withdraw":
        gs.candidate_withdraw(actor=actor, reason=reason, candidate=data["candidate"])
    elif op == "open":
        gs.contest_open_to_class(actor=actor, reason=reason, contest=data["contest"], classes=data["classes"])


@staff_required
@never_cache
def nominations(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: the candidates of each contest, how they were nominated, whether they stand and why not (R7),
    the forms to nominate, record consent and petition signatures, withdraw and open a contest to another
    class (R8); after the freeze, each contest's R8 outcome."""
    from governance.membership.models import GovernanceSettings, NominationMode

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
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                _nominate_call(request, op, data)
            except (ValidationError, PermissionDenied) as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("governance:election_nominations", pk=election.pk)
        status = 400
    context = {
        "election": election,
        "draft": election.phase == ElectionPhase.DRAFT,
        "rows": _nomination_rows(election, settings),
        "settings": settings,
        "modes": [NominationMode(m).label for m in modes],
        "close_on": gs.nominations_close_on(election, settings),
        "forms": forms_by_name,
        "op": op,
    }
    return render(request, "governance/election_nominations.html", context, status=status)
