"""Audit events: written by services with actor and changed fields, readable by admins only."""

import pytest
from django.urls import reverse

from pom import services
from pom.models import ApiKey, AuditEvent, Role
from tests.factories import MembershipFactory


def _events(org, **filters):
    return list(AuditEvent.objects.for_org(org).filter(**filters).order_by("id"))


@pytest.mark.django_db
def test_org_update_from_settings_records_changed_fields(client_for, admin_user, org):
    response = client_for(admin_user).post(
        reverse("org_settings", args=[org.slug]),
        {
            "name": "Nimbus Cloud GmbH",
            "size_band": org.size_band,
            "region": "NAM",
            "industry": org.industry,
            "currency": "usd",
            "fiscal_year_start_month": org.fiscal_year_start_month,
        },
    )
    assert response.status_code == 302
    (event,) = _events(org, object_type="pom.organization", action="update")
    assert event.actor_user == admin_user
    assert event.changes == {
        "name": ["Nimbus Cloud", "Nimbus Cloud GmbH"],
        "region": [org.region, "NAM"],
        "currency": ["EUR", "USD"],
    }


@pytest.mark.django_db
def test_member_role_change_records_actor_and_fields(org, owner):
    membership = MembershipFactory(organization=org, role=Role.VIEWER)
    services.membership_set_role(org=org, actor=owner, membership=membership, role=Role.ADMIN)
    (event,) = _events(org, object_type="pom.membership", action="update")
    assert (event.actor_user, event.object_id, event.changes) == (
        owner,
        str(membership.pk),
        {"role": ["viewer", "admin"]},
    )


@pytest.mark.django_db
def test_api_key_create_and_revoke_are_audited(org, owner):
    key, _ = services.api_key_create(org=org, actor=owner, name="ERP", scope="write")
    services.api_key_revoke(org=org, actor=owner, key=key)
    created, revoked = _events(org, object_type="pom.apikey")
    assert (created.action, created.changes["scope"], created.actor_label) == (
        "create",
        [None, "write"],
        owner.display_name,
    )
    assert "key_hash" in created.changes  # the hash, never the raw key
    assert (revoked.action, revoked.verb) == ("action", "revoked")


@pytest.mark.django_db
def test_api_key_actor_is_recorded_for_key_writes(org, owner):
    key, _ = services.api_key_create(org=org, actor=owner, name="Sync", scope="write")
    from pom.audit import audit_action

    audit_action(org=org, actor=key, obj=org, verb="synced", changes={"rows": 3})
    (event,) = _events(org, verb="synced")
    assert event.actor_api_key == key and event.actor_user is None
    assert event.actor_label == f"API key Sync ({key.prefix}…)"


@pytest.mark.django_db
def test_audit_page_shows_changes_readably_for_admin(client_for, admin_user, org, owner):
    membership = MembershipFactory(organization=org, role=Role.VIEWER)
    services.membership_set_role(org=org, actor=owner, membership=membership, role=Role.MANAGER)
    page = client_for(admin_user).get(reverse("org_audit", args=[org.slug]), {"object_type": "pom.membership"})
    body = page.content.decode()
    assert "<del>viewer</del> → <ins>manager</ins>" in body
    assert owner.display_name in body
    assert 'badge-info">API<' not in body


@pytest.mark.django_db
def test_audit_page_filters_by_object(client_for, admin_user, org, owner):
    key, _ = services.api_key_create(org=org, actor=owner, name="Only this", scope="read")
    services.api_key_create(org=org, actor=owner, name="Not that", scope="read")
    page = client_for(admin_user).get(
        reverse("org_audit", args=[org.slug]), {"object_type": "pom.apikey", "object_id": key.pk}
    )
    body = page.content.decode()
    assert "Only this" in body and "Not that" not in body


@pytest.mark.django_db
def test_audit_api_lists_trail_of_one_object_for_admin(api_client_for, admin_user, org, owner):
    membership = MembershipFactory(organization=org, role=Role.VIEWER)
    services.membership_set_role(org=org, actor=owner, membership=membership, role=Role.MANAGER)
    services.membership_set_role(
        org=org, actor=owner, membership=MembershipFactory(organization=org, role=Role.VIEWER), role=Role.MANAGER
    )
    response = api_client_for(admin_user).get(
        reverse("pom-api:audit-event-list", args=[org.slug]),
        {"object_type": "pom.membership", "object_id": membership.pk},
    )
    assert response.status_code == 200
    assert [row["object_id"] for row in response.json()["results"]] == [str(membership.pk)]


@pytest.mark.django_db
def test_audit_is_not_readable_by_manager(client_for, api_client_for, member, org):
    assert client_for(member).get(reverse("org_audit", args=[org.slug])).status_code == 403
    assert api_client_for(member).get(reverse("pom-api:audit-event-list", args=[org.slug])).status_code == 403


@pytest.mark.django_db
def test_audit_page_and_api_query_count_is_bounded(
    client_for, api_client_for, admin_user, org, owner, django_assert_max_num_queries
):
    client, api = client_for(admin_user), api_client_for(admin_user)
    for size in (5, 60):
        for n in range(size):
            services.api_key_create(org=org, actor=owner, name=f"k{size}-{n}", scope="read")
        with django_assert_max_num_queries(10):
            assert client.get(reverse("org_audit", args=[org.slug])).status_code == 200
        with django_assert_max_num_queries(8):
            assert api.get(reverse("pom-api:audit-event-list", args=[org.slug])).status_code == 200


@pytest.mark.django_db
def test_audit_of_other_org_is_not_listed(api_client_for, admin_user, org, other_org, other_member):
    services.api_key_create(org=other_org, actor=other_member, name="Theirs", scope="read")
    response = api_client_for(admin_user).get(reverse("pom-api:audit-event-list", args=[org.slug]))
    assert all(
        row["object_repr"] != "Theirs (…)" and "Theirs" not in row["object_repr"] for row in response.json()["results"]
    )
    assert ApiKey.objects.for_org(org).count() == 0


@pytest.mark.django_db
def test_audit_filter_over_htmx_returns_only_the_table(client_for, admin_user, org, owner):
    services.api_key_create(org=org, actor=owner, name="Fragment", scope="read")
    response = client_for(admin_user).get(
        reverse("org_audit", args=[org.slug]), {"object_type": "pom.apikey"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "Fragment" in body
    assert "<html" not in body and 'class="tabs"' not in body
