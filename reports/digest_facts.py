"""TACAM facts for digests and next best actions (hook `<app>.digest_facts.facts`, see docs/digests.md).

Per partnership: the latest score per element, the targets, the score a week or more earlier, and a
digest line per element that moved by at least one point. Three queries whatever the number of
partnerships.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from reports.models import ELEMENTS, Element, ScoreSnapshot, ScoreTarget

LABELS = dict(Element.choices)
COMPARE_AFTER_DAYS = 7
COMPARE_WITHIN_DAYS = 60


def _number(value) -> str | None:
    if value is None:
        return None
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def facts(*, org, partnership_ids, today: datetime.date) -> dict[int, dict]:
    ids = list(partnership_ids)
    latest = {
        s.partnership_id: s
        for s in ScoreSnapshot.objects.for_org(org)
        .filter(partnership_id__in=ids, is_latest=True)
        .select_related("partnership")
    }
    if not latest:
        return {}
    earlier: dict[int, ScoreSnapshot] = {}
    for s in (
        ScoreSnapshot.objects.for_org(org)
        .filter(
            partnership_id__in=list(latest),
            as_of__lte=today - datetime.timedelta(days=COMPARE_AFTER_DAYS),
            as_of__gte=today - datetime.timedelta(days=COMPARE_WITHIN_DAYS),
        )
        .order_by("partnership_id", "-as_of")
        .only("partnership_id", "as_of", "overall", *ELEMENTS)
    ):
        earlier.setdefault(s.partnership_id, s)
    targets: dict[int, dict] = {}
    for t in ScoreTarget.objects.for_org(org).filter(partnership_id__in=list(latest)):
        targets.setdefault(t.partnership_id, {})[t.element] = _number(t.value)
    out = {}
    for pid, snap in latest.items():
        url = reverse("partners:tab", args=[org.slug, snap.partnership.partner_id, "scores"])
        before = earlier.get(pid)
        lines = []
        if before is not None:
            for element in ELEMENTS:
                old, new = getattr(before, element), getattr(snap, element)
                if old is not None and new is not None and abs(new - old) >= 1:
                    lines.append(
                        {
                            "text": _("%(element)s moved from %(old)s to %(new)s since %(day)s.")
                            % {
                                "element": LABELS[element],
                                "old": _number(old),
                                "new": _number(new),
                                "day": before.as_of.isoformat(),
                            },
                            "url": url,
                        }
                    )
        out[pid] = {
            "tacam": {e: _number(getattr(snap, e)) for e in ELEMENTS},
            "tacam_overall": _number(snap.overall),
            "tacam_as_of": snap.as_of.isoformat(),
            "tacam_targets": targets.get(pid, {}),
            "tacam_before": {e: _number(getattr(before, e)) for e in ELEMENTS} if before else {},
            "tacam_links": [{"label": _("TACAM score"), "url": url}],
            "digest_lines": lines,
        }
    return out
