"""The year's data as published: one record per authority, its input figures and the derived
ones, as CSV (cells a spreadsheet would run as formulas neutralised) and JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from lgsco_letters.cells import spreadsheet_safe
from lgsco_letters.data.models import Authority, Year


def record(year: Year, authority: Authority) -> dict[str, Any]:
    """Everything the site shows of one authority, in column order; no personal data (the
    recipients' names and addresses stay out)."""
    counts = {f"{group}_{key}": value for group, values in authority.counts.items()
              for key, value in values.items()}
    return {"authority": authority.name, "slug": authority.slug,
            "authority_type": authority.authority_type, "specimen": authority.specimen,
            "successor": authority.successor,
            **counts, **year.format.record(year, authority),
            "page": f"{authority.slug}/index.html", "pdf": f"{authority.slug}/{authority.slug}.pdf"}


def as_csv(records: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(records[0])
    for row in records:
        writer.writerow([spreadsheet_safe(value) for value in row.values()])
    return buffer.getvalue()


def as_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, indent=1, ensure_ascii=False) + "\n"
