import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from plans import checkin_services, services
from plans.defaults import org_defaults
from plans.models import Activity, CheckIn, Meeting, Plan, PlanTemplate
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    ContactFactory,
    KeyResultFactory,
    MeetingFactory,
    ObjectiveFactory,
    PartnerFactory,
    PartnershipFactory,
    PlanFactory,
    PlanTemplateFactory,
    WorkspaceMemberFactory,
    WorkspacePartnershipFactory,
)


@pytest.fixture
def plan(org):
    return PlanFactory(partnership=PartnershipFactory(partner__organization=org), name="FY26 joint plan")


@pytest.fixture
def kr(plan):
    return KeyResultFactory(objective=ObjectiveFactory(plan=plan, title="Grow revenue"), name="Deals won", target=10)


def _urls(org, plan, kr):
    activity = ActivityFactory(plan=plan)
    template = PlanTemplateFactory(organization=org)
    get = [
        reverse("plans:portfolio", args=[org.slug]),
        reverse("plans:create", args=[org.slug]),
        reverse("plans:detail", args=[org.slug, plan.pk]),
        reverse("plans:edit", args=[org.slug, plan.pk]),
        reverse("plans:qbr", args=[org.slug, plan.pk]),
        reverse("plans:templates", args=[org.slug]),
        reverse("plans:template_edit", args=[org.slug, template.pk]),
        reverse("plans:template_apply", args=[org.slug, template.pk]),
        reverse("plans:meetings", args=[org.slug, plan.partnership_id]),
        reverse("plans:partner_tab", args=[org.slug, plan.partnership.partner_id]),
        reverse("plans:item_edit", args=[org.slug, "key-result", kr.pk]),
        reverse("plans:template_create", args=[org.slug]),
    ]
    post = [
        reverse("plans:create", args=[org.slug]),
        reverse("plans:edit", args=[org.slug, plan.pk]),
        reverse("plans:action", args=[org.slug, plan.pk, "close"]),
        reverse("plans:add", args=[org.slug, plan.pk, "activity"]),
        reverse("plans:item_delete", args=[org.slug, "activity", activity.pk]),
        reverse("plans:item_edit", args=[org.slug, "objective", kr.objective_id]),
        reverse("plans:checkin", args=[org.slug, kr.pk]),
        reverse("plans:activity_update", args=[org.slug, activity.pk]),
        reverse("plans:template_edit", args=[org.slug, template.pk]),
        reverse("plans:template_clone", args=[org.slug, template.pk]),
        reverse("plans:template_apply", args=[org.slug, template.pk]),
        reverse("plans:meetings", args=[org.slug, plan.partnership_id]),
        reverse("plans:template_create", args=[org.slug]),
    ]
    return get, post


def test_every_page_renders_for_a_viewer(org, plan, kr, viewer, client_for):
    get, _ = _urls(org, plan, kr)
    client = client_for(viewer)
    for url in get[:1] + get[2:3] + get[4:6] + get[8:10]:
        assert client.get(url).status_code == 200, url


def test_every_page_renders_for_a_manager(org, plan, kr, member_client):
    get, _ = _urls(org, plan, kr)
    for url in get:
        assert member_client.get(url).status_code == 200, url


def test_pages_are_404_for_other_org_outsider_and_partner_guest(org, plan, kr, other_member, outsider, client_for):
    guest = WorkspaceMemberFactory(
        workspace=WorkspacePartnershipFactory(workspace__organization=org, partnership=plan.partnership).workspace
    ).user
    get, post = _urls(org, plan, kr)
    for user in (other_member, outsider, guest):
        client = client_for(user)
        for url in get:
            assert client.get(url).status_code == 404, (user, url)
        for url in post:
            assert client.post(url, {}).status_code == 404, (user, url)
    assert Plan.objects.get(pk=plan.pk).status == "draft"


def test_pages_redirect_anonymous_to_login(org, plan, kr, client_for):
    get, post = _urls(org, plan, kr)
    client = client_for(None)
    for url in get + post:
        response = client.get(url) if url in get else client.post(url, {})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_viewer_cannot_write(org, plan, kr, viewer, client_for):
    get, post = _urls(org, plan, kr)
    client = client_for(viewer)
    for url in get[1:2] + get[3:4] + get[6:8] + get[10:]:
        assert client.get(url).status_code == 403, url
    for url in post:
        assert client.post(url, {"value": "3"}).status_code == 403, url
    assert not CheckIn.objects.exists()


def test_other_orgs_plan_is_404_inside_my_org(org, member_client, other_org):
    foreign = PlanFactory(partnership=PartnershipFactory(partner__organization=other_org))
    assert member_client.get(reverse("plans:detail", args=[org.slug, foreign.pk])).status_code == 404
    foreign_kr = KeyResultFactory(objective__plan=foreign)
    response = member_client.post(reverse("plans:checkin", args=[org.slug, foreign_kr.pk]), {"value": "1"})
    assert response.status_code == 404


def test_plan_page_shows_realised_over_target_and_status(org, plan, kr, member, member_client):
    checkin_services.checkin_create(org=org, actor=member, key_result=kr, value=D(7), note="Three deals signed in May")
    html = member_client.get(reverse("plans:detail", args=[org.slug, plan.pk])).content.decode()
    assert "Grow revenue" in html and "Deals won" in html
    assert "<strong>7</strong> / 10" in html
    assert "On track" in html
    assert "How is this computed?" in html and "clamped to 0–100 %" in html
    assert "Three deals signed in May" in html


def test_htmx_checkin_returns_updated_table(org, plan, kr, member_client):
    url = reverse("plans:checkin", args=[org.slug, kr.pk])
    response = member_client.post(url, {"value": "4", "note": "from CRM"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="okr">')
    assert "<strong>4</strong> / 10" in html
    assert CheckIn.objects.get().note == "from CRM"


def test_htmx_checkin_on_closed_plan_shows_error_and_saves_nothing(org, plan, kr, member, member_client):
    services.plan_close(org=org, actor=member, plan=plan)
    url = reverse("plans:checkin", args=[org.slug, kr.pk])
    html = member_client.post(url, {"value": "4"}, HTTP_HX_REQUEST="true").content.decode()
    assert "alert-error" in html and "closed" in html
    assert not CheckIn.objects.exists()


def test_htmx_activity_status_update(org, plan, member_client):
    activity = ActivityFactory(plan=plan, title="Webinar")
    url = reverse("plans:activity_update", args=[org.slug, activity.pk])
    response = member_client.post(url, {"status": "done", "progress": "0"}, HTTP_HX_REQUEST="true")
    assert "“Webinar” updated." in response.content.decode()
    activity.refresh_from_db()
    assert activity.status == "done" and activity.progress == 100


def test_add_key_result_with_target_equal_baseline_shows_message(org, plan, kr, member_client):
    url = reverse("plans:add", args=[org.slug, plan.pk, "key-result"])
    data = {
        "objective": kr.objective_id,
        "name": "Flat",
        "unit": "count",
        "direction": "increase",
        "baseline": "5",
        "target": "5",
        "responsible_side": "both",
        "update_frequency": "monthly",
    }
    response = member_client.post(url, data, follow=True)
    assert "target equals the baseline" in response.content.decode()
    assert plan.key_results.count() == 1


def test_create_plan_from_template_on_page(org, member, member_client):
    org_defaults(org=org)
    partnership = PartnershipFactory(partner__organization=org)
    template = PlanTemplate.objects.for_org(org).get(name="Partner onboarding")
    data = {"partnership": partnership.pk, "template": template.pk, "kind": "custom", "period": "quarter"}
    response = member_client.post(reverse("plans:create", args=[org.slug]), data)
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/plans/{plan.pk}/")
    assert plan.name == "Partner onboarding" and plan.objectives.count() == 7


def test_apply_template_to_many_partnerships_page(org, member_client):
    template = PlanTemplateFactory(organization=org, name="Q plan")
    partnerships = [PartnershipFactory(partner__organization=org) for _ in range(3)]
    url = reverse("plans:template_apply", args=[org.slug, template.pk])
    response = member_client.post(url, {"partnerships": [p.pk for p in partnerships], "period": "quarter"})
    assert response.status_code == 302
    assert Plan.objects.filter(name="Q plan").count() == 3


def test_approvals_on_page_validate_the_plan(org, plan, kr, member_client):
    member_client.post(reverse("plans:action", args=[org.slug, plan.pk, "approve-vendor"]))
    response = member_client.post(
        reverse("plans:action", args=[org.slug, plan.pk, "approve-partner"]), {"note": "Jo, by e-mail"}, follow=True
    )
    assert "the plan is validated" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "validated"
    services.key_result_update(org=org, actor=None, key_result=kr, data={"name": "Deals closed"})
    html = member_client.get(reverse("plans:detail", args=[org.slug, plan.pk])).content.decode()
    assert "Changes since validated version 1" in html and "Deals closed" in html


def test_portfolio_filters_behind_only(org, member_client):
    start = timezone.localdate() - datetime.timedelta(days=60)
    end = timezone.localdate() + datetime.timedelta(days=30)
    behind = PlanFactory(partnership=PartnershipFactory(partner__organization=org), name="Slow plan")
    behind.period_start, behind.period_end = start, end
    behind.save()
    KeyResultFactory(objective__plan=behind, target=100, current_value=5)
    fine = PlanFactory(partnership=PartnershipFactory(partner__organization=org), name="Fast plan")
    KeyResultFactory(objective__plan=fine, target=100, current_value=90)
    html = member_client.get(reverse("plans:portfolio", args=[org.slug]) + "?behind=true").content.decode()
    assert "Slow plan" in html and "Fast plan" not in html
    html = member_client.get(reverse("plans:portfolio", args=[org.slug])).content.decode()
    assert "Slow plan" in html and "Fast plan" in html


def test_portfolio_htmx_returns_table_fragment(org, plan, member_client):
    url = reverse("plans:portfolio", args=[org.slug]) + "?status=draft"
    html = member_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="portfolio">') and plan.name in html


def test_qbr_view_shows_progress_then_and_now(org, plan, kr, member, member_client):
    now = timezone.now()
    checkin_services.checkin_create(
        org=org, actor=member, key_result=kr, value=D(2), at=now - datetime.timedelta(days=20)
    )
    checkin_services.checkin_create(org=org, actor=member, key_result=kr, value=D(6), at=now)
    as_of = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    html = member_client.get(reverse("plans:qbr", args=[org.slug, plan.pk]) + f"?as_of={as_of}").content.decode()
    assert "20 %" in html and "60 %" in html and "+40 pts" in html


def test_meeting_form_creates_meeting_and_follow_ups(org, plan, member, member_client):
    contact = ContactFactory(partner=plan.partnership.partner)
    url = reverse("plans:meetings", args=[org.slug, plan.partnership_id])
    data = {
        "kind": "qbr",
        "date": timezone.localdate().isoformat(),
        "plan": plan.pk,
        "vendor_attendees": [member.pk],
        "partner_attendees": [contact.pk],
        "decisions": "Hire an SE",
        "follow_ups": f"Send the deck | {timezone.localdate().isoformat()} | partner\nBook the next QBR",
    }
    assert member_client.post(url, data).status_code == 302
    meeting = Meeting.objects.get()
    assert list(meeting.partner_attendees.all()) == [contact]
    assert set(Activity.objects.filter(meeting=meeting).values_list("title", flat=True)) == {
        "Send the deck",
        "Book the next QBR",
    }
    assert "Hire an SE" in member_client.get(url).content.decode()


def test_meeting_form_rejects_contact_of_another_partner(org, plan, member_client):
    stranger = ContactFactory(partner=PartnerFactory(organization=org))
    url = reverse("plans:meetings", args=[org.slug, plan.partnership_id])
    data = {"kind": "qbr", "date": timezone.localdate().isoformat(), "partner_attendees": [stranger.pk]}
    assert member_client.post(url, data).status_code == 400
    assert not Meeting.objects.exists()


def _big_plan(plan, size):
    for _ in range(size):
        objective = ObjectiveFactory(plan=plan)
        for _ in range(3):
            kr = KeyResultFactory(objective=objective, target=50)
            for _ in range(3):
                CheckInFactory(key_result=kr)
        for _ in range(2):
            ActivityFactory(plan=plan, objective=objective)


@pytest.mark.parametrize("size", [1, 8])
def test_plan_page_query_count_is_bounded(org, plan, member_client, django_assert_max_num_queries, size):
    _big_plan(plan, size)
    MeetingFactory(partnership=plan.partnership, plan=plan)
    url = reverse("plans:detail", args=[org.slug, plan.pk])
    with django_assert_max_num_queries(20):
        assert member_client.get(url).status_code == 200


@pytest.mark.parametrize("count", [2, 30])
def test_portfolio_query_count_is_bounded(org, member_client, django_assert_max_num_queries, count):
    for _ in range(count):
        plan = PlanFactory(partnership=PartnershipFactory(partner__organization=org))
        KeyResultFactory(objective__plan=plan)
        ActivityFactory(plan=plan)
    with django_assert_max_num_queries(14):
        assert member_client.get(reverse("plans:portfolio", args=[org.slug]) + "?behind=true").status_code == 200
    with django_assert_max_num_queries(14):
        assert member_client.get(reverse("plans:portfolio", args=[org.slug])).status_code == 200


@pytest.mark.parametrize("count", [1, 10])
def test_meetings_and_partner_tab_query_counts_are_bounded(
    org, plan, member_client, django_assert_max_num_queries, count
):
    for _ in range(count):
        meeting = MeetingFactory(partnership=plan.partnership, plan=plan)
        ActivityFactory(plan=plan, meeting=meeting)
        PlanFactory(partnership=plan.partnership)
    with django_assert_max_num_queries(15):
        assert member_client.get(reverse("plans:meetings", args=[org.slug, plan.partnership_id])).status_code == 200
    with django_assert_max_num_queries(15):
        url = reverse("plans:partner_tab", args=[org.slug, plan.partnership.partner_id])
        assert member_client.get(url).status_code == 200


def test_edit_key_result_on_page_and_refuse_bad_target(org, plan, kr, member_client):
    url = reverse("plans:item_edit", args=[org.slug, "key-result", kr.pk])
    data = {
        "objective": kr.objective_id,
        "name": "Deals closed",
        "unit": "count",
        "direction": "increase",
        "baseline": "0",
        "target": "12",
        "responsible_side": "partner",
        "update_frequency": "weekly",
    }
    assert member_client.post(url, data).status_code == 302
    kr.refresh_from_db()
    assert (kr.name, kr.target, kr.responsible_side) == ("Deals closed", D(12), "partner")
    response = member_client.post(url, {**data, "target": "0"})
    assert response.status_code == 400 and "target equals the baseline" in response.content.decode()
    kr.refresh_from_db()
    assert kr.target == D(12)


def test_new_template_page_creates_and_rejects_bad_json(org, member_client, viewer, client_for):
    url = reverse("plans:template_create", args=[org.slug])
    assert client_for(viewer).get(url).status_code == 403
    data = {"name": "Reseller ramp", "kind": "custom", "duration_days": "60", "phases": "", "content": "{oops"}
    response = member_client.post(url, data)
    assert response.status_code == 400 and "not valid JSON" in response.content.decode()
    data["content"] = '{"objectives": [{"title": "Ramp up", "key_results": [{"name": "Deals", "target": 3}]}]}'
    assert member_client.post(url, data).status_code == 302
    assert PlanTemplate.objects.for_org(org).get(name="Reseller ramp").content["objectives"][0]["title"] == "Ramp up"


def test_add_forms_load_when_opened_and_work_without_javascript(org, plan, kr, member_client, viewer, client_for):
    """The plan page carries no add form, only folds that fetch one (HTMX) or link to it as a page; the
    form posts as before; viewers get 403 and a closed plan takes nothing."""
    page = member_client.get(reverse("plans:detail", args=[org.slug, plan.pk])).content.decode()
    url = reverse("plans:add", args=[org.slug, plan.pk, "key-result"])
    assert f'hx-get="{url}"' in page and f'href="{url}"' in page
    assert 'name="target"' not in page  # the key result form's fields are not rendered with the page

    fragment = member_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'name="target"' in fragment and "<html" not in fragment and "Grow revenue" in fragment
    full = member_client.get(url).content.decode()
    assert "<html" in full and "Add a key result" in full and 'name="target"' in full

    response = member_client.post(
        url,
        {
            "objective": kr.objective_id, "name": "Joint webinars", "unit": "count", "direction": "increase",
            "baseline": "0", "target": "4", "responsible_side": "both", "update_frequency": "monthly",
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert plan.objectives.get().key_results.filter(name="Joint webinars").exists()

    assert client_for(viewer).get(url).status_code == 403
    assert member_client.get(reverse("plans:add", args=[org.slug, plan.pk, "nothing"])).status_code == 404
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.CLOSED)
    assert member_client.get(url).status_code == 403
