"""The one place that decides which rows a user may see or change.

NetBox's ``RestrictedQuerySet.restrict(user, action)`` idea: every manager of a model that
matters is a :class:`RestrictedManager`, every view starts from ``visible_to(user)``, so a
forgotten filter shows up as an empty page, never as someone else's data.

A model declares what non-staff users may do with an :class:`AccessRules` attribute: for each
action, the ORM lookups that lead from the model to a ``User``. ``Unit``, for example, says "a
unit is visible to the user of a Person who holds one of its leases, or who is the contact of the
organisation (a co-operative) that holds one" as two lookups:
``leases__leaseholders__person__user`` and ``leases__organization__contact__user``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q

from clt import roles

__all__ = ["ACTIONS", "AccessRules", "RestrictedManager", "RestrictedQuerySet"]

ACTIONS = ("view", "add", "change", "delete")


@dataclass(frozen=True)
class AccessRules:
    """What non-staff users may do with a model's rows.

    Each action maps to lookups from the model to ``auth.User``; a row is allowed when any
    lookup reaches the user. Staff may do every action on every row. No lookup, no access.
    """

    view: tuple[str, ...] = ()
    change: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def lookups_for(self, action: str) -> tuple[str, ...]:
        if action in ("view", "change", "delete"):
            return getattr(self, action)
        return self.extra.get(action, ())


NO_ACCESS = AccessRules()


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to what one user may do."""

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        if not roles.user_roles(user):
            return self.none()
        if roles.is_staff_member(user):
            return self
        rules: AccessRules = getattr(self.model, "access_rules", NO_ACCESS)
        lookups = rules.lookups_for(action)
        if not lookups:
            return self.none()
        condition = Q()
        for lookup in lookups:
            condition |= Q(**{lookup: user})
        # A subquery, not a join on this queryset: multi-valued lookups would otherwise repeat
        # rows, and .distinct() would break ordering and aggregation downstream.
        allowed = self.model._base_manager.filter(condition).values("pk")
        return self.filter(pk__in=allowed)

    def visible_to(self, user: Any) -> RestrictedQuerySet:
        return self.restrict(user, "view")


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):
    """Default manager of every access-controlled model."""
