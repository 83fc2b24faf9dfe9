"""Services of membership: applications, approvals, dues, the trust's settings.

Each takes the acting user and a reason (keyword-only), runs in one transaction, validates with
``full_clean()``, stamps the history with who and why, and raises ``ValidationError`` naming the field
when the change is not allowed (nothing is written). Lessee membership has no service: it follows the
leases (``governance.membership.selectors``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clt import clock, roles
from clt.formats import date_text
from clt.history import require_reason, save_stamped
from clt.models import Person
from governance.membership import eligibility
from governance.membership.models import DuesPayment, GovernanceSettings, Membership, MembershipStatus
from properties.geometry import GeometryError, parse_parcel_geometry, to_geojson

__all__ = [
    "APPLICANT_FIELDS",
    "SETTINGS_FIELDS",
    "dues_record",
    "dues_waive",
    "governance_settings_update",
    "membership_apply",
    "membership_approve",
    "membership_end",
    "membership_refuse",
    "service_area_validate",
]

# What an applicant may give about themself; staff may also set the rest (waiver, notes).
APPLICANT_FIELDS = (
    "kind",
    "birth_date",
    "residence_address",
    "longitude",
    "latitude",
    "resident_since",
    "statement_of_support",
)
STAFF_FIELDS = ("dues_waived", "waiver_reason", "notes")
SETTINGS_FIELDS = tuple(
    f.name for f in GovernanceSettings._meta.concrete_fields if f.name not in ("id", "created", "last_updated")
)
CLOSED = (MembershipStatus.REFUSED, MembershipStatus.RESIGNED, MembershipStatus.ENDED)


_require_reason = require_reason


_save = save_stamped


def _locked(membership: Membership) -> Membership:
    return Membership.objects.select_for_update().get(pk=membership.pk)


@transaction.atomic
def membership_apply(
    *, person: Person, actor: Any, reason: str = "", applied_on: dt.date | None = None, **fields: Any
) -> Membership:
    """Apply for general or supporting membership: by staff on a person's behalf, or by the person themself.

    Approved at once when the bylaws need no application (``requires_application`` off). A person whose
    earlier membership was refused or ended applies again on the same record (its history keeps the past).
    """
    staff = actor is None or roles.is_staff_member(actor)
    own = actor is not None and getattr(actor, "is_authenticated", False) and person.user_id == actor.pk
    if not (staff or own):
        raise PermissionDenied(_("Only staff may apply on someone else's behalf."))
    allowed = APPLICANT_FIELDS + (STAFF_FIELDS if staff else ())
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in unknown})
    applied_on = applied_on or clock.today()
    if applied_on > clock.today():
        raise ValidationError({"applied_on": [_("%(date)s is in the future.") % {"date": date_text(applied_on)}]})

    membership = Membership.objects.select_for_update().filter(person=person).first()
    if membership is not None and membership.status not in CLOSED:
        raise ValidationError({"person": [_("%(person)s already has a membership.") % {"person": person}]})
    membership = membership or Membership(person=person)
    membership.status = MembershipStatus.APPLIED
    membership.applied_on = applied_on
    membership.approved_on = None
    membership.ended_on = None
    for name, value in fields.items():
        setattr(membership, name, value)
    settings = GovernanceSettings.current()
    if not settings.requires_application:
        membership.status = MembershipStatus.ACTIVE
        membership.approved_on = applied_on
    return _save(membership, actor=actor, reason=reason or _("Membership application"))


@transaction.atomic
def membership_approve(
    *, membership: Membership, actor: Any, reason: str = "", approved_on: dt.date | None = None
) -> Membership:
    membership = _locked(membership)
    if membership.status != MembershipStatus.APPLIED:
        raise ValidationError({"status": [_("Only an application can be approved.")]})
    approved_on = approved_on or clock.today()
    if approved_on < membership.applied_on:
        raise ValidationError({"approved_on": [_("Approval cannot come before the application.")]})
    membership.status = MembershipStatus.ACTIVE
    membership.approved_on = approved_on
    return _save(membership, actor=actor, reason=reason or _("Membership approved"))


@transaction.atomic
def membership_refuse(*, membership: Membership, actor: Any, reason: str) -> Membership:
    reason = _require_reason(reason)
    membership = _locked(membership)
    if membership.status != MembershipStatus.APPLIED:
        raise ValidationError({"status": [_("Only an application can be refused.")]})
    membership.status = MembershipStatus.REFUSED
    return _save(membership, actor=actor, reason=reason)


@transaction.atomic
def membership_end(
    *,
    membership: Membership,
    actor: Any,
    reason: str,
    ended_on: dt.date | None = None,
    status: str = MembershipStatus.RESIGNED,
) -> Membership:
    """End a membership: the member resigned, or it ended (lapsed, expelled under the bylaws). A member until
    ``ended_on`` (exclusive)."""
    reason = _require_reason(reason)
    if status not in (MembershipStatus.RESIGNED, MembershipStatus.ENDED):
        raise ValidationError({"status": [_("A membership ends as resigned or ended.")]})
    membership = _locked(membership)
    if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.APPLIED):
        raise ValidationError({"status": [_("This membership has already ended.")]})
    ended_on = ended_on or clock.today()
    if ended_on < (membership.approved_on or membership.applied_on):
        raise ValidationError({"ended_on": [_("A membership cannot end before it began.")]})
    membership.status = status
    membership.ended_on = ended_on
    return _save(membership, actor=actor, reason=reason)


@transaction.atomic
def dues_record(
    *,
    membership: Membership,
    amount: Decimal,
    actor: Any,
    reason: str = "",
    paid_on: dt.date | None = None,
    period_start: dt.date | None = None,
    method: str = "",
    reference: str = "",
) -> DuesPayment:
    """Record dues paid for a period: the calendar year of ``period_start`` (default: the payment date), or
    twelve months from it, per the trust's ``dues_period``. At least the yearly dues; one payment a period."""
    membership = _locked(membership)
    if membership.status in CLOSED:
        raise ValidationError({"membership": [_("This membership is not open: no dues are taken.")]})
    try:
        amount = Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"amount": [_("Give the amount as a number.")]}) from exc
    settings = GovernanceSettings.current()
    if amount < settings.dues_amount:
        raise ValidationError(
            {
                "amount": [
                    _("The yearly dues are %(dues)s; %(amount)s is less.")
                    % {"dues": settings.dues_amount, "amount": amount}
                ]
            }
        )
    paid_on = paid_on or clock.today()
    if paid_on > clock.today():
        raise ValidationError({"paid_on": [_("%(date)s is in the future.") % {"date": date_text(paid_on)}]})
    start, end = eligibility.dues_period_for(period_start or paid_on, settings.dues_period)
    if membership.dues.filter(period_start__lte=end, period_end__gte=start).exists():
        raise ValidationError(
            {"period_start": [_("Dues for %(start)s to %(end)s are already paid.") % {"start": start, "end": end}]}
        )
    payment = DuesPayment(
        membership=membership,
        period_start=start,
        period_end=end,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference,
    )
    return _save(payment, actor=actor, reason=reason or _("Dues paid"))


@transaction.atomic
def dues_waive(
    *, membership: Membership, actor: Any, reason: str, waived: bool = True, waiver_reason: str = ""
) -> Membership:
    """Waive a member's dues (hardship: no one is excluded for lack of funds), or lift the waiver."""
    reason = _require_reason(reason)
    membership = _locked(membership)
    if waived and not waiver_reason.strip():
        raise ValidationError({"waiver_reason": [_("Say why the dues are waived.")]})
    membership.dues_waived = waived
    membership.waiver_reason = waiver_reason.strip() if waived else ""
    return _save(membership, actor=actor, reason=reason)


def service_area_validate(value: Any) -> dict[str, Any] | None:
    """A valid GeoJSON Polygon or MultiPolygon in WGS84 lon/lat, oriented (RFC 7946); ``None`` clears it.

    Accepts a bare geometry, a Feature, or a FeatureCollection of one feature.
    """
    if value in (None, "", {}):
        return None
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        features = value.get("features") or []
        if len(features) != 1:
            raise ValidationError({"service_area": [_("Give one feature: the service area.")]})
        value = features[0]
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError({"service_area": [_("The service area must be a GeoJSON Polygon or MultiPolygon.")]})
    try:
        geom = parse_parcel_geometry(value)
    except GeometryError as exc:
        raise ValidationError({"service_area": [str(p) for p in exc.problems]}) from exc
    return to_geojson(geom)


@transaction.atomic
def governance_settings_update(*, actor: Any, reason: str, **fields: Any) -> GovernanceSettings:
    """Change the trust's membership rules (R2-R5); the service area is validated with shapely."""
    reason = _require_reason(reason)
    unknown = sorted(set(fields) - set(SETTINGS_FIELDS))
    if unknown:
        raise ValidationError({name: [_("Not a governance setting.")] for name in unknown})
    settings = GovernanceSettings.current()
    settings = GovernanceSettings.objects.select_for_update().get(pk=settings.pk)
    if "service_area" in fields:
        fields["service_area"] = service_area_validate(fields["service_area"])
    for name, value in fields.items():
        setattr(settings, name, value)
    return _save(settings, actor=actor, reason=reason)
