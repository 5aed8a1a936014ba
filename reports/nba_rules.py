"""Next-best-action rules on TACAM scores (hook `<app>.nba_rules.RULES`, see docs/digests.md)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from workspaces.nba_rules import TACAM_PRACTICES, Proposal, rule, tacam_weakest_element

TARGET_GAP = Decimal(10)


@rule(code="tacam_below_target", title=_("TACAM element well below its target: the practice for it"))
def tacam_below_target(facts: dict, today: datetime.date) -> list[Proposal]:
    """The manager set a target for this element and the score is 10 points or more below it. Close the
    largest gap first, with the practice the Partner Operating Model recommends for that element."""
    out = []
    for pid, values in facts.get("extra", {}).get("reports", {}).items():
        scores, targets = values.get("tacam") or {}, values.get("tacam_targets") or {}
        gaps = {
            e: Decimal(targets[e]) - Decimal(scores[e])
            for e in TACAM_PRACTICES
            if scores.get(e) is not None and targets.get(e) is not None
        }
        gaps = {e: g for e, g in gaps.items() if g >= TARGET_GAP}
        if not gaps:
            continue
        element = max(gaps, key=lambda e: (gaps[e], -list(TACAM_PRACTICES).index(e)))
        practice = TACAM_PRACTICES[element]
        out.append(
            Proposal(
                target_type="partnership",
                target_id=int(pid),
                partnership_id=int(pid),
                title=str(practice["practice"]),
                detail=str(_("%(element)s is %(score)s against a target of %(target)s."))
                % {"element": element.title(), "score": scores[element], "target": targets[element]},
                side="vendor",
                priority=70,
                evidence_links=list(values.get("tacam_links", [])),
                evidence={"element": element, "score": scores[element], "target": targets[element]},
                activity_title=str(practice["practice"]),
            )
        )
    return out


RULES = [tacam_weakest_element, tacam_below_target]
