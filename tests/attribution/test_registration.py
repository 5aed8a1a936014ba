import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from attribution import registrations, selectors
from attribution.models import AttributionConfig, DealRegistration, OpportunityPartner, RegistrationEvent
from pom.models import AuditEvent
from tests.factories import AccountFactory, OpportunityFactory, PartnershipFactory


def submit(org, actor, partnership, name="Globex Corporation", domain="globex.com", **extra):
    data = {
        "customer_name": name,
        "customer_domain": domain,
        "value": Decimal("50000"),
        "currency": "EUR",
        "products": ["Nimbus Vault"],
        "expected_close": datetime.date.today() + datetime.timedelta(days=60),
        "notes": "",
        "via": "partner",
        **extra,
    }
    return registrations.registration_submit(org=org, actor=actor, partnership=partnership, **data)


@pytest.fixture
def alpha(org):
    return PartnershipFactory(partner__organization=org, partner__name="Alpha Consulting")


@pytest.fixture
def beta(org):
    return PartnershipFactory(partner__organization=org, partner__name="Beta Systems")


def test_submit_without_overlap_has_no_conflicts(org, member, alpha):
    reg = submit(org, member, alpha)
    assert reg.status == DealRegistration.Status.SUBMITTED
    assert reg.conflicts == []
    assert reg.customer_domain == "globex.com"
    assert [e.kind for e in selectors.registration_trail(org=org, registration=reg, partner_view=True)] == ["submitted"]


def test_submit_same_domain_of_another_partnership_conflicts(org, member, alpha, beta):
    first = submit(org, member, alpha, domain="https://www.Globex.com/contact")
    second = submit(org, member, beta, name="Totally Different Name", domain="globex.com")
    assert [c["registration_id"] for c in second.conflicts] == [first.id]
    assert second.conflicts[0]["match"] == "domain"
    assert "Alpha Consulting" in second.conflicts[0]["message"]
    assert "Alpha" not in second.conflicts[0]["partner_message"]


def test_submit_similar_name_conflicts_after_stripping_legal_suffix(org, member, alpha, beta):
    submit(org, member, alpha, name="Globex Corporation", domain="")
    second = submit(org, member, beta, name="GLOBEX Corp.", domain="")
    assert second.conflicts and second.conflicts[0]["match"] == "name"


def test_submit_close_spelling_conflicts_but_different_company_does_not(org, member, alpha, beta):
    submit(org, member, alpha, name="Initech Solutions", domain="")
    close = submit(org, member, beta, name="Initech Solution", domain="")
    other = submit(org, member, beta, name="Umbrella Health", domain="")
    assert close.conflicts
    assert not [c for c in other.conflicts if c["kind"] == "registration"]


def test_submit_same_partnership_twice_is_not_a_conflict(org, member, alpha):
    submit(org, member, alpha)
    assert submit(org, member, alpha).conflicts == []


def test_submit_ignores_expired_windows_and_rejected_registrations(org, member, alpha, beta):
    old = submit(org, member, alpha)
    old.status = DealRegistration.Status.APPROVED
    old.protection_until = datetime.date.today() - datetime.timedelta(days=1)
    old.save()
    rejected = submit(org, member, alpha, name="Globex Corp", domain="globex.com")
    rejected.status = DealRegistration.Status.REJECTED
    rejected.save()
    assert submit(org, member, beta).conflicts == []


def test_submit_conflicts_with_an_approved_registration_inside_its_window(org, member, alpha, beta):
    old = submit(org, member, alpha)
    old.status = DealRegistration.Status.APPROVED
    old.protection_until = datetime.date.today() + datetime.timedelta(days=10)
    old.save()
    assert submit(org, member, beta).conflicts[0]["status"] == "approved"


def test_submit_customer_already_in_open_pipeline_conflicts(org, member, alpha):
    account = AccountFactory(organization=org, name="Globex", domain="globex.com")
    OpportunityFactory(organization=org, account=account, status="open")
    reg = submit(org, member, alpha)
    assert [c["kind"] for c in reg.conflicts] == ["pipeline"]


def test_submit_customer_with_only_closed_deals_is_not_a_conflict(org, member, alpha):
    account = AccountFactory(organization=org, name="Globex", domain="globex.com")
    OpportunityFactory(organization=org, account=account, status="won", closed_on=datetime.date.today())
    assert submit(org, member, alpha).conflicts == []


def test_submit_vendor_own_domain_is_refused_and_nothing_saved(org, member, alpha):
    AttributionConfig.objects.create(organization=org, own_domains=["nimbus.example"])
    with pytest.raises(ValidationError) as err:
        submit(org, member, alpha, domain="sales.nimbus.example")
    assert "customer_domain" in err.value.message_dict
    assert not DealRegistration.objects.exists()


def test_submit_partnership_of_another_org_is_refused(org, other_org, member):
    foreign = PartnershipFactory(partner__organization=other_org)
    with pytest.raises(ValidationError) as err:
        submit(org, member, foreign)
    assert "partnership" in err.value.message_dict


@pytest.mark.parametrize(
    ("field", "value"),
    [("value", "-10"), ("currency", "EUO"), ("currency", "euros")],
)
def test_submit_bad_value_or_currency_names_the_field(org, member, alpha, field, value):
    with pytest.raises(ValidationError) as err:
        submit(org, member, alpha, **{field: value})
    assert field in err.value.message_dict
    assert not DealRegistration.objects.exists()


def test_approve_creates_opportunity_with_partnership_sourced(org, member, alpha):
    reg = submit(org, member, alpha)
    reg = registrations.registration_approve(org=org, actor=member, registration=reg)
    assert reg.status == DealRegistration.Status.APPROVED
    assert reg.protection_until == timezone.localdate() + datetime.timedelta(days=90)
    link = OpportunityPartner.objects.get(opportunity=reg.opportunity)
    assert (link.partnership, link.role) == (alpha, "sourced")
    assert reg.opportunity.amount == Decimal("50000.00")
    assert AuditEvent.objects.filter(verb="registration.approved", object_id=str(reg.pk)).exists()


def test_approve_links_an_existing_opportunity(org, member, alpha):
    opp = OpportunityFactory(organization=org)
    reg = submit(org, member, alpha, name=opp.account.name, domain=opp.account.domain)
    reg = registrations.registration_approve(org=org, actor=member, registration=reg, opportunity=opp)
    assert reg.opportunity == opp
    assert OpportunityPartner.objects.get(opportunity=opp).role == "sourced"


def test_approve_second_in_without_reason_is_refused_first_in_wins(org, member, alpha, beta):
    submit(org, member, alpha)
    second = submit(org, member, beta)
    with pytest.raises(ValidationError) as err:
        registrations.registration_approve(org=org, actor=member, registration=second)
    assert "override_reason" in err.value.message_dict
    second.refresh_from_db()
    assert second.status == DealRegistration.Status.SUBMITTED


def test_approve_second_in_with_written_reason_overrides(org, member, alpha, beta):
    submit(org, member, alpha)
    second = submit(org, member, beta)
    reg = registrations.registration_approve(
        org=org, actor=member, registration=second, override_reason="Beta owns the customer relationship"
    )
    assert reg.status == DealRegistration.Status.APPROVED
    assert reg.decision_reason == "Beta owns the customer relationship"
    internal = selectors.registration_trail(org=org, registration=reg, partner_view=False)
    partner = selectors.registration_trail(org=org, registration=reg, partner_view=True)
    assert "override" in [e.kind for e in internal]
    assert "override" not in [e.kind for e in partner]


def test_approve_first_in_needs_no_reason_even_if_later_ones_conflict(org, member, alpha, beta):
    first = submit(org, member, alpha)
    submit(org, member, beta)
    assert registrations.registration_approve(org=org, actor=member, registration=first).status == "approved"


def test_reject_requires_a_reason(org, member, alpha):
    reg = submit(org, member, alpha)
    with pytest.raises(ValidationError) as err:
        registrations.registration_reject(org=org, actor=member, registration=reg, reason="  ")
    assert "reason" in err.value.message_dict
    reg = registrations.registration_reject(org=org, actor=member, registration=reg, reason="Existing customer")
    assert reg.status == "rejected"
    assert reg.decided_at is not None


def test_request_info_then_partner_answers_returns_to_review(org, member, alpha):
    reg = submit(org, member, alpha)
    reg = registrations.registration_request_info(
        org=org, actor=member, registration=reg, message="Who is the sponsor?"
    )
    assert reg.status == "info_requested"
    reg = registrations.registration_respond_info(org=org, actor=member, registration=reg, message="The CFO")
    assert reg.status == "submitted"
    kinds = [e.kind for e in selectors.registration_trail(org=org, registration=reg, partner_view=True)]
    assert kinds == ["submitted", "info_requested", "info_provided"]


def test_decided_registration_cannot_be_decided_again(org, member, alpha):
    reg = submit(org, member, alpha)
    registrations.registration_reject(org=org, actor=member, registration=reg, reason="No")
    with pytest.raises(ValidationError):
        registrations.registration_approve(org=org, actor=member, registration=reg)


def test_expire_due_ends_only_past_windows(org, member, alpha, beta):
    old = registrations.registration_approve(org=org, actor=member, registration=submit(org, member, alpha))
    fresh = registrations.registration_approve(
        org=org, actor=member, registration=submit(org, member, beta, name="Hooli", domain="hooli.com")
    )
    DealRegistration.objects.filter(pk=old.pk).update(protection_until=datetime.date.today() - datetime.timedelta(1))
    assert registrations.registration_expire_due(org=org) == 1
    assert registrations.registration_expire_due(org=org) == 0
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == ("expired", "approved")
    assert RegistrationEvent.objects.filter(registration=old, kind="expired", visible_to_partner=True).exists()


def test_registration_list_for_a_partner_shows_only_its_own(org, member, alpha, beta, other_org):
    mine = submit(org, member, alpha)
    submit(org, member, beta, name="Hooli", domain="hooli.com")
    assert list(selectors.registration_list(org=org, partnership_ids=[alpha.id])) == [mine]
    assert list(selectors.registration_list(org=other_org)) == []
    assert selectors.registration_list(org=org, status="submitted").count() == 2
