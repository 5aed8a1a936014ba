"""Every partners page and endpoint: other organization's member, outsider, partner guest and anonymous
are kept out (404 / login / 401-403); a role too low gets 403; another org's object is 404."""

import pytest
from django.urls import reverse

from partners import services
from partners.models import ImportRun, JourneyStage, JourneyStep, PartnerType
from pom.models import Role
from tests.factories import (
    CertificationFactory,
    ContactFactory,
    MembershipFactory,
    PartnerFactory,
    ProgramFactory,
    TierFactory,
    WorkspaceMemberFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def objs(org, journey, owner):
    partner = PartnerFactory(organization=org)
    program = ProgramFactory(organization=org)
    tier = TierFactory(program=program)
    partnership = services.partnership_create(org=org, actor=owner, partner=partner, program=program)
    return {
        "partner": partner.pk,
        "program": program.pk,
        "tier": tier.pk,
        "partnership": partnership.pk,
        "contact": ContactFactory(partner=partner).pk,
        "certification": CertificationFactory(partner=partner).pk,
        "stage": JourneyStage.objects.for_org(org).first().pk,
        "step": JourneyStep.objects.for_org(org).first().pk,
        "type": PartnerType.objects.for_org(org).first().pk,
        "run": ImportRun.objects.create(
            organization=org, original_name="x.csv", file_path="imports/x.csv", file_type="csv"
        ).pk,
    }


# (url name, arg keys, method, lowest role allowed)
PAGES = [
    ("list", [], "get", Role.VIEWER),
    ("export", [], "get", Role.VIEWER),
    ("create", [], "get", Role.MANAGER),
    ("create", [], "post", Role.MANAGER),
    ("detail", ["partner"], "get", Role.VIEWER),
    ("edit", ["partner"], "get", Role.MANAGER),
    ("edit", ["partner"], "post", Role.MANAGER),
    ("delete", ["partner"], "post", Role.ADMIN),
    ("inline", ["partner"], "post", Role.MANAGER),
    ("contact_create", ["partner"], "post", Role.MANAGER),
    ("partnership_create", ["partner"], "post", Role.MANAGER),
    ("certification_create", ["partner"], "post", Role.MANAGER),
    ("contact_edit", ["contact"], "get", Role.MANAGER),
    ("contact_edit", ["contact"], "post", Role.MANAGER),
    ("contact_delete", ["contact"], "post", Role.MANAGER),
    ("partnership_edit", ["partnership"], "get", Role.MANAGER),
    ("partnership_edit", ["partnership"], "post", Role.MANAGER),
    ("partnership_tier", ["partnership"], "post", Role.MANAGER),
    ("partnership_stage", ["partnership"], "post", Role.MANAGER),
    ("step_toggle", ["partnership", "step"], "post", Role.MANAGER),
    ("partnership_delete", ["partnership"], "post", Role.ADMIN),
    ("certifications", [], "get", Role.VIEWER),
    ("certification_delete", ["certification"], "post", Role.MANAGER),
    ("program_list", [], "get", Role.VIEWER),
    ("program_create", [], "get", Role.MANAGER),
    ("program_create", [], "post", Role.MANAGER),
    ("program_detail", ["program"], "get", Role.VIEWER),
    ("program_edit", ["program"], "get", Role.MANAGER),
    ("program_edit", ["program"], "post", Role.MANAGER),
    ("program_delete", ["program"], "post", Role.ADMIN),
    ("tier_create", ["program"], "post", Role.MANAGER),
    ("tier_edit", ["tier"], "get", Role.MANAGER),
    ("tier_edit", ["tier"], "post", Role.MANAGER),
    ("tier_delete", ["tier"], "post", Role.MANAGER),
    ("taxonomy", [], "get", Role.ADMIN),
    ("taxonomy", [], "post", Role.ADMIN),
    ("journey_edit", [], "post", Role.ADMIN),
    ("import", [], "get", Role.MANAGER),
    ("import", [], "post", Role.MANAGER),
    ("import_run", ["run"], "get", Role.MANAGER),
    ("import_run", ["run"], "post", Role.MANAGER),
    ("import_commit", ["run"], "post", Role.MANAGER),
    ("import_errors", ["run"], "get", Role.MANAGER),
]
PAGES += [("tab", ["partner", tab], "get", Role.VIEWER) for tab in ("journey", "activity", "contacts")]
PAGES += [
    ("taxonomy_term", ["type:kind", "type"], "post", Role.ADMIN),
    ("import_template", ["csv:fmt"], "get", Role.VIEWER),
]

LOWER = {Role.MANAGER: Role.VIEWER, Role.ADMIN: Role.MANAGER}


def page_url(org, objs, name, keys):
    args = []
    for key in keys:
        if key in objs:
            args.append(objs[key])
        elif ":" in key:
            args.append("type" if key.endswith(":kind") else key.split(":")[0])
        else:
            args.append(key)
    return reverse(f"partners:{name}", args=[org.slug, *args])


def _ids(case):
    return f"{case[2]}-{case[0]}-{'-'.join(map(str, case[1]))}"


@pytest.mark.parametrize("case", PAGES, ids=_ids)
def test_page_is_404_for_other_org_member_outsider_and_partner_guest(
    case, org, objs, client_for, other_member, outsider
):
    name, keys, method, _role = case
    target = page_url(org, objs, name, keys)
    guest = WorkspaceMemberFactory(workspace__organization=org).user
    for user in (other_member, outsider, guest):
        response = getattr(client_for(user), method)(target)
        assert response.status_code == 404, (user, target)


@pytest.mark.parametrize("case", PAGES, ids=_ids)
def test_page_redirects_anonymous_to_login(case, org, objs, client_for):
    name, keys, method, _role = case
    response = getattr(client_for(None), method)(page_url(org, objs, name, keys))
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("case", [c for c in PAGES if c[3] != Role.VIEWER], ids=_ids)
def test_page_is_403_for_a_role_too_low(case, org, objs, client_for):
    name, keys, method, role = case
    user = MembershipFactory(organization=org, role=LOWER[role]).user
    response = getattr(client_for(user), method)(page_url(org, objs, name, keys))
    assert response.status_code == 403


OBJECT_PAGES = [c for c in PAGES if c[1] and c[1][0] in ("partner", "contact", "partnership", "program", "tier")]


@pytest.mark.parametrize("case", OBJECT_PAGES, ids=_ids)
def test_page_for_another_orgs_object_is_404(case, org, other_org, client_for, owner, journey):
    from partners.defaults import org_defaults

    org_defaults(org=other_org)
    foreign_owner = MembershipFactory(organization=other_org, role=Role.OWNER).user
    partner = PartnerFactory(organization=other_org)
    program = ProgramFactory(organization=other_org)
    partnership = services.partnership_create(org=other_org, actor=foreign_owner, partner=partner, program=program)
    foreign = {
        "partner": partner.pk,
        "program": program.pk,
        "tier": TierFactory(program=program).pk,
        "partnership": partnership.pk,
        "contact": ContactFactory(partner=partner).pk,
        "step": JourneyStep.objects.for_org(org).first().pk,
    }
    name, keys, method, _role = case
    response = getattr(client_for(owner), method)(page_url(org, foreign, name, keys))
    assert response.status_code == 404


# API ---------------------------------------------------------------------------------------------

API = [
    ("partner-list", [], "get"),
    ("partner-list", [], "post"),
    ("partner-detail", ["partner"], "get"),
    ("partner-detail", ["partner"], "patch"),
    ("partner-detail", ["partner"], "delete"),
    ("partner-bulk-upsert", [], "post"),
    ("contact-list", [], "get"),
    ("contact-list", [], "post"),
    ("contact-detail", ["contact"], "get"),
    ("contact-detail", ["contact"], "patch"),
    ("contact-detail", ["contact"], "delete"),
    ("program-list", [], "get"),
    ("program-list", [], "post"),
    ("program-detail", ["program"], "get"),
    ("program-detail", ["program"], "patch"),
    ("tier-list", [], "get"),
    ("tier-list", [], "post"),
    ("tier-detail", ["tier"], "get"),
    ("tier-detail", ["tier"], "patch"),
    ("tier-detail", ["tier"], "delete"),
    ("partnership-list", [], "get"),
    ("partnership-list", [], "post"),
    ("partnership-detail", ["partnership"], "get"),
    ("partnership-detail", ["partnership"], "patch"),
    ("partnership-journey", ["partnership"], "get"),
    ("partnership-move-stage", ["partnership"], "post"),
    ("partnership-complete-step", ["partnership"], "post"),
    ("journey-template-list", [], "get"),
    ("certification-list", [], "get"),
    ("certification-list", [], "post"),
    ("certification-detail", ["certification"], "get"),
    ("certification-detail", ["certification"], "patch"),
    ("certification-detail", ["certification"], "delete"),
]


def api_url(org, objs, name, keys):
    return reverse(f"partners-api:{name}", args=[org.slug, *[objs[k] for k in keys]])


def _api_ids(case):
    return f"{case[2]}-{case[0]}"


@pytest.mark.parametrize("case", API, ids=_api_ids)
def test_endpoint_is_404_for_other_org_member_outsider_and_partner_guest(
    case, org, objs, api_client_for, other_member, outsider
):
    name, keys, method = case
    guest = WorkspaceMemberFactory(workspace__organization=org).user
    for user in (other_member, outsider, guest):
        response = getattr(api_client_for(user), method)(api_url(org, objs, name, keys), {}, format="json")
        assert response.status_code == 404, user


@pytest.mark.parametrize("case", API, ids=_api_ids)
def test_endpoint_rejects_anonymous(case, org, objs, api_client_for):
    name, keys, method = case
    response = getattr(api_client_for(None), method)(api_url(org, objs, name, keys), {}, format="json")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("case", [c for c in API if c[2] != "get"], ids=_api_ids)
def test_endpoint_write_is_403_for_viewer(case, org, objs, api_client_for, viewer):
    name, keys, method = case
    response = getattr(api_client_for(viewer), method)(api_url(org, objs, name, keys), {}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("case", [c for c in API if c[1]], ids=_api_ids)
def test_endpoint_for_another_orgs_object_is_404(case, org, other_org, api_client, journey):
    partner = PartnerFactory(organization=other_org)
    program = ProgramFactory(organization=other_org)
    from tests.factories import PartnershipFactory

    foreign = {
        "partner": partner.pk,
        "program": program.pk,
        "tier": TierFactory(program=program).pk,
        "partnership": PartnershipFactory(partner=partner, program=program).pk,
        "contact": ContactFactory(partner=partner).pk,
        "certification": CertificationFactory(partner=partner).pk,
    }
    name, keys, method = case
    response = getattr(api_client, method)(api_url(org, foreign, name, keys), {}, format="json")
    assert response.status_code == 404


def test_endpoint_other_orgs_api_key_is_404(org, objs, api_key_client, other_org):
    client = api_key_client("write", for_org=other_org)
    assert client.get(reverse("partners-api:partner-list", args=[org.slug])).status_code == 404
