"""The resale portfolio: every lease in force on a date, valued under its own resale policy (issue 4 §6, §7).

Read-only. One row per lease in force on the date ``as_of`` (executed, so not a draft; commenced on or
before it; not ended on or before it), valued with one ``valuation.Valuer`` (policies decoded and index
series loaded once), in a fixed number of queries whatever the number of leases: the leases with what a
valuation reads, their leaseholders, their subsidies, their completed improvements, the saved
determinations that record an appraisal at resale, and one query per index series a policy names.

What a row says, and where it comes from (money in dollars and cents)::

    purchase_price           GroundLease.purchase_price (what the current owner paid)
    market_value_at_purchase GroundLease.appraised_value (the appraisal at purchase)
    initial_subsidy          market value at purchase - price paid: §7's "community investment"
    recorded_subsidies       the lease's LeaseSubsidy rows, all of them; subsidies_staying: those that stay
                             with the home
    formula_price            the price the resale formula gives on ``as_of`` (``Valuation.price``: credits,
                             caps, floor and rounding applied; the cap at the appraised value is left for the
                             sale, which has an appraisal, see ``leases/valuation.py``); to the cent, half up,
                             when the policy rounds to nothing coarser
    improvement_credits      the capital-improvement credits in that price
    market_value, _date      the latest market value on record by ``as_of``: the appraisal at purchase, or a
                             later appraisal at resale kept in a saved determination (``ResaleCalculation``
                             inputs' ``resale_appraisal``: its total, else land + improvements; dated by its
                             effective date, else the determination date)
    subsidy_retained         market value - formula price (§7): only as current as ``market_value_date``; an
                             appraisal years old says little about what the subsidy keeps the price below now
    problem, notes           why there is no price (no policy, a formula that needs an appraisal at sale, a gap
                             in an index series...), and what the estimate leaves out

A program is a resale policy (``ResalePolicy``: "a group of leases sharing a formula", §7); its versions
are one program. Per program: leases, priced and not priced, the sums of the figures, and the retention
ratio = sum retained ÷ sum initial over the leases where both are known (nominal dollars, to 4 places
half up). Leases whose terms name no policy are a group of their own.

The command and the CSV value every lease (``resale_portfolio``). A page (``portfolio_index``) values
only its own rows: the sums of every program and the leases' order are valued once per date and kept
(``PortfolioSummary``) under a stamp of every input (``inputs_stamp``), so any change is seen at once
(docs/resale.md, "At 50,000 homes").
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from clt.csvexport import csv_lines, guard_formula
from leases.lifecycle.models import GroundLease, Leaseholder, LeaseSubsidy, LeaseTemplateVersion
from leases.lifecycle.rules import LeaseStatus
from leases.resale.kept import KeptValuations, Priced, history_columns, latest_ids, priced_of
from leases.resale.models import (
    CapitalImprovement,
    IndexSeries,
    IndexValue,
    PortfolioSummary,
    ResaleCalculation,
    ResalePolicy,
    ResalePolicyVersion,
)
from leases.resale.valuation import LeaseFacts, Valuer, lease_subsidies, load_lease_facts
from properties.models import Unit

__all__ = [
    "CSV_COLUMNS",
    "Portfolio",
    "PortfolioIndex",
    "PortfolioRow",
    "ProgramSummary",
    "csv_record",
    "csv_records",
    "inputs_stamp",
    "leases_in_force",
    "portfolio_index",
    "resale_portfolio",
    "summary_lines",
    "write_csv",
]

RATIO_PLACES = Decimal("0.0001")
ZERO = Decimal("0.00")
PROGRESS_EVERY = 500

# Progress callback of long runs: (stage, done, total), as ``clt.progress.ProgressBar`` takes it.
Progress = Callable[[str, int, int], None]


@dataclasses.dataclass(frozen=True)
class PortfolioRow:
    """One lease in force on the date, with its price under its program (see the module doc)."""

    lease_id: int
    address: str
    program: str  # the policy's name; "" when the lease's terms name none
    program_version: int | None
    holders: str
    purchase_date: dt.date | None
    purchase_price: Decimal | None
    market_value_at_purchase: Decimal | None
    initial_subsidy: Decimal | None
    recorded_subsidies: Decimal
    subsidies_staying: Decimal
    formula_price: Decimal | None
    improvement_credits: Decimal | None
    market_value: Decimal | None
    market_value_date: dt.date | None
    market_value_source: str  # "purchase" (the lease's appraisal), "resale" (a saved determination's), ""
    subsidy_retained: Decimal | None
    problem: str
    notes: tuple[str, ...]

    @property
    def priced(self) -> bool:
        return self.formula_price is not None


@dataclasses.dataclass
class ProgramSummary:
    """A program's totals: counts, sums of the figures known, and the retention ratio."""

    program: str  # the policy's name, "" for the leases without one
    label: str  # for people: the name, or "No resale policy"
    leases: int = 0
    priced: int = 0
    purchase_price: Decimal = ZERO
    initial_subsidy: Decimal = ZERO  # over the leases with an appraisal at purchase
    recorded_subsidies: Decimal = ZERO
    subsidies_staying: Decimal = ZERO
    formula_price: Decimal = ZERO  # over the priced leases
    improvement_credits: Decimal = ZERO
    subsidy_retained: Decimal = ZERO  # over the leases with a price and a market value
    # The ratio compares like with like: only leases where both the initial and the retained are known.
    compared: int = 0
    initial_compared: Decimal = ZERO
    retained_compared: Decimal = ZERO

    @property
    def not_priced(self) -> int:
        return self.leases - self.priced

    @property
    def retention_ratio(self) -> Decimal | None:
        if not self.compared or not self.initial_compared:
            return None
        return (self.retained_compared / self.initial_compared).quantize(RATIO_PLACES, ROUND_HALF_UP)

    def merge(self, other: ProgramSummary) -> None:
        """Add ``other``'s counts and sums to these (the total of several programs)."""
        for name in ("leases", "priced", "compared", *_FIGURES):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def add(self, row: PortfolioRow) -> None:
        self.leases += 1
        self.purchase_price += row.purchase_price or ZERO
        self.recorded_subsidies += row.recorded_subsidies
        self.subsidies_staying += row.subsidies_staying
        if row.initial_subsidy is not None:
            self.initial_subsidy += row.initial_subsidy
        if row.priced:
            self.priced += 1
            self.formula_price += row.formula_price
            self.improvement_credits += row.improvement_credits or ZERO
        if row.subsidy_retained is not None:
            self.subsidy_retained += row.subsidy_retained
            if row.initial_subsidy is not None:
                self.compared += 1
                self.initial_compared += row.initial_subsidy
                self.retained_compared += row.subsidy_retained


@dataclasses.dataclass(frozen=True)
class Portfolio:
    """Every lease in force on ``as_of`` (``rows``, by program then address), per program and in all."""

    as_of: dt.date
    rows: list[PortfolioRow]
    programs: list[ProgramSummary]
    total: ProgramSummary


def leases_in_force(on: dt.date, queryset: QuerySet | None = None) -> QuerySet:
    """``queryset`` (default: every lease) narrowed to the leases in force on ``on``."""
    queryset = GroundLease.objects.all() if queryset is None else queryset
    return (
        queryset.exclude(status=LeaseStatus.DRAFT)
        .filter(commencement__isnull=False, commencement__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
    )


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        return None
    return found if found.is_finite() else None


def _resale_appraisals(leases: QuerySet, on: dt.date) -> dict[int, tuple[dt.date, Decimal]]:
    """By lease, the latest appraisal at resale kept in a saved determination, dated on or before ``on``."""
    latest: dict[int, tuple[dt.date, int, Decimal]] = {}
    rows = (
        ResaleCalculation.objects.filter(
            lease_id__in=leases.order_by().values("pk"),
            determination_date__lte=on,
            inputs__has_key="resale_appraisal",
        )
        .order_by()
        .values_list("pk", "lease_id", "determination_date", "inputs__resale_appraisal")
    )
    for pk, lease_id, determined, appraisal in rows:
        if not isinstance(appraisal, dict):
            continue
        total = _money(appraisal.get("total"))
        if total is None:
            land, improvements = _money(appraisal.get("land")), _money(appraisal.get("improvements"))
            if land is None or improvements is None:
                continue  # the improvements alone are not the home's market value
            total = land + improvements
        try:
            dated = (
                dt.date.fromisoformat(appraisal["effective_date"]) if appraisal.get("effective_date") else determined
            )
        except (TypeError, ValueError):
            dated = determined
        if dated > on:
            continue
        found = latest.get(lease_id)
        if found is None or (dated, pk) > found[:2]:
            latest[lease_id] = (dated, pk, total)
    return {lease_id: (dated, total) for lease_id, (dated, _pk, total) in latest.items()}


def _holders(leases: QuerySet) -> dict[int, str]:
    """By lease, its leaseholders' names in the order they were named (``Person.full_name``), in one query."""
    names: dict[int, list[str]] = {}
    rows = (
        Leaseholder.objects.filter(lease_id__in=leases.order_by().values("pk"))
        .order_by("lease_id", "pk")
        .values_list("lease_id", "person__given_name", "person__family_name")
    )
    for lease_id, given, family in rows:
        names.setdefault(lease_id, []).append(" ".join(part for part in (given, family) if part))
    return {lease_id: ", ".join(found) for lease_id, found in names.items()}


def _row(
    lease: LeaseFacts,
    priced: Priced,
    holders: dict[int, str],
    resale_appraisal: tuple[dt.date, Decimal] | None,
) -> PortfolioRow:
    version = lease.template_version.resale_policy_version
    subsidies = lease_subsidies(lease)
    recorded = staying = ZERO
    for subsidy in subsidies:
        recorded += subsidy.amount
        if subsidy.stays_with_home:
            staying += subsidy.amount
    paid = lease.purchase_price
    at_purchase = lease.appraised_value
    initial = at_purchase - paid if at_purchase is not None and paid is not None else None

    market_value, market_date, source = None, None, ""
    if at_purchase is not None:
        market_value, market_date, source = at_purchase, lease.appraisal_date or lease.commencement, "purchase"
    if resale_appraisal is not None and (market_date is None or resale_appraisal[0] >= market_date):
        (market_date, market_value), source = resale_appraisal, "resale"

    price = priced.price
    return PortfolioRow(
        lease_id=lease.pk,
        address=str(lease.unit),
        program=version.policy.name if version is not None else "",
        program_version=version.version if version is not None else None,
        # As ``GroundLease.leaseholder_names`` says it: the organisation, else the people.
        holders=lease.organization_name if lease.organization_id else holders.get(lease.pk, ""),
        purchase_date=lease.commencement,
        purchase_price=paid,
        market_value_at_purchase=at_purchase,
        initial_subsidy=initial,
        recorded_subsidies=recorded,
        subsidies_staying=staying,
        formula_price=price,
        improvement_credits=priced.credits_total,
        market_value=market_value,
        market_value_date=market_date,
        market_value_source=source,
        subsidy_retained=market_value - price if market_value is not None and price is not None else None,
        problem=priced.problem,
        notes=priced.notes,
    )


def _check_program(program: str | None) -> str | None:
    if program is None or not program.strip():
        return None
    name = ResalePolicy.objects.filter(name__iexact=program.strip()).values_list("name", flat=True).first()
    if name is None:
        known = ", ".join(f"“{n}”" for n in ResalePolicy.objects.order_by("name").values_list("name", flat=True))
        raise ValidationError(
            {
                "program": [
                    _("No resale program named “%(name)s”. Programs: %(known)s.")
                    % {"name": program, "known": known or "—"}
                ]
            }
        )
    return name


def _chosen(as_of: dt.date, leases: QuerySet | None, program: str | None) -> QuerySet:
    """The leases in force on ``as_of`` (of ``program``, already checked), in the portfolio's order.

    The order is on stored columns only (program name, address, home number, id), so a page of rows is a
    slice of this queryset: valuing a page never needs the leases around it.
    """
    chosen = leases_in_force(as_of, leases)
    if program is not None:
        chosen = chosen.filter(template_version__resale_policy_version__policy__name=program)
    return chosen.order_by(
        F("template_version__resale_policy_version__policy__name").asc(nulls_last=True),
        "unit__address",
        "unit__unit_number",
        "pk",
    )


def _value_rows(
    chosen: QuerySet, as_of: dt.date, progress: Progress | None = None, *, holders: bool = True
) -> list[PortfolioRow]:
    """The rows of ``chosen``'s leases, valued on ``as_of``, in a fixed number of queries (``holders``:
    with the leaseholders' names; the sums do not need them). A lease whose inputs have not changed since
    it was last valued for the date is not valued again (``leases.resale.kept``)."""
    if progress is not None:
        progress("loading", 0, 1)
    with _batch():
        loaded = load_lease_facts(chosen)
        names = _holders(chosen) if holders else {}
        appraisals = _resale_appraisals(chosen, as_of)
        total = len(loaded)
        if progress is not None:
            progress("loading", 1, 1)
            progress("valuing", 0, total)

        kept = KeptValuations(as_of, loaded)
        valuer = Valuer()
        rows = []
        for index, lease in enumerate(loaded, start=1):
            key, priced = kept.get(lease)
            if priced is None:
                priced = priced_of(valuer.value(lease, as_of))
                kept.add(lease, key, priced)
            rows.append(_row(lease, priced, names, appraisals.get(lease.pk)))
            if progress is not None and (index % PROGRESS_EVERY == 0 or index == total):
                progress("valuing", index, total)
        kept.save()
    return rows


def resale_portfolio(
    *,
    as_of: dt.date,
    leases: QuerySet | None = None,
    program: str | None = None,
    progress: Progress | None = None,
) -> Portfolio:
    """Every lease of ``leases`` (default: all; pass ``GroundLease.objects.visible_to(user)``) in force on
    ``as_of``, valued; ``program`` (a policy's name, any case) keeps that program's leases only.

    A ``program`` that names no policy is a ``ValidationError`` on ``program``.
    """
    chosen = _chosen(as_of, leases, _check_program(program))
    return _summarise(as_of, _value_rows(chosen, as_of, progress))


# ---------------------------------------------------------------------------------------------
# A page of rows, with the totals of the whole portfolio (issue 15 §4)
# ---------------------------------------------------------------------------------------------

# Every model a row's figures are read from: the lease (dates, prices, appraisal, terms, status), its home
# (bedrooms), subsidies, completed improvements, the lease terms (their policy version), the policy (its
# name is the program), its versions (parameters, series), index series and values. Each keeps a history
# row of every change, its services' bulk writes included (``bulk_create_with_history``), so the latest
# history id of each changes whenever an input does. Saved determinations (an appraisal at resale) are
# never changed or deleted (``ResaleCalculation.save``), so their latest id is enough.
_STAMPED_MODELS = (
    GroundLease,
    Unit,
    LeaseSubsidy,
    CapitalImprovement,
    LeaseTemplateVersion,
    ResalePolicy,
    ResalePolicyVersion,
    IndexSeries,
    IndexValue,
)
KEPT_SUMMARIES = 50  # summaries kept under the current stamp (one a date asked for); older ones are deleted


def inputs_stamp() -> str:
    """The state of every input of the portfolio's figures, in one query: it changes when any input does."""
    return latest_ids([*history_columns(_STAMPED_MODELS), (ResaleCalculation._meta.db_table, "id")])


_FIGURES = (
    "purchase_price",
    "initial_subsidy",
    "recorded_subsidies",
    "subsidies_staying",
    "formula_price",
    "improvement_credits",
    "subsidy_retained",
    "initial_compared",
    "retained_compared",
)
_COUNTS = ("leases", "priced", "compared")


def _kept_summary(summary: ProgramSummary) -> dict[str, Any]:
    return {
        "program": summary.program,
        **{name: getattr(summary, name) for name in _COUNTS},
        **{name: str(getattr(summary, name)) for name in _FIGURES},
    }


def _unkept(data: dict[str, Any]) -> ProgramSummary:
    program = data["program"]
    return ProgramSummary(
        program=program,
        label=program or _("No resale policy"),
        **{name: data[name] for name in _COUNTS},
        **{name: Decimal(data[name]) for name in _FIGURES},
    )


def _whole_portfolio(leases: QuerySet | None) -> bool:
    """True for every lease: no queryset, or the manager's whole table (``visible_to`` a staff member)."""
    if leases is None:
        return True
    return leases.model is GroundLease and not leases.query.where and not leases.query.is_sliced


def _by_program(rows: list[PortfolioRow]) -> dict[str, list[int]]:
    order: dict[str, list[int]] = {}
    for row in rows:
        order.setdefault(row.program, []).append(row.lease_id)
    return order


def _kept(as_of: dt.date) -> tuple[list[ProgramSummary], dict[str, list[int]]]:
    """The whole portfolio's sums per program on ``as_of`` and, per program, its leases in the portfolio's
    order: kept ones if the inputs have not changed since, else valued now and kept.

    The sums need every lease's price: the formula, the caps (the affordability solver), the floor and the
    rounding are the engine's, per lease, in exact decimals, which no SQL aggregate reproduces. So the
    whole portfolio is valued once per date and state of the inputs (``inputs_stamp``) and its sums kept
    (``PortfolioSummary``). The order is kept with them (the leases in force, their programs' names and
    their homes' addresses are inputs too), so a page needs neither a count nor a sort of every lease.
    """
    # Read before the inputs: a change landing while they are valued makes a newer stamp, under which
    # these sums are never read.
    stamp = inputs_stamp()
    kept = PortfolioSummary.objects.filter(as_of=as_of, stamp=stamp).values_list("programs", "leases").first()
    if kept is not None:
        return [_unkept(data) for data in kept[0]], kept[1]
    rows = _value_rows(_chosen(as_of, None, None), as_of, holders=False)
    programs, order = _summarise(as_of, rows).programs, _by_program(rows)
    try:
        with transaction.atomic():
            PortfolioSummary.objects.exclude(stamp=stamp).delete()
            PortfolioSummary.objects.create(
                as_of=as_of, stamp=stamp, programs=[_kept_summary(s) for s in programs], leases=order
            )
            newest = PortfolioSummary.objects.order_by("-created", "-pk").values("pk")
            PortfolioSummary.objects.filter(pk__in=newest[KEPT_SUMMARIES:]).delete()
    except IntegrityError:
        pass  # another request kept the same sums first
    return programs, order


@dataclasses.dataclass(frozen=True)
class PortfolioIndex:
    """The leases in force on a date in the portfolio's order (``leases``: their ids, to paginate), with the
    sums of every program over all of them; ``rows`` values a page of them."""

    as_of: dt.date
    leases: Sequence[int]
    programs: list[ProgramSummary]
    total: ProgramSummary
    chosen: QuerySet

    def rows(self, page: Iterable[int]) -> list[PortfolioRow]:
        """The leases ``page`` names (ids from ``leases``), valued, in the portfolio's order."""
        return _value_rows(self.chosen.filter(pk__in=list(page)), self.as_of)


def portfolio_index(*, as_of: dt.date, leases: QuerySet | None = None, program: str | None = None) -> PortfolioIndex:
    """What a page of the portfolio needs (see ``PortfolioIndex``), with the sums ``resale_portfolio`` gives.

    The whole portfolio (no ``leases``, or a staff member's ``visible_to``) reads its sums and order kept
    for the date (``_kept``); a narrower set is valued each time. A ``program`` that names no policy is a
    ``ValidationError`` on ``program``.
    """
    name = _check_program(program)
    chosen = _chosen(as_of, leases, name)
    ids: Sequence[int]
    if _whole_portfolio(leases):
        summaries, order = _kept(as_of)
        programs = [s for s in summaries if name is None or s.program == name]
        ids = [pk for summary in programs for pk in order.get(summary.program, ())]
    else:
        programs = _summarise(as_of, _value_rows(chosen, as_of, holders=False)).programs
        ids = chosen.values_list("pk", flat=True)
    everything = ProgramSummary(program="", label=_("All programs"))
    for summary in programs:
        everything.merge(summary)
    return PortfolioIndex(as_of=as_of, leases=ids, programs=programs, total=everything, chosen=chosen)


@contextlib.contextmanager
def _batch() -> Iterator[None]:
    """No cyclic garbage collection while a batch is loaded and valued (about a sixth of the time).

    The batch builds tens of thousands of objects that all live until it ends, and the collector would
    walk them again and again to find no cycle; reference counting still frees everything short-lived.
    The collector is switched back on only if it was on (another thread's batch may still be running).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _summarise(as_of: dt.date, rows: list[PortfolioRow]) -> Portfolio:
    programs: dict[str, ProgramSummary] = {}
    everything = ProgramSummary(program="", label=_("All programs"))
    for row in rows:
        summary = programs.get(row.program)
        if summary is None:
            label = row.program or _("No resale policy")
            summary = programs[row.program] = ProgramSummary(program=row.program, label=label)
        summary.add(row)
        everything.add(row)
    # Rows come by program name with the leases without one last; the summaries follow the same order.
    ordered = sorted(programs.values(), key=lambda s: (s.program == "", s.program))
    return Portfolio(as_of=as_of, rows=rows, programs=ordered, total=everything)


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "lease_id",
    "address",
    "program",
    "program_version",
    "holders",
    "purchase_date",
    "purchase_price",
    "market_value_at_purchase",
    "initial_subsidy",
    "recorded_subsidies",
    "subsidies_staying_with_home",
    "as_of",
    "formula_price",
    "improvement_credits",
    "market_value",
    "market_value_date",
    "market_value_source",
    "subsidy_retained",
    "problem",
    "notes",
)


def _date_cell(day: dt.date | None) -> str:
    return "" if day is None else day.isoformat()


def _cell(value: Any) -> Any:
    return "" if value is None else value


# The first characters ``clt.csvexport`` guards (a spreadsheet would run the cell as a formula).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return guard_formula(value) if value.startswith(_FORMULA_STARTS) else value


def csv_record(row: PortfolioRow, as_of: dt.date | str) -> list[Any]:
    """One row as CSV fields, in ``CSV_COLUMNS`` order (money as plain dollars and cents, dates ISO), its
    text already guarded against spreadsheet formulas (write it with ``guard_formulas=False``).

    The cells are what ``cell_text`` and the guard make of them: numbers go to the writer as they are (it
    writes their ``str``, as ``cell_text`` does, and the guard leaves numbers alone), so only the cells
    people type (address, program, holders, the reasons) go through the guard; 20 calls a row fewer
    over 50,000 rows is a quarter of the time writing the file.
    """
    return [
        row.lease_id,
        _text(row.address),
        _text(row.program),
        _cell(row.program_version),
        _text(row.holders),
        _date_cell(row.purchase_date),
        _cell(row.purchase_price),
        _cell(row.market_value_at_purchase),
        _cell(row.initial_subsidy),
        row.recorded_subsidies,
        row.subsidies_staying,
        as_of if isinstance(as_of, str) else as_of.isoformat(),
        _cell(row.formula_price),
        _cell(row.improvement_credits),
        _cell(row.market_value),
        _date_cell(row.market_value_date),
        row.market_value_source,
        _cell(row.subsidy_retained),
        _text(row.problem),
        _text(" ".join(row.notes)),
    ]


def csv_records(portfolio: Portfolio) -> Iterator[list[Any]]:
    """Every row as CSV fields, under ``CSV_COLUMNS``: what the command writes and the API streams (both
    with ``guard_formulas=False``: ``csv_record`` has guarded the text)."""
    as_of = portfolio.as_of.isoformat()
    return (csv_record(row, as_of) for row in portfolio.rows)


def write_csv(portfolio: Portfolio, stream: Any) -> None:
    """The CSV, header first, to a text stream (a file opened with ``newline=""``, or stdout)."""
    stream.writelines(csv_lines(csv_records(portfolio), header=CSV_COLUMNS, guard_formulas=False))


def summary_lines(portfolio: Portfolio) -> Iterable[str]:
    """The per-program summary in words, a line each (the command writes it to stderr)."""
    for summary in [*portfolio.programs, portfolio.total]:
        ratio = summary.retention_ratio
        yield _(
            "%(label)s: %(leases)s leases, %(priced)s priced, %(not_priced)s not priced; "
            "formula prices %(price)s; initial subsidy %(initial)s; subsidy retained %(retained)s; "
            "retention ratio %(ratio)s"
        ) % {
            "label": summary.label,
            "leases": f"{summary.leases:,}",
            "priced": f"{summary.priced:,}",
            "not_priced": f"{summary.not_priced:,}",
            "price": f"{summary.formula_price:,}",
            "initial": f"{summary.initial_subsidy:,}",
            "retained": f"{summary.subsidy_retained:,}",
            "ratio": ratio if ratio is not None else "—",
        }
