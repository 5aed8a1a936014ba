"""The digest outbox: each recipient's e-mail rendered with their name, language and action links, and
sent exactly once (claim, send, mark; see docs/digests.md and `outbox_send`)."""

from __future__ import annotations

import datetime
import secrets
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pom.models import Membership, Organization, User
from workspaces import digest_writer
from workspaces.models import ActionLink, Digest, DigestKind, DigestMail, NotificationPreference, Side
from workspaces.services import hash_token


def _language(pref: NotificationPreference | None, user=None) -> str:
    """The digest preference's language, else the person's own (User.language), else the default."""
    return (pref.language if pref and pref.language else "") or getattr(user, "language", "") or settings.LANGUAGE_CODE


def _links_for(digest: Digest, user: User, side: str, *, create: bool, sink: list | None = None) -> dict:
    """The action links of one recipient: check-ins they may post, activities they may close, the plan
    they may approve, and the workspace. With `create=False` (previews) no token is written."""
    facts = digest.facts
    mine = ("partner", "both") if side == Side.PARTNER else ("vendor", "both", "partner")
    plan_side = "partner_approved" if side == Side.PARTNER else "vendor_approved"
    wanted = [(ActionLink.Action.OPEN, None), (ActionLink.Action.MUTE, None)]
    wanted += [
        (ActionLink.Action.CHECKIN, kr["id"])
        for kr in facts.get("key_results", [])
        if kr["responsible_side"] in mine and kr["started"]
    ]
    wanted += [
        (ActionLink.Action.ACTIVITY_DONE, a["id"])
        for a in facts.get("activities_overdue", []) + facts.get("activities_next", [])
        if a["owner_side"] in mine
    ]
    wanted += [
        (ActionLink.Action.PLAN_APPROVE, p["id"])
        for p in facts.get("plans", [])
        if p["status"] in ("draft", "proposed") and not p[plan_side]
    ]
    links, rows = {}, []
    expires = timezone.now() + datetime.timedelta(days=settings.POM_DIGEST_LINK_DAYS)
    link_base = settings.SITE_URL + reverse("workspaces:action_link", args=["TOKEN"])
    placeholder = (
        _("[the personal link in the e-mail]")
        if digest.status == Digest.Status.SENT
        else _("[a personal link, made when the e-mail is sent]")
    )
    for action, target in wanted:
        if not create:
            links[(action, target)] = placeholder
            continue
        raw = secrets.token_urlsafe(24)
        rows.append(
            ActionLink(
                organization_id=digest.organization_id,
                token_hash=hash_token(raw),
                user=user,
                workspace_id=digest.workspace_id,
                digest=digest,
                action=action,
                target_id=target,
                expires_at=expires,
            )
        )
        links[(action, target)] = link_base.replace("TOKEN", raw)
    if sink is not None:
        sink.extend(rows)  # the caller inserts the links of a whole batch at once
    else:
        ActionLink.objects.bulk_create(rows)
    return links


def text_for(digest: Digest, language: str) -> tuple[str, str]:
    """Subject and text of the digest in `language`.

    A template-written digest nobody edited is written again from its facts in the recipient's language
    (same facts, same seed: the same sentences, translated, with figures formatted for that language).
    A text a person edited, or the language model wrote, is sent as approved, in the organization's language.
    """
    if digest.writer != "template" or digest.edited_at is not None or language == settings.LANGUAGE_CODE:
        return digest.subject, digest.body
    with translation.override(language):
        subject, body = digest_writer.write(
            kind=digest.kind, facts=digest.facts, seed=f"{digest.facts['workspace']['id']}:{digest.period}"
        )
    return subject[:200], body


_LOOKUP = object()


def render_mail(
    *, digest: Digest, user: User, side: str, create_links: bool, pref=_LOOKUP, link_sink: list | None = None
) -> dict:
    """Subject, text and HTML of the digest as `user` receives it: their name, their language, their links.

    `pref` (the person's NotificationPreference or None) and `link_sink` let the outbox render a whole
    batch with its reads done once and its links inserted at once."""
    if pref is _LOOKUP:
        pref = NotificationPreference.objects.filter(user=user).first()
    language = _language(pref, user)
    links = _links_for(digest, user, side, create=create_links, sink=link_sink)
    facts = digest.facts
    vendor = side == Side.VENDOR

    def url(row):
        return settings.SITE_URL + (row.get("vendor_url") if vendor and row.get("vendor_url") else row["url"])

    with translation.override(language):
        subject, body = text_for(digest, language)
        key_results = [
            {
                **kr,
                "line": digest_writer.kr_line(kr),
                "url": url(kr),
                "checkin_link": links.get((ActionLink.Action.CHECKIN, kr["id"])),
            }
            for kr in facts.get("key_results", [])
            if kr["started"] or digest.kind == DigestKind.OKR_REMINDER
        ]
        activities = [
            {**a, "url": url(a), "done_link": links.get((ActionLink.Action.ACTIVITY_DONE, a["id"]))}
            for a in facts.get("activities_overdue", []) + facts.get("activities_next", [])
        ]
        context = {
            "digest": digest,
            "name": user.name or user.email,
            "body": body,
            "paragraphs": [p for p in body.split("\n\n") if p.strip()],
            "key_results": key_results,
            "activities": activities,
            "done": [{**a, "url": url(a)} for a in facts.get("activities_done", [])],
            "deals": [
                {**row, "url": url(row)}
                for row in facts.get("wins", []) + facts.get("opportunities_new", []) + facts.get("registrations", [])
            ],
            "plans": [
                {**p, "url": url(p), "approve_link": links.get((ActionLink.Action.PLAN_APPROVE, p["id"]))}
                for p in facts.get("plans", [])
            ],
            "open_link": links.get((ActionLink.Action.OPEN, None)),
            "mute_link": links.get((ActionLink.Action.MUTE, None)),
            "preferences_url": settings.SITE_URL + reverse("workspaces:preferences"),
            "fmt": digest_writer.fmt,
            "language": language,
        }
        text = render_to_string("workspaces/email/partnership_digest.txt", context)
        html = render_to_string("workspaces/email/partnership_digest.html", context)
    return {
        "subject": subject,
        "text": text,
        "html": html,
        "language": language,
        "mute_link": context["mute_link"],
    }


OUTBOX_BATCH = 100


def outbox_send(*, org: Organization, digest_ids=None, progress=None, backend: str | None = None) -> dict:
    """Send every queued outbox row (of `digest_ids`, or of the whole organization). Safe to run twice.

    By batches of 100: the rows, their digests, people, sides and preferences are read at once, each mail
    is rendered and the batch's action links inserted. Then for each mail:
    1. claim it with a conditional update (queued -> sending, its Message-ID), committed on its own;
    2. send it through Django's mail backend (one connection per batch);
    3. mark it sent.
    A crash between 1 and 3 leaves one row "sending", never sent again automatically (docs/digests.md).
    Digests with nothing left queued become "sent". `backend` overrides the mail backend (the demo
    sends to an in-memory mailbox).
    """
    queued = DigestMail.objects.for_org(org).filter(status=DigestMail.Status.QUEUED)
    if digest_ids is not None:
        queued = queued.filter(digest_id__in=list(digest_ids))
    ids = list(queued.order_by("pk").values_list("pk", flat=True))
    sent = 0
    domain = settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "pom.localhost"
    for start in range(0, len(ids), OUTBOX_BATCH):
        mails = list(
            DigestMail.objects.for_org(org)
            .filter(pk__in=ids[start : start + OUTBOX_BATCH], status=DigestMail.Status.QUEUED)
            .select_related("digest", "user")
            .order_by("pk")
        )
        user_ids = {m.user_id for m in mails}
        vendor_ids = set(Membership.objects.for_org(org).filter(user_id__in=user_ids).values_list("user_id", flat=True))
        prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}
        links: list[ActionLink] = []
        rendered = {
            m.pk: render_mail(
                digest=m.digest,
                user=m.user,
                side=Side.VENDOR if m.user_id in vendor_ids else Side.PARTNER,
                create_links=True,
                pref=prefs.get(m.user_id),
                link_sink=links,
            )
            for m in mails
        }
        # Inserted before any claim: links of a row another worker sends instead are never mailed and expire.
        ActionLink.objects.bulk_create(links)
        with get_connection(backend) as connection:
            for m in mails:
                message_id = f"<digest-mail-{org.pk}-{m.pk}@{domain}>"
                claimed = DigestMail.objects.for_org(org).filter(pk=m.pk, status=DigestMail.Status.QUEUED)
                if not claimed.update(
                    status=DigestMail.Status.SENDING, claimed_at=timezone.now(), message_id=message_id
                ):
                    continue
                content = rendered[m.pk]
                message = EmailMultiAlternatives(
                    subject=content["subject"],
                    body=content["text"],
                    to=[m.email],
                    headers={"Message-ID": message_id, "List-Unsubscribe": f"<{content['mute_link']}>"},
                    connection=connection,
                )
                message.attach_alternative(content["html"], "text/html")
                try:
                    message.send()
                except smtplib.SMTPRecipientsRefused:
                    # The server said no before taking the message: nothing left, say so and go on.
                    DigestMail.objects.for_org(org).filter(pk=m.pk, status=DigestMail.Status.SENDING).update(
                        status=DigestMail.Status.SKIPPED,
                        note=_("The mail server refused the address %(email)s; nothing was sent.") % {"email": m.email},
                    )
                    continue
                DigestMail.objects.for_org(org).filter(pk=m.pk, status=DigestMail.Status.SENDING).update(
                    status=DigestMail.Status.SENT, sent_at=timezone.now()
                )
                sent += 1
        if progress is not None:
            progress.update(message=_("%(n)s of %(total)s e-mails sent") % {"n": sent, "total": len(ids)})
    finished = (
        Digest.objects.for_org(org)
        .filter(status=Digest.Status.APPROVED)
        .exclude(mails__status=DigestMail.Status.QUEUED)
    )
    if digest_ids is not None:
        finished = finished.filter(pk__in=list(digest_ids))
    Digest.objects.for_org(org).filter(pk__in=list(finished.values_list("pk", flat=True))).update(
        status=Digest.Status.SENT, sent_at=timezone.now()
    )
    return {"sent": sent}
