"""Filters of memberships, shared by the API (``filterset_class``) and any page that lists them.

The members list (standings on a date) is not a queryset but the derived standings; its filters are
``MemberFilterForm`` (pages) and ``MembershipStandingQuerySerializer`` (API).
"""

from __future__ import annotations

import django_filters

from governance.membership.models import Membership

__all__ = ["MembershipFilterSet"]


class MembershipFilterSet(django_filters.FilterSet):
    class Meta:
        model = Membership
        fields = ["kind", "status"]
