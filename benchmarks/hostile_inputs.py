"""How long, and how much memory, refusing (or reading) each hostile file takes. Prints figures;
asserts nothing.

    .venv/bin/python benchmarks/hostile_inputs.py [NAME...]

Each file of `tests/helpers/hostile.py` (the table of issue 17, and more) is made in a temporary
year folder, then `lgsco-letters build` runs on it under a 2 GB address-space limit, as the
hostile-input suite runs it. Target: every one within 10 s and 500 MB, refused with exit 2 and
its place named (or read, with exit 0, when it is really a year).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers.hostile import CASES, Run, run_limited  # noqa: E402


def measure(folder: Path) -> tuple[float, Run]:
    """Seconds on the clock, and the run."""
    started = time.perf_counter()
    run = run_limited(["build", "--data", str(folder), "--out", str(folder.parent / "out"),
                       "--jobs", "1"], timeout=600)
    return time.perf_counter() - started, run


def main(names: list[str]) -> None:
    for name, (make, _) in CASES.items():
        if names and name not in names:
            continue
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary) / "2017-18"
            (folder / "authorities").mkdir(parents=True)
            shutil.copy(ROOT / "data" / "2017-18" / "year.yaml", folder / "year.yaml")
            make(folder)
            size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
            seconds, run = measure(folder)
        said = run.stderr.splitlines()
        print(f"{name} ({size / 1024:,.0f} KB): exit {run.returncode}, {seconds:.2f} s "
              f"({run.seconds:.2f} s of processor), {run.megabytes:.0f} MB (target: 10 s, "
              f"500 MB)\n    {(said[1:2] or said or [''])[0].strip()[:150]}")


if __name__ == "__main__":
    main(sys.argv[1:])
