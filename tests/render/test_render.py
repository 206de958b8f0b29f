"""WeasyPrint rendering: real PDFs, and a URL fetcher that serves only the templates folder."""

from __future__ import annotations

import shutil

import pytest

from helpers import TEMPLATES
from lgsco_letters.errors import RenderError
from lgsco_letters.render.pdf import LetterRenderer


@pytest.fixture(scope="module")
def renderer():
    return LetterRenderer(TEMPLATES)


def page(body: str) -> str:
    return f"<!DOCTYPE html><html lang='en-GB'><body><p>Text</p>{body}</body></html>"


def test_an_asset_inside_the_templates_folder_is_used(renderer):
    pdf = renderer.render(page('<img src="brand/wordmark.svg" alt="mark">'))
    assert pdf.data.startswith(b"%PDF-") and pdf.pages == 1


@pytest.mark.parametrize(("source", "reason"), [
    ("http://127.0.0.1:9/logo.png", "is refused: letters may only use files under templates/"),
    ("https://example.org/logo.png", "is refused: letters may only use files under templates/"),
    ("file:///etc/hostname", "is outside the templates folder"),
    ("../pyproject.toml", "is outside the templates folder"),
    ("brand/missing.png", "does not exist under"),
])
def test_anything_else_is_refused_and_stops_the_letter(renderer, source, reason):
    with pytest.raises(RenderError, match=reason):
        renderer.render(page(f'<img src="{source}" alt="x">'))


def test_a_stylesheet_cannot_reach_outside_either(renderer):
    with pytest.raises(RenderError, match="is outside the templates folder"):
        renderer.render(page('<link rel="stylesheet" href="file:///etc/hostname">'))


def test_a_missing_font_is_reported_when_the_renderer_starts(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "brand" / "fonts" / "LiberationSans-Bold.ttf").unlink()
    with pytest.raises(RenderError, match=r'brand/brand.css: the asset ".*LiberationSans-Bold.ttf"'
                                          r" does not exist"):
        LetterRenderer(templates)


def test_two_renders_of_one_letter_are_identical(renderer):
    html = page('<img src="brand/wordmark.svg" alt="mark">')
    assert renderer.render(html).data == renderer.render(html).data
