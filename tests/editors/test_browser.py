"""A real browser (Debian's headless Chromium, driven by Playwright) on `lgsco-letters serve`.

The page must follow template edits by itself, show a broken template's error naming the file,
and bring the letter back when the template is fixed.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys

import pytest
from playwright.sync_api import expect, sync_playwright

from helpers import (
    ADUR_ROW,
    BROMSGROVE_ROW,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    TEMPLATES,
    csv_text,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path, make_year):
    """`lgsco-letters serve`, run as a user runs it, over copies of the templates and a year."""
    assert CHROMIUM.exists(), "Chromium is missing: `make test` installs Debian's chromium"
    project = tmp_path / "project"
    shutil.copytree(TEMPLATES, project / "templates")
    data = make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW))
    (project / "lgsco-letters.yml").write_text(f"data: {data}\ntemplates: templates\n")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lgsco_letters", "serve", "--port", str(port)], cwd=project,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    first_line = process.stdout.readline()
    assert first_line.startswith("Serving 2017-18 at http://127.0.0.1:"), first_line
    yield f"http://127.0.0.1:{port}", project / "templates" / "letter-2018.html"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser.new_page()
        browser.close()


def test_the_preview_follows_edits_and_survives_a_broken_template(served, page):
    base, letter_template = served
    page.goto(base + "/")
    page.fill("#filter", "broms")
    expect(page.get_by_role("link", name="Adur District Council")).to_be_hidden()
    page.get_by_role("link", name="Bromsgrove District Council").click()
    expect(page).to_have_url(re.compile(r"/letters/bromsgrove-district-council/"))

    letter = page.frame_locator("#letter").locator("body")
    expect(letter).to_contain_text("Dear Kevin Dicks,")
    expect(letter).to_contain_text("I write to you with our annual summary")

    good = letter_template.read_text()
    letter_template.write_text(good.replace("I write to you with our annual summary",
                                            "We write to you with our yearly summary"))
    expect(letter).to_contain_text("We write to you with our yearly summary", timeout=5000)

    letter_template.write_text(good.replace("{{ prose.strategy_period }}",
                                            "{{ prose.strategy_period }"))
    problems = page.locator(".problems")
    expect(problems).to_contain_text("letter-2018.html, line 20: unexpected '}'", timeout=5000)
    expect(page.locator("#letter")).to_have_count(0)

    letter_template.write_text(good)
    expect(letter).to_contain_text("I write to you with our annual summary", timeout=5000)
    expect(problems).to_have_count(0)


def test_the_print_view_shows_the_real_pdf(served, page):
    base, _ = served
    page.goto(base + "/letters/bromsgrove-district-council/")
    with page.expect_response(re.compile(r"\.pdf$")) as response:
        page.get_by_role("button", name="Print view (the real PDF)").click()
    assert response.value.status == 200
    assert response.value.headers["content-type"] == "application/pdf"
    expect(page.get_by_role("button", name="Print view (the real PDF)")).to_have_attribute(
        "aria-pressed", "true")
