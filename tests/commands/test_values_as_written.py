"""Values read exactly as staff wrote them, through the installed command: what a YAML reader,
a spreadsheet or a terminal would make into something else is refused, naming the file, the
line or cell and the key, with exit 2, no traceback and nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import ADUR_ROW, BROMSGROVE_ROW, BROMSGROVE_YAML, BUNDLED_YEAR, csv_text
from helpers.hostile import run_limited

BROMSGROVE = BROMSGROVE_YAML.read_text(encoding="utf-8")
YEAR_YAML = (BUNDLED_YEAR / "year.yaml").read_text(encoding="utf-8")
B = "b.yaml, line 17 (Bromsgrove District Council), received.housing: "


def yaml_with(old: str, new: str) -> dict[str, str]:
    assert old in BROMSGROVE
    return {"authorities/b.yaml": BROMSGROVE.replace(old, new)}


def year_with(old: str, new: str) -> dict[str, str]:
    assert old in YEAR_YAML
    return {"year.yaml": YEAR_YAML.replace(old, new)}


def cell(row: str, index: int, value: str) -> str:
    cells = row.split(",")
    cells[index] = value
    return ",".join(cells)


def build_refuses(tmp_path: Path, files: dict[str, str], expected: str) -> str:
    """The bundled year.yaml (unless given) and Bromsgrove's row (unless other authorities are
    given), with `files`: `build` says `expected`, as one problem; its whole stderr."""
    folder = tmp_path / "2017-18"
    (folder / "authorities").mkdir(parents=True)
    shutil.copy(BUNDLED_YEAR / "year.yaml", folder / "year.yaml")
    if not any(name.startswith("authorities") for name in files):
        (folder / "authorities.csv").write_text(csv_text(BROMSGROVE_ROW))
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    out = tmp_path / "out"
    result = run_limited(["build", "--data", str(folder), "--out", str(out), "--jobs", "1"],
                         timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert expected in result.stderr, result.stderr
    assert result.stderr.count("\n") == 2, result.stderr  # the heading and the one problem
    assert not out.exists()
    return result.stderr


COUNTS_AND_TEXT = {
    "!!str 5 in a count": (
        yaml_with("  housing: 0\n", "  housing: !!str 5\n"),
        "b.yaml, line 17: is not valid YAML: tags such as !!str are not allowed in data files: "
        "write the value alone"),
    "! 5 in a count": (
        yaml_with("  housing: 0\n", "  housing: ! 5\n"),
        "b.yaml, line 17: is not valid YAML: tags such as ! are not allowed in data files"),
    "a quoted count with a space before it": (
        yaml_with("  housing: 0\n", '  housing: " 5"\n'),
        f'{B}expected a whole number of 0 or more written as digits alone, found " 5", with a '
        "space around it: write 5"),
    "a count with a no-break space after it (YAML)": (
        yaml_with("  housing: 0\n", '  housing: "5\\u00a0"\n'),
        f'{B}expected a whole number of 0 or more written as digits alone, found "5\\u00a0", '
        "with a space around it: write 5"),
    "a count with a space before it (CSV)": (
        {"authorities.csv": csv_text(cell(ADUR_ROW, 12, " 3"))},
        'received_housing: expected a whole number of 0 or more written as digits alone, found '
        '" 3", with a space around it: write 3'),
    "a title some YAML readers take for a date": (
        yaml_with("  title: Chief Executive\n", "  title: 2018-7-18\n"),
        "b.yaml, line 8 (Bromsgrove District Council), recipient.title: expected text, found "
        '2018-7-18, which YAML reads as a date: put it in quotes, title: "2018-7-18"'),
    "a title of 5,000 characters": (
        yaml_with("  title: Chief Executive\n", f"  title: {'Chief ' * 833}Executive\n"),
        "b.yaml, line 8 (Bromsgrove District Council), recipient.title: expected text of at "
        "most 1,000 characters, found 5,007: a name, a title or a label is one line"),
    "a delivery line of 2,000 characters": (
        year_with("delivery: By email", f"delivery: {'By email ' * 222}"),
        "year.yaml, line 6, delivery: expected text of at most 1,000 characters, found 1,997"),
}


@pytest.mark.parametrize("case", list(COUNTS_AND_TEXT))
def test_a_count_is_digits_alone_and_text_is_text(tmp_path, case):
    build_refuses(tmp_path, *COUNTS_AND_TEXT[case])


HALF_CHARACTERS = {
    "in a recipient's name": (
        yaml_with("  name: Kevin Dicks\n", '  name: "Kevin\\ud800 Dicks"\n'),
        "b.yaml, line 7, recipient.name: holds U+D800, half of a character (a lone surrogate, "
        "as an escape such as \\ud800 makes), which is no character: write the character itself"),
    "in a signatory's title": (
        year_with("    - Local Government and Social Care Ombudsman\n",
                  '    - "Local Government\\udfff Ombudsman"\n'),
        "year.yaml, line 11, signatory.titles: holds U+DFFF, half of a character"),
    "in a key": (
        yaml_with("  housing: 0\n", '  housing: 0\n  "hous\\ud800ing": 1\n'),
        "b.yaml, line 18, received.hous\\ud800ing: holds U+D800, half of a character"),
}


@pytest.mark.parametrize("case", list(HALF_CHARACTERS))
def test_half_a_character_is_refused_naming_its_key(tmp_path, case):
    """A YAML "\\ud800" was read, and crashed the build (exit 3) when written out."""
    build_refuses(tmp_path, *HALF_CHARACTERS[case])


def test_an_address_wholly_in_letters_that_look_latin_is_refused(tmp_path):
    """Cyrillic "\u0430\u0441\u0435" for "ace": one script, so no mix gave it away, and the
    letter went to another mailbox than the one it seemed to."""
    build_refuses(tmp_path, {"authorities.csv": csv_text(
        cell(ADUR_ROW, 4, "\u0430\u0441\u0435@adur.example.org"))},
        "authorities.csv, line 2 (Adur District Council), recipient_email: expected an email "
        'address like name@council.gov.uk, found "\u0430\u0441\u0435@adur.example.org": '
        '"\u0430\u0441\u0435" is written wholly in letters that look like Latin ones ("ace") but '
        'are not, starting with "\u0430" (U+0430 CYRILLIC SMALL LETTER A), so the address looks '
        "like one it is not; retype it")


def test_check_shows_control_characters_from_the_data_visibly(tmp_path):
    """A column named with a terminal's escape (set the window's title) and a name holding a
    carriage return and a backspace were echoed raw by `check`, for the terminal to obey."""
    folder = tmp_path / "2017-18"
    folder.mkdir()
    shutil.copy(BUNDLED_YEAR / "year.yaml", folder / "year.yaml")
    row = cell(ADUR_ROW, 0, '"Adur\rEvil\x08 District Council"')
    text = csv_text(row, BROMSGROVE_ROW).replace("recipient_title",
                                                 "recipient_ti\x1b]0;x\x07tle", 1)
    (folder / "authorities.csv").write_text(text, encoding="utf-8", newline="")
    result = run_limited(["check", "--data", str(folder)], timeout=60)
    assert result.returncode == 2
    for raw in ("\x1b", "\x07", "\r", "\x08"):
        assert raw not in result.stdout
    lines = result.stdout.splitlines()
    assert '  line 1: unknown column "recipient_ti\\u001b]0;x\\u0007tle"' in lines[1]
    assert any(line.startswith("  line 2 (Adur\\u000dEvil\\u0008 District Council), authority: "
                               "holds a control character (U+000D CR)") for line in lines)
    built = run_limited(["build", "--data", str(folder), "--out", str(tmp_path / "out")],
                        timeout=60)
    assert built.returncode == 2
    assert "\x1b" not in built.stderr and "\r" not in built.stderr
    assert "(Adur\\u000dEvil\\u0008 District Council), authority:" in built.stderr
