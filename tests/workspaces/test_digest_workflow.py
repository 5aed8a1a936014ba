"""Digest workflow: generation once per period, draft -> edited -> approved -> sent, auto-send, the outbox,
preferences, previews and who may see what."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pom.models import Job
from tests.factories import CheckInFactory, KeyResultFactory, UserFactory, WorkspaceMemberFactory
from tests.factories.attribution import OpportunityFactory, OpportunityPartnerFactory
from tests.smtpserver import smtp_server  # noqa: F401  (fixture)
from workspaces import digest_facts, digest_outbox, digest_services
from workspaces.models import Digest, DigestMail, DigestMute, DigestSettings, NotificationPreference, Side

TODAY = timezone.localdate()
PERIOD = digest_facts.period_key("weekly", TODAY)


@pytest.fixture
def digest_world(world):
    kr = KeyResultFactory(
        objective=world.plan.objectives.first(), name="Joint pipeline", target=240000, current_value=1000
    )
    CheckInFactory(key_result=kr, value=1000)
    world.partnership.owner = world.vendor_manager
    world.partnership.save()
    return world


def _generate(org):
    return digest_services.generate_batch(
        org=org, kind="weekly", period=PERIOD, workspace_ids=[w.pk for w in org_workspaces(org)], today=TODAY
    )


def org_workspaces(org):
    from workspaces.models import Workspace

    return list(Workspace.objects.for_org(org))


def test_generation_is_once_per_workspace_kind_and_period(digest_world):
    org = digest_world.org
    assert _generate(org) == 2
    assert _generate(org) == 0
    assert Digest.objects.for_org(org).filter(workspace=digest_world.workspace, period=PERIOD).count() == 1
    digest = Digest.objects.for_org(org).get(workspace=digest_world.workspace)
    assert digest.status == "draft" and digest.writer == "template"
    assert not DigestMail.objects.exists()  # review first: nothing goes out before a person approves


def test_a_digest_with_a_won_deal_shows_the_deal_on_its_page_and_in_the_preview(digest_world, client_for):
    org, w = digest_world.org, digest_world
    opp = OpportunityFactory(
        organization=org, name="Weyland rollout", amount="164000", status="won", closed_on=TODAY, stage="closed"
    )
    OpportunityPartnerFactory(organization=org, opportunity=opp, partnership=w.partnership)
    _generate(org)
    digest = Digest.objects.for_org(org).get(workspace=w.workspace)
    assert [d["name"] for d in digest.facts["wins"]] == ["Weyland rollout"]
    url = reverse("workspaces:digest", args=[w.workspace.public_id, digest.pk])
    page = client_for(w.vendor_manager).get(url + f"?as={w.ws_editor.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Won: Weyland rollout (164,000 EUR)." in html  # the text
    assert "- Weyland rollout: 164000 EUR" in html  # the e-mail's deal list, as the reader gets it


def test_review_edit_approve_send_with_personal_links(digest_world, client_for, django_capture_on_commit_callbacks):
    org, w = digest_world.org, digest_world
    _generate(org)
    digest = Digest.objects.for_org(org).get(workspace=w.workspace)
    url = reverse("workspaces:digest", args=[w.workspace.public_id, digest.pk])
    manager = client_for(w.vendor_manager)
    page = manager.get(url + f"?as={w.ws_editor.pk}")
    assert page.status_code == 200 and "Hi " in page.content.decode()
    response = manager.post(url, {"action": "edit", "subject": "Our week", "body": "A short, edited text."})
    assert response.status_code == 302
    digest.refresh_from_db()
    assert digest.status == "edited" and digest.edited_by == w.vendor_manager
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(url, {"action": "approve"})
    digest.refresh_from_db()
    assert digest.status == "sent" and digest.approved_by == w.vendor_manager
    sent = {m.to[0]: m for m in mail.outbox}
    assert {"pat.owner@acme.example", "eddie.editor@acme.example", "vera.viewer@acme.example"} <= set(sent)
    assert w.vendor_manager.email in sent  # the partnership owner
    assert "olga@beta.example" not in sent
    partner_mail = sent["eddie.editor@acme.example"]
    assert partner_mail.subject == "Our week"
    assert "A short, edited text." in partner_mail.body
    assert "Joint pipeline = 1,000 / 240,000 (0 % completed)" in partner_mail.body
    links = re.findall(r"http://\S+/w/links/\S+/", partner_mail.body)
    assert links and len(set(links)) == len(links)
    assert partner_mail.extra_headers["Message-ID"].startswith("<digest-mail-")
    assert DigestMail.objects.for_org(org).filter(digest=digest, status="sent").count() == len(mail.outbox)
    # a second send run finds nothing queued: nobody gets the digest twice
    digest_outbox.outbox_send(org=org, digest_ids=[digest.pk])
    assert len(mail.outbox) == len(sent)


def test_auto_send_mode_sends_without_review(digest_world, django_capture_on_commit_callbacks):
    org = digest_world.org
    DigestSettings.objects.create(organization=org, mode=DigestSettings.Mode.AUTO_SEND)
    with django_capture_on_commit_callbacks(execute=True):
        job = digest_services.run_request(org=org, kind="weekly", today=TODAY)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.result["digests"] == 2
    assert Digest.objects.for_org(org).filter(status="sent").count() == 2
    assert len(mail.outbox) == DigestMail.objects.for_org(org).filter(status="sent").count() > 0


def test_preferences_mute_and_missing_address(digest_world, django_capture_on_commit_callbacks):
    w = digest_world
    NotificationPreference.objects.create(user=w.ws_viewer, digest_frequency="off")
    NotificationPreference.objects.create(user=w.ws_owner, digest_kinds=["okr_reminder"])
    DigestMute.objects.create(organization=w.org, workspace=w.workspace, user=w.vendor_manager)
    nomail = UserFactory(email="")
    WorkspaceMemberFactory(workspace=w.workspace, user=nomail, side=Side.PARTNER)
    _generate(w.org)
    digest = Digest.objects.for_org(w.org).get(workspace=w.workspace)
    access = _access(w.vendor_manager, w.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        digest_services.digest_approve(access=access, actor=w.vendor_manager, digest=digest)
    assert [m.to[0] for m in mail.outbox] == ["eddie.editor@acme.example"]
    skipped = DigestMail.objects.for_org(w.org).get(user=nomail)
    assert skipped.status == "skipped" and "no e-mail address" in skipped.note
    digest.refresh_from_db()
    assert digest.status == "sent"


def test_preferences_page_saves_digest_choices(digest_world, client_for):
    client = client_for(digest_world.ws_editor)
    response = client.post(
        reverse("workspaces:preferences"),
        {"mode": "daily", "digest_frequency": "monthly", "digest_kinds": ["weekly"], "language": "de"},
    )
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=digest_world.ws_editor)
    assert (pref.mode, pref.digest_frequency, pref.digest_kinds, pref.language) == (
        "daily",
        "monthly",
        ["weekly"],
        "de",
    )
    bad = client.post(reverse("workspaces:preferences"), {"mode": "daily", "digest_frequency": "hourly"})
    assert bad.status_code == 400


def _access(user, workspace):
    from workspaces.selectors import workspace_access

    return workspace_access(user=user, workspace=workspace)


def test_partners_see_only_sent_digests_of_their_own_workspace(digest_world, client_for, other_org, outsider):
    w = digest_world
    _generate(w.org)
    digest = Digest.objects.for_org(w.org).get(workspace=w.workspace)
    url = reverse("workspaces:digest", args=[w.workspace.public_id, digest.pk])
    assert client_for(w.ws_editor).get(url).status_code == 404  # a draft is the vendor's
    assert client_for(w.vendor_viewer).get(url).status_code == 200
    digest.status = "sent"
    digest.save()
    page = client_for(w.ws_editor).get(url)
    assert page.status_code == 200 and "Hi " in page.content.decode()
    assert client_for(w.ws_editor).post(url, {"action": "approve"}).status_code in (302, 403)
    assert Digest.objects.get(pk=digest.pk).approved_by is None
    for stranger in (w.other_partner, w.other_org_member, outsider):
        assert client_for(stranger).get(url).status_code == 404
    other_ws_digest_url = reverse("workspaces:digest", args=[w.other_workspace.public_id, digest.pk])
    assert client_for(w.other_partner).get(other_ws_digest_url).status_code == 404
    listing = client_for(w.other_partner).get(reverse("workspaces:digests", args=[w.other_workspace.public_id]))
    assert digest.subject not in listing.content.decode()


def test_viewer_cannot_edit_or_approve(digest_world, client_for):
    w = digest_world
    _generate(w.org)
    digest = Digest.objects.for_org(w.org).get(workspace=w.workspace)
    url = reverse("workspaces:digest", args=[w.workspace.public_id, digest.pk])
    assert client_for(w.vendor_viewer).post(url, {"action": "approve"}).status_code == 403
    digest.refresh_from_db()
    assert digest.status == "draft"


def test_org_digest_queue_and_settings_pages(digest_world, client_for):
    w = digest_world
    _generate(w.org)
    queue = client_for(w.vendor_manager).get(reverse("workspaces-org:digests", args=[w.org.slug]) + "?status=draft")
    assert queue.status_code == 200 and "Draft" in queue.content.decode()
    assert client_for(w.other_org_member).get(reverse("workspaces-org:digests", args=[w.org.slug])).status_code == 404
    settings_url = reverse("workspaces-org:digest_settings", args=[w.org.slug])
    assert client_for(w.vendor_manager).get(settings_url).status_code == 403
    response = client_for(w.vendor_admin).post(
        settings_url, {"mode": "auto_send", "enabled_kinds": ["weekly"], "enabled_rules": ["kr_behind"]}
    )
    assert response.status_code == 302
    conf = DigestSettings.objects.for_org(w.org).get()
    assert (
        conf.mode == "auto_send" and "okr_reminder" in conf.disabled_kinds and "checkin_missing" in conf.disabled_rules
    )


def test_digest_lists_have_a_fixed_query_count(digest_world, client_for, owner):
    from tests.factories import PartnershipFactory
    from workspaces import services as ws_services

    w = digest_world
    _generate(w.org)
    org_url = reverse("workspaces-org:digests", args=[w.org.slug])
    ws_url = reverse("workspaces:digests", args=[w.workspace.public_id])
    client = client_for(w.vendor_manager)
    with CaptureQueriesContext(connection) as org_few:
        assert client.get(org_url).status_code == 200
    with CaptureQueriesContext(connection) as ws_few:
        assert client.get(ws_url).status_code == 200
    for _ in range(5):
        p = PartnershipFactory(organization=w.org, partner__organization=w.org)
        ws_services.workspace_ensure_for_partnership(org=w.org, actor=owner, partnership=p)
    for week in range(1, 4):
        digest_services.generate_batch(
            org=w.org,
            kind="weekly",
            period=f"test-{week}",
            workspace_ids=[x.pk for x in org_workspaces(w.org)],
            today=TODAY,
        )
    with CaptureQueriesContext(connection) as org_many:
        page = client.get(org_url)
    with CaptureQueriesContext(connection) as ws_many:
        assert client.get(ws_url).status_code == 200
    assert page.content.decode().count("/digests/") > 10
    assert len(org_many) == len(org_few)
    assert len(ws_many) == len(ws_few)


def _mail_to(address):
    return next(m for m in mail.outbox if m.to == [address])


def test_each_recipient_reads_the_digest_in_their_language(digest_world, django_capture_on_commit_callbacks):
    """A German reader gets the template text written again in German formats; an edited text goes out as approved."""
    w = digest_world
    NotificationPreference.objects.create(user=w.ws_editor, language="de")
    _generate(w.org)
    digest = Digest.objects.for_org(w.org).get(workspace=w.workspace)
    assert "1,000" in digest.body  # written once, in the organization's language
    access = _access(w.vendor_manager, w.workspace)
    preview = digest_outbox.render_mail(digest=digest, user=w.ws_editor, side=Side.PARTNER, create_links=False)
    assert preview["language"] == "de" and "1.000" in preview["text"] and 'lang="de"' in preview["html"]
    with django_capture_on_commit_callbacks(execute=True):
        digest_services.digest_approve(access=access, actor=w.vendor_manager, digest=digest)
    german, english = _mail_to("eddie.editor@acme.example"), _mail_to("pat.owner@acme.example")
    german_text, english_text = german.body.split("Schlüsselergebnisse")[0], english.body.split("Key results")[0]
    assert german_text.startswith("Hallo ") and "Digest von Acme Integrators" in german_text
    assert "„Joint pipeline“ steht jetzt bei 1.000" in german_text and "1,000" not in german_text
    assert "„Certified engineers“" in german_text and "”" not in german_text  # German quotes throughout
    assert "“Joint pipeline” is now at 1,000" in english_text and "Joint pipeline = 1,000 / 240,000 (" in english.body
    assert "Joint pipeline = 1.000 / 240.000 (" in german.body and "% erreicht)" in german.body
    assert "Digests dieses Workspace abbestellen:" in german.body and german.subject != english.subject

    # A text a person edited is what they approved: every reader gets it as written.
    digest_services.digest_update(
        access=access, actor=w.vendor_manager, digest=digest, subject="Edited", body="Pipeline at 1,000 this week."
    )
    digest.refresh_from_db()
    edited = digest_outbox.render_mail(digest=digest, user=w.ws_editor, side=Side.PARTNER, create_links=False)
    assert edited["subject"] == "Edited" and "Pipeline at 1,000 this week." in edited["text"]


def test_admin_lists_digests_and_changes_settings_through_the_service(digest_world, client_for):
    from pom.models import AuditEvent
    from workspaces.models import Suggestion

    w = digest_world
    _generate(w.org)
    Suggestion.objects.create(
        organization=w.org, partnership=w.partnership, rule="kr_behind", target_type="key_result",
        target_id=w.partner_kr.pk, title="Plan a recovery", fingerprint="f",
    )  # fmt: skip
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(staff)
    for model in ("digest", "digestmail", "actionlink", "digestmute", "suggestion", "digestsettings"):
        assert client.get(reverse(f"admin:workspaces_{model}_changelist")).status_code == 200
    digest = Digest.objects.for_org(w.org).get(workspace=w.workspace)
    page = client.get(reverse("admin:workspaces_digest_change", args=[digest.pk]))
    assert page.status_code == 200 and digest.subject in page.content.decode()
    conf = digest_services.settings_for(org=w.org)
    url = reverse("admin:workspaces_digestsettings_change", args=[conf.pk])
    form = {"mode": "auto_send", "disabled_kinds": "[]", "disabled_rules": '["no_such_rule"]'}
    refused = client.post(url, form)
    assert refused.status_code == 200 and "Unknown rules: no_such_rule" in refused.content.decode()
    assert DigestSettings.objects.get(pk=conf.pk).mode == "review_first"  # nothing written
    assert client.post(url, {**form, "disabled_rules": '["kr_behind"]'}).status_code == 302
    conf.refresh_from_db()
    assert (conf.mode, conf.disabled_rules) == ("auto_send", ["kr_behind"])
    assert AuditEvent.objects.filter(organization=w.org, object_id=str(conf.pk), actor_user=staff).exists()


def test_an_address_the_mail_server_refuses_is_skipped_and_the_others_still_get_the_digest(
    digest_world,
    smtp_server,  # noqa: F811  (the fixture imported above)
    settings,
    django_capture_on_commit_callbacks,
):
    w = digest_world
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = smtp_server.host, smtp_server.port, False
    smtp_server.refused = {"eddie.editor@acme.example"}
    _generate(w.org)
    digest = Digest.objects.for_org(w.org).get(workspace=w.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        digest_services.digest_approve(
            access=_access(w.vendor_manager, w.workspace), actor=w.vendor_manager, digest=digest
        )
    refused = DigestMail.objects.for_org(w.org).get(digest=digest, user=w.ws_editor)
    assert refused.status == "skipped" and "refused the address eddie.editor@acme.example" in refused.note
    sent = DigestMail.objects.for_org(w.org).filter(digest=digest, status="sent")
    assert sent.count() == len(smtp_server.received()) > 0
    digest.refresh_from_db()
    assert digest.status == "sent"
