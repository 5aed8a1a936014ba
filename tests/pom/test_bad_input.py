"""Bad input in imports and bulk bodies (issue 18): every file or item gets a clear answer naming the
row (or index) and field, the preview runs the commit's validation, nothing is truncated, and the
commit runs as a job with progress and a downloadable error report."""

import codecs
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attribution import importing as pipeline
from attribution import mapping_importing
from attribution.models import Account, Opportunity
from partners import import_runs, importing
from partners.models import ImportRun, Partner
from pom import validation
from pom.models import Job
from tests.factories import AccountFactory, ProgramFactory, WorkspaceMemberFactory

pytestmark = pytest.mark.django_db


def url(name, org, *args):
    return reverse(f"partners:{name}", args=[org.slug, *args])


def upload(client, org, content: bytes, name="partners.csv"):
    return client.post(url("import", org), {"file": SimpleUploadedFile(name, content)})


def last_run(org) -> ImportRun:
    return ImportRun.objects.for_org(org).latest("created_at")


def preview(client, org, run):
    return client.post(url("import_run", org, run.pk), run.mapping)


def stored_files(settings) -> list:
    folder = settings.MEDIA_ROOT / "imports"
    return list(folder.rglob("*")) if folder.exists() else []


# Encodings -------------------------------------------------------------------------------------


def test_utf16_and_latin1_files_are_read_and_utf16_without_bom_refused_leaving_nothing(member_client, org, settings):
    text = "Name,Country\nMüller Systemhaus,DE\n"
    upload(member_client, org, codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert last_run(org).headers == ["Name", "Country"]
    upload(member_client, org, text.encode("latin-1"))
    run = last_run(org)
    preview(member_client, org, run)
    assert validation.row_dicts(import_runs._read_run(run))[1][0]["Name"] == "Müller Systemhaus"
    runs_before, files_before = ImportRun.objects.for_org(org).count(), len(stored_files(settings))
    response = upload(member_client, org, text.encode("utf-16-le"))  # no byte-order mark
    assert response.status_code == 400 and "UTF-16 text without a byte-order mark" in response.content.decode()
    assert (ImportRun.objects.for_org(org).count(), len(stored_files(settings))) == (runs_before, files_before)


def test_nul_byte_in_a_cell_is_an_error_of_its_row_and_field_in_the_preview(member_client, org):
    upload(member_client, org, b"Name,Industry\nGood,Software\nBad\x00Co,Software\n")
    run = last_run(org)
    body = preview(member_client, org, run).content.decode()
    assert [(e["row"], e["field"]) for e in last_run(org).errors] == [(3, "name")]
    assert "control character U+0000" in body and "Import now" not in body


# Limits, checked before parsing ----------------------------------------------------------------


def test_an_8_mb_cell_is_refused_naming_the_row_and_the_cell_limit(member_client, org):
    response = upload(member_client, org, b"Name,Description\nAcme," + b"x" * (8 * 1024 * 1024) + b"\n")
    assert response.status_code == 400
    assert "Row 2 holds a cell longer than the limit of 32767 characters" in response.content.decode()
    assert not ImportRun.objects.for_org(org).exists()


def test_an_xlsx_that_unpacks_past_the_limit_is_refused_before_parsing(member_client, org, monkeypatch):
    # The partner import's limit is 64 MB; a 1 MB limit keeps the bomb small and the test fast.
    limits = validation.Limits(max_bytes=10 * 2**20, max_rows=100, max_uncompressed_bytes=2**20)
    monkeypatch.setattr(importing, "LIMITS", limits)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"<si><t>" + b"a" * (3 * 2**20) + b"</t></si>")
    assert len(buffer.getvalue()) < 20 * 1024  # a few KB on disk
    response = upload(member_client, org, buffer.getvalue(), name="bomb.xlsx")
    assert response.status_code == 400
    assert "expands to 3 MB when unpacked; the limit is 1 MB" in response.content.decode()


def test_more_rows_than_the_limit_are_refused_saying_the_limit(member_client, org, monkeypatch):
    monkeypatch.setattr(
        importing, "LIMITS", validation.Limits(max_bytes=10**6, max_rows=3, max_uncompressed_bytes=10**6)
    )
    response = upload(member_client, org, b"Name\nA\nB\nC\nD\n")
    assert response.status_code == 400 and "more than 3 rows" in response.content.decode()


def test_a_repeated_header_is_refused_although_pandas_would_rename_it(member_client, org):
    response = upload(member_client, org, b"Name,Name\nAcme,Acme Corp\n")
    assert response.status_code == 400
    assert "Columns 1 and 2 have the same header “Name”" in response.content.decode()


# One validation: the preview tells the truth -------------------------------------------------


def test_preview_refuses_what_the_commit_would_refuse_and_truncates_nothing(member_client, org):
    long = {"title": "t" * 500, "phone": "1" * 100, "contact": "c" * 300, "industry": "i" * 200}
    content = (
        "Name,Contact,Contact title,Contact phone,Industry,Country,Domain\n"
        f"A,Ann,{long['title']},,,,a.com\n"
        f"B,Bob,,{long['phone']},,,b.com\n"
        f"C,{long['contact']},,,,,c.com\n"
        f"D,,,,{long['industry']},,d.com\n"
        "E,,,,,XX,e.com\n"
        "F,,,,,,not a domain\n"
        "G,,,,,DE,g.com\n"
    ).encode()
    upload(member_client, org, content)
    run = last_run(org)
    body = preview(member_client, org, run).content.decode()
    errors = {(e["row"], e["field"]): e["message"] for e in last_run(org).errors}
    assert set(errors) == {
        (2, "contact_title"),
        (3, "contact_phone"),
        (4, "contact_name"),
        (5, "industry"),
        (6, "country"),
        (7, "domain"),
    }
    assert errors[(5, "industry")] == "It is 200 characters long; the limit is 80."
    assert "not an ISO 3166 two-letter country code" in errors[(6, "country")]
    assert "All 7 rows are valid" not in body
    errors_csv = member_client.get(url("import_errors", org, run.pk))
    lines = errors_csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Row,Field,Problem" and lines[1].startswith("2,Contact title,It is 500 characters long")


def test_partner_bulk_upsert_names_the_index_and_field_of_nul_and_over_long_names(org, member):
    result = importing.partner_bulk_upsert(
        org=org, actor=member, items=[{"name": "Fine"}, {"name": "Bad\x00"}, {"name": "n" * 300}]
    )
    assert result["errors"] == {
        1: {"name": ["It contains the control character U+0000 (at character 4); remove it."]},
        2: {"name": ["It is 300 characters long; the limit is 200."]},
    }
    assert not Partner.objects.for_org(org).exists()


def test_account_bulk_upsert_refuses_nul_long_names_and_bad_domains_instead_of_truncating(org, api_client):
    items = [
        {"crm_id": "A1", "name": "Nul\x00"},
        {"crm_id": "A2", "name": "a" * 300},
        {"crm_id": "A3", "name": "Dom", "domain": "not a domain"},
        {"crm_id": "A4", "name": "Fine", "domain": "fine.example"},
    ]
    result = pipeline.account_bulk_upsert(org=org, actor=None, items=items)
    assert {i: set(e) for i, e in result["errors"].items()} == {0: {"name"}, 1: {"name"}, 2: {"domain"}}
    assert result["errors"][1]["name"] == "It is 300 characters long; the limit is 200."
    response = api_client.post(
        reverse("attribution-api:account-bulk-upsert", args=[org.slug]), items[:1], format="json"
    )
    assert response.status_code == 400 and "name" in response.json()["errors"]["0"]
    assert not Account.objects.for_org(org).exists()


def test_huge_amounts_and_close_dates_before_creation_are_errors_in_bulk_and_csv(org, member, api_client):
    AccountFactory(organization=org, crm_id="A1")
    items = [
        {"crm_id": "O1", "account_crm_id": "A1", "name": "Huge", "amount": "1e40", "currency": "EUR"},
        {
            "crm_id": "O2",
            "account_crm_id": "A1",
            "name": "Early",
            "amount": "10",
            "status": "won",
            "created_on": "2026-03-01",
            "closed_on": "2026-02-01",
        },
        {"crm_id": "O3", "account_crm_id": "A1", "name": "NaN", "amount": "NaN", "currency": "XYZ"},
    ]
    response = api_client.post(
        reverse("attribution-api:opportunity-bulk-upsert", args=[org.slug]), items, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "at most 12 digits" in errors["0"]["amount"]
    assert "before the creation date" in errors["1"]["closed_on"]
    assert set(errors["2"]) == {"amount", "currency"}
    csv_text = "crm_id,account_crm_id,name,amount,currency\nO1,A1,Huge,1e40,EUR\n"
    assert (
        "at most 12 digits"
        in pipeline.import_preview(org=org, kind="opportunities", content=csv_text)["errors"][2]["amount"]
    )
    assert not Opportunity.objects.for_org(org).exists()


def test_partner_lists_refuse_unknown_countries_and_long_values_without_truncating():
    headers = ["Name", "Country", "Account owner"]
    rows = [(2, ["Globex", "XX", "Jana"]), (3, ["Initech", "AT", "o" * 151])]
    mapping = mapping_importing.guess_mapping(headers)
    cleaned, errors = mapping_importing.validate_rows(
        headers=headers, rows=rows, mapping=mapping, default_population="customer"
    )
    assert [(e["row"], e["field"]) for e in errors] == [(2, "country"), (3, "owner_name")]
    assert cleaned[1]["country"] == "AT"


# The commit is a job ---------------------------------------------------------------------------


def test_commit_runs_as_a_job_with_progress_and_writes_every_row(
    member_client, org, django_capture_on_commit_callbacks
):
    upload(member_client, org, b"Name,Domain\nAcme,acme.com\nBeta,beta.io\n")
    run = last_run(org)
    preview(member_client, org, run)
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(url("import_commit", org, run.pk))
    assert response.status_code == 302 and response.url == url("import_run", org, run.pk)
    job = Job.objects.for_org(org).get(kind="partners.import")
    assert (job.status, job.progress, job.done_count, job.total_count) == ("done", 100, 4, 4)
    assert job.result == {"created": 2, "updated": 0}
    assert last_run(org).status == "imported" and Partner.objects.for_org(org).count() == 2
    page = member_client.get(url("import_run", org, run.pk)).content.decode()
    assert f'id="job-{job.pk}"' in page and "2 partner(s) created, 0 updated" in page
    assert member_client.post(url("import_commit", org, run.pk)).status_code == 302  # a second commit is refused
    assert Job.objects.for_org(org).filter(kind="partners.import").count() == 1


def test_commit_job_rejects_rows_that_went_bad_since_the_preview_with_a_report(
    member_client, org, django_capture_on_commit_callbacks
):
    program = ProgramFactory(organization=org, name="Reseller")
    upload(member_client, org, b"Name,Program\nAcme,Reseller\n")
    run = last_run(org)
    preview(member_client, org, run)
    program.delete()  # between the dry run and the job
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(url("import_commit", org, run.pk))
    job = Job.objects.for_org(org).get(kind="partners.import")
    assert job.status == "failed" and "1 problem(s) found" in job.error
    assert last_run(org).status == "failed" and not Partner.objects.for_org(org).exists()
    report = member_client.get(reverse("org_job_file", args=[org.slug, job.pk]))
    assert b"2,Program,Unknown program" in b"".join(report.streaming_content)


def test_an_import_whose_job_died_can_be_committed_again(member_client, org, django_capture_on_commit_callbacks):
    upload(member_client, org, b"Name\nAcme\n")
    run = last_run(org)
    preview(member_client, org, run)
    member_client.post(url("import_commit", org, run.pk))  # queued, never run (no worker)
    Job.objects.for_org(org).filter(kind="partners.import").update(status="failed", error="worker lost")
    assert last_run(org).status == "importing"
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(url("import_commit", org, run.pk))
    assert last_run(org).status == "imported" and Partner.objects.for_org(org).filter(name="Acme").exists()


def test_error_report_of_another_orgs_run_is_404(client_for, org, other_org, member, other_member, outsider):
    run = ImportRun.objects.create(organization=org, original_name="x.csv", file_path="imports/x.csv", file_type="csv")
    guest = WorkspaceMemberFactory(workspace__organization=org).user
    for user in (other_member, outsider, guest):
        assert client_for(user).get(url("import_errors", org, run.pk)).status_code == 404
    assert client_for(other_member).get(url("import_errors", other_org, run.pk)).status_code == 404


# Any bytes: a preview or a clear error, never an exception ------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.lists(st.text(max_size=12), min_size=1, max_size=6).map(lambda cells: ("Name," + ",".join(cells)).encode()),
        st.text(max_size=200).map(lambda t: ("Name,Country,Industry\n" + t).encode("utf-16")),
    ),
    file_type=st.sampled_from(["csv", "xlsx"]),
)
def test_any_bytes_give_a_preview_or_a_clear_error(org, content, file_type):
    try:
        table = importing.read_file(content, file_type)
    except ValidationError as exc:
        assert exc.message_dict["file"]
        return
    numbers, rows = validation.row_dicts(table)
    mapping = importing.guess_mapping(table.headers) or {"name": table.headers[0]}
    checked = importing.validate_rows(org=org, rows=importing.apply_mapping(rows, mapping), numbers=numbers)
    assert all(isinstance(e["row"], int) and e["field"] and e["message"] for e in importing.errors_of(checked))
    for kind in ("accounts", "opportunities"):
        result = pipeline.import_preview(org=org, kind=kind, content=content)
        assert set(result) >= {"rows", "errors"}
