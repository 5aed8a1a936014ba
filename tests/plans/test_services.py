import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners.models import Partnership
from plans import checkin_services, meeting_services, selectors, services, template_services
from plans.models import Activity, CheckIn, KeyResult, Plan, PlanVersion
from pom.models import AuditEvent
from tests.factories import (
    ActivityFactory,
    KeyResultFactory,
    ObjectiveFactory,
    PartnershipFactory,
    PlanFactory,
    PlanTemplateFactory,
    UserFactory,
    WorkspaceMemberFactory,
    WorkspacePartnershipFactory,
)


@pytest.fixture
def plan(org):
    return PlanFactory(partnership=PartnershipFactory(partner__organization=org))


@pytest.fixture
def objective(plan):
    return ObjectiveFactory(plan=plan)


def _guest(org, plan):
    """A partner person in the workspace of the plan's partnership (no org membership)."""
    link = WorkspacePartnershipFactory(workspace__organization=org, partnership=plan.partnership)
    return WorkspaceMemberFactory(workspace=link.workspace).user


def _kr(org, member, objective, **fields):
    return services.key_result_create(org=org, actor=member, objective=objective, **{"name": "Deals", **fields})


# --- bad input -----------------------------------------------------------------------------------


def test_key_result_target_equal_to_baseline_is_refused(org, member, objective):
    with pytest.raises(ValidationError) as error:
        _kr(org, member, objective, baseline=D(5), target=D(5))
    assert "target" in error.value.message_dict
    assert not KeyResult.objects.exists()


@pytest.mark.parametrize("unit", ["count", "currency", "percent"])
def test_key_result_negative_target_is_refused(org, member, objective, unit):
    with pytest.raises(ValidationError) as error:
        _kr(org, member, objective, unit=unit, baseline=D(0), target=D(-5), direction="decrease")
    assert "cannot be negative" in error.value.message_dict["target"][0]


def test_key_result_direction_contradicting_target_is_refused(org, member, objective):
    with pytest.raises(ValidationError) as error:
        _kr(org, member, objective, baseline=D(10), target=D(5), direction="increase")
    assert "Decrease" in error.value.message_dict["target"][0]


def test_key_result_due_date_outside_period_is_refused(org, member, objective, plan):
    with pytest.raises(ValidationError) as error:
        _kr(org, member, objective, target=D(10), due_date=plan.period_end + datetime.timedelta(days=1))
    assert "outside the plan period" in error.value.message_dict["due_date"][0]


def test_key_result_yes_no_gets_zero_to_one(org, member, objective):
    kr = _kr(org, member, objective, unit="boolean", baseline=D(3), target=None)
    assert (kr.baseline, kr.target) == (D(0), D(1))


def test_checkin_on_closed_plan_is_refused(org, member, plan, objective):
    kr = _kr(org, member, objective, target=D(10))
    services.plan_close(org=org, actor=member, plan=plan)
    kr.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        checkin_services.checkin_create(org=org, actor=member, key_result=kr, value=D(3))
    assert "closed" in error.value.message_dict["key_result"][0]
    assert not CheckIn.objects.exists()


def test_checkin_updates_current_value_and_audits(org, member, objective):
    kr = _kr(org, member, objective, target=D(10))
    checkin_services.checkin_create(org=org, actor=member, key_result=kr, value=D(4), note="CRM")
    kr.refresh_from_db()
    assert kr.current_value == D(4)
    assert kr.last_checkin_at is not None
    assert AuditEvent.objects.filter(object_type="plans.checkin", actor_user=member).exists()


def test_backdated_checkin_does_not_replace_newer_value(org, member, objective):
    kr = _kr(org, member, objective, target=D(10))
    checkin_services.checkin_create(org=org, actor=member, key_result=kr, value=D(6))
    checkin_services.checkin_create(
        org=org, actor=member, key_result=kr, value=D(2), at=timezone.now() - datetime.timedelta(days=20)
    )
    kr.refresh_from_db()
    assert kr.current_value == D(6)


def test_checkin_negative_or_non_boolean_values_are_refused(org, member, objective):
    kr = _kr(org, member, objective, target=D(10))
    with pytest.raises(ValidationError):
        checkin_services.checkin_create(org=org, actor=member, key_result=kr, value=D(-1))
    yes_no = _kr(org, member, objective, unit="boolean")
    with pytest.raises(ValidationError):
        checkin_services.checkin_create(org=org, actor=member, key_result=yes_no, value=D(2))
    assert not CheckIn.objects.exists()


def test_activity_assignee_outside_org_and_workspace_is_refused(org, member, plan, outsider):
    with pytest.raises(ValidationError) as error:
        services.activity_create(org=org, actor=member, plan=plan, title="Webinar", assignee=outsider)
    assert "assignee" in error.value.message_dict
    assert not Activity.objects.exists()


def test_activity_assignee_member_is_accepted(org, member, plan, viewer):
    activity = services.activity_create(org=org, actor=member, plan=plan, title="Webinar", assignee=viewer)
    assert activity.assignee == viewer


def test_activity_due_date_outside_period_is_refused(org, member, plan):
    with pytest.raises(ValidationError) as error:
        services.activity_create(
            org=org, actor=member, plan=plan, title="Late", due_date=plan.period_start - datetime.timedelta(days=1)
        )
    assert "due_date" in error.value.message_dict


def test_activity_done_sets_progress_and_tells_the_workspace(org, member, plan):
    from workspaces.models import Update

    link = WorkspacePartnershipFactory(workspace__organization=org, partnership=plan.partnership)
    activity = ActivityFactory(plan=plan)
    activity = services.activity_update(org=org, actor=member, activity=activity, data={"status": "done"})
    assert activity.progress == 100 and activity.completed_at is not None
    assert Update.objects.filter(workspace=link.workspace, kind="activity_done").count() == 1


def test_activity_assignee_from_the_partnership_workspace_is_accepted(org, member, plan):
    guest = _guest(org, plan)
    activity = services.activity_create(org=org, actor=member, plan=plan, title="Enablement", assignee=guest)
    assert activity.assignee == guest


def test_activity_reaching_hundred_percent_is_done(org, member, plan):
    activity = ActivityFactory(plan=plan, status="in_progress", progress=50)
    activity = services.activity_update(org=org, actor=member, activity=activity, data={"progress": 100})
    assert activity.status == "done"


def test_activity_reopened_leaves_done(org, member, plan):
    activity = services.activity_create(org=org, actor=member, plan=plan, title="Call", status="done")
    activity = services.activity_update(org=org, actor=member, activity=activity, data={"status": "in_progress"})
    assert activity.status == "in_progress" and activity.completed_at is None and activity.progress < 100


def test_plan_create_with_fiscal_quarter_uses_org_calendar(org, member):
    org.fiscal_year_start_month = 2
    org.save()
    partnership = PartnershipFactory(partner__organization=org)
    plan = services.plan_create(
        org=org,
        actor=member,
        partnership=partnership,
        name="Q",
        period="quarter",
        period_start=datetime.date(2026, 1, 15),
    )
    assert (plan.period_start, plan.period_end) == (datetime.date(2025, 11, 1), datetime.date(2026, 1, 31))


def test_plan_create_on_other_orgs_partnership_is_refused(org, member, other_org):
    foreign = PartnershipFactory(partner__organization=other_org)
    with pytest.raises(ValidationError):
        services.plan_create(org=org, actor=member, partnership=foreign, name="X", period="quarter")


# --- validation and versions ---------------------------------------------------------------------


def test_validation_needs_both_sides_and_freezes_a_version(org, member, plan, objective):
    _kr(org, member, objective, target=D(10))
    services.plan_propose(org=org, actor=member, plan=plan)
    plan = services.plan_approve(org=org, actor=member, plan=plan, side="vendor")
    assert plan.status == Plan.Status.PROPOSED
    assert not PlanVersion.objects.exists()
    plan = services.plan_approve(org=org, actor=member, plan=plan, side="partner", note="Signed by Jo on 3 May")
    assert plan.status == Plan.Status.VALIDATED
    version = PlanVersion.objects.get(plan=plan)
    assert version.number == 1
    assert [k["name"] for k in version.snapshot["key_results"].values()] == ["Deals"]


def test_partner_approval_recorded_by_vendor_needs_a_note(org, member, plan):
    with pytest.raises(ValidationError) as error:
        services.plan_approve(org=org, actor=member, plan=plan, side="partner")
    assert "note" in error.value.message_dict
    plan.refresh_from_db()
    assert plan.partner_approved_at is None


def test_partner_approval_by_workspace_guest_needs_no_note(org, plan):
    guest = _guest(org, plan)
    plan = services.plan_approve(org=org, actor=guest, plan=plan, side="partner")
    assert plan.partner_approved_by == guest


def test_vendor_approval_by_non_member_is_refused(org, plan, outsider):
    with pytest.raises(ValidationError):
        services.plan_approve(org=org, actor=outsider, plan=plan, side="vendor")


def test_changes_after_validation_show_in_the_diff(org, member, plan, objective):
    kr = _kr(org, member, objective, target=D(10))
    services.plan_approve(org=org, actor=member, plan=plan, side="vendor")
    services.plan_approve(org=org, actor=member, plan=plan, side="partner", note="by e-mail")
    assert selectors.plan_diff(org=org, plan=plan)["changes"] == []
    services.key_result_update(org=org, actor=member, key_result=kr, data={"target": D(12)})
    services.activity_create(org=org, actor=member, plan=plan, title="Extra webinar")
    checkin_services.checkin_create(org=org, actor=member, key_result=kr, value=D(3))  # values are not part of the deal
    changes = selectors.plan_diff(org=org, plan=plan)["changes"]
    assert {"kind": "Activity", "name": "Extra webinar", "change": "added", "fields": []} in changes
    target_change = next(c for c in changes if c["kind"] == "Key result")
    assert target_change["fields"] == [("target", "10.00", "12.00")]
    assert len(changes) == 2


def test_proposing_again_then_approving_makes_version_two(org, member, plan, objective):
    _kr(org, member, objective, target=D(10))
    for _ in range(2):
        services.plan_propose(org=org, actor=member, plan=plan)
        services.plan_approve(org=org, actor=member, plan=plan, side="vendor")
        services.plan_approve(org=org, actor=member, plan=plan, side="partner", note="ok")
    assert list(PlanVersion.objects.filter(plan=plan).values_list("number", flat=True)) == [2, 1]


def test_closed_plan_refuses_edits(org, member, plan):
    services.plan_close(org=org, actor=member, plan=plan)
    with pytest.raises(ValidationError):
        services.plan_update(org=org, actor=member, plan=plan, data={"name": "New"})
    with pytest.raises(ValidationError):
        services.activity_create(org=org, actor=member, plan=plan, title="x")


# --- templates -----------------------------------------------------------------------------------


def test_template_applied_to_many_partnerships_creates_one_plan_each(org, member):
    template = PlanTemplateFactory(organization=org)
    partnerships = [PartnershipFactory(partner__organization=org) for _ in range(3)]
    plans = template_services.plan_create_from_template(
        org=org, actor=member, template=template, partnerships=partnerships
    )
    assert len(plans) == 3
    for plan in plans:
        tree = selectors.plan_tree(org=org, plan=plan)
        assert [o.title for o in tree.objective_list] == ["Grow pipeline"]
        assert [kr.name for kr in tree.kr_list] == ["Deals registered"]
        assert tree.activity_list[0].due_date == plan.period_start + datetime.timedelta(days=20)
        assert tree.template == template


def test_template_application_with_one_invalid_partnership_creates_nothing(org, member):
    template = PlanTemplateFactory(organization=org)
    good = [PartnershipFactory(partner__organization=org) for _ in range(2)]
    ended = PartnershipFactory(partner__organization=org, status=Partnership.Status.ENDED)
    with pytest.raises(ValidationError) as error:
        template_services.plan_create_from_template(
            org=org, actor=member, template=template, partnerships=[*good, ended]
        )
    assert str(ended) in error.value.message_dict["partnerships"][0]
    assert not Plan.objects.exists()
    assert not KeyResult.objects.exists()


def test_template_application_refuses_duplicate_plan_name(org, member):
    template = PlanTemplateFactory(organization=org)
    partnership = PartnershipFactory(partner__organization=org)
    template_services.plan_create_from_template(org=org, actor=member, template=template, partnerships=[partnership])
    with pytest.raises(ValidationError):
        template_services.plan_create_from_template(
            org=org, actor=member, template=template, partnerships=[partnership]
        )
    assert Plan.objects.count() == 1


def test_default_templates_are_seeded_and_apply_cleanly(org, member):
    from plans.defaults import org_defaults
    from plans.models import PlanTemplate

    org_defaults(org=org)
    org_defaults(org=org)  # idempotent
    names = set(PlanTemplate.objects.for_org(org).values_list("name", flat=True))
    assert names == {"Partner onboarding", "Joint business plan", "Technology partner launch"}
    partnership = PartnershipFactory(partner__organization=org)
    for template in PlanTemplate.objects.for_org(org):
        template_services.plan_create_from_template(
            org=org, actor=member, template=template, partnerships=[partnership]
        )
    launch = Plan.objects.get(name="Technology partner launch")
    assert launch.phases[1] == "Validate"
    validate_titles = set(
        Activity.objects.filter(plan=launch, objective__phase="Validate").values_list("title", flat=True)
    )
    assert "Decide who builds the integration" in validate_titles


def test_template_clone_copies_outline_under_new_name(org, member):
    template = PlanTemplateFactory(organization=org, name="Base")
    copy = template_services.template_clone(org=org, actor=member, template=template)
    assert copy.name == "Base (copy)" and copy.content == template.content and not copy.is_default
    template_services.template_update(org=org, actor=member, template=copy, data={"content": {"objectives": []}})
    template.refresh_from_db()
    assert template.content["objectives"]


def test_template_update_rejects_malformed_outline(org, member):
    template = PlanTemplateFactory(organization=org)
    with pytest.raises(ValidationError) as error:
        template_services.template_update(
            org=org, actor=member, template=template, data={"content": {"objectives": [{"title": ""}]}}
        )
    assert "Objective 1" in error.value.message_dict["content"][0]


# --- meetings ------------------------------------------------------------------------------------


def test_meeting_follow_ups_become_plan_activities(org, member, plan):
    meeting = meeting_services.meeting_create(
        org=org,
        actor=member,
        partnership=plan.partnership,
        plan=plan,
        kind="qbr",
        date=timezone.localdate(),
        vendor_attendees=[member],
        decisions="Double the webinars\n- Hire an SE",
        follow_ups=[{"title": "Plan two webinars", "owner_side": "partner"}],
    )
    assert meeting.decision_list == ["Double the webinars", "Hire an SE"]
    assert list(Activity.objects.filter(meeting=meeting).values_list("title", "owner_side")) == [
        ("Plan two webinars", "partner")
    ]


def test_meeting_with_invalid_follow_up_saves_nothing(org, member, plan, outsider):
    from plans.models import Meeting

    with pytest.raises(ValidationError) as error:
        meeting_services.meeting_create(
            org=org,
            actor=member,
            partnership=plan.partnership,
            plan=plan,
            kind="monthly_review",
            date=timezone.localdate(),
            follow_ups=[{"title": "Ok"}, {"title": "Bad", "assignee": outsider}],
        )
    assert "Follow-up 2" in error.value.message_dict["follow_ups"][0]
    assert not Meeting.objects.exists() and not Activity.objects.exists()


# --- selectors -----------------------------------------------------------------------------------


def test_attention_items_lists_overdue_work_and_stale_key_results(org, member, plan):
    today = timezone.localdate()
    late = ActivityFactory(plan=plan, due_date=today - datetime.timedelta(days=3), owner_side="partner")
    ActivityFactory(plan=plan, due_date=today - datetime.timedelta(days=3), status="done")
    vendor_late = ActivityFactory(plan=plan, due_date=today - datetime.timedelta(days=2), owner_side="vendor")
    stale = KeyResultFactory(objective__plan=plan, responsible_side="partner")
    fresh = KeyResultFactory(objective__plan=plan, responsible_side="partner", update_frequency="weekly")
    checkin_services.checkin_create(org=org, actor=member, key_result=fresh, value=D(1))
    items = selectors.attention_items(org=org, partnership_ids=[plan.partnership_id])
    assert {a.pk for a in items["overdue_activities"]} == {late.pk, vendor_late.pk}
    assert [kr.pk for kr in items["checkins_due"]] == [stale.pk]
    guest = UserFactory()
    mine = selectors.attention_items(org=org, partnership_ids=[plan.partnership_id], user=guest)
    assert [a.pk for a in mine["overdue_activities"]] == [late.pk]


def test_plan_as_of_rebuilds_values_from_checkins(org, member, plan, objective):
    kr = _kr(org, member, objective, target=D(10))
    now = timezone.now()
    checkin_services.checkin_create(
        org=org, actor=member, key_result=kr, value=D(2), at=now - datetime.timedelta(days=30)
    )
    checkin_services.checkin_create(org=org, actor=member, key_result=kr, value=D(8), at=now)
    tree = selectors.plan_tree(org=org, plan=plan)
    [row] = selectors.plan_as_of(org=org, plan=tree, as_of=timezone.localdate() - datetime.timedelta(days=10))
    assert row["value_then"] == D(2) and row["progress_then"] == D(20)
    assert row["kr"].progress == D(80) and row["delta"] == D(60)


def test_plan_tree_computes_forecast_from_checkins(org, member, plan, objective):
    kr = _kr(org, member, objective, target=D(100))
    now = timezone.now()
    for days_ago, value in [(40, 10), (20, 30), (0, 50)]:
        checkin_services.checkin_create(
            org=org, actor=member, key_result=kr, value=D(value), at=now - datetime.timedelta(days=days_ago)
        )
    tree = selectors.plan_tree(org=org, plan=plan)
    forecast = tree.kr_list[0].forecast
    days_left = (plan.period_end - timezone.localdate()).days
    assert forecast == D(50 + days_left).quantize(D("0.01"))
