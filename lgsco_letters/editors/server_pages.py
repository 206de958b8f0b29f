"""The preview server's own pages (under `pages/`, not the letter's templates)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

PAGES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "pages"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
)


def page(name: str, **context) -> str:
    return PAGES.get_template(f"{name}.html").render(**context)
