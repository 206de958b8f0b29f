"""Reading YAML data files: plain values only, every key with its line, repeats caught."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lgsco_letters.errors import Problem
from lgsco_letters.files import read_utf8


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
