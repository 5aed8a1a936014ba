"""Digest facts and texts on hand-built plans, query counts per batch, and the hooks higher apps use."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from plans.models import Activity
from pom import hooks
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    KeyResultFactory,
    ObjectiveFactory,
    PartnershipFactory,
    PlanFactory,
)
from workspaces import digest_facts, digest_writer, nba_rules, nba_services
from workspaces import services as ws_services

TODAY = timezone.localdate()


def _workspace(org, owner, name="Acme Integrators"):
    partnership = PartnershipFactory(organization=org, partner__organization=org, partner__name=name)
    return partnership, ws_services.workspace_ensure_for_partnership(org=org, actor=owner, partnership=partnership)


def _plan(partnership, **kw):
    plan = PlanFactory(partnership=partnership, organization=partnership.organization, name="FY26 joint plan", **kw)
    return plan, ObjectiveFactory(plan=plan, organization=plan.organization)


def _text(org, ws, kind="weekly"):
    facts = digest_facts.gather(org=org, workspace_ids=[ws.pk], today=TODAY)[ws.pk]
    with translation.override("en"):
        return facts, digest_writer.write(kind=kind, facts=facts, seed="s")


@pytest.mark.django_db
def test_behind_key_result_is_named_with_its_figures(org, owner):
    partnership, ws = _workspace(org, owner)
    plan, objective = _plan(partnership)
    kr = KeyResultFactory(objective=objective, name="Joint pipeline", unit="currency", target=240000)
    CheckInFactory(key_result=kr, value=20000)
    kr.current_value, kr.last_checkin_at = 20000, timezone.now()
    kr.save()
    facts, (subject, body) = _text(org, ws)
    assert "Acme Integrators" in subject
    assert "Joint pipeline" in body and ("Behind" in body or "need" in body)
    line = digest_writer.kr_line(next(k for k in facts["key_results"] if k["id"] == kr.pk))
    assert line == "Joint pipeline = 20,000 / 240,000 (8 % completed)"
    assert facts["key_results"][0]["url"].endswith(f"#kr-{kr.pk}")


def test_percent_completed_truncates_like_the_seed_example():
    assert digest_facts.percent_completed(digest_facts.Decimal("83.3")) == 83
    kr = {"name": "OKR objective", "realised": "200000", "target": "240000", "percent": 83}
    with translation.override("en"):
        assert digest_writer.kr_line(kr) == "OKR objective = 200,000 / 240,000 (83 % completed)"


@pytest.mark.django_db
def test_on_track_plan_says_so_and_lists_the_week(org, owner):
    partnership, ws = _workspace(org, owner)
    plan, objective = _plan(partnership)
    kr = KeyResultFactory(objective=objective, name="Certified engineers", target=10, current_value=6)
    CheckInFactory(key_result=kr, value=4)
    CheckInFactory(key_result=kr, value=6)
    kr.last_checkin_at = timezone.now()
    kr.save()
    ActivityFactory(plan=plan, title="Train sales team", status=Activity.Status.DONE, completed_at=timezone.now())
    facts, (_, body) = _text(org, ws)
    assert "on track" in body
    assert "went from 4 to 6" in body
    assert "“Train sales team”" in body
    assert len(facts["checkins"]) == 2 and len(facts["activities_done"]) == 1


@pytest.mark.django_db
def test_nothing_happened_is_a_quiet_week_and_first_digest_is_announced(org, owner):
    partnership, ws = _workspace(org, owner)
    _plan(partnership)
    facts, (_, body) = _text(org, ws)
    assert facts["first_digest"] is True
    assert re.search(r"first (digest|look)", body)
    assert re.search(r"quiet|Nothing moved|calm", body)


@pytest.mark.django_db
def test_overdue_and_next_activities_and_okr_reminder(org, owner):
    partnership, ws = _workspace(org, owner)
    plan, objective = _plan(partnership)
    ActivityFactory(plan=plan, title="Send MDF budget", due_date=TODAY - datetime.timedelta(days=3))
    ActivityFactory(plan=plan, title="Joint webinar", due_date=TODAY + datetime.timedelta(days=5))
    KeyResultFactory(objective=objective, name="Leads passed", update_frequency="weekly")
    facts, (_, body) = _text(org, ws)
    assert "“Send MDF budget”" in body and "overdue" in body
    assert "Joint webinar" in body
    facts, (subject, intro) = _text(org, ws, kind="okr_reminder")
    assert subject.startswith("Upcoming OKR update")
    assert facts["key_results"][0]["checkin_soon"] is True


@pytest.mark.django_db
def test_the_same_facts_give_the_same_text_and_variation_across_seeds(org, owner):
    partnership, ws = _workspace(org, owner)
    _plan(partnership)
    facts = digest_facts.gather(org=org, workspace_ids=[ws.pk], today=TODAY)[ws.pk]
    texts = {digest_writer.write(kind="weekly", facts=facts, seed=f"{ws.pk}:{week}") for week in range(12)}
    assert digest_writer.write(kind="weekly", facts=facts, seed="x") == digest_writer.write(
        kind="weekly", facts=facts, seed="x"
    )
    assert len(texts) > 1


def _batch(org, owner, n, start=0):
    ids = []
    for i in range(start, start + n):
        partnership, ws = _workspace(org, owner, name=f"Partner {i}")
        plan, objective = _plan(partnership)
        kr = KeyResultFactory(objective=objective)
        CheckInFactory(key_result=kr)
        ActivityFactory(plan=plan)
        ids.append(ws.pk)
    return ids


@pytest.mark.django_db
def test_facts_take_the_same_number_of_queries_for_2_and_12_workspaces(org, owner):
    small = _batch(org, owner, 2)
    large = small + _batch(org, owner, 10, start=2)
    with CaptureQueriesContext(connection) as few:
        digest_facts.gather(org=org, workspace_ids=small, today=TODAY)
    with CaptureQueriesContext(connection) as many:
        result = digest_facts.gather(org=org, workspace_ids=large, today=TODAY)
    assert len(result) == 12
    assert len(few) == len(many) <= 16


@pytest.fixture
def contrib_app(monkeypatch):
    """Install tests.workspaces.contrib as if it were a higher app with both hooks."""
    monkeypatch.setattr(hooks, "LOCAL_APPS", [*hooks.LOCAL_APPS, "tests.workspaces.contrib"])
    hooks.app_modules.cache_clear()
    yield
    hooks.app_modules.cache_clear()


@pytest.mark.django_db
def test_a_higher_app_contributes_facts_lines_and_rules(org, owner, contrib_app):
    partnership, ws = _workspace(org, owner)
    _plan(partnership)
    facts, (_, body) = _text(org, ws)
    contributed = facts["extra"]["contrib"][str(partnership.pk)]
    assert (
        contributed["tacam"]["trust"] == "31.5" and contributed["as_of"] == (TODAY - datetime.timedelta(1)).isoformat()
    )
    assert "Trust moved from 28 to 31.5 since last week." in body
    # The facts are stored with the digest (JSON) and the rule compares the scores as numbers, not strings.
    from workspaces import digest_services
    from workspaces.models import Digest

    digest_services.generate_batch(org=org, kind="weekly", period="2026-W01", workspace_ids=[ws.pk], today=TODAY)
    assert "31.5" in Digest.objects.for_org(org).get(workspace=ws).body
    [weakest] = nba_rules.tacam_weakest_element({"extra": {"reports": facts["extra"]["contrib"]}}, TODAY)
    assert weakest.title == "Run a trust assessment with the partner" and "31.5" in weakest.detail
    assert {"contrib_every_partnership", "tacam_weakest"} <= set(nba_rules.rule_codes())
    nba_services.refresh(org=org, workspace_ids=[ws.pk], today=TODAY)
    from workspaces.models import Suggestion

    titles = set(Suggestion.objects.for_org(org).values_list("rule", "title"))
    assert ("contrib_every_partnership", "Hello Acme Integrators") in titles


def test_tacam_rule_recommends_the_practice_of_the_weakest_element():
    facts = {"extra": {"reports": {"7": {"tacam": {"trust": 70, "commitment": 20, "measurement": 60}}}}}
    [proposal] = nba_rules.tacam_weakest_element(facts, TODAY)
    assert proposal.title == "Name an executive sponsor on each side"
    assert proposal.partnership_id == 7
    facts["extra"]["reports"]["7"]["tacam"]["trust"] = 10
    assert nba_rules.tacam_weakest_element(facts, TODAY)[0].title == "Run a trust assessment with the partner"


@pytest.mark.django_db
def test_writing_sending_and_refreshing_take_queries_per_batch_not_per_workspace(org, owner):
    """Generation (texts, insert, auto-send outbox rows) and the rules refresh are set-based; sending
    costs a fixed number per batch plus the claim and the mark of each mail (docs/digests.md)."""
    from django.core import mail

    from tests.factories import UserFactory, WorkspaceMemberFactory
    from workspaces import digest_outbox, digest_services
    from workspaces.models import Digest, DigestMail, DigestSettings, Workspace

    DigestSettings.objects.create(organization=org, mode="auto_send")
    small = _batch(org, owner, 2)
    large = _batch(org, owner, 10, start=2)
    for ws in Workspace.objects.for_org(org).filter(pk__in=small + large):
        WorkspaceMemberFactory(workspace=ws, user=UserFactory(), side="partner", role="editor")
    counts = {}
    for name, ids, period in (("few", small, "2026-W01"), ("many", large, "2026-W02")):
        with CaptureQueriesContext(connection) as write:
            created = digest_services.generate_batch(
                org=org, kind="weekly", period=period, workspace_ids=ids, today=TODAY
            )
        with CaptureQueriesContext(connection) as rules:
            nba_services.refresh(org=org, workspace_ids=ids, today=TODAY)
        digest_ids = list(Digest.objects.for_org(org).filter(period=period).values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as send:
            sent = digest_outbox.outbox_send(org=org, digest_ids=digest_ids)["sent"]
        assert created == len(ids) and sent == DigestMail.objects.for_org(org).filter(digest_id__in=digest_ids).count()
        counts[name] = (len(write), len(rules), len(send) - 2 * sent, sent)
    assert counts["few"][:3] == counts["many"][:3], counts
    assert counts["many"][3] > counts["few"][3] > 0 and len(mail.outbox) == counts["few"][3] + counts["many"][3]


@pytest.mark.django_db
def test_many_check_ins_name_three_and_count_the_rest_without_saying_who_posted(org, owner):
    partnership, ws = _workspace(org, owner)
    plan, objective = _plan(partnership)
    for i in range(5):
        CheckInFactory(key_result=KeyResultFactory(objective=objective, name=f"Result {i}", target=100), value=10 + i)
    _facts, (_subject, body) = _text(org, ws)
    sentence = next(line for line in body.split("\n\n") if "check-ins" in line)
    assert "5 check-ins" in sentence and sentence.endswith("; 2 more key results.") and "You " not in sentence
    assert sentence.count("“Result") == 3
