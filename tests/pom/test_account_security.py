"""MFA policy, sign-in lockout shared by every process, sessions, and API key rotation with expiry."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from pom import security, services
from pom.models import ApiKey, AuditEvent, Role
from pom.models_security import LoginThrottle
from tests.factories import MembershipFactory, UserFactory
from tests.factories.pom import TEST_PASSWORD


def _mfa(user):
    return Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "unused-in-test"})


def test_owner_requires_mfa_and_members_without_it_are_sent_to_set_it_up(
    org, owner, member, client_for, api_client_for
):
    with pytest.raises(ValidationError):  # an owner without MFA cannot lock everyone out
        security.policy_set_mfa(org=org, actor=owner, require_mfa=True)
    _mfa(owner)
    response = client_for(owner).post(f"/o/{org.slug}/settings/security/", {"what": "mfa", "require_mfa": "on"})
    assert response.status_code == 302
    assert AuditEvent.objects.for_org(org).filter(object_type="pom.orgsecurity", action="update").exists()

    page = client_for(member).get(f"/o/{org.slug}/partners/")
    assert page.status_code == 302 and page["Location"] == "/accounts/2fa/totp/activate/"
    api = api_client_for(member).get(f"/api/o/{org.slug}/members/")
    assert api.status_code == 403 and "requires two-factor authentication" in api.json()["detail"]
    listed = client_for(owner).get(f"/o/{org.slug}/settings/security/").content.decode()
    assert member.email in listed
    _mfa(member)
    assert client_for(member).get(f"/o/{org.slug}/partners/").status_code == 200
    assert api_client_for(member).get(f"/api/o/{org.slug}/members/").status_code == 200


def test_deployment_requires_mfa_of_owners_and_admins_only(org, owner, member, client_for, settings):
    settings.POM_REQUIRE_MFA_FOR_ADMINS = True
    assert client_for(owner).get(f"/o/{org.slug}/").status_code == 302
    assert client_for(member).get(f"/o/{org.slug}/").status_code == 200
    _mfa(owner)
    assert client_for(owner).get(f"/o/{org.slug}/").status_code == 200


def _attempt(email, password, addr="198.51.100.7"):
    return Client(REMOTE_ADDR=addr).post("/accounts/login/", {"login": email, "password": password})


@pytest.fixture
def person(org):
    user = MembershipFactory(organization=org, role=Role.MANAGER, user__email="pat@nimbus.example").user
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_lockout_holds_across_processes_and_names_the_unlock_path(
    org, person, settings, django_capture_on_commit_callbacks
):
    settings.POM_LOGIN_MAX_FAILURES = 5
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            cache.clear()  # each attempt lands on another web process with its own memory
            assert _attempt(person.email, "wrong-password").status_code == 200
    cache.clear()
    refused = _attempt(person.email, TEST_PASSWORD)  # attempt 6, right password: still refused
    text = refused.content.decode()
    assert "Too many failed sign-ins for this account" in text and "Reset your password" in text
    assert "_auth_user_id" not in refused.wsgi_request.session
    [notice] = [m for m in mail.outbox if "locked" in m.subject]
    assert notice.to == [person.email] and "/accounts/password/reset/" in notice.body
    assert AuditEvent.objects.for_org(org).filter(verb="account.locked", object_id=str(person.pk)).exists()

    # The unlock path: a password reset lifts the lock.
    from allauth.account.signals import password_reset

    password_reset.send(sender=type(person), request=None, user=person)
    assert AuditEvent.objects.for_org(org).filter(verb="account.unlocked").exists()
    cache.clear()
    assert _attempt(person.email, TEST_PASSWORD).status_code == 302


def test_lockout_expires_and_success_resets_the_count(person, settings):
    settings.POM_LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        _attempt(person.email, "wrong")
    cache.clear()
    assert _attempt(person.email, TEST_PASSWORD).status_code == 302
    assert not LoginThrottle.objects.filter(key=f"account:{person.email}").exists()
    for _ in range(3):
        cache.clear()
        _attempt(person.email, "wrong")
    LoginThrottle.objects.filter(key=f"account:{person.email}").update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    cache.clear()
    assert _attempt(person.email, TEST_PASSWORD).status_code == 302


def test_an_address_trying_many_accounts_is_locked(db, settings):
    settings.POM_LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        cache.clear()
        _attempt(f"guess{n}@example.net", "wrong", addr="203.0.113.9")
    cache.clear()
    text = _attempt("other@example.net", "wrong", addr="203.0.113.9").content.decode()
    assert "from your network address" in text
    cache.clear()
    assert (
        "from your network address" not in _attempt("other@example.net", "wrong", addr="203.0.113.10").content.decode()
    )


def test_sessions_are_listed_and_revocable(org, person):
    first, second = Client(HTTP_USER_AGENT="Firefox on a laptop"), Client(HTTP_USER_AGENT="Safari on a phone")
    for client in (first, second):
        assert client.post("/accounts/login/", {"login": person.email, "password": TEST_PASSWORD}).status_code == 302
    page = first.get("/accounts/sessions/").content.decode()
    assert "Firefox on a laptop" in page and "Safari on a phone" in page and "This browser" in page
    from allauth.usersessions.models import UserSession

    phone = UserSession.objects.get(user=person, user_agent="Safari on a phone")
    assert first.post("/accounts/sessions/", {"session": phone.pk}).status_code == 302
    assert second.get(f"/o/{org.slug}/").status_code == 302  # signed out: back to the login page
    assert first.get(f"/o/{org.slug}/").status_code == 200
    assert AuditEvent.objects.for_org(org).filter(verb="session.ended", object_id=str(person.pk)).exists()
    # Nobody ends someone else's session.
    other = UserFactory()
    intruder = Client()
    intruder.force_login(other)
    mine = UserSession.objects.filter(user=person).first()
    intruder.post("/accounts/sessions/", {"session": mine.pk})
    assert UserSession.objects.filter(pk=mine.pk).exists()


def test_api_keys_rotate_with_overlap_and_expire(org, owner, client_for, settings):
    settings.POM_API_KEY_ROTATION_OVERLAP_HOURS = 24
    key, raw = services.api_key_create(org=org, actor=owner, name="CRM sync", scope="read", expires_in_days=90)
    assert key.expires_at - timezone.now() > datetime.timedelta(days=89)
    page = client_for(owner).post(f"/o/{org.slug}/settings/api-keys/{key.pk}/rotate/")
    assert page.status_code == 200
    new = ApiKey.objects.for_org(org).exclude(pk=key.pk).get()
    key.refresh_from_db()
    assert key.replaced_by == new and key.expires_at - timezone.now() < datetime.timedelta(hours=24, minutes=1)
    assert new.expires_at - timezone.now() > datetime.timedelta(days=89)
    assert AuditEvent.objects.for_org(org).filter(verb="rotated", object_id=str(key.pk)).exists()
    old_client = APIClient()
    old_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert old_client.get(f"/api/o/{org.slug}/").status_code == 200  # still inside the overlap
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    expired = old_client.get(f"/api/o/{org.slug}/")
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    with pytest.raises(ValidationError):
        services.api_key_create(org=org, actor=owner, name="x", scope="read", expires_in_days=0)
