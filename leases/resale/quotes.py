"""Resale quotes: a lease, one or several policies and the inputs in; the engine's explanations out.

Stateless: nothing is stored (a saved determination is a ``ResaleCalculation``). This module is the glue
between what a client asks for, the rows it names and the pure engine (``leases/resale.py``); it knows
nothing of HTTP. It raises Django's ``ValidationError`` with dotted field names that point into the
request (``inputs.purchase_price``, ``policies[1].parameters.formula.rate``, ``index_series.cpi``) and
``PermissionDenied`` for what the user's role does not allow. Finding the lease (404 for one the user may
not see) is the caller's: ``quotable_leases(user)`` is the queryset to look in.

How a lease fills the inputs (``lease_inputs``; the improvements in ``quote``, as they depend on the
determination date). Anything in the request's ``inputs`` replaces the lease's value for that field,
whole (an ``initial_appraisal`` given replaces the lease's appraisal)::

    purchase_price       ← GroundLease.purchase_price (what the current owner paid for the home)
    purchase_date        ← GroundLease.commencement (the lease starts at the purchase closing)
    initial_appraisal    ← appraised_value (total), appraised_land_value (land),
                           appraised_improvements_value (improvements), appraisal_date (effective date);
                           left out when the lease records no appraised figure
    bedrooms             ← the home's (Unit.bedrooms): sizes the household of the §2.9 solver
    capital_improvements ← the lease's improvements completed by the determination date, as
                           ``resale_selectors.improvement_credit_items`` values them (maintenance included: the
                           engine lists it and says why it earns nothing)
    retained_subsidy     ← the lease's subsidies that stay with the home (LeaseSubsidy.stays_with_home):
                           kept out of the net proceeds of the itemized fair return (§2.8, §3.2)
    investment_basis     ← purchase price less every subsidy of the lease (the Investment Basis exhibit,
                           CHT-NC §2.10); left out when the lease has no subsidy or the difference is
                           not positive (the engine then asks for it only if a policy grows on it)

Not filled from rows, so given in ``inputs`` when a policy needs them: the resale appraisal, liens (a
permitted mortgage records the amount lent, not the payoff on the determination date), closing costs,
arrears, fees and the itemized formula's principal paid, down payment and purchase closing costs.

Index values: ``index_series`` names a stored series for AMI and/or CPI; a kind it leaves out defaults to
the series the first stored policy version that names one reads (``ResalePolicyVersion.cpi_series`` and
``ami_series``). The value in effect on the purchase date and on the determination date fills ``ami_at_*``
/ ``cpi_at_*`` unless ``inputs`` gives them. Only the values some requested policy reads are looked up,
so a month missing from a series cannot fail a quote that does not use it; a value that is missing for a
date it does read is a 400 on ``index_series.<kind>`` naming the series.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from clt import clock, roles
from clt.formats import date_text
from leases.lifecycle.models import GroundLease, LeaseSubsidy
from leases.resale import codec as resale_codec
from leases.resale import engine as resale
from leases.resale import selectors as resale_selectors
from leases.resale.models import IndexKind, IndexSeries, PolicyStatus, ResalePolicyVersion
from leases.resale.reasons import reason_text

__all__ = [
    "INDEX_KINDS",
    "IndexUse",
    "PolicyRequest",
    "Quote",
    "QuoteSet",
    "index_fields",
    "lease_input_values",
    "lease_inputs",
    "quotable_leases",
    "quote",
    "quote_set_to_dict",
]

ZERO = Decimal("0")

# The request's ``index_series`` keys, the inputs each fills, and the series kinds that may fill them
# (an income limit by household size is not a median: the §2.9 solver applies the size factor itself).
INDEX_KINDS: dict[str, tuple[tuple[str, str], frozenset[str]]] = {
    "ami": (("ami_at_purchase", "ami_at_determination"), frozenset({IndexKind.MEDIAN_INCOME, IndexKind.OTHER})),
    "cpi": (("cpi_at_purchase", "cpi_at_determination"), frozenset({IndexKind.CPI, IndexKind.OTHER})),
}
_INPUT_FIELDS = frozenset(f.name for f in dataclasses.fields(resale.ResaleInputs))
_ROOT = re.compile(r"[.\[]")


@dataclasses.dataclass(frozen=True)
class PolicyRequest:
    """One policy the client asks for: a stored version (by id) or inline codec parameters."""

    version: int | None = None
    parameters: Mapping[str, Any] | None = None
    label: str = ""


@dataclasses.dataclass(frozen=True)
class IndexUse:
    """An index value a quote's formula read: which input, its value and where it came from."""

    field: str
    series: str
    on: dt.date
    effective_from: dt.date | None
    value: Decimal
    source: str  # "index_series" (looked up here) or "inputs" (given by the client)


@dataclasses.dataclass(frozen=True)
class Quote:
    """One policy's result for the home."""

    label: str
    version: ResalePolicyVersion | None
    result: resale.ResaleResult
    index_values_used: tuple[IndexUse, ...]


@dataclasses.dataclass(frozen=True)
class QuoteSet:
    """Every requested policy's quote, side by side, over the same inputs (``inputs``: what was used)."""

    quotes: tuple[Quote, ...]
    inputs: resale.ResaleInputs


@dataclasses.dataclass(frozen=True)
class _Chosen:
    path: str  # "policies[1]": where the policy sits in the request, for error fields
    label: str
    version: ResalePolicyVersion | None
    policy: resale.ResalePolicy


# ---------------------------------------------------------------------------------------------
# Rows → inputs
# ---------------------------------------------------------------------------------------------


def quotable_leases(user: Any) -> QuerySet:
    """The leases ``user`` may quote (staff: every lease; a homeowner: their own), with what a quote reads."""
    return (
        GroundLease.objects.visible_to(user)
        .select_related("unit", "template_version__resale_policy_version__policy")
        .prefetch_related(Prefetch("subsidies", queryset=LeaseSubsidy.objects.order_by("pk")))
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def lease_input_values(lease: GroundLease, subsidies: Sequence[LeaseSubsidy] | None = None) -> dict[str, Any]:
    """The engine's input values (``resale.ResaleInputs`` fields, typed) a lease's rows supply; see the module doc.

    ``lease_inputs`` is the same values as codec JSON. Valuing thousands of leases (``leases/valuation.py``)
    builds the engine's inputs from these directly: the rows' values are already Decimals and dates, so
    decoding their JSON would only check types that cannot be wrong. ``subsidies``: the lease's, when the
    caller has already read them (default: ``lease.subsidies.all()``).
    """
    values: dict[str, Any] = {}
    if lease.purchase_price is not None:
        values["purchase_price"] = lease.purchase_price
    if lease.commencement is not None:
        values["purchase_date"] = lease.commencement
    figures = (lease.appraised_value, lease.appraised_land_value, lease.appraised_improvements_value)
    if any(v is not None for v in figures):
        values["initial_appraisal"] = resale.Appraisal(
            total=figures[0], land=figures[1], improvements=figures[2], effective_date=lease.appraisal_date
        )
    if lease.unit.bedrooms is not None:
        values["bedrooms"] = lease.unit.bedrooms
    subsidies = list(lease.subsidies.all()) if subsidies is None else subsidies
    if subsidies:
        values["retained_subsidy"] = sum((s.amount for s in subsidies if s.stays_with_home), ZERO)
        if lease.purchase_price is not None:
            basis = lease.purchase_price - sum((s.amount for s in subsidies), ZERO)
            if basis > 0:
                values["investment_basis"] = basis
    return values


def lease_inputs(lease: GroundLease) -> dict[str, Any]:
    """The codec inputs (``resale_codec.inputs_from_dict``'s JSON) a lease's rows supply; see the module doc.

    Fields the lease does not record are left out, so the request may supply them (or the codec and the
    engine say which one is missing).
    """
    data: dict[str, Any] = {}
    for name, value in lease_input_values(lease).items():
        if isinstance(value, resale.Appraisal):
            data[name] = {
                "total": _text(value.total),
                "land": _text(value.land),
                "improvements": _text(value.improvements),
                "effective_date": value.effective_date.isoformat() if value.effective_date else None,
            }
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        elif isinstance(value, Decimal):
            data[name] = str(value)
        else:
            data[name] = value
    return data


# ---------------------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------------------


def index_fields(policy: resale.ResalePolicy) -> frozenset[str]:
    """The index inputs (``cpi_at_purchase``, ``ami_at_determination``, …) a policy's formula and caps read."""

    def of(formula: Any) -> set[str]:
        match formula:
            case resale.CpiIndexed():
                return {"cpi_at_purchase", "cpi_at_determination"}
            case resale.AmiIndexed():
                return {"ami_at_purchase", "ami_at_determination"}
            case resale.MortgageBased():
                return {"ami_at_determination"}  # the income a buyer has now, not at purchase
            case resale.LesserOf():
                return set().union(*(of(inner) for inner in formula.formulas))
        return set()

    fields = of(policy.formula)
    if any(isinstance(cap, resale.AffordabilityCap) for cap in policy.caps):
        fields.add("ami_at_determination")
    return frozenset(fields)


def _decode_policy(parameters: Any, path: str) -> resale.ResalePolicy:
    try:
        return resale.check_policy(resale_codec.policy_from_dict(parameters, path=path))
    except resale.ResaleInputError as error:
        # The codec already prefixed its own paths; the engine's range checks name the field bare.
        field = error.field if error.field.startswith(path) else f"{path}.{error.field}"
        raise ValidationError({field: [reason_text(error)]}) from None


def _stored_policy(version: ResalePolicyVersion, path: str) -> resale.ResalePolicy:
    try:
        return resale.check_policy(resale_codec.policy_from_dict(version.parameters))
    except resale.ResaleInputError as error:
        # Checked when stored, so only an engine change can make a stored policy unreadable.
        raise ValidationError(
            {
                f"{path}.version": [
                    _("The stored parameters no longer read: %(field)s: %(error)s")
                    % {"field": error.field, "error": reason_text(error)}
                ]
            }
        ) from None


def _choose_policies(user: Any, lease: GroundLease | None, requested: Sequence[PolicyRequest]) -> list[_Chosen]:
    staff = roles.is_staff_member(user)
    pinned = lease.template_version.resale_policy_version if lease is not None else None
    if not requested:
        if lease is None:
            raise ValidationError({"policies": [_("Name at least one policy: a stored version or parameters.")]})
        if pinned is None:
            raise ValidationError({"policies": [_("The lease's terms name no resale policy: name one in “policies”.")]})
        requested = [PolicyRequest(version=pinned.pk)]

    if not staff and any(r.parameters is not None for r in requested):
        raise PermissionDenied(_("Only staff quote with policy parameters of their own."))
    wanted = {r.version for r in requested if r.version is not None}
    stored = {
        v.pk: v
        for v in ResalePolicyVersion.objects.select_related("policy", "cpi_series", "ami_series").filter(pk__in=wanted)
    }

    chosen = []
    for i, request in enumerate(requested):
        path = f"policies[{i}]"
        if request.version is not None and request.parameters is not None:
            raise ValidationError({path: [_("Give either “version” or “parameters”, not both.")]})
        if request.version is None and request.parameters is None:
            raise ValidationError({path: [_("Give “version” (a stored policy) or “parameters”.")]})
        if request.parameters is not None:
            policy = _decode_policy(request.parameters, f"{path}.parameters")
            label = request.label or _("Proposed policy %(n)s") % {"n": i + 1}
            chosen.append(_Chosen(path, label, None, policy))
            continue
        version = stored.get(request.version)
        # A homeowner quotes only the version their lease's terms name; any other is "not found" to them.
        if version is None or (not staff and (pinned is None or version.pk != pinned.pk)):
            message = _("No resale policy version %(id)s that you may quote.") % {"id": request.version}
            raise ValidationError({f"{path}.version": [message]})
        if not staff and version.status != PolicyStatus.APPROVED:
            raise ValidationError(
                {
                    f"{path}.version": [
                        _("Your lease's resale policy is not approved (or no longer in force); ask the trust.")
                    ]
                }
            )
        chosen.append(_Chosen(path, request.label or str(version), version, _stored_policy(version, path)))
    return chosen


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


def _merged_inputs(
    lease: GroundLease | None, given: Mapping[str, Any] | None, determination_date: dt.date | None
) -> tuple[dict[str, Any], str]:
    """The lease's inputs overridden by the request's, and the field the determination date came from."""
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise ValidationError({"inputs": [_("Must be an object of resale inputs.")]})
    data = {**(lease_inputs(lease) if lease is not None else {}), **given}
    if lease is not None:
        for name, what in (("purchase_price", _("purchase price")), ("purchase_date", _("commencement date"))):
            if data.get(name) is None:
                raise ValidationError(
                    {f"inputs.{name}": [_("The lease records no %(what)s: give it here.") % {"what": what}]}
                )
    if "determination_date" in given:
        source = "inputs.determination_date"
        if determination_date is not None and given["determination_date"] != determination_date.isoformat():
            raise ValidationError({source: [_("Differs from “determination_date”: give the date once.")]})
    else:
        source = "determination_date"
        data["determination_date"] = (determination_date or clock.today()).isoformat()
    return data, source


def _series(codes: Mapping[str, str]) -> dict[str, IndexSeries]:
    """The named series by kind ("ami", "cpi"), each checked to be the kind of figure it will stand for."""
    unknown = sorted(set(codes) - set(INDEX_KINDS))
    if unknown:
        raise ValidationError({f"index_series.{unknown[0]}": [_("Not an index kind: use “ami” or “cpi”.")]})
    rows = {s.code: s for s in IndexSeries.objects.filter(code__in=set(codes.values()))}
    found = {}
    for kind, code in codes.items():
        series = rows.get(code)
        if series is None:
            raise ValidationError({f"index_series.{kind}": [_("No index series “%(code)s”.") % {"code": code}]})
        if series.kind not in INDEX_KINDS[kind][1]:
            raise ValidationError(
                {
                    f"index_series.{kind}": [
                        _("“%(code)s” is a series of %(what)s, which cannot stand for %(kind)s.")
                        % {"code": code, "what": series.get_kind_display().lower(), "kind": kind.upper()}
                    ]
                }
            )
        found[kind] = series
    return found


def _series_codes(chosen: Sequence[_Chosen], given: Mapping[str, str] | None) -> dict[str, str]:
    """The series the request names, else those the first stored version naming one reads."""
    codes = dict(given or {})
    for choice in chosen:
        if choice.version is None:
            continue
        for kind, field in (("cpi", "cpi_series"), ("ami", "ami_series")):
            named = getattr(choice.version, field)
            if named is not None:
                codes.setdefault(kind, named.code)
    return codes


def _fill_indexes(
    inputs: resale.ResaleInputs, needed: frozenset[str], series: Mapping[str, IndexSeries]
) -> tuple[resale.ResaleInputs, dict[str, str]]:
    """Inputs with the needed index values looked up; and, by input field, the kind whose series filled it."""
    values: dict[str, resale.IndexValue] = {}
    filled: dict[str, str] = {}
    for kind, (fields, _kinds) in INDEX_KINDS.items():
        if kind not in series:
            continue
        for field in fields:
            if field not in needed or getattr(inputs, field) is not None:
                continue
            on = inputs.purchase_date if field.endswith("_purchase") else inputs.determination_date
            try:
                values[field] = resale_selectors.index_value_in_effect(series[kind], on)
            except ValidationError as error:
                messages = [m for ms in error.message_dict.values() for m in ms]
                raise ValidationError({f"index_series.{kind}": messages}) from None
            filled[field] = kind
    return dataclasses.replace(inputs, **values), filled


def _engine_error(
    error: resale.ResaleInputError, choice: _Chosen, series: Mapping[str, IndexSeries]
) -> ValidationError:
    """The engine's error pointed into the request: at the inputs, the inline parameters or the stored version."""
    reason = reason_text(error)
    if _ROOT.split(error.field, maxsplit=1)[0] in _INPUT_FIELDS:
        kind = next((k for k, (fields, _kinds) in INDEX_KINDS.items() if error.field in fields), None)
        if kind is not None and kind not in series:
            reason += " " + _("(give it in inputs, or name a series in index_series.%(kind)s)") % {"kind": kind}
        return ValidationError({f"inputs.{error.field}": [reason]})
    if choice.version is None:
        return ValidationError({f"{choice.path}.parameters.{error.field}": [reason]})
    # A stored version's parameter (an administered-rate table without this year's rate, say).
    return ValidationError({f"{choice.path}.version": [f"parameters.{error.field}: {reason}"]})


# ---------------------------------------------------------------------------------------------
# The quote
# ---------------------------------------------------------------------------------------------


def quote(
    *,
    user: Any,
    lease: GroundLease | None = None,
    policies: Sequence[PolicyRequest] = (),
    inputs: Mapping[str, Any] | None = None,
    determination_date: dt.date | None = None,
    index_series: Mapping[str, str] | None = None,
) -> QuoteSet:
    """The resale price of one home under each requested policy, with every input used.

    ``lease`` must come from ``quotable_leases(user)``. Staff may quote without a lease (every input
    given), any stored version and inline parameters; anyone else only their own lease and the policy
    version its terms name (``PermissionDenied`` otherwise). ``determination_date`` defaults to today.
    """
    staff = roles.is_staff_member(user)
    if not staff and not roles.is_homeowner(user):
        raise PermissionDenied(_("Only staff and leaseholders quote resale prices."))
    if not staff and lease is None:
        raise PermissionDenied(_("A leaseholder quotes their own lease: name it in “lease”."))

    data, determination_field = _merged_inputs(lease, inputs, determination_date)
    chosen = _choose_policies(user, lease, policies)
    try:
        decoded = resale_codec.inputs_from_dict(data, path="inputs")
    except resale.ResaleInputError as error:
        field = determination_field if error.field == "inputs.determination_date" else error.field
        raise ValidationError({field: [reason_text(error)]}) from None
    # Checked before any series is read, so the answer names the dates, not a series' first value.
    if decoded.determination_date < decoded.purchase_date:
        raise ValidationError(
            {
                determination_field: [
                    _("Is before the purchase date (%(date)s).") % {"date": date_text(decoded.purchase_date)}
                ]
            }
        )

    if lease is not None and "capital_improvements" not in (inputs or {}):
        items = resale_selectors.improvement_credit_items(lease, on=decoded.determination_date)
        decoded = dataclasses.replace(decoded, capital_improvements=tuple(items))

    needed = frozenset().union(*(index_fields(c.policy) for c in chosen))
    series = _series(_series_codes(chosen, index_series))
    decoded, filled = _fill_indexes(decoded, needed, series)

    quotes = []
    for choice in chosen:
        try:
            result = resale.compute_resale(choice.policy, decoded)
        except resale.ResaleInputError as error:
            raise _engine_error(error, choice, series) from None
        used = []
        for field in sorted(index_fields(choice.policy)):
            value: resale.IndexValue | None = getattr(decoded, field)
            if value is None:
                continue
            on = decoded.purchase_date if field.endswith("_purchase") else decoded.determination_date
            source = "index_series" if field in filled else "inputs"
            used.append(IndexUse(field, value.series, on, value.effective_from, value.value, source))
        quotes.append(Quote(choice.label, choice.version, result, tuple(used)))
    return QuoteSet(tuple(quotes), decoded)


def quote_set_to_dict(found: QuoteSet) -> dict[str, Any]:
    """The quotes as JSON-compatible data: each result in the codec's shape, and the inputs used."""
    return {
        "quotes": [
            {
                "label": q.label,
                "policy": {
                    "version": q.version.pk if q.version else None,
                    "name": q.version.policy.name if q.version else None,
                    "number": q.version.version if q.version else None,
                    "status": q.version.status if q.version else None,
                },
                "result": resale_codec.result_to_dict(q.result),
                "index_values_used": [
                    {
                        "field": use.field,
                        "series": use.series,
                        "on": use.on.isoformat(),
                        "effective_from": use.effective_from.isoformat() if use.effective_from else None,
                        "value": str(use.value),
                        "source": use.source,
                    }
                    for use in q.index_values_used
                ],
            }
            for q in found.quotes
        ],
        "inputs": resale_codec.inputs_to_dict(found.inputs),
    }
