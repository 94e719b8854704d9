"""The virus-scan hook: every evidence file is scanned before it is kept.

`Scanner` is the plug: anything with `scan(path) -> Verdict`. The default keeps files as "not
scanned" (recorded on the row and shown beside the file). With GACHI_EVIDENCE_SCAN_COMMAND set
(e.g. `clamdscan --no-summary --fdpass {path}`) that command runs on each file, split like a
shell would (`shlex`) but without a shell: exit 0 is clean, 1 infected (the file is refused
and never kept), anything else, a missing command or a timeout refuses the file as "scanner
unavailable" — an unscanned file is not quietly let through when scanning was asked for.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
from pathlib import Path
from typing import Literal, Protocol

from gachi.config import Settings
from gachi.errors import GachiError

Verdict = Literal["clean", "not-scanned", "infected"]

log = logging.getLogger("gachi.evidence")


class ScannerUnavailable(GachiError):
    code = "scan.unavailable"
    status = 503


class Scanner(Protocol):
    def scan(self, path: Path) -> Verdict:
        """The verdict on the file at `path`; `ScannerUnavailable` when there is none."""
        ...


class NotScanned:
    def scan(self, path: Path) -> Verdict:
        return "not-scanned"


class CommandScanner:
    """Runs `command` (with `{path}` replaced by the file's path, or the path appended)."""

    def __init__(self, command: str, timeout: float = 120.0) -> None:
        self.argv = shlex.split(command)
        if not self.argv:
            raise ValueError("empty scan command")
        self.timeout = timeout

    def scan(self, path: Path) -> Verdict:
        if any("{path}" in arg for arg in self.argv):
            argv = [arg.replace("{path}", str(path)) for arg in self.argv]
        else:
            argv = [*self.argv, str(path)]
        try:
            done = subprocess.run(  # noqa: S603 - a configured command, no shell, path as one arg
                argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as ex:
            log.warning("evidence scanner did not answer: %s", ex)
            raise ScannerUnavailable() from None
        if done.returncode == 0:
            return "clean"
        if done.returncode == 1:
            return "infected"
        log.warning(
            "evidence scanner failed with exit %s: %s",
            done.returncode,
            done.stderr[-500:].decode("utf-8", "replace"),
        )
        raise ScannerUnavailable()


def from_settings(settings: Settings) -> Scanner:
    if settings.evidence_scan_command:
        return CommandScanner(settings.evidence_scan_command, settings.evidence_scan_timeout)
    return NotScanned()
