"""The letter's HTML: one shared context, data always printed as text, strict about names."""

from __future__ import annotations

import re

import pytest
from jinja2 import UndefinedError
from jinja2.sandbox import SecurityError

from helpers import ADUR_ROW, BROMSGROVE_ROW, TEMPLATES, csv_text
from lgsco_letters.project import load_year
from lgsco_letters.render.assets import AssetError
from lgsco_letters.render.templating import Templates, describe_template_error


def letter(make_year, *rows, mode="pdf"):
    year = load_year(make_year(csv=csv_text(*rows)))
    return Templates(TEMPLATES).letter_html(year, year.authorities[-1], mode)


def test_data_is_printed_as_text_never_markup_or_code(make_year):
    row = ADUR_ROW.replace("Adur District Council,district,,",
                           'Adur <b>District</b> & Co,district,{{ 7*7 }} & <i>Bo</i>,')
    html = letter(make_year, row)
    assert "Adur &lt;b&gt;District&lt;/b&gt; &amp; Co" in html
    assert "Dear {{ 7*7 }} &amp; &lt;i&gt;Bo&lt;/i&gt;," in html
    assert "Dear 49" not in html and ">49<" not in html


def test_salutation_uses_the_name_or_else_the_title(make_year):
    assert "<p class=\"salutation\">Dear Kevin Dicks,</p>" in letter(make_year, BROMSGROVE_ROW)
    assert "<p class=\"salutation\">Dear Chief Executive,</p>" in letter(make_year, ADUR_ROW)


def test_a_missing_title_defaults_to_chief_executive(make_year):
    html = letter(make_year, ADUR_ROW.replace(",Chief Executive,", ",,"))
    assert "Dear Chief Executive," in html


def test_uphold_rate_cell_without_investigations(make_year):
    row = ADUR_ROW.replace(",1,1,8,7,1,2,20,2,0", ",1,1,8,10,0,0,20,0,0")
    html = letter(make_year, row)
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert "n/a" in cells
    assert "0%" not in html


def test_year_values_come_from_year_yaml(make_year, tmp_path):
    folder = make_year(csv=csv_text(ADUR_ROW))
    text = (folder / "year.yaml").read_text().replace("courses_delivered: 58",
                                                      "courses_delivered: 61")
    (folder / "year.yaml").write_text(text)
    year = load_year(folder)
    html = Templates(TEMPLATES).letter_html(year, year.authorities[0])
    assert "we delivered 61 courses" in html


def test_inline_mode_makes_one_self_contained_file(make_year):
    html = letter(make_year, BROMSGROVE_ROW, mode="inline")
    assert "data:font/ttf;base64," in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert not re.search(r'(src|href)="(?!data:|https?://)', html)


def test_undefined_names_are_errors_that_say_where(tmp_path, make_year):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "letter-2018.html").write_text("<p>{{ authority.name }}</p>\n<p>{{ nope }}</p>")
    year = load_year(make_year(csv=csv_text(ADUR_ROW)))
    with pytest.raises(UndefinedError) as caught:
        Templates(templates).letter_html(year, year.authorities[0])
    assert describe_template_error(caught.value, templates.resolve()) == (
        "templates/letter-2018.html, line 2: 'nope' is undefined")


def test_the_sandbox_refuses_python_internals(tmp_path, make_year):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "letter-2018.html").write_text("{{ authority.__class__.__mro__ }}")
    year = load_year(make_year(csv=csv_text(ADUR_ROW)))
    with pytest.raises((SecurityError, UndefinedError)):
        Templates(templates).letter_html(year, year.authorities[0])


def test_a_missing_asset_is_an_error(tmp_path, make_year):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "letter-2018.html").write_text("<img src=\"{{ asset('brand/logo.png') }}\">")
    year = load_year(make_year(csv=csv_text(ADUR_ROW)))
    with pytest.raises(AssetError, match=r'the asset "brand/logo\.png" does not exist'):
        Templates(templates).letter_html(year, year.authorities[0])


def test_an_asset_outside_the_templates_folder_is_refused(tmp_path, make_year):
    templates = tmp_path / "templates"
    templates.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (templates / "letter-2018.html").write_text("{{ asset('../secret.txt') }}")
    year = load_year(make_year(csv=csv_text(ADUR_ROW)))
    with pytest.raises(AssetError, match="is outside the templates folder"):
        Templates(templates).letter_html(year, year.authorities[0], "inline")


def test_every_bundled_template_compiles():
    assert Templates(TEMPLATES).compile_all() == []
