"""Meeting pages: who sees meetings, staff preparing and running one (quorum counter, votes), the settings page."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format, time_format

from clt import roles
from clt.models import Organization, Person
from governance.meetings.models import Attendance, Meeting, MeetingStatus, Resolution, ResolutionStatus
from governance.membership.models import GovernanceSettings
from properties import services as property_services
from tests.conftest import make_user
from tests.factories import make_lease, make_parcel, make_template_version
from tests.governance import all_services as services

pytestmark = pytest.mark.django_db


def lessee(name: str) -> Person:
    """A lessee member: named on a ground lease in force since 2020 (a voting member on any recent date)."""
    person = Person.objects.create(given_name=name, family_name="Lessee")
    make_lease(people=[person])
    return person


def voting_meeting(*, open_it: bool = True) -> tuple[Meeting, list[Person], Resolution]:
    """Three lessee members; a quorum of half the voting members with at least 2 lessees; a noticed meeting
    in 20 days with one majority resolution, called to order when ``open_it``."""
    services.governance_settings_update(
        actor=None,
        reason="bylaws",
        quorum_basis="percent",
        quorum_percent=Decimal("50"),
        quorum_class_minimums={"lessee": 2},
    )
    people = [lessee(n) for n in ("Ada", "Ben", "Cal")]
    today = timezone.localdate()
    meeting = services.meeting_create(
        actor=None,
        reason="annual meeting",
        kind="annual",
        title="Annual meeting 2026",
        starts_at=timezone.now() + dt.timedelta(days=20),
        record_date=today,
        location="Community hall",
    )
    services.agenda_item_add(actor=None, reason="agenda", meeting=meeting, title="Treasurer's report")
    resolution = services.resolution_propose(
        actor=None,
        reason="agenda",
        meeting=meeting,
        title="Adopt the budget",
        text="The members adopt the budget for 2027.",
        kind="other",
    )
    services.meeting_notice_send(actor=None, reason="mailed", meeting=meeting, sent_on=today)
    if open_it:
        services.meeting_open(actor=None, reason="called to order", meeting=meeting)
    meeting.refresh_from_db()
    return meeting, people, resolution


def unique_ids(response) -> bool:
    """No two elements share an id (labels, aria-describedby and the skip links rely on them)."""
    ids = re.findall(r'\sid="([^"]+)"', response.content.decode())
    return len(ids) == len(set(ids)) and bool(ids)


def tables_wrapped(response) -> bool:
    """Every table scrolls inside a labelled, focusable region (a phone shows all its columns), the label
    being an element of the page."""
    page = response.content.decode()
    tables = page.count("<table")
    wraps = re.findall(r'<div class="table-wrap" role="region" tabindex="0" aria-labelledby="([^"]+)">\s*<table', page)
    return tables > 0 and len(wraps) == tables and all(f'id="{label}"' in page for label in wraps)


def text_of(response) -> str:
    """The page's visible text with runs of whitespace collapsed (templates wrap lines)."""
    page = response.content.decode()
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


# --- Who sees meetings --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    meeting, _people, _r = voting_meeting(open_it=False)
    for url in (
        "/governance/meetings/",
        f"/governance/meetings/{meeting.pk}/",
        f"/governance/meetings/{meeting.pk}/run/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_members_see_noticed_meetings_but_not_drafts(client, member_user, django_assert_max_num_queries):
    meeting, _people, _r = voting_meeting(open_it=False)
    draft = services.meeting_create(
        actor=None,
        reason="planning",
        kind="special",
        title="Special meeting on the land sale",
        starts_at=timezone.now() + dt.timedelta(days=40),
        record_date=timezone.localdate(),
        purpose="Sale of the Elm Street lot",
    )
    client.force_login(member_user)
    with django_assert_max_num_queries(8):
        listing = client.get("/governance/meetings/")
    assert listing.status_code == 200 and tables_wrapped(listing)
    page = text_of(listing)
    assert "Annual meeting 2026" in page and "Notice sent" in page
    assert "Special meeting on the land sale" not in page
    detail = text_of(client.get(f"/governance/meetings/{meeting.pk}/"))
    assert "Treasurer's report" in detail and "Adopt the budget" in detail
    assert "More than half of the votes cast" in detail  # the threshold the settings give "other"
    assert "Record the notice as sent" not in detail and "Call the meeting to order" not in detail  # staff only
    notice = text_of(client.get(f"/governance/meetings/{meeting.pk}/notice/"))
    assert "Community hall" in notice and "The members adopt the budget for 2027." in notice
    assert client.get(f"/governance/meetings/{draft.pk}/").status_code == 404
    assert client.get(f"/governance/meetings/{meeting.pk}/run/").status_code == 403
    assert client.get("/governance/meetings/new/").status_code == 403


def organisation_homeowner() -> Any:
    """A homeowner who is no member: the contact of an organisation holding a lease (R2 names people only)."""
    from leases.lifecycle import services as lifecycle_services

    user = make_user("coop-contact", person=True)
    org = Organization.objects.create(name="Elm Street Co-op", contact=user.person)
    parcel = make_parcel("ORG-1", x=9000)
    unit = property_services.unit_create(actor=None, reason="test home", parcel=parcel, address="1 Elm Street")
    lease = lifecycle_services.lease_create(
        actor=None,
        reason="test lease",
        unit=unit,
        template_version=make_template_version(),
        organization=org,
        commencement=dt.date(2020, 1, 1),
        recording_instrument="2020-ORG-1",
        purchase_price=Decimal("150000.00"),
    )
    lifecycle_services.lease_event_record(
        lease=lease, kind="executed", actor=None, reason="signed", effective_on=dt.date(2020, 1, 1)
    )
    return user


def test_a_homeowner_without_membership_and_other_users_are_refused(client):
    meeting, _people, _r = voting_meeting(open_it=False)
    homeowner = organisation_homeowner()
    assert roles.is_homeowner(homeowner) and not roles.is_member(homeowner)
    stranger = make_user("stranger")
    for user in (homeowner, stranger):
        client.force_login(user)
        assert client.get("/governance/meetings/").status_code == 403
        assert client.get(f"/governance/meetings/{meeting.pk}/").status_code == 403
        assert client.get(f"/governance/meetings/{meeting.pk}/notice/").status_code == 403


def test_staff_see_the_meetings_link_and_members_too(client, staff_user, member_user):
    client.force_login(member_user)
    assert 'href="/governance/meetings/"' in client.get("/governance/my/").content.decode()
    client.force_login(make_user("nobody"))
    assert 'href="/governance/meetings/"' not in client.get("/governance/my/").content.decode()


# --- Staff prepare a meeting ----------------------------------------------------------------------------


def test_staff_create_a_meeting_add_to_it_and_send_its_notice(client, staff_user):
    client.force_login(staff_user)
    starts = timezone.localtime() + dt.timedelta(days=30)
    form = {
        "kind": "special",
        "title": "Special meeting: bylaws",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "record_date": timezone.localdate().isoformat(),
        "location": "Library",
        "purpose": "",
        "change_reason": "board decision",
    }
    form["record_date"] = (starts.date() + dt.timedelta(days=1)).isoformat()
    refused = client.post("/governance/meetings/new/", form)
    assert refused.status_code == 400 and not Meeting.objects.exists()
    assert "record_date_error" in refused.content.decode()  # on the field the service names
    form["record_date"] = timezone.localdate().isoformat()
    created = client.post("/governance/meetings/new/", form)
    meeting = Meeting.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/governance/meetings/{meeting.pk}/"
    assert (meeting.kind, meeting.location, meeting.status) == ("special", "Library", MeetingStatus.SCHEDULED)
    assert unique_ids(client.get(f"/governance/meetings/{meeting.pk}/"))

    added = client.post(
        f"/governance/meetings/{meeting.pk}/agenda/new/",
        {"title": "Article 4", "description": "The new text", "change_reason": "agenda"},
    )
    assert added.status_code == 302 and list(meeting.agenda.values_list("title", flat=True)) == ["Article 4"]
    proposed = client.post(
        f"/governance/meetings/{meeting.pk}/resolutions/new/",
        {"title": "Amend article 4", "text": "Article 4 is replaced.", "kind": "bylaws", "change_reason": "agenda"},
    )
    assert proposed.status_code == 302
    resolution = meeting.resolutions.get()
    assert (resolution.kind, resolution.threshold) == ("bylaws", "two_thirds")  # the settings' default

    too_late = client.post(
        f"/governance/meetings/{meeting.pk}/action/",
        {
            "action": "notice",
            "notice-sent_on": (starts.date() - dt.timedelta(days=3)).isoformat(),
            "notice-change_reason": "mailed",
        },
    )
    assert too_late.status_code == 400
    no_purpose = client.post(
        f"/governance/meetings/{meeting.pk}/action/",
        {"action": "notice", "notice-sent_on": timezone.localdate().isoformat(), "notice-change_reason": "mailed"},
    )
    assert no_purpose.status_code == 400
    assert "The notice of a special meeting states its purpose." in text_of(no_purpose)
    client.post(
        f"/governance/meetings/{meeting.pk}/edit/",
        {**form, "purpose": "Amend article 4 of the bylaws", "change_reason": "purpose"},
    )
    assert re.search(r"\b10\b", text_of(too_late)) and re.search(r"\b60\b", text_of(too_late))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED and meeting.notice_sent_on is None
    sent = client.post(
        f"/governance/meetings/{meeting.pk}/action/",
        {"action": "notice", "notice-sent_on": timezone.localdate().isoformat(), "notice-change_reason": "mailed"},
    )
    assert sent.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.notice_sent_on) == (MeetingStatus.NOTICED, timezone.localdate())

    # A bylaw amendment must be on the notice: after it is sent, it can no longer be proposed.
    late = client.post(
        f"/governance/meetings/{meeting.pk}/resolutions/new/",
        {"title": "Amend article 5", "text": "Article 5 is replaced.", "kind": "bylaws", "change_reason": "late"},
    )
    assert late.status_code == 400 and meeting.resolutions.count() == 1

    edit = client.get(f"/governance/meetings/{meeting.pk}/edit/").content.decode()
    assert 'name="starts_at"' not in edit and 'name="location"' in edit  # the notice fixed the date
    opened = client.post(f"/governance/meetings/{meeting.pk}/action/", {"action": "open", "change_reason": "quorum"})
    assert opened.status_code == 302 and opened["Location"] == f"/governance/meetings/{meeting.pk}/run/"
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.IN_SESSION


# --- Staff run a meeting ------------------------------------------------------------------------------------


def test_checking_in_moves_the_server_rendered_quorum_counter(client, staff_user):
    meeting, (ada, ben, _cal), _r = voting_meeting()
    client.force_login(staff_user)
    url = f"/governance/meetings/{meeting.pk}/run/"
    first = client.get(url)
    assert unique_ids(first)
    assert unique_ids(client.get(f"/governance/meetings/{meeting.pk}/"))
    before = text_of(first)
    assert "No quorum" in before and "0 counted of 2 needed (0 present, 0 by proxy; 3 voting members)" in before
    assert "Lessee member: 0 counted of 2 needed (not met)" in client.get(url).content.decode()

    assert client.post(url, {"action": "check_in", "person": ada.pk}).status_code == 302
    one = text_of(client.get(url))
    assert "No quorum" in one and "1 counted of 2 needed (1 present" in one
    assert "No quorum: needed 2, counted 1; lessee members 1 of 2." in one

    client.post(url, {"action": "check_in", "person": ben.pk})
    two = client.get(url)
    assert unique_ids(two)
    assert "Quorum met" in text_of(two) and "2 counted of 2 needed (2 present" in text_of(two)
    assert "Lessee member: 2 counted of 2 needed (met)" in two.content.decode()
    assert 'style="width: 100%"' in two.content.decode()

    again = client.post(url, {"action": "check_in", "person": ben.pk})
    assert again.status_code == 400 and "is already checked in" in text_of(again)
    client.post(url, {"action": "check_out", "person": ben.pk})
    assert Attendance.objects.get(person=ben).left_at is not None
    assert "1 counted of 2 needed" in text_of(client.get(url))


def test_a_vote_without_quorum_is_refused_and_stores_nothing(client, staff_user):
    meeting, (ada, _ben, _cal), resolution = voting_meeting()
    client.force_login(staff_user)
    url = f"/governance/meetings/{meeting.pk}/run/"
    client.post(url, {"action": "check_in", "person": ada.pk})
    p = f"r{resolution.pk}-"
    response = client.post(
        url,
        {
            "action": "vote",
            "resolution": resolution.pk,
            p + "yes": 1,
            p + "no": 0,
            p + "abstain": 0,
            p + "change_reason": "show of hands",
        },
    )
    assert response.status_code == 400
    assert "No quorum: needed 2, counted 1; lessee members 1 of 2." in text_of(response)
    resolution.refresh_from_db()
    assert (resolution.status, resolution.votes_yes, resolution.quorum) == (ResolutionStatus.PROPOSED, None, None)


def test_a_carried_vote_shows_carried_with_the_counts_and_the_quorum(client, staff_user, member_user):
    meeting, (ada, ben, cal), resolution = voting_meeting()
    client.force_login(staff_user)
    url = f"/governance/meetings/{meeting.pk}/run/"
    for person in (ada, ben, cal):
        client.post(url, {"action": "check_in", "person": person.pk})
    p = f"r{resolution.pk}-"
    too_many = client.post(
        url,
        {"action": "vote", "resolution": resolution.pk, p + "yes": 3, p + "no": 1, p + "change_reason": "hands"},
    )
    assert too_many.status_code == 400 and "4 votes recorded (yes, no and abstentions), but 3 votes" in text_of(
        too_many
    )
    done = client.post(
        url,
        {
            "action": "vote",
            "resolution": resolution.pk,
            p + "yes": 2,
            p + "no": 0,
            p + "abstain": 1,
            p + "change_reason": "show of hands",
        },
    )
    assert done.status_code == 302
    resolution.refresh_from_db()
    assert (resolution.status, resolution.votes_yes, resolution.votes_no, resolution.votes_abstain) == (
        ResolutionStatus.CARRIED,
        2,
        0,
        1,
    )
    assert resolution.quorum["counted"] == 3 and resolution.quorum["required"] == 2
    assert tables_wrapped(client.get(url))  # the roll and the quorum of the vote
    client.force_login(member_user)
    detail = client.get(f"/governance/meetings/{meeting.pk}/")
    assert tables_wrapped(detail) and unique_ids(detail)
    page = text_of(detail)
    assert "Carried" in page and "Yes 2, no 0, abstentions 1" in page
    assert "Quorum when the vote was taken" in page
    assert "Voting members 3 / 2 yes" in page and "Lessee member 3 / 2 yes" in page


def test_staff_record_and_revoke_a_proxy_which_counts_while_its_holder_attends(client, staff_user):
    meeting, (ada, ben, _cal), _r = voting_meeting()
    services.governance_settings_update(actor=None, reason="bylaws", proxies_allowed=True)
    client.force_login(staff_user)
    url = f"/governance/meetings/{meeting.pk}/run/"
    client.post(url, {"action": "check_in", "person": ada.pk})
    recorded = client.post(
        url,
        {
            "action": "proxy",
            "proxy-grantor": ben.pk,
            "proxy-holder": ada.pk,
            "proxy-received_on": timezone.localdate().isoformat(),
            "proxy-change_reason": "signed form",
        },
    )
    assert recorded.status_code == 302
    with_proxy = client.get(url)
    assert tables_wrapped(with_proxy) and 'aria-labelledby="proxies-caption"' in with_proxy.content.decode()
    page = text_of(with_proxy)
    assert "Quorum met" in page and "2 counted of 2 needed (1 present, 1 by proxy" in page
    proxy = meeting.proxies.get()
    revoked = client.post(
        url,
        {
            "action": "revoke",
            "proxy": proxy.pk,
            f"p{proxy.pk}-revoked_on": timezone.localdate().isoformat(),
            f"p{proxy.pk}-change_reason": "grantor phoned",
        },
    )
    assert revoked.status_code == 302
    assert "1 counted of 2 needed (1 present, 0 by proxy" in text_of(client.get(url))


def test_the_run_page_is_staff_only_and_costs_a_fixed_number_of_queries(
    client, staff_user, member_user, django_assert_max_num_queries
):
    meeting, people, _r = voting_meeting()
    client.force_login(member_user)
    assert client.get(f"/governance/meetings/{meeting.pk}/run/").status_code == 403
    assert client.post(f"/governance/meetings/{meeting.pk}/action/", {"action": "adjourn"}).status_code == 403
    client.force_login(staff_user)
    url = f"/governance/meetings/{meeting.pk}/run/"
    client.get(url)  # settle the session and the settings row
    with CaptureQueriesContext(connection) as empty_room:
        client.get(url)
    queries = len(empty_room.captured_queries)  # now: each request clears Django's query log
    assert queries <= 25
    for person in people:
        client.post(url, {"action": "check_in", "person": person.pk})
    # As many queries with the whole roll checked in as with an empty room.
    with django_assert_max_num_queries(queries):
        client.get(url)


def test_adjourning_closes_the_meeting(client, staff_user):
    meeting, (ada, _ben, _cal), _r = voting_meeting()
    client.force_login(staff_user)
    client.post(f"/governance/meetings/{meeting.pk}/run/", {"action": "check_in", "person": ada.pk})
    response = client.post(
        f"/governance/meetings/{meeting.pk}/action/",
        {"action": "adjourn", "minutes": "Budget adopted.", "change_reason": "business done"},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.minutes) == (MeetingStatus.ADJOURNED, "Budget adopted.")
    assert Attendance.objects.get(person=ada).left_at == meeting.adjourned_at


def test_an_adjourned_meeting_shows_its_quorum_at_adjournment_read_only(client, staff_user, member_user):
    meeting, (ada, ben, _cal), _r = voting_meeting()
    client.force_login(staff_user)
    run = f"/governance/meetings/{meeting.pk}/run/"
    for person in (ada, ben):
        client.post(run, {"action": "check_in", "person": person.pk})
    client.post(
        f"/governance/meetings/{meeting.pk}/action/",
        {"action": "adjourn", "minutes": "Budget adopted.", "change_reason": "business done"},
    )
    # The bylaws change afterwards: the meeting keeps the quorum it had (2 of 2 needed, not 3).
    services.governance_settings_update(actor=None, reason="new bylaws", quorum_percent=Decimal("100"))
    meeting.refresh_from_db()
    response = client.get(run)
    page = text_of(response)
    assert "Quorum at adjournment" in page and "Quorum now" not in page
    assert "Quorum met : 2 counted of 2 needed (2 present, 0 by proxy; 3 voting members)." in page
    assert "0 counted" not in page and "No quorum" not in page
    assert "Lessee member: 2 counted of 2 needed (met)" in response.content.decode()
    assert (
        f"The meeting adjourned on {date_format(timezone.localtime(meeting.adjourned_at), 'DATETIME_FORMAT')};" in page
    )
    assert "Filled: counted when the meeting adjourned." in page
    # Arrivals and departures read as times of day ("7:05 p.m."), not "19:05".
    row = Attendance.objects.get(person=ada)
    arrived, left = (time_format(timezone.localtime(t), "TIME_FORMAT") for t in (row.arrived_at, row.left_at))
    assert f"Ada Lessee (Lessee member): {arrived} – {left}" in page
    assert tables_wrapped(response)
    # Read-only: no check-in, no live refresh.
    body = response.content.decode()
    assert 'value="check_in"' not in body and "meeting-quorum.js" not in body and "quorum-updated" not in body
    assert unique_ids(response)
    # Members read the same quorum on the meeting's page.
    client.force_login(member_user)
    detail = client.get(f"/governance/meetings/{meeting.pk}/")
    assert "Quorum at adjournment" in text_of(detail)
    assert "Quorum met : 2 counted of 2 needed (2 present, 0 by proxy; 3 voting members)." in text_of(detail)
    assert unique_ids(detail)


def test_a_meeting_page_shows_no_quorum_before_it_adjourns(client, member_user):
    meeting, _people, _r = voting_meeting()
    client.force_login(member_user)
    page = text_of(client.get(f"/governance/meetings/{meeting.pk}/"))
    assert "Quorum at adjournment" not in page and "counted of" not in page


# --- The settings page ------------------------------------------------------------------------------------


def test_the_settings_page_saves_the_meeting_settings(client, staff_user):
    client.force_login(staff_user)
    page = client.get("/governance/settings/").content.decode()
    assert "Quorum at member meetings" in page and 'name="quorum_min_lessee"' in page
    assert 'name="threshold_land_sale"' in page and 'type="checkbox" name="nomination_modes"' in page
    form = {
        "lessee_scope": "named_lessees",
        "vote_unit": "person",
        "adult_age": 18,
        "general_min_age": 16,
        "dues_amount": "1.00",
        "dues_period": "calendar_year",
        "residency_min_months": 0,
        "requires_application": "on",
        "service_area_name": "",
        "service_area": "",
        "quorum_basis": "number",
        "quorum_percent": "12.5",
        "quorum_number": 25,
        "quorum_min_lessee": 3,
        "quorum_min_general": "",
        "quorum_min_supporting": 0,
        "proxies_allowed": "on",
        "proxy_holder_must_be_member": "on",
        "proxy_holder_same_class": "on",
        "proxy_max_per_holder": 2,
        "threshold_bylaws": "three_quarters",
        "threshold_resale_formula": "two_thirds",
        "threshold_land_sale": "two_thirds_present",
        "threshold_removal": "majority_present",
        "threshold_other": "majority",
        "notice_min_days": 14,
        "notice_max_days": 10,
        "nomination_modes": ["petition", "self"],
        "petition_min_signers": 7,
        "nomination_deadline_days": 21,
        "change_reason": "bylaws amended at the annual meeting",
    }
    bad = client.post("/governance/settings/", form)
    assert bad.status_code == 200 and "At most must not be less than at least (14 days)." in bad.content.decode()
    form["notice_max_days"] = 45
    assert client.post("/governance/settings/", form).status_code == 302
    s = GovernanceSettings.current()
    assert (s.quorum_basis, s.quorum_percent, s.quorum_number) == ("number", Decimal("12.50"), 25)
    assert s.quorum_class_minimums == {"lessee": 3}
    assert (s.quorum_counts_proxies, s.proxies_allowed, s.proxy_holder_same_class, s.proxy_max_per_holder) == (
        False,
        True,
        True,
        2,
    )
    assert s.resolution_thresholds == {
        "bylaws": "three_quarters",
        "resale_formula": "two_thirds",
        "land_sale": "two_thirds_present",
        "removal": "majority_present",
        "other": "majority",
    }
    assert (s.notice_min_days, s.notice_max_days) == (14, 45)
    assert (s.nomination_modes, s.petition_min_signers, s.petition_same_class, s.nomination_deadline_days) == (
        ["petition", "self"],
        7,
        False,
        21,
    )
    again = client.get("/governance/settings/").content.decode()
    assert re.search(r'name="quorum_min_lessee" value="3"', again)
    assert re.search(r'<option value="three_quarters" selected>', again)


def test_a_carried_resale_formula_resolution_approves_its_policy_version(client, staff_user):
    from leases.resale import services as resale_services
    from leases.resale.models import PolicyStatus

    version = resale_services.resale_policy_create(
        actor=None,
        reason="new formula",
        name="Simple 1.5%",
        parameters={"formula": {"family": "fixed_rate_simple", "rate": "0.015", "period": "completed_years"}},
    )
    _annual, people, _budget = voting_meeting(open_it=False)  # the members and the quorum rules
    # A new meeting, so the formula is proposed before its notice (the notice must announce it).
    meeting = services.meeting_create(
        actor=None,
        reason="formula meeting",
        kind="special",
        title="Special meeting: resale formula",
        starts_at=timezone.now() + dt.timedelta(days=20),
        record_date=timezone.localdate(),
        purpose="Adopt a new resale formula",
    )
    client.force_login(staff_user)
    form_page = client.get(f"/governance/meetings/{meeting.pk}/resolutions/new/").content.decode()
    assert f'<option value="{version.pk}">' in form_page
    proposed = client.post(
        f"/governance/meetings/{meeting.pk}/resolutions/new/",
        {
            "title": "Adopt the 1.5% formula",
            "text": "The members approve the resale formula version 1.",
            "kind": "resale_formula",
            "policy_version": version.pk,
            "change_reason": "board proposal",
        },
    )
    assert proposed.status_code == 302
    resolution = meeting.resolutions.get()
    assert (resolution.threshold, resolution.policy_version_id) == ("two_thirds", version.pk)
    services.meeting_notice_send(actor=None, reason="mailed", meeting=meeting, sent_on=timezone.localdate())
    services.meeting_open(actor=None, reason="order", meeting=meeting)
    for person in people:
        services.attendance_check_in(actor=None, meeting=meeting, person=person)
    run = client.get(f"/governance/meetings/{meeting.pk}/run/").content.decode()
    p = f"r{resolution.pk}-"
    assert f'name="{p}effective_from"' in run  # only a resolution approving a version takes effect
    effective = timezone.localdate() + dt.timedelta(days=30)
    voted = client.post(
        f"/governance/meetings/{meeting.pk}/run/",
        {
            "action": "vote",
            "resolution": resolution.pk,
            p + "yes": 2,
            p + "no": 1,
            p + "abstain": 0,
            p + "effective_from": effective.isoformat(),
            p + "change_reason": "ballot count",
        },
    )
    assert voted.status_code == 302
    version.refresh_from_db()
    assert (version.status, version.approved_on, version.effective_from) == (
        PolicyStatus.APPROVED,
        timezone.localdate(),
        effective,
    )
    assert version.approval_reference.startswith(f"Resolution {resolution.pk}: Adopt the 1.5% formula")
    # The date in the reference reads as people read dates, never ISO.
    assert version.approval_reference.endswith(f", {date_format(timezone.localdate(), 'DATE_FORMAT')})")
    # The meeting's page names the version it approves in words (not "v1").
    detail = text_of(client.get(f"/governance/meetings/{meeting.pk}/"))
    assert f"Approves {version.policy.name}, version {version.version} (Approved)" in detail


def options_of(page: str, name: str) -> list[str]:
    """The names a select offers (its empty choice left out)."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select named {name}"
    return [html.unescape(o) for o in re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select.group(1))]


def test_the_run_page_finds_people_by_name_rather_than_listing_everyone(client, staff_user):
    meeting, (ada, ben, _cal), _r = voting_meeting()
    services.governance_settings_update(actor=None, reason="bylaws", proxies_allowed=True)
    guest = Person.objects.create(given_name="Adalind", family_name="Guest")
    client.force_login(staff_user)
    url = f"/governance/meetings/{meeting.pk}/run/"
    page = client.get(url).content.decode()
    assert '<select name="person"' not in page  # nobody offered before a search
    assert options_of(page, "proxy-grantor") == options_of(page, "proxy-holder") == []

    # Anyone may be checked in, a guest too; two letters of a name find them.
    found = client.get(url, {"find": "ada"}).content.decode()
    assert sorted(options_of(found, "person")) == sorted([str(ada), str(guest)])
    assert client.post(url, {"action": "check_in", "person": guest.pk}).status_code == 302
    assert "No one matches that name." in client.get(url, {"find": "zzz"}).content.decode()
    assert '<select name="person"' not in client.get(url, {"find": "a"}).content.decode()  # too short to search

    # A proxy's giver and holder are found among the members with a vote on the record date: not the guest.
    proxy = client.get(url, {"grantor_q": "ben", "holder_q": "ada"}).content.decode()
    assert options_of(proxy, "proxy-grantor") == [str(ben)]
    assert options_of(proxy, "proxy-holder") == [str(ada)]
    # A refused form still offers what it had chosen.
    refused = client.post(
        url,
        {"action": "proxy", "proxy-grantor": ben.pk, "proxy-holder": ada.pk, "proxy-change_reason": "signed form"},
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert options_of(page, "proxy-grantor") == [str(ben)] and options_of(page, "proxy-holder") == [str(ada)]
