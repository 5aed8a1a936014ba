"""Account mapping and co-sell in the partnership's workspace: what partner people see and do.

Every page resolves the workspace and the caller's access once (`WorkspaceMixin`): no access is a
404, a role too low a 403. Vendor users are sent to their own pages (Pipeline → Account mapping).
Reads go through `attribution.mapping_selectors` with `side="partner"`, so partner people see of the
vendor only what the vendor shares; writes go through `workspaces.mapping_services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from attribution import mapping_export, mapping_forms, mapping_importing
from attribution import mapping_selectors as selectors
from attribution.mapping_models import (
    CoSellRequest,
    MappingSide,
    PartnerAccountList,
    PartnerPopulation,
)
from attribution.views_mapping import map_context, overlap_list, white_space_context
from pom.models import Job, Membership, Role
from pom.pages import error_text
from pom.web import paginate, query_without_page
from workspaces import mapping_services as services
from workspaces.models import WorkspaceRole
from workspaces.views import WorkspaceMixin


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, error_text(exc))


class MappingMixin(WorkspaceMixin):
    """The workspace's map for the partner side; vendor users go to the vendor page."""

    def setup_map(self):
        partnership = services.mapping_partnership(access=self.access)
        if partnership is None:
            raise Http404(_("This workspace has no account map"))
        self.account_map = services.workspace_map(access=self.access)
        self.view = selectors.map_view(account_map=self.account_map, side=MappingSide.PARTNER)
        return partnership

    def vendor_redirect(self):
        return redirect(
            "attribution:mapping_detail",
            org_slug=self.workspace.organization.slug,
            partnership_pk=self.account_map.partnership_id,
        )

    def back(self, name: str = "workspaces:mapping"):
        return redirect(name, self.workspace.public_id)


class MappingView(MappingMixin, View):
    """The partner's map: consent, its list, what it shares, the matrix from its side."""

    template_name = "workspaces/mapping.html"

    def get(self, request, workspace_id, upload_form=None, status=200):
        partnership = self.setup_map()
        if self.access.is_vendor:
            return self.vendor_redirect()
        linked = partnership.partner.linked_organization_id
        context = self.base_context(
            "mapping",
            **map_context(self.view),
            upload_form=upload_form or mapping_forms.UploadForm(),
            history=selectors.list_history(account_map=self.account_map)[:10],
            can_share=self.access.can_manage,
            linked_org_owner=bool(
                linked and Membership.objects.for_org(linked).filter(user=request.user, role=Role.OWNER).exists()
            ),
            side="partner",
            **white_space_context(self.view, limit=10),
        )
        return render(request, self.template_name, context, status=status)


class MappingActionView(MappingMixin, View):
    """POST: opt-in, withdraw, sharing, linked / unlinked (partner-side owner); upload (editor)."""

    required_roles = {"POST": WorkspaceRole.VIEWER}  # each service checks the role its action needs
    template_name = MappingView.template_name  # an upload in error re-renders the map page

    def get(self, request, workspace_id, action):
        return self.back()

    def post(self, request, workspace_id, action):
        self.setup_map()
        access, actor = self.access, request.user
        try:
            if action == "opt-in":
                services.partner_opt_in(access=access, actor=actor)
                messages.success(request, _("You agreed to map accounts with the vendor."))
            elif action == "withdraw":
                services.partner_withdraw(access=access, actor=actor)
                messages.success(request, _("Consent withdrawn: nothing is compared or shown any more."))
            elif action == "sharing":
                levels = mapping_forms.sharing_levels_from_post(request.POST, self.view.populations, self.view.kinds)
                services.partner_sharing_set(
                    access=access, actor=actor, levels=levels, fields=request.POST.getlist("fields")
                )
                messages.success(request, _("Sharing saved; the vendor sees the change at once."))
            elif action in ("linked", "unlinked"):
                services.partner_linked_consent(access=access, actor=actor, give=action == "linked")
                messages.success(request, _("Saved."))
            elif action == "delete-list":
                services.partner_list_delete(access=access, actor=actor)
                messages.success(request, _("Your list and every overlap computed from it are deleted."))
            elif action == "upload":
                form = mapping_forms.UploadForm(request.POST, request.FILES)
                if not form.is_valid():
                    return MappingView.get(self, request, workspace_id, upload_form=form, status=400)
                try:
                    account_list = services.partner_list_upload(
                        access=access, actor=actor, upload=form.cleaned_data["file"]
                    )
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        form.add_error("file" if field not in form.fields else field, errors)
                    return MappingView.get(self, request, workspace_id, upload_form=form, status=400)
                return redirect("workspaces:mapping_list", self.workspace.public_id, account_list.pk)
            else:
                raise Http404(_("No such action"))
        except ValidationError as exc:
            _errors(request, exc)
        return self.back()


class ListView(MappingMixin, View):
    """A freshly uploaded list: map its columns, check every row (nothing replaced), then import."""

    template_name = "workspaces/mapping_list.html"

    def account_list(self) -> PartnerAccountList:
        self.setup_map()
        if self.access.is_vendor:
            raise PermissionDenied(_("Partner people upload their own list."))
        found = selectors.list_history(account_map=self.account_map).filter(pk=self.kwargs["list_pk"]).first()
        if found is None:
            raise Http404(_("No such list"))
        return found

    def render_list(self, account_list, form=None, status=200, preview=None):
        form = form or mapping_forms.ColumnMappingForm(
            headers=account_list.headers,
            initial_mapping=account_list.column_mapping,
            initial={"default_population": account_list.default_population},
        )
        context = self.base_context(
            "mapping",
            account_list=account_list,
            form=form,
            errors=account_list.errors[:200],
            error_count=len(account_list.errors),
            preview=preview or [],
            populations=dict(PartnerPopulation.choices),
            job=Job.objects.for_org(self.workspace.organization)
            .filter(kind="attribution.mapping_list", key=str(self.account_map.pk))
            .order_by("-created_at")
            .first(),
        )
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, workspace_id, list_pk):
        account_list = self.account_list()
        if request.GET.get("download") == "errors":  # the check's problems as a CSV file
            from django.http import HttpResponse

            from pom.validation import errors_csv

            response = HttpResponse(errors_csv(account_list.errors), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="list-{account_list.pk}-errors.csv"'
            return response
        return self.render_list(account_list)

    def post(self, request, workspace_id, list_pk):
        account_list = self.account_list()
        if request.POST.get("commit"):
            try:
                services.partner_list_commit(access=self.access, actor=request.user, account_list=account_list)
            except ValidationError as exc:
                _errors(request, exc)
                return self.render_list(account_list, status=400)
            messages.success(request, _("Import started: your list replaces the previous one when every row is in."))
            return self.back()
        form = mapping_forms.ColumnMappingForm(request.POST, headers=account_list.headers)
        if not form.is_valid():
            return self.render_list(account_list, form=form, status=400)
        try:
            rows, errors = services.partner_list_preview(
                access=self.access,
                account_list=account_list,
                mapping_=form.mapping(),
                default_population=form.cleaned_data["default_population"],
            )
        except ValidationError as exc:
            _errors(request, exc)
            return self.render_list(account_list, form=form, status=400)
        account_list.refresh_from_db()
        return self.render_list(account_list, form=form, status=400 if errors else 200, preview=rows[:20])


class ListTemplateView(MappingMixin, View):
    """The CSV template for partner lists."""

    def get(self, request, workspace_id):
        from django.http import HttpResponse

        response = HttpResponse(mapping_importing.template_csv(), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="pom-account-list-template.csv"'
        return response


class AccountsView(MappingMixin, View):
    """A cell's accounts in common, or a vendor population shared whole, from the partner's side."""

    template_name = "workspaces/mapping_accounts.html"

    def get(self, request, workspace_id):
        self.setup_map()
        if self.access.is_vendor:
            return self.vendor_redirect()
        view, q = self.view, request.GET.get("q", "").strip()
        context = self.base_context("mapping", view=view, account_map=self.account_map, q=q, side="partner")
        their = request.GET.get("their")
        if their:
            population = view.population(their)
            if population is None or population.pk not in view.fully_shared():
                raise Http404(_("Not shared"))
            rows = selectors.their_rows(
                view, key=population.pk, unmatched_only=request.GET.get("unmatched") == "1", q=q
            )
            if request.GET.get("format") == "csv":
                return mapping_export.their_csv(view, rows, filename=f"vendor-{population.slug}.csv")
            page = paginate(request, rows, per_page=50)
            context.update(
                mode="their",
                title=population.name,
                page=page,
                payloads=[selectors.their_payload(view, r) for r in page.object_list],
            )
        else:
            csv = overlap_list(request, view, q=q, context=context, filename="overlap-{kind}-{population}.csv")
            if csv is not None:
                return csv
        context["query"] = query_without_page(request)
        return render(request, self.template_name, context)


class MatchesView(MappingMixin, View):
    """Name matches the partner may review (where the vendor shares the accounts)."""

    template_name = "workspaces/mapping_matches.html"

    def get(self, request, workspace_id, **kwargs):
        self.setup_map()
        if self.access.is_vendor:
            return self.vendor_redirect()
        if kwargs:
            return self.back("workspaces:mapping_matches")
        page = paginate(request, selectors.fuzzy_matches(self.view), per_page=50)
        context = self.base_context(
            "mapping",
            view=self.view,
            account_map=self.account_map,
            page=page,
            query=query_without_page(request),
            payloads=[selectors.row_payload(self.view, m) for m in page.object_list],
            side="partner",
        )
        return render(request, self.template_name, context)

    def post(self, request, workspace_id, match_pk, verdict):
        self.setup_map()
        match = selectors.fuzzy_matches(self.view).filter(pk=match_pk).first()
        if match is None:
            raise Http404(_("No such match"))
        try:
            services.partner_match_decide(access=self.access, actor=request.user, match=match, verdict=verdict)
            messages.success(request, _("Match confirmed.") if verdict == "confirmed" else _("Match rejected."))
        except ValidationError as exc:
            _errors(request, exc)
        return self.back("workspaces:mapping_matches")


class CoSellView(MappingMixin, View):
    """Co-sell requests the vendor sent this partnership; partner editors accept or decline them."""

    template_name = "workspaces/cosell.html"

    def requests(self):
        return (
            CoSellRequest.objects.for_org(self.workspace.organization)
            .filter(partnership_id=self.account_map.partnership_id)
            .select_related("requested_by", "answered_by")
            .order_by("-created_at", "-id")
        )

    def get(self, request, workspace_id, form=None, status=200, **kwargs):
        self.setup_map()
        page = paginate(request, self.requests(), per_page=25)
        context = self.base_context(
            "cosell",
            page=page,
            query=query_without_page(request),
            form=form or mapping_forms.CoSellAnswerForm(),
            can_answer=self.access.can_edit and not self.access.is_vendor,
        )
        return render(request, self.template_name, context, status=status)

    def post(self, request, workspace_id, pk):
        self.setup_map()
        request_row = self.requests().filter(pk=pk).first()
        if request_row is None:
            raise Http404(_("No such request"))
        form = mapping_forms.CoSellAnswerForm(request.POST)
        if not form.is_valid():
            return self.get(request, workspace_id, form=form, status=400)
        data = form.cleaned_data
        try:
            services.partner_cosell_answer(
                access=self.access,
                actor=request.user,
                request=request_row,
                accept=data["decision"] == "accept",
                note=data["note"],
                economic_buyer=data["economic_buyer"],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Thanks: the vendor is told."))
        return redirect(reverse("workspaces:cosell", args=[self.workspace.public_id]))


class JobView(MappingMixin, View):
    """The status fragment of this workspace's mapping jobs (polled by the page)."""

    def get(self, request, workspace_id, job_pk):
        self.setup_map()
        job = (
            Job.objects.for_org(self.workspace.organization)
            .filter(pk=job_pk, scope=f"partnership:{self.account_map.partnership_id}")
            .first()
        )
        if job is None:
            raise Http404(_("No such job"))
        return render(request, "workspaces/_mapping_job.html", self.base_context("mapping", job=job))
