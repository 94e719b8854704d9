"""What the web layer shares between pages and API: the download response and the scanner."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import FileResponse
from starlette.datastructures import UploadFile

from gachi.config import Settings
from gachi.db.models import Evidence
from gachi.domains.evidence import scan, service

_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._ ()\[\]+-]")
_SENT_NAME = re.compile(r'filename="([^"]*)"')


def sent_filename(upload: UploadFile) -> str | None:
    """The file name as the client sent it. The multipart parser keeps only what follows the
    last backslash of a name like `C:\\x\\y.pdf` (a fix for old Internet Explorer); such a path
    is refused with a message instead, like any other path, so it is read back from the part's
    own header."""
    parsed = upload.filename
    header = upload.headers.get("content-disposition", "")
    try:
        header = header.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return parsed
    sent = _SENT_NAME.search(header)
    if parsed and sent and "\\" in sent.group(1) and sent.group(1).endswith(parsed):
        return sent.group(1)
    return parsed


def scanner(request: Request) -> scan.Scanner:
    """The scanner set on the app (`app.state.evidence_scanner`, for embedding and tests), else
    the one the settings name."""
    chosen = getattr(request.app.state, "evidence_scanner", None)
    if chosen is not None:
        return chosen  # type: ignore[no-any-return]
    return scan.from_settings(request.app.state.settings)


def file_response(settings: Settings, row: Evidence) -> FileResponse:
    """The file as an attachment (never shown inline), with the type detected when it was
    uploaded, and the name in RFC 5987 form beside a plain ASCII fallback."""
    path = service.file_path(settings, row)
    return FileResponse(
        path,
        media_type=row.content_type,
        headers={
            "Content-Disposition": content_disposition(row.filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        },
    )


def content_disposition(filename: str) -> str:
    fallback = _UNSAFE_ASCII.sub("_", filename).strip() or "evidence"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
