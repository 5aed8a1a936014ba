"""Writes of TACAM scores: scoring-model versions, targets, sharing, and the scoring run itself.

Pages, API and admin all go through these functions (validation, write, audit, follow-up job).
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partnership
from pom import jobs
from pom.audit import Actor, audit_action, audit_create, audit_update, snapshot
from pom.models import Organization
from reports import inputs, scoring
from reports.models import ELEMENTS, ScoreSharing, ScoreSnapshot, ScoreTarget, ScoringModel

JOB_KIND = "reports.tacam"
DEBOUNCE_SECONDS = 60
CHUNK = 2000


# Scoring model --------------------------------------------------------------------------------------


def model_current(*, org: Organization) -> ScoringModel:
    """The organization's newest scoring model; version 1 (the defaults of docs/tacam.md) on first use."""
    model = ScoringModel.objects.for_org(org).order_by("-version").first()
    if model is None:
        model, _created = ScoringModel.objects.get_or_create(
            organization=org,
            version=1,
            defaults={
                "weights": scoring.DEFAULT_WEIGHTS,
                "element_weights": scoring.DEFAULT_ELEMENT_WEIGHTS,
                "thresholds": scoring.DEFAULT_THRESHOLDS,
                "note": "POM default",
            },
        )
    return model


def _number(value, field: str, errors: dict, *, integer: bool = False) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        errors[field] = _("Enter a number.")
        return None
    if not number.is_finite():
        errors[field] = _("Enter a number.")
        return None
    if number < 0:
        errors[field] = _("A weight or threshold cannot be negative.")
        return None
    if integer and number != number.to_integral_value():
        errors[field] = _("Enter a whole number.")
        return None
    return number


def model_validate(*, weights: dict, element_weights: dict, thresholds: dict) -> tuple[dict, dict, dict]:
    """Clean a proposed model: every signal weight and element weight a non-negative number, the signals
    of each element adding up to 100, the elements adding up to 100, thresholds positive whole numbers.
    Errors name the field (`weights.trust.trust_assessment`, `element_weights`, `thresholds.fresh_days`)."""
    errors: dict[str, str] = {}
    clean_w: dict = {}
    for element in ELEMENTS:
        given = (weights or {}).get(element) or {}
        clean_w[element] = {}
        for code in scoring.SIGNALS[element]:
            number = _number(given.get(code, 0), f"weights.{element}.{code}", errors)
            if number is not None:
                clean_w[element][code] = float(number) if number % 1 else int(number)
        unknown = set(given) - set(scoring.SIGNALS[element])
        if unknown:
            errors[f"weights.{element}"] = _("Unknown signal: %(s)s.") % {"s": ", ".join(sorted(unknown))}
        elif not any(k.startswith(f"weights.{element}.") for k in errors):
            total = sum(Decimal(str(v)) for v in clean_w[element].values())
            if total != 100:
                errors[f"weights.{element}"] = _("The signal weights of %(e)s add up to %(t)s, not 100.") % {
                    "e": element,
                    "t": total,
                }
    clean_e: dict = {}
    for element in ELEMENTS:
        number = _number((element_weights or {}).get(element, 0), f"element_weights.{element}", errors)
        if number is not None:
            clean_e[element] = float(number) if number % 1 else int(number)
    if not any(k.startswith("element_weights.") for k in errors):
        total = sum(Decimal(str(v)) for v in clean_e.values())
        if total != 100:
            errors["element_weights"] = _("The element weights add up to %(t)s, not 100.") % {"t": total}
    clean_t: dict = {}
    for name, default in scoring.DEFAULT_THRESHOLDS.items():
        number = _number((thresholds or {}).get(name, default), f"thresholds.{name}", errors, integer=True)
        if number is not None:
            if number == 0:
                errors[f"thresholds.{name}"] = _("Must be at least 1.")
            clean_t[name] = int(number)
    if not errors and clean_t["stale_days"] <= clean_t["fresh_days"]:
        errors["thresholds.stale_days"] = _("Must be larger than the fresh limit (%(d)s days).") % {
            "d": clean_t["fresh_days"]
        }
    if errors:
        raise ValidationError(errors)
    return clean_w, clean_e, clean_t


@transaction.atomic
def model_save(
    *, org: Organization, actor: Actor, weights: dict, element_weights: dict, thresholds: dict, note: str = ""
) -> ScoringModel:
    """Write the next version of the scoring model (earlier scores keep the version they were computed
    with) and request a rescoring of the portfolio."""
    clean_w, clean_e, clean_t = model_validate(weights=weights, element_weights=element_weights, thresholds=thresholds)
    current = model_current(org=org)
    ScoringModel.objects.select_for_update().filter(pk=current.pk).first()
    latest = ScoringModel.objects.for_org(org).order_by("-version").first()
    model = ScoringModel.objects.create(
        organization=org,
        version=latest.version + 1,
        weights=clean_w,
        element_weights=clean_e,
        thresholds=clean_t,
        note=note[:300],
        created_by=actor if getattr(actor, "pk", None) and hasattr(actor, "email") else None,
    )
    audit_create(org=org, actor=actor, obj=model)
    scores_request(org=org, actor=actor)
    return model


# Targets and sharing --------------------------------------------------------------------------------


TARGET_ELEMENTS = [*ELEMENTS, "overall"]


@transaction.atomic
def target_set(*, org: Organization, actor: Actor, partnership: Partnership, element: str, value) -> ScoreTarget | None:
    """Set (or clear, with an empty value) the target of one element of a partnership: 0–100."""
    if partnership.organization_id != org.pk:
        raise ValidationError({"partnership": _("Unknown partnership.")})
    if element not in TARGET_ELEMENTS:
        raise ValidationError({"element": _("Choose one of %(e)s.") % {"e": ", ".join(TARGET_ELEMENTS)}})
    existing = ScoreTarget.objects.for_org(org).filter(partnership=partnership, element=element).first()
    if value in (None, ""):
        if existing is not None:
            audit_action(org=org, actor=actor, obj=existing, verb="score_target.cleared")
            existing.delete()
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": _("The target of %(e)s must be a number from 0 to 100.") % {"e": element}})
    if not number.is_finite() or number < 0 or number > 100:
        raise ValidationError({"value": _("The target of %(e)s must be from 0 to 100.") % {"e": element}})
    number = scoring.q(number)
    user = actor if hasattr(actor, "email") else None
    if existing is None:
        target = ScoreTarget.objects.create(
            organization=org, partnership=partnership, element=element, value=number, set_by=user
        )
        audit_create(org=org, actor=actor, obj=target)
        return target
    before = snapshot(existing)
    existing.value, existing.set_by = number, user
    existing.save(update_fields=["value", "set_by", "updated_at"])
    audit_update(org=org, actor=actor, obj=existing, before=before)
    return existing


def sharing_for(*, org: Organization) -> ScoreSharing:
    return ScoreSharing.objects.for_org(org).first() or ScoreSharing(organization=org)


@transaction.atomic
def sharing_update(*, org: Organization, actor: Actor, shared_elements: list, share_overall: bool) -> ScoreSharing:
    """Choose which elements (and whether the overall score) partner people see in their workspace."""
    unknown = [e for e in shared_elements if e not in ELEMENTS]
    if unknown:
        raise ValidationError({"shared_elements": _("Unknown element: %(e)s.") % {"e": ", ".join(unknown)}})
    sharing, _created = ScoreSharing.objects.get_or_create(organization=org)
    before = snapshot(sharing)
    sharing.shared_elements = [e for e in ELEMENTS if e in shared_elements]
    sharing.share_overall = bool(share_overall)
    sharing.save()
    audit_update(org=org, actor=actor, obj=sharing, before=before)
    return sharing


# The run --------------------------------------------------------------------------------------------


def compute(*, org: Organization, model: ScoringModel, today: datetime.date, partnership_ids=None, facts=None):
    """{partnership_id: scoring.Scores} in memory, from `inputs.gather` (or the given facts)."""
    facts = inputs.gather(org=org, partnership_ids=partnership_ids, today=today) if facts is None else facts
    max_revenue = max((Decimal(f.get("revenue") or 0) for f in facts.values()), default=Decimal(0))
    if partnership_ids is not None:  # a single recompute compares with the portfolio's best as last stored
        stored = ScoreSnapshot.objects.for_org(org).filter(is_latest=True).order_by("-weight_basis").first()
        if stored is not None:
            max_revenue = max(max_revenue, stored.weight_basis)
    with scoring.one_language():
        results = {
            pid: scoring.score_partnership(
                f,
                weights=model.weights,
                element_weights=model.element_weights,
                thresholds=model.thresholds,
                today=today,
                portfolio_max_revenue=max_revenue,
            )
            for pid, f in facts.items()
        }
    return results, facts


def store(
    *, org: Organization, model: ScoringModel, today: datetime.date, results: dict, facts: dict, full: bool
) -> int:
    """Write today's snapshot of each partnership (replacing an earlier one of the same day) and move
    `is_latest` to it. Safe to run again: the snapshot of a day is an upsert."""
    now = timezone.now()
    rows = []
    for pid, scores in results.items():
        f = facts[pid]
        values = scores.values()
        rows.append(
            ScoreSnapshot(
                organization=org,
                partnership_id=pid,
                model=model,
                as_of=today,
                computed_at=now,
                is_latest=True,
                program_id=f["program_id"],
                tier_id=f["tier_id"],
                signals=scores.signals_json(),
                sixcs=scores.sixcs,
                weight_basis=Decimal(f.get("revenue") or 0),
                **values,
            )
        )
    fields = [
        "model",
        "computed_at",
        "is_latest",
        "program",
        "tier",
        "signals",
        "sixcs",
        "weight_basis",
        "overall",
        *ELEMENTS,
    ]
    with transaction.atomic():
        stale = ScoreSnapshot.objects.for_org(org).filter(is_latest=True).exclude(as_of=today)
        if not full:
            stale = stale.filter(partnership_id__in=list(results))
        stale.update(is_latest=False)
        ScoreSnapshot.objects.bulk_create(
            rows,
            batch_size=CHUNK,
            update_conflicts=True,
            unique_fields=["organization", "partnership", "as_of"],
            update_fields=fields,
        )
    return len(rows)


def run_scores(*, job, progress) -> dict:
    """The body of a `reports.tacam` job: score the partnerships named in `job.params` (all when none)."""
    org = job.organization
    ids = job.params.get("partnership_ids")
    today = datetime.date.fromisoformat(job.params["as_of"]) if job.params.get("as_of") else timezone.localdate()
    model = model_current(org=org)
    progress.update(done=0, total=3, message=_("Reading the portfolio"))
    results, facts = compute(org=org, model=model, today=today, partnership_ids=ids)
    progress.update(done=1, total=3, message=_("Scored %(n)s partnerships") % {"n": len(results)})
    written = store(org=org, model=model, today=today, results=results, facts=facts, full=ids is None)
    progress.update(done=3, total=3, message=_("Saved %(n)s scores") % {"n": written})
    return {"partnerships": written, "model_version": model.version, "as_of": today.isoformat()}


def scores_request(*, org: Organization, actor: Actor = None, partnership_ids=None, countdown=None):
    """Queue a scoring run: the whole portfolio, or a debounced recompute of some partnerships
    (a request while one for the same partnership is queued joins it)."""
    from reports.tasks import heavy_tacam_score

    if partnership_ids is None:
        return jobs.job_request(
            org=org, kind=JOB_KIND, key="all", task=heavy_tacam_score, actor=actor, label=_("Compute TACAM scores")
        )
    ids = sorted(set(partnership_ids))
    return jobs.job_request(
        org=org,
        kind=JOB_KIND,
        key="p:" + ",".join(map(str, ids))[:90],
        task=heavy_tacam_score,
        actor=actor,
        label=_("Recompute TACAM scores of one partnership"),
        params={"partnership_ids": ids},
        countdown=countdown,
    )


def preview(*, org: Organization, weights: dict, element_weights: dict, thresholds: dict, today=None) -> dict:
    """What a model change would do to the portfolio, computed in memory over the same inputs (nothing
    saved): per element the portfolio mean before and after, and the partnerships that move most."""
    clean_w, clean_e, clean_t = model_validate(weights=weights, element_weights=element_weights, thresholds=thresholds)
    today = today or timezone.localdate()
    current = model_current(org=org)
    facts = inputs.gather(org=org, today=today)
    draft = ScoringModel(
        organization=org, version=current.version + 1, weights=clean_w, element_weights=clean_e, thresholds=clean_t
    )
    before, _f = compute(org=org, model=current, today=today, facts=facts)
    after, _f = compute(org=org, model=draft, today=today, facts=facts)
    summary = []
    for element in ["overall", *ELEMENTS]:
        b = [r.values()[element] for r in before.values() if r.values()[element] is not None]
        a = [r.values()[element] for r in after.values() if r.values()[element] is not None]
        mean_b = scoring.q(sum(b) / len(b)) if b else None
        mean_a = scoring.q(sum(a) / len(a)) if a else None
        summary.append(
            {
                "element": element,
                "before": mean_b,
                "after": mean_a,
                "change": None if mean_a is None or mean_b is None else mean_a - mean_b,
                "scored_before": len(b),
                "scored_after": len(a),
            }
        )
    moves = []
    for pid in before:
        b, a = before[pid].values()["overall"], after[pid].values()["overall"]
        if b is not None and a is not None and a != b:
            moves.append({"partnership_id": pid, "before": b, "after": a, "change": a - b})
    moves.sort(key=lambda m: (-abs(m["change"]), m["partnership_id"]))
    names = {
        p.pk: str(p)
        for p in Partnership.objects.for_org(org)
        .filter(pk__in=[m["partnership_id"] for m in moves[:10]])
        .select_related("partner", "program")
    }
    for move in moves[:10]:
        move["name"] = names.get(move["partnership_id"], "")
    return {"elements": summary, "moves": moves[:10], "partnerships": len(before), "version": draft.version}
