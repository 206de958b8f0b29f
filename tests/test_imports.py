"""The package reads as the pipeline: each stage imports only the stages before it (and its own
modules), imports made for type checking and inside functions included. So no two stages import
each other, and what a stage needs from a later one is passed in (a year's format comes into
`data` from `formats`, as `data.models.Formats`)."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "lgsco_letters"
# Each unit (a subpackage, or a module beside them) in the order of the pipeline.
STAGES = ["__init__", "words", "problems", "findings", "errors", "files", "digests", "cells",
          "locking", "processes", "scratch", "data", "formats", "config", "render", "project",
          "build", "mail", "editors", "publish", "commands", "cli", "__main__"]


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_of(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every module of the package `path` imports, wherever it does."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.lineno, _target(node.module, alias.name)) for alias in node.names]
    return [(line, module) for line, module in found
            if module == "lgsco_letters" or module.startswith("lgsco_letters.")]


def _target(module: str, name: str) -> str:
    """`from lgsco_letters import formats` imports the subpackage; `from x import y`, x."""
    candidate = f"{module}.{name}"
    path = ROOT.joinpath(*candidate.split("."))
    return candidate if path.is_dir() or path.with_suffix(".py").is_file() else module


def test_every_unit_of_the_package_has_its_place_in_the_pipeline():
    units = {unit_of(module_of(path)) for path in PACKAGE.rglob("*.py")}
    assert units - set(STAGES) == set()


def test_each_stage_imports_only_the_stages_before_it():
    backwards = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = STAGES.index(unit_of(module_of(path)))
        for line, module in imported(path):
            if STAGES.index(unit_of(module)) > own:
                backwards.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert backwards == []


def test_the_check_sees_a_type_checking_import_and_one_inside_a_function(tmp_path):
    path = tmp_path / "lgsco_letters" / "data" / "sample.py"
    path.parent.mkdir(parents=True)
    path.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                    "    from lgsco_letters.formats.base import Format\n"
                    "def f():\n    from lgsco_letters import formats\n")
    assert [unit_of(module) for _, module in imported(path)] == ["formats", "formats"]
