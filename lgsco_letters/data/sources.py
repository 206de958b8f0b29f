"""Reading a year's files (UTF-8 CSV and YAML) into raw records, with every location kept.

Nothing here judges the values; `validate` does. Problems with the files themselves
(encoding, malformed YAML, a broken CSV header) are collected in the `problems` list given.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lgsco_letters.data.schema import (
    ALL_FIELDS,
    COUNT_FIELDS,
    GROUPS,
    REQUIRED_TEXT,
    TOP_LEVEL,
    yaml_key,
)
from lgsco_letters.errors import Problem
from lgsco_letters.words import suggest


@dataclass
class RawRecord:
    """One authority as found in a file: flat field names, values as written."""

    file: Path
    line: int | None
    values: dict[str, Any]
    key_lines: dict[str, int] = field(default_factory=dict)
    nested: bool = False

    @property
    def name(self) -> str | None:
        value = self.values.get("authority")
        return value.strip() if isinstance(value, str) and value.strip() else None

    def problem(self, field_name: str | None, message: str) -> Problem:
        label = yaml_key(field_name) if field_name and self.nested else field_name
        line = self.key_lines.get(field_name, self.line) if field_name else self.line
        return Problem(self.file, message, line, self.name, label)


def read_utf8(path: Path, problems: list[Problem]) -> str | None:
    """The file's text. Excel's byte-order mark is dropped; CRLF is left for the parsers."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(Problem(
            path,
            f"is not UTF-8 text (byte 0x{data[error.start]:02x} cannot be read); "
            "save it as UTF-8 (in Excel: 'CSV UTF-8')",
            line,
        ))
        return None


# ---- CSV ---------------------------------------------------------------------------------

def read_csv(path: Path, problems: list[Problem]) -> list[RawRecord]:
    text = read_utf8(path, problems)
    if text is None:
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[RawRecord] = []
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if not _header_is_usable(path, header, problems):
            return []
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append(_csv_record(path, reader.line_num, header, cells, problems))
    except csv.Error as error:
        problems.append(Problem(path, _csv_error(error), reader.line_num or 1))
    return records


def _csv_error(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return (f"a cell is longer than {csv.field_size_limit():,} characters: no figure or "
                "name is that long (is a quote mark left open?)")
    return f"cannot be read as CSV ({error})"


def _header_is_usable(path: Path, header: list[str], problems: list[Problem]) -> bool:
    """Report header faults; a header missing columns makes every row's report noise."""
    if not any(header):
        problems.append(Problem(path, "has no header row naming the columns", 1))
        return False
    if len(header) == 1 and header[0].count(";") >= len(REQUIRED_TEXT):
        problems.append(Problem(path, "looks semicolon-separated (;): save it comma-separated "
                                      "(in Excel: 'CSV UTF-8 (Comma delimited)')", 1))
        return False
    usable = True
    for name in sorted({name for name in header if header.count(name) > 1}):
        problems.append(Problem(path, f'the column "{name}" appears more than once', 1))
        usable = False
    for name in header:
        if name not in ALL_FIELDS:
            problems.append(Problem(
                path, f'unknown column "{name}"{suggest(name, ALL_FIELDS)}', 1))
    for name in (*REQUIRED_TEXT, *COUNT_FIELDS):
        if name not in header:
            problems.append(Problem(path, f'the required column "{name}" is missing', 1))
            usable = False
    return usable


def _csv_record(
    path: Path, line: int, header: list[str], cells: list[str], problems: list[Problem]
) -> RawRecord:
    values = {name: cell for name, cell in zip(header, cells, strict=False) if name in ALL_FIELDS}
    record = RawRecord(path, line, values)
    extra = cells[len(header):]
    if any(cell.strip() for cell in extra):
        problems.append(record.problem(
            None, f"has {len(cells)} cells but the header names {len(header)} columns"))
    return record


# ---- YAML --------------------------------------------------------------------------------

class DataLoader(yaml.SafeLoader):
    """YAML for data files: plain values only.

    Anchors and aliases are refused as they are met, before anything walks the structure (a
    few nested aliases expand to gigabytes); so are binary values and sets, and dates and
    numbers that cannot be: each as a YAML error with its line.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (& and *) are not allowed in data files: "
                "write each value out", event.start_mark)
        return super().compose_node(parent, index)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            raise yaml.constructor.ConstructorError(
                None, None, f'"{node.value}" is not a real date ({error})', node.start_mark
            ) from None

    def construct_yaml_int(self, node: Any) -> Any:
        if len(node.value) > 30:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of {len(node.value):,} characters is not a count",
                node.start_mark)
        return super().construct_yaml_int(node)

    def refuse_tag(self, node: Any) -> Any:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.tag.rpartition(':')[2]} values are not allowed in data files",
            node.start_mark)


DataLoader.add_constructor("tag:yaml.org,2002:timestamp", DataLoader.construct_yaml_timestamp)
DataLoader.add_constructor("tag:yaml.org,2002:int", DataLoader.construct_yaml_int)
for _tag in ("binary", "set", "omap", "pairs"):
    DataLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", DataLoader.refuse_tag)


def read_yaml(path: Path, problems: list[Problem]) -> tuple[dict[str, Any], dict[str, int]] | None:
    """A YAML mapping and the line of every (dotted) key, or None when it cannot be read."""
    text = read_utf8(path, problems)
    if text is None:
        return None
    loader = DataLoader(text)
    try:
        node = loader.get_single_node()
        if node is None or not isinstance(node, yaml.MappingNode):
            problems.append(Problem(path, "expected a set of 'key: value' lines", 1))
            return None
        lines: dict[str, int] = {}
        return _construct(loader, node, "", lines, path, problems), lines
    except yaml.YAMLError as error:
        problems.append(_yaml_problem(path, error))
        return None
    finally:
        loader.dispose()


def _yaml_problem(path: Path, error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None)
    reason = getattr(error, "problem", None) or str(error)
    line = mark.line + 1 if mark is not None else None
    return Problem(path, f"is not valid YAML: {reason}", line)


def _construct(loader, node, prefix: str, lines: dict[str, int], path: Path, problems) -> Any:
    """Build mappings ourselves so that repeated keys are caught and every key keeps its line."""
    if not isinstance(node, yaml.MappingNode) or node.tag != "tag:yaml.org,2002:map":
        return loader.construct_object(node, deep=True)  # refuses sets and other oddities
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node))
        dotted = f"{prefix}.{key}" if prefix else key
        line = key_node.start_mark.line + 1
        if dotted in lines:
            problems.append(Problem(
                path, f"appears twice (first on line {lines[dotted]})", line, field=dotted))
            continue
        lines[dotted] = line
        result[key] = _construct(loader, value_node, dotted, lines, path, problems)
    return result


def read_authority_yaml(path: Path, problems: list[Problem]) -> RawRecord | None:
    loaded = read_yaml(path, problems)
    if loaded is None:
        return None
    document, lines = loaded
    record = RawRecord(path, 1, {}, nested=True)
    for key in TOP_LEVEL:
        if key in document:
            record.values[key] = document[key]
            record.key_lines[key] = lines[key]
    for key, value in document.items():
        if key in GROUPS:
            _flatten_group(record, key, value, lines, problems)
        elif key not in TOP_LEVEL:
            choices = [*TOP_LEVEL, *GROUPS, *(yaml_key(name) for name in ALL_FIELDS)]
            problems.append(Problem(
                path, f"unknown key{suggest(key, choices)}", lines[key], record.name, key))
    return record


def _flatten_group(record: RawRecord, group: str, value: Any, lines, problems) -> None:
    if not isinstance(value, dict):
        keys = ", ".join(GROUPS[group])
        problems.append(Problem(record.file, f"expected the keys {keys} under it",
                                lines[group], record.name, group))
        return
    for key, item in value.items():
        dotted = f"{group}.{key}"
        if key not in GROUPS[group]:
            hint = suggest(key, GROUPS[group])
            problems.append(Problem(record.file, f"unknown key{hint}", lines[dotted],
                                    record.name, dotted))
            continue
        record.values[f"{group}_{key}"] = item
        record.key_lines[f"{group}_{key}"] = lines[dotted]

