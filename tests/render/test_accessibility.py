"""Tagged, accessible PDFs: read back the structure tree a screen reader would follow.

This file is also CI's guard against a letter losing its tags.
"""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from helpers import BUNDLED_YEAR, TEMPLATES
from lgsco_letters.data.names import select_authorities
from lgsco_letters.editors.preview import write_preview
from lgsco_letters.project import load_year
from lgsco_letters.render.templating import Templates


def structure(element, found=None, depth=0):
    """(depth, tag, element) for every structure element, in reading order."""
    found = [] if found is None else found
    element = element.get_object()
    if "/S" in element:
        found.append((depth, str(element["/S"]), element))
    kids = element.get("/K")
    kids = kids if isinstance(kids, list) else [kids] if kids is not None else []
    for kid in kids:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict) and "/S" in kid:
            structure(kid, found, depth + 1)
    return found


@pytest.fixture(scope="module")
def letter(tmp_path_factory):
    year = load_year(BUNDLED_YEAR)
    (authority,) = select_authorities(year, ["Bromsgrove District Council"])
    path = write_preview(year, authority, Templates(TEMPLATES),
                         tmp_path_factory.mktemp("a11y") / "bromsgrove.pdf")
    return PdfReader(path)


@pytest.fixture(scope="module")
def tags(letter):
    return structure(letter.trailer["/Root"]["/StructTreeRoot"])


def test_the_pdf_is_tagged(letter):
    root = letter.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root


def test_language_title_and_document_title_display(letter):
    root = letter.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    info = letter.metadata
    assert info["/Title"] == "Annual Review letter 2018 \u2013 Bromsgrove District Council"
    assert info["/Author"] == "Local Government and Social Care Ombudsman"
    assert info["/Subject"].startswith("Annual summary of complaint statistics for Bromsgrove")


def test_headings_follow_the_letter(tags):
    headings = [tag for _, tag, _ in tags if tag in ("/H1", "/H2")]
    assert headings == ["/H1", *["/H2"] * 5, "/H1", "/H2"]


def test_the_wordmark_has_alternative_text(tags):
    figures = [element for _, tag, element in tags if tag == "/Figure"]
    assert [str(f["/Alt"]) for f in figures] == [
        "Local Government and Social Care Ombudsman wordmark"]


def test_three_real_tables_with_captions_and_header_cells(tags):
    tables = [element for _, tag, element in tags if tag == "/Table"]
    inner = [{tag for _, tag, _ in structure(table)} for table in tables]
    assert len(inner) == 3
    assert all({"/Caption", "/THead", "/TBody", "/TH", "/TD"} <= found for found in inner)


def header_ids(table) -> dict[str, dict]:
    return {str(e["/ID"]): e for _, tag, e in structure(table) if tag == "/TH"}


def test_every_header_has_a_scope_and_every_cell_its_headers(tags):
    tables = [element for _, tag, element in tags if tag == "/Table"]
    headers = [header_ids(table) for table in tables]
    cells = [[cell for _, tag, cell in structure(table) if tag == "/TD"] for table in tables]
    # received (9 services and the total), decided (6, 2 spanning and the total), remedied
    assert [(len(h), len(c)) for h, c in zip(headers, cells, strict=True)] == [
        (10, 10), (9, 8), (2, 2)]
    for table_headers, table_cells in zip(headers, cells, strict=True):
        assert {header["/A"]["/Scope"] for header in table_headers.values()} == {"/Column"}
        for cell in table_cells:
            named = [str(h) for h in cell["/A"]["/Headers"]]
            assert named and all(name in table_headers for name in named)


def test_detailed_investigations_spans_not_upheld_and_upheld(tags):
    decisions = [element for _, tag, element in tags if tag == "/Table"][1]
    headers = header_ids(decisions)
    spanning = next(i for i, h in headers.items() if h["/A"].get("/ColSpan") == 2)
    cells = [cell for _, tag, cell in structure(decisions) if tag == "/TD"]
    assert [len(cell["/A"]["/Headers"]) for cell in cells] == [1, 1, 1, 1, 2, 2, 1, 1]
    assert spanning in [str(h) for h in cells[4]["/A"]["/Headers"]]
    assert spanning in [str(h) for h in cells[5]["/A"]["/Headers"]]


def test_the_id_tree_resolves_every_header(letter, tags):
    names = letter.trailer["/Root"]["/StructTreeRoot"]["/IDTree"]["/Names"]
    labels = [str(names[i]) for i in range(0, len(names), 2)]
    assert labels == sorted(labels)
    all_ids = [str(e["/ID"]) for _, tag, e in tags if tag == "/TH"]
    assert len(labels) == 21  # the three tables' header cells
    assert sorted(all_ids) == labels
    assert {names[i + 1].get_object()["/S"] for i in range(0, len(names), 2)} == {"/TH"}


def test_links_are_tagged_with_their_annotations(tags):
    links = [element for _, tag, element in tags if tag == "/Link"]
    assert len(links) == 3
    annotated = [any(getattr(k, "get_object", lambda k=k: k)().get("/Type") == "/OBJR"
                     for k in kids if not isinstance(k, int))
                 for kids in (link["/K"] if isinstance(link["/K"], list) else [link["/K"]]
                              for link in links)]
    assert annotated == [True, True, True]


def test_reading_order_is_the_letter_then_the_statistics(tags):
    order = [tag for _, tag, _ in tags if tag in ("/H1", "/H2", "/Table")]
    assert order.index("/Table") > order.index("/H1", 1)
    assert order[-2:] == ["/Table", "/H2"]  # the remedied table, then the notes heading
