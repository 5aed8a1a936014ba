"""Exports: formula cells neutralised (OWASP CSV injection) in CSV and XLSX, list exports hold exactly the
filtered list, a large export runs as a job with a file, and nobody outside the organization gets one."""

import csv
import datetime
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pom import exports
from pom.models import Job
from tests.factories import OpportunityFactory, PartnerFactory

DANGEROUS = ["=SUM(A1:A9)", "+1+2", "-2+3", "@cmd", "\tx", "\rx"]


def csv_rows(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def test_writer_neutralises_formula_cells_in_csv_and_xlsx():
    rows = [[text, D("12.50"), datetime.date(2026, 3, 1)] for text in DANGEROUS] + [["plain", -5, None]]
    lines = list(csv.reader(io.StringIO(exports.csv_bytes(header=["=h", "n", "d"], rows=rows).decode()), strict=True))
    assert lines[0][0] == "'=h"
    assert [line[0] for line in lines[1:7]] == ["'" + t for t in DANGEROUS]
    assert lines[1][1:] == ["12.50", "2026-03-01"] and lines[7] == ["plain", "-5", ""]  # numbers stay numbers
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(header=["=h", "n", "d"], rows=rows))).active
    assert sheet.cell(row=2, column=1).value == "'=SUM(A1:A9)" and sheet.cell(row=2, column=1).data_type == "s"
    assert sheet.cell(row=2, column=2).value == 12.5 and sheet.cell(row=8, column=2).value == -5


def test_partner_export_matches_the_filtered_list_and_neutralises(org, member_client):
    PartnerFactory(organization=org, name='=HYPERLINK("http://x")', status="active")
    PartnerFactory(organization=org, name="Active Ltd", status="active")
    PartnerFactory(organization=org, name="Prospect Ltd", status="prospect")
    url = reverse("reports:list_export", args=[org.slug, "partners"])
    rows = csv_rows(member_client.get(url, {"format": "csv", "status": "active"}))
    assert rows[0][0] == "name" and sorted(r[0] for r in rows[1:]) == ['\'=HYPERLINK("http://x")', "Active Ltd"]
    # the list page links to it with its filters
    page = member_client.get(reverse("partners:list", args=[org.slug]), {"status": "active"})
    assert f"{url}?format=xlsx&amp;status=active".encode() in page.content


@pytest.mark.parametrize("key", ["plans", "key-results", "activities", "registrations", "credits", "scores"])
def test_every_list_exports_csv_and_xlsx(org, member_client, key):
    url = reverse("reports:list_export", args=[org.slug, key])
    assert csv_rows(member_client.get(url, {"format": "csv"}))[0]
    xlsx = member_client.get(url, {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(xlsx.content)).active.max_row == 1  # the header only: nothing to list


def test_opportunity_export_follows_the_pipeline_filters_and_leaves_other_tenants_out(org, other_org, member_client):
    OpportunityFactory(organization=org, name="Won deal", status="won", type="expansion")
    OpportunityFactory(organization=org, name="Open deal")
    OpportunityFactory(organization=other_org, name="Their won deal", status="won")
    url = reverse("reports:list_export", args=[org.slug, "opportunities"])
    rows = csv_rows(member_client.get(url, {"format": "csv", "status": "won"}))
    assert [r[0] for r in rows[1:]] == ["Won deal"] and rows[1][4] == "Expansion"


def test_export_past_the_row_limit_runs_as_a_job_with_a_file(
    org, member_client, settings, django_capture_on_commit_callbacks
):
    settings.POM_EXPORT_ROW_LIMIT = 2
    for n in range(3):
        PartnerFactory(organization=org, name=f"Partner {n}")
    url = reverse("reports:list_export", args=[org.slug, "partners"])
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.get(url, {"format": "xlsx"})
    job = Job.objects.for_org(org).get(kind="reports.list_export")
    assert response.status_code == 302 and response["Location"] == reverse("org_job", args=[org.slug, job.pk])
    assert job.status == Job.Status.DONE and job.result["rows"] == 3
    page = member_client.get(response["Location"])
    assert b"Download the result" in page.content
    sheet = load_workbook(
        io.BytesIO(b"".join(member_client.get(reverse("org_job_file", args=[org.slug, job.pk])).streaming_content))
    ).active
    assert sheet.max_row == 4


def test_outsiders_and_guests_get_no_export(org, other_member, outsider, client_for):
    PartnerFactory(organization=org, name="Secret partner")
    url = reverse("reports:list_export", args=[org.slug, "partners"])
    for user in (other_member, outsider):
        assert client_for(user).get(url, {"format": "csv"}).status_code == 404
    assert client_for(None).get(url).status_code == 302
