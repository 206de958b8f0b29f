"""Which data, templates and engine made a letter: fingerprints written into every PDF.

Fingerprints depend only on content, never on paths or the time, so the same inputs give the
same fingerprints (and the same PDF bytes) on every machine.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import weakref
from datetime import date
from importlib.metadata import version
from typing import Any

from lgsco_letters import __version__
from lgsco_letters.data.fields import copied_to
from lgsco_letters.data.models import Authority, Year

# The PDF's Info keys: HTML <meta> names that WeasyPrint's custom_metadata copies into the
# PDF (lowercased, letters and digits only, so the names have nothing else).
KEYS = {"engine": "lgscoengine", "year": "lgscoyear", "authority": "lgscoauthority",
        "data": "lgscodatafingerprint", "templates": "lgscotemplatesfingerprint"}


@functools.cache
def engine_version() -> str:
    """Ours and WeasyPrint's versions; read once (package metadata is slow to look up)."""
    return f"lgsco-letters {__version__}; weasyprint {version('weasyprint')}"


def _canonical(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_canonical(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value):
        return _canonical(dataclasses.asdict(value))
    return value


def data_fingerprint(year: Year, authority: Authority) -> str:
    """The year-wide values and the authority's own, wherever and however they were stored."""
    # An address is where a letter goes, not what it says: a corrected address (the
    # recipient's, or any other *_email field's) leaves the letter, its bytes and its
    # provenance as they were, and needs a new approval, never a rebuild.
    own = {field.name: getattr(authority, field.name)
           for field in dataclasses.fields(authority)
           if field.name not in ("source", "line") and not field.name.endswith("_email")}
    own["recipient"] = {key: value for key, value in dataclasses.asdict(authority.recipient).items()
                        if key != "email"}
    # ...but whether there is an address is what a letter says: its "Copied to" line names the
    # roles of `copied_to:` that have one, so adding or removing one changes the letter (a
    # year that copies none keeps the fingerprints it had)
    if year.copied_to:
        own["copied_to"] = copied_to(year, authority)
    # the year-wide figures the letter quotes (its group's averages): another council's
    # change that moves them changes this letter too, and only the letters that quote them
    quoted = year.format.quoted(year, authority)
    # its own figures the year before, as it quotes them (a year that has none keeps the
    # fingerprints it had)
    parts = {"authority": _json(own), "quoted": _json(quoted), "year": _year_json(year)}
    if year.before is not None:
        parts["before"] = _json(year.format.quoted_before(year, authority))
    # the JSON of {"authority": ..., ...} with its keys sorted, the year's part made once a
    # year, not once a letter (a year of many groups made it slow)
    text = "{" + ", ".join(f"{json.dumps(key)}: {parts[key]}" for key in sorted(parts)) + "}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(_canonical(value), sort_keys=True)


_YEARS: dict[int, tuple[weakref.ref, str]] = {}  # id(year) -> (the year, its values as JSON)


def _year_json(year: Year) -> str:
    """The year-wide values as JSON, made once for each year loaded."""
    cached = _YEARS.get(id(year))
    if cached is not None and cached[0]() is year:
        return cached[1]
    values = {field.name: getattr(year, field.name) for field in dataclasses.fields(year)
              if field.name not in ("folder", "authorities", "format", "shared", "before")}
    values["signatory"] = dataclasses.asdict(year.signatory)
    values["format"] = year.format.name
    text = _json(values)
    for key in [key for key, (ref, _) in _YEARS.items() if ref() is None]:
        del _YEARS[key]  # years no longer in use
    _YEARS[id(year)] = (weakref.ref(year), text)
    return text


def provenance(year: Year, authority: Authority, templates: str) -> dict[str, str]:
    """The <meta> entries a letter carries; `templates` is its shape's fingerprint
    (`shape.py`)."""
    return {KEYS["engine"]: engine_version(), KEYS["year"]: year.label,
            KEYS["authority"]: authority.name,
            KEYS["data"]: data_fingerprint(year, authority), KEYS["templates"]: templates}


def document_identifier(year: Year, authority: Authority) -> bytes:
    """The PDF's permanent identifier: the same for a letter through all its revisions."""
    return hashlib.sha256(f"lgsco-letters/{year.label}/{authority.slug}".encode()).hexdigest()[
        :32].encode("ascii")
