"""Writes on digests: generation in batches, the review workflow, the outbox, preferences and settings.

Exactly once (see docs/digests.md):
1. A digest is one row per (workspace, kind, period), inserted with ON CONFLICT DO NOTHING: a run that is
   restarted, or two runs at once, write each digest once.
2. Each recipient gets one `DigestMail` row (unique per digest and person), created when the digest is
   approved (by a person, or at once in auto-send mode).
3. `digest_outbox.outbox_send` claims a row with a conditional update (queued -> sending) and commits before the mail
   leaves, sends it through Django's mail backend, then marks it sent. A crash after the claim leaves the
   row "sending": POM never sends it again on its own (a person sees "delivery not confirmed" and may
   resend), so no recipient ever gets a digest twice.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pom import jobs
from pom.audit import Actor, actor_label, audit_action, update_fields
from pom.common import actor_user
from pom.models import Job, Membership, Organization, User
from workspaces import digest_facts, digest_writer
from workspaces.digest_outbox import outbox_send
from workspaces.models import (
    Digest,
    DigestKind,
    DigestMail,
    DigestMute,
    DigestSettings,
    NotificationPreference,
    Side,
    Workspace,
    WorkspaceMember,
)
from workspaces.selectors import WorkspaceAccess

CHUNK = 250
JOB_KIND = "workspaces.digests"
SEND_JOB_KIND = "workspaces.digest_send"


def settings_for(*, org: Organization) -> DigestSettings:
    """The organization's digest settings, created with defaults on first use."""
    row = DigestSettings.objects.for_org(org).first()
    if row is None:
        row, _created = DigestSettings.objects.get_or_create(organization=org)
    return row


@transaction.atomic
def settings_update(*, org: Organization, actor: Actor, data: dict) -> DigestSettings:
    """Change review-first / auto-send, the LLM writer, the rules and kinds switched off. Audited."""
    row = settings_for(org=org)
    settings_check(data)
    return update_fields(org=org, actor=actor, instance=row, data=data)


def settings_check(data: dict) -> None:
    """ValidationError naming the field when `data` switches off rules or kinds that do not exist."""
    from workspaces.nba_rules import rule_codes

    errors = {}
    for name, known, message in (
        ("disabled_rules", rule_codes(), _("Unknown rules: %(codes)s")),
        ("disabled_kinds", DigestKind.values, _("Unknown digest kinds: %(codes)s")),
    ):
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors[name] = _('A list of codes, for example ["kr_behind"].')
            continue
        unknown = set(value) - set(known)
        if unknown:
            errors[name] = message % {"codes": ", ".join(sorted(unknown))}
    if errors:
        raise ValidationError(errors)


# Generation ---------------------------------------------------------------------------------------


def _applies(kind: str, facts: dict) -> bool:
    if kind == DigestKind.OPPORTUNITY:
        return facts["deal_room"] is not None
    if kind == DigestKind.OKR_REMINDER:
        return any(kr["checkin_soon"] for kr in facts["key_results"])
    return facts["deal_room"] is None and bool(facts["partnerships"])


def compose(*, org: Organization, kind: str, period: str, facts: dict, llm: bool) -> tuple[str, str, str, str]:
    """(subject, body, writer, writer_note) for one workspace, in the organization's default language."""
    seed = f"{facts['workspace']['id']}:{period}"
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = digest_writer.write(kind=kind, facts=facts, seed=seed)
        if not llm:
            return subject, body, "template", ""
        text, why = digest_writer.llm_write(kind=kind, facts=facts, reference=body, language=settings.LANGUAGE_CODE)
    if text is None:
        return subject, body, "template", why[:300]
    return subject, text, "llm", ""


def generate_batch(
    *, org: Organization, kind: str, period: str, workspace_ids, today: datetime.date, job: Job | None = None
) -> int:
    """Write the digests of one batch of workspaces; returns how many were new. Safe to run twice.

    1. Facts for the whole batch in a fixed number of queries (digest_facts.gather).
    2. Texts by the deterministic writer (and the LLM writer when the organization turned it on).
    3. One insert with ON CONFLICT DO NOTHING on (organization, workspace, kind, period).
    4. In auto-send mode the new digests are approved and their outbox rows written, same transaction.
    """
    conf = settings_for(org=org)
    if kind in conf.disabled_kinds:
        return 0
    llm = conf.llm_enabled and bool(settings.POM_DIGEST_LLM_URL)
    all_facts = digest_facts.gather(org=org, workspace_ids=workspace_ids, today=today)
    auto = conf.mode == DigestSettings.Mode.AUTO_SEND
    now = timezone.now()
    rows = []
    for ws_id, facts in all_facts.items():
        if not _applies(kind, facts):
            continue
        subject, body, writer, note = compose(org=org, kind=kind, period=period, facts=facts, llm=llm)
        rows.append(
            Digest(
                organization=org,
                workspace_id=ws_id,
                kind=kind,
                period=period,
                status=Digest.Status.APPROVED if auto else Digest.Status.DRAFT,
                approved_at=now if auto else None,
                subject=subject[:200],
                body=body,
                facts=facts,
                writer=writer,
                writer_note=note,
                job=job,
            )
        )
    with transaction.atomic():
        before = Digest.objects.for_org(org).filter(kind=kind, period=period, workspace_id__in=list(all_facts)).count()
        Digest.objects.bulk_create(rows, ignore_conflicts=True)
        created = Digest.objects.for_org(org).filter(kind=kind, period=period, workspace_id__in=list(all_facts))
        new = created.count() - before
        if auto:
            outbox_create(org=org, digests=list(created.filter(status=Digest.Status.APPROVED)))
    return new


def recipients(*, org: Organization, workspaces: list[Workspace], kind: str, period_start: datetime.date) -> dict:
    """{workspace_id: [(user, side)]} who should receive a digest of `kind`, in a fixed number of queries.

    Partner-side members of the workspace, vendor-side members, and the owners of its partnerships; less
    those who muted the workspace, turned digests off, chose other kinds, or are on the monthly
    frequency when this is not the first digest of the month.
    """
    ws_ids = [w.pk for w in workspaces]
    out: dict[int, dict[int, tuple]] = defaultdict(dict)
    rows = list(WorkspaceMember.objects.for_org(org).filter(workspace_id__in=ws_ids).select_related("user"))
    vendor_members = set(
        Membership.objects.for_org(org)
        .filter(user_id__in=[m.user_id for m in rows if m.side == Side.VENDOR])
        .values_list("user_id", flat=True)
    )
    for m in rows:
        # a vendor-side row left behind by someone who left the organization gives no access: no digest
        if m.side == Side.VENDOR and m.user_id not in vendor_members:
            continue
        out[m.workspace_id][m.user_id] = (m.user, m.side)
    owners = (
        Workspace.objects.for_org(org)
        .filter(pk__in=ws_ids, partnership_links__partnership__owner__isnull=False)
        .values_list("pk", "partnership_links__partnership__owner_id")
    )
    owner_ids = {uid for _ws, uid in owners}
    members = set(Membership.objects.for_org(org).filter(user_id__in=owner_ids).values_list("user_id", flat=True))
    users = {u.pk: u for u in User.objects.filter(pk__in=members)}
    for ws_id, uid in owners:
        if uid in users:
            out[ws_id].setdefault(uid, (users[uid], Side.VENDOR))
    all_ids = {uid for per in out.values() for uid in per}
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=all_ids)}
    muted = set(DigestMute.objects.for_org(org).filter(workspace_id__in=ws_ids).values_list("workspace_id", "user_id"))
    result = {}
    for ws_id in ws_ids:
        chosen = []
        for uid, (user, side) in out.get(ws_id, {}).items():
            pref = prefs.get(uid)
            if not user.is_active or (ws_id, uid) in muted:
                continue
            if pref is not None:
                if pref.digest_frequency == NotificationPreference.DigestFrequency.OFF:
                    continue
                if pref.digest_kinds and kind not in pref.digest_kinds:
                    continue
                if pref.digest_frequency == NotificationPreference.DigestFrequency.MONTHLY and period_start.day > 7:
                    continue
            chosen.append((user, side))
        result[ws_id] = sorted(chosen, key=lambda pair: pair[0].pk)
    return result


def outbox_create(*, org: Organization, digests: list[Digest]) -> int:
    """One outbox row per recipient of each approved digest (ON CONFLICT DO NOTHING). A recipient
    without an e-mail address gets a row marked skipped that says so; the others are queued."""
    if not digests:
        return 0
    workspaces = list(Workspace.objects.for_org(org).filter(pk__in={d.workspace_id for d in digests}))
    today = timezone.localdate()
    rows = []
    per_kind: dict[str, dict] = {}
    for digest in digests:
        if digest.kind not in per_kind:
            per_kind[digest.kind] = recipients(org=org, workspaces=workspaces, kind=digest.kind, period_start=today)
        for user, _side in per_kind[digest.kind].get(digest.workspace_id, []):
            has_address = bool((user.email or "").strip())
            rows.append(
                DigestMail(
                    organization=org,
                    digest=digest,
                    user=user,
                    email=user.email or "",
                    status=DigestMail.Status.QUEUED if has_address else DigestMail.Status.SKIPPED,
                    note="" if has_address else _("This person has no e-mail address."),
                )
            )
    DigestMail.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# Workflow -----------------------------------------------------------------------------------------


def _require_vendor_editor(access: WorkspaceAccess) -> None:
    if not (access.is_vendor and access.can_edit):
        raise PermissionDenied(_("Only the vendor's editors review digests."))


_user = actor_user  # pom.common


@transaction.atomic
def digest_update(*, access: WorkspaceAccess, actor: Actor, digest: Digest, subject: str, body: str) -> Digest:
    """Edit a draft's subject and text (draft -> edited). Audited."""
    _require_vendor_editor(access)
    if digest.status not in (Digest.Status.DRAFT, Digest.Status.EDITED):
        raise ValidationError({"body": _("Only a draft can be edited; this digest is %(s)s.") % {"s": digest.status}})
    if not subject.strip():
        raise ValidationError({"subject": _("A digest needs a subject.")})
    if not body.strip():
        raise ValidationError({"body": _("A digest needs a text.")})
    return update_fields(
        org=access.workspace.organization,
        actor=actor,
        instance=digest,
        data={
            "subject": subject.strip(),
            "body": body.strip(),
            "status": Digest.Status.EDITED,
            "edited_by": _user(actor),
            "edited_at": timezone.now(),
        },
    )


@transaction.atomic
def digest_approve(*, access: WorkspaceAccess, actor: Actor, digest: Digest) -> Digest:
    """Approve a draft: its outbox rows are written and a job sends them after commit. Audited."""
    _require_vendor_editor(access)
    org = access.workspace.organization
    locked = Digest.objects.for_org(org).select_for_update().get(pk=digest.pk)
    if locked.status not in (Digest.Status.DRAFT, Digest.Status.EDITED):
        raise ValidationError({"status": _("This digest is already %(s)s.") % {"s": locked.get_status_display()}})
    locked.status, locked.approved_by, locked.approved_at = Digest.Status.APPROVED, _user(actor), timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit_action(org=org, actor=actor, obj=locked, verb="digest.approved")
    outbox_create(org=org, digests=[locked])
    request_send(org=org, actor=actor, digest=locked)
    return locked


def request_send(*, org: Organization, actor: Actor, digest: Digest) -> Job:
    from workspaces.tasks import digest_send as digest_send_task

    return jobs.job_request(
        org=org,
        kind=SEND_JOB_KIND,
        key=str(digest.pk),
        task=digest_send_task,
        actor=actor,
        scope=f"workspace:{digest.workspace_id}",
        label=_("Send the digest “%(s)s”") % {"s": digest.subject[:120]},
    )


@transaction.atomic
def mail_resend(*, access: WorkspaceAccess, actor: Actor, mail: DigestMail) -> DigestMail:
    """Queue again a mail whose delivery was not confirmed (a crash after it was claimed). Audited:
    a person decides, having checked with the recipient, since it may have arrived."""
    _require_vendor_editor(access)
    org = access.workspace.organization
    moved = (
        DigestMail.objects.for_org(org)
        .filter(pk=mail.pk, status=DigestMail.Status.SENDING)
        .update(status=DigestMail.Status.QUEUED, note=_("Queued again by %(who)s") % {"who": actor_label(actor)})
    )
    if not moved:
        raise ValidationError({"status": _("Only a mail whose delivery is not confirmed can be sent again.")})
    mail.refresh_from_db()
    audit_action(org=org, actor=actor, obj=mail, verb="digest_mail.resent")
    request_send(org=org, actor=actor, digest=mail.digest)
    return mail


# The run (pom.jobs) --------------------------------------------------------------------------------


def run_request(
    *,
    org: Organization,
    kind: str,
    today: datetime.date,
    actor: Actor = None,
    lease_seconds: int = 300,
    chunk: int = CHUNK,
) -> Job:
    """Ask for the organization's digests of `kind` for the period of `today` (one job per kind and period)."""
    from workspaces.tasks import heavy_digest_run

    period = digest_facts.period_key(kind, today)
    return jobs.job_request(
        org=org,
        kind=JOB_KIND,
        key=f"{kind}:{period}",
        task=heavy_digest_run,
        actor=actor,
        label=_("%(kind)s, %(period)s") % {"kind": DigestKind(kind).label, "period": period},
        params={"kind": kind, "period": period, "today": today.isoformat(), "chunk": chunk},
        lease_seconds=lease_seconds,
        max_attempts=10,
    )


def run_body(*, job: Job, progress) -> dict:
    """The digest run of one organization: write digests chunk by chunk, then send the queued mails.

    Each chunk is one transaction and a heartbeat; a restarted attempt skips digests already written
    (unique rows) and mails already claimed, so it only does what is left.
    """
    org = Organization.objects.get(pk=job.organization_id)
    kind, period = job.params["kind"], job.params["period"]
    today = datetime.date.fromisoformat(job.params["today"])
    ids = list(Workspace.objects.for_org(org).order_by("pk").values_list("pk", flat=True))
    done_before = set(
        Digest.objects.for_org(org).filter(kind=kind, period=period).values_list("workspace_id", flat=True)
    )
    todo = [pk for pk in ids if pk not in done_before]
    size = int(job.params.get("chunk") or CHUNK)
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    progress.update(done=0, total=len(chunks) + 1, message=_("Writing digests"))
    created = 0
    for n, chunk in enumerate(chunks, 1):
        created += generate_batch(org=org, kind=kind, period=period, workspace_ids=chunk, today=today, job=job)
        progress.update(done=n, message=_("%(n)s digests written") % {"n": created})
    digest_ids = Digest.objects.for_org(org).filter(kind=kind, period=period).values_list("pk", flat=True)
    result = outbox_send(org=org, digest_ids=list(digest_ids), progress=progress)
    return {"digests": created, "mails": result["sent"]}


def send_body(*, job: Job, progress) -> dict:
    org = Organization.objects.get(pk=job.organization_id)
    return outbox_send(org=org, digest_ids=[int(job.key)], progress=progress)


def schedule_due(*, today: datetime.date | None = None) -> int:
    """Beat (daily): ask for each organization's runs due today. Weekly and deal-room digests on Mondays,
    OKR reminders every day (at most one per workspace and week). Returns the number of jobs requested.

    Cross-tenant by design: it lists organizations and requests one job per organization and kind."""
    today = today or timezone.localdate()
    kinds = [DigestKind.OKR_REMINDER]
    if today.weekday() == 0:
        kinds = [DigestKind.WEEKLY, DigestKind.OPPORTUNITY, DigestKind.OKR_REMINDER]
    count = 0
    for org in Organization.objects.filter(pk__in=Workspace.objects.values("organization_id")):
        for kind in kinds:
            with transaction.atomic():
                run_request(org=org, kind=kind, today=today)
            count += 1
    return count


# Preferences -------------------------------------------------------------------------------------


@transaction.atomic
def digest_preference_set(*, user: User, frequency: str, kinds: list[str], language: str) -> NotificationPreference:
    """A person's digest preferences: how often, which kinds, which language."""
    if frequency not in NotificationPreference.DigestFrequency.values:
        raise ValidationError({"digest_frequency": _("Choose weekly, monthly or never.")})
    bad = set(kinds) - set(DigestKind.values)
    if bad:
        raise ValidationError({"digest_kinds": _("Unknown digest kinds: %(k)s") % {"k": ", ".join(sorted(bad))}})
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    pref, _created = NotificationPreference.objects.get_or_create(user=user)
    pref.digest_frequency, pref.digest_kinds, pref.language = frequency, sorted(kinds), language
    pref.full_clean()
    pref.save()
    return pref


@transaction.atomic
def digest_mute_set(*, access: WorkspaceAccess, user: User, muted: bool) -> bool:
    """Mute or unmute this workspace's digests for `user`."""
    org = access.workspace.organization
    rows = DigestMute.objects.for_org(org).filter(workspace=access.workspace, user=user)
    if muted:
        DigestMute.objects.get_or_create(organization=org, workspace=access.workspace, user=user)
    else:
        rows.delete()
    return muted
