"""Tier reviews: every partnership against its program's tier requirements, requirement by requirement.

Each requirement is a pure function of the partnership's facts and the tier, with a docstring shown
under "How is this computed?". The review (`tier_evaluation`, a `pom.jobs` job of kind
`partners.tier_evaluation`, nightly from beat and on demand) proposes upgrades and downgrades as
`TierMove` rows; a manager applies them (or the program applies them itself when `tier_auto_apply`),
and a downgrade waits `downgrade_grace_days` first: if the partnership is back above its tier's
requirements within the grace period, the downgrade is dismissed.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from partners import points
from partners.models import Certification, Partnership, Tier, TierMove
from pom import hooks
from pom.audit import Actor, audit_action, update_fields
from pom.models import Organization, User


@dataclass
class Facts:
    """What a review knows about one partnership, read in a fixed number of queries for all of them."""

    points: int = 0
    revenue: dict | None = None  # {currency: Decimal} won and credited in the review period
    certifications: int = 0
    references: int = 0
    fee_paid_until: datetime.date | None = None
    revenue_by_period: dict | None = None  # {months: {currency: Decimal}}, one entry per tier period length


@dataclass
class Check:
    key: str
    label: str
    required: str
    actual: str
    met: bool
    why: str
    progress: int  # 0-100, for the partner's progress bar


def _pct(actual, required) -> int:
    if not required:
        return 100
    return max(0, min(100, int(Decimal(actual) * 100 / Decimal(required))))


def check_points(*, tier: Tier, facts: Facts) -> Check | None:
    """Points: the approved balance of the ledger (awards + approved manual lines − expiries) ≥ the tier's points."""
    if not tier.required_points:
        return None
    met = facts.points >= tier.required_points
    why = _("%(actual)s of %(required)s points") % {"actual": facts.points, "required": tier.required_points}
    return Check(
        "points",
        _("Points"),
        str(tier.required_points),
        str(facts.points),
        met,
        why,
        _pct(facts.points, tier.required_points),
    )


def check_revenue(*, tier: Tier, facts: Facts) -> Check | None:
    """Revenue: won deals credited to the partnership (primary attribution model) closed in the last
    `revenue_period_months`, in the program's currency, ≥ the tier's revenue. Credit in other currencies
    is listed but not counted (POM does not convert currencies)."""
    if tier.required_revenue is None:
        return None
    currency = tier.program.currency
    revenue = facts.revenue or {}
    actual = revenue.get(currency, Decimal("0"))
    others = ", ".join(f"{amount:,.2f} {cur}" for cur, amount in sorted(revenue.items()) if cur != currency)
    why = _("%(actual)s of %(required)s %(currency)s won in the last %(months)s months") % {
        "actual": f"{actual:,.2f}",
        "required": f"{tier.required_revenue:,.2f}",
        "currency": currency,
        "months": tier.revenue_period_months,
    }
    if others:
        why += " " + _("(not counted, other currencies: %(others)s)") % {"others": others}
    return Check(
        "revenue",
        _("Revenue"),
        f"{tier.required_revenue:.2f}",
        f"{actual:.2f}",
        actual >= tier.required_revenue,
        why,
        _pct(actual, tier.required_revenue),
    )


def check_certifications(*, tier: Tier, facts: Facts) -> Check | None:
    """Certifications: the partner's certifications valid today (issued, not expired) ≥ the tier's count."""
    if not tier.required_certifications:
        return None
    why = _("%(actual)s of %(required)s valid certifications") % {
        "actual": facts.certifications,
        "required": tier.required_certifications,
    }
    return Check(
        "certifications",
        _("Certifications"),
        str(tier.required_certifications),
        str(facts.certifications),
        facts.certifications >= tier.required_certifications,
        why,
        _pct(facts.certifications, tier.required_certifications),
    )


def check_references(*, tier: Tier, facts: Facts) -> Check | None:
    """Customer references: the references recorded on the partnership ≥ the tier's count."""
    if not tier.required_references:
        return None
    why = _("%(actual)s of %(required)s customer references") % {
        "actual": facts.references,
        "required": tier.required_references,
    }
    return Check(
        "references",
        _("Customer references"),
        str(tier.required_references),
        str(facts.references),
        facts.references >= tier.required_references,
        why,
        _pct(facts.references, tier.required_references),
    )


def check_fee(*, tier: Tier, facts: Facts, today: datetime.date) -> Check | None:
    """Fee: when the tier has an annual fee, the partnership's fee must be paid up to today or later."""
    if not tier.annual_fee:
        return None
    paid = facts.fee_paid_until is not None and facts.fee_paid_until >= today
    if facts.fee_paid_until is None:
        why = _("Annual fee of %(fee)s not paid") % {"fee": f"{tier.annual_fee:,.2f}"}
    else:
        why = _("Annual fee of %(fee)s paid until %(date)s") % {
            "fee": f"{tier.annual_fee:,.2f}",
            "date": facts.fee_paid_until.isoformat(),
        }
    return Check(
        "fee",
        _("Fee paid"),
        f"{tier.annual_fee:.2f}",
        _("paid") if paid else _("not paid"),
        paid,
        why,
        100 if paid else 0,
    )


CHECKS = (check_points, check_revenue, check_certifications, check_references)


def tier_checks(*, tier: Tier, facts: Facts, today: datetime.date) -> list[Check]:
    """Every requirement of `tier` that is set, checked against `facts`."""
    results = [check(tier=tier, facts=facts) for check in CHECKS]
    results.append(check_fee(tier=tier, facts=facts, today=today))
    return [r for r in results if r is not None]


def qualifying_tier(*, tiers: list[Tier], facts: Facts, today: datetime.date) -> Tier | None:
    """The tier a partnership qualifies for: tiers are climbed in rank order, and it stops below the
    first tier with a requirement not met (the highest tier whose requirements, and those of every
    tier below it, are all met)."""
    best = None
    for tier in sorted(tiers, key=lambda t: t.rank):
        if all(check.met for check in tier_checks(tier=tier, facts=_facts_for_tier(facts, tier), today=today)):
            best = tier
        else:
            break
    return best


def how_computed() -> list[dict]:
    """The docstrings of the requirement checks, for the "How is this computed?" panels."""
    docs = [
        {"label": _("Points"), "doc": check_points.__doc__},
        {"label": _("Revenue"), "doc": check_revenue.__doc__},
        {"label": _("Certifications"), "doc": check_certifications.__doc__},
        {"label": _("Customer references"), "doc": check_references.__doc__},
        {"label": _("Fee paid"), "doc": check_fee.__doc__},
        {"label": _("Tier"), "doc": qualifying_tier.__doc__},
    ]
    return [{"label": d["label"], "doc": " ".join(d["doc"].split())} for d in docs]


# Facts, read set-based ---------------------------------------------------------------------------


def _review_partnerships(org: Organization, partnership_ids=None) -> QuerySet[Partnership]:
    qs = (
        Partnership.objects.for_org(org)
        .filter(status__in=[Partnership.Status.ACTIVE, Partnership.Status.ONBOARDING])
        .select_related("partner", "program", "tier")
    )
    return qs.filter(pk__in=list(partnership_ids)) if partnership_ids is not None else qs


def review_facts(*, org: Organization, partnerships: list[Partnership], today: datetime.date) -> dict[int, Facts]:
    """Facts of every partnership: balances, valid certification counts, revenue per period (few queries)."""
    ids = [p.pk for p in partnerships]
    balances = points.point_balances(org=org, partnership_ids=ids)
    certs = dict(
        Certification.objects.for_org(org)
        .filter(partner_id__in={p.partner_id for p in partnerships}, issued_on__lte=today)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .values("partner_id")
        .annotate(n=Count("id"))
        .values_list("partner_id", "n")
    )
    # Revenue periods differ per tier; ask once per distinct period length.
    periods = {t.revenue_period_months for p in partnerships for t in p.program.tiers.all()} or {12}
    revenue_by_period = {
        months: hooks.partnership_revenue(
            org=org, partnership_ids=ids, start=points.add_months(today, -months), end=today
        )
        for months in periods
    }
    facts = {}
    for p in partnerships:
        facts[p.pk] = Facts(
            points=balances.get(p.pk, 0),
            certifications=certs.get(p.partner_id, 0),
            references=p.customer_references,
            fee_paid_until=p.fee_paid_until,
            revenue_by_period={m: r.get(p.pk, {}) for m, r in revenue_by_period.items()},
        )
    return facts


def _facts_for_tier(facts: Facts, tier: Tier) -> Facts:
    by_period = facts.revenue_by_period or {}
    return Facts(**{**asdict(facts), "revenue": by_period.get(tier.revenue_period_months, facts.revenue or {})})


def _evaluate(partnership: Partnership, facts: Facts, today: datetime.date) -> tuple[Tier | None, list[Check]]:
    tiers = list(partnership.program.tiers.all())
    best = qualifying_tier(tiers=tiers, facts=facts, today=today)
    # The reasons: the requirements of the tier it lands on, and of the tier just above it.
    reasons: list[Check] = []
    current_rank = best.rank if best else 0
    for tier in sorted(tiers, key=lambda t: t.rank):
        if tier.rank in (current_rank, current_rank + 1) or (partnership.tier_id == tier.pk):
            for check in tier_checks(tier=tier, facts=_facts_for_tier(facts, tier), today=today):
                reasons.append(
                    Check(
                        check.key,
                        f"{tier.name}: {check.label}",
                        check.required,
                        check.actual,
                        check.met,
                        check.why,
                        check.progress,
                    )
                )
    return best, reasons


def next_tier_progress(*, org: Organization, partnership: Partnership, today: datetime.date | None = None) -> dict:
    """What it takes to reach the next tier: the tier, and each requirement with its progress."""
    today = today or timezone.localdate()
    partnership = _review_partnerships(org, [partnership.pk]).prefetch_related("program__tiers").first() or partnership
    facts = review_facts(org=org, partnerships=[partnership], today=today)[partnership.pk]
    tiers = sorted(partnership.program.tiers.all(), key=lambda t: t.rank)
    current_rank = partnership.tier.rank if partnership.tier_id else 0
    upcoming = next((t for t in tiers if t.rank > current_rank), None)
    current = [t for t in tiers if t.pk == partnership.tier_id]
    return {
        "current": partnership.tier,
        "next": upcoming,
        "points": facts.points,
        "checks": tier_checks(tier=upcoming, facts=_facts_for_tier(facts, upcoming), today=today) if upcoming else [],
        "current_checks": tier_checks(tier=current[0], facts=_facts_for_tier(facts, current[0]), today=today)
        if current
        else [],
    }


# The review ------------------------------------------------------------------------------------


def tier_evaluation(*, org: Organization, today: datetime.date | None = None, progress=None) -> dict:
    """Review every active or onboarding partnership and write the proposals; returns counts.

    1. Read the partnerships with their programs and tiers, and their facts, in a fixed number of queries.
    2. For each, the tier it qualifies for; a difference with its tier is a move (up or down).
    3. In one transaction: an open proposal that no longer holds is dismissed, a new one written; a
       downgrade gets its grace date; a program with `tier_auto_apply` applies upgrades now and
       downgrades once their grace has passed. Running it twice on the same day changes nothing more.
    """
    today = today or timezone.localdate()
    partnerships = list(_review_partnerships(org).prefetch_related("program__tiers"))
    facts = review_facts(org=org, partnerships=partnerships, today=today)
    open_moves = {m.partnership_id: m for m in TierMove.objects.for_org(org).filter(status=TierMove.Status.PROPOSED)}
    counts = {"reviewed": len(partnerships), "proposed": 0, "applied": 0, "dismissed": 0}
    if progress is not None:
        progress.update(
            done=0, total=len(partnerships), message=_("Reviewing %(n)s partnerships") % {"n": len(partnerships)}
        )
    with transaction.atomic():
        for partnership in partnerships:
            target, reasons = _evaluate(partnership, facts[partnership.pk], today)
            current_rank = partnership.tier.rank if partnership.tier_id else 0
            target_rank = target.rank if target else 0
            move = open_moves.get(partnership.pk)
            if target_rank == current_rank or (target is None and partnership.tier_id is None):
                if move is not None:
                    _dismiss(
                        org,
                        move,
                        _("Back within the requirements of its tier at the review of %(d)s.")
                        % {"d": today.isoformat()},
                    )
                    counts["dismissed"] += 1
                continue
            direction = TierMove.Direction.UPGRADE if target_rank > current_rank else TierMove.Direction.DOWNGRADE
            reason_rows = [asdict(r) for r in reasons]
            if move is not None and move.to_tier_id == (target.pk if target else None):
                TierMove.objects.for_org(org).filter(pk=move.pk).update(reasons=reason_rows)
            else:
                if move is not None:
                    _dismiss(org, move, _("Replaced by a newer proposal."))
                    counts["dismissed"] += 1
                grace = None
                if direction == TierMove.Direction.DOWNGRADE:
                    grace = today + datetime.timedelta(days=partnership.program.downgrade_grace_days)
                move = TierMove.objects.create(
                    organization=org,
                    partnership=partnership,
                    from_tier=partnership.tier,
                    to_tier=target,
                    direction=direction,
                    reasons=reason_rows,
                    proposed_on=today,
                    grace_until=grace,
                )
                counts["proposed"] += 1
            if partnership.program.tier_auto_apply and (move.grace_until is None or move.grace_until <= today):
                tier_move_apply(org=org, actor=None, move=move, effective_on=today)
                counts["applied"] += 1
    return counts


def _dismiss(org: Organization, move: TierMove, note: str) -> None:
    TierMove.objects.for_org(org).filter(pk=move.pk, status=TierMove.Status.PROPOSED).update(
        status=TierMove.Status.DISMISSED, decided_at=timezone.now(), note=note[:300]
    )


@transaction.atomic
def tier_move_apply(
    *, org: Organization, actor: Actor, move: TierMove, effective_on: datetime.date | None = None
) -> TierMove:
    """Move the partnership to the proposed tier from `effective_on`; audited, the partner is told.

    A downgrade cannot be applied before its grace period ends. Emits "tier.changed".
    """
    move = (TierMove.objects.for_org(org).select_for_update(of=("self",)).select_related("partnership", "to_tier")).get(
        pk=move.pk
    )
    effective_on = effective_on or timezone.localdate()
    if move.status != TierMove.Status.PROPOSED:
        raise ValidationError({"status": _("This proposal was already decided.")})
    if move.grace_until and effective_on < move.grace_until:
        raise ValidationError(
            {
                "effective_on": _("This downgrade is in its grace period until %(d)s.")
                % {"d": move.grace_until.isoformat()}
            }
        )
    partnership = move.partnership
    before = partnership.tier
    update_fields(org=org, actor=actor, instance=partnership, data={"tier": move.to_tier, "tier_since": effective_on})
    user = actor if isinstance(actor, User) else None
    move = update_fields(
        org=org,
        actor=actor,
        instance=move,
        data={
            "status": TierMove.Status.APPLIED,
            "effective_on": effective_on,
            "decided_by": user,
            "decided_at": timezone.now(),
        },
    )
    audit_action(
        org=org,
        actor=actor,
        obj=partnership,
        verb="tier changed",
        changes={
            "tier": [before.name if before else None, move.to_tier.name if move.to_tier else None],
            "effective_on": effective_on,
        },
    )
    hooks.emit("tier.changed", org=org, actor=actor, partnership=partnership, move=move)
    return move


@transaction.atomic
def tier_move_dismiss(*, org: Organization, actor: Actor, move: TierMove, note: str = "") -> TierMove:
    """Keep the partnership where it is: the proposal is dismissed with a note. Audited."""
    move = TierMove.objects.for_org(org).select_for_update().get(pk=move.pk)
    if move.status != TierMove.Status.PROPOSED:
        raise ValidationError({"status": _("This proposal was already decided.")})
    return update_fields(
        org=org,
        actor=actor,
        instance=move,
        data={
            "status": TierMove.Status.DISMISSED,
            "note": (note or "")[:300],
            "decided_by": actor if isinstance(actor, User) else None,
            "decided_at": timezone.now(),
        },
    )


def tier_move_list(*, org: Organization, status: str | None = None, partnership_ids=None) -> QuerySet[TierMove]:
    moves = TierMove.objects.for_org(org).select_related(
        "partnership__partner", "partnership__program", "from_tier", "to_tier", "decided_by"
    )
    if status:
        moves = moves.filter(status=status)
    if partnership_ids is not None:
        moves = moves.filter(partnership_id__in=list(partnership_ids))
    return moves


def check_tier_thresholds(*, tier: Tier, siblings: list[Tier]) -> None:
    """Refuse overlapping thresholds: a higher tier must ask at least as much as every lower one and
    more on at least one requirement (otherwise two tiers would be reached by the same partners)."""
    fields = [
        ("required_points", _("points")),
        ("required_revenue", _("revenue")),
        ("required_certifications", _("certifications")),
        ("required_references", _("customer references")),
    ]

    def values(t):
        return [Decimal(getattr(t, f) or 0) for f, _label in fields]

    mine = values(tier)
    for other in siblings:
        theirs = values(other)
        low, high = (other, tier) if other.rank < tier.rank else (tier, other)
        low_v, high_v = (theirs, mine) if other.rank < tier.rank else (mine, theirs)
        for (field, label), lv, hv in zip(fields, low_v, high_v, strict=True):
            if hv < lv:
                raise ValidationError(
                    {
                        field: _(
                            "%(high)s (rank %(hr)s) would ask fewer %(what)s than %(low)s "
                            "(rank %(lr)s); thresholds of higher tiers cannot be lower."
                        )
                        % {"high": high.name, "hr": high.rank, "what": label, "low": low.name, "lr": low.rank}
                    }
                )
        if high_v == low_v and any(v for v in high_v):
            raise ValidationError(
                {
                    "required_points": _(
                        "%(high)s and %(low)s would have the same requirements; a higher tier must ask more."
                    )
                    % {"high": high.name, "low": low.name}
                }
            )


def tier_evaluation_request(*, org: Organization, actor: Actor = None):
    """Queue a tier review of the whole organization as a job (a request while one is queued joins it)."""
    from partners.tasks import heavy_tier_evaluation
    from pom import jobs

    return jobs.job_request(
        org=org,
        kind="partners.tier_evaluation",
        task=heavy_tier_evaluation,
        actor=actor,
        label=_("Review tiers of every partnership"),
    )
