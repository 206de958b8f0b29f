"""How long reading a year's authorities from a workbook takes. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/spreadsheets.py

The bundled 2017-18 authorities (353 rows) are written to .xlsx (openpyxl) and .ods (odfpy) in a
temporary folder, then read back as `load_year` reads them, best of five. Target: under 0.5 s.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers import typed, write_ods, write_xlsx  # noqa: E402
from lgsco_letters.data.spreadsheets import read_workbook  # noqa: E402
from lgsco_letters.formats import get_format  # noqa: E402


def best_of(seconds: list[float]) -> float:
    return min(seconds)


def main() -> None:
    with (ROOT / "data" / "2017-18" / "authorities.csv").open(encoding="utf-8") as stream:
        header, *rows = list(csv.reader(stream))
    schema = get_format("tables-2018").schema
    with tempfile.TemporaryDirectory() as folder:
        for suffix, write in ((".xlsx", write_xlsx), (".ods", write_ods)):
            path = Path(folder) / f"authorities{suffix}"
            write(path, header, [typed(row) for row in rows])
            times = []
            for _ in range(5):
                started, problems = time.perf_counter(), []
                records = read_workbook(path, schema, problems)
                times.append(time.perf_counter() - started)
            print(f"{suffix}: {len(records)} rows read in {best_of(times):.3f} s (best of 5; "
                  f"target under 0.5 s){'; PROBLEMS' if problems else ''}")


if __name__ == "__main__":
    main()
