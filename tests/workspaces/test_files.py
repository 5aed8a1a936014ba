"""File upload checks, members-only download, deletion rights."""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from workspaces import filetypes, services
from workspaces.models import WorkspaceFile
from workspaces.selectors import workspace_access

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _upload(world, user, name, content):
    access = workspace_access(user=user, workspace=world.workspace)
    return services.file_upload(access=access, actor=user, uploaded=SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    "name, content",
    [("deck.pdf", b"%PDF-1.7 x"), ("logo.png", PNG), ("photo.JPG", b"\xff\xd8\xff\xe0x"), ("plan.docx", None)],
)
def test_allowed_files_are_stored_outside_static_with_a_safe_name(world, settings, name, content):
    record = _upload(world, world.ws_editor, name, content if content is not None else _docx())
    assert record.original_name == name
    assert record.file.name == f"workspace-files/{world.org.pk}/{record.public_id}"
    assert record.file.path.startswith(str(settings.MEDIA_ROOT))
    assert "static" not in record.file.path


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("run.exe", b"MZ...", "not an allowed type"),
        ("page.html", b"<html>", "not an allowed type"),
        ("fake.pdf", b"<script>alert(1)</script>", "does not look like a real .pdf"),
        ("fake.png", b"%PDF-1.4", "does not look like a real .png"),
        ("fake.docx", b"PK\x03\x04garbage", "does not look like a real .docx"),
        ("binary.csv", b"a,b\x00\x01", "does not look like a real .csv"),
        ("empty.txt", b"", "is empty"),
    ],
)
def test_forbidden_or_disguised_files_are_refused_and_nothing_is_stored(world, settings, name, content, reason):
    with pytest.raises(ValidationError, match=reason):
        _upload(world, world.ws_editor, name, content)
    assert not WorkspaceFile.objects.exists()
    folder = settings.MEDIA_ROOT / "workspace-files"
    assert not folder.exists() or not any(folder.rglob("*"))


def test_file_over_20_mb_is_refused_with_a_clear_message(world):
    big = SimpleUploadedFile("big.txt", b"a" * (filetypes.MAX_FILE_SIZE + 1))
    access = workspace_access(user=world.ws_editor, workspace=world.workspace)
    with pytest.raises(ValidationError, match="the limit is 20 MB"):
        services.file_upload(access=access, actor=world.ws_editor, uploaded=big)
    assert not WorkspaceFile.objects.exists()


def test_upload_page_shows_the_reason(world, client_for):
    response = client_for(world.ws_editor).post(
        reverse("workspaces:files", args=[world.workspace.public_id]), {"file": SimpleUploadedFile("x.exe", b"MZ")}
    )
    assert response.status_code == 400
    assert "not an allowed type" in response.content.decode()


def test_download_is_an_attachment_with_nosniff_for_members_only(world, client_for):
    record = _upload(world, world.ws_editor, "notes.txt", b"hello partner")
    url = reverse("workspaces:file_download", args=[world.workspace.public_id, record.public_id])
    response = client_for(world.ws_viewer).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="notes.txt"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "text/plain"
    assert b"".join(response.streaming_content) == b"hello partner"
    assert client_for(world.other_partner).get(url).status_code == 404
    # A file id of this workspace under another workspace's URL is not found either.
    other = reverse("workspaces:file_download", args=[world.other_workspace.public_id, record.public_id])
    assert client_for(world.other_partner).get(other).status_code == 404


def test_delete_by_uploader_or_owner_only(world, client_for):
    record = _upload(world, world.ws_editor, "notes.txt", b"hello")
    other_editor_access = workspace_access(user=world.vendor_manager, workspace=world.workspace)
    with pytest.raises(PermissionDenied):
        services.file_delete(access=other_editor_access, actor=world.vendor_manager, record=record)
    url = reverse("workspaces:file_delete", args=[world.workspace.public_id, record.public_id])
    assert client_for(world.ws_viewer).post(url).status_code == 403
    assert client_for(world.ws_owner).post(url).status_code == 302
    assert not WorkspaceFile.objects.exists()


def test_uploader_deletes_own_file_and_bytes_go(world, django_capture_on_commit_callbacks):
    import os

    record = _upload(world, world.ws_editor, "notes.txt", b"hello")
    path = record.file.path
    access = workspace_access(user=world.ws_editor, workspace=world.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        services.file_delete(access=access, actor=world.ws_editor, record=record)
    assert not os.path.exists(path)
