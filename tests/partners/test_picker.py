"""The search-as-you-type partner picker (pom/picker.py): its endpoint, the typed-name fallback
without JavaScript, and the filter bars that use it instead of a <select> of every partner."""

import pytest
from django.urls import reverse

from partners.models import Partner
from pom import picker
from tests.factories import (
    OpportunityFactory,
    OpportunityPartnerFactory,
    PartnerFactory,
    PartnershipFactory,
    WorkspaceMemberFactory,
)


def pick_url(org, kind="partners"):
    return reverse("partners:pick", args=[org.slug, kind])


def test_pick_lists_at_most_twenty_matches_names_starting_with_the_text_first(org, member_client):
    Partner.objects.bulk_create(
        [Partner(organization=org, name=f"Bench {n:02d} Systems", domain=f"b{n}.example") for n in range(30)]
    )
    PartnerFactory(organization=org, name="Acme Bench Labs")
    PartnerFactory(organization=org, name="Globex")
    body = member_client.get(pick_url(org), {"q": "bench"}).content.decode()
    assert body.count('role="option"') == picker_limit()
    assert "Globex" not in body
    assert body.index("Bench 00 Systems") < body.index("Bench 01 Systems")
    assert "Acme Bench Labs" not in body  # starts-with matches fill the twenty first
    body = member_client.get(pick_url(org), {"q": "acme"}).content.decode()
    assert "Acme Bench Labs" in body and 'data-value="' in body


def picker_limit():
    from partners.selectors import PICK_LIMIT

    return PICK_LIMIT


def test_pick_reads_the_pickers_own_field_and_says_when_nothing_matches(org, member_client):
    partner = PartnerFactory(organization=org, name="Initech")
    body = member_client.get(pick_url(org), {"partner_name": "init"}).content.decode()
    assert f'data-value="{partner.pk}"' in body
    body = member_client.get(pick_url(org), {"q": "zzz"}).content.decode()
    assert 'aria-disabled="true"' in body and "No match" in body


def test_pick_partnerships_by_partner_or_program_name(org, member_client):
    ps = PartnershipFactory(partner__organization=org, partner__name="Umbrella", program__name="Resellers")
    PartnershipFactory(partner__organization=org, partner__name="Hooli")
    body = member_client.get(pick_url(org, "partnerships"), {"q": "resell"}).content.decode()
    assert f'data-value="{ps.pk}"' in body and "Umbrella · Resellers" in body and "Hooli" not in body


def test_pick_is_404_for_another_org_an_outsider_a_partner_guest_and_an_unknown_kind(
    org, other_org, member, other_member, outsider, client_for
):
    PartnerFactory(organization=org, name="Secret Partner")
    guest = WorkspaceMemberFactory(organization=org, workspace__organization=org).user
    for user in (other_member, outsider, guest):
        response = client_for(user).get(pick_url(org), {"q": "secret"})
        assert response.status_code == 404
        assert b"Secret Partner" not in response.content
    assert client_for(member).get(reverse("partners:pick", args=[org.slug, "users"])).status_code == 404
    # another organization's partners never show in this organization's picker
    PartnerFactory(organization=other_org, name="Rival Secret")
    assert b"Rival Secret" not in client_for(member).get(pick_url(org), {"q": "secret"}).content
    assert client_for(None).get(pick_url(org)).status_code == 302  # to the sign-in page


def test_pick_query_count_is_constant(org, member_client, django_assert_max_num_queries):
    Partner.objects.bulk_create([Partner(organization=org, name=f"P{n}", domain=f"p{n}.example") for n in range(40)])
    with django_assert_max_num_queries(8):
        assert member_client.get(pick_url(org), {"q": "p"}).status_code == 200


@pytest.fixture
def pipeline(org):
    wanted = PartnerFactory(organization=org, name="Wayne Enterprises")
    opp = OpportunityFactory(organization=org, name="Gotham rollout")
    OpportunityPartnerFactory(organization=org, opportunity=opp, partnership__partner=wanted)
    OpportunityFactory(organization=org, name="Direct deal")
    Partner.objects.bulk_create(
        [Partner(organization=org, name=f"Filler {n:03d}", domain=f"f{n}.example") for n in range(120)]
    )
    return wanted


def test_pipeline_filter_bar_has_the_picker_not_a_select_of_every_partner(org, pipeline, member_client):
    url = reverse("attribution:list", args=[org.slug])
    body = member_client.get(url).content.decode()
    assert "Filler 001" not in body  # no <option> per partner
    assert 'role="combobox"' in body and 'id="f-partner"' in body and 'for="f-partner"' in body
    assert f'hx-get="{pick_url(org)}"' in body
    body = member_client.get(url, {"partner": pipeline.pk}).content.decode()
    assert "Gotham rollout" in body and "Direct deal" not in body
    assert 'value="Wayne Enterprises"' in body  # the chosen partner's name shows in the input


def test_pipeline_filter_works_without_javascript_by_typing_a_name(org, pipeline, member_client):
    url = reverse("attribution:list", args=[org.slug])
    body = member_client.get(url, {"partner": "", "partner_name": "wayne enterprises"}).content.decode()
    assert "Gotham rollout" in body and "Direct deal" not in body
    body = member_client.get(url, {"partner_name": "Wayne"}).content.decode()  # the one name containing it
    assert "Gotham rollout" in body and "Direct deal" not in body
    body = member_client.get(url, {"partner_name": "Filler"}).content.decode()
    assert "Several match" in body
    body = member_client.get(url, {"partner_name": "Nobody"}).content.decode()
    assert "Nothing matches" in body


def test_another_orgs_partner_id_in_the_filter_shows_no_name(org, other_org, pipeline, member_client):
    foreign = PartnerFactory(organization=other_org, name="Rival Industries")
    body = member_client.get(reverse("attribution:list", args=[org.slug]), {"partner": foreign.pk}).content.decode()
    assert "Rival Industries" not in body and "Gotham rollout" not in body


def test_picker_field_takes_an_id_or_a_typed_name(org, other_org):
    from django import forms

    class Form(forms.Form):
        partner = picker.PickerChoiceField(queryset=Partner.objects.none())

        def __init__(self, *args, org, **kwargs):
            super().__init__(*args, **kwargs)
            picker.bind(self.fields["partner"], org=org)

    mine = PartnerFactory(organization=org, name="Stark Industries")
    foreign = PartnerFactory(organization=other_org, name="Stark Industries")
    form = Form({"partner": str(mine.pk)}, org=org)
    assert form.is_valid() and form.cleaned_data["partner"] == mine
    form = Form({"partner_name": "stark industries"}, org=org)
    assert form.is_valid() and form.cleaned_data["partner"] == mine
    assert not Form({"partner": str(foreign.pk)}, org=org).is_valid()
    assert 'value="Stark Industries"' in str(Form(initial={"partner": mine.pk}, org=org)["partner"])


def test_points_page_picks_partnerships_by_typing_for_the_ledger_and_a_manual_award(org, member_client):
    from partners.models import PointEntry

    wanted = PartnershipFactory(partner__organization=org, partner__name="Cyberdyne", program__name="Resellers")
    for n in range(30):
        PartnershipFactory(partner__organization=org, partner__name=f"Filler {n:02d}", program=wanted.program)
    url = reverse("partners:points", args=[org.slug])
    body = member_client.get(url).content.decode()
    assert "Filler 07" not in body  # neither the ledger filter nor the award form lists every partnership
    assert body.count('role="combobox"') == 2
    response = member_client.post(
        url, {"form": "manual", "partnership_name": "Cyberdyne · Resellers", "points": "40", "reason": "Webinar"}
    )
    assert response.status_code == 302
    entry = PointEntry.objects.for_org(org).get()
    assert entry.partnership == wanted and entry.points == 40
    body = member_client.get(url, {"partnership_name": "cyberdyne"}).content.decode()
    assert 'value="Cyberdyne · Resellers"' in body
    response = member_client.post(url, {"form": "manual", "partnership_name": "Filler", "points": "5", "reason": "x"})
    assert response.status_code == 400 and "Several match" in response.content.decode()


def test_new_plan_form_picks_its_partnership_by_typing(org, member_client):
    from plans.models import Plan

    wanted = PartnershipFactory(partner__organization=org, partner__name="Soylent", program__name="Resellers")
    PartnershipFactory(partner__organization=org, partner__name="Tyrell", program=wanted.program)
    url = reverse("plans:create", args=[org.slug])
    body = member_client.get(url, {"partnership": wanted.pk}).content.decode()
    assert "<select" not in body.split('id="id_partnership"')[0][-200:]  # the partnership is a combobox
    assert 'value="Soylent · Resellers"' in body and "Tyrell" not in body
    data = {"partnership_name": "soylent", "kind": "custom", "period": "quarter", "name": "Soylent FY27"}
    assert member_client.post(url, data).status_code == 302
    assert Plan.objects.for_org(org).get(name="Soylent FY27").partnership == wanted
