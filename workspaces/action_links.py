"""One-click actions from a digest e-mail, without a password.

A link is a random token; only its SHA-256 is stored (`ActionLink.token_hash`), with the person it was
sent to, the action, its target, an expiry and, once used, when. `resolve` explains why a link cannot be
used (unknown or tampered, expired, already used, signed in as someone else, no longer a member, target
gone) and `perform` does the action as the link's person through the same workspace services as the
pages, so it is checked (side, role, open plan) and audited as that person. A write happens in one
transaction with marking the link used: a bad value writes nothing and leaves the link usable.

Deliberate cross-tenant read: `link_by_token` finds the link by its hash in any organization, because the
token in the e-mailed URL is what tells which organization it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plans.models import Activity, KeyResult, Plan
from pom import rls
from pom.audit import audit_action
from workspaces import selectors, services
from workspaces.models import ActionLink


class LinkRefused(Exception):
    """The link cannot be used; `reason` says why in words for the person holding it, `status` the HTTP code."""

    def __init__(self, reason: str, status: int = 400):
        super().__init__(reason)
        self.reason, self.status = reason, status


@dataclass
class Resolved:
    link: ActionLink
    access: selectors.WorkspaceAccess
    target: object | None


def link_by_token(raw: str) -> ActionLink | None:
    """The link with this token in any organization (the token decides the tenant)."""
    with rls.all_organizations("an e-mail action link is found by its token's hash"):
        link = (
            ActionLink.objects.select_related("user", "workspace__organization", "digest")
            .filter(token_hash=services.hash_token(raw or ""))
            .first()
        )
    return rls.admit(link)


def _target(link: ActionLink):
    org = link.workspace.organization_id
    ids = set(selectors.workspace_partnership_ids(workspace=link.workspace))
    model = {
        ActionLink.Action.CHECKIN: KeyResult,
        ActionLink.Action.ACTIVITY_DONE: Activity,
        ActionLink.Action.PLAN_APPROVE: Plan,
    }.get(link.action)
    if model is None:
        return None
    qs = model.objects.for_org(org).filter(pk=link.target_id)
    if model is Plan:
        qs = qs.filter(partnership_id__in=ids)
    else:
        qs = qs.select_related("plan").filter(plan__partnership_id__in=ids)
    obj = qs.first()
    if obj is None:
        raise LinkRefused(_("What this link points to no longer exists in this workspace."), 410)
    return obj


def resolve(*, raw: str, request_user=None, for_write: bool = True) -> Resolved:
    """The link behind `raw` if it can be used now by its person, else `LinkRefused` saying why."""
    link = link_by_token(raw)
    if link is None:
        raise LinkRefused(_("This link is not valid. Check that it was copied whole from the e-mail."), 404)
    if link.expires_at <= timezone.now():
        raise LinkRefused(_("This link has expired. The next digest will bring fresh links."), 410)
    if for_write and link.is_write and link.used_at is not None:
        raise LinkRefused(
            _("This link was already used on %(when)s; each action link works once.")
            % {"when": timezone.localtime(link.used_at).strftime("%Y-%m-%d %H:%M")},
            410,
        )
    if getattr(request_user, "is_authenticated", False) and request_user.pk != link.user_id:
        raise LinkRefused(
            _("This link was sent to someone else. You are signed in as %(you)s; only its recipient can use it.")
            % {"you": request_user.email},
            403,
        )
    if not link.user.is_active:
        raise LinkRefused(_("The account this link was sent to is deactivated."), 403)
    access = selectors.workspace_access(user=link.user, workspace=link.workspace)
    if access is None:
        raise LinkRefused(_("The person this link was sent to no longer has access to this workspace."), 403)
    return Resolved(link=link, access=access, target=_target(link))


def _value(text: str, kr: KeyResult) -> Decimal:
    try:
        value = Decimal(str(text).strip().replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": _("Enter a number, for example 42 or 12.5.")}) from None
    if not value.is_finite():
        raise ValidationError({"value": _("Enter a number, for example 42 or 12.5.")})
    if abs(value) >= Decimal(10) ** 14:
        raise ValidationError({"value": _("Enter a number below 100,000,000,000,000.")})
    return value.quantize(Decimal("0.01"))


def perform(*, raw: str, data: dict, request_user=None):
    """Do the link's action as its person; returns what changed. Raises `LinkRefused` or `ValidationError`."""
    with transaction.atomic():
        resolved = resolve(raw=raw, request_user=request_user)
        link = ActionLink.objects.select_for_update().get(pk=resolved.link.pk)
        if link.is_write and link.used_at is not None:
            raise LinkRefused(_("This link was already used; each action link works once."), 410)
        user, access, target = link.user, resolved.access, resolved.target
        try:
            if link.action == ActionLink.Action.CHECKIN:
                value = _value(data.get("value", ""), target)
                result = services.checkin_post(
                    access=access, actor=user, key_result=target, value=value, note=str(data.get("note", ""))[:2000]
                )
            elif link.action == ActionLink.Action.ACTIVITY_DONE:
                if target.status == Activity.Status.DONE:
                    raise ValidationError({"status": _("This activity is already done.")})
                result = services.activity_update(access=access, actor=user, activity=target, data={"status": "done"})
            elif link.action == ActionLink.Action.PLAN_APPROVE:
                result = services.plan_approve(access=access, actor=user, plan=target, note=str(data.get("note", "")))
            elif link.action == ActionLink.Action.MUTE:
                from workspaces.digest_services import digest_mute_set

                result = digest_mute_set(access=access, user=user, muted=True)
            else:
                result = None
        except PermissionDenied as exc:
            raise LinkRefused(str(exc), 403) from None
        link.used_at = timezone.now()
        link.save(update_fields=["used_at", "updated_at"])
        audit_action(
            org=link.workspace.organization,
            actor=user,
            obj=link,
            verb=f"action_link.{link.action}",
            changes={"target_id": link.target_id, "via": "e-mail link"},
        )
    return link, result
