"""Nominations (R7) and too few candidates (R8): services, pages and API.

The trust in these tests: a lessee seat class (lessees elect and stand) and a general seat class; lessees are
named on leases in force since 2020, general members joined in 2025 and paid their 2026 dues. The record date
is 1 March 2026, voting opens on 1 May 2026 at noon, so with the default 30 days nominations close on 1 April.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from clt.models import Person
from governance.board.models import BoardTerm, SeatClass, TermBasis
from governance.elections.models import Candidate, Contest, Election, ElectionPhase, Participation, PetitionSignature
from governance.membership.models import GovernanceSettings
from tests.factories import make_lease
from tests.governance import all_services as gs
from tests.governance.elections.test_elections_core import make_officer
from tests.governance.membership.test_membership import general_member

pytestmark = pytest.mark.django_db

D = dt.date
RECORD = D(2026, 3, 1)
OPENS = timezone.make_aware(dt.datetime(2026, 5, 1, 12, 0))
CLOSES = timezone.make_aware(dt.datetime(2026, 5, 8, 12, 0))
CLOSE = D(2026, 4, 1)  # 30 days before 1 May


def lessee(name: str) -> Person:
    person = Person.objects.create(given_name=name, family_name="Lessee")
    make_lease(people=[person])
    return person


def general(name: str) -> Person:
    return general_member(name).person


def nobody(name: str) -> Person:
    return Person.objects.create(given_name=name, family_name="Outsider")


def settings_set(**fields) -> GovernanceSettings:
    return gs.governance_settings_update(actor=None, reason="test bylaws", **fields)


def seat_class(code: str = "lessee", *, seats: int = 2, **fields) -> SeatClass:
    defaults = {"electorate": ["lessee"], "candidate_pool": ["lessee"]}
    return gs.seat_class_create(
        actor=None, reason="bylaws", code=code, name=f"{code.title()} seats", seats=seats, **(defaults | fields)
    )


def election(actor=None, **fields) -> Election:
    return gs.election_create(
        actor=actor,
        reason="annual election",
        name=fields.pop("name", "Annual election 2026"),
        record_date=RECORD,
        opens_at=OPENS,
        closes_at=CLOSES,
        **fields,
    )


def contest(e: Election, sc: SeatClass | None = None, *, seats: int | None = None, **fields) -> Contest:
    return gs.contest_add(
        actor=None,
        reason="contest",
        election=e,
        title=fields.pop("title", sc.name if sc else "Chair"),
        eligible_classes=fields.pop("eligible_classes", list(sc.electorate) if sc else ["lessee", "general"]),
        seats=seats or (sc.seats if sc else 1),
        method=fields.pop("method", "plurality" if sc is None else "block"),
        seat_class=sc,
        **fields,
    )


NOMINATED = D(2026, 3, 20)
SIGNED = D(2026, 3, 25)


def nominate(c: Contest, person: Person, *, mode: str = "committee", on: D = NOMINATED, **kw) -> Candidate:
    kw.setdefault("consented_on", D(2026, 3, 21))
    return gs.candidate_nominate(
        actor=None, reason="nomination received", contest=c, person=person, mode=mode, nominated_on=on, **kw
    )


def sign(candidate: Candidate, person: Person, on: D = SIGNED):
    return gs.petition_sign(actor=None, reason="petition page", candidate=candidate, person=person, signed_on=on)


def field_errors(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.message_dict


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- R7: nominations -----------------------------------------------------------------------------------


def test_nominations_close_the_settings_days_before_voting_or_on_the_elections_date():
    lessee_seats = seat_class()
    e = election()
    c = contest(e, lessee_seats)
    assert gs.nominations_close_on(e) == CLOSE
    on_the_day = nominate(c, lessee("Ada"), on=CLOSE)
    assert on_the_day.nomination_mode == "committee" and on_the_day.nominated_on == CLOSE
    with pytest.raises(ValidationError) as late:
        nominate(c, lessee("Ben"), on=CLOSE + dt.timedelta(days=1))
    assert "Nominations closed on" in field_errors(late)["nominated_on"][0]
    # A floor nomination is made at the meeting: taken after the close, up to the freeze.
    floor = nominate(c, lessee("Cy"), mode="floor", on=D(2026, 4, 20), nominated_by="Moved by Dee, seconded by Eve")
    assert floor.nominated_by == "Moved by Dee, seconded by Eve"
    assert Candidate.objects.filter(contest=c).count() == 2  # Ada and Cy

    own_date = election(name="By-election", nominations_close=D(2026, 4, 10))
    c2 = contest(own_date, lessee_seats)
    assert gs.nominations_close_on(own_date) == D(2026, 4, 10)
    nominate(c2, lessee("Fay"), on=D(2026, 4, 10))
    with pytest.raises(ValidationError) as late:
        nominate(c2, lessee("Gus"), on=D(2026, 4, 11))
    assert "nominated_on" in field_errors(late)
    settings_set(nomination_deadline_days=10)
    assert gs.nominations_close_on(election(name="Other")) == D(2026, 4, 21)


def test_nominations_close_after_voting_opens_is_refused():
    with pytest.raises(ValidationError) as exc:
        election(nominations_close=D(2026, 5, 2))
    assert "nominations_close" in field_errors(exc)


def test_only_the_bylaws_modes_and_only_in_a_draft():
    settings_set(nomination_modes=["committee", "floor"])
    e = election()
    c = contest(e, seat_class())
    with pytest.raises(ValidationError) as exc:
        nominate(c, lessee("Ada"), mode="petition")
    assert "Nominating committee" in field_errors(exc)["nomination_mode"][0]
    with pytest.raises(ValidationError) as exc:
        nominate(c, lessee("Ada"), mode="write_in")
    assert "nomination_mode" in field_errors(exc)
    a = nominate(c, lessee("Ben"))
    with pytest.raises(ValidationError) as exc:
        nominate(c, a.person)
    assert "already a candidate" in field_errors(exc)["person"][0]
    with pytest.raises(ValidationError) as exc:
        gs.candidate_nominate(
            actor=None, reason=" ", contest=c, person=lessee("Cy"), mode="committee", nominated_on=D(2026, 3, 1)
        )
    assert "change_reason" in field_errors(exc)
    nominate(c, lessee("Dee"))
    nominate(c, lessee("Eve"))
    gs.roll_freeze(actor=None, reason="record date", election=e)
    with pytest.raises(ValidationError) as exc:
        nominate(c, lessee("Fay"), mode="floor")
    assert "phase" in field_errors(exc)


def test_the_candidate_must_be_in_the_pool_on_the_record_date():
    c = contest(election(), seat_class())
    with pytest.raises(ValidationError) as exc:
        nominate(c, general("Gen"))
    assert "not in Lessee member" in field_errors(exc)["person"][0]
    with pytest.raises(ValidationError) as exc:
        nominate(c, nobody("Out"))
    assert "Not a member" in field_errors(exc)["person"][0]
    # A lease that starts after the record date does not make a lessee on it.
    late = Person.objects.create(given_name="Late", family_name="Lessee")
    make_lease(people=[late], commencement=D(2026, 3, 2))
    with pytest.raises(ValidationError):
        nominate(c, late)
    public = contest(election(name="Public"), seat_class("public", candidate_pool=[], electorate=["lessee", "general"]))
    assert nominate(public, nobody("Anyone")).person.given_name == "Anyone"  # an empty pool: anyone stands


def test_consent_makes_a_nomination_stand():
    c = contest(election(), seat_class())
    ada = nominate(c, lessee("Ada"), consented_on=None)
    assert gs.candidate_standing(ada) == (False, ["No consent to stand recorded."])
    with pytest.raises(ValidationError) as exc:
        gs.candidate_consent(actor=None, reason="letter", candidate=ada, consented_on=None)
    assert "consented_on" in field_errors(exc)
    gs.candidate_consent(actor=None, reason="signed consent form", candidate=ada, consented_on=D(2026, 3, 28))
    ada.refresh_from_db()
    assert ada.consented_on == D(2026, 3, 28)
    assert gs.candidate_standing(ada) == (True, [])
    assert ada.history.first().history_change_reason == "signed consent form"
    settings_set(candidate_consent_required=False)
    assert gs.candidate_standing(nominate(c, lessee("Ben"), consented_on=None))[0] is True


def test_a_petition_one_short_does_not_stand_and_enough_signatures_do():
    settings_set(petition_min_signers=3, nomination_modes=["petition", "committee"])
    lessee_seats = seat_class(seats=1)
    e = election()
    c = contest(e, lessee_seats)
    short = nominate(c, lessee("Short"), mode="petition")
    enough = nominate(c, lessee("Enough"), mode="petition")
    signers = [lessee(f"Signer{i}") for i in range(3)]
    for person in signers[:2]:
        sign(short, person)
    for person in signers:
        sign(enough, person)
    assert gs.candidate_standing(short) == (False, ["The petition has 2 of the 3 signatures it needs."])
    assert gs.candidate_standing(enough) == (True, [])

    # Refusals, each on its field, nothing stored.
    with pytest.raises(ValidationError) as exc:
        sign(short, short.person)
    assert "own petition" in field_errors(exc)["person"][0]
    with pytest.raises(ValidationError) as exc:
        sign(short, signers[0])
    assert "already signed" in field_errors(exc)["person"][0]
    with pytest.raises(ValidationError) as exc:
        sign(short, nobody("Out"))
    assert "has no vote on the record date" in field_errors(exc)["person"][0]
    with pytest.raises(ValidationError) as exc:
        sign(short, general("Gen"))  # petition_same_class: only lessees elect the lessee seat
    assert "Only members who elect this seat" in field_errors(exc)["person"][0]
    with pytest.raises(ValidationError) as exc:
        sign(short, lessee("Tardy"), on=CLOSE + dt.timedelta(days=1))
    assert "signed_on" in field_errors(exc)
    with pytest.raises(ValidationError) as exc:
        sign(nominate(c, lessee("Committee")), signers[0])
    assert "not nominated by petition" in field_errors(exc)["candidate"][0]
    assert PetitionSignature.objects.filter(candidate=short).count() == 2
    sign(short, lessee("OnTheDay"), on=CLOSE)  # the close itself is in time
    assert gs.candidate_standing(short)[0] is True

    settings_set(petition_same_class=False)
    other = nominate(c, lessee("Other"), mode="petition")
    assert sign(other, general("Gen2")).person.given_name == "Gen2"


def test_at_the_freeze_a_short_petition_is_off_the_ballot_and_kept_for_the_record():
    settings_set(petition_min_signers=2, nomination_modes=["petition", "committee"])
    e = election()
    c = contest(e, seat_class(seats=1))
    short = nominate(c, lessee("Short"), mode="petition")
    sign(short, lessee("Signer"))
    nominate(c, lessee("Ada"))
    nominate(c, lessee("Ben"))
    no_consent = nominate(c, lessee("Cy"), consented_on=None)
    gs.roll_freeze(actor=None, reason="record date", election=e)
    short.refresh_from_db()
    no_consent.refresh_from_db()
    assert short.withdrawn and no_consent.withdrawn  # off the ballot, still a row
    assert "1 of the 2 signatures" in short.history.first().history_change_reason
    assert "No consent" in no_consent.history.first().history_change_reason
    c.refresh_from_db()
    assert not c.acclaimed and c.vacant_seats == 0  # Ada and Ben contest the seat


# --- R8: too few candidates ------------------------------------------------------------------------


def _run_to_certified(e: Election, officer, *, votes=()) -> None:
    """Open, (cast), close, count and certify an election whose roll is frozen."""
    gs.election_open(actor=officer, reason="polls open", election=e)
    for code, c, choices in votes:
        gs.ballot_cast(code=code, contest=c, choices=choices, channel="paper", actor=officer, reason="papers")
    gs.election_close(actor=officer, reason="polls closed", election=e)
    gs.election_count(actor=officer, reason="count", election=e)
    gs.election_certify(actor=officer, reason="certified", election=e, terms_start_on=D(2026, 6, 14))


def test_an_acclaimed_contest_takes_no_ballot_and_certifies_terms_elected_unopposed(staff_user):
    officer = make_officer()
    lessee_seats = seat_class(seats=2)  # uncontested: acclaim (the default)
    general_seats = seat_class("general", seats=1, electorate=["lessee", "general"], candidate_pool=["general"])
    e = election(officer=officer)
    acclaimed = contest(e, lessee_seats)
    voted = contest(e, general_seats, method="plurality")
    ada, ben = nominate(acclaimed, lessee("Ada")), nominate(acclaimed, lessee("Ben"))
    nominate(voted, general("Gia"))
    nominate(voted, general("Hal"))
    voter = lessee("Voter")
    size = gs.roll_freeze(actor=staff_user, reason="record date", election=e)
    assert size == 5  # the lessees and general members, candidates included, vote in the general seats
    acclaimed.refresh_from_db()
    voted.refresh_from_db()
    assert acclaimed.acclaimed and acclaimed.vacant_seats == 0 and acclaimed.shortfall_action == ""
    assert not voted.acclaimed and gs.contest_takes_ballot(voted) and not gs.contest_takes_ballot(acclaimed)

    codes = gs.access_codes_issue(actor=staff_user, reason="mail-out", election=e)
    entry = e.roll.get(person=voter)
    gs.election_open(actor=officer, reason="polls open", election=e)
    with pytest.raises(ValidationError) as exc:
        gs.ballot_cast(
            code=codes[entry.pk], contest=acclaimed, choices=[ada.pk], channel="paper", actor=staff_user, reason="p"
        )
    assert "settled without a vote" in field_errors(exc)["contest"][0]
    assert not Participation.objects.filter(contest=acclaimed).exists()
    gia = voted.candidates.get(person__given_name="Gia")
    gs.ballot_cast(code=codes[entry.pk], contest=voted, choices=[gia.pk], channel="paper", actor=staff_user, reason="p")
    gs.election_close(actor=officer, reason="polls closed", election=e)
    gs.election_count(actor=officer, reason="count", election=e)
    acclaimed.refresh_from_db()
    result = acclaimed.result
    assert result["winners"] == ["Ada Lessee", "Ben Lessee"] and result["winner_ids"] == [ada.pk, ben.pk]
    assert result["acclaimed"] is True and result["ballots"]["cast"] == 0
    assert [(s["stage"], s["action"], s["elected"]) for s in result["stages"]] == [
        (1, "acclaimed", ["Ada Lessee", "Ben Lessee"])
    ]
    gs.election_certify(actor=officer, reason="certified", election=e, terms_start_on=D(2026, 6, 14))
    terms = {t.person.given_name: t for t in BoardTerm.objects.select_related("person")}
    assert terms["Ada"].basis == TermBasis.ACCLAIMED and terms["Ben"].basis == TermBasis.ACCLAIMED
    assert terms["Gia"].basis == TermBasis.ELECTED
    assert terms["Ada"].starts_on == D(2026, 6, 14) and terms["Ada"].ends_on == D(2029, 6, 14)

    # The public results page says so; the round table has its one row.
    page = text(Client().get(f"/governance/elections/{e.pk}/"))
    assert "Elected unopposed:</strong> Ada Lessee, Ben Lessee" in page
    pdf_html = text(Client().get(f"/governance/elections/{e.pk}/results.pdf?format=html"))
    assert "Ada Lessee" in pdf_html and "Elected unopposed: no more candidates than seats" in pdf_html
    assert "Elected unopposed:</strong> Ada Lessee, Ben Lessee" in pdf_html
    assert "no vote was taken" in page
    assert f'href="/governance/elections/contests/{acclaimed.pk}/ballots/"' not in page
    assert f'href="/governance/elections/contests/{voted.pk}/ballots/"' in page


def test_shortfall_with_board_appoints_leaves_vacancies_on_the_roster(staff_user):
    officer = make_officer()
    lessee_seats = seat_class(seats=3, shortfall="board_appoints")
    e = election(officer=officer)
    c = contest(e, lessee_seats)
    nominate(c, lessee("Ada"))
    gs.roll_freeze(actor=staff_user, reason="record date", election=e)
    c.refresh_from_db()
    assert (c.acclaimed, c.vacant_seats, c.shortfall_action) == (True, 2, "board_appoints")
    reasons = list(c.history.values_list("history_change_reason", flat=True))
    assert "record date: 1 standing candidate for 3 seats, 2 vacant" in reasons
    _run_to_certified(e, officer)
    roster, _classes, _terms = gs.board_roster(D(2026, 7, 1))
    row = roster.classes[0]
    assert (row.holder_count, row.vacancies) == (1, 2)
    page = text(Client().get("/governance/board/?on=2026-07-01"))
    assert page.count("No holder") == 2
    results = text(Client().get(f"/governance/elections/{e.pk}/"))
    assert "2 seats left vacant for want of candidates." in results
    assert "The board fills them by appointment" in results
    # The board fills one through the existing term service.
    gs.board_term_start(
        actor=staff_user,
        reason="board minute 2026-07",
        seat_class=lessee_seats,
        person=lessee("Appointee"),
        starts_on=D(2026, 7, 10),
        basis=TermBasis.APPOINTED,
    )
    assert gs.board_roster(D(2026, 7, 11))[0].classes[0].vacancies == 1


def test_leave_vacant_with_still_ballot_puts_the_short_class_to_the_vote(staff_user):
    lessee_seats = seat_class(seats=2, shortfall="leave_vacant", uncontested="still_ballot")
    e = election()
    c = contest(e, lessee_seats)
    nominate(c, lessee("Ada"))
    gs.roll_freeze(actor=staff_user, reason="record date", election=e)
    c.refresh_from_db()
    assert (c.acclaimed, c.vacant_seats, c.shortfall_action) == (False, 1, "leave_vacant")
    assert gs.contest_takes_ballot(c)
    assert e.roll.exists()


def test_a_class_with_no_candidate_is_not_voted_and_its_seats_stay_vacant(staff_user):
    officer = make_officer()
    e = election(officer=officer)
    empty = contest(e, seat_class(seats=2, shortfall="leave_vacant"))
    assert gs.roll_freeze(actor=staff_user, reason="record date", election=e) == 0  # nothing to vote on
    empty.refresh_from_db()
    assert (empty.acclaimed, empty.vacant_seats, empty.shortfall_action) == (False, 2, "leave_vacant")
    assert not gs.contest_takes_ballot(empty)
    _run_to_certified(e, officer)
    empty.refresh_from_db()
    assert empty.result["winners"] == [] and empty.result["stages"][0]["action"] == "no_candidate"
    assert not BoardTerm.objects.exists()
    # A contest without a seat class still needs a candidate (no R8 rule to apply).
    e2 = election(name="Chair")
    contest(e2)
    with pytest.raises(ValidationError) as exc:
        gs.roll_freeze(actor=staff_user, reason="record date", election=e2)
    assert "has no candidate" in field_errors(exc)["candidates"][0]


def test_open_to_other_class_lets_a_general_member_stand_for_a_lessee_seat(staff_user):
    lessee_seats = seat_class(seats=2, shortfall="open_to_other_class")
    e = election()
    c = contest(e, lessee_seats)
    nominate(c, lessee("Ada"))
    gia = general("Gia")
    with pytest.raises(ValidationError):
        nominate(c, gia)
    with pytest.raises(ValidationError) as exc:
        gs.contest_open_to_class(actor=staff_user, reason="short", contest=c, classes=["pirates"])
    assert "classes" in field_errors(exc)
    gs.contest_open_to_class(actor=staff_user, reason="only one lessee stood", contest=c, classes=["general"])
    c.refresh_from_db()
    assert c.open_to_classes == ["general"]
    assert nominate(c, gia).person == gia
    with pytest.raises(ValidationError) as exc:  # no longer short
        gs.contest_open_to_class(actor=staff_user, reason="again", contest=c, classes=["supporting"])
    assert "not short" in field_errors(exc)["contest"][0]
    gs.roll_freeze(actor=staff_user, reason="record date", election=e)
    c.refresh_from_db()
    assert c.acclaimed and c.vacant_seats == 0


def test_open_to_other_class_only_where_the_bylaws_say_so_and_still_short_at_the_freeze_means_vacant(staff_user):
    e = election()
    appoints = contest(e, seat_class(seats=2, shortfall="board_appoints"))
    with pytest.raises(ValidationError) as exc:
        gs.contest_open_to_class(actor=staff_user, reason="short", contest=appoints, classes=["general"])
    assert "do not open" in field_errors(exc)["contest"][0]
    opened = contest(e, seat_class("other", seats=2, shortfall="open_to_other_class"), title="Other")
    nominate(opened, lessee("Ada"))
    nominate(appoints, lessee("Ben"))
    nominate(appoints, lessee("Cy"))
    gs.roll_freeze(actor=staff_user, reason="record date", election=e)
    opened.refresh_from_db()
    assert (opened.vacant_seats, opened.shortfall_action) == (1, "leave_vacant")
    reasons = " ".join(opened.history.values_list("history_change_reason", flat=True))
    assert "still short after being opened to another class: left vacant" in reasons


# --- Pages -----------------------------------------------------------------------------------------


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["member", "homeowner", "board"])
def test_the_set_up_pages_are_staff_only(role, users):
    e = election()
    client = staff_client(users[role])
    for url in (
        "/governance/elections/new/",
        f"/governance/elections/{e.pk}/contests/new/",
        f"/governance/elections/{e.pk}/nominations/",
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"change_reason": "x"}).status_code == 403, url
    assert Client().get("/governance/elections/new/").status_code == 302  # anonymous: to the login page
    assert Election.objects.count() == 1


def test_staff_create_an_election_and_a_contest_from_a_seat_class(staff_user):
    client = staff_client(staff_user)
    assert "New election" in text(client.get("/governance/elections/"))
    bad = client.post(
        "/governance/elections/new/",
        {
            "name": "Annual election 2026",
            "record_date": "2026-03-01",
            "opens_at": "2026-05-01T12:00",
            "closes_at": "2026-05-08T12:00",
            "nominations_close": "2026-05-02",
            "change_reason": "bylaws: annual election",
        },
    )
    assert bad.status_code == 400 and "Nominations close on or before the day voting opens." in text(bad)
    response = client.post(
        "/governance/elections/new/",
        {
            "name": "Annual election 2026",
            "record_date": "2026-03-01",
            "opens_at": "2026-05-01T12:00",
            "closes_at": "2026-05-08T12:00",
            "nominations_close": "2026-04-10",
            "change_reason": "bylaws: annual election",
        },
    )
    e = Election.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/governance/elections/{e.pk}/nominations/"
    assert (e.nominations_close, e.phase, e.record_date) == (D(2026, 4, 10), ElectionPhase.DRAFT, RECORD)
    assert e.history.first().history_change_reason == "bylaws: annual election"

    sc = seat_class(seats=3)
    url = f"/governance/elections/{e.pk}/contests/new/"
    assert 'type="checkbox" name="eligible_classes"' in text(client.get(url))
    missing = client.post(url, {"method": "block", "change_reason": "x"})
    assert missing.status_code == 400 and "Give a title, or choose a seat class." in text(missing)
    unknown = client.post(
        url, {"seat_class": sc.pk, "method": "block", "tie_break_rules": "dice", "change_reason": "x"}
    )
    assert unknown.status_code == 400 and "Unknown rule: dice." in text(unknown)
    response = client.post(
        url, {"seat_class": sc.pk, "method": "block", "max_marks": "2", "change_reason": "three lessee seats"}
    )
    assert response.status_code == 302
    c = e.contests.get()
    assert (c.title, c.seats, c.eligible_classes, c.max_marks, c.seat_class) == ("Lessee seats", 3, ["lessee"], 2, sc)


def test_the_nominations_page_records_nominations_consent_and_signatures(staff_user, django_assert_max_num_queries):
    settings_set(petition_min_signers=2, nomination_modes=["committee", "petition", "floor"])
    e = election()
    c = contest(e, seat_class(seats=2, shortfall="open_to_other_class"))
    client = staff_client(staff_user)
    url = f"/governance/elections/{e.pk}/nominations/"
    ada, signer, gia = lessee("Ada"), lessee("Signer"), general("Gia")
    page = client.get(url)
    assert page.status_code == 200
    body = text(page)
    assert 'id="nominations-close"' in body and "2026-04-01" in body
    assert "Short of candidates: 0 standing for 2 seats." in body

    late = client.post(
        url,
        {
            "op": "nominate",
            "nominate-contest": c.pk,
            "nominate-person": ada.pk,
            "nominate-mode": "petition",
            "nominate-nominated_on": "2026-04-02",
            "nominate-change_reason": "petition filed",
        },
    )
    assert late.status_code == 400 and "Nominations closed on" in text(late)
    response = client.post(
        url,
        {
            "op": "nominate",
            "nominate-contest": c.pk,
            "nominate-person": ada.pk,
            "nominate-mode": "petition",
            "nominate-nominated_on": "2026-03-15",
            "nominate-statement": "I have lived here twenty years.",
            "nominate-change_reason": "petition filed",
        },
    )
    assert response.status_code == 302
    candidate = Candidate.objects.get(person=ada)
    assert (candidate.nomination_mode, candidate.statement) == ("petition", "I have lived here twenty years.")
    body = text(client.get(url))
    assert "0 of 2" in body and "No consent to stand recorded." in body and "The petition has 0 of the 2" in body

    response = client.post(
        url,
        {
            "op": "sign",
            "sign-candidate": candidate.pk,
            "sign-person": gia.pk,
            "sign-signed_on": "2026-03-20",
            "sign-change_reason": "petition sheet 1",
        },
    )
    assert response.status_code == 400 and "Only members who elect this seat" in text(response)
    for person in (signer, lessee("Signer2")):
        response = client.post(
            url,
            {
                "op": "sign",
                "sign-candidate": candidate.pk,
                "sign-person": person.pk,
                "sign-signed_on": "2026-03-20",
                "sign-change_reason": "petition sheet 1",
            },
        )
        assert response.status_code == 302
    response = client.post(
        url,
        {
            "op": "consent",
            "consent-candidate": candidate.pk,
            "consent-consented_on": "2026-03-22",
            "consent-change_reason": "signed form",
        },
    )
    assert response.status_code == 302
    body = text(client.get(url))
    assert "2 of 2" in body and "Short of candidates: 1 standing for 2 seats." in body
    assert "The bylaws let you open these seats to another class" in body

    response = client.post(
        url,
        {"op": "open", "open-contest": c.pk, "open-classes": ["general"], "open-change_reason": "one lessee stood"},
    )
    assert response.status_code == 302
    response = client.post(
        url,
        {
            "op": "nominate",
            "nominate-contest": c.pk,
            "nominate-person": gia.pk,
            "nominate-mode": "committee",
            "nominate-nominated_on": "2026-03-30",
            "nominate-consented_on": "2026-03-30",
            "nominate-change_reason": "committee report",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url, {"op": "withdraw", "withdraw-candidate": candidate.pk, "withdraw-change_reason": "moved away"}
    )
    assert response.status_code == 302 and Candidate.objects.get(pk=candidate.pk).withdrawn
    for n in range(3):
        nominate(c, lessee(f"More{n}"))
    with django_assert_max_num_queries(16):  # whatever the number of candidates
        assert client.get(url).status_code == 200

    gs.roll_freeze(actor=staff_user, reason="record date", election=e)
    body = text(client.get(url))
    assert "The roll is frozen" in body and "Put to the vote." in body and "Record a nomination" not in body


def test_the_nominations_page_shows_the_r8_outcome_after_the_freeze(staff_user):
    e = election()
    c = contest(e, seat_class(seats=3, shortfall="board_appoints"))
    nominate(c, lessee("Ada"), statement="Fix the roofs.")
    gs.roll_freeze(actor=staff_user, reason="record date", election=e)
    body = text(staff_client(staff_user).get(f"/governance/elections/{e.pk}/nominations/"))
    assert "Elected unopposed" in body and "2 seats vacant." in body and "The board fills them by appointment" in body
    assert "Fix the roofs." in body
    manage = text(staff_client(staff_user).get(f"/governance/elections/{e.pk}/manage/"))
    assert "2 seats vacant for want of candidates." in manage and "The board appoints from the same class" in manage


def test_the_ballot_shows_statements_and_skips_an_acclaimed_contest(staff_user):
    now = timezone.now()
    e = gs.election_create(
        actor=staff_user,
        reason="annual",
        name="Open election",
        record_date=RECORD,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=3),
        nominations_close=timezone.localdate() - dt.timedelta(days=1),
    )
    acclaimed = contest(e, seat_class(seats=1))
    voted = contest(e, seat_class("general", seats=1, electorate=["lessee", "general"], candidate_pool=[]))
    nominate(acclaimed, lessee("Ada"), on=RECORD)
    nominate(voted, lessee("Ben"), on=RECORD, statement="Parks & <b>gardens</b> for all.")
    nominate(voted, lessee("Cy"), on=RECORD)
    voter = lessee("Voter")
    gs.roll_freeze(actor=staff_user, reason="record date", election=e)
    codes = gs.access_codes_issue(actor=staff_user, reason="mail-out", election=e)
    gs.election_open(actor=staff_user, reason="open", election=e)
    code = codes[e.roll.get(person=voter).pk]
    body = text(Client().post("/governance/vote/", {"code": code, "step": "code"}))
    assert voted.title in body and f'name="c{voted.pk}"' in body
    assert f'name="c{acclaimed.pk}"' not in body and "Ada Lessee" not in body
    assert "Parks &amp; &lt;b&gt;gardens&lt;/b&gt; for all." in body  # shown, escaped
    ben = voted.candidates.get(person__given_name="Ben")
    assert f'aria-describedby="statement-{ben.pk}"' in body


# --- API -------------------------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_candidate_create_takes_the_nomination_fields(staff_user, member_user):
    e = election()
    c = contest(e, seat_class())
    ada = lessee("Ada")
    body = {
        "contest": c.pk,
        "person": ada.pk,
        "nomination_mode": "committee",
        "nominated_on": "2026-04-02",
        "nominated_by": "Nominating committee",
        "statement": "Roofs.",
        "change_reason": "committee report",
    }
    assert api(member_user).post("/api/v1/election-candidates/", body).status_code == 403
    late = api(staff_user).post("/api/v1/election-candidates/", body)
    assert late.status_code == 400 and "nominated_on" in late.json()
    response = api(staff_user).post("/api/v1/election-candidates/", {**body, "nominated_on": "2026-04-01"})
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["nomination_mode"], data["nominated_by"], data["statement"]) == (
        "committee",
        "Nominating committee",
        "Roofs.",
    )
    assert data["stands"] is False and data["not_standing_reasons"] == ["No consent to stand recorded."]
    consent = api(staff_user).post(
        f"/api/v1/election-candidates/{data['id']}/consent/", {"consented_on": "2026-04-03"}
    )
    assert consent.status_code == 200 and consent.json()["stands"] is True
    assert api(member_user).post(f"/api/v1/election-candidates/{data['id']}/consent/", {}).status_code in (403, 404)
    gen = api(staff_user).post(
        "/api/v1/election-candidates/", {**body, "person": general("Gia").pk, "nominated_on": "2026-03-01"}
    )
    assert gen.status_code == 400 and "person" in gen.json()


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("anonymous", (401, 403), (401, 403)),
        ("member", (403,), (403,)),
        ("board", (403,), (403,)),
        ("staff", (200,), (201,)),
    ],
)
def test_api_petition_signatures_are_staff_only(api_for, role, read, write):
    settings_set(petition_min_signers=1)
    c = contest(election(), seat_class())
    candidate = nominate(c, lessee("Ada"), mode="petition")
    signer = lessee("Signer")
    client = api_for(role)
    assert client.get("/api/v1/petition-signatures/").status_code in read
    body = {"candidate": candidate.pk, "person": signer.pk, "signed_on": "2026-03-10", "change_reason": "sheet"}
    assert client.post("/api/v1/petition-signatures/", body).status_code in write
    assert PetitionSignature.objects.count() == (1 if role == "staff" else 0)


def test_api_petition_signature_refusals_and_list_query_count(staff_api, django_assert_max_num_queries):
    settings_set(petition_min_signers=2)
    c = contest(election(), seat_class())
    candidate = nominate(c, lessee("Ada"), mode="petition")
    own = staff_api.post(
        "/api/v1/petition-signatures/",
        {"candidate": candidate.pk, "person": candidate.person_id, "signed_on": "2026-03-10"},
    )
    assert own.status_code == 400 and "own petition" in str(own.json()["person"])
    for i in range(4):
        sign(candidate, lessee(f"Signer{i}"))
    for name in ("Ben", "Cy", "Dee"):
        nominate(c, lessee(name), mode="petition", consented_on=None)
    with django_assert_max_num_queries(6):
        response = staff_api.get(f"/api/v1/petition-signatures/?candidate={candidate.pk}")
    assert response.status_code == 200 and response.json()["count"] == 4
    with django_assert_max_num_queries(8):
        listed = staff_api.get(f"/api/v1/election-candidates/?contest={c.pk}")
    rows = {row["name"]: row for row in listed.json()["results"]}
    assert (rows["Ada Lessee"]["signature_count"], rows["Ada Lessee"]["stands"]) == (4, True)
    assert rows["Dee Lessee"]["not_standing_reasons"] == [
        "No consent to stand recorded.",
        "The petition has 0 of the 2 signatures it needs.",
    ]


@pytest.mark.parametrize("role", ["anonymous", "member", "homeowner", "board", "staff"])
def test_api_role_matrix_of_the_nomination_actions(api_for, role):
    e = election()
    c = contest(e, seat_class(seats=2, shortfall="open_to_other_class"))
    candidate = nominate(c, lessee("Ada"), consented_on=None)
    client = api_for(role)
    expected = {"staff": (200,), "anonymous": (401, 403)}.get(role, (403,))
    consent = client.post(f"/api/v1/election-candidates/{candidate.pk}/consent/", {"consented_on": "2026-03-30"})
    opened = client.post(f"/api/v1/election-contests/{c.pk}/open-to-classes/", {"classes": ["general"]})
    withdrawn = client.post(f"/api/v1/election-candidates/{candidate.pk}/withdraw/")
    assert (consent.status_code, opened.status_code, withdrawn.status_code) in [(x, x, x) for x in expected]
    candidate.refresh_from_db()
    c.refresh_from_db()
    changed = role == "staff"
    assert (candidate.consented_on is not None, c.open_to_classes == ["general"], candidate.withdrawn) == (
        changed,
        changed,
        changed,
    )


def test_api_contest_shows_the_r8_outcome_read_only_and_opens_to_a_class(staff_api, staff_user):
    e = election()
    c = contest(e, seat_class(seats=2, shortfall="open_to_other_class"))
    response = staff_api.post(f"/api/v1/election-contests/{c.pk}/open-to-classes/", {"classes": ["general"]})
    assert response.status_code == 200 and response.json()["open_to_classes"] == ["general"]
    bad = staff_api.post(f"/api/v1/election-contests/{c.pk}/open-to-classes/", {"classes": ["pirates"]})
    assert bad.status_code == 400 and "classes" in bad.json()
    nominate(c, general("Gia"))
    gs.roll_freeze(actor=staff_user, reason="record date", election=e)
    data = staff_api.get(f"/api/v1/election-contests/{c.pk}/").json()
    assert (data["acclaimed"], data["vacant_seats"], data["shortfall_action"]) == (True, 1, "leave_vacant")
    # Read-only: a posted value is ignored on create.
    e2 = election(name="Other")
    created = staff_api.post(
        "/api/v1/election-contests/",
        {"election": e2.pk, "title": "T", "eligible_classes": ["lessee"], "method": "plurality", "acclaimed": True},
    )
    assert created.status_code == 201 and created.json()["acclaimed"] is False
