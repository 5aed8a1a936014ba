"""Helpers shared by the browser tests (the shared Chromium itself is in tests/browser/conftest.py)."""

from tests.factories.pom import TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"


def _verify(user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})


def _login(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
