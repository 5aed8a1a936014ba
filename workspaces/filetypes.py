"""Which files a workspace accepts: the extension AND the content must agree (pure, no queries).

The browser's content type is ignored: we store the type that belongs to the checked extension, so a
file is always served as what it was verified to be.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath

MAX_FILE_SIZE = 20 * 1024 * 1024

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "csv": "text/csv",
    "txt": "text/plain",
}
OFFICE_FOLDERS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
ALLOWED_LABEL = "PDF, PNG, JPG, DOCX, XLSX, PPTX, CSV or TXT"


def extension(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


def check_upload(name: str, size: int, fileobj) -> str | None:
    """The reason this upload is refused, or None when it is acceptable. Leaves `fileobj` rewound."""
    ext = extension(name)
    if ext not in CONTENT_TYPES:
        return f"“{name}” is not an allowed type: upload {ALLOWED_LABEL}."
    if size > MAX_FILE_SIZE:
        return f"“{name}” is {size / 1024 / 1024:.1f} MB; the limit is {MAX_FILE_SIZE // (1024 * 1024)} MB."
    if size == 0:
        return f"“{name}” is empty."
    fileobj.seek(0)
    head = fileobj.read(8192)
    fileobj.seek(0)
    ok = True
    if ext == "pdf":
        ok = head.startswith(b"%PDF-")
    elif ext == "png":
        ok = head.startswith(b"\x89PNG\r\n\x1a\n")
    elif ext in ("jpg", "jpeg"):
        ok = head.startswith(b"\xff\xd8\xff")
    elif ext in OFFICE_FOLDERS:
        ok = head.startswith(b"PK\x03\x04")
        if ok:
            try:
                with zipfile.ZipFile(fileobj) as archive:
                    names = archive.namelist()
                ok = "[Content_Types].xml" in names and any(n.startswith(OFFICE_FOLDERS[ext]) for n in names)
            except zipfile.BadZipFile:
                ok = False
            fileobj.seek(0)
    elif ext in ("csv", "txt"):
        ok = _is_text(head)
    if not ok:
        return f"“{name}” does not look like a real .{ext} file: its content does not match its extension."
    return None
