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

import contextvars
import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leases.resale import engine as resale
from leases.resale import wording
from leases.resale.wording import money, percent

__all__ = ["ExplainedLine", "Kind", "Voice", "explain", "explain_proceeds", "formula_name", "money", "percent"]

ZERO = Decimal(0)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


class Kind(StrEnum):
    """What a line does to the price (see the module doc)."""

    ADD = "add"
    SUBTRACT = "subtract"
    LIMIT = "limit"
    NOTE = "note"
    TOTAL = "total"


class Voice(StrEnum):
    """Who the sentences speak to: the homeowner on their own page ("You paid… your home"), or anyone else,
    staff and the certificate, in the third person ("The homeowner paid… the home")."""

    OWNER = "owner"
    THIRD_PERSON = "third_person"


_VOICE: contextvars.ContextVar[Voice] = contextvars.ContextVar("resale_explain_voice", default=Voice.OWNER)


def _say(owner: str, third_person: str) -> str:
    """The sentence in the voice of the explanation being written (both are in the catalogue)."""
    return owner if _VOICE.get() is Voice.OWNER else third_person


@dataclasses.dataclass(frozen=True)
class ExplainedLine:
    """One line of a price in plain words (see the module doc)."""

    text: str
    amount: Decimal
    kind: Kind
    code: str = ""
    total: Decimal | None = None


# ---------------------------------------------------------------------------------------------
# What the policy and the inputs add
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Context:
    result: resale.ResaleResult
    policy: resale.ResalePolicy | None
    inputs: resale.ResaleInputs | None

    def completed_months(self) -> int | None:
        if self.inputs is None:
            return None
        return resale.completed_months(self.inputs.purchase_date, self.inputs.determination_date)

    def period(self, unit: resale.PeriodUnit) -> str | None:
        """The time owned, counted as the formula counts it."""
        months = self.completed_months()
        if months is None:
            return None
        if unit is resale.PeriodUnit.COMPLETED_YEARS:
            return wording.years(months // 12)
        if unit is resale.PeriodUnit.WHOLE_MONTHS:
            return wording.months(months)
        return wording.days((self.inputs.determination_date - self.inputs.purchase_date).days)

    def base_words(self) -> str:
        """What growth is computed on, as the owner would say it."""
        if self.policy is not None and self.policy.growth_base is resale.GrowthBase.INVESTMENT_BASIS:
            if self.inputs is not None and self.inputs.investment_basis is not None:
                return _say(
                    _("your investment basis of %(amount)s (what you paid less the subsidies)"),
                    _("the homeowner's investment basis of %(amount)s (what they paid less the subsidies)"),
                ) % {"amount": money(self.inputs.investment_basis)}
            return _say(
                _("your investment basis (what you paid less the subsidies)"),
                _("the homeowner's investment basis (what they paid less the subsidies)"),
            )
        return _say(_("what you paid"), _("what the homeowner paid"))

    def formula(self, family: type) -> object | None:
        if self.policy is not None and isinstance(self.policy.formula, family):
            return self.policy.formula
        return None

    def purchase_price(self) -> Decimal | None:
        if self.inputs is not None:
            return self.inputs.purchase_price
        base = next((line for line in self.result.line_items if line.code == "base.purchase_price"), None)
        return base.amount if base is not None else None

    def affordable(self, ami_fraction: Decimal, terms: resale.MortgageTerms) -> tuple[str, Decimal] | None:
        """The household the affordability solver prices for, in words, and its solved price."""
        if self.inputs is None or self.inputs.ami_at_determination is None:
            return None
        try:
            size = resale.household_size(self.inputs.bedrooms, terms.household)
            target = resale.target_income(
                self.inputs.ami_at_determination.value, ami_fraction, size, terms.size_factors
            )
            solved = resale.affordable_price(target.annual_income, terms)
        except resale.ResaleInputError:
            return None
        words = _("a household of %(people)s earning %(pct)s of the area median income (%(income)s a year)") % {
            "people": wording.people(size),
            "pct": percent(ami_fraction),
            "income": money(target.annual_income),
        }
        return words, solved.price


def _appraised(appraisal: resale.Appraisal | None, scope: resale.Scope) -> Decimal | None:
    if appraisal is None:
        return None
    if scope is resale.Scope.TOTAL:
        return appraisal.total
    if appraisal.improvements is not None:
        return appraisal.improvements
    if appraisal.total is not None and appraisal.land is not None:
        return appraisal.total - appraisal.land
    return None


def formula_name(formula: object) -> str:
    """A formula family in a few plain words ("a fixed 1.5 % a year of what you paid, not compounded")."""
    match formula:
        case resale.FixedRateSimple():
            return _say(
                _("a fixed %(rate)s a year of what you paid, not compounded"),
                _("a fixed %(rate)s a year of what the homeowner paid, not compounded"),
            ) % {"rate": percent(formula.rate)}
        case resale.FixedRateCompound():
            return _("a fixed %(rate)s a year, compounded") % {"rate": percent(formula.rate)}
        case resale.CpiIndexed():
            return _("the rise in consumer prices (inflation)")
        case resale.AmiIndexed():
            return _("the rise in the area median income")
        case resale.AdministeredRate():
            return _("the yearly rates the program sets")
        case resale.AppraisalShare():
            return _("a %(share)s share of the rise in appraised value") % {"share": percent(formula.share)}
        case resale.TimeVestedShare():
            return _say(
                _("a share of the rise in value that grows with the years you own the home"),
                _("a share of the rise in value that grows with the years the homeowner owns the home"),
            )
        case resale.ItemizedFairReturn():
            return _say(
                _("a fair return on what you put into the home"),
                _("a fair return on what the homeowner put into the home"),
            )
        case resale.MortgageBased():
            return _("what a household at %(pct)s of the area median income can afford") % {
                "pct": percent(formula.ami_fraction)
            }
        case resale.LesserOf():
            return _("the lowest of several formulas")
    return _("another formula")


# Family names for a "lesser of" candidate when the policy is not given, by the candidate code's suffix.
_CANDIDATE_NAMES: dict[str, Callable[[], str]] = {
    "appraisal_share": lambda: _("a share of the rise in appraised value"),
    "time_vested_share": lambda: _say(
        _("a share of the rise in value that grows with the years you own the home"),
        _("a share of the rise in value that grows with the years the homeowner owns the home"),
    ),
    "ami": lambda: _("the rise in the area median income"),
    "cpi": lambda: _("the rise in consumer prices (inflation)"),
    "administered_rate": lambda: _("the yearly rates the program sets"),
    "fixed_simple": lambda: _("a fixed yearly increase"),
    "fixed_compound": lambda: _("a fixed yearly increase, compounded"),
    "affordable_price": lambda: _("what a household on the program's target income can afford"),
    "lesser_of": lambda: _("the lowest of several formulas"),
}


# ---------------------------------------------------------------------------------------------
# One sentence per engine code
# ---------------------------------------------------------------------------------------------

_Sentence = Callable[[resale.LineItem, _Context, int], str]


def _base(line: resale.LineItem, ctx: _Context, _i: int) -> str:
    if ctx.inputs is not None:
        return _say(
            _("You paid %(amount)s for your home on %(date)s."),
            _("The homeowner paid %(amount)s for the home on %(date)s."),
        ) % {
            "amount": money(line.amount),
            "date": wording.date(ctx.inputs.purchase_date),
        }
    return _say(_("You paid %(amount)s for your home."), _("The homeowner paid %(amount)s for the home.")) % {
        "amount": money(line.amount)
    }


def _fixed_simple(line: resale.LineItem, ctx: _Context, _i: int) -> str:
    formula = ctx.formula(resale.FixedRateSimple)
    if formula is None or ctx.inputs is None:
        return _("A fixed yearly increase: %(amount)s.") % {"amount": money(line.amount)}
    values = {"rate": percent(formula.rate), "base": ctx.base_words(), "amount": money(line.amount)}
    values["period"] = ctx.period(formula.period)
    if ctx.policy.rounding.mode is resale.RoundingMode.INCREMENT_THEN_MULTIPLY:
        # The engine's rule: the yearly increment goes to a multiple of the increment (a dollar by default)
        # before it is multiplied by the time owned.
        basis = ctx.inputs.investment_basis if ctx.policy.growth_base is resale.GrowthBase.INVESTMENT_BASIS else None
        yearly = (basis or ctx.inputs.purchase_price) * formula.rate
        step = ctx.policy.rounding.increment or Decimal(1)
        to_step = resale.Rounding(resale.RoundingMode.NEAREST, step, ctx.policy.rounding.direction)
        values["yearly"] = money(yearly)
        values["rounded"] = money(resale.round_amount(yearly, to_step))
        return (
            _say(
                _(
                    "Your price grows %(rate)s of %(base)s each year, %(yearly)s, rounded to %(rounded)s a year: "
                    "%(period)s, %(amount)s."
                ),
                _(
                    "The price grows %(rate)s of %(base)s each year, %(yearly)s, rounded to %(rounded)s a year: "
                    "%(period)s, %(amount)s."
                ),
            )
            % values
        )
    if formula.period is resale.PeriodUnit.COMPLETED_YEARS:
        text = _say(
            _(
                "Your price grows %(rate)s of %(base)s for each full year you have owned the home: %(period)s, "
                "%(amount)s."
            ),
            _(
                "The price grows %(rate)s of %(base)s for each full year the homeowner has owned the home: %(period)s, "
                "%(amount)s."
            ),
        )
    elif formula.period is resale.PeriodUnit.WHOLE_MONTHS:
        text = _say(
            _(
                "Your price grows %(rate)s of %(base)s a year, counted by the whole month you have owned the home: "
                "%(period)s, %(amount)s."
            ),
            _(
                "The price grows %(rate)s of %(base)s a year, counted by the whole month the homeowner has owned the "
                "home: %(period)s, %(amount)s."
            ),
        )
    else:
        text = _say(
            _(
                "Your price grows %(rate)s of %(base)s a year, counted by the day you have owned the home: "
                "%(period)s, %(amount)s."
            ),
            _(
                "The price grows %(rate)s of %(base)s a year, counted by the day the homeowner has owned the home: "
                "%(period)s, %(amount)s."
            ),
        )
    return text % values


def _fixed_compound(line: resale.LineItem, ctx: _Context, _i: int) -> str:
    formula = ctx.formula(resale.FixedRateCompound)
    if formula is None or ctx.inputs is None:
        return _("A fixed yearly increase, compounded: %(amount)s.") % {"amount": money(line.amount)}
    values = {"rate": percent(formula.rate), "period": ctx.period(formula.period), "amount": money(line.amount)}
    if formula.period is resale.PeriodUnit.COMPLETED_YEARS:
        text = _say(
            _(
                "Your price grows %(rate)s a year, compounded, for each full year you have owned the home: "
                "%(period)s, %(amount)s."
            ),
            _(
                "The price grows %(rate)s a year, compounded, for each full year the homeowner has owned the home: "
                "%(period)s, %(amount)s."
            ),
        )
    elif formula.period is resale.PeriodUnit.WHOLE_MONTHS:
        text = _say(
            _(
                "Your price grows %(rate)s a year, compounded and counted by the whole month you have owned the home: "
                "%(period)s, %(amount)s."
            ),
            _(
                "The price grows %(rate)s a year, compounded and counted by the whole month the homeowner has owned "
                "the home: %(period)s, %(amount)s."
            ),
        )
    else:
        text = _say(
            _(
                "Your price grows %(rate)s a year, compounded and counted by the day you have owned the home: "
                "%(period)s, %(amount)s."
            ),
            _(
                "The price grows %(rate)s a year, compounded and counted by the day the homeowner has owned the home: "
                "%(period)s, %(amount)s."
            ),
        )
    return text % values


def _indexed(kind: str) -> _Sentence:
    def sentence(line: resale.LineItem, ctx: _Context, _i: int) -> str:
        inputs = ctx.inputs
        then = getattr(inputs, f"{kind}_at_purchase", None) if inputs else None
        now = getattr(inputs, f"{kind}_at_determination", None) if inputs else None
        if then is None or now is None:
            if kind == "cpi":
                return _say(
                    _("Your price follows consumer prices (inflation) since you bought: %(amount)s."),
                    _("The price follows consumer prices (inflation) since the homeowner bought: %(amount)s."),
                ) % {"amount": money(line.amount)}
            return _say(
                _("Your price follows the area median income since you bought: %(amount)s."),
                _("The price follows the area median income since the homeowner bought: %(amount)s."),
            ) % {"amount": money(line.amount)}
        change = (now.value / then.value - 1) * HUNDRED
        values = {
            "then": wording.number(then.value) if kind == "cpi" else money(then.value),
            "now": wording.number(now.value) if kind == "cpi" else money(now.value),
            "change": percent((abs(change) / HUNDRED).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)),
            "base": ctx.base_words(),
            "amount": money(line.amount),
        }
        if kind == "cpi":
            text = (
                _say(
                    _(
                        "Your price grows with consumer prices (inflation): the index was %(then)s when you bought "
                        "and is %(now)s now, a rise of %(change)s on %(base)s: %(amount)s."
                    ),
                    _(
                        "The price grows with consumer prices (inflation): the index was %(then)s when the homeowner "
                        "bought and is %(now)s now, a rise of %(change)s on %(base)s: %(amount)s."
                    ),
                )
                if change >= 0
                else _say(
                    _(
                        "Your price follows consumer prices (inflation): the index was %(then)s when you bought "
                        "and is %(now)s now, a fall of %(change)s on %(base)s: %(amount)s."
                    ),
                    _(
                        "The price follows consumer prices (inflation): the index was %(then)s when the homeowner "
                        "bought and is %(now)s now, a fall of %(change)s on %(base)s: %(amount)s."
                    ),
                )
            )
        else:
            text = (
                _say(
                    _(
                        "Your price grows with the area median income: it was %(then)s when you bought and is "
                        "%(now)s now, a rise of %(change)s on %(base)s: %(amount)s."
                    ),
                    _(
                        "The price grows with the area median income: it was %(then)s when the homeowner bought and is "
                        "%(now)s now, a rise of %(change)s on %(base)s: %(amount)s."
                    ),
                )
                if change >= 0
                else _say(
                    _(
                        "Your price follows the area median income: it was %(then)s when you bought and is "
                        "%(now)s now, a fall of %(change)s on %(base)s: %(amount)s."
                    ),
                    _(
                        "The price follows the area median income: it was %(then)s when the homeowner bought and is "
                        "%(now)s now, a fall of %(change)s on %(base)s: %(amount)s."
                    ),
                )
            )
        return text % values

    return sentence


def _administered(line: resale.LineItem, ctx: _Context, _i: int) -> str:
    formula = ctx.formula(resale.AdministeredRate)
    if formula is None or ctx.inputs is None:
        return _("The yearly increases the program sets: %(amount)s.") % {"amount": money(line.amount)}
    return _say(
        _(
            "Your price grows by the rate the program sets for each year, each applied to %(base)s and added up, "
            "not compounded: %(period)s, %(amount)s."
        ),
        _(
            "The price grows by the rate the program sets for each year, each applied to %(base)s and added up, not "
            "compounded: %(period)s, %(amount)s."
        ),
    ) % {"base": ctx.base_words(), "period": ctx.period(formula.period), "amount": money(line.amount)}


def _share_values(
    ctx: _Context, formula: resale.AppraisalShare | resale.TimeVestedShare
) -> tuple[Decimal, Decimal] | None:
    """The appraised values the share is measured between, when the inputs have them."""
    if ctx.inputs is None:
        return None
    now = _appraised(ctx.inputs.resale_appraisal, formula.scope)
    if formula.baseline is resale.Baseline.INITIAL_APPRAISAL:
        then = _appraised(ctx.inputs.initial_appraisal, formula.scope)
    else:
        then = ctx.inputs.purchase_price
    return None if now is None or then is None else (then, now)


def _appraisal_share(line: resale.LineItem, ctx: _Context, _i: int) -> str:
    formula = ctx.formula(resale.AppraisalShare)
    values = _share_values(ctx, formula) if formula is not None else None
    if formula is None or values is None:
        return _say(
            _("Your share of the rise in your home's appraised value: %(amount)s."),
            _("The homeowner's share of the rise in the home's appraised value: %(amount)s."),
        ) % {"amount": money(line.amount)}
    share, years = formula.share, (ctx.completed_months() or 0) // 12
    for tier in sorted(formula.tiers, key=lambda t: t.min_years):
        if years >= tier.min_years:
            share = tier.share
    then, now = values
    text = _say(
        _("You receive %(share)s of the change in your home's appraised value, from %(then)s to %(now)s: %(amount)s."),
        _(
            "The homeowner receives %(share)s of the change in the home's appraised value, from %(then)s to %(now)s: "
            "%(amount)s."
        ),
    )
    if share * (now - then) != line.amount:
        text = _say(
            _(
                "You receive %(share)s of the change in your home's appraised value, from %(then)s to %(now)s, "
                "leaving out the value already credited for your improvements: %(amount)s."
            ),
            _(
                "The homeowner receives %(share)s of the change in the home's appraised value, from %(then)s to "
                "%(now)s, leaving out the value already credited for their improvements: %(amount)s."
            ),
        )
    return text % {"share": percent(share), "then": money(then), "now": money(now), "amount": money(line.amount)}


def _time_vested(line: resale.LineItem, ctx: _Context, _i: int) -> str:
    formula = ctx.formula(resale.TimeVestedShare)
    values = _share_values(ctx, formula) if formula is not None else None
    if formula is None or values is None:
        return _say(
            _("Your share of the rise in value, growing with the years you have owned the home: %(amount)s."),
            _(
                "The homeowner's share of the rise in value, growing with the years they have owned the home: "
                "%(amount)s."
            ),
        ) % {"amount": money(line.amount)}
    years = (ctx.completed_months() or 0) // 12
    if formula.vesting_years is not None and years < formula.vesting_years:
        return _say(
            _(
                "You have owned the home %(years)s; a share of the rise in value starts only after %(vesting)s, "
                "so there is none yet."
            ),
            _(
                "The homeowner has owned the home %(years)s; a share of the rise in value starts only after "
                "%(vesting)s, so there is none yet."
            ),
        ) % {"years": wording.years(years), "vesting": wording.years(formula.vesting_years)}
    share = formula.rate_per_year * years
    capped = formula.max_share is not None and share > formula.max_share
    share = formula.max_share if capped else share
    then, now = values
    text = (
        _say(
            _(
                "You receive %(rate)s of the rise in value for each full year you have owned the home, at most "
                "%(share)s, of the change from %(then)s to %(now)s: %(amount)s."
            ),
            _(
                "The homeowner receives %(rate)s of the rise in value for each full year they have owned the home, at "
                "most %(share)s, of the change from %(then)s to %(now)s: %(amount)s."
            ),
        )
        if capped
        else _say(
            _(
                "You receive %(rate)s of the rise in value for each full year you have owned the home, %(years)s, "
                "so %(share)s of the change from %(then)s to %(now)s: %(amount)s."
            ),
            _(
                "The homeowner receives %(rate)s of the rise in value for each full year they have owned the home, "
                "%(years)s, so %(share)s of the change from %(then)s to %(now)s: %(amount)s."
            ),
        )
    )
    return text % {
        "rate": percent(formula.rate_per_year),
        "years": wording.years(years),
        "share": percent(share),
        "then": money(then),
        "now": money(now),
        "amount": money(line.amount),
    }


def _no_loss(line: resale.LineItem, _ctx: _Context, _i: int) -> str:
    return _say(
        _(
            "Your program does not pass a fall in value on to you, so your price does not drop below what you "
            "paid: %(amount)s is added back."
        ),
        _(
            "The program does not pass a fall in value on to the homeowner, so the price does not drop below what they "
            "paid: %(amount)s is added back."
        ),
    ) % {"amount": money(line.amount)}


def _itemized_inflation(line: resale.LineItem, ctx: _Context, _i: int) -> str:
    formula = ctx.formula(resale.ItemizedFairReturn)
    if formula is None or ctx.inputs is None:
        return _("An allowance for inflation: %(amount)s.") % {"amount": money(line.amount)}
    return _("An allowance for inflation of %(rate)s a year of %(base)s, for %(period)s: %(amount)s.") % {
        "rate": percent(formula.inflation_rate),
        "base": ctx.base_words(),
        "period": ctx.period(formula.period),
        "amount": money(line.amount),
    }


def _simple(message: Callable[[], str]) -> _Sentence:
    def sentence(line: resale.LineItem, _ctx: _Context, _i: int) -> str:
        return message() % {"amount": money(line.amount)}

    return sentence


def _mortgage(line: resale.LineItem, ctx: _Context, _i: int) -> str:
    formula = ctx.formula(resale.MortgageBased)
    found = ctx.affordable(formula.ami_fraction, formula.terms) if formula is not None else None
    if found is None:
        return _say(
            _("Your price is what a household on the program's target income can afford: %(amount)s."),
            _("The price is what a household on the program's target income can afford: %(amount)s."),
        ) % {"amount": money(line.amount)}
    return _say(
        _("Your price is what %(household)s can afford to pay: %(amount)s."),
        _("The price is what %(household)s can afford to pay: %(amount)s."),
    ) % {
        "household": found[0],
        "amount": money(line.amount),
    }


def _candidate(line: resale.LineItem, ctx: _Context, index: int) -> str:
    formulas = ctx.policy.formula.formulas if ctx.policy and isinstance(ctx.policy.formula, resale.LesserOf) else ()
    if index < len(formulas):
        name = formula_name(formulas[index])
    else:
        name = _CANDIDATE_NAMES.get(line.code.split(".", 1)[1], lambda: _("another formula"))()
    price = wording.money_at_end(line.label)
    if price is None:
        return _("The price is also worked out by %(name)s.") % {"name": name}
    return _("By %(name)s, the price would be %(price)s.") % {"name": name, "price": money(price)}


def _lesser_of(line: resale.LineItem, _ctx: _Context, _i: int) -> str:
    return _say(
        _("Your price is the lowest of these, %(price)s: a change of %(amount)s from what you paid."),
        _("The price is the lowest of these, %(price)s: a change of %(amount)s from what the homeowner paid."),
    ) % {
        "price": money(line.total),
        "amount": money(line.amount, signed=True),
    }


def _credit_how(item: resale.CapitalImprovement, on: dt.date) -> str:
    share = "" if item.credit_pct == 1 else _("%(pct)s of ") % {"pct": percent(item.credit_pct)}
    match item.method:
        case resale.CreditMethod.APPRAISED_VALUE:
            how = _("the value an appraiser gave it, %(value)s") % {"value": money(item.appraised_value)}
        case resale.CreditMethod.DEPRECIATED_COST:
            life = item.useful_life_years * 12
            used = min(resale.completed_months(item.completed_on, on), life)
            how = _("its cost of %(cost)s less wear: %(used)s used of a useful life of %(life)s") % {
                "cost": money(item.cost),
                "used": ngettext("%(count)s month", "%(count)s months", used) % {"count": used},
                "life": ngettext("%(count)s month", "%(count)s months", life) % {"count": life},
            }
        case resale.CreditMethod.FIXED_VALUE:
            how = _("the standard value for this kind of work, %(value)s") % {"value": money(item.fixed_value)}
        case _:
            how = _("its cost of %(cost)s") % {"cost": money(item.cost)}
    return share + how


def _credit(line: resale.LineItem, ctx: _Context, index: int) -> str:
    items = ctx.inputs.capital_improvements if ctx.inputs is not None else ()
    if index < len(items):
        item = items[index]
        return _say(
            _("Credit for an improvement you made, %(what)s (%(how)s): %(amount)s."),
            _("Credit for an improvement the homeowner made, %(what)s (%(how)s): %(amount)s."),
        ) % {
            "what": item.description,
            "how": _credit_how(item, ctx.inputs.determination_date),
            "amount": money(line.amount),
        }
    return _say(
        _("Credit for an improvement you made, %(what)s: %(amount)s."),
        _("Credit for an improvement the homeowner made, %(what)s: %(amount)s."),
    ) % {
        "what": wording.after_colon(line.label),
        "amount": money(line.amount),
    }


# The engine's reasons for refusing a credit, each with its plain translated wording.
_REFUSALS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"^it was not finished by (\d{4}-\d\d-\d\d)$"),
        lambda m: _("it was not finished by %(date)s") % {"date": wording.date(dt.date.fromisoformat(m.group(1)))},
    ),
    (re.compile(r"^ordinary maintenance"), lambda m: _("ordinary upkeep and repairs earn no credit")),
    (re.compile(r"^its cost is not documented"), lambda m: _("its cost is not documented")),
    (re.compile(r"^it was not approved before the work"), lambda m: _("the trust did not approve it before the work")),
    (
        re.compile(r"^it cost ([0-9,]+\.\d\d), not more than ([0-9,]+\.\d\d)$"),
        lambda m: (
            _("only improvements costing more than %(limit)s earn a credit, and it cost %(cost)s")
            % {
                "limit": money(Decimal(m.group(2).replace(",", ""))),
                "cost": money(Decimal(m.group(1).replace(",", ""))),
            }
        ),
    ),
    (
        re.compile(r"^it was done more than (\d+) years? before the sale$"),
        lambda m: _("it was done more than %(years)s before the sale") % {"years": wording.years(int(m.group(1)))},
    ),
)


def credit_how(item: resale.CapitalImprovement, on: dt.date) -> str:
    """How a credited improvement is valued, in words with the figures ("50 % of its cost of $12,000.00")."""
    return _credit_how(item, on)


def refusal_reason(detail: str) -> str:
    """The engine's reason for refusing a credit (its English ``detail``), in the reader's words."""
    for pattern, words in _REFUSALS:
        found = pattern.search(detail)
        if found:
            return words(found)
    return detail


def _refused(line: resale.LineItem, ctx: _Context, index: int) -> str:
    items = ctx.inputs.capital_improvements if ctx.inputs is not None else ()
    what = items[index].description if index < len(items) else wording.after_colon(line.label)
    reason = refusal_reason(line.detail)
    return _("No credit for %(what)s: %(reason)s.") % {"what": what, "reason": reason}


def _deduction(line: resale.LineItem, _ctx: _Context, _i: int) -> str:
    return _("Taken off the price, %(what)s: %(amount)s.") % {
        "what": wording.after_colon(line.label),
        "amount": money(-line.amount),
    }


def _allowance(line: resale.LineItem, ctx: _Context, index: int) -> str:
    allowances = ctx.policy.sale_allowances if ctx.policy is not None else ()
    values = {"what": wording.after_colon(line.label), "amount": money(line.amount)}
    if index < len(allowances):
        allowance = allowances[index]
        # Every percentage is of the subtotal before the first allowance (the engine's Boulder rule).
        first = next(item for item in ctx.result.line_items if item.code == "allowance.sale")
        subtotal = first.total - first.amount
        parts = []
        if allowance.pct:
            parts.append(_("%(pct)s of %(subtotal)s") % {"pct": percent(allowance.pct), "subtotal": money(subtotal)})
        if allowance.amount:
            parts.append(_("a flat %(amount)s") % {"amount": money(allowance.amount)})
        if parts:
            values["how"] = _(" plus ").join(parts)
            return _("Added for the costs of selling, %(what)s (%(how)s): %(amount)s.") % values
    return _("Added for the costs of selling, %(what)s: %(amount)s.") % values


def _nth(items: Sequence[object], family: type, index: int) -> object | None:
    matching = [item for item in items if isinstance(item, family)]
    return matching[index] if index < len(matching) else None


def _cap_sentence(line: resale.LineItem, limit_words: str, value: Decimal | None) -> str:
    values = {"limit": limit_words, "amount": money(-line.amount)}
    if line.amount < 0:
        values["value"] = money(line.total)
        return (
            _say(
                _("Your price may not be more than %(limit)s, %(value)s, so it is lowered by %(amount)s."),
                _("The price may not be more than %(limit)s, %(value)s, so it is lowered by %(amount)s."),
            )
            % values
        )
    if value is None:
        return (
            _say(
                _("Your price may not be more than %(limit)s; it is already within that."),
                _("The price may not be more than %(limit)s; it is already within that."),
            )
            % values
        )
    values["value"] = money(value)
    return (
        _say(
            _("Your price may not be more than %(limit)s, %(value)s; it is already within that."),
            _("The price may not be more than %(limit)s, %(value)s; it is already within that."),
        )
        % values
    )


def _cap_appraisal(line: resale.LineItem, ctx: _Context, index: int) -> str:
    cap = _nth(ctx.policy.caps, resale.AppraisalCap, index) if ctx.policy is not None else None
    scope = cap.scope if cap is not None else resale.Scope.IMPROVEMENTS
    value = _appraised(ctx.inputs.resale_appraisal, scope) if ctx.inputs is not None and cap is not None else None
    words = (
        _say(
            _("the appraised value of your home and its land at the sale"),
            _("the appraised value of the home and its land at the sale"),
        )
        if scope is resale.Scope.TOTAL
        else _say(_("the appraised value of your home at the sale"), _("the appraised value of the home at the sale"))
    )
    return _cap_sentence(line, words, value)


def _cap_affordability(line: resale.LineItem, ctx: _Context, index: int) -> str:
    cap = _nth(ctx.policy.caps, resale.AffordabilityCap, index) if ctx.policy is not None else None
    found = ctx.affordable(cap.ami_fraction, cap.terms) if cap is not None else None
    if found is None:
        return _cap_sentence(line, _("what a household on the program's target income can afford"), None)
    household, price = found
    return _cap_sentence(line, _("what %(household)s can afford") % {"household": household}, price)


def _cap_net_proceeds(line: resale.LineItem, ctx: _Context, _i: int) -> str:
    value = None
    if ctx.inputs is not None:
        home = _appraised(ctx.inputs.resale_appraisal, resale.Scope.IMPROVEMENTS)
        value = home - ctx.inputs.retained_subsidy if home is not None else None
    words = _say(
        _("what your home (without the land, less the subsidy that stays with it) is worth"),
        _("what the home (without the land, less the subsidy that stays with it) is worth"),
    )
    return _cap_sentence(line, words, value)


def _floor(plus_credits: bool) -> _Sentence:
    def sentence(line: resale.LineItem, ctx: _Context, _i: int) -> str:
        paid = ctx.purchase_price()
        value = paid + ctx.result.credits_total if paid is not None and plus_credits else paid
        words = (
            _say(
                _("what you paid plus your improvement credits"),
                _("what the homeowner paid plus their improvement credits"),
            )
            if plus_credits
            else _say(_("what you paid"), _("what the homeowner paid"))
        )
        values = {"floor": words, "amount": money(line.amount)}
        if line.amount > 0:
            values["value"] = money(line.total)
            return (
                _say(
                    _("Your price never goes below %(floor)s, %(value)s, so it is raised by %(amount)s."),
                    _("The price never goes below %(floor)s, %(value)s, so it is raised by %(amount)s."),
                )
                % values
            )
        if value is None:
            return (
                _say(
                    _("Your price never goes below %(floor)s; it is already above that."),
                    _("The price never goes below %(floor)s; it is already above that."),
                )
                % values
            )
        values["value"] = money(value)
        return (
            _say(
                _("Your price never goes below %(floor)s, %(value)s; it is already above that."),
                _("The price never goes below %(floor)s, %(value)s; it is already above that."),
            )
            % values
        )

    return sentence


def _rounding(line: resale.LineItem, ctx: _Context, _i: int) -> str:
    mode = line.code.split(".", 1)[1]
    rule = ctx.policy.rounding if ctx.policy is not None else None
    direction = rule.direction if rule is not None else resale.RoundingDirection.NEAREST
    # The engine rounds toward a cap or a floor rather than across it, and says so in its detail.
    over_limit, under_floor = "over the limit" in line.detail, "under the floor" in line.detail
    if over_limit:
        direction = resale.RoundingDirection.DOWN
    elif under_floor:
        direction = resale.RoundingDirection.UP
    if mode == resale.RoundingMode.DOLLAR:
        unit = _("whole dollar")
    elif mode == resale.RoundingMode.NEAREST:
        unit = (
            _("multiple of %(step)s") % {"step": money(rule.increment, cents=rule.increment % 1 != 0)}
            if rule is not None and rule.increment
            else _("round figure")
        )
    else:
        unit = _("cent")
    values = {"unit": unit, "amount": money(line.amount, signed=True)}
    if line.amount == 0:
        return _("Rounded to the nearest %(unit)s: no change.") % values
    if over_limit:
        return _("Rounded down to the %(unit)s below, so as not to go over the limit: %(amount)s.") % values
    if under_floor:
        return _("Rounded up to the %(unit)s above, so as not to go under the floor: %(amount)s.") % values
    if direction is resale.RoundingDirection.DOWN:
        return _("Rounded down to the %(unit)s below: %(amount)s.") % values
    if direction is resale.RoundingDirection.UP:
        return _("Rounded up to the %(unit)s above: %(amount)s.") % values
    return _("Rounded to the nearest %(unit)s: %(amount)s.") % values


_SENTENCES: dict[str, _Sentence] = {
    "base.purchase_price": _base,
    "growth.fixed_simple": _fixed_simple,
    "growth.fixed_compound": _fixed_compound,
    "growth.cpi": _indexed("cpi"),
    "growth.ami": _indexed("ami"),
    "growth.administered_rate": _administered,
    "growth.appraisal_share": _appraisal_share,
    "growth.time_vested_share": _time_vested,
    "growth.lesser_of": _lesser_of,
    "growth.no_loss": _no_loss,
    "itemized.amounts_due": _simple(
        lambda: _say(
            _("What must be paid off at the sale (your loan and closing costs): %(amount)s."),
            _("What must be paid off at the sale (the homeowner's loan and closing costs): %(amount)s."),
        )
    ),
    "itemized.inflation": _itemized_inflation,
    "itemized.principal_paid": _simple(
        lambda: _say(
            _("The loan principal you have paid off: %(amount)s."),
            _("The loan principal the homeowner has paid off: %(amount)s."),
        )
    ),
    "itemized.purchase_closing_costs": _simple(
        lambda: _say(
            _("The closing costs you paid when you bought: %(amount)s."),
            _("The closing costs the homeowner paid when they bought: %(amount)s."),
        )
    ),
    "itemized.down_payment": _simple(
        lambda: _say(_("Your down payment: %(amount)s."), _("The homeowner's down payment: %(amount)s."))
    ),
    "mortgage.affordable_price": _mortgage,
    "credit.capital_improvement": _credit,
    "credit.refused": _refused,
    "deduction.price": _deduction,
    "allowance.sale": _allowance,
    "cap.appraisal": _cap_appraisal,
    "cap.affordability": _cap_affordability,
    "cap.net_proceeds": _cap_net_proceeds,
    "floor.purchase_price": _floor(False),
    "floor.purchase_price_plus_credits": _floor(True),
}

# Lines that share a numbering: the n-th credit line is the n-th improvement of the inputs (accepted or
# refused alike), the n-th candidate the n-th formula of a "lesser of" rule, and so on.
_SEQUENCE = {
    "credit.capital_improvement": "credit",
    "credit.refused": "credit",
    "allowance.sale": "allowance",
    "cap.appraisal": "cap.appraisal",
    "cap.affordability": "cap.affordability",
}


def _sentence_for(code: str) -> _Sentence | None:
    if code in _SENTENCES:
        return _SENTENCES[code]
    if code.startswith("candidate."):
        return _candidate
    if code.startswith("round."):
        return _rounding
    return None


def _kind(line: resale.LineItem) -> Kind:
    if line.code.startswith(("cap.", "floor.")):
        return Kind.LIMIT
    if line.code.startswith("candidate.") or line.code == "credit.refused" or line.amount == 0:
        return Kind.NOTE
    return Kind.ADD if line.amount > 0 else Kind.SUBTRACT


def _fallback(line: resale.LineItem) -> str:
    # A step this module does not know yet: a translated sentence with the figure; the engine's own label
    # (and detail) are kept as written, so nothing is dropped.
    values = {"label": line.label, "detail": line.detail, "amount": money(line.amount, signed=True)}
    if line.detail:
        return _("Another step, “%(label)s” (%(detail)s): %(amount)s.") % values
    return _("Another step, “%(label)s”: %(amount)s.") % values


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
