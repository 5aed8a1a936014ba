"""Account mapping and co-sell pages of the vendor, under /o/<org>/pipeline/mapping/ and /co-sell/.

Reads go through `mapping_selectors` (which applies what the partner shares), writes through
`mapping_services` and `cosell`. Viewers read; managers recompute, review matches and send co-sell
requests; admins and owners give consent and decide what is shared.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from attribution import cosell, cosell_selectors, mapping_export, mapping_forms, mapping_services
from attribution import mapping_selectors as selectors
from attribution.mapping_models import (
    AccountMap,
    CoSellRequest,
    MappingSide,
    PartnerPopulation,
    Population,
    ShareLevel,
)
from attribution.mapping_services import PARTNER_FIELDS, VENDOR_FIELDS
from attribution.models import Account, Opportunity
from attribution.views import PipelineView, _first
from partners.models import Partnership
from pom import jobs
from pom.models import Role
from pom.pages import error_text
from pom.web import paginate, query_without_page


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, error_text(exc))


def sharing_grid(view: selectors.MapView) -> list[dict]:
    """Rows of the sharing form: each vendor population with this side's level per partner kind."""
    return [
        {
            "population": p,
            "cells": [
                {"kind": kind, "label": label, "name": f"level_{p.pk}_{kind}", "level": view.my_level(p.pk, kind)}
                for kind, label in view.kinds
            ],
        }
        for p in view.populations
    ]


def map_context(view: selectors.MapView) -> dict:
    """What both sides' map pages show: matrix, sharing grid, fields, the stored result's age."""
    account_map = view.account_map
    my_fields = account_map.vendor_fields if view.side == MappingSide.VENDOR else account_map.partner_fields
    field_choices = VENDOR_FIELDS if view.side == MappingSide.VENDOR else PARTNER_FIELDS
    return {
        "view": view,
        "account_map": account_map,
        "matrix": selectors.matrix(view),
        "sharing": sharing_grid(view),
        "levels": list(ShareLevel.choices),
        "field_choices": [(k, v, k in my_fields) for k, v in field_choices.items()],
        "their_fields": [
            str((PARTNER_FIELDS if view.side == MappingSide.VENDOR else VENDOR_FIELDS)[f]) for f in view.their_fields
        ],
        "explanation": selectors.overlap_explanation(),
        "current_list": selectors.current_list(account_map=account_map),
        "job": jobs.job_latest(org=account_map.organization, kind="attribution.mapping", key=str(account_map.pk)),
        "list_job": jobs.job_latest(
            org=account_map.organization, kind="attribution.mapping_list", key=str(account_map.pk)
        ),
        "fully_shared": view.fully_shared(),
        "kinds": view.kinds,
    }


def white_space_context(view: selectors.MapView, limit: int = 50) -> dict:
    """The white-space lists as payloads (first `limit` of each), for both sides' pages."""
    white = selectors.white_space(view)
    context = {"pair": white["pair"], "prospects": None, "unknown": None}
    if white["prospects"] is not None:
        context["prospects"] = [selectors.row_payload(view, m) for m in white["prospects"][:limit]]
        context["prospects_count"] = white["prospects"].count()
    if white["unknown"] is not None:
        context["unknown"] = [selectors.their_payload(view, r) for r in white["unknown"][:limit]]
        context["unknown_count"] = white["unknown"].count()
    return context


class MappingView(PipelineView):
    """Base: resolves the partnership's map from the URL (404 for another tenant's)."""

    def partnership(self, partnership_pk) -> Partnership:
        return _first(Partnership.objects.for_org(self.org).select_related("partner", "program"), partnership_pk)

    def account_map(self, partnership_pk) -> AccountMap:
        partnership = self.partnership(partnership_pk)
        return mapping_services.account_map_ensure(org=self.org, partnership=partnership)

    def view_for(self, partnership_pk) -> selectors.MapView:
        return selectors.map_view(account_map=self.account_map(partnership_pk), side=MappingSide.VENDOR)


class MappingListView(PipelineView):
    """Every partnership with the state of its map; filter by partner name and status."""

    template_name = "attribution/mapping_list.html"

    def get(self, request, org_slug):
        maps = AccountMap.objects.for_org(self.org)
        qs = (
            Partnership.objects.for_org(self.org)
            .select_related("partner", "program")
            .prefetch_related(Prefetch("account_maps", queryset=maps))
            .annotate(
                vendor_ok=Exists(maps.filter(partnership=OuterRef("pk"), vendor_opt_in_at__isnull=False)),
                partner_ok=Exists(maps.filter(partnership=OuterRef("pk"), partner_opt_in_at__isnull=False)),
            )
            .order_by("partner__name", "program__name", "id")
        )
        q, status = request.GET.get("q", "").strip(), request.GET.get("status", "")
        if q:
            qs = qs.filter(partner__name__icontains=q)
        if status == "active":
            qs = qs.filter(vendor_ok=True, partner_ok=True)
        elif status == "waiting_partner":
            qs = qs.filter(vendor_ok=True, partner_ok=False)
        elif status == "waiting_vendor":
            qs = qs.filter(vendor_ok=False, partner_ok=True)
        elif status == "not_started":
            qs = qs.filter(vendor_ok=False, partner_ok=False)
        page = paginate(request, qs, per_page=25)
        for partnership in page.object_list:
            found = list(partnership.account_maps.all())
            partnership.map = found[0] if found else None
        context = self.ctx(page=page, query=query_without_page(request), q=q, status=status, section="mapping")
        return render(request, self.template_name, context)


class MapDetailView(MappingView):
    template_name = "attribution/mapping_detail.html"

    def get(self, request, org_slug, partnership_pk):
        view = self.view_for(partnership_pk)
        context = self.ctx(**map_context(view), section="mapping")
        return render(request, self.template_name, context)


class MapActionView(MappingView):
    """POST: opt-in / withdraw / sharing (admin), recompute (manager)."""

    required_roles = {"POST": Role.MANAGER}

    def get(self, request, org_slug, partnership_pk, action):
        """POST only; the partnership is looked up first, so another tenant's or a missing id is 404."""
        self.partnership(partnership_pk)
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, org_slug, partnership_pk, action):
        account_map = self.account_map(partnership_pk)
        org, actor = self.org, request.user
        try:
            if action == "opt-in":
                mapping_services.mapping_opt_in(org=org, actor=actor, account_map=account_map, side=MappingSide.VENDOR)
                messages.success(request, _("You agreed to map accounts with this partner."))
            elif action == "withdraw":
                mapping_services.mapping_withdraw(
                    org=org, actor=actor, account_map=account_map, side=MappingSide.VENDOR
                )
                messages.success(request, _("Consent withdrawn: nothing is compared or shown any more."))
            elif action == "sharing":
                view = selectors.map_view(account_map=account_map, side=MappingSide.VENDOR)
                levels = mapping_forms.sharing_levels_from_post(request.POST, view.populations, view.kinds)
                mapping_services.sharing_set(
                    org=org,
                    actor=actor,
                    account_map=account_map,
                    side=MappingSide.VENDOR,
                    levels=levels,
                    fields=request.POST.getlist("fields"),
                )
                messages.success(request, _("Sharing saved; the partner sees the change at once."))
            elif action == "recompute":
                if not account_map.both_opted_in:
                    raise ValidationError(_("Both sides must agree before the lists are compared."))
                mapping_services.account_map_recompute_request(org=org, actor=actor, account_map=account_map)
                messages.success(request, _("Recomputation queued."))
            else:
                raise Http404(_("No such action"))
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("attribution:mapping_detail", org_slug=org.slug, partnership_pk=partnership_pk)


class MapAccountsView(MappingView):
    """One cell's accounts in common (?v=<population>&p=<partner kind>), or a population the partner
    shares whole (?their=<kind>[&unmatched=1]); `format=csv` exports what is shown."""

    template_name = "attribution/mapping_accounts.html"

    def get(self, request, org_slug, partnership_pk):
        view = self.view_for(partnership_pk)
        q = request.GET.get("q", "").strip()
        their = request.GET.get("their")
        context = self.ctx(view=view, account_map=view.account_map, q=q, section="mapping", side="vendor")
        if their:
            if their not in PartnerPopulation.values or their not in view.fully_shared():
                raise Http404(_("Not shared"))
            rows = selectors.their_rows(view, key=their, unmatched_only=request.GET.get("unmatched") == "1", q=q)
            if request.GET.get("format") == "csv":
                return mapping_export.their_csv(view, rows, filename=f"their-{their}.csv")
            page = paginate(request, rows, per_page=50)
            context.update(
                mode="their",
                title=PartnerPopulation(their).label,
                page=page,
                payloads=[selectors.their_payload(view, r) for r in page.object_list],
            )
        else:
            csv = overlap_list(request, view, q=q, context=context, filename="overlap-{population}-{kind}.csv")
            if csv is not None:
                return csv
        context["query"] = query_without_page(request)
        return render(request, self.template_name, context)


class WhiteSpaceView(MappingView):
    """The partner's customers that are our prospects, or accounts we do not have, as far as shared."""

    template_name = "attribution/mapping_white_space.html"

    def get(self, request, org_slug, partnership_pk):
        view = self.view_for(partnership_pk)
        context = self.ctx(view=view, account_map=view.account_map, section="mapping", side="vendor")
        context.update(white_space_context(view))
        return render(request, self.template_name, context)


class MatchesView(MappingView):
    """Name matches to review: confirm or reject (remembered for the next lists)."""

    template_name = "attribution/mapping_matches.html"
    required_roles = {"POST": Role.MANAGER}

    def get(self, request, org_slug, partnership_pk, **kwargs):
        view = self.view_for(partnership_pk)
        if kwargs:  # the decision URL itself: POST only, once the match is found (a foreign id is 404)
            _first(selectors.fuzzy_matches(view), kwargs["match_pk"])
            return HttpResponseNotAllowed(["POST"])
        page = paginate(request, selectors.fuzzy_matches(view), per_page=50)
        context = self.ctx(
            view=view,
            account_map=view.account_map,
            page=page,
            query=query_without_page(request),
            payloads=[selectors.row_payload(view, m) for m in page.object_list],
            section="mapping",
            side="vendor",
        )
        return render(request, self.template_name, context)

    def post(self, request, org_slug, partnership_pk, match_pk=None, verdict=None):
        view = self.view_for(partnership_pk)
        match = _first(selectors.fuzzy_matches(view), match_pk)
        try:
            mapping_services.match_decide(
                org=self.org, actor=request.user, match=match, verdict=verdict, side=MappingSide.VENDOR
            )
            messages.success(request, _("Match confirmed.") if verdict == "confirmed" else _("Match rejected."))
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("attribution:mapping_matches", org_slug=self.org.slug, partnership_pk=partnership_pk)


class PopulationsView(PipelineView):
    """The vendor's populations; admins add custom ones defined by filters, rename or switch them off."""

    template_name = "attribution/mapping_populations.html"
    required_roles = {"GET": Role.VIEWER, "POST": Role.ADMIN}

    def get(self, request, org_slug, form=None, status=200):
        populations = list(selectors.population_list(org=self.org, active_only=False))
        for population in populations:
            population.explanation = selectors.population_explanation(population)
        context = self.ctx(populations=populations, form=form or mapping_forms.PopulationForm(), section="mapping")
        return render(request, self.template_name, context, status=status)

    def post(self, request, org_slug, pk=None):
        if pk is not None:
            population = _first(Population.objects.for_org(self.org), pk)
            try:
                if request.POST.get("action") == "delete":
                    mapping_services.population_delete(org=self.org, actor=request.user, population=population)
                else:
                    mapping_services.population_update(
                        org=self.org,
                        actor=request.user,
                        population=population,
                        data={"is_active": not population.is_active},
                    )
            except ValidationError as exc:
                _errors(request, exc)
            return redirect("attribution:mapping_populations", org_slug=self.org.slug)
        form = mapping_forms.PopulationForm(request.POST)
        if form.is_valid():
            try:
                mapping_services.population_create(
                    org=self.org, actor=request.user, name=form.cleaned_data["name"], filters=form.filters()
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Population added; the maps are being recomputed."))
                return redirect("attribution:mapping_populations", org_slug=self.org.slug)
        return self.get(request, org_slug, form=form, status=400)


class MappedAccountsView(PipelineView):
    """Our accounts and, for each, the partners that have it (as far as each shares)."""

    template_name = "attribution/mapping_our_accounts.html"

    def get(self, request, org_slug):
        q, has = request.GET.get("q", "").strip(), request.GET.get("has_partners", "")
        page = paginate(request, selectors.account_mapping_rows(org=self.org, q=q, has_partners=has), per_page=50)
        partners = selectors.partners_for_accounts(org=self.org, account_ids=[a.pk for a in page.object_list])
        for account in page.object_list:
            account.partners = partners.get(account.pk, [])
        context = self.ctx(page=page, q=q, has_partners=has, query=query_without_page(request), section="mapping")
        return render(request, self.template_name, context)


class AccountDetailView(PipelineView):
    """One account: which partners have it as a customer, prospect or open opportunity; ask for help."""

    template_name = "attribution/mapping_account.html"
    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER}

    def get(self, request, org_slug, account_pk, form=None, status=200):
        account = _first(Account.objects.for_org(self.org), account_pk)
        partners = selectors.partners_for_accounts(org=self.org, account_ids=[account.pk]).get(account.pk, [])
        opportunities = Opportunity.objects.for_org(self.org).filter(account=account, status=Opportunity.Status.OPEN)
        context = self.ctx(
            account=account,
            partners=partners,
            opportunities=opportunities,
            requests=cosell_selectors.cosell_request_list(org=self.org).filter(account=account)[:20],
            form=form or mapping_forms.CoSellRequestForm(partners=partners, opportunities=opportunities),
            section="cosell",
        )
        return render(request, self.template_name, context, status=status)

    def post(self, request, org_slug, account_pk):
        account = _first(Account.objects.for_org(self.org), account_pk)
        partners = selectors.partners_for_accounts(org=self.org, account_ids=[account.pk]).get(account.pk, [])
        opportunities = Opportunity.objects.for_org(self.org).filter(account=account, status=Opportunity.Status.OPEN)
        form = mapping_forms.CoSellRequestForm(request.POST, partners=partners, opportunities=opportunities)
        if form.is_valid():
            data = form.cleaned_data
            account_map = _first(
                AccountMap.objects.for_org(self.org).select_related("partnership"), data["account_map"]
            )
            opportunity = _first(opportunities, data["opportunity"]) if data["opportunity"] else None
            try:
                cosell.cosell_request_create(
                    org=self.org,
                    actor=request.user,
                    account_map=account_map,
                    account=account,
                    kind=data["kind"],
                    opportunity=opportunity,
                    message=data["message"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Request sent to the partner's people."))
                return redirect("attribution:mapping_account", org_slug=self.org.slug, account_pk=account.pk)
        return self.get(request, org_slug, account_pk, form=form, status=400)


class CoSellListView(PipelineView):
    """Co-sell requests, newest first, by status; managers may withdraw a waiting one."""

    template_name = "attribution/cosell_list.html"
    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER}

    def get(self, request, org_slug):
        status = request.GET.get("status", "")
        page = paginate(request, cosell_selectors.cosell_request_list(org=self.org, status=status), per_page=25)
        context = self.ctx(
            page=page,
            status=status,
            statuses=CoSellRequest.Status.choices,
            query=query_without_page(request),
            section="cosell",
        )
        return render(request, self.template_name, context)

    def post(self, request, org_slug, pk):
        request_row = _first(cosell_selectors.cosell_request_list(org=self.org), pk)
        try:
            cosell.cosell_request_withdraw(org=self.org, actor=request.user, request=request_row)
            messages.success(request, _("Request withdrawn."))
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("attribution:cosell", org_slug=self.org.slug)


class AttachmentView(PipelineView):
    """Open deals below the attachment model's minimum partners, with partners in the account."""

    template_name = "attribution/cosell_attachment.html"
    required_roles = {"GET": Role.VIEWER, "POST": Role.ADMIN}

    def get(self, request, org_slug, form=None, status=200):
        q = request.GET.get("q", "").strip()
        below = request.GET.get("all") != "1"
        page = paginate(request, cosell_selectors.attachment_gaps(org=self.org, q=q, below_only=below), per_page=25)
        rows = cosell_selectors.with_partners_in_account(org=self.org, opportunities=page.object_list)
        bands = cosell.cosell_settings(org=self.org).attachment_bands
        context = self.ctx(
            page=page,
            rows=rows,
            q=q,
            below=below,
            query=query_without_page(request),
            bands=bands,
            form=form or mapping_forms.BandsForm(bands=bands),
            doc=cosell.attachment_required.__doc__,
            section="cosell",
        )
        return render(request, self.template_name, context, status=status)

    def post(self, request, org_slug):
        form = mapping_forms.BandsForm(request.POST)
        if form.is_valid():
            try:
                cosell.cosell_settings_update(org=self.org, actor=request.user, attachment_bands=form.bands())
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Attachment model saved."))
                return redirect("attribution:cosell_attachment", org_slug=self.org.slug)
        return self.get(request, org_slug, form=form, status=400)


def overlap_list(request, view, *, q: str, context: dict, filename: str):
    """The matched accounts of one cell (our population `v` × their population `p`), as far as both
    sides share them: a CSV download (`format=csv`), or the page's `context` filled with one page of
    rows. `filename` may use `{population}` and `{kind}`. Used by the vendor's and the partner's pages."""
    population, kind = view.population(request.GET.get("v")), request.GET.get("p", "")
    if population is None or kind not in PartnerPopulation.values or not view.can_list(population.pk, kind):
        raise Http404(_("Not shared"))
    rows = selectors.overlap_rows(view, population_id=population.pk, kind=kind, q=q)
    if request.GET.get("format") == "csv":
        return mapping_export.overlap_csv(view, rows, filename=filename.format(population=population.slug, kind=kind))
    page = paginate(request, rows, per_page=50)
    context.update(
        mode="overlap",
        population=population,
        kind=kind,
        kind_label=PartnerPopulation(kind).label,
        page=page,
        payloads=[selectors.row_payload(view, m) for m in page.object_list],
    )
    return None
