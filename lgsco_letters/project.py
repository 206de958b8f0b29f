"""What a command works on: the year, in its format among those installed."""

from __future__ import annotations

from pathlib import Path

from lgsco_letters.data.models import Year
from lgsco_letters.data.year import read_year
from lgsco_letters.formats import INSTALLED


def load_year(folder: Path, templates: Path | None = None) -> Year:
    """The year in `folder`, in its format among those installed (`formats/`); with
    `templates`, the letter template year.yaml names must be in that folder."""
    return read_year(Path(folder), INSTALLED, templates)
