"""The format headline-2019: its rules, comparison groups, measures, chart and summary, read
back from real PDFs and from the command line."""

from __future__ import annotations

import csv
import json
import re

import pytest

from helpers import (
    HEADLINE_YEAR,
    HEADLINE_YEAR_YAML,
    figure_alts,
    headline_csv,
    pdf_text,
    squash,
)
from lgsco_letters.errors import DataError
from lgsco_letters.project import load_year

YEAR_YAML = HEADLINE_YEAR_YAML
FOUR = ("Adur District Council", "Bromsgrove District Council", "Kent County Council",
        "Surrey County Council")


@pytest.fixture
def headline_year(make_year):
    def make(csv_text: str | None = None, year_yaml: str = YEAR_YAML):
        return make_year(csv=csv_text or headline_csv(*FOUR), year_yaml=year_yaml,
                         name="2018-19")
    return make


def problems_of(folder) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_year(folder)
    return [problem.located() for problem in caught.value.problems]


def all_upheld(row):
    """Kent's detailed investigations all upheld: the county average moves, totals stay."""
    if row["authority"] == "Kent County Council":
        row["decided_upheld"] = str(int(row["decided_upheld"]) + int(row["decided_not_upheld"]))
        row["decided_not_upheld"] = "0"
    return row


def changed(field: str, value: str, council: str = "Adur District Council"):
    def edit(row):
        if row["authority"] == council:
            row[field] = value
        return row
    return edit


def test_the_bundled_year_lands_on_englands_published_totals():
    year = load_year(HEADLINE_YEAR)
    assert len(year.authorities) == 353
    assert all(authority.specimen for authority in year.authorities)
    england = year.format.summary(year)["england"]
    assert (england["received"], england["detailed_investigations"], england["upheld"]) == (
        16_899, 4_234, 2_456)
    assert (england["recommendations_due"], england["recommendations_complied"]) == (3_525,
                                                                                     3_504)
    late = sum(a.recommendations["complied_late"] for a in year.authorities)
    assert 0.07 < late / england["recommendations_due"] < 0.09
    assert any(a.decided["upheld"] + a.decided["not_upheld"] == 0 and sum(a.received.values())
               for a in year.authorities)
    assert any(a.recommendations["due"] == 0 and a.decided["upheld"] for a in year.authorities)


def test_complied_cannot_exceed_due(headline_year):
    text = headline_csv(*FOUR, edit=changed("recommendations_complied_late", "20"))
    assert problems_of(headline_year(text)) == [
        ", line 2 (Adur District Council), recommendations_complied_late: expected no more "
        "than the 11 recommendations due (recommendations_due), found "
        "recommendations_complied_on_time + recommendations_complied_late = 30"]


def test_remedied_by_the_authority_cannot_exceed_upheld(headline_year):
    text = headline_csv(*FOUR, edit=changed("remedied_by_authority_before_ombudsman", "10"))
    assert problems_of(headline_year(text)) == [
        ", line 2 (Adur District Council), remedied_by_authority_before_ombudsman: expected "
        "no more than the 9 upheld (decided_upheld), found 10"]


def test_a_type_in_no_group_and_a_type_in_two(headline_year):
    text = headline_csv(*FOUR, edit=changed("authority_type", "parish"))
    assert problems_of(headline_year(text)) == [
        ', line 2 (Adur District Council), authority_type: the type "parish" is in no '
        "comparison group of year.yaml (groups: county, district, metropolitan, unitary, "
        "london)"]
    twice = YEAR_YAML.replace("types: [metropolitan borough]",
                              "types: [metropolitan borough, district]")
    assert problems_of(headline_year(year_yaml=twice)) == [
        ', line 20, comparison_groups.metropolitan.types: the type "district" is already in '
        "the group district: a type belongs to one group"]


def test_a_misspelt_type_in_year_yaml_is_one_finding_there(headline_year, run):
    """Not one on each district: one on year.yaml's line, with the types left out."""
    typo = YEAR_YAML.replace("types: [district]", "types: [districts]")
    assert problems_of(headline_year(year_yaml=typo)) == [
        ', line 19, comparison_groups.district: leaves 1 authority type in no comparison group: '
        '"district" (2 authorities: Adur District Council, Bromsgrove District Council); the '
        'group district lists "districts", which is no authority\'s type (did you mean '
        '"district"?) (groups: county, district, metropolitan, unitary, london)']
    every = headline_year(headline_csv(), year_yaml=typo)
    result = run("check", "--data", every)
    assert result.exit_code == 2
    assert result.output.splitlines()[1:] == [
        '  line 19, comparison_groups.district: leaves 1 authority type in no comparison group: '
        '"district" (201 authorities: Adur District Council, Allerdale Borough Council, Amber '
        'Valley Borough Council and 198 more); the group district lists "districts", which is '
        'no authority\'s type (did you mean "district"?) (groups: county, district, '
        'metropolitan, unitary, london)', "1 problem in 1 file."]


def test_an_unknown_format_names_the_formats(headline_year):
    wrong = YEAR_YAML.replace("format: headline-2019", "format: headline-2091")
    assert problems_of(headline_year(year_yaml=wrong)) == [
        ', line 4, format: no format is called "headline-2091" (did you mean '
        '"headline-2019"?); the formats are: headline-2019, headline-2020, tables-2018']


def test_measures_and_group_averages_are_pooled(headline_year):
    year = load_year(headline_year())
    kent = next(a for a in year.authorities if a.name == "Kent County Council")
    surrey = next(a for a in year.authorities if a.name == "Surrey County Council")
    figures = year.format.figures(year, kent)
    upheld = kent.decided["upheld"] + surrey.decided["upheld"]
    investigated = upheld + kent.decided["not_upheld"] + surrey.decided["not_upheld"]
    assert figures.group.label == "county councils"
    assert figures.measures[0].group_rate == (200 * upheld + investigated) // (2 * investigated)
    assert figures.measures[0].numerator == kent.decided["upheld"]


def test_a_denominator_of_zero_reads_n_a(headline_year, run, tmp_path):
    no_recommendations = changed("recommendations_due", "0", "Kent County Council")

    def edit(row):
        row = no_recommendations(row)
        if row["authority"] == "Kent County Council":
            row["recommendations_complied_on_time"] = row["recommendations_complied_late"] = "0"
        return row

    folder = headline_year(headline_csv(*FOUR, edit=edit))
    target = tmp_path / "kent.pdf"
    assert run("preview", "kent", "--data", folder, "--out", target).exit_code == 0
    text = " ".join(pdf_text(target).split())
    assert "No recommendations to your authority fell due in the year, so there is no " \
           "compliance rate (n/a)." in text
    after = text.split("No recommendations to your authority fell due")[1]
    assert "0%" not in after.split(".")[0]


def test_the_pdf_states_the_rates_and_the_chart_says_them_too(headline_year, run, tmp_path):
    folder = headline_year()
    year = load_year(folder)
    adur = next(a for a in year.authorities if a.name == "Adur District Council")
    upheld, compliance, remedy = year.format.figures(year, adur).measures
    target = tmp_path / "adur.pdf"
    assert run("preview", "adur", "--data", folder, "--out", target).exit_code == 0
    text = " ".join(pdf_text(target).split())
    assert (f"We upheld {upheld.numerator} of the {upheld.denominator} complaints we "
            f"investigated in detail, {upheld.rate}%. The average for district councils was "
            f"{upheld.group_rate}%.") in text
    assert (f"Your authority complied with {compliance.numerator} of the "
            f"{compliance.denominator} recommendations due in the year, {compliance.rate}%")
    assert f"The average for district councils was {remedy.group_rate}%" in text
    alt = next(a for a in figure_alts(target) if a.startswith("Bar chart"))
    assert alt == (
        "Bar chart of three measures, Adur District Council against the average for district "
        f"councils: Complaints upheld, {upheld.rate}% against {upheld.group_rate}%; "
        f"Compliance with Ombudsman recommendations, {compliance.rate}% against "
        f"{compliance.group_rate}%; Satisfactory remedy provided by the authority, "
        f"{remedy.rate}% against {remedy.group_rate}%.")
    assert squash("Complaints and enquiries received") in squash(text)
    assert squash("Decisions made") in squash(text)


def test_a_changed_county_rebuilds_exactly_the_county_letters(headline_year, run, tmp_path):
    folder = headline_year()
    out = tmp_path / "out"
    first = run("build", "--data", folder, "--out", out, "--jobs", "2")
    assert first.exit_code == 0, first.output
    path = folder / "authorities.csv"
    path.write_text(headline_csv(*FOUR, edit=all_upheld))
    again = run("build", "--data", folder, "--out", out, "--jobs", "2")
    assert "2 built, 2 unchanged, 0 failed" in again.output
    rows = {row["authority"]: row["status"] for row in json.loads(
        (out / "manifest.json").read_text())}
    assert rows == {"Adur District Council": "unchanged",
                    "Bromsgrove District Council": "unchanged",
                    "Kent County Council": "built", "Surrey County Council": "built"}
    inspect = run("inspect", out / "adur-district-council.pdf", "--data", folder)
    assert inspect.exit_code == 0
    def one_more_housing_complaint(row):
        if row["authority"] == "Kent County Council":
            for column in ("received_housing", "received_total"):
                row[column] = str(int(row[column]) + 1)
        return all_upheld(row)

    (folder / "authorities.csv").write_text(headline_csv(*FOUR, edit=one_more_housing_complaint))
    only_kent = run("build", "--data", folder, "--out", out, "--jobs", "2")
    assert "1 built, 3 unchanged, 0 failed" in only_kent.output  # no average moved


def test_inspect_notices_a_moved_group_average(headline_year, run, tmp_path):
    folder = headline_year()
    out = tmp_path / "out"
    assert run("build", "--data", folder, "--out", out, "--jobs", "1").exit_code == 0
    (folder / "authorities.csv").write_text(headline_csv(*FOUR, edit=all_upheld))
    result = run("inspect", out / "surrey-county-council.pdf", "--data", folder)
    assert result.exit_code == 1
    assert "Data: CHANGED since the letter was made" in result.output


def test_summary_json_matches_the_data(run):
    result = run("summary", "--data", HEADLINE_YEAR, "--format", "json")
    assert result.exit_code == 0
    summary = json.loads(result.output)
    with (HEADLINE_YEAR / "authorities.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))

    def total(column: str, kinds: tuple[str, ...] | None = None) -> int:
        return sum(int(row[column]) for row in rows
                   if kinds is None or row["authority_type"] in kinds)

    england = summary["england"]
    assert summary["year"] == "2018-19"
    assert england["authorities"] == 353
    assert england["received"] == total("received_total") == 16_899
    assert england["detailed_investigations"] == 4_234
    assert england["upheld"] == total("decided_upheld") == 2_456
    assert england["uphold_rate"] == 58
    assert england["recommendations_due"] == total("recommendations_due") == 3_525
    assert england["recommendations_complied"] == 3_504
    assert england["compliance_rate"] == 99
    remedied = total("remedied_by_authority_before_ombudsman")
    assert england["remedy_rate"] == (200 * remedied + 2_456) // (2 * 2_456)
    district = summary["groups"]["district"]
    assert district["label"] == "district councils" and district["authorities"] == 201
    upheld = total("decided_upheld", ("district",))
    investigated = upheld + total("decided_not_upheld", ("district",))
    assert district["uphold_rate"] == (200 * upheld + investigated) // (2 * investigated)
    assert set(summary["groups"]) == {"county", "district", "metropolitan", "unitary", "london"}


def test_summary_works_for_a_tables_2018_year(run):
    result = run("summary", "--format", "json")
    summary = json.loads(result.output)
    assert summary["england"] == {"authorities": 353, "received": 17_452,
                                  "detailed_investigations": 4_020, "upheld": 2_303,
                                  "uphold_rate": 57}
    assert summary["groups"] == {}
    text = run("summary").output
    assert text.splitlines()[0] == "2017-18 (tables-2018): England"
    csv_text = run("summary", "--format", "csv").output.splitlines()
    assert csv_text[0] == ("year,area,label,authorities,received,detailed_investigations,"
                           "upheld,uphold_rate")


OMBUDSMANS_NAMES = ("Complaints upheld", "Compliance with Ombudsman recommendations",
                    "Satisfactory remedy provided by the authority")


def test_the_measures_carry_the_ombudsmans_names_and_definitions():
    """One table holds each measure's name and definition; the letter's figures carry them."""
    from lgsco_letters.formats.headline_2019 import MEASURES

    assert tuple(measure.title for measure in MEASURES) == OMBUDSMANS_NAMES
    year = load_year(HEADLINE_YEAR)
    measures = year.format.figures(year, year.authorities[0]).measures
    assert tuple(m.title for m in measures) == OMBUDSMANS_NAMES
    assert measures[0].definition == ("We uphold a complaint when we find fault, or when the "
                                      "authority provided a suitable remedy early on.")
    assert measures[2].definition == ("The authority upheld the complaint itself, and we agreed "
                                      "with how it offered to put things right.")


def test_the_letter_names_and_defines_each_measure(headline_year, run, tmp_path):
    target = tmp_path / "adur.pdf"
    assert run("preview", "adur", "--data", headline_year(), "--out", target).exit_code == 0
    text = " ".join(pdf_text(target).split())
    assert ("Complaints upheld. We uphold a complaint when we find fault, or when the authority "
            "provided a suitable remedy early on. We upheld") in text
    assert ("Compliance with Ombudsman recommendations. We recommend how the authority should "
            "put things right, and check that it does what we recommended. Your authority "
            "complied with") in text
    assert ("Satisfactory remedy provided by the authority. The authority upheld the complaint "
            "itself, and we agreed with how it offered to put things right. In ") in text
    for old in ("Compliance with recommendations", "Satisfactory remedy by the authority"):
        assert old not in text


def scrutiny_letters(tmp_path, run, folder) -> dict[str, str]:
    """Kent complies with every recommendation, Surrey with all but one (late counts)."""
    texts = {}
    for name in ("Kent County Council", "Surrey County Council"):
        target = tmp_path / f"{name}.pdf"
        assert run("preview", name, "--data", folder, "--out", target).exit_code == 0
        texts[name] = " ".join(pdf_text(target).split())
    return texts


def test_scrutiny_is_asked_for_only_below_100_percent(headline_year, run, tmp_path):
    def edit(row):
        due, late = int(row["recommendations_due"]), int(row["recommendations_complied_late"])
        if row["authority"] == "Surrey County Council":  # one not complied with
            row["recommendations_complied_on_time"] = str(due - late - 1)
        if row["authority"] == "Kent County Council":  # all complied, one of them late
            row["recommendations_complied_on_time"] = str(due - 1)
            row["recommendations_complied_late"] = "1"
        return row

    texts = scrutiny_letters(tmp_path, run, headline_year(headline_csv(*FOUR, edit=edit)))
    sentence = "A rate below 100% is rare, and should be scrutinised."
    assert sentence not in texts["Kent County Council"]
    assert "100%; one of them after the date we agreed." in texts["Kent County Council"]
    surrey = texts["Surrey County Council"]
    assert sentence in surrey
    assert surrey.index(sentence) > surrey.index("Your authority complied with")


def test_the_bundled_year_asks_only_those_below_100_percent_to_scrutinise():
    from helpers import TEMPLATES
    from lgsco_letters.render.templating import Templates, render_letter_html

    year, templates = load_year(HEADLINE_YEAR), Templates(TEMPLATES)
    asked = {a.name for a in year.authorities
             if "should be scrutinised" in render_letter_html(templates, year, a)}
    below = {a.name for a in year.authorities
             if a.recommendations["complied_on_time"] + a.recommendations["complied_late"]
             < a.recommendations["due"]}
    assert asked == below and 0 < len(asked) < 30  # 21 of 343, not every authority


def test_summary_names_and_defines_the_measures(run):
    text = run("summary", "--data", HEADLINE_YEAR).output.splitlines()
    rows = [line.split("  ")[0].strip() for line in text[3:]]
    for name in OMBUDSMANS_NAMES:
        assert name in rows
    assert "uphold rate" not in rows and "compliance rate" not in rows
    assert text[-3:] == [
        "Complaints upheld: We uphold a complaint when we find fault, or when the authority "
        "provided a suitable remedy early on.",
        "Compliance with Ombudsman recommendations: We recommend how the authority should put "
        "things right, and check that it does what we recommended.",
        "Satisfactory remedy provided by the authority: The authority upheld the complaint "
        "itself, and we agreed with how it offered to put things right."]
    figures = json.loads(run("summary", "--data", HEADLINE_YEAR, "--format", "json").output)
    assert figures["measures"]["compliance_rate"]["title"] == OMBUDSMANS_NAMES[1]
    assert figures["england"]["compliance_rate"] == 99  # the keys are unchanged


# ---- how the letter reads at the edges (issue 19's review) -----------------------------------

LONG_NAME = ("The Royal Borough of Greater Kingston upon the River Thames and the Villages of "
             "Surbiton, Chessington, Tolworth and Hook")


def test_a_long_name_wraps_whole_in_the_charts_legend(headline_year, run, tmp_path):
    """A 120-character name once showed as "...Greater Kingston upon the Riv", cut off by the
    chart's edge: now every word is drawn, inside the page, and the alternative text has it."""
    from helpers.pages import open_pdf

    assert len(LONG_NAME) == 120
    folder = headline_year(headline_csv(*FOUR, edit=changed("authority", LONG_NAME)))
    target = tmp_path / "long.pdf"
    assert run("preview", "Royal Borough", "--data", folder, "--out", target).exit_code == 0
    with open_pdf(target) as pdf:
        first = pdf.pages[0]
        legend = [word for word in first.extract_words() if word["top"] > first.height / 2]
        right = first.width - 20 * 72 / 25.4  # the printable area's right edge
        assert all(word["x1"] <= right for word in first.extract_words())
    said = "".join(word["text"] for word in legend)  # the chart's words come unspaced
    assert squash(LONG_NAME) in said  # every word, in order, on up to three lines
    alt = next(a for a in figure_alts(target) if a.startswith("Bar chart"))
    assert f"Bar chart of three measures, {LONG_NAME} against the average" in alt


def test_a_name_too_long_for_three_lines_ends_in_an_ellipsis(headline_year, run, tmp_path):
    name = " ".join(["Llanfairpwllgwyngyllgogerychwyrn"] * 4)  # a word a line, four lines
    folder = headline_year(headline_csv(*FOUR, edit=changed("authority", name)))
    target = tmp_path / "longest.pdf"
    assert run("preview", name, "--data", folder, "--out", target).exit_code == 0
    from helpers.pages import open_pdf

    with open_pdf(target) as pdf:
        first = pdf.pages[0]
        right = first.width - 20 * 72 / 25.4
        assert all(word["x1"] <= right for word in first.extract_words())
        assert "…" in first.extract_text()
    assert name in next(a for a in figure_alts(target) if a.startswith("Bar chart"))


def singular(row):
    """Adur with one of each: one complaint investigated in detail (upheld), one
    recommendation due (complied with late), one upheld complaint (remedied early)."""
    if row["authority"] == "Adur District Council":
        row.update({"decided_not_upheld": "0", "decided_upheld": "1", "decided_total": "",
                    "remedied_by_ombudsman": "0", "remedied_by_authority_before_ombudsman": "1",
                    "recommendations_due": "1", "recommendations_complied_on_time": "0",
                    "recommendations_complied_late": "1"})
    if row["authority"] == "Bromsgrove District Council":  # one of each, none of them so
        row.update({"decided_not_upheld": "1", "decided_upheld": "0", "decided_total": "",
                    "remedied_by_ombudsman": "0", "remedied_by_authority_before_ombudsman": "0",
                    "recommendations_due": "1", "recommendations_complied_on_time": "0",
                    "recommendations_complied_late": "0"})
    return row


def test_a_count_of_one_is_said_in_words(headline_year, run, tmp_path):
    """Never "of the 1 recommendations": one of a thing is said as one."""
    from helpers import TEMPLATES
    from lgsco_letters.render.templating import Templates, render_letter_html

    folder = headline_year(headline_csv(*FOUR, edit=singular))
    year, templates = load_year(folder), Templates(TEMPLATES)
    texts = {a.name: " ".join(render_letter_html(templates, year, a).replace("&nbsp;", " ")
                              .split()) for a in year.authorities}
    adur, bromsgrove = texts["Adur District Council"], texts["Bromsgrove District Council"]
    assert ("We investigated one complaint about your authority in detail, and upheld it: 100%."
            in adur)
    assert ("Your authority complied with the one recommendation due in the year, after the "
            "date we agreed: 100%.") in adur
    assert ("We upheld one complaint about your authority, and your authority had already "
            "offered a satisfactory remedy before it reached us: 100%.") in adur
    assert ("We investigated one complaint about your authority in detail, and did not uphold "
            "it: 0%.") in bromsgrove
    assert ("Your authority did not comply with the one recommendation due in the year: 0%. "
            "The average for district councils was") in bromsgrove
    assert "A rate below 100% is rare, and should be scrutinised." in bromsgrove
    assert "As we upheld no complaint about your authority" in bromsgrove
    for text in texts.values():
        assert not re.search(r"of the 1 |\b1 of them|the 1 upheld", text), text


def test_the_bundled_year_never_says_of_the_1():
    from helpers import TEMPLATES
    from lgsco_letters.render.templating import Templates, render_letter_html

    year, templates = load_year(HEADLINE_YEAR), Templates(TEMPLATES)
    said = [a.name for a in year.authorities
            if re.search(r"of the 1 [a-z]", render_letter_html(templates, year, a))]
    assert said == []


def nearly_all(row):
    """Adur complied with 249 of 250 recommendations due (99.6%), and upheld 1 of 250
    complaints investigated (0.4%)."""
    if row["authority"] == "Adur District Council":
        row.update({"recommendations_due": "250", "recommendations_complied_on_time": "249",
                    "recommendations_complied_late": "0", "decided_not_upheld": "249",
                    "decided_upheld": "1", "decided_total": "",
                    "remedied_by_ombudsman": "1", "remedied_by_authority_before_ombudsman": "0"})
    return row


def test_a_rate_short_of_all_is_never_shown_as_100(headline_year, run, tmp_path):
    """One rule everywhere a rate is shown: the letter, its chart, `summary` and the site."""
    from lgsco_letters.publish.records import record

    folder = headline_year(headline_csv(*FOUR, edit=nearly_all))
    target = tmp_path / "adur.pdf"
    assert run("preview", "adur", "--data", folder, "--out", target).exit_code == 0
    text = " ".join(pdf_text(target).split())
    assert ("Your authority complied with 249 of the 250 recommendations due in the year, 99%. "
            "The average for district councils was 99%. A rate below 100% is rare, and should "
            "be scrutinised.") in text
    assert "We upheld 1 of the 250 complaints we investigated in detail, 1%." in text
    alt = next(a for a in figure_alts(target) if a.startswith("Bar chart"))
    assert ("Complaints upheld, 1% against" in alt
            and "Compliance with Ombudsman recommendations, 99% against 99%" in alt)
    summary = json.loads(run("summary", "--data", folder, "--format", "json").output)
    assert summary["groups"]["district"]["compliance_rate"] == 99
    year = load_year(folder)
    adur = next(a for a in year.authorities if a.name == "Adur District Council")
    published = record(year, adur)
    assert (published["compliance_rate"], published["uphold_rate"]) == (99, 1)
