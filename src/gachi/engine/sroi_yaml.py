"""Reading a value map from YAML, keeping the line and column of every value.

Scalars are kept as the text written, as a CSV cell would be, so the same cell rules apply to
every format: YAML 1.1's own number rules would read ``1_000`` as 1000, ``1:30`` as 90 and
``017`` as 15. Aliases are refused — a few hundred bytes of nested aliases expand to billions
of values — and so is nesting deeper than a value map ever needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gachi.engine.sroi_fields import (
    ALIASES,
    EITHER,
    FIELDS,
    SETTING_ALIASES,
    SETTINGS,
    norm_heading,
)
from gachi.engine.sroi_raw import RawMap, RawRow, set_meta
from gachi.errors import InvalidInput, Issue, Location
from gachi.kernel.files import read_text

MAX_DEPTH = 20
"""Nesting allowed in a value-map YAML (it needs 4: map, outcome list, outcome, value list)."""

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "timestamp")}
_NULL = _CORE + "null"


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__()
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """Composes nodes without following aliases and refuses nesting beyond `MAX_DEPTH`."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.aliases: list[tuple[str, yaml.Mark]] = []
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()  # type: ignore[no-untyped-call]
            self.aliases.append((str(event.anchor), event.start_mark))
            return yaml.ScalarNode(_NULL, "", event.start_mark, event.end_mark)
        if self.depth >= MAX_DEPTH:
            raise _TooDeep(self.peek_event().start_mark)  # type: ignore[no-untyped-call]
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Yaml:
    """One YAML document as nodes, so each value keeps its line and column."""

    def __init__(self, path: Path) -> None:
        text, _ = read_text(path)
        self.file = str(path)
        self.lines = text.splitlines()
        self.loader = _Loader(text)

    def at(self, node: yaml.Node, name: str | None = None) -> Location:
        start, end = node.start_mark, node.end_mark
        width = end.column - start.column if end.line == start.line else 1
        text = self.lines[start.line] if start.line < len(self.lines) else None
        return Location(self.file, start.line + 1, start.column + 1, max(1, width), text, name)

    def mark(self, mark: Any) -> Location:
        if mark is None:
            return Location(self.file)
        text = self.lines[mark.line] if mark.line < len(self.lines) else None
        return Location(self.file, mark.line + 1, mark.column + 1, 1, text)

    def value(self, node: yaml.Node, issues: list[Issue]) -> Any:
        """A scalar as the text written (None for null); lists and mappings of those."""
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _NULL:
                return None
            if node.tag in _SCALAR_TAGS:
                return node.value
        elif isinstance(node, yaml.SequenceNode) and node.tag == _CORE + "seq":
            return [self.value(item, issues) for item in node.value]
        elif isinstance(node, yaml.MappingNode) and node.tag == _CORE + "map":
            return {str(self.value(k, issues)): self.value(v, issues) for k, v in node.value}
        issues.append(Issue("sroi.yaml-tag", {"tag": node.tag}, self.at(node)))
        return None

    def pairs(
        self, node: yaml.MappingNode, issues: list[Issue]
    ) -> list[tuple[str, yaml.Node, yaml.Node]]:
        out: list[tuple[str, yaml.Node, yaml.Node]] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(self.value(key_node, issues))
            if key in seen:
                issues.append(Issue("sroi.duplicate-key", {"key": key}, self.at(key_node)))
                continue
            seen.add(key)
            out.append((key, key_node, value_node))
        return out


def from_yaml(path: Path, issues: list[Issue]) -> tuple[RawMap, list[RawRow]]:
    """The map-level values and outcome rows of a YAML value map; problems go to `issues`."""
    doc = _Yaml(path)
    try:
        root = _root(doc)
        if not isinstance(root, yaml.MappingNode):
            raise InvalidInput("sroi.yaml-root", where=doc.at(root) if root else Location(doc.file))
        return _yaml_map(doc, root, issues)
    finally:
        doc.loader.dispose()


def _root(doc: _Yaml) -> yaml.Node | None:
    try:
        root = doc.loader.get_single_node()
    except _TooDeep as ex:
        raise InvalidInput("sroi.yaml-too-deep", where=doc.mark(ex.mark), limit=MAX_DEPTH) from None
    except yaml.MarkedYAMLError as ex:
        where = doc.mark(ex.problem_mark or ex.context_mark)
        raise InvalidInput(
            "sroi.yaml-syntax", where=where, detail=ex.problem or ex.context or str(ex)
        ) from None
    except yaml.YAMLError as ex:
        raise InvalidInput("sroi.yaml-syntax", where=Location(doc.file), detail=str(ex)) from None
    if doc.loader.aliases:
        raise InvalidInput.of(
            Issue("sroi.yaml-alias", {"alias": name}, doc.mark(mark))
            for name, mark in doc.loader.aliases
        )
    return root


def _yaml_map(
    doc: _Yaml, root: yaml.MappingNode, issues: list[Issue]
) -> tuple[RawMap, list[RawRow]]:
    meta = RawMap(name=Path(doc.file).stem)
    rows: list[RawRow] = []
    known = ", ".join((*SETTINGS, "outcomes"))
    for key, key_node, node in doc.pairs(root, issues):
        name = (
            "outcomes"
            if norm_heading(key) in ("outcomes", "성과목록")
            else SETTING_ALIASES.get(norm_heading(key))
        )
        if name is None:
            issues.append(Issue("sroi.unknown-key", {"key": key, "known": known}, doc.at(key_node)))
        elif name == "outcomes":
            rows = _yaml_outcomes(doc, node, issues)
        elif name == "investment":
            meta.investment = _yaml_investment(doc, node, key, issues)
        else:
            set_meta(meta, name, doc.value(node, issues), doc.at(node, key), issues)
    return meta, rows


def _yaml_investment(
    doc: _Yaml, node: yaml.Node, key: str, issues: list[Issue]
) -> list[tuple[Any, Location]]:
    if isinstance(node, yaml.ScalarNode):
        return [(doc.value(node, issues), doc.at(node, key))]
    items: list[tuple[Any, Location]] = []
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.ScalarNode):
                items.append((doc.value(item, issues), doc.at(item, key)))
                continue
            amount = None
            if isinstance(item, yaml.MappingNode):
                amount = next(
                    (
                        v
                        for k, _, v in doc.pairs(item, issues)
                        if norm_heading(k) in ("amount", "금액", "value")
                    ),
                    None,
                )
            if isinstance(amount, yaml.ScalarNode):
                items.append((doc.value(amount, issues), doc.at(amount, key)))
            else:
                issues.append(Issue("sroi.yaml-investment", {}, doc.at(item, key)))
        if items or not node.value:
            return items
    issues.append(Issue("sroi.yaml-investment", {}, doc.at(node, key)))
    return items


def _yaml_outcomes(doc: _Yaml, node: yaml.Node, issues: list[Issue]) -> list[RawRow]:
    if not isinstance(node, yaml.SequenceNode):
        issues.append(Issue("sroi.yaml-outcomes", {}, doc.at(node, "outcomes")))
        return []
    rows: list[RawRow] = []
    known = ", ".join(f.name for f in FIELDS)
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            issues.append(Issue("sroi.yaml-outcome", {}, doc.at(item)))
            continue
        row = RawRow(doc.at(item))
        pairs = doc.pairs(item, issues)
        amount_given = any(
            norm_heading(k) not in EITHER and ALIASES.get(norm_heading(k)) == "proxy"
            for k, _, _ in pairs
        )
        for key, key_node, value_node in pairs:
            norm = norm_heading(key)
            if norm in EITHER:
                name: str | None = "proxy_description" if amount_given else "proxy"
            else:
                name = ALIASES.get(norm)
            if name is None:
                issues.append(
                    Issue("sroi.unknown-key", {"key": key, "known": known}, doc.at(key_node))
                )
            elif name in row.cells:
                issues.append(Issue("sroi.duplicate-key", {"key": key}, doc.at(key_node)))
            else:
                row.cells[name] = (doc.value(value_node, issues), doc.at(value_node, key))
        rows.append(row)
    return rows
