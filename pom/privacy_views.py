"""Settings → Data (export, deletion of the organization) and the person's own data page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from pom import jobs, privacy
from pom.models import Role
from pom.pages import OrgPage, error_text
from pom.tasks import heavy_org_export


class DataSettingsView(OrgPage):
    """Exports for owners and admins; deletion (with its grace period) for owners."""

    required_role = Role.ADMIN
    template_name = "pom/settings_data.html"
    page_context = {"settings_tab": "data"}

    def get(self, request, org_slug, status=200, error=""):
        context = self.ctx(
            is_owner=self.role == Role.OWNER,
            exports=jobs.job_list(org=self.org, kind="org.export")[:10],
            deletion=privacy.deletion_pending(org=self.org),
            grace_days=privacy.settings.POM_ORG_DELETION_GRACE_DAYS,
            error=error,
        )
        return self.show(request, context, status=status)

    def post(self, request, org_slug):
        action = request.POST.get("action")
        try:
            if action == "export":
                jobs.job_request(
                    org=self.org,
                    kind="org.export",
                    task=heavy_org_export,
                    actor=request.user,
                    label=_("Export everything"),
                )
                messages.success(request, _("Export started; its file appears below when it is ready."))
            elif action == "delete":
                deletion = privacy.org_deletion_request(
                    org=self.org, actor=request.user, confirm_slug=request.POST.get("confirm_slug", "")
                )
                messages.warning(
                    request,
                    _("%(org)s will be deleted on %(date)s. Download the final export below.")
                    % {"org": self.org.name, "date": f"{deletion.scheduled_for:%Y-%m-%d}"},
                )
            elif action == "cancel":
                privacy.org_deletion_cancel(org=self.org, actor=request.user)
                messages.success(request, _("Deletion cancelled."))
        except ValidationError as exc:
            return self.get(request, org_slug, status=400, error=error_text(exc))
        return redirect("org_data", org_slug=self.org.slug)


class PrivacyView(LoginRequiredMixin, View):
    """Download everything POM holds about you; erase your account."""

    template_name = "pom/privacy.html"

    def get(self, request, status=200, error=""):
        if request.GET.get("download"):
            response = HttpResponse(privacy.personal_data_json(user=request.user), content_type="application/json")
            response["Content-Disposition"] = f'attachment; filename="pom-my-data-{timezone.now():%Y%m%d}.json"'
            response["Cache-Control"] = "private, no-store"
            return response
        return render(request, self.template_name, {"error": error}, status=status)

    def post(self, request):
        if request.POST.get("confirm") != "ERASE" or not request.user.check_password(request.POST.get("password", "")):
            return self.get(request, status=400, error=_("Type ERASE and your current password to erase your account."))
        user = request.user
        try:
            privacy.user_erase(user=user, actor=user)
        except ValidationError as exc:
            return self.get(request, status=400, error=error_text(exc))
        logout(request)
        messages.success(request, _("Your account has been erased."))
        return redirect("home")
