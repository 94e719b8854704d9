"""The demo's evidence files, made here rather than shipped: a one-page PDF of a few lines.

The bytes depend on the lines alone (no date, no random id), so loading the demo again stores
the very same file, at the same content-addressed place.
"""

from __future__ import annotations

from collections.abc import Sequence


def pdf(lines: Sequence[str]) -> bytes:
    """A valid one-page A4 PDF showing `lines` (ASCII) in Helvetica, top to bottom."""
    shown = " ".join(f"({_escaped(line)}) '" for line in lines)
    content = f"BT /F1 11 Tf 16 TL 56 800 Td {shown} ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _escaped(line: str) -> str:
    if not line.isascii():
        raise ValueError(f"the demo's PDF lines are ASCII (Helvetica has no Hangul): {line!r}")
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
