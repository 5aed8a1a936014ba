import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from pom import hooks, jobs, selectors, services
from pom.forms import ApiKeyForm, InvitationForm, MemberRoleForm, OrganizationForm, PeerProfileForm, ProfileForm
from pom.models import ApiKey, Job, Membership, OrgInvitation, Role
from pom.pages import HtmxFragmentMixin, OrgPage, add_errors, error_text, invitation_closed_reason
from pom.tenancy import OrgRequiredMixin
from pom.web import paginate, query_without_page


def home(request):
    """Send people where their work is: their organization, their workspaces, or sign-up of an org."""
    if not request.user.is_authenticated:
        return render(request, "pom/landing.html")
    membership = selectors.user_memberships(user=request.user).first()
    if membership:
        return redirect("dashboard", org_slug=membership.organization.slug)
    for module in hooks.app_modules("home"):  # e.g. the partner home of workspaces
        url = module.home_url(user=request.user)
        if url:
            return redirect(url)
    return redirect("org_create")


class OrgListView(LoginRequiredMixin, TemplateView):
    template_name = "pom/org_list.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "memberships": selectors.user_memberships(user=self.request.user),
        }


class OrgCreateView(LoginRequiredMixin, View):
    """Create an organization; the peer-group profile is asked on the same page and may be skipped."""

    template_name = "pom/org_create.html"

    def get(self, request):
        return render(request, self.template_name, {"form": OrganizationForm(), "profile_form": PeerProfileForm()})

    def post(self, request):
        form = OrganizationForm(request.POST)
        skip = "skip_profile" in request.POST
        profile_form = PeerProfileForm(None if skip else request.POST)
        if form.is_valid() and (skip or profile_form.is_valid()):
            data = dict(form.cleaned_data)
            if not skip:
                data.update(profile_form.cleaned_data)
            try:
                org = services.organization_create(user=request.user, name=data.pop("name"), **data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("%(name)s is ready. Invite your colleagues from Settings.") % {"name": org.name}
                )
                return redirect("dashboard", org_slug=org.slug)
        return render(request, self.template_name, {"form": form, "profile_form": profile_form}, status=400)


class DashboardView(OrgRequiredMixin, TemplateView):
    template_name = "pom/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cards = []
        for module in hooks.app_modules("dashboard"):
            cards.extend(module.dashboard_cards(org=self.org))
        context["cards"] = cards
        context["member_count"] = selectors.member_list(org=self.org).count()
        return context


class OrgSettingsView(OrgPage):
    required_role = Role.ADMIN
    template_name = "pom/settings_org.html"
    page_context = {"settings_tab": "org"}

    def get(self, request, org_slug):
        return self.show(
            request, self.ctx(form=OrganizationForm(instance=self.org), profile_form=PeerProfileForm(instance=self.org))
        )

    def post(self, request, org_slug):
        # The forms validate copies: a ModelForm writes cleaned values onto its instance, and the
        # service must see the organization as it was to audit which fields changed.
        form = OrganizationForm(request.POST, instance=copy.copy(self.org))
        profile_form = PeerProfileForm(request.POST, instance=copy.copy(self.org))
        if form.is_valid() and profile_form.is_valid():
            try:
                services.organization_update(
                    org=self.org, actor=request.user, data={**form.cleaned_data, **profile_form.cleaned_data}
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Organization profile saved."))
                return redirect("org_settings", org_slug=self.org.slug)
        return self.show(request, self.ctx(form=form, profile_form=profile_form), status=400)


class MembersView(OrgPage):
    required_role = Role.ADMIN
    template_name = "pom/settings_members.html"
    page_context = {"settings_tab": "members", "roles": Role.choices}

    def get(self, request, org_slug, form=None, status=200):
        context = self.ctx(
            invitation_days=settings.POM_ORG_INVITATION_DAYS,
            members=selectors.member_list(org=self.org),
            invitations=selectors.invitation_list(org=self.org)[:50],
            form=form or InvitationForm(),
        )
        return self.show(request, context, status=status)

    def post(self, request, org_slug):
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                services.invitation_create(org=self.org, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request, _("Invitation sent to %(cleaned_data)s.") % {"cleaned_data": form.cleaned_data["email"]}
                )
                return redirect("org_members", org_slug=self.org.slug)
        return self.get(request, org_slug, form=form, status=400)


class MemberUpdateView(OrgPage):
    required_role = Role.ADMIN

    def post(self, request, org_slug, pk):
        membership = get_object_or_404(Membership.objects.for_org(self.org), pk=pk)
        try:
            if request.POST.get("action") == "remove":
                services.membership_remove(org=self.org, actor=request.user, membership=membership)
                messages.success(
                    request,
                    _("%(display_name)s no longer has access.") % {"display_name": membership.user.display_name},
                )
            else:
                form = MemberRoleForm(request.POST)
                if not form.is_valid():
                    raise ValidationError({"role": _("Choose a valid role.")})
                services.membership_set_role(
                    org=self.org,
                    actor=request.user,
                    membership=membership,
                    role=form.cleaned_data["role"],
                )
                messages.success(
                    request,
                    _("%(display_name)s is now %(get_role_display)s.")
                    % {"display_name": membership.user.display_name, "get_role_display": membership.get_role_display()},
                )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("org_members", org_slug=self.org.slug)


class InvitationRevokeView(OrgPage):
    required_role = Role.ADMIN

    def post(self, request, org_slug, pk):
        invitation = get_object_or_404(OrgInvitation.objects.for_org(self.org), pk=pk)
        try:
            services.invitation_revoke(org=self.org, actor=request.user, invitation=invitation)
            messages.success(request, _("Invitation to %(email)s revoked.") % {"email": invitation.email})
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("org_members", org_slug=self.org.slug)


class InvitationAcceptView(View):
    """The link from the invitation e-mail. Anonymous visitors sign up or log in first."""

    def get(self, request, token):
        invitation = services.invitation_by_token(token)
        if invitation is None:
            return render(
                request,
                "pom/invitation_invalid.html",
                {"reason": _("This invitation link is not valid.")},
                status=404,
            )
        if invitation.state != "pending":
            return render(
                request,
                "pom/invitation_invalid.html",
                {"reason": invitation_closed_reason(invitation.state, _("Ask for a new one."))},
                status=410,
            )
        if not request.user.is_authenticated:
            return render(
                request,
                "pom/invitation_welcome.html",
                {"invitation": invitation, "next": request.path},
            )
        return render(request, "pom/invitation_confirm.html", {"invitation": invitation})

    def post(self, request, token):
        if services.invitation_by_token(token) is None:
            return self.get(request, token)  # a link never issued: the same 404 as opening it
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            membership = services.invitation_accept(raw_token=token, user=request.user)
        except ValidationError as exc:
            return render(request, "pom/invitation_invalid.html", {"reason": error_text(exc)}, status=400)
        messages.success(request, _("Welcome to %(name)s.") % {"name": membership.organization.name})
        return redirect("dashboard", org_slug=membership.organization.slug)


class ApiKeysView(OrgPage):
    required_role = Role.ADMIN
    template_name = "pom/settings_api_keys.html"
    page_context = {"settings_tab": "api"}

    def get(self, request, org_slug, form=None, new_key=None, status=200):
        context = self.ctx(keys=selectors.api_key_list(org=self.org), form=form or ApiKeyForm(), new_key=new_key)
        return self.show(request, context, status=status)

    def post(self, request, org_slug, new_key=None):
        if new_key is not None:  # rendered right after a rotation by ApiKeyRotateView
            return self.get(request, org_slug, new_key=new_key)
        form = ApiKeyForm(request.POST)
        if not form.is_valid():
            return self.get(request, org_slug, form=form, status=400)
        key, raw = services.api_key_create(org=self.org, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Key “%(name)s” created. Copy it now: it is shown only once.") % {"name": key.name})
        return self.get(request, org_slug, new_key=raw)


class ApiKeyRotateView(OrgPage):
    """Replace a key: the new one is shown once, the old one keeps working during the overlap."""

    required_role = Role.ADMIN

    def post(self, request, org_slug, pk):
        key = get_object_or_404(ApiKey.objects.for_org(self.org), pk=pk)
        try:
            new_key, raw = services.api_key_rotate(org=self.org, actor=request.user, key=key)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("org_api_keys", org_slug=self.org.slug)
        messages.success(
            request,
            _("Key “%(name)s” rotated. Copy the new key now; the old one works until %(expires_at)s UTC.")
            % {"name": new_key.name, "expires_at": format(key.expires_at, "%Y-%m-%d %H:%M")},
        )
        return ApiKeysView.as_view()(request, org_slug=org_slug, new_key=raw)


class ApiKeyRevokeView(OrgPage):
    required_role = Role.ADMIN

    def post(self, request, org_slug, pk):
        key = get_object_or_404(ApiKey.objects.for_org(self.org), pk=pk)
        services.api_key_revoke(org=self.org, actor=request.user, key=key)
        messages.success(request, _("Key “%(name)s” revoked; requests with it now get 401.") % {"name": key.name})
        return redirect("org_api_keys", org_slug=self.org.slug)


class AuditView(HtmxFragmentMixin, OrgRequiredMixin, TemplateView):
    required_role = Role.ADMIN
    template_name = "pom/settings_audit.html"
    fragment_template_name = "pom/_audit_table.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        events = selectors.audit_event_list(
            org=self.org,
            object_type=self.request.GET.get("object_type") or None,
            object_id=self.request.GET.get("object_id") or None,
        )
        context.update(
            page=paginate(self.request, events),
            query=query_without_page(self.request),
            settings_tab="audit",
            filters=self.request.GET,
        )
        return context


class ProfileView(LoginRequiredMixin, View):
    def get(self, request):
        return render(request, "pom/profile.html", {"form": ProfileForm(instance=request.user)})

    def post(self, request):
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            form.save()
            messages.success(request, _("Profile saved."))
            return redirect("profile")
        return render(request, "pom/profile.html", {"form": form}, status=400)


class JobListView(HtmxFragmentMixin, OrgRequiredMixin, TemplateView):
    """Settings → Background jobs: every job of the organization, newest first, filterable."""

    required_role = Role.ADMIN
    template_name = "pom/settings_jobs.html"
    fragment_template_name = "pom/_job_table.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status") or None
        if status not in Job.Status.values:
            status = None
        kind = (self.request.GET.get("kind") or "").strip() or None
        context.update(
            page=paginate(self.request, jobs.job_list(org=self.org, kind=kind, status=status)),
            query=query_without_page(self.request),
            settings_tab="jobs",
            filters=self.request.GET,
            statuses=Job.Status.choices,
        )
        return context


class JobView(HtmxFragmentMixin, OrgRequiredMixin, TemplateView):
    """One job: the full page, or (HTMX) the status fragment that polls itself while active."""

    template_name = "pom/job.html"
    fragment_template_name = "pom/_job.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["job"] = get_object_or_404(jobs.job_list(org=self.org), pk=kwargs["pk"])
        return context


class JobCancelView(OrgPage):
    """Stop a queued or running job (managers)."""

    def post(self, request, org_slug, pk):
        job = get_object_or_404(jobs.job_list(org=self.org), pk=pk)
        job = jobs.job_cancel(org=self.org, job=job)
        if getattr(request, "htmx", None):
            return self.show(request, self.ctx(job=job), template="pom/_job.html")
        return redirect("org_job", org_slug=self.org.slug, pk=job.pk)


class JobFileView(OrgPage):
    """The file a job produced (an export, an error report), for members only, as an attachment."""

    def get(self, request, org_slug, pk):
        job = get_object_or_404(jobs.job_list(org=self.org).exclude(result_file=""), pk=pk)
        response = FileResponse(
            job.result_file.open("rb"), as_attachment=True, filename=job.result_file.name.rsplit("/", 1)[-1]
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


def plotly_stylesheet(request):
    """plotly.js's style rules as a cacheable file (see `pom.plotly_css`), public like static files."""
    from pom.plotly_css import stylesheet

    css, etag = stylesheet()
    if request.headers.get("If-None-Match") == f'"{etag}"':
        return HttpResponse(status=304)
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["ETag"] = f'"{etag}"'
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


__all__ = ["PermissionDenied"]


class LanguageSetView(View):
    """The footer's language switcher: a signed-in person's choice is saved on their account (pages and
    e-mails then use it on every device); everyone also gets the language cookie, so the sign-in page
    follows too. An empty choice goes back to the browser's language."""

    def post(self, request):
        from django.utils.http import url_has_allowed_host_and_scheme

        language = request.POST.get("language", "")
        if language and language not in dict(settings.LANGUAGES):
            return HttpResponse(_("Choose one of the languages offered."), status=400)
        target = request.POST.get("next") or request.headers.get("referer") or "/"
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = "/"
        if request.user.is_authenticated and request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
        response = redirect(target)
        if language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
