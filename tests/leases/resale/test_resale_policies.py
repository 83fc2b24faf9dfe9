"""Resale policies: versions checked by the engine, drafts corrected, approved versions immutable."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from leases.resale import codec as resale_codec
from leases.resale import engine as resale
from leases.resale import services
from leases.resale.models import PolicyStatus, ResalePolicyVersion
from tests.factories import make_lease, make_template_version

pytestmark = pytest.mark.django_db

D = dt.date
# Houston / NMCDC style: 1.5 % a year simple on the price paid, completed years, floor at the price.
FIXED_SIMPLE = {"formula": {"family": "fixed_rate_simple", "rate": "0.015", "period": "completed_years"}}


def approve(version, **overrides):
    values = {
        "approved_on": D(2024, 5, 14),
        "effective_from": D(2024, 6, 1),
        "approval_reference": "Members' annual meeting, resolution 2024-3",
        "actor": None,
        "reason": "approved",
    }
    values.update(overrides)
    return services.resale_policy_version_approve(version=version, **values)


def test_a_policy_starts_with_a_draft_version_holding_the_engines_parameters():
    version = services.resale_policy_create(
        actor=None, reason="new program", name="Simple 1.5%", parameters=FIXED_SIMPLE
    )
    assert (version.version, version.status) == (1, PolicyStatus.DRAFT)
    policy = resale_codec.policy_from_dict(version.parameters)
    assert policy.formula == resale.FixedRateSimple(rate=resale.Decimal("0.015"))
    # Stored with every default written out, so a later engine default cannot change its meaning.
    assert version.parameters["floor"] == policy.floor.value and "rounding" in version.parameters


@pytest.mark.parametrize(
    ("parameters", "field", "reason"),
    [
        ({"formula": {"family": "fixed_rate_simple", "rate": 0.015}}, "parameters.formula.rate", "float"),
        ({"formula": {"family": "fixed_rate_simpel", "rate": "0.015"}}, "parameters.formula.family", ""),
        ({"formula": {"family": "fixed_rate_simple", "rate": "-0.01"}}, "parameters.formula.rate", ""),
        ({}, "parameters.formula", ""),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(parameters, field, reason):
    with pytest.raises(ValidationError) as error:
        services.resale_policy_create(actor=None, reason="x", name="Bad", parameters=parameters)
    assert field in error.value.message_dict, error.value.message_dict
    assert reason in error.value.message_dict[field][0]


def test_a_draft_may_be_corrected_an_approved_version_never():
    version = services.resale_policy_create(actor=None, reason="new", name="Simple", parameters=FIXED_SIMPLE)
    corrected = {"formula": {"family": "fixed_rate_simple", "rate": "0.02", "period": "completed_years"}}
    services.resale_policy_version_update(version=version, parameters=corrected, actor=None, reason="typo")
    version.refresh_from_db()
    assert version.parameters["formula"]["rate"] == "0.02"
    approve(version)
    version.refresh_from_db()
    assert (version.status, version.approved_on, version.effective_from) == (
        PolicyStatus.APPROVED,
        D(2024, 5, 14),
        D(2024, 6, 1),
    )
    with pytest.raises(ValidationError, match="cannot change; create a new version"):
        services.resale_policy_version_update(version=version, parameters=FIXED_SIMPLE, actor=None, reason="x")
    with pytest.raises(ValidationError, match="Only a draft"):
        approve(version)
    second = services.resale_policy_version_create(
        policy=version.policy, parameters=FIXED_SIMPLE, actor=None, reason="2026 review"
    )
    assert (
        second.version == 2 and ResalePolicyVersion.objects.get(pk=version.pk).parameters["formula"]["rate"] == "0.02"
    )


def test_approval_cites_its_decision_and_is_not_dated_in_the_future():
    version = services.resale_policy_create(actor=None, reason="new", name="Simple", parameters=FIXED_SIMPLE)
    with pytest.raises(ValidationError) as error:
        approve(version, approval_reference="  ")
    assert "approval_reference" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        approve(version, approved_on=dt.date.today() + dt.timedelta(days=1))
    assert "approved_on" in error.value.message_dict


def test_lease_terms_name_the_policy_version_their_leases_follow():
    version = approve(services.resale_policy_create(actor=None, reason="new", name="Simple", parameters=FIXED_SIMPLE))
    terms = make_template_version(resale_policy_version=version)
    lease = make_lease(version=terms)
    assert lease.template_version.resale_policy_version.parameters["formula"]["family"] == "fixed_rate_simple"


def test_lease_terms_may_name_only_an_approved_policy_version():
    draft = services.resale_policy_create(actor=None, reason="new", name="Draft", parameters=FIXED_SIMPLE)
    with pytest.raises(ValidationError) as error:
        make_template_version(resale_policy_version=draft)
    assert "resale_policy_version" in error.value.message_dict
