"""The board's services: seat classes, starting and ending terms, vacancies, the roster; their refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from clt.models import Person
from governance.board.models import BoardTerm, SeatClass, TermBasis
from tests.factories import make_lease
from tests.governance import all_services as services

D = dt.date
AGM = D(2024, 6, 15)


def person(name: str) -> Person:
    return Person.objects.create(given_name=name, family_name="Test")


def lessee(name: str) -> Person:
    """A lessee member: named on a lease in force since 2020."""
    p = person(name)
    make_lease(people=[p])
    return p


def general_member(name: str) -> Person:
    p = person(name)
    membership = services.membership_apply(person=p, actor=None, reason="test", applied_on=D(2023, 1, 10))
    if membership.status != "active":
        services.membership_approve(membership=membership, actor=None, reason="test", approved_on=D(2023, 1, 20))
    return p


def cht_classes(**overrides) -> dict[str, SeatClass]:
    """The CHT-like board: 3 leaseholder, 3 general, 3 public seats, 3-year terms in 3 groups."""
    common = {"term_years": 3, "stagger_groups": 3, "vacancy_serves": "until_next_annual_meeting"} | overrides
    return {
        "leaseholder": services.seat_class_create(
            actor=None,
            reason="bylaws",
            code="leaseholder",
            name="Leaseholder representatives",
            order=1,
            seats=3,
            electorate=["lessee"],
            candidate_pool=["lessee"],
            **common,
        ),
        "general": services.seat_class_create(
            actor=None,
            reason="bylaws",
            code="general",
            name="General representatives",
            order=2,
            seats=3,
            electorate=["lessee", "general"],
            candidate_pool=["general"],
            **common,
        ),
        "public": services.seat_class_create(
            actor=None,
            reason="bylaws",
            code="public",
            name="Public representatives",
            order=3,
            seats=3,
            selection="board_slate_ratified",
            electorate=["lessee", "general"],
            candidate_pool=[],
            **common,
        ),
    }


def start(seat_class, who, starts_on=AGM, basis=TermBasis.ELECTED, **kw) -> BoardTerm:
    return services.board_term_start(
        seat_class=seat_class, person=who, starts_on=starts_on, basis=basis, actor=None, reason="test", **kw
    )


def field_of(error: pytest.ExceptionInfo) -> set[str]:
    return set(error.value.message_dict)


# --- Seat classes ---------------------------------------------------------------------------------


def test_seat_class_create_validates(db):
    classes = cht_classes()
    assert classes["public"].candidate_pool == [] and classes["general"].electorate == ["lessee", "general"]
    assert classes["leaseholder"].history.first().history_change_reason == "bylaws"
    with pytest.raises(ValidationError) as error:
        services.seat_class_create(actor=None, reason="x", code="none", name="No seats")
    assert field_of(error) == {"seats"}
    with pytest.raises(ValidationError) as error:
        services.seat_class_create(actor=None, reason="x", code="bad", name="Bad", seats=2, electorate=["tenant"])
    assert field_of(error) == {"electorate"}
    with pytest.raises(ValidationError) as error:
        services.seat_class_create(actor=None, reason=" ", code="r", name="R", seats=2)
    assert field_of(error) == {"change_reason"}
    assert SeatClass.objects.count() == 3


def test_seat_class_cannot_lose_seats_below_its_holders(db):
    public = cht_classes()["public"]
    today = dt.date.today()
    for name in ("A", "B"):
        start(public, person(name), starts_on=today - dt.timedelta(days=30))
    with pytest.raises(ValidationError) as error:
        services.seat_class_update(seat_class=public, actor=None, reason="smaller board", seats=1)
    assert field_of(error) == {"seats"}
    assert SeatClass.objects.get(pk=public.pk).seats == 3
    services.seat_class_update(seat_class=public, actor=None, reason="smaller board", seats=2)
    assert SeatClass.objects.get(pk=public.pk).seats == 2


# --- Starting terms -------------------------------------------------------------------------------


def test_term_start_defaults_to_the_class_term_and_stamps_history(db):
    classes = cht_classes()
    rosa = lessee("Rosa")
    term = start(classes["leaseholder"], rosa, reference="2024 annual election")
    assert (term.starts_on, term.ends_on) == (AGM, D(2027, 6, 15))
    assert term.history.first().history_change_reason == "test"
    # At founding, the staggered end is given.
    early = start(classes["leaseholder"], lessee("Ana"), ends_on=D(2025, 6, 15), stagger_group=1)
    assert early.ends_on == D(2025, 6, 15)


def test_candidate_pool_is_checked_on_the_start_date(db):
    classes = cht_classes()
    outsider = person("Olu")
    with pytest.raises(ValidationError) as error:
        start(classes["leaseholder"], outsider)
    assert field_of(error) == {"person"}
    with pytest.raises(ValidationError):
        start(classes["general"], outsider)
    # A lessee is a lessee member, not a general one (class precedence R5).
    with pytest.raises(ValidationError):
        start(classes["general"], lessee("Lee"))
    start(classes["general"], general_member("Gina"))
    start(classes["public"], outsider)  # empty pool: anyone
    # Before the lease commenced (2020-01-01) the lessee was not a member.
    with pytest.raises(ValidationError):
        start(classes["leaseholder"], lessee("Early"), starts_on=D(2019, 6, 15))
    assert BoardTerm.objects.count() == 2


def test_no_more_holders_than_seats(db):
    public = cht_classes()["public"]
    for name in "ABC":
        start(public, person(name))
    with pytest.raises(ValidationError) as error:
        start(public, person("D"))
    assert field_of(error) == {"seat_class"}
    # The seat frees when a term ends.
    assert start(public, person("E"), starts_on=D(2027, 6, 15)).ends_on == D(2030, 6, 15)


def test_no_overlapping_terms_for_the_same_person(db):
    classes = cht_classes()
    p = person("Pat")
    start(classes["public"], p)
    with pytest.raises(ValidationError) as error:
        start(classes["public"], p, starts_on=D(2026, 1, 1))
    assert field_of(error) == {"starts_on"}


def test_term_limit_and_break(db):
    public = cht_classes(term_limit_consecutive=2, break_years=1)["public"]
    p = person("Pat")
    start(public, p, starts_on=D(2018, 6, 9), ends_on=D(2021, 6, 12))
    start(public, p, starts_on=D(2021, 6, 12), ends_on=AGM)
    with pytest.raises(ValidationError) as error:
        start(public, p)
    assert field_of(error) == {"person"}
    assert error.value.message_dict["person"] == [
        "Has served 2 consecutive terms (the limit is 2); may stand again from June 15, 2025."
    ]
    with pytest.raises(ValidationError):
        start(public, p, starts_on=D(2025, 6, 14))
    assert start(public, p, starts_on=D(2025, 6, 15)).ends_on == D(2028, 6, 15)


def test_board_terms_from_result_is_all_or_nothing(db):
    classes = cht_classes()
    founding = [start(classes["leaseholder"], lessee(n), ends_on=D(2025, 6, 15), stagger_group=1) for n in "AB"]
    assert len(founding) == 2
    winners = [lessee("Winner")]
    terms = services.board_terms_from_result(
        seat_class=classes["leaseholder"],
        people=winners,
        starts_on=D(2025, 6, 15),
        reference="Election 2025",
        actor=None,
        reason="certified",
    )
    assert terms[0].stagger_group == 1 and terms[0].ends_on == D(2028, 6, 15)
    before = BoardTerm.objects.count()
    with pytest.raises(ValidationError):
        services.board_terms_from_result(
            seat_class=classes["leaseholder"],
            people=[lessee("Ok"), person("Not a lessee")],
            starts_on=D(2025, 6, 15),
            actor=None,
            reason="certified",
        )
    assert BoardTerm.objects.count() == before


# --- Ending terms ---------------------------------------------------------------------------------


def test_term_end_rules(db):
    classes = cht_classes()
    term = start(classes["general"], general_member("Gina"))
    with pytest.raises(ValidationError) as error:
        services.board_term_end(term=term, ended_on=D(2025, 1, 1), end_reason="removed", actor=None, reason="r")
    assert field_of(error) == {"reference"}
    with pytest.raises(ValidationError) as error:
        services.board_term_end(term=term, ended_on=D(2025, 1, 1), end_reason="completed", actor=None, reason="r")
    assert field_of(error) == {"end_reason"}
    with pytest.raises(ValidationError) as error:
        services.board_term_end(term=term, ended_on=D(2027, 6, 15), end_reason="resigned", actor=None, reason="r")
    assert field_of(error) == {"ended_on"}
    ended = services.board_term_end(
        term=term,
        ended_on=D(2025, 1, 1),
        end_reason="removed",
        reference="Special meeting 2024-12-10, resolution 3",
        actor=None,
        reason="removed by the general class",
    )
    assert (ended.ended_on, ended.end_reason) == (D(2025, 1, 1), "removed")
    assert "resolution 3" in ended.reference
    with pytest.raises(ValidationError) as error:
        services.board_term_end(term=term, ended_on=D(2025, 2, 1), end_reason="died", actor=None, reason="r")
    assert field_of(error) == {"ended_on"}


# --- Vacancies ------------------------------------------------------------------------------------


def test_vacancy_fill_until_the_next_annual_meeting(db):
    classes = cht_classes()
    term = start(classes["leaseholder"], lessee("Rosa"))
    with pytest.raises(ValidationError) as error:
        services.vacancy_fill(vacated=term, person=lessee("Ana"), starts_on=D(2025, 1, 1), actor=None, reason="r")
    assert field_of(error) == {"vacated"}  # not ended yet
    services.board_term_end(term=term, ended_on=D(2024, 11, 1), end_reason="resigned", actor=None, reason="moved")
    ana = lessee("Ana")
    with pytest.raises(ValidationError) as error:
        services.vacancy_fill(vacated=term, person=ana, starts_on=D(2024, 12, 1), actor=None, reason="r")
    assert field_of(error) == {"next_annual_meeting"}
    with pytest.raises(ValidationError) as error:
        services.vacancy_fill(
            vacated=term,
            person=ana,
            starts_on=D(2024, 10, 1),
            next_annual_meeting=D(2025, 6, 14),
            actor=None,
            reason="r",
        )
    assert field_of(error) == {"starts_on"}
    with pytest.raises(ValidationError) as error:
        services.vacancy_fill(
            vacated=term,
            person=person("Not a lessee"),
            starts_on=D(2024, 12, 1),
            next_annual_meeting=D(2025, 6, 14),
            actor=None,
            reason="r",
        )
    assert field_of(error) == {"person"}
    filler = services.vacancy_fill(
        vacated=term, person=ana, starts_on=D(2024, 12, 1), next_annual_meeting=D(2025, 6, 14), actor=None, reason="r"
    )
    assert (filler.basis, filler.ends_on, filler.replaces_id) == ("vacancy", D(2025, 6, 14), term.pk)
    with pytest.raises(ValidationError) as error:
        services.vacancy_fill(
            vacated=term,
            person=lessee("Bo"),
            starts_on=D(2024, 12, 2),
            next_annual_meeting=D(2025, 6, 14),
            actor=None,
            reason="r",
        )
    assert field_of(error) == {"vacated"}


def test_vacancy_fill_for_the_rest_of_the_term_and_when_left_to_the_meeting(db):
    classes = cht_classes(vacancy_serves="remainder_of_term")
    term = start(classes["public"], person("Pat"))
    services.board_term_end(term=term, ended_on=D(2025, 3, 1), end_reason="died", actor=None, reason="r")
    filler = services.vacancy_fill(
        vacated=term, person=person("Quinn"), starts_on=D(2025, 4, 1), actor=None, reason="r"
    )
    assert filler.ends_on == D(2027, 6, 15)
    services.seat_class_update(
        seat_class=classes["general"], actor=None, reason="bylaws", vacancy_fill="next_annual_meeting"
    )
    g = start(classes["general"], general_member("Gina"))
    services.board_term_end(term=g, ended_on=D(2025, 3, 1), end_reason="resigned", actor=None, reason="r")
    with pytest.raises(ValidationError) as error:
        services.vacancy_fill(vacated=g, person=general_member("Hal"), starts_on=D(2025, 4, 1), actor=None, reason="r")
    assert field_of(error) == {"vacated"}


# --- Roster ---------------------------------------------------------------------------------------


def test_roster_with_a_vacancy_warns_of_the_shares(db):
    classes = cht_classes()
    lease_terms = [start(classes["leaseholder"], lessee(n)) for n in "ABC"]
    for n in "DEF":
        start(classes["general"], general_member(n))
    for n in "GHI":
        start(classes["public"], person(n))
    services.board_term_end(term=lease_terms[0], ended_on=D(2025, 1, 1), end_reason="resigned", actor=None, reason="r")
    roster, by_key, _terms = services.board_roster(D(2025, 2, 1))
    assert roster.sitting == 8 and roster.board_size == 9
    assert [c.vacancies for c in roster.classes] == [1, 0, 0]
    names = {k: c.name for k, c in by_key.items()}
    texts = [services.notice_text(n, names) for n in roster.warnings]
    assert texts[0] == (
        "Leaseholder representatives: 2 of the 8 sitting members (25.0 %); it should hold 3 of 9 seats (33.3 %)."
    )
    assert "37.5" in texts[1]
    assert not services.board_roster(D(2024, 12, 31))[0].warnings


def test_roster_runs_a_fixed_number_of_queries(db, django_assert_max_num_queries):
    public = cht_classes(term_limit_consecutive=None)["public"]
    for year in range(2000, 2024, 3):
        for n in "ABC":
            start(public, person(f"{n}{year}"), starts_on=D(year, 6, 1), ends_on=D(year + 3, 6, 1))
    with django_assert_max_num_queries(2):
        roster, _classes, _terms = services.board_roster(D(2020, 1, 1))
    assert roster.classes[2].holder_count == 3


# --- Demo -----------------------------------------------------------------------------------------


def test_board_demo_seats_a_staggered_board_with_one_vacancy(db, board_user):
    import io
    import random
    from types import SimpleNamespace

    from governance.demo import load_board_demo

    board_person = person("Priya")
    board_person.user = board_user
    board_person.save()
    people = [lessee(f"L{n}") for n in range(4)] + [general_member(f"G{n}") for n in range(4)]
    people += [person(f"P{n}") for n in range(4)]
    out = io.StringIO()
    context = SimpleNamespace(
        rng=random.Random(1),
        stdout=out,
        actor=None,
        shared={"people": people, "users": {"board": board_user}},
        logins=[],
    )
    load_board_demo(context)
    today = dt.date.today()
    roster, _classes, _terms = services.board_roster(today)
    assert [c.rule.name for c in roster.classes] == [
        "Leaseholder representatives",
        "General representatives",
        "Public representatives",
    ]
    # Two leaseholder seats fell free at the last annual meeting: the demo's certified election fills them
    # (governance.demo.load_elections_demo; tests/test_demo.py checks the winners are on the roster).
    assert [c.holder_count for c in roster.classes] == [1, 3, 2]
    public = roster.classes[2]
    assert public.holder_count == 2 and len(public.vacated) == 1
    assert any(t.person_key == board_person.pk for t in public.holders)
    # Staggered: the general seats end in three different years, one each.
    assert sorted(t.ends_on.year - today.year for t in roster.classes[1].holders) in ([0, 1, 2], [1, 2, 3])
    assert BoardTerm.objects.filter(end_reason="resigned").count() == 1
    load_board_demo(context)  # runs once
    assert SeatClass.objects.count() == 3
    assert "already loaded" in out.getvalue()


def test_holding_a_seat_today_gives_the_board_role_without_the_group(db):
    from django.contrib.auth.models import User
    from django.utils import timezone

    from clt import roles

    today = timezone.localdate()
    public = cht_classes()["public"]
    sitting, past, resigned = (User.objects.create_user(n) for n in ("sitting", "past", "resigned"))
    for user in (sitting, past, resigned):
        Person.objects.create(given_name=user.username.title(), family_name="Director", user=user)
    start(public, sitting.person, starts_on=today - dt.timedelta(days=365))
    start(public, past.person, starts_on=today - dt.timedelta(days=4 * 365))  # three-year term, over a year ago
    term = start(public, resigned.person, starts_on=today - dt.timedelta(days=365))
    assert roles.is_board_member(sitting) and roles.is_board_member(resigned)
    assert not roles.is_board_member(past)
    assert not roles.is_member(sitting)  # a public director need not be a member
    services.board_term_end(term=term, ended_on=today, end_reason="resigned", actor=None, reason="letter")
    assert not roles.is_board_member(User.objects.get(pk=resigned.pk))  # roles are cached per user object
