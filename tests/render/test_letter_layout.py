"""The letters as their reader sees them: the real PDFs read as pages (glyph boxes against the
rules drawn, the text's reach on each page, the content stream's tagging) and one page as an
image. Each test here failed on the letters before issue 19's fixes."""

from __future__ import annotations

import subprocess

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from helpers import BUNDLED_YEAR, HEADLINE_YEAR, TEMPLATES, pdf_text
from helpers.pages import MM, open_pdf, reach, rules, words
from lgsco_letters.data.names import select_authorities
from lgsco_letters.editors.preview import write_preview
from lgsco_letters.project import load_year
from lgsco_letters.render.templating import Templates

LETTERS = {  # (year, authority): the real letter, the usual specimens, and the short ones
    "bromsgrove-2018": (BUNDLED_YEAR, "Bromsgrove District Council"),
    "adur-2018": (BUNDLED_YEAR, "Adur District Council"),
    "adur-2019": (HEADLINE_YEAR, "Adur District Council"),
    "kings-lynn-2019": (HEADLINE_YEAR, "Borough Council of Kings Lynn and West Norfolk"),
    "city-of-london-2019": (HEADLINE_YEAR, "City of London Corporation"),
}


@pytest.fixture(scope="module")
def letters(tmp_path_factory):
    folder = tmp_path_factory.mktemp("letters")
    templates, paths = Templates(TEMPLATES), {}
    for key, (data, name) in LETTERS.items():
        year = load_year(data)
        (authority,) = select_authorities(year, [name])
        paths[key] = write_preview(year, authority, templates, folder / f"{key}.pdf")
    return paths


@pytest.mark.parametrize("key", list(LETTERS))
def test_no_rule_runs_through_the_masthead_or_any_text(letters, key):
    with open_pdf(letters[key]) as pdf:
        for page in pdf.pages:
            drawn, text = rules(page), words(page)
            crossed = [(word.text, rule) for word in text for rule in drawn if word.meets(rule)]
            assert not crossed, f"page {page.page_number}: a rule crosses {crossed[:3]}"
        first = pdf.pages[0]
        (name,) = [word for word in words(first) if word.text == "OMBUDSMAN"]
        below = [rule for rule in rules(first) if rule.x0 <= name.x0 and rule.x1 >= name.x1
                 and rule.top >= name.bottom]
        assert below and below[0].top - name.bottom < 6 * MM  # the letterhead's rule, under it


def test_the_letterhead_rule_is_below_the_masthead_in_the_page_image(letters, tmp_path):
    """The same, as pixels: no ink of the masthead lies below the letterhead's rule."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "100", "-gray", "-png",
                    str(letters["adur-2019"]), str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    pixels, (width, height) = image.load(), image.size
    left, right = int(width * 0.45), int(width * 0.92)  # the masthead's side of the page
    rule = next(y for y in range(height // 4)
                if sum(1 for x in range(left, right) if pixels[x, y] < 235) > (right - left) * 0.9)
    inked = [y for y in range(rule + 2, rule + 40)
             if any(pixels[x, y] < 128 for x in range(left, right))]
    assert not inked, f"masthead ink below the rule (at y={rule}) on rows {inked[:5]}"
    masthead = [y for y in range(rule - 60, rule) if any(pixels[x, y] < 128
                                                         for x in range(left, right))]
    assert masthead  # and the masthead is there, above it


def test_the_html_preview_draws_the_letterhead_rule_below_the_masthead(tmp_path):
    """The HTML preview (a browser's layout of the same templates) had the same fault."""
    from playwright.sync_api import sync_playwright

    from helpers import CHROMIUM, CHROMIUM_ARGS

    year = load_year(HEADLINE_YEAR)
    (authority,) = select_authorities(year, ["Adur District Council"])
    html = write_preview(year, authority, Templates(TEMPLATES), tmp_path / "adur.html")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(html.as_uri())
        rule_top, name_bottom = page.evaluate("""() => {
            const head = document.querySelector(".letterhead");
            const rule = parseFloat(getComputedStyle(head).borderBottomWidth);
            const words = document.createRange();
            words.selectNodeContents(document.querySelector(".masthead-name"));
            return [head.getBoundingClientRect().bottom - rule,
                    words.getBoundingClientRect().bottom];
        }""")
        browser.close()
    assert name_bottom <= rule_top


def test_the_html_preview_of_a_specimen_shows_its_banner(tmp_path):
    """The banner sat at top: -11mm (the PDF's page margin), out of the browser's window."""
    from playwright.sync_api import sync_playwright

    from helpers import CHROMIUM, CHROMIUM_ARGS

    year = load_year(HEADLINE_YEAR)
    (authority,) = select_authorities(year, ["Adur District Council"])
    html = write_preview(year, authority, Templates(TEMPLATES), tmp_path / "adur.html")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(html.as_uri())
        banner = page.get_by_text("SPECIMEN: made-up figures, not a letter to send")
        shown = banner.is_visible()
        top, height = banner.evaluate("b => [b.getBoundingClientRect().top, "
                                      "b.getBoundingClientRect().height]")
        head = page.evaluate("document.querySelector('.letterhead').getBoundingClientRect().top")
        browser.close()
    assert shown and top >= 0 and height > 5 and top + height <= head


@pytest.mark.parametrize("key", list(LETTERS))
def test_no_page_before_the_last_is_under_half_filled(letters, key):
    with open_pdf(letters[key]) as pdf:
        reaches = [reach(page) for page in pdf.pages]
    assert all(filled >= 0.5 for filled in reaches[:-1]), reaches


# ---- the 2019 letter at its longest -------------------------------------------------------

CROWDED = ("Forest Heath District Council",  # abolished: the successor's sentence
           "Borough Council of Kings Lynn and West Norfolk", "City of London Corporation",
           "Kent County Council", "Adur District Council", "Council of the Isles of Scilly")


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """The 2019 letter with all it may hold: the successor's sentence, a "Copied to" line
    naming both officers (each council has given their addresses) and the three sentences on
    the year before; each rendered for real, with the layout check's findings."""
    from helpers import HEADLINE_YEAR_YAML, copy_templates, headline_csv
    from lgsco_letters.render.pdf import LetterRenderer
    from lgsco_letters.render.templating import render_letter_html

    root = tmp_path_factory.mktemp("crowded")
    templates = copy_templates(root / "templates")
    # the year before in the same format, so that all three measures have a rate then
    before = root / "2017-18"
    before.mkdir()
    (before / "year.yaml").write_text(HEADLINE_YEAR_YAML.replace("year: 2018-19 ",
                                                                 "year: 2017-18 "))
    (before / "authorities.csv").write_text(headline_csv(*CROWDED))
    folder = root / "2018-19"
    folder.mkdir()
    (folder / "year.yaml").write_text((HEADLINE_YEAR / "year.yaml").read_text()
                                      + "copied_to: [link officer, monitoring officer]\n")

    lines = headline_csv(*CROWDED).splitlines()
    officers = [f"{line},complaints@{n}.example.org,monitoring@{n}.example.org"
                for n, line in enumerate(lines[1:])]
    (folder / "authorities.csv").write_text("\n".join(
        [f"{lines[0]},link_officer_email,monitoring_officer_email", *officers]) + "\n")
    year, renderer = load_year(folder, templates), LetterRenderer(templates)
    letters = {}
    for authority in year.authorities:
        pdf = renderer.render(render_letter_html(Templates(templates), year, authority))
        path = root / f"{authority.slug}.pdf"
        path.write_bytes(pdf.data)
        letters[authority.name] = (path, pdf.layout)
    renderer.close()
    return letters


@pytest.mark.parametrize("name", CROWDED)
def test_the_longest_2019_letter_fills_every_page_but_the_last(crowded, name):
    """Read from the real PDF: no page before the last under half filled, however much the
    letter holds; two pages, the statistics whole; and the layout check finds nothing."""
    path, layout = crowded[name]
    text = " ".join(pdf_text(path).split())
    assert text.count(" In 2017-18 ") == 3  # "it was 57%.", or "there was no rate"
    assert "Copied to: link officer, monitoring officer" in text
    with open_pdf(path) as pdf:
        reaches = [reach(page) for page in pdf.pages]
    assert len(reaches) == 2 and all(filled >= 0.5 for filled in reaches[:-1]), reaches
    assert layout == ()
    second = PdfReader(path).pages[-1].extract_text()
    for caption in ("Complaints and enquiries received", "Decisions made", "Notes"):
        assert caption in second  # the statistics kept whole, on the last page


def test_the_abolished_councils_letter_runs_on_into_the_statistics(crowded):
    """Forest Heath's letter runs over its first page: its closing lines, the signature and
    the statistics share the second, which is well filled."""
    path, _ = crowded["Forest Heath District Council"]
    reader = PdfReader(path)
    second = " ".join(reader.pages[1].extract_text().split())
    assert "Yours sincerely," in second and "Local Authority Report: Forest Heath" in second
    with open_pdf(path) as pdf:
        assert reach(pdf.pages[1]) > 0.6


def test_a_headline_letter_is_the_letter_then_the_statistics_page(letters):
    """2018-19's letter, with its own 2017-18 rates, on its first page or running into the
    second, the sign-off whole; the statistics follow, whole, on the second."""
    for key in ("adur-2019", "kings-lynn-2019", "city-of-london-2019"):
        reader = PdfReader(letters[key])
        assert len(reader.pages) == 2
        pages = [" ".join(page.extract_text().split()) for page in reader.pages]
        assert any("Yours sincerely," in page and "Michael King" in page for page in pages)
        assert "Local Authority Report:" in pages[1] and "Decisions made" in pages[1]


PAINTING = {b"Tj", b"TJ", b"'", b'"', b"Do", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*",
            b"S", b"s", b"sh", b"BI"}


def untagged(page) -> list[bytes]:
    """Operators that paint outside any marked-content sequence (neither tagged content nor
    an artifact): what PDF/UA-1 (7.1) forbids."""
    depth, found = 0, []
    for _, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator in (b"BDC", b"BMC"):
            depth += 1
        elif operator == b"EMC":
            depth -= 1
        elif operator in PAINTING and depth == 0:
            found.append(operator)
    return found


@pytest.mark.parametrize("key", ["adur-2018", "adur-2019", "bromsgrove-2018"])
def test_everything_painted_is_tagged_or_an_artifact(letters, key):
    for number, page in enumerate(PdfReader(letters[key]).pages, start=1):
        assert untagged(page) == [], f"page {number}"


@pytest.mark.parametrize("key", ["adur-2018", "adur-2019"])
def test_the_specimen_mark_and_banner_are_artifacts_on_every_page(letters, key):
    with open_pdf(letters[key]) as pdf:
        for page in pdf.pages:
            red = [char for char in page.chars
                   if tuple(round(c, 6) for c in char["non_stroking_color"]) == (
                       0.784314, 0.062745, 0.180392)]
            text = "".join(char["text"] for char in red)
            assert "SPECIMEN" in text and "made-upfigures" in text
            assert {char.get("tag") for char in red} == {"Artifact"}
    assert "SPECIMEN: made-up figures, not a letter to send" in pdf_text(letters[key])


def test_the_real_letter_has_no_artifact_text(letters):
    with open_pdf(letters["bromsgrove-2018"]) as pdf:
        assert not [char for page in pdf.pages for char in page.chars
                    if char.get("tag") == "Artifact"]


def test_a_specimen_says_so_in_its_title_and_description(letters):
    """The mark and banner are artifacts, which a screen reader passes over: the document's
    title (shown by viewers, read first by screen readers) and its description say SPECIMEN."""
    for key in ("adur-2018", "adur-2019"):
        reader = PdfReader(letters[key])
        title = reader.metadata["/Title"]
        assert title.startswith("SPECIMEN \u2013 Annual Review letter 20"), title
        assert reader.metadata["/Subject"].startswith("SPECIMEN, made-up figures, not a letter "
                                                      "to send: Annual summary")
        assert "SPECIMEN" in reader.metadata["/Keywords"]
        assert reader.xmp_metadata.dc_title["x-default"] == title
    real = PdfReader(letters["bromsgrove-2018"]).metadata
    assert real["/Title"] == "Annual Review letter 2018 \u2013 Bromsgrove District Council"
    assert "SPECIMEN" not in real["/Subject"] + real["/Keywords"]
