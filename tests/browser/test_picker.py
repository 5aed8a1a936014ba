"""In a real browser: the pipeline's partner filter is a search-as-you-type picker a keyboard user
drives: type part of a name, walk the matches with the arrow keys, Enter applies the filter."""

import os

import pytest

from pom.models import Role
from tests.browser.support import _login, _verify
from tests.factories import (
    MembershipFactory,
    OpportunityFactory,
    OpportunityPartnerFactory,
    OrganizationFactory,
    PartnerFactory,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_keyboard_user_filters_the_pipeline_by_typing_a_partner_name(live_server, browser):
    org = OrganizationFactory(name="Nimbus Cloud", slug="nimbus")
    manager = MembershipFactory(organization=org, role=Role.MANAGER, user__email="mia@nimbus.example").user
    _verify(manager)
    wayne = PartnerFactory(organization=org, name="Wayne Enterprises")
    PartnerFactory(organization=org, name="Wayfarer Travel")
    OpportunityPartnerFactory(
        organization=org,
        opportunity=OpportunityFactory(organization=org, name="Gotham rollout"),
        partnership__partner=wayne,
    )
    OpportunityFactory(organization=org, name="Direct deal")
    page = browser.new_context().new_page()
    _login(page, live_server.url, manager.email)
    page.goto(f"{live_server.url}/o/{org.slug}/pipeline/")
    combo = page.get_by_role("combobox", name="Partner", exact=True)
    with page.expect_response(lambda r: "/partners/pick/partners/" in r.url and "partner_name=way" in r.url):
        combo.press_sequentially("way")
    listbox = page.get_by_role("listbox", name="Matches")
    listbox.get_by_role("option", name="Wayne Enterprises").wait_for()
    assert combo.get_attribute("aria-expanded") == "true"
    assert listbox.get_by_role("option").count() == 2  # Wayfarer Travel, Wayne Enterprises
    combo.press("ArrowDown")
    combo.press("ArrowDown")
    active = combo.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").inner_text() == "Wayne Enterprises"
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    with page.expect_response(lambda r: "/pipeline/" in r.url and f"partner={wayne.pk}" in r.url):
        combo.press("Enter")
    page.get_by_text("Direct deal").wait_for(state="detached")
    assert page.get_by_text("Gotham rollout").is_visible()
    assert combo.input_value() == "Wayne Enterprises" and combo.get_attribute("aria-expanded") == "false"
    assert page.locator("input[type=hidden][name=partner]").input_value() == str(wayne.pk)
    combo.press_sequentially("x")  # typing again forgets the choice; Escape closes the list
    combo.press("Escape")
    assert page.locator("input[type=hidden][name=partner]").input_value() == ""
