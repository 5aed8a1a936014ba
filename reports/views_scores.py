"""TACAM score pages: the portfolio heat map, the partner page's Scores tab, the rows behind a signal,
targets, the scoring-model editor with preview, and the scores a partner sees in its workspace."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from partners.models import Partner, Partnership, Program, Tier
from pom import jobs
from pom.models import Membership, Role
from pom.pages import error_text
from pom.tenancy import OrgRequiredMixin
from pom.web import paginate, query_without_page
from reports import score_selectors as sel
from reports import scoring, services
from reports.models import ELEMENTS, ScoreSnapshot, ScoringModel
from workspaces import selectors as ws_selectors
from workspaces.views import WorkspaceMixin

ELEMENT_LABELS = sel.ELEMENT_LABELS


def _band(value) -> str:
    if value is None:
        return "heat-none"
    return f"heat-{min(4, int(value) // 20)}"


def partnership_cards(*, org, partnerships, elements=ELEMENTS, with_signals=True) -> list[dict]:
    """Everything the Scores tab shows per partnership, in a fixed number of queries."""
    ids = [p.pk for p in partnerships]
    latest = sel.latest_for(org=org, partnership_ids=ids)
    targets = sel.targets_for(org=org, partnership_ids=ids)
    groups = {(s.program_id, s.tier_id) for s in latest.values()}
    peers = sel.peer_averages(org=org, groups=groups) if groups else {}
    snapshots = defaultdict(list)
    for s in sel.history(org=org, partnership_ids=ids):
        snapshots[s.partnership_id].append(s)
    cards = []
    for p in partnerships:
        snap = latest.get(p.pk)
        card = {"partnership": p, "snapshot": snap, "targets": targets.get(p.pk, {})}
        if snap is not None:
            peer = peers.get((snap.program_id, snap.tier_id))
            values = {e: getattr(snap, e) for e in elements}
            card["peer"] = peer
            card["rows"] = [
                {
                    "element": e,
                    "label": ELEMENT_LABELS[e],
                    "value": getattr(snap, e),
                    "target": card["targets"].get(e),
                    "peer": peer.get(e) if peer else None,
                    "band": _band(getattr(snap, e)),
                    "note": (snap.signals.get(e) or {}).get("note", ""),
                    "signals": [
                        {"code": code, "label": scoring.SIGNALS[e].get(code, code), **data}
                        for code, data in ((snap.signals.get(e) or {}).get("signals") or {}).items()
                    ]
                    if with_signals
                    else [],
                }
                for e in elements
            ]
            card["radar"] = (
                sel.radar_html(value=values, target=card["targets"], peer=peer, elements=elements)
                if len(elements) >= 3
                else ""
            )
            history = snapshots.get(p.pk, [])
            card["trend"] = sel.trend_html(snapshots=history) if len(history) > 1 else ""
            card["history_len"] = len(history)
            card["sixcs"] = [{"c": c, **(snap.sixcs.get(c) or {})} for c in scoring.SIXCS]
        cards.append(card)
    return cards


class ScoresPortfolioView(OrgRequiredMixin, TemplateView):
    """Partnerships × elements as a heat map, filterable by program, tier and owner, sortable, paginated."""

    template_name = "reports/scores_portfolio.html"
    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER}

    def post(self, request, org_slug):
        job = services.scores_request(org=self.org, actor=request.user)
        messages.success(request, _("Scoring the portfolio in the background."))
        return redirect(reverse("reports:scores", args=[self.org.slug]) + f"?job={job.pk}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        g = self.request.GET
        sort = g.get("sort", "overall")
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        program, tier, owner = (g.get(k) if (g.get(k) or "").isdigit() else None for k in ("program", "tier", "owner"))
        page = paginate(
            self.request,
            sel.portfolio(org=self.org, program=program, tier=tier, owner=owner, sort=sort, descending=descending),
        )
        rows = []
        for snap in page:
            rows.append(
                {
                    "snapshot": snap,
                    "cells": [
                        {"element": e, "value": getattr(snap, e), "band": _band(getattr(snap, e))} for e in ELEMENTS
                    ],
                    "overall_band": _band(snap.overall),
                    "weakest": ELEMENT_LABELS.get(sel.weakest(snap)),
                }
            )
        job_id = g.get("job")
        job = (
            jobs.job_list(org=self.org).filter(pk=job_id).first()
            if job_id and job_id.isdigit()
            else jobs.job_latest(org=self.org, kind=services.JOB_KIND, key="all")
        )
        params = g.copy()
        params.pop("sort", None)
        params.pop("page", None)
        context.update(
            page=page,
            rows=rows,
            query=query_without_page(self.request),
            sort_query=params.urlencode(),
            sort=("-" if descending else "") + sort,
            elements=[(e, ELEMENT_LABELS[e]) for e in ELEMENTS],
            programs=Program.objects.for_org(self.org).order_by("name"),
            tiers=Tier.objects.for_org(self.org).select_related("program").order_by("program__name", "rank"),
            owners=Membership.objects.for_org(self.org).select_related("user").order_by("user__email"),
            selected={"program": program, "tier": tier, "owner": owner},
            job=job,
        )
        return context


class PartnerScoresTabView(OrgRequiredMixin, TemplateView):
    """The Scores tab of the partner page (an HTML fragment): per partnership the hexagon with target and
    peer average, the trend, every element's signals and contributions; the partner-level roll-up."""

    template_name = "reports/_partner_scores_tab.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partner = Partner.objects.for_org(self.org).filter(pk=self.kwargs["partner_pk"]).first()
        if partner is None:
            raise Http404(_("No such partner"))
        partnerships = list(
            Partnership.objects.for_org(self.org).filter(partner=partner).select_related("program", "tier")
        )
        cards = partnership_cards(org=self.org, partnerships=partnerships)
        snaps = [c["snapshot"] for c in cards if c["snapshot"] is not None]
        context.update(
            partner=partner,
            cards=cards,
            rollup=sel.rollup(snapshots=snaps) if len(snaps) > 1 else None,
            elements=[(e, ELEMENT_LABELS[e]) for e in ELEMENTS],
            target_elements=[(e, ELEMENT_LABELS.get(e, _("Overall"))) for e in services.TARGET_ELEMENTS],
            explanations=sel.explanations(),
            job=jobs.job_latest(org=self.org, kind=services.JOB_KIND, key="all"),
        )
        return context


class PartnershipRecomputeView(OrgRequiredMixin, View):
    """Recompute one partnership's scores now (a job, debounced with other requests for it)."""

    def post(self, request, org_slug, pk):
        partnership = get_object_or_404(Partnership.objects.for_org(self.org), pk=pk)
        services.scores_request(org=self.org, actor=request.user, partnership_ids=[partnership.pk])
        messages.success(request, _("Scores of %(p)s are being recomputed.") % {"p": partnership})
        return redirect(reverse("partners:tab", args=[self.org.slug, partnership.partner_id, "scores"]))


class SignalRowsView(OrgRequiredMixin, TemplateView):
    """The rows behind one signal of one partnership's latest score, with the stored value and weight."""

    template_name = "reports/signal_rows.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partnership = get_object_or_404(
            Partnership.objects.for_org(self.org).select_related("partner", "program"), pk=self.kwargs["pk"]
        )
        element, code = self.kwargs["element"], self.kwargs["code"]
        if element not in scoring.SIGNALS or code not in scoring.SIGNALS[element]:
            raise Http404(_("No such signal"))
        snap = sel.latest_for(org=self.org, partnership_ids=[partnership.pk]).get(partnership.pk)
        thresholds = snap.model.thresholds if snap else services.model_current(org=self.org).thresholds
        headers, rows = sel.signal_rows(org=self.org, partnership=partnership, code=code, thresholds=thresholds)
        stored = ((snap.signals.get(element) or {}).get("signals") or {}).get(code) if snap else None
        context.update(
            partnership=partnership,
            element=element,
            element_label=ELEMENT_LABELS[element],
            code=code,
            label=scoring.SIGNALS[element][code],
            stored=stored,
            snapshot=snap,
            headers=headers,
            rows=rows,
            explanation=sel.explanations()[element],
        )
        return context


class TargetSetView(OrgRequiredMixin, View):
    """Managers set the target of each element of a partnership (0–100; empty clears it)."""

    def post(self, request, org_slug, pk):
        partnership = get_object_or_404(Partnership.objects.for_org(self.org), pk=pk)
        try:
            from django.db import transaction

            with transaction.atomic():
                for element in services.TARGET_ELEMENTS:
                    if element in request.POST:
                        services.target_set(
                            org=self.org,
                            actor=request.user,
                            partnership=partnership,
                            element=element,
                            value=request.POST[element].strip(),
                        )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Targets saved."))
        return redirect(reverse("partners:tab", args=[self.org.slug, partnership.partner_id, "scores"]))


def _model_from_post(post) -> tuple[dict, dict, dict]:
    weights = {e: {code: post.get(f"w-{e}-{code}", "") for code in scoring.SIGNALS[e]} for e in ELEMENTS}
    element_weights = {e: post.get(f"e-{e}", "") for e in ELEMENTS}
    thresholds = {name: post[f"t-{name}"] for name in scoring.DEFAULT_THRESHOLDS if f"t-{name}" in post}
    return weights, element_weights, thresholds


class ScoringModelView(OrgRequiredMixin, TemplateView):
    """The scoring model: signals, weights and thresholds of the current version, the earlier versions,
    and (admins) an editor whose Preview recomputes the portfolio in memory before anything is saved."""

    template_name = "reports/scoring_model.html"
    required_roles = {"GET": Role.VIEWER, "POST": Role.ADMIN}

    def _form(self, model: ScoringModel, posted=None) -> list[dict]:
        weights, element_weights, thresholds = posted or (model.weights, model.element_weights, model.thresholds)
        return [
            {
                "element": e,
                "label": ELEMENT_LABELS[e],
                "weight": element_weights.get(e, ""),
                "signals": [
                    {"code": code, "label": label, "weight": (weights.get(e) or {}).get(code, "")}
                    for code, label in scoring.SIGNALS[e].items()
                ],
            }
            for e in ELEMENTS
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        model = services.model_current(org=self.org)
        posted = kwargs.get("posted")
        thresholds = posted[2] if posted else model.thresholds
        sharing = services.sharing_for(org=self.org)
        context.update(
            model=model,
            versions=ScoringModel.objects.for_org(self.org).select_related("created_by")[:20],
            form=self._form(model, posted),
            thresholds=[
                {"name": n, "label": scoring.THRESHOLD_LABELS[n], "value": thresholds.get(n, d)}
                for n, d in scoring.DEFAULT_THRESHOLDS.items()
            ],
            preview=kwargs.get("preview"),
            errors=kwargs.get("errors") or {},
            sharing=sharing,
            share_choices=[(e, ELEMENT_LABELS[e], e in (sharing.shared_elements or [])) for e in ELEMENTS],
            note=kwargs.get("note", ""),
        )
        return context

    def post(self, request, org_slug):
        if request.POST.get("action") == "sharing":
            services.sharing_update(
                org=self.org,
                actor=request.user,
                shared_elements=request.POST.getlist("shared_elements"),
                share_overall=request.POST.get("share_overall") == "on",
            )
            messages.success(request, _("Partner people now see the elements you chose."))
            return redirect("reports:scoring_model", self.org.slug)
        posted = _model_from_post(request.POST)
        note = request.POST.get("note", "")
        try:
            if request.POST.get("action") == "save":
                model = services.model_save(
                    org=self.org,
                    actor=request.user,
                    weights=posted[0],
                    element_weights=posted[1],
                    thresholds=posted[2],
                    note=note,
                )
                messages.success(
                    request, _("Version %(v)s saved; the portfolio is being rescored.") % {"v": model.version}
                )
                return redirect("reports:scoring_model", self.org.slug)
            preview = services.preview(org=self.org, weights=posted[0], element_weights=posted[1], thresholds=posted[2])
        except ValidationError as exc:
            errors = exc.message_dict
            return render(
                request,
                self.template_name,
                self.get_context_data(posted=posted, errors=errors, note=note),
                status=400,
            )
        for row in preview["elements"]:
            row["label"] = ELEMENT_LABELS.get(row["element"], _("Overall"))
        return render(request, self.template_name, self.get_context_data(posted=posted, preview=preview, note=note))


class WorkspaceScoresView(WorkspaceMixin, TemplateView):
    """/w/<workspace>/scores/: the scores the vendor shares with partner people (the organization's
    sharing setting decides which elements); vendor users see what the partner sees."""

    template_name = "reports/workspace_scores.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = self.workspace.organization
        sharing = services.sharing_for(org=org)
        elements = [e for e in ELEMENTS if e in (sharing.shared_elements or [])]
        partnerships = list(
            Partnership.objects.for_org(org)
            .filter(workspace_links__workspace=self.workspace)
            .select_related("partner", "program", "tier")
        )
        cards = (
            partnership_cards(org=org, partnerships=partnerships, elements=elements, with_signals=True)
            if elements
            else []
        )
        for card in cards:
            # Partner people see the element, its target and the signals, never the peer group of other partners.
            card["peer"] = None
            for row in card.get("rows", []):
                row["peer"] = None
            if card.get("snapshot") is not None:
                card["radar"] = (
                    sel.radar_html(
                        value={e: getattr(card["snapshot"], e) for e in elements},
                        target=card["targets"],
                        peer=None,
                        elements=elements,
                    )
                    if len(elements) >= 3
                    else ""
                )
                card["trend"] = ""
                card["sixcs"] = []
        context.update(
            workspace=self.workspace,
            access=self.access,
            org=org,
            tab="scores",
            unread_count=ws_selectors.unread_count(user=self.request.user),
            cards=cards,
            elements=elements,
            share_overall=sharing.share_overall,
            explanations=sel.explanations(),
        )
        return context


__all__ = ["ScoreSnapshot"]
