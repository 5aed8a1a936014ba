"""allauth's pages render inside POM's layout (log in, sign up, verification, passwords, MFA)."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.factories.pom import TEST_PASSWORD

ANONYMOUS_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
]
SIGNED_IN_PAGES = [
    "account_change_password",
    "account_email",
    "mfa_index",
    "mfa_activate_totp",
    "profile",
    "org_list",
]


def _assert_pom_layout(body: str):
    assert 'href="/static/css/pom.css"' in body
    assert 'class="topbar"' in body


@pytest.mark.django_db
@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_entrance_page_uses_pom_layout(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    _assert_pom_layout(body)
    assert "auth-entrance" in body


@pytest.mark.django_db
def test_signup_page_asks_name_and_time_zone(client):
    body = client.get(reverse("account_signup")).content.decode()
    assert 'name="name"' in body and 'name="time_zone"' in body
    assert '<option value="Europe/Paris">' in body


@pytest.mark.django_db
@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_account_page_uses_pom_layout_with_account_tabs(client_for, outsider, name):
    EmailAddress.objects.create(user=outsider, email=outsider.email, verified=True, primary=True)
    client = client_for(outsider)
    if name == "mfa_activate_totp":
        # allauth asks for the password again before enabling MFA.
        client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    response = client.get(reverse(name))
    assert response.status_code == 200, response.get("Location")
    body = response.content.decode()
    _assert_pom_layout(body)
    assert "account-nav" in body


@pytest.mark.django_db
def test_totp_activation_shows_qr_code_and_secret(client_for, outsider):
    EmailAddress.objects.create(user=outsider, email=outsider.email, verified=True, primary=True)
    client = client_for(outsider)
    reauth = client.get(reverse("mfa_activate_totp"))
    assert reauth["Location"].startswith(reverse("account_reauthenticate"))
    assert "auth-" in client.get(reauth["Location"]).content.decode()
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    body = client.get(reverse("mfa_activate_totp")).content.decode()
    assert 'class="qr-code"' in body and "data:image/svg+xml" in body
    assert 'id="authenticator_secret"' in body


@pytest.mark.django_db
def test_login_with_mfa_asks_for_code_in_pom_layout(client, outsider):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    EmailAddress.objects.create(user=outsider, email=outsider.email, verified=True, primary=True)
    TOTP.activate(outsider, generate_totp_secret())
    assert Authenticator.objects.filter(user=outsider).exists()
    response = client.post(reverse("account_login"), {"login": outsider.email, "password": TEST_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    body = client.get(reverse("mfa_authenticate")).content.decode()
    _assert_pom_layout(body)
    assert "Two-Factor Authentication" in body and 'name="code"' in body


@pytest.mark.django_db
def test_login_error_is_shown_in_the_form(client, outsider):
    response = client.post(reverse("account_login"), {"login": outsider.email, "password": "wrong"})
    assert response.status_code == 200
    assert "alert alert-error" in response.content.decode()


@pytest.mark.django_db
def test_server_error_page_renders_without_request_context():
    from django.template import loader

    html = loader.get_template("500.html").render({})
    assert "Something went wrong" in html


@pytest.mark.django_db
def test_password_reset_mail_link_opens_pom_styled_form(client, outsider, django_capture_on_commit_callbacks):
    import re

    from django.core import mail

    EmailAddress.objects.create(user=outsider, email=outsider.email, verified=True, primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": outsider.email})
    assert response["Location"] == reverse("account_reset_password_done")
    assert mail.outbox[-1].to == [outsider.email]
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    page = client.get(path, follow=True)
    body = page.content.decode()
    _assert_pom_layout(body)
    assert 'name="password1"' in body and "auth-entrance" in body


@pytest.mark.django_db
def test_recovery_codes_are_shown_in_pom_layout(client_for, outsider):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    EmailAddress.objects.create(user=outsider, email=outsider.email, verified=True, primary=True)
    TOTP.activate(outsider, generate_totp_secret())
    codes = RecoveryCodes.activate(outsider).get_unused_codes()
    client = client_for(outsider)
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    response = client.get(reverse("mfa_view_recovery_codes"))
    assert response.status_code == 200
    body = response.content.decode()
    _assert_pom_layout(body)
    assert codes[0] in body and 'id="recovery_codes"' in body


@pytest.mark.django_db
def test_email_confirmation_page_uses_pom_layout(client, django_capture_on_commit_callbacks):
    import re

    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "email": "cara@example.com",
                "password1": "a-Long-enough-pass-2026",
                "password2": "a-Long-enough-pass-2026",
                "time_zone": "UTC",
            },
        )
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    body = client.get(path).content.decode()
    _assert_pom_layout(body)
    assert "cara@example.com" in body and "auth-entrance" in body
