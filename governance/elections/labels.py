"""The counting methods and tie-break rules in the words people read (the codes stay in the API, the .blt
tools and the data). Apart from the selectors so that the models' own checks can name them too."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

from governance.elections import counting

__all__ = [
    "METHOD_LABELS",
    "TIE_RULE_LABELS",
    "method_choice_labels",
    "method_choices",
    "method_label",
    "tie_rule_choice_labels",
    "tie_rule_label",
]

# The counting methods in the words a voter reads (the codes stay in the API, the .blt tools and the data).
METHOD_LABELS = {
    "plurality": gettext_lazy("Plurality (most votes wins)"),
    "block": gettext_lazy("Block vote (most votes fill the seats)"),
    "approval": gettext_lazy("Approval voting"),
    "irv": gettext_lazy("Instant runoff (ranked choice, one seat)"),
    "scottish-stv": gettext_lazy("Single transferable vote (Scottish rules)"),
    "wigm": gettext_lazy("Single transferable vote (weighted inclusive Gregory)"),
    "wigm-prf": gettext_lazy("Single transferable vote (weighted inclusive Gregory, PR Foundation rules)"),
    "meek": gettext_lazy("Single transferable vote (Meek method)"),
    "meek-prf": gettext_lazy("Single transferable vote (Meek method, PR Foundation rules)"),
}

# The tie-break rules, said as what they do.
TIE_RULE_LABELS = {
    "prior_stage_backward": pgettext_lazy(
        "tie-break rule", "the votes at the latest earlier stage where they differed"
    ),
    "prior_stage_forward": pgettext_lazy("tie-break rule", "the votes at the first stage where they differed"),
    "random": pgettext_lazy("tie-break rule", "a random order drawn before the count"),
    "lot": pgettext_lazy("tie-break rule", "drawing lots"),
    "manual": pgettext_lazy("tie-break rule", "an order set by the election officer"),
    "predetermined": pgettext_lazy("tie-break rule", "an order fixed before the count"),
    "index": pgettext_lazy("tie-break rule", "the order of names on the ballot"),
}


def method_label(code: str | None) -> str:
    """The counting method in words (``scottish-stv`` → "Single transferable vote (Scottish rules)");
    an unknown code is shown as it is."""
    if not code:
        return ""
    try:
        code = counting._canonical_method(code)
    except ValueError:
        return str(code)
    return str(METHOD_LABELS.get(code, code))


def method_choices() -> list[tuple[str, str]]:
    """The choices of a counting-method field: the code stored, the words shown."""
    return [(code, method_label(code)) for code in counting.METHODS]


def method_choice_labels() -> list[str]:
    """Every counting method in words, for a refusal that lists them."""
    return [method_label(code) for code in counting.METHODS]


def tie_rule_choice_labels() -> list[str]:
    """Every tie-break rule as it is typed, with what it does: "index (the order of names on the ballot)"."""
    return [f"{rule} ({tie_rule_label(rule)})" for rule in counting.TIE_RULES]


def tie_rule_label(code: str | None) -> str:
    """A tie-break rule in words (``prior_stage_backward`` → "the votes at the latest earlier stage where
    they differed"); an unknown code is shown as it is."""
    return str(TIE_RULE_LABELS.get(code or "", code or ""))
