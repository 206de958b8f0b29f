"""Reproducible bytes, archival variants, and provenance that `inspect` reads back."""

from __future__ import annotations

import os
import shutil
import zlib

import pytest
from pypdf import PdfReader

from helpers import ADUR_ROW, BROMSGROVE_ROW, BUNDLED_YEAR, CSV_HEADER, TEMPLATES, csv_text
from lgsco_letters.project import load_year
from lgsco_letters.render.variants import VARIANTS


def xmp(reader: PdfReader) -> str:
    stream = reader.trailer["/Root"]["/Metadata"].get_object()
    return stream.get_data().decode("utf-8")


def test_two_builds_in_different_folders_give_identical_bytes(tmp_path, run, make_year):
    copies = []
    for name in ("first", "second"):
        folder = tmp_path / name
        shutil.copytree(TEMPLATES, folder / "templates")
        data = folder / "data"
        data.mkdir()
        (data / "year.yaml").write_text((BUNDLED_YEAR / "year.yaml").read_text())
        (data / "authorities.csv").write_text(csv_text(ADUR_ROW, BROMSGROVE_ROW))
        (folder / "lgsco-letters.yml").write_text("templates: templates\n")
        copies.append(folder)
    outputs = []
    for folder in copies:
        os.chdir(folder)
        result = run("build", "--data", folder / "data", "--out", folder / "out", "--jobs", "2")
        assert result.exit_code == 0, result.output
        outputs.append({p.name: p.read_bytes() for p in (folder / "out").glob("*.pdf")})
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 2


def test_dates_come_from_the_letter_date_not_the_clock(tmp_path, run):
    target = tmp_path / "b.pdf"
    assert run("preview", "Bromsgrove District Council", "--out", target).exit_code == 0
    info = PdfReader(target).metadata
    assert info["/CreationDate"] == info["/ModDate"] == "D:20180718000000Z"


def test_the_document_identifier_is_stable_across_revisions(tmp_path, make_year, run):
    folder = make_year(csv=csv_text(BROMSGROVE_ROW))
    first, second = tmp_path / "1.pdf", tmp_path / "2.pdf"
    run("preview", "Bromsgrove District Council", "--data", folder, "--out", first)
    csv_path = folder / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace(",8,0,11,", ",7,1,11,"))
    run("preview", "Bromsgrove District Council", "--data", folder, "--out", second)
    one, two = (PdfReader(p).trailer["/ID"] for p in (first, second))
    assert one[0] == two[0]  # the permanent identifier
    assert one[1] != two[1]  # the revision's


@pytest.mark.parametrize(("variant", "marker"), [
    ("pdf/ua-1", 'pdfuaid:part="1"'),
    ("pdf/a-3b", 'pdfaid:part="3" pdfaid:conformance="B"'),
    ("pdf/a-3a", 'pdfaid:part="3" pdfaid:conformance="A"'),
    ("pdf/a-2b", 'pdfaid:part="2" pdfaid:conformance="B"'),
])
def test_each_variant_has_its_markers_and_stays_tagged(tmp_path, run, variant, marker):
    target = tmp_path / "letter.pdf"
    result = run("preview", "Bromsgrove District Council", "--out", target,
                 "--pdf-variant", variant)
    assert result.exit_code == 0, result.output
    reader = PdfReader(target)
    assert marker in xmp(reader)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    if variant.startswith("pdf/a"):
        (intent,) = root["/OutputIntents"]
        assert intent.get_object()["/S"] == "/GTS_PDFA1"


def test_an_unknown_variant_is_refused_at_the_command_line(run):
    result = run("build", "--pdf-variant", "pdf/z-9")
    assert result.exit_code == 2
    assert "Invalid value for '--pdf-variant': 'pdf/z-9' is not one of" in result.output


def test_the_variants_offered_are_the_ones_weasyprint_has():
    from weasyprint.pdf import VARIANTS as WEASYPRINT_VARIANTS

    assert set(VARIANTS) <= set(WEASYPRINT_VARIANTS)


def test_every_font_is_embedded(tmp_path, run):
    target = tmp_path / "letter.pdf"
    run("preview", "Bromsgrove District Council", "--out", target)
    fonts = [font.get_object() for page in PdfReader(target).pages
             for font in page["/Resources"]["/Font"].values()]
    descriptors = [((font.get("/DescendantFonts") or [font])[0].get_object())["/FontDescriptor"]
                   .get_object() for font in fonts]
    assert len(descriptors) == 6  # regular and bold, on each of the three pages
    assert ["/FontFile2" in descriptor for descriptor in descriptors] == [True] * 6


@pytest.fixture
def letter_and_data(tmp_path, make_year, run):
    folder = make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW))
    target = tmp_path / "bromsgrove.pdf"
    assert run("preview", "Bromsgrove District Council", "--data", folder,
               "--out", target).exit_code == 0
    return target, folder


def test_inspect_a_letter_that_still_matches(letter_and_data, run):
    target, folder = letter_and_data
    result = run("inspect", target, "--data", folder)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Authority: Bromsgrove District Council"
    assert lines[1] == "Year:      2017-18"
    assert lines[2].startswith("Engine:    lgsco-letters 0.1.0; weasyprint ")
    assert lines[-2:] == ["Data: matches the current data",
                          "Templates: match the current templates"]


def test_inspect_detects_a_changed_figure(letter_and_data, run):
    target, folder = letter_and_data
    csv_path = folder / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace(",8,0,11,", ",7,1,11,"))
    result = run("inspect", target, "--data", folder)
    assert result.exit_code == 1
    assert "Data: CHANGED since the letter was made (now " in result.output
    assert "Templates: match the current templates" in result.output


def test_inspect_ignores_a_change_to_another_authority(letter_and_data, run):
    target, folder = letter_and_data
    csv_path = folder / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace(",0,4,2,0,3,1,3,8,0,21,",
                                                     ",0,4,2,0,3,1,3,8,1,22,"))
    assert load_year(folder)  # still valid
    assert run("inspect", target, "--data", folder).exit_code == 0


def test_inspect_detects_changed_templates(letter_and_data, run, tmp_path, monkeypatch):
    target, folder = letter_and_data
    project = tmp_path / "project"
    shutil.copytree(TEMPLATES, project / "templates")
    letter = project / "templates" / "letter-2018.html"
    letter.write_text(letter.read_text().replace("I write to you", "I write to you again"))
    (project / "lgsco-letters.yml").write_text("templates: templates\n")
    monkeypatch.chdir(project)
    from click.testing import CliRunner

    from lgsco_letters.cli import cli

    result = CliRunner().invoke(cli, ["inspect", str(target), "--data", str(folder)])
    assert result.exit_code == 1
    assert "Templates: CHANGED since the letter was made" in result.output


def test_inspect_refuses_a_pdf_without_provenance(tmp_path, run):
    plain = tmp_path / "plain.pdf"
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(plain)
    result = run("inspect", plain)
    assert result.exit_code == 2
    assert "no lgsco-letters provenance in its metadata" in result.output


def test_inspect_refuses_a_file_that_is_not_a_pdf(tmp_path, run):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(zlib.compress(b"nope"))
    result = run("inspect", bad)
    assert result.exit_code == 2
    assert "not a PDF lgsco-letters can read: it is damaged, or not a letter this engine " \
           "made" in result.output


def test_an_address_is_where_a_letter_goes_not_what_it_says(tmp_path, make_year, run):
    """A corrected address (the recipient's, the link officer's) changes neither the PDF's
    bytes nor its provenance: no rebuild, only a new approval (see the mailing tests)."""
    folder = make_year(csv=f"{CSV_HEADER},link_officer_email\n{BROMSGROVE_ROW},"
                           "complaints@bromsgrove.example.org\n")
    out = tmp_path / "out"
    assert run("build", "--data", folder, "--out", out).exit_code == 0
    pdf = out / "bromsgrove-district-council.pdf"
    before = pdf.read_bytes()
    csv_path = folder / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace("chief.executive@", "chief.exec@")
                        .replace("complaints@", "link.officer@"))
    inspected = run("inspect", pdf, "--data", folder)
    assert inspected.exit_code == 0, inspected.output
    assert "Data: matches the current data" in inspected.output
    rebuilt = run("build", "--data", folder, "--out", out)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "0 built, 1 unchanged, 0 failed" in rebuilt.output
    assert pdf.read_bytes() == before
    manifest = (out / "manifest.csv").read_text()
    assert "chief.exec@bromsgrove.example.org" in manifest  # where it goes now


def a_pdf(info: bytes) -> bytes:
    """A one-page-tree PDF whose trailer's /Info is object 3, written as given."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>",
               info, b"3 0 R"]
    data, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(data))
        data += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(data)
    data += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % offset
                                                           for offset in offsets)
    return data + b"trailer\n<< /Size 5 /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref


@pytest.mark.parametrize("info, why", [
    (b"3 0 R", "its objects do not fit together"),  # /Info refers to itself
    (b"4 0 R", "its objects do not fit together"),  # ... through another object
    (b"[1 2 3]", "Trailer not found or does not point to a document information dictionary"),
])
def test_inspect_says_a_damaged_pdf_is_damaged(tmp_path, run, info, why):
    path = tmp_path / "damaged.pdf"
    path.write_bytes(a_pdf(info))
    result = run("inspect", path)
    assert result.exit_code == 2
    assert result.output == (f"{path}: not a PDF lgsco-letters can read: it is damaged, or not "
                             f"a letter this engine made ({why})\n")


def test_inspect_says_what_is_there_instead_of_a_pdf(tmp_path, run):
    """A FIFO, a device or a dangling link was "no such file": the user, who can see the
    file, was told it was not there."""
    fifo, device, dangling = tmp_path / "fifo.pdf", tmp_path / "zero.pdf", tmp_path / "gone.pdf"
    os.mkfifo(fifo)
    device.symlink_to("/dev/zero")
    dangling.symlink_to(tmp_path / "nowhere.pdf")
    said = {path: run("inspect", path) for path in (fifo, device, dangling)}
    assert {result.exit_code for result in said.values()} == {2}
    assert said[fifo].output == (f"{fifo}: is not a file but a FIFO (named pipe): give the "
                                 "letter's PDF\n")
    assert said[device].output == f"{device}: is not a file but a device: give the letter's PDF\n"
    assert said[dangling].output == (f"{dangling}: no such file (a symbolic link to "
                                     f"{tmp_path / 'nowhere.pdf'}, which does not exist)\n")
    missing = tmp_path / "none.pdf"
    assert run("inspect", missing).output == f"{missing}: no such file\n"
