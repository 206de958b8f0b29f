"""The package as users install it: a wheel, in a fresh venv, run outside the source tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from helpers import ROOT, pdf_text


def run(*command, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True,
                          text=True, check=True, timeout=600)


def test_the_wheel_installed_in_a_fresh_venv_writes_a_letter(tmp_path):
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
        "--wheel-dir", dist, ROOT, cwd=tmp_path)
    (wheel,) = dist.glob("lgsco_letters-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for package in ("data", "render", "build", "editors", "mail", "commands"):
        assert f"lgsco_letters/{package}/__init__.py" in names
    assert "lgsco_letters/editors/pages/letter.html" in names

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    run(venv / "bin" / "pip", "install", "--quiet", "-c", ROOT / "constraints.txt", wheel,
        cwd=tmp_path)
    version = run(venv / "bin" / "lgsco-letters", "--version", cwd=tmp_path)
    assert version.stdout.startswith("lgsco-letters, version ")

    office = tmp_path / "office"
    office.mkdir()
    shutil.copy(ROOT / "lgsco-letters.yml", office)
    shutil.copytree(ROOT / "templates", office / "templates")
    shutil.copytree(ROOT / "data", office / "data")
    result = run(venv / "bin" / "lgsco-letters", "preview", "bromsgrove", cwd=office)
    assert result.stdout == "out/2017-18/preview/bromsgrove-district-council.pdf\n"
    text = pdf_text(office / result.stdout.strip())
    assert "Dear Kevin Dicks," in text

    # a format from another package, installed beside it, found by its entry point's name
    run(venv / "bin" / "pip", "install", "--quiet", "--no-deps",
        tiny_distribution(tmp_path / "tiny"), cwd=tmp_path)
    year = office / "data" / "2017-18" / "year.yaml"
    year.write_text(year.read_text().replace("template: letter-2018.html", "format: tiny-2018"))
    listed = run(venv / "bin" / "lgsco-letters", "summary", "--format", "json", cwd=office)
    assert '"format": "tiny-2018"' in listed.stdout


def tiny_distribution(folder: Path) -> Path:
    """A package of its own that registers a format through the entry point group."""
    folder.mkdir()
    (folder / "tiny_format.py").write_text(
        "from dataclasses import replace\n"
        "from lgsco_letters.formats.tables_2018 import FORMAT as BASE\n"
        'FORMAT = replace(BASE, name="tiny-2018", description="the 2018 letter, renamed")\n')
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "tiny-format"\nversion = "1.0"\n'
        '[project.entry-points."lgsco_letters.formats"]\ntiny-2018 = "tiny_format:FORMAT"\n'
        '[tool.setuptools]\npy-modules = ["tiny_format"]\n')
    return folder
