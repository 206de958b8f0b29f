"""Reading YAML data files: plain values only, every key with its line, repeats caught.

YAML 1.1 (PyYAML's) turns some unquoted values into things nobody typed: `010` is 8, `1:30`
is 90, `yes` is True and `null` is nothing. Here an unquoted value stays the text written, a
`Plain`, carrying what YAML would have made of it; the reader of each field (`values.py`)
decides what the text means for that field, and refuses what YAML would have read otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from lgsco_letters.data.addresses import visible
from lgsco_letters.data.limits import MAX_NESTING, MAX_YAML_BYTES, read_text
from lgsco_letters.errors import Problem

PLAIN_TAG = "tag:lgsco-letters,2025:plain"
_YAML_1_1 = yaml.resolver.Resolver()
# What YAML 1.2 (the core schema) reads as a number or a flag where YAML 1.1 reads text: a
# value means what it says only if every reader of the file agrees.
_YAML_1_2_NUMBER = re.compile(
    r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_YAML_1_1_FLAG = re.compile(r"y|Y|n|N")  # in the YAML 1.1 spec, though not in PyYAML
# A date without its leading zeros: text to PyYAML, a date to other readers (Ruby's)
_DATE_LIKE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


class Unwritable(Exception):
    """A value no text can hold (half of a character): the file is refused, at that key."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


class Plain(str):
    """A value written without quotes, as written. `meaning` is what YAML would have made of
    it: `str`, or `int`, `float`, `bool`, `null` or `timestamp`."""

    def __new__(cls, text: str, meaning: str = "str") -> Plain:
        plain = super().__new__(cls, text)
        plain.meaning = meaning
        return plain


def yaml_meaning(text: str) -> str:
    """What a YAML reader makes of `text` written without quotes: `str` when all agree it is
    text, else the kind of value one of them would read."""
    meaning = _YAML_1_1.resolve(yaml.ScalarNode, text, (True, False)).rpartition(":")[2]
    if meaning in ("value", "merge"):  # `=` and `<<`: text, as a value
        return "str"
    if meaning == "str" and _YAML_1_2_NUMBER.fullmatch(text):
        return "float" if any(c in text for c in ".eEn") else "int"
    if meaning == "str" and _YAML_1_1_FLAG.fullmatch(text):
        return "bool"
    if meaning == "str" and _DATE_LIKE.fullmatch(text):
        return "timestamp"
    return meaning


def _tag_refused(tag: str) -> str:
    kind = tag.rpartition(":")[2]
    if kind in ("binary", "set", "omap", "pairs"):
        return f"{kind} values are not allowed in data files"
    shown = f"!!{kind}" if tag.startswith("tag:yaml.org,2002:") else tag[:40]
    return (f"tags such as {shown} are not allowed in data files: write the value alone (text "
            "in quotes where YAML would read it otherwise)")


def _error(message: str, node: Any) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, message, node.start_mark)


class DataLoader(yaml.SafeLoader):
    """YAML for data files: plain values only.

    Anchors and aliases are refused as they are met, before anything walks the structure (a
    few nested aliases expand to gigabytes), and so is nesting deeper than any data file needs
    (a recursive reader would run out of stack); so are binary values, sets and explicit
    tags, and dates and numbers that cannot be: each as a YAML error with its line.
    """

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (& and *) are not allowed in data files: "
                "write each value out", event.start_mark)
        if (tag := getattr(event, "tag", None)) is not None:  # `!!str 5` is no count
            raise yaml.composer.ComposerError(None, None, _tag_refused(tag), event.start_mark)
        if self.depth >= MAX_NESTING:
            raise yaml.composer.ComposerError(
                None, None, f"values nested more than {MAX_NESTING} levels deep: a data file "
                "needs only a few", event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:  # written without quotes or a tag
            return PLAIN_TAG
        return super().resolve(kind, value, implicit)

    def construct_plain(self, node: Any) -> Plain | None:
        if node.value == "":
            return None  # `key:` with nothing after it: no value
        meaning = yaml_meaning(node.value)
        if meaning == "int" and len(node.value) > 30:
            raise _error(f"a number of {len(node.value):,} characters is not a count", node)
        if meaning == "timestamp":
            try:
                self.construct_yaml_timestamp(node)
            except ValueError as error:
                raise _error(f'"{node.value}" is not a real date ({error})', node) from None
        return Plain(node.value, meaning)

    def refuse_tag(self, node: Any) -> Any:
        raise _error(f"{node.tag.rpartition(':')[2]} values are not allowed in data files", node)

    def refuse_explicit(self, node: Any) -> Any:
        tag = node.tag.rpartition(":")[2]
        raise _error(f"tags such as !!{tag} are not allowed in data files: write the value "
                     "alone", node)


DataLoader.add_constructor(PLAIN_TAG, DataLoader.construct_plain)
for _tag in ("binary", "set", "omap", "pairs"):
    DataLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", DataLoader.refuse_tag)
for _tag in ("int", "float", "bool", "null", "timestamp", "value", "merge"):
    DataLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", DataLoader.refuse_explicit)


class FastLoader(DataLoader):
    """`DataLoader`, its text split into events by libyaml (in C, seven times as fast: a year
    of thousands of files is read in seconds); every rule above still applies, in Python."""

    def __init__(self, stream: str):
        super().__init__(stream)  # (the reader refuses characters no YAML file may hold)
        self.events = yaml._yaml.CParser(stream)

    def check_event(self, *choices: Any) -> bool:
        return self.events.check_event(*choices)

    def peek_event(self) -> Any:
        return self.events.peek_event()

    def get_event(self) -> Any:
        return self.events.get_event()


def read_yaml(path: Path, problems: list[Problem]) -> tuple[dict[str, Any], dict[str, int]] | None:
    """A YAML mapping and the line of every (dotted) key, or None when it cannot be read."""
    text = read_text(path, problems, MAX_YAML_BYTES)
    if text is None:
        return None
    if yaml.__with_libyaml__:
        found: list[Problem] = []
        read = _read(FastLoader, text, path, found)
        if read is not None or not any(p.message.startswith(INVALID) for p in found):
            problems += found
            return read
        # a YAML error: said in the words of PyYAML's own parser, as it always has been
    return _read(DataLoader, text, path, problems)


INVALID = "is not valid YAML"


def _read(loader_class: type, text: str, path: Path, problems: list[Problem]
          ) -> tuple[dict[str, Any], dict[str, int]] | None:
    loader = loader_class(text)
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
    except Unwritable as error:  # the file is read no further: nothing in it can be trusted
        problems.append(error.problem)
        return None
    finally:
        loader.dispose()


def _yaml_problem(path: Path, error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None)
    reason = getattr(error, "problem", None) or str(error)
    line = mark.line + 1 if mark is not None else None
    return Problem(path, f"{INVALID}: {reason}", line)


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
        if problem := _half_character(key_node, value_node, path, dotted):
            raise Unwritable(problem)
        result[key] = _construct(loader, value_node, dotted, lines, path, problems)
    return result


def _half_character(key_node: Any, value_node: Any, path: Path, dotted: str) -> Problem | None:
    """A `\\ud800` escape makes half of a character (a lone surrogate), which no text can hold
    and no file can be written with: refused where it stands, naming its key."""
    for scalar in (*_scalars(key_node), *_scalars(value_node)):
        if half := _SURROGATE.search(scalar.value):
            return Problem(path, f"holds U+{ord(half[0]):04X}, half of a character (a lone "
                                 "surrogate, as an escape such as \\ud800 makes), which is no "
                                 "character: write the character itself",
                           scalar.start_mark.line + 1, field=visible(dotted))
    return None


def _scalars(node: Any) -> list[Any]:
    """A scalar, or the scalars of a list (`titles: [...]`); a mapping's are its own keys'."""
    if isinstance(node, yaml.ScalarNode):
        return [node]
    if isinstance(node, yaml.SequenceNode):
        return [item for item in node.value if isinstance(item, yaml.ScalarNode)]
    return []
