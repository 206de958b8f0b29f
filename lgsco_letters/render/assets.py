"""The files under `templates/` that a letter uses: found safely, and inlined on request."""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path

from lgsco_letters.errors import LettersError

CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
EXTRA_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2",
               ".svg": "image/svg+xml"}


class AssetError(LettersError):
    """A template asked for a file that is missing or outside the templates folder."""


def resolve_asset(root: Path, relative: str) -> Path:
    """The file `relative` names inside `root`; refuse anything that leaves it or is missing."""
    root = root.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise AssetError(f'"{relative}" is outside the templates folder {root}')
    if not path.is_file():
        raise AssetError(f'the asset "{relative}" does not exist under {root}')
    return path


def media_type(path: Path) -> str:
    return EXTRA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or (
        "application/octet-stream")


def data_uri(root: Path, relative: str) -> str:
    path = resolve_asset(root, relative)
    if path.suffix.lower() == ".css":
        payload = inline_css(root, relative).encode("utf-8")
    else:
        payload = path.read_bytes()
    return f"data:{media_type(path)};base64,{base64.b64encode(payload).decode('ascii')}"


def inline_css(root: Path, relative: str) -> str:
    """The stylesheet's text with every url(...) it uses replaced by the file's data: URI."""
    path = resolve_asset(root, relative)
    folder = Path(relative).parent

    def replace(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith("data:"):
            return match.group(0)
        return f'url("{data_uri(root, str(folder / target))}")'

    return CSS_URL.sub(replace, path.read_text(encoding="utf-8"))

