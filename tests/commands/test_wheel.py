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
