"""Letter formats, the engine's extension point: each is a `Format` (`base.py`), found by name.

A format comes from any of:

- a module in this package that makes `FORMAT`: a new format is a new module here (and its
  templates), with no change anywhere else;
- an entry point in the group `lgsco_letters.formats` of any installed distribution, named as
  the format and naming its `Format` (`tiny-2021 = "tiny_format:FORMAT"`), as Datasette and
  MkDocs find their plugins. The built-in formats are registered so too (`pyproject.toml`);
- `register`, for a format made while running (the tests' own).

A name two different formats claim is refused when the name is asked for, never settled
silently; a format that cannot be loaded is said with the distribution it comes from.
"""

from __future__ import annotations

import functools
import importlib
import logging
import pkgutil
from importlib.metadata import EntryPoint, entry_points

from lgsco_letters.errors import LettersError
from lgsco_letters.formats.base import Format

logger = logging.getLogger(__name__)

ENTRY_POINTS = "lgsco_letters.formats"
DEFAULT_FORMAT = "tables-2018"  # the format of a year.yaml without `format:`
ENGINE_MODULES = {"base", "measures"}  # the package's modules that are not formats
_registered: dict[str, Format] = {}


@functools.cache
def _in_package() -> dict[str, Format]:
    found = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name not in ENGINE_MODULES:
            letter_format = _checked(importlib.import_module(f"{__name__}.{module.name}").FORMAT,
                                     f"{__name__}.{module.name}.FORMAT")
            found[letter_format.name] = letter_format
    return found


def _advertised() -> dict[str, list[EntryPoint]]:
    """The formats installed distributions name, by name (not yet loaded): every entry point
    of a name, so that a second one never silently hides the first, whichever order the
    distributions are found in."""
    points: dict[str, list[EntryPoint]] = {}
    for point in entry_points(group=ENTRY_POINTS):
        points.setdefault(point.name, []).append(point)
    return points


def _checked(letter_format: object, where: str, name: str | None = None) -> Format:
    if not isinstance(letter_format, Format):
        raise LettersError(f"{where} is not a letter format (a lgsco_letters.formats.base."
                           f"Format), but {type(letter_format).__name__}")
    if name is not None and letter_format.name != name:
        raise LettersError(f'{where} is registered as the format "{name}", but is called '
                           f'"{letter_format.name}"')
    refused(letter_format)
    return letter_format


def refused(letter_format: Format) -> None:
    """A format naming a field, figure or measure it does not have is refused as it loads,
    never left to fail (or worse, to pass) letter by letter."""
    if faults := letter_format.faults():
        raise LettersError(f'the format "{letter_format.name}" cannot be used: '
                           + "; ".join(faults))


def _loaded(point: EntryPoint) -> Format:
    where = f"the entry point {point.name} = {point.value}" + (
        f" of {point.dist.name}" if point.dist is not None else "")
    try:
        letter_format = point.load()
    except Exception as error:  # another package's fault, said as such (-v: its traceback)
        logger.debug("loading %s failed", where, exc_info=True)
        raise LettersError(f"{where} cannot be loaded: {type(error).__name__}: {error}") from None
    return _checked(letter_format, where, point.name)


def get_format(name: str) -> Format | None:
    """The format called `name`, or None if no format is."""
    found = [*filter(None, (_registered.get(name), _in_package().get(name)))]
    points = _advertised().get(name, [])
    found += [_loaded(point) for point in points]
    if any(letter_format != found[0] for letter_format in found):  # the same twice is one
        where = [point.value for point in points
                 if not point.value.startswith(f"{__name__}.")] or ["register()"]
        raise LettersError(f'two different formats are called "{name}" (one of them from '
                           f"{', '.join(where)}): uninstall one")
    return found[0] if found else None


def format_names() -> list[str]:
    return list(dict.fromkeys([*_in_package(), *_advertised(), *_registered]))


def all_formats() -> dict[str, Format]:
    return {name: get_format(name) for name in format_names()}


def register(letter_format: Format) -> None:
    refused(letter_format)
    _registered[letter_format.name] = letter_format


class Installed:
    """The formats installed, as reading a year asks for them (`data.models.Formats`)."""

    default = DEFAULT_FORMAT

    def get(self, name: str) -> Format | None:
        return get_format(name)

    def names(self) -> list[str]:
        return format_names()


INSTALLED = Installed()
