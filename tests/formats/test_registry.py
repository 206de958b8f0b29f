"""Where formats come from: a module dropped into `lgsco_letters/formats/`, or an entry point in
the group `lgsco_letters.formats` of another installed distribution (as the built-in formats
are registered too). Each is driven in a fresh process, as a user's installation finds it."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from helpers import BROMSGROVE_ROW, BUNDLED_YEAR, ROOT, csv_text

TINY = '''from dataclasses import replace

from lgsco_letters.formats.tables_2018 import FORMAT as BASE

FORMAT = replace(BASE, name="{name}", description="the 2018 letter, by another name")
'''


def installed(site: Path, module: str, name: str, target: str | None = None) -> None:
    """A distribution installed in `site`, as pip leaves one: its module and its metadata,
    whose entry point registers the format `name`."""
    (site / f"{module}.py").write_text(TINY.format(name=name))
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[lgsco_letters.formats]\n{name} = {target or module + ':FORMAT'}\n")


def year_in(folder: Path, format_name: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "year.yaml").write_text((BUNDLED_YEAR / "year.yaml").read_text().replace(
        "template: letter-2018.html", f"format: {format_name}"))
    (folder / "authorities.csv").write_text(csv_text(BROMSGROVE_ROW))
    return folder


def run_in(*args: str, path: list[Path], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, path))}
    return subprocess.run([sys.executable, "-m", "lgsco_letters", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def test_the_built_in_formats_are_registered_as_entry_points():
    names = {point.name: point.value for point in entry_points(group="lgsco_letters.formats")}
    assert names["tables-2018"] == "lgsco_letters.formats.tables_2018:FORMAT"
    assert names["headline-2019"] == "lgsco_letters.formats.headline_2019:FORMAT"
    assert names["headline-2020"] == "lgsco_letters.formats.headline_2020:FORMAT"


def test_a_format_from_another_installed_package_is_found_by_name(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    installed(site, "tiny_format", "tiny-2021")
    year = year_in(tmp_path / "2020-21", "tiny-2021")
    checked = run_in("check", "--data", year, path=[site])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    summary = run_in("summary", "--data", year, "--format", "json", path=[site])
    assert '"format": "tiny-2021"' in summary.stdout
    unknown = run_in("check", "--data", year_in(tmp_path / "2021-22", "tiny-2022"), path=[site])
    assert unknown.returncode == 2
    assert 'no format is called "tiny-2022" (did you mean "tiny-2021"?); the formats are: ' \
           "headline-2019, headline-2020, tables-2018, tiny-2021" in unknown.stdout + unknown.stderr


@pytest.mark.parametrize("target, said", [
    ("tiny_missing:FORMAT", "cannot be loaded: ModuleNotFoundError: No module named "
                            "'tiny_missing'"),
    ("tiny_format:replace", "is not a letter format (a lgsco_letters.formats.base.Format), "
                            "but function"),
    ("tiny_format:BASE", 'is registered as the format "tiny-2021", but is called "tables-2018"'),
])
def test_a_package_whose_format_is_broken_is_named(tmp_path, target, said):
    site = tmp_path / "site"
    site.mkdir()
    installed(site, "tiny_format", "tiny-2021", target)
    result = run_in("check", "--data", year_in(tmp_path / "2020-21", "tiny-2021"),
                    path=[site])
    assert result.returncode == 2
    assert (f"the entry point tiny-2021 = {target} of tiny_format" in result.stderr
            and said in result.stderr), result.stderr


def test_a_name_two_formats_claim_is_refused_not_settled(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    installed(site, "tiny_format", "tables-2018")
    result = run_in("check", "--data", year_in(tmp_path / "2017-18", "tables-2018"),
                    path=[site])
    assert result.returncode == 2
    assert 'two different formats are called "tables-2018"' in result.stderr


@pytest.mark.parametrize("module", ["aaa_format", "extfmt", "zzz_format"])
def test_a_name_two_formats_claim_is_refused_whichever_is_found_first(tmp_path, module):
    """Entry points are found in the order of the distributions on the path: the built-in's
    entry point coming after the other package's never hides it."""
    site = tmp_path / "site"
    site.mkdir()
    installed(site, module, "headline-2020")
    year = tmp_path / "2019-20"
    year.mkdir()
    (year / "year.yaml").write_text("format: headline-2020\n")
    (tmp_path / "lgsco-letters.yml").write_text(f"templates: {ROOT / 'templates'}\n")
    result = run_in("check", "--data", year, path=[site], cwd=tmp_path)  # as a user runs it
    assert result.returncode == 2
    assert ('two different formats are called "headline-2020" (one of them from '
            f'{module}:FORMAT): uninstall one') in result.stderr, result.stderr


def test_the_same_format_installed_twice_is_one(tmp_path):
    """A package that registers a format equal to the engine's own (the contract's module,
    written out as an acceptance check writes it) is the same format, not a second one."""
    site = tmp_path / "site"
    site.mkdir()
    installed(site, "same_format", "headline-2020")
    shipped = ROOT / "lgsco_letters" / "formats" / "headline_2020.py"
    (site / "same_format.py").write_text(shipped.read_text())
    found = subprocess.run(
        [sys.executable, "-c", "from lgsco_letters.formats import get_format; "
                               "print(get_format('headline-2020').description)"],
        env={**os.environ, "PYTHONPATH": str(site)}, capture_output=True, text=True,
        timeout=300)
    assert found.stdout == "headline-2019 with service improvements\n", found.stderr


@pytest.fixture
def formats_folder(tmp_path, monkeypatch):
    """A folder that is part of the formats package, as lgsco_letters/formats/ is."""
    from lgsco_letters import formats

    folder = tmp_path / "formats"
    folder.mkdir()
    monkeypatch.setattr(formats, "__path__", [*formats.__path__, str(folder)])
    formats._in_package.cache_clear()
    yield folder
    formats._in_package.cache_clear()
    sys.modules.pop("lgsco_letters.formats.tiny_2021", None)


def test_a_module_dropped_into_the_formats_package_is_found(formats_folder, tmp_path, run):
    """As a developer adds a format: one module in lgsco_letters/formats/, nothing else."""
    (formats_folder / "tiny_2021.py").write_text(TINY.format(name="tiny-2021"))
    year = year_in(tmp_path / "2020-21", "tiny-2021")
    result = run("check", "--data", year)
    assert result.exit_code == 0, result.output
    assert "tiny-2021" in run("summary", "--data", year, "--format", "json").output
