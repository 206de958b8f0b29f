"""The YAML of data files is split into events by libyaml where it is installed, for speed:
what is read from it is what PyYAML's own parser reads, value for value and line for line, and
a file that is not YAML is said in PyYAML's words."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpers import ROOT
from lgsco_letters.data import yamlfiles
from lgsco_letters.data.yamlfiles import DataLoader, FastLoader, read_yaml

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")

BUNDLED = sorted((ROOT / "data").rglob("*.yaml"))[:40] + sorted((ROOT / "data").glob("*/year.yaml"))
SNIPPETS = [
    "a: 010\nb: '010'\nc: \"x\\ty\"\nd: [1, 2, {e: f}]\ng:\n  - h\n  - 2018-07-18\n",
    "a: yes\nb: ~\nc:\nd: 1:30\ne: 0x10\nf: 1_0\ng: .inf\nh: 2018-7-18\n",
    "a: |\n  two\n  lines\nb: >\n  folded\n  text\n",
    "\u00e9: caf\u00e9\n\"k\\u00e9y\": v\n",
]
BROKEN = ["a: [1, 2\nb: 3\n", "a: b: c\n", "a: 'x\n", "- a\nb: c\n", "a: &x 1\nb: *x\n",
          "a: !!str 5\n", "a: \"\\ud800\"\n", "a: 1\na: 2\n", "\t- a\n", "a: 2018-02-30\n"]


def tree(node) -> object:
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value, node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.MappingNode):
        return (node.tag, node.start_mark.line, [(tree(k), tree(v)) for k, v in node.value])
    return (node.tag, node.start_mark.line, [tree(item) for item in node.value])


@pytest.mark.parametrize("text", [path.read_text(encoding="utf-8") for path in BUNDLED]
                         + SNIPPETS)
def test_libyaml_reads_what_pyyaml_reads(text):
    nodes = []
    for loader_class in (DataLoader, FastLoader):
        loader = loader_class(text)
        try:
            nodes.append(tree(loader.get_single_node()))
        finally:
            loader.dispose()
    assert nodes[0] == nodes[1]


@pytest.mark.parametrize("text", BROKEN)
def test_a_file_that_is_not_yaml_is_said_in_pyyamls_words(tmp_path, monkeypatch, text):
    path = Path(tmp_path / "x.yaml")
    path.write_text(text, encoding="utf-8")
    said = []
    for libyaml in (True, False):
        monkeypatch.setattr(yamlfiles.yaml, "__with_libyaml__", libyaml)
        problems: list = []
        read = read_yaml(path, problems)
        said.append((read, [str(problem) for problem in problems]))
    assert said[0] == said[1]
    assert said[0][1]  # each is refused
