"""The organization's sign-in policy over the API: MFA requirement and single sign-on.

Owners change it, admins read it (API keys never: they act as viewer or manager). Writes go through
`pom.security.policy_set_mfa` and `pom.sso.sso_configure`, the same services as Settings → Security.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from pom import security, sso
from pom.api.base import ServiceViewSet
from pom.models import Role
from pom.models_security import OrgSecurity, SsoProtocol

SSO_FIELDS = (
    "enabled",
    "protocol",
    "issuer",
    "client_id",
    "client_secret",
    "saml_metadata_url",
    "saml_entity_id",
    "saml_sso_url",
    "saml_x509cert",
    "saml_email_attribute",
    "email_domains",
    "default_role",
    "require_sso",
)


class SecurityPolicyInputSerializer(serializers.Serializer):
    require_mfa = serializers.BooleanField(required=False)
    enabled = serializers.BooleanField(required=False, help_text=_("Single sign-on on or off."))
    protocol = serializers.ChoiceField(choices=SsoProtocol.choices, required=False)
    issuer = serializers.URLField(max_length=300, required=False, allow_blank=True)
    client_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    client_secret = serializers.CharField(
        max_length=500, required=False, allow_blank=True, write_only=True, help_text=_("Empty keeps the stored one.")
    )
    saml_metadata_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    saml_entity_id = serializers.CharField(max_length=500, required=False, allow_blank=True)
    saml_sso_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    saml_x509cert = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    saml_email_attribute = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email_domains = serializers.ListField(child=serializers.CharField(max_length=253), required=False)
    default_role = serializers.ChoiceField(choices=[Role.VIEWER, Role.MANAGER], required=False)
    require_sso = serializers.BooleanField(required=False)


class SecurityPolicyOutputSerializer(serializers.ModelSerializer):
    sso_client_secret_set = serializers.SerializerMethodField()
    deployment_requires_admin_mfa = serializers.SerializerMethodField()
    oidc_redirect_uri = serializers.SerializerMethodField()
    saml_sp_entity_id = serializers.SerializerMethodField()
    saml_acs_url = serializers.SerializerMethodField()

    class Meta:
        model = OrgSecurity
        fields = [
            "require_mfa",
            "deployment_requires_admin_mfa",
            "sso_enabled",
            "sso_protocol",
            "sso_issuer",
            "sso_client_id",
            "sso_client_secret_set",
            "saml_metadata_url",
            "saml_entity_id",
            "saml_sso_url",
            "saml_x509cert",
            "saml_email_attribute",
            "sso_email_domains",
            "sso_default_role",
            "require_sso",
            "oidc_redirect_uri",
            "saml_sp_entity_id",
            "saml_acs_url",
            "updated_at",
        ]

    def get_sso_client_secret_set(self, obj) -> bool:
        return bool(obj.sso_client_secret_encrypted)

    def get_deployment_requires_admin_mfa(self, obj) -> bool:
        return bool(settings.POM_REQUIRE_MFA_FOR_ADMINS)

    def get_oidc_redirect_uri(self, obj) -> str:
        return sso.oidc_callback_url(obj.organization)

    def get_saml_sp_entity_id(self, obj) -> str:
        return sso.saml_sp_entity_id(obj.organization)

    def get_saml_acs_url(self, obj) -> str:
        return sso.saml_acs_url(obj.organization)


class SecurityPolicyViewSet(ServiceViewSet):
    """The sign-in policy: `GET` for owners and admins, `PATCH` for owners (only the fields sent change)."""

    model = OrgSecurity
    update_serializer_class = SecurityPolicyInputSerializer
    output_serializer_class = SecurityPolicyOutputSerializer
    allow_put = False
    required_roles = {"GET": Role.ADMIN, "HEAD": Role.ADMIN, "OPTIONS": Role.ADMIN, "PATCH": Role.OWNER}
    pagination_class = None

    def single_object(self) -> OrgSecurity:
        return security.org_security(org=self.org)

    def update_object(self, policy, values):
        # The MFA requirement and single sign-on are two services; SSO takes the whole form, so the fields
        # sent are laid over the stored ones (an empty `client_secret` keeps the stored secret).
        if "require_mfa" in values:
            policy = security.policy_set_mfa(org=self.org, actor=self.actor, require_mfa=values["require_mfa"])
        if any(name in values for name in SSO_FIELDS):
            current = {**sso.form_initial(policy), "client_secret": ""}
            merged = {name: values.get(name, current[name]) for name in SSO_FIELDS}
            if isinstance(merged["email_domains"], list):
                merged["email_domains"] = ", ".join(merged["email_domains"])
            policy = sso.sso_configure(org=self.org, actor=self.actor, **merged)
        return policy
