"""Measures as data (issue 20): the format headline-2020 is headline-2019 plus one measure, in
a dozen lines and no template edit (`lgsco_letters/formats/headline_2020.py`, exactly the
issue's contract), and a small year of it goes through every command."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import replace

import pytest

from helpers import HEADLINE_YEAR_YAML, ROOT, TEMPLATES, headline_csv, pdf_text
from helpers.mail import SENDER, Recorder, Server, free_port
from lgsco_letters import formats
from lgsco_letters.errors import LettersError
from lgsco_letters.formats.base import Column, Measure
from lgsco_letters.formats.headline_2020 import FORMAT

CONTRACT = '''# lgsco_letters/formats/headline_2020.py
from dataclasses import replace

from lgsco_letters.data.schema import CountGroup
from lgsco_letters.formats.base import Measure
from lgsco_letters.formats.headline_2019 import FORMAT as BASE

IMPROVEMENTS = CountGroup("service_improvements", ("recommended", "implemented"))
FORMAT = replace(
    BASE, name="headline-2020", description="headline-2019 with service improvements",
    counts=(*BASE.counts, IMPROVEMENTS),
    measures=(*BASE.measures, Measure(
        key="improvement_rate", title="Service improvements implemented",
        numerator=("service_improvements_implemented",),
        denominator=("service_improvements_recommended",))))
'''
# (recommended, implemented, specimen): districts pool 4 of 6 (67%), counties 5 of 5 (100%),
# England 9 of 11 (82%); Surrey had none recommended, so its own rate is n/a.
IMPROVEMENTS = {"Adur District Council": (4, 3, "false"),
                "Bromsgrove District Council": (2, 1, "false"),
                "Kent County Council": (5, 5, "false"),
                "Surrey County Council": (0, 0, "true")}


def year_csv(edit=None) -> str:
    rows = list(csv.DictReader(io.StringIO(headline_csv(*IMPROVEMENTS))))
    for row in rows:
        recommended, implemented, specimen = IMPROVEMENTS[row["authority"]]
        row.update(specimen=specimen, service_improvements_recommended=str(recommended),
                   service_improvements_implemented=str(implemented))
        if edit:
            edit(row)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def year_2020(tmp_path, monkeypatch):
    data = tmp_path / "2019-20"
    data.mkdir()
    (data / "year.yaml").write_text(HEADLINE_YEAR_YAML.replace(
        "year: 2018-19 ", "year: 2019-20 ").replace("format: headline-2019 ",
                                                    "format: headline-2020 "))
    (data / "authorities.csv").write_text(year_csv())
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (tmp_path / "lgsco-letters.yml").write_text(
        f"data: {data}\nout: {tmp_path / 'out'}\ntemplates: {templates}\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def words(path) -> str:
    return " ".join(pdf_text(path).split())


def test_the_shipped_module_is_the_contract_and_is_found_by_name():
    assert (ROOT / "lgsco_letters" / "formats" / "headline_2020.py").read_text() == CONTRACT
    assert formats.get_format("headline-2020") is FORMAT
    assert [m.key for m in FORMAT.measures] == ["uphold_rate", "compliance_rate",
                                                "remedy_rate", "improvement_rate"]


def test_a_numerator_above_its_denominator_is_a_data_error(year_2020, run_here):
    """The rule every measure has; a group named with an underscore is found whole (the old
    split at the first underscore let 9 implemented of 1 recommended pass)."""
    def nine_of_one(row):
        if row["authority"] == "Kent County Council":
            row.update(service_improvements_recommended="1",
                       service_improvements_implemented="9")
    (year_2020 / "2019-20" / "authorities.csv").write_text(year_csv(nine_of_one))
    check = run_here("check")
    assert check.exit_code == 2
    assert ("  line 4 (Kent County Council), service_improvements_implemented: expected no "
            "more than the 1 service improvements recommended "
            "(service_improvements_recommended), found 9") in check.output.splitlines()


def test_a_measure_or_column_naming_what_the_format_lacks_is_refused_as_it_loads(monkeypatch):
    monkeypatch.setattr(formats, "_registered", {})
    misspelt = replace(FORMAT, name="headline-2021", measures=(*FORMAT.measures, Measure(
        "x_rate", "X", ("service_improvement_implemented",),
        ("service_improvements_recommended",))))
    with pytest.raises(LettersError) as caught:
        formats.register(misspelt)
    assert str(caught.value) == (
        'the format "headline-2021" cannot be used: the measure x_rate names the field '
        '"service_improvement_implemented", which is none of the format\'s counts')
    column = replace(FORMAT, name="headline-2022",
                     columns=(*FORMAT.columns, Column("improvements", "Improvements")))
    with pytest.raises(LettersError, match='"headline-2022" cannot be used: the column '
                                           '"improvements" names no field or measure'):
        formats.register(column)


def test_every_command_on_a_year_of_four_measures(year_2020, run_here, tmp_path):
    out = year_2020 / "out" / "2019-20"
    assert run_here("check").exit_code == 0
    listed = run_here("list")
    assert listed.exit_code == 0 and "Kent County Council" in listed.output
    built = run_here("build", "--jobs", "1")
    assert built.exit_code == 0, built.output

    # every letter states the new measure, its rate and its group's average, chart and all
    adur = words(out / "adur-district-council.pdf")
    assert "leads with four measures" in adur
    assert ("Service improvements implemented. For your authority this was 3 of 4, 75%. The "
            "average for district councils was 67%.") in adur
    assert "For your authority this was 1 of 2, 50%. The average for district councils was " \
           "67%." in words(out / "bromsgrove-district-council.pdf")
    assert "For your authority this was 5 of 5, 100%. The average for county councils was " \
           "100%." in words(out / "kent-county-council.pdf")
    assert ("Service improvements implemented. For your authority there is no rate this year, "
            "as there was nothing to count it against (n/a). The average for county councils "
            "was 100%.") in words(out / "surrey-county-council.pdf")
    html = run_here("preview", "adur", "--out", tmp_path / "adur.html")
    assert html.exit_code == 0, html.output
    page = (tmp_path / "adur.html").read_text()
    assert ("<title>Bar chart of four measures, Adur District Council against the average for "
            "district councils: Complaints upheld") in page
    assert "Service improvements implemented, 75% against 67%.</title>" in page
    assert page.count('fill="#1d3e6e"/>') == 4  # a bar a measure for the authority
    assert run_here("inspect", out / "adur-district-council.pdf").exit_code == 0

    summary = json.loads(run_here("summary", "--format", "json").output)
    assert summary["england"]["improvement_rate"] == 82
    assert summary["england"]["service_improvements_implemented"] == 9
    assert summary["groups"]["district"]["improvement_rate"] == 67
    assert summary["groups"]["county"]["improvement_rate"] == 100
    assert summary["groups"]["london"]["improvement_rate"] is None  # none in the group
    assert {"uphold_rate", "compliance_rate", "remedy_rate"} <= summary["england"].keys()
    text = run_here("summary").output
    assert "Service improvements implemented" in text and "82%" in text

    edited = tmp_path / "edited"
    shutil.copytree(TEMPLATES, edited)
    measure = edited / "partials" / "measure.html"
    measure.write_text(measure.read_text().replace("For your authority this was",
                                                   "Your authority's figure was"))
    diffed = run_here("diff", "--against", edited)
    assert diffed.exit_code == 0, diffed.output
    assert "3 of 4 letters change" in diffed.output  # Surrey's n/a reads as it did

    approved = run_here("approve", "--all", "--as", "Pat Signer")
    assert approved.exit_code == 0, approved.output
    dry = run_here("send", "--from", SENDER, "--dry-run", tmp_path / "eml")
    assert dry.exit_code == 1, dry.output  # the specimen held back, as a run that sends
    assert "Wrote 3 messages to " in dry.output
    assert len(list((tmp_path / "eml").glob("*.eml"))) == 3
    recorder = Recorder()
    server = Server(free_port(), recorder)
    server.start()
    try:
        sent = run_here("send", "--smtp", f"127.0.0.1:{server.port}", "--from", SENDER,
                        "--yes", "--backoff", "0", "--timeout", "5")
    finally:
        server.stop()
    assert sent.exit_code == 1, sent.output  # the specimen still held back
    assert len(recorder.messages) == 3
    status = json.loads(run_here("status", "--format", "json").output)
    assert status["counts"]["sent"] == 3
    letters = {letter["authority"]: letter["state"] for letter in status["letters"]}
    assert letters["Kent County Council"] == "sent"

    published = run_here("publish", "--jobs", "1")
    assert published.exit_code == 0, published.output
    site = out / "site"
    index = (site / "index.html").read_text()
    assert '<th scope="col">Service improvements implemented</th>' in index
    assert "<td>75%</td>" in index
    rows = {row["authority"]: row for row in csv.DictReader(
        io.StringIO((site / "data" / "authorities.csv").read_text()))}
    assert rows["Adur District Council"]["improvement_rate"] == "75"
    assert rows["Adur District Council"]["group_improvement_rate"] == "67"
    assert rows["Surrey County Council"]["improvement_rate"] == ""
    records = json.loads((site / "data" / "authorities.json").read_text())
    assert records[0]["service_improvements_recommended"] == 4
    assert "Service improvements implemented" in (site / "summary.html").read_text()

    started = run_here("new-year", "2020-21", "--from", year_2020 / "2019-20")
    assert started.exit_code == 0, started.output
    header = (year_2020 / "2020-21" / "authorities.csv").read_text().splitlines()[0]
    assert header.endswith("service_improvements_recommended,service_improvements_implemented")
    assert "format: headline-2020" in (year_2020 / "2020-21" / "year.yaml").read_text()


def test_serve_shows_the_new_measure(year_2020):
    process = subprocess.Popen(
        [sys.executable, "-m", "lgsco_letters", "serve", "--port", "0"], cwd=year_2020,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        address = process.stdout.readline().split(" at ")[1].split()[0].rstrip("/")
        with urllib.request.urlopen(f"{address}/letters/adur-district-council/html",
                                    timeout=60) as response:
            page = response.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert ("<strong>Service improvements implemented.</strong> For your authority this was "
            "3 of 4,&nbsp;75%.") in page


def test_four_measures_against_a_year_before_that_had_three(year_2020, run_here, tmp_path):
    """With 2018-19 (headline-2019) beside it as the year before, the three measures it holds
    the counts of each state their 2018-19 rate, by the generic partial as by their own; the
    new measure, whose counts 2018-19 lacks, says nothing of it, in the text and the chart."""
    before = year_2020 / "2018-19"
    before.mkdir()
    (before / "year.yaml").write_text(HEADLINE_YEAR_YAML)
    (before / "authorities.csv").write_text(headline_csv(*IMPROVEMENTS))
    year_yaml = year_2020 / "2019-20" / "year.yaml"
    year_yaml.write_text(year_yaml.read_text() + "previous: 2018-19\n")
    assert run_here("preview", "adur", "--out", tmp_path / "adur.pdf").exit_code == 0
    adur = words(tmp_path / "adur.pdf")
    assert adur.count("In 2018-19 it was") == 3  # the same counts as this year's three
    assert ("Service improvements implemented. For your authority this was 3 of 4, 75%. The "
            "average for district councils was 67%.") in adur
    assert run_here("preview", "adur", "--out", tmp_path / "adur.html").exit_code == 0
    page = (tmp_path / "adur.html").read_text()
    assert ("against its own rates in 2018-19: Complaints upheld, 82% against 69% (82% in "
            "2018-19); Compliance with Ombudsman recommendations, 100% against 100% (100% in "
            "2018-19); Satisfactory remedy provided by the authority, 11% against 9% (11% in "
            "2018-19); Service improvements implemented, 75% against 67%.</title>") in page
    summary = json.loads(run_here("summary", "--format", "json").output)["previous"]
    assert summary["england"]["improvement_rate"] is None
    assert summary["england"]["service_improvements_recommended"] is None
    assert (summary["england"]["authorities"], summary["groups"]["district"]["uphold_rate"]) == (
        4, 69)
