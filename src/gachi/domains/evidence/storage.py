"""Evidence files on disk: content-addressed, outside the web root, written atomically.

A file lives at `data_dir/evidence/<sha256[:2]>/<sha256>`: the path is made of the hash alone
(checked to be 64 hex digits), never of anything a person typed, so no name can reach outside
the folder. An upload streams into a temporary file in the same folder while it is hashed and
counted, and is moved into place with `os.replace` only once it has been checked and scanned.

Rows and files are not in one transaction. If the database transaction fails after a file was
moved into place, the file is left without a row: harmless, as the same bytes always land at
the same path and a later upload of them reuses it. The other way round would not be
harmless, so a file is removed only after the deleting transaction has committed, only when no
row (of any organisation: storage is shared) names its hash, and not when it was written in the
last `RECENT_SECONDS` (an upload of the same bytes may be about to commit its row; a file
so kept is one more harmless orphan).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO

from sqlalchemy import event
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.errors import InvalidInput, TooLarge

RECENT_SECONDS = 60.0  # a row commits within moments of its file landing (the scan runs before)
_HASH = re.compile(r"[0-9a-f]{64}")
_BLOCK = 1 << 20
_PENDING = "gachi.evidence.unlink"


@dataclass(frozen=True)
class Incoming:
    """An upload received into a temporary file, not yet kept."""

    path: Path
    sha256: str
    size: int


def limit_bytes(settings: Settings) -> int:
    return settings.evidence_max_mb * 2**20


def root(settings: Settings) -> Path:
    """The evidence folder (`data_dir/evidence`); refuses to work inside the static files."""
    folder = (Path(settings.data_dir) / "evidence").resolve()
    static = Path(str(resources.files("gachi") / "web" / "static")).resolve()
    if folder == static or static in folder.parents:
        raise RuntimeError(f"evidence would be served as static files: {folder}")
    return folder


def path_for(settings: Settings, sha256: str) -> Path:
    """Where the file with this hash lives; `ValueError` for anything but 64 hex digits."""
    if not _HASH.fullmatch(sha256 or ""):
        raise ValueError("not a sha256")
    return root(settings) / sha256[:2] / sha256


def receive(settings: Settings, src: IO[bytes]) -> Incoming:
    """Stream `src` into a temporary file beside the store, hashing and counting; refuse
    (`evidence.too-large`, `evidence.empty`) leaving nothing behind."""
    folder = root(settings)
    folder.mkdir(parents=True, exist_ok=True)
    limit = limit_bytes(settings)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            while block := src.read(_BLOCK):
                size += len(block)
                if size > limit:
                    raise TooLarge(
                        "evidence.too-large", field="file", limit=settings.evidence_max_mb
                    )
                digest.update(block)
                out.write(block)
        if size == 0:
            raise InvalidInput("evidence.empty", field="file")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Incoming(Path(tmp), digest.hexdigest(), size)


def keep(settings: Settings, incoming: Incoming) -> Path:
    """Move the checked upload into its place (atomically; the same bytes may already be
    there, and are replaced by themselves)."""
    final = path_for(settings, incoming.sha256)
    final.parent.mkdir(exist_ok=True)
    os.replace(incoming.path, final)
    return final


def discard(incoming: Incoming) -> None:
    incoming.path.unlink(missing_ok=True)


def unlink_after_commit(db: Session, settings: Settings, sha256: str) -> None:
    """Remove the file of `sha256` once `db` commits (nothing happens if it rolls back)."""
    pending: list[Path] | None = db.info.get(_PENDING)
    if pending is None:
        pending = db.info[_PENDING] = []
        event.listen(db, "after_commit", _unlink_pending)
        event.listen(db, "after_rollback", _forget_pending)
    pending.append(path_for(settings, sha256))


def _unlink_pending(db: Session) -> None:
    cutoff = time.time() - RECENT_SECONDS
    for path in db.info.pop(_PENDING, []):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue
    db.info[_PENDING] = []


def _forget_pending(db: Session) -> None:
    db.info[_PENDING] = []
