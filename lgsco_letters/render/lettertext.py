"""A letter's words: its HTML reduced to sentences, for comparing wording across letters."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from lgsco_letters.data.models import Authority

BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "th", "td", "caption", "div",
          "section", "tr", "table", "br", "body"}
SKIPPED = {"head", "style", "script"}
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


class _Blocks(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.buffer: list[str] = []
        self.skipping = 0

    def flush(self) -> None:
        text = " ".join("".join(self.buffer).split())
        if text:
            self.blocks.append(text)
        self.buffer = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in BLOCKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.buffer.append(data)


def sentences(html: str) -> list[str]:
    """The letter's visible text, block by block, each block cut into sentences."""
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    parser.flush()
    return [sentence for block in parser.blocks for sentence in SENTENCE_END.split(block)]


def generalise(text: str, authority: Authority) -> str:
    """The authority's own name and recipient as placeholders, so that one wording change
    shared by every letter reads (and counts) as one change."""
    text = text.replace(authority.name, "«authority»")
    if authority.recipient.name:
        text = text.replace(authority.recipient.name, "«recipient»")
    return text
