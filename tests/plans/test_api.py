import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from plans.models import Activity, CheckIn, KeyResult, Meeting, Objective, Plan, PlanTemplate
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    KeyResultFactory,
    MeetingFactory,
    ObjectiveFactory,
    PartnershipFactory,
    PlanFactory,
    PlanTemplateFactory,
    WorkspaceMemberFactory,
    WorkspacePartnershipFactory,
)


@pytest.fixture
def plan(org):
    return PlanFactory(partnership=PartnershipFactory(partner__organization=org))


@pytest.fixture
def kr(plan):
    return KeyResultFactory(objective=ObjectiveFactory(plan=plan), target=10)


def api(name, org, *args):
    return reverse(f"plans-api:{name}", args=[org.slug, *args])


def _endpoints(org, plan, kr):
    activity = ActivityFactory(plan=plan)
    template = PlanTemplateFactory(organization=org)
    meeting = MeetingFactory(partnership=plan.partnership)
    checkin = CheckInFactory(key_result=kr)
    reads = [
        api("plan-list", org),
        api("plan-detail", org, plan.pk),
        api("plan-diff", org, plan.pk),
        api("objective-list", org),
        api("objective-detail", org, kr.objective_id),
        api("keyresult-list", org),
        api("keyresult-detail", org, kr.pk),
        api("keyresult-checkins", org, kr.pk),
        api("checkin-list", org),
        api("checkin-detail", org, checkin.pk),
        api("activity-list", org),
        api("activity-detail", org, activity.pk),
        api("template-list", org),
        api("template-detail", org, template.pk),
        api("meeting-list", org),
        api("meeting-detail", org, meeting.pk),
    ]
    writes = [
        ("post", api("plan-list", org)),
        ("patch", api("plan-detail", org, plan.pk)),
        ("post", api("plan-propose", org, plan.pk)),
        ("post", api("plan-approve", org, plan.pk)),
        ("post", api("plan-close", org, plan.pk)),
        ("delete", api("plan-detail", org, plan.pk)),
        ("post", api("objective-list", org)),
        ("patch", api("objective-detail", org, kr.objective_id)),
        ("post", api("keyresult-list", org)),
        ("patch", api("keyresult-detail", org, kr.pk)),
        ("post", api("keyresult-checkins", org, kr.pk)),
        ("post", api("checkin-list", org)),
        ("post", api("activity-list", org)),
        ("patch", api("activity-detail", org, activity.pk)),
        ("delete", api("activity-detail", org, activity.pk)),
        ("post", api("template-list", org)),
        ("patch", api("template-detail", org, template.pk)),
        ("post", api("template-clone", org, template.pk)),
        ("post", api("template-apply", org, template.pk)),
        ("post", api("meeting-list", org)),
    ]
    return reads, writes


def test_every_endpoint_reads_for_a_viewer(org, plan, kr, viewer, api_client_for):
    reads, _ = _endpoints(org, plan, kr)
    client = api_client_for(viewer)
    for url in reads:
        assert client.get(url).status_code == 200, url


def test_endpoints_are_404_for_other_org_outsider_and_partner_guest(
    org, plan, kr, other_member, outsider, api_client_for
):
    guest = WorkspaceMemberFactory(
        workspace=WorkspacePartnershipFactory(workspace__organization=org, partnership=plan.partnership).workspace
    ).user
    reads, writes = _endpoints(org, plan, kr)
    for user in (other_member, outsider, guest):
        client = api_client_for(user)
        for url in reads:
            assert client.get(url).status_code == 404, (user, url)
        for method, url in writes:
            assert getattr(client, method)(url, {}).status_code == 404, (user, method, url)


def test_endpoints_refuse_anonymous(org, plan, kr, api_client_for):
    reads, writes = _endpoints(org, plan, kr)
    client = api_client_for(None)
    for url in reads:
        assert client.get(url).status_code in (401, 403), url
    for method, url in writes:
        assert getattr(client, method)(url, {}).status_code in (401, 403), url


def test_viewer_and_read_key_cannot_write(org, plan, kr, viewer, api_client_for, api_key_client):
    _, writes = _endpoints(org, plan, kr)
    for client in (api_client_for(viewer), api_key_client("read")):
        for method, url in writes:
            assert getattr(client, method)(url, {}).status_code == 403, (method, url)
    assert Plan.objects.get(pk=plan.pk).status == "draft"


def test_other_orgs_objects_are_404_by_id(org, other_org, api_client):
    foreign = PlanFactory(partnership=PartnershipFactory(partner__organization=other_org))
    foreign_kr = KeyResultFactory(objective__plan=foreign)
    assert api_client.get(api("plan-detail", org, foreign.pk)).status_code == 404
    assert api_client.post(api("keyresult-checkins", org, foreign_kr.pk), {"value": "1"}).status_code == 404
    assert not CheckIn.objects.exists()


def test_create_plan_with_fiscal_quarter(org, api_client):
    partnership = PartnershipFactory(partner__organization=org)
    body = {"partnership": partnership.pk, "name": "Q plan", "period": "quarter", "period_start": "2026-05-10"}
    response = api_client.post(api("plan-list", org), body)
    assert response.status_code == 201, response.json()
    assert (response.json()["period_start"], response.json()["period_end"]) == ("2026-04-01", "2026-06-30")


def test_create_plan_rejects_partnership_of_other_org(org, other_org, api_client):
    foreign = PartnershipFactory(partner__organization=other_org)
    response = api_client.post(api("plan-list", org), {"partnership": foreign.pk, "name": "X", "period": "quarter"})
    assert response.status_code == 400 and "partnership" in response.json()["errors"]


def test_integration_posts_checkin_by_key_result_id(org, kr, api_key_client):
    response = api_key_client("write").post(api("keyresult-checkins", org, kr.pk), {"value": "7.5", "note": "CRM"})
    assert response.status_code == 201
    kr.refresh_from_db()
    assert str(kr.current_value) == "7.50"
    assert CheckIn.objects.get().created_by_label.startswith("API key")


def test_checkin_on_closed_plan_is_400_naming_field(org, plan, kr, api_client):
    api_client.post(api("plan-close", org, plan.pk))
    response = api_client.post(api("keyresult-checkins", org, kr.pk), {"value": "3"})
    assert response.status_code == 400 and "closed" in response.json()["errors"]["key_result"][0]


def test_key_result_target_equal_baseline_is_400(org, kr, api_client):
    body = {"objective": kr.objective_id, "name": "Flat", "baseline": "3", "target": "3"}
    response = api_client.post(api("keyresult-list", org), body)
    assert response.status_code == 400 and "target" in response.json()["errors"]
    assert KeyResult.objects.count() == 1


def test_activity_assigned_outside_org_is_400(org, plan, outsider, api_client):
    response = api_client.post(api("activity-list", org), {"plan": plan.pk, "title": "x", "assignee": outsider.pk})
    assert response.status_code == 400 and "assignee" in response.json()["errors"]
    assert not Activity.objects.exists()


def test_plan_detail_has_tree_and_computed_figures(org, plan, kr, api_client):
    api_client.post(api("keyresult-checkins", org, kr.pk), {"value": "5"})
    body = api_client.get(api("plan-detail", org, plan.pk)).json()
    [objective] = body["objectives"]
    [key_result] = objective["key_results"]
    assert key_result["progress"] == "50.0" and key_result["grade"] == "0.50" and key_result["status"] == "on_track"
    assert body["progress"] == "50.0"
    assert set(body["health"]) == {"krs_on_track", "activities_on_time", "krs_fresh", "score"}


def test_approve_both_sides_validates_and_diff_is_empty(org, plan, kr, api_client):
    api_client.post(api("plan-approve", org, plan.pk), {"side": "vendor"})
    response = api_client.post(api("plan-approve", org, plan.pk), {"side": "partner", "note": "Signed"})
    assert response.json()["status"] == "validated"
    assert api_client.get(api("plan-diff", org, plan.pk)).json() == {"version": 1, "changes": []}


def test_template_apply_all_or_nothing(org, api_client, other_org):
    template = PlanTemplateFactory(organization=org)
    mine = [PartnershipFactory(partner__organization=org) for _ in range(2)]
    foreign = PartnershipFactory(partner__organization=other_org)
    url = api("template-apply", org, template.pk)
    response = api_client.post(url, {"partnerships": [p.pk for p in mine] + [foreign.pk], "period": "quarter"})
    assert response.status_code == 400 and not Plan.objects.exists()
    response = api_client.post(url, {"partnerships": [p.pk for p in mine], "period": "quarter"})
    assert response.status_code == 201 and len(response.json()) == 2


def test_template_create_clone_and_edit(org, api_client):
    body = {"name": "Mine", "kind": "custom", "content": {"objectives": [{"title": "Grow"}]}}
    created = api_client.post(api("template-list", org), body, format="json").json()
    clone = api_client.post(api("template-clone", org, created["id"]), {"name": "Mine 2"}).json()
    response = api_client.patch(api("template-detail", org, clone["id"]), {"duration_days": 30}, format="json")
    assert response.json()["duration_days"] == 30
    assert PlanTemplate.objects.for_org(org).count() == 2


def test_meeting_with_follow_ups(org, plan, member, api_client):
    body = {
        "partnership": plan.partnership_id,
        "plan": plan.pk,
        "kind": "steering",
        "date": timezone.localdate().isoformat(),
        "vendor_attendees": [member.pk],
        "follow_ups": [{"title": "Budget review", "owner_side": "both"}],
    }
    response = api_client.post(api("meeting-list", org), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["follow_ups"][0]["title"] == "Budget review"
    assert Meeting.objects.get().follow_ups.count() == 1


def test_activity_patch_status_done(org, plan, api_client):
    activity = ActivityFactory(plan=plan, due_date=timezone.localdate() + datetime.timedelta(days=3))
    response = api_client.patch(api("activity-detail", org, activity.pk), {"status": "done"})
    assert response.json()["progress"] == 100 and response.json()["completed_at"]


def test_plan_list_filters_and_objective_crud(org, plan, api_client):
    PlanFactory(partnership=PartnershipFactory(partner__organization=org), status="closed")
    assert api_client.get(api("plan-list", org) + "?status=draft").json()["count"] == 1
    created = api_client.post(api("objective-list", org), {"plan": plan.pk, "title": "New one"}).json()
    api_client.patch(api("objective-detail", org, created["id"]), {"title": "Renamed"})
    assert Objective.objects.get(pk=created["id"]).title == "Renamed"
    assert api_client.delete(api("objective-detail", org, created["id"])).status_code == 204


@pytest.mark.parametrize("count", [2, 25])
def test_list_endpoints_query_count_is_bounded(org, api_client, django_assert_max_num_queries, count):
    for _ in range(count):
        plan = PlanFactory(partnership=PartnershipFactory(partner__organization=org))
        kr = KeyResultFactory(objective__plan=plan)
        ActivityFactory(plan=plan)
        MeetingFactory(partnership=plan.partnership, plan=plan)
        CheckInFactory(key_result=kr)
    for name in ("plan-list", "keyresult-list", "activity-list", "meeting-list", "checkin-list", "objective-list"):
        with django_assert_max_num_queries(12):
            assert api_client.get(api(name, org)).status_code == 200
