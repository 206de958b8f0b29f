"""File names for authorities: the one place a name becomes part of a path."""

from __future__ import annotations

import re
import unicodedata


def slugify(name: str) -> str:
    """A file-name-safe slug: ASCII letters, digits and single hyphens, never a path."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = ascii_name.replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
