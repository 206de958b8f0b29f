"""The keys of `year.yaml`, each declared once: its kind (the rule that reads it,
`year_settings.py`), whether it must be given, and what it means. `year.py` reads a year by
them, `new-year` carries them on, and the README's table of them is checked against them. A
format's own keys (`comparison_groups`) are declared by the format, the same way."""

from __future__ import annotations

from lgsco_letters.data.fields import COPY_ROLES
from lgsco_letters.data.year_settings import (
    Date,
    Figures,
    FormatName,
    PreviousYear,
    ReportingYear,
    Roles,
    SignatoryKeys,
    TemplateName,
    Text,
)

FORMAT = FormatName("format", "the letter's format, by its name (the default format when absent): "
                        "see \"Letter formats\"", optional=True)
TEMPLATE = TemplateName("template", "the letter's wording: a template's name in the templates "
                                    "folder, never a path (default: the format's)",
                        optional=True)
YEAR_KEYS = (
    ReportingYear("year", "the reporting year, as the prose quotes it; it names the output "
                          "folder (default: the year folder's name)", attr="label",
                  optional=True),
    FORMAT,
    Date("letter_date", "the letter's date"),
    Date("period_end", "the last day of the reporting year"),
    TEMPLATE,
    Text("delivery", "how the letter is delivered, as its heading says (`By email`)"),
    SignatoryKeys("signatory", "who signs: `name`, and `titles`, a list of lines"),
    Figures("prose", "the figures the prose quotes that change yearly, by name"),
    PreviousYear("previous", "the year before: an earlier reporting year whose folder (with its "
                             "`year.yaml`) is beside this one; each letter states its own rates "
                             "then (see \"The year before\"); `new-year` sets it",
                 optional=True),
    Roles("copied_to", "the roles the letters are copied to, from "
                       f"{' and '.join(f'`{role}`' for role in COPY_ROLES)}: see below",
          tuple(COPY_ROLES), optional=True),
)
DATES = tuple(setting.key for setting in YEAR_KEYS if isinstance(setting, Date))
