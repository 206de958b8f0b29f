"""How long the inputs that once took minutes take now: files of thousands of mistakes, a
year.yaml of thousands of comparison groups, a register of hundreds of unknown names and one of
a million rows, a folder of thousands of YAML files. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/slow_inputs.py [NAME...]

Each runs the command as users do (`check`, or `new-year` for the registers) in a temporary
folder, under the 2 GB address-space limit of the hostile-input suite. What it took before
the review of issue 17 is said beside each (on the same shared machine): the aim is time in
proportion to the file, a few seconds for anything a year could be.
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers import ADUR_ROW, BROMSGROVE_YAML, csv_text  # noqa: E402
from helpers.hostile import Run, run_limited  # noqa: E402

TABLES, HEADLINE = ROOT / "data" / "2017-18", ROOT / "data" / "2018-19"


def every_cell_wrong(folder: Path) -> list[str]:
    """4,998 councils, every figure and address wrong, each in its own words."""
    rows = []
    for n in range(4_998):
        cells = ADUR_ROW.split(",")
        rows.append(",".join([f"Council {n}", *cells[1:4], f"bad{n}", f"maybe{n}",
                              *[f"x{n}"] * 19]))
    (folder / "authorities.csv").write_text(csv_text(*rows))
    return ["check", "--data", str(folder)]


def unknown_keys(folder: Path) -> list[str]:
    """One authority's YAML with as many unknown keys as its 256 KB may hold (25,000)."""
    text = BROMSGROVE_YAML.read_text() + "".join(f"k{n}: 1\n" for n in range(40_000))
    (folder / "authorities").mkdir()
    (folder / "authorities" / "b.yaml").write_text(text[:256 * 1024 - 100].rsplit("\n", 1)[0])
    return ["check", "--data", str(folder)]


def many_groups(folder: Path) -> list[str]:
    """The 2018-19 year with 5,000 comparison groups more."""
    shutil.copy(HEADLINE / "authorities.csv", folder)
    groups = "".join(f"  g{n}: {{label: group {n}, types: [type {n}]}}\n" for n in range(5_000))
    text = (HEADLINE / "year.yaml").read_text()
    text = "".join(line for line in text.splitlines(keepends=True)  # no year before here
                   if not line.startswith("previous:"))
    (folder / "year.yaml").write_text(text.replace("comparison_groups:\n",
                                                   "comparison_groups:\n" + groups))
    return ["check", "--data", str(folder)]


def yaml_files(folder: Path) -> list[str]:
    """5,000 authorities, one YAML file each, every one with a bad count and a misspelt key."""
    (folder / "authorities").mkdir()
    text = BROMSGROVE_YAML.read_text()
    for n in range(5_000):
        (folder / "authorities" / f"c{n}.yaml").write_text(text.replace(
            "Bromsgrove District Council", f"Council {n}").replace(
            "housing: 0", f"housing: x{n}\n  hosuing: 1"))
    return ["check", "--data", str(folder)]


def unknown_replaces(folder: Path) -> list[str]:
    """A register of 353 councils, each replacing a council of 2018-19 misspelt."""
    shutil.rmtree(folder)
    shutil.copytree(HEADLINE, folder)
    with (HEADLINE / "authorities.csv").open(encoding="utf-8", newline="") as stream:
        names = [row["authority"] for row in csv.DictReader(stream)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["official_name", "authority_type", "replaces"])
    writer.writerows([f"New Council {n}", "district", name[:-1]] for n, name in enumerate(names))
    register = folder.parent / "register.csv"
    register.write_text(buffer.getvalue())
    return ["new-year", "2019-20", "--from", str(folder), "--register", str(register)]


def million_row_register(folder: Path) -> list[str]:
    shutil.rmtree(folder)
    shutil.copytree(HEADLINE, folder)
    register = folder.parent / "register.csv"
    with register.open("w") as stream:
        stream.write("official_name,authority_type\n")
        stream.writelines(f"Council {n},district\n" for n in range(1_000_000))
    return ["new-year", "2019-20", "--from", str(folder), "--register", str(register)]


# name -> (make the input in a year folder and give the command, what it took before)
CASES: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    "a CSV of 4,998 rows, every cell wrong": (every_cell_wrong, "55 s"),
    "a YAML file of unknown keys": (unknown_keys, "198 s (100,000 keys in 1 MB)"),
    "5,000 comparison groups": (many_groups, "57 s"),
    "5,000 YAML files, each with two mistakes": (yaml_files, "29 s"),
    "a register of 353 misspelt replaces": (unknown_replaces, "over 300 s"),
    "a register of a million rows": (million_row_register, "MemoryError, exit 3"),
}


def main(names: list[str]) -> None:
    for name, (make, before) in CASES.items():
        if names and name not in names:
            continue
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary) / "2017-18"
            folder.mkdir()
            shutil.copy(TABLES / "year.yaml", folder / "year.yaml")
            command = make(folder)
            started = time.perf_counter()
            run: Run = run_limited(command, timeout=600)
            seconds = time.perf_counter() - started
        said = (run.stderr or run.stdout).splitlines()
        print(f"{name}: exit {run.returncode}, {seconds:.2f} s ({run.seconds:.2f} s of "
              f"processor), {run.megabytes:.0f} MB; before: {before}\n"
              f"    {(said[1:2] or said or [''])[0].strip()[:150]}")


if __name__ == "__main__":
    main(sys.argv[1:])
