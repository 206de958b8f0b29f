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

from helpers import (
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
from lgsco_letters.errors import LettersError


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
    assert "2 built, 0 unchanged, 0 failed, 1 left alone (not named by --only) in " in (
        result.output)
    assert " s: out/2017-18/manifest.csv\n" in result.output


def test_build_everything_into_a_chosen_folder(project, make_year, tmp_path):
    project(make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW)))
    result = invoke("build", "--out", tmp_path / "letters", "--jobs", "1")
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / "letters" / "adur-district-council.pdf")
    assert "Dear Chief Executive," in text and "SPECIMEN" in text


def test_a_name_as_people_type_it(project, make_year):
    folder = project(make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW)))
    result = invoke("preview", "bromsgrove")
    assert result.exit_code == 0, result.output
    assert result.output == "out/2017-18/preview/bromsgrove-district-council.pdf\n"
    assert invoke("build", "--only", "BROMSGROVE district", "--jobs", "1").exit_code == 0
    assert (folder / "out" / "2017-18" / "bromsgrove-district-council.pdf").is_file()


@pytest.mark.parametrize("command", [("build", "--only"), ("preview",),
                                     ("send", "--dry-run", "eml", "--from", "a@b.org",
                                      "--only"),
                                     ("send", "--dry-run", "eml", "--from", "a@b.org",
                                      "--resend")])
def test_a_typo_gets_the_closest_names_for_every_command(project, make_year, command):
    folder = project(make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW)))
    result = invoke(*command, "Bromsgove")
    assert result.exit_code == 2
    assert 'No authority called "Bromsgove" in ' in result.output
    assert "Did you mean: Bromsgrove District Council?" in result.output
    assert not (folder / "out").exists()


def test_an_ambiguous_name_lists_the_candidates(project, make_year):
    folder = project(make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW)))
    result = invoke("build", "--only", "district council")
    assert result.exit_code == 2
    assert ('"district council" matches 2 authorities in ') in result.output
    assert ": Adur District Council; Bromsgrove District Council. Give more of the name." in (
        result.output)
    assert not (folder / "out").exists()


def test_typos_are_compared_word_by_word():
    from lgsco_letters.data.names import select_authorities
    from lgsco_letters.project import load_year

    year = load_year(BUNDLED_YEAR)
    for typed, meant in [("Kings Lyn", "Borough Council of Kings Lynn and West Norfolk"),
                         ("Bromsgove", "Bromsgrove District Council"),
                         ("Hartlepol Borough", "Hartlepool Borough Council")]:
        with pytest.raises(LettersError) as caught:
            select_authorities(year, [typed])
        assert f"Did you mean: {meant}" in str(caught.value)


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


def broken_templates(tmp_path, old: str, new: str, name: str = "letter-2018.html") -> Path:
    templates = copy_templates(tmp_path / "templates")
    edit_file(templates / name, old, new)
    return templates


def manifest_rows(folder: Path) -> dict[str, dict]:
    import json

    rows = json.loads((folder / "out" / "2017-18" / "manifest.json").read_text())
    return {row["slug"]: row for row in rows}


def test_only_tries_what_it_names_and_keeps_the_record_of_good_pdfs(project, make_year, tmp_path):
    data = make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW))
    folder = project(data)
    assert invoke("build", "--jobs", "1").exit_code == 0
    good = manifest_rows(folder)
    broken = broken_templates(tmp_path, "{{ prose.courses_delivered }}", "{{ prose.nope }}")
    project(data, broken)
    result = invoke("build", "--only", "bromsgrove", "--jobs", "1")
    assert result.exit_code == 1
    assert result.output.count('prose has no "nope"') == 1
    assert "1 letter failed:" in result.output
    assert ("0 built, 0 unchanged, 1 failed, 2 left alone (not named by --only) in "
            in result.output)  # only what was tried is counted as built or failed
    rows = manifest_rows(folder)
    assert rows["bromsgrove-district-council"]["status"] == "failed"
    assert rows["bromsgrove-district-council"]["sha256"] == (
        good["bromsgrove-district-council"]["sha256"])
    for slug in ("adur-district-council", "council-of-the-isles-of-scilly"):
        assert rows[slug] == good[slug]


def test_a_template_that_does_not_compile_is_refused_up_front(project, make_year, tmp_path):
    broken = broken_templates(tmp_path, "{{ prose.courses_delivered }}",
                              "{{ prose.courses_delivered }")
    folder = project(make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW)), broken)
    result = invoke("build", "--jobs", "1")
    assert result.exit_code == 2
    assert result.output == ("Found 1 problem; nothing was written:\n"
                             f"  {broken / 'letter-2018.html'}, line 34: unexpected '}}'\n")
    assert not (folder / "out").exists()


def test_a_failure_every_letter_shares_is_refused_once(project, make_year, tmp_path):
    broken = broken_templates(tmp_path, "{{ prose.courses_delivered }}", "{{ prose.nope }}")
    folder = project(make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW)), broken)
    result = invoke("build", "--jobs", "1")
    assert result.exit_code == 2
    assert result.output == ("Found 1 problem; nothing was written:\n"
                             f"  {broken / 'letter-2018.html'}, line 34: prose has no \"nope\" "
                             "(in every one of the 3 letters)\n")
    assert not (folder / "out").exists()


def test_a_full_disk_mid_build_exits_1_naming_what_was_written(project, make_year, monkeypatch):
    import errno

    from lgsco_letters.build import workers

    folder = project(make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW)))
    real, written = workers.write_atomic, []

    def write_atomic(path, data):
        if written:  # a disk that fills after one letter cannot be made here otherwise
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        written.append(path)
        real(path, data)

    monkeypatch.setattr(workers, "write_atomic", write_atomic)
    result = invoke("build", "--jobs", "1")
    assert result.exit_code == 1
    assert "The build stopped: No space left on device (" in result.output
    assert "1 letter written before it stopped: Adur District Council." in result.output
    assert (folder / "out" / "2017-18" / "adur-district-council.pdf").is_file()


def test_a_closed_pipe_ends_quietly(tmp_path):
    command = f"{sys.executable} -m lgsco_letters list | head -n 1"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=ROOT,
                            capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Adur District Council")
    assert result.stderr == ""


def test_a_bug_is_one_line_and_exit_3(project, monkeypatch):
    from lgsco_letters.project import Project

    project()

    def broken(*args):
        raise KeyError("nobody expected this")

    monkeypatch.setattr(Project, "year", property(broken))  # a bug, made to order
    result = invoke("list")
    assert result.exit_code == 3
    assert result.output == ("Unexpected error: KeyError: 'nobody expected this'. This is a bug "
                             "in lgsco-letters, not in your data: run again with -v to see where "
                             "it happened.\n")
    with pytest.raises(KeyError):
        invoke("-v", "list")
    with pytest.raises(KeyError):  # after the command's name too, as the hints put it
        invoke("list", "-v")


def test_every_command_takes_v_after_its_name():
    from lgsco_letters.cli import cli

    for name, command in cli.commands.items():
        assert any("-v" in param.opts for param in command.params), name


def test_the_config_is_found_from_a_folder_below(project, make_year):
    folder = project(make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW)))
    below = folder / "notes" / "deeper"
    below.mkdir(parents=True)
    os.chdir(below)
    result = invoke("list")
    assert result.exit_code == 0, result.output
    assert "2 authorities in " in result.output


def test_data_naming_a_folder_of_years_lists_them(project, make_year, tmp_path):
    project()
    result = invoke("list", "--data", ROOT / "data")
    assert result.exit_code == 2
    assert result.output == (f"{ROOT / 'data'} holds years, not one year's year.yaml: give one "
                             f"of them with --data: {ROOT / 'data' / '2017-18'}, "
                             f"{ROOT / 'data' / '2018-19'}\n")
