"""The board's API: the role matrix for every endpoint, 400s naming the field, fixed query counts."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.board import services
from governance.board.models import BoardTerm, SeatClass
from tests.governance.board.test_board_services import cht_classes, person, start

# The terms here start at the 2024 annual meeting and run three years: the story is told on a day
# while they are in force (a seat class cannot shrink below the terms it holds today).
pytestmark = pytest.mark.today("2026-12-07")
D = dt.date
READERS = ("member", "homeowner", "board", "staff")
NON_STAFF = ("member", "homeowner", "board")


@pytest.fixture
def board(db):
    classes = cht_classes()
    terms = [start(classes["public"], person(n)) for n in "AB"]
    services.board_term_end(term=terms[0], ended_on=D(2025, 1, 1), end_reason="resigned", actor=None, reason="r")
    return classes, terms


def write_requests(classes, terms) -> list[tuple[str, str, dict]]:
    """Every write endpoint with a valid body (for staff), in an order that keeps each one valid."""
    return [
        ("post", "/api/v1/seat-classes/", {"code": "ex", "name": "Ex officio", "seats": 1, "selection": "ex_officio"}),
        ("patch", f"/api/v1/seat-classes/{classes['public'].pk}/", {"description": "Civic", "change_reason": "r"}),
        (
            "post",
            "/api/v1/board-terms/",
            {
                "seat_class": classes["public"].pk,
                "person": person("New").pk,
                "starts_on": "2024-07-01",
                "basis": "ratified",
            },
        ),
        (
            "post",
            f"/api/v1/board-terms/{terms[1].pk}/end/",
            {"ended_on": "2025-03-01", "end_reason": "resigned", "change_reason": "moved away"},
        ),
        (
            "post",
            f"/api/v1/board-terms/{terms[0].pk}/fill/",
            {"person": person("Filler").pk, "starts_on": "2025-02-01", "next_annual_meeting": "2025-06-14"},
        ),
    ]


@pytest.mark.parametrize("role", ["anonymous", *READERS])
def test_read_endpoints_role_matrix(api_for, board, role):
    classes, terms = board
    client = api_for(role)
    urls = [
        "/api/v1/seat-classes/",
        f"/api/v1/seat-classes/{classes['public'].pk}/",
        f"/api/v1/seat-classes/{classes['public'].pk}/history/",
        "/api/v1/board-terms/",
        f"/api/v1/board-terms/{terms[0].pk}/",
        f"/api/v1/board-terms/{terms[0].pk}/history/",
        "/api/v1/board/roster/?on=2025-02-01",
    ]
    for url in urls:
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code in (401, 403), url
        else:
            assert response.status_code == 200, url


@pytest.mark.parametrize("role", ["anonymous", *NON_STAFF])
def test_non_staff_cannot_write(api_for, board, role):
    classes, terms = board
    client = api_for(role)
    for method, url, body in write_requests(classes, terms):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code in ((401, 403) if role == "anonymous" else (403,)), url
    assert SeatClass.objects.count() == 3 and BoardTerm.objects.count() == 2
    assert BoardTerm.objects.get(pk=terms[1].pk).ended_on is None


def test_staff_writes_through_the_services(api_for, board):
    classes, terms = board
    client = api_for("staff")
    expected = [201, 200, 201, 200, 201]
    for (method, url, body), status in zip(write_requests(classes, terms), expected, strict=True):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == status, (url, response.json())
    assert SeatClass.objects.get(code="ex").seats == 1
    assert SeatClass.objects.get(pk=classes["public"].pk).history.first().history_change_reason == "r"
    assert BoardTerm.objects.get(pk=terms[1].pk).end_reason == "resigned"
    filler = BoardTerm.objects.get(replaces=terms[0])
    assert (filler.basis, filler.ends_on) == ("vacancy", D(2025, 6, 14))
    new = BoardTerm.objects.get(person__given_name="New")
    assert new.ends_on == D(2027, 7, 1)
    assert client.get(f"/api/v1/board-terms/{new.pk}/history/").json()[0]["reason"] == (
        "Board term started through the API"
    )


def test_bad_input_answers_400_naming_the_field(api_for, board):
    classes, terms = board
    client = api_for("staff")
    response = client.post("/api/v1/seat-classes/", {"code": "x", "name": "X"}, format="json")
    assert response.status_code == 400 and "seats" in response.json()
    response = client.post(
        "/api/v1/seat-classes/", {"code": "y", "name": "Y", "seats": 2, "candidate_pool": ["tenant"]}, format="json"
    )
    assert response.status_code == 400 and "candidate_pool" in response.json()
    response = client.patch(f"/api/v1/seat-classes/{classes['public'].pk}/", {"seats": 0}, format="json")
    assert response.status_code == 400 and "seats" in response.json()
    response = client.post(
        "/api/v1/board-terms/",
        {
            "seat_class": classes["leaseholder"].pk,
            "person": person("Out").pk,
            "starts_on": "2024-07-01",
            "basis": "elected",
        },
        format="json",
    )
    assert response.status_code == 400 and "person" in response.json()
    response = client.post(
        f"/api/v1/board-terms/{terms[1].pk}/end/", {"ended_on": "2025-03-01", "end_reason": "removed"}, format="json"
    )
    assert response.status_code == 400 and "reference" in response.json()
    response = client.post(
        f"/api/v1/board-terms/{terms[0].pk}/fill/", {"person": person("F").pk, "starts_on": "2025-02-01"}, format="json"
    )
    assert response.status_code == 400 and "next_annual_meeting" in response.json()
    response = client.post(f"/api/v1/board-terms/{terms[0].pk}/fill/", {"person": 999999, "starts_on": "2025-02-01"})
    assert response.status_code == 400 and "person" in response.json()
    assert client.get("/api/v1/board/roster/?on=soon").status_code == 400
    assert "on" in client.get("/api/v1/board-terms/?on=soon").json()
    assert BoardTerm.objects.count() == 2


def test_roster_endpoint(api_for, board):
    _classes, terms = board
    data = api_for("member").get("/api/v1/board/roster/?on=2025-02-01").json()
    assert data["board_size"] == 9 and data["sitting"] == 1
    public = data["classes"][2]
    assert public["code"] == "public" and public["vacancies"] == 2 and public["share"] == "1"
    assert public["intended_share"] == "1/3"
    assert [h["person_name"] for h in public["holders"]] == ["B Test"]
    assert public["vacated"][0]["term"] == terms[0].pk
    assert data["warnings"][0]["code"] == "off_share"
    # Before the resignation, two sat.
    assert api_for("member").get("/api/v1/board/roster/?on=2024-12-01").json()["sitting"] == 2


def test_board_terms_filter_on_a_date(api_for, board):
    _classes, terms = board
    client = api_for("board")
    ids = [t["id"] for t in client.get("/api/v1/board-terms/?on=2025-02-01").json()["results"]]
    assert ids == [terms[1].pk]
    assert len(client.get("/api/v1/board-terms/?on=2024-12-01").json()["results"]) == 2


def test_list_query_counts_do_not_grow(api_for, board):
    _classes, _terms = board
    client = api_for("member")
    client.get("/api/v1/board-terms/")  # warm the user's role lookups

    def counts() -> tuple[int, int, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        result = []
        for url in ("/api/v1/board-terms/", "/api/v1/seat-classes/", "/api/v1/board/roster/?on=2025-02-01"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            result.append(len(ctx.captured_queries))
        return tuple(result)

    before = counts()
    for n in range(6):
        extra = services.seat_class_create(actor=None, reason="r", code=f"c{n}", name=f"C{n}", seats=2)
        for name in ("X", "Y"):
            start(extra, person(f"{name}{n}"))
    after = counts()
    assert BoardTerm.objects.count() == 14
    assert after == before
