"""What the tests share: the bundled data's paths, rows to build years from, and real PDFs
read back as text."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUNDLED_YEAR = ROOT / "data" / "2017-18"
TEMPLATES = ROOT / "templates"
FIXTURES = ROOT / "tests" / "fixtures"
SEED = FIXTURES / "bromsgrove-2018-seed.txt"
BROMSGROVE_YAML = BUNDLED_YEAR / "authorities" / "bromsgrove-district-council.yaml"

CSV_HEADER = (
    "authority,authority_type,recipient_name,recipient_title,recipient_email,specimen,"
    "received_adult_care_services,received_benefits_and_tax,received_corporate_and_other_services,"
    "received_education_and_childrens_services,received_environment_services,"
    "received_highways_and_transport,received_housing,received_planning_and_development,"
    "received_other,received_total,decided_incomplete_or_invalid,decided_advice_given,"
    "decided_referred_back_for_local_resolution,decided_closed_after_initial_enquiries,"
    "decided_not_upheld,decided_upheld,decided_total,remedied_by_ombudsman,"
    "remedied_by_authority_before_ombudsman"
)
BROMSGROVE_ROW = (
    "Bromsgrove District Council,district,Kevin Dicks,Chief Executive,"
    "chief.executive@bromsgrove.example.org,false,0,2,0,0,1,0,0,8,0,11,1,0,2,6,1,1,11,1,0"
)
ADUR_ROW = (
    "Adur District Council,district,,Chief Executive,chief.executive@adur.example.org,true,"
    "0,4,2,0,3,1,3,8,0,21,1,1,8,7,1,2,20,2,0"
)


# A template edit that fails only for a council with no complaints: a data-triggered failure.
FAILS_WITHOUT_COMPLAINTS = (
    "<td>{{ figures.received_total }}</td>",
    "<td>{{ figures.received_total }} ({{ 100 // figures.received_total }})</td>",
)


def copy_templates(folder: Path) -> Path:
    shutil.copytree(TEMPLATES, folder)
    return folder


def edit_file(path: Path, old: str, new: str) -> None:
    """Replace text in a file, insisting that the text is there (so that an edit never misses)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")

# A council with no complaints at all: no figures, no uphold rate.
ZERO_ROW = ("Council of the Isles of Scilly,unitary,,Chief Executive,ce@scilly.example.org,true,"
            + ",".join(["0"] * 19))


def csv_text(*rows: str) -> str:
    return "\n".join([CSV_HEADER, *rows]) + "\n"


def pdf_text(path: Path, layout: bool = False) -> str:
    command = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def figure_alts(path: Path) -> list[str]:
    """The alternative text of every figure in a PDF, from its structure tree."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    found, stack = [], [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop().get_object()
        if node.get("/S") == "/Figure" and node.get("/Alt"):
            found.append(str(node["/Alt"]))
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
                stack.append(kid)
    return found


def squash(text: str) -> str:
    """Text with all whitespace removed: line breaks in a PDF fall where the layout puts them."""
    return re.sub(r"\s+", "", text)


def normalise_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


HEADLINE_YEAR = ROOT / "data" / "2018-19"
# The bundled 2018-19 year.yaml for a year folder of a test's own, with no 2017-18 beside it:
# without its `previous:` (a test of the year before puts 2017-18 beside it instead).
HEADLINE_YEAR_YAML = re.sub(r"(?m)^previous: .*\n", "",
                            (HEADLINE_YEAR / "year.yaml").read_text(encoding="utf-8"))


def headline_csv(*names: str, edit=None) -> str:
    """The bundled 2018-19 rows of these councils (all if none), as a CSV file's text;
    `edit(row)` may change a row (a dict) first."""
    import csv
    import io

    with (HEADLINE_YEAR / "authorities.csv").open(encoding="utf-8", newline="") as stream:
        rows = [row for row in csv.DictReader(stream) if not names or row["authority"] in names]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(edit(row) or row if edit else row)
    return buffer.getvalue()


def typed(cells: list[str], index: int = 0) -> list:
    """CSV cells as a spreadsheet holds them: numbers as numbers (every other row as 12.0),
    specimen as TRUE or FALSE, empty cells empty."""
    values: list = []
    for cell in cells:
        if cell.isdigit():
            values.append(float(cell) if index % 2 else int(cell))
        elif cell in ("true", "false"):
            values.append(cell == "true")
        else:
            values.append(cell or None)
    return values


def write_xlsx(path: Path, header: list[str], rows: list[list], sheet: str = "Authorities",
               before: str | None = None) -> None:
    """A workbook as Excel saves one (openpyxl); `before` puts another sheet first."""
    import openpyxl

    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    if before:
        worksheet.title = before
        worksheet.append(["not", "these"])
        worksheet = workbook.create_sheet(sheet)
    worksheet.title = sheet
    for row in [header, *rows]:
        worksheet.append(row)
    workbook.save(path)


def write_ods(path: Path, header: list[str], rows: list[list], sheet: str = "Authorities") -> None:
    """An OpenDocument sheet (odfpy). A dict cell is a formula: TableCell's attributes."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name=sheet)
    for row in [header, *rows]:
        table_row = TableRow()
        for value in row:
            if isinstance(value, dict):
                cell = TableCell(**value)
            elif isinstance(value, bool):
                cell = TableCell(valuetype="boolean", booleanvalue=str(value).lower())
            elif isinstance(value, int | float):
                cell = TableCell(valuetype="float", value=value)
            elif value is None:
                cell = TableCell()
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
            table_row.addElement(cell)
        table.addElement(table_row)
    document.spreadsheet.addElement(table)
    document.save(str(path))


CHROMIUM = Path("/usr/bin/chromium")  # Debian's, installed by `make test`; never a download
# As root in a container, and with no network beyond the loopback: no sandbox, no background
# connections that would be refused.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
