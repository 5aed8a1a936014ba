import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from partners import import_runs, importing
from partners.models import Contact, ImportRun, Partner, Partnership
from tests.factories import PartnerFactory, ProgramFactory, TierFactory

pytestmark = pytest.mark.django_db

HEADER = "Company,Web domain,Types,Contact,E-mail,Program,Tier,Partner since\n"


@pytest.fixture
def programs(defaults):
    reseller = ProgramFactory(organization=defaults, name="Reseller")
    TierFactory(program=reseller, name="Gold")
    referral = ProgramFactory(organization=defaults, name="Referral")
    TierFactory(program=referral, name="Starter")
    return reseller, referral


def url(name, org, *args):
    return reverse(f"partners:{name}", args=[org.slug, *args])


def upload(client, org, content: bytes, name="partners.csv"):
    return client.post(url("import", org), {"file": SimpleUploadedFile(name, content)})


def run_of(org) -> ImportRun:
    return ImportRun.objects.for_org(org).latest("created_at")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Post "Import now" and run the queued import job (eager) as the worker would."""

    def post(client, org, run):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url("import_commit", org, run.pk))

    return post


def preview(client, org, run, **overrides):
    mapping = {**run.mapping, **overrides}
    return client.post(url("import_run", org, run.pk), mapping)


GOOD = (
    HEADER
    + "Acme,https://www.acme.com,Reseller; MSP,Jana Weber,jana@acme.com,Reseller,Gold,2025-04-01\n"
    + "Beta,beta.io,Referral,,,Referral,Starter,\n"
).encode()


def test_upload_guesses_column_mapping_from_headers(member_client, org, programs):
    response = upload(member_client, org, GOOD)
    run = run_of(org)
    assert response.status_code == 302 and response.url == url("import_run", org, run.pk)
    assert run.mapping["name"] == "Company" and run.mapping["domain"] == "Web domain"
    assert run.mapping["contact_email"] == "E-mail" and run.mapping["start_date"] == "Partner since"
    assert member_client.get(url("import_run", org, run.pk)).status_code == 200


def test_dry_run_then_commit_imports_partners_contacts_and_memberships(commit, member_client, org, programs):
    upload(member_client, org, GOOD)
    run = run_of(org)
    response = preview(member_client, org, run)
    assert response.status_code == 200
    assert "All 2 rows are valid" in response.content.decode()
    assert not Partner.objects.for_org(org).exists()  # a dry run writes nothing
    response = commit(member_client, org, run)
    assert response.status_code == 302
    acme = Partner.objects.for_org(org).get(domain="acme.com")
    assert set(acme.types.values_list("slug", flat=True)) == {"reseller", "msp"}
    assert acme.contacts.get().email == "jana@acme.com"
    partnership = acme.partnerships.get()
    assert partnership.tier.name == "Gold" and str(partnership.start_date) == "2025-04-01"
    run.refresh_from_db()
    assert (run.status, run.created_count, run.updated_count) == ("imported", 2, 0)


def test_preview_lists_every_invalid_row_and_field_with_reason(member_client, org, programs):
    content = (
        b"Name,Domain,Types,Contact e-mail,Program,Tier,Start date\n"
        b"Good,good.com,Reseller,ok@good.com,Reseller,Gold,2025-01-31\n"
        b"Alien,alien.com,Astronaut,ok@alien.com,,,\n"
        b"NoProgram,np.com,,,Moonshot,,\n"
        b"WrongTier,wt.com,,,Referral,Gold,\n"
        b"BadDate,bd.com,,,Reseller,,31/01/2025\n"
        b"BadMail,bm.com,,not-an-email,,,\n"
        b"Dup,www.good.com,,,,,\n"
    )
    upload(member_client, org, content)
    run = run_of(org)
    response = preview(member_client, org, run)
    body = response.content.decode()
    errors = {(e["row"], e["field"]) for e in run_of(org).errors}
    assert errors == {
        (3, "types"),
        (4, "program"),
        (5, "tier"),
        (6, "start_date"),
        (7, "contact_email"),
        (8, "domain"),
    }
    assert "Unknown partner type “Astronaut”" in body
    assert "Unknown program “Moonshot”" in body
    assert "“Gold” is not a tier of the program Referral" in body
    assert "YYYY-MM-DD" in body
    assert "is not an e-mail address" in body
    assert "Duplicate domain in the file: good.com is also on row 2" in body
    assert "Import now" not in body


def test_commit_with_one_bad_row_saves_nothing(commit, member_client, org, programs):
    content = (HEADER + "Acme,acme.com,,,,,,\nBad,bad.com,,,,Moonshot,,\n").encode()
    upload(member_client, org, content)
    run = run_of(org)
    preview(member_client, org, run)
    response = commit(member_client, org, run)
    assert response.status_code == 302
    assert not Partner.objects.for_org(org).exists()
    assert run_of(org).status == "previewed"  # the dry run found the problem: no job was queued


def test_rows_write_is_atomic_when_a_late_row_fails_in_the_database(org, member, programs):
    rows = importing.validate_rows(
        org=org,
        rows=[{"name": "First", "domain": "first.com"}, {"name": "Second", "domain": "second.com"}],
        numbers=[2, 3],
    )
    PartnerFactory(organization=org, name="Taken", domain="second.com")  # appears after validation
    with pytest.raises(Exception):  # noqa: B017 - any failure must roll back the whole batch
        importing.rows_write(org=org, actor=member, rows=rows)
    assert not Partner.objects.for_org(org).filter(domain="first.com").exists()


def test_reimporting_the_same_file_updates_instead_of_duplicating(commit, member_client, org, programs):
    for _ in range(2):
        upload(member_client, org, GOOD)
        run = run_of(org)
        preview(member_client, org, run)
        commit(member_client, org, run)
    assert Partner.objects.for_org(org).count() == 2
    assert Contact.objects.for_org(org).count() == 1
    assert Partnership.objects.for_org(org).count() == 2
    run = run_of(org)
    assert (run.created_count, run.updated_count) == (0, 2)


def test_reimport_matches_on_name_when_partner_has_no_domain(commit, member_client, org, programs):
    PartnerFactory(organization=org, name="ACME", domain="")
    upload(member_client, org, b"Name,Status\nacme,at_risk\n")
    run = run_of(org)
    preview(member_client, org, run)
    commit(member_client, org, run)
    partner = Partner.objects.for_org(org).get()
    assert partner.status == "at_risk" and partner.name == "acme"


def test_xlsx_upload_with_real_dates_imports(commit, member_client, org, programs):
    import datetime

    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Domain", "Program", "Tier", "Start date"])
    sheet.append(["Excel Co", "excel.example", "Reseller", "Gold", datetime.date(2025, 6, 30)])
    buffer = io.BytesIO()
    book.save(buffer)
    upload(member_client, org, buffer.getvalue(), name="partners.xlsx")
    run = run_of(org)
    assert run.file_type == "xlsx"
    preview(member_client, org, run)
    commit(member_client, org, run)
    partnership = Partnership.objects.for_org(org).get()
    assert str(partnership.start_date) == "2025-06-30" and partnership.partner.domain == "excel.example"


def test_upload_of_50_mb_is_rejected_with_a_clear_message(member_client, org):
    big = SimpleUploadedFile("big.csv", b"Name\n" + b"x" * (50 * 1024 * 1024))
    response = member_client.post(url("import", org), {"file": big})
    assert response.status_code == 400
    assert "the limit is 10 MB" in response.content.decode()
    assert not ImportRun.objects.for_org(org).exists()


@pytest.mark.parametrize("name", ["partners.pdf", "partners.xls", "partners"])
def test_upload_of_other_file_types_is_rejected(member_client, org, name):
    response = upload(member_client, org, b"Name\nAcme\n", name=name)
    assert response.status_code == 400
    assert "is not a CSV or Excel (.xlsx) file" in response.content.decode()


def test_upload_of_corrupt_xlsx_is_rejected(member_client, org):
    response = upload(member_client, org, b"not a zip", name="partners.xlsx")
    assert response.status_code == 400 and "not a readable Excel" in response.content.decode()


def test_mapping_without_name_column_is_refused(member_client, org):
    upload(member_client, org, b"Company,Domain\nAcme,acme.com\n")
    run = run_of(org)
    response = preview(member_client, org, run, name="")
    assert response.status_code == 400 and not Partner.objects.for_org(org).exists()


def test_uploaded_file_is_stored_under_the_orgs_import_folder(member_client, org, settings):
    upload(member_client, org, GOOD)
    run = run_of(org)
    assert run.file_path.startswith(f"imports/{org.id}/")
    assert (settings.MEDIA_ROOT / run.file_path).read_bytes() == GOOD


def test_templates_download_as_csv_and_xlsx(member_client, org):
    csv_response = member_client.get(url("import_template", org, "csv"))
    assert csv_response.content.decode().splitlines()[0].startswith("Name,Domain,Website")
    xlsx_response = member_client.get(url("import_template", org, "xlsx"))
    book = load_workbook(io.BytesIO(xlsx_response.content))
    assert book["Partners"]["A1"].value == "Name" and "Help" in book.sheetnames


def test_template_file_round_trips_through_the_importer(org, member, programs):
    headers, rows = importing.read_table(import_runs.template_csv(), "csv")
    mapping = importing.guess_mapping(headers)
    assert set(mapping) == set(importing.FIELD_KEYS)
    rows = importing.validate_rows(org=org, rows=importing.apply_mapping(rows, mapping), numbers=[2])
    # The example row names a Silver tier the test programs do not have: the only error.
    assert [(e["field"]) for e in importing.errors_of(rows)] == ["tier"]


def test_domain_is_taken_from_the_website_when_there_is_no_domain_column(org, member, programs):
    PartnerFactory(organization=org, name="Old name", domain="acme.com")
    rows = importing.validate_rows(org=org, rows=[{"name": "Acme", "website": "https://www.acme.com/en"}], numbers=[2])
    assert rows[0].action == "update" and rows[0].partner_fields["domain"] == "acme.com"


def test_a_batch_reads_only_the_partners_it_can_match_by_domain_or_name(org):
    """A CRM sync of two rows must not load every partner of the organization (0.9 s at 10,000)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from partners.importing import validate_rows
    from partners.models import Partner

    Partner.objects.bulk_create(
        [Partner(organization=org, name=f"Other {n:03d}", domain=f"other-{n}.example") for n in range(200)]
    )
    by_domain = Partner.objects.create(organization=org, name="Initech", domain="initech.com")
    by_name = Partner.objects.create(organization=org, name="Hooli Corp", domain="")
    with CaptureQueriesContext(connection) as queries:
        rows = validate_rows(
            org=org,
            rows=[{"name": "Initech AG", "domain": "https://www.initech.com"}, {"name": "hooli corp"}],
            numbers=[1, 2],
        )
    assert [r.partner for r in rows] == [by_domain, by_name]  # matched by domain, then by name (any case)
    partner_reads = [q["sql"] for q in queries.captured_queries if 'FROM "partners_partner"' in q["sql"]]
    assert len(partner_reads) == 1 and "LOWER" in partner_reads[0] and "IN (" in partner_reads[0]
