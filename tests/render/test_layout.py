"""The layout check on small crafted letters, each holding one problem or one warning, rendered
for real by WeasyPrint with the letter's stylesheets; and a clean letter that holds none."""

from __future__ import annotations

import shutil

import pytest

from helpers import TEMPLATES
from lgsco_letters.render.findings import codes_of, usual_pages, with_page_count
from lgsco_letters.render.pdf import LetterRenderer

WORDS = ("The Ombudsman looks at complaints about councils and the care they arrange, and "
         "decides them fairly and without taking sides. ")


@pytest.fixture(scope="module")
def renderer(tmp_path_factory):
    """The letter's stylesheets, and two images beside them: an opaque photograph-like PNG
    (no alpha channel) and a signature as signatures come, dark strokes on a transparent
    ground."""
    from PIL import Image, ImageDraw

    folder = tmp_path_factory.mktemp("crafted") / "templates"
    shutil.copytree(TEMPLATES, folder)
    Image.new("RGB", (60, 60), (200, 220, 240)).save(folder / "opaque.png")
    signature = Image.new("RGBA", (240, 60), (0, 0, 0, 0))
    ImageDraw.Draw(signature).line([(10, 50), (60, 10), (120, 45), (230, 15)],
                                   fill=(20, 20, 60, 255), width=3)
    signature.save(folder / "signature.png")
    return LetterRenderer(folder)


def findings(renderer, body: str, style: str = "") -> list:
    html = (f'<!DOCTYPE html><html lang="en-GB"><head><title>Crafted</title>'
            f"<style>{style}</style></head><body>{body}</body></html>")
    return list(renderer.render(html).layout)


# A first line that leaves no room for the next word: "1%." goes on a line of its own.
FULL_LINE = '<span style="display: inline-block; width: 165mm">The rate was</span>'


def paragraphs(count: int) -> str:
    return "".join(f"<p>{WORDS * 3}</p>" for _ in range(count))


def test_a_clean_letter_has_no_findings(renderer):
    assert findings(renderer, f"<h1>A letter</h1>{paragraphs(5)}") == []


def test_a_rule_drawn_through_text(renderer):
    """The old letterhead: a box shorter than the float in it, its rule across the float."""
    body = ('<div class="head"><div class="float">Local Government<br>OMBUDSMAN</div></div>'
            + paragraphs(1))
    style = (".head { height: 12mm; border-bottom: 1pt solid black; } "
             ".float { float: right; font-size: 17pt; }")
    (found,) = findings(renderer, body, style)
    assert (found.code, found.page) == ("overlap", 1)
    assert found.detail == 'a rule runs through the text "OMBUDSMAN", 12.0 mm below the top margin'
    assert found.is_problem


def test_text_drawn_over_text(renderer):
    body = '<p>The first paragraph.</p><p class="up">Drawn over the first.</p>'
    (found,) = findings(renderer, body, ".up { position: relative; top: -6mm; }")
    assert found.code == "overlap"
    assert found.detail.startswith('the text "Drawn over the first." is drawn over the text '
                                   '"The first paragraph."')


def test_an_image_over_text_and_text_in_a_table_cell_apart(renderer):
    """Rules around text (a table's cells) are not over it; an opaque image over text is."""
    table = ('<table><caption>Counts</caption><thead><tr><th scope="col">Upheld</th>'
             '<th scope="col">Not upheld</th></tr></thead><tbody><tr><td>1</td><td>2</td>'
             "</tr></tbody></table>")
    assert findings(renderer, table + paragraphs(1)) == []
    image = '<p>Text the image covers.</p><img src="opaque.png" alt="mark" class="over">'
    (found,) = findings(renderer, image, ".over { position: relative; top: -8mm; "
                                         "width: 20mm; height: 20mm; display: block; }")
    assert found.code == "overlap" and found.detail.startswith(
        'an image is drawn over the text "Text the image covers."')


def test_an_image_that_may_be_transparent_over_text_is_a_warning(renderer):
    """A signature on a transparent ground, set a little over "Yours sincerely," as signatures
    are: its box meets the words, its ink may not, so it is for a person to look at."""
    for source in ("signature.png", "brand/wordmark.svg"):
        body = (f'<p>Yours sincerely,</p><img src="{source}" alt="signature" class="sig">'
                "<p>Michael King</p>")
        (found,) = findings(renderer, body, ".sig { display: block; width: 50mm; "
                                            "height: 12mm; margin-top: -4mm; }")
        assert (found.code, found.is_problem) == ("image-over-text", False), source
        assert found.detail.startswith('an image that may be transparent meets the text '
                                       '"Yours sincerely,"')


def test_content_outside_the_printable_area(renderer):
    body = f'<p class="wide">{"x" * 140}</p>{paragraphs(1)}'
    (found,) = findings(renderer, body, ".wide { white-space: nowrap; }")
    assert (found.code, found.page) == ("outside", 1)
    assert "mm beyond the printable area" in found.detail and found.is_problem


def test_a_table_split_across_pages(renderer):
    rows = "".join(f"<tr><td>{n}</td><td>{n * 2}</td></tr>" for n in range(40))
    body = (f"{paragraphs(4)}<table class='long'><caption>Complaints received</caption><thead>"
            f"<tr><th scope='col'>N</th><th scope='col'>2N</th></tr></thead><tbody>{rows}"
            "</tbody></table>")
    found = [f for f in findings(renderer, body, "table.long { break-inside: auto; }")
             if f.code == "split"]
    assert len(found) == 1
    assert found[0].detail == 'the table "Complaints received" is split across pages 1 and 2'


def test_a_figure_split_across_pages(renderer):
    body = (f"{paragraphs(3)}<figure class='chart'><p>{WORDS * 20}</p><p>{WORDS * 20}</p>"
            "</figure>")
    found = [f for f in findings(renderer, body, "figure.chart { break-inside: auto; }")
             if f.code == "split"]
    assert [f.detail for f in found] == ["a figure is split across pages 1 and 2"]


def test_a_heading_left_last_on_a_page(renderer):
    body = (f"{paragraphs(2)}<h2 class='alone'>Complaint statistics</h2>"
            f"<p class='next'>{WORDS}</p>")
    found = findings(renderer, body, ".alone { break-after: page; }")
    assert [(f.code, f.page, f.detail) for f in found if f.code == "heading-last"] == [
        ("heading-last", 1, 'the page ends with the heading "Complaint statistics"')]


def test_a_page_before_the_last_under_half_filled(renderer):
    body = f"{paragraphs(2)}<div class='next'>{paragraphs(2)}</div>"
    found = findings(renderer, body, ".next { break-before: page; }")
    assert [(f.code, f.page) for f in found] == [("underfilled", 1)]
    assert found[0].detail.startswith("only ") and found[0].detail.endswith(
        "% of the page is filled (page 1 of 2)")
    assert not found[0].is_problem


def test_the_last_page_may_be_short(renderer):
    assert findings(renderer, paragraphs(1)) == []


def test_a_paragraph_ending_in_one_short_word(renderer):
    body = (f"<p>{FULL_LINE} 1%.</p><p>{FULL_LINE} and the average for similar councils</p>")
    found = findings(renderer, body)
    assert [(f.code, f.page, f.detail) for f in found] == [
        ("short-last-line", 1, 'a paragraph ends with a line holding only "1%."')]


def test_a_one_line_paragraph_is_not_a_short_last_line(renderer):
    assert findings(renderer, "<p>Yes.</p>") == []


def test_the_specimen_mark_is_no_finding(renderer):
    """The mark and banner are backgrounds (artifacts), drawn over the text by design."""
    body = ('<div class="specimen-banner"><span>SPECIMEN</span></div>'
            '<div class="specimen-mark"><span>SPECIMEN</span></div>' + paragraphs(6))
    assert findings(renderer, body) == []


def test_a_page_count_unlike_the_years_is_a_warning():
    assert usual_pages([3, 3, 2, 3, 5]) == 3
    assert usual_pages([2, 3]) == 2 and usual_pages([]) is None
    (found,) = with_page_count((), 2, 3)
    assert found.message == "the letter has 2 pages where the year's letters usually have 3 " \
                            "(page-count)"
    assert not found.is_problem
    assert with_page_count((), 3, 3) == ()


def test_codes_are_listed_once_in_a_fixed_order(renderer):
    found = [*findings(renderer, f"<p>{FULL_LINE} 1%.</p><div style='break-before: page'>"
                                 f"{paragraphs(1)}</div>"), *with_page_count((), 2, 3)]
    assert codes_of(found) == "underfilled short-last-line page-count"
    assert codes_of(["page-count", "overlap", "overlap"]) == "overlap page-count"


# ---- what the check once missed, or saw where there was nothing (issue 19's review) --------

def test_a_rule_thinner_than_a_pixel_through_text(renderer):
    """A 0.5 pt rule is 0.67 px thick: a rule of any thickness across glyphs is an overlap."""
    body = ('<div class="head"><div class="float">Local Government<br>OMBUDSMAN</div></div>'
            + paragraphs(1))
    style = (".head { height: 12mm; border-bottom: 0.5pt solid black; } "
             ".float { float: right; font-size: 17pt; }")
    (found,) = findings(renderer, body, style)
    assert found.message == ('page 1: a rule runs through the text "OMBUDSMAN", 12.0 mm below '
                             'the top margin (overlap)')


def test_text_across_a_tables_cell_rules(renderer):
    """Headings too big for their columns run across the collapsed borders between cells."""
    heads = "".join('<th scope="col">Environment</th>' for _ in range(10))
    body = (f"<table><thead><tr>{heads}</tr></thead><tbody><tr>{'<td>1</td>' * 10}</tr>"
            "</tbody></table>")
    found = [f for f in findings(renderer, body, "th { font-size: 11pt; }") if f.code == "overlap"]
    assert len(found) == 1 and found[0].detail.startswith(
        'a rule runs through the text "Environment"')


def test_a_caption_apart_from_its_table(renderer):
    """A caption left at the foot of a page, its table on the next: one piece, split."""
    table = ('<table class="loose"><caption>Decisions made</caption><thead><tr>'
             '<th scope="col">Upheld</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>')
    found = findings(renderer, f'<p class="big">For the period ending 31/03/2019</p>{table}',
                     ".big { margin-bottom: 240mm; } .loose caption { break-after: auto; }")
    assert [(f.code, f.page, f.detail) for f in found if f.code == "split"] == [
        ("split", 1, 'the table "Decisions made" is split from its caption: the caption on '
                     "page 1, the table on page 2")]


def test_the_letters_stylesheet_keeps_a_caption_with_its_table(renderer):
    table = ('<table><caption>Decisions made</caption><thead><tr><th scope="col">Upheld</th>'
             "</tr></thead><tbody><tr><td>1</td></tr></tbody></table>")
    found = findings(renderer, f'<p class="big">For the period ending</p>{table}',
                     ".big { margin-bottom: 240mm; }")
    assert [f.code for f in found] == ["underfilled"]  # the caption went over with its table


def test_a_heading_moved_over_a_paragraph_by_a_transform(renderer):
    body = ("<p>The first paragraph of the letter.</p><h2 class='up'>A heading</h2>"
            "<p>After it.</p>")
    (found,) = findings(renderer, body, ".up { transform: translateY(-8mm); }")
    assert found.detail.startswith('the text "A heading" is drawn over the text "The first '
                                   'paragraph of the letter."')


def test_a_date_moved_off_the_page_by_a_transform(renderer):
    body = f"<p class='date'>24 July 2019</p>{paragraphs(1)}"
    (found,) = findings(renderer, body, ".date { transform: translateX(180mm); }")
    assert found.code == "outside" and found.detail.startswith('"24 July 2019" reaches 31.')


def test_a_rotated_label_beside_text_is_no_overlap(renderer):
    """Laid out across the paragraph, then turned a quarter into the margin the paragraph
    leaves: only where it is drawn counts."""
    body = f'<div class="label">Rotated label for the margin</div>{paragraphs(5)}'
    style = (".label { position: absolute; left: 6mm; top: 70mm; width: 60mm; "
             "transform: rotate(-90deg); transform-origin: 0 100%; } p { margin-left: 12mm; }")
    assert findings(renderer, body, style) == []
    (moved,) = findings(renderer, body, style.replace("rotate(-90deg)", "rotate(0deg)"))
    assert moved.detail.startswith('the text "Rotated label for the margin" is drawn over')


def test_a_footnote_hides_no_other_finding(renderer):
    """The footnote area is the page's last box, but not the last of its flow."""
    body = (f"{paragraphs(2)}<h2 class='alone'>Complaint statistics<span class='note'>As "
            f"counted on 31 March.</span></h2><p>{WORDS}</p>")
    found = findings(renderer, body, ".alone { break-after: page; } "
                                     ".note { float: footnote; }")
    assert [(f.code, f.page) for f in found] == [("heading-last", 1), ("underfilled", 1)]


def test_a_filled_box_over_text(renderer):
    body = f'{paragraphs(2)}<div class="cover"></div>'
    (found,) = findings(renderer, body, ".cover { position: absolute; top: 0; left: 0; "
                                        "width: 100mm; height: 30mm; background: white; }")
    assert found.detail.startswith('a filled box is drawn over the text "The Ombudsman looks')


def test_a_shaded_cell_under_its_text_is_no_overlap(renderer):
    body = ('<p class="shaded">Shaded, as a table heading is.</p>'
            '<div class="tint">A tinted box, its words on it.</div>')
    assert findings(renderer, body, ".shaded { background: #e8edf4; } .tint { position: "
                                    "absolute; top: 40mm; background: #fff; }") == []


def test_a_fixed_box_is_named_as_drawn_over_the_flow(renderer):
    """A fixed box comes first in the HTML but is painted after the flow it lies over."""
    body = f'<div class="fixed">FIXED WORDS</div>{paragraphs(2)}'
    (found,) = findings(renderer, body, ".fixed { position: fixed; top: 2mm; left: 0; "
                                        "font-size: 20pt; }")
    assert found.detail.startswith('the text "FIXED WORDS" is drawn over the text "The '
                                   'Ombudsman looks')


def test_a_blank_page_the_stylesheet_asks_for_is_no_warning(renderer):
    """Starting on a right-hand page leaves a left one blank, on purpose."""
    body = f"{paragraphs(8)}<div class='right'>{paragraphs(1)}</div>"
    found = findings(renderer, body, ".right { break-before: right; }")
    assert found == []


def test_a_line_ended_on_purpose_is_no_short_last_line(renderer):
    body = (f"<p>{WORDS}<br>1%.</p><p class='kept'>Complaints upheld\n1%.</p>")
    assert findings(renderer, body, ".kept { white-space: pre-line; }") == []
