"""The leases API: a role matrix for every endpoint and method, the writes through services with real
figures, the homeowner's own submissions, filters and query counts.

Roles: anonymous, member (no lease), homeowner (holds ``lease``), other_homeowner (holds
``other_lease``), staff. Dates are fixed in the past so that the day counts are checked by hand; the
homeowner's online submissions are dated today by design and are checked against ``localdate()``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clt.models import Person
from leases.ledger import selectors as ledger_selectors
from leases.ledger import services as ledger_services
from leases.ledger.models import Charge, ChargeWaiver, FeeRate, FeeSuspension, Payment
from leases.lifecycle import services as lifecycle_services
from leases.lifecycle.models import Deadline, GroundLease, Household, LeaseEvent, LeaseTemplate
from leases.monitoring import services as monitoring_services
from leases.monitoring.models import MonitoringRecord
from properties import services as property_services
from tests.factories import make_lease, make_parcel, make_template_version

pytestmark = pytest.mark.django_db

ANON_REFUSED = (401, 403)
NON_STAFF = ("anonymous", "member", "homeowner", "other_homeowner")
ALL_ROLES = (*NON_STAFF, "staff")
D = dt.date


def _refused(role: str) -> tuple[int, ...]:
    return ANON_REFUSED if role == "anonymous" else (403,)


# ---------------------------------------------------------------------------------------------
# Fixtures: two homeowners' leases, each with one row of every kind
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def lease(homeowner_user) -> GroundLease:
    return homeowner_user.person.leaseholdings.get().lease


@pytest.fixture
def other_lease(other_homeowner_user) -> GroundLease:
    return other_homeowner_user.person.leaseholdings.get().lease


def _rows_of(lease: GroundLease, person: Person) -> dict[str, int]:
    """One row of every resource on ``lease`` (made through the services), by API resource name."""
    household = lifecycle_services.household_create(
        actor=None, reason="intake", name=f"{person} household", size=2, people=[person]
    )
    charge = ledger_services.charge_add(
        lease=lease, amount=Decimal("75.00"), due=D(2024, 2, 1), description="Gutter repair", actor=None, reason="t"
    )
    payment = ledger_services.payment_record(
        lease=lease, amount=Decimal("40.00"), received_on=D(2024, 1, 5), actor=None, reason="t"
    )
    suspension = ledger_services.fee_suspend(
        lease=lease, start=D(2023, 6, 1), end=D(2023, 8, 31), actor=None, reason="t"
    )
    record = monitoring_services.monitoring_create(
        lease=lease, kind="insurance", due=D(2024, 3, 31), actor=None, reason="t"
    )
    return {
        "ground-leases": lease.pk,
        "households": household.pk,
        "lease-events": lease.events.get(kind="executed").pk,
        "deadlines": lease.deadlines.get(kind="term_end").pk,
        "fee-schedules": lease.fee_schedule.pk,
        "fee-rates": lease.fee_schedule.rates.get().pk,
        "fee-suspensions": suspension.pk,
        "charges": charge.pk,
        "payments": payment.pk,
        "monitoring-records": record.pk,
    }


@pytest.fixture
def rows(lease, other_lease, homeowner_user, other_homeowner_user) -> dict[str, dict[str, int]]:
    """``rows["homeowner"][resource]``: the homeowner's row; ``rows["other_homeowner"][resource]``: the other's."""
    return {
        "homeowner": _rows_of(lease, homeowner_user.person),
        "other_homeowner": _rows_of(other_lease, other_homeowner_user.person),
    }


# ---------------------------------------------------------------------------------------------
# Role matrix: reads
# ---------------------------------------------------------------------------------------------

RESOURCES = (
    "ground-leases",
    "households",
    "lease-events",
    "deadlines",
    "fee-schedules",
    "fee-rates",
    "fee-suspensions",
    "charges",
    "payments",
    "monitoring-records",
)
WITH_HISTORY = set(RESOURCES) - {"lease-events"}


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("resource", RESOURCES)
def test_read_matrix(api_for, rows, role, resource):
    client = api_for(role)
    mine, theirs = rows["homeowner"][resource], rows["other_homeowner"][resource]
    listed = client.get(f"/api/v1/{resource}/", {"page_size": 500})
    details = {
        pk: (client.get(f"/api/v1/{resource}/{pk}/").status_code, client.get(f"/api/v1/{resource}/{pk}/history/"))
        for pk in (mine, theirs)
    }
    if role == "anonymous":
        assert listed.status_code in ANON_REFUSED
        assert all(code in ANON_REFUSED for code, _history in details.values())
        return
    assert listed.status_code == 200
    ids = {row["id"] for row in listed.json()["results"]}
    visible = {"member": set(), "homeowner": {mine}, "other_homeowner": {theirs}, "staff": {mine, theirs}}[role]
    assert ids & {mine, theirs} == visible
    if role != "staff" and resource != "households":
        # Every row listed hangs off the user's own lease (a member has none), not only the ones made above.
        own_lease = {rows[role]["ground-leases"]} if role in rows else set()
        assert {row.get("lease", row["id"]) for row in listed.json()["results"]} <= own_lease
    for pk, (code, history) in details.items():
        expected = 200 if pk in visible else 404
        assert code == expected, (pk, code)
        if resource in WITH_HISTORY:
            assert history.status_code == expected
            if expected == 200:
                assert history.json()[-1]["action"] == "created"
        else:
            assert history.status_code == 404  # no history for append-only facts


LEASE_SUBRESOURCES = ("events/", "ledger/", "statement/?start=2024-01-01&end=2024-12-31", "deadlines/", "history/")


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("sub", LEASE_SUBRESOURCES)
def test_lease_subresources_matrix(api_for, lease, other_lease, role, sub):
    client = api_for(role)
    for target in (lease, other_lease):
        response = client.get(f"/api/v1/ground-leases/{target.pk}/{sub}")
        own = {"homeowner": lease, "other_homeowner": other_lease}.get(role)
        if role == "anonymous":
            assert response.status_code in ANON_REFUSED
        elif role == "staff" or target == own:
            assert response.status_code == 200, response.content
        else:
            assert response.status_code == 404


@pytest.mark.parametrize("role", ALL_ROLES)
def test_lease_templates_are_internal_to_staff(api_for, lease, role):
    """Templates and their versions are the trust's drafting records: only staff read them. A homeowner
    reads the terms they signed on their lease (``template_version``), not the catalogue."""
    version = lease.template_version
    client = api_for(role)
    responses = [
        client.get("/api/v1/lease-templates/"),
        client.get(f"/api/v1/lease-templates/{version.template_id}/"),
        client.get("/api/v1/lease-template-versions/"),
        client.get(f"/api/v1/lease-template-versions/{version.pk}/"),
        client.get(f"/api/v1/lease-template-versions/{version.pk}/history/"),
    ]
    if role == "staff":
        assert [r.status_code for r in responses] == [200] * 5
        assert responses[3].json()["in_use"] is True
        assert responses[3].json()["cure_days"] == 30
    else:
        assert all(r.status_code in _refused(role) for r in responses)


# ---------------------------------------------------------------------------------------------
# Role matrix: writes
# ---------------------------------------------------------------------------------------------


def _staff_writes(rows: dict, lease: GroundLease) -> list[tuple[str, str, dict]]:
    """Every staff-only write, aimed at the homeowner's own rows (so "not mine" is never the reason for a 403)."""
    mine = rows["homeowner"]
    version = lease.template_version
    return [
        ("post", "/api/v1/households/", {"name": "X", "size": 1}),
        ("post", "/api/v1/lease-templates/", {"name": "X"}),
        ("post", "/api/v1/lease-template-versions/", {"template": version.template_id, "effective_from": "2025-01-01"}),
        ("patch", f"/api/v1/lease-template-versions/{version.pk}/", {"cure_days": 60}),
        ("post", "/api/v1/ground-leases/", {"unit": lease.unit_id, "template_version": version.pk}),
        ("patch", f"/api/v1/ground-leases/{lease.pk}/", {"notes": "hijacked"}),
        (
            "post",
            f"/api/v1/deadlines/{mine['deadlines']}/extend/",
            {"new_due": "2200-01-01", "agreed_on": "2024-01-02"},
        ),
        ("patch", f"/api/v1/fee-schedules/{mine['fee-schedules']}/", {"grace_days": 90}),
        ("post", "/api/v1/fee-rates/", {"lease": lease.pk, "effective": "2024-06-01", "amount": "1.00", "reason": "x"}),
        ("post", "/api/v1/fee-suspensions/", {"lease": lease.pk, "start": "2024-06-01", "reason": "x"}),
        ("post", "/api/v1/charges/", {"lease": lease.pk, "amount": "5.00", "due": "2024-06-01"}),
        ("post", f"/api/v1/charges/{mine['charges']}/waive/", {"amount": "75.00", "reason": "x"}),
        ("post", "/api/v1/payments/", {"lease": lease.pk, "amount": "5.00", "received_on": "2024-06-01"}),
        ("post", f"/api/v1/payments/{mine['payments']}/reverse/", {"reason": "x"}),
        ("post", "/api/v1/monitoring-records/", {"lease": lease.pk, "kind": "hoa", "due": "2024-06-01"}),
        ("post", f"/api/v1/monitoring-records/{mine['monitoring-records']}/review/", {"status": "waived"}),
        ("post", f"/api/v1/ground-leases/{lease.pk}/events/", {"kind": "default_notice_sent"}),
    ]


def _snapshot() -> tuple:
    lease_states = tuple(GroundLease.objects.order_by("pk").values_list("status", "compliance_state", "notes"))
    return (
        lease_states,
        Household.objects.count(),
        LeaseTemplate.objects.count(),
        LeaseEvent.objects.count(),
        tuple(Deadline.objects.order_by("pk").values_list("due", flat=True)),
        FeeRate.objects.count(),
        FeeSuspension.objects.count(),
        Charge.objects.count(),
        ChargeWaiver.objects.count(),
        tuple(Payment.objects.order_by("pk").values_list("reversed_on", flat=True)),
        tuple(MonitoringRecord.objects.order_by("pk").values_list("status", flat=True)),
    )


@pytest.mark.parametrize("role", ["anonymous", "member", "homeowner"])
def test_non_staff_cannot_make_staff_writes(api_for, rows, lease, role):
    client = api_for(role)
    before = _snapshot()
    for method, url, payload in _staff_writes(rows, lease):
        response = getattr(client, method)(url, payload, format="json")
        assert response.status_code in _refused(role), (method, url, response.status_code, response.content)
    assert _snapshot() == before


def test_other_homeowner_cannot_write_on_anothers_lease(api_for, rows, lease):
    client = api_for("other_homeowner")
    before = _snapshot()
    for method, url, payload in _staff_writes(rows, lease):
        response = getattr(client, method)(url, payload, format="json")
        # Staff-only routes are refused outright; a submission on another's lease does not disclose it.
        expected = 404 if url.endswith("/events/") else 403
        assert response.status_code == expected, (method, url, response.status_code)
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("put", "/api/v1/ground-leases/{lease}/"),
        ("delete", "/api/v1/ground-leases/{lease}/"),
        ("put", "/api/v1/lease-events/{event}/"),
        ("patch", "/api/v1/lease-events/{event}/"),
        ("delete", "/api/v1/lease-events/{event}/"),
        ("post", "/api/v1/lease-events/"),
        ("delete", "/api/v1/lease-templates/{template}/"),
        ("delete", "/api/v1/lease-template-versions/{version}/"),
        ("patch", "/api/v1/households/{household}/"),
        ("delete", "/api/v1/households/{household}/"),
        ("post", "/api/v1/deadlines/"),
        ("delete", "/api/v1/deadlines/{deadline}/"),
        ("post", "/api/v1/fee-schedules/"),
        ("put", "/api/v1/fee-schedules/{schedule}/"),
        ("delete", "/api/v1/fee-rates/{rate}/"),
        ("patch", "/api/v1/charges/{charge}/"),
        ("delete", "/api/v1/charges/{charge}/"),
        ("patch", "/api/v1/payments/{payment}/"),
        ("delete", "/api/v1/payments/{payment}/"),
        ("delete", "/api/v1/monitoring-records/{record}/"),
    ],
)
def test_what_nobody_may_do(api_for, rows, lease, method, url):
    """Append-only facts and money records are never edited or deleted, not even by staff."""
    mine = rows["homeowner"]
    url = url.format(
        lease=lease.pk,
        event=mine["lease-events"],
        version=lease.template_version_id,
        template=lease.template_version.template_id,
        household=mine["households"],
        deadline=mine["deadlines"],
        schedule=mine["fee-schedules"],
        rate=mine["fee-rates"],
        charge=mine["charges"],
        payment=mine["payments"],
        record=mine["monitoring-records"],
    )
    before = _snapshot()
    assert getattr(api_for("staff"), method)(url, {}, format="json").status_code == 405
    assert getattr(api_for("homeowner"), method)(url, {}, format="json").status_code in (403, 405)
    assert _snapshot() == before


# ---------------------------------------------------------------------------------------------
# Homeowner submissions
# ---------------------------------------------------------------------------------------------


def test_homeowner_notice_of_intent_to_sell_opens_second_appraisal_deadlines_from_today(api_for, lease):
    today = timezone.localdate()
    response = api_for("homeowner").post(
        f"/api/v1/ground-leases/{lease.pk}/events/",
        # The dates in the body are ignored: the trust receives an online notice when it is submitted.
        {"kind": "intent_to_sell_received", "received_on": "2020-02-02", "effective_on": "2020-02-02"},
        format="json",
    )
    assert response.status_code == 201, response.content
    event = response.json()
    assert (event["received_on"], event["effective_on"], event["sent_on"]) == (today.isoformat(),) * 3
    assert event["delivery_method"] == "online"
    assert event["reason"] == "Submitted online by the leaseholder"
    assert event["recorded_by"] == "owner"
    # The lease wants 90 days' notice before a transfer (template default), counted from today.
    assert event["data"]["earliest_transfer"] == (today + dt.timedelta(days=90)).isoformat()
    opened = {d["kind"]: d for d in event["deadlines_opened"]}
    # Template defaults: 10 days to decide on a second appraisal, 45 to deliver it.
    assert opened["second_appraisal_decision"]["due"] == (today + dt.timedelta(days=10)).isoformat()
    assert opened["second_appraisal_delivery"]["due"] == (today + dt.timedelta(days=45)).isoformat()
    assert opened["second_appraisal_decision"]["counted_from"] == today.isoformat()
    lease.refresh_from_db()
    assert lease.transfer_state == "price_determination"
    # Staff see the same deadlines on the dashboard.
    due = api_for("staff").get("/api/v1/deadlines/due/").json()
    due_30 = next(b for b in due["buckets"] if b["key"] == "due_30")
    assert {(i["lease"], i["kind"], i["days_left"]) for i in due_30["items"]} >= {
        (lease.pk, "second_appraisal_decision", 10)
    }
    # A second notice is an illegal transition now.
    again = api_for("homeowner").post(
        f"/api/v1/ground-leases/{lease.pk}/events/", {"kind": "intent_to_sell_received"}, format="json"
    )
    assert again.status_code == 400 and "kind" in again.json()


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", ANON_REFUSED), ("member", (403,)), ("other_homeowner", (404,)), ("homeowner", (403,))],
)
def test_who_may_not_submit_what(api_for, lease, role, expected):
    """A member holds no lease (403); another homeowner's attempt answers 404; the homeowner may not
    record a staff-only kind (403)."""
    kinds = ["default_notice_sent", "executed", "option_exercised"]
    if role != "homeowner":
        kinds.append("intent_to_sell_received")
    for kind in kinds:
        response = api_for(role).post(
            f"/api/v1/ground-leases/{lease.pk}/events/",
            {"kind": kind, "received_on": "2024-03-04", "data": {"breach": "x"}},
            format="json",
        )
        assert response.status_code in expected, (kind, response.status_code)
    assert not lease.events.exclude(kind="executed").exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", ANON_REFUSED),
        ("member", (403,)),
        ("other_homeowner", (404,)),
        ("homeowner", (200, 201)),
        ("staff", (200, 201)),
    ],
)
def test_submission_matrix(api_for, lease, role, expected):
    """The two things a leaseholder starts online, on the homeowner's lease, by each role."""
    client = api_for(role)
    year = timezone.localdate().year
    today = timezone.localdate().isoformat()
    notice = client.post(
        f"/api/v1/ground-leases/{lease.pk}/events/",
        {"kind": "intent_to_sell_received", "received_on": today, "reason": "Owner's letter"},
        format="json",
    )
    certification = client.post(
        f"/api/v1/ground-leases/{lease.pk}/certify-occupancy/", {"year": year, "months_occupied": 11}, format="json"
    )
    assert notice.status_code in expected and certification.status_code in expected
    allowed = role in ("homeowner", "staff")
    lease.refresh_from_db()
    assert lease.transfer_state == ("price_determination" if allowed else "none")
    assert lease.events.filter(kind="intent_to_sell_received").count() == int(allowed)
    record = lease.monitoring.get(kind="occupancy_certification", year=year)
    assert (record.status, record.months_occupied) == (("submitted", 11) if allowed else ("requested", None))


def test_homeowner_bad_kind_is_a_400_on_kind(api_for, lease):
    response = api_for("homeowner").post(
        f"/api/v1/ground-leases/{lease.pk}/events/", {"kind": "moved_to_mars"}, format="json"
    )
    assert response.status_code == 400 and "kind" in response.json()


def test_homeowner_certifies_occupancy(api_for, lease, other_lease):
    year = timezone.localdate().year
    owner = api_for("homeowner")
    response = owner.post(
        f"/api/v1/ground-leases/{lease.pk}/certify-occupancy/",
        {"year": year, "months_occupied": 12, "details": "Lived here all year"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["months_occupied"], body["submitted_by"]) == ("submitted", 12, "owner")
    assert body["kind"] == "occupancy_certification" and body["year"] == year
    assert body["submitted_on"] == timezone.localdate().isoformat()
    # Another's lease: not found. A member: refused. Bad months: 400 on the field.
    assert (
        owner.post(
            f"/api/v1/ground-leases/{other_lease.pk}/certify-occupancy/", {"year": year, "months_occupied": 12}
        ).status_code
        == 404
    )
    assert (
        api_for("member")
        .post(f"/api/v1/ground-leases/{lease.pk}/certify-occupancy/", {"year": year, "months_occupied": 12})
        .status_code
        == 403
    )
    bad = owner.post(f"/api/v1/ground-leases/{lease.pk}/certify-occupancy/", {"year": year, "months_occupied": 13})
    assert bad.status_code == 400 and "months_occupied" in bad.json()
    # Staff accept it; the homeowner sees the outcome.
    record_id = body["id"]
    staff = api_for("staff")
    accepted = staff.post(
        f"/api/v1/monitoring-records/{record_id}/review/", {"status": "accepted", "reason": "Utility bills seen"}
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert owner.get(f"/api/v1/monitoring-records/{record_id}/").json()["completed_on"] == (
        timezone.localdate().isoformat()
    )
    history = staff.get(f"/api/v1/monitoring-records/{record_id}/history/").json()
    assert history[0]["reason"] == "Utility bills seen"


@pytest.mark.today("2026-12-07")
def test_certify_occupancy_refuses_a_year_outside_the_lease(api_for, lease):
    owner = api_for("homeowner")
    for year in (1900, 2019, 2027, 2200):
        response = owner.post(
            f"/api/v1/ground-leases/{lease.pk}/certify-occupancy/", {"year": year, "months_occupied": 12}, format="json"
        )
        assert response.status_code == 400
        assert response.json() == {"year": [f"{year} is not a year of this lease: certify a year from 2020 to 2026."]}
    assert list(lease.monitoring.filter(kind="occupancy_certification").values_list("year", flat=True)) == [2026]


def test_review_refuses_too_few_months(staff_api, lease):
    record = monitoring_services.occupancy_certify(lease=lease, year=2024, months_occupied=6, actor=None, reason="t")
    response = staff_api.post(f"/api/v1/monitoring-records/{record.pk}/review/", {"status": "accepted", "reason": "x"})
    assert response.status_code == 400
    assert "6 months occupied is fewer than the 10" in response.json()["status"][0]
    record.refresh_from_db()
    assert record.status == "submitted"


# ---------------------------------------------------------------------------------------------
# Lifecycle through the API
# ---------------------------------------------------------------------------------------------


def test_default_notice_opens_the_cure_deadline_from_receipt(staff_api, lease):
    response = staff_api.post(
        f"/api/v1/ground-leases/{lease.pk}/events/",
        {
            "kind": "default_notice_sent",
            "sent_on": "2024-03-01",
            "received_on": "2024-03-04",
            "delivery_method": "certified mail",
            "data": {"breach": "Home not owner-occupied"},
            "reason": "Occupancy breach found at inspection",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    event = response.json()
    assert (event["from_state"], event["to_state"]) == ("ok", "default_noticed")
    assert event["kind_label"] == "Notice of default sent"
    assert event["effective_on"] == "2024-03-04"  # defaults to the receipt
    # 30 days counted from receipt on 4 March: day 1 is 5 March, day 30 is 3 April.
    cure = staff_api.get(f"/api/v1/ground-leases/{lease.pk}/deadlines/").json()["open"]
    cure = [d for d in cure if d["kind"] == "cure"]
    assert len(cure) == 1
    assert (cure[0]["counted_from"], cure[0]["days"], cure[0]["due"]) == ("2024-03-04", 30, "2024-04-03")
    assert cure[0]["original_due"] == "2024-04-03" and cure[0]["extended"] is False
    detail = staff_api.get(f"/api/v1/ground-leases/{lease.pk}/").json()
    assert detail["compliance_state"] == "default_noticed"
    events = staff_api.get(f"/api/v1/ground-leases/{lease.pk}/events/").json()
    assert [e["kind"] for e in events] == ["executed", "default_notice_sent"]  # oldest first
    # The same event, read across leases with filters.
    listed = staff_api.get("/api/v1/lease-events/", {"lease": lease.pk, "track": "compliance"}).json()
    assert [e["id"] for e in listed["results"]] == [event["id"]]


def test_illegal_transition_answers_400_on_kind_and_changes_nothing(staff_api, lease):
    events_before = LeaseEvent.objects.count()
    response = staff_api.post(
        f"/api/v1/ground-leases/{lease.pk}/events/",
        {"kind": "default_cured", "effective_on": "2024-03-04", "reason": "paid up"},
        format="json",
    )
    assert response.status_code == 400
    assert "not possible" in response.json()["kind"][0]
    assert LeaseEvent.objects.count() == events_before
    lease.refresh_from_db()
    assert (lease.status, lease.compliance_state) == ("active", "ok")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "default_notice_sent", "data": {"breach": "x"}, "reason": "r"}, "received_on"),
        ({"kind": "default_notice_sent", "received_on": "2024-03-04", "reason": "r"}, "data.breach"),
        (
            {
                "kind": "default_notice_sent",
                "effective_on": "2024-03-04",
                "received_on": "2999-01-01",
                "data": {"breach": "x"},
                "reason": "r",
            },
            "received_on",
        ),
        (
            {
                "kind": "default_notice_sent",
                "sent_on": "2024-03-05",
                "received_on": "2024-03-04",
                "data": {"breach": "x"},
                "reason": "r",
            },
            "received_on",
        ),
        ({"kind": "default_notice_sent", "received_on": "2024-03-04", "data": {"breach": "x"}}, "change_reason"),
        ({"kind": "not_a_kind", "reason": "r"}, "kind"),
        ({"kind": "default_notice_sent", "received_on": "04/03/2024", "reason": "r"}, "received_on"),
    ],
)
def test_event_input_errors_name_the_field(staff_api, lease, payload, field):
    response = staff_api.post(f"/api/v1/ground-leases/{lease.pk}/events/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not lease.events.exclude(kind="executed").exists()


def test_extending_a_deadline_keeps_the_original(api_for, lease):
    staff = api_for("staff")
    lifecycle_services.lease_event_record(
        lease=lease,
        kind="default_notice_sent",
        received_on=D(2024, 3, 4),
        data={"breach": "x"},
        actor=None,
        reason="notice",
    )
    cure = lease.deadlines.get(kind="cure")
    assert (
        api_for("homeowner")
        .post(
            f"/api/v1/deadlines/{cure.pk}/extend/", {"new_due": "2024-05-03", "agreed_on": "2024-03-20", "reason": "x"}
        )
        .status_code
        == 403
    )
    earlier = staff.post(
        f"/api/v1/deadlines/{cure.pk}/extend/", {"new_due": "2024-04-01", "agreed_on": "2024-03-20", "reason": "x"}
    )
    assert earlier.status_code == 400 and "April 3, 2024" in earlier.json()["new_due"][0]
    response = staff.post(
        f"/api/v1/deadlines/{cure.pk}/extend/",
        {"new_due": "2024-05-03", "agreed_on": "2024-03-20", "reason": "Letter of 20 March: repairs under way"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["original_due"], body["due"], body["extended"], body["status"]) == (
        "2024-04-03",
        "2024-05-03",
        True,
        "open",
    )
    extension = lease.events.get(kind="deadline_extended")
    assert extension.data == {"deadline": cure.pk, "kind": "cure", "from": "2024-04-03", "to": "2024-05-03"}
    assert extension.reason == "Letter of 20 March: repairs under way"
    # The homeowner sees their extended deadline; the history says why it moved.
    mine = api_for("homeowner").get("/api/v1/deadlines/", {"kind": "cure"}).json()["results"]
    assert [(d["due"], d["original_due"]) for d in mine] == [("2024-05-03", "2024-04-03")]
    history = staff.get(f"/api/v1/deadlines/{cure.pk}/history/").json()
    assert history[0]["reason"] == "Letter of 20 March: repairs under way"
    assert {c["field"]: (c["old"], c["new"]) for c in history[0]["changes"]} == {"due": ("2024-04-03", "2024-05-03")}


def test_deadline_filters_and_dashboard(api_for, lease, other_lease):
    lifecycle_services.lease_event_record(
        lease=lease, kind="default_notice_sent", received_on=D(2024, 3, 4), data={"breach": "x"}, actor=None, reason="n"
    )
    staff = api_for("staff")
    overdue = staff.get("/api/v1/deadlines/", {"overdue": "true"}).json()["results"]
    assert [(d["lease"], d["kind"], d["due"]) for d in overdue] == [(lease.pk, "cure", "2024-04-03")]
    assert staff.get("/api/v1/deadlines/", {"kind": "term_end"}).json()["count"] == 2
    assert staff.get("/api/v1/deadlines/", {"lease": other_lease.pk, "status": "open"}).json()["count"] == 2
    window = staff.get("/api/v1/deadlines/", {"due_after": "2024-04-01", "due_before": "2024-04-30"}).json()
    assert [d["kind"] for d in window["results"]] == ["cure"]
    not_overdue = staff.get("/api/v1/deadlines/", {"overdue": "false", "lease": lease.pk}).json()["results"]
    assert "cure" not in {d["kind"] for d in not_overdue}

    due = staff.get("/api/v1/deadlines/due/", {"horizon": 30}).json()
    assert due["horizon"] == 30 and due["as_of"] == timezone.localdate().isoformat()
    buckets = {b["key"]: b["items"] for b in due["buckets"]}
    assert list(buckets) == ["overdue", "due_30", "due_60", "due_90"]
    overdue_items = [(i["source"], i["lease"], i["kind"]) for i in buckets["overdue"]]
    assert ("deadline", lease.pk, "cure") in overdue_items
    cure = next(i for i in buckets["overdue"] if i["kind"] == "cure")
    assert cure["days_left"] == (D(2024, 4, 3) - timezone.localdate()).days and cure["overdue"] is True
    # Scoped: the other homeowner sees none of it, a member nothing at all.
    other = api_for("other_homeowner").get("/api/v1/deadlines/due/").json()
    assert all(i["lease"] == other_lease.pk for b in other["buckets"] for i in b["items"])
    member = api_for("member").get("/api/v1/deadlines/due/").json()
    assert all(b["items"] == [] for b in member["buckets"])
    assert staff.get("/api/v1/deadlines/due/", {"horizon": 91}).status_code == 400
    assert api_for("anonymous").get("/api/v1/deadlines/due/").status_code in ANON_REFUSED


# ---------------------------------------------------------------------------------------------
# Leases: create, edit, what they show
# ---------------------------------------------------------------------------------------------


def test_staff_make_a_lease_and_edit_its_recording(staff_api, staff_user):
    unit = property_services.unit_create(
        actor=None, reason="t", parcel=make_parcel("NEW-1", x=5000), address="7 Birch Lane"
    )
    version = make_template_version(default_monthly_fee=Decimal("35.00"))
    ana = Person.objects.create(given_name="Ana", family_name="Diaz")
    luis = Person.objects.create(given_name="Luis", family_name="Diaz")
    response = staff_api.post(
        "/api/v1/ground-leases/",
        {
            "unit": unit.pk,
            "template_version": version.pk,
            "leaseholder_ids": [ana.pk, luis.pk],
            "commencement": "2024-05-01",
            "purchase_price": "180000.00",
            "appraised_value": "260000.00",
            "appraised_land_value": "60000.00",
            "appraised_improvements_value": "200000.00",
            "monthly_fee": "55.00",
            "subsidies": [{"source": "City HOME", "amount": "80000.00"}],
            "change_reason": "Closing of 1 May 2024",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["unit_address"] == "7 Birch Lane" and body["parcel_apn"] == "NEW-1"
    assert body["leaseholders"] == [{"person": ana.pk, "name": "Ana Diaz"}, {"person": luis.pk, "name": "Luis Diaz"}]
    assert body["monthly_fee"] == "55.00" and body["balance"] == "0.00"
    assert body["subsidies"] == [
        {"id": body["subsidies"][0]["id"], "source": "City HOME", "amount": "80000.00", "stays_with_home": True}
    ]
    assert body["template_version_name"] == f"Model lease 2018 v{version.version}"
    lease_id = body["id"]

    edited = staff_api.patch(
        f"/api/v1/ground-leases/{lease_id}/",
        {"recording_book": "1234", "recording_page": "56", "change_reason": "Recorded at the county"},
        format="json",
    )
    assert edited.status_code == 200, edited.content
    assert (edited.json()["recording_book"], edited.json()["recording_page"]) == ("1234", "56")
    history = staff_api.get(f"/api/v1/ground-leases/{lease_id}/history/").json()
    assert history[0]["reason"] == "Recorded at the county" and history[0]["user"] == staff_user.username
    # What only events, fee rates or the original signing may change is refused on the field.
    for payload, field in [
        ({"monthly_fee": "60.00"}, "monthly_fee"),
        ({"unit": unit.pk}, "unit"),
        ({"leaseholder_ids": [ana.pk]}, "leaseholder_ids"),
        ({"appraised_land_value": "70000.00"}, "appraised_improvements_value"),
        ({"purchase_price": "1.005"}, "purchase_price"),
    ]:
        refused = staff_api.patch(f"/api/v1/ground-leases/{lease_id}/", payload, format="json")
        assert refused.status_code == 400 and field in refused.json(), (payload, refused.json())
    # Executing it is an event; then the commencement is fixed.
    executed = staff_api.post(
        f"/api/v1/ground-leases/{lease_id}/events/",
        {"kind": "executed", "effective_on": "2024-05-01", "reason": "Signed at closing"},
        format="json",
    )
    assert executed.status_code == 201, executed.content
    detail = staff_api.get(f"/api/v1/ground-leases/{lease_id}/").json()
    assert (detail["status"], detail["term_end"]) == ("active", "2123-05-01")
    fixed = staff_api.patch(f"/api/v1/ground-leases/{lease_id}/", {"commencement": "2024-06-01"}, format="json")
    assert fixed.status_code == 400 and "commencement" in fixed.json()


def test_lease_for_an_organisation_and_bad_leaseholders(staff_api):
    from clt.models import Organization

    coop = Organization.objects.create(name="Elm Street Cooperative", kind="housing_cooperative")
    unit = property_services.unit_create(actor=None, reason="t", parcel=make_parcel("COOP-1", x=6000), address="1 Elm")
    version = make_template_version()
    person = Person.objects.create(given_name="Both")
    both = staff_api.post(
        "/api/v1/ground-leases/",
        {"unit": unit.pk, "template_version": version.pk, "organization": coop.pk, "leaseholder_ids": [person.pk]},
        format="json",
    )
    assert both.status_code == 400 and "leaseholders" in both.json()
    unknown = staff_api.post(
        "/api/v1/ground-leases/",
        {"unit": unit.pk, "template_version": version.pk, "leaseholder_ids": [999999]},
        format="json",
    )
    assert unknown.status_code == 400 and "leaseholder_ids" in unknown.json()
    assert not GroundLease.objects.filter(unit=unit).exists()
    made = staff_api.post(
        "/api/v1/ground-leases/", {"unit": unit.pk, "template_version": version.pk, "organization": coop.pk}
    )
    assert made.status_code == 201
    assert (made.json()["organization_name"], made.json()["leaseholders"]) == ("Elm Street Cooperative", [])
    assert made.json()["monthly_fee"] == "40.00"  # the terms' default


def test_lease_list_filters(staff_api, lease, other_lease):
    staff_api.post(
        f"/api/v1/ground-leases/{lease.pk}/events/",
        {"kind": "default_notice_sent", "received_on": "2024-03-04", "data": {"breach": "x"}, "reason": "r"},
        format="json",
    )
    by_state = staff_api.get("/api/v1/ground-leases/", {"compliance_state": "default_noticed"}).json()
    assert [row["id"] for row in by_state["results"]] == [lease.pk]
    by_person = staff_api.get("/api/v1/ground-leases/", {"person": other_lease.leaseholders.get().person_id}).json()
    assert [row["id"] for row in by_person["results"]] == [other_lease.pk]
    by_name = staff_api.get("/api/v1/ground-leases/", {"q": "neighbour"}).json()
    assert [row["id"] for row in by_name["results"]] == [other_lease.pk]
    by_address = staff_api.get("/api/v1/ground-leases/", {"q": lease.unit.address}).json()
    assert [row["id"] for row in by_address["results"]] == [lease.pk]
    ordered = staff_api.get("/api/v1/ground-leases/", {"ordering": "unit__address"}).json()
    assert [row["unit_address"] for row in ordered["results"]] == sorted([lease.unit.address, other_lease.unit.address])
    assert staff_api.get("/api/v1/ground-leases/", {"status": "draft"}).json()["count"] == 0


def test_households(api_for, homeowner_user, other_homeowner_user):
    staff = api_for("staff")
    partner = Person.objects.create(given_name="Sam", family_name="Owner")
    response = staff.post(
        "/api/v1/households/",
        {
            "name": "Owner household",
            "size": 3,
            "income_at_purchase": "52000.00",
            "area_median_income": "80000.00",
            "ami_year": 2020,
            "people": [homeowner_user.person.pk, partner.pk],
            "change_reason": "Income certification 2020",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ami_percent"] == "65.0"  # 52,000 / 80,000
    assert [m["name"] for m in body["members"]] == ["Owner", "Sam Owner"]
    own = api_for("homeowner").get("/api/v1/households/").json()
    assert [h["id"] for h in own["results"]] == [body["id"]]
    assert api_for("other_homeowner").get(f"/api/v1/households/{body['id']}/").status_code == 404
    bad = staff.post("/api/v1/households/", {"name": "Big", "size": 0}, format="json")
    assert bad.status_code == 400 and "size" in bad.json()


def test_template_versions(staff_api, lease):
    used = lease.template_version
    response = staff_api.post(
        "/api/v1/lease-template-versions/",
        {"template": used.template_id, "effective_from": "2025-01-01", "cure_days": 45, "change_reason": "2025 lease"},
        format="json",
    )
    assert response.status_code == 201, response.content
    new = response.json()
    assert new["version"] == used.template.versions.count()  # numbered after the latest
    assert (new["cure_days"], new["term_years"], new["in_use"]) == (45, 99, False)  # other terms copied
    in_use = staff_api.patch(f"/api/v1/lease-template-versions/{used.pk}/", {"cure_days": 60}, format="json")
    assert in_use.status_code == 400 and "in use" in in_use.json()["version"][0]
    used.refresh_from_db()
    assert used.cure_days == 30
    fixed = staff_api.patch(f"/api/v1/lease-template-versions/{new['id']}/", {"cure_days": 40}, format="json")
    assert fixed.status_code == 200 and fixed.json()["cure_days"] == 40
    templates = staff_api.get("/api/v1/lease-templates/").json()["results"]
    versions = {v["id"]: v["in_use"] for t in templates for v in t["versions"]}
    assert versions[used.pk] is True and versions[new["id"]] is False


# ---------------------------------------------------------------------------------------------
# The ledger
# ---------------------------------------------------------------------------------------------


def _bill(*months: tuple[int, int]) -> None:
    for year, month in months:
        ledger_services.bill_month(year=year, month=month)


def test_ledger_statement_and_ageing(api_for, lease):
    """40.00 a month due on the 1st, billed January to March 2024; 40.00 paid on 10 January."""
    _bill((2024, 1), (2024, 2), (2024, 3))
    ledger_services.payment_record(
        lease=lease, amount=Decimal("40.00"), received_on=D(2024, 1, 10), actor=None, reason="t"
    )
    owner = api_for("homeowner")
    ledger = owner.get(f"/api/v1/ground-leases/{lease.pk}/ledger/", {"as_of": "2024-03-15"}).json()
    assert (ledger["charged"], ledger["paid"], ledger["balance"], ledger["credit"]) == (
        "120.00",
        "40.00",
        "80.00",
        "0.00",
    )
    # February's fee is 43 days past due on 15 March, March's 14.
    assert ledger["ageing"] == {
        "current": "0.00",
        "days_0_30": "40.00",
        "days_31_60": "40.00",
        "days_61_90": "0.00",
        "over_90": "0.00",
        "total": "80.00",
    }
    assert [(c["due"], c["open"]) for c in ledger["open_charges"]] == [("2024-02-01", "40.00"), ("2024-03-01", "40.00")]

    statement = owner.get(
        f"/api/v1/ground-leases/{lease.pk}/statement/", {"start": "2024-01-01", "end": "2024-03-31"}
    ).json()
    assert statement["opening"] == "0.00" and statement["closing"] == "80.00"
    assert [
        (line["date"], line["kind"], line["debit"], line["credit"], line["balance"]) for line in statement["lines"]
    ] == [
        ("2024-01-01", "fee", "40.00", "0.00", "40.00"),
        ("2024-01-10", "payment", "0.00", "40.00", "0.00"),
        ("2024-02-01", "fee", "40.00", "0.00", "40.00"),
        ("2024-03-01", "fee", "40.00", "0.00", "80.00"),
    ]
    assert statement["lines"][0]["description"] == "Lease fee, 2024-01"
    bad = owner.get(f"/api/v1/ground-leases/{lease.pk}/statement/", {"start": "2024-03-01", "end": "2024-01-01"})
    assert bad.status_code == 400 and "end" in bad.json()
    assert owner.get(f"/api/v1/ground-leases/{lease.pk}/statement/").status_code == 400
    assert owner.get(f"/api/v1/ground-leases/{lease.pk}/ledger/", {"as_of": "soon"}).status_code == 400


def test_payment_then_reversal_moves_the_balance_back(staff_api, lease):
    _bill((2024, 1), (2024, 2), (2024, 3))
    ledger_url = f"/api/v1/ground-leases/{lease.pk}/ledger/"

    def balance(as_of: str) -> str:
        return staff_api.get(ledger_url, {"as_of": as_of}).json()["balance"]

    assert balance("2024-03-15") == "120.00"
    paid = staff_api.post(
        "/api/v1/payments/",
        {"lease": lease.pk, "amount": "120.00", "received_on": "2024-03-10", "method": "check", "reference": "#1001"},
        format="json",
        HTTP_X_CHANGE_REASON="Cheque #1001 deposited",
    )
    assert paid.status_code == 201, paid.content
    assert paid.json()["amount"] == "120.00" and paid.json()["reversed_on"] is None
    history = staff_api.get(f"/api/v1/payments/{paid.json()['id']}/history/").json()
    assert (history[0]["action"], history[0]["reason"]) == ("created", "Cheque #1001 deposited")
    assert balance("2024-03-15") == "0.00"
    reversed_ = staff_api.post(
        f"/api/v1/payments/{paid.json()['id']}/reverse/",
        {"reversed_on": "2024-03-20", "reason": "Cheque #1001 returned unpaid"},
        format="json",
    )
    assert reversed_.status_code == 200, reversed_.content
    assert (reversed_.json()["reversed_on"], reversed_.json()["reversal_reason"]) == (
        "2024-03-20",
        "Cheque #1001 returned unpaid",
    )
    assert balance("2024-03-15") == "0.00"  # it counted until the day before its reversal
    assert balance("2024-03-25") == "120.00"
    # The lease's balance today agrees with the ledger service.
    detail = staff_api.get(f"/api/v1/ground-leases/{lease.pk}/").json()
    assert detail["balance"] == "120.00" == f"{ledger_selectors.ledger_state(lease).balance:.2f}"
    twice = staff_api.post(f"/api/v1/payments/{paid.json()['id']}/reverse/", {"reason": "again"}, format="json")
    assert twice.status_code == 400 and "already reversed" in twice.json()["reversed_on"][0]
    assert staff_api.get("/api/v1/payments/", {"reversed": "true"}).json()["count"] == 1
    bad = staff_api.post(
        "/api/v1/payments/", {"lease": lease.pk, "amount": "10.001", "received_on": "2024-03-10"}, format="json"
    )
    assert bad.status_code == 400 and "amount" in bad.json()
    future = staff_api.post(
        "/api/v1/payments/", {"lease": lease.pk, "amount": "10.00", "received_on": "2999-01-01"}, format="json"
    )
    assert future.status_code == 400 and "received_on" in future.json()


def test_charges_and_waivers(api_for, lease, other_lease):
    staff = api_for("staff")
    made = staff.post(
        "/api/v1/charges/",
        {"lease": lease.pk, "amount": "150.00", "due": "2024-04-01", "description": "Returned-cheque fee"},
        format="json",
    )
    assert made.status_code == 201, made.content
    charge = made.json()
    assert (charge["kind"], charge["amount"], charge["waived"]) == ("other", "150.00", "0.00")
    too_much = staff.post(f"/api/v1/charges/{charge['id']}/waive/", {"amount": "150.01", "reason": "x"}, format="json")
    assert too_much.status_code == 400 and "150.00" in too_much.json()["amount"][0]
    waived = staff.post(
        f"/api/v1/charges/{charge['id']}/waive/",
        {"amount": "50.00", "granted_on": "2024-04-10", "reason": "Board hardship policy"},
        format="json",
    )
    assert waived.status_code == 200, waived.content
    assert waived.json()["waived"] == "50.00"
    assert [(w["amount"], w["reason"]) for w in waived.json()["waivers"]] == [("50.00", "Board hardship policy")]
    ledger = staff.get(f"/api/v1/ground-leases/{lease.pk}/ledger/", {"as_of": "2024-04-30"}).json()
    assert ledger["balance"] == "100.00"
    # Filters, and the homeowner sees the waiver on their own charge only.
    assert staff.get("/api/v1/charges/", {"kind": "other", "lease": lease.pk}).json()["count"] == 1
    assert staff.get("/api/v1/charges/", {"due_after": "2024-04-02"}).json()["count"] == 0
    own = api_for("homeowner").get("/api/v1/charges/").json()["results"]
    assert [(c["id"], c["waived"]) for c in own] == [(charge["id"], "50.00")]
    assert api_for("other_homeowner").get(f"/api/v1/charges/{charge['id']}/").status_code == 404


def test_fee_increase_above_the_cap_is_refused_on_amount(staff_api):
    version = make_template_version(max_increase_pct=Decimal("5.000"), max_increases_per_year=1)
    lease = make_lease(version=version, monthly_fee=Decimal("40.00"))
    over = staff_api.post(
        "/api/v1/fee-rates/",
        {"lease": lease.pk, "effective": "2024-07-01", "amount": "42.01", "reason": "Board resolution 2024-3"},
        format="json",
    )
    assert over.status_code == 400
    message = over.json()["amount"][0]
    assert "5.03%" in message and "5.00%" in message and "42.01" in message
    assert lease.fee_schedule.rates.count() == 1
    at_cap = staff_api.post(
        "/api/v1/fee-rates/",
        {"lease": lease.pk, "effective": "2024-07-01", "amount": "42.00", "reason": "Board resolution 2024-3"},
        format="json",
    )
    assert at_cap.status_code == 201, at_cap.content
    assert (at_cap.json()["amount"], at_cap.json()["schedule"]) == ("42.00", lease.fee_schedule.pk)
    second = staff_api.post(
        "/api/v1/fee-rates/",
        {"lease": lease.pk, "effective": "2024-12-01", "amount": "43.00", "reason": "again"},
        format="json",
    )
    assert second.status_code == 400 and "effective" in second.json()
    detail = staff_api.get(f"/api/v1/ground-leases/{lease.pk}/").json()
    assert detail["monthly_fee"] == "42.00"  # in effect today
    rates = staff_api.get("/api/v1/fee-rates/", {"lease": lease.pk}).json()["results"]
    assert [(r["effective"], r["amount"]) for r in rates] == [("2020-01-01", "40.00"), ("2024-07-01", "42.00")]


def test_fee_schedule_and_suspension(staff_api, lease):
    schedule = lease.fee_schedule
    changed = staff_api.patch(
        f"/api/v1/fee-schedules/{schedule.pk}/",
        {"late_fee_kind": "flat", "late_fee_amount": "25.00", "grace_days": 30, "change_reason": "2024 policy"},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["late_fee_kind"], changed.json()["late_fee_amount"], changed.json()["grace_days"]) == (
        "flat",
        "25.00",
        30,
    )
    assert staff_api.patch(f"/api/v1/fee-schedules/{schedule.pk}/", {"due_day": 32}, format="json").json().keys() == {
        "due_day"
    }
    suspended = staff_api.post(
        "/api/v1/fee-suspensions/",
        {"lease": lease.pk, "start": "2024-02-01", "end": "2024-03-31", "reason": "Flood repairs, letter of 25 Jan"},
        format="json",
    )
    assert suspended.status_code == 201, suspended.content
    backwards = staff_api.post(
        "/api/v1/fee-suspensions/",
        {"lease": lease.pk, "start": "2024-05-01", "end": "2024-04-01", "reason": "x"},
        format="json",
    )
    assert backwards.status_code == 400 and "end" in backwards.json()
    _bill((2024, 1), (2024, 2), (2024, 3), (2024, 4))
    charged = staff_api.get("/api/v1/charges/", {"lease": lease.pk, "kind": "fee"}).json()["results"]
    assert [c["due"] for c in charged] == ["2024-01-01", "2024-04-01"]  # February and March suspended
    detail = staff_api.get(f"/api/v1/fee-schedules/{schedule.pk}/").json()
    assert [s["reason"] for s in detail["suspensions"]] == ["Flood repairs, letter of 25 Jan"]
    assert staff_api.get("/api/v1/fee-suspensions/", {"in_force_on": "2024-03-15"}).json()["count"] == 1
    assert staff_api.get(f"/api/v1/ground-leases/{lease.pk}/").json()["fee_suspended"] is False
    open_ended = staff_api.post(
        "/api/v1/fee-suspensions/", {"lease": lease.pk, "start": "2024-05-01", "reason": "Hardship"}, format="json"
    )
    assert open_ended.status_code == 201 and open_ended.json()["end"] is None
    detail = staff_api.get(f"/api/v1/ground-leases/{lease.pk}/").json()
    assert (detail["fee_suspended"], detail["monthly_fee"]) == (True, "40.00")


def test_monitoring_records(api_for, lease):
    staff = api_for("staff")
    made = staff.post(
        "/api/v1/monitoring-records/",
        {"lease": lease.pk, "kind": "insurance", "due": "2024-03-31", "details": "Homeowner's policy renewal"},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert (made.json()["status"], made.json()["due"]) == ("requested", "2024-03-31")
    too_soon = staff.post(
        "/api/v1/monitoring-records/",
        {
            "lease": lease.pk,
            "kind": "inspection",
            "notice_sent_at": "2024-05-01T09:00:00Z",
            "scheduled_for": "2024-05-02T08:00:00Z",
        },
        format="json",
    )
    assert too_soon.status_code == 400 and "48 hours" in too_soon.json()["scheduled_for"][0]
    overdue = staff.get("/api/v1/monitoring-records/", {"overdue": "true", "kind": "insurance"}).json()
    assert [r["id"] for r in overdue["results"]] == [made.json()["id"]]
    rejected = staff.post(
        f"/api/v1/monitoring-records/{made.json()['id']}/review/",
        {"status": "rejected", "reason": "Policy lapsed"},
        format="json",
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    bad = staff.post(f"/api/v1/monitoring-records/{made.json()['id']}/review/", {"status": "requested"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()
    waived = staff.post(
        f"/api/v1/monitoring-records/{made.json()['id']}/review/",
        {"status": "waived", "reason": "Sold"},
        format="json",
    )
    assert waived.json()["status"] == "waived"
    assert staff.get("/api/v1/monitoring-records/", {"overdue": "true", "kind": "insurance"}).json()["count"] == 0


# ---------------------------------------------------------------------------------------------
# Query counts: lists do not grow with rows
# ---------------------------------------------------------------------------------------------

LIST_PATHS = [
    "/api/v1/ground-leases/?page_size=50",
    "/api/v1/lease-events/?page_size=500",
    "/api/v1/deadlines/?page_size=500",
    "/api/v1/deadlines/due/?horizon=90",
    "/api/v1/fee-schedules/?page_size=500",
    "/api/v1/fee-rates/?page_size=500",
    "/api/v1/fee-suspensions/?page_size=500",
    "/api/v1/charges/?page_size=500",
    "/api/v1/payments/?page_size=500",
    "/api/v1/monitoring-records/?page_size=500",
    "/api/v1/households/?page_size=500",
    "/api/v1/lease-template-versions/?page_size=500",
    "/api/v1/lease-templates/?page_size=500",
]
# The count, the page of leases with their ledger figures as subqueries, leaseholders with their people,
# subsidies.
LEASE_LIST_QUERIES = 4


def _portfolio(count: int, version) -> None:
    """``count`` leases with a household, a waived charge, a payment, a suspension and a monitoring record."""
    for _ in range(count):
        lease = make_lease(version=version)
        person = lease.leaseholders.get().person
        _rows_of(lease, person)
        ledger_services.charge_waive(
            charge=lease.charges.get(), amount=Decimal("5.00"), granted_on=D(2024, 2, 2), actor=None, reason="t"
        )


def test_list_queries_do_not_grow_with_rows(staff_api, django_assert_max_num_queries):
    version = make_template_version()
    _portfolio(5, version)
    _bill((2024, 1), (2024, 2))
    for path in LIST_PATHS:
        staff_api.get(path)  # warm caches (content types, the user's groups)
    few = {}
    for path in LIST_PATHS:
        with CaptureQueriesContext(connection) as queries:
            assert staff_api.get(path).status_code == 200
        few[path] = len(queries)
    with django_assert_max_num_queries(LEASE_LIST_QUERIES):
        assert staff_api.get(LIST_PATHS[0]).json()["count"] == 5
    _portfolio(25, version)
    _bill((2024, 1), (2024, 2), (2024, 3))
    for path in LIST_PATHS:
        with CaptureQueriesContext(connection) as queries:
            response = staff_api.get(path)
        assert response.status_code == 200
        assert len(queries) == few[path], (path, [q["sql"] for q in queries.captured_queries])
    with django_assert_max_num_queries(LEASE_LIST_QUERIES):
        body = staff_api.get(LIST_PATHS[0]).json()
    assert body["count"] == 30
    # Each lease: three months of 40.00 and a 75.00 charge less 5.00 waived, 40.00 paid.
    assert {row["balance"] for row in body["results"]} == {"150.00"}
    assert {(row["monthly_fee"], row["fee_suspended"]) for row in body["results"]} == {("40.00", False)}
