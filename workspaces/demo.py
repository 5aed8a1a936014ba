"""Demo workspaces: partner contacts of a few partnerships become partner-side members with a password,
so a tester can log in as a partner; plus comments, an internal note, a file and notifications."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partners.models import Contact, Partnership
from pom.models import Role
from workspaces import selectors, services
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
            _invitation, raw = services.invitation_create(
                access=access, actor=owner, email=user.email, role=role, side="partner", send=False
            )
            services.invitation_accept(raw_token=raw, user=user)
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


def _seed_digests_and_actions(ctx, *, owner, manager) -> None:
    """Digests drafted for every workspace, the first partner workspace's approved and sent by the
    manager; next best actions computed, one accepted by the partner's own person, one dismissed by the
    manager with a reason."""
    from workspaces import digest_facts, digest_selectors, digest_services, nba_services
    from workspaces.models import Digest, Side, Workspace

    org = ctx.org
    today = timezone.localdate()
    ids = list(Workspace.objects.for_org(org).order_by("pk").values_list("pk", flat=True))
    digest_services.generate_batch(
        org=org, kind="weekly", period=digest_facts.period_key("weekly", today), workspace_ids=ids, today=today
    )
    nba_services.refresh_all(org=org, today=today)
    partnerships = _partnerships(ctx)
    if not partnerships:
        return
    workspace = selectors.workspace_for_partnership(org=org, partnership=partnerships[0])
    manager_access = selectors.workspace_access(user=manager, workspace=workspace)
    digest = Digest.objects.for_org(org).filter(workspace=workspace).first()
    if digest is not None and manager_access.can_edit:
        digest_services.digest_approve(access=manager_access, actor=manager, digest=digest)
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
