"""The real PDF, read back: the Bromsgrove letter word for word as sent in 2018."""

from __future__ import annotations

import itertools
import re
import subprocess

import pytest
from pypdf import PdfReader

from helpers import BUNDLED_YEAR, SEED, TEMPLATES, normalise_lines, pdf_text, squash
from lgsco_letters.data.names import select_authorities
from lgsco_letters.editors.preview import write_preview
from lgsco_letters.project import load_year
from lgsco_letters.render.templating import Templates

NOTES = (
    "Uphold rate is calculated in relation to the total number of detailed investigations. The "
    "number of remedied complaints may not equal the number of upheld complaints. This is "
    "because, while we may uphold a complaint because we find fault, we may not always find "
    "grounds to say that fault caused injustice that ought to be remedied."
)


PARAGRAPHS = 24  # masthead, date, delivery, addressee, ... the statistics pointer


def pdf_text_of_page(path, number: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def seed_paragraphs() -> list[str]:
    """Every paragraph of the seed's prose, from the masthead to the statistics pointer."""
    text = SEED.read_text(encoding="utf-8")
    prose = text[: text.index("Complaints and enquiries received")]
    prose = re.sub(r"</?u>", "", prose)
    return [paragraph for paragraph in prose.split("\n\n") if paragraph.strip()]


@pytest.fixture(scope="module")
def year():
    return load_year(BUNDLED_YEAR)


@pytest.fixture(scope="module")
def bromsgrove_pdf(tmp_path_factory, year):
    (authority,) = select_authorities(year, ["Bromsgrove District Council"])
    return write_preview(year, authority, Templates(TEMPLATES),
                         tmp_path_factory.mktemp("letters") / "bromsgrove.pdf")


@pytest.fixture(scope="module")
def specimen_pdf(tmp_path_factory, year):
    (authority,) = select_authorities(year, ["adur-district-council"])
    return write_preview(year, authority, Templates(TEMPLATES),
                         tmp_path_factory.mktemp("letters") / "adur.pdf")


def test_the_seed_has_the_paragraphs_we_expect():
    paragraphs = seed_paragraphs()
    assert paragraphs[0] == "Local Government & Social Care OMBUDSMAN"
    assert len(paragraphs) == PARAGRAPHS


@pytest.mark.parametrize("index", range(PARAGRAPHS))
def test_every_paragraph_of_the_seed_is_in_the_pdf(bromsgrove_pdf, index):
    paragraph = seed_paragraphs()[index]
    assert squash(paragraph) in squash(pdf_text(bromsgrove_pdf))


def test_prose_keeps_straight_apostrophes_and_no_hyphenation(bromsgrove_pdf):
    text = pdf_text(bromsgrove_pdf)
    assert "authority's performance" in " ".join(text.split())
    assert "\u2019" not in text
    assert not re.search(r"[a-z]-\n[a-z]", text), "a word was hyphenated at a line end"


def test_statistics_tables_hold_the_real_figures(bromsgrove_pdf):
    lines = normalise_lines(pdf_text(bromsgrove_pdf, layout=True))
    assert "0 2 0 0 1 0 0 8 0 11" in lines
    assert "1 0 2 6 1 1 50% 11" in lines
    # Table 3 sits beside the notes box, so its row shares a text line with the notes.
    after_heading = lines[lines.index("Complaints Remedied") + 1:]
    assert any(re.search(r"(^| )1 0$", line) for line in after_heading)


def test_statistics_page_holds_all_three_tables_and_the_notes(bromsgrove_pdf):
    reader = PdfReader(bromsgrove_pdf)
    last_page = squash(reader.pages[-1].extract_text())
    for caption in ("Complaints and enquiries received", "Decisions made", "Complaints Remedied",
                    "Detailed Investigations", "Uphold Rate", "Benefits and Tax",
                    "Satisfactorily by Authority before LGO Involvement", NOTES):
        assert squash(caption) in last_page
    assert "Yours sincerely" not in reader.pages[-1].extract_text()


def test_the_three_addresses_are_links(bromsgrove_pdf):
    uris = set()
    for page in PdfReader(bromsgrove_pdf).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and "/URI" in action:
                uris.add(str(action["/URI"]))
    assert uris == {
        "https://www.lgo.org.uk/scrutiny",
        "https://www.lgo.org.uk/training",
        "http://www.lgo.org.uk/information-centre/reports/annual-review-reports/"
        "interpreting-local-authority-statistics",
    }


def test_pages_are_a4(bromsgrove_pdf):
    for page in PdfReader(bromsgrove_pdf).pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)


def test_fonts_are_the_shipped_ones_embedded(bromsgrove_pdf):
    for page in PdfReader(bromsgrove_pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()[
                "/FontDescriptor"]
            descriptor = descriptor.get_object()
            assert re.fullmatch(r"/[A-Z]{6}\+Letter-Sans(-Bold|-Italic)?", str(font["/BaseFont"]))
            assert any(key in descriptor for key in ("/FontFile2", "/FontFile3"))


def test_real_letters_carry_no_specimen_mark(bromsgrove_pdf):
    assert not any("SPECIMEN" in page.extract_text() for page in PdfReader(bromsgrove_pdf).pages)


def test_specimen_letters_are_marked_on_every_page(specimen_pdf):
    reader = PdfReader(specimen_pdf)
    assert len(reader.pages) >= 2
    for number, page in enumerate(reader.pages, start=1):
        assert "SPECIMEN" in page.extract_text()  # the large diagonal mark
        banner = pdf_text_of_page(specimen_pdf, number)
        assert "SPECIMEN: made-up figures, not a letter to send" in banner


def test_a_specimen_with_no_name_is_greeted_by_title(specimen_pdf):
    text = " ".join(pdf_text(specimen_pdf).split())
    assert "Chief Executive Adur District Council Dear Chief Executive," in text


def test_the_masthead_is_real_text(bromsgrove_pdf):
    first_page = PdfReader(bromsgrove_pdf).pages[0].extract_text()
    assert "OMBUDSMAN" in first_page
    assert "Local Government" in first_page


def header_rows_and_rules(image, top: int) -> list[tuple[int, int, list[int]]]:
    """The tables' header rows on a page image (y from, y to, x of each vertical rule)."""
    pixels, (width, height) = image.load(), image.size
    ruled = [y for y in range(top, height)
             if sum(1 for x in range(width) if 80 < pixels[x, y] < 235) > width * 0.5]
    rows = []
    for upper, lower in itertools.pairwise(ruled):
        if lower - upper > 20 and pixels[width // 2, upper + 3] < 250:  # shaded: a header
            height = lower - upper
            rules = [x for x in range(width) if sum(
                1 for y in range(upper + 2, lower - 1) if pixels[x, y] < 200) > height * 0.8]
            rows.append((upper, lower, rules))
    return rows


def test_statistics_headers_have_room_inside_their_rules(bromsgrove_pdf, tmp_path):
    from PIL import Image

    subprocess.run(["pdftoppm", "-f", "3", "-l", "3", "-r", "110", "-gray", "-png",
                    str(bromsgrove_pdf), str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    rows = header_rows_and_rules(image, top=200)
    assert len(rows) >= 2  # received, decided (and remedied)
    pixels = image.load()
    for upper, lower, rules in rows:
        assert len(rules) >= 5
        for x in rules:
            for dx in (-4, -3, -2, 2, 3, 4):  # about a millimetre either side of each rule
                ink = [y for y in range(upper + 2, lower - 1)
                       if 0 <= x + dx < image.size[0] and pixels[x + dx, y] < 150]
                assert not ink, f"text touches the rule at x={x} in the header row at y={upper}"
