"""The bundled letters, word for word and byte for byte, as they were before the measures
became data (issue 20): every 2017-18 (tables-2018) and 2018-19 (headline-2019) letter's HTML,
for print and for the site, its data fingerprint, its published record and the year's
`summary`, against digests taken from the engine before the change.

The digests are `tests/fixtures/letters-digests.json`. A change meant to alter the letters
(new wording, a layout fix) rewrites them on purpose, and says so in its commit:

    PYTHONPATH=tests .venv/bin/python tests/formats/test_letters_unchanged.py --write
"""

from __future__ import annotations

import hashlib
import json
import re
import sys

import pytest

from helpers import FIXTURES, ROOT, TEMPLATES
from lgsco_letters.editors.summary import summarise
from lgsco_letters.project import load_year
from lgsco_letters.publish.records import record
from lgsco_letters.render.provenance import KEYS, data_fingerprint
from lgsco_letters.render.templating import Templates, render_letter_html

DIGESTS = FIXTURES / "letters-digests.json"
YEARS = ("2017-18", "2018-19")
# The templates' own fingerprint changes with any edit to them, wording or not: left out.
SHAPE = re.compile(f'<meta name="{KEYS["templates"]}" content="[^"]*">')


def digests(label: str) -> dict:
    year, templates = load_year(ROOT / "data" / label), Templates(TEMPLATES)
    letters = {}
    for authority in year.authorities:
        parts = [SHAPE.sub("", render_letter_html(templates, year, authority)),
                 SHAPE.sub("", render_letter_html(templates, year, authority, "linked",
                                                  "../assets/")),
                 data_fingerprint(year, authority), json.dumps(record(year, authority))]
        letters[authority.slug] = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    summary = summarise(year)
    return {"letters": letters, "england": summary["england"], "groups": summary["groups"]}


@pytest.mark.parametrize("label", YEARS)
def test_the_bundled_letters_are_as_they_were(label):
    expected = json.loads(DIGESTS.read_text())[label]
    found = digests(label)
    changed = [slug for slug, digest in found["letters"].items()
               if expected["letters"].get(slug) != digest]
    assert not changed, f"{len(changed)} letters differ, e.g. {changed[:3]}"
    assert found["letters"].keys() == expected["letters"].keys()
    # the summary's figures, their keys in the same order, as JSON has them
    assert json.dumps(found["england"]) == json.dumps(expected["england"])
    assert json.dumps(found["groups"]) == json.dumps(expected["groups"])


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    DIGESTS.write_text(json.dumps({label: digests(label) for label in YEARS}, indent=1) + "\n")
