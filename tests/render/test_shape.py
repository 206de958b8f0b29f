"""What shapes a letter (`render/shape.py`): one definition, which the build and `inspect` both
use, so that they can never disagree: a letter the build renders again is one `inspect` says has
changed, and one it leaves alone is one `inspect` says still matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import BROMSGROVE_ROW, copy_templates, csv_text, edit_file
from lgsco_letters.project import load_year
from lgsco_letters.render.templating import Templates, render_letter

DOT = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><circle r="2" cx="2" cy="2" fill="{}"/></svg>\n'  # noqa: E501
BROMSGROVE = "bromsgrove-district-council.pdf"


def reshaped(folder: Path) -> Path:
    """The templates, with the sign-off included by a name the letter works out, a stylesheet
    imported by letter.css that names an image, and an image named in a style attribute:
    files the letter uses that no constant in a template names."""
    templates = copy_templates(folder)
    edit_file(templates / "letter-2018.html", '{% include "partials/sign-off.html" %}',
              '{% set part = "sign-off" %}{% include "partials/" ~ part ~ ".html" %}'
              "<div style=\"background-image: url('extra/ribbon.svg'); height: 1mm\"></div>")
    edit_file(templates / "letter.css", "@page {", '@import "extra/extra.css";\n@page {')
    (templates / "extra").mkdir()
    (templates / "extra" / "extra.css").write_text(
        '.letterhead { background: url("dot.svg") no-repeat; }\n')
    (templates / "extra" / "dot.svg").write_text(DOT.format("black"))
    (templates / "extra" / "ribbon.svg").write_text(DOT.format("black"))
    return templates


def test_the_shape_names_what_no_constant_in_a_template_names(tmp_path, make_year):
    templates = Templates(reshaped(tmp_path / "templates"))
    year = load_year(make_year(csv=csv_text(BROMSGROVE_ROW)), templates.folder)
    html, shape = render_letter(templates, year, year.authorities[0])
    assert "partials/sign-off.html" in shape.templates  # included by an expression
    assert "partials/sign-off.html" not in templates.closure("letter-2018.html")
    assert {"extra/extra.css", "extra/dot.svg", "extra/ribbon.svg"} <= set(shape.assets)
    assert {"brand/fonts/LiberationSans-Regular.ttf", "specimen/mark.svg"} <= set(shape.assets)
    assert f'<meta name="lgscotemplatesfingerprint" content="{shape.fingerprint}">' in html
    assert "email/cover.txt" not in (*shape.templates, *shape.assets)


@pytest.fixture
def project(tmp_path, make_year, monkeypatch):
    """A project whose templates have those files."""
    reshaped(tmp_path / "templates")
    data = make_year(csv=csv_text(BROMSGROVE_ROW))
    (tmp_path / "lgsco-letters.yml").write_text(f"data: {data}\nout: out\ntemplates: templates\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def judged(run_here) -> tuple[str, int]:
    """What the build did with the letter, and what `inspect` then said of the letter it had
    before (1: changed)."""
    before = Path("out/2017-18") / BROMSGROVE
    kept = before.with_name("before.pdf")
    if before.exists():
        kept.write_bytes(before.read_bytes())
    built = run_here("build")
    assert built.exit_code == 0, built.output
    status = next(line for line in built.output.splitlines() if " built, " in line)
    status = status.split(" in ")[0]
    inspected = run_here("inspect", kept if kept.exists() else before)
    return status, inspected.exit_code


@pytest.mark.parametrize("changed", ["partials/sign-off.html", "extra/dot.svg",
                                     "extra/ribbon.svg", "extra/extra.css", None])
def test_the_build_renders_again_exactly_what_inspect_says_changed(project, run_here, changed):
    assert judged(run_here) == ("1 built, 0 unchanged, 0 failed", 0)
    (project / "templates" / "unused.html").write_text("<p>a draft</p>\n")
    if changed == "partials/sign-off.html":
        edit_file(project / "templates" / changed, "Yours sincerely", "Yours faithfully")
    elif changed == "extra/extra.css":
        edit_file(project / "templates" / changed, "no-repeat", "repeat-x")
    elif changed is not None:
        (project / "templates" / changed).write_text(DOT.format("red"))
    expected = ("0 built, 1 unchanged, 0 failed", 0) if changed is None else (
        "1 built, 0 unchanged, 0 failed", 1)
    assert judged(run_here) == expected
    assert judged(run_here) == ("0 built, 1 unchanged, 0 failed", 0)  # and now it matches
