"""Invitation e-mails really travel: on_commit → Redis → a Celery worker process → the mail backend."""

import pytest
from django.urls import reverse

from pom.models import OrgInvitation

pytestmark = pytest.mark.worker


def test_inviting_a_colleague_mails_the_link_through_the_worker(celery_worker_process, client_for, org, admin_user):
    response = client_for(admin_user).post(
        reverse("org_members", args=[org.slug]), {"email": "wendy@nimbus.example", "role": "viewer"}
    )
    assert response.status_code == 302
    assert OrgInvitation.objects.for_org(org).filter(email="wendy@nimbus.example").exists()

    (mail,) = celery_worker_process.wait_for_mail(1)
    assert "To: wendy@nimbus.example" in mail
    assert f"invited you to {org.name} on POM" in mail
    assert "/invitations/" in mail
    assert "pom.tasks.send_email" in celery_worker_process.log_file.read_text()


def test_a_second_worker_in_the_same_process_also_delivers(celery_worker_process, org, owner):
    """The fixture resets the client's broker pools cleanly, so several worker tests can share a process."""
    from pom import services

    services.invitation_create(org=org, actor=owner, email="second@nimbus.example", role="viewer")
    (mail,) = celery_worker_process.wait_for_mail(1)
    assert "To: second@nimbus.example" in mail
