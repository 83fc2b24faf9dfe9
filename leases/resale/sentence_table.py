"""The second half of the resale explanation's sentences: credits, deductions, caps, floors and rounding, and
the table from each engine code to its sentence (``leases.resale.sentences`` has the first half: the line
kinds and voices, the context, the base price and its growth)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leases.resale import engine as resale
from leases.resale import wording
from leases.resale.sentences import (
    Kind,
    _administered,
    _appraisal_share,
    _appraised,
    _base,
    _candidate,
    _Context,
    _fixed_compound,
    _fixed_simple,
    _indexed,
    _itemized_inflation,
    _lesser_of,
    _mortgage,
    _no_loss,
    _say,
    _Sentence,
    _simple,
    _time_vested,
)
from leases.resale.wording import money, percent


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
