"""From sign-up to a first organization, and from an invitation e-mail into an existing one."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from pom import services
from pom.models import Membership, Organization, Role, User

PASSWORD = "a-Long-enough-pass-2026"


def _link_in(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def _sign_up(client, email, capture, next_url=""):
    url = reverse("account_signup") + (f"?next={next_url}" if next_url else "")
    with capture(execute=True):
        response = client.post(
            url,
            {
                "email": email,
                "password1": PASSWORD,
                "password2": PASSWORD,
                "name": "Nora North",
                "time_zone": "Europe/Paris",
                "next": next_url,
            },
        )
    return response


def _confirm_email(client, capture):
    confirm_path = _link_in(mail.outbox[-1])
    assert "/accounts/confirm-email/" in confirm_path
    with capture(execute=True):
        return client.post(confirm_path)


@pytest.mark.django_db
def test_sign_up_verify_and_create_first_organization(client, django_capture_on_commit_callbacks):
    response = _sign_up(client, "nora@northwind.example", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="nora@northwind.example")
    assert (user.name, user.time_zone) == ("Nora North", "Europe/Paris")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nora@northwind.example"]

    # Not verified yet: logging in sends the person back to verification.
    assert client.get(reverse("org_create")).status_code == 302

    response = _confirm_email(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    client.logout()
    response = client.post(reverse("account_login"), {"login": "nora@northwind.example", "password": PASSWORD})
    assert response.status_code == 302
    # Home sends someone without any organization to create one.
    home = client.get(response["Location"])
    assert home.status_code == 302
    assert home["Location"] == reverse("org_create")

    page = client.get(reverse("org_create"))
    assert "Create your organization" in page.content.decode()
    response = client.post(
        reverse("org_create"),
        {
            "name": "Northwind Software",
            "size_band": "51-200",
            "region": "EMEA",
            "industry": "software",
            "currency": "EUR",
            "fiscal_year_start_month": 1,
        },
    )
    org = Organization.objects.get(name="Northwind Software")
    assert response["Location"] == reverse("dashboard", args=[org.slug])
    assert Membership.objects.get(organization=org, user=user).role == Role.OWNER
    dashboard = client.get(response["Location"])
    assert "Northwind Software" in dashboard.content.decode()


@pytest.mark.django_db
def test_org_create_with_bad_currency_names_the_field(client_for, outsider):
    response = client_for(outsider).post(
        reverse("org_create"),
        {
            "name": "Bad Co",
            "size_band": "51-200",
            "region": "EMEA",
            "industry": "software",
            "currency": "e1",
            "fiscal_year_start_month": 13,
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Use a three-letter ISO 4217 code" in body
    assert "less than or equal to 12" in body
    assert not Organization.objects.filter(name="Bad Co").exists()


@pytest.mark.django_db
def test_invited_person_signs_up_from_the_email_and_lands_in_the_org(
    client, org, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(org=org, actor=owner, email="ines@nimbus.example", role=Role.MANAGER)
    invitation_mail = mail.outbox[-1]
    assert org.name in invitation_mail.subject
    link = _link_in(invitation_mail)

    welcome = client.get(link)
    body = welcome.content.decode()
    assert welcome.status_code == 200
    assert "ines@nimbus.example" in body
    assert f"{reverse('account_signup')}?next={link}" in body
    assert f"{reverse('account_login')}?next={link}" in body

    _sign_up(client, "ines@nimbus.example", django_capture_on_commit_callbacks, next_url=link)
    response = _confirm_email(client, django_capture_on_commit_callbacks)
    # Logged in by the confirmation and sent back to the invitation.
    assert response["Location"] == link
    confirm = client.get(link)
    assert "Accept and join" in confirm.content.decode()
    response = client.post(link)
    assert response["Location"] == reverse("dashboard", args=[org.slug])
    user = User.objects.get(email="ines@nimbus.example")
    assert Membership.objects.get(organization=org, user=user).role == Role.MANAGER
    # From now on, home lands in that organization.
    assert client.get(reverse("home"))["Location"] == reverse("dashboard", args=[org.slug])
