"""Consent (who may give it, withdrawal) and the partner's list upload: bad input is named by row and
field, nothing is replaced until the whole new list is valid, re-uploads replace and are recorded."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from attribution import mapping_importing
from attribution.mapping_models import AccountMap, AccountMatch, PartnerAccount, PartnerAccountList
from pom.models import AuditEvent
from tests.factories import AccountFactory
from tests.mapping.conftest import agree, upload_list


def _map(scene):
    return AccountMap.objects.for_org(scene.org).get(partnership=scene.partnership)


def test_only_admins_and_partner_owners_give_consent_and_keys_never(
    scene, member, admin_user, client_for, api_key_client
):
    vendor_url = reverse("attribution:mapping_action", args=[scene.org.slug, scene.partnership.pk, "opt-in"])
    response = client_for(member).post(vendor_url)
    assert response.status_code == 403 and b"admin or owner" in response.content
    key_url = reverse("attribution-api:account-map-opt-in", args=[scene.org.slug, _map(scene).pk])
    response = api_key_client("write").post(key_url)
    assert response.status_code == 403 and "person" in response.json()["detail"]
    partner_url = reverse("workspaces:mapping_action", args=[scene.ws, "opt-in"])
    assert client_for(scene.partner_editor).post(partner_url).status_code == 403
    assert _map(scene).vendor_opt_in_at is None and _map(scene).partner_opt_in_at is None
    agree(client_for, admin_user, scene)
    account_map = _map(scene)
    assert account_map.vendor_opt_in_by == admin_user and account_map.partner_opt_in_by == scene.partner_owner
    assert AuditEvent.objects.for_org(scene.org).filter(verb="mapping opt-in").count() == 2


def test_withdrawal_deletes_the_overlaps_and_hides_everything_at_once(
    scene, vendor_accounts, admin_user, member, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        agree(client_for, admin_user, scene)
        upload_list(client_for(scene.partner_editor), scene)
    assert AccountMatch.objects.for_org(scene.org).count() == 4
    client_for(scene.partner_owner).post(reverse("workspaces:mapping_action", args=[scene.ws, "withdraw"]))
    assert AccountMatch.objects.for_org(scene.org).count() == 0
    page = client_for(member).get(reverse("attribution:mapping_detail", args=[scene.org.slug, scene.partnership.pk]))
    assert all(cell["count"] is None for row in page.context["matrix"]["rows"] for cell in row["cells"])
    assert b"Globex Corp<" not in page.content
    assert PartnerAccount.objects.for_org(scene.org).count() == 5  # the list stays, for the partner to delete
    client_for(scene.partner_owner).post(reverse("workspaces:mapping_action", args=[scene.ws, "delete-list"]))
    assert PartnerAccount.objects.for_org(scene.org).count() == 0


def _upload(client, scene, content, name="accounts.csv"):
    return client.post(
        reverse("workspaces:mapping_action", args=[scene.ws, "upload"]), {"file": SimpleUploadedFile(name, content)}
    )


def _check(client, response, **columns):
    list_url = response["Location"]
    form = client.get(list_url).context["form"]
    data = {name: field.initial or "" for name, field in form.fields.items()}
    data.update({"default_population": "customer", **columns})
    return client.post(list_url, data)


def test_bad_lists_are_refused_naming_row_and_field(scene, client_for, monkeypatch, other_member, outsider):
    client = client_for(scene.partner_editor)
    response = _check(client, _upload(client, scene, b"Notes,Amount\nhello,12\n"))
    assert response.status_code == 400
    assert "needs a column with the company name or its web domain" in response.content.decode()
    duplicate = (
        b"Name,Domain\nGlobex,globex.com\nGlobex GmbH,www.globex.com\nInitech,\nINITECH,\n,\nNoDomain,not a domain\n"
    )
    uploaded = _upload(client, scene, duplicate)
    response = _check(client, uploaded)
    errors = {(e["row"], e["field"]): e["message"] for e in response.context["errors"]}
    assert errors[(3, "domain")].startswith("The same company as row 2")
    assert errors[(5, "name")].startswith("The same company as row 4")
    assert "is not a web domain" in errors[(7, "domain")]
    report_url = uploaded["Location"] + "?download=errors"  # the check's problems as a CSV file
    assert "3,Domain,The same company as row 2" in client.get(report_url).content.decode("utf-8-sig")
    for stranger in (other_member, outsider):
        assert client_for(stranger).get(report_url).status_code == 404
    response = _upload(client, scene, "Name\nSociété Générale\n".encode("latin-1"))  # read as Windows-1252
    assert PartnerAccountList.objects.for_org(scene.org).latest("pk").headers == ["Name"]
    response = _upload(client, scene, "Name\nSociété Générale\n".encode("utf-16-le"))  # UTF-16 without its BOM
    assert response.status_code == 400 and "UTF-16 text without a byte-order mark" in response.content.decode()
    monkeypatch.setattr(mapping_importing, "MAX_UPLOAD_BYTES", 1024 * 1024)
    response = _upload(client, scene, b"Name\n" + b"x" * (1024 * 1024 + 10))
    assert response.status_code == 400 and "the limit is 1 MB" in response.content.decode()
    monkeypatch.undo()
    with pytest.raises(ValidationError) as refused:
        mapping_importing.check_upload(name="big.csv", size=50 * 1024 * 1024)
    assert "The file is 50.0 MB; the limit is 20 MB" in str(refused.value)
    assert not PartnerAccountList.objects.for_org(scene.org).filter(status="current").exists()


def test_viewers_cannot_upload(scene, client_for):
    response = _upload(client_for(scene.partner_viewer), scene, b"Name\nGlobex\n")
    assert response.status_code == 403


def test_a_reupload_replaces_only_when_the_whole_list_is_valid(
    scene, admin_user, client_for, django_capture_on_commit_callbacks
):
    AccountFactory(organization=scene.org, name="Globex", domain="globex.com", type="customer")
    editor = client_for(scene.partner_editor)
    with django_capture_on_commit_callbacks(execute=True):
        agree(client_for, admin_user, scene)
        upload_list(editor, scene, content="Name,Domain\nGlobex,globex.com\nInitech,initech.de\n")
    first = PartnerAccountList.objects.for_org(scene.org).get(status="current")
    with django_capture_on_commit_callbacks(execute=True):
        bad = upload_list(editor, scene, content="Name,Domain\nHooli,hooli.com\nHooli again,hooli.com\n", name="v2.csv")
    assert bad.status_code == 400
    assert PartnerAccountList.objects.for_org(scene.org).get(status="current") == first
    assert set(PartnerAccount.objects.for_org(scene.org).values_list("name", flat=True)) == {"Globex", "Initech"}
    with django_capture_on_commit_callbacks(execute=True):
        upload_list(client_for(scene.partner_owner), scene, content="Name,Domain\nHooli,hooli.com\n", name="v3.csv")
    current = PartnerAccountList.objects.for_org(scene.org).get(status="current")
    assert current.original_name == "v3.csv" and current.uploaded_by == scene.partner_owner
    assert list(PartnerAccount.objects.for_org(scene.org).values_list("name", flat=True)) == ["Hooli"]
    first.refresh_from_db()
    assert first.status == "replaced" and first.replaced_at is not None
    assert AccountMatch.objects.for_org(scene.org).count() == 0  # Globex is no longer in their list


def test_xlsx_lists_are_read_too(scene, client_for):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Account Name", "Web Site", "Type"])
    book.active.append(["Globex", "globex.com", "Prospect"])
    buffer = io.BytesIO()
    book.save(buffer)
    client = client_for(scene.partner_editor)
    response = _check(client, _upload(client, scene, buffer.getvalue(), name="list.xlsx"))
    assert response.status_code == 200
    assert response.context["preview"][0]["population"] == "prospect"
