"""Year builds: incremental, crash-safe, failure-isolated, with a manifest and a print pack."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from helpers import (
    ADUR_ROW,
    BROMSGROVE_ROW,
    BUNDLED_YEAR,
    FAILS_WITHOUT_COMPLAINTS,
    ROOT,
    TEMPLATES,
    ZERO_ROW,
    copy_templates,
    csv_text,
    edit_file,
    pdf_text,
)
from lgsco_letters.build.builder import BuildOptions, build_year
from lgsco_letters.build.manifest import COLUMNS, read_letters
from lgsco_letters.build.printpack import first_pages
from lgsco_letters.build.progress import Progress
from lgsco_letters.cells import spreadsheet_safe
from lgsco_letters.project import load_year
from lgsco_letters.render.templating import Templates


def bundled_rows(count: int) -> list[str]:
    lines = (BUNDLED_YEAR / "authorities.csv").read_text(encoding="utf-8").splitlines()
    return lines[1: count + 1]


def build(folder: Path, out: Path, templates: Path = TEMPLATES, **options):
    year = load_year(folder)
    return build_year(year, Templates(templates), BuildOptions(out, jobs=2, **options))


def statuses(report) -> dict[str, str]:
    return {letter.authority.slug: letter.status for letter in report.letters}


@pytest.fixture
def three(make_year):
    return make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW))


def test_a_second_build_renders_nothing(three, tmp_path):
    out = tmp_path / "out"
    first = build(three, out)
    assert set(statuses(first).values()) == {"built"}
    times = {path.name: path.stat().st_mtime_ns for path in out.glob("*.pdf")}
    second = build(three, out)
    assert set(statuses(second).values()) == {"unchanged"}
    assert times == {path.name: path.stat().st_mtime_ns for path in out.glob("*.pdf")}


def test_a_changed_figure_rebuilds_only_its_letter(three, tmp_path):
    out = tmp_path / "out"
    build(three, out)
    csv_path = three / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace(",8,0,11,1,0,2,6,", ",7,1,11,1,0,2,6,"))
    report = build(three, out)
    assert statuses(report) == {"adur-district-council": "unchanged",
                                "bromsgrove-district-council": "built",
                                "council-of-the-isles-of-scilly": "unchanged"}


def test_a_changed_template_or_brand_rebuilds_everything(three, tmp_path):
    out = tmp_path / "out"
    templates = copy_templates(tmp_path / "templates")
    build(three, out, templates)
    edit_file(templates / "brand" / "brand.css", "#1d3e6e", "#123456")
    assert set(statuses(build(three, out, templates)).values()) == {"built"}
    edit_file(templates / "brand" / "wordmark.svg", "#1d3e6e", "#654321")
    assert set(statuses(build(three, out, templates)).values()) == {"built"}


def test_force_rebuilds_everything(three, tmp_path):
    out = tmp_path / "out"
    build(three, out)
    assert set(statuses(build(three, out, force=True)).values()) == {"built"}


def test_a_tampered_or_deleted_pdf_is_rebuilt(three, tmp_path):
    out = tmp_path / "out"
    build(three, out)
    (out / "adur-district-council.pdf").write_bytes(b"%PDF-1.7 not really")
    (out / "council-of-the-isles-of-scilly.pdf").unlink()
    report = build(three, out)
    assert statuses(report) == {"adur-district-council": "built",
                                "bromsgrove-district-council": "unchanged",
                                "council-of-the-isles-of-scilly": "built"}


def test_only_renders_the_chosen_and_keeps_the_rest_in_the_manifest(three, tmp_path):
    out = tmp_path / "out"
    report = build(three, out, selected={"adur-district-council"})
    assert statuses(report) == {"adur-district-council": "built",
                                "bromsgrove-district-council": "not built",
                                "council-of-the-isles-of-scilly": "not built"}
    assert [path.name for path in out.glob("*.pdf")] == ["adur-district-council.pdf"]
    assert len(read_letters(out)) == 3


def test_the_manifest_describes_every_file(three, tmp_path):
    import hashlib

    out = tmp_path / "out"
    build(three, out)
    with (out / "manifest.csv").open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert tuple(rows[0]) == COLUMNS
    assert rows == read_manifest_as_text(out)
    for row in rows:
        data = (out / row["file"]).read_bytes()
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert int(row["bytes"]) == len(data)
        assert int(row["pages"]) == len(PdfReader(out / row["file"]).pages) == 3
        assert row["status"] == "built" and row["error"] == ""
    bromsgrove = next(row for row in rows if row["slug"] == "bromsgrove-district-council")
    assert bromsgrove["recipient_email"] == "chief.executive@bromsgrove.example.org"
    assert bromsgrove["specimen"] == "false"


def read_manifest_as_text(out: Path) -> list[dict[str, str]]:
    def text(value):
        return "" if value is None else str(value).lower() if isinstance(value, bool) else str(
            value)

    return [{key: text(value) for key, value in row.items()} for row in
            read_letters(out).values()]


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("Adur", "Adur"), (None, ""), (True, "true"), (3, "3"),
])
def test_manifest_cells_are_safe_in_a_spreadsheet(value, cell):
    assert spreadsheet_safe(value) == cell


def test_a_formula_in_the_data_is_defused_in_the_manifest(make_year, tmp_path):
    folder = make_year(csv=csv_text(ADUR_ROW.replace("Adur District Council",
                                                     "=1+2 District Council")))
    build(folder, tmp_path / "out")
    text = (tmp_path / "out" / "manifest.csv").read_text()
    assert "\n'=1+2 District Council,1-2-district-council," in text


def test_a_failing_letter_is_in_the_manifest_and_the_others_are_built(three, tmp_path):
    templates = copy_templates(tmp_path / "templates")
    edit_file(templates / "partials" / "statistics.html", *FAILS_WITHOUT_COMPLAINTS)
    report = build(three, tmp_path / "out", templates)
    assert statuses(report)["council-of-the-isles-of-scilly"] == "failed"
    assert report.count("built") == 2
    (row,) = [r for r in read_letters(tmp_path / "out").values() if r["status"] == "failed"]
    assert row["error"] == ("templates/partials/statistics.html, line 31: "
                            "integer division or modulo by zero")


def test_a_weasyprint_failure_is_isolated_too(three, tmp_path):
    templates = copy_templates(tmp_path / "templates")
    edit_file(templates / "base.html", "{% if authority.specimen %}",
              "{% if not recipient.name %}<img src=\"https://example.org/x.png\" alt=\"\">"
              "{% endif %}{% if authority.specimen %}")
    report = build(three, tmp_path / "out", templates)
    assert statuses(report)["bromsgrove-district-council"] == "built"
    assert statuses(report)["adur-district-council"] == "failed"
    assert "is refused: letters may only use files under templates/" in report.failed[0].error


def test_killing_a_build_leaves_only_whole_pdfs_and_the_next_build_finishes(make_year, tmp_path):
    folder = make_year(csv=csv_text(*bundled_rows(14)))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "lgsco_letters", "build", "--data", str(folder),
               "--out", str(out), "--jobs", "2"]
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(out.glob("*.pdf"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = list(out.glob("*.pdf"))
    assert 4 <= len(finished) < 14
    for path in finished:
        assert path.read_bytes().rstrip().endswith(b"%%EOF")
        assert len(PdfReader(path).pages) == 3

    report = build(folder, out)
    assert report.count("failed") == 0
    assert report.count("unchanged") >= len(finished) - 2  # a kill may land before the record
    assert report.count("built") + report.count("unchanged") == 14
    assert not list(out.glob(".*.tmp"))
    import hashlib

    for row in read_letters(out).values():
        assert hashlib.sha256((out / row["file"]).read_bytes()).hexdigest() == row["sha256"]


def test_first_pages_are_always_right_hand():
    assert first_pages(1, [3, 3, 2, 1]) == [3, 7, 11, 13]
    assert first_pages(2, [3]) == [3]
    assert first_pages(3, [3, 4]) == [5, 9]


def test_print_pack(three, tmp_path, run):
    out = tmp_path / "out"
    result = run("build", "--data", three, "--out", out, "--print-pack")
    assert result.exit_code == 0, result.output
    assert f"Print pack: {out / 'print-pack.pdf'}" in result.output
    reader = PdfReader(out / "print-pack.pdf")
    assert len(reader.pages) == 2 + 3 * 4  # contents + blank, then 3 pages + blank each
    contents = pdf_text(out / "print-pack.pdf").split("\f")[0]
    assert "Adur District Council (specimen) 3" in " ".join(contents.split())
    assert "Bromsgrove District Council 7" in " ".join(contents.split())
    assert "Dear Kevin Dicks," in reader.pages[6].extract_text()
    assert reader.pages[5].extract_text().strip() == ""


def test_progress_on_a_terminal_and_off_it():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    plain, terminal = io.StringIO(), Terminal()
    for stream in (plain, terminal):
        progress = Progress(4, stream, interval=0)
        for _ in range(4):
            progress.advance()
        progress.finish()
    assert plain.getvalue().splitlines()[-1].startswith("4/4 letters  ")
    assert len(plain.getvalue().splitlines()) == 4
    assert terminal.getvalue().count("\r") == 4
    assert terminal.getvalue().rstrip().split("\r")[-1].startswith("[" + "#" * 30 + "] 4/4")


def test_a_rebuild_with_nothing_to_do_does_not_import_weasyprint(three, tmp_path):
    out = tmp_path / "out"
    build(three, out)
    script = ("import sys; from lgsco_letters.cli import cli\n"
              f"try: cli(['build', '--data', {str(three)!r}, '--out', {str(out)!r}])\n"
              "except SystemExit: pass\n"
              "print('weasyprint' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert "0 built, 3 unchanged, 0 failed" in result.stdout
    assert result.stdout.strip().endswith("False")


def test_a_journal_that_is_a_symlink_is_replaced_not_written_through(three, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (out / ".lgsco-build.journal").symlink_to(victim)
    report = build(three, out)
    assert [letter.status for letter in report.letters] == ["built"] * 3
    assert victim.read_text() == "keep me\n"
    assert not (out / ".lgsco-build.journal").is_symlink()


def test_an_unrelated_template_rebuilds_nothing_and_inspect_still_matches(three, tmp_path, run):
    out = tmp_path / "out"
    templates = copy_templates(tmp_path / "templates")
    build(three, out, templates)
    (templates / "letter-2019.html").write_text('{% extends "base.html" %}\n')
    edit_file(templates / "email" / "cover.txt", "Dear", "Dear dear")
    assert set(statuses(build(three, out, templates)).values()) == {"unchanged"}
    config = tmp_path / "lgsco-letters.yml"
    config.write_text(f"data: {three}\nout: {out}\ntemplates: {templates}\n")
    os.chdir(tmp_path)
    result = run("inspect", out / "adur-district-council.pdf")
    assert result.exit_code == 0, result.output
    assert "Templates: match the current templates" in result.output
    edit_file(templates / "partials" / "sign-off.html", "Yours sincerely", "Yours faithfully")
    assert set(statuses(build(three, out, templates)).values()) == {"built"}


STRUCK = ("display: flow-root;", "height: 12mm;")  # the old letterhead: its rule through its text
LONGER_FOR_SCILLY = (  # 60 more paragraphs in the letter with no complaints: 5 pages, not 3
    "{% include \"partials/sign-off.html\" %}",
    "{% if figures.received_total == 0 %}{% for n in range(60) %}<p>An extra paragraph.</p>"
    "{% endfor %}{% endif %}{% include \"partials/sign-off.html\" %}")


def test_a_layout_problem_fails_the_letter_until_it_is_mended(three, tmp_path):
    templates = copy_templates(tmp_path / "templates")
    edit_file(templates / "letter.css", *STRUCK)
    out = tmp_path / "out"
    report = build(three, out, templates)
    assert set(statuses(report).values()) == {"failed"}
    rows = read_letters(out)
    bromsgrove = rows["bromsgrove-district-council"]
    assert bromsgrove["error"].startswith('layout: page 1: a rule runs through the text '
                                          '"OMBUDSMAN"')
    assert bromsgrove["layout"] == "overlap"
    import hashlib  # the letter is written, to be looked at, and described as it is

    assert hashlib.sha256((out / bromsgrove["file"]).read_bytes()).hexdigest() == (
        bromsgrove["sha256"])
    again = build(three, out, templates)
    assert set(statuses(again).values()) == {"failed"}  # tried again, never "unchanged"
    edit_file(templates / "letter.css", *reversed(STRUCK))
    mended = build(three, out, templates)
    assert set(statuses(mended).values()) == {"built"}
    assert {row["layout"] for row in read_letters(out).values()} == {""}


def test_layout_warnings_are_recorded_and_kept_while_a_letter_is_unchanged(three, tmp_path):
    templates = copy_templates(tmp_path / "templates")
    edit_file(templates / "letter-2018.html", *LONGER_FOR_SCILLY)
    out = tmp_path / "out"
    first = build(three, out, templates)
    assert set(statuses(first).values()) == {"built"}  # warnings fail nothing
    layout = {slug: row["layout"] for slug, row in read_letters(out).items()}
    assert layout == {"adur-district-council": "", "bromsgrove-district-council": "",
                      "council-of-the-isles-of-scilly": "underfilled page-count"}
    second = build(three, out, templates)
    assert set(statuses(second).values()) == {"unchanged"}
    assert {slug: row["layout"] for slug, row in read_letters(out).items()} == layout


def test_an_older_manifest_without_the_layout_column_is_still_read(three, tmp_path):
    import json

    out = tmp_path / "out"
    build(three, out)
    path = out / "manifest.json"
    rows = json.loads(path.read_text())
    path.write_text(json.dumps([{k: v for k, v in row.items() if k != "layout"}
                                for row in rows]))
    assert len(read_letters(out)) == 3  # status and send still read it
    report = build(three, out, selected={"adur-district-council"})
    assert report.count("failed") == 0  # the others' rows are carried over, and get the column
    assert {row["layout"] for row in read_letters(out).values()} == {""}


def test_build_counts_layout_warnings_and_status_shows_them(three, tmp_path, monkeypatch,
                                                           run_here):
    import json

    templates = copy_templates(tmp_path / "templates")
    edit_file(templates / "letter-2018.html", *LONGER_FOR_SCILLY)
    (tmp_path / "lgsco-letters.yml").write_text(
        f"data: {three}\nout: {tmp_path / 'out'}\ntemplates: {templates}\n")
    monkeypatch.chdir(tmp_path)
    built = run_here("build", "--jobs", "2")
    assert built.exit_code == 0, built.output
    lines = built.output.splitlines()
    start = lines.index("Layout warnings in 1 letter (the manifest's layout column; "
                        "lgsco-letters check --pdf says more):")
    assert lines[start + 1:start + 3] == [
        "  underfilled (a page other than the last filled less than half): 1 letter: "
        "Council of the Isles of Scilly",
        "  page-count (a page count unlike most of the year's): 1 letter: Council of the "
        "Isles of Scilly"]
    status = run_here("status")
    assert ("layout:           1 letter with findings: underfilled 1, page-count 1 "
            "(lgsco-letters check --pdf says what and where)") in status.output.splitlines()
    letters = json.loads(run_here("status", "--format", "json").output)["letters"]
    assert {letter["slug"]: letter["layout"] for letter in letters}[
        "council-of-the-isles-of-scilly"] == "underfilled page-count"


def test_a_build_stopped_by_a_folder_it_cannot_write_counts_only_what_it_wrote(three, tmp_path):
    """`build --only NAME --force` into an immutable folder writes nothing: it says so, and
    never counts the letters it left alone as written."""
    from lgsco_letters.build.builder import BuildStopped

    out = tmp_path / "out"
    build(three, out)
    made = subprocess.run(["chattr", "+i", str(out)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i is not possible here: {made.stderr.strip()}")
    try:
        with pytest.raises(BuildStopped) as stopped:
            build(three, out, selected={"adur-district-council"}, force=True)
    finally:
        subprocess.run(["chattr", "-i", str(out)], check=True)
    said = str(stopped.value)
    assert "Operation not permitted" in said
    assert "0 letters written before it stopped." in said, said


def test_the_summary_of_a_build_of_some_letters_counts_only_those(run, three, tmp_path):
    out = tmp_path / "out"
    assert run("build", "--data", three, "--out", out).exit_code == 0
    again = run("build", "--data", three, "--out", out, "--only", "adur", "--force")
    assert again.exit_code == 0, again.output
    assert "1 built, 0 unchanged, 0 failed, 2 left alone (not named by --only) in " in again.output


def test_status_and_approve_say_a_letter_failed_the_layout_check(make_year, tmp_path,
                                                               monkeypatch, run_here):
    """They said "0 failed" and "4 letters not built: lgsco-letters build", which a build
    cannot mend: the letters failed the layout check, and the template is what to fix."""
    import json

    arun = ADUR_ROW.replace("Adur District Council", "Arun District Council").replace("adur",
                                                                                      "arun")
    four = make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW, arun))
    templates = copy_templates(tmp_path / "templates")
    edit_file(templates / "letter.css", *STRUCK)
    (tmp_path / "lgsco-letters.yml").write_text(
        f"data: {four}\nout: {tmp_path / 'out'}\ntemplates: {templates}\n")
    monkeypatch.chdir(tmp_path)
    assert run_here("build", "--jobs", "2").exit_code == 1
    lines = run_here("status").output.splitlines()
    assert "letters:          0 draft, 0 approved, 0 sent, 0 held back, 4 failed, 0 bounced" \
        in lines
    finding = 'page 1: a rule runs through the text "OMBUDSMAN", 13.5 mm below the top margin'
    assert (f"  4 letters failed the layout check (overlap): fix the template (lgsco-letters "
            f"check --pdf says what and where), then lgsco-letters build (the first, Adur "
            f"District Council: {finding} (overlap); status --all lists them)") in lines
    assert not [line for line in lines if "not built" in line]
    every = run_here("status", "--all").output
    assert (f"  Bromsgrove District Council: failed: it failed the layout check: {finding} "
            "(overlap); fix the template") in every
    letters = json.loads(run_here("status", "--format", "json").output)["letters"]
    assert {(letter["state"], letter["reason_code"]) for letter in letters} == {
        ("failed", "build failed")}
    approved = run_here("approve", "bromsgrove", "--as", "Jo Bloggs")
    assert approved.exit_code == 2
    assert (f"(Bromsgrove District Council): has no built letter: it failed the layout check: "
            f"{finding} (overlap); fix the template") in approved.output
