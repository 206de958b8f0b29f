"""`publish`: the year as a static site, read back as files, and in the real headless Chromium
with axe-core for accessibility."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright

from helpers import (
    ADUR_ROW,
    BROMSGROVE_ROW,
    CHROMIUM,
    CHROMIUM_ARGS,
    HEADLINE_YEAR_YAML,
    SEED,
    TEMPLATES,
    ZERO_ROW,
    csv_text,
    headline_csv,
    squash,
)


@pytest.fixture
def project(tmp_path, monkeypatch, make_year):
    def make(folder: Path) -> Path:
        (tmp_path / "lgsco-letters.yml").write_text(
            f"data: {folder}\nout: {tmp_path / 'out'}\ntemplates: {TEMPLATES}\n")
        monkeypatch.chdir(tmp_path)
        return tmp_path
    return make


@pytest.fixture
def published(project, make_year, run_here):
    """A small 2017-18 year, published: Adur (specimen), Bromsgrove (real), Scilly (none)."""
    root = project(make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW)))
    result = run_here("publish", "--jobs", "1")
    assert result.exit_code == 0, result.output
    return root / "out" / "2017-18" / "site"


def test_the_site_holds_every_page_and_the_exact_pdfs(published, run_here):
    site = published
    manifest = json.loads((site.parent / "manifest.json").read_text())
    for row in manifest:
        page = site / row["slug"] / "index.html"
        assert page.is_file()
        copy = site / row["slug"] / row["file"]
        assert copy.read_bytes() == (site.parent / row["file"]).read_bytes()
        assert len(page.read_bytes()) < 50_000
    assert len((site / "index.html").read_bytes()) < 200_000
    index = (site / "index.html").read_text()
    assert '<a href="bromsgrove-district-council/index.html">Bromsgrove District Council</a>' in (
        index)
    assert "http://" not in index.replace("http://www.w3.org", "") and "https://" not in index
    bromsgrove = (site / "bromsgrove-district-council" / "index.html").read_text()
    assert 'href="bromsgrove-district-council.pdf" download' in bromsgrove
    assert "Specimen:" not in bromsgrove
    assert "<strong>Specimen:</strong>" in (site / "adur-district-council" / "index.html"
                                           ).read_text()


def test_the_letter_page_has_the_letters_own_words(published):
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts = []

        def handle_data(self, data):
            self.parts.append(data)

    parser = Text()
    parser.feed((published / "bromsgrove-district-council" / "index.html").read_text())
    text = squash("".join(parser.parts))
    seed = SEED.read_text(encoding="utf-8")
    for paragraph in ("I write to you with our annual summary of statistics",
                      "In providing these statistics, I would stress"):
        start = seed.index(paragraph)
        assert squash(seed[start:seed.index("\n\n", start)]) in text


def test_the_data_files_agree_with_summary(published, run_here):
    site = published
    rows = list(csv.DictReader(io.StringIO((site / "data" / "authorities.csv").read_text())))
    objects = json.loads((site / "data" / "authorities.json").read_text())
    summary = json.loads(run_here("summary", "--format", "json").output)["england"]
    assert len(rows) == len(objects) == summary["authorities"] == 3
    assert sum(int(row["received_total"]) for row in rows) == summary["received"]
    assert sum(o["detailed_investigations"] for o in objects) == summary[
        "detailed_investigations"]
    assert sum(o["decided_upheld"] for o in objects) == summary["upheld"]
    scilly = next(o for o in objects if o["slug"] == "council-of-the-isles-of-scilly")
    assert scilly["uphold_rate"] is None
    assert "recipient_email" not in rows[0] and "recipient_name" not in objects[0]


def test_a_formula_in_the_data_is_neutralised(project, make_year, run_here):
    root = project(make_year(csv=csv_text(ADUR_ROW.replace(",district,", ",=HYPERLINK(x),"))))
    assert run_here("publish", "--jobs", "1").exit_code == 0
    text = (root / "out" / "2017-18" / "site" / "data" / "authorities.csv").read_text()
    assert ",'=HYPERLINK(x)," in text


def test_publish_again_rewrites_nothing_and_a_change_rewrites_its_page(published, run_here,
                                                                        make_year):
    site = published
    before = {path: path.stat().st_mtime_ns for path in site.rglob("*") if path.is_file()}
    again = run_here("publish", "--jobs", "1")
    assert "0 files written, 713" not in again.output  # (not the bundled year)
    assert ": 0 files written, 13 unchanged" in again.output
    assert {path: path.stat().st_mtime_ns for path in before} == before
    csv_path = site.parents[2] / "2017-18" / "authorities.csv"  # the project's year
    csv_path.write_text(csv_path.read_text().replace(",1,0,2,6,1,1,11,", ",1,0,2,6,0,2,11,"))
    changed = run_here("publish", "--jobs", "1")
    assert changed.exit_code == 0, changed.output
    assert ": 6 files written, 7 unchanged" in changed.output
    after = {path: path.stat().st_mtime_ns for path in before}
    rewritten = {path.relative_to(site).as_posix() for path in before
                 if after[path] != before[path]}
    assert rewritten == {"bromsgrove-district-council/index.html",
                         "bromsgrove-district-council/bromsgrove-district-council.pdf",
                         "index.html", "summary.html", "data/authorities.csv",
                         "data/authorities.json"}


def test_a_headline_year_shows_the_measures_and_averages(project, make_year, run_here):
    folder = make_year(csv=headline_csv("Adur District Council", "Kent County Council",
                                        "Forest Heath District Council"),
                       year_yaml=HEADLINE_YEAR_YAML, name="2018-19")
    root = project(folder)
    assert run_here("publish", "--jobs", "1").exit_code == 0
    site = root / "out" / "2018-19" / "site"
    index = (site / "index.html").read_text()
    for heading in ("Complaints upheld", "Compliance with Ombudsman recommendations",
                    "Satisfactory remedy provided by the authority"):
        assert f'<th scope="col">{heading}</th>' in index
    assert "Uphold rate" not in index and "Similar authorities:" not in index  # our old words
    kent = (site / "kent-county-council" / "index.html").read_text()
    assert "<title>Bar chart of three measures, Kent County Council against" in kent
    summary = (site / "summary.html").read_text()
    assert "County councils" in summary
    assert ('<tr><th scope="row">Compliance with Ombudsman recommendations</th>' in summary)
    assert ("<dt>Satisfactory remedy provided by the authority</dt>\n<dd>The authority upheld "
            "the complaint itself, and we agreed with how it offered to put things right.</dd>"
            ) in summary
    assert "Forest Heath District Council</a> (specimen) (now West Suffolk Council)</th>" in index
    forest_heath = (site / "forest-heath-district-council" / "index.html").read_text()
    assert ("Forest Heath District Council no longer exists: West Suffolk Council has taken over "
            "from it, and this letter went to West Suffolk Council.") in forest_heath
    records = json.loads((site / "data" / "authorities.json").read_text())
    assert [record["successor"] for record in records] == ["", "West Suffolk Council", ""]


@pytest.fixture
def browser_page():
    assert CHROMIUM.exists(), "Chromium is missing: `make test` installs Debian's chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True)
        yield context.new_page()
        browser.close()


def test_search_follow_and_download_from_file_urls(published, browser_page):
    page = browser_page
    page.goto((published / "index.html").as_uri())
    rows = page.locator("#authorities tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("Find an authority").fill("bromsgrove")
    expect(page.locator("#authorities tbody tr:visible")).to_have_count(1)
    expect(page.locator("#shown")).to_have_text("Showing 1 of 3 authorities")
    page.get_by_role("link", name="Bromsgrove District Council").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bromsgrove District Council: Annual Review letter 2018")
    expect(page.get_by_text("I write to you with our annual summary of statistics")).to_be_visible()
    link = page.get_by_role("link", name="Download the letter as a PDF")
    expect(link).to_have_attribute("download", "")
    target = Path(url2pathname(urlsplit(link.evaluate("a => a.href")).path))
    built = published.parent / "bromsgrove-district-council.pdf"
    assert target.read_bytes() == built.read_bytes()


def test_the_pdf_downloads_from_a_static_host(published, browser_page):
    """Served as any static host serves files (here on 127.0.0.1), the link downloads."""
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(published))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser_page
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
        page.get_by_role("link", name="Adur District Council").click()
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the letter as a PDF").click()
        saved = Path(download.value.path()).read_bytes()
    finally:
        server.shutdown()
        server.server_close()
    assert saved == (published.parent / "adur-district-council.pdf").read_bytes()


def test_sorting_by_a_column(published, browser_page):
    page = browser_page
    page.goto((published / "index.html").as_uri())
    page.get_by_role("button", name="Complaints and enquiries received").click()
    first = page.locator("#authorities tbody tr").first
    expect(first.locator("th")).to_contain_text("Council of the Isles of Scilly")
    header = page.locator("thead th").nth(2)
    expect(header).to_have_attribute("aria-sort", "ascending")


@pytest.mark.parametrize("page_path", ["index.html", "bromsgrove-district-council/index.html",
                                       "adur-district-council/index.html", "summary.html"])
def test_axe_finds_no_violations(published, browser_page, page_path):
    browser_page.goto((published / page_path).as_uri())
    results = Axe().run(browser_page)
    assert results.violations_count == 0, results.generate_report()


def test_keyboard_reaches_the_skip_link_first(published, browser_page):
    page = browser_page
    page.goto((published / "index.html").as_uri())
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_attribute("id", "main")


@pytest.mark.parametrize(("broken", "said"), [
    ("{{ rows|length }", "Found 1 problem; nothing was written:\n  templates/site/index.html, "
                         "line 8: unexpected '}'"),
    ("{{ year.nope }}", "The site cannot be written: templates/site/index.html, line 8: "
                        'year has no "nope"')])
def test_a_broken_site_template_is_named_and_nothing_is_written(tmp_path, monkeypatch,
                                                                make_year, run_here, broken,
                                                                said):
    import shutil

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    index = templates / "site" / "index.html"
    index.write_text(index.read_text().replace("{{ rows|length }}", broken))
    data = make_year(csv=csv_text(BROMSGROVE_ROW))
    (tmp_path / "lgsco-letters.yml").write_text(
        f"data: {data}\nout: {tmp_path / 'out'}\ntemplates: {templates}\n")
    monkeypatch.chdir(tmp_path)
    result = run_here("publish", "--jobs", "1")
    assert result.exit_code == 2
    assert said in result.output
    assert not (tmp_path / "out" / "2017-18" / "site").exists()


WIDE = ("Adur District Council", "Borough Council of Kings Lynn and West Norfolk",
        "City of London Corporation", "Kent County Council", "Council of the Isles of Scilly")


@pytest.fixture(scope="module")
def headline_site(tmp_path_factory):
    """A small 2018-19 year published, with the longest names and types there are."""
    from click.testing import CliRunner

    from lgsco_letters.cli import cli

    root = tmp_path_factory.mktemp("headline-site")
    folder = root / "2018-19"
    folder.mkdir()
    (folder / "year.yaml").write_text(HEADLINE_YEAR_YAML)
    (folder / "authorities.csv").write_text(headline_csv(*WIDE))
    result = CliRunner().invoke(cli, ["publish", "--data", str(folder), "--jobs", "2",
                                      "--out", str(root / "site")])
    assert result.exit_code == 0, result.output
    return root / "site"


PAGES = ["index.html", "summary.html", "borough-council-of-kings-lynn-and-west-norfolk/index.html"]


@pytest.mark.parametrize("width", [1280, 1024, 375])
def test_the_site_fits_the_window(headline_site, browser_page, width):
    """No page is wider than the window (the index was 1302 px in 1280): a wide table scrolls
    inside its own box."""
    browser_page.set_viewport_size({"width": width, "height": 800})
    for path in PAGES:
        browser_page.goto((headline_site / path).as_uri())
        wide = browser_page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{path} is {wide} px wide in a {width} px window"
    browser_page.goto((headline_site / "index.html").as_uri())
    box = browser_page.locator(".table-box")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth") == (width == 375)


def test_the_tables_box_is_labelled_and_reached_by_keyboard(headline_site, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto((headline_site / "index.html").as_uri())
    region = page.get_by_role("region", name="Every authority, with its figures")
    expect(region).to_have_attribute("tabindex", "0")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('table-box')"):
            break
    else:
        pytest.fail("Tab never reached the table's box")
    page.keyboard.press("ArrowRight")  # the keys scroll the box (smoothly: wait for it)
    page.wait_for_function("document.querySelector('.table-box').scrollLeft > 0",
                           timeout=10_000)


def test_the_index_filters_by_similar_authorities(headline_site, browser_page):
    page = browser_page
    page.goto((headline_site / "index.html").as_uri())
    expect(page.locator("#authorities tbody tr")).to_have_count(5)
    page.get_by_label("Similar authorities").select_option("county councils")
    expect(page.locator("#authorities tbody tr:visible")).to_have_count(1)
    expect(page.locator("#shown")).to_have_text("Showing 1 of 5 authorities")
    page.get_by_label("Find an authority").fill("kent")
    expect(page.locator("#authorities tbody tr:visible th")).to_have_text("Kent County Council "
                                                                           "(specimen)")


LETTER_PAGE = PAGES[2]


@pytest.mark.parametrize("width", [1280, 1024, 375])
def test_the_letters_tables_and_chart_fit_or_scroll_in_their_own_box(headline_site,
                                                                     browser_page, width):
    """The statistics table was 821 px in a 718 px box at every width, its Other and Total
    columns out of view, the box unlabelled and out of the keyboard's reach; at 375 px the
    chart's words were 3.5 px high. Now each table and the chart is a labelled region a
    keyboard reaches; from 1024 px up every column is in view, and below that the box scrolls,
    never the page; the chart keeps its words legible (about 12 px) and scrolls too."""
    page = browser_page
    page.set_viewport_size({"width": width, "height": 800})
    page.goto((headline_site / LETTER_PAGE).as_uri())
    for caption in ("Complaints and enquiries received", "Decisions made",
                    "Complaints Remedied"):
        region = page.get_by_role("region", name=caption)
        expect(region).to_have_attribute("tabindex", "0")
        assert region.locator("table caption").inner_text() == caption
    boxes = page.locator(".letter .table-box")
    expect(boxes).to_have_count(3)
    widths = boxes.evaluate_all("bs => bs.map(b => [b.scrollWidth, b.clientWidth])")
    received = widths[0]
    if width >= 1024:
        assert all(scrolled <= shown for scrolled, shown in widths), widths
        total = page.locator(".letter table.received th", has_text="Total")
        assert total.evaluate("th => th.getBoundingClientRect().right <= "
                              "th.closest('.table-box').getBoundingClientRect().right")
    else:
        assert received[0] > received[1]  # it scrolls in its box...
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # ...not the page
    chart = page.get_by_role("region", name="The measures as a bar chart")
    expect(chart).to_have_attribute("tabindex", "0")
    drawn = chart.locator("svg").evaluate("s => s.getBoundingClientRect().width")
    assert drawn * 9.5 / 520 >= 11  # the chart's words, in px: 3.5 at 375 px before
    if width == 375:
        chart.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("document.querySelector('.chart-box').scrollLeft > 0",
                               timeout=10_000)


def test_the_summary_caption_reads_as_a_sentence(headline_site):
    summary = (headline_site / "summary.html").read_text(encoding="utf-8")
    assert ("England's totals and measures, and those of each group of similar "
            "authorities</caption>") in summary


@pytest.mark.parametrize("width", [1280, 1024, 375])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_violations_in_the_headline_site(headline_site, browser_page, width, path):
    browser_page.set_viewport_size({"width": width, "height": 800})
    browser_page.goto((headline_site / path).as_uri())
    results = Axe().run(browser_page)
    assert results.violations_count == 0, results.generate_report()
def test_a_site_folder_that_is_a_link_is_refused(project, make_year, run_here, tmp_path):
    root = project(make_year(csv=csv_text(BROMSGROVE_ROW)))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "index.html").write_text("theirs")
    site = root / "out" / "2017-18" / "site"
    site.parent.mkdir(parents=True)
    site.symlink_to(elsewhere)
    result = run_here("publish", "--jobs", "1")
    assert result.exit_code == 2
    assert result.output.endswith("out/2017-18/site is a symbolic link: lgsco-letters never "
                                  "writes through one. Replace it with a real folder (or "
                                  "remove it)\n")
    assert [path.name for path in elsewhere.iterdir()] == ["index.html"]
    assert (elsewhere / "index.html").read_text() == "theirs"


def test_a_letters_folder_in_the_site_that_is_a_link_is_refused(published, run_here, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "index.html").write_text("theirs")
    folder = published / "bromsgrove-district-council"
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    folder.symlink_to(elsewhere)
    result = run_here("publish", "--jobs", "1")
    assert result.exit_code == 2
    assert result.output.endswith("out/2017-18/site/bromsgrove-district-council is a symbolic "
                                  "link: lgsco-letters never writes through one. Replace it "
                                  "with a real folder (or remove it)\n")
    assert [path.name for path in elsewhere.iterdir()] == ["index.html"]
    assert (elsewhere / "index.html").read_text() == "theirs"


def test_a_link_planted_at_a_temporary_name_is_never_written_through(published, run_here,
                                                                      tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("theirs")
    folder = published / "bromsgrove-district-council"
    (folder / "bromsgrove-district-council.pdf").unlink()  # to be copied again
    for name in ("bromsgrove-district-council.pdf", "index.html"):
        (folder / f".{name}.tmp").symlink_to(victim)
    (folder / "index.html").write_text("stale")
    result = run_here("publish", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "theirs"
    copy = folder / "bromsgrove-district-council.pdf"
    assert not copy.is_symlink() and not (folder / "index.html").is_symlink()
    assert copy.read_bytes() == (published.parent / "bromsgrove-district-council.pdf"
                                 ).read_bytes()
