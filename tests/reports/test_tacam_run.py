"""The scoring run end to end: set-based inputs, snapshots with versions, debounced recompute, targets, pages."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partners.models import Contact
from plans.models import Activity, Plan
from pom import hooks
from pom.models import Job
from reports import inputs, scoring, services
from reports.models import ScoreSnapshot, ScoreTarget, ScoringModel
from tests.factories import (
    ActivityFactory,
    CommentFactory,
    ContactFactory,
    KeyResultFactory,
    MeetingFactory,
    PartnerFactory,
    PartnershipFactory,
    PlanFactory,
    ProgramFactory,
    WorkspacePartnershipFactory,
)

TODAY = timezone.localdate()


def build(org, n, program, *, member=None):
    """n partnerships with a validated plan, activities owned by both sides, key results, meetings,
    workspace comments and an executive sponsor (every second partnership)."""
    made = []
    for i in range(n):
        partnership = PartnershipFactory(organization=org, program=program, owner=member)
        plan = PlanFactory(
            partnership=partnership,
            status=Plan.Status.VALIDATED,
            vendor_approved_at=timezone.now(),
            partner_approved_at=timezone.now(),
        )
        ActivityFactory(
            plan=plan,
            owner_side="vendor",
            assignee=member,
            due_date=TODAY - datetime.timedelta(days=5),
            status=Activity.Status.DONE,
            completed_at=timezone.now() - datetime.timedelta(days=6),
        )
        ActivityFactory(plan=plan, owner_side="partner", due_date=TODAY - datetime.timedelta(days=2))
        KeyResultFactory(objective__plan=plan, current_value=5, last_checkin_at=timezone.now())
        MeetingFactory(partnership=partnership, date=TODAY - datetime.timedelta(days=10))
        link = WorkspacePartnershipFactory(organization=org, workspace__organization=org, partnership=partnership)
        CommentFactory(workspace=link.workspace, organization=org)
        if i % 2 == 0:
            ContactFactory(partner=partnership.partner, role=Contact.Role.EXECUTIVE_SPONSOR)
        made.append(partnership)
    return made


def run_all(org, capture):
    with capture(execute=True):
        job = services.scores_request(org=org)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    return job


@pytest.fixture
def program(org):
    return ProgramFactory(organization=org, name="Resell")


def test_gather_takes_the_same_number_of_queries_for_2_and_8_partnerships(org, program, member):
    build(org, 2, program, member=member)
    with CaptureQueriesContext(connection) as few:
        small = inputs.gather(org=org, today=TODAY)
    build(org, 6, program, member=member)
    with CaptureQueriesContext(connection) as many:
        large = inputs.gather(org=org, today=TODAY)
    assert (len(small), len(large)) == (2, 8)
    assert len(few) == len(many) <= 20


def test_run_scores_every_partnership_and_records_version_and_signals(
    org, program, member, django_capture_on_commit_callbacks
):
    partnerships = build(org, 2, program, member=member)
    job = run_all(org, django_capture_on_commit_callbacks)
    assert job.result["partnerships"] == 2 and job.result["model_version"] == 1
    snap = ScoreSnapshot.objects.for_org(org).get(partnership=partnerships[0], is_latest=True)
    assert snap.model.version == 1
    # commitment: plan validated 100 × 0.4, sponsor 100 × 0.3, both sides own 100 × 0.3
    assert snap.commitment == Decimal("100.0")
    # accountability: 1 of 1 owned done on time (40), 1 overdue of 2 due → 50 (15), 1 meeting of 3 → 33.3 (10.0)
    assert snap.accountability == Decimal("65.0")
    signals = snap.signals["accountability"]["signals"]
    assert signals["overdue"] == {
        "value": "50.0",
        "detail": "1 overdue of 2 due",
        "weight": "30",
        "share": "30.0",
        "contribution": "15.0",
    }
    # trust: no assessment answered (no data), the workspace's single comment: 1/12 → 8.3 carries it all
    assert snap.signals["trust"]["signals"]["trust_assessment"]["value"] is None
    assert snap.trust == Decimal("8.3")
    assert "trust_assessment" in snap.signals["trust"]["note"]
    second = ScoreSnapshot.objects.for_org(org).get(partnership=partnerships[1])
    assert second.commitment == Decimal("70.0")  # no executive sponsor


def test_a_new_model_version_leaves_old_scores_with_theirs(
    org, program, member, admin_user, django_capture_on_commit_callbacks
):
    partnership = build(org, 1, program, member=member)[0]
    run_all(org, django_capture_on_commit_callbacks)
    old = ScoreSnapshot.objects.for_org(org).get(partnership=partnership)
    old.as_of = TODAY - datetime.timedelta(days=1)
    old.save()
    weights = {
        **scoring.DEFAULT_WEIGHTS,
        "commitment": {"plan_validated": 20, "executive_sponsor": 20, "both_sides_own": 60},
    }
    with django_capture_on_commit_callbacks(execute=True):
        model = services.model_save(
            org=org,
            actor=admin_user,
            weights=weights,
            element_weights=scoring.DEFAULT_ELEMENT_WEIGHTS,
            thresholds={},
            note="more weight on ownership",
        )
    assert model.version == 2
    old.refresh_from_db()
    new = ScoreSnapshot.objects.for_org(org).get(partnership=partnership, as_of=TODAY)
    assert (old.model.version, old.is_latest) == (1, False)
    assert (new.model.version, new.is_latest) == (2, True)
    assert new.signals["commitment"]["signals"]["both_sides_own"]["weight"] == "60"
    assert ScoringModel.objects.for_org(org).count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"weights": {"trust": {"trust_assessment": 50, "health_assessment": 20, "workspace_sharing": 20}}},
            "weights.trust",
        ),
        (
            {"weights": {"trust": {"trust_assessment": 120, "health_assessment": -20, "workspace_sharing": 0}}},
            "weights.trust.health_assessment",
        ),
        (
            {
                "element_weights": {
                    "trust": 50,
                    "analysis": 20,
                    "commitment": 20,
                    "accountability": 20,
                    "measurement": 20,
                }
            },
            "element_weights",
        ),
        ({"thresholds": {"fresh_days": "soon"}}, "thresholds.fresh_days"),
    ],
)
def test_bad_weights_are_refused_naming_the_field_and_nothing_is_saved(org, admin_user, change, field):
    args = {"weights": scoring.DEFAULT_WEIGHTS, "element_weights": scoring.DEFAULT_ELEMENT_WEIGHTS, "thresholds": {}}
    if "weights" in change:
        args["weights"] = {**scoring.DEFAULT_WEIGHTS, **change["weights"]}
    else:
        args.update(change)
    services.model_current(org=org)
    with pytest.raises(ValidationError) as exc:
        services.model_save(org=org, actor=admin_user, **args)
    assert field in exc.value.message_dict
    assert ScoringModel.objects.for_org(org).count() == 1


@pytest.mark.parametrize("value", ["101", "-1", "lots", "NaN"])
def test_a_target_outside_0_100_is_refused(org, member, value):
    partnership = PartnershipFactory(organization=org)
    with pytest.raises(ValidationError) as exc:
        services.target_set(org=org, actor=member, partnership=partnership, element="trust", value=value)
    assert "value" in exc.value.message_dict and "trust" in exc.value.message_dict["value"][0]
    assert not ScoreTarget.objects.for_org(org).exists()


def test_events_schedule_one_debounced_recompute_per_partnership(
    org, program, member, django_capture_on_commit_callbacks
):
    partnership = build(org, 1, program, member=member)[0]
    plan = partnership.plans.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        hooks.emit("plan.activity_done", org=org, actor=member, plan=plan, activity=plan.activities.first())
        hooks.emit("plan.validated", org=org, actor=member, plan=plan)
        hooks.emit("assessment.answered", org=org, actor=member, partnership=partnership, response=None)
    jobs = Job.objects.for_org(org).filter(kind=services.JOB_KIND)
    assert jobs.count() == 1  # three changes, one queued recompute
    assert jobs.get().params == {"partnership_ids": [partnership.pk]}
    for callback in callbacks:
        callback()
    job = jobs.get()
    assert job.status == Job.Status.DONE and job.result["partnerships"] == 1
    assert ScoreSnapshot.objects.for_org(org).filter(partnership=partnership, is_latest=True).exists()


def test_preview_shows_the_change_per_element_without_saving(org, program, member, admin_user, client_for):
    build(org, 3, program, member=member)
    services.model_current(org=org)
    post = {"action": "preview", "note": ""}
    for element, signals in scoring.DEFAULT_WEIGHTS.items():
        post[f"e-{element}"] = scoring.DEFAULT_ELEMENT_WEIGHTS[element]
        for code, weight in signals.items():
            post[f"w-{element}-{code}"] = weight
    post.update(
        {"w-commitment-plan_validated": 0, "w-commitment-executive_sponsor": 100, "w-commitment-both_sides_own": 0}
    )
    response = client_for(admin_user).post(reverse("reports:scoring_model", args=[org.slug]), post)
    assert response.status_code == 200
    rows = {r["element"]: r for r in response.context["preview"]["elements"]}
    # commitment before: 100, 70, 100 → 90; after: sponsor only 100, 0, 100 → 66.7
    assert (rows["commitment"]["before"], rows["commitment"]["after"]) == (Decimal("90.0"), Decimal("66.7"))
    assert ScoringModel.objects.for_org(org).count() == 1 and not ScoreSnapshot.objects.exists()
    post["w-commitment-executive_sponsor"] = 90
    bad = client_for(admin_user).post(reverse("reports:scoring_model", args=[org.slug]), post)
    assert bad.status_code == 400 and "weights.commitment" in bad.content.decode()


def test_scores_tab_shows_the_chart_targets_peers_and_links_to_rows(
    org, program, member, client_for, django_capture_on_commit_callbacks
):
    partnerships = build(org, 3, program, member=member)
    run_all(org, django_capture_on_commit_callbacks)
    target = partnerships[0]
    client = client_for(member)
    response = client.post(reverse("reports:targets", args=[org.slug, target.pk]), {"trust": "60", "commitment": "80"})
    assert response.status_code == 302
    assert ScoreTarget.objects.for_org(org).get(partnership=target, element="trust").value == Decimal(60)
    bad = client.post(reverse("reports:targets", args=[org.slug, target.pk]), {"trust": "140"}, follow=True)
    assert "from 0 to 100" in bad.content.decode()
    body = client.get(reverse("reports:partner_tab", args=[org.slug, target.partner_id])).content.decode()
    assert "data-plotly" in body and "Scatterpolar" not in body or "scatterpolar" in body
    assert "Peer average over 3 partnerships" in body
    rows_url = reverse("reports:signal_rows", args=[org.slug, target.pk, "accountability", "overdue"])
    assert rows_url in body
    rows = client.get(rows_url).content.decode()
    assert "1 overdue of 2 due" in rows and "Activity" in rows
    assert "How is this computed?" in body


def test_portfolio_heat_map_filters_sorts_and_names_the_weakest(
    org, program, member, viewer, client_for, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    build(org, 2, program, member=member)
    other_program = ProgramFactory(organization=org, name="Refer")
    PartnershipFactory(organization=org, program=other_program, partner=PartnerFactory(organization=org, name="Zeta"))
    run_all(org, django_capture_on_commit_callbacks)
    client = client_for(viewer)
    url = reverse("reports:scores", args=[org.slug])
    with django_assert_max_num_queries(14):
        response = client.get(url, {"sort": "-commitment"})
    rows = response.context["rows"]
    assert [r["snapshot"].commitment for r in rows] == sorted([r["snapshot"].commitment for r in rows], reverse=True)
    assert rows[-1]["weakest"] is not None
    filtered = client.get(url, {"program": other_program.pk}).context["rows"]
    assert [r["snapshot"].partnership.partner.name for r in filtered] == ["Zeta"]
    build(org, 6, program, member=member)
    run_all(org, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(14):
        assert len(client.get(url).context["rows"]) == 9


def test_trust_follows_the_answered_assessments(org, program, member, django_capture_on_commit_callbacks):
    from tests.partners.test_assessment_facts import _answer, _round

    partnership = build(org, 1, program, member=member)[0]
    rnd = _round(org, partnership)
    _answer(rnd, email="p@partner.example", side="partner", rci=(7, 7, 7), s=3, health=(5, 4))
    _answer(rnd, email="v@vendor.example", side="vendor", rci=(10, 10, 10), s=1)
    run_all(org, django_capture_on_commit_callbacks)
    snap = ScoreSnapshot.objects.for_org(org).get(partnership=partnership)
    trust = snap.signals["trust"]["signals"]
    # partner side 21/3 = 7 → 50 × log10(7/0.3) = 68.40; vendor 30 → 100; mean 84.2
    assert trust["trust_assessment"]["value"] == "84.2"
    # health: (5−1)×25 = 100 and (4−1)×25 = 75 → 87.5
    assert trust["health_assessment"]["value"] == "87.5"
    # 84.2 × 0.5 + 87.5 × 0.2 + 8.3 × 0.3 = 42.1 + 17.5 + 2.5
    assert snap.trust == Decimal("62.1")


def test_nightly_fan_out_requests_one_job_per_organization_with_partnerships(org, other_org, program, member):
    from reports.tasks import tacam_nightly

    build(org, 1, program, member=member)
    PartnershipFactory(organization=other_org)
    assert tacam_nightly() == 2
    assert Job.objects.filter(kind=services.JOB_KIND, key="all").count() == 2
    assert tacam_nightly() == 2  # queued jobs are joined, not doubled
    assert Job.objects.filter(kind=services.JOB_KIND, key="all").count() == 2


def test_scores_tab_query_count_does_not_grow_with_history_or_partnerships(
    org, program, member, client_for, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(organization=org)
    first = PartnershipFactory(organization=org, partner=partner, program=program)
    run_all(org, django_capture_on_commit_callbacks)
    url = reverse("reports:partner_tab", args=[org.slug, partner.pk])
    client = client_for(member)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for other in (ProgramFactory(organization=org), ProgramFactory(organization=org)):
        PartnershipFactory(organization=org, partner=partner, program=other)
    run_all(org, django_capture_on_commit_callbacks)
    ScoreSnapshot.objects.for_org(org).filter(partnership=first).update(as_of=TODAY - datetime.timedelta(days=3))
    run_all(org, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as three:
        body = client.get(url).content.decode()
    assert "across its partnerships" in body  # the roll-up
    assert len(three) == len(one), "\n".join(q["sql"][:150] for q in three.captured_queries)
