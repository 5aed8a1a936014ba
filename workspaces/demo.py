"""Demo workspaces: partner contacts of a few partnerships become partner-side members with a password,
so a tester can log in as a partner; plus comments, an internal note, a file and notifications."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partners.models import Contact, Partnership
from pom.models import Role
from workspaces import invitation_services, selectors, services
from workspaces.models import Notification, WorkspaceRole

PARTNER_WORKSPACES = 4

NOTES = (
    "Joint plan notes\n"
    "- Kick-off done, both sides agreed on the certification and pipeline targets.\n"
    "- Next review: end of month. Bring the list of open opportunities.\n"
)


def _partnerships(ctx) -> list[Partnership]:
    plans = ctx.data.get("plans") or []
    ids = [plan.partnership_id for plan in plans]
    qs = Partnership.objects.for_org(ctx.org).select_related("partner")
    if ids:
        qs = qs.filter(pk__in=ids)
    return list(qs.order_by("partner__name")[:PARTNER_WORKSPACES])


def seed(ctx) -> None:
    org = ctx.org
    owner = ctx.users[Role.OWNER]
    manager = ctx.users.get(Role.MANAGER) or owner
    services.workspace_backfill(org=org, actor=owner)
    for partnership in _partnerships(ctx):
        workspace = selectors.workspace_for_partnership(org=org, partnership=partnership)
        access = selectors.workspace_access(user=owner, workspace=workspace)
        contacts = list(
            Contact.objects.for_org(org).filter(partner=partnership.partner).exclude(email="").order_by("id")[:2]
        )
        people = []
        for index, contact in enumerate(contacts):
            role = WorkspaceRole.EDITOR if index == 0 else WorkspaceRole.VIEWER
            if selectors.member_list(workspace=workspace).filter(user__email__iexact=contact.email).exists():
                continue
            user = ctx.user(contact.email.lower(), contact.name)
            _invitation, raw = invitation_services.invitation_create(
                access=access, actor=owner, email=user.email, role=role, side="partner", send=False
            )
            invitation_services.invitation_accept(raw_token=raw, user=user)
            people.append(user)
            if index == 0 and not any(login[1] == user.email for login in ctx.logins):
                ctx.logins.append((f"Partner: {partnership.partner.name}", user.email, ctx.password))
        if not people:
            continue
        partner_person = people[0]
        manager_access = selectors.workspace_access(user=manager, workspace=workspace)
        services.comment_create(
            access=manager_access,
            actor=manager,
            body=f"Welcome @{partner_person.email}! The plan is below: please check in on the partner key results.",
        )
        partner_access = selectors.workspace_access(user=partner_person, workspace=workspace)
        services.comment_create(
            access=partner_access,
            actor=partner_person,
            body=f"Thanks @{manager.email}, we will post the certification numbers on Friday.",
        )
        services.comment_create(
            access=manager_access,
            actor=manager,
            body="Internal: their pipeline coverage is thin; propose MDF only after two registered deals.",
            internal=True,
        )
        services.file_upload(
            access=manager_access,
            actor=manager,
            uploaded=SimpleUploadedFile("joint-plan-notes.txt", NOTES.encode(), content_type="text/plain"),
        )
    _partner_people_do_their_part(ctx, owner=owner)
    # Programs in motion: points, tiers, commissions, funds and joint solutions (workspaces/demo_programs.py).
    from workspaces import demo_programs

    demo_programs.seed(ctx)
    # Account mapping and co-sell need the partner people made above (workspaces.mapping_demo).
    from workspaces.mapping_demo import seed_mapping

    seed_mapping(ctx)
    # Assessments answered by both sides, SWOTs and partner NPS (workspaces.demo_assessments).
    from workspaces import demo_assessments

    demo_assessments.seed(ctx)
    # The demo's history produced many notifications at once: keep the latest few unread per person and
    # never e-mail any of them when the seed commits.
    now = timezone.now()
    Notification.objects.for_org(org).update(emailed_at=now)
    keep = set()
    seen: dict[int, int] = {}
    for pk, user_id in Notification.objects.for_org(org).order_by("-created_at", "-id").values_list("pk", "user_id"):
        seen[user_id] = seen.get(user_id, 0) + 1
        if seen[user_id] <= 5:
            keep.add(pk)
    Notification.objects.for_org(org).exclude(pk__in=keep).update(read_at=now)
    _seed_digests_and_actions(ctx, owner=owner, manager=manager)
    _share_link_deal_room_and_import(ctx, owner=owner, manager=manager)
    # Two more vendors working with the same partner people (workspaces.demo_vendors).
    from plans import demo as plans_demo
    from workspaces import demo_vendors

    people = {}
    for partnership in _partnerships(ctx):  # one partner may have several partnerships: once each
        person = plans_demo.partner_person(ctx, partnership)
        if person is not None:
            people.setdefault(partnership.partner_id, (partnership.partner, person))
    demo_vendors.seed(ctx, partner_people=list(people.values()))


def _partner_people_do_their_part(ctx, *, owner) -> None:
    """Every plan's partner person (plans.demo checked in as them) joins their workspace as an editor,
    approves the partner side of the plans the vendor approved, and comments on a key result they own."""
    from plans import demo as plans_demo
    from plans import services as plan_services
    from plans.models import KeyResult

    org = ctx.org
    for plan in ctx.data.get("plans") or []:
        person = plans_demo.partner_person(ctx, plan.partnership)
        if person is None:
            continue
        workspace = selectors.workspace_for_partnership(org=org, partnership=plan.partnership)
        if not selectors.member_list(workspace=workspace).filter(user=person).exists():
            access = selectors.workspace_access(user=owner, workspace=workspace)
            _invitation, raw = invitation_services.invitation_create(
                access=access, actor=owner, email=person.email, role=WorkspaceRole.EDITOR, side="partner", send=False
            )
            invitation_services.invitation_accept(raw_token=raw, user=person)
        if plan in ctx.data.get("plans_awaiting_partner_approval", []):
            plan.refresh_from_db()
            plan_services.plan_approve(org=org, actor=person, plan=plan, side="partner")
        owned = KeyResult.objects.for_org(org).filter(plan=plan, responsible_side="partner").order_by("id").first()
        if owned is not None:
            services.comment_create(
                access=selectors.workspace_access(user=person, workspace=workspace),
                actor=person,
                body=f"Updated “{owned.name}” after our internal pipeline call; more to come next fortnight.",
            )


IMPORT_CSV = (
    "Name,Domain,Country,Status\n"
    "Lumen Data Partners,lumen-data.example,NL,prospect\n"
    "Kestrel Consulting,kestrel-consulting.example,FR,prospect\n"
)


def _share_link_deal_room_and_import(ctx, *, owner, manager) -> None:
    """A read-only share link on the first partner workspace, a deal room where two partners work one
    opportunity, and a partner list imported from a spreadsheet (an import run, previewed then committed)."""
    from attribution.models import Opportunity
    from partners import import_runs

    org = ctx.org
    partnerships = _partnerships(ctx)
    if partnerships:
        first = selectors.workspace_for_partnership(org=org, partnership=partnerships[0])
        services.share_link_enable(access=selectors.workspace_access(user=owner, workspace=first), actor=manager)
    opportunity = Opportunity.objects.for_org(org).filter(status="open").order_by("-amount", "id").first()
    if opportunity is not None and len(partnerships) >= 2:
        services.workspace_create(
            org=org,
            actor=manager,
            name=f"Deal room: {opportunity.name}",
            description="Both partners and Nimbus on one deal: who does what until the signature.",
            partnerships=partnerships[:2],
            opportunity=opportunity,
        )
    upload = SimpleUploadedFile("partners-from-the-trade-fair.csv", IMPORT_CSV.encode(), content_type="text/csv")
    run = import_runs.import_run_create(org=org, actor=manager, upload=upload)
    import_runs.import_run_preview(org=org, run=run, mapping=run.mapping)
    job = import_runs.import_run_commit(org=org, actor=manager, run=run)
    # The commit is a background job; the demo runs its body now so the run reads as imported.
    from partners.tasks import heavy_partner_import

    heavy_partner_import(org.pk, job.pk)


def _seed_digests_and_actions(ctx, *, owner, manager) -> None:
    """Digests drafted for every workspace; the first partner workspace's approved by the manager and sent
    (to an in-memory mailbox: demo addresses are not real), and its partner person checks in on a key
    result from the link in their e-mail. Next best actions computed: a partner certification expiring in
    three weeks gives the partner side one of its own, which that partner's person accepts; the manager
    dismisses a vendor-side one with a reason."""
    import datetime

    from partners.services import certification_create
    from workspaces import action_links, digest_facts, digest_outbox, digest_selectors, digest_services, nba_services
    from workspaces.models import ActionLink, Digest, Side, Workspace

    org = ctx.org
    today = timezone.localdate()
    partnerships = _partnerships(ctx)
    if partnerships:
        certification_create(
            org=org,
            actor=manager,
            partner=partnerships[0].partner,
            name="Cloud migration specialist",
            issued_on=today - datetime.timedelta(days=345),
            expires_on=today + datetime.timedelta(days=20),
        )
    ids = list(Workspace.objects.for_org(org).order_by("pk").values_list("pk", flat=True))
    digest_services.generate_batch(
        org=org, kind="weekly", period=digest_facts.period_key("weekly", today), workspace_ids=ids, today=today
    )
    nba_services.refresh_all(org=org, today=today)
    if not partnerships:
        return
    workspace = selectors.workspace_for_partnership(org=org, partnership=partnerships[0])
    manager_access = selectors.workspace_access(user=manager, workspace=workspace)
    digest = Digest.objects.for_org(org).filter(workspace=workspace).first()
    if digest is not None and manager_access.can_edit:
        digest_services.digest_approve(access=manager_access, actor=manager, digest=digest)
        _send_and_check_in(org, digest, digest_outbox, action_links, ActionLink)
    # A partner person accepts a suggestion addressed to their side, in the first workspace that has one.
    for partnership in partnerships:
        ws = selectors.workspace_for_partnership(org=org, partnership=partnership)
        member = selectors.member_list(workspace=ws).filter(side=Side.PARTNER, role__in=["editor", "owner"]).first()
        if member is None:
            continue
        partner_access = selectors.workspace_access(user=member.user, workspace=ws)
        mine = digest_selectors.suggestions_for(access=partner_access).first()
        if mine is not None:
            nba_services.accept(org=org, actor=member.user, suggestion=mine, access=partner_access)
            break
    vendor_side = digest_selectors.attention_list(org=org).filter(side="vendor").first()
    if vendor_side is not None:
        nba_services.dismiss(
            org=org, actor=manager, suggestion=vendor_side, reason="Already planned at the last steering committee."
        )


LINK_RE = re.compile(r"/w/links/([\w-]+)/")


def _send_and_check_in(org, digest, digest_outbox, action_links, ActionLink) -> None:
    """Send the approved digest to an in-memory mailbox, then let its partner reader use their check-in link."""
    from django.core import mail

    from plans.models import KeyResult

    before = len(getattr(mail, "outbox", []))
    digest_outbox.outbox_send(org=org, digest_ids=[digest.pk], backend="django.core.mail.backends.locmem.EmailBackend")
    for message in mail.outbox[before:]:
        for raw in LINK_RE.findall(message.body):
            link = action_links.link_by_token(raw)
            if (
                link is None
                or link.action != ActionLink.Action.CHECKIN
                or link.user.memberships.filter(organization=org).exists()
            ):
                continue
            kr = KeyResult.objects.for_org(org).get(pk=link.target_id)
            now = kr.current_value or Decimal(0)
            step = max(Decimal(1), ((kr.target or now + 10) - now) / 10).quantize(Decimal(1))
            action_links.perform(raw=raw, data={"value": str(now + step), "note": "Updated from the weekly digest."})
            del mail.outbox[before:]
            return
    del mail.outbox[before:]
