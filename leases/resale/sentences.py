"""The sentences of the resale explanation, one builder per engine step, in both voices (``explain``'s parts).

``leases.resale.explain`` is the API (``explain``, ``explain_proceeds``); this module holds what it is built
from: the line kinds and voices, the context a sentence reads (policy, inputs, years owned, index levels),
and a builder for each of the engine's codes. Split from ``explain`` so that neither is over the size the
architecture test allows; the pages import ``explain``.
"""

from __future__ import annotations

import contextvars
import dataclasses
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.utils.translation import gettext as _

from leases.resale import engine as resale
from leases.resale import wording
from leases.resale.wording import money, percent

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
