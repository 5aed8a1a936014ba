"""Partner Wrapped: figures on hand-built data, the shareable page, PNG and PDF, thank-you lines from
both sides, the vendor roll-up, isolation."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from attribution.models import Opportunity
from plans.models import Activity
from reports import services as score_services
from reports import wrapped
from reports.models import ScoreSnapshot
from reports.packs_models import WrappedYear
from tests.factories import (
    ActivityFactory,
    CertificationFactory,
    OpportunityFactory,
    OpportunityPartnerFactory,
    PlanFactory,
)
from tests.reports.packs_world import build, guest_elsewhere

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year - 1


def _won(org, partnership, name, amount, closed_on, status=Opportunity.Status.WON):
    opp = OpportunityFactory(
        organization=org, name=name, amount=Decimal(amount), status=status, closed_on=closed_on,
        created_on=closed_on - datetime.timedelta(days=30),
    )  # fmt: skip
    OpportunityPartnerFactory(organization=org, opportunity=opp, partnership=partnership)
    return opp


def _year_of_data(org, partnership):
    d = datetime.date
    _won(org, partnership, "March deal", "100.00", d(YEAR, 3, 10))
    _won(org, partnership, "Big June deal", "500.00", d(YEAR, 6, 2))
    _won(org, partnership, "Small June deal", "200.00", d(YEAR, 6, 20))
    _won(org, partnership, "Last year's deal", "9000.00", d(YEAR - 1, 12, 30))  # another year
    _won(org, partnership, "Lost deal", "7000.00", d(YEAR, 8, 1), status=Opportunity.Status.LOST)
    CertificationFactory(partner=partnership.partner, name="Cloud Architect", issued_on=d(YEAR, 4, 1))
    CertificationFactory(partner=partnership.partner, name="Old badge", issued_on=d(YEAR - 1, 4, 1))
    plan = PlanFactory(partnership=partnership, period_start=d(YEAR, 1, 1), period_end=d(YEAR, 12, 31))
    for month in (2, 9):
        ActivityFactory(plan=plan, status=Activity.Status.DONE,
                        completed_at=datetime.datetime(YEAR, month, 5, 12, tzinfo=datetime.UTC))  # fmt: skip
    ActivityFactory(plan=plan, status=Activity.Status.IN_PROGRESS)
    model = score_services.model_current(org=org)
    for as_of, trust, commitment in ((d(YEAR, 1, 15), "40.0", "55.0"), (d(YEAR, 11, 30), "62.5", "50.0")):
        ScoreSnapshot.objects.create(
            organization=org, partnership=partnership, model=model, as_of=as_of, computed_at=timezone.now(),
            is_latest=False, trust=Decimal(trust), commitment=Decimal(commitment), overall=Decimal("50.0"),
        )  # fmt: skip


def test_wrapped_figures_on_hand_built_data(org):
    world = build(org)
    _year_of_data(org, world.partnership)
    w = wrapped.wrapped_figures(org=org, partnership=world.partnership, year=YEAR)
    assert w["deals_won"] == 3
    assert w["revenue"] == "800.00"
    assert w["biggest_deal"]["name"] == "Big June deal" and w["biggest_deal"]["amount"] == "500.00"
    assert w["certifications"] == {"count": 1, "names": ["Cloud Architect"]}
    assert w["activities_completed"] == 2
    assert w["best_month"]["month"] == 6 and w["best_month"]["revenue"] == "700.00" and w["best_month"]["deals"] == 2
    moves = {t["key"]: t for t in w["tacam"]}
    assert moves["trust"]["start"] == "40.0" and moves["trust"]["end"] == "62.5" and moves["trust"]["delta"] == "22.5"
    assert moves["commitment"]["delta"] == "-5.0"
    assert moves["analysis"]["delta"] is None
    # A year with nothing: an empty review, never an error.
    empty = wrapped.wrapped_figures(org=org, partnership=world.partnership, year=YEAR - 5)
    assert empty["deals_won"] == 0 and empty["biggest_deal"] is None and empty["best_month"] is None


def test_wrapped_is_frozen_shared_as_png_and_pdf_and_collects_thanks_from_both_sides(
    org, member, client_for, django_capture_on_commit_callbacks
):
    world = build(org)
    _year_of_data(org, world.partnership)
    vendor = client_for(member)
    page_url = reverse("reports:wrapped", args=[org.slug, world.partnership.pk, YEAR])
    with django_capture_on_commit_callbacks(execute=True):
        assert vendor.post(page_url, {"action": "generate"}).status_code == 302
    row = WrappedYear.objects.for_org(org).get(partnership=world.partnership, year=YEAR)
    assert row.snapshot["revenue"] == "800.00"
    # Partner people open it in their workspace and add a thank-you line; the vendor adds one too.
    partner = client_for(world.partner_user)
    ws_url = reverse("reports-ws:wrapped", args=[world.workspace.public_id, world.partnership.pk, YEAR])
    assert partner.post(ws_url, {"action": "note", "text": "Thanks for the June push!"}).status_code == 302
    vendor.post(page_url, {"action": "note", "text": "Best co-sell year yet."})
    page = partner.get(ws_url).content.decode()
    for text in ("Big June deal", "800.00", "Cloud Architect", "Thanks for the June push!", "Best co-sell year yet."):
        assert text in page, text
    listing = partner.get(reverse("reports-ws:wrapped_list", args=[world.workspace.public_id]) + f"?year={YEAR}")
    assert ws_url in listing.content.decode()
    # Frozen: a deal closed later in that year shows only after regeneration.
    _won(org, world.partnership, "Late December deal", "50.00", datetime.date(YEAR, 12, 20))
    assert "Late December deal" not in vendor.get(page_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        partner.post(ws_url, {"action": "generate"})
    row.refresh_from_db()
    assert row.snapshot["deals_won"] == 4 and WrappedYear.objects.for_org(org).count() == 1

    png = partner.get(reverse("reports-ws:wrapped_png", args=[world.workspace.public_id, world.partnership.pk, YEAR]))
    assert png["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (1200, 630)
    pdf = vendor.get(reverse("reports:wrapped_pdf", args=[org.slug, world.partnership.pk, YEAR]))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"Our {YEAR}, wrapped" in text and "Big June deal" in text and "Best co-sell year yet." in text


def test_wrapped_rollup_across_partners_with_bounded_queries(
    org, member, client_for, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    world = build(org)
    _year_of_data(org, world.partnership)
    client = client_for(member)
    url = reverse("reports:wrapped_rollup", args=[org.slug])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"year": YEAR}).status_code == 302
    with django_assert_max_num_queries(12):
        page = client.get(url + f"?year={YEAR}").content.decode()
    assert "800.00" in page and "Acme Data" in page
    for _i in range(5):
        guest_elsewhere(org)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"year": YEAR})
    assert WrappedYear.objects.for_org(org).filter(year=YEAR).count() == 6
    with django_assert_max_num_queries(12):
        assert client.get(url + f"?year={YEAR}").status_code == 200


def test_wrapped_pages_are_404_for_other_tenants_outsiders_and_guests_of_other_workspaces(
    org, member, other_member, outsider, client_for, viewer
):
    world = build(org)
    wrapped.wrapped_generate(org=org, actor=member, partnership=world.partnership, year=YEAR)
    guest = guest_elsewhere(org)
    ws, pid = world.workspace.public_id, world.partnership.pk
    vendor_urls = [
        reverse("reports:wrapped", args=[org.slug, pid, YEAR]),
        reverse("reports:wrapped_png", args=[org.slug, pid, YEAR]),
        reverse("reports:wrapped_pdf", args=[org.slug, pid, YEAR]),
        reverse("reports:wrapped_rollup", args=[org.slug]),
    ]
    ws_urls = [
        reverse("reports-ws:wrapped", args=[ws, pid, YEAR]),
        reverse("reports-ws:wrapped_png", args=[ws, pid, YEAR]),
        reverse("reports-ws:wrapped_pdf", args=[ws, pid, YEAR]),
        reverse("reports-ws:wrapped_list", args=[ws]),
    ]
    for user in (other_member, outsider, guest, world.partner_user):
        for url in vendor_urls:
            assert client_for(user).get(url).status_code == 404, (user.email, url)
    for user in (other_member, outsider, guest):
        for url in ws_urls:
            assert client_for(user).get(url).status_code == 404, (user.email, url)
    guest_ws = guest.workspace_memberships.get().workspace.public_id
    assert client_for(guest).get(reverse("reports-ws:wrapped", args=[guest_ws, pid, YEAR])).status_code == 404
    assert (
        client_for(guest)
        .post(reverse("reports-ws:wrapped", args=[guest_ws, pid, YEAR]), {"text": "sneaky"})
        .status_code
        == 404
    )
    # A vendor viewer may thank but not regenerate.
    assert client_for(viewer).post(vendor_urls[0], {"action": "generate"}).status_code == 403
