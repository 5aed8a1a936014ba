"""Points: rules per program and activity, the ledger per partnership, four-eyes manual awards, expiry.

Automatic awards come from events POM records (`partners.events` turns `pom.hooks.emit` events into
`points_award_for_event`); each award names its source (`source_key`, e.g. `certification:12`), so an
event seen twice awards once. Manual awards and corrections need a reason and are only counted once
a second person approves them. Points expire `Program.points_expiry_months` after they were earned:
the daily `points_expire` task writes one expiry line per expired award.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partnership, PointActivity, PointEntry, PointRule, Program
from pom.audit import Actor, actor_label, audit_action, create_instance, update_fields
from pom.models import Membership, Organization, Role, User, role_at_least


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def points_for_rule(*, rule: PointRule, amount: Decimal | None = None) -> tuple[int, str]:
    """Points a rule gives for one occurrence, and the sentence that explains them.

    A deal-won rule with `per_amount` gives `points` for every full `per_amount` of the deal
    (floor(amount / per_amount) × points: 25,000 at 10 points per 10,000 gives 20); every other rule
    gives its `points` once per occurrence.
    """
    if rule.activity == PointActivity.DEAL_WON and rule.per_amount:
        blocks = int((Decimal(amount or 0) / rule.per_amount).to_integral_value(rounding=ROUND_FLOOR))
        points = blocks * rule.points
        return points, _("%(amount)s won ÷ %(per)s = %(blocks)s × %(points)s points = %(total)s") % {
            "amount": f"{Decimal(amount or 0):,.2f}",
            "per": f"{rule.per_amount:,.2f}",
            "blocks": blocks,
            "points": rule.points,
            "total": points,
        }
    return rule.points, _("%(points)s points for “%(rule)s”") % {"points": rule.points, "rule": rule.name}


def expiry_date(*, program: Program, earned_on: datetime.date) -> datetime.date | None:
    """When points earned on `earned_on` expire: `points_expiry_months` later, or never when it is 0."""
    if not program.points_expiry_months:
        return None
    return add_months(earned_on, program.points_expiry_months)


# Reads ------------------------------------------------------------------------------------------


def point_rule_list(*, org: Organization, program: Program | None = None) -> QuerySet[PointRule]:
    rules = PointRule.objects.for_org(org).select_related("program")
    return rules.filter(program=program) if program is not None else rules


def point_entry_list(
    *, org: Organization, partnership_ids: Iterable[int] | None = None, status: str | None = None
) -> QuerySet[PointEntry]:
    """Ledger lines, newest first, with their rule, partnership and approver."""
    entries = PointEntry.objects.for_org(org).select_related(
        "rule", "partnership__partner", "partnership__program", "approved_by", "requested_by"
    )
    if partnership_ids is not None:
        entries = entries.filter(partnership_id__in=list(partnership_ids))
    if status:
        entries = entries.filter(status=status)
    return entries


def point_balances(*, org: Organization, partnership_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Approved points per partnership (awards, approved manual lines and corrections, minus expiries): one query."""
    entries = PointEntry.objects.for_org(org).filter(status=PointEntry.Status.APPROVED)
    if partnership_ids is not None:
        entries = entries.filter(partnership_id__in=list(partnership_ids))
    rows = entries.values("partnership_id").annotate(total=Sum("points"))
    return {row["partnership_id"]: row["total"] or 0 for row in rows}


def point_balance(*, org: Organization, partnership: Partnership) -> int:
    """A partnership's current balance: the sum of its approved ledger lines."""
    return point_balances(org=org, partnership_ids=[partnership.pk]).get(partnership.pk, 0)


def points_expiring(*, org: Organization, partnership: Partnership, within_days: int = 90) -> int:
    """Points of approved awards that expire in the next `within_days` days and have not expired yet."""
    today = timezone.localdate()
    total = (
        _unexpired_awards(org)
        .filter(partnership=partnership, expires_on__gt=today, expires_on__lte=today + datetime.timedelta(within_days))
        .aggregate(t=Sum("points"))["t"]
    )
    return total or 0


def _unexpired_awards(org: Organization) -> QuerySet[PointEntry]:
    expired = PointEntry.objects.for_org(org).filter(expired_entry=OuterRef("pk"))
    return (
        PointEntry.objects.for_org(org)
        .filter(status=PointEntry.Status.APPROVED, points__gt=0, expires_on__isnull=False)
        .exclude(kind=PointEntry.Kind.EXPIRY)
        .filter(~Exists(expired))
    )


# Rules ------------------------------------------------------------------------------------------


def _check_rule(rule: PointRule) -> None:
    if rule.activity == PointActivity.DEAL_WON and rule.per_amount is not None and rule.per_amount <= 0:
        raise ValidationError({"per_amount": _("The amount per block of points must be above zero.")})
    if rule.activity != PointActivity.DEAL_WON and rule.per_amount is not None:
        raise ValidationError({"per_amount": _("Only deal-won rules give points per amount.")})
    if not rule.points:
        raise ValidationError({"points": _("A rule must give at least one point.")})


@transaction.atomic
def point_rule_create(
    *,
    org: Organization,
    actor: Actor,
    program: Program,
    activity: str,
    name: str,
    points: int,
    per_amount: Decimal | None = None,
    is_active: bool = True,
) -> PointRule:
    """Add a point rule to a program. Audited."""
    if program.organization_id != org.id:
        raise ValidationError({"program": _("Unknown program.")})
    rule = PointRule(
        organization=org,
        program=program,
        activity=activity,
        name=(name or "").strip(),
        points=points,
        per_amount=per_amount,
        is_active=is_active,
    )
    if PointRule.objects.for_org(org).filter(program=program, name__iexact=rule.name).exists():
        raise ValidationError(
            {
                "name": _("%(program)s already has a rule named “%(name)s”.")
                % {"program": program.name, "name": rule.name}
            }
        )
    _check_rule(rule)
    return create_instance(org=org, actor=actor, instance=rule)


@transaction.atomic
def point_rule_update(*, org: Organization, actor: Actor, rule: PointRule, data: dict) -> PointRule:
    """Change a rule's name, points, amount or activity; past ledger lines keep what they gave. Audited."""
    data = {k: v for k, v in data.items() if k in ("activity", "name", "points", "per_amount", "is_active")}
    proposed = copy.copy(rule)  # validate the new values; the audit snapshots `rule` before they apply
    for key, value in data.items():
        setattr(proposed, key, value)
    _check_rule(proposed)
    return update_fields(org=org, actor=actor, instance=rule, data=data)


# Awards -----------------------------------------------------------------------------------------


def _award(
    *,
    org: Organization,
    partnership: Partnership,
    rule: PointRule,
    points: int,
    occurred_on: datetime.date,
    evidence: str,
    source_key: str,
    approved_label: str,
) -> PointEntry | None:
    """One automatic ledger line; None when this source was already awarded (an event seen twice)."""
    if points <= 0:
        return None
    if PointEntry.objects.for_org(org).filter(partnership=partnership, source_key=source_key).exists():
        return None
    entry = PointEntry(
        organization=org,
        partnership=partnership,
        rule=rule,
        kind=PointEntry.Kind.AWARD,
        status=PointEntry.Status.APPROVED,
        points=points,
        occurred_on=occurred_on,
        expires_on=expiry_date(program=partnership.program, earned_on=occurred_on),
        evidence=evidence[:500],
        source_key=source_key[:120],
        approved_at=timezone.now(),
        approved_label=approved_label[:200],
    )
    entry.full_clean()
    try:
        with transaction.atomic():  # a concurrent award of the same source loses quietly
            entry.save()
    except IntegrityError:
        return None
    return entry


def points_award_for_event(
    *,
    org: Organization,
    partnerships: Iterable[Partnership],
    activity: str,
    source_key: str,
    occurred_on: datetime.date,
    evidence: str,
    amount: Decimal | None = None,
) -> list[PointEntry]:
    """Award every active rule of `activity` in each partnership's program, once per source.

    Called inside the transaction of the event (see `partners.events`). Rules of a program the
    partnership is not in never apply. Returns the lines written.
    """
    partnerships = [p for p in partnerships if p.organization_id == org.id]
    if not partnerships:
        return []
    rules = list(
        PointRule.objects.for_org(org).filter(
            program_id__in={p.program_id for p in partnerships}, activity=activity, is_active=True
        )
    )
    written = []
    for partnership in partnerships:
        for rule in rules:
            if rule.program_id != partnership.program_id:
                continue
            points, why = points_for_rule(rule=rule, amount=amount)
            entry = _award(
                org=org,
                partnership=partnership,
                rule=rule,
                points=points,
                occurred_on=occurred_on,
                evidence=f"{evidence} · {why}",
                source_key=f"{source_key}:rule{rule.pk}",
                approved_label=_("Automatic: rule “%(rule)s”") % {"rule": rule.name},
            )
            if entry is not None:
                written.append(entry)
    return written


def _is_manager(org: Organization, user: User) -> bool:
    role = Membership.objects.for_org(org).filter(user=user).values_list("role", flat=True).first()
    return role is not None and role_at_least(role, Role.MANAGER)


@transaction.atomic
def point_manual_request(
    *,
    org: Organization,
    actor: Actor,
    partnership: Partnership,
    points: int,
    reason: str,
    evidence: str = "",
    occurred_on: datetime.date | None = None,
    rule: PointRule | None = None,
) -> PointEntry:
    """Ask for a manual award (points > 0) or correction (points < 0): pending until someone else approves.

    A reason is required; nothing is counted in the balance before the approval. Audited.
    """
    if partnership.organization_id != org.id:
        raise ValidationError({"partnership": _("Unknown partnership.")})
    if rule is not None and rule.program_id != partnership.program_id:
        raise ValidationError({"rule": _("This rule belongs to another program.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why these points are awarded or corrected.")})
    if not points:
        raise ValidationError({"points": _("Give a number of points other than zero.")})
    occurred_on = occurred_on or timezone.localdate()
    entry = PointEntry(
        organization=org,
        partnership=partnership,
        rule=rule,
        kind=PointEntry.Kind.MANUAL if points > 0 else PointEntry.Kind.CORRECTION,
        status=PointEntry.Status.PENDING,
        points=points,
        occurred_on=occurred_on,
        expires_on=expiry_date(program=partnership.program, earned_on=occurred_on) if points > 0 else None,
        evidence=evidence[:500],
        reason=reason,
        requested_by=actor if isinstance(actor, User) else None,
    )
    return create_instance(org=org, actor=actor, instance=entry)


@transaction.atomic
def point_manual_decide(
    *, org: Organization, actor: Actor, entry: PointEntry, approve: bool, note: str = ""
) -> PointEntry:
    """Approve or reject a pending manual line: by a manager who did not request it (four eyes). Audited."""
    entry = PointEntry.objects.for_org(org).select_for_update().get(pk=entry.pk)
    if entry.status != PointEntry.Status.PENDING:
        raise ValidationError({"status": _("This line was already decided.")})
    if not isinstance(actor, User):
        raise ValidationError({"approved_by": _("A person approves manual points, not an API key.")})
    if entry.requested_by_id == actor.pk:
        raise ValidationError({"approved_by": _("Someone other than the requester must approve these points.")})
    if not _is_manager(org, actor):
        raise ValidationError({"approved_by": _("Approving points needs the manager role.")})
    data = {
        "status": PointEntry.Status.APPROVED if approve else PointEntry.Status.REJECTED,
        "approved_by": actor,
        "approved_at": timezone.now(),
        "approved_label": actor_label(actor)[:200],
    }
    if note:
        data["reason"] = f"{entry.reason}\n{_('Decision')}: {note}"
    return update_fields(org=org, actor=actor, instance=entry, data=data)


@transaction.atomic
def points_bulk_award(*, org: Organization, actor: Actor, items: list[dict]) -> dict:
    """Award points synced from an LMS or another system, all or nothing, keyed by `external_id`.

    Each item: partnership (a Partnership of `org`), rule (PointRule of its program), external_id,
    occurred_on, evidence, optional amount (deal-won rules). An item already synced is skipped, so a
    sync can be replayed. Errors come back per item index and nothing is written.
    """
    errors: dict[int, dict] = {}
    for index, item in enumerate(items):
        partnership, rule = item["partnership"], item["rule"]
        if rule.program_id != partnership.program_id:
            errors[index] = {
                "rule": [
                    _("Rule “%(rule)s” is not a rule of %(program)s.")
                    % {"rule": rule.name, "program": partnership.program.name}
                ]
            }
        elif not str(item.get("external_id", "")).strip():
            errors[index] = {"external_id": [_("Give the id the item has in the source system.")]}
    if errors:
        return {"created": 0, "skipped": 0, "errors": errors}
    label = _("Synced by %(actor)s") % {"actor": actor_label(actor)}
    created = skipped = 0
    for item in items:
        partnership, rule = item["partnership"], item["rule"]
        points, why = points_for_rule(rule=rule, amount=item.get("amount"))
        entry = _award(
            org=org,
            partnership=partnership,
            rule=rule,
            points=points,
            occurred_on=item["occurred_on"],
            evidence=f"{item.get('evidence') or ''} · {why}".strip(" ·"),
            source_key=f"sync:{str(item['external_id']).strip()}",
            approved_label=label,
        )
        created, skipped = (created + 1, skipped) if entry else (created, skipped + 1)
    if created:
        audit_action(org=org, actor=actor, obj=org, verb="points synced", changes={"created": created})
    return {"created": created, "skipped": skipped, "errors": {}}


def points_expire(*, org: Organization, today: datetime.date | None = None) -> int:
    """Write one expiry line for every approved award whose expiry date has passed; returns how many.

    Set-based and safe to run twice: the awards still unexpired are read in one query and the expiry
    lines written in one insert; the source key `expiry:<award id>` is unique per partnership.
    """
    today = today or timezone.localdate()
    due = list(
        _unexpired_awards(org).filter(expires_on__lte=today).values("pk", "partnership_id", "points", "expires_on")
    )
    lines = [
        PointEntry(
            organization=org,
            partnership_id=row["partnership_id"],
            kind=PointEntry.Kind.EXPIRY,
            status=PointEntry.Status.APPROVED,
            points=-row["points"],
            occurred_on=row["expires_on"],
            evidence=_("Points earned more than the program's expiry period ago"),
            source_key=f"expiry:{row['pk']}",
            expired_entry_id=row["pk"],
            approved_label=_("Automatic: expiry"),
            approved_at=timezone.now(),
        )
        for row in due
    ]
    created = PointEntry.objects.bulk_create(lines, ignore_conflicts=True)
    return len(created)


def org_ids_with_expiring_points(*, today: datetime.date | None = None) -> list[int]:
    """Organizations that have awards past their expiry date.

    Cross-tenant on purpose: beat fans the expiry out only to organizations with work to do.
    """
    today = today or timezone.localdate()
    expired = PointEntry.objects.filter(expired_entry=OuterRef("pk"))
    return sorted(
        set(
            PointEntry.objects.filter(status=PointEntry.Status.APPROVED, points__gt=0, expires_on__lte=today)
            .exclude(kind=PointEntry.Kind.EXPIRY)
            .filter(~Exists(expired))
            .values_list("organization_id", flat=True)
        )
    )
