"""Every lease transition through the services: guards, deadlines from receipt, side effects, nothing half-written."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clt.models import Organization, Person
from leases.ledger import selectors as ledger_selectors
from leases.ledger import services as ledger_services
from leases.ledger.models import Charge, FeeRate, Payment
from leases.lifecycle import services as lifecycle_services
from leases.lifecycle.models import Deadline, GroundLease, LeaseEvent, PermittedMortgage
from leases.monitoring import services as monitoring_services
from leases.monitoring.models import MonitoringRecord
from tests.factories import make_lease, make_template_version

pytestmark = pytest.mark.django_db

D = dt.date


def record(lease, kind, **kwargs):
    kwargs.setdefault("reason", f"test: {kind}")
    return lifecycle_services.lease_event_record(lease=lease, kind=kind, actor=None, **kwargs)


def refused(lease, kind, field, message, **kwargs):
    """The event is refused naming ``field``, and the lease, its events and deadlines are as they were."""
    lease.refresh_from_db()
    before = (
        GroundLease.objects.filter(pk=lease.pk).values().get(),
        LeaseEvent.objects.count(),
        list(Deadline.objects.values_list("pk", "status", "due")),
    )
    with pytest.raises(ValidationError) as error:
        record(lease, kind, **kwargs)
    assert field in error.value.message_dict, error.value.message_dict
    assert message in " ".join(error.value.message_dict[field])
    after = (
        GroundLease.objects.filter(pk=lease.pk).values().get(),
        LeaseEvent.objects.count(),
        list(Deadline.objects.values_list("pk", "status", "due")),
    )
    assert after == before


def deadline(lease, kind):
    return Deadline.objects.get(lease=lease, kind=kind)


@pytest.fixture
def bank():
    return Organization.objects.create(name="Vermont Federal Credit Union", kind="lender")


def with_mortgage(lease, bank, amount="180000"):
    record(
        lease,
        "mortgage_consent_requested",
        received_on=D(2024, 1, 2),
        data={"lender": bank.pk, "amount": amount, "intended_closing": "2024-02-01"},
    )
    record(lease, "mortgage_consent_approved", effective_on=D(2024, 1, 10))
    lease.refresh_from_db()
    return lease


# --- Execution, term, renewal, expiry --------------------------------------------------------------


def test_execution_fixes_the_term_and_opens_term_deadlines():
    lease = make_lease(commencement=D(2024, 2, 29))
    assert (lease.status, lease.term_end) == ("active", D(2123, 2, 28))  # 99 years; no 29 February in 2123
    assert deadline(lease, "term_end").due == D(2123, 2, 28)
    assert deadline(lease, "renewal_notice").due == D(2122, 2, 28)  # 365 days before the end
    executed = lease.events.get()
    assert (executed.kind, executed.from_state, executed.to_state) == ("executed", "draft", "active")
    # The year's occupancy certification is requested when the lease starts.
    assert MonitoringRecord.objects.filter(lease=lease, kind="occupancy_certification").count() == 1


def test_execution_needs_leaseholders_and_recording():
    unrecorded = make_lease(execute=False, recording_instrument="")
    refused(unrecorded, "executed", "recording_instrument", "Record the lease")
    lifecycle_services.lease_update(
        lease=unrecorded, actor=None, reason="recorded", recording_book="123", recording_page="45"
    )
    record(unrecorded, "executed", effective_on=D(2020, 1, 1))
    unrecorded.refresh_from_db()
    assert unrecorded.status == "active"


def test_a_cooperative_can_hold_a_lease(bank):
    coop = Organization.objects.create(name="Elm Street Housing Cooperative", kind="housing_cooperative")
    lease = make_lease(execute=False)
    lease.leaseholders.all().delete()
    lease.organization = coop
    lease.save()
    record(lease, "executed", effective_on=D(2020, 1, 1))
    lease.refresh_from_db()
    assert lease.status == "active" and lease.leaseholder_names == "Elm Street Housing Cooperative"


def test_people_or_an_organisation_not_both():
    coop = Organization.objects.create(name="Co-op", kind="housing_cooperative")
    with pytest.raises(ValidationError, match="either by people or by an organization"):
        make_lease(people=[Person.objects.create(given_name="A")], organization=coop)


def test_one_active_lease_per_home():
    lease = make_lease()
    second = make_lease(unit=lease.unit, execute=False)
    with pytest.raises(ValidationError, match="already has an active lease"):
        record(second, "executed", effective_on=D(2021, 1, 1))


def test_renewal_extends_the_term_once_then_is_refused():
    version = make_template_version(term_years=75, renewal_terms=1, renewal_term_years=75)
    lease = make_lease(version=version, commencement=D(2001, 6, 15))
    record(lease, "renewed", effective_on=D(2025, 1, 1))
    lease.refresh_from_db()
    assert (lease.term_end, lease.renewals_used) == (D(2151, 6, 15), 1)
    assert lease.deadlines.filter(kind="term_end", status="open").get().due == D(2151, 6, 15)
    assert lease.deadlines.filter(kind="term_end", status="cancelled").get().due == D(2076, 6, 15)
    # No renewal left: no renewal-notice deadline for the new term, and a second renewal is refused.
    assert not lease.deadlines.filter(kind="renewal_notice", status="open").exists()
    refused(lease, "renewed", "kind", "allows 1 renewal and it has been used", effective_on=D(2025, 2, 1))


def test_expiry_only_after_the_term_end():
    version = make_template_version(term_years=1)
    lease = make_lease(version=version, commencement=D(2024, 1, 15))
    refused(
        lease, "expired", "effective_on", "after the deadline “Term ends” (Jan. 15, 2025)", effective_on=D(2025, 1, 15)
    )
    record(lease, "expired", effective_on=D(2025, 1, 16))
    lease.refresh_from_db()
    assert (lease.status, lease.ended_on) == ("expired", D(2025, 1, 16))
    assert not lease.deadlines.filter(status="open").exists()
    refused(lease, "default_notice_sent", "kind", "The lease is expired", received_on=D(2025, 2, 1))


# --- A. Compliance ---------------------------------------------------------------------------------


def test_cure_deadline_counts_from_receipt_not_sending():
    lease = make_lease()
    record(lease, "default_notice_sent", sent_on=D(2024, 2, 27), received_on=D(2024, 3, 4), data={"breach": "fees"})
    cure = deadline(lease, "cure")
    assert (cure.counted_from, cure.days, cure.due) == (D(2024, 3, 4), 30, D(2024, 4, 3))
    lease.refresh_from_db()
    assert lease.compliance_state == "default_noticed"


def test_cure_days_come_from_the_template_version():
    lease = make_lease(version=make_template_version(cure_days=60))
    record(lease, "default_notice_sent", received_on=D(2024, 1, 31), data={"breach": "occupancy"})
    assert deadline(lease, "cure").due == D(2024, 3, 31)  # 60 days across a leap February


def test_default_notice_needs_receipt_and_a_copy_to_the_mortgagee(bank):
    lease = with_mortgage(make_lease(), bank)
    refused(lease, "default_notice_sent", "received_on", "count from receipt", data={"breach": "fees"})
    refused(
        lease,
        "default_notice_sent",
        "data.mortgagee_received_on",
        "permitted mortgagee",
        received_on=D(2024, 3, 4),
        data={"breach": "fees"},
    )
    record(
        lease,
        "default_notice_sent",
        received_on=D(2024, 3, 4),
        data={"breach": "fees", "mortgagee_received_on": "2024-03-08"},
    )
    # The cure period runs from notice to both: the later receipt.
    assert deadline(lease, "cure").due == D(2024, 4, 7)


def test_a_notice_cannot_be_received_before_it_was_sent_or_in_the_future():
    lease = make_lease()
    refused(
        lease,
        "default_notice_sent",
        "received_on",
        "before it was sent",
        sent_on=D(2024, 3, 5),
        received_on=D(2024, 3, 4),
        data={"breach": "x"},
    )
    refused(
        lease,
        "default_notice_sent",
        "received_on",
        "in the future",
        received_on=dt.date.today() + dt.timedelta(days=3),
        data={"breach": "x"},
    )


def test_cure_in_time_is_met_late_cure_is_missed():
    lease = make_lease()
    record(lease, "default_notice_sent", received_on=D(2024, 3, 4), data={"breach": "fees"})
    record(lease, "default_cured", effective_on=D(2024, 4, 3))
    cure = deadline(lease, "cure")
    assert (cure.status, cure.settled_on) == ("met", D(2024, 4, 3))
    record(lease, "default_notice_sent", received_on=D(2024, 6, 1), data={"breach": "fees"})
    record(lease, "default_cured", effective_on=D(2024, 7, 5))
    assert lease.deadlines.filter(kind="cure").order_by("pk").last().status == "missed"


def test_uncured_only_after_the_cure_deadline():
    lease = make_lease()
    record(lease, "default_notice_sent", received_on=D(2024, 3, 4), data={"breach": "fees"})
    refused(lease, "default_uncured", "effective_on", "(April 3, 2024) has passed", effective_on=D(2024, 4, 3))
    record(lease, "default_uncured", effective_on=D(2024, 4, 4))
    lease.refresh_from_db()
    assert lease.compliance_state == "default_uncured"


def test_termination_without_a_mortgage_after_uncured_default():
    lease = make_lease()
    record(lease, "default_notice_sent", received_on=D(2024, 3, 4), data={"breach": "fees"})
    refused(lease, "terminated", "kind", "only for an uncured default", effective_on=D(2024, 3, 20))
    record(lease, "default_uncured", effective_on=D(2024, 4, 4))
    record(lease, "terminated", effective_on=D(2024, 5, 1))
    lease.refresh_from_db()
    assert (lease.status, lease.ended_on) == ("terminated", D(2024, 5, 1))
    assert set(lease.deadlines.values_list("status", flat=True)) <= {"cancelled", "met", "missed"}


def test_termination_with_a_mortgagee_needs_consent_or_a_lapsed_objection_window(bank):
    lease = with_mortgage(make_lease(), bank)
    record(
        lease,
        "default_notice_sent",
        received_on=D(2024, 3, 4),
        data={"breach": "fees", "mortgagee_received_on": "2024-03-04"},
    )
    record(lease, "default_uncured", effective_on=D(2024, 4, 4))
    refused(lease, "terminated", "kind", "mortgagee's consent", effective_on=D(2024, 4, 5))
    record(lease, "termination_notice_to_mortgagee", received_on=D(2024, 4, 10))
    assert deadline(lease, "mortgagee_objection").due == D(2024, 5, 10)
    refused(lease, "terminated", "kind", "objection window (May 10, 2024)", effective_on=D(2024, 5, 10))
    record(lease, "terminated", effective_on=D(2024, 5, 11))
    lease.refresh_from_db()
    assert lease.status == "terminated"


def test_mortgagee_consent_allows_termination_at_once_and_an_objection_sends_it_back(bank):
    lease = with_mortgage(make_lease(), bank)
    record(
        lease,
        "default_notice_sent",
        received_on=D(2024, 3, 4),
        data={"breach": "fees", "mortgagee_received_on": "2024-03-04"},
    )
    record(lease, "default_uncured", effective_on=D(2024, 4, 4))
    record(lease, "termination_notice_to_mortgagee", received_on=D(2024, 4, 10))
    record(lease, "mortgagee_objected", effective_on=D(2024, 4, 20))
    lease.refresh_from_db()
    assert lease.compliance_state == "default_uncured"
    record(lease, "termination_notice_to_mortgagee", received_on=D(2024, 5, 1))
    record(lease, "mortgagee_consented", effective_on=D(2024, 5, 3))
    record(lease, "terminated", effective_on=D(2024, 5, 4))
    lease.refresh_from_db()
    assert lease.status == "terminated"


def test_a_mortgagee_can_cure_while_termination_is_pending(bank):
    lease = with_mortgage(make_lease(), bank)
    record(
        lease,
        "default_notice_sent",
        received_on=D(2024, 3, 4),
        data={"breach": "fees", "mortgagee_received_on": "2024-03-04"},
    )
    record(lease, "default_uncured", effective_on=D(2024, 4, 4))
    record(lease, "termination_notice_to_mortgagee", received_on=D(2024, 4, 10))
    record(lease, "default_cured", effective_on=D(2024, 4, 25), data={"cured_by": "mortgagee"})
    lease.refresh_from_db()
    assert lease.compliance_state == "ok"
    assert deadline(lease, "mortgagee_objection").status == "met"


# --- B. Financing ----------------------------------------------------------------------------------


def test_consent_request_must_come_before_the_lead_time(bank):
    lease = make_lease()
    refused(
        lease,
        "mortgage_consent_requested",
        "received_on",
        "10 days before closing, by Jan. 22, 2024",
        received_on=D(2024, 1, 23),
        data={"lender": bank.pk, "amount": "150000", "intended_closing": "2024-02-01"},
    )
    record(
        lease,
        "mortgage_consent_requested",
        received_on=D(2024, 1, 22),
        data={"lender": bank.pk, "amount": "150000", "intended_closing": "2024-02-01"},
    )
    lease.refresh_from_db()
    assert lease.financing_state == "consent_pending"


def test_approval_records_the_permitted_mortgage_and_denial_goes_back(bank):
    lease = with_mortgage(make_lease(), bank)
    mortgage = PermittedMortgage.objects.get(lease=lease)
    assert (mortgage.lender, mortgage.amount, mortgage.lien_position) == (bank, Decimal("180000.00"), 1)
    # A refinance request that is denied leaves the existing mortgage in place.
    record(
        lease,
        "mortgage_consent_requested",
        received_on=D(2024, 6, 1),
        data={"lender": bank.pk, "amount": "20000", "intended_closing": "2024-07-01", "lien_position": 2},
    )
    record(lease, "mortgage_consent_denied", effective_on=D(2024, 6, 5))
    lease.refresh_from_db()
    assert lease.financing_state == "permitted_mortgage"
    record(lease, "mortgage_released", effective_on=D(2024, 8, 1))
    lease.refresh_from_db()
    assert lease.financing_state == "no_mortgage"
    assert PermittedMortgage.objects.get(lease=lease).released_on == D(2024, 8, 1)


def test_unknown_lender_is_refused(bank):
    refused(
        make_lease(),
        "mortgage_consent_requested",
        "data.lender",
        "Unknown lender",
        received_on=D(2024, 1, 2),
        data={"lender": 99999, "amount": "1", "intended_closing": "2024-02-01"},
    )


def test_lender_default_gives_the_trust_120_days_from_receipt(bank):
    lease = with_mortgage(make_lease(), bank)
    record(lease, "lender_default_notice_received", sent_on=D(2024, 2, 26), received_on=D(2024, 3, 1))
    assert deadline(lease, "lender_default_cure").due == D(2024, 6, 29)
    record(lease, "lender_default_cured", effective_on=D(2024, 5, 1))
    lease.refresh_from_db()
    assert lease.financing_state == "permitted_mortgage"
    assert deadline(lease, "lender_default_cure").status == "met"


def test_foreclosure_then_the_trust_buys_the_leasehold_at_the_balance_due(bank):
    lease = with_mortgage(make_lease(), bank)
    record(lease, "lender_default_notice_received", received_on=D(2024, 3, 1))
    record(lease, "foreclosure_commenced", effective_on=D(2024, 7, 15))
    refused(lease, "clt_purchased_leasehold", "data.price", "required", effective_on=D(2024, 8, 1))
    record(lease, "clt_purchased_leasehold", effective_on=D(2024, 8, 1), data={"price": "171250.00"})
    lease.refresh_from_db()
    assert (lease.status, lease.financing_state, lease.ended_on) == ("assigned", "no_mortgage", D(2024, 8, 1))
    assert PermittedMortgage.objects.get(lease=lease).released_on == D(2024, 8, 1)
    assert lease.events.get(kind="clt_purchased_leasehold").data["price"] == "171250.00"


# --- C. Transfer and resale --------------------------------------------------------------------------


def test_option_window_counts_from_the_signed_resale_agreement():
    lease = make_lease()
    notice = record(
        lease, "intent_to_sell_received", received_on=D(2024, 1, 10), data={"planned_transfer": "2024-03-01"}
    )
    # 90 days' notice of an intended transfer: the notice is kept, and says the plan is too soon.
    assert notice.data == {
        "planned_transfer": "2024-03-01",
        "earliest_transfer": "2024-04-09",
        "planned_transfer_too_soon": True,
    }
    assert deadline(lease, "second_appraisal_decision").due == D(2024, 1, 20)
    assert deadline(lease, "second_appraisal_delivery").due == D(2024, 2, 24)
    record(lease, "second_appraisal_ordered", effective_on=D(2024, 1, 18))
    assert deadline(lease, "second_appraisal_decision").status == "met"
    record(lease, "resale_agreement_signed", sent_on=D(2024, 2, 20), received_on=D(2024, 2, 22))
    assert deadline(lease, "second_appraisal_delivery").status == "met"
    assert deadline(lease, "option_exercise").due == D(2024, 4, 7)  # 45 days from receipt


def test_option_lapses_only_after_its_window_and_the_owner_may_then_market():
    lease = make_lease()
    record(lease, "intent_to_sell_received", received_on=D(2024, 1, 10))
    record(lease, "resale_agreement_signed", received_on=D(2024, 2, 22))
    refused(lease, "option_lapsed", "effective_on", "(April 7, 2024) has passed", effective_on=D(2024, 4, 7))
    record(lease, "option_lapsed", effective_on=D(2024, 4, 8))
    lease.refresh_from_db()
    assert lease.transfer_state == "marketing"
    assert deadline(lease, "option_exercise").status == "missed"


def test_an_extension_agreed_in_writing_moves_the_deadline_and_keeps_the_original():
    lease = make_lease()
    record(lease, "intent_to_sell_received", received_on=D(2024, 1, 10))
    record(lease, "resale_agreement_signed", received_on=D(2024, 2, 22))
    option = deadline(lease, "option_exercise")
    event = lifecycle_services.deadline_extend(
        deadline=option, new_due=D(2024, 5, 7), agreed_on=D(2024, 4, 1), actor=None, reason="letter of 1 April"
    )
    option.refresh_from_db()
    assert (option.original_due, option.due, option.extended) == (D(2024, 4, 7), D(2024, 5, 7), True)
    assert event.data == {"deadline": option.pk, "kind": "option_exercise", "from": "2024-04-07", "to": "2024-05-07"}
    # The lapse now waits for the extended date.
    refused(lease, "option_lapsed", "effective_on", "(May 7, 2024)", effective_on=D(2024, 4, 20))
    with pytest.raises(ValidationError, match="later than"):
        lifecycle_services.deadline_extend(
            deadline=option, new_due=D(2024, 5, 1), agreed_on=D(2024, 4, 2), actor=None, reason="x"
        )
    record(lease, "option_exercised", effective_on=D(2024, 5, 6), data={"exercised_by": "the trust"})
    option.refresh_from_db()
    assert option.status == "met"
    assert deadline(lease, "option_closing").due == D(2024, 7, 5)  # 60 days from exercise


def test_closing_lapse_returns_to_marketing():
    lease = make_lease()
    record(lease, "intent_to_sell_received", received_on=D(2024, 1, 10))
    record(lease, "resale_agreement_signed", received_on=D(2024, 2, 22))
    record(lease, "option_exercised", effective_on=D(2024, 3, 1), data={"exercised_by": "assignee"})
    refused(lease, "option_closing_lapsed", "effective_on", "(April 30, 2024)", effective_on=D(2024, 4, 30))
    record(lease, "option_closing_lapsed", effective_on=D(2024, 5, 1))
    lease.refresh_from_db()
    assert lease.transfer_state == "marketing"


def test_only_an_income_certified_buyer_goes_under_contract():
    lease = make_lease()
    buyer = Person.objects.create(given_name="Ana", family_name="Buyer")
    record(lease, "intent_to_sell_received", received_on=D(2024, 1, 10))
    record(lease, "resale_agreement_signed", received_on=D(2024, 1, 12))
    record(lease, "option_waived", effective_on=D(2024, 1, 20))
    refused(
        lease,
        "buyer_under_contract",
        "data.buyer_income_certified",
        "income-certified",
        effective_on=D(2024, 2, 1),
        data={"buyer": [buyer.pk], "price": "182500", "buyer_income_certified": False},
    )


CLOSING = D(2024, 3, 15)


def sell(lease, buyers, *, price="182500.00", closing=CLOSING, **data):
    record(lease, "intent_to_sell_received", received_on=D(2024, 1, 10))
    record(lease, "resale_agreement_signed", received_on=D(2024, 1, 12))
    record(lease, "option_waived", effective_on=D(2024, 1, 20))
    record(
        lease,
        "buyer_under_contract",
        effective_on=D(2024, 2, 1),
        data={"buyer": [b.pk for b in buyers], "price": price, "buyer_income_certified": True},
    )
    record(lease, "sale_closed", effective_on=closing, data={"buyers": [b.pk for b in buyers], "price": price, **data})
    lease.refresh_from_db()
    return GroundLease.objects.get(predecessor=lease)


def test_a_sale_under_a_new_lease_template_starts_a_full_term_for_the_buyer(bank):
    version = make_template_version(transfer_mode="new_lease")
    lease = with_mortgage(make_lease(version=version, commencement=D(2010, 5, 1), monthly_fee=Decimal("35.00")), bank)
    buyers = [Person.objects.create(given_name="Ana"), Person.objects.create(given_name="Luis")]
    new = sell(lease, buyers)
    assert (lease.status, lease.transfer_state, lease.ended_on) == ("superseded", "sold", D(2024, 3, 15))
    assert PermittedMortgage.objects.get(lease=lease).released_on == D(2024, 3, 15)
    assert (new.status, new.commencement, new.term_end) == ("active", D(2024, 3, 15), D(2123, 3, 15))
    assert sorted(h.person.given_name for h in new.leaseholders.all()) == ["Ana", "Luis"]
    assert new.purchase_price == Decimal("182500.00")
    assert new.fee_schedule.rates.get().amount == Decimal("35.00")
    assert new.fee_schedule.rates.get().effective == D(2024, 3, 15)
    assert new.events.get().kind == "executed"
    # The seller's lease is history, not deleted; the home has one active lease.
    assert GroundLease.objects.filter(unit=lease.unit, status="active").get() == new


def test_a_sale_under_an_assignment_template_keeps_the_remaining_term():
    version = make_template_version(transfer_mode="assign")
    lease = make_lease(version=version, commencement=D(2010, 5, 1))
    new = sell(lease, [Person.objects.create(given_name="Ana")])
    assert lease.status == "assigned"
    assert (new.commencement, new.term_end) == (D(2010, 5, 1), D(2109, 5, 1))


def test_subsidies_stay_with_the_home_and_arrears_are_collected_at_sale():
    lease = make_lease(subsidies=[("City HOME funds", Decimal("40000.00"))], monthly_fee=Decimal("50.00"))
    ledger_services.bill_month(year=2023, month=12)
    ledger_services.bill_month(year=2024, month=1)
    assert ledger_selectors.ledger_state(lease, as_of=D(2024, 3, 1)).balance == Decimal("100.00")
    new = sell(lease, [Person.objects.create(given_name="Ana")], arrears_collected="100.00")
    assert ledger_selectors.ledger_state(lease, as_of=D(2024, 3, 31)).balance == Decimal("0.00")
    assert Payment.objects.get(lease=lease).method == "closing"
    assert [(s.source, s.amount) for s in new.subsidies.all()] == [("City HOME funds", Decimal("40000.00"))]


def test_arrears_stay_on_the_books_after_the_lease_ends():
    lease = make_lease(monthly_fee=Decimal("50.00"))
    ledger_services.bill_month(year=2023, month=12)
    sell(lease, [Person.objects.create(given_name="Ana")])
    assert ledger_selectors.ledger_state(lease, as_of=D(2025, 1, 1)).balance == Decimal("50.00")


def test_death_of_an_owner_then_an_heir_assumes_the_remaining_term():
    version = make_template_version(transfer_mode="new_lease")
    owner = Person.objects.create(given_name="Ruth")
    lease = make_lease(version=version, people=[owner], commencement=D(2005, 9, 1))
    stranger = Person.objects.create(given_name="Not a leaseholder")
    refused(
        lease,
        "owner_died",
        "data.person",
        "not a leaseholder",
        effective_on=D(2024, 1, 5),
        data={"person": stranger.pk},
    )
    record(lease, "owner_died", effective_on=D(2024, 1, 5), data={"person": owner.pk})
    heir = Person.objects.create(given_name="Sam")
    record(lease, "heir_assumed", effective_on=D(2024, 4, 1), data={"heirs": [heir.pk]})
    lease.refresh_from_db()
    new = GroundLease.objects.get(predecessor=lease)
    assert (lease.status, lease.transfer_state) == ("assigned", "heir_assumed")
    # An inheritance is not a sale: the heir takes the remaining term even under a new-lease template.
    assert (new.term_end, list(new.leaseholders.values_list("person__given_name", flat=True))) == (
        D(2104, 9, 1),
        ["Sam"],
    )


def test_an_estate_may_sell_instead():
    owner = Person.objects.create(given_name="Ruth")
    lease = make_lease(people=[owner])
    record(lease, "owner_died", effective_on=D(2024, 1, 5), data={"person": owner.pk})
    record(lease, "estate_sale", effective_on=D(2024, 3, 1))
    lease.refresh_from_db()
    assert lease.transfer_state == "price_determination"


def test_events_are_append_only():
    lease = make_lease()
    event = lease.events.get()
    event.reason = "rewritten"
    with pytest.raises(ValidationError, match="append-only"):
        event.save()
    with pytest.raises(ValidationError, match="never deleted"):
        event.delete()


def test_every_change_needs_a_reason():
    lease = make_lease()
    with pytest.raises(ValidationError) as error:
        lifecycle_services.lease_event_record(
            lease=lease, kind="intent_to_sell_received", actor=None, reason="  ", received_on=D(2024, 1, 1)
        )
    assert "change_reason" in error.value.message_dict


# --- Template versions --------------------------------------------------------------------------------


def test_a_version_in_use_is_never_edited_a_new_one_is_made():
    version = make_template_version(cure_days=30)
    lease = make_lease(version=version)
    with pytest.raises(ValidationError, match="in use by 1 lease"):
        lifecycle_services.template_version_update(version=version, actor=None, reason="typo", cure_days=45)
    newer = lifecycle_services.template_version_create(
        template=version.template, actor=None, reason="2026 revision", cure_days=45
    )
    assert (newer.version, newer.cure_days, newer.option_exercise_days) == (2, 45, version.option_exercise_days)
    version.refresh_from_db()
    assert version.cure_days == 30 and lease.template_version == version


# --- The fee ledger ---------------------------------------------------------------------------------------


def test_increase_cap_is_checked_on_entry():
    lease = make_lease(
        version=make_template_version(max_increase_pct=Decimal("5"), max_increases_per_year=1),
        monthly_fee=Decimal("40.00"),
    )
    with pytest.raises(ValidationError) as error:
        ledger_services.fee_rate_change(
            lease=lease, effective=D(2021, 1, 1), amount=Decimal("42.01"), actor=None, reason="x"
        )
    assert "5.00%" in error.value.message_dict["amount"][0]
    ledger_services.fee_rate_change(
        lease=lease, effective=D(2021, 1, 1), amount=Decimal("42.00"), actor=None, reason="CPI"
    )
    with pytest.raises(ValidationError) as error:
        ledger_services.fee_rate_change(
            lease=lease, effective=D(2021, 6, 1), amount=Decimal("43.00"), actor=None, reason="x"
        )
    assert "effective" in error.value.message_dict
    # A reduction is always allowed.
    ledger_services.fee_rate_change(
        lease=lease, effective=D(2021, 7, 1), amount=Decimal("30.00"), actor=None, reason="hardship"
    )
    assert list(FeeRate.objects.filter(schedule__lease=lease).values_list("amount", flat=True)) == [
        Decimal("40.00"),
        Decimal("42.00"),
        Decimal("30.00"),
    ]


def test_billing_is_idempotent_and_follows_rates_and_suspensions():
    lease = make_lease(commencement=D(2024, 1, 1), monthly_fee=Decimal("40.00"))
    ledger_services.fee_rate_change(
        lease=lease, effective=D(2024, 3, 1), amount=Decimal("41.50"), actor=None, reason="CPI"
    )
    ledger_services.fee_suspend(
        lease=lease, start=D(2024, 4, 1), end=D(2024, 4, 30), actor=None, reason="hardship letter"
    )
    for month in (1, 2, 3, 4, 5):
        ledger_services.bill_month(year=2024, month=month)
    again = ledger_services.bill_month(year=2024, month=5)
    assert (again.fees_created, again.late_fees_created) == (0, 0)
    fees = Charge.objects.filter(lease=lease, kind="fee").order_by("due")
    assert [(c.due, c.amount) for c in fees] == [
        (D(2024, 1, 1), Decimal("40.00")),
        (D(2024, 2, 1), Decimal("40.00")),
        (D(2024, 3, 1), Decimal("41.50")),
        (D(2024, 5, 1), Decimal("41.50")),
    ]
    with pytest.raises(ValidationError, match="already billed"):
        ledger_services.fee_rate_change(
            lease=lease, effective=D(2024, 5, 1), amount=Decimal("10"), actor=None, reason="x"
        )


def test_only_active_leases_are_billed():
    draft = make_lease(execute=False, commencement=D(2024, 1, 1))
    active = make_lease(commencement=D(2024, 1, 1))
    report = ledger_services.bill_month(year=2024, month=2)
    assert report.fees_created == 1
    assert Charge.objects.filter(lease=active).count() == 1 and not Charge.objects.filter(lease=draft).exists()


def test_late_fees_by_rule_payments_oldest_first_reversal_and_waiver():
    # CHT-NC: after 30 days, 10% of the past-due amount, then 10% of the original for each further 30 days.
    version = make_template_version(
        due_day=1,
        grace_days=30,
        late_fee_kind="percent",
        late_fee_percent=Decimal("10"),
        late_fee_repeat_percent=Decimal("10"),
        late_fee_repeat_days=30,
    )
    lease = make_lease(version=version, commencement=D(2024, 1, 1), monthly_fee=Decimal("250.00"))
    # Entered before January is billed: billing a past month assesses its late fees as of the month's end.
    ledger_services.payment_record(
        lease=lease, amount=Decimal("100.00"), received_on=D(2024, 1, 20), actor=None, reason="cheque"
    )
    ledger_services.bill_month(year=2024, month=1)
    ledger_services.bill_month(year=2024, month=2)
    late = Charge.objects.filter(lease=lease, kind="late_fee").order_by("due")
    assert [(c.due, c.amount, c.sequence) for c in late] == [(D(2024, 1, 31), Decimal("15.00"), 1)]  # 10% of 150
    ledger_services.bill_month(year=2024, month=3)
    late = Charge.objects.filter(lease=lease, kind="late_fee").order_by("due", "pk")
    # By 31 March: January's fee, still unpaid, draws 10% of the original 250 every further 30 days (1 and 31
    # March); February's first is 2 March, March's own first is 31 March.
    assert [(c.due, c.amount) for c in late] == [
        (D(2024, 1, 31), Decimal("15.00")),
        (D(2024, 3, 1), Decimal("25.00")),
        (D(2024, 3, 2), Decimal("25.00")),
        (D(2024, 3, 31), Decimal("25.00")),
        (D(2024, 3, 31), Decimal("25.00")),
    ]
    state = ledger_selectors.ledger_state(lease, as_of=D(2024, 3, 31))
    assert state.balance == Decimal("250.00") * 3 + Decimal("115.00") - Decimal("100.00")
    # A payment goes to the oldest charge first: January's fee, then its late fee, then February's.
    payment = ledger_services.payment_record(
        lease=lease, amount=Decimal("200.00"), received_on=D(2024, 3, 10), actor=None, reason="cheque"
    )
    state = ledger_selectors.ledger_state(lease, as_of=D(2024, 3, 31))
    january = Charge.objects.get(lease=lease, kind="fee", period=D(2024, 1, 1))
    first_late = late[0]
    assert state.open_by_charge[str(january.pk)] == Decimal("0.00")
    assert state.open_by_charge[str(first_late.pk)] == Decimal("0.00")
    # The cheque bounces: the arrears come back.
    ledger_services.payment_reverse(payment=payment, reversed_on=D(2024, 3, 20), actor=None, reason="returned NSF")
    assert ledger_selectors.ledger_state(lease, as_of=D(2024, 3, 31)).balance == Decimal("765.00")
    with pytest.raises(ValidationError, match="already reversed"):
        ledger_services.payment_reverse(payment=payment, reversed_on=D(2024, 3, 21), actor=None, reason="x")
    # A waiver in writing forgives a late fee, never more than is unpaid.
    with pytest.raises(ValidationError, match="cannot exceed"):
        ledger_services.charge_waive(
            charge=late[1], amount=Decimal("25.01"), granted_on=D(2024, 3, 25), actor=None, reason="x"
        )
    ledger_services.charge_waive(
        charge=late[1], amount=Decimal("25.00"), granted_on=D(2024, 3, 25), actor=None, reason="first time"
    )
    assert ledger_selectors.ledger_state(lease, as_of=D(2024, 3, 31)).balance == Decimal("740.00")


def test_ageing_at_a_date():
    lease = make_lease(commencement=D(2024, 1, 1), monthly_fee=Decimal("40.00"))
    for month in (1, 2, 3, 4):
        ledger_services.bill_month(year=2024, month=month)
    ageing = ledger_selectors.ledger_ageing(lease, as_of=D(2024, 4, 15))
    # 1 Apr: 14 days; 1 Mar: 45; 1 Feb: 74; 1 Jan: 105 days past due.
    assert (ageing.days_0_30, ageing.days_31_60, ageing.days_61_90, ageing.over_90, ageing.total) == (
        Decimal("40.00"),
        Decimal("40.00"),
        Decimal("40.00"),
        Decimal("40.00"),
        Decimal("160.00"),
    )


def test_payment_in_the_future_is_refused():
    lease = make_lease()
    with pytest.raises(ValidationError) as error:
        ledger_services.payment_record(
            lease=lease,
            amount=Decimal("40.00"),
            received_on=dt.date.today() + dt.timedelta(days=1),
            actor=None,
            reason="x",
        )
    assert "received_on" in error.value.message_dict


# --- Monitoring -----------------------------------------------------------------------------------------


def test_occupancy_certification_below_the_lease_minimum_cannot_be_accepted():
    lease = make_lease(version=make_template_version(occupancy_months_per_year=10))
    record_ = monitoring_services.occupancy_certify(
        lease=lease, year=2025, months_occupied=8, actor=None, reason="online"
    )
    assert (record_.status, record_.months_occupied) == ("submitted", 8)
    with pytest.raises(ValidationError, match="fewer than the 10"):
        monitoring_services.monitoring_review(record=record_, status="accepted", actor=None, reason="ok")
    monitoring_services.monitoring_review(record=record_, status="rejected", actor=None, reason="follow up")
    again = monitoring_services.occupancy_certify(
        lease=lease, year=2025, months_occupied=12, actor=None, reason="corrected"
    )
    assert again.pk == record_.pk
    monitoring_services.monitoring_review(record=again, status="accepted", actor=None, reason="ok")
    with pytest.raises(ValidationError, match="already accepted"):
        monitoring_services.occupancy_certify(lease=lease, year=2025, months_occupied=12, actor=None, reason="again")


@pytest.mark.today("2026-12-07")
def test_occupancy_is_certified_only_for_the_leases_own_years():
    lease = make_lease(commencement=dt.date(2022, 3, 1))
    for year in (1900, 2021, 2027, 2200):
        with pytest.raises(ValidationError) as error:
            monitoring_services.occupancy_certify(
                lease=lease, year=year, months_occupied=12, actor=None, reason="owner"
            )
        assert error.value.message_dict == {
            "year": [f"{year} is not a year of this lease: certify a year from 2022 to 2026."]
        }
    assert sorted(lease.monitoring.filter(kind="occupancy_certification").values_list("year", flat=True)) == [2026]
    for year in (2022, 2026):
        record_ = monitoring_services.occupancy_certify(
            lease=lease, year=year, months_occupied=12, actor=None, reason="owner"
        )
        assert (record_.year, record_.status) == (year, "submitted")


@pytest.mark.today("2026-12-07")
def test_a_lease_begun_after_this_years_due_date_certifies_the_year_it_was_asked_for():
    # Due 31 January: a lease begun in March 2026 is first asked for 2027, and may answer it now.
    lease = make_lease(commencement=dt.date(2026, 3, 1))
    assert list(lease.monitoring.filter(kind="occupancy_certification").values_list("year", flat=True)) == [2027]
    assert (
        monitoring_services.occupancy_certify(lease=lease, year=2027, months_occupied=9, actor=None, reason="x").year
        == 2027
    )
    assert (
        monitoring_services.occupancy_certify(lease=lease, year=2026, months_occupied=9, actor=None, reason="x").year
        == 2026
    )
    for year in (2025, 2028):
        with pytest.raises(ValidationError, match=f"{year} is not a year of this lease: .* from 2026 to 2026"):
            monitoring_services.occupancy_certify(lease=lease, year=year, months_occupied=9, actor=None, reason="x")


@pytest.mark.today("2026-12-07")
def test_a_lease_past_its_term_certifies_no_year_after_it():
    lease = make_lease(version=make_template_version(term_years=5), commencement=dt.date(2020, 1, 1))
    assert (lease.status, lease.term_end) == ("active", dt.date(2025, 1, 1))
    with pytest.raises(ValidationError, match="2026 is not a year of this lease: certify a year from 2020 to 2025"):
        monitoring_services.occupancy_certify(lease=lease, year=2026, months_occupied=12, actor=None, reason="x")
    assert (
        monitoring_services.occupancy_certify(lease=lease, year=2025, months_occupied=12, actor=None, reason="x").year
        == 2025
    )


def test_inspections_need_notice_and_at_most_one_a_year():
    from django.utils import timezone

    lease = make_lease()
    when = timezone.make_aware(dt.datetime(2025, 5, 10, 10, 0))
    with pytest.raises(ValidationError, match="48 hours"):
        monitoring_services.monitoring_create(
            lease=lease,
            kind="inspection",
            actor=None,
            reason="annual",
            scheduled_for=when,
            notice_sent_at=when - dt.timedelta(hours=47),
            due=when.date(),
        )
    monitoring_services.monitoring_create(
        lease=lease,
        kind="inspection",
        actor=None,
        reason="annual",
        scheduled_for=when,
        notice_sent_at=when - dt.timedelta(hours=48),
        due=when.date(),
    )
    later = when + dt.timedelta(days=200)
    with pytest.raises(ValidationError, match="1 inspection"):
        monitoring_services.monitoring_create(
            lease=lease,
            kind="inspection",
            actor=None,
            reason="again",
            scheduled_for=later,
            notice_sent_at=later - dt.timedelta(days=3),
            due=later.date(),
        )


def test_a_late_fee_rule_that_cannot_work_is_refused_on_the_field_it_names():
    with pytest.raises(ValidationError) as error:
        make_template_version(late_fee_kind="flat", late_fee_amount=Decimal("0"))
    assert "late_fee_amount" in error.value.message_dict
    lease = make_lease()
    with pytest.raises(ValidationError) as error:
        ledger_services.fee_schedule_update(lease=lease, actor=None, reason="x", late_fee_kind="percent")
    assert "late_fee_percent" in error.value.message_dict
    ledger_services.fee_schedule_update(
        lease=lease,
        actor=None,
        reason="board policy",
        late_fee_kind="escalating",
        late_fee_amount=Decimal("5"),
        late_fee_step=Decimal("5"),
        grace_days=14,
        late_fee_repeat_days=30,
    )
    lease.fee_schedule.refresh_from_db()
    assert lease.fee_schedule.late_fee_rule().step == Decimal("5")


def test_pcclt_escalating_late_fees_five_ten_fifteen():
    version = make_template_version(
        due_day=1,
        grace_days=14,
        late_fee_kind="escalating",
        late_fee_amount=Decimal("5.00"),
        late_fee_step=Decimal("5.00"),
        late_fee_repeat_days=30,
    )
    lease = make_lease(version=version, commencement=D(2024, 1, 1), monthly_fee=Decimal("40.00"))
    ledger_services.bill_month(year=2024, month=1)
    ledger_services.bill_month(year=2024, month=2)
    ledger_services.bill_month(year=2024, month=3)
    january = Charge.objects.get(lease=lease, kind="fee", period=D(2024, 1, 1))
    assert [(c.due, c.amount) for c in january.late_fees.order_by("sequence")] == [
        (D(2024, 1, 15), Decimal("5.00")),  # late on the 15th
        (D(2024, 2, 14), Decimal("10.00")),
        (D(2024, 3, 15), Decimal("15.00")),
    ]


def test_a_homeowner_may_start_only_their_own_notice_of_intent(homeowner_user, other_homeowner_user):
    from django.core.exceptions import PermissionDenied

    own = homeowner_user.person.leaseholdings.get().lease
    other = other_homeowner_user.person.leaseholdings.get().lease
    with pytest.raises(PermissionDenied):
        lifecycle_services.lease_event_record(
            lease=own, kind="default_cured", actor=homeowner_user, reason="x", effective_on=D(2024, 1, 1)
        )
    with pytest.raises(PermissionDenied):
        lifecycle_services.lease_event_record(
            lease=other, kind="intent_to_sell_received", actor=homeowner_user, reason="x", received_on=D(2024, 1, 1)
        )
    event = lifecycle_services.lease_event_record(
        lease=own, kind="intent_to_sell_received", actor=homeowner_user, reason="moving", received_on=D(2024, 1, 1)
    )
    assert event.actor == homeowner_user


def test_a_cooperatives_contact_sees_its_lease_and_ledger(db):
    from clt import roles
    from leases.ledger.models import Charge as ChargeModel
    from tests.conftest import make_user

    contact_user = make_user("coopcontact", person=True)
    coop = Organization.objects.create(
        name="Elm Street Housing Cooperative", kind="housing_cooperative", contact=contact_user.person
    )
    lease = make_lease(execute=False, commencement=D(2024, 1, 1), monthly_fee=Decimal("120.00"))
    lease.leaseholders.all().delete()
    lease.organization = coop
    lease.save()
    record(lease, "executed", effective_on=D(2024, 1, 1))
    ledger_services.bill_month(year=2024, month=1)
    user = type(contact_user).objects.get(pk=contact_user.pk)
    assert roles.user_roles(user) == {"homeowner"}
    assert list(GroundLease.objects.visible_to(user)) == [lease]
    assert ChargeModel.objects.visible_to(user).get().amount == Decimal("120.00")


def test_a_statement_ending_before_it_starts_is_refused():
    with pytest.raises(ValidationError) as error:
        ledger_selectors.ledger_lines(make_lease(), start=D(2024, 2, 1), end=D(2024, 1, 1))
    assert "end" in error.value.message_dict
