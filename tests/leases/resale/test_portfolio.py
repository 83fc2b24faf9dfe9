"""The resale portfolio (issue 4 §6): ``leases/portfolio.py``, ``manage.py resale_portfolio``, the API and the page.

Figures worked by hand. The factory's lease: 150,000.00 paid on 1 January 2020. Under the 1.5 % simple
program (completed years), on 30 June 2026 six years are complete: 150,000 × (1 + 0.015 × 6) = 163,500.00.
Appraised at 210,000.00 before the purchase, the initial subsidy is 210,000 − 150,000 = 60,000.00 and the
subsidy retained 210,000 − 163,500 = 46,500.00: a retention ratio of 46,500 ÷ 60,000 = 0.7750.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, ManagementUtility, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leases.lifecycle.models import GroundLease, LeaseSubsidy
from leases.resale import services
from leases.resale.models import IndexSeries
from leases.resale.portfolio import CSV_COLUMNS, resale_portfolio
from leases.resale.valuation import Valuer, load_valuable_leases, valuable_leases
from tests.datafiles import CPI_FILE
from tests.factories import make_lease, make_template_version
from tests.leases.resale.test_quotes import CPI_INDEXED, SIMPLE_15, approved_policy

pytestmark = pytest.mark.django_db

D = dt.date
AS_OF = D(2026, 6, 30)
URL = "/api/v1/resale/portfolio/"
SHARED = {"formula": {"family": "appraisal_share", "share": "0.25"}}


def terms_for(name: str, parameters: dict, **version_fields):
    version = approved_policy(name, parameters)
    if version_fields:
        type(version).objects.filter(pk=version.pk).update(**version_fields)
        version.refresh_from_db()
    return version, make_template_version(f"Lease for {name}", resale_policy_version=version)


def improve(lease: GroundLease, actor) -> None:
    """A new roof: 12,000.00 completed on 1 June 2021, credited at 50 % of its cost (6,000.00)."""
    item = services.improvement_request(
        lease=lease, description="New roof", requested_on=D(2021, 3, 1), actor=actor, reason="owner asked",
        estimated_cost=Decimal("12000"),
    )  # fmt: skip
    services.improvement_approve(
        improvement=item, approved_on=D(2021, 3, 10), approval_reference="Staff letter 2021-07",
        method="percent_of_cost", credit_pct=Decimal("50"), actor=actor, reason="approved",
    )  # fmt: skip
    services.improvement_complete(
        improvement=item, completed_on=D(2021, 6, 1), cost=Decimal("12000.00"), documents="invoice 123",
        started_on=D(2021, 4, 1), actor=actor, reason="done",
    )  # fmt: skip


@pytest.fixture
def book(staff_user):
    """Four leases in force: two under 1.5 % simple (one appraised, with subsidies; one with a credit), one
    under shared appreciation (no estimate without an appraisal at sale), one whose terms name no policy."""
    simple, simple_terms = terms_for("Simple 1.5%", SIMPLE_15)
    _shared, shared_terms = terms_for("Shared appreciation", SHARED)
    appraised = make_lease(
        version=simple_terms,
        appraisal_date=D(2019, 12, 1),
        appraised_value=Decimal("210000.00"),
        subsidies=[("HOME program", Decimal("30000.00"))],
    )
    LeaseSubsidy.objects.create(
        lease=appraised, source="Down-payment grant", amount=Decimal("5000.00"), stays_with_home=False
    )
    credited = make_lease(version=simple_terms)
    improve(credited, staff_user)
    shared = make_lease(version=shared_terms, appraisal_date=D(2019, 12, 1), appraised_value=Decimal("200000.00"))
    plain = make_lease(version=make_template_version("Lease without a policy"))
    return {"simple": simple, "appraised": appraised, "credited": credited, "shared": shared, "plain": plain}


def rows_by_lease(found) -> dict[int, object]:
    return {row.lease_id: row for row in found.rows}


# ---------------------------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------------------------


def test_a_row_worked_by_hand(book):
    row = rows_by_lease(resale_portfolio(as_of=AS_OF))[book["appraised"].pk]
    assert (row.program, row.program_version) == ("Simple 1.5%", 1)
    assert row.address == str(book["appraised"].unit)
    assert row.holders == book["appraised"].leaseholder_names
    assert (row.purchase_date, row.purchase_price) == (D(2020, 1, 1), Decimal("150000.00"))
    assert row.market_value_at_purchase == Decimal("210000.00")
    assert row.initial_subsidy == Decimal("60000.00")  # 210,000 − 150,000
    assert (row.recorded_subsidies, row.subsidies_staying) == (Decimal("35000.00"), Decimal("30000.00"))
    assert row.formula_price == Decimal("163500.00")  # 150,000 × (1 + 0.015 × 6 completed years)
    assert row.improvement_credits == Decimal("0.00")
    assert (row.market_value, row.market_value_date, row.market_value_source) == (
        Decimal("210000.00"),
        D(2019, 12, 1),
        "purchase",
    )
    assert row.subsidy_retained == Decimal("46500.00")  # 210,000 − 163,500
    assert row.problem == ""


def test_credits_count_in_the_price_and_a_missing_appraisal_leaves_the_subsidy_unknown(book):
    row = rows_by_lease(resale_portfolio(as_of=AS_OF))[book["credited"].pk]
    # 163,500 + 50 % of the 12,000 roof = 169,500.
    assert (row.formula_price, row.improvement_credits) == (Decimal("169500.00"), Decimal("6000.00"))
    assert row.market_value_at_purchase is None
    assert (row.initial_subsidy, row.market_value, row.subsidy_retained) == (None, None, None)
    assert (row.recorded_subsidies, row.subsidies_staying) == (Decimal("0.00"), Decimal("0.00"))


def test_leases_without_a_price_say_why(book):
    rows = rows_by_lease(resale_portfolio(as_of=AS_OF))
    shared, plain = rows[book["shared"].pk], rows[book["plain"].pk]
    assert shared.formula_price is None and shared.subsidy_retained is None
    assert "needs an appraisal at the time of sale" in shared.problem
    assert shared.initial_subsidy == Decimal("50000.00")  # still known: 200,000 − 150,000
    assert (plain.program, plain.program_version, plain.formula_price) == ("", None, None)
    assert plain.problem == "The lease's terms name no resale policy."


def test_the_summary_per_program_and_in_all(book):
    found = resale_portfolio(as_of=AS_OF)
    # By program name, the leases without a policy last; rows in the same order.
    assert [s.label for s in found.programs] == ["Shared appreciation", "Simple 1.5%", "No resale policy"]
    assert [r.program for r in found.rows] == ["Shared appreciation", "Simple 1.5%", "Simple 1.5%", ""]
    shared, simple, none = found.programs
    assert (simple.leases, simple.priced, simple.not_priced) == (2, 2, 0)
    assert simple.formula_price == Decimal("333000.00")  # 163,500 + 169,500
    assert simple.improvement_credits == Decimal("6000.00")
    assert (simple.initial_subsidy, simple.subsidy_retained) == (Decimal("60000.00"), Decimal("46500.00"))
    assert (simple.recorded_subsidies, simple.subsidies_staying) == (Decimal("35000.00"), Decimal("30000.00"))
    assert simple.purchase_price == Decimal("300000.00")
    assert simple.retention_ratio == Decimal("0.7750")  # 46,500 ÷ 60,000
    assert (shared.leases, shared.priced, shared.not_priced) == (1, 0, 1)
    # An initial subsidy with no price to compare it with is summed, but left out of the ratio.
    assert (shared.initial_subsidy, shared.compared, shared.retention_ratio) == (Decimal("50000.00"), 0, None)
    assert (none.leases, none.not_priced, none.retention_ratio) == (1, 1, None)
    total = found.total
    assert (total.leases, total.priced, total.not_priced) == (4, 2, 2)
    assert (total.initial_subsidy, total.subsidy_retained) == (Decimal("110000.00"), Decimal("46500.00"))
    assert (total.initial_compared, total.retained_compared) == (Decimal("60000.00"), Decimal("46500.00"))
    assert total.retention_ratio == Decimal("0.7750")


def test_only_leases_in_force_on_the_date(book):
    draft = make_lease(version=book["appraised"].template_version, execute=False)
    later = make_lease(version=book["appraised"].template_version, commencement=D(2026, 7, 1))
    ended = make_lease(version=book["appraised"].template_version)
    ends_after = make_lease(version=book["appraised"].template_version)
    # Ended as a sale or a termination leaves them (the lifecycle's own tests cover those events).
    GroundLease.objects.filter(pk=ended.pk).update(status="terminated", ended_on=AS_OF)
    GroundLease.objects.filter(pk=ends_after.pk).update(status="terminated", ended_on=AS_OF + dt.timedelta(days=1))

    ids = set(rows_by_lease(resale_portfolio(as_of=AS_OF)))
    assert draft.pk not in ids and later.pk not in ids and ended.pk not in ids
    assert ends_after.pk in ids and book["appraised"].pk in ids
    assert later.pk in set(rows_by_lease(resale_portfolio(as_of=D(2026, 7, 1))))
    assert resale_portfolio(as_of=D(2019, 12, 31)).rows == []  # every lease began on 2020-01-01


def test_a_later_appraisal_at_resale_is_the_latest_market_value(book, staff_user):
    lease = book["appraised"]
    services.resale_calculation_save(
        lease=lease,
        policy_version=book["simple"],
        inputs={
            "purchase_price": "150000.00",
            "purchase_date": "2020-01-01",
            "determination_date": "2026-03-15",
            "resale_appraisal": {"total": "240000.00", "effective_date": "2026-03-01"},
        },
        actor=staff_user,
        reason="notice of intent to sell",
    )
    row = rows_by_lease(resale_portfolio(as_of=AS_OF))[lease.pk]
    assert (row.market_value, row.market_value_date, row.market_value_source) == (
        Decimal("240000.00"),
        D(2026, 3, 1),
        "resale",
    )
    assert row.subsidy_retained == Decimal("76500.00")  # 240,000 − 163,500
    assert row.initial_subsidy == Decimal("60000.00")  # the purchase's, unchanged
    # Before the determination was made, the purchase appraisal was the latest on record.
    before = rows_by_lease(resale_portfolio(as_of=D(2026, 3, 10)))[lease.pk]
    assert (before.market_value, before.market_value_source) == (Decimal("210000.00"), "purchase")


def test_one_program(book):
    found = resale_portfolio(as_of=AS_OF, program="simple 1.5%")
    assert {r.lease_id for r in found.rows} == {book["appraised"].pk, book["credited"].pk}
    assert [s.label for s in found.programs] == ["Simple 1.5%"]
    with pytest.raises(ValidationError) as error:
        resale_portfolio(as_of=AS_OF, program="Nowhere")
    assert error.value.message_dict["program"][0].startswith("No resale program named “Nowhere”. Programs: ")


def test_the_batch_loader_values_as_the_queryset_does(book):
    """``load_valuable_leases`` (the portfolio's) and ``valuable_leases`` (one lease's page) give equal values."""
    queryset = GroundLease.objects.order_by("pk")
    fast, plain = load_valuable_leases(queryset), list(valuable_leases(queryset))
    assert [lease.pk for lease in fast] == [lease.pk for lease in plain]
    for one, other in zip(fast, plain, strict=True):
        a, b = Valuer().value(one, AS_OF), Valuer().value(other, AS_OF)
        assert (a.price, a.problem, a.notes, a.inputs) == (b.price, b.problem, b.notes, b.inputs)


# ---------------------------------------------------------------------------------------------
# Queries: a fixed number, whatever the number of leases
# ---------------------------------------------------------------------------------------------


def _add_leases(count: int, programs: list, actor) -> None:
    for n in range(count):
        lease = make_lease(
            version=programs[n % len(programs)],
            appraisal_date=D(2019, 12, 1),
            appraised_value=Decimal("210000.00"),
            subsidies=[("HOME program", Decimal("30000.00"))] if n % 2 else [],
        )
        if n % 10 == 0:
            improve(lease, actor)


def test_queries_do_not_grow_with_leases(staff_user, api_for, django_assert_max_num_queries):
    call_command("import_index", str(CPI_FILE), stdout=io.StringIO())
    _, simple_terms = terms_for("Simple 1.5%", SIMPLE_15)
    _, cpi_terms = terms_for("CPI", CPI_INDEXED, cpi_series=IndexSeries.objects.get(code="cpi-u"))
    programs = [simple_terms, cpi_terms]
    api = api_for("staff")

    _add_leases(3, programs, staff_user)
    with CaptureQueriesContext(connection) as service:
        assert len(resale_portfolio(as_of=AS_OF).rows) == 3
    with CaptureQueriesContext(connection) as page:
        assert api.get(URL, {"as_of": "2026-06-30"}).status_code == 200
    with CaptureQueriesContext(connection) as csv_file:
        assert len(b"".join(api.get(URL, {"as_of": "2026-06-30", "format": "csv"}).streaming_content)) > 0

    _add_leases(27, programs, staff_user)
    with django_assert_max_num_queries(len(service)):
        found = resale_portfolio(as_of=AS_OF)
    assert len(found.rows) == 30 and found.total.priced == 30
    with django_assert_max_num_queries(len(page)):
        assert api.get(URL, {"as_of": "2026-06-30"}).json()["count"] == 30
    with django_assert_max_num_queries(len(csv_file)):
        body = b"".join(api.get(URL, {"as_of": "2026-06-30", "format": "csv"}).streaming_content)
    assert body.count(b"\r\n") == 31
    # The leases, their subsidies, improvements, holders, saved determinations, lease terms, the CPI series;
    # the kept valuations: the shared inputs' stamp, the kept rows, and the new ones stored (a savepoint, one
    # INSERT sent for every row, the dates kept, the release).
    assert len(service) <= 13


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("resale_portfolio", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_writes_the_csv_and_a_summary(book, tmp_path):
    out, err = run("--as-of", "2026-06-30")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    by_id = {int(r["lease_id"]): r for r in rows}
    assert len(by_id) == 4
    row = by_id[book["appraised"].pk]
    assert {k: row[k] for k in ("program", "purchase_price", "market_value_at_purchase", "initial_subsidy")} == {
        "program": "Simple 1.5%",
        "purchase_price": "150000.00",
        "market_value_at_purchase": "210000.00",
        "initial_subsidy": "60000.00",
    }
    assert (row["as_of"], row["formula_price"], row["subsidy_retained"]) == ("2026-06-30", "163500.00", "46500.00")
    assert (row["recorded_subsidies"], row["subsidies_staying_with_home"]) == ("35000.00", "30000.00")
    assert (row["market_value_date"], row["market_value_source"], row["problem"]) == ("2019-12-01", "purchase", "")
    plain = by_id[book["plain"].pk]
    assert (plain["program"], plain["formula_price"], plain["problem"]) == (
        "",
        "",
        "The lease's terms name no resale policy.",
    )
    assert (
        "Simple 1.5%: 2 leases, 2 priced, 0 not priced; formula prices 333,000.00; initial subsidy 60,000.00; "
        "subsidy retained 46,500.00; retention ratio 0.7750"
    ) in err
    assert "All programs: 4 leases, 2 priced, 2 not priced" in err
    assert "valuing" in err  # the progress bar

    target = tmp_path / "portfolio.csv"
    _, err = run("--as-of", "2026-06-30", "--output", str(target), "--program", "Simple 1.5%")
    written = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert {int(r["lease_id"]) for r in written} == {book["appraised"].pk, book["credited"].pk}
    assert f"CSV written to {target}" in err
    assert not list(tmp_path.glob("*.part"))


def test_the_command_refuses_a_bad_date_or_program(book, capsys):
    with pytest.raises(CommandError, match=r"--as-of '2026-02-30': expected a date as YYYY-MM-DD"):
        run("--as-of", "2026-02-30")
    with pytest.raises(CommandError, match="--program: No resale program named “Nowhere”"):
        run("--as-of", "2026-06-30", "--program", "Nowhere")
    # From the shell: the message on stderr and exit status 1.
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "resale_portfolio", "--as-of", "30/06/2026"]).execute()
    assert exit_.value.code == 1
    assert "--as-of '30/06/2026': expected a date" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------


def test_the_api_page_with_the_summary(book, api_for):
    response = api_for("staff").get(URL, {"as_of": "2026-06-30", "page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert (body["as_of"], body["count"], len(body["results"])) == ("2026-06-30", 4, 2)
    assert "page=2" in body["next"] and body["previous"] is None
    # By program, then address: the shared-appreciation lease, then the appraised one (75 Lease Street).
    assert [r["lease_id"] for r in body["results"]] == [book["shared"].pk, book["appraised"].pk]
    simple = next(p for p in body["programs"] if p["program"] == "Simple 1.5%")
    assert (simple["leases"], simple["priced"], simple["not_priced"]) == (2, 2, 0)
    assert (simple["initial_subsidy"], simple["subsidy_retained"], simple["retention_ratio"]) == (
        "60000.00",
        "46500.00",
        "0.7750",
    )
    assert body["total"]["leases"] == 4 and body["total"]["label"] == "All programs"
    row = body["results"][1]
    assert (row["formula_price"], row["initial_subsidy"], row["subsidy_retained"]) == (
        "163500.00",
        "60000.00",
        "46500.00",
    )
    assert row["market_value_source"] == "purchase" and row["notes"] == []
    second = api_for("staff").get(URL, {"as_of": "2026-06-30", "page_size": 2, "page": 2}).json()
    assert [r["lease_id"] for r in second["results"]] == [book["credited"].pk, book["plain"].pk]


def test_the_api_csv_is_the_commands(book, api_for):
    response = api_for("staff").get(URL, {"as_of": "2026-06-30", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="resale-portfolio-2026-06-30.csv"'
    body = b"".join(response.streaming_content).decode("utf-8")
    out, _err = run("--as-of", "2026-06-30")
    assert body == out
    assert "163500.00" in body and "The lease's terms name no resale policy." in body


def test_the_api_refuses_bad_input_naming_the_field(book, api_for):
    api = api_for("staff")
    for params in ({"as_of": "2026-02-30"}, {"as_of": "2026-02-30", "format": "csv"}):
        response = api.get(URL, params)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/json")
        assert "as_of" in response.json()
    response = api.get(URL, {"program": "Nowhere"})
    assert response.status_code == 400 and "No resale program named" in response.json()["program"][0]


@pytest.mark.parametrize("role", ["homeowner", "member"])
def test_the_api_is_staff_only(book, api_for, role):
    assert api_for(role).get(URL, {"as_of": "2026-06-30"}).status_code == 403
    assert api_for(role).get(URL, {"as_of": "2026-06-30", "format": "csv"}).status_code == 403
    assert api_for("anonymous").get(URL).status_code in (401, 403)


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


def test_the_page(book, client, staff_user):
    client.force_login(staff_user)
    response = client.get("/leases/portfolio/", {"as_of": "2026-06-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["page"].paginator.per_page == 50
    # The chart: an image with a title and a description in words, and the same figures in the table.
    assert 'role="img"' in html and "<title>Initial subsidy and subsidy retained, per program</title>" in html
    assert "Simple 1.5%: initial subsidy $60,000, subsidy retained $46,500" in html
    assert "77.5 %" in html  # the retention ratio
    assert "$163,500.00" in html and "$46,500.00" in html
    assert "The lease&#x27;s terms name no resale policy." in html
    assert 'action="/leases/portfolio/export/?as_of=2026-06-30"' in html  # the CSV is built as a job
    lease_list = client.get("/leases/").content.decode()
    assert 'href="/leases/portfolio/"' in lease_list


def test_the_page_refuses_a_bad_date_and_non_staff(book, client, homeowner_user, staff_user):
    client.force_login(staff_user)
    response = client.get("/leases/portfolio/", {"as_of": "2026-02-30"})
    assert response.status_code == 400 and "Enter a valid date." in response.content.decode()
    client.force_login(homeowner_user)
    assert client.get("/leases/portfolio/").status_code == 403
