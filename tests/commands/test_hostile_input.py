"""Hostile and broken input through the installed command: exit 2, the place named, no
traceback, nothing written, in seconds and bounded memory."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ADUR_ROW, BROMSGROVE_ROW, BROMSGROVE_YAML, BUNDLED_YEAR, ROOT, csv_text

MEMORY_LIMIT = 2 * 1024**3  # bytes of address space: a YAML bomb would need far more
SECONDS = 30

YEAR_YAML = (BUNDLED_YEAR / "year.yaml").read_text(encoding="utf-8")
ALIAS_BOMB = "authority: x\n" + "".join(
    f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9) if n else 'lol'}]\n" for n in range(12))


def limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def build(folder: Path, out: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "lgsco_letters", "build", "--data", str(folder),
               "--out", str(out), "--jobs", "1"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=SECONDS,
                          preexec_fn=limits, env={**os.environ, "PYTHONPATH": str(ROOT)})


def cell(row: str, index: int, value: str) -> str:
    cells = row.split(",")
    cells[index] = value
    return ",".join(cells)


CASES = {
    "impossible date": (
        {"year.yaml": YEAR_YAML.replace("2018-07-18", "2018-02-30")},
        'year.yaml, line 3: is not valid YAML: "2018-02-30" is not a real date (day is out of '
        "range for month)"),
    "5000-digit count in CSV": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 12, "9" * 5000))},
        "received_housing: expected at most 1,000,000 (more than any council receives), found "
        '"9999999999999999999999999999999999999999... (5,000 characters)"'),
    "5000-digit count in YAML": (
        {"authorities/b.yaml": BROMSGROVE_YAML.read_text().replace("housing: 0",
                                                                    "housing: " + "9" * 5000)},
        "b.yaml, line 17: is not valid YAML: a number of 5,000 characters is not a count"),
    "a count beyond any council": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 12, "1000001"))},
        "received_housing: expected at most 1,000,000 (more than any council receives), found "
        '"1000001"'),
    "a cell over the csv module's limit": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 2, "x" * 200_000))},
        "authorities.csv, line 2: a cell is longer than 131,072 characters"),
    "binary prose": (
        {"year.yaml": YEAR_YAML.replace("people_trained: 800", "people_trained: !!binary aGk=")},
        "year.yaml, line 18: is not valid YAML: binary values are not allowed in data files"),
    "a name over 150 characters": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 0, "Adur " + "x" * 150))},
        "authority: expected a name of at most 150 characters, found 155"),
    "ESC in a name": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 0, "Adur\x1b[31m District Council"))},
        "authority: holds a control character (U+001B ESC); retype it without"),
    "CR in a recipient's name": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 2, '"Ann\rSmith"'))},
        "recipient_name: holds a control character (U+000D CR); retype it without"),
    "NUL in a type": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 1, "dis\x00trict"))},
        "authority_type: holds a control character (U+0000 NUL); retype it without"),
    "DEL in a title": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 3, "Chief\x7f Executive"))},
        "recipient_title: holds a control character (U+007F DEL); retype it without"),
    "ESC in year.yaml": (
        {"year.yaml": YEAR_YAML.replace("delivery: By email", 'delivery: "By \\e[2Jemail"')},
        "year.yaml, line 6, delivery: holds a control character (U+001B ESC)"),
    "a YAML alias bomb": (
        {"authorities/bomb.yaml": ALIAS_BOMB},
        "bomb.yaml, line 2: is not valid YAML: anchors and aliases (& and *) are not allowed in "
        "data files: write each value out"),
    "an absolute year label": (
        {"year.yaml": YEAR_YAML.replace("year: 2017-18 ", "year: /tmp/x ")},
        'year.yaml, line 2, year: expected a reporting year such as 2017-18, found "/tmp/x"'),
    "a year label that climbs out": (
        {"year.yaml": YEAR_YAML.replace("year: 2017-18 ", "year: ../../x ")},
        'year.yaml, line 2, year: expected a reporting year such as 2017-18, found "../../x"'),
    "a year label of the wrong years": (
        {"year.yaml": YEAR_YAML.replace("year: 2017-18 ", "year: 2017-19 ")},
        'expected a reporting year such as 2017-18, found "2017-19"'),
    "spaces doubled in a name": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 0, "Adur  District Council"))},
        'authority: "Adur  District Council" has spaces at its start or end, or two together'),
    "a space before a name": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 0, " Adur District Council"))},
        'authority: " Adur District Council" has spaces at its start or end'),
    "a semicolon-separated CSV": (
        {"authorities.csv": csv_text(BROMSGROVE_ROW).replace(",", ";")},
        "authorities.csv, line 1: looks semicolon-separated (;): save it comma-separated"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input_is_refused_cleanly(tmp_path, case):
    files, expected = CASES[case]
    folder = tmp_path / "2017-18"
    (folder / "authorities").mkdir(parents=True)
    shutil.copy(BUNDLED_YEAR / "year.yaml", folder / "year.yaml")
    if not any(name.startswith("authorities") for name in files):
        (folder / "authorities.csv").write_text(csv_text(BROMSGROVE_ROW))
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    result = build(folder, tmp_path / "out")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert expected in result.stderr
    assert result.stderr.count("\n") < 10  # one problem, said once
    assert not (tmp_path / "out").exists()
    assert not Path("/tmp/x").exists()
