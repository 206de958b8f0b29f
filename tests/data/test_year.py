"""Loading a year's folder: every validation rule, each with its exact message."""

from __future__ import annotations

from datetime import date

import pytest

from helpers import ADUR_ROW, BROMSGROVE_ROW, BROMSGROVE_YAML, BUNDLED_YEAR, csv_text
from lgsco_letters.data.addresses import address_problem
from lgsco_letters.data.names import select_authorities
from lgsco_letters.errors import DataError, LettersError, display_path
from lgsco_letters.project import load_year


def problems_of(folder) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_year(folder)
    return [str(problem).replace(display_path(folder), "YEAR")
            for problem in caught.value.problems]


def test_bundled_year_has_every_council_of_2018():
    year = load_year(BUNDLED_YEAR)
    assert len(year.authorities) == 353
    assert year.label == "2017-18"
    assert year.letter_date == date(2018, 7, 18)
    assert year.period_end == date(2018, 3, 31)
    real = [a.name for a in year.authorities if not a.specimen]
    assert real == ["Bromsgrove District Council"]


def test_bundled_year_keeps_its_edge_cases():
    year = load_year(BUNDLED_YEAR)
    assert any(sum(a.received.values()) == 0 and sum(a.decided.values()) == 0
               for a in year.authorities)
    assert any(sum(a.received.values()) > 0 and a.decided["upheld"] + a.decided["not_upheld"] == 0
               for a in year.authorities)
    specimen_addresses = [a.recipient.email for a in year.authorities if a.specimen]
    assert all(email.endswith(".example.org") for email in specimen_addresses)


def test_csv_and_yaml_give_the_same_authority(make_year, tmp_path):
    from_csv = load_year(make_year(csv=csv_text(BROMSGROVE_ROW), name="a"))
    from_yaml = load_year(make_year(
        yaml_files={"b.yaml": BROMSGROVE_YAML.read_text(encoding="utf-8")}, name="b"))
    (one,), (other,) = from_csv.authorities, from_yaml.authorities
    fields = ("name", "slug", "authority_type", "recipient", "specimen", "received", "decided",
              "remedied")
    assert [getattr(one, f) for f in fields] == [getattr(other, f) for f in fields]


def test_excel_bom_and_crlf_are_accepted(make_year):
    data = ("\ufeff" + csv_text(BROMSGROVE_ROW, ADUR_ROW).replace("\n", "\r\n")).encode()
    year = load_year(make_year(csv=data))
    assert [a.name for a in year.authorities] == [
        "Adur District Council", "Bromsgrove District Council"]


def test_a_count_that_is_not_a_whole_number(make_year):
    row = ADUR_ROW.replace(",0,4,2,", ",0,-4,2,").replace(",21,", ",,")
    assert problems_of(make_year(csv=csv_text(BROMSGROVE_ROW, row))) == [
        'YEAR/authorities.csv, line 3 (Adur District Council), received_benefits_and_tax: '
        'expected a whole number of 0 or more, found "-4"',
    ]


def test_fractions_words_and_blanks_are_refused(make_year):
    row = ADUR_ROW.replace(",0,4,2,0,3,", ",2.5,four,,0,3,").replace(",21,", ",,")
    assert problems_of(make_year(csv=csv_text(row))) == [
        'YEAR/authorities.csv, line 2 (Adur District Council), received_adult_care_services: '
        'expected a whole number of 0 or more, found "2.5"',
        'YEAR/authorities.csv, line 2 (Adur District Council), received_benefits_and_tax: '
        'expected a whole number of 0 or more, found "four"',
        'YEAR/authorities.csv, line 2 (Adur District Council), '
        'received_corporate_and_other_services: is missing: expected a whole number of 0 or more',
    ]


def test_a_given_total_must_equal_the_sum(make_year):
    row = ADUR_ROW.replace(",21,", ",22,").replace(",2,20,", ",2,19,")
    assert problems_of(make_year(csv=csv_text(row))) == [
        "YEAR/authorities.csv, line 2 (Adur District Council), received_total: "
        "expected 21 (the sum of the received figures), found 22",
        "YEAR/authorities.csv, line 2 (Adur District Council), decided_total: "
        "expected 20 (the sum of the decided figures), found 19",
    ]


def test_totals_are_optional(make_year):
    row = ADUR_ROW.replace(",21,", ",,").replace(",2,20,", ",2,,")
    (authority,) = load_year(make_year(csv=csv_text(row))).authorities
    assert sum(authority.received.values()) == 21


def test_remedied_by_the_ombudsman_cannot_exceed_upheld(make_year):
    row = ADUR_ROW.replace(",20,2,0", ",20,3,0")
    assert problems_of(make_year(csv=csv_text(row))) == [
        "YEAR/authorities.csv, line 2 (Adur District Council), remedied_by_ombudsman: "
        "expected no more than the 2 upheld (decided_upheld), found 3",
    ]


def test_unknown_and_missing_columns(make_year):
    text = csv_text(ADUR_ROW).replace("received_housing", "received_housng")
    assert problems_of(make_year(csv=text)) == [
        'YEAR/authorities.csv, line 1: unknown column "received_housng" '
        '(did you mean "received_housing"?)',
        'YEAR/authorities.csv, line 1: the required column "received_housing" is missing',
    ]


def test_an_extra_optional_column_typo_is_still_an_error(make_year):
    text = csv_text(ADUR_ROW).replace(",specimen,", ",specimin,")
    assert problems_of(make_year(csv=text)) == [
        'YEAR/authorities.csv, line 1: unknown column "specimin" (did you mean "specimen"?)',
    ]


def test_duplicate_authorities(make_year):
    yaml_text = BROMSGROVE_YAML.read_text(encoding="utf-8")
    folder = make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW), yaml_files={"b.yaml": yaml_text})
    assert problems_of(folder) == [
        'YEAR/authorities/b.yaml, line 3 (Bromsgrove District Council), authority: '
        '"Bromsgrove District Council" appears more than once '
        '(first at YEAR/authorities.csv, line 3)',
    ]


def test_names_that_would_share_a_file(make_year):
    other = ADUR_ROW.replace("Adur District Council", "Adur District Council!")
    assert problems_of(make_year(csv=csv_text(ADUR_ROW, other))) == [
        'YEAR/authorities.csv, line 3 (Adur District Council!), authority: '
        '"Adur District Council!" would be written to the same file, '
        'adur-district-council.pdf, as "Adur District Council" (YEAR/authorities.csv, line 2)',
    ]


def test_an_optional_link_officer_address_is_checked_when_given(make_year):
    text = csv_text(ADUR_ROW).replace(",specimen,", ",link_officer_email,specimen,")
    good = text.replace(",Chief Executive,chief.executive@adur.example.org,",
                        ",Chief Executive,chief.executive@adur.example.org,lo@adur.example.org,")
    (authority,) = load_year(make_year(csv=good)).authorities
    assert authority.link_officer_email == "lo@adur.example.org"
    bad = good.replace("lo@adur.example.org", "lo at adur")
    assert problems_of(make_year(csv=bad)) == [
        'YEAR/authorities.csv, line 2 (Adur District Council), link_officer_email: '
        'expected an email address like name@council.gov.uk, found "lo at adur"']


def test_required_text_and_a_bad_email(make_year):
    row = ADUR_ROW.replace("district,", ",", 1).replace("chief.executive@adur.example.org",
                                                        "chief.executive.adur.example.org")
    assert problems_of(make_year(csv=csv_text(row))) == [
        "YEAR/authorities.csv, line 2 (Adur District Council), authority_type: "
        "is missing: expected the kind of authority, e.g. district",
        "YEAR/authorities.csv, line 2 (Adur District Council), recipient_email: "
        'expected an email address like name@council.gov.uk, '
        'found "chief.executive.adur.example.org"',
    ]


def test_specimen_must_be_true_or_false(make_year):
    row = ADUR_ROW.replace(",true,", ",maybe,")
    assert problems_of(make_year(csv=csv_text(row))) == [
        'YEAR/authorities.csv, line 2 (Adur District Council), specimen: '
        'expected true or false, found "maybe"',
    ]


def test_too_many_cells(make_year):
    assert problems_of(make_year(csv=csv_text(ADUR_ROW + ",7"))) == [
        "YEAR/authorities.csv, line 2 (Adur District Council): "
        "has 26 cells but the header names 25 columns",
    ]


def test_files_must_be_utf8(make_year):
    data = csv_text(BROMSGROVE_ROW, ADUR_ROW.replace("Adur", "Ad\u00fcr")).encode("latin-1")
    assert problems_of(make_year(csv=data)) == [
        "YEAR/authorities.csv, line 3: is not UTF-8 text (byte 0xfc cannot be read); "
        "save it as UTF-8 (in Excel: 'CSV UTF-8')",
    ]


def test_malformed_yaml_is_reported_with_its_line(make_year):
    text = "authority: Bromsgrove District Council\nreceived:\n  housing: [1, 2\n"
    (problem,) = problems_of(make_year(yaml_files={"broken.yaml": text}))
    assert problem.startswith("YEAR/authorities/broken.yaml, line 4: is not valid YAML: ")


def test_yaml_unknown_repeated_and_wrong_keys(make_year):
    text = BROMSGROVE_YAML.read_text(encoding="utf-8")
    text = text.replace("  housing: 0\n", "  housng: 0\n  other: 0\n").replace(
        "specimen: false\n", "specimen: false\nofficer: Jo\n")
    assert problems_of(make_year(yaml_files={"b.yaml": text})) == [
        "YEAR/authorities/b.yaml, line 21, received.other: appears twice (first on line 19)",
        'YEAR/authorities/b.yaml, line 6 (Bromsgrove District Council), officer: '
        'unknown key (did you mean "link_officer"?)',
        'YEAR/authorities/b.yaml, line 18 (Bromsgrove District Council), received.housng: '
        'unknown key (did you mean "housing"?)',
        'YEAR/authorities/b.yaml, line 1 (Bromsgrove District Council), received.housing: '
        'is missing: expected a whole number of 0 or more',
    ]


def test_yaml_count_must_be_a_number(make_year):
    text = BROMSGROVE_YAML.read_text(encoding="utf-8").replace("  housing: 0", "  housing: 1.5")
    assert problems_of(make_year(yaml_files={"b.yaml": text})) == [
        "YEAR/authorities/b.yaml, line 17 (Bromsgrove District Council), received.housing: "
        "expected a whole number of 0 or more, found 1.5",
    ]


def test_year_yaml_is_checked_key_by_key(make_year):
    year_yaml = (BUNDLED_YEAR / "year.yaml").read_text(encoding="utf-8")
    year_yaml = year_yaml.replace("letter_date: 2018-07-18", "letter_date: 18/07/2018").replace(
        "delivery: By email", "delivry: By email")
    folder = make_year(csv=csv_text(ADUR_ROW), year_yaml=year_yaml)
    assert problems_of(folder) == [
        'YEAR/year.yaml, line 6, delivry: unknown key (did you mean "delivery"?)',
        'YEAR/year.yaml, line 3, letter_date: expected a date written as YYYY-MM-DD, '
        'e.g. 2018-07-18, found "18/07/2018"',
        "YEAR/year.yaml, delivery: is missing: expected text",
    ]


def test_every_problem_is_reported_at_once(make_year):
    rows = [ADUR_ROW.replace(",0,4,", ",x,4,"), BROMSGROVE_ROW.replace(",8,0,11,", ",8,0,12,")]
    problems = problems_of(make_year(csv=csv_text(*rows)))
    assert len(problems) == 2


def test_a_year_folder_that_does_not_exist(tmp_path):
    with pytest.raises(LettersError, match="no such year folder"):
        load_year(tmp_path / "nowhere")


def test_an_empty_year_folder(make_year):
    assert problems_of(make_year()) == [
        "YEAR: holds no authorities: expected authorities.csv, authorities.xlsx, "
        "authorities.ods or authorities/*.yaml"]


def test_select_by_name_slug_or_any_case():
    year = load_year(BUNDLED_YEAR)
    chosen = select_authorities(year, ["Bromsgrove District Council", "adur-district-council",
                                       "WYRE FOREST DISTRICT COUNCIL"])
    assert [a.slug for a in chosen] == [
        "bromsgrove-district-council", "adur-district-council", "wyre-forest-district-council"]


def test_an_unknown_name_suggests_the_closest():
    year = load_year(BUNDLED_YEAR)
    with pytest.raises(LettersError) as caught:
        select_authorities(year, ["Bromsgove District Council"])
    assert str(caught.value) == (
        f'No authority called "Bromsgove District Council" in {display_path(BUNDLED_YEAR)}. '
        "Did you mean: Bromsgrove District Council?")


# ---- values as written (issue 17) ----------------------------------------------------------

def bromsgrove_with(*edits: tuple[str, str]) -> dict[str, str]:
    text = BROMSGROVE_YAML.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    return {"b.yaml": text}


def test_quoted_yaml_values_are_text_and_counts_as_written(make_year):
    folder = make_year(yaml_files=bromsgrove_with(
        ("  title: Chief Executive", '  title: "yes"'), ("authority_type: district",
                                                          "authority_type: 'off'"),
        ("  name: Kevin Dicks", "  name:"), ("  housing: 0", '  housing: "8"'),
        ("  planning_and_development: 8", "  planning_and_development: 0"),
        ("specimen: false", "specimen: true")))
    (authority,) = load_year(folder).authorities
    assert (authority.recipient.title, authority.authority_type, authority.recipient.name,
            authority.specimen) == ("yes", "off", "", True)
    assert authority.received["housing"] == 8


def test_year_yaml_values_keep_what_was_written(make_year):
    year_yaml = (BUNDLED_YEAR / "year.yaml").read_text(encoding="utf-8").replace(
        "letter_date: 2018-07-18", 'letter_date: "2018-07-18"').replace(
        "delivery: By email", "delivery: 'null'")
    year = load_year(make_year(csv=csv_text(ADUR_ROW), year_yaml=year_yaml))
    assert (year.label, year.letter_date, year.delivery) == ("2017-18", date(2018, 7, 18),
                                                             "null")
    assert year.prose == {"strategy_period": "2018-21", "courses_delivered": 58,
                          "people_trained": 800}
    assert [type(value) for value in year.prose.values()] == [str, int, int]


def test_an_impossible_quoted_date(make_year):
    year_yaml = (BUNDLED_YEAR / "year.yaml").read_text(encoding="utf-8").replace(
        "letter_date: 2018-07-18", 'letter_date: "2018-02-30"')
    assert problems_of(make_year(csv=csv_text(ADUR_ROW), year_yaml=year_yaml)) == [
        'YEAR/year.yaml, line 3, letter_date: "2018-02-30" is not a real date (day is out of '
        "range for month)"]


@pytest.mark.parametrize(("count", "reads"), [("0", 0), ("7", 7), ("1000000", 1_000_000)])
def test_a_count_in_plain_digits(make_year, count, reads):
    row = ADUR_ROW.replace(",0,4,2,", f",{count},4,2,").replace(",21,", ",,")
    (authority,) = load_year(make_year(csv=csv_text(row))).authorities
    assert authority.received["adult_care_services"] == reads


@pytest.mark.parametrize("address", [
    "chief.executive@bromsgrove.gov.uk", "m\u00fcller@b\u00fcrgeramt.example.de",
    # all Cyrillic, in words with letters of their own
    "\u043f\u043e\u0447\u0442\u0430@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444",
    "\u7530\u4e2d\u3055\u3093@\u4f8b\u3048.jp",  # Japanese mixes Han and Hiragana
])
def test_an_address_in_one_script_is_accepted(address):
    assert address_problem(address) is None


@pytest.mark.parametrize(("address", "problem"), [
    ("\u0441hief@allerdale.example.org",
     '"\u0441" (U+0441 CYRILLIC SMALL LETTER ES) looks like "c" but is another character'),
    ("ceo@\u0430llerdale.gov.uk",
     '"\u0430" (U+0430 CYRILLIC SMALL LETTER A) looks like "a" but is another character'),
    ("\u0436chief@adur.gov.uk",
     '"\u0436" (U+0436 CYRILLIC SMALL LETTER ZHE) is of another script than the other letters '
     'of "\u0436chief", which no real address mixes'),
    # wholly in Cyrillic or Greek letters drawn as Latin ones: no mix gives them away
    ("\u0441\u0435\u043e@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444",
     '"\u0441\u0435\u043e" is written wholly in letters that look like Latin ones ("ceo") but '
     'are not, starting with "\u0441" (U+0441 CYRILLIC SMALL LETTER ES)'),
    ("\u0430dur@\u0430\u0441\u0435.gov.uk",
     '"\u0430" (U+0430 CYRILLIC SMALL LETTER A) looks like "a"'),
    ("ceo@adur.\u03b1\u03bf.uk", '"\u03b1\u03bf" is written wholly in letters that look like Latin '
     'ones ("ao") but are not, starting with "\u03b1" (U+03B1 GREEK SMALL LETTER ALPHA)'),
])
def test_a_part_of_an_address_that_mixes_scripts_is_refused(address, problem):
    assert problem in address_problem(address)
