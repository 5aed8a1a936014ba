"""Vendor pages under /o/<org>/workspaces/: the workspace list, deal-room creation and the partner-page tab."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from partners.models import Partner
from pom.pages import HtmxFragmentMixin, OrgPage, add_errors
from pom.tenancy import OrgRequiredMixin
from pom.web import paginate, query_without_page
from workspaces import selectors, services
from workspaces.filters import WorkspaceFilter
from workspaces.forms import (
    DealRoomForm,
)

# Vendor side ---------------------------------------------------------------------------------------


class OrgWorkspaceListView(HtmxFragmentMixin, OrgRequiredMixin, TemplateView):
    template_name = "workspaces/org_list.html"

    fragment_template_name = "workspaces/_org_table.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = WorkspaceFilter(self.request.GET, queryset=selectors.workspace_list(org=self.org), org=self.org)
        context.update(
            filter=filterset,
            page=paginate(self.request, filterset.qs),
            query=query_without_page(self.request),
        )
        return context


class DealRoomCreateView(OrgPage):
    """Open a workspace around several partnerships and, optionally, one opportunity (a deal room).

    `?opportunity=<id>` preselects the deal and the partnerships already involved in it.
    """

    template_name = "workspaces/deal_room_form.html"
    required_roles = {"GET": "manager", "POST": "manager"}

    def get(self, request, org_slug):
        initial = {}
        opportunity = selectors.open_opportunity(org=self.org, pk=request.GET.get("opportunity"))
        if opportunity is not None:
            initial = {
                "opportunity": opportunity,
                "name": f"Deal room · {opportunity.name}",
                "partnerships": selectors.opportunity_partnership_ids(org=self.org, opportunity=opportunity),
            }
        return self.show(request, self.ctx(form=DealRoomForm(org=self.org, initial=initial)))

    def post(self, request, org_slug):
        form = DealRoomForm(request.POST, org=self.org)
        if form.is_valid():
            data = form.cleaned_data
            try:
                workspace = services.workspace_create(
                    org=self.org,
                    actor=request.user,
                    name=data["name"],
                    description=data["description"],
                    partnerships=list(data["partnerships"]),
                    opportunity=data["opportunity"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request, _("Deal room “%(name)s” is open: invite the partners' people.") % {"name": workspace.name}
                )
                return redirect(services.workspace_url(workspace, "workspaces:members"))
        return self.show(request, self.ctx(form=form), status=400)


class PartnerTabView(OrgRequiredMixin, TemplateView):
    """The Workspaces tab of the vendor's partner page (an HTML fragment): each workspace of the partner's
    partnerships with its members and pending invitations."""

    template_name = "workspaces/_partner_tab.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partner = Partner.objects.for_org(self.org).filter(pk=self.kwargs["partner_pk"]).first()
        if partner is None:
            raise Http404(_("No such partner"))
        context.update(partner=partner, workspaces=selectors.workspace_list(org=self.org, partner_id=partner.pk))
        return context
