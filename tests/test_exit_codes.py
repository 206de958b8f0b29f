"""Exit codes come from one table (`errors.ExitCode`): commands return them, errors carry them,
and only the command group (`cli.py`) exits with them. The codes themselves are pinned by the
tests of each command; this keeps a second place to set one from appearing."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT
from lgsco_letters.errors import ExitCode

PACKAGE = ROOT / "lgsco_letters"
# Where a process may end itself: the command line, and a worker process (its own end, never
# a user's exit code).
EXITS_ALLOWED = {"cli.py", "processes.py"}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _is_exit(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(
            function, "id", "")
        return name in ("exit", "_exit", "SystemExit")
    return isinstance(node, ast.Raise) and isinstance(node.exc, ast.Name | ast.Call) and (
        "SystemExit" in ast.unparse(node.exc))


def _says_a_number(node: ast.AST) -> bool:
    return any(isinstance(item, ast.Constant) and isinstance(item.value, int)
               and not isinstance(item.value, bool) for item in ast.walk(node))


def test_the_table_is_the_readmes():
    assert {code.name: int(code) for code in ExitCode} == {
        "SUCCESS": 0, "UNFINISHED": 1, "BAD_INPUT": 2, "BUG": 3, "INTERRUPTED": 130,
        "TERMINATED": 143}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"**{int(code)}**" in readme


def test_only_the_command_line_exits_and_never_with_a_bare_number():
    found = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _is_exit(node) and (path.name not in EXITS_ALLOWED or _says_a_number(node)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


def _sets_exit_code(node: ast.AST) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return isinstance(node, ast.Assign | ast.AnnAssign) and any(
        "exit_code" in ast.unparse(target) for target in targets)


def test_each_error_class_carries_a_code_from_the_table():
    found = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _sets_exit_code(node) and _says_a_number(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert found == []
