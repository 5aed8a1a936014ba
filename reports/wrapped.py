"""Partner Wrapped: each partnership's year in review, frozen per partnership and year.

Figures (all from the year's rows, see `wrapped_figures`): deals won together and their revenue, the
biggest deal, certifications the partner earned, activities completed, the best month, how each TACAM
element moved between the year's first and last score snapshots, a benchmark highlight; plus thank-you
lines the people involved write (both sides, one each). Shown as a page, a PDF and a PNG card to share;
the vendor sees a roll-up across partners. Beat regenerates it in December and January; anyone who
may see it can regenerate it on demand. See docs/qbr.md.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from attribution.models import Opportunity
from partners.models import Certification, Partnership
from plans.models import Activity
from pom import jobs
from pom.audit import Actor, audit_create, audit_update
from pom.audit import snapshot as audit_snapshot
from pom.models import Job, Organization, User
from reports.models import ELEMENTS, ScoreSnapshot
from reports.packs_models import ThankYouNote, WrappedYear
from reports.score_selectors import ELEMENT_LABELS

JOB_KIND = "reports.wrapped"


def review_year(today: datetime.date | None = None) -> int:
    """The year a Wrapped is about: this year from December on, last year before."""
    today = today or timezone.localdate()
    return today.year if today.month == 12 else today.year - 1


def _money(value) -> str:
    return str((value or Decimal(0)).quantize(Decimal("0.01")))


def wrapped_figures(*, org: Organization, partnership: Partnership, year: int) -> dict:
    """The year in review of one partnership, JSON-ready.

    - deals won together: opportunities the partnership is attached to (any role), won, closed in the year;
      revenue is their amount summed per currency (the organization's currency first);
    - biggest deal: the largest of those (ties: the earlier close);
    - certifications earned: the partner's certifications issued in the year;
    - activities completed: activities of the partnership's plans marked done in the year;
    - best month: the month with the most won revenue in the organization's currency (ties: more deals,
      then the earlier month); without any won deal, the month with the most activities completed;
    - TACAM: each element's value on the year's first and last score snapshot, and the difference;
    - benchmark highlight: the metric where the partnership ranks highest in its program (enough peers).
    Seven queries.
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    won = (
        Opportunity.objects.for_org(org)
        .filter(
            partners__partnership=partnership, status=Opportunity.Status.WON, closed_on__gte=start, closed_on__lte=end
        )
        .select_related("account")
        .distinct()
    )
    deals = list(won.order_by("closed_on", "id"))
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    months: dict[int, list] = {m: [Decimal(0), 0, 0] for m in range(1, 13)}  # revenue, deals, activities
    for deal in deals:
        revenue[deal.currency] += deal.amount
        if deal.currency == org.currency:
            months[deal.closed_on.month][0] += deal.amount
        months[deal.closed_on.month][1] += 1
    biggest = max(deals, key=lambda d: (d.amount, -d.closed_on.toordinal()), default=None)
    certifications = list(
        Certification.objects.for_org(org)
        .filter(partner_id=partnership.partner_id, issued_on__gte=start, issued_on__lte=end)
        .order_by("issued_on")
        .values_list("name", flat=True)
    )
    done = (
        Activity.objects.for_org(org)
        .filter(plan__partnership=partnership, status=Activity.Status.DONE, completed_at__year=year)
        .values_list("completed_at", flat=True)
    )
    activities = 0
    for completed_at in done:
        activities += 1
        months[timezone.localtime(completed_at).month][2] += 1
    best = None
    if deals:
        month = max(months, key=lambda m: (months[m][0], months[m][1], -m))
        best = {"month": month, "label": str(MONTHS[month]), "revenue": _money(months[month][0]),
                "deals": months[month][1], "basis": "revenue"}  # fmt: skip
    elif activities:
        month = max(months, key=lambda m: (months[m][2], -m))
        best = {"month": month, "label": str(MONTHS[month]), "revenue": "0.00",
                "deals": 0, "activities": months[month][2], "basis": "activities"}  # fmt: skip
    snaps = list(
        ScoreSnapshot.objects.for_org(org)
        .filter(partnership=partnership, as_of__gte=start, as_of__lte=end)
        .order_by("as_of")
        .only("as_of", *ELEMENTS, "overall")
    )
    tacam = []
    if snaps:
        first, last = snaps[0], snaps[-1]
        for e in ["overall", *ELEMENTS]:
            a, b = getattr(first, e), getattr(last, e)
            tacam.append(
                {
                    "key": e,
                    "label": str(ELEMENT_LABELS.get(e, _("Overall"))),
                    "start": None if a is None else str(a),
                    "end": None if b is None else str(b),
                    "delta": None if a is None or b is None else str(b - a),
                }
            )
    from reports.benchmarks.selectors import partnership_positions

    positions = [
        r
        for r in partnership_positions(org=org, partnership_ids=[partnership.pk], dimension="program").get(
            partnership.pk, []
        )
        if r["enough"]
    ]
    top = max(positions, key=lambda r: r["rank"], default=None)
    currencies = sorted(revenue, key=lambda c: (c != org.currency, c))
    return {
        "version": 1,
        "year": year,
        "partner": partnership.partner.name,
        "program": partnership.program.name,
        "currency": org.currency,
        "deals_won": len(deals),
        "revenue": _money(revenue.get(org.currency)),
        "revenue_by_currency": [{"currency": c, "amount": _money(revenue[c])} for c in currencies],
        "biggest_deal": None
        if biggest is None
        else {
            "name": biggest.name,
            "account": biggest.account.name,
            "amount": _money(biggest.amount),
            "currency": biggest.currency,
            "closed_on": biggest.closed_on.isoformat(),
        },
        "certifications": {"count": len(certifications), "names": certifications[:20]},
        "activities_completed": activities,
        "best_month": best,
        "monthly_revenue": [_money(months[m][0]) for m in range(1, 13)],
        "tacam": tacam,
        "tacam_from": snaps[0].as_of.isoformat() if snaps else "",
        "tacam_to": snaps[-1].as_of.isoformat() if snaps else "",
        "benchmark": None
        if top is None
        else {
            "metric": str(getattr(top["metric"], "label", top["metric"])),
            "rank": str(top["rank"]),
            "band": str(top["band"] or ""),
            "group": str(top["group"]),
            "peers": top["peers"],
        },
    }


# --- writes ----------------------------------------------------------------------------------------


@transaction.atomic
def wrapped_generate(*, org: Organization, actor: Actor, partnership: Partnership, year: int) -> WrappedYear:
    """Compute and store (or replace) the partnership's Wrapped for the year; audited without the snapshot."""
    from reports.packs import as_json

    figures = as_json(wrapped_figures(org=org, partnership=partnership, year=year))
    existing = WrappedYear.objects.for_org(org).select_for_update().filter(partnership=partnership, year=year).first()
    user = actor if isinstance(actor, User) else None
    if existing is None:
        row = WrappedYear(organization=org, partnership=partnership, year=year, snapshot=figures,
                          generated_at=timezone.now(), generated_by=user)  # fmt: skip
        row.full_clean()
        row.save()
        audit_create(org=org, actor=actor, obj=row, exclude=("snapshot",))
        return row
    before = audit_snapshot(existing, ["generated_at"])
    existing.snapshot, existing.generated_at, existing.generated_by = figures, timezone.now(), user
    existing.save()
    audit_update(org=org, actor=actor, obj=existing, before=before)
    return existing


def wrapped_request(*, org: Organization, actor: Actor, year: int, partnership: Partnership | None = None) -> Job:
    """Queue the generation (one partnership, or every active one of the organization) as a job."""
    from reports.packs_tasks import heavy_wrapped

    key = f"{year}:{partnership.pk if partnership else 'all'}"
    return jobs.job_request(
        org=org,
        kind=JOB_KIND,
        key=key,
        task=heavy_wrapped,
        actor=actor,
        label=_("Partner Wrapped %(year)s") % {"year": year},
        params={"year": year, "partnership_id": partnership.pk if partnership else None},
    )


def wrapped_generate_body(*, job: Job, progress: jobs.Progress) -> dict:
    """The job body: generate each partnership's Wrapped, reporting progress; returns how many."""
    org, year = job.organization, int(job.params["year"])
    partnerships = Partnership.objects.for_org(org).select_related("partner", "program")
    if job.params.get("partnership_id"):
        partnerships = partnerships.filter(pk=job.params["partnership_id"])
    else:
        partnerships = partnerships.exclude(status__in=[Partnership.Status.APPLIED])
    rows = list(partnerships.order_by("id"))
    for done, partnership in enumerate(rows, 1):
        wrapped_generate(org=org, actor=job.requested_by, partnership=partnership, year=year)
        progress.update(done=done, total=len(rows))
    return {"generated": len(rows), "year": year}


@transaction.atomic
def thank_you_set(
    *, org: Organization, actor: User, partnership: Partnership, year: int, text: str, side: str
) -> ThankYouNote | None:
    """Write, change or (empty text) remove the actor's thank-you line for the partnership's year."""
    text = (text or "").strip()
    note = ThankYouNote.objects.for_org(org).filter(partnership=partnership, year=year, author=actor).first()
    if not text:
        if note is not None:
            from pom.audit import delete_instance

            delete_instance(org=org, actor=actor, instance=note)
        return None
    if note is None:
        note = ThankYouNote(organization=org, partnership=partnership, year=year, author=actor, side=side, text=text)
        note.full_clean()
        note.save()
        audit_create(org=org, actor=actor, obj=note)
        return note
    before = audit_snapshot(note, ["text"])
    note.text = text
    note.full_clean()
    note.save()
    audit_update(org=org, actor=actor, obj=note, before=before)
    return note


# --- reads -----------------------------------------------------------------------------------------


def wrapped_get(*, org: Organization, partnership: Partnership, year: int) -> WrappedYear | None:
    return WrappedYear.objects.for_org(org).filter(partnership=partnership, year=year).first()


def thank_you_list(*, org: Organization, partnership: Partnership, year: int) -> QuerySet[ThankYouNote]:
    return ThankYouNote.objects.for_org(org).filter(partnership=partnership, year=year).select_related("author")


def wrapped_rollup(*, org: Organization, year: int) -> dict:
    """The vendor's year across partners: totals and one row per partnership's Wrapped (two queries)."""
    rows = list(
        WrappedYear.objects.for_org(org)
        .filter(year=year)
        .select_related("partnership__partner", "partnership__program")
        .order_by("partnership__partner__name", "partnership_id")
    )
    notes = dict(
        ThankYouNote.objects.for_org(org).filter(year=year).order_by().values("partnership_id")
        .annotate(n=Count("id")).values_list("partnership_id", "n")
    )  # fmt: skip
    total = {"deals_won": 0, "revenue": Decimal(0), "activities_completed": 0, "certifications": 0}
    for row in rows:
        s = row.snapshot
        total["deals_won"] += s.get("deals_won", 0)
        total["revenue"] += Decimal(s.get("revenue") or 0)
        total["activities_completed"] += s.get("activities_completed", 0)
        total["certifications"] += (s.get("certifications") or {}).get("count", 0)
        row.notes = notes.get(row.partnership_id, 0)
    rows.sort(key=lambda r: Decimal(r.snapshot.get("revenue") or 0), reverse=True)
    total["revenue"] = _money(total["revenue"])
    return {"rows": rows, "total": total, "year": year, "currency": org.currency}


# --- the shareable image ---------------------------------------------------------------------------

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def _font(path: str, size: int):
    from PIL import ImageFont

    try:
        return ImageFont.truetype(path, size)
    except OSError:  # no DejaVu on this machine: Pillow's own scalable font
        return ImageFont.load_default(size=size)


def compact(value: Decimal) -> str:
    """A figure that fits a tile: 950, 12.5k, 3.4M."""
    for limit, suffix in ((Decimal(10**9), "B"), (Decimal(10**6), "M"), (Decimal(10**3), "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:.0f}"


def wrapped_png(*, snapshot: dict, notes: list[str]) -> bytes:
    """A 1200×630 card (the size social networks preview) with the year's headline figures, by Pillow."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 630), "#1e1b4b")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1200, 12), fill="#f59e0b")
    heading = _("%(partner)s × %(program)s") % {"partner": snapshot["partner"], "program": snapshot["program"]}
    draw.text((60, 50), heading, font=_font(FONT_BOLD, 40), fill="white")
    draw.text((60, 105), _("Our %(year)s, wrapped") % {"year": snapshot["year"]}, font=_font(FONT, 30), fill="#c7d2fe")
    tiles = [
        (_("deals won together"), str(snapshot["deals_won"])),
        (_("revenue") + f" ({snapshot['currency']})", compact(Decimal(snapshot["revenue"]))),
        (_("certifications earned"), str(snapshot["certifications"]["count"])),
        (_("activities completed"), str(snapshot["activities_completed"])),
    ]
    for i, (label, value) in enumerate(tiles):
        x = 60 + i * 280
        draw.rounded_rectangle((x, 180, x + 250, 350), radius=18, fill="#312e81")
        draw.text((x + 20, 200), value, font=_font(FONT_BOLD, 52), fill="white")
        draw.text((x + 20, 300), label, font=_font(FONT, 20), fill="#c7d2fe")
    lines = []
    if snapshot.get("biggest_deal"):
        d = snapshot["biggest_deal"]
        lines.append(_("Biggest deal: %(name)s, %(amount)s %(currency)s") % {
            "name": d["name"], "amount": f"{Decimal(d['amount']):,.0f}", "currency": d["currency"]})  # fmt: skip
    if snapshot.get("best_month"):
        lines.append(_("Best month: %(month)s") % {"month": snapshot["best_month"]["label"]})
    moved = [t for t in snapshot.get("tacam", []) if t["delta"] is not None and t["key"] != "overall"]
    if moved:
        best = max(moved, key=lambda t: Decimal(t["delta"]))
        lines.append(
            _("TACAM: %(element)s moved %(delta)s points") % {"element": best["label"], "delta": best["delta"]}
        )
    lines += [f"“{n}”" for n in notes[:2]]
    for i, line in enumerate(lines[:5]):
        draw.text((60, 385 + i * 46), line[:90], font=_font(FONT, 26), fill="white")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def wrapped_for(*, org: Organization, partnership_ids, year: int) -> dict[int, WrappedYear]:
    """The year's Wrapped of these partnerships, by partnership id (one query)."""
    rows = WrappedYear.objects.for_org(org).filter(partnership_id__in=list(partnership_ids), year=year)
    return {r.partnership_id: r for r in rows.defer("snapshot")}
