"""Defaults for the commands, from `lgsco-letters.yml` in the folder they are run from or above."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lgsco_letters.data.sources import read_yaml
from lgsco_letters.errors import DataError, LettersError, Problem, display_path
from lgsco_letters.words import suggest

CONFIG_FILE = "lgsco-letters.yml"
DEFAULTS = {"data": "data/2017-18", "out": "out", "templates": "templates"}


@dataclass(frozen=True)
class Config:
    data: Path       # the year folder built when --data is not given
    out: Path        # letters go to <out>/<year label>/ when --out is not given
    templates: Path  # the templates folder
    file: Path | None = None  # the lgsco-letters.yml read, if one was found
    searched: Path | None = None  # where the search for it began

    def require(self, folder: Path, what: str, option: str = "") -> Path:
        """`folder`, or, when it is missing because no config file was found, a refusal that
        says so (rather than blame a default the user never chose)."""
        if self.file is None and not folder.is_dir():
            raise LettersError(
                f"No {CONFIG_FILE} found in {self.searched} or any folder above it, so "
                f"{what} is the default, {display_path(folder)}, which does not exist. Run "
                f"lgsco-letters in the project's folder (the one with {CONFIG_FILE}, or a "
                "folder inside it)" + (f", or give {option}." if option else "."))
        return folder


def find_config(start: Path) -> Path | None:
    """`lgsco-letters.yml` in `start` or the nearest folder above it, as git finds `.git`, so
    that the commands work from `templates/` or `data/` too."""
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder / CONFIG_FILE
    return None


def load_config(start: Path | None = None) -> Config:
    """The config file's values over the defaults; paths are relative to the file's folder.
    Without a config file, the defaults are relative to `start` (the current folder)."""
    start = Path.cwd() if start is None else start
    path = find_config(start) or start / CONFIG_FILE
    folder = path.parent
    values = dict(DEFAULTS)
    if path.is_file():
        problems: list[Problem] = []
        loaded = read_yaml(path, problems)
        for key, value in (loaded[0] if loaded else {}).items():
            if key not in DEFAULTS:
                problems.append(Problem(path, f"unknown key{suggest(key, tuple(DEFAULTS))}",
                                        loaded[1][key], field=key))
            elif not isinstance(value, str) or not value.strip():
                problems.append(Problem(path, "expected a folder path", loaded[1][key],
                                        field=key))
            else:
                values[key] = value
        if problems:
            raise DataError(problems)
    return Config(**{key: folder / value for key, value in values.items()},
                  file=path if path.is_file() else None, searched=start)
