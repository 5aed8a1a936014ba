"""Next best actions: each rule on hand-built facts, one open suggestion per rule and target, a dismissed
one returns only when its evidence changes, accept / dismiss / snooze, rule switches, rates, isolation and
the ranked attention list with its query count at two sizes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.models import Activity
from tests.factories import KeyResultFactory, PartnershipFactory, PlanFactory
from workspaces import digest_selectors, nba_rules, nba_services
from workspaces import services as ws_services
from workspaces.models import DigestSettings, Suggestion

TODAY = timezone.localdate()


def _facts(**over):
    base = {
        "partnerships": [
            {
                "id": 1,
                "partner": "Acme",
                "owner_id": 5,
                "stage_entered_at": "",
                "current_stage_id": None,
                "last_step_at": "",
                "last_meeting": "",
                "vendor_url": "/o/x/partners/1/",
            }
        ],
        "plans": [],
        "key_results": [],
        "protection_ending": [],
        "certifications_expiring": [],
        "extra": {},
    }
    base.update(over)
    return base


def _kr(**over):
    kr = {
        "id": 9,
        "name": "Leads",
        "plan_id": 3,
        "plan": "P",
        "partnership_id": 1,
        "realised": "1",
        "target": "10",
        "percent": 10,
        "status": "on_track",
        "started": True,
        "fresh": True,
        "frequency": "monthly",
        "last_checkin": "",
        "responsible_side": "partner",
        "responsible_id": 4,
        "responsible": "Pat",
        "url": "/w/x/#kr-9",
    }
    kr.update(over)
    return kr


def test_kr_behind_suggests_a_recovery_activity_for_the_responsible_side():
    assert nba_rules.kr_behind(_facts(key_results=[_kr()]), TODAY) == []
    [p] = nba_rules.kr_behind(_facts(key_results=[_kr(status="behind")]), TODAY)
    assert (p.target_type, p.target_id, p.side, p.owner_side, p.assignee_id) == (
        "key_result",
        9,
        "partner",
        "partner",
        4,
    )
    assert p.evidence_links == [{"label": "Leads", "url": "/w/x/#kr-9"}]


def test_checkin_missing_reminds_the_owner_only_for_stale_started_key_results():
    assert nba_rules.checkin_missing(_facts(key_results=[_kr(fresh=True)]), TODAY) == []
    assert nba_rules.checkin_missing(_facts(key_results=[_kr(fresh=False, started=False)]), TODAY) == []
    [p] = nba_rules.checkin_missing(_facts(key_results=[_kr(fresh=False)]), TODAY)
    assert "Pat" in p.title


def test_journey_plan_governance_protection_and_certification_rules():
    old = (TODAY - datetime.timedelta(days=40)).isoformat()
    recent = (TODAY - datetime.timedelta(days=5)).isoformat()
    stale = _facts()
    stale["partnerships"][0].update(stage_entered_at=old, current_stage_id=2)
    assert len(nba_rules.journey_stale(stale, TODAY)) == 1
    stale["partnerships"][0]["last_step_at"] = recent
    assert nba_rules.journey_stale(stale, TODAY) == []
    plan = {
        "id": 3,
        "name": "P",
        "status": "proposed",
        "partnership_id": 1,
        "created": old,
        "vendor_approved": True,
        "partner_approved": False,
        "url": "/w/x/#plan-3",
    }
    [p] = nba_rules.plan_not_validated(_facts(plans=[plan]), TODAY)
    assert p.side == "partner"
    assert nba_rules.plan_not_validated(_facts(plans=[{**plan, "created": recent}]), TODAY) == []
    assert len(nba_rules.governance_overdue(_facts(plans=[plan]), TODAY)) == 1
    met = _facts(plans=[plan])
    met["partnerships"][0]["last_meeting"] = recent
    assert nba_rules.governance_overdue(met, TODAY) == []
    reg = {"id": 4, "customer": "Initech", "protection_until": recent, "partnership_id": 1, "vendor_url": "/r/4/"}
    assert nba_rules.protection_ending(_facts(protection_ending=[reg]), TODAY)[0].side == "both"
    cert = {"id": 6, "name": "AWS SA", "expires_on": recent, "partnership_id": 1, "vendor_url": "/c/"}
    assert nba_rules.certification_expiring(_facts(certifications_expiring=[cert]), TODAY)[0].side == "partner"


def test_every_rule_has_a_code_a_title_and_a_rationale():
    codes = [fn.code for fn in nba_rules.all_rules()]
    assert len(codes) == len(set(codes)) >= 7
    for fn in nba_rules.all_rules():
        assert fn.title and len(nba_rules.explain(fn)) > 40


@pytest.fixture
def behind(world):
    """A key result clearly behind on the world's plan (90 % of the period gone, 0 % done)."""
    plan = world.plan
    plan.period_start, plan.period_end = TODAY - datetime.timedelta(days=90), TODAY + datetime.timedelta(days=10)
    plan.save()
    kr = KeyResultFactory(
        objective=plan.objectives.first(),
        name="Joint pipeline",
        target=100,
        current_value=5,
        responsible_side="partner",
        last_checkin_at=timezone.now(),
    )
    world.behind_kr = kr
    return world


def _refresh(world):
    return nba_services.refresh(org=world.org, workspace_ids=[world.workspace.pk], today=TODAY)


def _behind_suggestion(world):
    return Suggestion.objects.for_org(world.org).filter(rule="kr_behind", target_id=world.behind_kr.pk)


def test_one_open_suggestion_per_rule_and_target_and_dismissal_sticks_until_evidence_changes(behind):
    w = behind
    _refresh(w)
    _refresh(w)
    assert _behind_suggestion(w).filter(status="open").count() == 1
    s = _behind_suggestion(w).get(status="open")
    nba_services.dismiss(org=w.org, actor=w.vendor_manager, suggestion=s, reason="Seasonal, fine in Q4")
    _refresh(w)
    assert not _behind_suggestion(w).filter(status="open").exists()
    w.behind_kr.current_value = 7  # still behind, new evidence
    w.behind_kr.save()
    _refresh(w)
    assert _behind_suggestion(w).filter(status="open").count() == 1
    w.behind_kr.current_value = 100  # complete: the open suggestion resolves itself
    w.behind_kr.save()
    _refresh(w)
    assert _behind_suggestion(w).filter(status="resolved").count() == 1


def test_dismiss_needs_a_reason_and_accept_adds_an_activity_with_owner_preset(behind):
    w = behind
    _refresh(w)
    s = _behind_suggestion(w).get()
    with pytest.raises(Exception, match="Say why"):
        nba_services.dismiss(org=w.org, actor=w.vendor_manager, suggestion=s, reason=" ")
    access = ws_services.selectors.workspace_access(user=w.ws_editor, workspace=w.workspace)
    accepted = nba_services.accept(org=w.org, actor=w.ws_editor, suggestion=s, access=access)
    activity = Activity.objects.for_org(w.org).get(pk=accepted.activity_id)
    assert activity.plan_id == w.plan.pk and activity.owner_side == "partner"
    assert "Joint pipeline" in activity.title and accepted.decided_by == w.ws_editor
    with pytest.raises(Exception, match="already"):
        nba_services.accept(org=w.org, actor=w.vendor_manager, suggestion=s)


def test_snooze_hides_until_the_date(behind):
    w = behind
    _refresh(w)
    s = _behind_suggestion(w).get()
    with pytest.raises(Exception, match="between tomorrow"):
        nba_services.snooze(org=w.org, actor=w.vendor_manager, suggestion=s, until=TODAY)
    nba_services.snooze(org=w.org, actor=w.vendor_manager, suggestion=s, until=TODAY + datetime.timedelta(days=3))
    _refresh(w)
    assert _behind_suggestion(w).get().status == "snoozed"
    nba_services.refresh(org=w.org, workspace_ids=[w.workspace.pk], today=TODAY + datetime.timedelta(days=3))
    assert _behind_suggestion(w).get().status == "open"


def test_rules_switch_off_per_organization_and_rates_per_rule(behind):
    w = behind
    DigestSettings.objects.create(organization=w.org, disabled_rules=["kr_behind"])
    _refresh(w)
    assert not _behind_suggestion(w).exists()
    DigestSettings.objects.for_org(w.org).update(disabled_rules=[])
    _refresh(w)
    nba_services.accept(org=w.org, actor=w.vendor_manager, suggestion=_behind_suggestion(w).get())
    other = Suggestion.objects.for_org(w.org).filter(status="open").exclude(rule="kr_behind").first()
    nba_services.dismiss(org=w.org, actor=w.vendor_manager, suggestion=other, reason="not now")
    stats = {r["code"]: r for r in digest_selectors.rule_stats(org=w.org, disabled=[])}
    assert stats["kr_behind"]["acceptance_rate"] == 100
    assert stats[other.rule]["dismissal_rate"] == 100


def test_partner_people_see_and_act_only_on_their_sides_suggestions(behind, client_for, outsider):
    w = behind
    _refresh(w)
    vendor_only = Suggestion.objects.for_org(w.org).filter(side="vendor", status="open").first()
    partner_side = _behind_suggestion(w).get()
    assert vendor_only is not None
    page = client_for(w.ws_editor).get(reverse("workspaces:detail", args=[w.workspace.public_id])).content.decode()
    assert partner_side.title in page and vendor_only.title not in page
    vendor_page = client_for(w.vendor_manager).get(reverse("workspaces:detail", args=[w.workspace.public_id]))
    assert vendor_only.title in vendor_page.content.decode()
    url = reverse("workspaces:suggestion_action", args=[w.workspace.public_id, vendor_only.pk, "accept"])
    assert client_for(w.ws_editor).post(url).status_code == 404
    other_ws = reverse("workspaces:suggestion_action", args=[w.other_workspace.public_id, partner_side.pk, "accept"])
    assert client_for(w.other_partner).post(other_ws).status_code == 404
    assert client_for(outsider).post(url).status_code == 404
    viewer_url = reverse("workspaces:suggestion_action", args=[w.workspace.public_id, partner_side.pk, "accept"])
    assert client_for(w.ws_viewer).post(viewer_url).status_code == 403
    assert _behind_suggestion(w).get().status == "open"
    other_page = client_for(w.other_partner).get(reverse("workspaces:detail", args=[w.other_workspace.public_id]))
    assert partner_side.title not in other_page.content.decode()


def test_attention_list_is_ranked_isolated_and_has_a_fixed_query_count(behind, client_for, other_org):
    w = behind
    w.partnership.owner = w.vendor_manager
    w.partnership.save()
    _refresh(w)
    url = reverse("workspaces-org:attention", args=[w.org.slug])
    client = client_for(w.vendor_manager)
    with CaptureQueriesContext(connection) as few:
        first = client.get(url)
    assert first.status_code == 200
    titles = [s.title for s in digest_selectors.attention_list(org=w.org, owner=w.vendor_manager)]
    body = first.content.decode()
    assert titles and body.index(titles[0]) < body.index(titles[-1]) if len(titles) > 1 else titles[0] in body
    for _ in range(6):
        p = PartnershipFactory(organization=w.org, partner__organization=w.org, owner=w.vendor_manager)
        ws = ws_services.workspace_ensure_for_partnership(org=w.org, actor=w.vendor_owner, partnership=p)
        plan = PlanFactory(partnership=p, organization=w.org, period_start=TODAY - datetime.timedelta(days=90))
        nba_services.refresh(org=w.org, workspace_ids=[ws.pk], today=TODAY)
        assert plan
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
    assert client_for(w.other_org_member).get(url).status_code == 404
    assert client_for(w.ws_editor).get(url).status_code == 404
    foreign = Suggestion.objects.for_org(w.org).first()
    foreign_url = reverse("workspaces-org:attention_action", args=[other_org.slug, foreign.pk, "accept"])
    assert client_for(w.other_org_member).post(foreign_url).status_code == 404
    assert (
        client_for(w.vendor_viewer)
        .post(reverse("workspaces-org:attention_action", args=[w.org.slug, foreign.pk, "accept"]))
        .status_code
        == 403
    )
    tab = client_for(w.vendor_manager).get(
        reverse("workspaces-org:partner_nba_tab", args=[w.org.slug, w.partnership.partner_id])
    )
    assert tab.status_code == 200 and "Joint pipeline" in tab.content.decode()


def test_my_attention_list_also_has_the_actions_assigned_to_me(behind, client_for):
    w = behind
    w.partnership.owner = w.vendor_owner
    w.partnership.save()
    _refresh(w)
    s = _behind_suggestion(w).get()
    url = reverse("workspaces-org:attention", args=[w.org.slug])
    assert s.title not in client_for(w.vendor_manager).get(url).content.decode()  # not mine
    s.assignee = w.vendor_manager
    s.save()
    assert s.title in client_for(w.vendor_manager).get(url).content.decode()
    assert s.title in client_for(w.vendor_owner).get(url).content.decode()  # the partnership's owner too
