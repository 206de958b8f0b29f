"""The cost of a letter in each format, measured in one run; and `summary` and `check` of each
bundled year. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/formats.py [--sample 30]

Targets (issue: letter formats): a headline-2019 letter costs at most 1.15x a tables-2018
letter (the chart's SVG kept lean); `summary` and `check` of a year each under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "benchmarks"))

from build_year import warm_times  # noqa: E402

from lgsco_letters.project import load_year  # noqa: E402
from lgsco_letters.render.templating import Templates, render_letter_html  # noqa: E402

YEARS = {"tables-2018": ROOT / "data" / "2017-18", "headline-2019": ROOT / "data" / "2018-19"}


def letters(folder: Path, sample: int) -> list[str]:
    year = load_year(folder)
    templates = Templates(ROOT / "templates")
    step = max(1, len(year.authorities) // sample)
    return [render_letter_html(templates, year, authority)
            for authority in year.authorities[::step][:sample]]


def command_seconds(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lgsco_letters", *args], cwd=ROOT,
                   capture_output=True, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=30)
    sample = parser.parse_args().sample
    htmls = {name: letters(folder, sample) for name, folder in YEARS.items()}
    # alternate the formats, so that a change in the machine's load falls on both alike
    costs: dict[str, list[float]] = {name: [] for name in YEARS}
    for _ in range(3):
        for name, batch in htmls.items():
            costs[name].append(warm_times(batch)[0])
    per_letter = {name: statistics.median(values) for name, values in costs.items()}
    for name, seconds in per_letter.items():
        print(f"{name}: {seconds * 1000:.0f} ms per letter, warm (median of {sample} letters, "
              "the middle of 3 rounds)")
    ratio = per_letter["headline-2019"] / per_letter["tables-2018"]
    print(f"headline-2019 / tables-2018: {ratio:.2f}x (target at most 1.15x)")
    for name, folder in YEARS.items():
        for command in ("summary", "check"):
            seconds = command_seconds(command, "--data", str(folder))
            print(f"{command} {folder.name} ({name}): {seconds:.2f} s (target under 2 s)")


if __name__ == "__main__":
    main()
