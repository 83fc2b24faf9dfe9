"""Election proxies (R10): staff enter a proxy ballot for a roll entry only when its member gave a proxy.

The proxy is recorded with the meetings' ``proxy_record`` (one service for meeting and election proxies).
Secrecy: the ballot names nobody, and the participation says only that the vote came by proxy.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from clt.models import Person
from governance.elections.models import Ballot, Channel, Election, Participation, RollEntry
from governance.meetings.models import Proxy
from tests.factories import make_lease
from tests.governance import all_services as gs
from tests.governance.stored import stored_ballot, stored_ballots

pytestmark = pytest.mark.django_db

RECORD = dt.date(2026, 3, 1)


def lessee(name: str) -> Person:
    person = Person.objects.create(given_name=name, family_name="Lessee")
    make_lease(people=[person])
    return person


@pytest.fixture
def open_election(staff_user):
    """An open election (plurality, one lessee seat, no seat class) with three lessee voters and their codes."""
    gs.governance_settings_update(actor=None, reason="bylaws allow proxies", proxies_allowed=True)
    now = timezone.now()
    election = gs.election_create(
        actor=staff_user,
        reason="annual",
        name="Annual election",
        record_date=RECORD,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=3),
    )
    contest = gs.contest_add(
        actor=staff_user,
        reason="seat",
        election=election,
        title="Lessee seat",
        eligible_classes=["lessee"],
        method="plurality",
    )
    for name in ("Ada", "Ben"):
        gs.candidate_add(
            actor=staff_user, reason="nominated", contest=contest, person=lessee(name), consented_on=RECORD
        )
    voters = {name: lessee(name) for name in ("Grantor", "Holder", "Other")}
    gs.roll_freeze(actor=staff_user, reason="record date", election=election)
    issued = gs.access_codes_issue(actor=staff_user, reason="mail-out", election=election)
    gs.election_open(actor=staff_user, reason="polls open", election=election)
    entries = RollEntry.objects.filter(election=election).select_related("person")
    codes = {e.person.given_name: issued[e.pk] for e in entries}
    return election, contest, voters, codes


def proxy(election: Election, grantor: Person, holder: Person, staff_user) -> Proxy:
    return gs.proxy_record(
        actor=staff_user,
        reason="written proxy received",
        grantor=grantor,
        holder=holder,
        received_on=timezone.localdate(),
        election=election,
    )


def cast(contest, code, staff_user, choice) -> str:
    return gs.ballot_cast(
        code=code, contest=contest, choices=[choice], channel=Channel.PROXY, actor=staff_user, reason="proxy ballots"
    )


def test_a_proxy_ballot_is_accepted_with_a_proxy(open_election, staff_user):
    election, contest, voters, codes = open_election
    proxy(election, voters["Grantor"], voters["Holder"], staff_user)
    ada = contest.candidates.get(person__given_name="Ada")
    receipt = cast(contest, codes["Grantor"], staff_user, ada.pk)
    ballot = stored_ballot(receipt)
    assert ballot.choices == [ada.pk]
    entry = RollEntry.objects.get(election=election, person=voters["Grantor"])
    assert Participation.objects.get(contest=contest, roll_entry=entry).channel == Channel.PROXY
    assert entry.channel == Channel.PROXY
    # The holder keeps their own vote; nothing of the holder is on the grantor's ballot or participation.
    holder_entry = RollEntry.objects.get(election=election, person=voters["Holder"])
    assert not Participation.objects.filter(roll_entry=holder_entry).exists()
    gs.ballot_cast(code=codes["Holder"], contest=contest, choices=[ada.pk])
    assert {f.name for f in Ballot._meta.concrete_fields} == {"id", "contest", "receipt", "choices"}


def test_a_proxy_ballot_is_refused_without_a_proxy_or_once_revoked(open_election, staff_user):
    election, contest, voters, codes = open_election
    ada = contest.candidates.get(person__given_name="Ada")
    with pytest.raises(ValidationError) as exc:
        cast(contest, codes["Other"], staff_user, ada.pk)
    assert "Other Lessee has given no proxy for this election" in exc.value.message_dict["channel"][0]
    # A proxy the Other gave to the Holder, then revoked: refused too.
    given = proxy(election, voters["Other"], voters["Holder"], staff_user)
    gs.proxy_revoke(actor=staff_user, reason="grantor will vote", proxy=given, revoked_on=timezone.localdate())
    with pytest.raises(ValidationError):
        cast(contest, codes["Other"], staff_user, ada.pk)
    # A proxy for another election does not count either.
    other = gs.election_create(
        actor=staff_user,
        reason="by-election",
        name="By-election",
        record_date=RECORD,
        opens_at=election.opens_at,
        closes_at=election.closes_at,
    )
    proxy(other, voters["Grantor"], voters["Holder"], staff_user)
    with pytest.raises(ValidationError):
        cast(contest, codes["Grantor"], staff_user, ada.pk)
    assert not stored_ballots() and not Participation.objects.exists()
    # The member may still vote online themselves.
    gs.ballot_cast(code=codes["Other"], contest=contest, choices=[ada.pk])
    assert Participation.objects.get().channel == Channel.ONLINE


def test_a_proxy_ballot_is_refused_when_the_bylaws_do_not_allow_proxies(open_election, staff_user):
    election, contest, voters, codes = open_election
    proxy(election, voters["Grantor"], voters["Holder"], staff_user)
    gs.governance_settings_update(actor=None, reason="bylaws amended", proxies_allowed=False)
    with pytest.raises(ValidationError) as exc:
        cast(contest, codes["Grantor"], staff_user, contest.candidates.first().pk)
    assert exc.value.message_dict["channel"] == ["The bylaws do not allow voting by proxy."]
    assert not stored_ballots()
    # The paper-entry page no longer offers the proxy channel.
    client = Client()
    client.force_login(staff_user)
    page = client.get(f"/governance/elections/{election.pk}/paper/").content.decode()
    assert 'value="paper"' in page and 'value="proxy"' not in page


def test_staff_enter_a_proxy_ballot_through_the_paper_entry_page(open_election, staff_user):
    election, contest, voters, codes = open_election
    client = Client()
    client.force_login(staff_user)
    url = f"/governance/elections/{election.pk}/paper/"
    assert 'value="proxy"' in client.get(url).content.decode()
    ben = contest.candidates.get(person__given_name="Ben")
    marks = {"code": codes["Grantor"], "channel": "proxy", "reason": "proxy batch 1", f"c{contest.pk}": str(ben.pk)}
    refused = client.post(url, {**marks, "step": "cast"})
    assert refused.status_code == 400
    assert "has given no proxy for this election" in re.sub(r"\s+", " ", refused.content.decode())
    assert not stored_ballots()
    proxy(election, voters["Grantor"], voters["Holder"], staff_user)
    done = client.post(url, {**marks, "step": "cast"})
    assert done.status_code == 200 and "Ballot entered" in done.content.decode()
    assert [b.choices for b in stored_ballots()] == [[ben.pk]]
    assert Participation.objects.get().channel == Channel.PROXY
