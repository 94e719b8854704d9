"""What the pages show of a catalogue: grouped by SK category, and still usable when one of the
organisation's own indicators no longer checks (the shipped part is shown with the problems)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gachi.config import Settings
from gachi.db.models import CustomIndicator
from gachi.db.tenancy import TenantRepository
from gachi.domains.programmes import own, service
from gachi.domains.programmes.catalogue import shipped_catalog
from gachi.domains.programmes.schemas import IssueOut, issue_out
from gachi.engine.catalog import Catalog, Entry
from gachi.engine.spec import SKCategory
from gachi.errors import CatalogInvalid
from gachi.kernel.i18n import Lang

CATEGORIES = tuple(c.value for c in SKCategory)


@dataclass(frozen=True)
class CatalogueState:
    catalog: Catalog
    own_rows: Mapping[str, CustomIndicator]
    problems: list[tuple[str | None, IssueOut]] = field(default_factory=list)  # (file, issue)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def own_ids(self) -> frozenset[str]:
        return frozenset(self.own_rows)


def catalogue_state(repo: TenantRepository, settings: Settings, lang: Lang) -> CatalogueState:
    rows = {row.indicator_id: row for row in own.own_indicators(repo)}
    try:
        return CatalogueState(service.org_catalog(repo, settings), rows)
    except CatalogInvalid as err:
        problems = [(i.where.file if i.where else None, issue_out(i, lang)) for i in err.issues]
        return CatalogueState(shipped_catalog(Path(settings.catalog_dir)), rows, problems)


def category_groups(
    catalog: Catalog, lang: Lang, exclude: Iterable[str] = ()
) -> list[tuple[str, list[Entry]]]:
    """The catalogue's entries by SK category (in the SK order), by name within each."""
    skip = set(exclude)
    groups: dict[str, list[Entry]] = {c: [] for c in CATEGORIES}
    for ident, entry in catalog.entries.items():
        if ident not in skip:
            groups[entry.spec.frameworks.sk.value].append(entry)
    return [
        (c, sorted(entries, key=lambda e: e.spec.name.get(lang)))
        for c, entries in groups.items()
        if entries
    ]
