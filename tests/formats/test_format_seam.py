"""A tiny third format, made here, through every command: the seam formats plug into."""

from __future__ import annotations

import json
import shutil

import pytest

from helpers import BUNDLED_YEAR, TEMPLATES, pdf_text
from lgsco_letters import formats
from lgsco_letters.data.schema import CountGroup
from lgsco_letters.formats import register
from lgsco_letters.formats.base import Format, RecordRules, rate

VISITS = CountGroup("visits", ("in_person", "online"), total=True)
TEMPLATE = """{% extends "base.html" %}
{% block letter %}
<h1>Visits {{ year.letter_year }}</h1>
<p>We counted {{ figures.total }} visits, {{ figures.online_share }}% of them online.</p>
{% include "partials/sign-off.html" %}
{% endblock %}
"""


def rules(record: RecordRules) -> None:
    record.at_most(("visits_online",), "visits_in_person", "visits in person")


TINY = Format(
    name="tiny-visits", description="a format of the tests", template="letter-tiny.html",
    counts=(VISITS,), rules=rules,
    figures=lambda year, authority: {
        "total": sum(authority.visits.values()),
        "online_share": rate(authority.visits["online"], sum(authority.visits.values()))},
    summary=lambda year: {"england": {"authorities": len(year.authorities)}, "groups": {}})


@pytest.fixture
def tiny_year(tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "_registered", {})  # gone again after the test
    register(TINY)
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "letter-tiny.html").write_text(TEMPLATE)
    data = tmp_path / "2019-20"
    data.mkdir()
    year_yaml = (BUNDLED_YEAR / "year.yaml").read_text().replace(
        "year: 2017-18 ", "year: 2019-20 ").replace("template: letter-2018.html",
                                                    "format: tiny-visits")
    (data / "year.yaml").write_text(year_yaml)
    (data / "authorities.csv").write_text(
        "authority,authority_type,recipient_email,specimen,visits_in_person,visits_online\n"
        "Adur District Council,district,ce@adur.example.org,true,30,10\n"
        "Hart District Council,district,ce@hart.example.org,true,5,6\n")
    (tmp_path / "lgsco-letters.yml").write_text(
        f"data: {data}\nout: {tmp_path / 'out'}\ntemplates: {templates}\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_format_of_its_own_goes_through_every_command(tiny_year, run_here):
    check = run_here("check")
    assert check.exit_code == 2
    assert ("  line 3 (Hart District Council), visits_online: expected no more than the 5 "
            "visits in person (visits_in_person), found 6") in check.output.splitlines()
    csv_path = tiny_year / "2019-20" / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace(",5,6\n", ",6,5\n"))
    assert run_here("check").exit_code == 0
    assert "Hart District Council" in run_here("list").output
    build = run_here("build", "--jobs", "1")
    assert build.exit_code == 0, build.output
    pdf = tiny_year / "out" / "2019-20" / "adur-district-council.pdf"
    assert "We counted 40 visits, 25% of them online." in " ".join(pdf_text(pdf).split())
    assert run_here("inspect", pdf).exit_code == 0
    assert json.loads(run_here("summary", "--format", "json").output)["england"] == {
        "authorities": 2}
    preview = run_here("preview", "hart")
    assert preview.exit_code == 0
    assert "We counted 11 visits, 45% of them online." in " ".join(
        pdf_text(tiny_year / preview.output.strip()).split())
