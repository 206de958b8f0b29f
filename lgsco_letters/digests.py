"""A file's SHA-256: how every stage tells whether a file is still the one it expects (the
build its letters, `send` and `status` what was approved, `publish` what it copied)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str | None:
    """The file's SHA-256 in hex, or None when there is no such file."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
