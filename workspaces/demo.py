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
    # Account mapping and co-sell need the partner people made above (workspaces.mapping_demo).
    from workspaces.mapping_demo import seed_mapping

    seed_mapping(ctx)
