"""Assessment API: send, submit your own, results, SWOT, survey scores; isolation, roles, query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from partners import assessment_answers
from partners import assessment_services as svc
from partners.defaults import health_questions_seed
from partners.models import AssessmentCampaign, AssessmentInvitation, AssessmentResponse, SatisfactionScore
from tests.factories import ContactFactory, PartnershipFactory

GOOD = {"reliability": 6, "credibility": 6, "intimacy": 6, "self_orientation": 6}


def url(org, name, *args):
    return reverse(f"partners-api:{name}", args=[org.slug, *args])


@pytest.fixture
def sent(org, other_org, member, other_member):
    health_questions_seed(org=org)
    p = PartnershipFactory(organization=org, owner=member)
    ContactFactory(organization=org, partner=p.partner, email="kim@partner.example")
    closes = timezone.now() + datetime.timedelta(days=5)
    campaign = svc.campaign_create(org=org, actor=member, name="API", kind="trust", partnerships=[p], closes_at=closes)
    foreign = PartnershipFactory(organization=other_org, owner=other_member)
    foreign_campaign = svc.campaign_create(
        org=other_org, actor=other_member, name="Foreign", kind="trust", partnerships=[foreign], closes_at=closes
    )
    return p, campaign, foreign, foreign_campaign


def test_send_campaign_and_read_rates(org, member, sent, api_client_for):
    p, _, foreign, _ = sent
    client = api_client_for(member)
    body = {
        "name": "Via API",
        "kind": "both",
        "partnerships": [p.pk],
        "closes_at": (timezone.now() + datetime.timedelta(days=3)).isoformat(),
    }
    created = client.post(url(org, "assessment-campaign-list"), body, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["invited"], created.json()["answered"], created.json()["response_rate"]) == (2, 0, "0.0")
    bad = client.post(url(org, "assessment-campaign-list"), {**body, "partnerships": [foreign.pk]}, format="json")
    assert bad.status_code == 400 and "partnerships" in bad.json()["errors"]
    past = client.post(
        url(org, "assessment-campaign-list"), {**body, "closes_at": "2020-01-01T00:00:00Z"}, format="json"
    )
    assert past.status_code == 400 and "closes_at" in past.json()["errors"]
    assert AssessmentCampaign.objects.for_org(org).count() == 2


def test_submit_own_answer_only_and_results(org, member, viewer, sent, api_client_for, api_key_client):
    p, campaign, _, _ = sent
    mine = AssessmentInvitation.objects.for_org(org).get(email=member.email)
    theirs = AssessmentInvitation.objects.for_org(org).get(email="kim@partner.example")
    client = api_client_for(member)
    responses = url(org, "assessment-response-list")
    assert client.post(responses, {"invitation": theirs.pk, **GOOD}, format="json").status_code == 403
    assert api_key_client("write").post(responses, {"invitation": mine.pk, **GOOD}, format="json").status_code == 403
    zero = client.post(responses, {"invitation": mine.pk, **GOOD, "self_orientation": 0}, format="json")
    assert zero.status_code == 400 and "self_orientation" in zero.json()["errors"]
    ok = client.post(responses, {"invitation": mine.pk, **GOOD}, format="json")
    assert ok.status_code == 201 and ok.json()["trust"] == "3.00"
    again = client.post(responses, {"invitation": mine.pk, **GOOD}, format="json")
    assert again.status_code == 400
    assert AssessmentResponse.objects.for_org(org).count() == 1
    rnd = campaign.rounds.get()
    results = api_client_for(viewer).get(url(org, "assessment-round-results", rnd.pk)).json()
    vendor = next(s for s in results["sides"] if s["side"] == "vendor")
    assert (vendor["trust"], vendor["trust_normalised"], vendor["trust_formula"]) == (
        "3.00",
        "50.00",
        "(3.00) / 1 = 3.00",
    )
    assert (results["answered"], results["invited"]) == (1, 2)
    # Answers are immutable: no update or delete route.
    detail = url(org, "assessment-response-detail", ok.json()["id"])
    assert client.patch(detail, {"reliability": 1}, format="json").status_code == 405
    assert client.delete(detail).status_code == 405


def test_swot_and_satisfaction_api(org, member, viewer, sent, api_client_for):
    p, _, foreign, _ = sent
    client = api_client_for(member)
    swot = client.post(url(org, "swot-list"), {"partnership": p.pk, "year": 2026, "strengths": "Reach"}, format="json")
    assert swot.status_code == 200
    kept = client.post(url(org, "swot-list"), {"partnership": p.pk, "year": 2026, "threats": "Churn"}, format="json")
    assert (kept.json()["strengths"], kept.json()["threats"]) == ("Reach", "Churn")
    assert (
        client.post(url(org, "swot-list"), {"partnership": foreign.pk, "year": 2026}, format="json").status_code == 400
    )
    assert api_client_for(viewer).post(url(org, "swot-list"), {"partnership": p.pk, "year": 2026}).status_code == 403
    body = {"partnership": p.pk, "scale": "nps", "score": "35", "source": "Partner NPS H2", "measured_on": "2026-10-01"}
    created = client.post(url(org, "satisfaction-score-list"), body, format="json")
    assert created.status_code == 201 and created.json()["normalised"] == "67.50"
    bad = client.post(url(org, "satisfaction-score-list"), {**body, "score": "-120"}, format="json")
    assert bad.status_code == 400 and "score" in bad.json()["errors"]
    assert SatisfactionScore.objects.for_org(org).count() == 1


@pytest.mark.parametrize(
    "name", ["assessment-campaign", "assessment-round", "assessment-response", "swot", "satisfaction-score"]
)
def test_other_tenants_rows_are_404_and_absent_from_lists(
    org, other_org, member, other_member, outsider, sent, api_client_for, name
):
    _, _, foreign, foreign_campaign = sent
    foreign_inv = AssessmentInvitation.objects.for_org(other_org).first()
    assessment_answers.response_submit(invitation=foreign_inv, actor=None, data=GOOD)
    svc.swot_save(org=other_org, actor=other_member, partnership=foreign, year=2026, data={"strengths": "x"})
    svc.satisfaction_create(
        org=other_org, actor=other_member, partnership=foreign,
        data={"scale": "csat", "score": 80, "source": "S", "measured_on": datetime.date(2026, 1, 1)},
    )  # fmt: skip
    model = {
        "assessment-campaign": AssessmentCampaign,
        "assessment-round": foreign_campaign.rounds.model,
        "assessment-response": AssessmentResponse,
        "swot": foreign.swots.model,
        "satisfaction-score": SatisfactionScore,
    }[name]
    row = model.objects.for_org(other_org).first()
    client = api_client_for(member)
    assert client.get(url(org, f"{name}-detail", row.pk)).status_code == 404
    listed = client.get(url(org, f"{name}-list")).json()
    assert row.pk not in [r["id"] for r in listed["results"]]
    assert api_client_for(outsider).get(url(org, f"{name}-list")).status_code == 404
    assert api_client_for(other_member).get(url(org, f"{name}-list")).status_code == 404


def test_health_questions_admin_only(org, member, admin_user, sent, api_client_for):
    body = {"text": "Do we celebrate wins together?"}
    assert api_client_for(member).post(url(org, "health-question-list"), body, format="json").status_code == 403
    created = api_client_for(admin_user).post(url(org, "health-question-list"), body, format="json")
    assert created.status_code == 201
    dup = api_client_for(admin_user).post(url(org, "health-question-list"), body, format="json")
    assert dup.status_code == 400 and "text" in dup.json()["errors"]


def test_campaign_list_queries_do_not_grow(org, member, sent, api_client_for, django_assert_max_num_queries):
    p, _, _, _ = sent
    client = api_client_for(member)
    with django_assert_max_num_queries(12) as small:
        assert client.get(url(org, "assessment-campaign-list")).status_code == 200
    for n in range(5):
        extra = PartnershipFactory(organization=org, owner=member)
        svc.campaign_create(
            org=org, actor=member, name=f"More {n}", kind="trust", partnerships=[p, extra],
            closes_at=timezone.now() + datetime.timedelta(days=2),
        )  # fmt: skip
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(url(org, "assessment-campaign-list")).json()["results"]) == 6
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url(org, "assessment-response-list"))
