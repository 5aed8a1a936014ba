"""Reads on organizations, members, keys and the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet

from pom import rls
from pom.models import ApiKey, AuditEvent, Membership, Organization, OrgInvitation, User


def user_memberships(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name")


def member_list(*, org: Organization) -> QuerySet[Membership]:
    return Membership.objects.for_org(org).select_related("user").order_by("user__email")


def member_users(*, org: Organization) -> QuerySet[User]:
    """Users who are members of `org`: the valid choices for owner or assignee fields."""
    return User.objects.filter(memberships__organization=org).order_by("name", "email")


def invitation_list(*, org: Organization) -> QuerySet[OrgInvitation]:
    return OrgInvitation.objects.for_org(org).select_related("invited_by").order_by("-created_at")


def api_key_list(*, org: Organization) -> QuerySet[ApiKey]:
    return ApiKey.objects.for_org(org).select_related("created_by").order_by("-created_at")


def audit_event_list(
    *, org: Organization, object_type: str | None = None, object_id: str | None = None
) -> QuerySet[AuditEvent]:
    """The organization's trail, newest first; narrowed to one object when given."""
    qs = AuditEvent.objects.for_org(org).select_related("actor_user", "actor_api_key")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=str(object_id))
    return qs.order_by("-created_at", "-id")


def api_key_by_hash(*, key_hash: str) -> ApiKey | None:
    """The key with this hash in any organization: authentication is what decides the tenant."""
    with rls.all_organizations("an API key is found by its hash before its organization is known"):
        return ApiKey.objects.select_related("organization").filter(key_hash=key_hash).first()
