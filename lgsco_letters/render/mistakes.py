"""A template editor's mistake in their own words: the name they wrote, with a suggestion.

Jinja says `'lgsco_letters.data.models.Year object' has no attribute 'period_ending'`; the editor
wrote `year.period_ending`, so this says `year has no "period_ending" (did you mean
"period_end"?)`, with the project's one suggester (`words.suggest`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, UndefinedError
from jinja2.utils import missing

from lgsco_letters.words import suggest


class MissingName(UndefinedError):
    """A name a template used that is not there, remembering what it was missing from."""

    def __init__(self, message: str, owner: Any = missing, name: Any = None):
        super().__init__(message)
        self.owner, self.name = owner, name


class LetterUndefined(StrictUndefined):
    """StrictUndefined whose error is a `MissingName`."""

    __slots__ = ()

    def __init__(self, hint: str | None = None, obj: Any = missing, name: str | None = None,
                 exc: type[Exception] = UndefinedError):
        super().__init__(hint, obj, name, exc)
        if exc is UndefinedError and hint is None:  # the sandbox's own refusals stay as they are
            self._undefined_exception = lambda message: MissingName(message, obj, name)


def explain(error: MissingName, context: Mapping[str, Any]) -> str:
    """The mistake, named as the template names it, with the closest name that is there."""
    if error.owner is missing:
        return (f'uses "{error.name}", which no letter\'s context has'
                + suggest(str(error.name), sorted(context)))
    return (f'{_label(error.owner, context)} has no "{error.name}"'
            + suggest(str(error.name), _names_in(error.owner)))


UNKNOWN = re.compile(r"No (filter|test) named '(.*)'(?: found)?\.$")


def explain_unknown(message: str, environment: Any) -> str:
    """Jinja's `No filter named 'long_dat'.` as the editor wrote it, with the closest filter
    (or test) the templates have: `no filter named "long_dat" (did you mean "long_date"?)`."""
    match = UNKNOWN.fullmatch(message)
    if match is None or environment is None:
        return message
    kind, name = match.groups()
    known = environment.filters if kind == "filter" else environment.tests
    return f'no {kind} named "{name}"' + suggest(name, sorted(known))


def _label(owner: Any, context: Mapping[str, Any]) -> str:
    """The owner's name in the context (`year`), or one level in (`figures.received`)."""
    for key, value in context.items():
        if value is owner:
            return key
    for key, value in context.items():
        for name, inner in _members(value):
            if inner is owner:
                return f"{key}.{name}"
    return f"the {type(owner).__name__} value"


def _members(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, Mapping):
        return [(str(key), inner) for key, inner in value.items()]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [(field.name, getattr(value, field.name)) for field in dataclasses.fields(value)]
    return []


def _names_in(owner: Any) -> list[str]:
    if isinstance(owner, Mapping):
        return [str(key) for key in owner]
    return [name for name in dir(owner) if not name.startswith("_")]
