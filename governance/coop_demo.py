"""Demo data of a housing co-op on the trust's land (the bylaws count its resident households as leaseholder
members; the co-op certified its list of residents a year ago and last month), and of a proxy a member gave
online."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from clt import clock
from clt.demo import FAMILY, GIVEN
from clt.models import Organization, OrganizationKind, Person
from governance.meetings.models import Proxy
from governance.meetings.online_proxies import occasions_for, proxy_give
from governance.membership import services as membership_services
from governance.membership.coop import coop_list_certify, coop_votes_of
from governance.membership.models import CoopResidentList, CoopResidents
from governance.membership.selectors import standings_on
from leases.lifecycle.models import Household

REASON = "Demo data: the co-op's certified resident list"


def load_coop_demo(context: Any) -> None:
    """Twelve resident households of the demo co-op (two its delegates), certified a year ago (ten of them)
    and last month (twelve), with the trust's rule set to one vote per household. Runs once."""
    coop = Organization.objects.filter(kind=OrganizationKind.HOUSING_COOPERATIVE).order_by("pk").first()
    if coop is None or CoopResidentList.objects.exists():
        return
    membership_services.governance_settings_update(
        actor=context.actor, reason=REASON, coop_residents=CoopResidents.HOUSEHOLDS
    )
    rng = context.rng
    residents: list[tuple[Person, Household | None, bool]] = []
    for n in range(12):
        family = rng.choice(FAMILY)
        person = Person.objects.create(
            given_name=rng.choice(GIVEN),
            family_name=family,
            email=f"coop.resident{n + 1}@example.org",
            mailing_address=f"North Street Co-op, apartment {n + 1}\nBurlington, VT 05401",
        )
        household = Household.objects.create(name=f"{family} household (co-op apartment {n + 1})", size=1 + n % 3)
        household.members.create(person=person)
        residents.append((person, household, n < 2))
    today = clock.today()
    contact = coop.contact.full_name if coop.contact else "Co-op secretary"
    for certified_on, listed in (
        (today - dt.timedelta(days=365), residents[:10]),
        (today - dt.timedelta(days=30), residents),
    ):
        coop_list_certify(
            actor=context.actor,
            reason=REASON,
            organization=coop,
            certified_on=certified_on,
            certifier_name=contact,
            certifier_role="Secretary of the co-op's board",
            residents=listed,
        )
    votes = coop_votes_of(coop, today).votes
    context.stdout.write(gettext("Co-op: %(name)s carries %(votes)s votes") % {"name": coop.name, "votes": votes})


def load_online_proxy_demo(context: Any) -> None:
    """The demo member gives their proxy online for the special meeting ahead, to a fellow voting member."""
    member = User.objects.filter(username="member").first()
    person = Person.objects.filter(user=member).first() if member else None
    if person is None or Proxy.objects.filter(grantor=person).exists():
        return
    ahead = [o for o in occasions_for() if o.meeting is not None]
    if not ahead:
        return
    occasion = ahead[0]
    busy = set(Proxy.objects.filter(meeting=occasion.meeting).values_list("holder_id", flat=True))
    holders = [
        s.person
        for s in standings_on(occasion.record_date)
        if s.votes and s.person.pk != person.pk and s.person.pk not in busy
    ]
    if not holders:
        return
    try:
        proxy = proxy_give(actor=member, occasion_key=occasion.key, holder=holders[0])
    except ValidationError as error:  # the member has no vote on that record date: no proxy to show
        context.stdout.write(gettext("Online proxy: not given (%(why)s)") % {"why": error.messages[0]})
        return
    context.stdout.write(
        gettext("Online proxy: %(grantor)s to %(holder)s for %(meeting)s")
        % {"grantor": proxy.grantor, "holder": proxy.holder, "meeting": occasion.label}
    )
