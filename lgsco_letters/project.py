"""What a command works on, each part loaded once and only when first asked for: the config
(`lgsco-letters.yml`), the year's folder (`--data`, else the config's), the year, in its format
among those installed, and the templates. The command group makes one `Project` per run and
every command is given it, as MkDocs passes its config to every step of a build."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from lgsco_letters.config import Config
from lgsco_letters.data.models import Year
from lgsco_letters.data.year import read_year
from lgsco_letters.errors import LettersError, display_path
from lgsco_letters.formats import INSTALLED
from lgsco_letters.render.templating import Templates


def load_year(folder: Path, templates: Path | None = None) -> Year:
    """The year in `folder`, in its format among those installed (`formats/`); with
    `templates`, the letter template year.yaml names must be in that folder."""
    return read_year(Path(folder), INSTALLED, templates)


class Project:
    """One run's config, year and templates (see above)."""

    def __init__(self, config: Config, data_dir: Path | None = None,
                 templates_dir: Path | None = None):
        self.config = config
        self.data_dir = data_dir  # --data, when given
        self.templates_dir = templates_dir  # given as such, rather than by the config

    @classmethod
    def at(cls, data: Path, templates: Path) -> Project:
        """The year in `data` with the templates in `templates`, as `check` and the live
        preview are given them (with no output folder of their own: `out_dir` is not for
        them)."""
        return cls(Config(data=data, out=data.parent, templates=templates), data, templates)

    @property
    def year_folder(self) -> Path:
        return self.data_dir or self.config.require(self.config.data, "the year's folder",
                                                    "--data")

    @property
    def templates_folder(self) -> Path:
        return self.templates_dir or self.config.require(self.config.templates,
                                                         "the templates folder")

    def folders(self) -> tuple[Path, Path]:
        """The year's folder and the templates folder, a missing one refused in that order."""
        return self.year_folder, self.templates_folder

    @cached_property
    def year(self) -> Year:
        # The letter template year.yaml names is checked wherever the templates folder is
        # known; a command that needs no templates (`list`) runs without one outside a project.
        templates = self.templates_dir or self.config.templates
        known = self.templates_dir or self.config.file is not None or templates.is_dir()
        return load_year(self.year_folder, templates if known else None)

    @cached_property
    def templates(self) -> Templates:
        return Templates(self.templates_folder)

    def out_dir(self, given: Path | None = None) -> Path:
        """The year's output folder: the one given, or `<out>/<year label>`, always inside it
        (the label is checked as a reporting year; this holds even if that check were lost)."""
        if given is not None:
            return given
        out = self.config.out
        folder = out / self.year.label
        if not folder.resolve().is_relative_to(out.resolve()) or folder == out:
            raise LettersError(f"year: {self.year.label!r} would put the letters outside "
                               f"{display_path(out)}")
        return folder
