"""What does the layout check cost? Prints figures; asserts nothing.

    .venv/bin/python benchmarks/layout_check.py [--sample 40] [--data data/2018-19]

The layout check (`render/layout.py`) reads WeasyPrint's page boxes of every letter as it is
rendered, so its cost is a share of each letter's rendering. In one warm process (as a build's
worker renders), for a sample of the year's letters spread over it, each letter is rendered in
its three phases, each timed: lay out (`HTML.render`), the layout check (`read_layout`), write
the PDF (`write_pdf`). Printed: the median of each, and the check's share of a letter's whole
rendering (the budget: at most 10%). The build's own overhead (HTML, fingerprints, manifest) is
left out, so the share printed is an upper bound of its share of a build.
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lgsco_letters.project import load_year  # noqa: E402
from lgsco_letters.render.templating import Templates, render_letter_html  # noqa: E402


def phases(renderer, html: str) -> tuple[float, float, float, int]:
    """Seconds to lay out, to check the layout and to write the PDF; and the findings."""
    from weasyprint import HTML

    from lgsco_letters.render.layout import read_layout
    from lgsco_letters.render.tagging import fix_table_tags

    options = {**renderer.pdf_options, "pdf_identifier": None}
    started = time.perf_counter()
    document = HTML(string=html, base_url=renderer.base_url,
                    url_fetcher=renderer.fetcher).render(
        stylesheets=renderer.stylesheets, font_config=renderer.font_config, **options)
    laid_out = time.perf_counter()
    findings = read_layout(document)
    checked = time.perf_counter()
    document.write_pdf(io.BytesIO(), finisher=fix_table_tags, **options)
    written = time.perf_counter()
    return laid_out - started, checked - laid_out, written - checked, len(findings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "2018-19")
    args = parser.parse_args()

    from lgsco_letters.render.pdf import LetterRenderer

    year = load_year(args.data)
    templates = Templates(ROOT / "templates")
    step = max(1, len(year.authorities) // args.sample)
    sample = year.authorities[::step][:args.sample]
    htmls = [render_letter_html(templates, year, authority) for authority in sample]
    renderer = LetterRenderer(templates.folder)
    phases(renderer, htmls[0])  # warm-up: fonts, stylesheets, caches
    timed = [phases(renderer, html) for html in htmls]
    layout, check, write = (statistics.median(t[i] for t in timed) for i in range(3))
    whole = [sum(t[:3]) for t in timed]
    share = sum(t[1] for t in timed) / sum(whole)
    print(f"{platform.machine()}, Python {platform.python_version()}, "
          f"{len(sample)} letters of {year.label} ({year.format.name}), one warm process")
    print(f"  lay out (HTML.render):       {layout * 1000:6.1f} ms a letter (median)")
    print(f"  layout check (read_layout):  {check * 1000:6.1f} ms a letter (median)")
    print(f"  write the PDF (write_pdf):   {write * 1000:6.1f} ms a letter (median)")
    print(f"  the check's share of rendering: {share:.1%} (budget: 10%); "
          f"findings in the sample: {sum(t[3] for t in timed)}")


if __name__ == "__main__":
    main()
