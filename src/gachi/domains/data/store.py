"""Uploaded files kept between the preview and the import, on the server.

A file is stored under `data_dir/uploads/<organisation id>/<sha256>`: the token a person sends
back to confirm is only that hash, checked to be 64 hex digits and looked up in their own
organisation's folder, so it can never name a path, nor another organisation's file. Files not
confirmed within a day are swept away by the next upload.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from gachi.config import Settings
from gachi.errors import InvalidInput, TooLarge

KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Stored:
    token: str  # the file's sha256
    path: Path
    filename: str  # as the person named it, for display only
    size: int


def folder(settings: Settings, organisation_id: int) -> Path:
    return Path(settings.data_dir) / "uploads" / str(int(organisation_id))


def limit_bytes(settings: Settings) -> int:
    return settings.upload_max_mb * 2**20


def keep(settings: Settings, organisation_id: int, src: IO[bytes], filename: str) -> Stored:
    """Copy `src` into the organisation's folder, hashing and counting as it streams; refuse
    (`upload.too-large`, `upload.empty`) without keeping anything."""
    where = folder(settings, organisation_id)
    where.mkdir(parents=True, exist_ok=True)
    _sweep(where)
    limit = limit_bytes(settings)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=where)
    try:
        with os.fdopen(fd, "wb") as out:
            for block in iter(lambda: src.read(1 << 20), b""):
                size += len(block)
                if size > limit:
                    raise TooLarge("upload.too-large", limit=settings.upload_max_mb)
                digest.update(block)
                out.write(block)
        if size == 0:
            raise InvalidInput("upload.empty")
        token = digest.hexdigest()
        path = where / token
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    name = clean_filename(filename)
    (where / f"{token}.json").write_text(json.dumps({"filename": name}), encoding="utf-8")
    return Stored(token, path, name, size)


def stored(settings: Settings, organisation_id: int, token: str) -> Stored:
    """The kept file `token` of this organisation, or `upload.expired`."""
    if not _TOKEN.fullmatch(token or ""):
        raise InvalidInput("upload.expired")
    where = folder(settings, organisation_id)
    path = where / token
    if not path.is_file():
        raise InvalidInput("upload.expired")
    try:
        meta = json.loads((where / f"{token}.json").read_text(encoding="utf-8"))
        name = clean_filename(str(meta.get("filename", "")))
    except (OSError, ValueError, AttributeError):
        name = "upload"
    return Stored(token, path, name, path.stat().st_size)


def forget(settings: Settings, organisation_id: int, token: str) -> None:
    if _TOKEN.fullmatch(token or ""):
        where = folder(settings, organisation_id)
        (where / token).unlink(missing_ok=True)
        (where / f"{token}.json").unlink(missing_ok=True)


def clean_filename(name: str) -> str:
    """The last part of a browser-sent name, without control characters, at most 200 long."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return base[:200] or "upload"


def _sweep(where: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in where.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue
