"""The manifest of a build: one row per authority, as CSV (for people) and JSON (for programs)."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from lgsco_letters.cells import spreadsheet_safe
from lgsco_letters.data.models import Authority, Year
from lgsco_letters.data.year_settings import REPORTING_YEAR
from lgsco_letters.errors import LettersError, display_path
from lgsco_letters.files import write_atomic
from lgsco_letters.render.provenance import data_fingerprint

COLUMNS = ("authority", "slug", "file", "pages", "bytes", "sha256", "recipient_email",
           "specimen", "successor", "status", "error", "layout", "year", "data_fingerprint")
# Columns a manifest from before they were written may lack: it is still read (as if its
# letters had no successor and no layout findings, its year were its folder's name, and
# whether its letters' data changed since could not be told).
ADDED_LATER = ("successor", "layout", "year", "data_fingerprint")
MANIFEST_CSV, MANIFEST_JSON = "manifest.csv", "manifest.json"


class BuildStatus(StrEnum):
    PENDING = "pending"
    BUILT = "built"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    NOT_BUILT = "not built"  # not named by --only, and no good PDF from before


SENDABLE = (BuildStatus.BUILT, BuildStatus.UNCHANGED)


def write_manifest(out_dir: Path, rows: list[dict[str, Any]]) -> tuple[Path, Path]:
    """Write manifest.csv and manifest.json, each atomically; return their paths."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([spreadsheet_safe(row[column]) for column in COLUMNS])
    csv_path, json_path = out_dir / MANIFEST_CSV, out_dir / MANIFEST_JSON
    write_atomic(csv_path, buffer.getvalue())
    ordered = [{column: row[column] for column in COLUMNS} for row in rows]
    write_atomic(json_path, json.dumps(ordered, indent=1, ensure_ascii=False) + "\n")
    return csv_path, json_path


def read_letters(out_dir: Path) -> dict[str, dict[str, Any]]:
    """The manifest's rows by slug; refused whole if it is not the shape a build writes."""
    path = out_dir / MANIFEST_JSON
    if not path.is_file():
        raise LettersError(f"{display_path(path)} does not exist: build the letters first "
                           "(lgsco-letters build)")
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise LettersError(f"{display_path(path)}: not a manifest written by lgsco-letters "
                           f"build ({error}); rebuild it with lgsco-letters build") from None
    if not isinstance(rows, list) or not all(_well_formed(row) for row in rows):
        raise LettersError(f"{display_path(path)}: not a manifest written by lgsco-letters "
                           f"build (expected a list of rows with the keys {', '.join(COLUMNS)})"
                           "; rebuild it with lgsco-letters build")
    return {row["slug"]: row for row in rows}


def built_from_other_data(row: dict[str, Any], year: Year, authority: Authority) -> str:
    """Whether the letter's PDF was built from data (its own figures, the year's values, the
    figures of others it quotes, the officers its "Copied to" line names) other than the data
    now: "changed" (it still says what the data said then), "unrecorded" (a manifest from
    before it recorded the data's fingerprint: it cannot be told, so it is not trusted), or ""
    (built from the data as it is). Addresses are not part of it
    (`provenance.data_fingerprint`)."""
    built = row.get("data_fingerprint")
    if not built:
        return UNRECORDED
    return CHANGED if built != data_fingerprint(year, authority) else ""


CHANGED, UNRECORDED = "changed", "unrecorded"


def read_previous(out_dir: Path) -> dict[str, dict[str, Any]]:
    """The last build's rows, or none if there is no readable manifest: only a courtesy to
    letters that --only leaves alone."""
    try:
        return read_letters(out_dir)
    except LettersError:
        return {}


def refuse_another_year(out_dir: Path, label: str, data_folder: Path) -> None:
    """An output folder holds one year's letters, and its ledger records that year's mailing:
    refuse to approve, send, judge or build the letters of year `label` in a folder built for
    another (its manifest's `year`; for a manifest from before it was written, the folder's
    name, when that is a reporting year)."""
    rows = read_previous(out_dir)
    found = {row.get("year") for row in rows.values()} - {None, ""}
    said = "its manifest says so"
    if not found and rows and REPORTING_YEAR.fullmatch(out_dir.name):
        found, said = {out_dir.name}, "its name says so"
    if found and found != {label}:
        raise LettersError(f"{display_path(out_dir)} holds the letters of "
                           f"{' and '.join(sorted(found))} ({said}), but "
                           f"{display_path(data_folder)} is the year {label}: a year's letters "
                           "are built, approved, sent and recorded only in its own output "
                           f"folder. Give --out the folder of {label} (by default out/{label}), "
                           "not another year's.")


def _well_formed(row: Any) -> bool:
    return (isinstance(row, dict) and set(COLUMNS) - set(ADDED_LATER) <= set(row)
            and all(isinstance(row[key], str) for key in ("slug", "file", "status"))
            and isinstance(row["sha256"], str | None))
