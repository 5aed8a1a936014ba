from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pom.models import Membership, Role


class AccountAdapter(DefaultAccountAdapter):
    """POM's allauth hooks: where people land after login, and mail through the Celery task."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "sso_required": _("%s signs you in through its identity provider: use “Sign in with your company”."),
    }

    def get_login_redirect_url(self, request):
        """Back to `?next=` (an invitation link, say), else `pom.views.home` picks the place.

        Home sends a member to their organization's dashboard and a person without any
        membership to "create your organization", which is how first login works.
        """
        nxt = request.GET.get("next") or request.POST.get("next")
        if nxt and self.is_safe_url(nxt):
            return nxt
        return reverse("home")

    def pre_authenticate(self, request, **credentials):
        """allauth's own limits, then POM's lockout shared by every web process (pom.security),
        then single sign-on: an address whose organization requires it signs in there, not here."""
        from pom import security, sso

        super().pre_authenticate(request, **credentials)
        email = credentials.get("email", "")
        security.login_check(email=email, address=self.get_client_ip(request))
        config = sso.sso_config_for_email(email)
        if config is not None and config.require_sso:
            owner = (
                Membership.objects.for_org(config.organization)
                .filter(user__email__iexact=email, role=Role.OWNER)
                .exists()
            )
            if not owner:
                raise self.validation_error("sso_required", config.organization.name)

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            from pom import security

            security.login_succeeded(email=credentials.get("email", ""))
        return user

    def authentication_failed(self, request, **credentials):
        from pom import security

        security.login_failed(email=credentials.get("email", ""), address=self.get_client_ip(request))

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.name = form.cleaned_data.get("name", "") or user.name
        tz = form.cleaned_data.get("time_zone")
        if tz:
            user.time_zone = tz
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix, email, context):
        """Render allauth's message as usual, then hand it to `pom.tasks.send_email` after commit."""
        from pom.services import email_send  # lazy: services imports models allauth may not have ready

        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        from pom.l10n import in_language_of

        with in_language_of(email):
            message = self.render_mail(template_prefix, email, ctx)
        html = next(
            (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), None
        )
        email_send(
            to=list(message.to),
            subject=message.subject,
            body=message.body,
            html=html,
            from_email=message.from_email,
        )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on per organization (pom.sso): apps from the organizations' settings, only the
    organization's own domains, linked to an existing account with the same address."""

    def list_apps(self, request, provider=None, client_id=None):
        from pom import sso

        apps = list(super().list_apps(request, provider=provider, client_id=client_id))
        ours = [a for a in sso.sso_apps(provider, client_id) if client_id in (None, a.client_id)]
        # allauth's OpenID Connect views (openid_connect_*) and SAML views (saml_*) find only their own
        # protocol's app: /accounts/oidc/pom-x/… of an organization that uses SAML is a 404, not a crash.
        match = getattr(request, "resolver_match", None)
        view = (match.url_name or "") if match else ""
        if provider == "saml" or view.startswith("saml_"):
            ours = [a for a in ours if a.provider == "saml"]
        elif view.startswith("openid_connect_"):
            ours = [a for a in ours if a.provider == "openid_connect"]
        return apps + ours

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        """A refused answer from an organization's provider: back to "Sign in with your company" with the
        reason in words (another audience, a bad signature…), instead of allauth's generic failure page."""
        from django.contrib import messages
        from django.shortcuts import redirect

        from pom import sso

        super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )
        app = getattr(provider, "app", None)
        if app is None or not (app.provider_id or "").startswith(sso.PROVIDER_PREFIX):
            return
        reason = sso.refusal_reason(error=error, exception=exception, extra_context=extra_context or {})
        messages.error(request, _("%(org)s's sign-in was refused: %(reason)s") % {"org": app.name, "reason": reason})
        raise ImmediateHttpResponse(redirect("account_sso"))

    def pre_social_login(self, request, sociallogin):
        from django.contrib import messages
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import redirect

        from pom import sso
        from pom.models import User

        pid = sociallogin.account.provider
        if not pid.startswith(sso.PROVIDER_PREFIX):
            return
        email = (sociallogin.user.email or "").lower()
        claims = sociallogin.account.extra_data or {}
        if sociallogin.account.get_provider().id == "saml":
            # SAML has no "verified" flag: the assertion signed by the organization's IdP vouches for it.
            verified = True
        else:
            verified = bool(claims.get("email_verified") or claims.get("userinfo", {}).get("email_verified"))
            verified = verified or any(a.verified for a in sociallogin.email_addresses)
        try:
            config = sso.sso_check_login(pid=pid, email=email, email_verified=verified)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            raise ImmediateHttpResponse(redirect("account_sso")) from None
        sociallogin.state["pom_sso_org"] = config.organization_id
        if not sociallogin.is_existing:
            existing = User.objects.filter(email__iexact=email).first()
            if existing is not None:
                sociallogin.connect(request, existing)
        for address in sociallogin.email_addresses:
            address.verified = True

    def populate_user(self, request, sociallogin, data):
        """POM keeps one `name`: the provider's full name, or given and family names joined."""
        user = super().populate_user(request, sociallogin, data)
        full = data.get("name") or " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
        user.name = (full or "").strip()[:150]
        return user

    def is_auto_signup_allowed(self, request, sociallogin):
        return sociallogin.account.provider.startswith("pom-") or super().is_auto_signup_allowed(request, sociallogin)
