"""What shapes a letter besides its data: the one definition, which the build uses to know which
letters to render again and `inspect` to say whether a letter's templates have changed.

A letter's shape is the engine, and every file under templates/ that its rendering uses, by
name and content:

- its templates: the letter's template and every template it extends, includes or imports,
  those named by a constant (read from the templates, taken or not) and those named by an
  expression (as rendering this letter named them), and theirs in turn;
- its assets: the stylesheets the renderer applies, every file `asset()` names, every file the
  HTML refers to (`src`, `href`, `url()` and `@import` in a style), and every file each
  stylesheet among them refers to (`url()`, `@font-face` sources, `@import`), and theirs.

A reference is resolved as WeasyPrint resolves it (against the HTML's base, the templates folder,
or the stylesheet that makes it), so the shape names exactly the files the PDF can read. Nothing
else under templates/ counts: a new draft template or an edit to the email leaves every letter
as it was.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from jinja2 import TemplateNotFound, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lgsco_letters.render.provenance import engine_version

# How HTML and CSS name another file: attributes, url(...) (in a stylesheet, a style element or
# attribute, an @font-face source) and @import with a plain string. Any case, spelt out: the
# flag for it makes the search of every letter's HTML five times slower.
HTML_REFERENCE = re.compile(r"""(?:[sS][rR][cC]|[hH][rR][eE][fF])\s*=\s*(["'])([^"']+)\1""")
CSS_URL = re.compile(r"""[uU][rR][lL]\(\s*(['"]?)([^'")]+)\1\s*\)""")
CSS_IMPORT = re.compile(r"""@[iI][mM][pP][oO][rR][tT]\s+(["'])([^"']+)\1""")
MISSING = b"(missing)"  # a file named but not there: its use will say so; its arrival counts


@dataclass
class Use:
    """What one rendering of a letter asked for: templates by name (those tried too, as a
    template chosen from a list depends on which exist) and assets by `asset()`."""

    templates: list[str] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)


_USE: contextvars.ContextVar[Use | None] = contextvars.ContextVar("lgsco_use", default=None)


@contextlib.contextmanager
def recording() -> Iterator[Use]:
    """What the renderings inside the block ask for (per thread: the preview server's
    requests each record their own)."""
    use = Use()
    token = _USE.set(use)
    try:
        yield use
    finally:
        _USE.reset(token)


def note_asset(relative: str) -> None:
    if (use := _USE.get()) is not None:
        use.assets.append(relative)


def _note_templates(names: Iterable) -> None:
    if (use := _USE.get()) is not None:
        use.templates += [name if isinstance(name, str) else name.name for name in names
                          if isinstance(name, str) or getattr(name, "name", None)]


class LetterEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's sandbox, noting every template a rendering loads, however it was named."""

    def get_template(self, name, parent=None, globals=None):
        _note_templates([name])
        return super().get_template(name, parent, globals)

    def select_template(self, names, parent=None, globals=None):
        if isinstance(names, list | tuple):
            _note_templates(names)
        return super().select_template(names, parent, globals)


@dataclass(frozen=True)
class Shape:
    templates: tuple[str, ...]
    assets: tuple[str, ...]
    fingerprint: str  # the engine and every file above, by name and content


class Shapes:
    """Letters' shapes over one snapshot of the templates folder: each file read once."""

    def __init__(self, env: ImmutableSandboxedEnvironment, folder: Path, stylesheets: tuple):
        self.env, self.folder, self.stylesheets = env, folder, stylesheets
        self.base = folder.as_uri() + "/"
        self._contents: dict[str, bytes] = {}
        self._named: dict[str, list[str]] = {}  # templates named by a template
        self._referred: dict[str, list[str]] = {}  # files named by a stylesheet
        self._fingerprints: dict[tuple[str, ...], str] = {}

    def of(self, use: Use, html: str) -> Shape:
        """The shape of a letter rendered as `use` records, whose HTML (for a PDF) is `html`."""
        templates = self.closure(use.templates)
        named = [*self.stylesheets, *use.assets, *self._references(html, self.base)]
        assets = self._with_dependencies(named)
        return Shape(tuple(templates), tuple(assets), self._fingerprint({*templates, *assets}))

    def _fingerprint(self, files: set[str]) -> str:
        key = tuple(sorted(files))
        if key not in self._fingerprints:  # the same files, the same contents: in a snapshot
            digest = hashlib.sha256(engine_version().encode("utf-8") + b"\0")
            for relative in key:
                digest.update(relative.encode("utf-8") + b"\0" + self._content(relative) + b"\0")
            self._fingerprints[key] = digest.hexdigest()
        return self._fingerprints[key]

    def closure(self, names: Iterable[str]) -> list[str]:
        """The templates and every template they name by a constant, each once."""
        seen, queue = [], list(names)
        while queue:
            current = queue.pop(0)
            if current not in seen:
                seen.append(current)
                queue += self._named_by(current)
        return seen

    def _named_by(self, name: str) -> list[str]:
        if name not in self._named:
            try:
                source = self.env.loader.get_source(self.env, name)[0]
            except TemplateNotFound:
                self._named[name] = []
            else:
                self._named[name] = [ref for ref in meta.find_referenced_templates(
                    self.env.parse(source)) if ref is not None]
        return self._named[name]

    def _with_dependencies(self, named: list[str]) -> list[str]:
        """The files named, and every file each stylesheet among them refers to, and so on."""
        found, queue = [], list(named)
        while queue:
            current = queue.pop(0)
            if current in found:
                continue
            found.append(current)
            if current.lower().endswith(".css"):
                queue += self._referred_by(current)
        return found

    def _referred_by(self, stylesheet: str) -> list[str]:
        if stylesheet not in self._referred:
            text = self._content(stylesheet).decode("utf-8", "replace")
            self._referred[stylesheet] = self._references(
                text, (self.folder / stylesheet).as_uri(), css=True)
        return self._referred[stylesheet]

    def _references(self, text: str, base: str, css: bool = False) -> list[str]:
        """The files under templates/ that `text` (HTML, or CSS with `css`) refers to."""
        found = [match.group(2) for pattern in (CSS_URL, CSS_IMPORT) for match in
                 pattern.finditer(text)]
        if not css:
            found += [match.group(2) for match in HTML_REFERENCE.finditer(text)]
        return [relative for target in found
                if (relative := self._inside(urljoin(base, target.strip()))) is not None]

    def _inside(self, url: str) -> str | None:
        """The path under templates/ that `url` reaches, if it is a file there."""
        parts = urlsplit(url)
        if parts.scheme != "file" or url.startswith(self.base + "#"):
            return None
        root = PurePosixPath(urlsplit(self.base).path)
        path = PurePosixPath(unquote(parts.path))
        if ".." in path.parts or not path.is_relative_to(root) or path == root:
            return None
        return str(path.relative_to(root))

    def _content(self, relative: str) -> bytes:
        if relative not in self._contents:
            path = self.folder / relative
            self._contents[relative] = path.read_bytes() if path.is_file() else MISSING
        return self._contents[relative]
