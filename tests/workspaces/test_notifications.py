"""In-app notifications, the unread count, preferences, immediate e-mails and the daily summary."""

from django.core import mail
from django.urls import reverse

from tests.factories import NotificationFactory, UserFactory
from workspaces import notification_services, tasks
from workspaces.models import Notification, NotificationPreference


def test_list_shows_only_my_notifications_with_the_unread_count(world, client_for):
    NotificationFactory(workspace=world.workspace, user=world.ws_editor, text="Mine, unread")
    NotificationFactory(workspace=world.workspace, user=world.ws_owner, text="Someone else's")
    response = client_for(world.ws_editor).get(reverse("workspaces:notifications"))
    body = response.content.decode()
    assert "Mine, unread" in body and "Someone else&#x27;s" not in body and "Someone else's" not in body
    assert "data-unread-count>1<" in body


def test_mark_read_and_open_goes_to_the_target(world, client_for):
    n = NotificationFactory(workspace=world.workspace, user=world.ws_editor, url="/w/somewhere/")
    response = client_for(world.ws_editor).post(reverse("workspaces:notification_read", args=[n.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/w/somewhere/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_cannot_mark_someone_elses_notification(world, client_for):
    n = NotificationFactory(workspace=world.workspace, user=world.ws_owner)
    assert client_for(world.ws_editor).post(reverse("workspaces:notification_read", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read(world, client_for):
    NotificationFactory.create_batch(3, workspace=world.workspace, user=world.ws_editor)
    client_for(world.ws_editor).post(reverse("workspaces:notifications"))
    assert not Notification.objects.filter(user=world.ws_editor, read_at__isnull=True).exists()


def test_preferences_page_saves_the_mode_and_refuses_nonsense(world, client_for):
    client = client_for(world.ws_editor)
    url = reverse("workspaces:preferences")
    assert client.post(url, {"mode": "daily"}).status_code == 302
    assert NotificationPreference.objects.get(user=world.ws_editor).mode == "daily"
    assert client.post(url, {"mode": "hourly"}).status_code == 400
    assert NotificationPreference.objects.get(user=world.ws_editor).mode == "daily"


def test_immediate_email_is_sent_once_even_if_the_task_runs_twice(world, django_capture_on_commit_callbacks):
    n = NotificationFactory(workspace=world.workspace, user=world.ws_editor, text="Plan validated")
    with django_capture_on_commit_callbacks(execute=True):
        tasks.notification_email_send(n.pk)
        tasks.notification_email_send(n.pk)
    assert len(mail.outbox) == 1 and "Plan validated" in mail.outbox[0].body


def test_daily_summary_groups_unread_lines_and_never_repeats_them(world, django_capture_on_commit_callbacks):
    notification_services.preference_set(user=world.ws_editor, mode="daily")
    notification_services.preference_set(user=world.ws_owner, mode="immediate")
    NotificationFactory(workspace=world.workspace, user=world.ws_editor, text="Check-in posted on leads")
    NotificationFactory(workspace=world.other_workspace, user=world.ws_editor, text="Mentioned in Beta")
    NotificationFactory(workspace=world.workspace, user=world.ws_owner, text="Not a daily person")
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.notification_digest_daily() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.ws_editor.email]
    assert "Check-in posted on leads" in message.body and "Mentioned in Beta" in message.body
    assert world.workspace.name in message.body
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.notification_digest_daily() == 0
    assert len(mail.outbox) == 1


def test_digest_batches_many_people(world, django_capture_on_commit_callbacks):
    people = UserFactory.create_batch(tasks.DIGEST_BATCH + 5)
    for person in people:
        notification_services.preference_set(user=person, mode="daily")
        NotificationFactory(workspace=world.workspace, user=person)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.notification_digest_daily() == len(people)
    assert len(mail.outbox) == len(people)


def test_nav_badge_on_workspace_pages(world, client_for):
    NotificationFactory.create_batch(2, workspace=world.workspace, user=world.ws_viewer)
    body = client_for(world.ws_viewer).get(reverse("workspaces:detail", args=[world.workspace.public_id])).content
    assert b"data-unread-count>2<" in body


def test_context_processor_gives_the_unread_count(world, rf):
    from django.contrib.auth.models import AnonymousUser

    from workspaces.context_processors import notifications

    NotificationFactory.create_batch(3, workspace=world.workspace, user=world.ws_editor)
    request = rf.get("/")
    request.user = world.ws_editor
    assert notifications(request) == {"unread_count": 3}
    request.user = AnonymousUser()
    assert notifications(request) == {}
