"""Pages of member meetings (R9, R10, R12, R13).

* ``/governance/meetings/`` and ``…/<id>/``: members and staff read a meeting once its notice is sent
  (staff also see those still being prepared): the notice, purpose, agenda, and each resolution with its
  threshold, result, yes/no/abstain and the quorum snapshot taken when it was voted. ``…/<id>/notice/``
  is the notice to print.
* Staff prepare a meeting (create, edit, agenda items, resolutions), send its notice, open it and run it at
  ``…/<id>/run/``: check people in and out, record proxies, and record each resolution's vote. The run page
  shows a live quorum counter: rendered by the server, then refreshed from the quorum API by
  ``static/js/meeting-quorum.js``; without JavaScript a reload gives the same picture. Once the meeting has
  adjourned, the run page and the meeting page show the quorum as it stood at adjournment, read-only.

Every write goes through ``governance.meetings.services``; a refusal comes back on the form field it names (400),
with nothing saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from clt import clock, roles
from clt.decorators import staff_required
from clt.models import Person
from clt.views import form_saved
from governance.meetings import selectors, services
from governance.meetings.forms import (
    AdjournForm,
    AgendaItemForm,
    CheckInForm,
    MeetingForm,
    NoticeForm,
    ProxyForm,
    ReasonOnlyForm,
    ResolutionForm,
    RevokeForm,
    VoteForm,
)
from governance.meetings.models import Meeting, MeetingStatus, Proxy, Resolution, ResolutionStatus
from governance.meetings.online_proxies import MAX_MATCHES, find_people
from governance.membership.models import GovernanceSettings, MemberClass, ResolutionKind, Threshold
from governance.membership.selectors import standings_on

CLASS_LABELS = dict(MemberClass.choices)
THRESHOLD_LABELS = dict(Threshold.choices)


# --- Who may see what ------------------------------------------------------------------------------


def _visible(user: Any) -> QuerySet:
    """The meetings ``user`` may read (``Meeting.objects.visible_to``: staff all; members, the board and the
    election officer once the notice is out, read-only). Anyone else is refused outright (403): meetings are
    the members' business."""
    if not (
        roles.is_staff_member(user)
        or roles.is_member(user)
        or roles.is_board_member(user)
        or roles.is_election_officer(user)
    ):
        raise PermissionDenied
    return Meeting.objects.visible_to(user)


def _meeting_for(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(_visible(request.user), pk=pk)


# --- The quorum picture ----------------------------------------------------------------------------


@dataclass
class Bar:
    """One bar of the quorum counter: counted against required, on a scale that fits both."""

    key: str
    label: str
    counted: int
    required: int
    met: bool

    @property
    def scale(self) -> int:
        return max(self.counted, self.required, 1)

    @property
    def fill(self) -> int:
        """Width of the counted part, in whole percent of the bar."""
        return min(100, self.counted * 100 // self.scale)

    @property
    def mark(self) -> int:
        """Where the requirement sits on the bar, in whole percent."""
        return min(100, self.required * 100 // self.scale)

    @property
    def text(self) -> str:
        verdict = _("met") if self.met else _("not met")
        return _("%(label)s: %(counted)s counted of %(required)s needed (%(verdict)s)") % {
            "label": self.label,
            "counted": self.counted,
            "required": self.required,
            "verdict": verdict,
        }


def quorum_bars(status: Any) -> dict[str, Any]:
    """The live counter's content from a ``quorum.QuorumStatus``: the total bar, then one per class minimum."""
    bars = [Bar("total", _("Voting members"), status.counted, status.required, status.total_met)]
    for cls in status.classes:
        label = CLASS_LABELS.get(cls.member_class, cls.member_class)
        bars.append(Bar(cls.member_class, str(label), cls.counted, cls.minimum, cls.met))
    message = "" if status.met else selectors.quorum_shortfall_text(status)
    return {"status": status, "bars": bars, "met": status.met, "message": message}


def snapshot_bars(snapshot: dict[str, Any] | None) -> list[Bar]:
    """The same bars from the quorum snapshot stored on a voted resolution (``QuorumStatus.as_dict()``)."""
    if not snapshot:
        return []
    counted, required = int(snapshot.get("counted", 0)), int(snapshot.get("required", 0))
    bars = [
        Bar(
            "total",
            _("Voting members"),
            counted,
            required,
            counted > 0 and counted >= required,
        )
    ]
    for cls in snapshot.get("classes", []):
        key = cls.get("member_class", "")
        bars.append(
            Bar(
                key,
                str(CLASS_LABELS.get(key, key)),
                int(cls.get("counted", 0)),
                int(cls.get("minimum", 0)),
                bool(cls.get("met")),
            )
        )
    return bars


def _quorum_api_url(meeting: Meeting) -> str:
    try:
        return reverse("meeting-quorum", args=[meeting.pk])
    except NoReverseMatch:
        return f"/api/v1/meetings/{meeting.pk}/quorum/"


# --- Reading ---------------------------------------------------------------------------------------


def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = list(_visible(request.user).order_by("-starts_at", "pk"))
    return render(
        request,
        "governance/meetings/meeting_list.html",
        {"meetings": meetings, "is_staff": roles.is_staff_member(request.user)},
    )


def _resolution_rows(meeting: Meeting) -> list[dict[str, Any]]:
    rows = []
    for r in meeting.resolutions.select_related("policy_version__policy").order_by("order", "pk"):
        rows.append(
            {
                "r": r,
                "classes": [str(CLASS_LABELS.get(c, c)) for c in (r.voting_classes or [])],
                "quorum_bars": snapshot_bars(r.quorum),
                "voted": r.status in (ResolutionStatus.CARRIED, ResolutionStatus.FAILED),
            }
        )
    return rows


def _detail_context(meeting: Meeting, *, staff: bool, **forms_: forms.Form) -> dict[str, Any]:
    context: dict[str, Any] = {
        "meeting": meeting,
        "agenda": list(meeting.agenda.order_by("order", "pk")),
        "resolutions": _resolution_rows(meeting),
        "is_staff": staff,
    }
    at_adjournment = selectors.quorum_at_adjournment(meeting)
    if at_adjournment is not None:
        context["quorum"] = quorum_bars(at_adjournment)
    if staff:
        context.update(
            notice_form=forms_.get("notice_form") or NoticeForm(initial={"sent_on": clock.today()}, prefix="notice"),
            reason_form=forms_.get("reason_form") or ReasonOnlyForm(),
            settings=GovernanceSettings.current(),
        )
    return context


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    context = _detail_context(meeting, staff=roles.is_staff_member(request.user))
    return render(request, "governance/meetings/meeting_detail.html", context)


def meeting_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice as sent to members: printable, the agenda and every resolution the meeting will vote on."""
    meeting = _meeting_for(request, pk)
    resolutions = meeting.resolutions.exclude(status=ResolutionStatus.WITHDRAWN).order_by("order", "pk")
    return render(
        request,
        "governance/meetings/meeting_notice.html",
        {
            "meeting": meeting,
            "agenda": list(meeting.agenda.order_by("order", "pk")),
            "resolutions": [{"r": r, "threshold": THRESHOLD_LABELS.get(r.threshold, r.threshold)} for r in resolutions],
        },
    )


# --- Preparing a meeting (staff) ---------------------------------------------------------------------


@staff_required
def meeting_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=pk) if pk is not None else None
    locked = meeting is not None and meeting.notice_sent_on is not None
    initial: dict[str, Any] = {}
    if meeting is not None:
        initial = {
            "kind": meeting.kind,
            "title": meeting.title,
            "starts_at": timezone.localtime(meeting.starts_at),
            "record_date": meeting.record_date,
            "location": meeting.location,
            "purpose": meeting.purpose,
        }
    form = MeetingForm(request.POST or None, initial=initial, locked=locked)
    saved: dict[str, Meeting] = {}

    def save(values: dict[str, Any]) -> None:
        reason = values.pop("change_reason")
        if meeting is None:
            saved["m"] = services.meeting_create(actor=request.user, reason=reason, **values)
        else:
            changed = {k: v for k, v in values.items() if v != initial.get(k)}
            saved["m"] = services.meeting_update(actor=request.user, reason=reason, meeting=meeting, **changed)

    if request.method == "POST":
        if form_saved(request, form, save, success=_("The meeting is saved.")):
            return redirect("governance:meeting_detail", saved["m"].pk)
        status = 400
    else:
        status = 200
    title = _("New member meeting") if meeting is None else _("Edit %(title)s") % {"title": meeting.title}
    return render(
        request,
        "governance/meetings/meeting_form.html",
        {"form": form, "meeting": meeting, "title": title, "locked": locked},
        status=status,
    )


@staff_required
def agenda_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=pk)
    form = AgendaItemForm(request.POST or None)

    def save(values: dict[str, Any]) -> None:
        reason = values.pop("change_reason")
        services.agenda_item_add(actor=request.user, reason=reason, meeting=meeting, **values)

    if request.method == "POST" and form_saved(request, form, save, success=_("The agenda item is added.")):
        return redirect("governance:meeting_detail", meeting.pk)
    return render(
        request,
        "governance/meetings/meeting_form.html",
        {"form": form, "meeting": meeting, "title": _("Add an agenda item")},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def resolution_propose(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=pk)
    form = ResolutionForm(request.POST or None)

    def save(values: dict[str, Any]) -> None:
        reason = values.pop("change_reason")
        services.resolution_propose(
            actor=request.user,
            reason=reason,
            meeting=meeting,
            title=values["title"],
            text=values["text"],
            kind=values["kind"],
            threshold=values["threshold"] or None,
            voting_classes=values["voting_classes"] or None,
            policy_version=values["policy_version"],
            order=values["order"],
        )

    if request.method == "POST" and form_saved(request, form, save, success=_("The resolution is proposed.")):
        return redirect("governance:meeting_detail", meeting.pk)
    thresholds = GovernanceSettings.current().resolution_thresholds or {}
    defaults = [
        {"kind": label, "threshold": THRESHOLD_LABELS.get(thresholds.get(value, ""), "–")}
        for value, label in ResolutionKind.choices
    ]
    return render(
        request,
        "governance/meetings/meeting_form.html",
        {"form": form, "meeting": meeting, "title": _("Propose a resolution"), "defaults": defaults},
        status=400 if request.method == "POST" else 200,
    )


_ACTIONS: dict[str, tuple[type[forms.Form], str]] = {
    "notice": (NoticeForm, "meeting_notice_send"),
    "open": (ReasonOnlyForm, "meeting_open"),
    "cancel": (ReasonOnlyForm, "meeting_cancel"),
    "adjourn": (AdjournForm, "meeting_adjourn"),
}


def _action_done() -> dict[str, str]:
    return {
        "notice": _("The notice is recorded as sent."),
        "open": _("The meeting is called to order."),
        "cancel": _("The meeting is cancelled."),
        "adjourn": _("The meeting is adjourned."),
    }


@staff_required
@never_cache
def meeting_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the notice, open, cancel or adjourn: POST from the meeting page or the run page."""
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=pk)
    action = request.POST.get("action", "")
    if request.method != "POST" or action not in _ACTIONS:
        return redirect("governance:meeting_detail", meeting.pk)
    form_class, service_name = _ACTIONS[action]
    form = form_class(request.POST, prefix="notice" if action == "notice" else None)

    def save(values: dict[str, Any]) -> None:
        reason = values.pop("change_reason")
        getattr(services, service_name)(actor=request.user, reason=reason, meeting=meeting, **values)

    if form_saved(request, form, save, success=_action_done()[action]):
        if action in ("open",):
            return redirect("governance:meeting_run", meeting.pk)
        return redirect("governance:meeting_detail", meeting.pk)
    meeting.refresh_from_db()
    if action == "adjourn":
        context = _run_context(request, meeting, forms_={"adjourn": form})
        return render(request, "governance/meetings/meeting_run.html", context, status=400)
    context = _detail_context(meeting, staff=True, **{"notice_form" if action == "notice" else "reason_form": form})
    return render(request, "governance/meetings/meeting_detail.html", context, status=400)


# --- Running a meeting (staff) ----------------------------------------------------------------------


def _roll(meeting: Meeting, attendance: list[Any]) -> list[dict[str, Any]]:
    """The voting members on the record date, with whether each is in the room now: the registration desk."""
    present = {a.person_id for a in attendance if a.left_at is None}
    rows = []
    for s in standings_on(meeting.record_date):
        if not s.votes:
            continue
        rows.append(
            {
                "person": s.person,
                "class_label": CLASS_LABELS.get(s.member_class, ""),
                "present": s.person.pk in present,
            }
        )
    rows.sort(key=lambda row: (row["person"].family_name, row["person"].given_name, row["person"].pk))
    return rows


def _search(request: HttpRequest, name: str) -> str:
    return (request.GET.get(name) or "").strip()[:100]


def _offer(form: forms.Form, field: str, found: list[Person]) -> None:
    """The field's list offers the people found by name (and the one a refused form had chosen), not every
    person of the trust; it still accepts any person, as the services decide who may be checked in or hold a
    proxy."""
    chosen = form[field].value() if form.is_bound else None
    people = list(found)
    if chosen and str(chosen).isdigit() and all(str(p.pk) != str(chosen) for p in people):
        people += list(Person.objects.filter(pk=int(chosen)))
    form.fields[field].widget.choices = [("", "---------"), *((p.pk, str(p)) for p in people)]


def _pickers(request: HttpRequest, meeting: Meeting, check_in: forms.Form, proxy: forms.Form) -> dict[str, Any]:
    """The run page's find-by-name boxes: anyone for a check-in (a guest may attend), the members with a vote
    on the record date for a proxy's giver and holder (``online_proxies.find_people``)."""
    queries = {name: _search(request, name) for name in ("find", "grantor_q", "holder_q")}
    found = {
        "find": find_people(request.user, queries["find"], members_only=False) if queries["find"] else [],
        "grantor_q": find_people(request.user, queries["grantor_q"], on=meeting.record_date)
        if queries["grantor_q"]
        else [],
        "holder_q": find_people(request.user, queries["holder_q"], on=meeting.record_date)
        if queries["holder_q"]
        else [],
    }
    _offer(check_in, "person", found["find"])
    _offer(proxy, "grantor", found["grantor_q"])
    _offer(proxy, "holder", found["holder_q"])
    return {
        "queries": queries,
        "found": found,
        "max_matches": MAX_MATCHES,
        "proxy_search": bool(queries["grantor_q"] or queries["holder_q"]),
    }


def _run_context(request: HttpRequest, meeting: Meeting, forms_: dict[str, Any] | None = None) -> dict[str, Any]:
    forms_ = forms_ or {}
    today = clock.today()
    check_in_form = forms_.get("check_in") or CheckInForm()
    proxy_form = forms_.get("proxy") or ProxyForm(initial={"received_on": today}, prefix="proxy")
    attendance = list(meeting.attendance.select_related("person").order_by("arrived_at", "pk"))
    proxies = list(
        Proxy.objects.visible_to(request.user)
        .filter(meeting=meeting)
        .select_related("grantor", "holder")
        .order_by("revoked_on", "pk")
    )
    resolutions = []
    for row in _resolution_rows(meeting):
        r = row["r"]
        if r.status == ResolutionStatus.PROPOSED and meeting.status == MeetingStatus.IN_SESSION:
            row["vote_form"] = forms_.get(f"vote-{r.pk}") or VoteForm(resolution=r)
            row["withdraw_form"] = forms_.get(f"withdraw-{r.pk}") or ReasonOnlyForm(prefix=f"w{r.pk}")
        resolutions.append(row)
    settings = GovernanceSettings.current()
    return {
        "meeting": meeting,
        # Live while it sits; once adjourned, the quorum as it stood then (everyone was checked out).
        "quorum": quorum_bars(selectors.meeting_quorum(meeting, settings=settings)),
        "quorum_api": _quorum_api_url(meeting),
        "roll": _roll(meeting, attendance),
        "attendance": attendance,
        "present_count": sum(1 for a in attendance if a.left_at is None),
        "proxies": proxies,
        "resolutions": resolutions,
        "settings": settings,
        "check_in_form": check_in_form,
        "proxy_form": proxy_form,
        **_pickers(request, meeting, check_in_form, proxy_form),
        "revoke_forms": {
            p.pk: forms_.get(f"revoke-{p.pk}") or RevokeForm(initial={"revoked_on": today}, prefix=f"p{p.pk}")
            for p in proxies
        },
        "adjourn_form": forms_.get("adjourn") or AdjournForm(),
        "in_session": meeting.status == MeetingStatus.IN_SESSION,
        "adjourned": meeting.status == MeetingStatus.ADJOURNED,
        "errors": forms_.get("errors", []),
    }


def _person_from(request: HttpRequest) -> Person | None:
    try:
        return Person.objects.get(pk=int(request.POST.get("person", "")))
    except (ValueError, Person.DoesNotExist):
        return None


@staff_required
@never_cache
def meeting_run(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair's and the registration desk's page while the meeting sits.

    Each POST names one ``action``: ``check_in`` / ``check_out`` (a person), ``proxy`` / ``revoke``,
    ``vote`` / ``withdraw`` (a resolution). Success redirects back here (a reload never posts twice).
    """
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=pk)
    if request.method != "POST":
        return render(request, "governance/meetings/meeting_run.html", _run_context(request, meeting))
    action = request.POST.get("action", "")
    user = request.user
    failed: dict[str, Any] = {}
    ok = False
    if action in ("check_in", "check_out"):
        form = CheckInForm(request.POST)
        service = services.attendance_check_in if action == "check_in" else services.attendance_check_out
        done = _("%(person)s is checked in.") if action == "check_in" else _("%(person)s is checked out.")

        def save_attendance(values: dict[str, Any]) -> None:
            service(actor=user, meeting=meeting, person=values["person"])

        ok = form_saved(request, form, save_attendance)
        if ok:
            messages.success(request, done % {"person": form.cleaned_data["person"]})
        else:
            # Shown once, at the top: the roll's buttons and the "someone else" form post the same way.
            failed["errors"] = [e for errors in form.errors.values() for e in errors]
    elif action == "proxy":
        form = ProxyForm(request.POST, prefix="proxy")

        def save_proxy(values: dict[str, Any]) -> None:
            reason = values.pop("change_reason")
            services.proxy_record(actor=user, reason=reason, meeting=meeting, **values)

        ok = form_saved(request, form, save_proxy, success=_("The proxy is recorded."))
        failed["proxy"] = form
    elif action == "revoke":
        proxy = get_object_or_404(Proxy.objects.visible_to(user), pk=request.POST.get("proxy") or 0, meeting=meeting)
        form = RevokeForm(request.POST, prefix=f"p{proxy.pk}")

        def save_revoke(values: dict[str, Any]) -> None:
            services.proxy_revoke(
                actor=user, reason=values["change_reason"], proxy=proxy, revoked_on=values["revoked_on"]
            )

        ok = form_saved(request, form, save_revoke, success=_("The proxy is revoked."))
        failed[f"revoke-{proxy.pk}"] = form
    elif action in ("vote", "withdraw"):
        resolution = get_object_or_404(
            Resolution.objects.visible_to(user), pk=request.POST.get("resolution") or 0, meeting=meeting
        )
        if action == "vote":
            form = VoteForm(request.POST, resolution=resolution)

            def save_vote(values: dict[str, Any]) -> None:
                services.resolution_vote(
                    actor=user,
                    reason=values["change_reason"],
                    resolution=resolution,
                    yes=values["yes"],
                    no=values["no"],
                    abstain=values.get("abstain") or 0,
                    effective_from=values.get("effective_from"),
                )

            ok = form_saved(request, form, save_vote)
            if ok:
                resolution.refresh_from_db()
                messages.success(
                    request,
                    _("%(title)s: %(result)s (yes %(yes)s, no %(no)s, abstentions %(abstain)s).")
                    % {
                        "title": resolution.title,
                        "result": resolution.get_status_display(),
                        "yes": resolution.votes_yes,
                        "no": resolution.votes_no,
                        "abstain": resolution.votes_abstain,
                    },
                )
            failed[f"vote-{resolution.pk}"] = form
        else:
            form = ReasonOnlyForm(request.POST, prefix=f"w{resolution.pk}")

            def save_withdraw(values: dict[str, Any]) -> None:
                services.resolution_withdraw(actor=user, reason=values["change_reason"], resolution=resolution)

            ok = form_saved(request, form, save_withdraw, success=_("The resolution is withdrawn."))
            failed[f"withdraw-{resolution.pk}"] = form
    else:
        failed["errors"] = [_("Unknown action.")]
    if ok:
        return redirect(reverse("governance:meeting_run", args=[meeting.pk]) + _anchor(action, request))
    meeting.refresh_from_db()
    return render(request, "governance/meetings/meeting_run.html", _run_context(request, meeting, failed), status=400)


def _anchor(action: str, request: HttpRequest) -> str:
    if action in ("vote", "withdraw"):
        return f"#resolution-{request.POST.get('resolution', '')}"
    if action in ("proxy", "revoke"):
        return "#proxies"
    return "#attendance"
