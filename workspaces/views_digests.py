"""Pages of digests and next best actions.

Under /w/<workspace_id>/ (WorkspaceMixin: no access 404, role too low 403): the digests of the workspace,
one digest with its figures and their sources, edit / approve / preview-as for the vendor's editors, the
suggestions card actions, and the person's mute switch. /w/links/<token>/ is the e-mailed action link
(no login needed). Under /o/<org>/workspaces/: the review queue, the ranked "needs attention" list,
digest and rule settings with the rules' acceptance and dismissal rates, and the partner-page tab.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from partners.models import Partner
from pom import jobs
from pom.models import Role
from pom.pages import error_text
from pom.tenancy import OrgRequiredMixin
from pom.web import paginate, query_without_page
from workspaces import action_links, digest_outbox, digest_selectors, digest_services, nba_services, selectors
from workspaces.digest_forms import (
    CheckinLinkForm,
    DigestEditForm,
    DigestPreferenceForm,
    DigestSettingsForm,
    DismissForm,
    SnoozeForm,
)
from workspaces.models import ActionLink, Digest, DigestKind, NotificationPreference, Suggestion
from workspaces.nba_rules import all_rules
from workspaces.views import PreferencesView, WorkspaceMixin


def digest_card_context(workspace, access) -> dict:
    """What the workspace page's "Digests and next best actions" card shows to this person."""
    return {
        "card_digests": list(digest_selectors.digests_for(access=access)[:3]),
        "card_suggestions": list(digest_selectors.suggestions_for(access=access)[:8]),
        "dismiss_form": DismissForm(),
        "snooze_form": SnoozeForm(),
    }


class DigestListView(WorkspaceMixin, TemplateView):
    template_name = "workspaces/digests.html"

    def get_context_data(self, **kwargs):
        page = paginate(self.request, digest_selectors.digests_for(access=self.access), per_page=20)
        return self.base_context(
            "digests",
            page=page,
            query=query_without_page(self.request),
            muted=digest_selectors.is_muted(workspace=self.workspace, user=self.request.user),
        )


class DigestDetailView(WorkspaceMixin, View):
    template_name = "workspaces/digest_detail.html"

    def _digest(self, pk) -> Digest:
        digest = digest_selectors.digest_for(access=self.access, pk=pk)
        if digest is None:
            raise Http404(_("No such digest"))
        return digest

    def get(self, request, workspace_id, pk, form=None, status=200):
        digest = self._digest(pk)
        context = self.base_context("digests", digest=digest)
        if self.access.is_vendor:
            as_user = digest_selectors.preview_user(digest=digest, user_id=request.GET.get("as"))
            user, side = as_user or (request.user, "vendor")
            context.update(
                form=form or DigestEditForm(initial={"subject": digest.subject, "body": digest.body}),
                mails=list(digest_selectors.digest_mails(digest=digest)),
                recipients=digest_selectors.digest_recipients_preview(digest=digest),
                preview_as=user,
                can_review=self.access.can_edit,
            )
        else:
            user, side = request.user, "partner"
        context["preview"] = digest_outbox.render_mail(digest=digest, user=user, side=side, create_links=False)
        return render(request, self.template_name, context, status=status)

    def post(self, request, workspace_id, pk):
        digest = self._digest(pk)
        action = request.POST.get("action")
        try:
            if action == "approve":
                digest_services.digest_approve(access=self.access, actor=request.user, digest=digest)
                messages.success(request, _("Approved: the digest is on its way to its recipients."))
            elif action == "edit":
                form = DigestEditForm(request.POST)
                if not form.is_valid():
                    return self.get(request, workspace_id, pk, form=form, status=400)
                digest_services.digest_update(
                    access=self.access, actor=request.user, digest=digest, **form.cleaned_data
                )
                messages.success(request, _("Digest saved."))
            else:
                raise ValidationError({"action": _("Choose edit or approve.")})
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("workspaces:digest", self.workspace.public_id, digest.pk)
        return redirect("workspaces:digest", self.workspace.public_id, digest.pk)


class DigestMailResendView(WorkspaceMixin, View):
    def post(self, request, workspace_id, pk, mail_pk):
        digest = digest_selectors.digest_for(access=self.access, pk=pk)
        mail = digest_selectors.digest_mails(digest=digest).filter(pk=mail_pk).first() if digest else None
        if mail is None:
            raise Http404(_("No such mail"))
        try:
            digest_services.mail_resend(access=self.access, actor=request.user, mail=mail)
            messages.success(request, _("Queued again for %(who)s.") % {"who": mail.email})
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("workspaces:digest", self.workspace.public_id, pk)


class DigestMuteView(WorkspaceMixin, View):
    required_roles = {"POST": "viewer"}

    def post(self, request, workspace_id):
        muted = request.POST.get("muted") == "1"
        digest_services.digest_mute_set(access=self.access, user=request.user, muted=muted)
        messages.success(request, _("Digests of this workspace muted.") if muted else _("Digests unmuted."))
        return redirect("workspaces:digests", self.workspace.public_id)


def _suggestion_action(request, *, org, suggestion, action, access=None) -> None:
    """Accept, dismiss or snooze; messages say what happened or what was wrong."""
    try:
        if action == "accept":
            s = nba_services.accept(org=org, actor=request.user, suggestion=suggestion, access=access)
            messages.success(request, _("Added to the plan: “%(t)s”.") % {"t": s.activity.title})
        elif action == "dismiss":
            form = DismissForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            nba_services.dismiss(org=org, actor=request.user, suggestion=suggestion, reason=reason, access=access)
            messages.success(request, _("Dismissed. It comes back only if its evidence changes."))
        elif action == "snooze":
            form = SnoozeForm(request.POST)
            until = form.cleaned_data["until"] if form.is_valid() else None
            nba_services.snooze(org=org, actor=request.user, suggestion=suggestion, until=until, access=access)
            messages.success(request, _("Snoozed."))
        else:
            raise Http404(_("No such action"))
    except ValidationError as exc:
        messages.error(request, error_text(exc))


class SuggestionActionView(WorkspaceMixin, View):
    def post(self, request, workspace_id, pk, action):
        suggestion = digest_selectors.suggestions_for(access=self.access).filter(pk=pk).first()
        if suggestion is None:
            raise Http404(_("No such suggestion"))
        _suggestion_action(
            request, org=self.workspace.organization, suggestion=suggestion, action=action, access=self.access
        )
        return self.back()


class DigestPreferencesView(PreferencesView):
    """The notification preferences page, with the digest preferences on the same form."""

    def get(self, request, form=None, status=200):
        pref = NotificationPreference.objects.filter(user=request.user).first()
        form = form or DigestPreferenceForm(
            initial={
                "mode": selectors.notification_mode(user=request.user),
                "digest_frequency": pref.digest_frequency if pref else NotificationPreference.DigestFrequency.WEEKLY,
                "digest_kinds": pref.digest_kinds if pref else [],
                "language": pref.language if pref else "",
            }
        )
        return super().get(request, form=form, status=status)

    def post(self, request):
        from workspaces import notification_services

        form = DigestPreferenceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            notification_services.preference_set(user=request.user, mode=data["mode"])
            if data["digest_frequency"]:
                digest_services.digest_preference_set(
                    user=request.user,
                    frequency=data["digest_frequency"],
                    kinds=data["digest_kinds"],
                    language=data["language"],
                )
            messages.success(request, _("Notification preferences saved."))
            return redirect("workspaces:preferences")
        return self.get(request, form=form, status=400)


class ActionLinkView(View):
    """The e-mailed action link. GET shows what it will do (mail scanners follow links, so GET never
    writes); POST does it as the link's person. Every refusal is a page saying why, with nothing written."""

    template_name = "workspaces/action_link.html"

    def _refused(self, request, exc: action_links.LinkRefused):
        return render(request, "workspaces/action_link_refused.html", {"reason": exc.reason}, status=exc.status)

    def get(self, request, token, form=None, status=200, error=""):
        try:
            resolved = action_links.resolve(raw=token, request_user=request.user)
        except action_links.LinkRefused as exc:
            return self._refused(request, exc)
        link = resolved.link
        if link.action == ActionLink.Action.OPEN:
            from workspaces.views import plan_context

            context = {
                "link": link,
                "workspace": link.workspace,
                "org": link.workspace.organization,
                "access": resolved.access,
                "plans": plan_context(link.workspace, resolved.access),
                "shared": True,
            }
            return render(request, "workspaces/action_link_open.html", context)
        context = {
            "link": link,
            "target": resolved.target,
            "form": form or CheckinLinkForm(),
            "error": error,
            "workspace": link.workspace,
        }
        return render(request, self.template_name, context, status=status)

    def post(self, request, token):
        form = CheckinLinkForm(request.POST)
        form.is_valid()
        try:
            link, _result = action_links.perform(raw=token, data=request.POST, request_user=request.user)
        except action_links.LinkRefused as exc:
            return self._refused(request, exc)
        except ValidationError as exc:
            return self.get(request, token, form=form, status=400, error=error_text(exc))
        return render(request, "workspaces/action_link_done.html", {"link": link, "workspace": link.workspace})


# Vendor side ---------------------------------------------------------------------------------------


class OrgDigestListView(OrgRequiredMixin, TemplateView):
    """The review queue: every digest of the organization, drafts first by default."""

    template_name = "workspaces/org_digests.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        kind = self.request.GET.get("kind", "")
        status = status if status in Digest.Status.values else ""
        kind = kind if kind in DigestKind.values else ""
        qs = digest_selectors.org_digests(org=self.org, status=status, kind=kind)
        context.update(
            page=paginate(self.request, qs, per_page=30),
            query=query_without_page(self.request),
            status=status,
            kind=kind,
            statuses=Digest.Status.choices,
            kinds=DigestKind.choices,
            job=jobs.job_latest(org=self.org, kind=digest_services.JOB_KIND, key=f"weekly:{self._period()}"),
        )
        return context

    def _period(self):
        from django.utils import timezone

        from workspaces.digest_facts import period_key

        return period_key("weekly", timezone.localdate())

    def post(self, request, org_slug):
        from django.utils import timezone

        kind = request.POST.get("kind", DigestKind.WEEKLY)
        if kind not in DigestKind.values:
            raise Http404(_("No such kind"))
        job = digest_services.run_request(org=self.org, kind=kind, today=timezone.localdate(), actor=request.user)
        messages.success(request, _("Digest run requested: %(label)s.") % {"label": job.label})
        return redirect("org_job", self.org.slug, job.pk)


class AttentionView(OrgRequiredMixin, TemplateView):
    """The ranked "needs attention" list: open suggestions, for the partnerships I own by default."""

    template_name = "workspaces/attention.html"
    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scope = self.request.GET.get("scope", "mine")
        rule = self.request.GET.get("rule", "")
        owner = self.request.user if scope == "mine" else None
        qs = digest_selectors.attention_list(org=self.org, owner=owner, rule=rule)
        context.update(
            page=paginate(self.request, qs, per_page=25),
            query=query_without_page(self.request),
            scope=scope,
            rule=rule,
            rules=all_rules(),
            dismiss_form=DismissForm(),
            snooze_form=SnoozeForm(),
            job=jobs.job_latest(org=self.org, kind=nba_services.JOB_KIND),
        )
        return context

    def suggestion(self, pk):
        suggestion = digest_selectors.attention_list(org=self.org).filter(pk=pk).first()
        if suggestion is None:
            raise Http404(_("No such suggestion"))
        return suggestion

    def get(self, request, *args, pk=None, action=None, **kwargs):
        if pk is not None:  # an action's URL: POST only, once the suggestion is found (a foreign id is 404)
            self.suggestion(pk)
            return HttpResponseNotAllowed(["POST"])
        return super().get(request, *args, **kwargs)

    def post(self, request, org_slug, pk=None, action=None):
        if pk is None:
            nba_services.refresh_request(org=self.org, actor=request.user)
            messages.success(request, _("The rules are running; the list refreshes when they are done."))
            return redirect("workspaces-org:attention", self.org.slug)
        suggestion = self.suggestion(pk)
        _suggestion_action(request, org=self.org, suggestion=suggestion, action=action)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("workspaces-org:attention", args=[self.org.slug])
        return redirect(target)


class DigestSettingsView(OrgRequiredMixin, TemplateView):
    """Admins: review-first or auto-send, the LLM writer, kinds and rules on or off, and each rule's
    acceptance and dismissal rates."""

    template_name = "workspaces/digest_settings.html"
    required_roles = {"GET": Role.ADMIN, "POST": Role.ADMIN}

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        conf = digest_services.settings_for(org=self.org)
        rules = all_rules()
        form = form or DigestSettingsForm(
            rules=rules,
            initial={
                "mode": conf.mode,
                "llm_enabled": conf.llm_enabled,
                "enabled_kinds": [k for k in DigestKind.values if k not in conf.disabled_kinds],
                "enabled_rules": [fn.code for fn in rules if fn.code not in conf.disabled_rules],
            },
        )
        stats = digest_selectors.rule_stats(org=self.org, disabled=conf.disabled_rules)
        for row in stats:
            row["reasons"] = digest_selectors.dismiss_reasons(org=self.org, rule=row["code"])
        context.update(form=form, stats=stats, conf=conf)
        return context

    def post(self, request, org_slug):
        rules = all_rules()
        form = DigestSettingsForm(request.POST, rules=rules)
        if form.is_valid():
            data = form.cleaned_data
            digest_services.settings_update(
                org=self.org,
                actor=request.user,
                data={
                    "mode": data["mode"],
                    "llm_enabled": data["llm_enabled"],
                    "disabled_kinds": [k for k in DigestKind.values if k not in data["enabled_kinds"]],
                    "disabled_rules": [fn.code for fn in rules if fn.code not in data["enabled_rules"]],
                },
            )
            messages.success(request, _("Digest settings saved."))
            return redirect("workspaces-org:digest_settings", self.org.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PartnerNbaTabView(OrgRequiredMixin, TemplateView):
    """The "Next best actions" tab of the partner page: open suggestions on the partner's partnerships."""

    template_name = "workspaces/_partner_nba_tab.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partner = Partner.objects.for_org(self.org).filter(pk=self.kwargs["partner_pk"]).first()
        if partner is None:
            raise Http404(_("No such partner"))
        context.update(
            partner=partner,
            suggestions=list(digest_selectors.attention_list(org=self.org, partner_id=partner.pk)[:50]),
            dismiss_form=DismissForm(),
            snooze_form=SnoozeForm(),
            statuses=Suggestion.Status,
        )
        return context
