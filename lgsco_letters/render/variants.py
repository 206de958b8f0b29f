"""The PDF variants a letter can be written as. Every one is tagged for screen readers.

Kept apart from `render` so that the command line can check a variant's name without
importing WeasyPrint.
"""

from __future__ import annotations

from typing import Any

DEFAULT_VARIANT = "pdf/ua-1"
VARIANTS = {
    "pdf/ua-1": "accessible (PDF/UA-1); the default",
    "pdf/ua-2": "accessible (PDF/UA-2, PDF 2.0)",
    "pdf/a-3a": "archival and accessible (PDF/A-3a)",
    "pdf/a-2a": "archival and accessible (PDF/A-2a)",
    "pdf/a-3b": "archival (PDF/A-3b), still tagged",
    "pdf/a-2b": "archival (PDF/A-2b), still tagged",
    "pdf/a-3u": "archival with Unicode text (PDF/A-3u), still tagged",
    "pdf/a-2u": "archival with Unicode text (PDF/A-2u), still tagged",
}


def pdf_options(variant: str = DEFAULT_VARIANT) -> dict[str, Any]:
    """WeasyPrint's options for a variant. Tags are asked for even where the variant does not
    require them: the letters are published, so they must be accessible whatever else they are.
    `custom_metadata` carries the provenance (`provenance.py`) into the PDF's Info dictionary."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown PDF variant {variant!r}")
    return {"pdf_variant": variant, "pdf_tags": True, "custom_metadata": True}
