"""Resale price determination (issue 4 §4, §6): the service, the staff pages, the certificate (HTML and PDF),
the API, and the lease workflow's resale agreement naming a saved calculation.

Real figures, worked by hand:
- the factory's lease: 150,000.00 paid on 1 January 2020; under an approved NMCDC-style policy of 1.5 % a year
  simple on the price paid, in completed years, a determination on 27 November 2026 counts 6 completed years:
  150,000 × (1 + 0.015 × 6) = 150,000 × 1.09 = 163,500.00;
- CPI-U (leases/data/cpi_u.csv): January 2020 = 257.971, May 2026 = 335.123, so a CPI-indexed price on
  15 May 2026 is 150,000 × 335.123 / 257.971 = 194,860.856452… → 194,860.86 to the cent, halves up;
  BLS published no October 2025 value: a determination on 20 October 2025 has no CPI in effect.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from leases.ledger import services as ledger_services
from leases.lifecycle import services as lifecycle_services
from leases.lifecycle.models import LeaseEvent
from leases.resale import codec as resale_codec
from leases.resale import services as resale_services
from leases.resale.models import IndexSeries, ResaleCalculation, ResalePolicyVersion
from tests.conftest import make_user
from tests.datafiles import CPI_FILE
from tests.factories import make_lease, make_template_version

pytestmark = pytest.mark.django_db

D = dt.date
SIMPLE_15 = {"formula": {"family": "fixed_rate_simple", "rate": "0.015", "period": "completed_years"}}
CPI_INDEXED = {"formula": {"family": "cpi_indexed"}}
CAPPED_15 = {**SIMPLE_15, "caps": [{"kind": "appraisal_cap", "scope": "total"}]}
API = "/api/v1/resale-calculations/"
DETERMINED = "2026-11-27"


def approved_policy(name: str, parameters: dict, **series) -> ResalePolicyVersion:
    version = resale_services.resale_policy_create(
        actor=None, reason="program adopted", name=name, parameters=parameters, **series
    )
    return resale_services.resale_policy_version_approve(
        version=version,
        approved_on=D(2019, 6, 10),
        effective_from=D(2019, 7, 1),
        approval_reference="Members' annual meeting, resolution 2019-4",
        actor=None,
        reason="approved",
    )


def lease_under(version: ResalePolicyVersion, *, people=(), name: str = "Model lease 2019"):
    terms = make_template_version(name, resale_policy_version=version)
    return make_lease(people=list(people), version=terms)


@pytest.fixture
def simple_policy() -> ResalePolicyVersion:
    return approved_policy("Simple 1.5%", SIMPLE_15)


@pytest.fixture
def lease(simple_policy):
    """150,000.00 paid on 2020-01-01, under the approved 1.5 % simple policy."""
    return lease_under(simple_policy)


@pytest.fixture
def cpi_lease():
    """The same home under a CPI-indexed program that reads the stored BLS CPI-U series."""
    call_command("import_index", str(CPI_FILE), stdout=io.StringIO())
    version = approved_policy("CPI-U indexed", CPI_INDEXED, cpi_series=IndexSeries.objects.get(code="cpi-u"))
    return lease_under(version, name="CPI lease")


@pytest.fixture
def owner(simple_policy):
    """A homeowner login holding a lease under the 1.5 % policy."""
    user = make_user("seller", person=True)
    return user, lease_under(simple_policy, people=[user.person])


def determine(lease, **options):
    options.setdefault("determination_date", D(2026, 11, 27))
    options.setdefault("reason", "Notice of intent to sell received")
    options.setdefault("actor", None)
    return resale_services.resale_calculation_determine(lease=lease, **options)


def receive_intent(lease, on: dt.date) -> LeaseEvent:
    return lifecycle_services.lease_event_record(
        lease=lease, kind="intent_to_sell_received", actor=None, reason="owner's letter", received_on=on
    )


# ---------------------------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------------------------


def test_the_inputs_stored_are_the_ones_the_quote_used_and_recompute_equal(lease, simple_policy):
    preview = resale_services.resale_determination_preview(lease=lease, actor=None, determination_date=D(2026, 11, 27))
    calculation = determine(lease)
    assert calculation.inputs == preview.inputs
    assert calculation.result == resale_codec.result_to_dict(preview.result)
    assert (calculation.formula_price, calculation.price) == (Decimal("163500.00"), Decimal("163500.00"))
    assert calculation.policy_version == simple_policy
    assert calculation.policy == simple_policy.parameters
    assert calculation.determination_date == D(2026, 11, 27)
    inputs = calculation.inputs
    assert (inputs["purchase_price"], inputs["purchase_date"], inputs["determination_date"]) == (
        "150000.00",
        "2020-01-01",
        DETERMINED,
    )
    calculation.refresh_from_db()  # the JSON as the database gives it back
    assert resale_services.resale_calculation_recompute(calculation) == calculation.result


def test_index_values_are_kept_with_their_effective_dates(cpi_lease):
    calculation = determine(cpi_lease, determination_date=D(2026, 5, 15))
    assert calculation.price == Decimal("194860.86")
    assert (Decimal(150000) * Decimal("335.123") / Decimal("257.971")).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    ) == Decimal("194860.86")
    assert calculation.inputs["cpi_at_purchase"] == {
        "value": "257.9710",
        "effective_from": "2020-01-01",
        "series": "cpi-u",
    }
    assert calculation.inputs["cpi_at_determination"] == {
        "value": "335.1230",
        "effective_from": "2026-05-01",
        "series": "cpi-u",
    }
    # A later revision of the series does not move a saved price: the values used are in the calculation.
    series = IndexSeries.objects.get(code="cpi-u")
    resale_services.index_values_import(
        series=series, rows=[resale_services.IndexRow("2026-05", Decimal("340.000"))], actor=None, reason="BLS revision"
    )
    calculation.refresh_from_db()
    assert resale_services.resale_calculation_recompute(calculation) == calculation.result
    assert determine(cpi_lease, determination_date=D(2026, 5, 15)).price != calculation.price


def test_completed_improvements_liens_and_the_appraisal_cap_are_inputs_too(simple_policy):
    """A 10,000 kitchen credited at 100 % of cost: 163,500 + 10,000 = 173,500, capped by a 170,000 appraisal;
    the seller then pays a 120,000 loan, 9,500 of closing costs and 240 of arrears: 40,260 left."""
    capped = approved_policy("Simple 1.5% capped by the appraisal", CAPPED_15)
    lease = lease_under(capped)
    kitchen = resale_services.improvement_request(
        lease=lease, description="Kitchen remodel", requested_on=D(2023, 3, 1), actor=None, reason="owner asks"
    )
    kitchen = resale_services.improvement_approve(
        improvement=kitchen, approved_on=D(2023, 3, 10), approval_reference="Letter 2023-7", actor=None, reason="ok"
    )
    resale_services.improvement_complete(
        improvement=kitchen, completed_on=D(2023, 6, 30), cost=Decimal("10000.00"), documents="invoice 88",
        actor=None, reason="done",
    )  # fmt: skip
    calculation = determine(
        lease,
        inputs={
            "resale_appraisal": {"total": "170000.00", "effective_date": "2026-11-20"},
            "liens": [{"label": "first mortgage", "amount": "120000.00"}],
            "sale_closing_costs": [{"label": "estimate", "amount": "9500.00"}],
            "arrears": [{"label": "ledger", "amount": "240.00"}],
        },
    )
    result = resale_codec.result_from_dict(calculation.result)
    assert result.formula_price == Decimal("163500.00000")
    assert [(i.code, i.amount) for i in result.line_items if i.code.startswith(("credit.", "cap."))] == [
        ("credit.capital_improvement", Decimal("10000.00")),
        ("cap.appraisal", Decimal("-3500.00000")),
    ]
    assert calculation.price == Decimal("170000.00")
    assert result.seller_proceeds == Decimal("40260.00")
    [item] = calculation.inputs["capital_improvements"]
    assert (item["description"], item["cost"], item["approved_on"]) == ("Kitchen remodel", "10000.00", "2023-03-10")
    assert calculation.inputs["resale_appraisal"]["total"] == "170000.00"
    assert resale_services.resale_calculation_recompute(calculation) == calculation.result


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"determination_date": D(2019, 6, 1)}, "determination_date"),
        ({"inputs": {"resale_appraisal": {"total": "-1.00"}}}, "inputs.resale_appraisal.total"),
        ({"determination_date": timezone.localdate() + dt.timedelta(days=1)}, "determination_date"),
        ({"reason": "  "}, "change_reason"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(lease, options, field):
    with pytest.raises(ValidationError) as error:
        determine(lease, **options)
    assert field in error.value.message_dict
    assert not ResaleCalculation.objects.exists()


def test_a_missing_index_value_names_the_series(cpi_lease):
    with pytest.raises(ValidationError) as error:
        determine(cpi_lease, determination_date=D(2025, 10, 20))
    (message,) = error.value.message_dict["index_series.cpi"]
    assert message.startswith("CPI-U, U.S. city average") and "Oct. 20, 2025" in message


def test_a_draft_policy_never_sets_a_price_and_homeowners_do_not_determine(lease, owner):
    draft = resale_services.resale_policy_create(actor=None, reason="proposal", name="Draft 2%", parameters=SIMPLE_15)
    with pytest.raises(ValidationError) as error:
        determine(lease, policy_version=draft)
    assert "draft" in error.value.message_dict["policy_version"][0]
    user, own = owner
    with pytest.raises(PermissionDenied):
        determine(own, actor=user)
    assert not ResaleCalculation.objects.exists()


def test_the_default_date_is_the_receipt_of_the_notice_of_intent_to_sell(lease):
    assert resale_services.resale_determination_default_date(lease) == timezone.localdate()
    receive_intent(lease, D(2026, 11, 2))
    lease.refresh_from_db()
    assert resale_services.resale_determination_default_date(lease) == D(2026, 11, 2)


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def page_text(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


def test_staff_preview_then_save_then_the_page_then_the_certificate(client, staff_user, lease, simple_policy):
    """Notice received 2 November 2026; 120.00 of lease fees unpaid since 1 October; a 170,000 appraisal, a
    110,000 payoff and 9,000 of closing costs: 163,500 − 110,000 − 9,000 − 120 = 44,380.00 to the seller."""
    receive_intent(lease, D(2026, 11, 2))
    ledger_services.charge_add(
        lease=lease, amount=Decimal("120.00"), due=D(2026, 10, 1), description="Lease fee", actor=None, reason="fee"
    )
    client.force_login(staff_user)
    url = f"/leases/{lease.pk}/resale/determine/"

    form_page = client.get(url)
    assert form_page.status_code == 200
    assert 'value="2026-11-02"' in form_page.content.decode()  # the notice's receipt date

    body = {
        "determination_date": "2026-11-02",
        "appraisal_total": "170000.00",
        "appraisal_land": "50000.00",
        "appraisal_improvements": "120000.00",
        "appraisal_date": "2026-10-28",
        "liens_payoff": "110000.00",
        "closing_costs": "9000.00",
        "arrears": "",
        "change_reason": "",
    }
    preview = client.post(url, {**body, "action": "preview"})
    assert preview.status_code == 200
    text = page_text(preview)
    assert "Preview, not saved" in text and "$163,500.00" in text
    assert "Unpaid lease fees and charges: ledger balance on 2026-11-02" in text and "−$120.00" in text
    assert "$44,380.00" in text
    assert not ResaleCalculation.objects.exists()

    refused = client.post(url, {**body, "action": "save"})  # saving needs a reason
    assert refused.status_code == 200 and "Give a reason" in page_text(refused)
    assert not ResaleCalculation.objects.exists()

    saved = client.post(url, {**body, "action": "save", "change_reason": "Notice of intent to sell"})
    calculation = ResaleCalculation.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/leases/{lease.pk}/resale/{calculation.pk}/"
    assert calculation.price == Decimal("163500.00") and calculation.actor == staff_user
    assert calculation.inputs["arrears"] == [{"label": "ledger balance on 2026-11-02", "amount": "120.00"}]
    assert calculation.inputs["resale_appraisal"] == {
        "total": "170000.00",
        "land": "50000.00",
        "improvements": "120000.00",
        "effective_date": "2026-10-28",
    }
    assert resale_codec.result_from_dict(calculation.result).seller_proceeds == Decimal("44380.00")

    page = page_text(client.get(saved["Location"]))
    assert "Same result" in page
    assert "$163,500.00" in page and "$44,380.00" in page
    assert "Simple 1.5%, version 1 (Approved)" in page and "Members' annual meeting, resolution 2019-4" in page
    # The staff page speaks about the homeowner, not to them (issue 14 §4).
    grows = (
        "The price grows 1.5 % of what the homeowner paid for each full year the homeowner has owned the home: "
        "6 years, $13,500.00."
    )
    assert grows in page
    assert "The homeowner paid $150,000.00 for the home on Jan. 1, 2020." in page
    assert "You paid" not in page and "your home" not in page and "Your price" not in page

    lease_page = page_text(client.get(f"/leases/{lease.pk}/"))
    assert "Determine the resale price" in lease_page
    assert f"Calculation {calculation.pk}" in lease_page and "$163,500.00" in lease_page

    certificate = page_text(client.get(f"/leases/{lease.pk}/resale/{calculation.pk}/certificate/?format=html"))
    assert f"Certificate No. {calculation.pk}" in certificate
    assert "163,500.00" in certificate and "Resale price certificate" in certificate
    assert "Holder" in certificate and lease.unit.address in certificate
    assert "Members' annual meeting, resolution 2019-4" in certificate
    assert "staffer" in certificate  # issued by the staff member who saved it


def test_a_bad_figure_comes_back_on_its_field(client, staff_user, lease):
    client.force_login(staff_user)
    response = client.post(
        f"/leases/{lease.pk}/resale/determine/",
        {"determination_date": "2019-06-01", "appraisal_total": "1", "action": "preview"},
    )
    assert response.status_code == 200
    assert "Is before the purchase date (Jan. 1, 2020)." in page_text(response)
    assert not ResaleCalculation.objects.exists()


def test_the_pdf_certificate_says_the_price(client, staff_user, lease):
    calculation = determine(lease, actor=staff_user)
    client.force_login(staff_user)
    response = client.get(f"/leases/{lease.pk}/resale/{calculation.pk}/certificate/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="lease-{lease.pk}-resale-certificate-{calculation.pk}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Maximum resale price" in text and "163,500.00" in text
    assert f"Certificate No. {calculation.pk}" in text


def test_homeowners_open_their_own_certificates_only(client, owner, other_homeowner_user):
    user, own = owner
    mine = determine(own)
    theirs = determine(
        other_homeowner_user.person.leaseholdings.get().lease,
        determination_date=D(2026, 1, 1),
        policy_version=mine.policy_version,
    )
    client.force_login(user)
    portal = page_text(client.get("/my/"))
    assert "Your resale price certificates" in portal and f"Certificate {mine.pk}: $163,500.00" in portal
    assert client.get(f"/leases/{own.pk}/resale/{mine.pk}/certificate/?format=html").status_code == 200
    other_lease = theirs.lease_id
    assert client.get(f"/leases/{other_lease}/resale/{theirs.pk}/certificate/?format=html").status_code == 404
    assert client.get(f"/leases/{own.pk}/resale/{theirs.pk}/certificate/?format=html").status_code == 404
    # The working pages are the trust's.
    assert client.get(f"/leases/{own.pk}/resale/{mine.pk}/").status_code == 403
    assert client.get(f"/leases/{own.pk}/resale/determine/").status_code == 403


# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------


def test_api_post_determines_and_answers_201_with_the_record(staff_api, lease, simple_policy):
    response = staff_api.post(
        API,
        {
            "lease": lease.pk,
            "determination_date": DETERMINED,
            "inputs": {"liens": [{"label": "first mortgage", "amount": "100000.00"}]},
            "change_reason": "Resale agreement prepared",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    calculation = ResaleCalculation.objects.get()
    assert body["id"] == calculation.pk and body["lease"] == lease.pk
    assert (body["formula_price"], body["price"]) == ("163500.00", "163500.00")
    assert body["result"]["seller_proceeds"] == "63500.00"
    assert body["policy_version"] == {
        "id": simple_policy.pk,
        "name": "Simple 1.5%",
        "version": 1,
        "status": "approved",
        "effective_from": "2019-07-01",
        "approved_on": "2019-06-10",
        "approval_reference": "Members' annual meeting, resolution 2019-4",
    }
    assert body["inputs"] == calculation.inputs and body["reason"] == "Resale agreement prepared"
    assert body["actor"] == "staffer" and body["index_values"] == []

    again = staff_api.get(f"{API}{calculation.pk}/recompute/").json()
    assert again["same"] is True and again["result"]["price"] == "163500.00"


def test_api_keeps_the_cpi_values_with_their_dates(staff_api, cpi_lease):
    response = staff_api.post(API, {"lease": cpi_lease.pk, "determination_date": "2026-05-15"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["price"] == "194860.86"
    assert body["index_values"] == [
        {"field": "cpi_at_purchase", "series": "cpi-u", "on": "2020-01-01", "effective_from": "2020-01-01",
         "value": "257.9710"},
        {"field": "cpi_at_determination", "series": "cpi-u", "on": "2026-05-15", "effective_from": "2026-05-01",
         "value": "335.1230"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"inputs": {"resale_appraisal": {"total": "-5000.00"}}}, "inputs.resale_appraisal.total", "negative"),
        ({"determination_date": "2019-12-31"}, "determination_date", "before the purchase date"),
        ({"inputs": {"purchase_price": 150000.5}}, "inputs.purchase_price", "float"),
        ({"lease": 999999}, "lease", "No lease 999999"),
        ({"policy_version": 999999}, "policy_version", "No resale policy version 999999"),
        ({"inputs": {"liens": [{"label": "loan"}]}}, "inputs.liens[0].amount", ""),
        ({"surprise": 1}, "surprise", "Not a field here"),
    ],
)
def test_api_bad_input_is_a_400_naming_the_field(staff_api, lease, change, field, words):
    body = {"lease": lease.pk, "determination_date": DETERMINED, **change}
    response = staff_api.post(API, body, format="json")
    assert response.status_code == 400, response.json()
    assert words in " ".join(response.json()[field])
    assert not ResaleCalculation.objects.exists()


def test_api_missing_index_value_is_a_400_on_the_series(staff_api, cpi_lease):
    response = staff_api.post(API, {"lease": cpi_lease.pk, "determination_date": "2025-10-20"}, format="json")
    assert response.status_code == 400
    (message,) = response.json()["index_series.cpi"]
    assert message.startswith("CPI-U, U.S. city average") and "Oct. 20, 2025" in message
    assert not ResaleCalculation.objects.exists()


def test_api_homeowners_read_their_own_and_never_post(api_for, owner, other_homeowner_user):
    user, own = owner
    mine = determine(own)
    other_lease = other_homeowner_user.person.leaseholdings.get().lease
    theirs = determine(other_lease, policy_version=mine.policy_version)  # their terms name no policy
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(API, {"lease": own.pk, "determination_date": DETERMINED}, format="json")
    assert response.status_code == 403
    assert [row["id"] for row in client.get(API).json()["results"]] == [mine.pk]
    assert client.get(f"{API}{mine.pk}/").json()["price"] == "163500.00"
    assert client.get(f"{API}{theirs.pk}/").status_code == 404
    assert client.get(f"{API}{theirs.pk}/certificate/?format=html").status_code == 404
    html = client.get(f"{API}{mine.pk}/certificate/?format=html")
    assert html.status_code == 200 and "163,500.00" in html.content.decode()
    pdf = client.get(f"{API}{mine.pk}/certificate/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"{API}{mine.pk}/certificate/?format=docx").status_code == 400
    assert api_for("member").get(API).json()["results"] == []
    assert api_for("member").post(API, {"lease": own.pk}, format="json").status_code == 403


def test_api_filters_and_a_list_runs_a_fixed_number_of_queries(staff_api, lease, django_assert_max_num_queries):
    first = determine(lease, determination_date=D(2025, 1, 1))
    second = determine(lease, determination_date=D(2026, 11, 27))
    ids = lambda query: [row["id"] for row in staff_api.get(API + query).json()["results"]]  # noqa: E731
    assert ids(f"?lease={lease.pk}") == [second.pk, first.pk]
    assert ids("?determined_after=2026-01-01") == [second.pk]
    assert ids("?determined_before=2025-12-31") == [first.pk]
    assert ids(f"?lease={lease.pk + 1000}") == []
    with django_assert_max_num_queries(8) as few:
        staff_api.get(API)
    for day in range(1, 21):
        determine(lease, determination_date=D(2026, 10, day))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(staff_api.get(API).json()["results"]) == 22


# ---------------------------------------------------------------------------------------------
# The lease workflow: the resale agreement names the saved calculation
# ---------------------------------------------------------------------------------------------


def sign_agreement(lease, calculation_id):
    return lifecycle_services.lease_event_record(
        lease=lease,
        kind="resale_agreement_signed",
        actor=None,
        reason="signed resale agreement",
        received_on=D(2026, 11, 27),
        data={"calculation": calculation_id},
    )


def test_the_resale_agreement_records_the_price_of_its_calculation(lease):
    receive_intent(lease, D(2026, 11, 2))
    calculation = determine(lease, determination_date=D(2026, 11, 2))
    event = sign_agreement(lease, calculation.pk)
    assert event.data == {"calculation": calculation.pk, "price": "163500.00", "determined_on": "2026-11-02"}
    lease.refresh_from_db()
    assert lease.transfer_state == "option_period"


def test_the_resale_agreement_refuses_another_leases_or_a_missing_calculation(lease, simple_policy):
    other = lease_under(simple_policy)
    foreign = determine(other)
    receive_intent(lease, D(2026, 11, 2))
    with pytest.raises(ValidationError) as error:
        sign_agreement(lease, foreign.pk)
    (message,) = error.value.message_dict["data.calculation"]
    assert f"lease {other.pk}, not for this lease ({lease.pk})" in message
    with pytest.raises(ValidationError) as error:
        sign_agreement(lease, 999999)
    assert "no saved resale calculation 999999" in error.value.message_dict["data.calculation"][0]
    lease.refresh_from_db()
    assert lease.transfer_state == "price_determination"
    assert not lease.events.filter(kind="resale_agreement_signed").exists()


def test_staff_choose_the_calculation_on_the_event_form(client, staff_user, lease):
    receive_intent(lease, D(2026, 11, 2))
    calculation = determine(lease, determination_date=D(2026, 11, 2))
    client.force_login(staff_user)
    url = f"/leases/{lease.pk}/events/new/"
    form = client.get(url).content.decode()
    assert f'<option value="{calculation.pk}">No. {calculation.pk}, determined 2026-11-02: $163,500.00' in form
    response = client.post(
        url,
        {
            "kind": "resale_agreement_signed",
            "received_on": "2026-11-20",
            "calculation": str(calculation.pk),
            "change_reason": "signed at the office",
        },
    )
    assert response.status_code == 302, page_text(response)
    event = lease.events.get(kind="resale_agreement_signed")
    assert (event.data["calculation"], event.data["price"]) == (calculation.pk, "163500.00")
    timeline = page_text(client.get(f"/leases/{lease.pk}/"))
    assert "Saved resale calculation" in timeline and "Price determined on" in timeline


MONEY = re.compile(r"−?\$[0-9][0-9,]*\.[0-9]{2}")


def test_the_pdf_certificate_has_every_figure_of_the_calculation_page(client, staff_user, lease):
    """Issue 14 §7: every amount, running total and total the HTML page shows in its tables is in the PDF's
    text, with its "$"; purchase and dates read as on the pages ("Jan. 1, 2020"), in the third person."""
    calculation = determine(lease, actor=staff_user)
    client.force_login(staff_user)
    page = page_text(client.get(f"/leases/{lease.pk}/resale/{calculation.pk}/"))
    tables = page[page.index("How the price is worked out") : page.index("Every input used")]
    figures = {figure.replace("−", "") for figure in MONEY.findall(tables)}
    assert "$163,500.00" in figures and len(figures) >= 3
    response = client.get(f"/leases/{lease.pk}/resale/{calculation.pk}/certificate/?format=pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    packed = "".join(text.split())
    for figure in sorted(figures):
        assert figure in packed, figure
    assert "Purchase price $150,000.00" in " ".join(text.split())
    assert "Purchased on Jan. 1, 2020" in " ".join(text.split())
    assert "for 150,000.00" not in text and "You paid" not in text
    assert "The homeowner paid $150,000.00 for the home on Jan. 1, 2020." in " ".join(text.split())
