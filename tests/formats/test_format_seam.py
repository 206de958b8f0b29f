"""A tiny third format, made here, through every command: the seam formats plug into."""

from __future__ import annotations

import json
import shutil
import threading
import urllib.request

import pytest

from helpers import BUNDLED_YEAR, TEMPLATES, pdf_text
from helpers.mail import SENDER, Recorder, Server, free_port
from lgsco_letters import formats
from lgsco_letters.data.schema import CountGroup
from lgsco_letters.editors.server import PreviewServer
from lgsco_letters.editors.snapshot import Site
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

    edited = tiny_year / "edited"
    shutil.copytree(tiny_year / "templates", edited)
    (edited / "letter-tiny.html").write_text(TEMPLATE.replace("We counted", "We saw"))
    diffed = run_here("diff", "--against", edited)
    assert diffed.exit_code == 0 and "2 of 2 letters change" in diffed.output, diffed.output
    assert run_here("approve", "--all", "--as", "Pat Signer").exit_code == 0
    dry = run_here("send", "--from", SENDER, "--allow-specimen", "--dry-run", tiny_year / "eml")
    assert dry.exit_code == 0, dry.output
    assert len(list((tiny_year / "eml").glob("*.eml"))) == 2
    recorder = Recorder()
    server = Server(free_port(), recorder)
    server.start()
    try:
        sent = run_here("send", "--smtp", f"127.0.0.1:{server.port}", "--from", SENDER,
                        "--allow-specimen", "--yes", "--backoff", "0", "--timeout", "5")
    finally:
        server.stop()
    assert sent.exit_code == 0, sent.output
    assert len(recorder.messages) == 2
    status = json.loads(run_here("status", "--format", "json").output)
    assert status["counts"]["sent"] == 2
    published = run_here("publish", "--jobs", "1")
    assert published.exit_code == 0, published.output
    site = tiny_year / "out" / "2019-20" / "site"
    assert "We counted 40 visits, 25% of them online." in (
        site / "adur-district-council" / "index.html").read_text()
    assert "visits_online" in (site / "data" / "authorities.csv").read_text()
    started = run_here("new-year", "2020-21", "--from", tiny_year / "2019-20")
    assert started.exit_code == 0, started.output
    assert (tiny_year / "2020-21" / "authorities.csv").read_text().splitlines()[0].endswith(
        "visits_in_person,visits_online,visits_total")


def test_a_format_of_its_own_is_served(tiny_year):
    """`serve`'s server, in this process, where the format is registered."""
    csv_path = tiny_year / "2019-20" / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace(",5,6\n", ",6,5\n"))
    server = PreviewServer(("127.0.0.1", 0), Site(tiny_year / "2019-20",
                                                  tiny_year / "templates"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        address = f"http://127.0.0.1:{server.server_address[1]}"
        with urllib.request.urlopen(f"{address}/letters/adur-district-council/html",
                                    timeout=60) as response:
            page = response.read().decode()
    finally:
        server.stop()
    assert "We counted 40 visits, 25% of them online." in page
