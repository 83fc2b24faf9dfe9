"""Proxies given online by members, the person picker, and the election officer's read-only meetings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clt.models import Person
from governance.meetings import services
from governance.meetings.models import Meeting, Proxy
from governance.meetings.online_proxies import MAX_MATCHES, find_people, proxy_give, proxy_withdraw
from tests.conftest import make_user
from tests.factories import make_lease
from tests.governance import all_services as gs
from tests.governance.elections.test_elections_core import make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def bylaws(db):
    return gs.governance_settings_update(
        actor=None, reason="test bylaws", dues_amount=Decimal("0"), proxies_allowed=True, proxy_max_per_holder=1
    )


def lessee_login(username: str, given: str) -> tuple:
    user = make_user(username)
    person = Person.objects.create(given_name=given, family_name="Lessee", user=user)
    make_lease(people=[person], commencement=dt.date(2020, 1, 1))
    return user, person


def lessee(given: str) -> Person:
    person = Person.objects.create(given_name=given, family_name="Lessee")
    make_lease(people=[person], commencement=dt.date(2020, 1, 1))
    return person


@pytest.fixture
def ahead() -> Meeting:
    today = timezone.localdate()
    m = services.meeting_create(
        actor=None,
        reason="annual",
        kind="annual",
        title="Annual meeting ahead",
        starts_at=timezone.now() + dt.timedelta(days=20),
        record_date=today - dt.timedelta(days=1),
    )
    return services.meeting_notice_send(actor=None, reason="mailed", meeting=m, sent_on=today)


def test_a_member_gives_and_revokes_their_own_proxy_within_the_limit(ahead):
    user, me = lessee_login("ann", "Ann")
    holder, other = lessee("Hal"), lessee("Ola")
    key = f"meeting:{ahead.pk}"
    proxy = proxy_give(actor=user, occasion_key=key, holder=holder)
    assert (proxy.grantor, proxy.holder, proxy.meeting, proxy.revoked_on) == (me, holder, ahead, None)
    assert proxy.history.first().history_user == user
    with pytest.raises(ValidationError) as exc:  # one live proxy per occasion
        proxy_give(actor=user, occasion_key=key, holder=other)
    assert "grantor" in exc.value.message_dict
    # The holder carries at most one (the bylaws' limit): another member's proxy to Hal is refused.
    user2, _p = lessee_login("ben", "Ben")
    with pytest.raises(ValidationError) as exc:
        proxy_give(actor=user2, occasion_key=key, holder=holder)
    assert "the most one holder may carry" in exc.value.message_dict["holder"][0]
    # Someone else cannot revoke Ann's proxy; Ann can, before the meeting starts, not after.
    with pytest.raises(PermissionDenied):
        proxy_withdraw(actor=user2, proxy=proxy)
    with pytest.raises(ValidationError):
        proxy_withdraw(actor=user, proxy=proxy, now=ahead.starts_at + dt.timedelta(minutes=1))
    assert proxy_withdraw(actor=user, proxy=proxy).revoked_on == timezone.localdate()
    with pytest.raises(ValidationError) as exc:  # the deadline passed: the meeting is no longer ahead
        proxy_give(actor=user, occasion_key=key, holder=other, now=ahead.starts_at + dt.timedelta(minutes=1))
    assert "occasion" in exc.value.message_dict


def test_a_non_member_or_a_non_member_holder_is_refused(ahead):
    outsider = make_user("out", person=True)
    with pytest.raises(PermissionDenied):
        proxy_give(actor=outsider, occasion_key=f"meeting:{ahead.pk}", holder=lessee("Hal"))
    user, _me = lessee_login("ann", "Ann")
    stranger = Person.objects.create(given_name="Stranger")
    with pytest.raises(ValidationError) as exc:
        proxy_give(actor=user, occasion_key=f"meeting:{ahead.pk}", holder=stranger)
    assert "must be a voting member" in exc.value.message_dict["holder"][0]


def test_the_page_gives_only_ones_own_proxy_and_answers_bad_input_with_400(ahead):
    user, me = lessee_login("ann", "Ann")
    holder = lessee("Hal")
    client = Client()
    client.force_login(user)
    url = reverse("governance:my_proxies")
    page = client.get(url, {"occasion": f"meeting:{ahead.pk}", "q": "hal"})
    assert page.status_code == 200
    assert f'value="{holder.pk}"' in page.content.decode() and 'for="id_q"' in page.content.decode()
    # The POST names no grantor: whatever is sent, the proxy is the signed-in member's own.
    done = client.post(
        url, {"action": "give", "occasion": f"meeting:{ahead.pk}", "holder": holder.pk, "grantor": holder.pk}
    )
    assert done.status_code == 302
    proxy = Proxy.objects.get()
    assert (proxy.grantor, proxy.holder) == (me, holder)
    assert client.post(url, {"action": "give", "occasion": "meeting:x", "holder": holder.pk}).status_code == 400
    assert client.post(url, {"action": "give", "occasion": f"meeting:{ahead.pk}", "holder": "abc"}).status_code == 400
    assert client.get(url, {"occasion": "nonsense"}).status_code == 400
    # Another member cannot revoke it through the page.
    other, _o = lessee_login("ben", "Ben")
    client2 = Client()
    client2.force_login(other)
    assert client2.post(url, {"action": "revoke", "proxy": proxy.pk}).status_code == 403
    assert client.post(url, {"action": "revoke", "proxy": proxy.pk}).status_code == 302
    assert Proxy.objects.get().revoked_on is not None


def test_the_picker_lists_few_voting_members_and_nobody_to_others(ahead, django_assert_max_num_queries):
    user, _me = lessee_login("ann", "Ann")
    for n in range(MAX_MATCHES + 3):
        lessee(f"Sam{n}")
    Person.objects.create(given_name="Sam", family_name="Outsider")
    found = find_people(user, "sam", on=ahead.record_date)
    assert len(found) == MAX_MATCHES and all(p.family_name == "Lessee" for p in found)
    assert find_people(user, "s") == []  # too short to search
    for outsider in (make_user("out", person=True), make_user("nobody")):
        with pytest.raises(PermissionDenied):
            find_people(outsider, "sam")
    anonymous = Client()
    assert anonymous.get(reverse("governance:my_proxies"), {"q": "sam"}).status_code in (302, 403)
    client = Client()
    client.force_login(make_user("out2", person=True))
    assert client.get(reverse("governance:my_proxies"), {"q": "sam"}).status_code == 403
    client.force_login(user)
    url = reverse("governance:my_proxies")
    with django_assert_max_num_queries(40) as few:
        client.get(url, {"occasion": f"meeting:{ahead.pk}", "q": "sam"})
    for n in range(10):
        lessee(f"Sam{n + 100}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url, {"occasion": f"meeting:{ahead.pk}", "q": "sam"})


def test_the_election_officer_reads_meetings_but_cannot_change_them(ahead):
    officer = make_officer()
    client = Client()
    client.force_login(officer)
    assert client.get(reverse("governance:meeting_list")).status_code == 200
    assert "Annual meeting ahead" in client.get(reverse("governance:meeting_detail", args=[ahead.pk])).content.decode()
    assert client.post(reverse("governance:meeting_action", args=[ahead.pk]), {"action": "open"}).status_code == 403
    assert client.get(reverse("governance:meeting_run", args=[ahead.pk])).status_code == 403
    assert client.get(f"/api/v1/meetings/{ahead.pk}/").status_code == 200
    assert (
        client.patch(f"/api/v1/meetings/{ahead.pk}/", {"title": "X"}, content_type="application/json").status_code
        == 403
    )
