"""Valid e-mailed tokens of A, organization creation and the switcher: what they grant and nothing more.

The sweep sends never-issued tokens (tests/sweep/engine.py); here A issues real ones. A link reaches
whoever holds it (a forwarded e-mail), so each of B's people, an outsider and partner guests opens it:
they see what the link itself shows (who invites, the questionnaire), their answer changes nothing of
A's, and afterwards every door of A (pages, API, portal) is still shut to them. The rightful holder gets
exactly what the token grants (a membership of A, one questionnaire) and nothing of B.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pom import rls
from pom.models import Membership, Role
from tests.factories import UserFactory
from tests.sweep import world as sweep_world
from tests.sweep.accounts import leaked

PEOPLE = ("b_owner", "b_viewer", "outsider", "other_guest", "b_guest")
WEEK = timezone.timedelta(days=7)


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _doors(world, slug=None) -> list[str]:
    """A sample of A's doors, one of each kind: pages, object pages, the API, the portal; with `slug`
    (B's), A's ids under that address (the portal, which has none, left out)."""
    from partners.models import AssessmentRound, Partner
    from workspaces.models import Workspace

    doors = [
        reverse("dashboard", args=[slug or world.a.slug]),
        reverse("partners:list", args=[slug or world.a.slug]),
        reverse("partners:detail", args=[slug or world.a.slug, world[Partner].pk]),
        reverse("partners:assessment_round", args=[slug or world.a.slug, world[AssessmentRound].pk]),
        reverse("partners-api:partner-list", args=[slug or world.a.slug]),
    ]
    return doors if slug else [*doors, reverse("workspaces:detail", args=[world[Workspace].public_id])]


def _shut(world, client, who, slug=None) -> list[str]:
    """The doors that open for `client` (404 for a signed-in person; the login for a visitor)."""
    opened = []
    for url in _doors(world, slug):
        response = client.get(url)
        status = response.status_code
        if status == 404 or (who == "anonymous" and status in (302, 401, 403)):
            continue
        opened.append(f"GET {url} as {who}: {status}")
    return opened


@pytest.fixture
def invitation(sweep, db):
    """An invitation of A for an address nobody in the world has, and its raw token."""
    from pom import services

    world = sweep.world
    with rls.scope(org_ids=[world.a.pk]):
        _inv, raw = services.invitation_create(
            org=world.a, actor=world.people["a_owner"], email="newcomer@elsewhere.example", role=Role.VIEWER
        )
    return raw


def test_an_invitation_link_of_a_shows_the_invitation_and_opens_nothing_for_its_other_holders(sweep, invitation, db):
    world = sweep.world
    url = reverse("org_invitation_accept", args=[invitation])
    before = sweep_world.snapshot(world.a)
    opened = []
    for who in (*PEOPLE, "anonymous"):
        client = _client(world.people.get(who))
        page = client.get(url)
        assert page.status_code == 200 and world.a.name in page.text  # what the link shows: who invites
        answer = client.post(url)
        assert answer.status_code == (302 if who == "anonymous" else 400), who  # not theirs to accept
        opened += _shut(world, client, who)
    assert not opened, "\n".join(opened)
    assert sweep_world.snapshot(world.a) == before


def test_the_invitee_gets_the_membership_it_grants_and_nothing_of_b(sweep, invitation, db):
    world = sweep.world
    newcomer = UserFactory(email="newcomer@elsewhere.example")
    client = _client(newcomer)
    accepted = client.post(reverse("org_invitation_accept", args=[invitation]))
    assert accepted.status_code == 302 and accepted["Location"] == reverse("dashboard", args=[world.a.slug])
    with rls.scope(org_ids=[world.a.pk, world.b.pk]):
        assert list(Membership.objects.filter(user=newcomer).values_list("organization__slug", "role")) == [
            (world.a.slug, Role.VIEWER)
        ]
    assert client.get(reverse("partners:list", args=[world.a.slug])).status_code == 200
    # A's token, A's ids, B's address: 404, as for anyone outside B.
    assert not _shut(world, client, "newcomer", slug=world.b.slug)
    # Used once, the link shows nothing more to the next holder.
    assert _client(world.people["b_owner"]).get(reverse("org_invitation_accept", args=[invitation])).status_code == 410


@pytest.fixture
def assessment_link(sweep, db):
    """A's invitation to answer a round, made answerable, with its raw token; `user` is who it was sent to."""
    from partners import assessment_services
    from partners.models import AssessmentCampaign, AssessmentInvitation

    world = sweep.world
    raw = f"sweep.{timezone.now().timestamp()}"
    with rls.scope(org_ids=[world.a.pk]):
        AssessmentCampaign.objects.for_org(world.a).update(
            status=AssessmentCampaign.Status.OPEN, closes_at=timezone.now() + WEEK
        )
        AssessmentInvitation.objects.for_org(world.a).filter(pk=world[AssessmentInvitation].pk).update(
            token_hash=assessment_services.hash_token(raw),
            expires_at=timezone.now() + WEEK,
            answered_at=None,
            user=None,
        )

    def sent_to(user):
        with rls.scope(org_ids=[world.a.pk]):
            AssessmentInvitation.objects.for_org(world.a).filter(pk=world[AssessmentInvitation].pk).update(user=user)

    return raw, sent_to


def test_an_assessment_link_of_a_shows_its_questionnaire_and_opens_nothing_else(sweep, assessment_link, db):
    world = sweep.world
    raw, _sent_to = assessment_link
    url = reverse("assessment_link", args=[raw])
    before = sweep_world.snapshot(world.a)
    opened = []
    for who in (*PEOPLE, "anonymous"):
        client = _client(world.people.get(who))
        assert client.get(url).status_code == 200, who  # the link answers for whoever holds it
        assert client.post(url).status_code == 400, who  # an empty answer is refused, nothing stored
        opened += _shut(world, client, who)
    assert not opened, "\n".join(opened)
    assert sweep_world.snapshot(world.a) == before


def test_an_assessment_link_sent_to_a_person_refuses_everyone_else_signed_in(sweep, assessment_link, db):
    world = sweep.world
    raw, sent_to = assessment_link
    sent_to(world.people["a_guest"])
    url = reverse("assessment_link", args=[raw])
    before = sweep_world.snapshot(world.a)
    for who in PEOPLE:
        client = _client(world.people[who])
        assert client.get(url).status_code == 403, who  # they hold the link: the object may be known
        assert client.post(url, {"reliability": 9}).status_code == 403, who
    assert sweep_world.snapshot(world.a) == before
    holder = _client(world.people["a_guest"])
    assert holder.get(url).status_code == 200
    # The link's holder, with A's ids under B's address: 404.
    assert not _shut(world, holder, "a_guest", slug=world.b.slug)


def test_creating_an_organization_named_like_a_joins_nothing_of_a_and_the_switcher_hides_a(sweep, db):
    world = sweep.world
    client = _client(world.people["b_owner"])
    before = sweep_world.snapshot(world.a)
    created = client.post(reverse("org_create"), {"name": world.a.name, "skip_profile": "1"})
    assert created.status_code in (302, 400)
    if created.status_code == 302:
        assert created["Location"] != reverse("dashboard", args=[world.a.slug])
    assert sweep_world.snapshot(world.a) == before
    assert not _shut(world, client, "b_owner")
    for url in (reverse("org_list"), reverse("dashboard", args=[world.b.slug])):
        page = client.get(url)
        assert page.status_code == 200
        found = [m for m in leaked(world, page) if m != world.a.name or created.status_code != 302]
        assert not found, f"{url} shows A's {found}"


@pytest.fixture
def workspace_links(sweep, db):
    """A pending invitation into A's deal room W1 for an address nobody has, and W1's share link."""
    from workspaces.models import WorkspaceInvitation
    from workspaces.services import hash_token

    world = sweep.world
    raw = f"sweep-invitation-{timezone.now().timestamp()}"
    with rls.scope(org_ids=[world.a.pk]):
        WorkspaceInvitation.objects.for_org(world.a).filter(pk=world[WorkspaceInvitation].pk).update(
            token_hash=hash_token(raw),
            email="partner@elsewhere.example",
            expires_at=timezone.now() + WEEK,
            accepted_at=None,
            revoked_at=None,
        )
    return {"invitation_accept": raw, "share": world.share_token}


@pytest.mark.parametrize("name", ["invitation_accept", "share"])
def test_a_deal_room_link_of_a_shows_what_it_grants_and_opens_nothing_else(sweep, workspace_links, name, db):
    world = sweep.world
    url = reverse(f"workspaces:{name}", args=[workspace_links[name]])
    before = sweep_world.snapshot(world.a)
    opened = []
    for who in (*PEOPLE, "anonymous"):
        client = _client(world.people.get(who))
        assert client.get(url).status_code == 200, who  # the invitation, or the view-only share page
        if name == "invitation_accept":
            assert client.post(url).status_code == (302 if who == "anonymous" else 400), who
        opened += _shut(world, client, who)
    assert not opened, "\n".join(opened)
    assert sweep_world.snapshot(world.a) == before
