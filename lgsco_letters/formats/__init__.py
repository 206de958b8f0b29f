"""Letter formats, the engine's extension point: each module here makes a `FORMAT`.

Formats are found by looking in this package, so a new one is a new module (and its
templates), with no change anywhere else. `register` adds one from elsewhere (the tests' own).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from lgsco_letters.formats.base import Format

DEFAULT_FORMAT = "tables-2018"  # the format of a year.yaml without `format:`
_registered: dict[str, Format] = {}


@functools.cache
def _discovered() -> dict[str, Format]:
    found = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            letter_format = importlib.import_module(f"{__name__}.{module.name}").FORMAT
            found[letter_format.name] = letter_format
    return found


def all_formats() -> dict[str, Format]:
    return {**_discovered(), **_registered}


def get_format(name: str) -> Format | None:
    return all_formats().get(name)


def register(letter_format: Format) -> None:
    _registered[letter_format.name] = letter_format
