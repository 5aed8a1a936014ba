"""Tenant resolution for pages: the organization comes from the URL, access from a membership.

Unknown organization or no membership: 404, as if absent. Member below the required role: 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from pom import rls, security, sso
from pom.models import ROLE_RANK, Membership, Organization, Role, role_at_least

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# The one role map for pages and API: the role a method needs unless a view says otherwise.
REQUIRED_ROLES: dict[str, str] = {
    "GET": Role.VIEWER,
    "HEAD": Role.VIEWER,
    "OPTIONS": Role.VIEWER,
    "POST": Role.MANAGER,
    "PUT": Role.MANAGER,
    "PATCH": Role.MANAGER,
    "DELETE": Role.MANAGER,
}


@dataclass(frozen=True)
class OrgAccess:
    """Who reaches an organization, and as what: a member (with `membership`) or an API key."""

    organization: Organization
    role: str
    membership: Membership | None = None


def org_access(user, org_slug: str) -> OrgAccess:
    """The organization with this slug and the caller's role in it, or 404 (unknown or not a member).

    A user reaches it through their membership, an API key (`user.key`) only its own organization.
    SSO and second-factor checks stay with the caller: pages redirect, the API answers 403.
    """
    if not user.is_authenticated:
        raise Http404(_("No such organization"))
    key_org = getattr(user, "organization", None) if getattr(user, "key", None) is not None else None
    if key_org is not None:  # an API key principal
        if key_org.slug != org_slug:
            raise Http404(_("No such organization"))
        rls.add_orgs([key_org.pk])
        return OrgAccess(organization=key_org, role=user.role)
    # The wall opens for this organization only, and only if the user is a member: before the read,
    # so the organization's sign-in policy joined below is visible (else MFA/SSO rules would read as off).
    rls.add_member_org(user.pk, org_slug)
    membership = (
        # cross-tenant by nature: the user's own memberships, narrowed to the slug in the URL
        Membership.objects.select_related("organization", "organization__security")
        .filter(user=user, organization__slug=org_slug)
        .first()
    )
    if membership is None:
        raise Http404(_("No such organization"))
    return OrgAccess(organization=membership.organization, role=membership.role, membership=membership)


def membership_for(user, org_slug: str) -> Membership:
    """The user's membership in the organization with this slug, or 404."""
    access = org_access(user, org_slug)
    if access.membership is None:
        raise Http404(_("No such organization"))
    return access.membership


class OrgRequiredMixin(LoginRequiredMixin):
    """Resolves `self.org` and `self.membership` from `org_slug` once per request.

    `required_role` applies to every method; `required_roles` overrides it per method,
    e.g. `{"GET": "viewer", "POST": "manager"}`. Writes default to manager.
    """

    required_role: str | None = None
    required_roles: dict[str, str] = {}

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.membership = membership_for(request.user, kwargs["org_slug"])
        self.org: Organization = self.membership.organization
        self.role: str = self.membership.role
        if sso.sso_missing(request, self.membership):
            messages.warning(request, sso.sso_message(self.membership))
            return redirect(
                f"{reverse('account_sso')}?{urlencode({'email': request.user.email, 'next': request.path})}"
            )
        if security.mfa_missing(request.user, self.membership):
            messages.warning(request, security.mfa_message(self.membership))
            return redirect("mfa_activate_totp")
        required = self.required_roles.get(request.method) or self.required_role
        if required is None:
            required = REQUIRED_ROLES.get(request.method, Role.MANAGER)
        if not role_at_least(self.role, required):
            raise PermissionDenied(
                _("This needs the %(required)s role in %(name)s.") % {"required": required, "name": self.org.name}
            )
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def can_write(self) -> bool:
        return role_at_least(self.role, Role.MANAGER)

    @cached_property
    def can_admin(self) -> bool:
        return role_at_least(self.role, Role.ADMIN)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(org=self.org, role=self.role, can_write=self.can_write, can_admin=self.can_admin)
        return context


__all__ = [
    "OrgAccess",
    "OrgRequiredMixin",
    "REQUIRED_ROLES",
    "membership_for",
    "org_access",
    "ROLE_RANK",
    "role_at_least",
    "SAFE_METHODS",
]
