"""Assessment pages: campaigns, a round's results, the health questions editor (vendor side, under
/o/<org>/partners/assessments/), the partner tab, and the e-mailed answer link (/assessments/<token>/)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from partners import assessment_answers, assessment_facts, assessment_selectors, assessment_services
from partners.assessment_forms import (
    HEALTH_CHOICES,
    RATING_CHOICES,
    CampaignForm,
    HealthQuestionForm,
    SatisfactionForm,
    SwotForm,
    answer_data,
    swot_forms,
)
from partners.assessment_models import (
    AssessmentCampaign,
    AssessmentKind,
    AssessmentRound,
    HealthQuestion,
    SatisfactionScore,
)
from partners.models import Partnership, Program
from partners.views import PartnersView
from pom.pages import add_errors, error_text
from pom.web import paginate, query_without_page

HOW_TRUST = assessment_facts.__doc__


def answer_context(*, invitation, data=None, errors=None) -> dict:
    """What the answer form needs, shared by the e-mailed link and the workspace page."""
    rnd = invitation.round
    data = data or {}
    health = data.get("health") or {}
    questions = [
        {
            **q,
            "value": str((health.get(str(q["id"])) or {}).get("value", "")),
            "comment": (health.get(str(q["id"])) or {}).get("comment", ""),
            "error": (errors or {}).get(f"health_{q['id']}"),
        }
        for q in rnd.questions
    ]
    other = rnd.partnership.partner.name if invitation.side == "vendor" else invitation.organization.name
    trust_fields = [
        ("reliability", _("Reliability"), _("Keeps promises, prepares, brings insight. 1 = never, 10 = always.")),
        ("credibility", _("Credibility"), _("Knows the domain; what they say can be relied on.")),
        ("intimacy", _("Intimacy"), _("Empathy and real interest in our goals; safe to share bad news.")),
        (
            "self_orientation",
            _("Self-orientation"),
            _("How far their own interests outweigh ours. LOWER is better: 1 = all about us, 10 = all about them."),
        ),
    ]
    return {
        "invitation": invitation,
        "round": rnd,
        "campaign": rnd.campaign,
        "other_side": other,
        "trust_fields": [
            {"name": n, "label": label, "help": h, "value": str(data.get(n, "")), "error": (errors or {}).get(n)}
            for n, label, h in trust_fields
        ],
        "questions": questions,
        "rating_choices": [str(v) for v, _label in RATING_CHOICES],
        "health_choices": [(str(v), label) for v, label in HEALTH_CHOICES],
        "comment": data.get("comment", ""),
        "general_errors": (errors or {}).get("__all__"),
    }


class AssessmentLinkView(View):
    """Answer one questionnaire from the personal link in the e-mail, with or without an account."""

    template_name = "partners/assessments/link.html"

    def refused(self, request, exc: assessment_answers.LinkRefused):
        return render(request, "partners/assessments/link_refused.html", {"reason": exc.reason}, status=exc.status)

    def get(self, request, token):
        try:
            invitation = assessment_answers.invitation_resolve(raw=token, request_user=request.user)
        except assessment_answers.LinkRefused as exc:
            return self.refused(request, exc)
        return render(request, self.template_name, answer_context(invitation=invitation))

    def post(self, request, token):
        try:
            invitation = assessment_answers.invitation_resolve(raw=token, request_user=request.user)
        except assessment_answers.LinkRefused as exc:
            return self.refused(request, exc)
        data = answer_data(request.POST, invitation.round)
        actor = request.user if request.user.is_authenticated else None
        try:
            assessment_answers.response_submit(invitation=invitation, actor=actor, data=data)
        except ValidationError as exc:
            context = answer_context(invitation=invitation, data=data, errors=exc.message_dict)
            return render(request, self.template_name, context, status=400)
        return render(request, "partners/assessments/link_done.html", {"invitation": invitation})


# Vendor pages ------------------------------------------------------------------------------------


def _closes_at(day: datetime.date) -> datetime.datetime:
    """End of the chosen day in the current time zone."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


class CampaignListView(PartnersView):
    """Campaigns with response rates; managers send a new one to many partnerships at once."""

    template_name = "partners/assessments/campaigns.html"

    def partnerships(self):
        return Partnership.objects.for_org(self.org).select_related("partner", "program").order_by("partner__name")

    def render_page(self, request, form=None, status=200):
        status_filter, kind, q = request.GET.get("status", ""), request.GET.get("kind", ""), request.GET.get("q", "")
        page = paginate(
            request, assessment_selectors.campaign_list(org=self.org, status=status_filter, kind=kind, q=q), per_page=25
        )
        for c in page.object_list:
            c.rate = assessment_selectors.response_rate(c.n_answered, c.n_invited)
        context = self.ctx(
            section="assessments",
            page=page,
            query=query_without_page(request),
            form=form
            or CampaignForm(
                partnerships=self.partnerships(), programs=Program.objects.for_org(self.org).order_by("name")
            ),
            statuses=AssessmentCampaign.Status.choices,
            kinds=AssessmentKind.choices,
            status_filter=status_filter,
            kind_filter=kind,
            q=q,
        )
        return render(request, self.template_name, context, status=status)

    def get(self, request, org_slug):
        return self.render_page(request)

    def post(self, request, org_slug):
        form = CampaignForm(
            request.POST, partnerships=self.partnerships(), programs=Program.objects.for_org(self.org).order_by("name")
        )
        if form.is_valid():
            data = form.cleaned_data
            chosen = list(data["partnerships"])
            if data["program"] is not None:
                chosen += list(self.partnerships().filter(program=data["program"], status=Partnership.Status.ACTIVE))
            chosen = list({p.pk: p for p in chosen}.values())
            try:
                campaign = assessment_services.campaign_create(
                    org=self.org,
                    actor=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    partnerships=chosen,
                    closes_at=_closes_at(data["closes_on"]),
                    message=data["message"],
                    reminder_every_days=data["reminder_every_days"],
                )
            except ValidationError as exc:
                if "closes_at" in getattr(exc, "message_dict", {}):
                    form.add_error("closes_on", exc.message_dict["closes_at"])
                else:
                    add_errors(form, exc)
            else:
                messages.success(request, _("Campaign sent to %(n)s partnerships.") % {"n": len(chosen)})
                return redirect("partners:assessment_campaign", self.org.slug, campaign.pk)
        return self.render_page(request, form=form, status=400)


class CampaignDetailView(PartnersView):
    """One campaign: per partnership, who was asked, who answered, and each side's trust."""

    template_name = "partners/assessments/campaign.html"

    def campaign(self, pk) -> AssessmentCampaign:
        campaign = assessment_selectors.campaign_list(org=self.org).filter(pk=pk).first()
        if campaign is None:
            raise Http404(_("No such campaign"))
        return campaign

    def get(self, request, org_slug, pk):
        campaign = self.campaign(pk)
        page = paginate(request, assessment_selectors.round_list(org=self.org, campaign=campaign), per_page=50)
        rounds = list(page.object_list)
        trust = assessment_selectors.trust_by_round(org=self.org, round_ids=[r.pk for r in rounds])
        for r in rounds:
            r.rate = assessment_selectors.response_rate(r.n_answered, r.n_invited)
            r.trust = trust.get(r.pk, {})
        context = self.ctx(
            section="assessments",
            campaign=campaign,
            rate=assessment_selectors.response_rate(campaign.n_answered, campaign.n_invited),
            page=page,
            rounds=rounds,
            query=query_without_page(request),
            is_open=campaign.status == AssessmentCampaign.Status.OPEN and campaign.closes_at > timezone.now(),
        )
        return render(request, self.template_name, context)


class CampaignCloseView(CampaignDetailView):
    def post(self, request, org_slug, pk):
        campaign = self.campaign(pk)
        assessment_services.campaign_close(org=self.org, actor=request.user, campaign=campaign)
        messages.success(request, _("Campaign closed: its links no longer take answers."))
        return redirect("partners:assessment_campaign", self.org.slug, campaign.pk)


class RoundDetailView(PartnersView):
    """A round's results per side and per respondent, with the trust formula written out."""

    template_name = "partners/assessments/round.html"

    def get(self, request, org_slug, pk):
        rnd = (
            AssessmentRound.objects.for_org(self.org)
            .select_related("campaign", "partnership__partner", "partnership__program")
            .filter(pk=pk)
            .first()
        )
        if rnd is None:
            raise Http404(_("No such round"))
        result = assessment_selectors.round_results(org=self.org, round=rnd)
        context = self.ctx(section="assessments", result=result, round=rnd, how=HOW_TRUST)
        return render(request, self.template_name, context)


class HealthQuestionsView(PartnersView):
    """Settings: the organization's health questionnaire (admins edit; rounds sent keep their text)."""

    template_name = "partners/assessments/questions.html"
    required_roles = {"GET": "viewer", "POST": "admin"}

    def render_page(self, request, form=None, status=200):
        context = self.ctx(
            section="assessments",
            questions=assessment_selectors.health_question_list(org=self.org),
            form=form or HealthQuestionForm(),
        )
        return render(request, self.template_name, context, status=status)

    def get(self, request, org_slug):
        return self.render_page(request)

    def post(self, request, org_slug):
        pk, action = request.POST.get("question", ""), request.POST.get("action", "add")
        question = HealthQuestion.objects.for_org(self.org).filter(pk=pk).first() if pk.isdigit() else None
        if pk and question is None:
            raise Http404(_("No such question"))
        if question is not None and action == "delete":
            assessment_services.health_question_delete(org=self.org, actor=request.user, question=question)
            messages.success(request, _("Question removed."))
            return redirect("partners:health_questions", self.org.slug)
        form = HealthQuestionForm(request.POST, instance=question)
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in ("text", "help_text", "order", "is_active")}
            try:
                if question is None:
                    assessment_services.health_question_create(
                        org=self.org, actor=request.user, text=data["text"], help_text=data["help_text"],
                        order=data["order"],
                    )  # fmt: skip
                else:
                    assessment_services.health_question_update(
                        org=self.org, actor=request.user, question=HealthQuestion.objects.for_org(self.org).get(pk=pk),
                        data=data,
                    )  # fmt: skip
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Questionnaire saved."))
                return redirect("partners:health_questions", self.org.slug)
        return self.render_page(request, form=form, status=400)


# The partner page's Assessments tab ------------------------------------------------------------------


def partner_tab_context(*, org, partner, request, satisfaction_form=None) -> dict:
    """Latest trust and health per partnership, rounds, SWOTs and survey scores of one partner."""
    partnerships = list(Partnership.objects.for_org(org).filter(partner=partner).select_related("program"))
    ids = [p.pk for p in partnerships]
    trust = assessment_facts.trust_by_partnership(org=org, partnership_ids=ids)
    health = assessment_facts.health_by_partnership(org=org, partnership_ids=ids)
    satisfaction = assessment_facts.satisfaction_by_partnership(org=org, partnership_ids=ids)
    rows = [
        {"p": p, "trust": trust.get(p.pk), "health": health.get(p.pk), "sat": satisfaction.get(p.pk)}
        for p in partnerships
    ]
    rounds = list(assessment_selectors.round_list(org=org, partnership_ids=ids)[:20])
    for r in rounds:
        r.rate = assessment_selectors.response_rate(r.n_answered, r.n_invited)
    swots = list(assessment_selectors.swot_list(org=org, partnership_ids=ids))
    return {
        "assessment_rows": rows,
        "rounds": rounds,
        "swots": swots,
        "scores": list(assessment_selectors.satisfaction_list(org=org, partnership_ids=ids)[:20]),
        "swot_forms": swot_forms(partnerships, swots, timezone.localdate().year),
        "satisfaction_form": satisfaction_form
        or SatisfactionForm(
            partnerships=Partnership.objects.for_org(org).filter(partner=partner).select_related("partner", "program"),
            initial={"measured_on": timezone.localdate()},
        ),
    }


class PartnerSwotView(PartnersView):
    """Save the SWOT of one of the partner's partnerships for a year (from the Assessments tab)."""

    def post(self, request, org_slug, pk):
        partnership = Partnership.objects.for_org(self.org).select_related("partner").filter(pk=pk).first()
        if partnership is None:
            raise Http404(_("No such partnership"))
        form = SwotForm(request.POST, prefix=f"swot-{partnership.pk}")
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                assessment_services.swot_save(
                    org=self.org, actor=request.user, partnership=partnership, year=data.pop("year"), data=data
                )
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("SWOT saved."))
        else:
            messages.error(request, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("partners:tab", self.org.slug, partnership.partner_id, "assessments")


class SatisfactionCreateView(PartnersView):
    """Record a survey score for one of the partner's partnerships."""

    def post(self, request, org_slug, pk):
        partner = self.partner(pk)
        form = SatisfactionForm(
            request.POST, partnerships=Partnership.objects.for_org(self.org).filter(partner=partner)
        )
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                assessment_services.satisfaction_create(
                    org=self.org, actor=request.user, partnership=data.pop("partnership"), data=data
                )
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Survey score recorded."))
        else:
            messages.error(request, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("partners:tab", self.org.slug, partner.pk, "assessments")


class SatisfactionDeleteView(PartnersView):
    def post(self, request, org_slug, pk):
        record = SatisfactionScore.objects.for_org(self.org).select_related("partnership").filter(pk=pk).first()
        if record is None:
            raise Http404(_("No such score"))
        partner_id = record.partnership.partner_id
        assessment_services.satisfaction_delete(org=self.org, actor=request.user, record=record)
        messages.success(request, _("Survey score deleted."))
        return redirect("partners:tab", self.org.slug, partner_id, "assessments")
