"""The lease's documents: the figures read back out of the PDFs (and the HTML), the view helper, the batch command."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.management import CommandError, call_command
from django.http import Http404
from django.test import RequestFactory, override_settings
from pypdf import PdfReader

from clt import pdf
from clt.models import Organization, Person
from leases.documents import selectors as document_texts
from leases.documents import services as documents
from leases.ledger import services as ledger_services
from leases.lifecycle import services as lifecycle_services
from leases.lifecycle.models import Deadline, GroundLease
from tests.factories import make_lease, make_template_version

pytestmark = pytest.mark.django_db

D = dt.date
FEE = Decimal("45.00")
MONEY = re.compile(r"-?\d{1,3}(?:,\d{3})*\.\d{2}")
DATE = re.compile(r"(?:Jan\.|Feb\.|March|April|May|June|July|Aug\.|Sept\.|Oct\.|Nov\.|Dec\.) \d{1,2}, \d{4}")


# ---------------------------------------------------------------------------------------------
# Reading documents back
# ---------------------------------------------------------------------------------------------


def pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    return " ".join(pdf_pages(data))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "title")

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "title")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def figures(text: str) -> tuple[set[str], set[str]]:
    return set(MONEY.findall(text)), set(DATE.findall(text))


def get(lease, kind, **params):
    request = RequestFactory().get("/", params)
    return documents.document_response(request, lease, kind)


def both(lease, kind, **params) -> tuple[str, str]:
    """The PDF's text and the HTML's text of one document, after checking they carry the same figures."""
    response = get(lease, kind, **params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    html = get(lease, kind, format="html", **params)
    assert html.status_code == 200
    assert html["Content-Type"].startswith("text/html")
    page = html_text(html.content.decode())
    assert figures(text) == figures(page)
    return text, page


# ---------------------------------------------------------------------------------------------
# Leases with real figures
# ---------------------------------------------------------------------------------------------


def record(lease, kind, **kwargs):
    kwargs.setdefault("reason", f"test: {kind}")
    return lifecycle_services.lease_event_record(lease=lease, kind=kind, actor=None, **kwargs)


def pay(lease, amount, on, reference=""):
    return ledger_services.payment_record(
        lease=lease, amount=Decimal(amount), received_on=on, reference=reference, actor=None, reason="test payment"
    )


@pytest.fixture
def version():
    return make_template_version(
        "Documents lease", late_fee_kind="flat", late_fee_amount=Decimal("10.00"), grace_days=14
    )


@pytest.fixture
def alice():
    return Person.objects.create(given_name="Alice", family_name="Moreau", mailing_address="12 Elm St, Burlington VT")


@pytest.fixture
def billed(version, alice):
    """A lease billed January to March 2025: January paid, February not (late fee), March part-paid.

    At the end of March: opening 55.00 (February's 45.00 + its 10.00 late fee), then March's fee
    45.00 → 100.00, a 30.00 payment → 70.00 and March's late fee 10.00 → 80.00. Ageing on 31 March:
    0–30 days 55.00 (March's fee and late fee), 31–60 days 25.00 (15.00 of February's fee and its
    late fee). Next fee 45.00 due 1 April: pay 125.00.
    """
    bob = Person.objects.create(given_name="Bob", family_name="Moreau")
    lease = make_lease(
        people=[alice, bob],
        version=version,
        commencement=D(2025, 1, 1),
        monthly_fee=FEE,
        recording_book="1204",
        recording_page="77",
        recorded_on=D(2025, 1, 6),
        purchase_price=Decimal("182500.00"),
        appraisal_date=D(2024, 12, 2),
        appraised_value=Decimal("310000.00"),
        appraised_land_value=Decimal("110000.00"),
        appraised_improvements_value=Decimal("200000.00"),
        subsidies=[("City HOME funds", Decimal("65000.00")), ("State housing trust", Decimal("20000.00"))],
    )
    # Payments first: billing assesses the late fees against the payments on record.
    pay(lease, "45.00", D(2025, 1, 3), "cheque 101")
    pay(lease, "30.00", D(2025, 3, 10), "cheque 117")
    for month in (1, 2, 3):
        ledger_services.bill_month(year=2025, month=month)
    lease.refresh_from_db()
    return lease


@pytest.fixture
def bank():
    return Organization.objects.create(name="Vermont Federal Credit Union", kind="lender")


def with_mortgage(lease, bank):
    record(
        lease,
        "mortgage_consent_requested",
        received_on=D(2025, 4, 1),
        data={"lender": bank.pk, "amount": "120000.00", "intended_closing": "2025-05-01"},
    )
    record(lease, "mortgage_consent_approved", effective_on=D(2025, 4, 20))


# ---------------------------------------------------------------------------------------------
# Statement
# ---------------------------------------------------------------------------------------------


def test_statement_figures_read_back_from_the_pdf(billed):
    text, page = both(billed, "statement", month="2025-03")
    assert "Account statement" in text
    assert "Statement for March 2025" in text
    assert "Alice Moreau, Bob Moreau" in text
    assert billed.parcel.apn in text
    # Opening, each line with its running balance, closing.
    assert "Opening balance $55.00" in text
    assert re.search(r"March 1, 2025 Lease fee for March 2025 \$45\.00 \$100\.00", text), text
    assert re.search(r"March 10, 2025 Payment received \(check no\. 117\) \$30\.00 \$70\.00", text), text
    assert re.search(r"March 15, 2025 Late fee on the March 2025 lease fee \$10\.00 \$80\.00", text), text
    assert re.search(r"Closing balance \$55\.00 \$30\.00 \$80\.00", text), text
    # Ageing at the end of the month: 0-30, 31-60, 61-90, over 90, total.
    assert "$55.00 $25.00 $0.00 $0.00 $80.00" in text
    assert "Past due and payable now: $80.00." in text
    assert "Next lease fee: $45.00, due April 1, 2025." in text
    assert "Please pay $125.00 by April 1, 2025." in text
    assert "Page 1" in text
    # The HTML says the same sentences.
    for sentence in (
        "Opening balance $55.00",
        "Please pay $125.00 by April 1, 2025.",
        "$55.00 $25.00 $0.00 $0.00 $80.00",
    ):
        assert sentence in page


def test_statement_attachment_is_named_after_lease_kind_and_month(billed):
    response = get(billed, "statement", month="2025-02")
    assert response["Content-Disposition"] == f'attachment; filename="lease-{billed.pk}-statement-2025-02.pdf"'
    text = pdf_text(response.content)
    # February: January paid, the fee unpaid and its late fee on the 15th.
    assert re.search(r"Opening balance \$0\.00", text)
    assert re.search(r"Feb\. 15, 2025 Late fee on the February 2025 lease fee \$10\.00 \$55\.00", text), text


def test_statement_over_a_date_range(billed):
    text, _page = both(billed, "statement", start="2025-01-01", end="2025-03-31")
    assert "Statement from Jan. 1, 2025 to March 31, 2025" in text
    assert "Opening balance $0.00" in text
    assert re.search(r"Jan\. 3, 2025 Payment received \(check no\. 101\) \$45\.00 \$0\.00", text), text
    # Three fees and two late fees charged, two payments: 155.00 - 75.00.
    assert re.search(r"Closing balance \$155\.00 \$75\.00 \$80\.00", text), text
    response = get(billed, "statement", start="2025-01-01", end="2025-03-31")
    assert f"lease-{billed.pk}-statement-2025-01-01-2025-03-31.pdf" in response["Content-Disposition"]


def test_statement_with_a_reversed_payment(version):
    lease = make_lease(version=version, commencement=D(2025, 1, 1), monthly_fee=FEE)
    payment = pay(lease, "45.00", D(2025, 1, 3), "4410")
    ledger_services.payment_reverse(
        payment=payment, reversed_on=D(2025, 1, 20), actor=None, reason="Cheque returned unpaid"
    )
    ledger_services.bill_month(year=2025, month=1)
    text, _page = both(lease, "statement", month="2025-01")
    assert re.search(r"Jan\. 3, 2025 Payment received \(check no\. 4410\) \$45\.00 \$0\.00", text), text
    assert re.search(
        r"Jan\. 20, 2025 Payment of Jan\. 3, 2025 reversed \(Cheque returned unpaid\) \$45\.00 \$45\.00", text
    )
    # Columns add up: 0.00 + 90.00 - 45.00 = 45.00.
    assert re.search(r"Closing balance \$90\.00 \$45\.00 \$45\.00", text), text
    assert "The charges include $45.00 of reversed payments charged back." in text


def test_statement_in_credit_asks_for_nothing(version):
    lease = make_lease(version=version, commencement=D(2025, 1, 1), monthly_fee=FEE)
    pay(lease, "100.00", D(2025, 1, 2))
    ledger_services.bill_month(year=2025, month=1)
    text, _page = both(lease, "statement", month="2025-01")
    assert re.search(r"Closing balance \$45\.00 \$100\.00 −\$55\.00", text), text
    assert "You are in credit by $55.00." in text
    assert "Next lease fee: $45.00, due Feb. 1, 2025." in text
    assert "Your credit covers it: nothing to pay by Feb. 1, 2025." in text
    assert "Past due" not in text


def test_statement_of_an_ended_lease_is_payable_on_receipt(billed):
    terminate(billed)
    text = pdf_text(get(billed, "statement", month="2025-06").content)
    assert "Please pay $80.00 on receipt of this statement." in text
    assert "Next lease fee" not in text
    # By the end of June all 80.00 is more than 90 days past due (March's fee by 121 days).
    assert "$0.00 $0.00 $0.00 $80.00 $80.00" in text


def test_default_month_is_the_last_full_month(billed):
    response = get(billed, "statement")
    start, _end = document_texts.last_full_month()
    assert f"statement-{start:%Y-%m}.pdf" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"month": "2025-13"}, "month: '2025-13' is not a month"),
        ({"month": "March"}, "write it as YYYY-MM"),
        ({"start": "2025-03-01"}, "end: a date range needs both"),
        ({"start": "2025-03-31", "end": "2025-03-01"}, "end: March 1, 2025 is before the start, March 31, 2025."),
        ({"start": "2025-02-30", "end": "2025-03-01"}, "start: '2025-02-30' is not a date"),
        ({"month": "2025-03", "start": "2025-03-01", "end": "2025-03-31"}, "not both"),
        ({"format": "docx"}, "format: choose pdf or html."),
    ],
)
def test_bad_parameters_answer_400_with_the_reason(billed, params, reason):
    response = get(billed, "statement", **params)
    assert response.status_code == 400
    assert reason in response.content.decode()


def test_unknown_kind_is_404(billed):
    with pytest.raises(Http404):
        get(billed, "eviction")


# ---------------------------------------------------------------------------------------------
# Lease summary
# ---------------------------------------------------------------------------------------------


def test_summary_figures(billed, bank):
    with_mortgage(billed, bank)
    text, page = both(billed, "summary")
    assert "Lease summary" in text
    assert billed.unit.address in text and billed.parcel.apn in text
    assert "Leaseholders Alice Moreau, Bob Moreau" in text
    assert "Documents lease, version 1 (in use from Jan. 1, 2000)" in text
    assert "Term 99 years" in text
    assert "1 renewal of 99 years; notice due 365 days before the term ends (1 left)" in text
    assert "At least 10 months a year" in text
    assert "Due on day 1 of each month; late after 14 days of grace." in text
    assert "$10.00 when a fee is still unpaid 14 days after its due date." in text
    assert "Cure period 30 days from receipt of a notice of default" in text
    assert "Exercise within 45 days of receiving the signed resale agreement; close within 60 days" in text
    assert "Commencement Jan. 1, 2025" in text
    assert "Term ends Jan. 1, 2124" in text
    assert "Book 1204, page 77, recorded Jan. 6, 2025" in text
    assert "Purchase price of the home $182,500.00" in text
    assert "Appraisal at purchase $310,000.00 (Dec. 2, 2024)" in text
    assert "of which land $110,000.00" in text and "of which improvements $200,000.00" in text
    assert "City HOME funds $65,000.00" in text and "State housing trust $20,000.00" in text
    assert "Total $85,000.00" in text
    assert "1 Vermont Federal Credit Union April 20, 2025 $120,000.00" in text
    assert "Current monthly fee $45.00" in text
    assert "Leaseholders Alice Moreau, Bob Moreau" in page


def test_summary_shows_the_current_fee_after_a_change(version):
    lease = make_lease(version=version, commencement=D(2025, 1, 1), monthly_fee=FEE)
    ledger_services.fee_rate_change(
        lease=lease, effective=D(2026, 1, 1), amount=Decimal("47.25"), actor=None, reason="5%"
    )
    text, _page = both(lease, "summary")
    assert "Current monthly fee $47.25" in text
    assert "No permitted mortgage." in text


# ---------------------------------------------------------------------------------------------
# Notice of default
# ---------------------------------------------------------------------------------------------

BREACH = "Lease fees unpaid for February and March 2025 (Section 5.3)"


def test_default_notice_with_its_cure_deadline_extension_and_mortgagee(billed, bank):
    with_mortgage(billed, bank)
    record(
        billed,
        "default_notice_sent",
        sent_on=D(2025, 4, 28),
        received_on=D(2025, 5, 1),
        delivery_method="certified mail",
        data={"breach": BREACH, "mortgagee_received_on": "2025-05-03"},
    )
    cure = Deadline.objects.get(lease=billed, kind="cure")
    # 30 days counted from the later receipt, the mortgagee's on 3 May: 2 June.
    assert cure.due == D(2025, 6, 2)
    text, page = both(billed, "default-notice")
    assert "Notice of default" in text
    assert "Alice Moreau, Bob Moreau" in text and "12 Elm St, Burlington VT" in text
    assert billed.parcel.apn in text
    assert f"Breach of the lease {BREACH}" in text
    assert "Date of notice April 28, 2025" in text
    assert "Received by the leaseholder May 1, 2025 (certified mail)" in text
    assert "Cure the default by June 2, 2025." in text
    assert "30 days to cure, counted from May 3, 2025" in text
    assert "Vermont Federal Credit Union" in text
    assert "The permitted mortgagee received its copy on May 3, 2025" in text
    # The ledger at the date of notice: 80.00 at the end of March, April's 45.00 and its late fee not yet billed.
    assert "Lease fees unpaid at the date of notice" in text
    assert "extended" not in text

    lifecycle_services.deadline_extend(
        deadline=cure, new_due=D(2025, 6, 30), agreed_on=D(2025, 5, 20), actor=None, reason="payment plan"
    )
    text, page = both(billed, "default-notice")
    assert "Cure the default by June 30, 2025." in text
    assert "The original deadline of June 2, 2025 was extended by written agreement to June 30, 2025." in text
    assert "June 30, 2025" in page


def test_default_notice_without_a_mortgage_says_so(version):
    lease = make_lease(version=version, commencement=D(2025, 1, 1))
    record(lease, "default_notice_sent", received_on=D(2025, 3, 1), data={"breach": "Sublet without consent"})
    text, _page = both(lease, "default-notice")
    assert "Cure the default by March 31, 2025." in text
    assert "There is no permitted mortgage on this lease." in text
    assert "Lease fees unpaid" not in text


def test_notices_without_their_event_are_404_with_the_reason(billed):
    with pytest.raises(Http404, match="has no notice of default on record"):
        get(billed, "default-notice")
    with pytest.raises(Http404, match="no signed resale agreement on record"):
        get(billed, "option-notice", format="html")
    with pytest.raises(document_texts.DocumentUnavailable, match=f"Lease {billed.pk} has no notice of default"):
        document_texts.default_notice_context(billed)


# ---------------------------------------------------------------------------------------------
# Notice of the purchase option
# ---------------------------------------------------------------------------------------------


def start_resale(lease):
    record(lease, "intent_to_sell_received", received_on=D(2025, 5, 1))
    record(lease, "appraisal_accepted", effective_on=D(2025, 5, 8))
    record(lease, "resale_agreement_signed", sent_on=D(2025, 5, 30), received_on=D(2025, 6, 2))


def test_option_notice_with_its_deadlines(billed):
    start_resale(billed)
    exercise = Deadline.objects.get(lease=billed, kind="option_exercise")
    assert exercise.due == D(2025, 7, 17)
    text, page = both(billed, "option-notice")
    assert "Notice of the trust's purchase option" in text
    assert "Alice Moreau, Bob Moreau" in text and billed.parcel.apn in text
    assert "Notice of intent to sell received May 1, 2025" in text
    assert "Signed resale agreement received June 2, 2025" in text
    assert "The trust may exercise its purchase option until July 17, 2025." in text
    assert "The option period is 45 days from June 2, 2025" in text
    assert "closes within 60 days of the exercise" in text
    # The resale agreement settled the second-appraisal deadlines: none is listed as open.
    assert "Appraisal deadlines still open" not in text
    assert "July 17, 2025" in page


def test_option_notice_after_exercise_and_extension(billed):
    start_resale(billed)
    exercise = Deadline.objects.get(lease=billed, kind="option_exercise")
    lifecycle_services.deadline_extend(
        deadline=exercise, new_due=D(2025, 7, 31), agreed_on=D(2025, 6, 20), actor=None, reason="board meets late"
    )
    record(billed, "option_exercised", effective_on=D(2025, 7, 1), data={"exercised_by": "the trust"})
    text, _page = both(billed, "option-notice")
    assert "The deadline to exercise the option was July 31, 2025." in text
    assert "The original deadline of July 17, 2025 was extended by written agreement to July 31, 2025." in text
    assert "The trust exercised the option on July 1, 2025; closing is due by Aug. 30, 2025." in text


# ---------------------------------------------------------------------------------------------
# The PDF helper
# ---------------------------------------------------------------------------------------------


def test_batch_layout_splits_into_one_pdf_per_document_numbered_from_page_1(billed, version):
    other = make_lease(version=version, commencement=D(2025, 1, 1), monthly_fee=Decimal("60.00"))
    ledger_services.bill_month(year=2025, month=1)
    rendered = documents.statement_pdfs([billed.pk, other.pk], start=D(2025, 1, 1), end=D(2025, 3, 31), month=False)
    assert [r.lease_id for r in rendered] == [billed.pk, other.pk]
    # The other lease: January's 60.00 unpaid and its 10.00 late fee.
    assert [r.closing for r in rendered] == [Decimal("80.00"), Decimal("70.00")]
    first, second = (pdf_pages(r.pdf) for r in rendered)
    assert "Closing balance $155.00 $75.00 $80.00" in " ".join(first)
    assert "Closing balance $70.00 $0.00 $70.00" in " ".join(second)
    assert all(f"Lease {billed.pk}" in page for page in first)
    assert f"Lease {billed.pk} " not in " ".join(second)
    assert "Page 1" in second[0]


def test_paper_size_and_trust_name_come_from_settings(billed):
    name = 'Champlain "Housing" </style> Trust'
    with override_settings(CLT={"TRUST_NAME": name, "PAPER_SIZE": "A4"}):
        data = get(billed, "summary").content
        html = get(billed, "summary", format="html").content.decode()
    pages = PdfReader(io.BytesIO(data)).pages
    assert (round(float(pages[0].mediabox.width)), round(float(pages[0].mediabox.height))) == (595, 842)
    # Once on each page: in the letterhead of page 1, then in the running header.
    assert len(pages) >= 2
    assert [text.count(name) for text in pdf_pages(data)] == [1] * len(pages)
    # The name cannot close the inlined stylesheet of the HTML variant.
    assert html.count("</style>") == html.count("<style")
    assert name in html_text(html)
    with override_settings(TIME_ZONE="America/Chicago", CLT={}):
        data = get(billed, "summary").content
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    assert "Community Land Trust" in pdf_text(data)


def test_documents_fetch_static_files_only():
    assert pdf.static_path("file:///static/css/site.css").name == "site.css"
    assert pdf.static_path("/static/css/site.css").name == "site.css"
    assert pdf.static_path("file:///etc/passwd") is None
    assert pdf.static_path("file:///static/../clt/settings.py") is None
    assert pdf.static_path("https://example.org/static/css/site.css") is None
    fetched = pdf.url_fetcher().fetch("file:///static/css/site.css")
    assert fetched.read() == (pdf.static_path("/static/css/site.css")).read_bytes()
    with pytest.raises(ValueError, match="only use static files"):
        pdf.url_fetcher().fetch("https://example.org/logo.png")


# ---------------------------------------------------------------------------------------------
# manage.py statements
# ---------------------------------------------------------------------------------------------


def terminate(lease):
    record(lease, "default_notice_sent", received_on=D(2025, 4, 1), data={"breach": "Unpaid lease fees"})
    record(lease, "default_uncured", effective_on=D(2025, 5, 2))
    record(lease, "terminated", effective_on=D(2025, 5, 5))
    lease.refresh_from_db()
    assert lease.status == "terminated"


@pytest.fixture
def portfolio(billed, version):
    """The billed lease (80.00 owed at the end of March), a paid-up active lease, an ended lease with
    arrears (three months of 35.00 and three late fees of 10.00), an ended lease paid up, and a draft."""
    paid_up = make_lease(version=version, commencement=D(2025, 1, 1), monthly_fee=Decimal("50.00"))
    in_arrears = make_lease(version=version, commencement=D(2025, 1, 1), monthly_fee=Decimal("35.00"))
    settled = make_lease(version=version, commencement=D(2025, 1, 1), monthly_fee=Decimal("35.00"))
    draft = make_lease(version=version, commencement=D(2025, 1, 1), execute=False)
    pay(paid_up, "150.00", D(2025, 1, 2))
    pay(settled, "105.00", D(2025, 1, 2))
    for month in (1, 2, 3):
        ledger_services.bill_month(year=2025, month=month)
    for lease in (in_arrears, settled):
        terminate(lease)
    return {"billed": billed, "paid_up": paid_up, "in_arrears": in_arrears, "settled": settled, "draft": draft}


def statement_files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_statements_command_renders_one_pdf_per_lease_with_activity_or_balance(portfolio, tmp_path):
    out = tmp_path / "march"
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("statements", "--month", "2025-06", "--out", str(out), "--workers", "1", stdout=stdout, stderr=stderr)
    # In June: the active leases, and the ended lease still in arrears; not the one paid up, not the draft.
    expected = {portfolio[k].pk for k in ("billed", "paid_up", "in_arrears")}
    assert statement_files(out) == sorted(f"lease-{pk}-statement-2025-06.pdf" for pk in expected)
    text = {pk: pdf_text((out / f"lease-{pk}-statement-2025-06.pdf").read_bytes()) for pk in expected}
    # The billed lease was not billed after March (bill_month was not run): 80.00, aged.
    assert re.search(r"Closing balance \$0\.00 \$0\.00 \$80\.00", text[portfolio["billed"].pk])
    assert re.search(r"Closing balance \$0\.00 \$0\.00 \$0\.00", text[portfolio["paid_up"].pk])
    assert re.search(r"Closing balance \$0\.00 \$0\.00 \$135\.00", text[portfolio["in_arrears"].pk])
    assert "Please pay $135.00 on receipt of this statement." in text[portfolio["in_arrears"].pk]
    assert "3 statements for 2025-06" in stdout.getvalue()
    assert "per statement" in stdout.getvalue()
    assert "statements" in stderr.getvalue() and "3/3" in stderr.getvalue()


def test_statements_command_for_named_leases(portfolio, tmp_path):
    settled = portfolio["settled"]
    call_command(
        "statements", "--month", "2025-03", "--out", str(tmp_path), "--lease", str(settled.pk), "--workers", "1",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    assert statement_files(tmp_path) == [f"lease-{settled.pk}-statement-2025-03.pdf"]
    with pytest.raises(CommandError, match=f"no executed lease with id {portfolio['draft'].pk}"):
        call_command("statements", "--month", "2025-03", "--out", str(tmp_path), "--lease", str(portfolio["draft"].pk))


# Committed data: the workers are other processes with their own connections, which cannot see a
# test's open transaction (on PostgreSQL; SQLite's in-memory test database is copied by the fork).
@pytest.mark.django_db(transaction=True)
def test_statements_command_with_two_workers(portfolio, tmp_path):
    stdout = io.StringIO()
    call_command(
        "statements", "--month", "2025-03", "--out", str(tmp_path), "--workers", "2", "--batch-size", "1",
        stdout=stdout, stderr=io.StringIO(),
    )  # fmt: skip
    # In March every lease but the draft was active, or had activity.
    ids = [portfolio[k].pk for k in ("billed", "paid_up", "in_arrears", "settled")]
    assert statement_files(tmp_path) == sorted(f"lease-{pk}-statement-2025-03.pdf" for pk in ids)
    billed = pdf_text((tmp_path / f"lease-{portfolio['billed'].pk}-statement-2025-03.pdf").read_bytes())
    assert re.search(r"Closing balance \$55\.00 \$30\.00 \$80\.00", billed), billed
    assert "4 statements for 2025-03" in stdout.getvalue() and "2 workers" in stdout.getvalue()


@pytest.mark.parametrize("month", ["2025-3", "2025-00", "March 2025", ""])
def test_statements_command_refuses_a_bad_month(month, tmp_path):
    with pytest.raises(CommandError, match="expected a month as YYYY-MM"):
        call_command("statements", "--month", month, "--out", str(tmp_path))
    assert not any(tmp_path.iterdir())


def test_statements_command_exits_non_zero_on_a_bad_month(tmp_path):
    import subprocess
    import sys

    from django.conf import settings

    result = subprocess.run(
        [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "statements",
            "--month",
            "2025-13",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "clt.settings_test", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode != 0
    assert "expected a month as YYYY-MM" in result.stderr


def test_lease_ids_for_the_month_are_computed_in_sets(portfolio, django_assert_max_num_queries):
    from leases.management.commands.statements import statement_lease_ids

    with django_assert_max_num_queries(7):
        ids = statement_lease_ids(D(2025, 6, 1), D(2025, 6, 30))
    assert ids == sorted(portfolio[k].pk for k in ("billed", "paid_up", "in_arrears"))
    assert GroundLease.objects.filter(pk__in=ids, status="active").count() == 2


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ({"late_fee_kind": "none"}, "No late fee."),
        (
            {"late_fee_kind": "flat", "late_fee_amount": Decimal("25.00"), "grace_days": 30},
            "$25.00 when a fee is still unpaid 30 days after its due date.",
        ),
        (
            {
                "late_fee_kind": "percent",
                "late_fee_percent": Decimal("10.000"),
                "late_fee_repeat_percent": Decimal("2.500"),
                "late_fee_repeat_days": 30,
                "grace_days": 30,
            },
            "10% of the amount past due when a fee is still unpaid 30 days after its due date; "
            "2.5% of the original fee again every further 30 days.",
        ),
        (
            {
                "late_fee_kind": "escalating",
                "late_fee_amount": Decimal("5.00"),
                "late_fee_step": Decimal("5.00"),
                "late_fee_repeat_days": 30,
                "late_fee_max_assessments": 3,
                "grace_days": 14,
            },
            "$5.00 when a fee is still unpaid 14 days after its due date; $5.00 more at each further assessment, "
            "every 30 days, at most 3 times per fee.",
        ),
    ],
)
def test_late_fee_rules_in_words(rule, text):
    version = make_template_version("Rules in words", **rule)
    assert document_texts.late_fee_text(version) == text


def test_through_the_lease_page_a_homeowner_gets_only_their_own_documents(client, homeowner_user, other_homeowner_user):
    own = homeowner_user.person.leaseholdings.get().lease
    other = other_homeowner_user.person.leaseholdings.get().lease
    client.force_login(homeowner_user)
    response = client.get(f"/leases/{own.pk}/documents/summary/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"Parcel {own.parcel.apn}" in pdf_text(response.content)
    assert client.get(f"/leases/{own.pk}/documents/summary/?format=html").status_code == 200
    assert client.get(f"/leases/{other.pk}/documents/summary/").status_code == 404
    assert client.get(f"/leases/{own.pk}/documents/statement/?month=2025-13").status_code == 400
    assert client.get(f"/leases/{own.pk}/documents/default-notice/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Every column and total of the HTML page is in the PDF (issue 14 §7)
# ---------------------------------------------------------------------------------------------


class _Cells(HTMLParser):
    """The text of every table header, table cell and fact (``<dt>``/``<dd>``) of a document's HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str]] = []
        self.open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("th", "td", "dt", "dd", "caption"):
            self.open.append((tag, []))

    def handle_endtag(self, tag):
        if self.open and self.open[-1][0] == tag:
            kind, parts = self.open.pop()
            words = " ".join(" ".join(parts).split())
            if words:
                self.cells.append((kind, words))

    def handle_data(self, data):
        for _kind, parts in self.open:
            parts.append(data)


def html_cells(html: str) -> list[tuple[str, str]]:
    parser = _Cells()
    parser.feed(html)
    return parser.cells


def assert_pdf_has_every_cell(lease, kind, **params) -> list[tuple[str, str]]:
    text, _page = both(lease, kind, **params)
    html = get(lease, kind, format="html", **params).content.decode()
    cells = html_cells(html)
    missing = [cell for cell in cells if cell[1] not in text]
    assert not missing, (missing, text)
    # Money reads as dollars in both: no bare "55.00" without its "$".
    assert not re.search(r"(?<![$\d,.])\d{1,3}(?:,\d{3})*\.\d{2}(?!\d)", text), text
    return cells


def test_statement_pdf_has_every_column_and_total_of_its_page(billed):
    cells = assert_pdf_has_every_cell(billed, "statement", month="2025-03")
    headers = [words for kind, words in cells if kind == "th"]
    for column in ("Date", "Description", "Charges", "Payments", "Balance", "Closing balance", "Total past due"):
        assert column in headers
    assert ("td", "$80.00") in cells and ("td", "$125.00") not in cells  # the closing balance; 125 is a sentence


def test_lease_summary_pdf_has_every_column_and_total_of_its_page(billed, bank):
    with_mortgage(billed, bank)
    cells = assert_pdf_has_every_cell(billed, "summary")
    assert ("td", "$85,000.00") in cells  # the subsidies' total
    assert ("dd", "$182,500.00") in cells  # the purchase price
    assert ("td", "$120,000.00") in cells  # the permitted mortgage


def test_default_notice_pdf_has_every_fact_of_its_page(billed, bank):
    with_mortgage(billed, bank)
    record(
        billed,
        "default_notice_sent",
        sent_on=D(2025, 4, 28),
        received_on=D(2025, 5, 1),
        delivery_method="certified mail",
        data={"breach": BREACH, "mortgagee_received_on": "2025-05-03"},
    )
    cells = assert_pdf_has_every_cell(billed, "default-notice")
    assert ("dd", "April 28, 2025") in cells
    assert any(kind == "dd" and words.startswith("$") for kind, words in cells)  # the fees unpaid


def test_option_notice_pdf_has_every_fact_and_column_of_its_page(billed):
    start_resale(billed)
    cells = assert_pdf_has_every_cell(billed, "option-notice")
    assert ("dd", "June 2, 2025") in cells


def test_each_statement_is_written_in_its_households_language(portfolio, tmp_path):
    """A household whose letters are in Spanish gets its statement in Spanish; the others in the command's."""
    from clt.models import PreferredLanguage

    spanish = portfolio["in_arrears"]
    Person.objects.filter(leaseholdings__lease=spanish).update(preferred_language=PreferredLanguage.SPANISH)
    Person.objects.filter(leaseholdings__lease=portfolio["billed"]).update(preferred_language=PreferredLanguage.SOMALI)
    call_command(
        "statements", "--month", "2025-06", "--out", str(tmp_path), "--workers", "1",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    text = {key: pdf_text((tmp_path / f"lease-{portfolio[key].pk}-statement-2025-06.pdf").read_bytes()) for key in (
        "in_arrears", "billed", "paid_up")}  # fmt: skip
    assert "Estado de cuenta de junio 2025" in text["in_arrears"] and "$135.00" in text["in_arrears"]
    assert "Statement for" not in text["in_arrears"]
    # Somali is not a language the documents are written in: the command's language (English).
    assert "Statement for June 2025" in text["billed"] and "Statement for June 2025" in text["paid_up"]
