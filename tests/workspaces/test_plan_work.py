"""Partner people work on the shared plan from the workspace; the vendor side sees it live."""

from decimal import Decimal

from django.urls import reverse

from plans.models import Plan
from workspaces.models import Notification, Update


def _url(world, name, *args):
    return reverse(f"workspaces:{name}", args=[world.workspace.public_id, *args])


def test_partner_checkin_updates_the_kr_and_the_vendor_sees_it_in_the_feed(world, client_for):
    response = client_for(world.ws_editor).post(
        _url(world, "checkin", world.partner_kr.pk), {"value": "7", "note": "Two more passed the exam"}
    )
    assert response.status_code == 302
    world.partner_kr.refresh_from_db()
    assert world.partner_kr.current_value == Decimal("7")
    update = Update.objects.get(workspace=world.workspace, kind="checkin")
    assert "Certified engineers" in update.text and "7 of 10" in update.text
    page = client_for(world.vendor_manager).get(_url(world, "feed")).content.decode()
    assert "Two more passed the exam" in page
    # The other workspace of the same vendor hears nothing.
    assert not Update.objects.filter(workspace=world.other_workspace, kind="checkin").exists()


def test_partner_checkin_notifies_the_vendor_members_not_the_author(world, client_for):
    world.partnership.owner = world.vendor_manager
    world.partnership.save()
    client_for(world.ws_editor).post(_url(world, "checkin", world.partner_kr.pk), {"value": "3"})
    assert Notification.objects.filter(user=world.vendor_manager, kind="checkin").exists()
    assert not Notification.objects.filter(user=world.ws_editor).exists()


def test_partner_editor_cannot_check_in_on_a_vendor_owned_kr(world, client_for):
    response = client_for(world.ws_editor).post(_url(world, "checkin", world.vendor_kr.pk), {"value": "9"})
    assert response.status_code == 403
    world.vendor_kr.refresh_from_db()
    assert world.vendor_kr.last_checkin_at is None
    assert not Update.objects.filter(kind="checkin").exists()


def test_kr_of_another_workspace_is_not_found(world, client_for):
    from tests.factories import KeyResultFactory, PlanFactory

    plan = PlanFactory(partnership=world.other_workspace.partnerships.first(), organization=world.org)
    foreign = KeyResultFactory(objective__plan=plan, objective__organization=world.org, responsible_side="partner")
    assert client_for(world.ws_editor).post(_url(world, "checkin", foreign.pk), {"value": "1"}).status_code == 404


def test_bad_checkin_value_is_explained_inline_with_htmx(world, client_for):
    response = client_for(world.ws_editor).post(
        _url(world, "checkin", world.partner_kr.pk), {"value": "-4"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "cannot be negative" in response.content.decode()
    world.partner_kr.refresh_from_db()
    assert world.partner_kr.last_checkin_at is None


def test_partner_completes_a_partner_activity_and_the_feed_says_so(world, client_for):
    response = client_for(world.ws_editor).post(
        _url(world, "activity_update", world.partner_activity.pk), {"status": "done", "progress": 100}
    )
    assert response.status_code == 302
    world.partner_activity.refresh_from_db()
    assert world.partner_activity.status == "done"
    assert Update.objects.filter(workspace=world.workspace, kind="activity_done", text__contains="Train sales").exists()


def test_partner_cannot_update_a_vendor_activity(world, client_for):
    response = client_for(world.ws_owner).post(
        _url(world, "activity_update", world.vendor_activity.pk), {"status": "done", "progress": 100}
    )
    assert response.status_code == 403
    world.vendor_activity.refresh_from_db()
    assert world.vendor_activity.status == "not_started"


def test_both_sides_approve_and_the_plan_is_validated(world, client_for):
    assert client_for(world.ws_editor).post(_url(world, "plan_approve", world.plan.pk)).status_code == 302
    world.plan.refresh_from_db()
    assert world.plan.partner_approved_by == world.ws_editor and world.plan.status == "proposed"
    assert client_for(world.vendor_manager).post(_url(world, "plan_approve", world.plan.pk)).status_code == 302
    world.plan.refresh_from_db()
    assert world.plan.status == Plan.Status.VALIDATED
    assert Update.objects.filter(workspace=world.workspace, kind="plan_validated").exists()


def test_viewer_cannot_approve(world, client_for):
    assert client_for(world.ws_viewer).post(_url(world, "plan_approve", world.plan.pk)).status_code == 403
    world.plan.refresh_from_db()
    assert world.plan.partner_approved_at is None


def test_workspace_page_shows_forms_only_where_the_person_may_act(world, client_for):
    partner_page = client_for(world.ws_editor).get(_url(world, "detail")).content.decode()
    assert _url(world, "checkin", world.partner_kr.pk) in partner_page
    assert _url(world, "checkin", world.vendor_kr.pk) not in partner_page
    assert "Approve for the partner side" in partner_page
    viewer_page = client_for(world.ws_viewer).get(_url(world, "detail")).content.decode()
    assert "FY26 joint plan" in viewer_page
    assert _url(world, "checkin", world.partner_kr.pk) not in viewer_page
    vendor_page = client_for(world.vendor_manager).get(_url(world, "detail")).content.decode()
    assert _url(world, "checkin", world.vendor_kr.pk) in vendor_page


def test_guest_api_checkin_on_partner_kr(world, api_client_for):
    client = api_client_for(world.ws_editor)
    url = reverse("workspaces-guest-api:checkin-list", args=[world.workspace.public_id])
    response = client.post(url, {"key_result": world.partner_kr.pk, "value": "5"})
    assert response.status_code == 201 and response.data["value"] == "5.00"
    response = client.post(url, {"key_result": world.vendor_kr.pk, "value": "5"})
    assert response.status_code == 403
    assert "vendor side" in response.data["detail"]
