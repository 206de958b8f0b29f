"""The layout check on small crafted letters, each holding one problem or one warning, rendered
for real by WeasyPrint with the letter's stylesheets; and a clean letter that holds none."""

from __future__ import annotations

import pytest

from helpers import TEMPLATES
from lgsco_letters.render.findings import codes_of, usual_pages, with_page_count
from lgsco_letters.render.pdf import LetterRenderer

WORDS = ("The Ombudsman looks at complaints about councils and the care they arrange, and "
         "decides them fairly and without taking sides. ")


@pytest.fixture(scope="module")
def renderer():
    return LetterRenderer(TEMPLATES)


def findings(renderer, body: str, style: str = "") -> list:
    html = (f'<!DOCTYPE html><html lang="en-GB"><head><title>Crafted</title>'
            f"<style>{style}</style></head><body>{body}</body></html>")
    return list(renderer.render(html).layout)


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
    assert found.detail == 'a rule is drawn over the text "OMBUDSMAN", 12.0 mm below the top margin'
    assert found.is_problem


def test_text_drawn_over_text(renderer):
    body = '<p>The first paragraph.</p><p class="up">Drawn over the first.</p>'
    (found,) = findings(renderer, body, ".up { position: relative; top: -6mm; }")
    assert found.code == "overlap"
    assert found.detail.startswith('the text "Drawn over the first." is drawn over the text '
                                   '"The first paragraph."')


def test_an_image_over_text_and_text_in_a_table_cell_apart(renderer):
    """Rules around text (a table's cells) are not over it; an image over text is."""
    table = ('<table><caption>Counts</caption><thead><tr><th scope="col">Upheld</th>'
             '<th scope="col">Not upheld</th></tr></thead><tbody><tr><td>1</td><td>2</td>'
             "</tr></tbody></table>")
    assert findings(renderer, table + paragraphs(1)) == []
    image = ('<p>Text the image covers.</p><img src="brand/wordmark.svg" alt="mark" '
             'class="over">')
    (found,) = findings(renderer, image, ".over { position: relative; top: -8mm; "
                                         "width: 20mm; height: 20mm; display: block; }")
    assert found.code == "overlap" and found.detail.startswith("an image is drawn over the text")


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
    body = f"<p>{WORDS}<br>1%.</p><p>{WORDS}<br>and the average for similar councils</p>"
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
    found = [*findings(renderer, f"<p>{WORDS}<br>1%.</p><div style='break-before: page'>"
                                 f"{paragraphs(1)}</div>"), *with_page_count((), 2, 3)]
    assert codes_of(found) == "underfilled short-last-line page-count"
    assert codes_of(["page-count", "overlap", "overlap"]) == "overlap page-count"
