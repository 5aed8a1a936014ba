"""The demo seed for workspaces, and feed/notification reactions to registration and backdated events."""

import datetime
import random

from django.core import mail
from django.utils import timezone

from attribution import registrations
from plans import checkin_services
from pom.management.commands.seed_demo import DemoContext
from pom.models import Role
from tests.factories import ContactFactory
from workspaces import demo
from workspaces.models import Comment, Notification, Update, WorkspaceFile, WorkspaceMember


def test_demo_seed_makes_contacts_partner_members_with_printed_logins(world):
    ContactFactory(partner=world.partnership.partner, name="Ada Alliances", email="ada@acme-demo.example")
    ContactFactory(partner=world.partnership.partner, name="Ben Builder", email="ben@acme-demo.example")
    ctx = DemoContext(
        org=world.org,
        users={Role.OWNER: world.vendor_owner, Role.MANAGER: world.vendor_manager},
        rng=random.Random(1),
        data={"plans": [world.plan]},
    )
    demo.seed(ctx)
    ada = WorkspaceMember.objects.get(workspace=world.workspace, user__email="ada@acme-demo.example")
    assert (ada.side, ada.role) == ("partner", "editor")
    assert ada.user.check_password(ctx.password)
    assert ("Partner: Acme Integrators", "ada@acme-demo.example", ctx.password) in ctx.logins
    assert Comment.objects.filter(workspace=world.workspace, internal=True).exists()
    # The welcome, the partner's answer, and the partner's note on a key result they own.
    assert Comment.objects.filter(workspace=world.workspace, internal=False).count() == 3
    assert WorkspaceFile.objects.filter(workspace=world.workspace).exists()
    assert Notification.objects.filter(user=ada.user, read_at__isnull=True).exists()
    assert mail.outbox == []
    # Digests: the first workspace's went out, and a partner person checked in from the link in it.
    from pom.models import AuditEvent
    from workspaces.models import ActionLink, Digest, DigestMail, Suggestion

    digest = Digest.objects.get(workspace=world.workspace)
    assert digest.status == "sent" and DigestMail.objects.filter(digest=digest, status="sent").exists()
    used = ActionLink.objects.get(digest=digest, action="checkin", used_at__isnull=False)
    assert WorkspaceMember.objects.get(workspace=world.workspace, user=used.user).side == "partner"
    assert AuditEvent.objects.filter(verb="action_link.checkin", actor_user=used.user).exists()
    # Next best actions: the partner's person accepted one addressed to their side; the manager dismissed one.
    accepted = Suggestion.objects.get(status="accepted")
    assert accepted.side in ("partner", "both") and accepted.decided_by.memberships.count() == 0
    assert Suggestion.objects.filter(status="dismissed", decided_by=world.vendor_manager).exists()


def test_registration_decision_notifies_partner_members(world):
    world.partnership.owner = world.vendor_manager
    world.partnership.save()
    registration = registrations.registration_submit(
        org=world.org,
        actor=world.ws_editor,
        partnership=world.partnership,
        customer_name="Initech",
        customer_domain="initech.com",
        value=5000,
        currency="EUR",
        products=[],
        expected_close=None,
        notes="",
        via="partner",
    )
    assert Notification.objects.filter(user=world.vendor_manager, kind="registration").exists()
    assert not Notification.objects.filter(user=world.ws_owner, kind="registration").exists()
    registrations.registration_reject(
        org=world.org, actor=world.vendor_manager, registration=registration, reason="Existing customer"
    )
    assert Notification.objects.filter(user=world.ws_owner, kind="registration", text__contains="rejected").exists()
    assert Update.objects.filter(workspace=world.workspace, kind="registration").count() == 2
    assert not Update.objects.filter(workspace=world.other_workspace, kind="registration").exists()


def test_backdated_checkin_is_dated_in_the_feed_without_moving_activity_back(world):
    world.workspace.refresh_from_db()
    before = world.workspace.last_activity_at
    when = timezone.now() - datetime.timedelta(days=20)
    checkin_services.checkin_create(
        org=world.org, actor=world.vendor_manager, key_result=world.partner_kr, value=2, at=when
    )
    update = Update.objects.get(workspace=world.workspace, kind="checkin")
    assert update.created_at == when
    world.workspace.refresh_from_db()
    assert world.workspace.last_activity_at == before
