"""Member meetings through the services: notice, the meeting's life, attendance, proxies, the live quorum,
resolutions voted against the quorum of the moment, and the resale policy version a resolution approves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from clt.models import Person
from governance.meetings.models import Attendance, Meeting, MeetingStatus, Proxy, Resolution, ResolutionStatus
from governance.membership.models import GovernanceSettings
from leases.models import PolicyStatus
from leases.resale import services as lease_services
from tests.factories import make_lease
from tests.governance import all_services as services

pytestmark = pytest.mark.django_db

D = dt.date
RECORD = D(2026, 3, 1)
STARTS = dt.datetime(2026, 4, 15, 18, 0, tzinfo=dt.UTC)
NOTICE = D(2026, 4, 1)
FIXED_SIMPLE = {"formula": {"family": "fixed_rate_simple", "rate": "0.015", "period": "completed_years"}}


def settings_set(**fields) -> GovernanceSettings:
    return services.governance_settings_update(actor=None, reason="test bylaws", **fields)


@pytest.fixture(autouse=True)
def bylaws(db):
    # No dues, so approved general members vote; proxies allowed; 10 % quorum.
    return settings_set(dues_amount=Decimal("0"), proxies_allowed=True, quorum_percent=Decimal("10"))


def person(name: str) -> Person:
    return Person.objects.create(given_name=name, family_name="Test")


def general(name: str) -> Person:
    p = person(name)
    m = services.membership_apply(
        person=p, actor=None, reason="test", applied_on=D(2025, 1, 5), birth_date=D(1980, 1, 1)
    )
    services.membership_approve(membership=m, actor=None, reason="test", approved_on=D(2025, 1, 20))
    return p


def lessee(name: str) -> Person:
    p = person(name)
    make_lease(people=[p])
    return p


def meeting(**kw) -> Meeting:
    fields = {"kind": "annual", "title": "Annual meeting 2026", "starts_at": STARTS, "record_date": RECORD} | kw
    return services.meeting_create(actor=None, reason="bylaws: annual meeting", **fields)


def sitting(**kw) -> Meeting:
    m = meeting(**kw)
    services.meeting_notice_send(actor=None, reason="mailed", meeting=m, sent_on=NOTICE)
    return services.meeting_open(actor=None, reason="quorum called", meeting=m)


def check_in(m: Meeting, *people: Person) -> None:
    for p in people:
        services.attendance_check_in(actor=None, meeting=m, person=p)


def propose(m: Meeting, **kw) -> Resolution:
    fields = {"title": "Adopt the budget", "text": "Resolved: the budget is adopted.", "kind": "other"} | kw
    return services.resolution_propose(actor=None, reason="agenda", meeting=m, **fields)


def vote(r: Resolution, yes: int, no: int, abstain: int = 0, **kw) -> Resolution:
    return services.resolution_vote(
        actor=None, reason="show of hands", resolution=r, yes=yes, no=no, abstain=abstain, **kw
    )


def errors(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- The meeting's life ------------------------------------------------------------------------


def test_the_record_date_is_not_after_the_meeting():
    with pytest.raises(ValidationError) as e:
        meeting(record_date=D(2026, 4, 16))
    assert list(errors(e)) == ["record_date"]
    assert meeting(record_date=D(2026, 4, 15)).record_date == D(2026, 4, 15)


def test_a_reason_is_required():
    with pytest.raises(ValidationError) as e:
        services.meeting_create(actor=None, reason=" ", kind="annual", title="x", starts_at=STARTS, record_date=RECORD)
    assert list(errors(e)) == ["change_reason"]


@pytest.mark.parametrize(("sent_on", "days"), [(D(2026, 4, 10), 5), (D(2026, 1, 15), 90)])
def test_the_notice_goes_out_within_the_bylaws_window(sent_on, days):
    m = meeting()
    with pytest.raises(ValidationError) as e:
        services.meeting_notice_send(actor=None, reason="mailed", meeting=m, sent_on=sent_on)
    message = errors(e)["sent_on"][0]
    assert "between 10 and 60 days" in message and f"{days} days before" in message
    m.refresh_from_db()
    assert (m.status, m.notice_sent_on) == (MeetingStatus.SCHEDULED, None)


def test_the_notice_window_edges_are_inclusive():
    settings_set(notice_min_days=14, notice_max_days=14)
    m = services.meeting_notice_send(actor=None, reason="mailed", meeting=meeting(), sent_on=NOTICE)
    assert (m.status, m.notice_sent_on) == (MeetingStatus.NOTICED, NOTICE)


def test_a_special_meeting_states_its_purpose():
    m = meeting(kind="special", title="Special meeting")
    with pytest.raises(ValidationError) as e:
        services.meeting_notice_send(actor=None, reason="mailed", meeting=m, sent_on=NOTICE)
    assert list(errors(e)) == ["purpose"]
    services.meeting_update(actor=None, reason="purpose", meeting=m, purpose="To sell parcel 12.")
    assert services.meeting_notice_send(actor=None, reason="mailed", meeting=m, sent_on=NOTICE).status == "noticed"


def test_what_the_notice_said_cannot_change_after_it():
    m = meeting()
    services.meeting_notice_send(actor=None, reason="mailed", meeting=m, sent_on=NOTICE)
    for field, value in [
        ("starts_at", STARTS + dt.timedelta(days=1)),
        ("record_date", D(2026, 3, 2)),
        ("kind", "special"),
        ("purpose", "Something else"),
    ]:
        with pytest.raises(ValidationError) as e:
            services.meeting_update(actor=None, reason="change", meeting=m, **{field: value})
        assert list(errors(e)) == [field]
    # Giving the same value (a form sends every field) and changing the room are fine.
    m = services.meeting_update(actor=None, reason="room", meeting=m, starts_at=STARTS, location="Library hall")
    assert m.location == "Library hall"
    assert m.history.first().history_change_reason == "room"


def test_the_status_sequence_is_enforced():
    m = meeting()
    with pytest.raises(ValidationError) as e:
        services.meeting_open(actor=None, reason="x", meeting=m)
    assert "scheduled" in errors(e)["status"][0]
    m = sitting()
    with pytest.raises(ValidationError):
        services.meeting_cancel(actor=None, reason="x", meeting=m)
    cancelled = services.meeting_cancel(actor=None, reason="storm", meeting=meeting(title="Other"))
    assert cancelled.status == MeetingStatus.CANCELLED


def test_adjourning_sends_everyone_home_and_keeps_the_minutes():
    m = sitting()
    a, b = general("A"), general("B")
    check_in(m, a, b)
    at = timezone.now() + dt.timedelta(hours=2)
    m = services.meeting_adjourn(actor=None, reason="done", meeting=m, at=at, minutes="Budget adopted.")
    assert (m.status, m.adjourned_at, m.minutes) == (MeetingStatus.ADJOURNED, at, "Budget adopted.")
    assert set(Attendance.objects.filter(meeting=m).values_list("left_at", flat=True)) == {at}
    with pytest.raises(ValidationError):
        services.attendance_check_in(actor=None, meeting=m, person=general("Late"))


def test_agenda_items_are_appended_in_order():
    m = meeting()
    first = services.agenda_item_add(actor=None, reason="agenda", meeting=m, title="Minutes of last year")
    second = services.agenda_item_add(actor=None, reason="agenda", meeting=m, title="Budget")
    assert (first.order, second.order) == (1, 2)
    assert [i.title for i in m.agenda.all()] == ["Minutes of last year", "Budget"]


# --- Attendance ----------------------------------------------------------------------------------


def test_check_in_records_the_class_on_the_record_date_and_non_members_do_not_count():
    m = sitting()
    member, guest = general("Member"), person("Guest")
    late_joiner = person("Late")
    m_late = services.membership_apply(
        person=late_joiner, actor=None, reason="t", applied_on=D(2026, 3, 10), birth_date=D(1980, 1, 1)
    )
    services.membership_approve(membership=m_late, actor=None, reason="t", approved_on=D(2026, 3, 10))
    check_in(m, member, guest, late_joiner)
    classes = dict(Attendance.objects.filter(meeting=m).values_list("person__given_name", "member_class"))
    assert classes == {"Member": "general", "Guest": "", "Late": ""}  # joined after the record date
    status = services.quorum_now(m)
    assert (status.eligible, status.present) == (1, 1)


def test_check_out_and_back_in():
    m = sitting()
    a = general("A")
    check_in(m, a)
    with pytest.raises(ValidationError) as e:
        check_in(m, a)
    assert list(errors(e)) == ["person"]
    row = services.attendance_check_out(actor=None, meeting=m, person=a)
    assert row.left_at is not None and services.quorum_now(m).present == 0
    with pytest.raises(ValidationError) as e:
        services.attendance_check_out(actor=None, meeting=m, person=a)
    assert list(errors(e)) == ["person"]
    row = services.attendance_check_in(actor=None, meeting=m, person=a)
    assert row.left_at is None and Attendance.objects.filter(meeting=m).count() == 1
    assert services.quorum_now(m).present == 1


# --- Proxies and the quorum ----------------------------------------------------------------------


def record_proxy(m, grantor, holder, **kw):
    return services.proxy_record(
        actor=None, reason="signed form", grantor=grantor, holder=holder, received_on=D(2026, 4, 10), meeting=m, **kw
    )


def test_a_proxy_counts_once_only_while_its_holder_attends_and_its_grantor_does_not():
    settings_set(quorum_percent=Decimal("50"))
    m = sitting()
    people = [general(n) for n in "ABCDEF"]  # 6 voting members: 3 needed
    a, b, c, d, *_ = people
    record_proxy(m, b, a)
    record_proxy(m, c, a)
    status = services.quorum_now(m)
    assert (status.present, status.proxies, status.met) == (0, 0, False)  # the holder is not here
    check_in(m, a)
    status = services.quorum_now(m)
    assert (status.required, status.present, status.proxies, status.counted, status.met) == (3, 1, 2, 3, True)
    check_in(m, b)  # the grantor came in person: her proxy lapses, she counts herself
    status = services.quorum_now(m)
    assert (status.present, status.proxies, status.counted) == (2, 1, 3)
    services.proxy_revoke(
        actor=None, reason="changed her mind", proxy=Proxy.objects.get(grantor=c), revoked_on=D(2026, 4, 15)
    )
    assert services.quorum_now(m).counted == 2
    services.attendance_check_out(actor=None, meeting=m, person=a)
    assert (services.quorum_now(m).present, services.quorum_now(m).proxies) == (1, 0)
    assert d.pk  # four of six never came


def test_proxies_do_not_count_toward_quorum_when_the_bylaws_say_so():
    settings_set(quorum_percent=Decimal("50"), quorum_counts_proxies=False)
    m = sitting()
    a, b, c, *_ = [general(n) for n in "ABCDEF"]
    record_proxy(m, b, a)
    record_proxy(m, c, a)
    check_in(m, a)
    status = services.quorum_now(m)
    assert (status.proxies, status.counted, status.met, status.votes_present()) == (2, 1, False, 3)


def test_quorum_now_takes_a_fixed_number_of_queries(django_assert_max_num_queries):
    m = sitting()
    owners = [lessee(f"O{i}") for i in range(2)]
    people = [general(f"P{i}") for i in range(8)]
    check_in(m, people[0])
    with django_assert_max_num_queries(10) as small:
        services.quorum_now(m)
    check_in(m, *owners, *people[1:6])
    record_proxy(m, people[6], people[0])
    record_proxy(m, people[7], owners[1])
    with django_assert_max_num_queries(10) as large:
        status = services.quorum_now(m)
    assert (status.present, status.proxies, status.present_by_class) == (8, 2, (("lessee", 2), ("general", 6)))
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"proxies_allowed": False}, "meeting"),
        ({"proxy_max_per_holder": 1}, "holder"),
    ],
)
def test_proxy_rules_from_the_bylaws(change, field):
    m = meeting()
    a, b, c = general("A"), general("B"), general("C")
    record_proxy(m, b, a)
    settings_set(**change)
    with pytest.raises(ValidationError) as e:
        record_proxy(m, c, a)
    assert list(errors(e)) == [field]
    assert Proxy.objects.count() == 1


def test_proxy_grantor_and_holder_checks():
    m = meeting()
    a, b = general("A"), general("B")
    outsider = person("Outsider")
    with pytest.raises(ValidationError) as e:
        record_proxy(m, outsider, a)
    assert "has no vote on the record date" in errors(e)["grantor"][0]
    with pytest.raises(ValidationError) as e:
        record_proxy(m, a, outsider)
    assert "must be a voting member" in errors(e)["holder"][0]
    with pytest.raises(ValidationError) as e:
        record_proxy(m, a, a)
    assert list(errors(e)) == ["holder"]
    record_proxy(m, a, b)
    with pytest.raises(ValidationError) as e:
        record_proxy(m, a, general("C"))
    assert "revoke it first" in errors(e)["grantor"][0]
    settings_set(proxy_holder_must_be_member=False)
    assert record_proxy(m, b, outsider).holder == outsider
    with pytest.raises(ValidationError) as e:
        services.proxy_record(actor=None, reason="x", grantor=a, holder=b, received_on=D(2026, 4, 1))
    assert list(errors(e)) == ["meeting"]


def test_a_proxy_holder_of_the_grantors_class():
    settings_set(proxy_holder_same_class=True)
    m = meeting()
    owner, neighbour, other_owner = lessee("Owner"), general("Neighbour"), lessee("Other")
    with pytest.raises(ValidationError) as e:
        record_proxy(m, owner, neighbour)
    assert "lessee member" in errors(e)["holder"][0]
    assert record_proxy(m, owner, other_owner).holder == other_owner


def test_no_proxy_for_an_adjourned_meeting():
    m = sitting()
    services.meeting_adjourn(actor=None, reason="done", meeting=m)
    with pytest.raises(ValidationError) as e:
        record_proxy(m, general("A"), general("B"))
    assert list(errors(e)) == ["meeting"]


def test_revoking_twice_is_refused():
    m = meeting()
    proxy = record_proxy(m, general("A"), general("B"))
    proxy = services.proxy_revoke(actor=None, reason="letter", proxy=proxy, revoked_on=D(2026, 4, 12))
    assert proxy.revoked_on == D(2026, 4, 12)
    with pytest.raises(ValidationError) as e:
        services.proxy_revoke(actor=None, reason="letter", proxy=proxy, revoked_on=D(2026, 4, 13))
    assert list(errors(e)) == ["revoked_on"]


# --- Resolutions ---------------------------------------------------------------------------------


def test_notice_kinds_are_proposed_before_the_notice():
    m = meeting()
    bylaws = propose(m, kind="bylaws", title="Amend article 4")
    assert bylaws.threshold == "two_thirds"  # the bylaws' default for the kind
    removal = propose(m, kind="removal", title="Remove a director", voting_classes=["lessee"])
    assert (removal.threshold, removal.voting_classes, removal.order) == ("majority", ["lessee"], 2)
    services.meeting_notice_send(actor=None, reason="mailed", meeting=m, sent_on=NOTICE)
    for kind in ("bylaws", "resale_formula", "land_sale", "removal"):
        with pytest.raises(ValidationError) as e:
            propose(m, kind=kind)
        assert list(errors(e)) == ["kind"]
    assert propose(m, kind="other", threshold="three_quarters").threshold == "three_quarters"


def test_resolution_input_is_checked():
    m = meeting()
    draft = lease_services.resale_policy_create(actor=None, reason="new", name="Simple", parameters=FIXED_SIMPLE)
    for kw, field in [
        ({"threshold": "unanimous"}, "threshold"),
        ({"voting_classes": ["owners"]}, "voting_classes"),
        ({"policy_version": draft}, "policy_version"),  # kind other
    ]:
        with pytest.raises(ValidationError) as e:
            propose(m, **kw)
        assert list(errors(e)) == [field]
    lease_services.resale_policy_version_approve(
        version=draft, approved_on=D(2026, 1, 1), effective_from=D(2026, 1, 1), approval_reference="Board", actor=None,
        reason="x",
    )  # fmt: skip
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as e:
        propose(m, kind="resale_formula", policy_version=draft)
    assert list(errors(e)) == ["policy_version"]


def test_a_vote_without_quorum_is_refused_and_nothing_is_stored():
    settings_set(quorum_class_minimums={"lessee": 3})
    m = sitting()
    owners = [lessee(f"Owner{i}") for i in range(3)]
    neighbours = [general(f"N{i}") for i in range(7)]
    r = propose(m)
    check_in(m, owners[0], *neighbours[:4])  # 5 of 10: the 10 % is met, the lessee minimum is not
    history_before = r.history.count()
    with pytest.raises(ValidationError) as e:
        vote(r, 4, 1)
    assert errors(e)["quorum"] == ["No quorum: needed 1, counted 5; lessee members 1 of 3."]
    r.refresh_from_db()
    assert (r.status, r.votes_yes, r.votes_no, r.quorum, r.voted_at) == ("proposed", None, None, None, None)
    assert r.history.count() == history_before
    check_in(m, *owners[1:])
    r = vote(r, 5, 2, 0)
    assert r.status == ResolutionStatus.CARRIED
    assert r.quorum["met"] is True and r.quorum["present"] == 7 and r.quorum["classes"][0]["counted"] == 3
    assert r.quorum["votes_present"] == 7


def test_with_one_vote_per_leasehold_the_quorum_and_the_room_count_leaseholds():
    settings_set(vote_unit="leasehold")
    m = sitting()
    ann, bob, cy = person("Ann"), person("Bob"), person("Cy")
    make_lease(people=[ann, bob])  # co-lessees: one leasehold, one vote
    make_lease(people=[cy])
    check_in(m, ann, bob)
    status = services.quorum_now(m)
    assert (status.eligible, status.present, status.counted) == (2, 1, 1)
    r = propose(m)
    with pytest.raises(ValidationError) as e:
        vote(r, 2, 0)
    assert "2 votes recorded" in errors(e)["yes"][0] and "1 vote is in the room" in errors(e)["yes"][0]
    record_proxy(m, cy, ann)  # Cy's leasehold is represented by proxy
    assert services.quorum_now(m).counted == 2
    assert vote(r, 2, 0).status == ResolutionStatus.CARRIED


def test_votes_cannot_exceed_the_votes_in_the_room():
    m = sitting()
    a, b, c, d = (general(n) for n in "ABCD")
    record_proxy(m, d, a)
    check_in(m, a, b, c)
    r = propose(m)
    with pytest.raises(ValidationError) as e:
        vote(r, 3, 1, 1)
    assert "5 votes recorded" in errors(e)["yes"][0] and "4 votes are in the room" in errors(e)["yes"][0]
    assert vote(r, 3, 1).status == ResolutionStatus.CARRIED  # the proxy votes too


def test_voting_classes_narrow_the_votes_in_the_room():
    m = sitting()
    owner = lessee("Owner")
    neighbours = [general(f"N{i}") for i in range(3)]
    check_in(m, owner, *neighbours)
    r = propose(m, voting_classes=["lessee"], threshold="majority_present")
    with pytest.raises(ValidationError):
        vote(r, 2, 0)
    r = vote(r, 1, 0)
    assert (r.status, r.quorum["votes_present"]) == (ResolutionStatus.CARRIED, 1)


@pytest.mark.parametrize(("yes", "no", "status"), [(20, 10, "carried"), (19, 10, "failed")])
def test_two_thirds_at_the_boundary(yes, no, status):
    settings_set(quorum_basis="number", quorum_number=1)
    m = sitting()
    check_in(m, *[general(f"M{i}") for i in range(30)])
    r = propose(m, kind="other", threshold="two_thirds")
    r = vote(r, yes, no, 30 - yes - no)
    assert (r.status, r.votes_yes, r.votes_no, r.votes_abstain) == (status, yes, no, 30 - yes - no)
    with pytest.raises(ValidationError) as e:
        vote(r, yes, no)
    assert list(errors(e)) == ["status"]


def test_a_carried_resolution_approves_its_policy_version():
    m = meeting()
    draft = lease_services.resale_policy_create(
        actor=None, reason="new", name="Shared equity 25 %", parameters=FIXED_SIMPLE
    )
    r = propose(m, kind="resale_formula", title="Adopt the 2026 resale formula", policy_version=draft)
    services.meeting_notice_send(actor=None, reason="mailed", meeting=m, sent_on=NOTICE)
    services.meeting_open(actor=None, reason="called to order", meeting=m)
    check_in(m, *[general(f"M{i}") for i in range(3)])
    voted_at = timezone.now()
    r = vote(r, 3, 0, at=voted_at, effective_from=D(2027, 1, 1))
    draft.refresh_from_db()
    voted_on = timezone.localdate(voted_at)
    assert (draft.status, draft.approved_on, draft.effective_from) == (PolicyStatus.APPROVED, voted_on, D(2027, 1, 1))
    day = date_format(voted_on, "DATE_FORMAT")
    assert draft.approval_reference == f"Resolution {r.pk}: Adopt the 2026 resale formula (Annual meeting 2026, {day})"
    assert voted_on.isoformat() not in draft.approval_reference
    assert draft.history.first().history_change_reason == "show of hands"


def test_a_failed_resolution_leaves_the_draft_alone():
    m = meeting()
    draft = lease_services.resale_policy_create(actor=None, reason="new", name="Simple", parameters=FIXED_SIMPLE)
    r = propose(m, kind="resale_formula", policy_version=draft)
    services.meeting_notice_send(actor=None, reason="mailed", meeting=m, sent_on=NOTICE)
    services.meeting_open(actor=None, reason="called to order", meeting=m)
    check_in(m, *[general(f"M{i}") for i in range(3)])
    assert vote(r, 1, 2).status == ResolutionStatus.FAILED
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.DRAFT


def test_a_vote_needs_the_meeting_in_session_and_withdrawal_only_a_proposal():
    m = meeting()
    r = propose(m)
    with pytest.raises(ValidationError) as e:
        vote(r, 1, 0)
    assert list(errors(e)) == ["meeting"]
    r = services.resolution_withdraw(actor=None, reason="moved to next year", resolution=r)
    assert r.status == ResolutionStatus.WITHDRAWN
    with pytest.raises(ValidationError) as e:
        services.resolution_withdraw(actor=None, reason="again", resolution=r)
    assert list(errors(e)) == ["status"]


# --- The demo ------------------------------------------------------------------------------------


def test_meetings_demo_on_a_small_trust_and_run_twice(staff_user):
    import random
    from io import StringIO

    from clt.management.commands.load_demo import DemoContext
    from governance.demo import load_meetings_demo

    owners = [lessee(f"Owner{i}") for i in range(6)]
    [general(f"Neighbour{i}") for i in range(3)]
    approved = lease_services.resale_policy_create(actor=None, reason="new", name="Simple", parameters=FIXED_SIMPLE)
    lease_services.resale_policy_version_approve(
        version=approved, approved_on=D(2020, 1, 1), effective_from=D(2020, 1, 1), approval_reference="2019 AGM",
        actor=None, reason="x",
    )  # fmt: skip
    context = DemoContext(rng=random.Random(3), stdout=StringIO(), style=None, actor=staff_user)
    load_meetings_demo(context)
    annual = Meeting.objects.get(kind="annual")
    special = Meeting.objects.get(kind="special")
    assert (annual.status, special.status) == (MeetingStatus.ADJOURNED, MeetingStatus.NOTICED)
    assert annual.starts_at.date() <= timezone.localdate() < special.starts_at.date()
    assert set(annual.attendance.values_list("member_class", flat=True)) == {"lessee", "general"}
    assert annual.attendance.filter(left_at__isnull=True).count() == 0 and annual.proxies.count() == 1
    main, online = annual.resolutions.order_by("order")
    assert (main.kind, main.status, online.status) == ("resale_formula", "carried", "failed")
    assert main.quorum["met"] and {c["member_class"] for c in main.quorum["classes"]} == {"lessee", "general"}
    version = main.policy_version
    version.refresh_from_db()
    assert (version.version, version.status, version.approved_on) == (2, PolicyStatus.APPROVED, annual.starts_at.date())
    assert version.approval_reference.startswith(f"Resolution {main.pk}: ")
    assert [r.kind for r in special.resolutions.all()] == ["land_sale"] and special.agenda.count() == 3
    assert owners[0].meeting_attendance.exists()
    before = (Meeting.objects.count(), Resolution.objects.count(), Attendance.objects.count(), Proxy.objects.count())
    load_meetings_demo(context)
    assert (
        Meeting.objects.count(),
        Resolution.objects.count(),
        Attendance.objects.count(),
        Proxy.objects.count(),
    ) == before
    assert "already loaded" in context.stdout.getvalue()


# --- The quorum at adjournment ----------------------------------------------------------------------------


def test_an_adjourned_meeting_keeps_the_quorum_it_had_when_it_adjourned():
    settings_set(quorum_percent=Decimal("50"))
    m = sitting()
    a, b, c, d, *_ = [general(n) for n in "ABCDEF"]  # 6 voting members: 3 needed
    record_proxy(m, c, a)
    check_in(m, a, b, d)
    services.attendance_check_out(actor=None, meeting=m, person=d)  # d left before the end: not counted
    services.meeting_adjourn(actor=None, reason="business done", meeting=m)
    m.refresh_from_db()
    # Adjourning checked everyone out: the live count is empty…
    assert (services.quorum_now(m).counted, services.quorum_now(m).met) == (0, False)
    # …and the quorum at adjournment is the room at that moment: a and b present, c's proxy carried by a.
    status = services.quorum_at_adjournment(m)
    assert (status.required, status.present, status.proxies, status.counted, status.met) == (3, 2, 1, 3, True)
    assert services.meeting_quorum(m) == status
    snapshot = m.quorum_at_adjournment
    assert (snapshot["required"], snapshot["counted"], snapshot["met"], snapshot["percent"]) == (3, 3, True, "50.00")
    # A proxy revoked on a later day and a later change of the bylaws leave the meeting's quorum as it stood.
    services.proxy_revoke(
        actor=None,
        reason="late paperwork",
        proxy=Proxy.objects.get(grantor=c),
        revoked_on=m.adjourned_at.date() + dt.timedelta(days=3),
    )
    settings_set(quorum_percent=Decimal("100"))
    status = services.quorum_at_adjournment(m)
    assert (status.required, status.counted, status.met) == (3, 3, True)
    # A meeting adjourned before the snapshot was kept is counted under today's bylaws (6 of 6 needed).
    Meeting.objects.filter(pk=m.pk).update(quorum_at_adjournment=None)
    m.refresh_from_db()
    status = services.quorum_at_adjournment(m)
    assert (status.required, status.counted, status.met) == (6, 3, False)


def test_a_meeting_that_has_not_adjourned_has_no_quorum_at_adjournment():
    m = sitting()
    a = general("A")
    check_in(m, a)
    assert services.quorum_at_adjournment(m) is None
    assert services.meeting_quorum(m).present == 1
