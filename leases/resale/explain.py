"""The resale engine's line items in plain words a homeowner understands, every string translatable.

The engine (``leases/resale.py``) is pure and writes its labels and details in English; this module turns
each line it emits into a translated sentence with the figures. Pages and documents that show a resale
price (the homeowner's page, the staff calculation page, the price certificate) all use it, so a price
reads the same everywhere.

The API::

    explain(result, *, policy=None, inputs=None, total=True) -> list[ExplainedLine]
    explain_proceeds(result) -> list[ExplainedLine]

``result`` is a ``resale.ResaleResult``. Give ``policy`` and ``inputs`` (the ``resale.ResalePolicy`` and
``resale.ResaleInputs`` the result was computed from) whenever you have them: they add the rates, dates,
years owned and index levels to the sentences ("Your price grows 1.5 % of what you paid for each full
year you have owned the home: 6 years, $13,500.00."). Without them each sentence still states the amount
("A fixed yearly increase: $13,500.00."). A saved ``ResaleCalculation`` keeps both as JSON
(``resale_codec.policy_from_dict(calc.policy)``, ``resale_codec.inputs_from_dict(calc.inputs)``); a
``valuation.Valuation`` has ``inputs`` and its ``version.parameters``. Lines are matched to the policy by
kind and order (the n-th affordability cap line to the n-th ``AffordabilityCap``), so a policy with caps
left out of the computation (the valuation drops the appraisal cap) still matches.

Each ``ExplainedLine`` has:

- ``text``: the sentence, translated, with its figures;
- ``amount``: how much the line changes the running price (the engine's signed amount; 0 for a note),
  or the price itself for the closing ``total`` line;
- ``kind``: ``add`` (raises the price), ``subtract`` (lowers it), ``limit`` (a cap or a floor, whether or
  not it changed the price), ``note`` (informs only: a refused credit, a candidate of a "lesser of" rule,
  a step that changed nothing), ``total`` (the last line: the price);
- ``code``: the engine's code (``growth.fixed_simple``, ``cap.appraisal``; ``total`` for the last line),
  and ``total``: the running price after the line.

A code this module does not know (the engine grew a step) falls back to the engine's own label and
detail, untranslated, so nothing is ever dropped. No queries, no side effects.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from leases.resale import engine as resale
from leases.resale import wording
from leases.resale.sentence_table import _SEQUENCE, _fallback, _kind, _sentence_for, credit_how, refusal_reason
from leases.resale.sentences import _VOICE, ExplainedLine, Kind, Voice, _Context, _say, formula_name
from leases.resale.wording import money, percent

__all__ = [
    "ExplainedLine",
    "Kind",
    "Voice",
    "credit_how",
    "explain",
    "explain_proceeds",
    "formula_name",
    "money",
    "percent",
    "refusal_reason",
]


def explain(
    result: resale.ResaleResult,
    *,
    policy: resale.ResalePolicy | None = None,
    inputs: resale.ResaleInputs | None = None,
    total: bool = True,
    voice: Voice = Voice.OWNER,
) -> list[ExplainedLine]:
    """Every line of ``result`` in plain words, then (``total``) the price; see the module doc. ``voice``:
    ``OWNER`` speaks to the homeowner, ``THIRD_PERSON`` about them (staff pages, the certificate)."""
    token = _VOICE.set(Voice(voice))
    try:
        return _explain(result, policy, inputs, total)
    finally:
        _VOICE.reset(token)


def _explain(
    result: resale.ResaleResult,
    policy: resale.ResalePolicy | None,
    inputs: resale.ResaleInputs | None,
    total: bool,
) -> list[ExplainedLine]:
    ctx = _Context(result, policy, inputs)
    counters: dict[str, int] = {}
    lines = []
    for line in result.line_items:
        sequence = _SEQUENCE.get(line.code, "candidate" if line.code.startswith("candidate.") else line.code)
        index = counters.get(sequence, 0)
        counters[sequence] = index + 1
        sentence = _sentence_for(line.code)
        text = sentence(line, ctx, index) if sentence is not None else _fallback(line)
        lines.append(ExplainedLine(text=text, amount=line.amount, kind=_kind(line), code=line.code, total=line.total))
    if total:
        lines.append(
            ExplainedLine(
                text=_("So the price is %(price)s.") % {"price": money(result.price)},
                amount=result.price,
                kind=Kind.TOTAL,
                code="total",
                total=result.price,
            )
        )
    return lines


_PROCEEDS: dict[str, Callable[[], str]] = {
    "proceeds.lien": lambda: _say(
        _("Paying off your loan, %(what)s: %(amount)s."), _("Paying off the homeowner's loan, %(what)s: %(amount)s.")
    ),
    "proceeds.closing_cost": lambda: _say(
        _("Your closing costs, %(what)s: %(amount)s."), _("The seller's closing costs, %(what)s: %(amount)s.")
    ),
    "proceeds.arrears": lambda: _("Unpaid lease fees and charges, %(what)s: %(amount)s."),
    "proceeds.deduction": lambda: _say(
        _("Taken from what you receive, %(what)s: %(amount)s."),
        _("Taken from what the seller receives, %(what)s: %(amount)s."),
    ),
    "proceeds.fee": lambda: _("A fee, %(what)s: %(amount)s."),
}


def explain_proceeds(result: resale.ResaleResult, *, voice: Voice = Voice.OWNER) -> list[ExplainedLine]:
    """What the seller receives from the price (``result.proceeds_items``) in plain words, ending with the
    ``total``: the sale price, then each payoff, charge and fee taken from it (kind ``subtract``)."""
    token = _VOICE.set(Voice(voice))
    try:
        return _explain_proceeds(result)
    finally:
        _VOICE.reset(token)


def _explain_proceeds(result: resale.ResaleResult) -> list[ExplainedLine]:
    lines = []
    for line in result.proceeds_items:
        if line.code == "proceeds.price":
            text = _("The sale price: %(amount)s.") % {"amount": money(line.amount)}
        elif line.code in _PROCEEDS:
            text = _PROCEEDS[line.code]() % {
                "what": wording.after_colon(line.label),
                "amount": money(line.amount, signed=True),
            }
        else:
            text = _fallback(line)
        lines.append(ExplainedLine(text=text, amount=line.amount, kind=_kind(line), code=line.code, total=line.total))
    proceeds = result.seller_proceeds
    text = (
        _say(_("What you would receive: %(amount)s."), _("What the seller would receive: %(amount)s."))
        if proceeds >= 0
        else _say(
            _("What you would have to bring to the closing: %(amount)s."),
            _("What the seller would have to bring to the closing: %(amount)s."),
        )
    ) % {"amount": money(abs(proceeds))}
    lines.append(ExplainedLine(text=text, amount=proceeds, kind=Kind.TOTAL, code="total", total=proceeds))
    return lines
