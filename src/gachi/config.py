"""Platform settings, read from the environment (prefix GACHI_). Nothing is created at import."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from gachi.errors import InvalidInput

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_REPO = Path(__file__).resolve().parents[2]


def _default_catalog() -> Path:
    # The shipped catalogue lives beside the package in a checkout (`library/indicators`).
    return _REPO / "library" / "indicators"


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def trusted_proxies(text: str) -> tuple[Network, ...]:
    """The addresses or networks of GACHI_TRUSTED_PROXIES (`10.0.0.5, 192.168.0.0/24, ::1`);
    `config.proxy-invalid` naming the first that is neither."""
    found = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            found.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise InvalidInput("config.proxy-invalid", value=part[:60]) from None
    return tuple(found)


@dataclass(frozen=True)
class Settings:
    """Everything the platform reads from its environment, resolved once."""

    database_url: str = "sqlite:///var/gachi.sqlite3"
    data_dir: Path = Path("var")
    catalog_dir: Path = field(default_factory=_default_catalog)
    cookie_secure: bool = False
    session_hours: float = 12.0
    login_attempts: int = 5  # failures per account (or per address) in `login_window_minutes`
    login_window_minutes: int = 15
    upload_max_mb: int = 20
    run_workers: int = 1
    draws: int = 2000  # Monte-Carlo draws of a run when the person does not choose
    evidence_max_mb: int = 20
    # A virus scanner run on every evidence file before it is kept, e.g.
    # `clamdscan --no-summary --fdpass {path}`; empty: files are kept as "not scanned".
    evidence_scan_command: str = ""
    evidence_scan_timeout: float = 120.0
    # Reverse proxies whose X-Forwarded-For is believed (none by default): anyone else could
    # name any address in that header and so escape the per-address login limit.
    trusted_proxies: tuple[Network, ...] = ()

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("GACHI_DATA_DIR", "var"))
        url = os.environ.get("GACHI_DATABASE_URL") or f"sqlite:///{data_dir / 'gachi.sqlite3'}"
        return cls(
            database_url=url,
            data_dir=data_dir,
            catalog_dir=Path(os.environ.get("GACHI_CATALOG_DIR") or _default_catalog()),
            cookie_secure=_flag("GACHI_COOKIE_SECURE", False),
            session_hours=float(os.environ.get("GACHI_SESSION_HOURS", "12")),
            login_attempts=int(os.environ.get("GACHI_LOGIN_ATTEMPTS", "5")),
            upload_max_mb=int(os.environ.get("GACHI_UPLOAD_MAX_MB", "20")),
            run_workers=int(os.environ.get("GACHI_RUN_WORKERS", "1")),
            evidence_max_mb=int(os.environ.get("GACHI_EVIDENCE_MAX_MB", "20")),
            evidence_scan_command=os.environ.get("GACHI_EVIDENCE_SCAN_COMMAND", "").strip(),
            evidence_scan_timeout=float(os.environ.get("GACHI_EVIDENCE_SCAN_TIMEOUT", "120")),
            trusted_proxies=trusted_proxies(os.environ.get("GACHI_TRUSTED_PROXIES", "")),
        )
