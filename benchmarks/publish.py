"""How long publishing a year takes with its PDFs already built, and how big its pages are.
Prints figures; asserts nothing.

    .venv/bin/python benchmarks/publish.py [--data data/2017-18]

Publishes once to build the year's PDFs (not timed; into out/<year>/ as `publish` does), then
times a full `publish` into an empty site folder, and a second one with nothing changed.
Targets: a full publish of 353 letters under 10 s; the index under 200 KB; an authority's page
under 50 KB without its PDF.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lgsco(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lgsco_letters", *args], cwd=ROOT, check=True,
                   capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="data/2017-18")
    data = parser.parse_args().data
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "site"
        lgsco("publish", "--data", data, "--out", str(site))  # builds the PDFs: not timed
        shutil.rmtree(site)
        first = lgsco("publish", "--data", data, "--out", str(site))
        second = lgsco("publish", "--data", data, "--out", str(site))
        pages = list(site.glob("*/index.html"))
        largest = max(pages, key=lambda path: path.stat().st_size)
        print(f"{data}: {len(pages)} authority pages")
        print(f"full publish, PDFs already built: {first:.1f} s (target under 10 s)")
        print(f"publish again, nothing changed: {second:.1f} s")
        print(f"index.html: {(site / 'index.html').stat().st_size / 1024:.0f} KB "
              "(target under 200 KB)")
        print(f"largest authority page: {largest.stat().st_size / 1024:.0f} KB, "
              f"{largest.parent.name} (target under 50 KB without its PDF)")


if __name__ == "__main__":
    main()
