"""Account security and single sign-on: sign-in throttling and each organization's sign-in policy
(written by `pom.security` and `pom.sso`)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pom.models import Organization, OrgOwned, Role, TimeStamped


class LoginThrottle(TimeStamped):
    """Failed sign-ins for one account (`account:<email>`) or one address (`ip:<address>`).

    Kept in the database so every web process counts the same attempts (a per-process cache lets
    each gunicorn worker count on its own). Not tenant data: people sign in before any organization
    is known. Written only by `pom.security`.
    """

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.key


class SsoProtocol(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML 2.0")


class OrgSecurity(OrgOwned):
    """An organization's sign-in policy: required MFA, and single sign-on (OpenID Connect or SAML)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="security")
    require_mfa = models.BooleanField(default=False)
    sso_enabled = models.BooleanField(default=False)
    sso_issuer = models.URLField(max_length=300, blank=True)
    sso_client_id = models.CharField(max_length=200, blank=True)
    sso_client_secret_encrypted = models.TextField(blank=True)
    sso_email_domains = models.JSONField(default=list, blank=True)
    sso_default_role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    require_sso = models.BooleanField(default=False)
    # SAML 2.0 instead of OpenID Connect (pom/sso.py): the identity provider's entity id, sign-in URL
    # and signing certificate, typed in or read from its metadata URL when saved.
    sso_protocol = models.CharField(max_length=4, choices=SsoProtocol.choices, default=SsoProtocol.OIDC)
    saml_metadata_url = models.URLField(max_length=500, blank=True)
    saml_entity_id = models.CharField(max_length=500, blank=True)
    saml_sso_url = models.URLField(max_length=500, blank=True)
    saml_x509cert = models.TextField(blank=True)
    saml_email_attribute = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "organization security"

    def __str__(self) -> str:
        return f"Security of {self.organization_id}"
