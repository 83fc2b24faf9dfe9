"""One role matrix over every governance endpoint of ``/api/v1/`` (issue 5 §9), with real logins of each role.

The other API tests give a login a role by a group; here each member is one in fact, as the roles query
derives it: a lessee named on a ground lease in force, a general member approved with the year's dues paid
and living in the service area, a supporting member (no vote), a board member holding a current term (with
the board group), staff, and the election officer named on the elections. Each test builds the same world
(``build_world``) once and walks its table in order; a table row is an endpoint and what each role gets.

The rules asserted, read from the viewsets:
* membership: a member reads their own row only (others 404), may apply for themself; staff do the rest;
* board: any signed-in user reads, staff write; elections: anyone with a role reads past the draft, staff
  write, the election's officer (or staff) closes; a ballot is cast with an access code, in the code's contests;
* results, published ballots and the .blt file only after the count (before: 400 naming the phase, for
  staff and officer too; a draft's contest is 404 to all but staff);
* meetings, agenda and resolutions: members, board members and the election officer read once noticed, staff
  write (the officer reads only); attendance and petition signatures are staff's; a proxy is seen by its two people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from clt import roles
from clt.models import Person
from governance.elections.models import Contest, Election
from governance.meetings.models import Proxy
from governance.membership.models import Membership
from tests.conftest import make_user
from tests.factories import make_lease
from tests.governance import all_services as gs
from tests.governance.elections.test_elections_core import make_officer
from tests.governance.meetings.test_meetings_services import NOTICE, meeting, propose, record_proxy
from tests.governance.stored import stored_ballots

pytestmark = pytest.mark.django_db

D = dt.date
ROLES = ("anonymous", "lessee", "general", "supporting", "board", "staff", "officer")
SIGNED_IN = ROLES[1:]
RECORD = D(2026, 3, 1)  # the elections' and the meeting's record date
AREA = {
    "type": "Polygon",
    "coordinates": [[[-73.23, 44.46], [-73.10, 44.46], [-73.10, 44.53], [-73.23, 44.53], [-73.23, 44.46]]],
}
INSIDE = (Decimal("-73.212100"), Decimal("44.475900"))
NO_CODE = "NOPE-NOPE-NOPE-NOPE"


def every(status: int, **others: int) -> dict[str, int]:
    """``status`` for every signed-in role, ``others`` where a role differs; anonymous is refused (403)."""
    return {"anonymous": 403} | dict.fromkeys(SIGNED_IN, status) | others


def only(role_status: dict[str, int], rest: int) -> dict[str, int]:
    return {"anonymous": 403} | dict.fromkeys(SIGNED_IN, rest) | role_status


STAFF_ONLY = only({"staff": 200}, 403)
STAFF_CREATES = only({"staff": 201}, 403)
MEETING_READERS = every(200)  # members of every class, board members, staff and the election officer (read-only)


# --- The world --------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User | None]
    general_membership: Membership
    applicant: Membership
    newcomer: Person
    public_seats: Any
    elections: dict[str, Election]
    contests: dict[str, Contest]
    petition_candidate: Any
    codes: dict[str, str]
    meetings: dict[str, Any]
    proxy: Proxy

    def client(self, role: str) -> APIClient:
        client = APIClient()
        if self.users[role] is not None:
            client.force_authenticate(self.users[role])
        return client


def _join(user: User, *, kind: str, paid: bool) -> Membership:
    membership = gs.membership_apply(
        person=user.person,
        actor=None,
        reason="test",
        applied_on=D(2025, 1, 5),
        kind=kind,
        birth_date=D(1980, 1, 1),
        longitude=INSIDE[0],
        latitude=INSIDE[1],
    )
    membership = gs.membership_approve(membership=membership, actor=None, reason="test", approved_on=D(2025, 1, 20))
    if paid:
        gs.dues_record(membership=membership, amount=Decimal("1.00"), actor=None, paid_on=D(2026, 1, 15))
    return membership


def _candidates(contest: Contest, *names: str) -> None:
    for name in names:
        person = Person.objects.create(given_name=name, family_name="Candidate")
        gs.candidate_add(actor=None, reason="nominated", contest=contest, person=person, consented_on=RECORD)


def _election(name: str, *, officer: User, staff: User) -> tuple[Election, Contest, Contest, dict[int, str]]:
    """An open election (real roll on ``RECORD``): a plurality contest for lessees and one for general members."""
    now = timezone.now()
    election = gs.election_create(
        actor=staff,
        reason="annual election",
        name=name,
        record_date=RECORD,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=6),
        officer=officer,
    )
    lessee_seat = gs.contest_add(
        actor=staff,
        reason="seats",
        election=election,
        title="Lessee seat",
        eligible_classes=["lessee"],
        method="plurality",
    )
    general_seat = gs.contest_add(
        actor=staff,
        reason="seats",
        election=election,
        title="General seat",
        eligible_classes=["general"],
        method="plurality",
    )
    _candidates(lessee_seat, "La", "Lb")
    _candidates(general_seat, "Ga", "Gb")
    size = gs.roll_freeze(actor=staff, reason="record date", election=election)
    assert size == 2  # the lessee and the general member: the supporting member has no vote
    issued = gs.access_codes_issue(actor=staff, reason="mail-out", election=election)
    codes = {entry.person_id: issued[entry.pk] for entry in election.roll.all()}
    gs.election_open(actor=staff, reason="polls open", election=election)
    election.refresh_from_db()
    return election, lessee_seat, general_seat, codes


def first_choice(contest: Contest) -> int:
    return contest.candidates.order_by("ballot_order", "pk").values_list("pk", flat=True).first()


def build_world() -> World:
    """Every role's login, the board, three elections (draft, open, counted) and two meetings (draft, sitting)."""
    today = timezone.localdate()
    gs.governance_settings_update(actor=None, reason="bylaws", service_area=AREA, proxies_allowed=True)

    lessee = make_user("lessee", person=True)
    make_lease(people=[lessee.person])
    general = make_user("general", person=True)
    general_membership = _join(general, kind="general", paid=True)
    supporting = make_user("supporter", person=True)
    _join(supporting, kind="supporting", paid=False)
    board = make_user("boardie", groups=(roles.BOARD_GROUP,), person=True)
    staff = make_user("staffer", groups=(roles.STAFF_GROUP,))
    officer = make_officer("officer")
    users = {
        "anonymous": None,
        "lessee": lessee,
        "general": general,
        "supporting": supporting,
        "board": board,
        "staff": staff,
        "officer": officer,
    }

    public = gs.seat_class_create(
        actor=None,
        reason="bylaws",
        code="public",
        name="Public representatives",
        seats=3,
        selection="board_slate_ratified",
        electorate=["lessee", "general"],
        candidate_pool=[],
    )
    gs.board_term_start(
        seat_class=public,
        person=board.person,
        starts_on=today - dt.timedelta(days=200),
        basis="ratified",
        actor=None,
        reason="slate ratified",
    )
    applicant = gs.membership_apply(
        person=Person.objects.create(given_name="Applicant", family_name="Test"),
        actor=None,
        reason="test",
        applied_on=D(2025, 1, 5),
    )
    newcomer = Person.objects.create(given_name="Newcomer", family_name="Test")

    # Elections: a draft (staff only), one open for voting and one counted.
    draft = gs.election_create(
        actor=staff,
        reason="next year",
        name="Draft election",
        record_date=RECORD,
        opens_at=timezone.now() + dt.timedelta(days=60),
        closes_at=timezone.now() + dt.timedelta(days=67),
        officer=officer,
    )
    draft_contest = gs.contest_add(
        actor=staff,
        reason="seats",
        election=draft,
        title="Draft seat",
        eligible_classes=["general"],
        method="approval",
    )
    petition_candidate = gs.candidate_nominate(
        actor=staff,
        reason="petition filed",
        contest=draft_contest,
        person=Person.objects.create(given_name="Petitioner", family_name="Candidate"),
        mode="petition",
        nominated_on=today,
        consented_on=today,
    )
    open_, open_lessee, open_general, open_codes = _election("Open election", officer=officer, staff=staff)
    counted, counted_lessee, counted_general, counted_codes = _election(
        "Counted election", officer=officer, staff=staff
    )
    for voter, contest in ((lessee, counted_lessee), (general, counted_general)):
        gs.ballot_cast(code=counted_codes[voter.person.pk], contest=contest, choices=[first_choice(contest)])
    gs.election_close(actor=officer, reason="polls closed", election=counted)
    gs.election_count(actor=officer, reason="counted", election=counted)

    # Meetings: a draft (not noticed: staff only) and the annual meeting in session.
    draft_meeting = meeting(title="Draft meeting")
    sitting = meeting(title="Annual meeting 2026")
    gs.agenda_item_add(actor=None, reason="agenda", meeting=sitting, title="Budget")
    propose(sitting)
    gs.meeting_notice_send(actor=None, reason="mailed", meeting=sitting, sent_on=NOTICE)
    gs.meeting_open(actor=None, reason="called to order", meeting=sitting)
    proxy = record_proxy(sitting, general.person, lessee.person)
    gs.attendance_check_in(actor=None, meeting=sitting, person=lessee.person)

    codes = {"lessee": open_codes[lessee.person.pk], "general": open_codes[general.person.pk]}
    return World(
        users=users,
        general_membership=general_membership,
        applicant=applicant,
        newcomer=newcomer,
        public_seats=public,
        elections={"draft": draft, "open": open_, "counted": counted},
        contests={
            "draft": draft_contest,
            "open_lessee": open_lessee,
            "open_general": open_general,
            "counted_lessee": counted_lessee,
        },
        petition_candidate=petition_candidate,
        codes=codes,
        meetings={"draft": draft_meeting, "sitting": sitting},
        proxy=proxy,
    )


# --- Reads ------------------------------------------------------------------------------------------


def of_contest(key: str, tail: str) -> Any:
    return lambda w: f"/api/v1/election-contests/{w.contests[key].pk}/{tail}/"


# (name, url from the world, {role: status}); detail rows are where visibility differs between roles.
READS: list[tuple[str, Any, dict[str, int]]] = [
    ("memberships list", lambda w: "/api/v1/memberships/", every(200)),
    (
        "general's membership",
        lambda w: f"/api/v1/memberships/{w.general_membership.pk}/",
        every(404, general=200, staff=200),
    ),
    (
        "general's dues",
        lambda w: f"/api/v1/memberships/{w.general_membership.pk}/dues/",
        every(404, general=200, staff=200),
    ),
    ("members", lambda w: "/api/v1/members/", STAFF_ONLY),
    ("governance-settings", lambda w: "/api/v1/governance-settings/", STAFF_ONLY),
    ("my-membership", lambda w: "/api/v1/my-membership/", every(200)),
    ("seat-classes list", lambda w: "/api/v1/seat-classes/", every(200)),
    ("seat class", lambda w: f"/api/v1/seat-classes/{w.public_seats.pk}/", every(200)),
    ("board-terms list", lambda w: "/api/v1/board-terms/", every(200)),
    ("board roster", lambda w: "/api/v1/board/roster/", every(200)),
    ("elections list", lambda w: "/api/v1/elections/", every(200)),
    ("draft election", lambda w: f"/api/v1/elections/{w.elections['draft'].pk}/", every(404, staff=200)),
    ("open election", lambda w: f"/api/v1/elections/{w.elections['open'].pk}/", every(200)),
    ("election-contests list", lambda w: "/api/v1/election-contests/", every(200)),
    ("draft contest", lambda w: f"/api/v1/election-contests/{w.contests['draft'].pk}/", every(404, staff=200)),
    ("election-candidates list", lambda w: "/api/v1/election-candidates/", every(200)),
    ("petition-signatures list", lambda w: "/api/v1/petition-signatures/", STAFF_ONLY),
    # Before the count: refused with the phase named, whoever asks; a draft's contest is not there at all.
    ("results before count", of_contest("open_lessee", "results"), every(400)),
    ("ballots before count", of_contest("open_lessee", "ballots"), every(400)),
    ("blt before count", of_contest("open_lessee", "blt"), every(400)),
    (
        "results of a draft",
        of_contest("draft", "results"),
        every(404, staff=400),
    ),
    ("results after count", of_contest("counted_lessee", "results"), every(200)),
    ("ballots after count", of_contest("counted_lessee", "ballots"), every(200)),
    ("blt after count", of_contest("counted_lessee", "blt"), every(200)),
    ("meetings list", lambda w: "/api/v1/meetings/", MEETING_READERS),
    ("sitting meeting", lambda w: f"/api/v1/meetings/{w.meetings['sitting'].pk}/", MEETING_READERS),
    ("draft meeting", lambda w: f"/api/v1/meetings/{w.meetings['draft'].pk}/", every(404, staff=200)),
    ("quorum", lambda w: f"/api/v1/meetings/{w.meetings['sitting'].pk}/quorum/", MEETING_READERS),
    ("agenda-items list", lambda w: "/api/v1/agenda-items/", MEETING_READERS),
    ("meeting-attendance list", lambda w: "/api/v1/meeting-attendance/", STAFF_ONLY),
    ("proxies list", lambda w: "/api/v1/proxies/", every(200)),
    ("the proxy", lambda w: f"/api/v1/proxies/{w.proxy.pk}/", every(404, lessee=200, general=200, staff=200)),
    ("resolutions list", lambda w: "/api/v1/resolutions/", MEETING_READERS),
]

# What each role finds in the lists it may read (names; elections and meetings in the lists' order).
MY_CLASS = {"lessee": "lessee", "general": "general", "supporting": "supporting"}
MEMBERSHIPS_SEEN = {
    "general": ["General"],
    "supporting": ["Supporter"],
    "staff": ["General", "Supporter", "Applicant Test"],
}
ELECTIONS_SEEN = {"staff": ["Draft election", "Counted election", "Open election"]}
MEETINGS_SEEN = {"staff": ["Draft meeting", "Annual meeting 2026"]}
PROXY_PEOPLE = ("lessee", "general", "staff")


def _names(response: Any, key: str) -> list[str]:
    return [row[key] for row in response.json()["results"]]


@pytest.mark.parametrize("role", ROLES)
def test_reads(role):
    world = build_world()
    client = world.client(role)
    got = {name: client.get(url(world)).status_code for name, url, _expected in READS}
    assert got == {name: expected[role] for name, _url, expected in READS}
    if role == "anonymous":
        return

    # What the lists hold for this role: a member sees only their own membership, drafts are staff's.
    assert sorted(_names(client.get("/api/v1/memberships/"), "person_name")) == sorted(MEMBERSHIPS_SEEN.get(role, []))
    mine = client.get("/api/v1/my-membership/").json()
    assert (mine["standing"] or {}).get("member_class") == MY_CLASS.get(role)
    if role == "lessee":
        assert mine["standing"]["votes"] is True
    if role == "supporting":
        assert mine["standing"]["votes"] is False
    if role == "general":
        assert [d["period_start"] for d in mine["dues"]] == ["2026-01-01"]
    assert _names(client.get("/api/v1/elections/"), "name") == ELECTIONS_SEEN.get(
        role, ["Counted election", "Open election"]
    )
    assert client.get("/api/v1/election-contests/").json()["count"] == (5 if role == "staff" else 4)
    roster = client.get("/api/v1/board/roster/").json()
    assert [h["person_name"] for c in roster["classes"] for h in c["holders"]] == ["Boardie"]
    proxies = [(p["grantor_name"], p["holder_name"]) for p in client.get("/api/v1/proxies/").json()["results"]]
    assert proxies == ([("General", "Lessee")] if role in PROXY_PEOPLE else [])
    results = client.get(f"/api/v1/election-contests/{world.contests['counted_lessee'].pk}/results/").json()
    assert results["winners"] == ["La Candidate"]
    before = client.get(f"/api/v1/election-contests/{world.contests['open_lessee'].pk}/results/").json()
    assert "phase" in before
    assert _names(client.get("/api/v1/meetings/"), "title") == MEETINGS_SEEN.get(role, ["Annual meeting 2026"])
    quorum = client.get(f"/api/v1/meetings/{world.meetings['sitting'].pk}/quorum/").json()
    # On the record date the lessee and the general member vote; the lessee is in the room with a proxy.
    assert (quorum["eligible"], quorum["present"], quorum["proxies"], quorum["met"]) == (2, 1, 1, True)


def test_staff_see_every_member_standing():
    world = build_world()
    rows = world.client("staff").get(f"/api/v1/members/?on={RECORD.isoformat()}").json()["results"]
    assert sorted((r["person_name"], r["member_class"], r["votes"]) for r in rows) == [
        ("General", "general", True),
        ("Lessee", "lessee", True),
        ("Supporter", "supporting", False),
    ]


# --- Writes -----------------------------------------------------------------------------------------

# (name, method, url, body, {role: status}), run in this order on one world: each staff write stays valid
# after the ones before it. Closing the open election comes last.
WRITES: list[tuple[str, str, Any, Any, dict[str, int]]] = [
    (
        "apply for membership (self)",
        "post",
        lambda w: "/api/v1/memberships/",
        lambda w: {"kind": "general", "birth_date": "1980-01-01", "reason": "joining"},
        # Staff must name the applicant, the officer has no person record, a member already has a membership.
        every(400, lessee=201, board=201),
    ),
    (
        "approve an application",
        "post",
        lambda w: f"/api/v1/memberships/{w.applicant.pk}/approve/",
        lambda w: {"approved_on": "2025-02-01"},
        STAFF_ONLY,
    ),
    (
        "record dues",
        "post",
        lambda w: f"/api/v1/memberships/{w.general_membership.pk}/dues/",
        lambda w: {"amount": "1.00", "paid_on": "2025-03-01"},
        STAFF_CREATES,
    ),
    (
        "change the settings",
        "patch",
        lambda w: "/api/v1/governance-settings/",
        lambda w: {"service_area_name": "Burlington", "change_reason": "bylaws"},
        STAFF_ONLY,
    ),
    (
        "add a seat class",
        "post",
        lambda w: "/api/v1/seat-classes/",
        lambda w: {"code": "ex", "name": "Ex officio", "seats": 1, "selection": "ex_officio"},
        STAFF_CREATES,
    ),
    (
        "start a board term",
        "post",
        lambda w: "/api/v1/board-terms/",
        lambda w: {
            "seat_class": w.public_seats.pk,
            "person": w.newcomer.pk,
            "starts_on": (timezone.localdate() - dt.timedelta(days=10)).isoformat(),
            "basis": "ratified",
            "change_reason": "slate ratified",
        },
        STAFF_CREATES,
    ),
    (
        "create an election",
        "post",
        lambda w: "/api/v1/elections/",
        lambda w: {
            "name": "By-election",
            "record_date": "2026-06-01",
            "opens_at": (timezone.now() + dt.timedelta(days=40)).isoformat(),
            "closes_at": (timezone.now() + dt.timedelta(days=42)).isoformat(),
        },
        STAFF_CREATES,
    ),
    (
        "add a contest",
        "post",
        lambda w: "/api/v1/election-contests/",
        lambda w: {
            "election": w.elections["draft"].pk,
            "title": "Second seat",
            "eligible_classes": ["general"],
            "method": "approval",
        },
        STAFF_CREATES,
    ),
    (
        "add a candidate",
        "post",
        lambda w: "/api/v1/election-candidates/",
        lambda w: {"contest": w.contests["draft"].pk, "person": w.newcomer.pk, "consented_on": "2026-03-01"},
        STAFF_CREATES,
    ),
    (
        "sign a petition",
        "post",
        lambda w: "/api/v1/petition-signatures/",
        lambda w: {
            "candidate": w.petition_candidate.pk,
            "person": w.users["general"].person.pk,
            "signed_on": timezone.localdate().isoformat(),
        },
        STAFF_CREATES,
    ),
    (
        "issue access codes",
        "post",
        lambda w: f"/api/v1/elections/{w.elections['open'].pk}/codes/",
        lambda w: {},
        only({"staff": 200, "officer": 200}, 403),  # the election's officer may issue them, as on the Run page
    ),
    (
        "call a meeting",
        "post",
        lambda w: "/api/v1/meetings/",
        lambda w: {
            "kind": "special",
            "title": "X",
            "starts_at": "2026-06-01T18:00Z",
            "record_date": "2026-05-01",
            "purpose": "Budget",
        },
        STAFF_CREATES,
    ),
    (
        "add an agenda item",
        "post",
        lambda w: "/api/v1/agenda-items/",
        lambda w: {"meeting": w.meetings["sitting"].pk, "title": "Any other business"},
        STAFF_CREATES,
    ),
    (
        "check in (attendance)",
        "post",
        lambda w: f"/api/v1/meetings/{w.meetings['sitting'].pk}/check-in/",
        lambda w: {"person": w.users["general"].person.pk},
        STAFF_ONLY,
    ),
    (
        "record a proxy",
        "post",
        lambda w: "/api/v1/proxies/",
        lambda w: {
            "grantor": w.users["lessee"].person.pk,
            "holder": w.users["general"].person.pk,
            "meeting": w.meetings["sitting"].pk,
            "received_on": "2026-04-10",
        },
        STAFF_CREATES,
    ),
    (
        "propose a resolution",
        "post",
        lambda w: "/api/v1/resolutions/",
        lambda w: {"meeting": w.meetings["sitting"].pk, "title": "Thanks", "text": "Resolved.", "kind": "other"},
        STAFF_CREATES,
    ),
    (
        "certify the counted election",
        "post",
        lambda w: f"/api/v1/elections/{w.elections['counted'].pk}/certify/",
        lambda w: {},
        # Only the officer named on the election certifies: staff count and close, but do not certify.
        only({"officer": 200}, 403),
    ),
    (
        "close the open election",
        "post",
        lambda w: f"/api/v1/elections/{w.elections['open'].pk}/close/",
        lambda w: {},
        # The officer named on the election closes it too; a member's request reaches the service and is refused.
        only({"staff": 200, "officer": 200}, 403),
    ),
]


@pytest.mark.parametrize("role", ROLES)
def test_writes(role):
    world = build_world()
    client = world.client(role)
    got, refused = {}, {}
    for name, method, url, body, _expected in WRITES:
        response = getattr(client, method)(url(world), body(world), format="json")
        got[name] = response.status_code
        if response.status_code == 400:
            refused[name] = sorted(response.json())
    assert got == {name: expected[role] for name, _m, _u, _b, expected in WRITES}
    # The only 400s are applications refused for the person: staff name none, the officer has no person
    # record, the general and supporting members have a membership already.
    assert refused == ({} if role in ("anonymous", "lessee", "board") else {"apply for membership (self)": ["person"]})
    open_phase = Election.objects.get(pk=world.elections["open"].pk).phase
    assert open_phase == ("closed" if role in ("staff", "officer") else "open")
    assert Membership.objects.get(pk=world.applicant.pk).status == ("active" if role == "staff" else "applied")
    assert Proxy.objects.count() == (2 if role == "staff" else 1)
    counted = Election.objects.get(pk=world.elections["counted"].pk)
    assert (counted.phase, counted.certified_by) == (
        ("certified", world.users["officer"]) if role == "officer" else ("counted", None)
    )


def test_an_officer_not_named_on_the_election_does_not_run_it():
    world = build_world()
    client = APIClient()
    client.force_authenticate(make_officer("another-officer"))
    assert client.post(f"/api/v1/elections/{world.elections['open'].pk}/close/").status_code == 403
    assert client.post(f"/api/v1/elections/{world.elections['counted'].pk}/certify/").status_code == 403
    assert client.post(f"/api/v1/elections/{world.elections['counted'].pk}/count/").status_code == 403
    assert Election.objects.get(pk=world.elections["open"].pk).phase == "open"


# --- Ballots ----------------------------------------------------------------------------------------

# Each role submits its own access code (one who has none: a made-up one) first to the contest of the other
# class, then to its own. Only a voter casts, and only in the contests of the class the roll gave them.
OWN_CONTEST = {"lessee": "open_lessee", "general": "open_general"}
OTHER_CONTEST = {"lessee": "open_general", "general": "open_lessee"}
BALLOTS = {
    "other class's contest": every(400),
    "own contest": every(400, lessee=201, general=201),
}
REFUSED_FIELD = {"lessee": "contest", "general": "contest"}  # the others: "code"


@pytest.mark.parametrize("role", ROLES)
def test_ballot_submission(role):
    world = build_world()
    client = world.client(role)
    code = world.codes.get(role, NO_CODE)
    other = world.contests[OTHER_CONTEST.get(role, "open_lessee")]
    own = world.contests[OWN_CONTEST.get(role, "open_general")]
    url = "/api/v1/ballots/"
    refused = client.post(url, {"code": code, "contest": other.pk, "choices": [first_choice(other)]}, format="json")
    cast = client.post(url, {"code": code, "contest": own.pk, "choices": [first_choice(own)]}, format="json")
    got = {"other class's contest": refused.status_code, "own contest": cast.status_code}
    assert got == {name: expected[role] for name, expected in BALLOTS.items()}
    if role != "anonymous":
        assert list(refused.json()) == [REFUSED_FIELD.get(role, "code")]
    if cast.status_code == 201:
        assert set(cast.json()) == {"receipt"}
    open_contests = [world.contests["open_lessee"], world.contests["open_general"]]
    assert sum(len(stored_ballots(c)) for c in open_contests) == (1 if role in OWN_CONTEST else 0)


def test_a_voter_who_resigned_after_the_record_date_still_casts_with_the_code():
    world = build_world()
    general = world.users["general"]
    gs.membership_end(
        membership=world.general_membership,
        actor=None,
        reason="moved away",
        ended_on=timezone.localdate() - dt.timedelta(days=1),
    )
    general = User.objects.get(pk=general.pk)  # the roles are cached on the user object
    assert not roles.user_roles(general)
    client = APIClient()
    client.force_authenticate(general)
    contest = world.contests["open_general"]
    response = client.post(
        "/api/v1/ballots/",
        {"code": world.codes["general"], "contest": contest.pk, "choices": [first_choice(contest)]},
        format="json",
    )
    assert response.status_code == 201


@pytest.mark.parametrize("role", ["lessee", "supporting", "board", "officer"])
def test_a_signed_in_caller_casts_only_the_ballot_of_their_own_code(role):
    """Voter only: the general member's code in anyone else's hands is refused on the API; staff enter paper
    and proxy ballots, so they are the exception (asserted in the staff paper-ballot tests)."""
    world = build_world()
    contest = world.contests["open_general"]
    response = world.client(role).post(
        "/api/v1/ballots/",
        {"code": world.codes["general"], "contest": contest.pk, "choices": [first_choice(contest)]},
        format="json",
    )
    assert response.status_code == 400
    refusal = (
        "Your login is not linked to a person on the roll."  # the officer's login has no person
        if role == "officer"
        else "This access code is not valid for this election."  # as for a code that does not exist
    )
    assert response.json() == {"code": [refusal]}
    assert not stored_ballots(contest)
    mine = world.client("general").post(
        "/api/v1/ballots/",
        {"code": world.codes["general"], "contest": contest.pk, "choices": [first_choice(contest)]},
        format="json",
    )
    assert mine.status_code == 201 and len(stored_ballots(contest)) == 1
