"""Scheduled reports: pages and API for owner and admins, beat firing and mailing, stop with a notice."""

import datetime
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from pom.models import Membership, Role
from reports import report_kinds, schedules
from reports.packs_models import ReportSubscription
from reports.packs_tasks import report_subscriptions_due
from tests.factories import MembershipFactory, PartnershipFactory

pytestmark = pytest.mark.django_db


def _sub(org, owner, recipients, partnership, frequency="weekly"):
    return schedules.subscription_create(
        org=org, actor=owner, kind="partner_wrapped", params={"partnership": partnership.pk},
        frequency=frequency, recipients=recipients,
    )  # fmt: skip


def test_report_kinds_include_the_qbr_pack_and_partner_wrapped():
    assert report_kinds.get("qbr_pack") is not None and report_kinds.get("partner_wrapped") is not None


def test_next_run_slots_are_monday_first_of_month_and_first_of_quarter():
    wednesday = datetime.datetime(2026, 5, 13, 9, tzinfo=datetime.UTC)
    assert schedules.next_run(frequency="weekly", after=wednesday) == datetime.datetime(
        2026, 5, 18, 6, tzinfo=datetime.UTC
    )
    assert schedules.next_run(frequency="monthly", after=wednesday) == datetime.datetime(
        2026, 6, 1, 6, tzinfo=datetime.UTC
    )
    assert schedules.next_run(frequency="quarterly", after=wednesday) == datetime.datetime(
        2026, 7, 1, 6, tzinfo=datetime.UTC
    )


def test_owner_creates_edits_pauses_and_deletes_a_schedule_on_its_pages(org, member, viewer, admin_user, client_for):
    partnership = PartnershipFactory(organization=org)
    client = client_for(member)
    url = reverse("reports:schedules", args=[org.slug])
    response = client.post(
        url, {"kind": "partner_wrapped", "partnership": partnership.pk, "frequency": "monthly",
              "recipients": [member.pk, viewer.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    sub = ReportSubscription.objects.for_org(org).get()
    assert sub.params == {"partnership": partnership.pk} and set(sub.recipients.all()) == {member, viewer}
    assert "Partner Wrapped" in client.get(url).content.decode()
    # A recipient sees it listed but may not change it; an admin may.
    assert "Partner Wrapped" in client_for(viewer).get(url).content.decode()
    edit = reverse("reports:schedule", args=[org.slug, sub.pk])
    assert client_for(viewer).post(edit, {"action": "pause"}).status_code == 403
    assert client_for(admin_user).get(edit).status_code == 200
    assert client.post(edit, {"action": "save", "partnership": partnership.pk, "frequency": "quarterly",
                              "recipients": [member.pk]}).status_code == 302  # fmt: skip
    sub.refresh_from_db()
    assert sub.frequency == "quarterly" and list(sub.recipients.all()) == [member]
    client.post(edit, {"action": "pause"})
    sub.refresh_from_db()
    assert not sub.active
    client.post(edit, {"action": "resume"})
    sub.refresh_from_db()
    assert sub.active
    client.post(edit, {"action": "delete"})
    assert not ReportSubscription.objects.for_org(org).exists()


def test_schedule_rejects_recipients_who_are_not_members(org, member, outsider, client_for):
    partnership = PartnershipFactory(organization=org)
    with pytest.raises(Exception, match="members"):
        _sub(org, member, [member, outsider], partnership)
    other = PartnershipFactory()  # another tenant's partnership: nobody here can see it
    with pytest.raises(Exception, match="cannot see"):
        _sub(org, member, [member], other)


def test_due_subscription_mails_each_recipient_the_link_and_the_pdf_once(org, member, viewer):
    partnership = PartnershipFactory(organization=org)
    sub = _sub(org, member, [member, viewer], partnership)
    ReportSubscription.objects.filter(pk=sub.pk).update(next_run_at=timezone.now() - datetime.timedelta(minutes=1))
    mail.outbox.clear()
    assert report_subscriptions_due.delay().get() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.email, viewer.email])
    message = mail.outbox[0]
    link = reverse("reports:wrapped", args=[org.slug, partnership.pk, sub.params.get("year") or _review_year()])
    assert link in message.body
    (name, content, mimetype) = message.attachments[0]
    assert mimetype == "application/pdf" and name.endswith(".pdf")
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert partnership.partner.name in text and "wrapped" in text
    sub.refresh_from_db()
    assert sub.next_run_at > timezone.now() and sub.runs == 1 and sub.last_run_at is not None
    # Nothing is due any more: a second beat tick mails nothing.
    assert report_subscriptions_due.delay().get() == 0
    assert len(mail.outbox) == 2


def _review_year():
    from reports.wrapped import review_year

    return review_year()


def test_subscription_stops_and_tells_its_owner_when_a_recipient_can_no_longer_see_it(
    org, member, viewer, django_capture_on_commit_callbacks
):
    partnership = PartnershipFactory(organization=org)
    sub = _sub(org, member, [member, viewer], partnership)
    ReportSubscription.objects.filter(pk=sub.pk).update(next_run_at=timezone.now() - datetime.timedelta(minutes=1))
    Membership.objects.filter(organization=org, user=viewer).delete()  # the viewer left the organization
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_subscriptions_due.delay()
    sub.refresh_from_db()
    assert not sub.active and viewer.display_name in sub.stopped_reason
    assert [m.to for m in mail.outbox] == [[member.email]]  # the notice, no report
    assert "stopped" in mail.outbox[0].subject and not mail.outbox[0].attachments
    page = schedules.subscription_list(org=org, user=member).get()
    assert page.stopped_reason


def test_schedule_pages_and_api_are_404_for_other_tenants_and_outsiders(
    org, other_org, member, other_member, outsider, client_for, api_client_for
):
    partnership = PartnershipFactory(organization=org)
    sub = _sub(org, member, [member], partnership)
    for user in (other_member, outsider):
        client = client_for(user)
        assert client.get(reverse("reports:schedules", args=[org.slug])).status_code == 404
        assert client.get(reverse("reports:schedule", args=[org.slug, sub.pk])).status_code == 404
        api = api_client_for(user)
        assert api.get(reverse("reports-api:report-subscription-detail", args=[org.slug, sub.pk])).status_code == 404
    # Under its own slug the other tenant does not reach it either.
    api = api_client_for(other_member)
    assert api.get(reverse("reports-api:report-subscription-detail", args=[other_org.slug, sub.pk])).status_code == 404
    assert client_for(other_member).get(reverse("reports:schedule", args=[other_org.slug, sub.pk])).status_code == 404


def test_subscription_api_create_list_and_owner_only_changes(org, member, viewer, api_client_for, api_key_client):
    partnership = PartnershipFactory(organization=org)
    api = api_client_for(member)
    url = reverse("reports-api:report-subscription-list", args=[org.slug])
    response = api.post(
        url, {"kind": "qbr_pack", "params": {"partnership": partnership.pk}, "frequency": "monthly",
              "recipients": [member.pk]}, format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert [row["id"] for row in api.get(url).json()["results"]] == [pk]
    assert api_client_for(viewer).get(url).json()["results"] == []  # not theirs, not a recipient
    detail = reverse("reports-api:report-subscription-detail", args=[org.slug, pk])
    assert api_client_for(viewer).patch(detail, {"active": False}, format="json").status_code == 404
    assert api.patch(detail, {"frequency": "weekly"}, format="json").json()["frequency"] == "weekly"
    assert api_key_client().post(url, {"kind": "qbr_pack"}, format="json").status_code == 403
    bad = api.post(url, {"kind": "qbr_pack", "params": {"partnership": 0}, "frequency": "weekly",
                         "recipients": [member.pk]}, format="json")  # fmt: skip
    assert bad.status_code == 400
    assert api.delete(detail).status_code == 204


def test_schedule_list_queries_stay_bounded(org, member, client_for, django_assert_max_num_queries):
    client = client_for(member)
    url = reverse("reports:schedules", args=[org.slug])
    partnership = PartnershipFactory(organization=org)
    others = [MembershipFactory(organization=org, role=Role.VIEWER).user for _i in range(3)]
    _sub(org, member, [member, others[0]], partnership)
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
    for _i in range(6):
        _sub(org, member, [member, *others], partnership)
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200


def test_qbr_pack_kind_renders_the_quarter_so_far_for_members_and_hides_it_from_others(org, member, outsider):
    from tests.reports.packs_world import build

    world = build(org)
    kind = report_kinds.get("qbr_pack")
    params = {"partnership": world.partnership.pk}
    html = kind.render_html(org=org, user=member, params=params)
    assert "Partner Business Review" in html and "Globex renewal" in html and "Next period: proposals" in html
    assert kind.can_view(org=org, user=world.partner_user, params=params)  # partner people of its workspace
    assert not kind.can_view(org=org, user=outsider, params=params)
    assert not kind.can_view(org=org, user=member, params={"partnership": PartnershipFactory().pk})
    assert kind.url(org=org, params=params).startswith(reverse("reports:packs", args=[org.slug]))


def test_beat_rows_exist_and_the_year_end_tick_generates_every_partnerships_wrapped(
    org, django_capture_on_commit_callbacks
):
    from django_celery_beat.models import PeriodicTask

    from reports.packs_models import WrappedYear
    from reports.packs_tasks import wrapped_yearly
    from reports.wrapped import review_year

    tasks = dict(PeriodicTask.objects.filter(name__startswith="reports: ").values_list("task", "crontab__minute"))
    assert tasks["reports.packs_tasks.report_subscriptions_due"] == "*/15"
    assert "reports.packs_tasks.wrapped_yearly" in tasks
    partnerships = [PartnershipFactory(organization=org) for _i in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        assert wrapped_yearly() >= 1
    rows = WrappedYear.objects.for_org(org).filter(year=review_year())
    assert sorted(rows.values_list("partnership_id", flat=True)) == sorted(p.pk for p in partnerships)
    assert review_year(datetime.date(2026, 12, 1)) == 2026 and review_year(datetime.date(2027, 1, 15)) == 2026
