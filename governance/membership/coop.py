"""Housing co-ops on the trust's land: their certified resident lists, and the votes their leases carry.

A ground lease held by an organisation names no person, so by itself it makes no leaseholder member. Under
the trust's ``coop_residents`` setting the co-op's residents become leaseholder members, read from the list
the co-op certified last on or before the date. The rule is pure (``eligibility.coop_decisions``); this
module gathers the facts in a fixed number of queries and records new lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clt import clock, roles
from clt.formats import date_text
from clt.history import require_reason, save_stamped
from clt.models import Organization, OrganizationKind, Person
from governance.membership import eligibility as el
from governance.membership.in_force import in_force_q
from governance.membership.models import CoopResident, CoopResidentList, CoopResidents, GovernanceSettings
from leases.lifecycle.models import GroundLease, Household

__all__ = [
    "CoopRow",
    "CoopVotes",
    "coop_decisions_on",
    "coop_list_certify",
    "coop_rows",
    "coop_votes_of",
]


def _coop_leases(on: dt.date, organizations: Sequence[int] | None = None) -> dict[int, int]:
    """Each co-op organisation holding a ground lease in force on ``on``: its lowest lease id. One query."""
    rows = GroundLease.objects.filter(
        in_force_q(on), organization__isnull=False, organization__kind=OrganizationKind.HOUSING_COOPERATIVE
    )
    if organizations is not None:
        rows = rows.filter(organization_id__in=list(organizations))
    leases: dict[int, int] = {}
    for organization_id, lease_id in rows.order_by("pk").values_list("organization_id", "pk"):
        leases.setdefault(organization_id, lease_id)
    return leases


def _lists(organizations: Iterable[int], on: dt.date | None) -> list[el.CoopList]:
    """The co-ops' certified lists (those certified on or before ``on``), with their entries. Two queries."""
    heads = CoopResidentList.objects.filter(organization_id__in=list(organizations))
    if on is not None:
        heads = heads.filter(certified_on__lte=on)
    found = list(heads.values_list("pk", "organization_id", "certified_on"))
    entries: dict[int, list[el.CoopEntry]] = {pk: [] for pk, _o, _d in found}
    if found:
        for list_id, person_id, household_id, delegate in (
            CoopResident.objects.filter(resident_list_id__in=list(entries))
            .order_by("pk")
            .values_list("resident_list_id", "person_id", "household_id", "delegate")
        ):
            entries[list_id].append(el.CoopEntry(person_id, household_id, delegate))
    return [el.CoopList(pk, org, day, tuple(entries[pk])) for pk, org, day in found]


def coop_decisions_on(on: dt.date, setting: str) -> dict[int, el.Decision]:
    """Who the co-ops' leases make leaseholder members on ``on`` (by person); no query when the setting is none."""
    if setting not in (CoopResidents.DELEGATES, CoopResidents.HOUSEHOLDS):
        return {}
    leases = _coop_leases(on)
    if not leases:
        return {}
    return el.coop_decisions(setting, leases, _lists(leases, on), on)


@dataclass(frozen=True)
class CoopVotes:
    """What a co-op carries on a date: the setting in force, its lease, its list in force and its votes."""

    setting: str
    setting_label: str
    lease_id: int | None
    list_in_force: CoopResidentList | None
    votes: int


def coop_votes_of(organization: Organization, on: dt.date | None = None) -> CoopVotes:
    """The votes a co-op's lease carries on ``on`` (default today) under the setting in force."""
    on = on or clock.today()
    settings = GovernanceSettings.current()
    leases = _coop_leases(on, [organization.pk])
    lists = _lists([organization.pk], on)
    current = el.coop_list_in_force(lists, organization.pk, on)
    decisions = el.coop_decisions(settings.coop_residents, leases, lists, on)
    lease_id = leases.get(organization.pk)
    votes = el.coop_votes(decisions, lease_id) if lease_id is not None else 0
    in_force = CoopResidentList.objects.get(pk=current.list_id) if current is not None else None
    return CoopVotes(settings.coop_residents, settings.get_coop_residents_display(), lease_id, in_force, votes)


@transaction.atomic
def coop_list_certify(
    *,
    actor: Any,
    reason: str,
    organization: Organization,
    certified_on: dt.date,
    certifier_name: str,
    certifier_role: str,
    residents: Sequence[tuple[Person, Household | None, bool]],
    notes: str = "",
) -> CoopResidentList:
    """Record a resident list the co-op certified: who certified it (name, role at the co-op), when, and its
    residents as (person, household or None, designated delegate). Staff only; the earlier lists are kept."""
    if not roles.is_staff_member(actor):
        raise PermissionDenied(_("Only staff record a co-op's certified list."))
    reason = require_reason(reason)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.kind != OrganizationKind.HOUSING_COOPERATIVE:
        raise ValidationError({"organization": [_("Only a housing co-op certifies a resident list.")]})
    if certified_on > clock.today():
        raise ValidationError({"certified_on": [_("%(date)s is in the future.") % {"date": date_text(certified_on)}]})
    if not residents:
        raise ValidationError({"residents": [_("List at least one resident.")]})
    people = [person.pk for person, _household, _delegate in residents]
    if len(set(people)) != len(people):
        raise ValidationError({"residents": [_("A person is listed twice.")]})
    households = [h.pk for _p, h, _d in residents if h is not None]
    if len(set(households)) != len(households):
        raise ValidationError({"residents": [_("A household is listed twice: list each household once.")]})
    resident_list = CoopResidentList(
        organization=organization,
        certified_on=certified_on,
        certifier_name=certifier_name.strip(),
        certifier_role=certifier_role.strip(),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        notes=notes,
    )
    save_stamped(resident_list, actor=actor, reason=reason)
    for person, household, delegate in residents:
        entry = CoopResident(resident_list=resident_list, person=person, household=household, delegate=bool(delegate))
        save_stamped(entry, actor=actor, reason=reason)
    return resident_list


@dataclass(frozen=True)
class CoopRow:
    organization: Organization
    lease_id: int | None
    votes: int
    last_certified_on: dt.date | None


def coop_rows(on: dt.date | None = None) -> list[CoopRow]:
    """Every housing co-op with its lease in force, its votes under the setting and its last certification.

    A fixed number of queries whatever the number of co-ops (settings, co-ops, leases, lists, residents).
    """
    on = on or clock.today()
    settings = GovernanceSettings.current()
    coops = list(Organization.objects.filter(kind=OrganizationKind.HOUSING_COOPERATIVE).order_by("name"))
    leases = _coop_leases(on, [c.pk for c in coops])
    lists = _lists([c.pk for c in coops], on)
    decisions = el.coop_decisions(settings.coop_residents, leases, lists, on)
    rows = []
    for coop in coops:
        current = el.coop_list_in_force(lists, coop.pk, on)
        lease_id = leases.get(coop.pk)
        votes = el.coop_votes(decisions, lease_id) if lease_id is not None else 0
        rows.append(CoopRow(coop, lease_id, votes, current.certified_on if current else None))
    return rows
