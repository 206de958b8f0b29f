"""The commands end to end: exit codes, messages and the files they write (or do not)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import (
    ADUR_ROW,
    BROMSGROVE_ROW,
    BUNDLED_YEAR,
    FAILS_WITHOUT_COMPLAINTS,
    ROOT,
    SEED,
    TEMPLATES,
    ZERO_ROW,
    copy_templates,
    csv_text,
    edit_file,
    pdf_text,
    squash,
)
from lgsco_letters.cli import cli


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A folder to run the CLI from, with its own lgsco-letters.yml and output folder."""

    def make(data: Path = BUNDLED_YEAR, templates: Path = TEMPLATES) -> Path:
        folder = tmp_path / "project"
        folder.mkdir(exist_ok=True)
        (folder / "lgsco-letters.yml").write_text(
            f"data: {data}\nout: {folder / 'out'}\ntemplates: {templates}\n")
        monkeypatch.chdir(folder)
        return folder

    return make


def invoke(*args):
    return CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)


def test_build_only_named_letters(project, make_year):
    folder = project(make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW)))
    result = invoke("build", "--only", "Bromsgrove District Council",
                    "--only", "council-of-the-isles-of-scilly", "--jobs", "2")
    assert result.exit_code == 0, result.output
    written = sorted(path.name for path in (folder / "out" / "2017-18").glob("*.pdf"))
    assert written == ["bromsgrove-district-council.pdf", "council-of-the-isles-of-scilly.pdf"]
    assert "Building 2 letters of 2017-18 into out/2017-18 (2 workers)" in result.output
    assert "2 built, 0 unchanged, 0 failed in " in result.output
    assert " s: out/2017-18/manifest.csv\n" in result.output


def test_build_everything_into_a_chosen_folder(project, make_year, tmp_path):
    project(make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW)))
    result = invoke("build", "--out", tmp_path / "letters", "--jobs", "1")
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / "letters" / "adur-district-council.pdf")
    assert "Dear Chief Executive," in text and "SPECIMEN" in text


def test_an_unknown_name_is_a_usage_error_that_suggests(project, make_year):
    folder = project(make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW)))
    result = invoke("build", "--only", "Bromsgrove")
    assert result.exit_code == 2
    assert 'No authority called "Bromsgrove" in ' in result.output
    assert "Did you mean: Bromsgrove District Council?" in result.output
    assert not (folder / "out").exists()


def test_bad_data_writes_nothing_and_exits_2(project, make_year):
    rows = [ADUR_ROW.replace(",21,", ",22,"), BROMSGROVE_ROW.replace(",0,2,0,", ",0,two,0,")]
    folder = project(make_year(csv=csv_text(*rows)))
    result = invoke("build")
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == "Found 2 problems; nothing was written:"
    assert "line 2 (Adur District Council), received_total: expected 21" in result.output
    assert ('line 3 (Bromsgrove District Council), received_benefits_and_tax: expected a whole '
            'number of 0 or more, found "two"') in result.output
    assert not (folder / "out").exists()


def test_one_failing_letter_does_not_stop_the_others(project, make_year, tmp_path):
    templates = copy_templates(tmp_path / "templates")
    edit_file(templates / "partials" / "statistics.html", *FAILS_WITHOUT_COMPLAINTS)
    folder = project(make_year(csv=csv_text(ADUR_ROW, ZERO_ROW)), templates)
    result = invoke("build", "--jobs", "2")
    assert result.exit_code == 1
    assert (folder / "out" / "2017-18" / "adur-district-council.pdf").is_file()
    assert not (folder / "out" / "2017-18" / "council-of-the-isles-of-scilly.pdf").exists()
    assert ("Council of the Isles of Scilly: templates/partials/statistics.html, line 31: "
            "integer division or modulo by zero") in result.output


def test_preview_writes_a_draft_and_never_replaces_the_built_letter(project, make_year):
    folder = project(make_year(csv=csv_text(BROMSGROVE_ROW)))
    assert invoke("build", "--jobs", "1").exit_code == 0
    built = folder / "out" / "2017-18" / "bromsgrove-district-council.pdf"
    before = built.read_bytes()
    result = invoke("preview", "Bromsgrove District Council")
    assert result.exit_code == 0, result.output
    assert result.output == "out/2017-18/preview/bromsgrove-district-council.pdf\n"
    assert "Dear Kevin Dicks," in pdf_text(folder / result.output.strip())
    assert built.read_bytes() == before
    again = invoke("build", "--jobs", "1")
    assert "0 built, 1 unchanged, 0 failed" in again.output


def test_preview_html_is_self_contained_and_renders_from_anywhere(project, tmp_path):
    project()
    target = tmp_path / "elsewhere" / "bromsgrove.html"
    result = invoke("preview", "bromsgrove-district-council", "--out", target)
    assert result.exit_code == 0, result.output
    moved = tmp_path / "moved.html"
    shutil.move(target, moved)  # no file beside it: everything must be inside
    from weasyprint import HTML

    pdf = tmp_path / "from-html.pdf"
    HTML(filename=str(moved)).write_pdf(pdf)
    text = squash(pdf_text(pdf))
    assert squash("Dear Kevin Dicks,") in text
    assert squash(SEED.read_text().split("\n\n")[8]) in text
    fonts = {str(font.get_object()["/BaseFont"]).split("+")[-1]
             for page in PdfReader(pdf).pages for font in page["/Resources"]["/Font"].values()}
    assert fonts == {"Letter-Sans", "Letter-Sans-Bold"}


def test_preview_refuses_other_file_types(project):
    project()
    result = invoke("preview", "Bromsgrove District Council", "--out", "letter.docx")
    assert result.exit_code == 2
    assert result.output == "--out letter.docx: expected a file name ending in .pdf or .html\n"


def test_list_shows_every_authority(project):
    project()
    result = invoke("list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 354
    assert lines[-1] == "353 authorities in " + str(BUNDLED_YEAR)
    bromsgrove = next(line for line in lines if line.startswith("Bromsgrove District Council"))
    assert bromsgrove.split()[-3:] == ["bromsgrove-district-council.pdf", "district", "real"]


def test_a_bad_config_key_is_named(project, tmp_path):
    folder = project()
    (folder / "lgsco-letters.yml").write_text("data: x\ntemplate: y\n")
    result = invoke("list")
    assert result.exit_code == 2
    assert 'lgsco-letters.yml, line 2, template: unknown key (did you mean "templates"?)' in (
        result.output)


def test_bad_options_exit_2(project):
    project()
    assert invoke("build", "--jobs", "0").exit_code == 2


def test_the_installed_command_never_shows_a_traceback(tmp_path):
    bad = tmp_path / "2017-18"
    bad.mkdir()
    (bad / "year.yaml").write_text("letter_date: [unclosed\n")
    command = [sys.executable, "-m", "lgsco_letters", "build", "--data", str(bad)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "year.yaml, line 2: is not valid YAML" in result.stderr
