"""Forms of elections: the voter's code and ballot, a new election and its contests, nominations (R7, R8).

A ballot is not a Django form: its fields are the contest's candidates, ticked or ranked. ``read_choices``
reads what was posted into a :class:`ContestBallot` and says what is wrong with it, in the voter's words;
the cast (``governance.elections.services.ballots_cast``) then judges it by the count's own rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.board.models import SeatClass, Shortfall
from governance.elections import counting, selectors
from governance.elections.models import Candidate, Contest, Election
from governance.membership.forms import DATE, DATETIME, people, reason_field
from governance.membership.models import MemberClass, NominationMode

__all__ = [
    "CodeForm",
    "ConsentForm",
    "ContestBallot",
    "ContestForm",
    "ElectionForm",
    "NominateForm",
    "OpenToClassForm",
    "SignForm",
    "WithdrawForm",
    "read_choices",
]


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


def read_choices(data: Any, ballot: ContestBallot) -> None:
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


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Access code"),
        max_length=40,
        help_text=gettext_lazy(
            "As printed on your voting letter, e.g. ABCD-EFGH-JKMN-PQRS. Case and dashes do not matter."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


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
    change_reason = reason_field()


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
    change_reason = reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:

        super().__init__(*args, **kwargs)
        self.fields["seat_class"].queryset = SeatClass.objects.order_by("order", "name")
        self.fields["method"].choices = selectors.method_choices()
        self.fields["eligible_classes"].choices = MemberClass.choices
        help_text = _("Comma-separated, in order, among: %(rules)s. Empty: the method's usual rules.")
        rules = "; ".join(f"{rule} ({selectors.tie_rule_label(rule)})" for rule in counting.TIE_RULES)
        self.fields["tie_break_rules"].help_text = help_text % {"rules": rules}

    def clean_tie_break_rules(self) -> list[str] | None:

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


def _candidates_of(election: Election) -> QuerySet:

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
    change_reason = reason_field()

    def __init__(self, *args: Any, election: Election, modes: list[str], **kwargs: Any) -> None:

        super().__init__(*args, prefix="nominate", **kwargs)
        self.fields["contest"].queryset = election.contests.order_by("order", "pk")
        self.fields["person"].queryset = people()
        self.fields["mode"].choices = [(m, NominationMode(m).label) for m in modes if m in NominationMode.values]


class ConsentForm(forms.Form):
    candidate = forms.ModelChoiceField(label=gettext_lazy("Candidate"), queryset=None)
    consented_on = forms.DateField(label=gettext_lazy("Consented on"), widget=DATE)
    change_reason = reason_field()

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, prefix="consent", **kwargs)
        self.fields["candidate"].queryset = _candidates_of(election).filter(withdrawn=False, consented_on=None)


class SignForm(forms.Form):
    candidate = forms.ModelChoiceField(label=gettext_lazy("Petition of"), queryset=None)
    person = forms.ModelChoiceField(label=gettext_lazy("Signed by"), queryset=None)
    signed_on = forms.DateField(label=gettext_lazy("Signed on"), widget=DATE)
    change_reason = reason_field()

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, prefix="sign", **kwargs)
        self.fields["candidate"].queryset = _candidates_of(election).filter(withdrawn=False, nomination_mode="petition")
        self.fields["person"].queryset = people()


class WithdrawForm(forms.Form):
    candidate = forms.ModelChoiceField(label=gettext_lazy("Candidate"), queryset=None)
    change_reason = reason_field()

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, prefix="withdraw", **kwargs)
        self.fields["candidate"].queryset = _candidates_of(election).filter(withdrawn=False)


class OpenToClassForm(forms.Form):
    contest = forms.ModelChoiceField(label=gettext_lazy("Contest"), queryset=None)
    classes = forms.MultipleChoiceField(
        label=gettext_lazy("Also open to candidates of"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    change_reason = reason_field()

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:

        super().__init__(*args, prefix="open", **kwargs)
        self.fields["contest"].queryset = election.contests.filter(
            seat_class__shortfall=Shortfall.OPEN_TO_OTHER_CLASS
        ).order_by("order", "pk")
        self.fields["classes"].choices = MemberClass.choices
