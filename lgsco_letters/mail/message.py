"""The email that carries a letter: cover note from `templates/email/`, the PDF attached."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formatdate

from jinja2 import TemplateNotFound

from lgsco_letters.data.models import Authority, Year
from lgsco_letters.render.templating import Templates

SUBJECT = "email/subject.txt"
COVER_TEXT = "email/cover.txt"
COVER_HTML = "email/cover.html"


def message_id(year: Year, authority: Authority, sha256: str, domain: str, resends: int) -> str:
    """Derived from the year, the authority and the PDF, so that a repeat is recognisable.

    A deliberate resend (`--resend`) is numbered, so that it is not taken for a repeat.
    """
    digest = hashlib.sha256(f"{year.label}/{authority.slug}/{sha256}".encode()).hexdigest()[:40]
    suffix = f".resend{resends}" if resends else ""
    return f"<{digest}{suffix}@{domain}>"


def attachment_name(year: Year, authority: Authority) -> str:
    return f"annual-review-letter-{year.letter_year}-{authority.slug}.pdf"


def subject(templates: Templates, year: Year, authority: Authority,
            context: dict | None = None) -> str:
    """The letter's subject line, as `send` gives it and `bounces` looks for it."""
    context = context or templates.context(year, authority) | {
        "attachment_name": attachment_name(year, authority), "sender": ""}
    return " ".join(templates.env.get_template(SUBJECT).render(context).split())


def compose(templates: Templates, year: Year, authority: Authority, pdf: bytes, *,
            sender: str, cc: list[str], msgid: str) -> EmailMessage:
    context = templates.context(year, authority) | {
        "attachment_name": attachment_name(year, authority), "sender": sender}
    message = EmailMessage()
    message["From"] = sender
    message["To"] = authority.recipient.email
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject(templates, year, authority, context)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = msgid
    message.set_content(templates.env.get_template(COVER_TEXT).render(context))
    try:
        html = templates.env.get_template(COVER_HTML).render(context)
        message.add_alternative(html, subtype="html")
    except TemplateNotFound:
        pass  # the HTML cover note is optional
    message.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=attachment_name(year, authority))
    return message
