"""Zip archives from strangers (XLSX uploads, evidence files): refused before anything is
inflated when what their central directory declares is absurd, and read with a bound after.

A few kilobytes of deflate can declare, and inflate to, gigabytes (a zip bomb); a workbook of
0.9 MB cost seconds of server time before. Before a byte is inflated, `check` refuses an archive
with too many members, a compression method other than stored or deflate (bzip2 and LZMA inflate
a whole read at once, unbounded), a member that would grow more than `max_ratio` times (real
workbooks and documents stay far below: a 100,000-row sheet is about 11×), or more than
`max_total` bytes in all. The declared sizes may lie: `BoundedZipFile.open` counts what it
inflates and stops at the archive's `max_total` whatever the directory said.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any, Literal, cast

from gachi.errors import InvalidInput

MB = 1 << 20
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}


@dataclass(frozen=True)
class ArchiveLimits:
    max_total: int  # bytes inflated from all members together
    max_ratio: float = 100.0
    ratio_from: int = MB  # a member smaller than this may compress as well as it likes
    max_members: int = 10_000


# Every part of a workbook, inflated: a 100,000-row sheet is about 24 MB of XML.
WORKBOOK = ArchiveLimits(max_total=256 * MB)


def _mb(size: int) -> str:
    return f"{size / MB:,.0f}" if size >= MB else f"{size / MB:.1f}"


def check(archive: zipfile.ZipFile, limits: ArchiveLimits) -> None:
    """`InvalidInput` (`archive.*`) when the central directory of `archive` declares what no
    ordinary document is; reads nothing but the directory."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise InvalidInput("archive.members", count=len(infos), limit=limits.max_members)
    total = 0
    for info in infos:
        if info.compress_type not in _METHODS:
            raise InvalidInput(
                "archive.method", member=info.filename[:80], method=str(info.compress_type)
            )
        size = max(0, info.file_size)
        ratio = size / max(1, info.compress_size)
        if size >= limits.ratio_from and ratio > limits.max_ratio:
            raise InvalidInput(
                "archive.ratio",
                member=info.filename[:80],
                ratio=f"{ratio:,.0f}",
                limit=f"{limits.max_ratio:,.0f}",
            )
        total += size
    if total > limits.max_total:
        raise InvalidInput("archive.too-large", size=_mb(total), limit=_mb(limits.max_total))


class BoundedZipFile(zipfile.ZipFile):
    """A `ZipFile` checked on opening (`check`), whose members inflate `max_total` bytes at
    most, together, whatever their declared sizes."""

    def __init__(self, file: Any, limits: ArchiveLimits) -> None:
        super().__init__(file)
        try:
            check(self, limits)
        except InvalidInput:
            self.close()
            raise
        self.limits = limits
        self.left = limits.max_total

    def open(  # type: ignore[override]  # read only
        self, name: str | zipfile.ZipInfo, mode: Literal["r"] = "r", pwd: bytes | None = None
    ) -> IO[bytes]:
        if mode != "r":
            raise ValueError("a bounded archive is read only")
        return cast(IO[bytes], _Bounded(self, super().open(name, mode, pwd)))


class _Bounded:
    """A member being inflated, charged to its archive's allowance as it goes."""

    def __init__(self, archive: BoundedZipFile, inner: IO[bytes]) -> None:
        self.archive = archive
        self.inner = inner

    def read(self, n: int = -1) -> bytes:
        # Never more than one byte past the allowance: enough to know it was exceeded.
        allowed = self.archive.left + 1
        data = self.inner.read(allowed if n is None or n < 0 else min(n, allowed))
        self.archive.left -= len(data)
        if self.archive.left < 0:
            limit = self.archive.limits.max_total
            raise InvalidInput("archive.too-large", size=f"> {_mb(limit)}", limit=_mb(limit))
        return data

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> _Bounded:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
