"""The board's pages: the public roster, its chart and table, and the staff forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from governance.board import services
from governance.board.models import BoardTerm, SeatClass
from tests.governance.board.test_board_services import cht_classes, lessee, person, start
from tests.governance.board.test_board_services import general_member as services_general

TODAY = dt.date.today()
START = TODAY - dt.timedelta(days=200)


@pytest.fixture
def board(db):
    classes = cht_classes()
    holders = [start(classes["public"], person(n), starts_on=START) for n in ("Alma", "Bert")]
    start(classes["leaseholder"], lessee("Lena"), starts_on=START)
    services.board_term_end(
        term=holders[0], ended_on=TODAY - dt.timedelta(days=10), end_reason="resigned", actor=None, reason="moved"
    )
    return classes, holders


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_public_roster_needs_no_login(board):
    _classes, _holders = board
    response = Client().get("/governance/board/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Public representatives" in html and "Bert Test" in html and "Lena Test" in html
    assert "Alma Test (resigned" in html  # the vacated seat, with why
    # The chart is an image with a title and a description, its figures also in a table.
    assert 'role="img"' in html and '<title id="composition-title">' in html
    assert "Public representatives: 1 of 3 seats held" in html
    assert '<caption id="composition-caption">Seats held and shares of the sitting board, by class</caption>' in html
    # Each table scrolls inside a focusable region named by its caption (a phone shows every column).
    assert 'class="table-wrap" role="region" tabindex="0" aria-labelledby="composition-caption"' in html
    for seat_class in _classes.values():
        assert (
            f'aria-labelledby="class-{seat_class.pk}-caption"' in html and f'id="class-{seat_class.pk}-caption"' in html
        )
    assert html.count("<table") == html.count('class="table-wrap" role="region" tabindex="0"') == 4
    # Warnings and staff links are for staff only.
    assert "Warnings" not in html and "/governance/board/terms/new/" not in html


def test_staff_see_warnings_and_actions(board, staff_user):
    _classes, holders = board
    html = client_for(staff_user).get("/governance/board/").content.decode()
    assert "Warnings" in html
    assert "it should hold 3 of 9 seats (33.3 %)" in html
    assert f"/governance/board/terms/{holders[0].pk}/fill/" in html
    assert f"/governance/board/terms/{holders[1].pk}/end/" in html


def test_roster_on_a_past_date_and_a_bad_date(board):
    before = (START - dt.timedelta(days=1)).isoformat()
    html = Client().get(f"/governance/board/?on={before}").content.decode()
    assert "Bert Test" not in html
    html = Client().get("/governance/board/?on=tomorrow").content.decode()
    assert "is not a date" in html and "Bert Test" in html


def test_roster_page_query_count_is_fixed(board, django_assert_max_num_queries):
    classes, _ = board
    client = Client()
    client.get("/governance/board/")
    with django_assert_max_num_queries(4):
        client.get("/governance/board/")
    for n in ("Cyd", "Dee"):
        start(classes["general"], services_general(n), starts_on=TODAY - dt.timedelta(days=1))
    with django_assert_max_num_queries(4):
        assert client.get("/governance/board/").status_code == 200


@pytest.mark.parametrize("role", ["member_user", "homeowner_user", "board_user"])
def test_staff_pages_refuse_others(board, role, request):
    classes, holders = board
    client = client_for(request.getfixturevalue(role))
    for url in (
        "/governance/board/classes/new/",
        f"/governance/board/classes/{classes['public'].pk}/edit/",
        "/governance/board/terms/new/",
        f"/governance/board/terms/{holders[1].pk}/end/",
        f"/governance/board/terms/{holders[0].pk}/fill/",
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"change_reason": "x"}).status_code == 403, url
    assert Client().get("/governance/board/terms/new/").status_code == 302  # anonymous: to the login page


def test_staff_start_end_and_fill_through_the_forms(board, staff_user):
    classes, holders = board
    client = client_for(staff_user)
    outsider = person("Out")
    # Refused by the service: shown on the field, nothing saved.
    response = client.post(
        "/governance/board/terms/new/",
        {
            "seat_class": classes["leaseholder"].pk,
            "person": outsider.pk,
            "basis": "elected",
            "starts_on": TODAY.isoformat(),
            "change_reason": "election",
        },
    )
    assert response.status_code == 200
    assert "is not in this class&#x27;s candidate pool" in response.content.decode()
    count = BoardTerm.objects.count()
    response = client.post(
        "/governance/board/terms/new/",
        {
            "seat_class": classes["public"].pk,
            "person": outsider.pk,
            "basis": "ratified",
            "starts_on": TODAY.isoformat(),
            "reference": "Slate ratified",
            "change_reason": "annual meeting",
        },
    )
    assert response.status_code == 302
    assert BoardTerm.objects.count() == count + 1
    response = client.post(
        f"/governance/board/terms/{holders[1].pk}/end/",
        {"ended_on": TODAY.isoformat(), "end_reason": "removed", "change_reason": "vote"},
    )
    assert "needs the reference" in response.content.decode()
    response = client.post(
        f"/governance/board/terms/{holders[1].pk}/end/",
        {"ended_on": TODAY.isoformat(), "end_reason": "died", "change_reason": "sad news"},
    )
    assert response.status_code == 302
    assert BoardTerm.objects.get(pk=holders[1].pk).end_reason == "died"
    response = client.post(
        f"/governance/board/terms/{holders[0].pk}/fill/",
        {
            "person": person("Filler").pk,
            "starts_on": TODAY.isoformat(),
            "next_annual_meeting": (TODAY + dt.timedelta(days=100)).isoformat(),
            "change_reason": "board appointed",
        },
    )
    assert response.status_code == 302
    assert BoardTerm.objects.get(replaces=holders[0]).ends_on == TODAY + dt.timedelta(days=100)


def test_staff_edit_a_seat_class(board, staff_user):
    classes, _ = board
    client = client_for(staff_user)
    response = client.get(f"/governance/board/classes/{classes['public'].pk}/edit/")
    assert response.status_code == 200
    data = {
        "code": "public",
        "name": "Public representatives",
        "order": 3,
        "seats": 0,
        "selection": "appointed",
        "term_years": 3,
        "stagger_groups": 3,
        "break_years": 0,
        "vacancy_fill": "board",
        "vacancy_serves": "remainder_of_term",
        "uncontested": "acclaim",
        "shortfall": "board_appoints",
        "removal_threshold": "0.5",
        "change_reason": "bylaw amendment",
    }
    response = client.post(f"/governance/board/classes/{classes['public'].pk}/edit/", data)
    assert response.status_code == 200 and "end some before cutting to 0" in response.content.decode()
    data["seats"] = 2
    response = client.post(f"/governance/board/classes/{classes['public'].pk}/edit/", data)
    assert response.status_code == 302
    assert SeatClass.objects.get(pk=classes["public"].pk).seats == 2
    response = client.post(
        "/governance/board/classes/new/",
        {**data, "code": "city", "name": "City appointee", "seats": 1, "candidate_pool": ["general"]},
    )
    assert response.status_code == 302
    assert SeatClass.objects.get(code="city").candidate_pool == ["general"]


def test_a_floor_and_cap_class_reads_its_seats_in_words(db):
    """Seats in words: "1 to 2 seats" and "At least 1 seat", never "At least 1 seats, at most –"."""
    common = {"term_years": 3, "stagger_groups": 1, "vacancy_serves": "until_next_annual_meeting"}
    services.seat_class_create(
        actor=None,
        reason="bylaws",
        code="resident",
        name="Residents",
        order=1,
        min_seats=1,
        max_share=Decimal("1"),
        electorate=["lessee"],
        candidate_pool=["lessee"],
        **common,
    )
    services.seat_class_create(
        actor=None,
        reason="bylaws",
        code="friends",
        name="Friends",
        order=2,
        min_seats=1,
        electorate=["lessee"],
        candidate_pool=["general"],
        **common,
    )
    html = " ".join(Client().get("/governance/board/").content.decode().split())
    # A board of 2 (each floor of 1): the residents may hold all of it, 2 seats.
    assert "1 to 2 seats," in html and "At least 1 seat," in html
    assert "seats, at most" not in html and "At least 1 seats" not in html
