"""The meetings API: the role matrix of every endpoint, 400s naming the field, fixed query counts, and a meeting
run end to end whose carried resolution approves a resale policy version."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from governance.meetings import services
from governance.meetings.models import Meeting, Proxy, Resolution
from leases.models import PolicyStatus
from leases.resale import services as lease_services
from tests.conftest import make_user
from tests.governance.meetings.test_meetings_services import (
    FIXED_SIMPLE,
    NOTICE,
    RECORD,
    STARTS,
    check_in,
    general,
    meeting,
    propose,
    record_proxy,
    settings_set,
)

pytestmark = pytest.mark.django_db

READERS = ("member", "homeowner", "board", "staff")
NON_STAFF = ("member", "homeowner", "board")


@pytest.fixture(autouse=True)
def bylaws(db):
    return settings_set(dues_amount=Decimal("0"), proxies_allowed=True, quorum_percent=Decimal("10"))


@pytest.fixture
def world(db):
    """A draft (scheduled) meeting and one in session with an agenda, a resolution, attendance and a proxy."""
    draft = meeting(title="Draft meeting")
    m = meeting(title="Annual meeting 2026")
    services.agenda_item_add(actor=None, reason="agenda", meeting=m, title="Budget")
    resolution = propose(m)
    second = propose(m, title="Thank the volunteers")
    services.meeting_notice_send(actor=None, reason="mailed", meeting=m, sent_on=NOTICE)
    services.meeting_open(actor=None, reason="called to order", meeting=m)
    a, b = general("Ana"), general("Ben")
    record_proxy(m, b, a)
    check_in(m, a)
    return {"draft": draft, "meeting": m, "resolution": resolution, "second": second, "holder": a, "grantor": b}


def nobody() -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user("nobody"))
    return client


def read_urls(world) -> list[str]:
    m, r = world["meeting"], world["resolution"]
    item = m.agenda.first()
    return [
        "/api/v1/meetings/",
        f"/api/v1/meetings/{m.pk}/",
        f"/api/v1/meetings/{m.pk}/history/",
        f"/api/v1/meetings/{m.pk}/quorum/",
        "/api/v1/agenda-items/",
        f"/api/v1/agenda-items/{item.pk}/",
        "/api/v1/resolutions/",
        f"/api/v1/resolutions/{r.pk}/",
        f"/api/v1/resolutions/{r.pk}/history/",
    ]


@pytest.mark.parametrize("role", ["anonymous", *READERS])
def test_members_and_staff_read_meetings_agenda_and_resolutions(api_for, world, role):
    client = api_for(role)
    for url in read_urls(world):
        response = client.get(url)
        assert response.status_code == (403 if role == "anonymous" else 200), (url, response.status_code)
    if role == "anonymous":
        return
    titles = [m["title"] for m in client.get("/api/v1/meetings/").json()["results"]]
    draft = client.get(f"/api/v1/meetings/{world['draft'].pk}/")
    if role == "staff":
        assert sorted(titles) == ["Annual meeting 2026", "Draft meeting"] and draft.status_code == 200
    else:
        assert titles == ["Annual meeting 2026"] and draft.status_code == 404  # no notice yet: a draft
    detail = client.get(f"/api/v1/meetings/{world['meeting'].pk}/").json()
    assert [i["title"] for i in detail["agenda"]] == ["Budget"] and detail["status"] == "in_session"
    quorum = client.get(f"/api/v1/meetings/{world['meeting'].pk}/quorum/").json()
    # Ana and Ben vote; the homeowner's own lease makes her a lessee member too.
    eligible = 3 if role == "homeowner" else 2
    assert (quorum["eligible"], quorum["present"], quorum["proxies"], quorum["counted"]) == (eligible, 1, 1, 2)
    assert (quorum["required"], quorum["met"], quorum["message"]) == (1, True, "")


def test_a_login_without_a_role_reads_nothing(world):
    client = nobody()
    for url in [*read_urls(world), "/api/v1/proxies/", "/api/v1/meeting-attendance/"]:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", ["anonymous", *READERS])
def test_attendance_is_staff_only(api_for, world, role):
    client = api_for(role)
    listing = client.get("/api/v1/meeting-attendance/")
    assert listing.status_code == (200 if role == "staff" else 403)
    if role == "staff":
        row = listing.json()["results"][0]
        assert (row["person_name"], row["member_class"], row["left_at"]) == ("Ana Test", "general", None)


@pytest.mark.parametrize("role", ["anonymous", *READERS])
def test_proxies_staff_see_all_a_member_their_own(api_for, world, role):
    client = api_for(role)
    response = client.get("/api/v1/proxies/")
    if role == "anonymous":
        assert response.status_code == 403
        return
    names = [(p["grantor_name"], p["holder_name"]) for p in response.json()["results"]]
    assert names == ([("Ben Test", "Ana Test")] if role == "staff" else [])
    proxy = Proxy.objects.get()
    assert client.get(f"/api/v1/proxies/{proxy.pk}/").status_code == (200 if role == "staff" else 404)


def test_a_member_sees_the_proxy_they_gave_and_the_one_they_hold(world):
    proxy = Proxy.objects.get()
    for person in (world["grantor"], world["holder"]):
        user = make_user(person.given_name.lower())
        person.user = user
        person.save()
        client = APIClient()
        client.force_authenticate(user)
        ids = [p["id"] for p in client.get("/api/v1/proxies/").json()["results"]]
        assert ids == [proxy.pk]
        assert client.post(f"/api/v1/proxies/{proxy.pk}/revoke/", {"revoked_on": "2026-04-14"}).status_code == 403


def write_requests(world) -> list[tuple[str, dict]]:
    """Every write endpoint with a body valid for staff, in an order that keeps each one valid."""
    m, r, second = world["meeting"], world["resolution"], world["second"]
    draft = world["draft"]
    return [
        (
            "/api/v1/meetings/",
            {"kind": "annual", "title": "X", "starts_at": "2026-06-01T18:00Z", "record_date": "2026-05-01"},
        ),
        (f"/api/v1/meetings/{draft.pk}/notice/", {"sent_on": "2026-04-01"}),
        (f"/api/v1/meetings/{draft.pk}/cancel/", {"change_reason": "storm"}),
        (f"/api/v1/meetings/{m.pk}/check-in/", {"person": world["grantor"].pk}),
        (f"/api/v1/meetings/{m.pk}/check-out/", {"person": world["holder"].pk}),
        ("/api/v1/agenda-items/", {"meeting": m.pk, "title": "Any other business"}),
        ("/api/v1/resolutions/", {"meeting": m.pk, "title": "Thanks", "text": "Resolved: thanks.", "kind": "other"}),
        (f"/api/v1/resolutions/{r.pk}/vote/", {"yes": 1, "no": 0}),
        (f"/api/v1/resolutions/{second.pk}/withdraw/", {"change_reason": "moot"}),
        (
            "/api/v1/proxies/",
            {
                "grantor": world["holder"].pk,
                "holder": world["grantor"].pk,
                "meeting": m.pk,
                "received_on": "2026-04-10",
            },
        ),
        (f"/api/v1/proxies/{Proxy.objects.get().pk}/revoke/", {"revoked_on": "2026-04-14"}),
        (f"/api/v1/meetings/{m.pk}/adjourn/", {"minutes": "Done."}),
    ]


@pytest.mark.parametrize("role", ["anonymous", *NON_STAFF])
def test_non_staff_write_nothing(api_for, world, role):
    client = api_for(role)
    meetings_before = list(Meeting.objects.order_by("pk").values_list("pk", "status"))
    for url, body in write_requests(world):
        assert client.post(url, body, format="json").status_code == 403, url
    patch = client.patch(f"/api/v1/meetings/{world['meeting'].pk}/", {"location": "Elsewhere"}, format="json")
    assert patch.status_code == 403
    assert list(Meeting.objects.order_by("pk").values_list("pk", "status")) == meetings_before
    assert set(Resolution.objects.values_list("status", flat=True)) == {"proposed"}
    assert Proxy.objects.get().revoked_on is None and world["meeting"].agenda.count() == 1


def test_staff_write_every_endpoint(api_for, world):
    client = api_for("staff")
    got = [(url, client.post(url, body, format="json").status_code) for url, body in write_requests(world)]
    assert [code for _url, code in got] == [201, 200, 200, 200, 200, 201, 201, 200, 200, 201, 200, 200], got
    statuses = dict(Meeting.objects.values_list("title", "status"))
    assert statuses == {"Draft meeting": "cancelled", "Annual meeting 2026": "adjourned", "X": "scheduled"}
    assert dict(Resolution.objects.values_list("title", "status")) == {
        "Adopt the budget": "carried",
        "Thank the volunteers": "withdrawn",
        "Thanks": "proposed",
    }
    patched = client.patch(f"/api/v1/meetings/{world['meeting'].pk}/", {"minutes": "Budget adopted."})
    assert patched.status_code == 200 and patched.json()["minutes"] == "Budget adopted."


def test_bad_input_answers_400_naming_the_field(api_for, world):
    client = api_for("staff")
    m = world["meeting"]

    def fields(response) -> list[str]:
        assert response.status_code == 400, response.content
        return sorted(response.json())

    body = {"kind": "annual", "title": "X", "starts_at": "2026-06-01T18:00Z", "record_date": "2026-06-02"}
    assert fields(client.post("/api/v1/meetings/", body)) == ["record_date"]
    assert fields(client.post("/api/v1/meetings/", {"kind": "weekly", "title": "X"})) == [
        "kind",
        "record_date",
        "starts_at",
    ]
    too_late = client.post(f"/api/v1/meetings/{world['draft'].pk}/notice/", {"sent_on": "2026-04-10"})
    assert fields(too_late) == ["sent_on"] and "between 10 and 60 days" in too_late.json()["sent_on"][0]
    assert fields(client.post(f"/api/v1/meetings/{m.pk}/check-in/", {"person": 999999})) == ["person"]
    assert fields(client.post(f"/api/v1/meetings/{m.pk}/check-in/", {"person": world["holder"].pk})) == ["person"]
    assert fields(client.post(f"/api/v1/meetings/{m.pk}/cancel/", {})) == ["change_reason"]
    assert fields(client.patch(f"/api/v1/meetings/{m.pk}/", {"record_date": "2026-03-02"})) == ["record_date"]
    bad = {"meeting": m.pk, "title": "T", "text": "x", "kind": "other", "voting_classes": ["owners"]}
    assert fields(client.post("/api/v1/resolutions/", bad)) == ["voting_classes"]
    late_bylaws = {"meeting": m.pk, "title": "T", "text": "x", "kind": "bylaws"}
    assert fields(client.post("/api/v1/resolutions/", late_bylaws)) == ["kind"]
    r = world["resolution"]
    assert fields(client.post(f"/api/v1/resolutions/{r.pk}/vote/", {"yes": -1, "no": 0})) == ["yes"]
    assert fields(client.post(f"/api/v1/resolutions/{r.pk}/vote/", {"yes": 2, "no": 1})) == ["yes"]  # 2 in the room
    settings_set(proxies_allowed=False)
    proxy = {"grantor": world["holder"].pk, "holder": world["grantor"].pk, "meeting": m.pk, "received_on": "2026-04-10"}
    assert fields(client.post("/api/v1/proxies/", proxy)) == ["meeting"]


def test_a_vote_refused_without_quorum_leaves_nothing_stored(api_for, world):
    settings_set(quorum_percent=Decimal("100"))
    client = api_for("staff")
    r = world["resolution"]
    history = r.history.count()
    client.post(f"/api/v1/meetings/{world['meeting'].pk}/check-out/", {"person": world["holder"].pk})
    response = client.post(f"/api/v1/resolutions/{r.pk}/vote/", {"yes": 1, "no": 0})
    assert response.status_code == 400
    assert response.json() == {"quorum": ["No quorum: needed 2, counted 0."]}
    r.refresh_from_db()
    assert (r.status, r.votes_yes, r.quorum, r.voted_at, r.history.count()) == ("proposed", None, None, None, history)
    quorum = client.get(f"/api/v1/meetings/{world['meeting'].pk}/quorum/").json()
    assert (quorum["met"], quorum["message"]) == (False, "No quorum: needed 2, counted 0.")


def test_a_meeting_run_through_the_api_approves_the_resale_formula(api_for):
    client = api_for("staff")
    draft = lease_services.resale_policy_create(actor=None, reason="new", name="CHT 2026", parameters=FIXED_SIMPLE)
    created = client.post(
        "/api/v1/meetings/",
        {"kind": "special", "title": "Special meeting", "starts_at": STARTS.isoformat(), "record_date": str(RECORD)},
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    proposal = client.post(
        "/api/v1/resolutions/",
        {
            "meeting": pk,
            "title": "Adopt the 2026 formula",
            "text": "Resolved: the resale formula version 1 of CHT 2026 is adopted.",
            "kind": "resale_formula",
            "policy_version": draft.pk,
        },
    )
    assert proposal.status_code == 201, proposal.json()
    assert proposal.json()["threshold"] == "two_thirds"
    assert list(client.post(f"/api/v1/meetings/{pk}/notice/", {"sent_on": str(NOTICE)}).json()) == ["purpose"]
    patched = client.patch(f"/api/v1/meetings/{pk}/", {"purpose": "To adopt the 2026 resale formula."})
    assert patched.status_code == 200
    assert client.post(f"/api/v1/meetings/{pk}/notice/", {"sent_on": str(NOTICE)}).json()["status"] == "noticed"
    assert client.post(f"/api/v1/meetings/{pk}/open/", {}).json()["status"] == "in_session"
    people = [general(n) for n in ("Ana", "Ben", "Cy")]
    for p in people:
        assert client.post(f"/api/v1/meetings/{pk}/check-in/", {"person": p.pk}).status_code == 200
    voted = client.post(
        f"/api/v1/resolutions/{proposal.json()['id']}/vote/", {"yes": 2, "no": 1, "effective_from": "2026-12-01"}
    )
    assert voted.status_code == 200, voted.json()
    body = voted.json()
    assert (body["status"], body["votes_yes"], body["votes_no"], body["votes_abstain"]) == ("carried", 2, 1, 0)
    assert body["quorum"]["present"] == 3 and body["quorum"]["met"] is True
    draft.refresh_from_db()
    today = timezone.localdate()
    assert (draft.status, draft.approved_on, draft.effective_from) == (
        PolicyStatus.APPROVED,
        today,
        dt.date(2026, 12, 1),
    )
    assert draft.approval_reference.startswith(f"Resolution {body['id']}: Adopt the 2026 formula (Special meeting, ")
    adjourned = client.post(f"/api/v1/meetings/{pk}/adjourn/", {"minutes": "Formula adopted 2-1."})
    assert adjourned.json()["status"] == "adjourned"
    rows = client.get(f"/api/v1/meeting-attendance/?meeting={pk}").json()["results"]
    assert len(rows) == 3 and all(row["left_at"] for row in rows)
    # Everyone left when it adjourned: the quorum endpoint answers the quorum as it stood then, not 0.
    quorum = client.get(f"/api/v1/meetings/{pk}/quorum/").json()
    assert (quorum["present"], quorum["counted"], quorum["met"], quorum["message"]) == (3, 3, True, "")


def test_list_query_counts_do_not_grow(api_for, world, django_assert_max_num_queries):
    client = api_for("staff")
    urls = [
        "/api/v1/meetings/",
        "/api/v1/agenda-items/",
        "/api/v1/resolutions/",
        "/api/v1/proxies/",
        "/api/v1/meeting-attendance/",
    ]
    client.get(urls[0])  # warm the user's role lookups

    def counts() -> list[int]:
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            result.append(len(ctx.captured_queries))
        return result

    before = counts()
    m = world["meeting"]
    for n in range(4):
        extra = meeting(title=f"Extra {n}")
        services.agenda_item_add(actor=None, reason="a", meeting=extra, title="Item")
        services.agenda_item_add(actor=None, reason="a", meeting=extra, title="Item 2")
        propose(extra, title=f"R{n}")
        grantor, holder = general(f"G{n}"), general(f"H{n}")
        record_proxy(m, grantor, holder)
        check_in(m, holder)
    assert counts() == before
    for url in urls:
        with django_assert_max_num_queries(6):
            client.get(url)
