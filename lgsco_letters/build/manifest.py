"""The manifest of a build: one row per authority, as CSV (for people) and JSON (for programs)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from lgsco_letters.files import write_atomic

COLUMNS = ("authority", "slug", "file", "pages", "bytes", "sha256", "recipient_email",
           "specimen", "status", "error")
# A cell starting with one of these is a formula to a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> str:
    """The value as text that a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_manifest(out_dir: Path, rows: list[dict[str, Any]]) -> tuple[Path, Path]:
    """Write manifest.csv and manifest.json, each atomically; return their paths."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([spreadsheet_safe(row[column]) for column in COLUMNS])
    csv_path, json_path = out_dir / "manifest.csv", out_dir / "manifest.json"
    write_atomic(csv_path, buffer.getvalue())
    ordered = [{column: row[column] for column in COLUMNS} for row in rows]
    write_atomic(json_path, json.dumps(ordered, indent=1, ensure_ascii=False) + "\n")
    return csv_path, json_path


def read_manifest(out_dir: Path) -> list[dict[str, Any]]:
    return json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
