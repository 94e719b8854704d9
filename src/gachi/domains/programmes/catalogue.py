"""An organisation's catalogue: the shipped indicators plus its own, checked by the real loader.

The engine loads catalogues from folders, so an organisation's catalogue is the shipped files and
its own definitions written together into a temporary folder and given to `load_catalog` — the
same checks the CLI runs, nothing re-implemented here. Loading the shipped catalogue takes a few
tenths of a second, so it is cached by the files' modification times, and a catalogue with own
indicators (and the result of checking a definition) by the hash of their texts.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import yaml

from gachi.engine.catalog import Catalog, Entry, indicator_files, load_catalog
from gachi.engine.load import read_model
from gachi.engine.spec import Indicator
from gachi.errors import CatalogInvalid, GachiError, Issue, Location
from gachi.kernel.text import code_point, is_hidden

log = logging.getLogger("gachi.programmes")

MAX_CHARS = 20_000  # far more than any real definition; keeps a live check cheap
OWN_FOLDER = "own"  # where own definitions go inside the temporary catalogue folder
# The characters PyYAML refuses to read (its reader raises an error that carries no line).
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


@dataclass(frozen=True)
class Checked:
    """What checking one definition found: its issues (positions are in its own text) and, when
    it could be read, the indicator it defines."""

    issues: tuple[Issue, ...]
    spec: Indicator | None
    # For an issue found in another indicator of the catalogue: that indicator's id, by index.
    others: tuple[str | None, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.issues

    def other(self, index: int) -> str | None:
        return self.others[index] if index < len(self.others) else None


# ---------------------------------------------------------------------------------- caches

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Lru(OrderedDict[K, V]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self.lock = threading.Lock()

    def find(self, key: K) -> V | None:
        with self.lock:
            if key not in self:
                return None
            self.move_to_end(key)
            return self[key]

    def keep(self, key: K, value: V) -> V:
        with self.lock:
            self[key] = value
            while len(self) > self.size:
                self.popitem(last=False)
        return value


_shipped: _Lru[str, tuple[tuple[int, int, int], Catalog]] = _Lru(8)
_built: _Lru[tuple[object, ...], Catalog] = _Lru(32)
_checked: _Lru[tuple[object, ...], Checked] = _Lru(256)


def _stamp(folder: Path) -> tuple[int, int, int]:
    """Changes when a file of the folder is added, removed or edited in place."""
    files = [*indicator_files(folder), folder / "catalog.yaml"]
    times = [p.stat().st_mtime_ns for p in files if p.exists()]
    return folder.stat().st_mtime_ns, max(times, default=0), len(times)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def shipped_catalog(folder: Path) -> Catalog:
    """The shipped catalogue in `folder`, loaded once until one of its files changes."""
    folder = Path(folder)
    stamp = _stamp(folder)
    key = str(folder.resolve())
    found = _shipped.find(key)
    if found is not None and found[0] == stamp:
        return found[1]
    return _shipped.keep(key, (stamp, load_catalog(folder)))[1]


# ------------------------------------------------------------------- loading with own texts


def _load(
    shipped: Catalog, folder: Path, texts: Sequence[str]
) -> tuple[Catalog | None, list[tuple[int | None, str, Issue]]]:
    """Load the shipped files with `texts` as extra definitions. On failure, every issue comes
    back with the index of the text it is in (None for a shipped file) and that file's stem."""
    with tempfile.TemporaryDirectory(prefix="gachi-catalog-") as tmp:
        root = Path(tmp)
        for path in indicator_files(folder):
            target = root / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        own = root / OWN_FOLDER
        own.mkdir(exist_ok=True)
        index: dict[str, int] = {}
        for n, text in enumerate(texts):
            path = own / f"definition_{n}.yaml"
            path.write_text(text, encoding="utf-8")
            index[str(path)] = n
        try:
            return load_catalog(root, settings=shipped.settings), []
        except GachiError as err:
            found = []
            for issue in err.issues:
                file = issue.where.file if issue.where else None
                stem = Path(file).stem if file else ""
                found.append((index.get(file) if file else None, stem, issue))
            return None, found


def _own_entry(entry: Entry, label: str) -> Entry:
    # Shown in explanations and lineage: a name that means something, not a temporary path.
    return replace(entry, file=label, positions=replace(entry.positions, file=label))


def own_label(indicator_id: str) -> str:
    return f"{OWN_FOLDER}/{indicator_id}.yaml"


def build_catalog(folder: Path, own: Sequence[tuple[str, str]]) -> Catalog:
    """The shipped catalogue with the organisation's own definitions (`(indicator_id, text)`),
    or `CatalogInvalid` with every issue, located in `own/<indicator_id>.yaml`."""
    shipped = shipped_catalog(folder)
    if not own:
        return shipped
    own = sorted(own)
    key = (str(Path(folder).resolve()), _stamp(Path(folder)), *((i, _digest(t)) for i, t in own))
    found = _built.find(key)
    if found is not None:
        return found
    # Definitions kept before their characters were checked: refused here too, so none reaches
    # a run, a report or a public book.
    hidden = [i for ident, t in own for i in hidden_in(_normalise(t), own_label(ident))]
    if hidden:
        raise CatalogInvalid.of(hidden)
    loaded, problems = _load(shipped, Path(folder), [_normalise(t) for _, t in own])
    if loaded is None:
        issues = []
        for n, stem, issue in problems:
            label = own_label(own[n][0]) if n is not None else f"{stem}.yaml"
            where = replace(issue.where, file=label) if issue.where else Location(label)
            issues.append(Issue(issue.code, issue.params, where))
        raise CatalogInvalid.of(issues)
    labels = {_read_id(t): own_label(i) for i, t in own}
    entries = {
        ident: shipped.entries.get(ident) or _own_entry(entry, labels.get(ident, own_label(ident)))
        for ident, entry in loaded.entries.items()
    }
    catalog = Catalog(
        shipped.folder, shipped.settings, entries, loaded.order, loaded.rates, loaded.price_indices
    )
    return _built.keep(key, catalog)


def _read_id(text: str) -> str | None:
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    ident = data.get("id") if isinstance(data, dict) else None
    return ident if isinstance(ident, str) else None


def _normalise(text: str) -> str:
    # A browser sends a textarea's lines ending in CRLF; positions count lines the same either way.
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ----------------------------------------------------------------------- checking one text


def check_definition(folder: Path, text: str, others: Sequence[tuple[str, str]] = ()) -> Checked:
    """Check `text` as one more indicator of the catalogue made of the shipped folder and the
    organisation's `others` (`(indicator_id, text)`, without the one being edited). Never raises
    for anything in `text`: every problem is an issue with its line and column."""
    text = _normalise(text)
    others = sorted(others)
    key = (
        str(Path(folder).resolve()),
        _stamp(Path(folder)),
        _digest(text),
        *((i, _digest(t)) for i, t in others),
    )
    found = _checked.find(key)
    if found is not None:
        return found
    try:
        checked = _check(folder, text, others)
    except (RecursionError, ValueError, OverflowError, TypeError, MemoryError) as ex:
        # Input the YAML library itself chokes on (nesting thousands deep, an integer of
        # thousands of digits): a message for the person, the details for us.
        log.warning("definition check failed: %r", ex)
        checked = Checked((Issue("indicator.definition-unreadable", {}),), None)
    return _checked.keep(key, checked)


def _check(folder: Path, text: str, others: Sequence[tuple[str, str]]) -> Checked:
    first = _first_look(text)
    if first is not None:
        return Checked((first,), None)
    hidden = hidden_in(text)
    if hidden:
        return Checked(tuple(hidden), None)
    shipped = shipped_catalog(folder)
    with tempfile.TemporaryDirectory(prefix="gachi-definition-") as tmp:
        path = Path(tmp) / "definition.yaml"
        path.write_text(text, encoding="utf-8")
        spec, pos, problems = read_model(path, Indicator)
    if problems or spec is None or pos is None:
        return Checked(tuple(_here(i) for i in problems), None)
    id_at = _here_at(pos.at(("id",), len(spec.id)))
    if spec.id in shipped.entries:
        return Checked((Issue("indicator.id-shipped", {"id": spec.id}, id_at),), spec)
    if spec.id in {i for i, _ in others}:
        return Checked((Issue("indicator.id-taken", {"id": spec.id}, id_at),), spec)
    texts = [_normalise(t) for _, t in others]
    _, found = _load(shipped, folder, [*texts, text])
    mine = len(texts)
    issues: list[Issue] = []
    who: list[str | None] = []
    for n, stem, issue in found:
        if n == mine:
            issues.append(_here(issue))
            who.append(None)
        else:
            # A problem this text causes in another indicator (it now shadows one of its
            # names, or changed a unit it relies on): shown at this text's id.
            issues.append(Issue(issue.code, issue.params, id_at))
            who.append(others[n][0] if n is not None else stem)
    return Checked(tuple(issues), spec, tuple(who))


def _first_look(text: str) -> Issue | None:
    """What stops the YAML reader before it can say where: size, encoding, control characters."""
    if len(text) > MAX_CHARS:
        return Issue("indicator.definition-too-long", {"limit": MAX_CHARS})
    if not text.strip():
        return Issue("indicator.definition-empty", {})
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return Issue("indicator.definition-encoding", {})
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        start = text.rfind("\n", 0, bad.start()) + 1
        end = text.find("\n", bad.start())
        source = text[start : end if end >= 0 else len(text)]
        where = Location(None, line, bad.start() - start + 1, 1, source)
        return Issue("indicator.definition-character", {"code": f"U+{ord(bad.group()):04X}"}, where)
    return None


MAX_HIDDEN_ISSUES = 20


def hidden_in(text: str, file: str | None = None) -> list[Issue]:
    """Every control, zero-width and direction character of a definition (U+202E, U+200B …),
    each at its line and column: held to the same check as the names others read
    (`kernel.text`). The whole text, comments too: any string of it may reach a page, a report
    or a public book, and a direction character reorders what the editor itself shows."""
    issues = []
    for number, line in enumerate(text.split("\n"), start=1):
        for col, ch in enumerate(line, start=1):
            if is_hidden(ch, multiline=True):
                where = Location(file, number, col, 1, line, field="definition")
                chars = {"field": "definition", "chars": code_point(ch)}
                issues.append(Issue("text.hidden-characters", chars, where))
                if len(issues) == MAX_HIDDEN_ISSUES:
                    return issues
    return issues


def _here(issue: Issue) -> Issue:
    """The issue with its place named in the text itself, not in a temporary file."""
    if issue.where is None:
        return issue
    return Issue(issue.code, issue.params, _here_at(issue.where), issue.severity)


def _here_at(where: Location) -> Location:
    return replace(where, file=None)
