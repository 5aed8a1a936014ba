"""A partner that is itself on POM maps its own accounts, with its owner's consent (the one cross-tenant read)."""

from django.urls import reverse

from attribution import mapping_selectors
from attribution.mapping_models import AccountMap, AccountMatch, PartnerAccount
from tests.factories import AccountFactory, MembershipFactory, OpportunityFactory
from tests.mapping.conftest import make_scene, opt_in_both, recompute


def test_the_partner_organizations_accounts_are_read_only_with_its_owners_consent(
    org, other_org, admin_user, client_for, django_capture_on_commit_callbacks
):
    scene = make_scene(org)
    scene.partnership.partner.linked_organization = other_org
    scene.partnership.partner.save()
    MembershipFactory(organization=other_org, user=scene.partner_owner, role="owner")
    MembershipFactory(organization=other_org, user=scene.partner_editor, role="manager")
    AccountFactory(organization=org, name="Globex Corporation", domain="globex.com", type="customer")
    theirs = AccountFactory(organization=other_org, name="Globex (their CRM)", domain="www.globex.com", type="prospect")
    OpportunityFactory(organization=other_org, account=theirs, status="open")
    AccountFactory(organization=other_org, name="Their Secret Customer", domain="secret.example", type="customer")
    account_map = opt_in_both(scene, admin_user)
    assert mapping_selectors.linked_partner_accounts(account_map=account_map) == []  # no owner consent yet

    url = reverse("workspaces:mapping_action", args=[scene.ws, "linked"])
    assert client_for(scene.partner_editor).post(url).status_code == 403  # a manager there, not its owner
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(scene.partner_owner).post(url).status_code == 302
    account_map = recompute(AccountMap.objects.for_org(org).get(pk=account_map.pk))
    assert account_map.source == "linked" and account_map.linked_consent_by == scene.partner_owner
    copied = dict(PartnerAccount.objects.for_org(org).values_list("name", "population"))
    assert copied == {"Globex (their CRM)": "opportunity", "Their Secret Customer": "customer"}
    assert AccountMatch.objects.for_org(org).get().partner_account.name == "Globex (their CRM)"

    client_for(scene.partner_owner).post(reverse("workspaces:mapping_action", args=[scene.ws, "unlinked"]))
    assert not PartnerAccount.objects.for_org(org).exists() and not AccountMatch.objects.for_org(org).exists()
