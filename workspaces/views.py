"""Workspace pages under /w/ (partner people and vendor users alike) and the vendor list under /o/<org>/workspaces/.

Every /w/<workspace_id>/ page resolves the workspace and the caller's access once, through
`selectors.workspace_access`: no access is a 404, a role too low a 403.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from attribution.selectors import registration_list
from plans.models import Activity, KeyResult, Plan
from plans.selectors import plan_tree
from pom.pages import add_errors, error_text, invitation_closed_reason
from pom.tenancy import SAFE_METHODS
from pom.web import paginate, query_without_page
from workspaces import invitation_services, notification_services, selectors, services
from workspaces.forms import (
    ActivityForm,
    ApproveForm,
    CheckinForm,
    CommentForm,
    FileForm,
    InvitationForm,
    MemberRoleForm,
    PreferenceForm,
    RegistrationForm,
)
from workspaces.models import WorkspaceRole, workspace_role_at_least

FEED_SIZE = 30


class WorkspaceMixin(LoginRequiredMixin):
    """Resolves `self.workspace` and `self.access` from `workspace_id`.

    `required_roles` maps methods to a workspace role; reads need viewer and writes editor by default.
    """

    required_roles: dict[str, str] = {}

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        workspace = selectors.workspace_by_public_id(public_id=kwargs["workspace_id"])
        access = selectors.workspace_access(user=request.user, workspace=workspace) if workspace else None
        if access is None:
            raise Http404(_("No such workspace"))
        required = self.required_roles.get(request.method) or (
            WorkspaceRole.VIEWER if request.method in SAFE_METHODS else WorkspaceRole.EDITOR
        )
        if not workspace_role_at_least(access.role, required):
            raise PermissionDenied(_("This needs the %(required)s role in this workspace.") % {"required": required})
        self.workspace, self.access = workspace, access
        return super().dispatch(request, *args, **kwargs)

    def base_context(self, tab: str, **extra) -> dict:
        return {
            "workspace": self.workspace,
            "access": self.access,
            "org": self.workspace.organization,
            "tab": tab,
            "unread_count": selectors.unread_count(user=self.request.user),
            **extra,
        }

    def back(self, name: str = "workspaces:detail"):
        return redirect(name, self.workspace.public_id)


def plan_context(workspace, access) -> list:
    """The workspace's plans as trees (plans.selectors.plan_tree), marked with what this person may edit."""

    trees = []
    for plan in selectors.workspace_plans(workspace=workspace):
        tree = plan_tree(org=workspace.organization, plan=plan)
        is_open = tree.status != "closed"
        for kr in tree.kr_list:
            kr.can_checkin = is_open and access.can_edit_side(kr.responsible_side)
        for activity in tree.activity_list:
            activity.can_update = is_open and access.can_edit_side(activity.owner_side)
            activity.status_choices = Activity.Status.choices
        side_field = "vendor_approved_at" if access.is_vendor else "partner_approved_at"
        tree.can_approve = (
            access.can_edit and tree.status in ("draft", "proposed") and getattr(tree, side_field) is None
        )
        trees.append(tree)
    return trees


def digest_card_context(workspace, access) -> dict:
    from workspaces.views_digests import digest_card_context as card

    return card(workspace, access)


class WorkspaceDetailView(WorkspaceMixin, TemplateView):
    template_name = "workspaces/detail.html"

    def get_context_data(self, **kwargs):
        feed = selectors.feed(workspace=self.workspace, include_internal=self.access.sees_internal)[:FEED_SIZE]
        return self.base_context(
            "plan",
            plans=plan_context(self.workspace, self.access),
            feed=feed,
            comment_form=CommentForm(),
            **digest_card_context(self.workspace, self.access),
        )


class FeedView(WorkspaceMixin, View):
    """The feed fragment (HTMX polling keeps the other side's view live)."""

    def get(self, request, workspace_id):
        feed = selectors.feed(workspace=self.workspace, include_internal=self.access.sees_internal)[:FEED_SIZE]
        return render(request, "workspaces/_feed.html", self.base_context("plan", feed=feed))


class CommentCreateView(WorkspaceMixin, View):
    def post(self, request, workspace_id):
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                services.comment_create(
                    access=self.access,
                    actor=request.user,
                    body=form.cleaned_data["body"],
                    internal=form.cleaned_data["internal"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                if request.htmx:
                    feed = selectors.feed(workspace=self.workspace, include_internal=self.access.sees_internal)
                    return render(
                        request,
                        "workspaces/_comment_box.html",
                        self.base_context("plan", feed=feed[:FEED_SIZE], comment_form=CommentForm()),
                    )
                messages.success(request, _("Posted."))
                return self.back()
        feed = selectors.feed(workspace=self.workspace, include_internal=self.access.sees_internal)[:FEED_SIZE]
        context = self.base_context("plan", feed=feed, comment_form=form)
        if request.htmx:
            return render(request, "workspaces/_comment_box.html", context, status=400)
        context["plans"] = plan_context(self.workspace, self.access)
        return render(request, "workspaces/detail.html", context, status=400)


def _plan_object(workspace, model, pk):
    """A key result, activity or plan of this workspace's partnerships, or 404."""
    ids = selectors.workspace_partnership_ids(workspace=workspace)
    qs = model.objects.for_org(workspace.organization)
    lookup = "partnership_id__in" if model.__name__ == "Plan" else "plan__partnership_id__in"
    obj = qs.filter(**{lookup: ids}, pk=pk).first()
    if obj is None:
        raise Http404(_("Not in this workspace"))
    return obj


class _PlanWriteView(WorkspaceMixin, View):
    def respond(self, request, ok_message: str, error: str | None = None):
        if request.htmx:
            context = self.base_context(
                "plan", plans=plan_context(self.workspace, self.access), flash=error or ok_message
            )
            context["flash_error"] = bool(error)
            return render(request, "workspaces/_plans.html", context, status=400 if error else 200)
        if error:
            messages.error(request, error)
        else:
            messages.success(request, ok_message)
        return self.back()


class CheckinCreateView(_PlanWriteView):
    def post(self, request, workspace_id, pk):
        key_result = _plan_object(self.workspace, KeyResult, pk)
        form = CheckinForm(request.POST)
        if not form.is_valid():
            return self.respond(request, "", error=_("Enter a number for the new value."))
        try:
            services.checkin_post(
                access=self.access,
                actor=request.user,
                key_result=key_result,
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            return self.respond(request, "", error=error_text(exc))
        return self.respond(request, _("Check-in posted on “%(name)s”.") % {"name": key_result.name})


class ActivityUpdateView(_PlanWriteView):
    def post(self, request, workspace_id, pk):
        activity = _plan_object(self.workspace, Activity, pk)
        form = ActivityForm(request.POST)
        if not form.is_valid():
            return self.respond(request, "", error=_("Choose a status and a progress between 0 and 100."))
        data = {"status": form.cleaned_data["status"]}
        if form.cleaned_data["progress"] is not None:
            data["progress"] = form.cleaned_data["progress"]
        try:
            services.activity_update(access=self.access, actor=request.user, activity=activity, data=data)
        except ValidationError as exc:
            return self.respond(request, "", error=error_text(exc))
        return self.respond(request, _("“%(title)s” updated.") % {"title": activity.title})


class PlanApproveView(_PlanWriteView):
    def post(self, request, workspace_id, pk):
        plan = _plan_object(self.workspace, Plan, pk)
        form = ApproveForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            services.plan_approve(access=self.access, actor=request.user, plan=plan, note=note)
        except ValidationError as exc:
            return self.respond(request, "", error=error_text(exc))
        if self.access.is_vendor:
            message = _("You approved “%(name)s” for the vendor side.")
        else:
            message = _("You approved “%(name)s” for the partner side.")
        return self.respond(request, message % {"name": plan.name})


class MembersView(WorkspaceMixin, View):
    required_roles = {"POST": WorkspaceRole.OWNER}
    template_name = "workspaces/members.html"

    def get(self, request, workspace_id, form=None, status=200, share_url=None):
        context = self.base_context(
            "members",
            members=selectors.member_list(workspace=self.workspace),
            form=form or InvitationForm(),
            share_url=share_url,
            roles=WorkspaceRole.choices,
        )
        if self.access.is_vendor:
            context["org_members"] = selectors.vendor_users_with_org_access(workspace=self.workspace)
        if self.access.can_manage:
            context["invitations"] = selectors.invitation_list(workspace=self.workspace)[:50]
        return render(request, self.template_name, context, status=status)

    def post(self, request, workspace_id):
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                invitation_services.invitation_create(access=self.access, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request, _("Invitation sent to %(cleaned_data)s.") % {"cleaned_data": form.cleaned_data["email"]}
                )
                return self.back("workspaces:members")
        return self.get(request, workspace_id, form=form, status=400)


class MemberUpdateView(WorkspaceMixin, View):
    required_roles = {"POST": WorkspaceRole.OWNER}

    def post(self, request, workspace_id, pk):
        member = selectors.member_list(workspace=self.workspace).filter(pk=pk).first()
        if member is None:
            raise Http404(_("No such member"))
        try:
            if request.POST.get("action") == "remove":
                services.member_remove(access=self.access, actor=request.user, member=member)
                messages.success(
                    request, _("%(display_name)s no longer has access.") % {"display_name": member.user.display_name}
                )
            else:
                form = MemberRoleForm(request.POST)
                if not form.is_valid():
                    raise ValidationError({"role": _("Choose owner, editor or viewer.")})
                services.member_set_role(
                    access=self.access, actor=request.user, member=member, role=form.cleaned_data["role"]
                )
                messages.success(
                    request,
                    _("%(display_name)s is now %(get_role_display)s.")
                    % {"display_name": member.user.display_name, "get_role_display": member.get_role_display().lower()},
                )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return self.back("workspaces:members")


class InvitationActionView(WorkspaceMixin, View):
    required_roles = {"POST": WorkspaceRole.OWNER}

    def post(self, request, workspace_id, pk, action):
        if action not in ("resend", "revoke"):
            raise Http404(_("Unknown action"))
        invitation = selectors.invitation_list(workspace=self.workspace).filter(pk=pk).first()
        if invitation is None:
            raise Http404(_("No such invitation"))
        try:
            if action == "resend":
                invitation_services.invitation_resend(access=self.access, actor=request.user, invitation=invitation)
                messages.success(
                    request,
                    _("A new link was sent to %(email)s; the old one no longer works.") % {"email": invitation.email},
                )
            else:
                invitation_services.invitation_revoke(access=self.access, actor=request.user, invitation=invitation)
                messages.success(request, _("Invitation to %(email)s revoked.") % {"email": invitation.email})
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return self.back("workspaces:members")


class ShareLinkView(MembersView):
    """Turn the view-only link on (the new link is shown once on the members page) or off."""

    http_method_names = ["post"]

    def post(self, request, workspace_id):
        try:
            if request.POST.get("action") == "revoke":
                services.share_link_revoke(access=self.access, actor=request.user)
                messages.success(request, _("The share link is off; anyone using it now gets “not found”."))
            else:
                raw = services.share_link_enable(access=self.access, actor=request.user)
                url = settings.SITE_URL + reverse("workspaces:share", args=[raw])
                messages.success(request, _("View-only link created: copy it now, it is shown only once."))
                return self.get(request, workspace_id, share_url=url)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return self.back("workspaces:members")


class FilesView(WorkspaceMixin, View):
    template_name = "workspaces/files.html"

    def get(self, request, workspace_id, form=None, status=200):
        page = paginate(request, selectors.file_list(workspace=self.workspace), per_page=25)
        context = self.base_context("files", page=page, form=form or FileForm(), query=query_without_page(request))
        return render(request, self.template_name, context, status=status)

    def post(self, request, workspace_id):
        form = FileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                record = services.file_upload(
                    access=self.access, actor=request.user, uploaded=form.cleaned_data["file"]
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("%(original_name)s uploaded.") % {"original_name": record.original_name})
                return self.back("workspaces:files")
        return self.get(request, workspace_id, form=form, status=400)


class FileDownloadView(WorkspaceMixin, View):
    def get(self, request, workspace_id, file_id):
        record = selectors.file_by_public_id(workspace=self.workspace, public_id=file_id)
        if record is None:
            raise Http404(_("No such file"))
        response = FileResponse(
            record.file.open("rb"), as_attachment=True, filename=record.original_name, content_type=record.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


class FileDeleteView(WorkspaceMixin, View):
    def post(self, request, workspace_id, file_id):
        record = selectors.file_by_public_id(workspace=self.workspace, public_id=file_id)
        if record is None:
            raise Http404(_("No such file"))
        services.file_delete(access=self.access, actor=request.user, record=record)
        messages.success(request, _("%(original_name)s deleted.") % {"original_name": record.original_name})
        return self.back("workspaces:files")


class DealsView(WorkspaceMixin, View):
    """The partner registers deals and follows their own registrations (this workspace's partnerships only)."""

    template_name = "workspaces/deals.html"

    def partnerships(self):
        return list(self.workspace.partnerships.select_related("partner", "program"))

    def get(self, request, workspace_id, form=None, status=200, created=None):
        org = self.workspace.organization
        ids = selectors.workspace_partnership_ids(workspace=self.workspace)
        page = paginate(request, registration_list(org=org, partnership_ids=ids), per_page=25)
        trails = selectors.registration_trails(
            org=org, registrations=page.object_list, partner_view=not self.access.is_vendor
        )
        for registration in page.object_list:
            registration.trail = trails[registration.pk]
        if form is None and self.access.can_edit:
            form = RegistrationForm(
                partnerships=self.partnerships(), initial={"currency": self.workspace.organization.currency}
            )
        context = self.base_context("deals", page=page, form=form, created=created, query=query_without_page(request))
        return render(request, self.template_name, context, status=status)

    def post(self, request, workspace_id):
        partnerships = self.partnerships()
        form = RegistrationForm(request.POST, partnerships=partnerships)
        if form.is_valid():
            data = dict(form.cleaned_data)
            partnership = next(p for p in partnerships if p.pk == data.pop("partnership"))
            data["products"] = [p.strip() for p in data["products"].split(",") if p.strip()]
            data["currency"] = data["currency"].upper()
            try:
                registration = services.registration_submit(
                    access=self.access, actor=request.user, partnership=partnership, **data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return self.get(request, workspace_id, created=registration)
        return self.get(request, workspace_id, form=form, status=400)


# Partner home, notifications, invitations, share link ----------------------------------------------


class PartnerHomeView(LoginRequiredMixin, TemplateView):
    """Every workspace the person belongs to, across vendors, with what needs their attention."""

    template_name = "workspaces/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        workspaces = list(selectors.workspaces_for_user(user=user))
        attention = selectors.attention_for_user(user=user, workspaces=workspaces)
        for workspace in workspaces:
            workspace.attention = attention[workspace.pk]
        return {
            **super().get_context_data(**kwargs),
            "workspaces": workspaces,
            "notifications": selectors.notification_list(user=user, unread_only=True)[:5],
            "unread_count": selectors.unread_count(user=user),
        }


class NotificationsView(LoginRequiredMixin, View):
    def get(self, request):
        unread_only = request.GET.get("unread") == "1"
        page = paginate(request, selectors.notification_list(user=request.user, unread_only=unread_only), per_page=30)
        context = {
            "page": page,
            "unread_only": unread_only,
            "query": query_without_page(request),
            "unread_count": selectors.unread_count(user=request.user),
        }
        return render(request, "workspaces/notifications.html", context)

    def post(self, request):
        count = notification_services.notifications_mark_all_read(user=request.user)
        messages.success(
            request,
            ngettext("%(count)s notification marked read.", "%(count)s notifications marked read.", count)
            % {"count": count},
        )
        return redirect("workspaces:notifications")


class NotificationReadView(LoginRequiredMixin, View):
    def post(self, request, pk):
        notification = selectors.notification_list(user=request.user).filter(pk=pk).first()
        if notification is None:
            raise Http404(_("No such notification"))
        notification_services.notification_mark_read(user=request.user, notification=notification)
        target = notification.url or reverse("workspaces:notifications")
        if request.POST.get("open"):
            return redirect(target)
        return redirect("workspaces:notifications")


class PreferencesView(LoginRequiredMixin, View):
    template_name = "workspaces/preferences.html"

    def get(self, request, form=None, status=200):
        form = form or PreferenceForm(initial={"mode": selectors.notification_mode(user=request.user)})
        context = {"form": form, "unread_count": selectors.unread_count(user=request.user)}
        return render(request, self.template_name, context, status=status)

    def post(self, request):
        form = PreferenceForm(request.POST)
        if form.is_valid():
            notification_services.preference_set(user=request.user, mode=form.cleaned_data["mode"])
            messages.success(request, _("Notification preferences saved."))
            return redirect("workspaces:preferences")
        return self.get(request, form=form, status=400)


class InvitationAcceptView(View):
    """The link from the invitation e-mail. Anonymous visitors sign up or log in, then come back here."""

    def _invitation(self, token):
        return selectors.invitation_by_token_hash(token_hash=services.hash_token(token))

    def get(self, request, token):
        invitation = self._invitation(token)
        if invitation is None:
            reason = _("This invitation link is not valid. It may have been replaced by a newer e-mail.")
            return render(request, "workspaces/invitation_invalid.html", {"reason": reason}, status=404)
        if invitation.state != "pending":
            reason = invitation_closed_reason(invitation.state, _("Ask the person who invited you for a new one."))
            return render(request, "workspaces/invitation_invalid.html", {"reason": reason}, status=410)
        context = {"invitation": invitation, "next": request.path}
        if not request.user.is_authenticated:
            return render(request, "workspaces/invitation_welcome.html", context)
        return render(request, "workspaces/invitation_confirm.html", context)

    def post(self, request, token):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        invitation = self._invitation(token)
        if invitation is None:  # the same answer as the GET: an unknown token is not found, not a bad request
            return self.get(request, token)
        try:
            invitation_services.invitation_accept(raw_token=token, user=request.user)
        except ValidationError as exc:
            return render(request, "workspaces/invitation_invalid.html", {"reason": error_text(exc)}, status=400)
        messages.success(request, _("Welcome to %(name)s.") % {"name": invitation.workspace.name})
        return redirect("workspaces:detail", invitation.workspace.public_id)


class ShareView(View):
    """The view-only share link: plan and feed, no internal notes, no member e-mails, no files, no deals."""

    def get(self, request, token):
        workspace = selectors.workspace_by_share_token(token_hash=services.hash_token(token))
        if workspace is None:
            raise Http404(_("This link is not valid or has been turned off."))
        access = selectors.WorkspaceAccess(workspace=workspace, role=WorkspaceRole.VIEWER, side="partner", via="share")
        context = {
            "workspace": workspace,
            "access": access,
            "org": workspace.organization,
            "plans": plan_context(workspace, access),
            "feed": selectors.feed(workspace=workspace, include_internal=False)[:FEED_SIZE],
            "shared": True,
        }
        response = render(request, "workspaces/share.html", context)
        response["X-Robots-Tag"] = "noindex"
        response["Referrer-Policy"] = "no-referrer"
        return response
