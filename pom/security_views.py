"""Settings → Security (the organization's sign-in policy) and the person's own sessions page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from pom import security, sso
from pom.forms import SsoForm, SsoStartForm
from pom.models import Role
from pom.pages import OrgPage, add_errors


def _errors(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}


class SecuritySettingsView(OrgPage):
    """Owners set the policy; admins may read it."""

    required_roles = {"GET": Role.ADMIN, "POST": Role.OWNER}
    template_name = "pom/settings_security.html"
    page_context = {"settings_tab": "security"}

    def get(self, request, org_slug, sso_form=None, status=200, errors=None):
        policy = security.org_security(org=self.org)
        context = self.ctx(
            is_owner=self.role == Role.OWNER,
            policy=policy,
            deployment_requires_admin_mfa=security.settings.POM_REQUIRE_MFA_FOR_ADMINS,
            without_mfa=security.members_without_mfa(org=self.org)[:200],
            sso_form=sso_form or SsoForm(initial=sso.form_initial(policy)),
            sso_callback_url=sso.oidc_callback_url(self.org),
            saml_sp_entity_id=sso.saml_sp_entity_id(self.org),
            saml_acs_url=sso.saml_acs_url(self.org),
            errors=errors or {},
        )
        return self.show(request, context, status=status)

    def post(self, request, org_slug):
        what = request.POST.get("what")
        try:
            if what == "mfa":
                security.policy_set_mfa(
                    org=self.org, actor=request.user, require_mfa=request.POST.get("require_mfa") == "on"
                )
                messages.success(request, _("Two-factor policy saved."))
            elif what == "sso":
                form = SsoForm(request.POST)
                if not form.is_valid():
                    return self.get(request, org_slug, sso_form=form, status=400)
                try:
                    sso.sso_configure(org=self.org, actor=request.user, **form.cleaned_data)
                except ValidationError as exc:
                    add_errors(form, exc)
                    return self.get(request, org_slug, sso_form=form, status=400)
                messages.success(request, _("Single sign-on saved."))
        except ValidationError as exc:
            return self.get(request, org_slug, status=400, errors=_errors(exc))
        return redirect("org_security", org_slug=self.org.slug)


class SessionsView(LoginRequiredMixin, View):
    """Where the person is signed in, with a way out for each session or all others at once."""

    template_name = "pom/sessions.html"

    def get(self, request):
        return render(
            request,
            self.template_name,
            {"sessions": security.session_list(user=request.user), "current_key": request.session.session_key},
        )

    def post(self, request):
        current = request.session.session_key
        if request.POST.get("session") == "others":
            count = security.sessions_end_others(user=request.user, current_key=current)
            messages.success(request, _("Signed out of %(n)s other sessions.") % {"n": count})
        else:
            try:
                session_id = int(request.POST.get("session", ""))
            except ValueError:
                session_id = 0
            if security.session_end(user=request.user, session_id=session_id, current_key=current):
                messages.success(request, _("That session is signed out."))
            else:
                messages.error(request, _("No such session (use Log out for this one)."))
        return redirect("account_sessions")


class SsoStartView(View):
    """ "Sign in with your company": find the organization by e-mail domain, then offer its provider."""

    template_name = "pom/sso_start.html"

    def get(self, request):
        form = SsoStartForm(request.GET or None)
        context = {"form": form, "config": None}
        if form.is_bound and form.is_valid():
            config = sso.sso_config_for_email(form.cleaned_data["email"])
            if config is None:
                form.add_error(
                    "email",
                    _("No single sign-on is set up for this address's domain: sign in with your password instead."),
                )
            else:
                context.update(config=config, provider_id=sso.provider_id(config.organization))
        response = render(request, self.template_name, context, status=200 if not form.errors else 404)
        if context["config"] is not None:  # the button's form leads to the provider: allow that origin
            response._csp_update = {"form-action": [sso.issuer_origin(context["config"])]}
        return response
