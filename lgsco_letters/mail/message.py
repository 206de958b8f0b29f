"""The email that carries a letter: cover note from `templates/email/`, the PDF attached.

The cover notes are rendered for every letter of a run before the first message goes, so that a
template editor's mistake stops the run with its file and line, never halfway through it.
"""

from __future__ import annotations

import collections
import hashlib
import json
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from jinja2 import TemplateNotFound

from lgsco_letters.data.models import Authority, Year
from lgsco_letters.errors import DataError, RenderError
from lgsco_letters.render.templating import (
    TEMPLATE_FAULTS,
    Templates,
    describe_parts,
    fault_problems,
    template_error_parts,
)

SUBJECT = "email/subject.txt"
COVER_TEXT = "email/cover.txt"
COVER_HTML = "email/cover.html"


@dataclass(frozen=True)
class Cover:
    """A letter's cover note, rendered: what goes around the PDF."""

    subject: str
    text: str
    html: str | None  # None: no cover.html, plain text only

    def digest(self) -> str:
        """The SHA-256 of the subject, the text and the HTML, as an approval records it."""
        parts = json.dumps([self.subject, self.text, self.html], ensure_ascii=False)
        return hashlib.sha256(parts.encode()).hexdigest()


# An approval covers the cover note as every letter's own: `{{ sender }}` is send's --from, the
# same for every letter, shown before sending, and unknown when a letter is approved; so the
# approved cover note is rendered with this in its place, when approving and when sending.
SENDER_SLOT = "sender@example.invalid"


def message_id(year: Year, authority: Authority, sha256: str, domain: str, resends: int) -> str:
    """Derived from the year, the authority and the PDF, so that a repeat is recognisable.

    A deliberate resend (`--resend`) is numbered, so that it is not taken for a repeat.
    """
    digest = hashlib.sha256(f"{year.label}/{authority.slug}/{sha256}".encode()).hexdigest()[:40]
    suffix = f".resend{resends}" if resends else ""
    return f"<{digest}{suffix}@{domain}>"


def attachment_name(year: Year, authority: Authority) -> str:
    return f"annual-review-letter-{year.letter_year}-{authority.slug}.pdf"


def subject(templates: Templates, year: Year, authority: Authority) -> str:
    """The letter's subject line, as `send` gives it and `bounces` looks for it."""
    return render_cover(templates, year, authority, "").subject


def render_cover(templates: Templates, year: Year, authority: Authority, sender: str) -> Cover:
    """The cover note for one letter. A template's fault is a `RenderError` saying which
    template and line; anything else is a bug and goes on up."""
    try:
        return _render_cover(templates, year, authority, sender)
    except Exception as error:
        parts = template_error_parts(error, templates.folder)
        if not isinstance(error, TEMPLATE_FAULTS) and parts[0] is None:
            raise
        raise RenderError(describe_parts(parts, templates.folder), *parts) from error


def _render_cover(templates: Templates, year: Year, authority: Authority, sender: str) -> Cover:
    context = templates.context(year, authority) | {
        "attachment_name": attachment_name(year, authority), "sender": sender}
    subject = templates.env.get_template(SUBJECT).render(context)
    text = templates.env.get_template(COVER_TEXT).render(context)
    try:
        html_template = templates.env.get_template(COVER_HTML)
    except TemplateNotFound as missing:
        if missing.name != COVER_HTML:
            raise  # cover.html is there, but what it includes is not
        html_template = None  # the HTML cover note is optional
    html = html_template.render(context) if html_template is not None else None
    return Cover(" ".join(subject.split()), _as_mailed(text),
                 _as_mailed(html) if html is not None else None)


def _as_mailed(part: str) -> str:
    """A part's text as the message carries it (lines ended by a newline, the last one too),
    so that what an approval's digest covers is exactly what goes."""
    lines = part.replace("\r\n", "\n").replace("\r", "\n")
    return lines if lines.endswith("\n") else lines + "\n"


def approved_cover(templates: Templates, year: Year, authority: Authority) -> Cover:
    """The cover note as an approval covers it (see SENDER_SLOT)."""
    return render_cover(templates, year, authority, SENDER_SLOT)


def render_covers(templates: Templates, year: Year, authorities: list[Authority],
                  sender: str) -> dict[str, Cover]:
    """Every letter's cover note, by slug; any template fault stops it all, said once with
    its place and how many letters it spoils."""
    covers, failures = {}, collections.defaultdict(list)
    for authority in authorities:
        try:
            covers[authority.slug] = render_cover(templates, year, authority, sender)
        except RenderError as error:
            failures[error.where].append(authority)
    if failures:
        raise DataError(fault_problems(failures, len(authorities), templates.folder))
    return covers


def compose(cover: Cover, year: Year, authority: Authority, pdf: bytes, *, sender: str,
            cc: list[str], msgid: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = authority.recipient.email
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = cover.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = msgid
    message.set_content(cover.text)
    if cover.html is not None:
        message.add_alternative(cover.html, subtype="html")
    message.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=attachment_name(year, authority))
    return message
