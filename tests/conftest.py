"""Fixtures: small year folders to break, and the CLI run as users run it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import BUNDLED_YEAR, ROOT
from lgsco_letters.cli import cli


@pytest.fixture
def make_year(tmp_path: Path):
    """A year folder with the bundled year.yaml and the given authorities.csv / YAML files."""

    def make(csv: str | bytes | None = None, yaml_files: dict[str, str] | None = None,
             year_yaml: str | None = None, name: str = "2017-18") -> Path:
        folder = tmp_path / name
        while folder.exists():  # a test may make several years
            folder = folder.with_name(folder.name + "+")
        folder.mkdir()
        if year_yaml is None:
            shutil.copy(BUNDLED_YEAR / "year.yaml", folder / "year.yaml")
        else:
            (folder / "year.yaml").write_text(year_yaml, encoding="utf-8")
        if csv is not None:
            path = folder / "authorities.csv"
            path.write_bytes(csv if isinstance(csv, bytes) else csv.encode("utf-8"))
        if yaml_files:
            (folder / "authorities").mkdir()
            for file_name, text in yaml_files.items():
                (folder / "authorities" / file_name).write_text(text, encoding="utf-8")
        return folder

    return make


@pytest.fixture
def run(monkeypatch):
    """Run the CLI from the repository root, as users do; returns the click Result."""
    monkeypatch.chdir(ROOT)

    def invoke(*args: str):
        return CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def run_here():
    """Run the CLI in the current folder (one a test has chosen); returns the click Result."""

    def invoke(*args: str):
        return CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)

    return invoke
