"""An election's counts in words: a .blt file's problems, the count's refusals, stages, ties and the round table.

The pure modules (``counting``, ``blt``) give codes and parameters; these functions put them in the
reader's language. They need Django's translation and number formats only, no model and no database:
``manage.py tally`` prints with them without setting up the apps (``governance.elections.recount``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from governance.elections import counting
from governance.elections.blt import BltError
from governance.elections.labels import method_choice_labels, method_label, tie_rule_choice_labels, tie_rule_label

__all__ = [
    "MARKED",
    "blt_error_text",
    "count_error_text",
    "reason_label",
    "reasons_text",
    "round_table_text",
    "stage_text",
    "tie_text",
    "tie_unresolved_text",
]

# Methods where a ballot marks candidates rather than ranking them.
MARKED = ("plurality", "block", "approval")

# --- A .blt file's problems and the count's refusals in words (the pure modules give codes) ------------


def _n(value: Any) -> str:
    """A whole number as the messages show it: 5,000,001."""
    return formats.number_format(value, force_grouping=True)


# What the reader expected where the file went wrong (``blt._WHAT``).
BLT_EXPECTED = {
    "candidates": gettext_lazy("the number of candidates"),
    "seats": gettext_lazy("the number of seats"),
    "ballot": gettext_lazy("a ballot or the 0 that ends the ballots"),
    "option": gettext_lazy("an option"),
    "withdrawn": gettext_lazy("a withdrawn candidate"),
    "preference": gettext_lazy("a preference"),
    "name": gettext_lazy("a name"),
    "title": gettext_lazy("a title"),
}

# Every ``BltError`` code in words (a test checks that each raise in ``blt.py`` has one).
BLT_PROBLEMS: dict[str, Any] = {
    "quote_open": lambda p: _("a quoted name is not closed on its line"),
    "option_open": lambda p: _("an option in square brackets is not closed on its line"),
    "ends_early": lambda p: _("the file ends where %(what)s was expected") % {"what": BLT_EXPECTED[p["what"]]},
    "expected": lambda p: (
        _("expected %(what)s, found %(found)s") % {"what": BLT_EXPECTED[p["what"]], "found": p["found"]}
    ),
    "skipped_ranks": lambda p: _("skipped ranks ('-') are not supported: renumber the preferences"),
    "ballot_ids": lambda p: _("ballot ids in parentheses are not supported"),
    "candidate_expected": lambda p: _("expected a candidate number, found %(found)s") % {"found": p["found"]},
    "out_of_range": lambda p: (
        ngettext(
            "candidate number %(number)s is out of range: there is %(n)s candidate",
            "candidate number %(number)s is out of range: there are %(n)s candidates",
            p["n"],
        )
        % {"number": p["number"], "n": _n(p["n"])}
    ),
    "option_empty": lambda p: _("an empty option []"),
    "tie_empty": lambda p: _("a [tie] option must list candidates"),
    "tie_twice": lambda p: _("a [tie] option names a candidate twice"),
    "option_unsupported": lambda p: _("the [%(keyword)s] option is not supported") % {"keyword": p["keyword"]},
    "too_large": lambda p: (
        _("the file is %(size)s bytes; a .blt file is at most %(max)s") % {"size": _n(p["size"]), "max": _n(p["max"])}
    ),
    "not_utf8": lambda p: _("the file is not UTF-8 text"),
    "empty": lambda p: _("the file is empty"),
    "no_candidates": lambda p: _("the number of candidates must be at least 1"),
    "too_many_candidates": lambda p: (
        _("%(n)s candidates: a count takes at most %(max)s") % {"n": _n(p["n"]), "max": p["max"]}
    ),
    "no_seats": lambda p: _("the number of seats must be at least 1"),
    "too_many_seats": lambda p: (
        _("%(seats)s seats: a count fills at most %(max)s") % {"seats": _n(p["seats"]), "max": p["max"]}
    ),
    "tie_second": lambda p: _("a second [tie] option"),
    "withdrawn_twice": lambda p: _("candidate %(number)s is withdrawn twice") % {"number": p["number"]},
    "options_late": lambda p: _("options must come before the ballots"),
    "weight_fraction": lambda p: _("ballot weight %(weight)s is not a whole number") % {"weight": p["weight"]},
    "count_expected": lambda p: _("expected a ballot count, found %(found)s") % {"found": p["found"]},
    "withdrawn_late": lambda p: _("withdrawn candidates (negative numbers) must come before the ballots"),
    "ballot_unended": lambda p: _("the ballot starting on line %(start)s does not end with 0") % {"start": p["start"]},
    "equal_to_itself": lambda p: _("%(ranks)s ranks a candidate equal to itself") % {"ranks": p["ranks"]},
    "names_missing": lambda p: (
        ngettext(
            "expected %(n)s quoted candidate name after the 0 line, found %(found)s",
            "expected %(n)s quoted candidate names after the 0 line, found %(found)s",
            p["n"],
        )
        % {"n": p["n"], "found": p["found"]}
    ),
    "profile_no_candidates": lambda p: _("a profile needs at least one candidate"),
    "profile_text": lambda p: (
        _("%(text)s: names and titles are text without double quotes or line breaks") % {"text": p["text"]}
    ),
    "profile_empty_name": lambda p: _("a candidate's name cannot be empty"),
    "profile_same_name": lambda p: _("two candidates have the same name"),
    "profile_seats": lambda p: _("seats must be a positive whole number, not %(seats)s") % {"seats": p["seats"]},
    "profile_withdrawn": lambda p: _("the withdrawn must name distinct candidates"),
    "profile_tie_order": lambda p: _("the tie order must name distinct candidates"),
    "profile_ballot_type": lambda p: _("ballots must be counting.Ballot objects"),
    "profile_not_candidate": lambda p: _("a ballot names %(name)s, who is not a candidate") % {"name": p["name"]},
    "profile_trailer": lambda p: _("a trailer starts and ends with visible text that is not a quote, # or ["),
    "profile_option": lambda p: _("%(option)s: an option is one bracketed line") % {"option": p["option"]},
}


def blt_error_text(error: BltError) -> str:
    """A .blt file's problem in the reader's language, with its line ("line 2: candidate number 7 is out of
    range: there are 3 candidates"); in English the same words as ``str(error)``."""
    words = BLT_PROBLEMS.get(getattr(error, "code", ""))
    reason = words(error.params) if words is not None else error.reason
    if error.line == 0:
        return reason
    if error.line is None:
        return _("end of file: %(reason)s") % {"reason": reason}
    return _("line %(line)s: %(reason)s") % {"line": error.line, "reason": reason}


def _count_option_unknown(p: Mapping[str, Any], codes: bool) -> str:
    allowed = ", ".join(p["allowed"])
    if not allowed:
        return _("%(method)s does not take option %(option)s; it takes no options") % {
            "method": p["method"] if codes else method_label(p["method"]),
            "option": repr(p["option"]),
        }
    return _("%(method)s does not take option %(option)s; it takes %(allowed)s") % {
        "method": p["method"] if codes else method_label(p["method"]),
        "option": repr(p["option"]),
        "allowed": allowed,
    }


def _count_choices(p: Mapping[str, Any], codes: bool, kind: str) -> str:
    if kind == "rule":
        listed = ", ".join(counting.TIE_RULES) if codes else "; ".join(tie_rule_choice_labels())
        return _("unknown tie-break rule %(rule)s; choose from %(rules)s") % {"rule": repr(p["rule"]), "rules": listed}
    listed = ", ".join(counting.METHODS) if codes else "; ".join(method_choice_labels())
    return _("unknown counting method %(method)s; choose from %(methods)s") % {
        "method": repr(p["method"]),
        "methods": listed,
    }


# Every ``counting.CountError`` code in words; ``codes`` True (``manage.py tally``, whose options take the
# codes) lists methods and tie-break rules by code, else (the pages) by the words people use.
COUNT_PROBLEMS: dict[str, Any] = {
    "tie_rules_empty": lambda p, codes: _("a tie-break needs at least one rule"),
    "tie_rule_unknown": lambda p, codes: _count_choices(p, codes, "rule"),
    "tie_order_needed": lambda p, codes: _("the manual and predetermined tie-breaks need an order of candidates"),
    "tie_order_twice": lambda p, codes: _("a tie-break order names each candidate once"),
    "tie_seed": lambda p, codes: _("a tie-break seed is a whole number"),
    "candidates_names": lambda p, codes: _("candidates are a sequence of non-empty names"),
    "too_many_candidates": lambda p, codes: (
        _("%(n)s candidates: a count takes at most %(max)s") % {"n": _n(p["n"]), "max": p["max"]}
    ),
    "candidate_twice": lambda p, codes: _("candidate %(name)s is listed twice") % {"name": repr(p["name"])},
    "withdrawn_unknown": lambda p, codes: (
        _("withdrawn candidate %(name)s is not a candidate") % {"name": repr(p["name"])}
    ),
    "not_candidate": lambda p, codes: _("a ballot names %(name)s, who is not a candidate") % {"name": repr(p["name"])},
    "duplicate_rule": lambda p, codes: (
        _("duplicate_rule must be one of %(rules)s") % {"rules": ", ".join(counting.DUPLICATE_RULES)}
    ),
    "overvote_rule": lambda p, codes: (
        _("overvote_rule must be one of %(rules)s") % {"rules": ", ".join(counting.OVERVOTE_RULES)}
    ),
    "seats": lambda p, codes: _("seats must be a positive whole number, not %(seats)s") % {"seats": p["seats"]},
    "too_many_seats": lambda p, codes: (
        _("%(seats)s seats: a count fills at most %(max)s") % {"seats": _n(p["seats"]), "max": p["max"]}
    ),
    "nobody_to_elect": lambda p, codes: _("there are no candidates to elect"),
    "max_marks": lambda p, codes: _("max_marks must be a positive whole number, not %(value)s") % {"value": p["value"]},
    "wigm_variant": lambda p, codes: _("the WIGM variant is 'prf' or 'exact'"),
    "meek_variant": lambda p, codes: _("the Meek variant is 'exact' or 'prf'"),
    "meek_prf_fixed": lambda p, codes: _(
        "the PR Foundation Meek rule fixes its precision and omega and has no batch defeats"
    ),
    "omega_number": lambda p, codes: _("omega must be a positive number, not %(value)s") % {"value": p["value"]},
    "omega_positive": lambda p, codes: _("omega must be positive"),
    "keep_factor_places": lambda p, codes: _("keep_factor_places must be a whole number of at least 9"),
    "method_unknown": lambda p, codes: _count_choices(p, codes, "method"),
    "option_unknown": _count_option_unknown,
    "irv_one_seat": lambda p, codes: _("instant runoff fills one seat; use an STV method for more"),
}


def count_error_text(error: ValueError, *, codes: bool = False) -> str:
    """A refusal of the count (``counting.CountError``, ``counting.TieUnresolved``) in the reader's language;
    any other ``ValueError`` as it is written."""
    if isinstance(error, counting.TieUnresolved):
        return tie_unresolved_text(error)
    words = COUNT_PROBLEMS.get(getattr(error, "code", ""))
    return words(error.params, codes) if words is not None else str(error)


def tie_unresolved_text(error: counting.TieUnresolved) -> str:
    """A tie the rules could not settle, in the reader's language; in English as ``str(error)``."""
    params = {"stage": error.stage, "tied": ", ".join(error.tied)}
    if error.purpose == "exclude":
        text = _(
            "stage %(stage)s: the tie between %(tied)s (which to exclude) is not settled by the configured "
            "tie-break rules; supply a manual order that names them"
        )
    else:
        text = _(
            "stage %(stage)s: the tie between %(tied)s (which to transfer first) is not settled by the configured "
            "tie-break rules; supply a manual order that names them"
        )
    return text % params


# --- The count in words: the pure counter gives codes and figures, the sentences are written here -----


def _names(params: Mapping[str, Any], key: str) -> tuple[str, int]:
    names = list(params.get(key) or ())
    return ", ".join(str(n) for n in names), len(names)


def _note_of(stage: Any) -> tuple[str, Mapping[str, Any]]:
    """A stage's note as (code, params), from a :class:`counting.Stage` or a stored stage (``as_dict``)."""
    if isinstance(stage, counting.Stage):
        return stage.note, stage.note_params
    note = dict(stage.get("note") or {})
    return str(note.pop("code", "") or ""), note


def _elected_suffix(params: Mapping[str, Any]) -> str:
    names, n = _names(params, "elected")
    if not n:
        return ""
    return ngettext("; %(names)s elected", "; %(names)s elected", n) % {"names": names}


def stage_text(stage: Any) -> str:
    """What a stage of the count did, in the reader's language (in English, the reference reports' words).

    ``stage`` is a :class:`counting.Stage` or a stored stage; a stored stage without a note (counted before
    the notes existed) keeps its stored description."""
    code, params = _note_of(stage)
    if code == "marks_count":
        names, n = _names(params, "elected")
        threshold = params.get("threshold")
        if threshold is None:
            if not n:
                return _("nobody elected")
            return ngettext("%(names)s elected", "%(names)s elected", n) % {"names": names}
        if not n:
            text = ngettext(
                "nobody elected (a winner needs %(threshold)s vote)",
                "nobody elected (a winner needs %(threshold)s votes)",
                threshold,
            )
        else:
            text = ngettext(
                "%(names)s elected (a winner needs %(threshold)s vote)",
                "%(names)s elected (a winner needs %(threshold)s votes)",
                threshold,
            )
        return text % {"names": names, "threshold": threshold}
    if code == "first_preferences":
        return _("first preferences") + _elected_suffix(params)
    if code == "exclusion":
        names, _n = _names(params, "excluded")
        return _("exclusion of %(names)s") % {"names": names} + _elected_suffix(params)
    if code == "surplus":
        return _("surplus of %(name)s (%(surplus)s) transferred") % {
            "name": params.get("candidate", ""),
            "surplus": params.get("surplus", ""),
        }
    if code == "sure_losers":
        names, _n = _names(params, "excluded")
        return _("sure losers excluded: %(names)s") % {"names": names}
    if code == "last_vacancies":
        names, n = _names(params, "elected")
        return ngettext("last vacancies: %(names)s elected", "last vacancies: %(names)s elected", n) % {"names": names}
    if code in ("elected_after_iterations", "exclusion_below_omega", "exclusion_not_falling"):
        iterations = params.get("iterations") or 0
        values = {"iterations": iterations}
        if code == "elected_after_iterations":
            values["names"], n = _names(params, "elected")
            text = ngettext(
                "%(names)s elected after %(iterations)s iteration",
                "%(names)s elected after %(iterations)s iterations",
                iterations,
            )
        elif code == "exclusion_below_omega":
            values["names"], n = _names(params, "excluded")
            text = ngettext(
                "exclusion of %(names)s (surplus below omega after %(iterations)s iteration)",
                "exclusion of %(names)s (surplus below omega after %(iterations)s iterations)",
                iterations,
            )
        else:
            values["names"], n = _names(params, "excluded")
            text = ngettext(
                "exclusion of %(names)s (surplus no longer falling after %(iterations)s iteration)",
                "exclusion of %(names)s (surplus no longer falling after %(iterations)s iterations)",
                iterations,
            )
        return text % values
    action = stage.action if isinstance(stage, counting.Stage) else stage.get("action")
    if action == "acclaimed":
        return _("Elected unopposed: no more candidates than seats, so no vote was taken.")
    if action == "no_candidate":
        return _("No candidate stood: no vote was taken.")
    description = stage.description if isinstance(stage, counting.Stage) else stage.get("description")
    return str(description or action or "")


def _tie_parts(tie: Any) -> tuple[str, tuple[str, ...], str, str, list[tuple[str, Mapping[str, Any]]]]:
    if isinstance(tie, counting.TieRecord):
        return tie.purpose, tie.tied, tie.chosen, tie.rule, list(tie.steps)
    steps = []
    for step in tie.get("steps") or ():
        params = dict(step)
        steps.append((str(params.pop("code", "")), params))
    return tie.get("purpose", ""), tuple(tie.get("tied") or ()), tie.get("chosen", ""), tie.get("rule", ""), steps


def _votes_text(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} {value}" for name, value in params.get("votes") or ())


def tie_text(tie: Any) -> str:
    """How one tie was settled, for a person: who was tied, who was chosen and why, with the figures
    looked at; the random draw's number is on the page once, beside the order it gave (``tie_break``).

    ``tie`` is a :class:`counting.TieRecord` or a stored tie; a stored tie without steps keeps its stored
    explanation after the sentence."""
    purpose, tied, chosen, rule, steps = _tie_parts(tie)
    values = {"tied": ", ".join(tied), "chosen": chosen, "rule": tie_rule_label(rule)}
    if purpose == "surplus":
        text = _("%(tied)s were tied: the surplus of %(chosen)s goes first, settled by %(rule)s") % values
    else:
        text = _("%(tied)s were tied: %(chosen)s goes out, settled by %(rule)s") % values
    reasons = []
    for code, params in steps:  # an order (random, listing, manual) is said by the rule's own words
        if code == "stage":
            reasons.append(
                _("votes at stage %(stage)s: %(votes)s") % {"stage": params.get("stage"), "votes": _votes_text(params)}
            )
        elif code == "lot":
            reasons.append(_("drawn by lot (draw %(draw)s)") % {"draw": params.get("draw")})
    if not steps and not isinstance(tie, counting.TieRecord) and tie.get("explanation"):
        reasons.append(str(tie["explanation"]))
    if reasons:
        text += " (" + "; ".join(reasons) + ")"
    return text + "."


# Why a ballot is not counted, in words. A ranked and a marked ballot are wrong in different ways.
_REASONS_RANKED = {
    "blank": gettext_lazy("no candidate ranked"),
    "duplicate": gettext_lazy("only a candidate ranked more than once"),
    "overvote": gettext_lazy("several candidates at the first rank"),
}
_REASONS_MARKED = {
    "bad_mark": gettext_lazy("a mark that is not a single vote"),
    "duplicate": gettext_lazy("a candidate marked more than once"),
    "overvote": gettext_lazy("more candidates marked than allowed"),
}


def reason_label(code: str, method: str = "") -> str:
    """Why a ballot was not counted (``overvote`` → "more candidates marked than allowed"), for ``method``."""
    table = _REASONS_MARKED if method in MARKED else _REASONS_RANKED
    return str(table.get(code) or _REASONS_RANKED.get(code) or _REASONS_MARKED.get(code) or code)


def reasons_text(reasons: Mapping[str, int], method: str = "") -> str:
    """The ballots not counted, by reason: "2 with no candidate ranked, 1 with several candidates at the
    first rank"."""
    parts = [
        ngettext("%(n)s with %(reason)s", "%(n)s with %(reason)s", n) % {"n": n, "reason": reason_label(code, method)}
        for code, n in sorted(reasons.items())
        if n
    ]
    return ", ".join(parts)


# The short words of ``manage.py tally``'s report: in English exactly the reference reports' words.
_TALLY_REASONS = {
    "bad_mark": pgettext_lazy("a rejected ballot, short", "bad_mark"),
    "blank": pgettext_lazy("a rejected ballot, short", "blank"),
    "duplicate": pgettext_lazy("a rejected ballot, short", "duplicate"),
    "overvote": pgettext_lazy("a rejected ballot, short", "overvote"),
}


def _tally_tie(tie: counting.TieRecord) -> str:
    notes = []
    for code, params in tie.steps:
        if code == "stage":
            notes.append(_("stage %(stage)s: %(votes)s") % {"stage": params.get("stage"), "votes": _votes_text(params)})
        elif code == "index":
            notes.append(_("earliest in listing order"))
        elif code == "random":
            notes.append(
                _("earliest in the random order drawn before the count (seed %(seed)s)") % {"seed": params.get("seed")}
            )
        elif code == "order" and params.get("rule") == "manual":
            notes.append(_("earliest in the manual order"))
        elif code == "order":
            notes.append(_("earliest in the predetermined order"))
        elif code == "lot":
            notes.append(
                _("drawn by lot (seed %(seed)s, draw %(draw)s)")
                % {"seed": params.get("seed"), "draw": params.get("draw")}
            )
    explanation = "; ".join(notes) if tie.steps else tie.explanation.rsplit(" -> ", 1)[0]
    return _("    tie %(tied)s settled by %(rule)s: %(explanation)s -> %(chosen)s") % {
        "tied": ", ".join(tie.tied),
        "rule": tie.rule,
        "explanation": explanation,
        "chosen": tie.chosen,
    }


def round_table_text(result: counting.CountResult) -> str:
    """``counting.format_round_table`` in the reader's language: in English the same text, byte for byte.

    Method and tie-break rule codes stay codes: they are the values ``manage.py tally`` takes."""
    fmt = result.format
    head = _("Method: %(method)s   Seats: %(seats)s   Valid ballots: %(valid)s") % {
        "method": result.method,
        "seats": result.seats,
        "valid": result.ballots.valid,
    }
    if result.quota is not None:
        head += _("   Quota: %(quota)s") % {"quota": fmt(result.quota)}
    lines = [head]
    if result.ballots.invalid:
        why = ", ".join(
            f"{_TALLY_REASONS.get(reason, reason)} {n}" for reason, n in sorted(result.ballots.reasons.items())
        )
        lines.append(_("Rejected ballots: %(n)s (%(why)s)") % {"n": result.ballots.invalid, "why": why})
    if result.withdrawn:
        lines.append(_("Withdrawn: %(names)s") % {"names": ", ".join(result.withdrawn)})
    lines.append(_("Elected, in order: %(names)s") % {"names": ", ".join(result.winners) or _("nobody")})
    lines.append("")
    stages = result.stages
    lines.extend(
        counting.round_table_grid(
            result,
            candidate=_("Candidate"),
            stage=lambda number: _("Stage %(n)s") % {"n": number},
            exhausted=_("Exhausted"),
            residual=_("Residual"),
            total=_("Total"),
            quota=_("Quota"),
        )
    )
    lines.append("")
    lines.append(_("* elected at that stage, x excluded at that stage"))
    for s in stages:
        lines.append(_("Stage %(n)s: %(description)s") % {"n": s.number, "description": stage_text(s)})
        for tie in s.ties:
            lines.append(_tally_tie(tie))
    if result.random_order is not None:
        lines.append(
            _("Random tie order (seed %(seed)s): %(order)s")
            % {"seed": result.tie_break.seed, "order": ", ".join(result.random_order)}
        )
    return "\n".join(lines) + "\n"
