"""QBR packs: one click from live data, frozen snapshot, PDF and PPTX parsed back, both sides, isolation."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pptx import Presentation
from pypdf import PdfReader

from pom.models import Job
from reports import packs
from reports import services as score_services
from reports.models import ScoreSnapshot
from reports.packs_models import QbrPack
from tests.factories import PartnerFactory, PartnershipFactory
from tests.reports.packs_world import build, guest_elsewhere

pytestmark = pytest.mark.django_db

SECTIONS = [
    "Plan status",
    "Key results",
    "Activities done and late",
    "Pipeline and registrations",
    "Attribution credit",
    "TACAM scores",
    "Benchmark position",
    "Meetings and decisions",
    "Next best actions",
    "Next period: proposals",
]


def _generate(org, member, world):
    start, end, label = world.period
    return packs.pack_generate(
        org=org, actor=member, partnership=world.partnership, period_start=start, period_end=end, label=label
    )


def test_pack_one_click_generates_from_live_data_and_stays_frozen(
    org, member, member_client, django_capture_on_commit_callbacks
):
    world = build(org)
    url = reverse("reports:packs", args=[org.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(url, {"partnership": world.partnership.pk, "period": world.period[2]})
    assert response.status_code == 302
    job = Job.objects.for_org(org).get(kind=packs.JOB_KIND)
    assert job.status == Job.Status.DONE
    pack = QbrPack.objects.for_org(org).get(pk=job.result["pack_id"])
    # The job fragment the page polls links to the pack.
    poll = member_client.get(reverse("reports:pack_job", args=[org.slug, job.pk]))
    assert reverse("reports:pack", args=[org.slug, pack.pk]) in poll.content.decode()

    page = member_client.get(reverse("reports:pack", args=[org.slug, pack.pk])).content.decode()
    for section in SECTIONS:
        assert section in page
    for fact in ("Acme Data", "Deals registered", "60.0", "Joint webinar", "Partner enablement", "Globex renewal",
                 "12500.00", "Launch the EMEA bundle", "1 deal registration submitted"):  # fmt: skip
        assert fact in page, fact
    assert pack.snapshot["activities"]["done_count"] == 1 and pack.snapshot["activities"]["late_count"] == 1
    assert pack.snapshot["pipeline"]["open"]["count"] == 1

    # Live data changes afterwards: the pack reopens exactly as it was.
    world.won.amount = 99999
    world.won.name = "Changed later"
    world.won.save()
    world.kr.name = "Renamed KR"
    world.kr.save()
    again = member_client.get(reverse("reports:pack", args=[org.slug, pack.pk])).content.decode()
    assert "Globex renewal" in again and "12500.00" in again and "Deals registered" in again
    assert "Changed later" not in again and "Renamed KR" not in again
    # A new pack sees the change; the old one is still there.
    newer = _generate(org, member, world)
    assert newer.snapshot["pipeline"]["won"]["amount"] == "99999.00"
    assert QbrPack.objects.for_org(org).count() == 2


def test_pack_pdf_and_pptx_parse_back_with_the_expected_sections(org, member, member_client):
    world = build(org)
    pack = _generate(org, member, world)
    pdf = member_client.get(reverse("reports:pack_pdf", args=[org.slug, pack.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for section in ["Partner Business Review", *SECTIONS]:
        assert section in text, section
    assert "Globex renewal" in text and "Launch the EMEA bundle" in text

    deck = member_client.get(reverse("reports:pack_pptx", args=[org.slug, pack.pk]))
    prs = Presentation(io.BytesIO(deck.content))
    texts = [shape.text_frame.text for slide in prs.slides for shape in slide.shapes if shape.has_text_frame]
    for title in ("Plan status", "Key results", "Pipeline and registrations", "TACAM scores",
                  "Meetings and decisions", "Next best actions"):  # fmt: skip
        assert any(t.startswith(title) for t in texts), title
    tables = [shape.table for slide in prs.slides for shape in slide.shapes if shape.has_table]
    cells = {cell.text for table in tables for row in table.rows for cell in row.cells}
    assert "Joint business plan" in cells and "12500.00" in cells  # native, editable tables
    assert any(shape.has_chart for slide in prs.slides for shape in slide.shapes)  # native key-result chart
    assert any("Launch the EMEA bundle" in t for t in texts)


def test_partner_generates_and_opens_packs_of_its_own_partnership_in_the_workspace(
    org, member, client_for, django_capture_on_commit_callbacks
):
    world = build(org)
    model = score_services.model_current(org=org)
    ScoreSnapshot.objects.create(
        organization=org, partnership=world.partnership, model=model, as_of=timezone.localdate(),
        computed_at=timezone.now(), trust=Decimal("61.5"), analysis=Decimal("33.3"), overall=Decimal("47.0"),
    )  # fmt: skip
    score_services.sharing_update(org=org, actor=member, shared_elements=["trust"], share_overall=False)
    partner = client_for(world.partner_user)
    ws = world.workspace.public_id
    with django_capture_on_commit_callbacks(execute=True):
        response = partner.post(
            reverse("reports-ws:packs", args=[ws]), {"partnership": world.partnership.pk, "period": world.period[2]}
        )
    assert response.status_code == 302
    pack = QbrPack.objects.for_org(org).get()
    assert pack.generated_side == "partner"
    page = partner.get(reverse("reports-ws:pack", args=[ws, pack.pk])).content.decode()
    assert "Globex renewal" in page and "Launch the EMEA bundle" in page
    assert "61.5" in page and "33.3" not in page  # only the TACAM elements the vendor shares
    vendor_page = client_for(member).get(reverse("reports:pack", args=[org.slug, pack.pk])).content.decode()
    assert "61.5" in vendor_page and "33.3" in vendor_page
    listing = partner.get(reverse("reports-ws:packs", args=[ws])).content.decode()
    assert reverse("reports-ws:pack", args=[ws, pack.pk]) in listing
    assert partner.get(reverse("reports-ws:pack_pptx", args=[ws, pack.pk])).status_code == 200
    # The vendor sees the pack the partner generated.
    assert client_for(member).get(reverse("reports:pack", args=[org.slug, pack.pk])).status_code == 200


def test_pack_pages_are_404_for_other_tenants_outsiders_and_guests_of_other_workspaces(
    org, other_org, member, other_member, outsider, client_for
):
    world = build(org)
    pack = _generate(org, member, world)
    job = packs.pack_request(
        org=org, actor=member, partnership=world.partnership, period_start=world.period[0],
        period_end=world.period[1], label=world.period[2],
    )  # fmt: skip
    guest = guest_elsewhere(org)
    ws = world.workspace.public_id
    vendor_urls = [
        reverse("reports:packs", args=[org.slug]),
        reverse("reports:pack", args=[org.slug, pack.pk]),
        reverse("reports:pack_pdf", args=[org.slug, pack.pk]),
        reverse("reports:pack_pptx", args=[org.slug, pack.pk]),
        reverse("reports:pack_job", args=[org.slug, job.pk]),
    ]
    ws_urls = [
        reverse("reports-ws:pack", args=[ws, pack.pk]),
        reverse("reports-ws:pack_pdf", args=[ws, pack.pk]),
        reverse("reports-ws:pack_pptx", args=[ws, pack.pk]),
        reverse("reports-ws:pack_job", args=[ws, job.pk]),
        reverse("reports-ws:packs", args=[ws]),
    ]
    for user in (other_member, outsider, guest, world.partner_user):
        client = client_for(user)
        for url in vendor_urls:
            assert client.get(url).status_code == 404, (user.email, url)
    for user in (other_member, outsider, guest):
        client = client_for(user)
        for url in ws_urls:
            assert client.get(url).status_code == 404, (user.email, url)
    # The other tenant's own pack address under its slug does not reach this pack either.
    assert client_for(other_member).get(reverse("reports:pack", args=[other_org.slug, pack.pk])).status_code == 404
    # The guest's own workspace does not open this partnership's pack.
    guest_ws = guest.workspace_memberships.get().workspace.public_id
    assert client_for(guest).get(reverse("reports-ws:pack", args=[guest_ws, pack.pk])).status_code == 404
    # Partner viewers of the right workspace cannot generate; vendor viewers cannot either (403).
    assert client_for(outsider).post(vendor_urls[0], {"partnership": world.partnership.pk}).status_code == 404


def test_pack_list_queries_stay_bounded(org, member, member_client, django_assert_max_num_queries):
    world = build(org)
    _generate(org, member, world)
    url = reverse("reports:packs", args=[org.slug])
    with django_assert_max_num_queries(14):
        assert member_client.get(url).status_code == 200
    first = QbrPack.objects.for_org(org).get()
    for _i in range(6):  # copies of the same frozen pack: the list reads rows, not snapshots
        QbrPack.objects.create(
            organization=org, partnership=world.partnership, period_start=first.period_start,
            period_end=first.period_end, period_label=first.period_label, snapshot=first.snapshot,
            generated_at=first.generated_at, generated_by=member,
        )  # fmt: skip
    with django_assert_max_num_queries(14):
        assert member_client.get(url).status_code == 200


def test_pack_api_generates_lists_and_hides_packs_from_other_tenants(
    org, other_org, member, other_member, viewer, api_client_for, django_capture_on_commit_callbacks
):
    world = build(org)
    api = api_client_for(member)
    url = reverse("reports-api:qbr-pack-generate", args=[org.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url, {"partnership": world.partnership.pk, "period": world.period[2]}, format="json")
    assert response.status_code == 202, response.content
    pack = QbrPack.objects.for_org(org).get()
    listing = api.get(reverse("reports-api:qbr-pack-list", args=[org.slug])).json()["results"]
    assert [row["id"] for row in listing] == [pack.pk] and "snapshot" not in listing[0]
    detail = api.get(reverse("reports-api:qbr-pack-detail", args=[org.slug, pack.pk])).json()
    assert detail["snapshot"]["pipeline"]["won"]["amount"] == "12500.00"
    assert api.post(url, {"partnership": world.partnership.pk, "period": "soon"}, format="json").status_code == 400
    assert api_client_for(viewer).post(url, {"partnership": world.partnership.pk}, format="json").status_code == 403
    other = api_client_for(other_member)
    assert other.get(reverse("reports-api:qbr-pack-detail", args=[org.slug, pack.pk])).status_code == 404
    assert other.get(reverse("reports-api:qbr-pack-detail", args=[other_org.slug, pack.pk])).status_code == 404
    foreign = other.post(
        reverse("reports-api:qbr-pack-generate", args=[other_org.slug]),
        {"partnership": world.partnership.pk, "period": world.period[2]},
        format="json",
    )
    assert foreign.status_code == 400  # another tenant's partnership is not found in theirs


def test_vendor_pack_list_picks_partnerships_by_name_without_listing_them_all(
    org, other_org, member, member_client, django_capture_on_commit_callbacks
):
    """The vendor's list has a search-as-you-type picker, not every partnership as an <option>; without
    JavaScript the typed name is resolved on the server, and a name of another tenant finds nothing."""
    world = build(org)
    other = PartnershipFactory(organization=org, partner=PartnerFactory(organization=org, name="Zeta Systems"))
    PartnershipFactory(organization=other_org, partner=PartnerFactory(organization=other_org, name="Rival Only"))
    url = reverse("reports:packs", args=[org.slug])
    page = member_client.get(url).content.decode()
    assert "data-picker" in page and f'<option value="{other.pk}"' not in page

    typed = f"Acme Data · {world.partnership.program.name}"
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(url, {"partnership_name": typed, "period": world.period[2]})
    assert response.status_code == 302
    pack = QbrPack.objects.for_org(org).get()
    assert pack.partnership == world.partnership

    response = member_client.post(url, {"partnership_name": "Rival Only", "period": world.period[2]}, follow=True)
    assert "Nothing matches" in response.content.decode()
    assert QbrPack.objects.for_org(org).count() == 1 and not QbrPack.objects.for_org(other_org).exists()

    filtered = member_client.get(url, {"partnership_name": "Zeta Systems"}).content.decode()
    assert "No QBR pack yet." in filtered and "Zeta Systems" in filtered
    assert "Acme Data" in member_client.get(url, {"partnership_name": "Acme"}).content.decode()
